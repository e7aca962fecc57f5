//! The LDAP schema orgdir serves: attribute types with their matching behaviour, object
//! classes, and their RFC 4512 text forms for the subschema entry.
//!
//! The DIT projection, the indexes and filter evaluation all look attributes up here, so an
//! attribute's name, aliases and matching rule are defined exactly once.

/// Index of an attribute type in [`ATTRIBUTES`].
pub type AttrId = u16;

/// How values of an attribute compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// caseIgnoreMatch / caseIgnoreIA5Match (with substrings and ordering).
    CaseIgnore,
    /// caseExactMatch / caseExactIA5Match.
    CaseExact,
    /// integerMatch with integerOrderingMatch.
    Integer,
    /// distinguishedNameMatch.
    Dn,
    /// generalizedTimeMatch with generalizedTimeOrderingMatch.
    Time,
    /// telephoneNumberMatch: spaces and hyphens are insignificant.
    Telephone,
    /// objectIdentifierMatch (object class names compare case-insensitively).
    Oid,
    /// uuidMatch.
    Uuid,
    /// booleanMatch.
    Boolean,
    /// No equality matching (octet strings such as userPassword).
    None,
}

/// One attribute type.
#[derive(Clone, Copy, Debug)]
pub struct AttributeType {
    /// Canonical name (as returned to clients).
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// OID.
    pub oid: &'static str,
    /// Syntax OID.
    pub syntax: &'static str,
    /// Matching behaviour.
    pub matching: Matching,
    /// Single-valued.
    pub single: bool,
    /// Operational (returned only when asked for by name or with `+`).
    pub operational: bool,
    /// Kept in the equality/prefix index.
    pub indexed: bool,
}

const DSTRING: &str = "1.3.6.1.4.1.1466.115.121.1.15";
const IA5: &str = "1.3.6.1.4.1.1466.115.121.1.26";
const INTEGER: &str = "1.3.6.1.4.1.1466.115.121.1.27";
const DN: &str = "1.3.6.1.4.1.1466.115.121.1.12";
const OID: &str = "1.3.6.1.4.1.1466.115.121.1.38";
const TIME: &str = "1.3.6.1.4.1.1466.115.121.1.24";
const PHONE: &str = "1.3.6.1.4.1.1466.115.121.1.50";
const OCTETS: &str = "1.3.6.1.4.1.1466.115.121.1.40";
const UUID: &str = "1.3.6.1.1.16.1";
const BOOLEAN: &str = "1.3.6.1.4.1.1466.115.121.1.7";

/// orgdir's private OID arc: `2.25.<decimal of a fixed random UUID>` (needs no registration).
pub const ORGDIR_ARC: &str = "2.25.250137813391447207427331153185196093853";

macro_rules! at {
    ($name:expr, [$($alias:expr),*], $oid:expr, $syntax:expr, $m:ident, single=$s:expr, op=$op:expr, idx=$idx:expr) => {
        AttributeType {
            name: $name,
            aliases: &[$($alias),*],
            oid: $oid,
            syntax: $syntax,
            matching: Matching::$m,
            single: $s,
            operational: $op,
            indexed: $idx,
        }
    };
}

