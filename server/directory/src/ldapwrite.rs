//! LDAP writes (Add, Modify, Delete, ModifyDN) mapped onto the commands every other surface
//! sends, so a change made with `ldapmodify`, Apache Directory Studio or a writable LDAP
//! federation (Keycloak) meets the same rules, permissions and audit as one made in the
//! account center (DESIGN invariant 1: one write path).
//!
//! The mapping is the inverse of the DIT projection ([`crate::dit`]):
//! * Add: `inetOrgPerson` named `uid=<account>` under an org → [`Command::AddMember`];
//!   `organizationalUnit` named `ou=<name>` under an org → [`Command::CreateOrg`];
//!   `groupOfNames`/`posixGroup` named `cn=<name>` in the groups container →
//!   [`Command::CreateGroup`].
//! * Modify: the attributes a member keeps → [`Command::UpdateMember`], `orgdirRole` →
//!   [`Command::SetMemberRole`], `pwdAccountLockedTime` → [`Command::SetMemberDisabled`],
//!   `userPassword` → [`Command::SetMemberPassword`]; a group's `member`/`memberUid` →
//!   [`Command::AddGroupMembers`]/[`Command::RemoveGroupMembers`]. One LDAP Modify is one
//!   [`Directory::execute_batch`]: all of it or nothing.
//! * Delete: [`Command::DeleteMember`], [`Command::DeleteOrg`], [`Command::DeleteGroup`].
//! * ModifyDN: a member's or org's new superior → [`Command::MoveMember`] /
//!   [`Command::MoveOrg`]; an org's new `ou` → [`Command::RenameOrg`]. A member's `uid` is
//!   its account, its identity: it cannot be renamed.
//!
//! [`plan`] is the pure half (a snapshot, the caller's view and a request in; commands or a
//! refusal out), [`write()`] hashes a clear-text password and runs the commands. Targets are
//! found with the caller's visibility: what a caller cannot see does not exist for its
//! writes either (ORG-9), with the matchedDN a search would give. Refusals carry a
//! [`WriteCode`] that the LDAP front end turns into the wire's result code; this crate
//! speaks no LDAP encoding.

use std::fmt;

use orgdir_domain::RuleError;
use orgdir_domain::authz::authorize;
use orgdir_domain::command::Command;
use orgdir_domain::dn::{Ava, Dn};
use orgdir_domain::model::{GroupId, MemberId, OrgId};

use crate::entry::{EntryId, EntryKind};
use crate::search::{SearchFailure, resolve};
use crate::service::{DirError, Directory, Principal};
use crate::snapshot::{Snapshot, Viewer};

mod group;
mod member;
mod org;
mod rename;
mod view;

/// Why a write was refused, named after the LDAP result code it becomes (RFC 4511
/// appendix A).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteCode {
    /// protocolError (2): the request is malformed (an Add attribute without values).
    ProtocolError,
    /// adminLimitExceeded (11): a limit of the enterprise (ORG-2: members per org, orgs
    /// under the root, seats, groups) would be exceeded.
    AdminLimitExceeded,
    /// noSuchAttribute (16): a Modify deletes a value or attribute that is not there.
    NoSuchAttribute,
    /// undefinedAttributeType (17): the attribute is not in orgdir's schema.
    UndefinedAttributeType,
    /// constraintViolation (19): a value breaks a rule (account range, syntax of a mail or
    /// mobile, one value only, derived or read-only attribute, weak password).
    ConstraintViolation,
    /// attributeOrValueExists (20): a Modify adds a value that is already there.
    AttributeOrValueExists,
    /// invalidAttributeSyntax (21): a value is not text, or not a number where one is due.
    InvalidAttributeSyntax,
    /// noSuchObject (32): the entry (or its parent, or the new superior) does not exist for
    /// the caller.
    NoSuchObject,
    /// invalidDNSyntax (34).
    InvalidDnSyntax,
    /// insufficientAccessRights (50): the caller may not (permissions, management scope,
    /// read-only service account, anonymous).
    InsufficientAccess,
    /// unwillingToPerform (53): orgdir does not do this over LDAP (rename a member,
    /// service accounts, roles, the naming-context entry, attributes it does not keep).
    UnwillingToPerform,
    /// namingViolation (64): the entry would be named or placed where its kind cannot live.
    NamingViolation,
    /// objectClassViolation (65): the object classes or attributes do not fit a member, an
    /// org or a group.
    ObjectClassViolation,
    /// notAllowedOnNonLeaf (66): an org that still holds orgs or members.
    NotAllowedOnNonLeaf,
    /// notAllowedOnRDN (67): a Modify would change the naming attribute.
    NotAllowedOnRdn,
    /// entryAlreadyExists (68).
    EntryAlreadyExists,
    /// objectClassModsProhibited (69): the object classes of an entry are fixed.
    ObjectClassModsProhibited,
    /// other (80): the change could not be stored.
    Other,
}

