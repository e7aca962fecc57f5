//! Clock records (ATT-4) as plain data: what a client's clock-in or clock-out leaves behind,
//! and the two fields of it that judging a day needs ([`Punch`]).

use std::fmt;
use std::str::FromStr;

/// Clock-in or clock-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Clock-in.
    In,
    /// Clock-out.
    Out,
}

impl Kind {
    /// `"in"` or `"out"`, the stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::In => "in",
            Kind::Out => "out",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was neither `in` nor `out`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("clock kind must be \"in\" or \"out\"")]
pub struct KindError;

impl FromStr for Kind {
    type Err = KindError;
    fn from_str(s: &str) -> Result<Kind, KindError> {
        match s {
            "in" => Ok(Kind::In),
            "out" => Ok(Kind::Out),
            _ => Err(KindError),
        }
    }
}

/// The time and kind of one clock record: all that judging a day looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Punch {
    /// Server time of the record, Unix seconds.
    pub at: i64,
    /// In or out.
    pub kind: Kind,
}

impl Punch {
    /// A clock-in at `at`.
    pub fn clock_in(at: i64) -> Punch {
        Punch { at, kind: Kind::In }
    }

    /// A clock-out at `at`.
    pub fn clock_out(at: i64) -> Punch {
        Punch {
            at,
            kind: Kind::Out,
        }
    }
}

/// One stored clock record, as the records query and the export show it. The reported
/// fields come from the client and are not trusted for anything; the export neutralises
/// them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockRecord {
    /// The member's id (the directory's `MemberId.0`).
    pub member: u64,
    /// Server time, Unix seconds.
    pub at: i64,
    /// In or out.
    pub kind: Kind,
    /// The client's address as the server saw it (the connection's peer).
    pub ip_seen: String,
    /// The address the client reported (its own interface), empty if none.
    pub ip_reported: String,
    /// The MAC address the client reported, empty if none.
    pub mac_reported: String,
    /// The kind of client (`windows`, `macos`, `android`, `ios`, `web`…), as reported.
    pub client_kind: String,
}

impl ClockRecord {
    /// Its time and kind.
    pub fn punch(&self) -> Punch {
        Punch {
            at: self.at,
            kind: self.kind,
        }
    }
}
