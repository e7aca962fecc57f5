//! Permissions (ROLE-3) and the default grants of the built-in roles (ROLE-1).
//!
//! The core's permissions are a closed enum. Permissions that belong to a plugin (the
//! attendance plugin's *set attendance rules* and *view attendance*, ATT-1) are
//! [`Permission::Plugin`] keys `<plugin>.<name>` declared by the plugin; the plugin host
//! grants their defaults to the built-in roles when an enterprise first enables the plugin.

use std::collections::BTreeSet;

use crate::model::BuiltinRole;

/// Something a role may allow. Every permission is exercised within the holder's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Add, rename, move and delete orgs.
    ManageOrgTree,
    /// Add, edit, delete, disable, hide members; reset their passwords.
    ManageMembers,
    /// Create, edit and delete roles; change members' roles.
    ManageRoles,
    /// View archived message records.
    ViewMessageRecords,
    /// Send SMS.
    SendSms,
    /// Send broadcasts.
    SendBroadcast,
    /// Manage the login policy.
    ManageLoginPolicy,
    /// Query external contacts.
    QueryExternalContacts,
    /// Manage groups.
    ManageGroups,
    /// Invisible (stealth) status.
    Stealth,
    /// A permission declared by a plugin, e.g. `attendance.view`.
    Plugin(PluginPermission),
}

impl Permission {
    /// Every core permission, in a stable order (plugins' permissions are not listed).
    pub const ALL: [Permission; 10] = [
        Permission::ManageOrgTree,
        Permission::ManageMembers,
        Permission::ManageRoles,
        Permission::ViewMessageRecords,
        Permission::SendSms,
        Permission::SendBroadcast,
        Permission::ManageLoginPolicy,
        Permission::QueryExternalContacts,
        Permission::ManageGroups,
        Permission::Stealth,
    ];

    /// Stable key used in storage, config and the API.
    pub fn key(&self) -> &str {
        match self {
            Permission::ManageOrgTree => "manage_org_tree",
            Permission::ManageMembers => "manage_members",
            Permission::ManageRoles => "manage_roles",
            Permission::ViewMessageRecords => "view_message_records",
            Permission::SendSms => "send_sms",
            Permission::SendBroadcast => "send_broadcast",
            Permission::ManageLoginPolicy => "manage_login_policy",
            Permission::QueryExternalContacts => "query_external_contacts",
            Permission::ManageGroups => "manage_groups",
            Permission::Stealth => "stealth",
            Permission::Plugin(p) => p.as_str(),
        }
    }

    /// Parses a stable key: a core key, or a plugin's `<plugin>.<name>`.
    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL
            .into_iter()
            .find(|p| p.key() == key)
            .or_else(|| PluginPermission::new(key).map(Permission::Plugin))
    }

    /// The plugin this permission belongs to, if it is a plugin's.
    pub fn plugin(&self) -> Option<&str> {
        match self {
            Permission::Plugin(p) => Some(p.plugin()),
            _ => None,
        }
    }
}

/// Longest plugin permission key, `<plugin>.<name>`.
pub const MAX_PLUGIN_PERMISSION_LEN: usize = 47;

/// A plugin's permission key `<plugin>.<name>`: lowercase ASCII letters, digits and `_`,
/// each part starting with a letter, one dot, at most [`MAX_PLUGIN_PERMISSION_LEN`] bytes.
/// Stored inline so [`Permission`] stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PluginPermission {
    len: u8,
    bytes: [u8; MAX_PLUGIN_PERMISSION_LEN],
}

impl PluginPermission {
    /// Parses `<plugin>.<name>`; `None` when it is not of that shape.
    pub fn new(key: &str) -> Option<PluginPermission> {
        let (plugin, name) = key.split_once('.')?;
        let part_ok = |p: &str| {
            p.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if key.len() > MAX_PLUGIN_PERMISSION_LEN || !part_ok(plugin) || !part_ok(name) {
            return None;
        }
        let mut bytes = [0u8; MAX_PLUGIN_PERMISSION_LEN];
        for (slot, b) in bytes.iter_mut().zip(key.bytes()) {
            *slot = b;
        }
        Some(PluginPermission {
            len: u8::try_from(key.len()).ok()?,
            bytes,
        })
    }

    /// The whole key, `<plugin>.<name>`.
    pub fn as_str(&self) -> &str {
        let used = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Built only from a `&str` in `new`: always UTF-8.
        std::str::from_utf8(used).unwrap_or_default()
    }

    /// The plugin part.
    pub fn plugin(&self) -> &str {
        self.as_str().split('.').next().unwrap_or_default()
    }
}

impl Ord for PluginPermission {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for PluginPermission {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for PluginPermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The built-in roles with their default names and permissions, in creation order.
pub fn builtin_roles() -> Vec<(BuiltinRole, &'static str, BTreeSet<Permission>)> {
    use Permission::*;
    let all: BTreeSet<Permission> = Permission::ALL.into_iter().collect();
    let system: BTreeSet<Permission> = [
        ManageOrgTree,
        ManageMembers,
        ViewMessageRecords,
        SendSms,
        SendBroadcast,
        ManageLoginPolicy,
        QueryExternalContacts,
        ManageGroups,
    ]
    .into_iter()
    .collect();
    let info: BTreeSet<Permission> = [ManageOrgTree, ManageMembers, ManageGroups]
        .into_iter()
        .collect();
    vec![
        (
            BuiltinRole::EnterpriseAdmin,
            "Enterprise administrator",
            all,
        ),
        (BuiltinRole::SystemAdmin, "System administrator", system),
        (BuiltinRole::InfoAdmin, "Information administrator", info),
        (BuiltinRole::Member, "Member", BTreeSet::new()),
    ]
}
