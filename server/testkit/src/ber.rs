//! Hand-made BER for protocol tests: build exact bytes (including invalid ones) and read the
//! server's replies without trusting any LDAP library.
//!
//! Only what LDAP uses is supported: one-byte tags (numbers below 31) and definite lengths.

use std::io::{self, Read};

use anyhow::{Context as _, Result, bail, ensure};

/// Largest element [`read_tlv`] accepts from a peer, to keep a misbehaving server from
/// making the test allocate without bound.
pub const MAX_READ: usize = 64 * 1024 * 1024;

/// Universal and LDAP tags used by the helpers (RFC 4511 section 4).
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// ENUMERATED.
    pub const ENUMERATED: u8 = 0x0a;
    /// BOOLEAN.
    pub const BOOLEAN: u8 = 0x01;
    /// SEQUENCE (constructed).
    pub const SEQUENCE: u8 = 0x30;
    /// BindRequest `[APPLICATION 0]`.
    pub const BIND_REQUEST: u8 = 0x60;
    /// BindResponse `[APPLICATION 1]`.
    pub const BIND_RESPONSE: u8 = 0x61;
    /// UnbindRequest `[APPLICATION 2]` (primitive NULL).
    pub const UNBIND_REQUEST: u8 = 0x42;
    /// SearchRequest `[APPLICATION 3]`.
    pub const SEARCH_REQUEST: u8 = 0x63;
    /// SearchResultEntry `[APPLICATION 4]`.
    pub const SEARCH_RESULT_ENTRY: u8 = 0x64;
    /// SearchResultDone `[APPLICATION 5]`.
    pub const SEARCH_RESULT_DONE: u8 = 0x65;
    /// AbandonRequest `[APPLICATION 16]` (primitive INTEGER).
    pub const ABANDON_REQUEST: u8 = 0x50;
    /// ExtendedRequest `[APPLICATION 23]`.
    pub const EXTENDED_REQUEST: u8 = 0x77;
    /// ExtendedResponse `[APPLICATION 24]`.
    pub const EXTENDED_RESPONSE: u8 = 0x78;
    /// Simple authentication `[0]` inside a BindRequest.
    pub const AUTH_SIMPLE: u8 = 0x80;
    /// Present filter `[7]` (primitive).
    pub const FILTER_PRESENT: u8 = 0x87;
    /// Equality filter `[3]` (constructed).
    pub const FILTER_EQUALITY: u8 = 0xa3;
    /// `requestName [0]` of an ExtendedRequest.
    pub const EXT_REQUEST_NAME: u8 = 0x80;
    /// `requestValue [1]` of an ExtendedRequest.
    pub const EXT_REQUEST_VALUE: u8 = 0x81;
    /// `responseName [10]` of an ExtendedResponse.
    pub const EXT_RESPONSE_NAME: u8 = 0x8a;
    /// `responseValue [11]` of an ExtendedResponse.
    pub const EXT_RESPONSE_VALUE: u8 = 0x8b;
    /// `controls [0]` of an LDAPMessage.
    pub const CONTROLS: u8 = 0xa0;
}

/// One decoded element: its tag byte and its content octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// The identifier octet (class, constructed bit and tag number).
    pub tag: u8,
    /// The content octets.
    pub value: Vec<u8>,
}

impl Tlv {
    /// Whether the constructed bit is set.
    pub fn is_constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// Decodes the content octets as a sequence of elements.
    ///
    /// # Errors
    /// When the content is not a whole number of well-formed elements.
    pub fn children(&self) -> Result<Vec<Tlv>> {
        let mut rest = self.value.as_slice();
        let mut out = Vec::new();
        while !rest.is_empty() {
            let (tlv, used) = decode(rest)?;
            out.push(tlv);
            rest = rest.get(used..).context("element overruns its parent")?;
        }
        Ok(out)
    }

