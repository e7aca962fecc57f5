//! The entities of one enterprise (tenant) and the state that holds them.
//!
//! These are plain values: no I/O, no clock, no serde. The store maps them to rows and the
//! directory projects them into LDAP entries; both keep their own wire/storage structs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::limits::Limits;
use crate::role::{Permission, builtin_roles};

/// Seconds since the Unix epoch, UTC. Passed in by callers: the domain never reads a clock.
pub type Timestamp = i64;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);
    };
}

id_type!(
    /// An org tree node, unique within its enterprise.
    OrgId
);
id_type!(
    /// A member, unique within its enterprise.
    MemberId
);
id_type!(
    /// A role, unique within its enterprise.
    RoleId
);
id_type!(
    /// A group, unique within its enterprise.
    GroupId
);
id_type!(
    /// A service account, unique within its enterprise.
    ServiceId
);

/// A tenant: one company with its own naming context.
#[derive(Clone, Debug, PartialEq)]
pub struct Enterprise {
    /// The enterprise number (signs in to the account center; never an LDAP member name).
    pub number: u64,
    /// Short name: names the root org.
    pub short_name: String,
    /// Full legal name.
    pub name: String,
    /// LDAP naming context, e.g. `dc=example,dc=com` (as given; compared case-insensitively).
    pub naming_context: String,
    /// Purchased seats: the most members the enterprise may hold.
    pub seats: u32,
    /// The consecutive range accounts are allocated from, inclusive.
    pub account_range: (u64, u64),
    /// When the subscription ends, if ever.
    pub expires_at: Option<Timestamp>,
    /// Verified domain for domain accounts (`<account>@<domain>`), if any.
    pub domain: Option<String>,
    /// The enterprise administrator's super password hash.
    pub super_password: Option<String>,
    /// Rule limits (ORG-2), per enterprise.
    pub limits: Limits,
    /// First POSIX uidNumber handed out when an account is not numeric.
    pub posix_base: u32,
    /// RDN of the container of groups under the naming context (`cn=groups`; an imported
    /// directory keeps its own, e.g. `ou=groups`).
    pub groups_rdn: String,
    /// RDN of the container of service accounts (`cn=services`).
    pub services_rdn: String,
    /// entryUUID of the root entry.
    pub uuid: [u8; 16],
    /// Profile, its pending change, recovery email, initial password (ENT-1, 2, 4).
    pub account: EnterpriseAccount,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// The enterprise's profile beyond its two names (SPEC ENT-1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Postal address.
    pub address: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Contact person (ENT-2).
    pub contact_name: Option<String>,
    /// Contact person's phone.
    pub contact_phone: Option<String>,
    /// Contact person's email.
    pub contact_email: Option<String>,
}

/// A profile change the enterprise submitted, waiting for the operator's review (ENT-1):
/// the whole proposed profile, names included. The live values stay until it is approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileChange {
    /// Proposed full name.
    pub name: String,
    /// Proposed short name (names the root org).
    pub short_name: String,
    /// Proposed profile.
    pub profile: Profile,
    /// When it was submitted.
    pub submitted_at: Timestamp,
}

/// The operator's decision on the last reviewed profile change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// Approved (live now) or rejected.
    pub approved: bool,
    /// Why it was rejected (always given on rejection).
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// The enterprise account's own data (SPEC ENT-1, ENT-2, ENT-4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnterpriseAccount {
    /// The live profile.
    pub profile: Profile,
    /// A submitted change waiting for review.
    pub pending: Option<ProfileChange>,
    /// The last review's outcome.
    pub last_review: Option<Review>,
    /// Where super password recovery links go (ENT-2).
    pub recovery_email: Option<String>,
    /// Hash of the initial password members created from now on get, to be changed at
    /// their first sign-in (ENT-4).
    pub initial_password: Option<String>,
    /// Plugins this enterprise has turned on or off, by plugin id (absent: never turned on).
    pub plugins: BTreeMap<String, PluginSetting>,
}

/// A plugin's state in one enterprise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginSetting {
    /// Turned on?
    pub enabled: bool,
    /// When it was last turned on or off.
    pub changed_at: Timestamp,
    /// Whether the plugin's default grants were given to the built-in roles (once, at the
    /// first enabling, so an administrator's later changes to the roles stick).
    pub defaults_granted: bool,
}

