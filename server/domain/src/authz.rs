//! Who may run which command: permission and management-scope checks (ROLE-3, ORG-10).
//!
//! Checked by the directory service before [`crate::command::apply`], whatever surface the
//! command came from (panel, API, LDAP, CLI, import).

use std::collections::BTreeSet;

use crate::command::Command;
use crate::error::Denied;
use crate::model::*;
use crate::role::Permission;

/// What a service account with `can_write` may do, within its scope: manage the org tree,
/// members and groups. Never roles, and it cannot hand out a role carrying other permissions
/// (least privilege for provisioning tools and LDAP federation). Without `can_write` a
/// service account changes nothing.
pub const SERVICE_WRITE_PERMISSIONS: [Permission; 3] = [
    Permission::ManageOrgTree,
    Permission::ManageMembers,
    Permission::ManageGroups,
];

/// The permissions an actor acts with; `None` means unrestricted (the server, the enterprise
/// administrator).
fn held_permissions(state: &EnterpriseState, actor: Actor) -> Option<BTreeSet<Permission>> {
    match actor {
        Actor::System | Actor::EnterpriseAdmin => None,
        Actor::Operator => Some(BTreeSet::new()),
        Actor::Member(id) => Some(
            state
                .members
                .get(&id)
                .map(|m| state.member_permissions(m))
                .unwrap_or_default(),
        ),
        Actor::Service(id) => Some(
            if state
                .services
                .get(&id)
                .is_some_and(|s| s.can_write && !s.disabled)
            {
                SERVICE_WRITE_PERMISSIONS.into_iter().collect()
            } else {
                BTreeSet::new()
            },
        ),
    }
}

/// The identity a command runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The server itself (CLI, migrations, hash upgrades, demo seeding).
    System,
    /// The server operator (all enterprises): may only change an enterprise's terms
    /// (seats, account range, expiry, limits).
    Operator,
    /// The enterprise administrator (super password).
    EnterpriseAdmin,
    /// A member, acting through its role and scope.
    Member(MemberId),
    /// A service account.
    Service(ServiceId),
}

/// The orgs an actor may see and manage: `None` means the whole enterprise.
pub fn scope_of(state: &EnterpriseState, actor: Actor) -> Option<Vec<OrgId>> {
    match actor {
        Actor::System | Actor::Operator | Actor::EnterpriseAdmin => None,
        Actor::Member(id) => Some(
            state
                .members
                .get(&id)
                .map(|m| m.scope.clone())
                .unwrap_or_default(),
        ),
        Actor::Service(id) => state
            .services
            .get(&id)
            .map(|s| s.scope.clone())
            .filter(|s| !s.is_empty()),
    }
}

/// Whether `org` lies within the actor's scope.
pub fn org_in_scope(state: &EnterpriseState, scope: &Option<Vec<OrgId>>, org: OrgId) -> bool {
    match scope {
        None => true,
        Some(orgs) => {
            let chain = state.ancestors(org);
            orgs.iter().any(|s| chain.contains(s))
        }
    }
}

