//! Groups: `groupOfNames` + `posixGroup` entries named `cn=<name>` in the groups container.
//! Their `member` DNs (or `uniqueMember`, or `memberUid` accounts) name the one member
//! list; members the caller cannot see are neither named nor touched.

use std::collections::BTreeSet;

use orgdir_domain::command::{Command, NewGroup};
use orgdir_domain::dn::{Ava, Dn};
use orgdir_domain::model::{GroupId, MemberId};

use crate::entry::{EntryId, EntryKind};
use crate::schema::{AttrId, ids};
use crate::search::resolve;
use crate::snapshot::{Snapshot, Viewer};

use super::view::{GROUP_CLASSES, View};
use super::{Modification, Plan, WriteCode, WriteError, refuse};

/// The attributes a group entry holds.
fn kept() -> [AttrId; 6] {
    [
        *ids::OBJECT_CLASS,
        *ids::CN,
        *ids::DESCRIPTION,
        *ids::GID_NUMBER,
        *ids::MEMBER,
        *ids::MEMBER_UID,
    ]
}

/// The member list after a request: `current` (the members the caller sees) with the
/// members that the request's `member` and `memberUid` values add and without those they
/// drop (both name the one list orgdir keeps); `None` if the request names neither.
fn members(
    snap: &Snapshot,
    viewer: &Viewer,
    view: &View,
    current: &BTreeSet<MemberId>,
) -> Result<Option<BTreeSet<MemberId>>, WriteError> {
    let vis = snap.visibility(viewer);
    let by_dn = |v: &String| -> Result<MemberId, WriteError> {
        Dn::parse(v)
            .ok()
            .and_then(|dn| resolve(snap, viewer, &dn).ok())
            .and_then(|id| match snap.entry(id).map(|e| e.kind) {
                Some(EntryKind::Member(m)) => Some(m),
                _ => None,
            })
            .ok_or_else(|| {
                WriteError::new(
                    WriteCode::ConstraintViolation,
                    format!("member: {v:?} names no member of this directory"),
                )
            })
    };
    let by_account = |v: &String| -> Result<MemberId, WriteError> {
        snap.member_by_account(v.trim())
            .filter(|m| {
                snap.member_entry(m.id)
                    .is_some_and(|e| snap.can_see(viewer, vis.as_deref(), e))
            })
            .map(|m| m.id)
            .ok_or_else(|| {
                WriteError::new(
                    WriteCode::ConstraintViolation,
                    format!("memberUid: {v:?} is no member's account"),
                )
            })
    };
    let mut wanted = current.clone();
    let mut dropped = BTreeSet::new();
    let mut named = false;
    for (id, resolve) in [
        (
            *ids::MEMBER,
            &by_dn as &dyn Fn(&String) -> Result<MemberId, WriteError>,
        ),
        (*ids::MEMBER_UID, &by_account),
    ] {
        if !view.touched(id) {
            continue;
        }
        named = true;
        let list = view
            .get(id)
            .iter()
            .map(resolve)
            .collect::<Result<BTreeSet<_>, _>>()?;
        wanted.extend(list.difference(current).copied());
        dropped.extend(current.difference(&list).copied());
    }
    Ok(named.then(|| wanted.difference(&dropped).copied().collect()))
}

fn gid_number(view: &View) -> Result<Option<u32>, WriteError> {
    match view.optional(*ids::GID_NUMBER)? {
        None => Ok(None),
        Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
            WriteError::new(
                WriteCode::InvalidAttributeSyntax,
                format!("gidNumber: {v:?} is not a number"),
            )
        }),
    }
}

/// Creates a group named `cn=<name>` in the groups container.
pub(super) fn add(
    snap: &Snapshot,
    viewer: &Viewer,
    rdn: &Ava,
    view: &View,
) -> Result<Plan, WriteError> {
    view.only(&kept(), "groups", GROUP_CLASSES)?;
    view.named(rdn, *ids::CN, "a group", "name")?;
    Ok(Plan::of(vec![Command::CreateGroup(Box::new(NewGroup {
        name: rdn.value.clone(),
        description: view.optional(*ids::DESCRIPTION)?,
        gid_number: gid_number(view)?,
        members: members(snap, viewer, view, &BTreeSet::new())?.unwrap_or_default(),
        owner: None,
    }))]))
}

/// Modifies group `group` (entry `id`): its member list.
pub(super) fn modify(
    snap: &Snapshot,
    viewer: &Viewer,
    id: EntryId,
    group: GroupId,
    changes: &[Modification],
) -> Result<Plan, WriteError> {
    let Some(g) = snap.state.groups.get(&group) else {
        return refuse(WriteCode::NoSuchObject, "");
    };
    let before = View::current(snap, viewer, id);
    let view = before.modified(
        changes,
        *ids::CN,
        "the group's name is its RDN; orgdir does not rename groups",
    )?;
    view.only(&kept(), "groups", GROUP_CLASSES)?;
    if gid_number(&view)? != gid_number(&before)? {
        return refuse(
            WriteCode::ConstraintViolation,
            "gidNumber: set when the group is created; it cannot be changed",
        );
    }
    if view.optional(*ids::DESCRIPTION)? != before.optional(*ids::DESCRIPTION)? {
        return refuse(
            WriteCode::UnwillingToPerform,
            "description: orgdir cannot change a group's description over LDAP (give it when the group is created)",
        );
    }
    let vis = snap.visibility(viewer);
    let visible: BTreeSet<MemberId> = g
        .members
        .iter()
        .copied()
        .filter(|m| {
            snap.member_entry(*m)
                .is_some_and(|e| snap.can_see(viewer, vis.as_deref(), e))
        })
        .collect();
    let wanted = members(snap, viewer, &view, &visible)?.unwrap_or_else(|| visible.clone());
    let add: BTreeSet<MemberId> = wanted.difference(&visible).copied().collect();
    let remove: BTreeSet<MemberId> = visible.difference(&wanted).copied().collect();
    let mut commands = Vec::new();
    if !add.is_empty() {
        commands.push(Command::AddGroupMembers {
            group,
            members: add,
        });
    }
    if !remove.is_empty() {
        commands.push(Command::RemoveGroupMembers {
            group,
            members: remove,
        });
    }
    Ok(Plan::or_unchanged(
        commands,
        Command::AddGroupMembers {
            group,
            members: BTreeSet::new(),
        },
    ))
}
