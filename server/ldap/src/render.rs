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

/// Renders one directory entry as the viewer may see it.
pub fn entry(ev: &Eval<'_>, id: EntryId, sel: &Selection) -> Option<LdapSearchResultEntry> {
    let e = ev.snap.entry(id)?;
    let mut attributes = Vec::with_capacity(e.attrs.len() + 1);
    for (attr, _) in &e.attrs {
        if !sel.wants(*attr) {
            continue;
        }
        let vals = ev.values(id, e, *attr);
        if vals.is_empty() {
            continue;
        }
        attributes.push(LdapPartialAttribute {
            atype: schema::attr(*attr).name.to_string(),
            vals: if sel.types_only {
                Vec::new()
            } else {
                vals.into_iter().map(String::into_bytes).collect()
            },
        });
    }
    let hs = *ids::HAS_SUBORDINATES;
    if sel.wants(hs) {
        let vals = ev.values(id, e, hs);
        attributes.push(LdapPartialAttribute {
            atype: schema::attr(hs).name.to_string(),
            vals: if sel.types_only {
                Vec::new()
            } else {
                vals.into_iter().map(String::into_bytes).collect()
            },
        });
    }
    Some(LdapSearchResultEntry {
        dn: e.dn.clone(),
        attributes,
    })
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
