//! Entries of the read model: the LDAP view of an enterprise, built once per snapshot.

use orgdir_domain::model::{GroupId, MemberId, OrgId, RoleId, ServiceId};

use crate::schema::AttrId;

/// Position of an entry in its snapshot. Entries are laid out in depth-first pre-order, so
/// a subtree is the contiguous range `id..entry.end`.
pub type EntryId = u32;

/// What a directory entry stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// An org (the root org is the naming-context entry).
    Org(OrgId),
    /// A member.
    Member(MemberId),
    /// A group under `cn=groups`.
    Group(GroupId),
    /// A role under `cn=roles`.
    Role(RoleId),
    /// A service account under `cn=services`.
    Service(ServiceId),
    /// A system container (`cn=groups`, `cn=roles`, `cn=services`).
    Container,
}

/// Values of one attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Literal string values.
    Str(Vec<String>),
    /// References to other entries, rendered as their DNs (member, memberOf). Only the
    /// references a viewer may see are shown or matched.
    Refs(Vec<EntryId>),
    /// References rendered as the target member's account (memberUid).
    Uids(Vec<EntryId>),
}

impl Values {
    /// Number of values before visibility filtering.
    pub fn len(&self) -> usize {
        match self {
            Values::Str(v) => v.len(),
            Values::Refs(v) | Values::Uids(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The DN as displayed.
    pub dn: String,
    /// The normalized DN (lookup key).
    pub ndn: String,
    /// What it stands for.
    pub kind: EntryKind,
    /// Parent entry (`None` for the naming-context entry).
    pub parent: Option<EntryId>,
    /// One past the last entry of this entry's subtree.
    pub end: EntryId,
    /// Attributes, stored ones and the operational ones that do not depend on the viewer.
    pub attrs: Vec<(AttrId, Values)>,
    /// Whether this entry is a hidden member.
    pub hidden: bool,
}

impl Entry {
    /// The values of an attribute, if present.
    pub fn get(&self, attr: AttrId) -> Option<&Values> {
        self.attrs.iter().find(|(a, _)| *a == attr).map(|(_, v)| v)
    }

    /// The first string value of an attribute.
    pub fn first_str(&self, attr: AttrId) -> Option<&str> {
        match self.get(attr) {
            Some(Values::Str(v)) => v.first().map(String::as_str),
            _ => None,
        }
    }
}
