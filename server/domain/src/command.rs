//! Commands: every change to an enterprise, validated against the rules and applied to an
//! [`EnterpriseState`], yielding the row-level [`Change`]s the store persists.
//!
//! This is the rule half of the one write path: the directory service checks authorization
//! (see [`crate::authz`]), calls [`apply`] on a copy of the state, commits the changes, and
//! publishes the new state.

use std::collections::BTreeSet;

use crate::error::RuleError;
use crate::model::*;
use crate::validate;

/// The world a command needs: the time and fresh UUIDs (injected, never read here).
pub struct Ctx<'a> {
    /// Now.
    pub now: Timestamp,
    /// Source of entryUUIDs.
    pub uuid: &'a mut dyn FnMut() -> [u8; 16],
}

/// Fields of a new member.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewMember {
    /// Account; `None` takes the next free number of the enterprise's range.
    pub account: Option<String>,
    /// Org.
    pub org: Option<OrgId>,
    /// Full name.
    pub name: String,
    /// Surname; derived from the name when absent.
    pub surname: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Mail.
    pub email: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Employee number.
    pub employee_number: Option<String>,
    /// Role (mandatory).
    pub role: Option<RoleId>,
    /// Scope orgs; empty means the root org.
    pub scope: Vec<OrgId>,
    /// Hidden.
    pub hidden: bool,
    /// Disabled.
    pub disabled: bool,
    /// Password hash.
    pub password: Option<String>,
    /// Must change password at first sign-in.
    pub must_change_password: bool,
    /// POSIX uidNumber; allocated when absent.
    pub uid_number: Option<u32>,
    /// POSIX gidNumber; equals the uidNumber when absent.
    pub gid_number: Option<u32>,
    /// Login shell; `/bin/bash` when absent.
    pub login_shell: Option<String>,
    /// Home directory; `/home/<account>` when absent.
    pub home_directory: Option<String>,
}

/// A partial update of a member's attributes. `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberPatch {
    /// Full name.
    pub name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Given name.
    pub given_name: Option<Option<String>>,
    /// Mobile.
    pub mobile: Option<Option<String>>,
    /// Mail.
    pub email: Option<Option<String>>,
    /// Title.
    pub title: Option<Option<String>>,
    /// Employee number.
    pub employee_number: Option<Option<String>>,
    /// Scope.
    pub scope: Option<Vec<OrgId>>,
    /// Login shell.
    pub login_shell: Option<String>,
    /// Home directory.
    pub home_directory: Option<String>,
}

/// Fields of a new group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewGroup {
    /// Name (cn).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// gidNumber; allocated when absent.
    pub gid_number: Option<u32>,
    /// Initial members.
    pub members: BTreeSet<MemberId>,
    /// Owner.
    pub owner: Option<MemberId>,
}

/// Fields of a new service account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewService {
    /// Name (cn).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Password hash.
    pub password: Option<String>,
    /// Scope orgs (empty: whole enterprise).
    pub scope: Vec<OrgId>,
    /// Sees hidden members.
    pub sees_hidden: bool,
    /// May write.
    pub can_write: bool,
}

