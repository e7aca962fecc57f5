//! Org paths as written in the sheet: names below the root separated by `/` (`\/` is a
//! slash inside a name, `\\` a backslash); `/` alone is the root org. Scope cells hold
//! several paths separated by `;`.

use std::collections::HashMap;

use orgdir_domain::dn::normalize_value;
use orgdir_domain::model::{EnterpriseState, OrgId};

/// Splits a path into its org names (empty segments are dropped, names trimmed).
pub fn parse(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => cur.push('\\'),
            },
            '/' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Splits a scope cell into paths (`;` or the full-width `；`).
pub fn split_scope(cell: &str) -> Vec<&str> {
    cell.split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('/', "\\/")
}

/// The path of `org` (`/` for the root).
pub fn of(state: &EnterpriseState, org: OrgId) -> String {
    let mut chain = state.ancestors(org);
    chain.pop(); // the root
    if chain.is_empty() {
        return "/".into();
    }
    chain
        .iter()
        .rev()
        .filter_map(|id| state.orgs.get(id))
        .map(|o| escape(&o.name))
        .collect::<Vec<_>>()
        .join("/")
}

/// A lookup from (parent, normalized name) to the child org, kept up to date by the planner.
#[derive(Debug)]
pub struct OrgIndex {
    root: OrgId,
    children: HashMap<(OrgId, String), OrgId>,
}

impl OrgIndex {
    /// Indexes the current tree.
    pub fn new(state: &EnterpriseState) -> OrgIndex {
        let children = state
            .orgs
            .values()
            .filter_map(|o| Some(((o.parent?, normalize_value(&o.name)), o.id)))
            .collect();
        OrgIndex {
            root: state.root(),
            children,
        }
    }

    /// The root org.
    pub fn root(&self) -> OrgId {
        self.root
    }

    /// The child of `parent` named `name`.
    pub fn child(&self, parent: OrgId, name: &str) -> Option<OrgId> {
        self.children.get(&(parent, normalize_value(name))).copied()
    }

    /// Records a new org.
    pub fn insert(&mut self, parent: OrgId, name: &str, id: OrgId) {
        self.children.insert((parent, normalize_value(name)), id);
    }

    /// Forgets an org (a row that created it failed).
    pub fn remove(&mut self, parent: OrgId, name: &str) {
        self.children.remove(&(parent, normalize_value(name)));
    }

    /// Resolves existing names; `Err(i)` is the index of the first missing name.
    pub fn resolve(&self, names: &[String]) -> Result<OrgId, usize> {
        let mut cur = self.root;
        for (i, n) in names.iter().enumerate() {
            cur = self.child(cur, n).ok_or(i)?;
        }
        Ok(cur)
    }
}