    /// The content as a two's-complement integer (INTEGER or ENUMERATED).
    ///
    /// # Errors
    /// When the content is empty or longer than eight octets.
    pub fn as_int(&self) -> Result<i64> {
        ensure!(
            !self.value.is_empty() && self.value.len() <= 8,
            "integer of {} octets",
            self.value.len()
        );
        let negative = self.value.first().is_some_and(|b| b & 0x80 != 0);
        let mut n: i64 = if negative { -1 } else { 0 };
        for b in &self.value {
            n = (n << 8) | i64::from(*b);
        }
        Ok(n)
    }

    /// The content as text (lossy UTF-8).
    pub fn as_text(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }
}

/// Encodes a definite length.
pub fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        // Cannot truncate: len < 0x80.
        return vec![u8::try_from(len).unwrap_or(0x7f)];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    let mut out = vec![0x80 | u8::try_from(significant.len()).unwrap_or(8)];
    out.extend_from_slice(significant);
    out
}

/// Encodes one element.
pub fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(length(value.len()));
    out.extend_from_slice(value);
    out
}

/// Encodes an integer (minimal two's complement) under `tag` (INTEGER, ENUMERATED, or an
/// implicit tag such as AbandonRequest).
pub fn integer(tag: u8, n: i64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (Some(b), Some(next)) = (bytes.get(start), bytes.get(start + 1)) else {
            break;
        };
        let redundant = (*b == 0x00 && next & 0x80 == 0) || (*b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    encode(tag, bytes.get(start..).unwrap_or_default())
}

/// Encodes a constructed element from already encoded parts.
pub fn constructed(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    encode(tag, &parts.concat())
}

/// Decodes the element at the start of `bytes`; returns it and the number of octets used.
///
/// # Errors
/// When the element is truncated, uses a multi-byte tag or an indefinite length.
pub fn decode(bytes: &[u8]) -> Result<(Tlv, usize)> {
    let (&tag, rest) = bytes.split_first().context("empty input")?;
    ensure!(tag & 0x1f != 0x1f, "multi-byte tags are not used by LDAP");
    let (&first, rest) = rest.split_first().context("missing length")?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        ensure!(n != 0, "indefinite length is not allowed in LDAP");
        ensure!(n <= 8, "length of {n} octets");
        let len_bytes = rest.get(..n).context("truncated length")?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let end = header.checked_add(len).context("length overflows")?;
    let value = bytes.get(header..end).context("truncated element")?;
    Ok((
        Tlv {
            tag,
            value: value.to_vec(),
        },
        end,
    ))
}

/// Reads one element from a stream. `Ok(None)` means the peer closed the stream cleanly
/// before the first octet; a close in the middle of an element is an error.
///
/// # Errors
/// I/O errors (including timeouts and resets), truncation, and elements over [`MAX_READ`].
pub fn read_tlv(reader: &mut impl Read) -> io::Result<Option<Tlv>> {
    let mut tag = [0u8; 1];
    if reader.read(&mut tag)? == 0 {
        return Ok(None);
    }
    let [tag] = tag;
    let mut first = [0u8; 1];
    reader.read_exact(&mut first)?;
    let [first] = first;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 8 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad length octet {first:#04x}"),
            ));
        }
        let mut buf = vec![0u8; n];
        reader.read_exact(&mut buf)?;
        buf.iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if len > MAX_READ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("peer sent an element of {len} octets"),
        ));
    }
    let mut value = vec![0u8; len];
    reader.read_exact(&mut value)?;
    Ok(Some(Tlv { tag, value }))
}

/// LDAP messages (RFC 4511) built from the primitives above.
pub mod ldap {
    use super::{Result, Tlv, bail, constructed, encode, ensure, integer, tag};

    /// `LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL }`.
    pub fn message(id: i64, op: Vec<u8>) -> Vec<u8> {
        constructed(tag::SEQUENCE, &[integer(tag::INTEGER, id), op])
    }

    /// A simple BindRequest (version 3).
    pub fn simple_bind(id: i64, dn: &str, password: &str) -> Vec<u8> {
        message(
            id,
            constructed(
                tag::BIND_REQUEST,
                &[
                    integer(tag::INTEGER, 3),
                    encode(tag::OCTET_STRING, dn.as_bytes()),
                    encode(tag::AUTH_SIMPLE, password.as_bytes()),
                ],
            ),
        )
    }