/// Every change one can ask of an enterprise.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Add an org under `parent`.
    CreateOrg {
        /// Parent org.
        parent: OrgId,
        /// Name.
        name: String,
    },
    /// Rename an org.
    RenameOrg {
        /// The org.
        org: OrgId,
        /// New name.
        name: String,
    },
    /// Move an org (with its subtree) under another parent.
    MoveOrg {
        /// The org.
        org: OrgId,
        /// New parent.
        parent: OrgId,
    },
    /// Delete an empty org.
    DeleteOrg {
        /// The org.
        org: OrgId,
    },
    /// Add a member.
    AddMember(Box<NewMember>),
    /// Change a member's attributes.
    UpdateMember {
        /// The member.
        member: MemberId,
        /// Changes.
        patch: Box<MemberPatch>,
    },
    /// Move a member to another org.
    MoveMember {
        /// The member.
        member: MemberId,
        /// Target org.
        org: OrgId,
    },
    /// Change a member's role.
    SetMemberRole {
        /// The member.
        member: MemberId,
        /// New role.
        role: RoleId,
    },
    /// Disable or enable a member (ORG-6).
    SetMemberDisabled {
        /// The member.
        member: MemberId,
        /// Disabled?
        disabled: bool,
    },
    /// Hide or unhide a member (ORG-9).
    SetMemberHidden {
        /// The member.
        member: MemberId,
        /// Hidden?
        hidden: bool,
    },
    /// Set a member's password hash.
    SetMemberPassword {
        /// The member.
        member: MemberId,
        /// New hash.
        hash: String,
        /// Must change at next sign-in.
        must_change: bool,
    },
    /// Give an account to another person (ORG-5): the account and its place in the tree stay;
    /// everything about the previous holder goes (name, contact data, groups, role, scope,
    /// flags), and the entry gets a new entryUUID so applications see a new person.
    ReassignMember {
        /// The member record (the account) being reassigned.
        member: MemberId,
        /// The new holder's name.
        name: String,
        /// Surname (derived from the name when absent).
        surname: Option<String>,
        /// Mobile.
        mobile: Option<String>,
        /// Mail.
        email: Option<String>,
        /// Title.
        title: Option<String>,
        /// Initial password hash (the new holder must change it).
        password: Option<String>,
    },
    /// Delete a member (and its group memberships).
    DeleteMember {
        /// The member.
        member: MemberId,
    },
    /// Create a group.
    CreateGroup(Box<NewGroup>),
    /// Add members to a group.
    AddGroupMembers {
        /// The group.
        group: GroupId,
        /// Members to add.
        members: BTreeSet<MemberId>,
    },
    /// Remove members from a group.
    RemoveGroupMembers {
        /// The group.
        group: GroupId,
        /// Members to remove.
        members: BTreeSet<MemberId>,
    },
    /// Delete a group.
    DeleteGroup {
        /// The group.
        group: GroupId,
    },
    /// Create a custom role (ROLE-2).
    CreateRole {
        /// Name.
        name: String,
        /// Permissions.
        permissions: BTreeSet<crate::role::Permission>,
    },
    /// Rename a role and/or change its permissions (not the enterprise administrator's).
    UpdateRole {
        /// The role.
        role: RoleId,
        /// New name.
        name: Option<String>,
        /// New permissions.
        permissions: Option<BTreeSet<crate::role::Permission>>,
    },
    /// Delete a custom role; its members fall back to the ordinary member role.
    DeleteRole {
        /// The role.
        role: RoleId,
    },
    /// Create a service account.
    CreateService(Box<NewService>),
    /// Set a service account's password hash.
    SetServicePassword {
        /// The service account.
        service: ServiceId,
        /// New hash.
        hash: String,
    },
    /// Delete a service account.
    DeleteService {
        /// The service account.
        service: ServiceId,
    },
    /// The operator changes what the enterprise bought (seats, account range, expiry) or its
    /// rule limits.
    SetEnterpriseTerms {
        /// Seats.
        seats: Option<u32>,
        /// Account range.
        account_range: Option<(u64, u64)>,
        /// Expiry (`Some(None)` clears it).
        expires_at: Option<Option<Timestamp>>,
        /// Rule limits.
        limits: Option<crate::limits::Limits>,
    },
    /// Set the enterprise administrator's super password hash.
    SetSuperPassword {
        /// New hash.
        hash: String,
    },
    /// The enterprise submits a profile change for review (ENT-1); it replaces any change
    /// still waiting. The live profile does not change.
    SubmitProfile {
        /// Proposed full name.
        name: String,
        /// Proposed short name.
        short_name: String,
        /// Proposed profile.
        profile: Box<crate::model::Profile>,
    },
    /// The operator approves (the change goes live) or rejects (with a reason) the waiting
    /// profile change.
    ReviewProfile {
        /// Approve?
        approve: bool,
        /// Why not (required to reject).
        reason: Option<String>,
    },
    /// Set or clear the recovery email (ENT-2).
    SetRecoveryEmail {
        /// The address.
        email: Option<String>,
    },
    /// Set or clear the hash of the initial password for members created from now on (ENT-4).
    SetInitialPassword {
        /// The hash.
        hash: Option<String>,
    },
    /// Turn a plugin on or off for the enterprise. At the first enabling the plugin's default
    /// grants are added to the built-in roles.
    SetPlugin {
        /// The plugin's id.
        plugin: String,
        /// On or off.
        enabled: bool,
        /// The plugin's default grants: which built-in role gets which of its permissions.
        default_grants: Vec<(BuiltinRole, crate::role::Permission)>,
    },
    /// Re-hash a password with a stronger scheme after a successful bind: replaces the
    /// stored hash only if it is still `old` (a password changed meanwhile wins).
    UpgradeHash {
        /// Whose.
        target: HashTarget,
        /// The hash that was verified.
        old: String,
        /// The new hash of the same password.
        new: String,
    },
}

/// Whose password hash an [`Command::UpgradeHash`] replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashTarget {
    /// A member.
    Member(MemberId),
    /// A service account.
    Service(ServiceId),
    /// The enterprise administrator.
    Super,
}

/// A row-level change for the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Enterprise record replaced.
    Enterprise(Box<Enterprise>),
    /// Org inserted or replaced.
    PutOrg(Org),
    /// Org deleted.
    DeleteOrg(OrgId),
    /// Member inserted or replaced.
    PutMember(Box<Member>),
    /// Member deleted.
    DeleteMember(MemberId),
    /// Role inserted or replaced.
    PutRole(Role),
    /// Role deleted.
    DeleteRole(RoleId),
    /// Group inserted or replaced.
    PutGroup(Group),
    /// Group deleted.
    DeleteGroup(GroupId),
    /// Service account inserted or replaced.
    PutService(ServiceAccount),
    /// Service account deleted.
    DeleteService(ServiceId),
}