/// Every attribute type orgdir knows.
pub static ATTRIBUTES: &[AttributeType] = &[
    at!(
        "objectClass",
        [],
        "2.5.4.0",
        OID,
        Oid,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "cn",
        ["commonName"],
        "2.5.4.3",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "sn",
        ["surname"],
        "2.5.4.4",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "givenName",
        ["gn"],
        "2.5.4.42",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "displayName",
        [],
        "2.16.840.1.113730.3.1.241",
        DSTRING,
        CaseIgnore,
        single = true,
        op = false,
        idx = true
    ),
    at!(
        "uid",
        ["userid"],
        "0.9.2342.19200300.100.1.1",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "mail",
        ["rfc822Mailbox"],
        "0.9.2342.19200300.100.1.3",
        IA5,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "mobile",
        ["mobileTelephoneNumber"],
        "0.9.2342.19200300.100.1.41",
        PHONE,
        Telephone,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "title",
        [],
        "2.5.4.12",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = false
    ),
    at!(
        "employeeNumber",
        [],
        "2.16.840.1.113730.3.1.3",
        DSTRING,
        CaseIgnore,
        single = true,
        op = false,
        idx = true
    ),
    at!(
        "ou",
        ["organizationalUnitName"],
        "2.5.4.11",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "o",
        ["organizationName"],
        "2.5.4.10",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = false
    ),
    at!(
        "dc",
        ["domainComponent"],
        "0.9.2342.19200300.100.1.25",
        IA5,
        CaseIgnore,
        single = true,
        op = false,
        idx = false
    ),
    at!(
        "description",
        [],
        "2.5.4.13",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = false
    ),
    at!(
        "uidNumber",
        [],
        "1.3.6.1.1.1.1.0",
        INTEGER,
        Integer,
        single = true,
        op = false,
        idx = true
    ),
    at!(
        "gidNumber",
        [],
        "1.3.6.1.1.1.1.1",
        INTEGER,
        Integer,
        single = true,
        op = false,
        idx = true
    ),
    at!(
        "homeDirectory",
        [],
        "1.3.6.1.1.1.1.3",
        IA5,
        CaseExact,
        single = true,
        op = false,
        idx = false
    ),
    at!(
        "loginShell",
        [],
        "1.3.6.1.1.1.1.4",
        IA5,
        CaseExact,
        single = true,
        op = false,
        idx = false
    ),
    at!(
        "gecos",
        [],
        "1.3.6.1.1.1.1.2",
        IA5,
        CaseIgnore,
        single = true,
        op = false,
        idx = false
    ),
    at!(
        "memberUid",
        [],
        "1.3.6.1.1.1.1.12",
        IA5,
        CaseExact,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "member",
        [],
        "2.5.4.31",
        DN,
        Dn,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "memberOf",
        [],
        "1.2.840.113556.1.2.102",
        DN,
        Dn,
        single = false,
        op = false,
        idx = true
    ),
    at!(
        "userPassword",
        [],
        "2.5.4.35",
        OCTETS,
        None,
        single = false,
        op = false,
        idx = false
    ),
    at!(
        "businessCategory",
        [],
        "2.5.4.15",
        DSTRING,
        CaseIgnore,
        single = false,
        op = false,
        idx = false
    ),
    at!(
        "entryUUID",
        [],
        "1.3.6.1.1.16.4",
        UUID,
        Uuid,
        single = true,
        op = true,
        idx = true
    ),
    at!(
        "createTimestamp",
        [],
        "2.5.18.1",
        TIME,
        Time,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "modifyTimestamp",
        [],
        "2.5.18.2",
        TIME,
        Time,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "creatorsName",
        [],
        "2.5.18.3",
        DN,
        Dn,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "modifiersName",
        [],
        "2.5.18.4",
        DN,
        Dn,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "entryDN",
        [],
        "1.3.6.1.1.20",
        DN,
        Dn,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "hasSubordinates",
        [],
        "2.5.18.9",
        BOOLEAN,
        Boolean,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "subschemaSubentry",
        [],
        "2.5.18.10",
        DN,
        Dn,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "structuralObjectClass",
        [],
        "2.5.21.9",
        OID,
        Oid,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "pwdAccountLockedTime",
        [],
        "1.3.6.1.4.1.42.2.27.8.1.17",
        TIME,
        Time,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "orgdirRole",
        [],
        "2.25.250137813391447207427331153185196093853.1.1",
        DSTRING,
        CaseIgnore,
        single = true,
        op = false,
        idx = true
    ),
    at!(
        "orgdirEnterpriseNumber",
        [],
        "2.25.250137813391447207427331153185196093853.1.2",
        INTEGER,
        Integer,
        single = true,
        op = false,
        idx = false
    ),
    // Subschema and RootDSE attributes (served by the LDAP front end, listed for lookups).
    at!(
        "namingContexts",
        [],
        "1.3.6.1.4.1.1466.101.120.5",
        DN,
        Dn,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "supportedLDAPVersion",
        [],
        "1.3.6.1.4.1.1466.101.120.15",
        INTEGER,
        Integer,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "supportedControl",
        [],
        "1.3.6.1.4.1.1466.101.120.13",
        OID,
        Oid,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "supportedExtension",
        [],
        "1.3.6.1.4.1.1466.101.120.7",
        OID,
        Oid,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "supportedFeatures",
        [],
        "1.3.6.1.4.1.4203.1.3.5",
        OID,
        Oid,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "supportedSASLMechanisms",
        [],
        "1.3.6.1.4.1.1466.101.120.14",
        DSTRING,
        CaseExact,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "vendorName",
        [],
        "1.3.6.1.1.4",
        DSTRING,
        CaseExact,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "vendorVersion",
        [],
        "1.3.6.1.1.5",
        DSTRING,
        CaseExact,
        single = true,
        op = true,
        idx = false
    ),
    at!(
        "attributeTypes",
        [],
        "2.5.21.5",
        DSTRING,
        CaseIgnore,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "objectClasses",
        [],
        "2.5.21.6",
        DSTRING,
        CaseIgnore,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "ldapSyntaxes",
        [],
        "1.3.6.1.4.1.1466.101.120.16",
        DSTRING,
        CaseIgnore,
        single = false,
        op = true,
        idx = false
    ),
    at!(
        "matchingRules",
        [],
        "2.5.21.4",
        DSTRING,
        CaseIgnore,
        single = false,
        op = true,
        idx = false
    ),
];