/// Checks that `actor` may run `cmd` on `state`.
pub fn authorize(state: &EnterpriseState, actor: Actor, cmd: &Command) -> Result<(), Denied> {
    if matches!(cmd, Command::SetEnterpriseTerms { .. }) && actor == Actor::EnterpriseAdmin {
        return Err(Denied(
            "only the operator changes seats, account ranges and expiry".into(),
        ));
    }
    if matches!(cmd, Command::ReviewProfile { .. }) && actor == Actor::EnterpriseAdmin {
        return Err(Denied("only the operator reviews profile changes".into()));
    }
    let need = match actor {
        Actor::System | Actor::EnterpriseAdmin => return Ok(()),
        // The operator sets what an enterprise bought and nothing else: the enterprise is
        // run by its own administrator.
        Actor::Operator => {
            return match cmd {
                Command::SetEnterpriseTerms { .. } | Command::ReviewProfile { .. } => Ok(()),
                _ => Err(Denied(
                    "the operator only changes seats, account ranges, expiry and limits, and \
                     reviews profile changes"
                        .into(),
                )),
            };
        }
        Actor::Member(id) => {
            let Some(me) = state.members.get(&id) else {
                return Err(Denied("unknown member".into()));
            };
            if me.disabled {
                return Err(Denied("the member is disabled".into()));
            }
            // A member may always change its own password.
            if let Command::SetMemberPassword { member, .. } = cmd
                && *member == id
            {
                return Ok(());
            }
            held_permissions(state, actor).unwrap_or_default()
        }
        Actor::Service(id) => {
            let Some(svc) = state.services.get(&id) else {
                return Err(Denied("unknown service account".into()));
            };
            if svc.disabled {
                return Err(Denied(format!("service account {} is disabled", svc.name)));
            }
            if !svc.can_write {
                return Err(Denied(format!(
                    "service account {} is read-only (orgdir add-service --write makes one that may write)",
                    svc.name
                )));
            }
            held_permissions(state, actor).unwrap_or_default()
        }
    };
    let has = |p: Permission| need.contains(&p);
    let scope = scope_of(state, actor);
    let in_scope = |org: OrgId| org_in_scope(state, &scope, org);
    let member_org = |m: &MemberId| state.members.get(m).map(|m| m.org);
    let deny = |what: &str| Err(Denied(what.to_string()));
    let require = |p: Permission, orgs: &[Option<OrgId>]| -> Result<(), Denied> {
        if !has(p) {
            return Err(Denied(format!("the {} permission is required", p.key())));
        }
        for o in orgs {
            match o {
                Some(o) if in_scope(*o) => {}
                Some(_) => {
                    return Err(Denied("the target is outside your management scope".into()));
                }
                None => return Err(Denied("the target does not exist".into())),
            }
        }
        Ok(())
    };
    match cmd {
        Command::CreateOrg { parent, .. } => require(Permission::ManageOrgTree, &[Some(*parent)]),
        Command::RenameOrg { org, .. } | Command::DeleteOrg { org } => {
            require(Permission::ManageOrgTree, &[Some(*org)])
        }
        Command::MoveOrg { org, parent } => {
            require(Permission::ManageOrgTree, &[Some(*org), Some(*parent)])
        }
        Command::AddMember(new) => {
            require(
                Permission::ManageMembers,
                &[Some(new.org.unwrap_or_else(|| state.root()))],
            )?;
            for o in &new.scope {
                require(Permission::ManageMembers, &[Some(*o)])?;
            }
            if let Some(role) = new.role {
                check_role_grant(state, actor, role)?;
            }
            Ok(())
        }
        Command::UpdateMember { member, patch } => {
            require(Permission::ManageMembers, &[member_org(member)])?;
            for o in patch.scope.iter().flatten() {
                require(Permission::ManageMembers, &[Some(*o)])?;
            }
            Ok(())
        }
        Command::MoveMember { member, org } => {
            require(Permission::ManageMembers, &[member_org(member), Some(*org)])
        }
        Command::SetMemberDisabled { member, .. }
        | Command::ReassignMember { member, .. }
        | Command::SetMemberHidden { member, .. }
        | Command::SetMemberPassword { member, .. }
        | Command::DeleteMember { member } => {
            require(Permission::ManageMembers, &[member_org(member)])
        }
        Command::SetMemberRole { member, role } => {
            require(Permission::ManageRoles, &[member_org(member)])?;
            check_role_grant(state, actor, *role)
        }
        Command::CreateRole { permissions, .. } => {
            require(Permission::ManageRoles, &[])?;
            check_permission_grant(state, actor, permissions)
        }
        Command::UpdateRole {
            role, permissions, ..
        } => {
            require(Permission::ManageRoles, &[])?;
            // Editing the role one holds could raise one's own rights: not by oneself.
            if let Actor::Member(id) = actor
                && state.members.get(&id).is_some_and(|m| m.role == *role)
            {
                return deny("you cannot edit the role you hold");
            }
            match permissions {
                Some(p) => check_permission_grant(state, actor, p),
                None => Ok(()),
            }
        }
        Command::DeleteRole { .. } => require(Permission::ManageRoles, &[]),
        Command::CreateGroup(_)
        | Command::AddGroupMembers { .. }
        | Command::RemoveGroupMembers { .. }
        | Command::DeleteGroup { .. } => require(Permission::ManageGroups, &[]),
        Command::CreateService(_)
        | Command::SetServicePassword { .. }
        | Command::DeleteService { .. } => {
            deny("only the enterprise administrator manages service accounts")
        }
        Command::SetSuperPassword { .. } => {
            deny("only the enterprise administrator sets the super password")
        }
        Command::SubmitProfile { .. }
        | Command::SetRecoveryEmail { .. }
        | Command::SetInitialPassword { .. }
        | Command::SetPlugin { .. } => {
            deny("only the enterprise administrator changes the enterprise account")
        }
        Command::ReviewProfile { .. } => deny("only the operator reviews profile changes"),
        Command::UpgradeHash { .. } => deny("only the server upgrades password hashes"),
        Command::SetEnterpriseTerms { .. } => {
            deny("only the operator changes seats, account ranges and expiry")
        }
    }
}

/// A member (or a writing service account) may not define a role with permissions it does
/// not hold itself.
fn check_permission_grant(
    state: &EnterpriseState,
    actor: Actor,
    wanted: &BTreeSet<Permission>,
) -> Result<(), Denied> {
    let Some(mine) = held_permissions(state, actor) else {
        return Ok(());
    };
    if wanted.is_subset(&mine) {
        Ok(())
    } else {
        Err(Denied(
            "you cannot grant permissions you do not hold".into(),
        ))
    }
}

/// A member (or a writing service account) may not hand out a role carrying permissions it
/// does not hold itself.
fn check_role_grant(state: &EnterpriseState, actor: Actor, role: RoleId) -> Result<(), Denied> {
    let Some(mine) = held_permissions(state, actor) else {
        return Ok(());
    };
    let theirs = state
        .roles
        .get(&role)
        .map(|r| r.permissions.clone())
        .unwrap_or_default();
    if theirs.is_subset(&mine) {
        Ok(())
    } else {
        Err(Denied(
            "you cannot grant a role with permissions you do not hold".into(),
        ))
    }
}