/// A node of the org tree. The root org has no parent and is the naming-context entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Org {
    /// Identity.
    pub id: OrgId,
    /// Parent org; `None` only for the root.
    pub parent: Option<OrgId>,
    /// Display name; the `ou` RDN value.
    pub name: String,
    /// entryUUID.
    pub uuid: [u8; 16],
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// An employee.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Identity (stable across account reassignment of other members).
    pub id: MemberId,
    /// The account: unique in the enterprise, the `uid` RDN value.
    pub account: String,
    /// The org the member sits in.
    pub org: OrgId,
    /// Full name (cn, displayName).
    pub name: String,
    /// Surname (sn).
    pub surname: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Mobile phone.
    pub mobile: Option<String>,
    /// Mail address.
    pub email: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Employee number.
    pub employee_number: Option<String>,
    /// Role (mandatory).
    pub role: RoleId,
    /// Management scope: 1 to `max_scope_orgs` orgs whose subtrees the member sees/manages.
    pub scope: Vec<OrgId>,
    /// Hidden (ORG-9).
    pub hidden: bool,
    /// Disabled (ORG-6): cannot sign in anywhere.
    pub disabled: bool,
    /// POSIX uidNumber.
    pub uid_number: u32,
    /// POSIX gidNumber (user-private group: equals uid_number unless set).
    pub gid_number: u32,
    /// POSIX login shell.
    pub login_shell: String,
    /// POSIX home directory.
    pub home_directory: String,
    /// userPassword hash (`{ARGON2}…`, `{SSHA}…`); `None` means no password: bind fails.
    pub password: Option<String>,
    /// Must change the password at next sign-in (ENT-4).
    pub must_change_password: bool,
    /// entryUUID.
    pub uuid: [u8; 16],
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// A role with its permissions.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Identity.
    pub id: RoleId,
    /// Display name (editable except for the enterprise administrator role).
    pub name: String,
    /// Which built-in role this is, if any.
    pub builtin: Option<BuiltinRole>,
    /// Granted permissions.
    pub permissions: BTreeSet<Permission>,
    /// entryUUID.
    pub uuid: [u8; 16],
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// The four built-in roles of ROLE-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BuiltinRole {
    /// Held by the enterprise administrator (super password); not editable, not assignable.
    EnterpriseAdmin,
    /// System administrator.
    SystemAdmin,
    /// Information administrator.
    InfoAdmin,
    /// Ordinary member.
    Member,
}

impl BuiltinRole {
    /// Stable key used in storage and the DIT (`cn=<key>,cn=roles,…`).
    pub fn key(self) -> &'static str {
        match self {
            BuiltinRole::EnterpriseAdmin => "enterprise-admin",
            BuiltinRole::SystemAdmin => "system-admin",
            BuiltinRole::InfoAdmin => "info-admin",
            BuiltinRole::Member => "member",
        }
    }

    /// Parses a storage key.
    pub fn from_key(key: &str) -> Option<BuiltinRole> {
        [
            BuiltinRole::EnterpriseAdmin,
            BuiltinRole::SystemAdmin,
            BuiltinRole::InfoAdmin,
            BuiltinRole::Member,
        ]
        .into_iter()
        .find(|r| r.key() == key)
    }
}

/// A group (groupOfNames / posixGroup).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Identity.
    pub id: GroupId,
    /// Name: the `cn` RDN value, unique in the enterprise.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// POSIX gidNumber.
    pub gid_number: u32,
    /// Members.
    pub members: BTreeSet<MemberId>,
    /// Owner (GRP-3), if any.
    pub owner: Option<MemberId>,
    /// entryUUID.
    pub uuid: [u8; 16],
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// A bind identity for an application.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceAccount {
    /// Identity.
    pub id: ServiceId,
    /// Name: the `cn` RDN value under `cn=services`.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Password hash.
    pub password: Option<String>,
    /// Orgs whose subtrees it may read; empty means the whole enterprise.
    pub scope: Vec<OrgId>,
    /// Whether it sees hidden members (authentication services must; address books should not).
    pub sees_hidden: bool,
    /// Whether it may write (LDAP add/modify/delete) within its scope.
    pub can_write: bool,
    /// Disabled service accounts cannot bind.
    pub disabled: bool,
    /// entryUUID.
    pub uuid: [u8; 16],
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change time.
    pub modified_at: Timestamp,
}