/// Looks an attribute up by name, alias or OID (case-insensitive). Attribute options
/// (`cn;lang-en`) are not supported and do not resolve.
pub fn lookup(name: &str) -> Option<AttrId> {
    ATTRIBUTES
        .iter()
        .position(|a| {
            a.name.eq_ignore_ascii_case(name)
                || a.oid == name
                || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(name))
        })
        .and_then(|i| AttrId::try_from(i).ok())
}

/// The attribute type behind an id.
pub fn attr(id: AttrId) -> &'static AttributeType {
    ATTRIBUTES.get(usize::from(id)).unwrap_or(&FALLBACK)
}

static FALLBACK: AttributeType = AttributeType {
    name: "objectClass",
    aliases: &[],
    oid: "2.5.4.0",
    syntax: OID,
    matching: Matching::Oid,
    single: false,
    operational: false,
    indexed: false,
};

/// Ids of the attributes the projection uses, resolved once.
pub mod ids {
    use super::{AttrId, lookup};
    use std::sync::LazyLock;

    macro_rules! ids {
        ($($c:ident = $n:expr),* $(,)?) => {
            $(
                #[allow(missing_docs)]
                pub static $c: LazyLock<AttrId> = LazyLock::new(|| lookup($n).unwrap_or(0));
            )*
        };
    }
    ids!(
        OBJECT_CLASS = "objectClass",
        CN = "cn",
        SN = "sn",
        GIVEN_NAME = "givenName",
        DISPLAY_NAME = "displayName",
        UID = "uid",
        MAIL = "mail",
        MOBILE = "mobile",
        TITLE = "title",
        EMPLOYEE_NUMBER = "employeeNumber",
        OU = "ou",
        O = "o",
        DC = "dc",
        DESCRIPTION = "description",
        UID_NUMBER = "uidNumber",
        GID_NUMBER = "gidNumber",
        HOME_DIRECTORY = "homeDirectory",
        LOGIN_SHELL = "loginShell",
        GECOS = "gecos",
        MEMBER_UID = "memberUid",
        MEMBER = "member",
        MEMBER_OF = "memberOf",
        USER_PASSWORD = "userPassword",
        ENTRY_UUID = "entryUUID",
        CREATE_TIMESTAMP = "createTimestamp",
        MODIFY_TIMESTAMP = "modifyTimestamp",
        ENTRY_DN = "entryDN",
        HAS_SUBORDINATES = "hasSubordinates",
        SUBSCHEMA_SUBENTRY = "subschemaSubentry",
        STRUCTURAL_OC = "structuralObjectClass",
        PWD_LOCKED = "pwdAccountLockedTime",
        ORGDIR_ROLE = "orgdirRole",
        ORGDIR_ENTERPRISE = "orgdirEnterpriseNumber",
    );
}

