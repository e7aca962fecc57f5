//! Renders directory entries, the RootDSE and the subschema entry as search results, with
//! attribute selection (`*`, `+`, `1.1`, names) and visibility applied to every value.

use ldap3_proto::proto::{LdapPartialAttribute, LdapSearchResultEntry};
use orgdir_directory::dit::SUBSCHEMA_DN;
use orgdir_directory::entry::EntryId;
use orgdir_directory::filter::Eval;
use orgdir_directory::schema::{self, AttrId, ids};
use orgdir_directory::service::Catalog;

/// Which attributes a search asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// All user attributes (`*` or an empty list).
    pub all_user: bool,
    /// All operational attributes (`+`).
    pub all_operational: bool,
    /// Attributes named explicitly (known ones only).
    pub named: Vec<AttrId>,
    /// Types only, no values.
    pub types_only: bool,
}

impl Selection {
    /// Parses the requested attribute list of a search.
    pub fn parse(attrs: &[String], types_only: bool) -> Selection {
        let only_no_attrs = attrs.len() == 1 && attrs.first().is_some_and(|a| a == "1.1");
        let mut sel = Selection {
            all_user: attrs.is_empty(),
            all_operational: false,
            named: Vec::new(),
            types_only,
        };
        if only_no_attrs {
            return sel;
        }
        for a in attrs {
            match a.as_str() {
                "*" => sel.all_user = true,
                "+" => sel.all_operational = true,
                "1.1" => {}
                name => {
                    if let Some(id) = schema::lookup(name)
                        && !sel.named.contains(&id)
                    {
                        sel.named.push(id);
                    }
                }
            }
        }
        sel
    }

    /// Whether attribute `id` is selected.
    pub fn wants(&self, id: AttrId) -> bool {
        if id == *ids::USER_PASSWORD {
            return false;
        }
        if self.named.contains(&id) {
            return true;
        }
        if schema::attr(id).operational {
            self.all_operational
        } else {
            self.all_user
        }
    }
}

/// OIDs of the controls the server supports.
pub const SUPPORTED_CONTROLS: [&str; 2] = [
    "1.2.840.113556.1.4.319",  // paged results (RFC 2696)
    "2.16.840.1.113730.3.4.2", // ManageDsaIT (RFC 3296): there are no referrals to manage
];
/// OID of StartTLS.
pub const OID_STARTTLS: &str = "1.3.6.1.4.1.1466.20037";
/// OIDs of the supported extended operations.
pub const SUPPORTED_EXTENSIONS: [&str; 3] = [
    OID_STARTTLS,
    ldap3_proto::proto::OID_PASSWORD_MODIFY,
    ldap3_proto::proto::OID_WHOAMI,
];

fn attr(name: &str, vals: Vec<String>) -> LdapPartialAttribute {
    LdapPartialAttribute {
        atype: name.to_string(),
        vals: vals.into_iter().map(String::into_bytes).collect(),
    }
}

/// The RootDSE.
pub fn root_dse(catalog: &Catalog, sel: &Selection, tls_available: bool) -> LdapSearchResultEntry {
    let mut all = vec![
        attr("objectClass", vec!["top".into(), "extensibleObject".into()]),
        attr(
            "namingContexts",
            catalog
                .enterprises
                .values()
                .map(|s| s.state.enterprise.naming_context.clone())
                .collect(),
        ),
        attr("supportedLDAPVersion", vec!["3".into()]),
        attr(
            "supportedControl",
            SUPPORTED_CONTROLS.iter().map(|s| s.to_string()).collect(),
        ),
        attr(
            "supportedExtension",
            SUPPORTED_EXTENSIONS
                .iter()
                .filter(|o| tls_available || **o != OID_STARTTLS)
                .map(|s| s.to_string())
                .collect(),
        ),
        attr(
            "supportedFeatures",
            vec![
                "1.3.6.1.4.1.4203.1.5.1".into(), // all operational attributes ("+")
                "1.3.6.1.4.1.4203.1.5.2".into(), // requesting attributes by object class
                "1.3.6.1.4.1.4203.1.5.3".into(), // true/false filters
            ],
        ),
        attr("subschemaSubentry", vec![SUBSCHEMA_DN.into()]),
        attr("vendorName", vec!["orgdir".into()]),
        attr(
            "vendorVersion",
            vec![format!("orgdir {}", env!("CARGO_PKG_VERSION"))],
        ),
    ];
    // The RootDSE's attributes are all operational; return them for `*`, `+`, an empty list
    // or by name, as clients differ in what they ask for.
    if !sel.named.is_empty() && !sel.all_user && !sel.all_operational {
        all.retain(|a| schema::lookup(&a.atype).is_some_and(|id| sel.named.contains(&id)));
    }
    if sel.types_only {
        for a in &mut all {
            a.vals.clear();
        }
    }
    LdapSearchResultEntry {
        dn: String::new(),
        attributes: all,
    }
}

