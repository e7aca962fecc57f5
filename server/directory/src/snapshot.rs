//! The immutable, indexed read model of one enterprise (DESIGN invariant 2).
//!
//! A snapshot is built from an [`EnterpriseState`] after every commit and swapped in
//! atomically; bind and search read only snapshots. It holds the projected entries in
//! depth-first order, an equality/prefix index over the indexed attributes, bind-name maps
//! and a cache of per-viewer visibility sets.

use std::collections::HashMap;
use std::sync::Arc;

use orgdir_domain::dn::{Dn, normalize_value};
use orgdir_domain::model::*;
use parking_lot::Mutex;

use crate::bitset::BitSet;
use crate::dit;
use crate::entry::{Entry, EntryId, EntryKind, ValuesRef};
use crate::schema::{self, AttrId, Matching};

/// Who is looking: decides which entries exist for them (ORG-9, ORG-10, LDAP-6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// Sees everything in the enterprise (enterprise administrator, operator, system).
    Full,
    /// A member: its scope's subtrees and the path to them; hidden members only if itself
    /// hidden; always itself.
    Member {
        /// The member.
        id: MemberId,
        /// Its scope.
        scope: Vec<OrgId>,
        /// Whether it is hidden itself.
        hidden: bool,
    },
    /// A service account: its scope (empty = all); hidden members if allowed.
    Service {
        /// The account.
        id: ServiceId,
        /// Its scope.
        scope: Vec<OrgId>,
        /// Sees hidden members.
        sees_hidden: bool,
    },
}

/// Key of the visibility cache: what a visibility set depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct VisKey {
    scope: Vec<OrgId>,
    sees_hidden: bool,
}

/// The read model of one enterprise.
pub struct Snapshot {
    /// The state it was built from.
    pub state: Arc<EnterpriseState>,
    /// Changelog sequence of the last commit included.
    pub revision: u64,
    /// The naming context, parsed.
    pub base: Dn,
    /// The naming context, normalized.
    pub base_ndn: String,
    /// The normalized DN of the enterprise administrator's bind identity.
    pub admin_ndn: String,
    /// Entries in depth-first pre-order (entry 0 is the naming-context entry).
    pub entries: Vec<Entry>,
    by_ndn: HashMap<Box<str>, EntryId>,
    index: HashMap<AttrId, AttrIndex>,
    member_entries: HashMap<MemberId, EntryId>,
    org_entries: HashMap<OrgId, EntryId>,
    service_entries: HashMap<ServiceId, EntryId>,
    accounts: HashMap<String, MemberId>,
    vis_cache: Mutex<HashMap<VisKey, Arc<BitSet>>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("enterprise", &self.state.enterprise.number)
            .field("revision", &self.revision)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// The equality/prefix index of one attribute: its sorted distinct keys, each with a sorted
/// list of entry ids, in three flat arrays (one allocation per key, not a tree node and a
/// vector per key).
#[derive(Debug, Default)]
struct AttrIndex {
    keys: Vec<Box<str>>,
    /// `ids[offsets[i]..offsets[i + 1]]` are the entries of `keys[i]`.
    offsets: Vec<u32>,
    ids: Vec<EntryId>,
}

impl AttrIndex {
    /// Builds from (key, entry) pairs in any order, duplicates allowed.
    fn build(mut pairs: Vec<(Box<str>, EntryId)>) -> AttrIndex {
        pairs.sort_unstable();
        pairs.dedup();
        let mut ix = AttrIndex {
            keys: Vec::new(),
            offsets: Vec::new(),
            ids: Vec::with_capacity(pairs.len()),
        };
        for (k, id) in pairs {
            if ix.keys.last() != Some(&k) {
                ix.keys.push(k);
                ix.offsets.push(ix.ids.len() as u32);
            }
            ix.ids.push(id);
        }
        ix.offsets.push(ix.ids.len() as u32);
        ix.keys.shrink_to_fit();
        ix.offsets.shrink_to_fit();
        ix
    }

