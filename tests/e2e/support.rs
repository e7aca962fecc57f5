//! What every e2e module shares: the demo enterprise's well-known names, how to get a server,
//! and thin helpers around the Rust `ldap3` client that put a deadline on every operation.
//!
//! The constants restate the demo-data contract (what `orgdir serve --demo` creates); the
//! tests check the server against them, never the other way round.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, ensure};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapResult, Scope, SearchEntry};
use orgdir_testkit::{Options, Output, Server, Shared, ldif};

/// The demo enterprise's naming context.
pub const BASE: &str = "dc=example,dc=com";
/// The read-everything service account.
pub const READER_DN: &str = "cn=reader,cn=services,dc=example,dc=com";
pub const READER_PW: &str = "Reader-Passw0rd";
/// The enterprise administrator.
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub const ADMIN_PW: &str = "Admin-Passw0rd-1";
/// 10001 Zhang Wei: ordinary member, member of engineering.
pub const ZHANG_DN: &str = "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com";
/// 10002 Li Na: system administrator.
pub const LI_NA_DN: &str = "uid=10002,ou=Engineering,dc=example,dc=com";
/// 10040 Zhao Lei: management scope ou=Sales.
pub const ZHAO_DN: &str = "uid=10040,ou=North,ou=Sales,dc=example,dc=com";
/// 10049 Chen Jie: hidden, member of finance.
pub const HIDDEN_DN: &str = "uid=10049,ou=Executive,dc=example,dc=com";
/// A DN that never exists, next to the hidden member.
pub const NEVER_DN: &str = "uid=19999,ou=Executive,dc=example,dc=com";
/// 10050 Wang Fang: disabled.
pub const DISABLED_DN: &str = "uid=10050,ou=Sales,dc=example,dc=com";
pub const ENGINEERING_DN: &str = "ou=Engineering,dc=example,dc=com";
pub const ENGINEERING_GROUP: &str = "cn=engineering,cn=groups,dc=example,dc=com";
pub const FINANCE_GROUP: &str = "cn=finance,cn=groups,dc=example,dc=com";
/// How many members the demo enterprise has (10001..=10050).
pub const MEMBERS: usize = 50;

/// Deadline for one LDAP operation or connection: generous, a loaded 2-core CI machine
/// hashes passwords slowly. Only ever a failure bound, never a timing assertion.
pub const OP_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline for one run of an external client program.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// The demo password of member `n`.
pub fn password(n: u32) -> String {
    format!("Passw0rd-{n}")
}

/// The `orgdir` binary Cargo built for this test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_orgdir"))
}

/// The server shared by tests that do not change anything (demo data, default settings).
pub fn read_only_server() -> Result<Arc<Server>> {
    static READ_ONLY: Shared = Shared::new();
    READ_ONLY.get(bin(), Options::new)
}

/// A server of one's own, for tests that change state or need special settings.
pub fn own_server(opts: Options) -> Result<Server> {
    Server::start(bin(), opts)
}

/// Case-insensitive DN comparison (enough for the demo's ASCII DNs).
pub fn same_dn(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace(", ", ",").to_ascii_lowercase();
    norm(a) == norm(b)
}

/// Opens an unauthenticated connection to the plain LDAP listener.
pub async fn connect(server: &Server) -> Result<Ldap> {
    let settings = LdapConnSettings::new().set_conn_timeout(OP_TIMEOUT);
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &server.ldap_url())
        .await
        .with_context(|| format!("connecting to {}", server.ldap_url()))?;
    ldap3::drive!(conn);
    Ok(ldap)
}

/// Simple bind on a fresh connection; returns the raw result whatever the code.
pub async fn try_bind(server: &Server, dn: &str, pw: &str) -> Result<(Ldap, LdapResult)> {
    let mut ldap = connect(server).await?;
    let res = ldap
        .with_timeout(OP_TIMEOUT)
        .simple_bind(dn, pw)
        .await
        .with_context(|| format!("bind as {dn:?}"))?;
    Ok((ldap, res))
}

/// Simple bind on a fresh connection that must succeed.
pub async fn bind(server: &Server, dn: &str, pw: &str) -> Result<Ldap> {
    let (ldap, res) = try_bind(server, dn, pw).await?;
    ensure!(res.rc == 0, "bind as {dn:?} failed: {res:?}");
    Ok(ldap)
}

