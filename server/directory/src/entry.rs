//! Entries of the read model: the LDAP view of an enterprise, built once per snapshot.
//!
//! An entry packs its string values into one text buffer with small spans, and its
//! references into one id list: 30,000 members hold tens of attributes each, and one
//! allocation per value would triple the server's memory.

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
    /// A group under the groups container.
    Group(GroupId),
    /// A role under `cn=roles`.
    Role(RoleId),
    /// A service account under the services container.
    Service(ServiceId),
    /// A system container (groups, roles, services).
    Container,
}

/// Values of one attribute, as the projection builds them.
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

/// Values of one attribute, borrowed from an entry.
#[derive(Clone, Debug)]
pub enum ValuesRef<'a> {
    /// Literal string values.
    Str(StrValues<'a>),
    /// References rendered as DNs.
    Refs(&'a [EntryId]),
    /// References rendered as accounts.
    Uids(&'a [EntryId]),
}

/// The string values of one attribute.
#[derive(Clone, Debug)]
pub struct StrValues<'a> {
    text: &'a str,
    slots: std::slice::Iter<'a, Slot>,
}

impl<'a> Iterator for StrValues<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.slots.next()?;
        self.text
            .get(s.start as usize..(s.start + s.len) as usize)
            .or(Some(""))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotKind {
    Str,
    Refs,
    Uids,
}

/// One value (strings) or one reference list, located in the entry's buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    attr: AttrId,
    kind: SlotKind,
    start: u32,
    len: u32,
}

/// One entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The DN as displayed.
    pub dn: Box<str>,
    /// The normalized DN (lookup key).
    pub ndn: Box<str>,
    /// What it stands for.
    pub kind: EntryKind,
    /// Parent entry (`None` for the naming-context entry).
    pub parent: Option<EntryId>,
    /// One past the last entry of this entry's subtree.
    pub end: EntryId,
    /// Whether this entry is a hidden member.
    pub hidden: bool,
    /// Values, grouped by attribute in projection order.
    slots: Box<[Slot]>,
    text: Box<str>,
    refs: Box<[EntryId]>,
}

impl Entry {
    /// Packs an entry.
    pub fn new(
        dn: String,
        ndn: String,
        kind: EntryKind,
        parent: Option<EntryId>,
        end: EntryId,
        hidden: bool,
        attrs: Vec<(AttrId, Values)>,
    ) -> Entry {
        let text_len: usize = attrs
            .iter()
            .map(|(_, v)| match v {
                Values::Str(s) => s.iter().map(String::len).sum(),
                _ => 0,
            })
            .sum();
        let mut text = String::with_capacity(text_len);
        let mut refs = Vec::new();
        let mut slots = Vec::with_capacity(attrs.len() + 4);
        for (attr, values) in attrs {
            match values {
                Values::Str(vs) => {
                    for v in vs {
                        slots.push(Slot {
                            attr,
                            kind: SlotKind::Str,
                            start: text.len() as u32,
                            len: v.len() as u32,
                        });
                        text.push_str(&v);
                    }
                }
                Values::Refs(rs) | Values::Uids(rs) if rs.is_empty() => {
                    // Keep the attribute (an empty group still has `member` present for
                    // nobody), as a zero-length list.
                    let _ = rs;
                }
                Values::Refs(rs) => {
                    slots.push(Slot {
                        attr,
                        kind: SlotKind::Refs,
                        start: refs.len() as u32,
                        len: rs.len() as u32,
                    });
                    refs.extend(rs);
                }
                Values::Uids(rs) => {
                    slots.push(Slot {
                        attr,
                        kind: SlotKind::Uids,
                        start: refs.len() as u32,
                        len: rs.len() as u32,
                    });
                    refs.extend(rs);
                }
            }
        }
        Entry {
            dn: dn.into_boxed_str(),
            ndn: ndn.into_boxed_str(),
            kind,
            parent,
            end,
            hidden,
            slots: slots.into_boxed_slice(),
            text: text.into_boxed_str(),
            refs: refs.into_boxed_slice(),
        }
    }

    /// The values of an attribute, if present.
    pub fn get(&self, attr: AttrId) -> Option<ValuesRef<'_>> {
        let first = self.slots.iter().position(|s| s.attr == attr)?;
        let slot = self.slots.get(first)?;
        match slot.kind {
            SlotKind::Str => {
                let n = self
                    .slots
                    .get(first..)?
                    .iter()
                    .take_while(|s| s.attr == attr && s.kind == SlotKind::Str)
                    .count();
                Some(ValuesRef::Str(StrValues {
                    text: &self.text,
                    slots: self.slots.get(first..first + n)?.iter(),
                }))
            }
            SlotKind::Refs | SlotKind::Uids => {
                let list = self
                    .refs
                    .get(slot.start as usize..(slot.start + slot.len) as usize)?;
                Some(if slot.kind == SlotKind::Refs {
                    ValuesRef::Refs(list)
                } else {
                    ValuesRef::Uids(list)
                })
            }
        }
    }

    /// The attributes present, each once, in projection order.
    pub fn attr_ids(&self) -> impl Iterator<Item = AttrId> + '_ {
        let mut last = None;
        self.slots.iter().filter_map(move |s| {
            if last == Some(s.attr) {
                None
            } else {
                last = Some(s.attr);
                Some(s.attr)
            }
        })
    }

    /// The first string value of an attribute.
    pub fn first_str(&self, attr: AttrId) -> Option<&str> {
        match self.get(attr)? {
            ValuesRef::Str(mut v) => v.next(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_reads_back() {
        let e = Entry::new(
            "cn=x".into(),
            "cn=x".into(),
            EntryKind::Container,
            None,
            1,
            false,
            vec![
                (1, Values::Str(vec!["a".into(), "bc".into()])),
                (2, Values::Refs(vec![3, 4])),
                (3, Values::Str(vec!["".into()])),
                (4, Values::Uids(vec![5])),
                (5, Values::Refs(vec![])),
            ],
        );
        let strs = |a| match e.get(a) {
            Some(ValuesRef::Str(v)) => v.collect::<Vec<_>>(),
            _ => vec!["?"],
        };
        assert_eq!(strs(1), vec!["a", "bc"]);
        assert_eq!(strs(3), vec![""]);
        assert!(matches!(e.get(2), Some(ValuesRef::Refs(&[3, 4]))));
        assert!(matches!(e.get(4), Some(ValuesRef::Uids(&[5]))));
        assert!(e.get(5).is_none());
        assert_eq!(e.attr_ids().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(e.first_str(1), Some("a"));
    }
}