/// One object class, for the subschema entry.
#[derive(Clone, Copy, Debug)]
pub struct ObjectClass {
    /// Name.
    pub name: &'static str,
    /// OID.
    pub oid: &'static str,
    /// Superclass.
    pub sup: &'static str,
    /// "STRUCTURAL", "AUXILIARY" or "ABSTRACT".
    pub kind: &'static str,
    /// Required attributes.
    pub must: &'static [&'static str],
    /// Allowed attributes.
    pub may: &'static [&'static str],
}

/// The object classes orgdir entries use.
pub static OBJECT_CLASSES: &[ObjectClass] = &[
    ObjectClass {
        name: "top",
        oid: "2.5.6.0",
        sup: "",
        kind: "ABSTRACT",
        must: &["objectClass"],
        may: &[],
    },
    ObjectClass {
        name: "organization",
        oid: "2.5.6.4",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["o"],
        may: &["description", "businessCategory"],
    },
    ObjectClass {
        name: "dcObject",
        oid: "1.3.6.1.4.1.1466.344",
        sup: "top",
        kind: "AUXILIARY",
        must: &["dc"],
        may: &[],
    },
    ObjectClass {
        name: "organizationalUnit",
        oid: "2.5.6.5",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["ou"],
        may: &["description", "businessCategory"],
    },
    ObjectClass {
        name: "person",
        oid: "2.5.6.6",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["sn", "cn"],
        may: &["userPassword", "description"],
    },
    ObjectClass {
        name: "organizationalPerson",
        oid: "2.5.6.7",
        sup: "person",
        kind: "STRUCTURAL",
        must: &[],
        may: &["title", "ou"],
    },
    ObjectClass {
        name: "inetOrgPerson",
        oid: "2.16.840.1.113730.3.2.2",
        sup: "organizationalPerson",
        kind: "STRUCTURAL",
        must: &[],
        may: &[
            "displayName",
            "employeeNumber",
            "givenName",
            "mail",
            "mobile",
            "uid",
        ],
    },
    ObjectClass {
        name: "posixAccount",
        oid: "1.3.6.1.1.1.2.0",
        sup: "top",
        kind: "AUXILIARY",
        must: &["cn", "uid", "uidNumber", "gidNumber", "homeDirectory"],
        may: &["userPassword", "loginShell", "gecos", "description"],
    },
    ObjectClass {
        name: "groupOfNames",
        oid: "2.5.6.9",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["cn"],
        may: &[
            "member",
            "businessCategory",
            "description",
            "o",
            "ou",
            "owner",
        ],
    },
    ObjectClass {
        name: "posixGroup",
        oid: "1.3.6.1.1.1.2.2",
        sup: "top",
        kind: "AUXILIARY",
        must: &["cn", "gidNumber"],
        may: &["userPassword", "memberUid", "description"],
    },
    ObjectClass {
        name: "applicationProcess",
        oid: "2.5.6.11",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["cn"],
        may: &["description", "ou"],
    },
    ObjectClass {
        name: "simpleSecurityObject",
        oid: "0.9.2342.19200300.100.4.19",
        sup: "top",
        kind: "AUXILIARY",
        must: &["userPassword"],
        may: &[],
    },
    ObjectClass {
        name: "subentry",
        oid: "2.5.17.0",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["cn"],
        may: &[],
    },
    ObjectClass {
        name: "subschema",
        oid: "2.5.20.1",
        sup: "",
        kind: "AUXILIARY",
        must: &[],
        may: &[
            "attributeTypes",
            "objectClasses",
            "ldapSyntaxes",
            "matchingRules",
        ],
    },
    ObjectClass {
        name: "orgdirMember",
        oid: "2.25.250137813391447207427331153185196093853.2.1",
        sup: "top",
        kind: "AUXILIARY",
        must: &[],
        may: &["orgdirRole", "orgdirEnterpriseNumber"],
    },
    ObjectClass {
        name: "orgdirContainer",
        oid: "2.25.250137813391447207427331153185196093853.2.2",
        sup: "top",
        kind: "STRUCTURAL",
        must: &["cn"],
        may: &["description"],
    },
    ObjectClass {
        name: "extensibleObject",
        oid: "1.3.6.1.4.1.1466.101.120.111",
        sup: "top",
        kind: "AUXILIARY",
        must: &[],
        may: &[],
    },
];

