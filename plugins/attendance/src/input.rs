//! Checking what clients and forms send — dates, months, periods, what a clock-in reports
//! (IP, MAC, client kind), paging — into typed values or a clear refusal, shared by the API
//! and the panel so both accept and refuse the same things.

use std::net::IpAddr;

use jiff::civil::Date;

use crate::calendar::{self, Month};
use crate::classify::Status;
use crate::view::{Env, MAX_PERIOD_DAYS, period_days};

/// The longest client kind accepted.
pub const MAX_CLIENT_KIND: usize = 32;

/// The most rows one page of records shows.
pub const MAX_PER_PAGE: u32 = 500;

/// Rows per page of records unless asked otherwise.
pub const PER_PAGE: u32 = 50;

/// Why an input was refused (the English text goes to API clients; the panel shows its own
/// translation of the kind).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not `YYYY-MM-DD`.
    #[error("{field} must be a date YYYY-MM-DD, got {value:?}")]
    Date {
        /// The parameter.
        field: &'static str,
        /// What was sent.
        value: String,
    },
    /// Not `YYYY-MM`.
    #[error("{field} must be a month YYYY-MM, got {value:?}")]
    Month {
        /// The parameter.
        field: &'static str,
        /// What was sent.
        value: String,
    },
    /// `to` before `from`, or too long.
    #[error("the period must run forward and cover at most {MAX_PERIOD_DAYS} days")]
    Period,
    /// An unknown status key.
    #[error("unknown status {0:?}")]
    Status(String),
    /// Not a number.
    #[error("{field} must be a positive whole number, got {value:?}")]
    Number {
        /// The parameter.
        field: &'static str,
        /// What was sent.
        value: String,
    },
    /// The reported IP address is not one.
    #[error("ip must be an IPv4 or IPv6 address, got {0:?}")]
    Ip(String),
    /// The reported MAC address is not one.
    #[error("mac must be a MAC address of six hex pairs such as 00:1A:2B:3C:4D:5E, got {0:?}")]
    Mac(String),
    /// The client kind is not a short word.
    #[error(
        "client must be 1 to {MAX_CLIENT_KIND} letters, digits, '.', '-' or '_' (e.g. windows, android), got {0:?}"
    )]
    Client(String),
    /// The clock kind is not in or out.
    #[error("kind must be \"in\" or \"out\", got {0:?}")]
    Kind(String),
}

/// A query value that counts only when it is not blank.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date parameter (`YYYY-MM-DD`), or `default` when absent.
pub fn date(field: &'static str, v: &Option<String>, default: Date) -> Result<Date, InputError> {
    match given(v) {
        None => Ok(default),
        Some(s) => calendar::parse_ymd(s).ok_or_else(|| InputError::Date {
            field,
            value: s.to_string(),
        }),
    }
}

/// A month parameter (`YYYY-MM`), or `default` when absent.
pub fn month(field: &'static str, v: &Option<String>, default: Month) -> Result<Month, InputError> {
    match given(v) {
        None => Ok(default),
        Some(s) => Month::parse(s).ok_or_else(|| InputError::Month {
            field,
            value: s.to_string(),
        }),
    }
}

/// A period `from..=to` (`from` defaulting to today, `to` to the later of `from` and
/// today), at most [`MAX_PERIOD_DAYS`] long.
pub fn period(
    env: &Env,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(Date, Date), InputError> {
    let from = date("from", from, env.today)?;
    let to = date("to", to, from.max(env.today))?;
    let n = period_days(from, to);
    if !(1..=MAX_PERIOD_DAYS).contains(&n) {
        return Err(InputError::Period);
    }
    Ok((from, to))
}

/// A status key (`late`, `absent`…).
pub fn status(v: &Option<String>) -> Result<Option<Status>, InputError> {
    given(v)
        .map(|s| Status::from_key(s).ok_or_else(|| InputError::Status(s.to_string())))
        .transpose()
}

/// A positive whole number, or `default` when absent.
pub fn number(field: &'static str, v: &Option<String>, default: u64) -> Result<u64, InputError> {
    match given(v) {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| InputError::Number {
                field,
                value: s.to_string(),
            }),
    }
}

/// An org id parameter.
pub fn org(v: &Option<String>) -> Result<Option<u64>, InputError> {
    given(v)
        .map(|s| {
            s.parse::<u64>().map_err(|_| InputError::Number {
                field: "org",
                value: s.to_string(),
            })
        })
        .transpose()
}

/// The IP address a client reports, in its canonical text.
pub fn reported_ip(v: Option<&str>) -> Result<String, InputError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(String::new()),
        Some(s) => s
            .parse::<IpAddr>()
            .map(|ip| ip.to_string())
            .map_err(|_| InputError::Ip(s.to_string())),
    }
}

/// The MAC address a client reports: six hex pairs separated by `:` or `-` (or none),
/// stored as `00:1A:2B:3C:4D:5E`.
pub fn reported_mac(v: Option<&str>) -> Result<String, InputError> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(String::new());
    };
    let refuse = || InputError::Mac(s.to_string());
    let hex: String = if s.len() == 17 {
        let sep = s.as_bytes().get(2).copied();
        if !matches!(sep, Some(b':' | b'-')) {
            return Err(refuse());
        }
        let mut out = String::with_capacity(12);
        for (i, c) in s.chars().enumerate() {
            if i % 3 == 2 {
                if Some(c as u32) != sep.map(u32::from) {
                    return Err(refuse());
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if s.len() == 12 {
        s.to_string()
    } else {
        return Err(refuse());
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse());
    }
    let hex = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).filter_map(|i| hex.get(i * 2..i * 2 + 2)).collect();
    Ok(pairs.join(":"))
}

/// The kind of client reported (`windows`, `android`…), lowercased.
pub fn client_kind(v: Option<&str>) -> Result<String, InputError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(String::new()),
        Some(s)
            if s.len() <= MAX_CLIENT_KIND
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) =>
        {
            Ok(s.to_ascii_lowercase())
        }
        Some(s) => Err(InputError::Client(s.chars().take(64).collect())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_are_checked_and_normalised() {
        let ok = [
            ("00:1a:2b:3c:4d:5e", "00:1A:2B:3C:4D:5E"),
            ("00-1A-2B-3C-4D-5E", "00:1A:2B:3C:4D:5E"),
            ("001a2b3c4d5e", "00:1A:2B:3C:4D:5E"),
        ];
        for (input, want) in ok {
            assert_eq!(reported_mac(Some(input)).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5g",
            "00:1a-2b:3c:4d:5e",
            "001a.2b3c.4d5e",
            "00:1a:2b:3c:4d:5e:6f",
            "zz",
        ] {
            assert!(reported_mac(Some(bad)).is_err(), "{bad} accepted");
        }
        assert_eq!(reported_mac(None).as_deref(), Ok(""));
        assert_eq!(reported_mac(Some("  ")).as_deref(), Ok(""));
    }

    #[test]
    fn ips_and_clients_are_checked() {
        assert_eq!(
            reported_ip(Some("192.168.1.20")).as_deref(),
            Ok("192.168.1.20")
        );
        assert_eq!(
            reported_ip(Some("2001:DB8::1")).as_deref(),
            Ok("2001:db8::1")
        );
        assert!(reported_ip(Some("192.168.1.300")).is_err());
        assert!(reported_ip(Some("=cmd|' /C calc'!A0")).is_err());
        assert_eq!(client_kind(Some("Windows")).as_deref(), Ok("windows"));
        assert!(client_kind(Some("win dows")).is_err());
        assert!(client_kind(Some(&"x".repeat(33))).is_err());
    }
}