/// A refused write: the code, the diagnostic message for the client and the matchedDN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct WriteError {
    /// What kind of refusal.
    pub code: WriteCode,
    /// The diagnostic message (the rule's own text where a rule refused).
    pub message: String,
    /// For noSuchObject: the closest entry above the target that the caller can see.
    pub matched: String,
}

impl WriteError {
    /// A refusal without matchedDN.
    pub fn new(code: WriteCode, message: impl Into<String>) -> WriteError {
        WriteError {
            code,
            message: message.into(),
            matched: String::new(),
        }
    }
}

/// Shorthand for a refusal.
fn refuse<T>(code: WriteCode, message: impl Into<String>) -> Result<T, WriteError> {
    Err(WriteError::new(code, message))
}

/// An attribute of an Add request or of a modification: its description and raw values.
/// Its `Debug` output hides `userPassword` values.
#[derive(Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute description as the client sent it (`mail`, `cn;lang-en`, an OID).
    pub name: String,
    /// The values, as sent.
    pub values: Vec<Vec<u8>>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Attribute");
        d.field("name", &self.name);
        if self.name.eq_ignore_ascii_case("userPassword") {
            d.field("values", &format_args!("<{} hidden>", self.values.len()))
        } else {
            d.field("values", &self.values)
        }
        .finish()
    }
}

/// The operation of one modification (RFC 4511 section 4.6, RFC 4525).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModOp {
    /// Add values.
    Add,
    /// Delete values (or the whole attribute when none are listed).
    Delete,
    /// Replace all values (none: delete the attribute).
    Replace,
    /// Increment (RFC 4525): refused.
    Increment,
}

/// One modification of a Modify request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modification {
    /// What to do.
    pub op: ModOp,
    /// With which attribute and values.
    pub attr: Attribute,
}

/// A write request, as decoded by the LDAP front end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteRequest {
    /// Add an entry.
    Add {
        /// Its DN.
        dn: String,
        /// Its attributes.
        attrs: Vec<Attribute>,
    },
    /// Modify an entry's attributes.
    Modify {
        /// The entry.
        dn: String,
        /// The modifications, applied in order.
        changes: Vec<Modification>,
    },
    /// Delete a leaf entry.
    Delete {
        /// The entry.
        dn: String,
    },
    /// Rename or move an entry.
    ModifyDn {
        /// The entry.
        dn: String,
        /// Its new RDN.
        new_rdn: String,
        /// Whether the old RDN value is removed from the entry.
        delete_old_rdn: bool,
        /// Its new parent, if it moves.
        new_superior: Option<String>,
    },
}

impl WriteRequest {
    /// The DN of the entry the request is about.
    pub fn dn(&self) -> &str {
        match self {
            WriteRequest::Add { dn, .. }
            | WriteRequest::Modify { dn, .. }
            | WriteRequest::Delete { dn }
            | WriteRequest::ModifyDn { dn, .. } => dn,
        }
    }
}

/// A password given in clear text, to be hashed (argon2id, after the policy check) by
/// [`write()`] before the commands run. Its `Debug` output hides the password.
#[derive(Clone, PartialEq, Eq)]
pub enum ClearPassword {
    /// For the member the plan's [`Command::AddMember`] creates.
    NewMember(String),
    /// For an existing member ([`Command::SetMemberPassword`]).
    Member(MemberId, String),
}

impl fmt::Debug for ClearPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClearPassword::NewMember(_) => f.write_str("NewMember(<clear text>)"),
            ClearPassword::Member(m, _) => write!(f, "Member({m:?}, <clear text>)"),
        }
    }
}

/// What a write request amounts to.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The commands, run as one transaction. Empty: nothing changes (e.g. a Modify that
    /// replaces a value with itself), and the write succeeds without a commit.
    pub commands: Vec<Command>,
    /// A clear-text password to hash into the commands.
    pub password: Option<ClearPassword>,
    /// The code of a rule conflict (an org delete refused because the org still holds
    /// entries is notAllowedOnNonLeaf; other conflicts are constraint violations).
    pub conflict: WriteCode,
    /// When nothing changes: a command the caller must be allowed to run for the request
    /// to succeed (a read-only identity is refused even a write that changes nothing).
    pub guard: Option<Command>,
}

