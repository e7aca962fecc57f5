//! The configuration file (TOML) and its `ORGDIR_*` environment overrides.
//!
//! Every key is documented in `config/orgdir.example.toml`, which a test parses so the two
//! never drift apart. An environment variable `ORGDIR_<SECTION>_<KEY>` (or `ORGDIR_DATA_DIR`)
//! overrides the key of the same name; unknown keys, in the file or the environment, are
//! errors rather than silently ignored.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// Sections whose keys can be overridden from the environment.
const SECTIONS: [&str; 7] = [
    "ldap", "http", "security", "limits", "log", "mail", "plugins",
];

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the database, TLS material and lock file live.
    pub data_dir: PathBuf,
    /// LDAP front end.
    pub ldap: Ldap,
    /// HTTP (account center, health, metrics).
    pub http: Http,
    /// Passwords, binds and lockout.
    pub security: Security,
    /// Default rule limits for new enterprises (SPEC ORG-2).
    pub limits: Limits,
    /// Logging.
    pub log: Log,
    /// Outgoing mail (recovery links): SMTP, or the outbox folder of the data directory.
    pub mail: Mail,
    /// Which plugins the server runs.
    pub plugins: PluginsConfig,
}

/// `[plugins]`
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Plugin ids, e.g. `["attendance"]` (`ORGDIR_PLUGINS_ENABLED=attendance,…`).
    pub enabled: Vec<String>,
}

/// `[ldap]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Ldap {
    pub listen: String,
    pub ldaps_listen: String,
    pub starttls: bool,
    pub tls_cert: String,
    pub tls_key: String,
    pub tls_reload_seconds: u64,
    pub max_message_bytes: usize,
    pub max_filter_depth: usize,
    pub max_filter_elements: usize,
    pub size_limit: usize,
    pub time_limit_seconds: u64,
    pub idle_timeout_seconds: u64,
    pub tls_handshake_timeout_seconds: u64,
    pub max_paged_searches: usize,
    pub max_paged_total_results: usize,
    pub max_connections: usize,
}

/// `[http]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    pub listen: String,
    pub tls_listen: String,
    pub public_url: String,
}

/// `[security]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub bind_lockout_threshold: u32,
    pub bind_lockout_seconds: u64,
    pub upgrade_hashes: bool,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub min_password_length: usize,
    pub hash_workers: usize,
    pub bind_cache_seconds: u64,
    pub bind_failures_per_minute: u32,
    pub recovery_link_minutes: u32,
}

/// `[limits]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_root_orgs: u32,
    pub max_members_per_org: u32,
    pub max_scope_orgs: u32,
    pub default_seats: u32,
}

/// `[mail]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    pub host: String,
    pub port: u16,
    pub security: String,
    #[serde(deserialize_with = "text")]
    pub username: String,
    #[serde(deserialize_with = "text", serialize_with = "redacted")]
    pub password: String,
    pub password_file: String,
    pub from: String,
    pub ca_file: String,
    pub timeout_seconds: u64,
}

/// A string that may have arrived as a number (an all-digit value from the environment).
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        I(i64),
    }
    Ok(match Text::deserialize(d)? {
        Text::S(s) => s,
        Text::I(i) => i.to_string(),
    })
}

/// A secret as `check-config` shows it: whether it is set, never its value.
fn redacted<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if v.is_empty() { "" } else { "<redacted>" })
}

/// `[log]`
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    pub level: String,
    pub format: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("./data"),
            ldap: Ldap::default(),
            http: Http::default(),
            security: Security::default(),
            limits: Limits::default(),
            log: Log::default(),
            mail: Mail::default(),
            plugins: PluginsConfig::default(),
        }
    }
}

impl Default for Mail {
    fn default() -> Mail {
        Mail {
            host: String::new(),
            port: 0,
            security: "starttls".into(),
            username: String::new(),
            password: String::new(),
            password_file: String::new(),
            from: "orgdir <noreply@localhost>".into(),
            ca_file: String::new(),
            timeout_seconds: 30,
        }
    }
}

