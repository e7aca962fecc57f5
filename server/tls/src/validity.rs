//! Reading the validity period of an X.509 certificate.
//!
//! webpki (used by rustls) does not check the validity dates of trust anchors, but other
//! clients (OpenSSL, Java, ...) reject chains whose CA has expired. To renew the demo CA in
//! time we need its `notAfter`, and pulling in a full X.509 parser for two dates is not worth
//! it: this is a minimal DER walk down to `tbsCertificate.validity`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

const SEQUENCE: u8 = 0x30;
const CONTEXT_0: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// `(notBefore, notAfter)` of a DER certificate, or `None` if it cannot be parsed.
pub(crate) fn validity(cert_der: &[u8]) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let (tag, cert, _) = tlv(cert_der)?;
    expect_tag(tag, SEQUENCE)?;
    let (tag, tbs, _) = tlv(cert)?;
    expect_tag(tag, SEQUENCE)?;
    let (tag, _, mut rest) = tlv(tbs)?;
    if tag == CONTEXT_0 {
        // That was the explicit version; skip the serial number too.
        (_, _, rest) = tlv(rest)?;
    }
    // Skip signature algorithm and issuer.
    for _ in 0..2 {
        (_, _, rest) = tlv(rest)?;
    }
    let (tag, validity, _) = tlv(rest)?;
    expect_tag(tag, SEQUENCE)?;
    let (tag, not_before, rest) = tlv(validity)?;
    let not_before = parse_time(tag, not_before)?;
    let (tag, not_after, _) = tlv(rest)?;
    let not_after = parse_time(tag, not_after)?;
    Some((not_before, not_after))
}

fn expect_tag(tag: u8, expected: u8) -> Option<()> {
    (tag == expected).then_some(())
}

/// Splits one DER element off `input`: `(tag, content, rest)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let mut len = 0usize;
        for _ in 0..count {
            let (&byte, remaining) = input.split_first()?;
            len = (len << 8) | usize::from(byte);
            input = remaining;
        }
        len
    };
    let content = input.get(..len)?;
    let rest = input.get(len..)?;
    Some((tag, content, rest))
}

/// Parses `UTCTime` (`YYMMDDHHMMSSZ`) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`).
fn parse_time(tag: u8, value: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        UTC_TIME => {
            let yy = i32::try_from(number(text.get(..2)?)?).ok()?;
            // RFC 5280 4.1.2.5.1: 50..99 means 19xx, 00..49 means 20xx.
            let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            (year, text.get(2..)?)
        }
        GENERALIZED_TIME => (i32::try_from(number(text.get(..4)?)?).ok()?, text.get(4..)?),
        _ => return None,
    };
    if rest.len() != 10 {
        return None;
    }
    let field = |range: std::ops::Range<usize>| -> Option<u8> {
        u8::try_from(number(rest.get(range)?)?).ok()
    };
    let month = Month::try_from(field(0..2)?).ok()?;
    let date = Date::from_calendar_date(year, month, field(2..4)?).ok()?;
    let time = Time::from_hms(field(4..6)?, field(6..8)?, field(8..10)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rcgen_validity() -> Result<(), Box<dyn std::error::Error>> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
        // One date in UTCTime range, one in GeneralizedTime range (year >= 2050).
        params.not_before = time::macros::datetime!(2024-02-29 12:34:56 UTC);
        params.not_after = time::macros::datetime!(2061-07-01 00:00:01 UTC);
        let cert = params.self_signed(&key)?;
        assert_eq!(
            validity(cert.der()),
            Some((params.not_before, params.not_after))
        );
        Ok(())
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(validity(&[]), None);
        assert_eq!(validity(&[0x30, 0x82, 0xff]), None);
        assert_eq!(validity(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
        assert_eq!(parse_time(UTC_TIME, b"991332000000Z"), None);
        assert_eq!(parse_time(UTC_TIME, b"99123100000"), None);
        assert_eq!(parse_time(0x05, b"991231000000Z"), None);
        assert_eq!(
            parse_time(UTC_TIME, b"491231235959Z"),
            Some(time::macros::datetime!(2049-12-31 23:59:59 UTC))
        );
        assert_eq!(
            parse_time(UTC_TIME, b"500101000000Z"),
            Some(time::macros::datetime!(1950-01-01 00:00:00 UTC))
        );
    }
}