impl Plan {
    fn of(commands: Vec<Command>) -> Plan {
        Plan {
            commands,
            password: None,
            conflict: WriteCode::ConstraintViolation,
            guard: None,
        }
    }

    /// `commands`, or when there are none, a write that changes nothing but needs the
    /// right to run `guard`.
    fn or_unchanged(commands: Vec<Command>, guard: Command) -> Plan {
        Plan {
            guard: commands.is_empty().then_some(guard),
            ..Plan::of(commands)
        }
    }
}

/// What an entry stands for, for a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// The naming-context entry: the root org, that is the enterprise itself.
    Root(OrgId),
    /// An org below the root.
    Org(OrgId),
    /// A member.
    Member(MemberId),
    /// A group.
    Group(GroupId),
    /// The groups container.
    Groups,
    /// The roles container.
    Roles,
    /// The service accounts container.
    Services,
    /// A role entry.
    Role,
    /// A service account.
    Service,
}

impl Place {
    /// The org an entry stands for (the root org included).
    fn org(self) -> Option<OrgId> {
        match self {
            Place::Root(o) | Place::Org(o) => Some(o),
            _ => None,
        }
    }
}

/// The normalized DN of a system container named by `rdn` (`cn=groups`, `ou=groups`…).
fn container_ndn(snap: &Snapshot, rdn: &str) -> Option<String> {
    let ava = Dn::parse(rdn).ok()?.first_ava()?.clone();
    Some(snap.base.child(&ava.attr, &ava.value).normalized())
}

fn place(snap: &Snapshot, id: EntryId) -> Option<Place> {
    let e = snap.entry(id)?;
    Some(match e.kind {
        EntryKind::Org(o) => {
            if snap.state.orgs.get(&o).is_some_and(|o| o.parent.is_none()) {
                Place::Root(o)
            } else {
                Place::Org(o)
            }
        }
        EntryKind::Member(m) => Place::Member(m),
        EntryKind::Group(g) => Place::Group(g),
        EntryKind::Role(_) => Place::Role,
        EntryKind::Service(_) => Place::Service,
        EntryKind::Container => {
            let is = |rdn: &str| container_ndn(snap, rdn).as_deref() == Some(&*e.ndn);
            if is(&snap.state.enterprise.groups_rdn) {
                Place::Groups
            } else if is(&snap.state.enterprise.services_rdn) {
                Place::Services
            } else {
                // The third container is the roles'.
                Place::Roles
            }
        }
    })
}

fn parse_dn(dn: &str) -> Result<Dn, WriteError> {
    Dn::parse(dn).map_err(|e| WriteError::new(WriteCode::InvalidDnSyntax, format!("{dn:?}: {e}")))
}

/// The entry `dn` names, as the caller sees it; noSuchObject with the matchedDN otherwise.
fn find(snap: &Snapshot, viewer: &Viewer, dn: &Dn) -> Result<(EntryId, Place), WriteError> {
    match resolve(snap, viewer, dn) {
        Ok(id) => match place(snap, id) {
            Some(p) => Ok((id, p)),
            None => refuse(WriteCode::NoSuchObject, ""),
        },
        Err(SearchFailure::NoSuchObject { matched }) => Err(WriteError {
            code: WriteCode::NoSuchObject,
            message: String::new(),
            matched,
        }),
        Err(SearchFailure::TimeLimit(_)) => refuse(WriteCode::Other, "time limit exceeded"),
    }
}

/// The single `attr=value` of an RDN (multi-valued RDNs name nothing in orgdir).
fn single_ava(dn: &Dn) -> Result<&Ava, WriteError> {
    match dn.rdns().first().map(|r| r.0.as_slice()) {
        Some([ava]) => Ok(ava),
        Some(_) => refuse(
            WriteCode::NamingViolation,
            "multi-valued RDNs are not used in orgdir: name entries uid=<account>, ou=<org> or cn=<group>",
        ),
        None => refuse(WriteCode::NamingViolation, "the empty DN names no entry"),
    }
}

