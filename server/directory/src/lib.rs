//! The directory service and its read model.
//!
//! * [`service::Directory`]: the one write path (commands → rules → permission and scope →
//!   one store transaction → new snapshot) and simple-bind verification with lockout;
//! * [`snapshot::Snapshot`]: each enterprise's immutable, indexed LDAP view, swapped in
//!   atomically after every commit;
//! * [`dit`]: how the domain model appears as LDAP entries; [`schema`]: the attribute types
//!   and object classes served; [`filter`] and [`search`]: evaluation over a snapshot with
//!   per-viewer visibility (hidden members, management scope);
//! * [`ldapwrite`]: LDAP Add/Modify/Delete/ModifyDN as commands, the projection read backwards.
//!
//! Invariant: bind and search read only snapshots; nothing here speaks SQL (the store does)
//! or LDAP wire formats (the ldap crate does).
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use orgdir_directory::{service::*, world::*, demo};
//! let store = Arc::new(orgdir_store::SqliteStore::open_in_memory()?);
//! let dir = Directory::open(store, DirectoryConfig::default(), Arc::new(SystemClock), Arc::new(OsEntropy))?;
//! demo::seed_demo(&dir).await?;
//! let who = dir.bind("10001", b"Passw0rd-10001", "doc").await?;
//! assert_eq!(who.dn, "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com");
//! # Ok(()) }
//! ```

pub mod bitset;
pub mod demo;
pub mod dit;
pub mod entry;
pub mod filter;
pub mod ldapwrite;
pub mod ldif;
pub mod metrics;
pub mod migrate;
pub mod pool;
pub mod schema;
pub mod search;
pub mod service;
pub mod snapshot;
pub mod world;
