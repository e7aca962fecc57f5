//! The configurable limits of ORG-2 (defaults from the manual).

/// Per-enterprise rule limits. Seats live on the enterprise itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Orgs directly under the root org.
    pub max_root_orgs: u32,
    /// Members directly in one org.
    pub max_members_per_org: u32,
    /// Orgs in one member's management scope.
    pub max_scope_orgs: u32,
    /// Depth of the org tree below the root (a guard against runaway nesting).
    pub max_org_depth: u32,
    /// Groups in one enterprise.
    pub max_groups: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_root_orgs: 200,
            max_members_per_org: 160,
            max_scope_orgs: 3,
            max_org_depth: 32,
            max_groups: 10_000,
        }
    }
}

/// Default purchased seats for a new enterprise (ORG-2).
pub const DEFAULT_SEATS: u32 = 500;