/// RFC 4512 `attributeTypes` values.
pub fn attribute_type_descriptions() -> Vec<String> {
    ATTRIBUTES
        .iter()
        .map(|a| {
            let names = if a.aliases.is_empty() {
                format!("'{}'", a.name)
            } else {
                let all: Vec<String> = std::iter::once(a.name)
                    .chain(a.aliases.iter().copied())
                    .map(|n| format!("'{n}'"))
                    .collect();
                format!("( {} )", all.join(" "))
            };
            let (eq, ord, sub) = match a.matching {
                Matching::CaseIgnore if a.syntax == IA5 => (
                    Some("caseIgnoreIA5Match"),
                    None,
                    Some("caseIgnoreIA5SubstringsMatch"),
                ),
                Matching::CaseIgnore => (
                    Some("caseIgnoreMatch"),
                    Some("caseIgnoreOrderingMatch"),
                    Some("caseIgnoreSubstringsMatch"),
                ),
                Matching::CaseExact if a.syntax == IA5 => (
                    Some("caseExactIA5Match"),
                    None,
                    Some("caseExactIA5SubstringsMatch"),
                ),
                Matching::CaseExact => (
                    Some("caseExactMatch"),
                    Some("caseExactOrderingMatch"),
                    Some("caseExactSubstringsMatch"),
                ),
                Matching::Integer => (Some("integerMatch"), Some("integerOrderingMatch"), None),
                Matching::Dn => (Some("distinguishedNameMatch"), None, None),
                Matching::Time => (
                    Some("generalizedTimeMatch"),
                    Some("generalizedTimeOrderingMatch"),
                    None,
                ),
                Matching::Telephone => (
                    Some("telephoneNumberMatch"),
                    None,
                    Some("telephoneNumberSubstringsMatch"),
                ),
                Matching::Oid => (Some("objectIdentifierMatch"), None, None),
                Matching::Uuid => (Some("uuidMatch"), Some("uuidOrderingMatch"), None),
                Matching::Boolean => (Some("booleanMatch"), None, None),
                Matching::None => (Some("octetStringMatch"), None, None),
            };
            let mut s = format!("( {} NAME {names}", a.oid);
            for (kw, v) in [("EQUALITY", eq), ("ORDERING", ord), ("SUBSTR", sub)] {
                if let Some(v) = v {
                    s.push_str(&format!(" {kw} {v}"));
                }
            }
            s.push_str(&format!(" SYNTAX {}", a.syntax));
            if a.single {
                s.push_str(" SINGLE-VALUE");
            }
            if a.operational {
                s.push_str(" NO-USER-MODIFICATION USAGE directoryOperation");
            }
            s.push_str(" )");
            s
        })
        .collect()
}

/// RFC 4512 `objectClasses` values.
pub fn object_class_descriptions() -> Vec<String> {
    OBJECT_CLASSES
        .iter()
        .map(|c| {
            let mut s = format!("( {} NAME '{}'", c.oid, c.name);
            if !c.sup.is_empty() {
                s.push_str(&format!(" SUP {}", c.sup));
            }
            s.push_str(&format!(" {}", c.kind));
            for (kw, list) in [("MUST", c.must), ("MAY", c.may)] {
                match list {
                    [] => {}
                    [one] => s.push_str(&format!(" {kw} {one}")),
                    many => s.push_str(&format!(" {kw} ( {} )", many.join(" $ "))),
                }
            }
            s.push_str(" )");
            s
        })
        .collect()
}