impl Default for Ldap {
    fn default() -> Ldap {
        let d = orgdir_ldap::LdapConfig::default();
        Ldap {
            listen: "127.0.0.1:1389".into(),
            ldaps_listen: "127.0.0.1:1636".into(),
            starttls: true,
            tls_cert: String::new(),
            tls_key: String::new(),
            tls_reload_seconds: 30,
            max_message_bytes: d.max_message_bytes,
            max_filter_depth: d.max_filter_depth,
            max_filter_elements: d.max_filter_elements,
            size_limit: d.size_limit,
            time_limit_seconds: d.time_limit.as_secs(),
            idle_timeout_seconds: d.idle_timeout.as_secs(),
            tls_handshake_timeout_seconds: d.tls_handshake_timeout.as_secs(),
            max_paged_searches: d.max_paged_searches,
            max_paged_total_results: d.max_paged_total_results,
            max_connections: d.max_connections,
        }
    }
}

impl Default for Http {
    fn default() -> Http {
        Http {
            listen: "127.0.0.1:8080".into(),
            tls_listen: String::new(),
            public_url: String::new(),
        }
    }
}

impl Default for Security {
    fn default() -> Security {
        Security {
            bind_lockout_threshold: 5,
            bind_lockout_seconds: 900,
            upgrade_hashes: true,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            min_password_length: 8,
            hash_workers: 0,
            bind_cache_seconds: 300,
            bind_failures_per_minute: 120,
            recovery_link_minutes: 30,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        let d = orgdir_domain::limits::Limits::default();
        Limits {
            max_root_orgs: d.max_root_orgs,
            max_members_per_org: d.max_members_per_org,
            max_scope_orgs: d.max_scope_orgs,
            default_seats: orgdir_domain::limits::DEFAULT_SEATS,
        }
    }
}

impl Default for Log {
    fn default() -> Log {
        Log {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

impl Config {
    /// Reads `path` (if given) and applies the environment overrides from `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let mut table = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                text.parse::<toml::Table>()
                    .with_context(|| format!("config file {} is not valid TOML", p.display()))?
            }
            None => toml::Table::new(),
        };
        let mut overridden = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("ORGDIR_") else {
                continue;
            };
            let rest = rest.to_ascii_lowercase();
            if rest == "data_dir" {
                table.insert(rest, toml::Value::String(value));
                overridden.push(name);
                continue;
            }
            let Some(section) = SECTIONS.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
                continue;
            };
            let key = rest
                .get(section.len() + 1..)
                .unwrap_or_default()
                .to_string();
            let slot = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(t) = slot else {
                bail!("config key {section} must be a table");
            };
            let v = if *section == "plugins" && key == "enabled" {
                // A list: comma-separated names.
                toml::Value::Array(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.to_string()))
                        .collect(),
                )
            } else {
                env_value(&value)
            };
            t.insert(key, v);
            overridden.push(name);
        }
        let config: Config = toml::Value::Table(table).try_into().map_err(|e| {
            if overridden.is_empty() {
                anyhow::anyhow!("invalid configuration: {e}")
            } else {
                anyhow::anyhow!(
                    "invalid configuration (after environment overrides {}): {e}",
                    overridden.join(", ")
                )
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values a type cannot: addresses parse, sizes are sane, TLS files come in pairs.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (key, addr) in [
            ("ldap.listen", &self.ldap.listen),
            ("ldap.ldaps_listen", &self.ldap.ldaps_listen),
            ("http.listen", &self.http.listen),
            ("http.tls_listen", &self.http.tls_listen),
        ] {
            if !addr.is_empty() && addr.parse::<std::net::SocketAddr>().is_err() {
                bail!(
                    "{key} = {addr:?} is not an address like 127.0.0.1:1389 (or \"\" to disable)"
                );
            }
        }
        if self.ldap.tls_cert.is_empty() != self.ldap.tls_key.is_empty() {
            bail!("ldap.tls_cert and ldap.tls_key must be set together");
        }
        if self.ldap.max_message_bytes < 1024 {
            bail!("ldap.max_message_bytes must be at least 1024");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format must be \"text\" or \"json\"");
        }
        if self.security.min_password_length < 8 {
            bail!("security.min_password_length must be at least 8");
        }
        orgdir_passwords::Hasher::new(self.argon2())
            .map_err(|e| anyhow::anyhow!("security.argon2_*: {e}"))?;
        if !(5..=1440).contains(&self.security.recovery_link_minutes) {
            bail!("security.recovery_link_minutes must be between 5 and 1440");
        }
        let url = &self.http.public_url;
        if !url.is_empty()
            && (!(url.starts_with("http://") || url.starts_with("https://"))
                || url.contains(['?', '#', ' ']))
        {
            bail!(
                "http.public_url = {url:?} must be an http:// or https:// address such as \
                 https://panel.example.com (or \"\" for the listen address)"
            );
        }
        if !self.mail.password.is_empty() && !self.mail.password_file.is_empty() {
            bail!("mail.password and mail.password_file cannot both be set");
        }
        // The password file is read at start; here only whether there is one counts.
        self.mail_settings(|_| Ok(String::new()))?
            .check()
            .map_err(|e| anyhow::anyhow!("[mail]: {e}"))?;
        Ok(())
    }

    /// Outgoing mail: SMTP when `mail.host` is set, else the outbox `<data_dir>/outbox`.
    /// `read` reads `mail.password_file`.
    pub fn mail_settings(
        &self,
        read: impl Fn(&Path) -> anyhow::Result<String>,
    ) -> anyhow::Result<orgdir_mail::Settings> {
        let m = &self.mail;
        let security = orgdir_mail::Security::parse(&m.security).ok_or_else(|| {
            anyhow::anyhow!("mail.security must be \"starttls\", \"tls\" or \"none\"")
        })?;
        let transport = if m.host.trim().is_empty() {
            orgdir_mail::Transport::Outbox(self.data_dir.join("outbox"))
        } else {
            let password = if !m.password_file.is_empty() {
                Some(read(Path::new(&m.password_file))?)
            } else {
                Some(m.password.clone()).filter(|p| !p.is_empty())
            };
            orgdir_mail::Transport::Smtp(orgdir_mail::SmtpSettings {
                host: m.host.trim().to_string(),
                port: m.port,
                security,
                username: Some(m.username.clone()).filter(|u| !u.is_empty()),
                password,
                ca_file: Some(PathBuf::from(&m.ca_file)).filter(|_| !m.ca_file.is_empty()),
            })
        };
        Ok(orgdir_mail::Settings {
            transport,
            from: m.from.clone(),
            timeout: Duration::from_secs(m.timeout_seconds.max(1)),
        })
    }

    /// Reads `mail.password_file` (the first line, without its line break).
    pub fn read_password_file(path: &Path) -> anyhow::Result<String> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read mail.password_file {}", path.display()))?;
        Ok(text.lines().next().unwrap_or_default().to_string())
    }

    /// argon2id parameters.
    pub fn argon2(&self) -> orgdir_passwords::Argon2Params {
        orgdir_passwords::Argon2Params {
            m_cost_kib: self.security.argon2_memory_kib,
            t_cost: self.security.argon2_iterations,
            p_cost: self.security.argon2_parallelism,
        }
    }

    /// Settings of the directory service.
    pub fn directory(&self) -> orgdir_directory::service::DirectoryConfig {
        orgdir_directory::service::DirectoryConfig {
            lockout_threshold: self.security.bind_lockout_threshold,
            lockout_seconds: self.security.bind_lockout_seconds,
            upgrade_hashes: self.security.upgrade_hashes,
            argon2: self.argon2(),
            min_password_length: self.security.min_password_length,
            hash_workers: self.security.hash_workers,
            bind_cache_seconds: self.security.bind_cache_seconds,
            bind_failures_per_minute: self.security.bind_failures_per_minute,
        }
    }

    /// Settings of the LDAP front end.
    pub fn ldap_config(&self) -> orgdir_ldap::LdapConfig {
        let l = &self.ldap;
        orgdir_ldap::LdapConfig {
            max_message_bytes: l.max_message_bytes,
            max_filter_depth: l.max_filter_depth,
            max_filter_elements: l.max_filter_elements,
            size_limit: l.size_limit,
            time_limit: Duration::from_secs(l.time_limit_seconds.max(1)),
            max_paged_searches: l.max_paged_searches.max(1),
            max_paged_total_results: l.max_paged_total_results,
            idle_timeout: Duration::from_secs(l.idle_timeout_seconds.max(1)),
            tls_handshake_timeout: Duration::from_secs(l.tls_handshake_timeout_seconds.max(1)),
            max_connections: l.max_connections.max(1),
            ..orgdir_ldap::LdapConfig::default()
        }
    }

    /// Default limits for new enterprises.
    pub fn domain_limits(&self) -> orgdir_domain::limits::Limits {
        orgdir_domain::limits::Limits {
            max_root_orgs: self.limits.max_root_orgs,
            max_members_per_org: self.limits.max_members_per_org,
            max_scope_orgs: self.limits.max_scope_orgs,
            ..orgdir_domain::limits::Limits::default()
        }
    }

    /// The database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("orgdir.db")
    }
}