    /// A SearchRequest with `filter` already encoded.
    pub fn search(id: i64, base: &str, scope: i64, filter: Vec<u8>, attrs: &[&str]) -> Vec<u8> {
        let attrs: Vec<Vec<u8>> = attrs
            .iter()
            .map(|a| encode(tag::OCTET_STRING, a.as_bytes()))
            .collect();
        message(
            id,
            constructed(
                tag::SEARCH_REQUEST,
                &[
                    encode(tag::OCTET_STRING, base.as_bytes()),
                    integer(tag::ENUMERATED, scope),
                    integer(tag::ENUMERATED, 0), // neverDerefAliases
                    integer(tag::INTEGER, 0),    // no size limit
                    integer(tag::INTEGER, 0),    // no time limit
                    encode(tag::BOOLEAN, &[0]),  // typesOnly FALSE
                    filter,
                    constructed(tag::SEQUENCE, &attrs),
                ],
            ),
        )
    }

    /// `(attr=*)`.
    pub fn present(attr: &str) -> Vec<u8> {
        encode(tag::FILTER_PRESENT, attr.as_bytes())
    }

    /// `(attr=value)`.
    pub fn equality(attr: &str, value: &[u8]) -> Vec<u8> {
        constructed(
            tag::FILTER_EQUALITY,
            &[
                encode(tag::OCTET_STRING, attr.as_bytes()),
                encode(tag::OCTET_STRING, value),
            ],
        )
    }

    /// An AbandonRequest for message `target`.
    pub fn abandon(id: i64, target: i64) -> Vec<u8> {
        message(id, integer(tag::ABANDON_REQUEST, target))
    }

    /// An UnbindRequest.
    pub fn unbind(id: i64) -> Vec<u8> {
        message(id, encode(tag::UNBIND_REQUEST, &[]))
    }

    /// An ExtendedRequest.
    pub fn extended(id: i64, oid: &str, value: Option<&[u8]>) -> Vec<u8> {
        let mut parts = vec![encode(tag::EXT_REQUEST_NAME, oid.as_bytes())];
        if let Some(value) = value {
            parts.push(encode(tag::EXT_REQUEST_VALUE, value));
        }
        message(id, constructed(tag::EXTENDED_REQUEST, &parts))
    }