/// Most custom roles one enterprise may define.
pub const MAX_CUSTOM_ROLES: usize = 100;

/// What an applied command produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Row changes, in order.
    pub changes: Vec<Change>,
    /// The id of a created entity, if the command created one.
    pub created: Option<u64>,
}

/// Validates `cmd` against the rules and applies it to `state`. On error `state` may be
/// partly modified: callers apply to a copy and drop it on error.
pub fn apply(
    state: &mut EnterpriseState,
    cmd: Command,
    ctx: &mut Ctx<'_>,
) -> Result<Outcome, RuleError> {
    let mut out = Outcome::default();
    let now = ctx.now;
    match cmd {
        Command::CreateOrg { parent, name } => {
            let name = validate::org_name(&name)?;
            org(state, parent)?;
            check_org_slot(state, parent, &name, None)?;
            let depth = state.ancestors(parent).len() as u32;
            let max_depth = state.enterprise.limits.max_org_depth;
            if depth > max_depth {
                return Err(RuleError::Limit {
                    limit: "max_org_depth",
                    max: max_depth.into(),
                    what: format!("org {name:?} would be nested {depth} levels deep"),
                });
            }
            let id = OrgId(state.alloc_id());
            let org = Org {
                id,
                parent: Some(parent),
                name,
                uuid: (ctx.uuid)(),
                created_at: now,
                modified_at: now,
            };
            state.orgs.insert(id, org.clone());
            out.changes.push(Change::PutOrg(org));
            out.created = Some(id.0);
        }
        Command::RenameOrg { org: id, name } => {
            let name = validate::org_name(&name)?;
            let current = org(state, id)?.clone();
            match current.parent {
                Some(parent) => check_org_slot(state, parent, &name, Some(id))?,
                None => {
                    return Err(RuleError::Conflict(
                        "the root org is named after the enterprise's short name".into(),
                    ));
                }
            }
            let updated = Org {
                name,
                modified_at: now,
                ..current
            };
            state.orgs.insert(id, updated.clone());
            out.changes.push(Change::PutOrg(updated));
        }
        Command::MoveOrg { org: id, parent } => {
            let current = org(state, id)?.clone();
            org(state, parent)?;
            if current.parent.is_none() {
                return Err(RuleError::Conflict("the root org cannot be moved".into()));
            }
            if state.org_within(parent, id) {
                return Err(RuleError::Conflict(format!(
                    "org {:?} cannot be moved into its own subtree",
                    current.name
                )));
            }
            check_org_slot(state, parent, &current.name, Some(id))?;
            let updated = Org {
                parent: Some(parent),
                modified_at: now,
                ..current
            };
            state.orgs.insert(id, updated.clone());
            out.changes.push(Change::PutOrg(updated));
        }
        Command::DeleteOrg { org: id } => {
            let current = org(state, id)?.clone();
            if current.parent.is_none() {
                return Err(RuleError::Conflict("the root org cannot be deleted".into()));
            }
            let children = state.child_orgs(id).count();
            let members = state.member_count_in(id);
            if children > 0 || members > 0 {
                return Err(RuleError::Conflict(format!(
                    "org {:?} still has {children} child org(s) and {members} member(s); move or delete them first",
                    current.name
                )));
            }
            if let Some(m) = state.members.values().find(|m| m.scope.contains(&id)) {
                return Err(RuleError::Conflict(format!(
                    "org {:?} is in the management scope of member {}; change that scope first",
                    current.name, m.account
                )));
            }
            if let Some(s) = state.services.values().find(|s| s.scope.contains(&id)) {
                return Err(RuleError::Conflict(format!(
                    "org {:?} is in the scope of service account {}; change that scope first",
                    current.name, s.name
                )));
            }
            state.orgs.remove(&id);
            out.changes.push(Change::DeleteOrg(id));
        }
        Command::AddMember(new) => {
            let member = new_member(state, *new, ctx)?;
            out.created = Some(member.id.0);
            state.put_member(member.clone());
            out.changes.push(Change::PutMember(Box::new(member)));
        }
        Command::UpdateMember { member, patch } => {
            let mut m = member_rec(state, member)?.clone();
            let p = *patch;
            if let Some(v) = p.name {
                m.name = validate::person_name("name", &v)?;
            }
            if let Some(v) = p.surname {
                m.surname = validate::person_name("surname", &v)?;
            }
            if let Some(v) = p.given_name {
                m.given_name = v
                    .map(|v| validate::person_name("given_name", &v))
                    .transpose()?;
            }
            if let Some(v) = p.mobile {
                m.mobile = v.map(|v| validate::mobile(&v)).transpose()?;
            }
            if let Some(v) = p.email {
                m.email = v.map(|v| validate::email(&v)).transpose()?;
            }
            if let Some(v) = p.title {
                m.title = v.map(|v| validate::text("title", &v, 128)).transpose()?;
            }
            if let Some(v) = p.employee_number {
                m.employee_number = v
                    .map(|v| validate::text("employee_number", &v, 64))
                    .transpose()?;
            }
            if let Some(v) = p.scope {
                m.scope = check_scope(state, v)?;
            }
            if let Some(v) = p.login_shell {
                m.login_shell = validate::path("login_shell", &v)?;
            }
            if let Some(v) = p.home_directory {
                m.home_directory = validate::path("home_directory", &v)?;
            }
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::MoveMember {
            member,
            org: target,
        } => {
            let mut m = member_rec(state, member)?.clone();
            org(state, target)?;
            if m.org != target {
                check_org_capacity(state, target)?;
            }
            m.org = target;
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::SetMemberRole { member, role } => {
            let mut m = member_rec(state, member)?.clone();
            check_assignable_role(state, role)?;
            m.role = role;
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::SetMemberDisabled { member, disabled } => {
            let mut m = member_rec(state, member)?.clone();
            m.disabled = disabled;
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::SetMemberHidden { member, hidden } => {
            let mut m = member_rec(state, member)?.clone();
            m.hidden = hidden;
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::SetMemberPassword {
            member,
            hash,
            must_change,
        } => {
            let mut m = member_rec(state, member)?.clone();
            m.password = Some(hash);
            m.must_change_password = must_change;
            m.modified_at = now;
            put_member(state, &mut out, m);
        }
        Command::ReassignMember {
            member,
            name,
            surname,
            mobile,
            email,
            title,
            password,
        } => {
            let old = member_rec(state, member)?.clone();
            let name = validate::person_name("name", &name)?;
            let member_role = state
                .builtin_role(BuiltinRole::Member)
                .map(|r| r.id)
                .ok_or_else(|| RuleError::NotFound("the member role".into()))?;
            let m = Member {
                surname: match surname {
                    Some(s) => validate::person_name("surname", &s)?,
                    None => validate::derive_surname(&name),
                },
                name,
                given_name: None,
                mobile: mobile.map(|v| validate::mobile(&v)).transpose()?,
                email: email.map(|v| validate::email(&v)).transpose()?,
                title: title
                    .map(|v| validate::text("title", &v, 128))
                    .transpose()?,
                employee_number: None,
                role: member_role,
                scope: vec![state.root()],
                hidden: false,
                disabled: false,
                must_change_password: password.is_some(),
                password,
                uuid: (ctx.uuid)(),
                created_at: now,
                modified_at: now,
                ..old
            };
            put_member(state, &mut out, m);
            leave_groups(state, &mut out, member, now);
        }
        Command::DeleteMember { member } => {
            member_rec(state, member)?;
            state.remove_member(member);
            out.changes.push(Change::DeleteMember(member));
            leave_groups(state, &mut out, member, now);
        }
        Command::CreateGroup(new) => {
            let name = validate::group_name(&new.name)?;
            if state
                .groups
                .values()
                .any(|g| g.name.eq_ignore_ascii_case(&name))
            {
                return Err(RuleError::AlreadyExists(format!("group {name:?}")));
            }
            let max = state.enterprise.limits.max_groups;
            if state.groups.len() as u64 >= u64::from(max) {
                return Err(RuleError::Limit {
                    limit: "max_groups",
                    max: max.into(),
                    what: format!("the enterprise already has {} groups", state.groups.len()),
                });
            }
            for m in new.members.iter().chain(new.owner.iter()) {
                member_rec(state, *m)?;
            }
            let gid_number = match new.gid_number {
                Some(g) => g,
                None => next_group_gid(state),
            };
            let id = GroupId(state.alloc_id());
            let g = Group {
                id,
                name,
                description: new
                    .description
                    .map(|d| validate::text("description", &d, 1024))
                    .transpose()?,
                gid_number,
                members: new.members,
                owner: new.owner,
                uuid: (ctx.uuid)(),
                created_at: now,
                modified_at: now,
            };
            state.groups.insert(id, g.clone());
            out.changes.push(Change::PutGroup(g));
            out.created = Some(id.0);
        }
        Command::AddGroupMembers { group, members } => {
            for m in &members {
                member_rec(state, *m)?;
            }
            let g = group_rec_mut(state, group)?;
            g.members.extend(members);
            g.modified_at = now;
            out.changes.push(Change::PutGroup(g.clone()));
        }
        Command::RemoveGroupMembers { group, members } => {
            let g = group_rec_mut(state, group)?;
            for m in &members {
                g.members.remove(m);
            }
            g.modified_at = now;
            out.changes.push(Change::PutGroup(g.clone()));
        }
        Command::DeleteGroup { group } => {
            group_rec_mut(state, group)?;
            state.groups.remove(&group);
            out.changes.push(Change::DeleteGroup(group));
        }
        Command::CreateRole { name, permissions } => {
            let name = validate::text("role name", &name, 64)?;
            if state
                .roles
                .values()
                .any(|r| r.name.eq_ignore_ascii_case(&name))
            {
                return Err(RuleError::AlreadyExists(format!("a role named {name:?}")));
            }
            let custom = state.roles.values().filter(|r| r.builtin.is_none()).count();
            if custom >= MAX_CUSTOM_ROLES {
                return Err(RuleError::Limit {
                    limit: "max_custom_roles",
                    max: MAX_CUSTOM_ROLES as u64,
                    what: format!("the enterprise already has {custom} custom roles"),
                });
            }
            let id = RoleId(state.alloc_id());
            let role = Role {
                id,
                name,
                builtin: None,
                permissions,
                uuid: (ctx.uuid)(),
                created_at: now,
                modified_at: now,
            };
            state.roles.insert(id, role.clone());
            out.changes.push(Change::PutRole(role));
            out.created = Some(id.0);
        }
        Command::UpdateRole {
            role,
            name,
            permissions,
        } => {
            let name = name
                .map(|n| validate::text("role name", &n, 64))
                .transpose()?;
            if let Some(n) = &name
                && state
                    .roles
                    .values()
                    .any(|r| r.id != role && r.name.eq_ignore_ascii_case(n))
            {
                return Err(RuleError::AlreadyExists(format!("a role named {n:?}")));
            }
            let r = state
                .roles
                .get_mut(&role)
                .ok_or_else(|| RuleError::NotFound(format!("role {}", role.0)))?;
            if r.builtin == Some(BuiltinRole::EnterpriseAdmin) {
                return Err(RuleError::Conflict(
                    "the enterprise administrator role cannot be edited".into(),
                ));
            }
            if let Some(n) = name {
                r.name = n;
            }
            if let Some(p) = permissions {
                r.permissions = p;
            }
            r.modified_at = now;
            out.changes.push(Change::PutRole(r.clone()));
        }
        Command::DeleteRole { role } => {
            let r = state
                .roles
                .get(&role)
                .ok_or_else(|| RuleError::NotFound(format!("role {}", role.0)))?;
            if r.builtin.is_some() {
                return Err(RuleError::Conflict(format!(
                    "{:?} is a built-in role and cannot be deleted",
                    r.name
                )));
            }
            let fallback = state
                .builtin_role(BuiltinRole::Member)
                .map(|r| r.id)
                .ok_or_else(|| RuleError::NotFound("the member role".into()))?;
            let holders: Vec<MemberId> = state
                .members
                .values()
                .filter(|m| m.role == role)
                .map(|m| m.id)
                .collect();
            for id in holders {
                if let Some(m) = state.members.get(&id) {
                    let mut m = m.clone();
                    m.role = fallback;
                    m.modified_at = now;
                    put_member(state, &mut out, m);
                }
            }
            state.roles.remove(&role);
            out.changes.push(Change::DeleteRole(role));
        }
        Command::CreateService(new) => {
            let name = validate::group_name(&new.name)?;
            if state
                .services
                .values()
                .any(|s| s.name.eq_ignore_ascii_case(&name))
            {
                return Err(RuleError::AlreadyExists(format!(
                    "service account {name:?}"
                )));
            }
            for o in &new.scope {
                org(state, *o)?;
            }
            let id = ServiceId(state.alloc_id());
            let s = ServiceAccount {
                id,
                name,
                description: new.description,
                password: new.password,
                scope: new.scope,
                sees_hidden: new.sees_hidden,
                can_write: new.can_write,
                disabled: false,
                uuid: (ctx.uuid)(),
                created_at: now,
                modified_at: now,
            };
            state.services.insert(id, s.clone());
            out.changes.push(Change::PutService(s));
            out.created = Some(id.0);
        }
        Command::SetServicePassword { service, hash } => {
            let s = state
                .services
                .get_mut(&service)
                .ok_or_else(|| RuleError::NotFound(format!("service account {}", service.0)))?;
            s.password = Some(hash);
            s.modified_at = now;
            out.changes.push(Change::PutService(s.clone()));
        }
        Command::DeleteService { service } => {
            if state.services.remove(&service).is_none() {
                return Err(RuleError::NotFound(format!(
                    "service account {}",
                    service.0
                )));
            }
            out.changes.push(Change::DeleteService(service));
        }
        Command::UpgradeHash { target, old, new } => match target {
            HashTarget::Member(id) => {
                if let Some(m) = state.members.get(&id)
                    && m.password.as_deref() == Some(old.as_str())
                {
                    let mut m = m.clone();
                    m.password = Some(new);
                    put_member(state, &mut out, m);
                }
            }
            HashTarget::Service(id) => {
                if let Some(s) = state.services.get_mut(&id)
                    && s.password.as_deref() == Some(old.as_str())
                {
                    s.password = Some(new);
                    out.changes.push(Change::PutService(s.clone()));
                }
            }
            HashTarget::Super => {
                if state.enterprise.super_password.as_deref() == Some(old.as_str()) {
                    state.enterprise.super_password = Some(new);
                    out.changes
                        .push(Change::Enterprise(Box::new(state.enterprise.clone())));
                }
            }
        },
        Command::SetEnterpriseTerms {
            seats,
            account_range,
            expires_at,
            limits,
        } => {
            let e = &mut state.enterprise;
            if let Some(seats) = seats {
                let n = state.members.len();
                if (seats as usize) < n {
                    return Err(RuleError::Conflict(format!(
                        "the enterprise has {n} members; seats cannot go below that"
                    )));
                }
                e.seats = seats;
            }
            if let Some((lo, hi)) = account_range {
                if lo > hi || lo == 0 {
                    return Err(RuleError::invalid(
                        "account_range",
                        format!("{lo}-{hi} is empty"),
                    ));
                }
                e.account_range = (lo, hi);
            }
            if let Some(x) = expires_at {
                e.expires_at = x;
            }
            if let Some(l) = limits {
                e.limits = l;
            }
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
        Command::SetSuperPassword { hash } => {
            state.enterprise.super_password = Some(hash);
            state.enterprise.modified_at = now;
            out.changes
                .push(Change::Enterprise(Box::new(state.enterprise.clone())));
        }
        Command::SubmitProfile {
            name,
            short_name,
            profile,
        } => {
            let change = ProfileChange {
                name: validate::text("name", &name, 200)?,
                short_name: validate::text("short_name", &short_name, 64)?,
                profile: validate_profile(*profile)?,
                submitted_at: now,
            };
            let e = &state.enterprise;
            if change.name == e.name
                && change.short_name == e.short_name
                && change.profile == e.account.profile
            {
                return Err(RuleError::Conflict(
                    "the submitted profile is the same as the live one".into(),
                ));
            }
            let e = &mut state.enterprise;
            e.account.pending = Some(change);
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
        Command::ReviewProfile { approve, reason } => {
            let Some(change) = state.enterprise.account.pending.take() else {
                return Err(RuleError::Conflict(
                    "no profile change is waiting for review".into(),
                ));
            };
            let reason = reason
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty());
            if !approve && reason.is_none() {
                return Err(RuleError::invalid("reason", "a rejection needs a reason"));
            }
            if approve {
                if change.short_name != state.enterprise.short_name {
                    // The root org is named after the short name.
                    let root = state.root();
                    if let Some(mut o) = state.orgs.get(&root).cloned() {
                        o.name = change.short_name.clone();
                        o.modified_at = now;
                        state.orgs.insert(root, o.clone());
                        out.changes.push(Change::PutOrg(o));
                    }
                }
                let e = &mut state.enterprise;
                e.name = change.name;
                e.short_name = change.short_name;
                e.account.profile = change.profile;
            }
            let e = &mut state.enterprise;
            e.account.last_review = Some(Review {
                approved: approve,
                reason,
                at: now,
            });
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
        Command::SetRecoveryEmail { email } => {
            let email = match email
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
            {
                Some(m) => Some(validate::email(&m)?),
                None => None,
            };
            let e = &mut state.enterprise;
            e.account.recovery_email = email;
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
        Command::SetInitialPassword { hash } => {
            let e = &mut state.enterprise;
            e.account.initial_password = hash;
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
        Command::SetPlugin {
            plugin,
            enabled,
            default_grants,
        } => {
            let first = !state
                .enterprise
                .account
                .plugins
                .get(&plugin)
                .is_some_and(|p| p.defaults_granted);
            if enabled && first {
                for (builtin, perm) in default_grants {
                    if perm.plugin() != Some(plugin.as_str()) {
                        return Err(RuleError::invalid(
                            "permission",
                            format!("{} is not a permission of {plugin}", perm.key()),
                        ));
                    }
                    let Some(role) = state
                        .roles
                        .values_mut()
                        .find(|r| r.builtin == Some(builtin))
                    else {
                        continue;
                    };
                    if role.permissions.insert(perm) {
                        role.modified_at = now;
                        let role = role.clone();
                        out.changes
                            .retain(|c| !matches!(c, Change::PutRole(r) if r.id == role.id));
                        out.changes.push(Change::PutRole(role));
                    }
                }
            }
            let e = &mut state.enterprise;
            let setting = e.account.plugins.entry(plugin).or_insert(PluginSetting {
                enabled: false,
                changed_at: now,
                defaults_granted: false,
            });
            if setting.enabled != enabled {
                setting.changed_at = now;
            }
            setting.enabled = enabled;
            setting.defaults_granted |= enabled;
            e.modified_at = now;
            out.changes.push(Change::Enterprise(Box::new(e.clone())));
        }
    }
    Ok(out)
}

/// Checks and trims a submitted profile: emails and phones well-formed, texts bounded.
fn validate_profile(p: Profile) -> Result<Profile, RuleError> {
    let text = |field: &'static str, v: Option<String>, max: usize| -> Result<_, RuleError> {
        match v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            Some(v) => Ok(Some(validate::text(field, &v, max)?)),
            None => Ok(None),
        }
    };
    let contact_email = match p.contact_email.filter(|m| !m.trim().is_empty()) {
        Some(m) => Some(validate::email(&m)?),
        None => None,
    };
    let contact_phone = match p.contact_phone.filter(|m| !m.trim().is_empty()) {
        Some(m) => Some(validate::mobile(&m)?),
        None => None,
    };
    Ok(Profile {
        address: text("address", p.address, 300)?,
        industry: text("industry", p.industry, 100)?,
        contact_name: text("contact_name", p.contact_name, 64)?,
        contact_phone,
        contact_email,
    })
}

/// Takes a member out of every group it is in or owns.
fn leave_groups(state: &mut EnterpriseState, out: &mut Outcome, member: MemberId, now: Timestamp) {
    for g in state.groups.values_mut() {
        if g.members.remove(&member) | (g.owner == Some(member)) {
            if g.owner == Some(member) {
                g.owner = None;
            }
            g.modified_at = now;
            out.changes.push(Change::PutGroup(g.clone()));
        }
    }
}

fn put_member(state: &mut EnterpriseState, out: &mut Outcome, m: Member) {
    state.put_member(m.clone());
    out.changes.push(Change::PutMember(Box::new(m)));
}

fn org(state: &EnterpriseState, id: OrgId) -> Result<&Org, RuleError> {
    state
        .orgs
        .get(&id)
        .ok_or_else(|| RuleError::NotFound(format!("org {}", id.0)))
}

fn member_rec(state: &EnterpriseState, id: MemberId) -> Result<&Member, RuleError> {
    state
        .members
        .get(&id)
        .ok_or_else(|| RuleError::NotFound(format!("member {}", id.0)))
}

fn group_rec_mut(state: &mut EnterpriseState, id: GroupId) -> Result<&mut Group, RuleError> {
    state
        .groups
        .get_mut(&id)
        .ok_or_else(|| RuleError::NotFound(format!("group {}", id.0)))
}

/// Checks that `parent` can take a child org named `name` (unique among siblings, root limit).
fn check_org_slot(
    state: &EnterpriseState,
    parent: OrgId,
    name: &str,
    moving: Option<OrgId>,
) -> Result<(), RuleError> {
    let siblings: Vec<&Org> = state
        .child_orgs(parent)
        .filter(|o| Some(o.id) != moving)
        .collect();
    if siblings
        .iter()
        .any(|o| crate::dn::normalize_value(&o.name) == crate::dn::normalize_value(name))
    {
        return Err(RuleError::AlreadyExists(format!(
            "an org named {name:?} under the same parent"
        )));
    }
    let is_root = state.orgs.get(&parent).is_some_and(|o| o.parent.is_none());
    if is_root {
        let rdn = format!("ou={}", crate::dn::escape_value(name));
        let same = |container: &str| {
            crate::dn::Dn::parse(container).map(|c| c.normalized()).ok()
                == crate::dn::Dn::parse(&rdn).map(|r| r.normalized()).ok()
        };
        if same(&state.enterprise.groups_rdn) || same(&state.enterprise.services_rdn) {
            return Err(RuleError::AlreadyExists(format!(
                "{rdn} (the container of groups or service accounts)"
            )));
        }
    }
    let max = state.enterprise.limits.max_root_orgs;
    let already_child =
        moving.is_some_and(|m| state.orgs.get(&m).and_then(|o| o.parent) == Some(parent));
    if is_root && !already_child && siblings.len() as u64 >= u64::from(max) {
        return Err(RuleError::Limit {
            limit: "max_root_orgs",
            max: max.into(),
            what: format!("the root org already holds {} orgs", siblings.len()),
        });
    }
    Ok(())
}

fn check_org_capacity(state: &mut EnterpriseState, org: OrgId) -> Result<(), RuleError> {
    let max = state.enterprise.limits.max_members_per_org;
    let n = state.member_count_in(org);
    if n as u64 >= u64::from(max) {
        let name = state
            .orgs
            .get(&org)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        return Err(RuleError::Limit {
            limit: "max_members_per_org",
            max: max.into(),
            what: format!("org {name:?} already holds {n} members"),
        });
    }
    Ok(())
}

fn check_scope(state: &EnterpriseState, scope: Vec<OrgId>) -> Result<Vec<OrgId>, RuleError> {
    let scope = if scope.is_empty() {
        vec![state.root()]
    } else {
        let mut seen = Vec::new();
        for o in scope {
            if !seen.contains(&o) {
                seen.push(o);
            }
        }
        seen
    };
    let max = state.enterprise.limits.max_scope_orgs;
    if scope.len() as u64 > u64::from(max) {
        return Err(RuleError::Limit {
            limit: "max_scope_orgs",
            max: max.into(),
            what: format!("a management scope of {} orgs", scope.len()),
        });
    }
    for o in &scope {
        org(state, *o)?;
    }
    Ok(scope)
}

fn check_assignable_role(state: &EnterpriseState, role: RoleId) -> Result<(), RuleError> {
    let r = state
        .roles
        .get(&role)
        .ok_or_else(|| RuleError::NotFound(format!("role {}", role.0)))?;
    if r.builtin == Some(BuiltinRole::EnterpriseAdmin) {
        return Err(RuleError::Conflict(
            "the enterprise administrator role belongs to the super-password account and cannot be given to a member".into(),
        ));
    }
    Ok(())
}

fn next_group_gid(state: &EnterpriseState) -> u32 {
    let base = state.enterprise.posix_base.saturating_add(50_000);
    state
        .groups
        .values()
        .map(|g| g.gid_number.saturating_add(1))
        .max()
        .unwrap_or(base)
        .max(base)
}

fn new_member(
    state: &mut EnterpriseState,
    new: NewMember,
    ctx: &mut Ctx<'_>,
) -> Result<Member, RuleError> {
    let account = match new.account {
        Some(a) => validate::account(&a)?,
        None => state
            .next_free_account()
            .map(|n| n.to_string())
            .ok_or_else(|| RuleError::Limit {
                limit: "account_range",
                max: state.enterprise.account_range.1,
                what: "no free account is left in the enterprise's range".into(),
            })?,
    };
    if let Ok(n) = account.parse::<u64>() {
        let (lo, hi) = state.enterprise.account_range;
        if n < lo || n > hi {
            return Err(RuleError::invalid(
                "account",
                format!("{n} is outside the enterprise's account range {lo}-{hi}"),
            ));
        }
    }
    if state.member_id_by_account(&account).is_some() {
        return Err(RuleError::AlreadyExists(format!("account {account}")));
    }
    let seats = state.enterprise.seats;
    if state.members.len() as u64 >= u64::from(seats) {
        return Err(RuleError::Limit {
            limit: "seats",
            max: seats.into(),
            what: format!("the enterprise already has {} members", state.members.len()),
        });
    }
    let org_id = new.org.unwrap_or_else(|| state.root());
    org(state, org_id)?;
    check_org_capacity(state, org_id)?;
    let role = new
        .role
        .ok_or_else(|| RuleError::invalid("role", "a role is mandatory"))?;
    check_assignable_role(state, role)?;
    let scope = check_scope(state, new.scope)?;
    let name = validate::person_name("name", &new.name)?;
    let surname = match new.surname {
        Some(s) => validate::person_name("surname", &s)?,
        None => validate::derive_surname(&name),
    };
    let uid_number = match new.uid_number {
        Some(n) => n,
        None => allocate_uid_number(state, &account),
    };
    let id = MemberId(state.alloc_id());
    Ok(Member {
        id,
        home_directory: match new.home_directory {
            Some(h) => validate::path("home_directory", &h)?,
            None => format!("/home/{account}"),
        },
        account,
        org: org_id,
        name,
        surname,
        given_name: new
            .given_name
            .map(|v| validate::person_name("given_name", &v))
            .transpose()?,
        mobile: new.mobile.map(|v| validate::mobile(&v)).transpose()?,
        email: new.email.map(|v| validate::email(&v)).transpose()?,
        title: new
            .title
            .map(|v| validate::text("title", &v, 128))
            .transpose()?,
        employee_number: new
            .employee_number
            .map(|v| validate::text("employee_number", &v, 64))
            .transpose()?,
        role,
        scope,
        hidden: new.hidden,
        disabled: new.disabled,
        uid_number,
        gid_number: new.gid_number.unwrap_or(uid_number),
        login_shell: match new.login_shell {
            Some(s) => validate::path("login_shell", &s)?,
            None => "/bin/bash".into(),
        },
        // ENT-4: without a password of its own, a new member gets the enterprise's initial
        // password, to be changed at the first sign-in.
        must_change_password: new.must_change_password
            || (new.password.is_none() && state.enterprise.account.initial_password.is_some()),
        password: new
            .password
            .or_else(|| state.enterprise.account.initial_password.clone()),
        uuid: (ctx.uuid)(),
        created_at: ctx.now,
        modified_at: ctx.now,
    })
}

fn allocate_uid_number(state: &mut EnterpriseState, account: &str) -> u32 {
    if let Ok(n) = account.parse::<u32>()
        && n >= 1000
        && !state.uid_number_used(n)
    {
        return n;
    }
    let base = state.enterprise.posix_base;
    state
        .max_uid_number()
        .map(|n| n.saturating_add(1))
        .unwrap_or(base)
        .max(base)
}