/// An environment value as TOML: integers and booleans keep their type, anything else is a
/// string.
fn env_value(v: &str) -> toml::Value {
    if let Ok(i) = v.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn example_file_parses_and_documents_every_key() -> anyhow::Result<()> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/orgdir.example.toml");
        let config = Config::load(Some(&path), Vec::new())?;
        // Every key of the full configuration appears in the example file.
        let text = std::fs::read_to_string(&path)?;
        let full = toml::Value::try_from(Config::default())?;
        let toml::Value::Table(t) = full else {
            anyhow::bail!("not a table");
        };
        for (k, v) in t {
            match v {
                toml::Value::Table(section) => {
                    assert!(text.contains(&format!("[{k}]")), "section [{k}] missing");
                    for key in section.keys() {
                        assert!(
                            text.lines()
                                .any(|l| l.trim_start().starts_with(&format!("{key} ="))),
                            "key {k}.{key} is not documented in the example config"
                        );
                    }
                }
                _ => assert!(text.contains(&format!("{k} =")), "key {k} missing"),
            }
        }
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/orgdir"));
        Ok(())
    }

    #[test]
    fn environment_overrides() -> anyhow::Result<()> {
        let c = Config::load(
            None,
            env(&[
                ("ORGDIR_LDAP_LISTEN", "127.0.0.1:0"),
                ("ORGDIR_LDAP_LDAPS_LISTEN", ""),
                ("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"),
                ("ORGDIR_DATA_DIR", "/tmp/x"),
                ("ORGDIR_SUPER_PASSWORD", "not a config key"),
                ("ORGDIR_PLUGINS_ENABLED", "attendance, other"),
                ("HOME", "/root"),
            ]),
        )?;
        assert_eq!(c.plugins.enabled, ["attendance", "other"]);
        assert_eq!(c.ldap.listen, "127.0.0.1:0");
        assert_eq!(c.ldap.ldaps_listen, "");
        assert_eq!(c.security.bind_lockout_threshold, 3);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        Ok(())
    }

    #[test]
    fn bad_values_are_reported() {
        for (k, v, want) in [
            ("ORGDIR_LDAP_LISTN", "x", "unknown field"),
            ("ORGDIR_LDAP_LISTEN", "nonsense", "not an address"),
            ("ORGDIR_LDAP_SIZE_LIMIT", "many", "invalid type"),
            ("ORGDIR_LOG_FORMAT", "xml", "log.format"),
            ("ORGDIR_SECURITY_ARGON2_MEMORY_KIB", "1", "argon2"),
            (
                "ORGDIR_SECURITY_RECOVERY_LINK_MINUTES",
                "0",
                "recovery_link_minutes",
            ),
            (
                "ORGDIR_HTTP_PUBLIC_URL",
                "panel.example.com",
                "http.public_url",
            ),
            ("ORGDIR_MAIL_SECURITY", "ssl", "mail.security"),
            ("ORGDIR_MAIL_FROM", "not an address", "invalid mail address"),
        ] {
            let err = Config::load(None, env(&[(k, v)]))
                .err()
                .map(|e| format!("{e:#}"));
            assert!(
                err.as_deref().is_some_and(|e| e.contains(want)),
                "{k}={v}: {err:?}"
            );
        }
    }

    #[test]
    fn mail_settings_from_the_environment() -> anyhow::Result<()> {
        // No host: the outbox of the data directory.
        let c = Config::load(None, env(&[("ORGDIR_DATA_DIR", "/srv/orgdir")]))?;
        let s = c.mail_settings(Config::read_password_file)?;
        assert!(
            matches!(&s.transport, orgdir_mail::Transport::Outbox(p) if p == Path::new("/srv/orgdir/outbox")),
            "{s:?}"
        );
        // An all-digit password from the environment stays a string.
        let c = Config::load(
            None,
            env(&[
                ("ORGDIR_MAIL_HOST", "smtp.example.com"),
                ("ORGDIR_MAIL_SECURITY", "tls"),
                ("ORGDIR_MAIL_USERNAME", "orgdir"),
                ("ORGDIR_MAIL_PASSWORD", "12345678"),
            ]),
        )?;
        let s = c.mail_settings(Config::read_password_file)?;
        let orgdir_mail::Transport::Smtp(smtp) = &s.transport else {
            anyhow::bail!("not SMTP: {s:?}");
        };
        assert_eq!(smtp.password.as_deref(), Some("12345678"));
        // check-config shows that a password is set, not the password.
        let shown = toml::to_string_pretty(&c)?;
        assert!(
            !shown.contains("12345678") && shown.contains("password = \"<redacted>\""),
            "{shown}"
        );
        assert_eq!(smtp.effective_port(), 465);
        // The password file's first line.
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("smtp-password");
        std::fs::write(&file, "s3cret\n")?;
        let c = Config::load(
            None,
            env(&[
                ("ORGDIR_MAIL_HOST", "smtp.example.com"),
                ("ORGDIR_MAIL_USERNAME", "orgdir"),
                (
                    "ORGDIR_MAIL_PASSWORD_FILE",
                    file.to_str().unwrap_or_default(),
                ),
            ]),
        )?;
        let s = c.mail_settings(Config::read_password_file)?;
        let orgdir_mail::Transport::Smtp(smtp) = &s.transport else {
            anyhow::bail!("not SMTP: {s:?}");
        };
        assert_eq!(smtp.password.as_deref(), Some("s3cret"));
        // Plain SMTP only to this machine; a user name needs a password.
        for (pairs, want) in [
            (
                vec![
                    ("ORGDIR_MAIL_HOST", "smtp.example.com"),
                    ("ORGDIR_MAIL_SECURITY", "none"),
                ],
                "loopback",
            ),
            (
                vec![
                    ("ORGDIR_MAIL_HOST", "smtp.example.com"),
                    ("ORGDIR_MAIL_USERNAME", "u"),
                ],
                "needs a password",
            ),
            (
                vec![
                    ("ORGDIR_MAIL_PASSWORD", "p"),
                    ("ORGDIR_MAIL_PASSWORD_FILE", "/f"),
                ],
                "cannot both",
            ),
        ] {
            let err = Config::load(None, env(&pairs))
                .err()
                .map(|e| format!("{e:#}"));
            assert!(
                err.as_deref().is_some_and(|e| e.contains(want)),
                "{pairs:?}: {err:?}"
            );
        }
        assert!(
            Config::load(
                None,
                env(&[
                    ("ORGDIR_MAIL_HOST", "127.0.0.1"),
                    ("ORGDIR_MAIL_SECURITY", "none")
                ])
            )
            .is_ok()
        );
        Ok(())
    }
}