    /// A decoded LDAPMessage.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Message {
        /// messageID.
        pub id: i64,
        /// protocolOp.
        pub op: Tlv,
        /// Whether a controls element was present.
        pub has_controls: bool,
    }

    /// The LDAPResult fields of a response, plus an ExtendedResponse's name and value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LdapResult {
        /// resultCode.
        pub code: i64,
        /// matchedDN.
        pub matched_dn: String,
        /// diagnosticMessage.
        pub message: String,
        /// responseName of an ExtendedResponse.
        pub response_name: Option<String>,
        /// responseValue of an ExtendedResponse.
        pub response_value: Option<Vec<u8>>,
    }

    impl Message {
        /// Decodes an LDAPMessage element.
        ///
        /// # Errors
        /// When it is not `SEQUENCE { INTEGER, op, [controls] }`.
        pub fn parse(tlv: &Tlv) -> Result<Self> {
            ensure!(tlv.tag == tag::SEQUENCE, "LDAPMessage tag {:#04x}", tlv.tag);
            let children = tlv.children()?;
            let (Some(id), Some(op)) = (children.first(), children.get(1)) else {
                bail!("LDAPMessage with {} elements", children.len());
            };
            ensure!(id.tag == tag::INTEGER, "messageID tag {:#04x}", id.tag);
            let has_controls = match children.get(2) {
                None => false,
                Some(c) if c.tag == tag::CONTROLS => true,
                Some(c) => bail!("unexpected element {:#04x} after protocolOp", c.tag),
            };
            ensure!(children.len() <= 3, "LDAPMessage with trailing elements");
            Ok(Self {
                id: id.as_int()?,
                op: op.clone(),
                has_controls,
            })
        }

        /// The LDAPResult of a response operation (BindResponse, SearchResultDone,
        /// ExtendedResponse …).
        ///
        /// # Errors
        /// When the operation does not start with resultCode, matchedDN, diagnosticMessage.
        pub fn result(&self) -> Result<LdapResult> {
            let parts = self.op.children()?;
            let (Some(code), Some(matched), Some(message)) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                bail!(
                    "response with {} elements is not an LDAPResult",
                    parts.len()
                );
            };
            ensure!(
                code.tag == tag::ENUMERATED,
                "resultCode tag {:#04x}",
                code.tag
            );
            ensure!(matched.tag == tag::OCTET_STRING, "matchedDN tag");
            ensure!(message.tag == tag::OCTET_STRING, "diagnosticMessage tag");
            let find = |t: u8| parts.iter().skip(3).find(|p| p.tag == t);
            Ok(LdapResult {
                code: code.as_int()?,
                matched_dn: matched.as_text(),
                message: message.as_text(),
                response_name: find(tag::EXT_RESPONSE_NAME).map(Tlv::as_text),
                response_value: find(tag::EXT_RESPONSE_VALUE).map(|t| t.value.clone()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_integers_minimally() {
        assert_eq!(integer(tag::INTEGER, 0), [0x02, 0x01, 0x00]);
        assert_eq!(integer(tag::INTEGER, 127), [0x02, 0x01, 0x7f]);
        assert_eq!(integer(tag::INTEGER, 128), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(tag::INTEGER, -1), [0x02, 0x01, 0xff]);
        assert_eq!(integer(tag::INTEGER, -129), [0x02, 0x02, 0xff, 0x7f]);
        assert_eq!(integer(tag::INTEGER, 2_147_483_647).len(), 6);
    }

    #[test]
    fn encodes_long_lengths() {
        assert_eq!(length(5), [5]);
        assert_eq!(length(200), [0x81, 200]);
        assert_eq!(length(0x1234), [0x82, 0x12, 0x34]);
    }

    #[test]
    fn round_trips_a_bind_request() -> Result<()> {
        // RFC 4511 anonymous bind, message 1: the well-known 14 octets.
        let bytes = ldap::simple_bind(1, "", "");
        assert_eq!(
            bytes,
            [
                0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00
            ]
        );
        let (tlv, used) = decode(&bytes)?;
        assert_eq!(used, bytes.len());
        let msg = ldap::Message::parse(&tlv)?;
        assert_eq!(msg.id, 1);
        assert_eq!(msg.op.tag, tag::BIND_REQUEST);
        Ok(())
    }

    #[test]
    fn parses_a_notice_of_disconnection() -> Result<()> {
        let notice = ldap::message(
            0,
            constructed(
                tag::EXTENDED_RESPONSE,
                &[
                    integer(tag::ENUMERATED, 2),
                    encode(tag::OCTET_STRING, b""),
                    encode(tag::OCTET_STRING, b"bad message"),
                    encode(tag::EXT_RESPONSE_NAME, b"1.3.6.1.4.1.1466.20036"),
                ],
            ),
        );
        let tlv = read_tlv(&mut notice.as_slice())?.context("one message")?;
        let msg = ldap::Message::parse(&tlv)?;
        let result = msg.result()?;
        assert_eq!((msg.id, result.code), (0, 2));
        assert_eq!(result.message, "bad message");
        assert_eq!(
            result.response_name.as_deref(),
            Some("1.3.6.1.4.1.1466.20036")
        );
        Ok(())
    }

    #[test]
    fn read_tlv_reports_clean_eof_and_truncation() -> Result<()> {
        assert_eq!(read_tlv(&mut [].as_slice())?, None);
        assert!(read_tlv(&mut [0x30, 0x05, 0x02].as_slice()).is_err());
        assert!(read_tlv(&mut [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff].as_slice()).is_err());
        Ok(())
    }

    #[test]
    fn decode_rejects_truncated_and_indefinite() {
        assert!(decode(&[0x30, 0x80, 0x00, 0x00]).is_err());
        assert!(decode(&[0x04, 0x03, b'a']).is_err());
        assert!(decode(&[0x1f, 0x01, 0x00]).is_err());
    }
}