/// The subschema entry.
pub fn subschema(sel: &Selection) -> LdapSearchResultEntry {
    let mut all = vec![
        attr(
            "objectClass",
            vec![
                "top".into(),
                "subentry".into(),
                "subschema".into(),
                "extensibleObject".into(),
            ],
        ),
        attr("cn", vec!["Subschema".into()]),
        attr("attributeTypes", schema::attribute_type_descriptions()),
        attr("objectClasses", schema::object_class_descriptions()),
        attr("ldapSyntaxes", schema::syntax_descriptions()),
        attr("matchingRules", schema::matching_rule_descriptions()),
        attr("entryDN", vec![SUBSCHEMA_DN.into()]),
        attr("structuralObjectClass", vec!["subentry".into()]),
        attr("subschemaSubentry", vec![SUBSCHEMA_DN.into()]),
    ];
    if !sel.named.is_empty() && !sel.all_user && !sel.all_operational {
        all.retain(|a| {
            a.atype == "objectClass"
                || schema::lookup(&a.atype).is_some_and(|id| sel.named.contains(&id))
        });
    }
    if sel.types_only {
        for a in &mut all {
            a.vals.clear();
        }
    }
    LdapSearchResultEntry {
        dn: SUBSCHEMA_DN.to_string(),
        attributes: all,
    }
}

/// BER: appends a tag and a definite length.
fn put_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    put_len(out, len);
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let used = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | used.len() as u8);
        out.extend_from_slice(used);
    }
}

/// Size of a tag + length header for a value of `len` bytes.
fn header_len(len: usize) -> usize {
    if len < 0x80 {
        2
    } else {
        2 + (8 - (len as u64).leading_zeros() as usize / 8)
    }
}

fn tlv_len(len: usize) -> usize {
    header_len(len) + len
}

/// A non-negative INTEGER's content bytes (minimal two's complement).
fn int_bytes(n: i32) -> Vec<u8> {
    let b = n.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(3);
    let mut v = b.get(skip..).unwrap_or(&[0]).to_vec();
    if v.first().is_some_and(|x| x & 0x80 != 0) {
        v.insert(0, 0);
    }
    v
}

/// Appends one SearchResultEntry message for entry `id`, encoded straight from the snapshot
/// (no intermediate structures): the hot path of every search. `scratch` is reused between
/// entries. Returns false if the entry does not exist.
pub fn encode_entry(
    ev: &Eval<'_>,
    id: EntryId,
    sel: &Selection,
    msgid: i32,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> bool {
    let Some(e) = ev.snap.entry(id) else {
        return false;
    };
    scratch.clear();
    let hs = *ids::HAS_SUBORDINATES;
    let attrs = e
        .attr_ids()
        .filter(|a| sel.wants(*a))
        .chain(sel.wants(hs).then_some(hs));
    for attr in attrs {
        let name = schema::attr(attr).name.as_bytes();
        let mut values_len = 0usize;
        let mut count = 0usize;
        ev.visit_display(id, e, attr, |v| {
            values_len += tlv_len(v.len());
            count += 1;
        });
        if count == 0 {
            continue;
        }
        if sel.types_only {
            values_len = 0;
        }
        let inner = tlv_len(name.len()) + tlv_len(values_len);
        put_header(scratch, 0x30, inner);
        put_header(scratch, 0x04, name.len());
        scratch.extend_from_slice(name);
        put_header(scratch, 0x31, values_len);
        if !sel.types_only {
            ev.visit_display(id, e, attr, |v| {
                put_header(scratch, 0x04, v.len());
                scratch.extend_from_slice(v.as_bytes());
            });
        }
    }
    let dn = e.dn.as_bytes();
    let id_bytes = int_bytes(msgid);
    let op_len = tlv_len(dn.len()) + tlv_len(scratch.len());
    let msg_len = tlv_len(id_bytes.len()) + tlv_len(op_len);
    out.reserve(tlv_len(msg_len));
    put_header(out, 0x30, msg_len);
    put_header(out, 0x02, id_bytes.len());
    out.extend_from_slice(&id_bytes);
    put_header(out, 0x64, op_len);
    put_header(out, 0x04, dn.len());
    out.extend_from_slice(dn);
    put_header(out, 0x30, scratch.len());
    out.extend_from_slice(scratch);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 1 << 24] {
            let mut v = Vec::new();
            put_header(&mut v, 0x04, len);
            assert_eq!(v.len(), header_len(len), "{len}");
        }
        assert_eq!(int_bytes(0), vec![0]);
        assert_eq!(int_bytes(127), vec![127]);
        assert_eq!(int_bytes(128), vec![0, 128]);
        assert_eq!(int_bytes(256), vec![1, 0]);
        assert_eq!(int_bytes(i32::MAX), vec![0x7f, 0xff, 0xff, 0xff]);
    }
}
