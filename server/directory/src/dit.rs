//! The DIT projection: how an [`EnterpriseState`] appears as LDAP entries (DESIGN "Directory
//! tree").
//!
//! ```text
//! dc=example,dc=com                      root org (organization + dcObject)
//!   ou=R&D                               org (organizationalUnit), nested as the tree
//!     uid=10001,ou=R&D                   member (inetOrgPerson + posixAccount + orgdirMember)
//!   cn=groups                            groupOfNames + posixGroup entries
//!   cn=roles                             one groupOfNames per role (apps authorize by role)
//!   cn=services                          service accounts (applicationProcess)
//! ```
//! Entries are emitted in depth-first pre-order so every subtree is a contiguous id range.

use std::collections::HashMap;

use orgdir_domain::dn::{Dn, escape_value, normalize_value};
use orgdir_domain::model::*;

use crate::entry::{Entry, EntryId, EntryKind, Values};
use crate::schema::ids;

/// DN of the subschema entry, shared by every enterprise.
pub const SUBSCHEMA_DN: &str = "cn=Subschema";

/// RDN of the roles container under each naming context. (The groups and services
/// containers are per enterprise: `Enterprise::groups_rdn`, `services_rdn`.)
pub const ROLES_RDN: &str = "cn=roles";
/// RDN of the enterprise administrator's bind identity (not an entry).
pub const ADMIN_RDN: &str = "cn=admin";
/// The object classes of a member entry (LDAP writes accept any subset of them).
pub const MEMBER_CLASSES: &[&str] = &[
    "top",
    "person",
    "organizationalPerson",
    "inetOrgPerson",
    "posixAccount",
    "orgdirMember",
];