/// Maps a request to commands (see the module documentation), as `viewer` sees `snap`.
pub fn plan(snap: &Snapshot, viewer: &Viewer, req: &WriteRequest) -> Result<Plan, WriteError> {
    match req {
        WriteRequest::Add { dn, attrs } => add(snap, viewer, dn, attrs),
        WriteRequest::Modify { dn, changes } => modify(snap, viewer, dn, changes),
        WriteRequest::Delete { dn } => delete(snap, viewer, dn),
        WriteRequest::ModifyDn {
            dn,
            new_rdn,
            delete_old_rdn,
            new_superior,
        } => rename::plan(
            snap,
            viewer,
            dn,
            new_rdn,
            *delete_old_rdn,
            new_superior.as_deref(),
        ),
    }
}

fn add(
    snap: &Snapshot,
    viewer: &Viewer,
    dn: &str,
    attrs: &[Attribute],
) -> Result<Plan, WriteError> {
    let dn = parse_dn(dn)?;
    if resolve(snap, viewer, &dn).is_ok() {
        return refuse(
            WriteCode::EntryAlreadyExists,
            format!("{dn} already exists"),
        );
    }
    let ava = single_ava(&dn)?;
    let (_, parent) = find(snap, viewer, &dn.parent())?;
    match parent {
        Place::Services => {
            return refuse(
                WriteCode::UnwillingToPerform,
                "service accounts are created by the enterprise administrator (orgdir add-service), not over LDAP",
            );
        }
        Place::Roles => {
            return refuse(
                WriteCode::UnwillingToPerform,
                "roles are managed in the account center, not over LDAP; give a member a role with its orgdirRole attribute",
            );
        }
        Place::Member(_) | Place::Group(_) | Place::Role | Place::Service => {
            return refuse(
                WriteCode::NamingViolation,
                format!("{} cannot hold entries", dn.parent()),
            );
        }
        Place::Root(_) | Place::Org(_) | Place::Groups => {}
    }
    let view = view::View::of_request(attrs)?;
    let kind = view::Kind::of(&view)?;
    let groups = container_ndn(snap, &snap.state.enterprise.groups_rdn).unwrap_or_default();
    match (kind, parent.org()) {
        (view::Kind::Member, Some(org)) => member::add(snap, org, ava, view),
        (view::Kind::Org, Some(org)) => org::add(org, ava, &view),
        (view::Kind::Group, None) => group::add(snap, viewer, ava, &view),
        (view::Kind::Group, Some(_)) => refuse(
            WriteCode::NamingViolation,
            format!("groups live in {groups} (as cn=<name>,{groups})"),
        ),
        (view::Kind::Member | view::Kind::Org, None) => refuse(
            WriteCode::NamingViolation,
            format!(
                "members and orgs live under orgs (the naming context {} or an ou=… entry below it)",
                snap.base
            ),
        ),
    }
}

fn modify(
    snap: &Snapshot,
    viewer: &Viewer,
    dn: &str,
    changes: &[Modification],
) -> Result<Plan, WriteError> {
    let dn = parse_dn(dn)?;
    let (id, place) = find(snap, viewer, &dn)?;
    match place {
        Place::Member(m) => member::modify(snap, viewer, id, m, changes),
        Place::Group(g) => group::modify(snap, viewer, id, g, changes),
        Place::Org(o) => org::modify(snap, viewer, id, o, changes),
        Place::Root(_) => refuse(
            WriteCode::UnwillingToPerform,
            "the naming-context entry stands for the enterprise: change its profile in the account center",
        ),
        Place::Roles | Place::Role => refuse(
            WriteCode::UnwillingToPerform,
            "roles are managed in the account center; give a member a role with its orgdirRole attribute",
        ),
        Place::Services | Place::Service => refuse(
            WriteCode::UnwillingToPerform,
            "service accounts are managed by the enterprise administrator (orgdir add-service, orgdir passwd --service), not over LDAP",
        ),
        Place::Groups => refuse(
            WriteCode::UnwillingToPerform,
            "the groups container is part of orgdir's directory tree and cannot be modified",
        ),
    }
}

