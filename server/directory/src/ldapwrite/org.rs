//! Orgs: `organizationalUnit` entries named `ou=<name>` under the naming context or another
//! org. An org keeps its name and nothing else; it is renamed and moved with ModifyDN.

use orgdir_domain::command::Command;
use orgdir_domain::dn::Ava;
use orgdir_domain::model::OrgId;

use crate::entry::EntryId;
use crate::schema::ids;
use crate::snapshot::{Snapshot, Viewer};

use super::view::{ORG_CLASSES, View};
use super::{Modification, Plan, WriteError};

/// Checks that an org entry holds nothing but its object classes and its name.
fn name_only(view: &View) -> Result<(), WriteError> {
    view.only(&[*ids::OBJECT_CLASS, *ids::OU], "orgs", ORG_CLASSES)
}

/// Creates an org named `ou=<name>` under `parent`.
pub(super) fn add(parent: OrgId, rdn: &Ava, view: &View) -> Result<Plan, WriteError> {
    name_only(view)?;
    view.named(rdn, *ids::OU, "an org", "name")?;
    Ok(Plan::of(vec![Command::CreateOrg {
        parent,
        name: rdn.value.clone(),
    }]))
}

/// Modifies org `org` (entry `id`): only changes that leave it as it is succeed.
pub(super) fn modify(
    snap: &Snapshot,
    viewer: &Viewer,
    id: EntryId,
    org: OrgId,
    changes: &[Modification],
) -> Result<Plan, WriteError> {
    let view = View::current(snap, viewer, id).modified(
        changes,
        *ids::OU,
        "the org's name is its RDN; rename the org with ModifyDN (ldapmodrdn)",
    )?;
    name_only(&view)?;
    let name = snap
        .state
        .orgs
        .get(&org)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    Ok(Plan::or_unchanged(
        Vec::new(),
        Command::RenameOrg { org, name },
    ))
}
