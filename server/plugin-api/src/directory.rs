//! The read-only view of one enterprise's directory a plugin gets: members and orgs as plain
//! data, built by the host from the directory's current snapshot (and cached per snapshot,
//! so asking twice costs nothing).

use std::collections::{BTreeMap, HashMap};

/// An org of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgInfo {
    /// Identity (stable).
    pub id: u64,
    /// The parent org; `None` for the root.
    pub parent: Option<u64>,
    /// Name.
    pub name: String,
    /// The path from below the root, `R&D/Platform` (empty for the root).
    pub path: String,
}

/// A member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    /// Identity (stable; survives moves).
    pub id: u64,
    /// Account (unique in the enterprise).
    pub account: String,
    /// Display name.
    pub name: String,
    /// The org it belongs to.
    pub org: u64,
    /// Job title.
    pub title: Option<String>,
    /// Mobile number.
    pub mobile: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Hidden from ordinary members (ORG-9).
    pub hidden: bool,
    /// Disabled: cannot sign in.
    pub disabled: bool,
    /// When the member was created (Unix seconds).
    pub created_at: i64,
}

/// One enterprise's directory at one moment.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// The enterprise number.
    pub enterprise: u64,
    /// The enterprise's short name (the root org's name).
    pub name: String,
    /// Changes with every committed change of the directory.
    pub revision: u64,
    /// The root org.
    pub root: u64,
    /// Orgs by id.
    pub orgs: BTreeMap<u64, OrgInfo>,
    /// Members by id.
    pub members: BTreeMap<u64, MemberInfo>,
    by_account: HashMap<String, u64>,
}

impl Directory {
    /// A view of the given orgs and members (built by the host).
    pub fn new(
        enterprise: u64,
        name: String,
        revision: u64,
        root: u64,
        orgs: impl IntoIterator<Item = OrgInfo>,
        members: impl IntoIterator<Item = MemberInfo>,
    ) -> Directory {
        let orgs: BTreeMap<u64, OrgInfo> = orgs.into_iter().map(|o| (o.id, o)).collect();
        let members: BTreeMap<u64, MemberInfo> = members.into_iter().map(|m| (m.id, m)).collect();
        let by_account = members
            .values()
            .map(|m| (m.account.to_ascii_lowercase(), m.id))
            .collect();
        Directory {
            enterprise,
            name,
            revision,
            root,
            orgs,
            members,
            by_account,
        }
    }

    /// A member by id.
    pub fn member(&self, id: u64) -> Option<&MemberInfo> {
        self.members.get(&id)
    }

    /// A member by account (case-insensitive).
    pub fn member_by_account(&self, account: &str) -> Option<&MemberInfo> {
        self.by_account
            .get(&account.to_ascii_lowercase())
            .and_then(|id| self.members.get(id))
    }

    /// An org by id.
    pub fn org(&self, id: u64) -> Option<&OrgInfo> {
        self.orgs.get(&id)
    }

    /// Whether `org` is `ancestor` or lies below it.
    pub fn within(&self, org: u64, ancestor: u64) -> bool {
        let mut at = Some(org);
        // The tree is at most a few dozen levels deep; the bound only guards a broken view.
        for _ in 0..=self.orgs.len() {
            match at {
                Some(o) if o == ancestor => return true,
                Some(o) => at = self.orgs.get(&o).and_then(|x| x.parent),
                None => return false,
            }
        }
        false
    }

    /// The members of `org` and of every org below it.
    pub fn members_under(&self, org: u64) -> impl Iterator<Item = &MemberInfo> {
        self.members
            .values()
            .filter(move |m| self.within(m.org, org))
    }

    /// The org's path (`R&D/Platform`; empty for the root), or `""` if unknown.
    pub fn org_path(&self, org: u64) -> &str {
        self.orgs.get(&org).map(|o| o.path.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: u64, parent: Option<u64>, name: &str, path: &str) -> OrgInfo {
        OrgInfo {
            id,
            parent,
            name: name.into(),
            path: path.into(),
        }
    }

    fn member(id: u64, account: &str, org: u64) -> MemberInfo {
        MemberInfo {
            id,
            account: account.into(),
            name: account.into(),
            org,
            title: None,
            mobile: None,
            email: None,
            hidden: false,
            disabled: false,
            created_at: 0,
        }
    }

    #[test]
    fn subtree_and_accounts() {
        let d = Directory::new(
            1,
            "Acme".into(),
            7,
            1,
            [
                org(1, None, "Acme", ""),
                org(2, Some(1), "R&D", "R&D"),
                org(3, Some(2), "Platform", "R&D/Platform"),
                org(4, Some(1), "Sales", "Sales"),
            ],
            [member(10, "Ann", 3), member(11, "bob", 4)],
        );
        assert!(d.within(3, 1) && d.within(3, 2) && d.within(3, 3));
        assert!(!d.within(3, 4) && !d.within(2, 3));
        let under: Vec<u64> = d.members_under(2).map(|m| m.id).collect();
        assert_eq!(under, vec![10]);
        assert_eq!(d.member_by_account("ANN").map(|m| m.id), Some(10));
        assert_eq!(d.org_path(3), "R&D/Platform");
    }
}
