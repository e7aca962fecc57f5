//! The orgdir domain: enterprises, the org tree, members, roles, groups and service
//! accounts, with the rules that every write must pass (SPEC ORG, ROLE, ENT).
//!
//! Pure: no I/O, no clock, no SQL, no serde. Time and randomness come in through
//! [`command::Ctx`]. The store persists what [`command::apply`] returns; the directory keeps
//! [`model::EnterpriseState`] in memory and projects it into LDAP entries.
//!
//! ```
//! use orgdir_domain::{command::*, model::*, limits::Limits};
//! let ent = Enterprise {
//!     number: 100001, short_name: "Example".into(), name: "Example Ltd".into(),
//!     naming_context: "dc=example,dc=com".into(), seats: 500, account_range: (10001, 19999),
//!     expires_at: None, domain: None, super_password: None, limits: Limits::default(),
//!     posix_base: 10000, groups_rdn: "cn=groups".into(),
//!     services_rdn: "cn=services".into(), uuid: [0; 16], account: Default::default(), created_at: 0, modified_at: 0,
//! };
//! let mut n = 0u8;
//! let mut uuid = || { n += 1; [n; 16] };
//! let mut state = EnterpriseState::new(ent, &mut uuid);
//! let root = state.root();
//! let mut ctx = Ctx { now: 0, uuid: &mut uuid };
//! let out = apply(&mut state, Command::CreateOrg { parent: root, name: "R&D".into() }, &mut ctx).unwrap();
//! assert_eq!(out.changes.len(), 1);
//! ```

pub mod authz;
pub mod command;
pub mod dn;
pub mod error;
pub mod limits;
pub mod model;
pub mod role;
pub mod validate;

pub use error::{Denied, RuleError};
