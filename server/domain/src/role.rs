//! Permissions (ROLE-3) and the default grants of the built-in roles (ROLE-1, ATT-1).

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
    /// Set attendance rules.
    SetAttendanceRules,
    /// View attendance.
    ViewAttendance,
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
}

impl Permission {
    /// Every permission, in a stable order.
    pub const ALL: [Permission; 12] = [
        Permission::ManageOrgTree,
        Permission::ManageMembers,
        Permission::ManageRoles,
        Permission::ViewMessageRecords,
        Permission::SetAttendanceRules,
        Permission::ViewAttendance,
        Permission::SendSms,
        Permission::SendBroadcast,
        Permission::ManageLoginPolicy,
        Permission::QueryExternalContacts,
        Permission::ManageGroups,
        Permission::Stealth,
    ];

    /// Stable key used in storage, config and the API.
    pub fn key(self) -> &'static str {
        match self {
            Permission::ManageOrgTree => "manage_org_tree",
            Permission::ManageMembers => "manage_members",
            Permission::ManageRoles => "manage_roles",
            Permission::ViewMessageRecords => "view_message_records",
            Permission::SetAttendanceRules => "set_attendance_rules",
            Permission::ViewAttendance => "view_attendance",
            Permission::SendSms => "send_sms",
            Permission::SendBroadcast => "send_broadcast",
            Permission::ManageLoginPolicy => "manage_login_policy",
            Permission::QueryExternalContacts => "query_external_contacts",
            Permission::ManageGroups => "manage_groups",
            Permission::Stealth => "stealth",
        }
    }

    /// Parses a stable key.
    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
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
        SetAttendanceRules,
        ViewAttendance,
        SendSms,
        SendBroadcast,
        ManageLoginPolicy,
        QueryExternalContacts,
        ManageGroups,
    ]
    .into_iter()
    .collect();
    let info: BTreeSet<Permission> = [ManageOrgTree, ManageMembers, ViewAttendance, ManageGroups]
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
