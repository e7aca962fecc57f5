//! Process-wide counters for `/metrics` (Prometheus text format): LDAP operations by kind
//! and result, binds by outcome, HTTP requests by status class. Plain atomics: counting must
//! cost nothing on the hot path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// LDAP operation kinds counted separately.
pub const LDAP_OPS: [&str; 11] = [
    "bind", "search", "compare", "extended", "add", "modify", "delete", "modrdn", "abandon",
    "unbind", "other",
];

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    ldap_ops: [AtomicU64; 11],
    ldap_errors: [AtomicU64; 11],
    binds_ok: AtomicU64,
    binds_failed: AtomicU64,
    ldap_connections: AtomicU64,
    http: [AtomicU64; 5],
}

impl Metrics {
    /// Counts one LDAP operation of `kind` (one of [`LDAP_OPS`]) and whether it failed.
    pub fn ldap_op(&self, kind: &str, failed: bool) {
        let i = LDAP_OPS
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(LDAP_OPS.len() - 1);
        if let Some(c) = self.ldap_ops.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        if failed && let Some(c) = self.ldap_errors.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a bind outcome.
    pub fn bind(&self, ok: bool) {
        if ok {
            self.binds_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.binds_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an accepted LDAP connection.
    pub fn ldap_connection(&self) {
        self.ldap_connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an HTTP response by status code.
    pub fn http(&self, status: u16) {
        let class = usize::from(status / 100).saturating_sub(1).min(4);
        if let Some(c) = self.http.get(class) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Renders the counters (plus the given gauges) in Prometheus text format.
    pub fn render(&self, gauges: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP orgdir_ldap_operations_total LDAP operations by kind.\n");
        out.push_str("# TYPE orgdir_ldap_operations_total counter\n");
        for (k, c) in LDAP_OPS.iter().zip(&self.ldap_ops) {
            let _ = writeln!(out, "orgdir_ldap_operations_total{{op=\"{k}\"}} {}", get(c));
        }
        out.push_str("# HELP orgdir_ldap_errors_total LDAP operations that ended with a non-success result, by kind.\n");
        out.push_str("# TYPE orgdir_ldap_errors_total counter\n");
        for (k, c) in LDAP_OPS.iter().zip(&self.ldap_errors) {
            let _ = writeln!(out, "orgdir_ldap_errors_total{{op=\"{k}\"}} {}", get(c));
        }
        out.push_str("# HELP orgdir_binds_total Simple binds by outcome.\n");
        out.push_str("# TYPE orgdir_binds_total counter\n");
        let _ = writeln!(
            out,
            "orgdir_binds_total{{result=\"ok\"}} {}",
            get(&self.binds_ok)
        );
        let _ = writeln!(
            out,
            "orgdir_binds_total{{result=\"failed\"}} {}",
            get(&self.binds_failed)
        );
        out.push_str("# HELP orgdir_ldap_connections_total LDAP connections accepted.\n");
        out.push_str("# TYPE orgdir_ldap_connections_total counter\n");
        let _ = writeln!(
            out,
            "orgdir_ldap_connections_total {}",
            get(&self.ldap_connections)
        );
        out.push_str("# HELP orgdir_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE orgdir_http_responses_total counter\n");
        for (i, c) in self.http.iter().enumerate() {
            let _ = writeln!(
                out,
                "orgdir_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                get(c)
            );
        }
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_renders() {
        let m = Metrics::default();
        m.ldap_op("search", false);
        m.ldap_op("search", true);
        m.ldap_op("weird", false);
        m.bind(true);
        m.bind(false);
        m.http(200);
        m.http(404);
        m.http(503);
        let text = m.render(&[("orgdir_members", "Members.", 7)]);
        for line in [
            "orgdir_ldap_operations_total{op=\"search\"} 2",
            "orgdir_ldap_errors_total{op=\"search\"} 1",
            "orgdir_ldap_operations_total{op=\"other\"} 1",
            "orgdir_binds_total{result=\"failed\"} 1",
            "orgdir_http_responses_total{class=\"4xx\"} 1",
            "orgdir_http_responses_total{class=\"5xx\"} 1",
            "orgdir_members 7",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }
}