/// Everything one enterprise holds. The directory keeps the current one in memory; every
/// write produces the next one.
#[derive(Clone, Debug, PartialEq)]
pub struct EnterpriseState {
    /// The tenant.
    pub enterprise: Enterprise,
    /// The org tree (exactly one root).
    pub orgs: BTreeMap<OrgId, Org>,
    /// Members.
    pub members: BTreeMap<MemberId, Member>,
    /// Roles.
    pub roles: BTreeMap<RoleId, Role>,
    /// Groups.
    pub groups: BTreeMap<GroupId, Group>,
    /// Service accounts.
    pub services: BTreeMap<ServiceId, ServiceAccount>,
    /// Next free id for any entity of this enterprise.
    pub next_id: u64,
    /// Lookup tables derived from the fields above, built on first use and kept up to date
    /// by [`crate::command::apply`]. Ignored by equality; construct with `Default`.
    pub derived: Derived,
}

/// Lookup tables derived from an [`EnterpriseState`] so that rules stay O(1) per command
/// (a 30,000-member import is 30,000 commands). Each table is built lazily from the state
/// and maintained by the command code; anything that mutates `members` directly must call
/// [`EnterpriseState::invalidate`].
#[derive(Clone, Debug, Default)]
pub struct Derived {
    accounts: Option<HashMap<String, MemberId>>,
    org_members: Option<HashMap<OrgId, u32>>,
    uid_numbers: Option<BTreeSet<u32>>,
}

impl PartialEq for Derived {
    fn eq(&self, _: &Derived) -> bool {
        true
    }
}

impl EnterpriseState {
    /// A fresh enterprise: the root org and the four built-in roles. `uuids` supplies one UUID
    /// per created entity (root org, then each role).
    pub fn new(enterprise: Enterprise, mut uuids: impl FnMut() -> [u8; 16]) -> EnterpriseState {
        let now = enterprise.created_at;
        let root = Org {
            id: OrgId(1),
            parent: None,
            name: enterprise.short_name.clone(),
            uuid: enterprise.uuid,
            created_at: now,
            modified_at: now,
        };
        let mut orgs = BTreeMap::new();
        orgs.insert(root.id, root);
        let mut roles = BTreeMap::new();
        let mut next = 2;
        for (builtin, name, permissions) in builtin_roles() {
            let id = RoleId(next);
            next += 1;
            roles.insert(
                id,
                Role {
                    id,
                    name: name.to_string(),
                    builtin: Some(builtin),
                    permissions,
                    uuid: uuids(),
                    created_at: now,
                    modified_at: now,
                },
            );
        }
        EnterpriseState {
            enterprise,
            orgs,
            members: BTreeMap::new(),
            roles,
            groups: BTreeMap::new(),
            services: BTreeMap::new(),
            next_id: next,
            derived: Derived::default(),
        }
    }

    /// Drops the derived lookup tables (after mutating `members` directly).
    pub fn invalidate(&mut self) {
        self.derived = Derived::default();
    }

    fn accounts_table(&mut self) -> &mut HashMap<String, MemberId> {
        let members = &self.members;
        self.derived.accounts.get_or_insert_with(|| {
            members
                .values()
                .map(|m| (m.account.to_ascii_lowercase(), m.id))
                .collect()
        })
    }

    fn org_members_table(&mut self) -> &mut HashMap<OrgId, u32> {
        let members = &self.members;
        self.derived.org_members.get_or_insert_with(|| {
            let mut t = HashMap::new();
            for m in members.values() {
                *t.entry(m.org).or_insert(0) += 1;
            }
            t
        })
    }

    fn uid_numbers_table(&mut self) -> &mut BTreeSet<u32> {
        let members = &self.members;
        self.derived
            .uid_numbers
            .get_or_insert_with(|| members.values().map(|m| m.uid_number).collect())
    }

    /// The member holding `account` (case-insensitive), using the derived table.
    pub fn member_id_by_account(&mut self, account: &str) -> Option<MemberId> {
        self.accounts_table()
            .get(&account.to_ascii_lowercase())
            .copied()
    }

    /// How many members sit directly in `org`, using the derived table.
    pub fn member_count_in(&mut self, org: OrgId) -> u32 {
        self.org_members_table().get(&org).copied().unwrap_or(0)
    }

    /// Whether a uidNumber is taken, and the highest one, using the derived table.
    pub fn uid_number_used(&mut self, n: u32) -> bool {
        self.uid_numbers_table().contains(&n)
    }

    /// The highest uidNumber in use.
    pub fn max_uid_number(&mut self) -> Option<u32> {
        self.uid_numbers_table().iter().next_back().copied()
    }