/// A search whose result code is returned, not turned into an error.
pub async fn search(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> Result<(Vec<SearchEntry>, LdapResult)> {
    let ldap3::SearchResult(entries, res) = ldap
        .with_timeout(OP_TIMEOUT)
        .search(base, scope, filter, attrs.to_vec())
        .await
        .with_context(|| format!("search {base:?} {scope:?} {filter:?}"))?;
    let entries = entries
        .into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(SearchEntry::construct)
        .collect();
    Ok((entries, res))
}

/// A search that must succeed (result code 0).
pub async fn search_ok(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> Result<Vec<SearchEntry>> {
    let (entries, res) = search(ldap, base, scope, filter, attrs).await?;
    ensure!(
        res.rc == 0,
        "search {base:?} {filter:?} returned {res:?} after {} entries",
        entries.len()
    );
    Ok(entries)
}

/// The lower-cased DNs of some entries, for set comparisons.
pub fn dns(entries: &[SearchEntry]) -> BTreeSet<String> {
    entries.iter().map(|e| e.dn.to_ascii_lowercase()).collect()
}

/// The values of `attr` (case-insensitive attribute name) in one entry.
pub fn values<'a>(entry: &'a SearchEntry, attr: &str) -> Vec<&'a str> {
    entry
        .attrs
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(attr))
        .flat_map(|(_, vals)| vals.iter().map(String::as_str))
        .collect()
}

/// The lower-cased attribute names present in one entry (text and binary).
pub fn attr_names(entry: &SearchEntry) -> BTreeSet<String> {
    entry
        .attrs
        .keys()
        .chain(entry.bin_attrs.keys())
        .map(|k| k.to_ascii_lowercase())
        .collect()
}

/// The only entry of a result that must have exactly one.
pub fn single(entries: Vec<SearchEntry>) -> Result<SearchEntry> {
    let n = entries.len();
    let mut it = entries.into_iter();
    match (it.next(), it.next()) {
        (Some(e), None) => Ok(e),
        _ => Err(anyhow!("expected exactly one entry, got {n}")),
    }
}

/// A subtree search with the RFC 2696 paged-results control, `page` entries per page.
pub async fn paged_search(
    ldap: &mut Ldap,
    base: &str,
    filter: &str,
    page: i32,
    attrs: &[&str],
) -> Result<Vec<SearchEntry>> {
    let attrs: Vec<String> = attrs.iter().map(|a| (*a).to_owned()).collect();
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(page)),
    ];
    let run = async {
        let mut stream = ldap
            .with_timeout(OP_TIMEOUT)
            .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs)
            .await?;
        let mut out = Vec::new();
        while let Some(entry) = stream.next().await? {
            out.push(SearchEntry::construct(entry));
        }
        let res = stream.finish().await;
        ensure!(res.rc == 0, "paged search {filter:?} ended with {res:?}");
        Ok(out)
    };
    tokio::time::timeout(2 * OP_TIMEOUT, run)
        .await
        .context("paged search timed out")?
}

// --- HTTP ---------------------------------------------------------------------------

/// One HTTP/1.1 request on a fresh connection (`Connection: close`) with extra header lines
/// and a body: the status, the head and the body of the answer.
pub fn http_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(OP_TIMEOUT))?;
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let status: u16 = raw
        .split_whitespace()
        .nth(1)
        .context("no status line")?
        .parse()?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    Ok((status, head.to_string(), body.to_string()))
}

// --- Debian ldap-utils -------------------------------------------------------------

/// Runs one OpenLDAP tool against `server` with `args`.
pub fn tool(server: &Server, name: &str, args: &[&str]) -> Result<Output> {
    let mut cmd = Command::new(name);
    for (key, value) in server.openldap_env() {
        cmd.env(key, value);
    }
    cmd.current_dir(server.root_dir())
        .env_remove("LDAPNOINIT")
        .env_remove("LDAPURI")
        .env_remove("LDAPBASE")
        .env_remove("LDAPBINDDN")
        .args(args);
    orgdir_testkit::run(&mut cmd, TOOL_TIMEOUT)
}

/// ldapsearch that must exit 0; returns the parsed entries.
pub fn ldapsearch_ok(server: &Server, args: &[&str]) -> Result<Vec<ldif::Entry>> {
    let out = tool(server, "ldapsearch", args)?.ok()?;
    ldif::parse(&out.stdout).with_context(|| format!("parsing the output of {out}"))
}

/// `ldapsearch -x -LLL -o ldif-wrap=no -H <url> -D <dn> -w <pw> <rest…>`.
pub fn search_as(server: &Server, dn: &str, pw: &str, rest: &[&str]) -> Result<Vec<ldif::Entry>> {
    let url = server.ldap_url();
    let mut args = vec![
        "-x",
        "-LLL",
        "-o",
        "ldif-wrap=no",
        "-H",
        &url,
        "-D",
        dn,
        "-w",
        pw,
    ];
    args.extend_from_slice(rest);
    ldapsearch_ok(server, &args)
}