/// Formats a timestamp as LDAP GeneralizedTime (`YYYYMMDDHHMMSSZ`).
pub fn generalized_time(t: Timestamp) -> String {
    format_generalized_time(
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// Formats a UTC date-time as LDAP GeneralizedTime (`YYYYMMDDHHMMSSZ`).
pub fn format_generalized_time(dt: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Formats a UUID in its RFC 4122 text form.
pub fn uuid_string(u: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*u).hyphenated().to_string()
}

/// The stable RDN value of a role entry.
pub fn role_key(role: &Role) -> String {
    match role.builtin {
        Some(b) => b.key().to_string(),
        None => format!("role-{}", role.id.0),
    }
}

struct Slot {
    kind: EntryKind,
    parent: Option<EntryId>,
    dn: String,
    ndn: String,
}

/// `attr=value,parent` in display and normalized form (for single-valued RDNs this is
/// exactly what `Dn::normalized` gives, without parsing).
fn child(attr: &str, value: &str, parent: &str, parent_ndn: &str) -> (String, String) {
    (
        format!("{attr}={},{parent}", escape_value(value)),
        format!(
            "{attr}={},{parent_ndn}",
            escape_value(&normalize_value(value))
        ),
    )
}

/// Projects `state` into entries in depth-first pre-order.
pub fn project(state: &EnterpriseState) -> Vec<Entry> {
    let base = Dn::parse(&state.enterprise.naming_context).unwrap_or_default();
    let mut child_orgs: HashMap<OrgId, Vec<&Org>> = HashMap::new();
    for o in state.orgs.values() {
        if let Some(p) = o.parent {
            child_orgs.entry(p).or_default().push(o);
        }
    }
    for v in child_orgs.values_mut() {
        v.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut org_members: HashMap<OrgId, Vec<&Member>> = HashMap::new();
    for m in state.members.values() {
        org_members.entry(m.org).or_default().push(m);
    }
    for v in org_members.values_mut() {
        v.sort_by(|a, b| (a.account.len(), &a.account).cmp(&(b.account.len(), &b.account)));
    }

    // Pass 1: layout.
    let mut slots: Vec<Slot> = Vec::with_capacity(
        state.orgs.len() + state.members.len() + state.groups.len() + state.roles.len() + 8,
    );
    let mut ends: Vec<EntryId> = Vec::new();
    let root = state.root();
    // Iterative DFS over orgs: (org, parent entry, dn).
    enum Step<'a> {
        Enter(&'a Org, Option<EntryId>, String, String),
        Leave(EntryId),
    }
    let mut stack: Vec<Step<'_>> = Vec::new();
    if let Some(r) = state.orgs.get(&root) {
        stack.push(Step::Enter(r, None, base.to_string(), base.normalized()));
    }
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave(id) => {
                if let Some(e) = ends.get_mut(id as usize) {
                    *e = slots.len() as EntryId;
                }
            }
            Step::Enter(org, parent, dn, ndn) => {
                let id = slots.len() as EntryId;
                slots.push(Slot {
                    kind: EntryKind::Org(org.id),
                    parent,
                    dn: dn.clone(),
                    ndn: ndn.clone(),
                });
                ends.push(id + 1);
                stack.push(Step::Leave(id));
                // Children pushed in reverse so they pop in order: orgs, then members, then
                // (for the root) the system containers, which are added after the walk.
                let members: Vec<&Member> = org_members.get(&org.id).cloned().unwrap_or_default();
                let orgs: Vec<&Org> = child_orgs.get(&org.id).cloned().unwrap_or_default();
                for o in orgs.iter().rev() {
                    let (child_dn, child_ndn) = child("ou", &o.name, &dn, &ndn);
                    stack.push(Step::Enter(o, Some(id), child_dn, child_ndn));
                }
                // Members directly under this org come first (before child orgs).
                for m in members {
                    let mid = slots.len() as EntryId;
                    let (mdn, mndn) = child("uid", &m.account, &dn, &ndn);
                    slots.push(Slot {
                        kind: EntryKind::Member(m.id),
                        parent: Some(id),
                        dn: mdn,
                        ndn: mndn,
                    });
                    ends.push(mid + 1);
                }
            }
        }
    }
    let root_entry: EntryId = 0;
    let base_dn = base.to_string();
    let base_ndn = base.normalized();
    let mut container = |rdn: &str, kids: Vec<(EntryKind, String)>| {
        let cid = slots.len() as EntryId;
        let (cdn, cndn) = match Dn::parse(rdn).ok().and_then(|d| d.first_ava().cloned()) {
            Some(a) => child(&a.attr.to_ascii_lowercase(), &a.value, &base_dn, &base_ndn),
            None => (format!("{rdn},{base_dn}"), format!("{rdn},{base_ndn}")),
        };
        slots.push(Slot {
            kind: EntryKind::Container,
            parent: Some(root_entry),
            dn: cdn.clone(),
            ndn: cndn.clone(),
        });
        ends.push(cid + 1 + kids.len() as EntryId);
        for (kind, name) in kids {
            let k = slots.len() as EntryId;
            let (dn, ndn) = child("cn", &name, &cdn, &cndn);
            slots.push(Slot {
                kind,
                parent: Some(cid),
                dn,
                ndn,
            });
            ends.push(k + 1);
        }
    };
    let mut groups: Vec<&Group> = state.groups.values().collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    container(
        &state.enterprise.groups_rdn,
        groups
            .iter()
            .map(|g| (EntryKind::Group(g.id), g.name.clone()))
            .collect(),
    );
    container(
        ROLES_RDN,
        state
            .roles
            .values()
            .map(|r| (EntryKind::Role(r.id), role_key(r)))
            .collect(),
    );
    let mut services: Vec<&ServiceAccount> = state.services.values().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    container(
        &state.enterprise.services_rdn,
        services
            .iter()
            .map(|s| (EntryKind::Service(s.id), s.name.clone()))
            .collect(),
    );
    if let Some(e) = ends.get_mut(0) {
        *e = slots.len() as EntryId;
    }

    // Lookup tables for references.
    let mut member_entry: HashMap<MemberId, EntryId> = HashMap::new();
    let mut group_entry: HashMap<GroupId, EntryId> = HashMap::new();
    let mut role_entry: HashMap<RoleId, EntryId> = HashMap::new();
    for (i, s) in slots.iter().enumerate() {
        let i = i as EntryId;
        match s.kind {
            EntryKind::Member(m) => {
                member_entry.insert(m, i);
            }
            EntryKind::Group(g) => {
                group_entry.insert(g, i);
            }
            EntryKind::Role(r) => {
                role_entry.insert(r, i);
            }
            _ => {}
        }
    }
    let mut member_of: HashMap<MemberId, Vec<EntryId>> = HashMap::new();
    for g in groups.iter() {
        if let Some(ge) = group_entry.get(&g.id) {
            for m in &g.members {
                member_of.entry(*m).or_default().push(*ge);
            }
        }
    }
    let mut role_members: HashMap<RoleId, Vec<EntryId>> = HashMap::new();
    for m in state.members.values() {
        if let Some(me) = member_entry.get(&m.id) {
            role_members.entry(m.role).or_default().push(*me);
        }
    }
    for v in role_members.values_mut() {
        v.sort_unstable();
    }

    // Pass 2: attributes.
    let ent = &state.enterprise;
    slots
        .into_iter()
        .zip(ends)
        .map(|(slot, end)| {
            let mut attrs: Vec<(u16, Values)> = Vec::with_capacity(24);
            let s = |v: &str| Values::Str(vec![v.to_string()]);
            let ocs = |v: &[&str]| Values::Str(v.iter().map(|s| s.to_string()).collect());
            let (uuid, created, modified, structural, hidden) = match slot.kind {
                EntryKind::Org(oid) => {
                    let org = state.orgs.get(&oid);
                    let name = org.map(|o| o.name.as_str()).unwrap_or_default();
                    if org.is_some_and(|o| o.parent.is_none()) {
                        // The naming-context entry.
                        let first = base.first_ava();
                        let first_attr = first.map(|a| a.attr.to_ascii_lowercase());
                        let mut o_values = vec![ent.short_name.clone()];
                        if first_attr.as_deref() == Some("o")
                            && let Some(a) = first
                            && !a.value.eq_ignore_ascii_case(&ent.short_name)
                        {
                            o_values.insert(0, a.value.clone());
                        }
                        if first_attr.as_deref() == Some("dc") {
                            attrs.push((
                                *ids::OBJECT_CLASS,
                                ocs(&["top", "organization", "dcObject"]),
                            ));
                            if let Some(a) = first {
                                attrs.push((*ids::DC, s(&a.value)));
                            }
                        } else if first_attr.as_deref() == Some("ou") {
                            attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "organizationalUnit"])));
                            if let Some(a) = first {
                                attrs.push((*ids::OU, s(&a.value)));
                            }
                        } else {
                            attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "organization"])));
                        }
                        attrs.push((*ids::O, Values::Str(o_values)));
                        attrs.push((*ids::DESCRIPTION, s(&ent.name)));
                        let structural = if first_attr.as_deref() == Some("ou") {
                            "organizationalUnit"
                        } else {
                            "organization"
                        };
                        (
                            ent.uuid,
                            ent.created_at,
                            org.map(|o| o.modified_at).unwrap_or(ent.modified_at),
                            structural,
                            false,
                        )
                    } else {
                        attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "organizationalUnit"])));
                        attrs.push((*ids::OU, s(name)));
                        let o = org
                            .map(|o| (o.uuid, o.created_at, o.modified_at))
                            .unwrap_or_default();
                        (o.0, o.1, o.2, "organizationalUnit", false)
                    }
                }
                EntryKind::Member(mid) => match state.members.get(&mid) {
                    Some(m) => {
                        member_attrs(
                            &mut attrs,
                            state,
                            m,
                            member_of.remove(&m.id).unwrap_or_default(),
                            role_entry.get(&m.role).copied(),
                        );
                        (
                            m.uuid,
                            m.created_at,
                            m.modified_at,
                            "inetOrgPerson",
                            m.hidden,
                        )
                    }
                    None => ([0; 16], 0, 0, "inetOrgPerson", false),
                },
                EntryKind::Group(gid) => match state.groups.get(&gid) {
                    Some(g) => {
                        attrs.push((
                            *ids::OBJECT_CLASS,
                            ocs(&["top", "groupOfNames", "posixGroup"]),
                        ));
                        attrs.push((*ids::CN, s(&g.name)));
                        if let Some(d) = &g.description {
                            attrs.push((*ids::DESCRIPTION, s(d)));
                        }
                        attrs.push((*ids::GID_NUMBER, s(&g.gid_number.to_string())));
                        let mut refs: Vec<EntryId> = g
                            .members
                            .iter()
                            .filter_map(|m| member_entry.get(m).copied())
                            .collect();
                        refs.sort_unstable();
                        attrs.push((*ids::MEMBER, Values::Refs(refs.clone())));
                        attrs.push((*ids::MEMBER_UID, Values::Uids(refs)));
                        (g.uuid, g.created_at, g.modified_at, "groupOfNames", false)
                    }
                    None => ([0; 16], 0, 0, "groupOfNames", false),
                },
                EntryKind::Role(rid) => match state.roles.get(&rid) {
                    Some(r) => {
                        attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "groupOfNames"])));
                        attrs.push((*ids::CN, s(&role_key(r))));
                        attrs.push((*ids::DESCRIPTION, s(&r.name)));
                        attrs.push((
                            *ids::MEMBER,
                            Values::Refs(role_members.remove(&rid).unwrap_or_default()),
                        ));
                        (r.uuid, r.created_at, r.modified_at, "groupOfNames", false)
                    }
                    None => ([0; 16], 0, 0, "groupOfNames", false),
                },
                EntryKind::Service(sid) => match state.services.get(&sid) {
                    Some(sv) => {
                        attrs.push((
                            *ids::OBJECT_CLASS,
                            ocs(&["top", "applicationProcess", "simpleSecurityObject"]),
                        ));
                        attrs.push((*ids::CN, s(&sv.name)));
                        if let Some(d) = &sv.description {
                            attrs.push((*ids::DESCRIPTION, s(d)));
                        }
                        (
                            sv.uuid,
                            sv.created_at,
                            sv.modified_at,
                            "applicationProcess",
                            false,
                        )
                    }
                    None => ([0; 16], 0, 0, "applicationProcess", false),
                },
                EntryKind::Container => {
                    let rdn = Dn::parse(&slot.dn)
                        .ok()
                        .and_then(|d| d.first_ava().cloned());
                    let (attr, name) = rdn
                        .map(|a| (a.attr.to_ascii_lowercase(), a.value))
                        .unwrap_or_default();
                    let structural = if attr == "ou" {
                        attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "organizationalUnit"])));
                        attrs.push((*ids::OU, Values::Str(vec![name.clone()])));
                        "organizationalUnit"
                    } else {
                        attrs.push((*ids::OBJECT_CLASS, ocs(&["top", "orgdirContainer"])));
                        attrs.push((*ids::CN, Values::Str(vec![name.clone()])));
                        "orgdirContainer"
                    };
                    let cn = name;
                    // Stable UUID per container: derived from the enterprise UUID and the name.
                    let mut u = ent.uuid;
                    for (i, b) in cn.bytes().enumerate() {
                        if let Some(x) = u.get_mut(i % 16) {
                            *x ^= b;
                        }
                    }
                    (u, ent.created_at, ent.created_at, structural, false)
                }
            };
            attrs.push((*ids::STRUCTURAL_OC, s(structural)));
            attrs.push((*ids::ENTRY_UUID, s(&uuid_string(&uuid))));
            attrs.push((*ids::CREATE_TIMESTAMP, s(&generalized_time(created))));
            attrs.push((*ids::MODIFY_TIMESTAMP, s(&generalized_time(modified))));
            attrs.push((*ids::ENTRY_DN, s(&slot.dn)));
            attrs.push((*ids::SUBSCHEMA_SUBENTRY, s(SUBSCHEMA_DN)));
            Entry::new(
                slot.dn,
                slot.ndn,
                slot.kind,
                slot.parent,
                end,
                hidden,
                attrs,
            )
        })
        .collect()
}

