//! ModifyDN: moving members and orgs (a new superior) and renaming orgs (a new `ou`).
//!
//! A member's `uid` is its account, the member's identity in every application (and the
//! bind name): orgdir has no command that changes it, so a new `uid` is refused. Giving an
//! account to someone else is the account center's "reassign"; a member who needs another
//! account is added anew.

use orgdir_domain::command::Command;
use orgdir_domain::dn::normalize_value;

use crate::snapshot::{Snapshot, Viewer};

use super::{Place, Plan, WriteCode, WriteError, find, parse_dn, refuse, single_ava};

/// Plans a ModifyDN of `dn` to `new_rdn` (under `new_superior`, if given).
pub(super) fn plan(
    snap: &Snapshot,
    viewer: &Viewer,
    dn: &str,
    new_rdn: &str,
    delete_old_rdn: bool,
    new_superior: Option<&str>,
) -> Result<Plan, WriteError> {
    let dn = parse_dn(dn)?;
    let (_, place) = find(snap, viewer, &dn)?;
    let rdn_dn = parse_dn(new_rdn)?;
    if rdn_dn.rdns().len() != 1 {
        return refuse(
            WriteCode::NamingViolation,
            format!("newrdn {new_rdn:?} must be one attribute=value"),
        );
    }
    let rdn = single_ava(&rdn_dn)?;
    let superior = match new_superior {
        Some(s) => Some(find(snap, viewer, &parse_dn(s)?)?.1),
        None => None,
    };
    let state = &snap.state;
    let parent_org = |what: &str| match superior {
        None => Ok(None),
        Some(p) => match p.org() {
            Some(o) => Ok(Some(o)),
            None => refuse(
                WriteCode::NamingViolation,
                format!("{what} live under orgs (the naming context or an ou=… entry)"),
            ),
        },
    };
    match place {
        Place::Member(member) => {
            let Some(m) = state.members.get(&member) else {
                return refuse(WriteCode::NoSuchObject, "");
            };
            if !rdn.attr.eq_ignore_ascii_case("uid")
                || !rdn.value.trim().eq_ignore_ascii_case(&m.account)
            {
                return refuse(
                    WriteCode::UnwillingToPerform,
                    "uid: the account is the member's identity and cannot be renamed; move the member with a new superior, reassign the account in the account center, or add a member with the other account",
                );
            }
            let org = parent_org("members")?.unwrap_or(m.org);
            let commands = if org == m.org {
                Vec::new()
            } else {
                vec![Command::MoveMember { member, org }]
            };
            Ok(Plan::or_unchanged(
                commands,
                Command::MoveMember { member, org },
            ))
        }
        Place::Org(org) => {
            let Some(o) = state.orgs.get(&org) else {
                return refuse(WriteCode::NoSuchObject, "");
            };
            if !rdn.attr.eq_ignore_ascii_case("ou") {
                return refuse(
                    WriteCode::NamingViolation,
                    format!("an org is named ou=<name>, not {}=…", rdn.attr),
                );
            }
            let name = rdn.value.clone();
            // The old name would stay as a second ou value; an org has one name.
            if !delete_old_rdn && normalize_value(&name) != normalize_value(&o.name) {
                return refuse(
                    WriteCode::ConstraintViolation,
                    "ou: an org keeps one name; rename it with deleteoldrdn (ldapmodrdn -r)",
                );
            }
            let mut commands = Vec::new();
            if name != o.name {
                commands.push(Command::RenameOrg { org, name });
            }
            if let Some(parent) = parent_org("orgs")?
                && Some(parent) != o.parent
            {
                commands.push(Command::MoveOrg { org, parent });
            }
            let guard = Command::RenameOrg {
                org,
                name: o.name.clone(),
            };
            Ok(Plan::or_unchanged(commands, guard))
        }
        Place::Root(_) => refuse(
            WriteCode::UnwillingToPerform,
            "the naming-context entry stands for the enterprise and cannot be renamed or moved",
        ),
        Place::Group(_) => refuse(
            WriteCode::UnwillingToPerform,
            "orgdir does not rename or move groups",
        ),
        Place::Groups | Place::Roles | Place::Services | Place::Role | Place::Service => refuse(
            WriteCode::UnwillingToPerform,
            "system containers, roles and service accounts cannot be renamed or moved over LDAP",
        ),
    }
}
