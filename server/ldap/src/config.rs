//! Settings of the LDAP front end (from the `[ldap]` config section).

use std::time::Duration;

/// Limits and timeouts of the LDAP front end. Every bound on untrusted input lives here
/// (DESIGN invariant 6).
#[derive(Clone, Debug)]
pub struct LdapConfig {
    /// Largest LDAP message accepted, in bytes; a larger one ends the connection.
    pub max_message_bytes: usize,
    /// Deepest nesting of a search filter.
    pub max_filter_depth: usize,
    /// Most elements (items and operators) in a search filter.
    pub max_filter_elements: usize,
    /// Most attributes named in one search request.
    pub max_requested_attributes: usize,
    /// Server-side size limit for non-paged searches (0: none).
    pub size_limit: usize,
    /// Server-side time limit for a search.
    pub time_limit: Duration,
    /// Paged searches a connection may keep open at once.
    pub max_paged_searches: usize,
    /// Most results a paged search may hold.
    pub max_paged_results: usize,
    /// Most results all open paged searches of the server may hold together (4 bytes each).
    pub max_paged_total_results: usize,
    /// Close a connection idle this long.
    pub idle_timeout: Duration,
    /// Give up a TLS handshake after this long.
    pub tls_handshake_timeout: Duration,
    /// Give up writing a response after this long.
    pub write_timeout: Duration,
    /// Connections served at once; further ones are closed at accept.
    pub max_connections: usize,
}

impl Default for LdapConfig {
    fn default() -> LdapConfig {
        LdapConfig {
            max_message_bytes: 1024 * 1024,
            max_filter_depth: 32,
            max_filter_elements: 512,
            max_requested_attributes: 256,
            size_limit: 5000,
            time_limit: Duration::from_secs(60),
            max_paged_searches: 8,
            max_paged_results: 1_000_000,
            max_paged_total_results: 10_000_000,
            idle_timeout: Duration::from_secs(900),
            tls_handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
            max_connections: 4096,
        }
    }
}
