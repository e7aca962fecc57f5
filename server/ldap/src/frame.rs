//! Framing of LDAP messages on a byte stream: find one BER-encoded LDAPMessage, bound its
//! size before buffering it, and decode it together with the raw criticality of each
//! control (ldap3_proto drops criticality for some controls; RFC 4511 needs it).

use bytes::BytesMut;
use ldap3_lber::common::TagClass;
use ldap3_lber::parse::Parser;
use ldap3_lber::structure::{PL, StructureTag};
use ldap3_proto::LdapMsg;

/// Deepest BER nesting accepted (filters are bounded again, more tightly, later).
const MAX_BER_DEPTH: usize = 64;

/// Why a frame could not be decoded; each ends the connection with a Notice of
/// Disconnection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not a BER SEQUENCE, bad length encoding, or not an LDAPMessage.
    #[error("malformed LDAP message: {0}")]
    Malformed(&'static str),
    /// Longer than the configured limit.
    #[error("LDAP message of {0} bytes exceeds the limit")]
    TooLarge(usize),
    /// messageID 0 or out of range in a request.
    #[error("invalid messageID")]
    BadMessageId,
}

/// A control as it came on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawControl {
    /// Its OID.
    pub oid: String,
    /// Its criticality.
    pub critical: bool,
}

/// One decoded request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The message as ldap3_proto understands it.
    pub msg: LdapMsg,
    /// The controls with their criticality, in order.
    pub controls: Vec<RawControl>,
}

/// Returns the total length of the first message in `buf`, `None` if more bytes are needed.
pub fn frame_len(buf: &[u8], max: usize) -> Result<Option<usize>, FrameError> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    if tag != 0x30 {
        return Err(FrameError::Malformed("not a SEQUENCE"));
    }
    let Some(&l0) = buf.get(1) else {
        return Ok(None);
    };
    let (header, len) = if l0 < 0x80 {
        (2usize, usize::from(l0))
    } else if l0 == 0x80 {
        return Err(FrameError::Malformed("indefinite length"));
    } else {
        let n = usize::from(l0 & 0x7f);
        if n > 4 {
            return Err(FrameError::TooLarge(usize::MAX));
        }
        let Some(bytes) = buf.get(2..2 + n) else {
            return Ok(None);
        };
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + n, len)
    };
    let total = header.saturating_add(len);
    if total > max {
        return Err(FrameError::TooLarge(total));
    }
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(total))
}

/// Takes one message off the front of `buf` if complete.
pub fn decode(buf: &mut BytesMut, max: usize) -> Result<Option<Request>, FrameError> {
    let Some(len) = frame_len(buf, max)? else {
        return Ok(None);
    };
    let frame = buf.split_to(len);
    let mut parser = Parser::new(MAX_BER_DEPTH);
    let tag = match parser.parse(&frame) {
        Ok((&[], tag)) => tag,
        _ => return Err(FrameError::Malformed("bad BER encoding")),
    };
    let (msgid, controls) = inspect(&tag)?;
    if msgid == 0 {
        return Err(FrameError::BadMessageId);
    }
    let msg = LdapMsg::try_from(tag).map_err(|_| FrameError::Malformed("not an LDAPMessage"))?;
    Ok(Some(Request { msg, controls }))
}

/// Reads the messageID and the controls' OIDs and criticality from the raw structure.
fn inspect(tag: &StructureTag) -> Result<(i64, Vec<RawControl>), FrameError> {
    let PL::C(items) = &tag.payload else {
        return Err(FrameError::Malformed("LDAPMessage is not constructed"));
    };
    let id = match items.first() {
        Some(StructureTag {
            class: TagClass::Universal,
            id: 2,
            payload: PL::P(bytes),
        }) => ber_uint(bytes).ok_or(FrameError::BadMessageId)?,
        _ => return Err(FrameError::Malformed("missing messageID")),
    };
    let mut controls = Vec::new();
    if let Some(StructureTag {
        class: TagClass::Context,
        id: 0,
        payload: PL::C(ctrls),
    }) = items.get(2)
    {
        for c in ctrls {
            let PL::C(parts) = &c.payload else {
                return Err(FrameError::Malformed("control is not a SEQUENCE"));
            };
            let oid = match parts.first() {
                Some(StructureTag {
                    payload: PL::P(b), ..
                }) => String::from_utf8(b.clone())
                    .map_err(|_| FrameError::Malformed("control OID is not UTF-8"))?,
                _ => return Err(FrameError::Malformed("control without OID")),
            };
            let critical = parts.get(1).is_some_and(|t| {
                t.class == TagClass::Universal
                    && t.id == 1
                    && matches!(&t.payload, PL::P(b) if b.first().is_some_and(|x| *x != 0))
            });
            controls.push(RawControl { oid, critical });
        }
    }
    Ok((id, controls))
}

/// A non-negative BER INTEGER that fits maxInt (2^31 - 1).
fn ber_uint(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 5 {
        return None;
    }
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None; // negative
    }
    let v = bytes.iter().fold(0i64, |acc, b| (acc << 8) | i64::from(*b));
    (v <= i64::from(i32::MAX)).then_some(v)
}

/// Encodes a response message onto `out`.
pub fn encode(msg: LdapMsg, out: &mut BytesMut) -> std::io::Result<()> {
    let tag: StructureTag = msg.into();
    ldap3_lber::write::encode_into(out, tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(frame_len(&[], 100), Ok(None));
        assert_eq!(frame_len(&[0x30], 100), Ok(None));
        assert_eq!(frame_len(&[0x30, 0x03, 1, 2], 100), Ok(None));
        assert_eq!(frame_len(&[0x30, 0x02, 1, 2], 100), Ok(Some(4)));
        assert_eq!(frame_len(&[0x30, 0x82, 0x01, 0x00], 1000), Ok(None));
        assert_eq!(
            frame_len(&[0x30, 0x82, 0x01, 0x00], 100),
            Err(FrameError::TooLarge(260))
        );
        assert_eq!(
            frame_len(&[0x30, 0x80], 100),
            Err(FrameError::Malformed("indefinite length"))
        );
        assert!(frame_len(&[0x04, 0x00], 100).is_err());
        assert!(frame_len(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1], 100).is_err());
    }

    #[test]
    fn message_id_zero_is_refused() {
        // unbindRequest with messageID 0: 30 05 02 01 00 42 00
        let mut buf = BytesMut::from(&[0x30, 0x05, 0x02, 0x01, 0x00, 0x42, 0x00][..]);
        assert_eq!(decode(&mut buf, 100).err(), Some(FrameError::BadMessageId));
        let mut buf = BytesMut::from(&[0x30, 0x05, 0x02, 0x01, 0x07, 0x42, 0x00][..]);
        let req = decode(&mut buf, 100).ok().flatten().map(|r| r.msg.msgid);
        assert_eq!(req, Some(7));
        assert!(buf.is_empty());
    }
}
