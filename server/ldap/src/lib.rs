//! The LDAP front end: LDAPv3 over TCP, StartTLS and LDAPS on ldap3_proto, tokio and
//! rustls.
//!
//! * [`frame`]: bounded framing and decoding (with raw control criticality);
//! * [`convert`]: wire filters into the directory's bounded filter type;
//! * [`handler`]: the protocol logic, callable in-process (bind, search with paging,
//!   compare, abandon, unbind, WhoAmI, Password Modify, StartTLS, and the write operations);
//! * [`mod@write`]: Add, Modify, Delete and ModifyDN decoded for the directory's LDAP write
//!   mapping, refusals turned into result codes;
//! * [`render`]: entries, the RootDSE and the subschema entry as search results;
//! * [`server`]: listeners and the per-connection read/write loop.
//!
//! API boundary: this is the only crate that imports `ldap3_proto`. It never touches SQL;
//! it reads snapshots and sends commands through `orgdir_directory::service::Directory`.

pub mod config;
pub mod convert;
pub mod frame;
pub mod handler;
pub mod render;
pub mod server;
pub mod write;

pub use config::LdapConfig;
pub use handler::{Handler, Session};