    fn range(&self, i: usize) -> &[EntryId] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(a), Some(b)) => self.ids.get(*a as usize..*b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn get(&self, key: &str) -> &[EntryId] {
        match self.keys.binary_search_by(|k| (**k).cmp(key)) {
            Ok(i) => self.range(i),
            Err(_) => &[],
        }
    }

    fn prefix(&self, prefix: &str) -> Vec<EntryId> {
        let start = self.keys.partition_point(|k| &**k < prefix);
        let mut out: Vec<EntryId> = self
            .keys
            .iter()
            .enumerate()
            .skip(start)
            .take_while(|(_, k)| k.starts_with(prefix))
            .flat_map(|(i, _)| self.range(i).iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The normalized key of a value for the equality index and matching.
pub fn normalize(matching: Matching, v: &str) -> String {
    match matching {
        Matching::CaseIgnore | Matching::Oid | Matching::Uuid => normalize_value(v),
        Matching::Telephone => v
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
        Matching::Dn => Dn::parse(v)
            .map(|d| d.normalized())
            .unwrap_or_else(|_| normalize_value(v)),
        Matching::Integer => v.trim().trim_start_matches('+').to_string(),
        Matching::Boolean => v.trim().to_ascii_uppercase(),
        Matching::CaseExact | Matching::Time | Matching::None => v.to_string(),
    }
}

impl Snapshot {
    /// Builds the snapshot of `state`.
    pub fn build(state: Arc<EnterpriseState>, revision: u64) -> Snapshot {
        let base = Dn::parse(&state.enterprise.naming_context).unwrap_or_default();
        let entries = dit::project(&state);
        let mut by_ndn: HashMap<Box<str>, EntryId> = HashMap::with_capacity(entries.len());
        let mut member_entries = HashMap::new();
        let mut org_entries = HashMap::new();
        let mut service_entries = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let id = i as EntryId;
            by_ndn.insert(e.ndn.clone(), id);
            match e.kind {
                EntryKind::Member(m) => {
                    member_entries.insert(m, id);
                }
                EntryKind::Service(s) => {
                    service_entries.insert(s, id);
                }
                EntryKind::Org(o) => {
                    org_entries.insert(o, id);
                }
                _ => {}
            }
        }
        // One attribute at a time, so the temporary (key, entry) pairs stay small.
        let mut index: HashMap<AttrId, AttrIndex> = HashMap::new();
        for (attr, at) in schema::ATTRIBUTES.iter().enumerate() {
            let Ok(attr) = AttrId::try_from(attr) else {
                continue;
            };
            if !at.indexed {
                continue;
            }
            let mut pairs: Vec<(Box<str>, EntryId)> = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                let id = i as EntryId;
                match e.get(attr) {
                    Some(ValuesRef::Str(vs)) => {
                        for v in vs {
                            let key = if at.matching == Matching::Oid {
                                normalize_value(schema::object_class_name(v).unwrap_or(v))
                            } else {
                                normalize(at.matching, v)
                            };
                            pairs.push((key.into_boxed_str(), id));
                        }
                    }
                    Some(ValuesRef::Refs(rs)) => {
                        for r in rs {
                            if let Some(t) = entries.get(*r as usize) {
                                pairs.push((t.ndn.clone(), id));
                            }
                        }
                    }
                    Some(ValuesRef::Uids(rs)) => {
                        for r in rs {
                            if let Some(EntryKind::Member(m)) =
                                entries.get(*r as usize).map(|t| t.kind)
                                && let Some(mm) = state.members.get(&m)
                            {
                                pairs.push((mm.account.clone().into_boxed_str(), id));
                            }
                        }
                    }
                    None => {}
                }
            }
            index.insert(attr, AttrIndex::build(pairs));
        }
        let accounts = state
            .members
            .values()
            .map(|m| (m.account.to_ascii_lowercase(), m.id))
            .collect();
        let base_ndn = base.normalized();
        let admin_ndn = base.child("cn", "admin").normalized();
        Snapshot {
            state,
            revision,
            base_ndn,
            admin_ndn,
            base,
            entries,
            by_ndn,
            index,
            member_entries,
            org_entries,
            service_entries,
            accounts,
            vis_cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a normalized DN lies within this enterprise's naming context.
    pub fn holds_ndn(&self, ndn: &str) -> bool {
        ndn == self.base_ndn
            || ndn
                .strip_suffix(self.base_ndn.as_str())
                .and_then(|rest| rest.strip_suffix(','))
                .is_some_and(|rest| !rest.ends_with('\\'))
    }

    /// The enterprise number.
    pub fn number(&self) -> u64 {
        self.state.enterprise.number
    }

    /// Looks an entry up by normalized DN.
    pub fn lookup_ndn(&self, ndn: &str) -> Option<EntryId> {
        self.by_ndn.get(ndn).copied()
    }

    /// The entry with this id.
    pub fn entry(&self, id: EntryId) -> Option<&Entry> {
        self.entries.get(id as usize)
    }

    /// A member's entry id.
    pub fn member_entry(&self, m: MemberId) -> Option<EntryId> {
        self.member_entries.get(&m).copied()
    }

    /// An org's entry id.
    pub fn org_entry(&self, o: OrgId) -> Option<EntryId> {
        self.org_entries.get(&o).copied()
    }

    /// A service account's entry id.
    pub fn service_entry(&self, s: ServiceId) -> Option<EntryId> {
        self.service_entries.get(&s).copied()
    }

    /// A member by account (case-insensitive).
    pub fn member_by_account(&self, account: &str) -> Option<&Member> {
        self.accounts
            .get(&account.to_ascii_lowercase())
            .and_then(|id| self.state.members.get(id))
    }

    /// Posting list of an indexed attribute's normalized value (`None`: not indexed).
    pub fn postings(&self, attr: AttrId, key: &str) -> Option<&[EntryId]> {
        self.index.get(&attr).map(|ix| ix.get(key))
    }

    /// Entries of an indexed attribute whose normalized value starts with `prefix`, sorted.
    pub fn prefix_postings(&self, attr: AttrId, prefix: &str) -> Option<Vec<EntryId>> {
        self.index.get(&attr).map(|ix| ix.prefix(prefix))
    }

    /// Direct children of an entry.
    pub fn children(&self, id: EntryId) -> impl Iterator<Item = EntryId> + '_ {
        let end = self.entry(id).map(|e| e.end).unwrap_or(id);
        let mut next = id + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let cur = next;
            next = self.entry(cur).map(|e| e.end).unwrap_or(end);
            Some(cur)
        })
    }

    /// The visibility set for `viewer`; `None` means everything is visible.
    pub fn visibility(&self, viewer: &Viewer) -> Option<Arc<BitSet>> {
        let key = match viewer {
            Viewer::Full => return None,
            Viewer::Member { scope, hidden, .. } => VisKey {
                scope: scope.clone(),
                sees_hidden: *hidden,
            },
            Viewer::Service {
                scope, sees_hidden, ..
            } => VisKey {
                scope: scope.clone(),
                sees_hidden: *sees_hidden,
            },
        };
        let mut cache = self.vis_cache.lock();
        if let Some(v) = cache.get(&key) {
            return Some(v.clone());
        }
        let set = Arc::new(self.compute_visibility(&key));
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(key, set.clone());
        Some(set)
    }

    /// Whether `viewer` can see entry `id`.
    pub fn can_see(&self, viewer: &Viewer, vis: Option<&BitSet>, id: EntryId) -> bool {
        match vis {
            None => true,
            Some(set) => set.contains(id) || self.is_self(viewer, id),
        }
    }

    /// Whether `id` is the viewer's own entry.
    pub fn is_self(&self, viewer: &Viewer, id: EntryId) -> bool {
        match viewer {
            Viewer::Member { id: m, .. } => self.member_entry(*m) == Some(id),
            Viewer::Service { id: s, .. } => self.service_entry(*s) == Some(id),
            Viewer::Full => false,
        }
    }

    fn compute_visibility(&self, key: &VisKey) -> BitSet {
        let n = self.entries.len();
        let mut set = BitSet::new(n);
        let org_entry = |o: OrgId| self.org_entry(o);
        let roots: Vec<EntryId> = if key.scope.is_empty() {
            vec![0]
        } else {
            key.scope.iter().filter_map(|o| org_entry(*o)).collect()
        };
        for r in roots {
            // The path from the naming context down to the scope org.
            let mut cur = self.entry(r).and_then(|e| e.parent);
            while let Some(p) = cur {
                set.insert(p);
                cur = self.entry(p).and_then(|e| e.parent);
            }
            let end = self.entry(r).map(|e| e.end).unwrap_or(r);
            for id in r..end {
                if let Some(e) = self.entry(id) {
                    let ok = match e.kind {
                        EntryKind::Org(_) => true,
                        EntryKind::Member(_) => !e.hidden || key.sees_hidden,
                        // Containers, groups and roles are handled below; services never.
                        _ => false,
                    };
                    if ok {
                        set.insert(id);
                    }
                }
            }
        }
        // Groups, roles and the system containers are visible to every viewer of the
        // enterprise; other service accounts are not.
        for (i, e) in self.entries.iter().enumerate() {
            if matches!(
                e.kind,
                EntryKind::Group(_) | EntryKind::Role(_) | EntryKind::Container
            ) {
                set.insert(i as EntryId);
            }
        }
        set
    }
}