/// RFC 4512 `ldapSyntaxes` values for the syntaxes used above.
pub fn syntax_descriptions() -> Vec<String> {
    [
        (DSTRING, "Directory String"),
        (IA5, "IA5 String"),
        (INTEGER, "INTEGER"),
        (DN, "DN"),
        (OID, "OID"),
        (TIME, "Generalized Time"),
        (PHONE, "Telephone Number"),
        (OCTETS, "Octet String"),
        (UUID, "UUID"),
        (BOOLEAN, "Boolean"),
    ]
    .iter()
    .map(|(oid, desc)| format!("( {oid} DESC '{desc}' )"))
    .collect()
}

/// RFC 4512 `matchingRules` values for the rules used above.
pub fn matching_rule_descriptions() -> Vec<String> {
    [
        ("2.5.13.0", "objectIdentifierMatch", OID),
        ("2.5.13.1", "distinguishedNameMatch", DN),
        ("2.5.13.2", "caseIgnoreMatch", DSTRING),
        ("2.5.13.3", "caseIgnoreOrderingMatch", DSTRING),
        (
            "2.5.13.4",
            "caseIgnoreSubstringsMatch",
            "1.3.6.1.4.1.1466.115.121.1.58",
        ),
        ("2.5.13.5", "caseExactMatch", DSTRING),
        ("2.5.13.6", "caseExactOrderingMatch", DSTRING),
        (
            "2.5.13.7",
            "caseExactSubstringsMatch",
            "1.3.6.1.4.1.1466.115.121.1.58",
        ),
        ("2.5.13.13", "booleanMatch", BOOLEAN),
        ("2.5.13.14", "integerMatch", INTEGER),
        ("2.5.13.15", "integerOrderingMatch", INTEGER),
        ("2.5.13.17", "octetStringMatch", OCTETS),
        ("2.5.13.20", "telephoneNumberMatch", PHONE),
        (
            "2.5.13.21",
            "telephoneNumberSubstringsMatch",
            "1.3.6.1.4.1.1466.115.121.1.58",
        ),
        ("2.5.13.27", "generalizedTimeMatch", TIME),
        ("2.5.13.28", "generalizedTimeOrderingMatch", TIME),
        ("1.3.6.1.4.1.1466.109.114.1", "caseExactIA5Match", IA5),
        ("1.3.6.1.4.1.1466.109.114.2", "caseIgnoreIA5Match", IA5),
        (
            "1.3.6.1.4.1.1466.109.114.3",
            "caseIgnoreIA5SubstringsMatch",
            "1.3.6.1.4.1.1466.115.121.1.58",
        ),
        ("1.3.6.1.1.16.2", "uuidMatch", UUID),
        ("1.3.6.1.1.16.3", "uuidOrderingMatch", UUID),
    ]
    .iter()
    .map(|(oid, name, syntax)| format!("( {oid} NAME '{name}' SYNTAX {syntax} )"))
    .collect()
}

/// Resolves an object class name or OID to its canonical name.
pub fn object_class_name(name_or_oid: &str) -> Option<&'static str> {
    OBJECT_CLASSES
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name_or_oid) || c.oid == name_or_oid)
        .map(|c| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_knows_aliases() {
        assert_eq!(lookup("CN"), lookup("commonName"));
        assert_eq!(lookup("2.5.4.3"), lookup("cn"));
        assert_eq!(lookup("cn;lang-en"), None);
        assert_eq!(attr(*ids::MEMBER_OF).name, "memberOf");
        // Every id constant resolved to the right attribute.
        assert_eq!(attr(*ids::ORGDIR_ENTERPRISE).name, "orgdirEnterpriseNumber");
    }

    #[test]
    fn descriptions_are_well_formed() {
        for d in attribute_type_descriptions()
            .iter()
            .chain(object_class_descriptions().iter())
        {
            assert!(d.starts_with("( ") && d.ends_with(" )"), "{d}");
            assert_eq!(d.matches('(').count(), d.matches(')').count(), "{d}");
        }
    }
}