fn delete(snap: &Snapshot, viewer: &Viewer, dn: &str) -> Result<Plan, WriteError> {
    let dn = parse_dn(dn)?;
    let (id, place) = find(snap, viewer, &dn)?;
    match place {
        Place::Member(member) => Ok(Plan::of(vec![Command::DeleteMember { member }])),
        Place::Group(group) => Ok(Plan::of(vec![Command::DeleteGroup { group }])),
        Place::Org(org) => {
            // Whether the org holds anything decides how the rule's refusal reads.
            let holds = snap.entry(id).is_some_and(|e| e.end > id + 1);
            Ok(Plan {
                conflict: if holds {
                    WriteCode::NotAllowedOnNonLeaf
                } else {
                    WriteCode::ConstraintViolation
                },
                ..Plan::of(vec![Command::DeleteOrg { org }])
            })
        }
        Place::Root(_) => refuse(
            WriteCode::UnwillingToPerform,
            "the naming-context entry stands for the enterprise and cannot be deleted",
        ),
        Place::Groups | Place::Roles | Place::Services => refuse(
            WriteCode::UnwillingToPerform,
            "the system containers are part of orgdir's directory tree and cannot be deleted",
        ),
        Place::Role => refuse(
            WriteCode::UnwillingToPerform,
            "roles are managed in the account center, not over LDAP",
        ),
        Place::Service => refuse(
            WriteCode::UnwillingToPerform,
            "service accounts are managed by the enterprise administrator, not over LDAP",
        ),
    }
}

/// How a refusal of the directory service reads over LDAP. Rule texts go to the client as
/// they are (they name the limit or the rule, never internals); storage failures do not.
fn refusal(e: DirError, conflict: WriteCode) -> WriteError {
    match e {
        DirError::Rule(r) => {
            let code = match &r {
                RuleError::Limit { .. } => WriteCode::AdminLimitExceeded,
                RuleError::AlreadyExists(_) => WriteCode::EntryAlreadyExists,
                RuleError::Invalid { .. } => WriteCode::ConstraintViolation,
                RuleError::Conflict(_) => conflict,
                // Only a concurrent change gets here (targets were resolved before): the
                // rule's text names internal ids, so say nothing.
                RuleError::NotFound(_) => return WriteError::new(WriteCode::NoSuchObject, ""),
            };
            WriteError::new(code, r.to_string())
        }
        DirError::Denied(d) => WriteError::new(WriteCode::InsufficientAccess, d.to_string()),
        DirError::WeakPassword(_) => WriteError::new(WriteCode::ConstraintViolation, e.to_string()),
        DirError::NoSuchEnterprise(_) => WriteError::new(WriteCode::NoSuchObject, ""),
        DirError::Store(_) | DirError::Hash(_) | DirError::Internal(_) => {
            tracing::warn!(error = %e, "an LDAP write failed");
            WriteError::new(
                WriteCode::Other,
                "the change could not be made; the server log says why",
            )
        }
    }
}

/// Runs a write request as `who`: plans it, checks the caller may run every command
/// before hashing a clear-text password, then executes the commands as one transaction
/// (audited with `source`). The next search on any connection sees the result.
pub async fn write(
    dir: &Directory,
    who: &Principal,
    source: &str,
    req: &WriteRequest,
) -> Result<(), WriteError> {
    let Some((snap, viewer)) = dir.viewer(who) else {
        return refuse(
            WriteCode::InsufficientAccess,
            "the bound identity is no longer active",
        );
    };
    let Plan {
        mut commands,
        password,
        conflict,
        guard,
    } = plan(&snap, &viewer, req)?;
    let actor = who.actor();
    // Refuse what the caller may not do anyway before spending a password hash on it (the
    // directory service checks again, on the state it commits to).
    let deny = |e| refusal(DirError::Denied(e), conflict);
    for c in commands.iter().chain(guard.iter()) {
        authorize(&snap.state, actor, c).map_err(deny)?;
    }
    if let Some(p) = password {
        let (member, clear) = match p {
            ClearPassword::NewMember(clear) => (None, clear),
            ClearPassword::Member(m, clear) => (Some(m), clear),
        };
        let set = |hash: String| {
            member.map(|member| Command::SetMemberPassword {
                member,
                hash,
                must_change: false,
            })
        };
        if let Some(c) = set(String::new()) {
            authorize(&snap.state, actor, &c).map_err(deny)?;
        }
        let hash = dir
            .hash_new_password(&clear)
            .await
            .map_err(|e| refusal(e, conflict))?;
        match set(hash.clone()) {
            Some(c) => commands.push(c),
            None => {
                for c in &mut commands {
                    if let Command::AddMember(new) = c {
                        new.password = Some(hash.clone());
                    }
                }
            }
        }
    }
    if commands.is_empty() {
        return Ok(());
    }
    dir.execute_batch(snap.number(), actor, source, commands)
        .await
        .map(|_| ())
        .map_err(|e| refusal(e, conflict))
}