fn member_attrs(
    attrs: &mut Vec<(u16, Values)>,
    state: &EnterpriseState,
    m: &Member,
    mut member_of: Vec<EntryId>,
    role: Option<EntryId>,
) {
    let s = |v: &str| Values::Str(vec![v.to_string()]);
    attrs.push((
        *ids::OBJECT_CLASS,
        Values::Str(MEMBER_CLASSES.iter().map(|s| s.to_string()).collect()),
    ));
    attrs.push((*ids::UID, s(&m.account)));
    attrs.push((*ids::CN, s(&m.name)));
    attrs.push((*ids::SN, s(&m.surname)));
    if let Some(v) = &m.given_name {
        attrs.push((*ids::GIVEN_NAME, s(v)));
    }
    attrs.push((*ids::DISPLAY_NAME, s(&m.name)));
    for (id, v) in [
        (*ids::MAIL, &m.email),
        (*ids::MOBILE, &m.mobile),
        (*ids::TITLE, &m.title),
        (*ids::EMPLOYEE_NUMBER, &m.employee_number),
    ] {
        if let Some(v) = v {
            attrs.push((id, s(v)));
        }
    }
    attrs.push((*ids::UID_NUMBER, s(&m.uid_number.to_string())));
    attrs.push((*ids::GID_NUMBER, s(&m.gid_number.to_string())));
    attrs.push((*ids::HOME_DIRECTORY, s(&m.home_directory)));
    attrs.push((*ids::LOGIN_SHELL, s(&m.login_shell)));
    // gecos is IA5: use the name when it is ASCII, else the account.
    let gecos = if m.name.is_ascii() {
        &m.name
    } else {
        &m.account
    };
    attrs.push((*ids::GECOS, s(gecos)));
    if let Some(r) = role {
        member_of.push(r);
    }
    member_of.sort_unstable();
    if !member_of.is_empty() {
        attrs.push((*ids::MEMBER_OF, Values::Refs(member_of)));
    }
    if let Some(r) = state.roles.get(&m.role) {
        attrs.push((*ids::ORGDIR_ROLE, s(&role_key(r))));
    }
    attrs.push((
        *ids::ORGDIR_ENTERPRISE,
        s(&state.enterprise.number.to_string()),
    ));
    if m.disabled {
        // OpenLDAP ppolicy's convention for "locked by an administrator, no expiry".
        attrs.push((*ids::PWD_LOCKED, s("000001010000Z")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(generalized_time(0), "19700101000000Z");
        assert_eq!(generalized_time(1_764_087_900), "20251125162500Z");
    }
}