    /// Inserts or replaces a member, keeping the derived tables right.
    pub fn put_member(&mut self, m: Member) {
        let old = self.members.insert(m.id, m.clone());
        let (old_account, old_org, old_uid) = match &old {
            Some(o) => (
                Some(o.account.to_ascii_lowercase()),
                Some(o.org),
                Some(o.uid_number),
            ),
            None => (None, None, None),
        };
        let account = m.account.to_ascii_lowercase();
        if old_account.as_deref() != Some(account.as_str())
            && let Some(t) = self.derived.accounts.as_mut()
        {
            if let Some(a) = &old_account {
                t.remove(a);
            }
            t.insert(account, m.id);
        }
        if old_org != Some(m.org)
            && let Some(t) = self.derived.org_members.as_mut()
        {
            if let Some(c) = old_org.and_then(|o| t.get_mut(&o)) {
                *c = c.saturating_sub(1);
            }
            *t.entry(m.org).or_insert(0) += 1;
        }
        if old_uid != Some(m.uid_number) {
            if let Some(u) = old_uid {
                self.release_uid_number(u);
            }
            if let Some(t) = self.derived.uid_numbers.as_mut() {
                t.insert(m.uid_number);
            }
        }
    }

    /// Removes a member, keeping the derived tables right.
    pub fn remove_member(&mut self, id: MemberId) -> Option<Member> {
        let old = self.members.remove(&id)?;
        if let Some(t) = self.derived.accounts.as_mut() {
            t.remove(&old.account.to_ascii_lowercase());
        }
        if let Some(c) = self
            .derived
            .org_members
            .as_mut()
            .and_then(|t| t.get_mut(&old.org))
        {
            *c = c.saturating_sub(1);
        }
        self.release_uid_number(old.uid_number);
        Some(old)
    }

    fn release_uid_number(&mut self, n: u32) {
        // Imported data may have members sharing a number: keep it while anyone holds it.
        if self.derived.uid_numbers.is_some()
            && !self.members.values().any(|m| m.uid_number == n)
            && let Some(t) = self.derived.uid_numbers.as_mut()
        {
            t.remove(&n);
        }
    }

    /// The root org's id.
    pub fn root(&self) -> OrgId {
        self.orgs
            .values()
            .find(|o| o.parent.is_none())
            .map(|o| o.id)
            .unwrap_or(OrgId(1))
    }

    /// The role record of a built-in role.
    pub fn builtin_role(&self, which: BuiltinRole) -> Option<&Role> {
        self.roles.values().find(|r| r.builtin == Some(which))
    }

    /// Allocates an id.
    pub fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Direct children of an org.
    pub fn child_orgs(&self, org: OrgId) -> impl Iterator<Item = &Org> {
        self.orgs.values().filter(move |o| o.parent == Some(org))
    }

    /// Members sitting directly in an org.
    pub fn members_in(&self, org: OrgId) -> impl Iterator<Item = &Member> {
        self.members.values().filter(move |m| m.org == org)
    }

    /// The chain from `org` up to the root, `org` first. Stops on a cycle.
    pub fn ancestors(&self, org: OrgId) -> Vec<OrgId> {
        let mut chain = Vec::new();
        let mut cur = Some(org);
        while let Some(id) = cur {
            if chain.contains(&id) {
                break;
            }
            chain.push(id);
            cur = self.orgs.get(&id).and_then(|o| o.parent);
        }
        chain
    }

    /// Whether `org` is `ancestor` or lies below it.
    pub fn org_within(&self, org: OrgId, ancestor: OrgId) -> bool {
        self.ancestors(org).contains(&ancestor)
    }

    /// Finds a member by account (exact, case-insensitive).
    pub fn member_by_account(&self, account: &str) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.account.eq_ignore_ascii_case(account))
    }

    /// The permissions a member holds through its role.
    pub fn member_permissions(&self, member: &Member) -> BTreeSet<Permission> {
        self.roles
            .get(&member.role)
            .map(|r| r.permissions.clone())
            .unwrap_or_default()
    }

    /// Next free account in the enterprise's consecutive range, if any.
    pub fn next_free_account(&self) -> Option<u64> {
        let (lo, hi) = self.enterprise.account_range;
        let used: BTreeSet<u64> = self
            .members
            .values()
            .filter_map(|m| m.account.parse::<u64>().ok())
            .collect();
        (lo..=hi).find(|n| !used.contains(n))
    }
}
