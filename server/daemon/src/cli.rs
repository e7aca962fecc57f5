//! Administrative subcommands that work on the data directory directly: `init`, `passwd`,
//! `operator`, `backup`… Those that write take the data directory's lock, so they refuse to
//! run beside a server.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, bail};
use orgdir_directory::service::NewEnterprise;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_store::Store;

use crate::config::Config;
use crate::serve::{open_data_dir, open_directory};

/// `orgdir init`
#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Enterprise number (signs in to the account center).
    #[arg(long)]
    number: u64,
    /// Short name (names the root org).
    #[arg(long)]
    short_name: String,
    /// Full name.
    #[arg(long)]
    name: Option<String>,
    /// LDAP naming context, e.g. dc=acme,dc=com (default: o=NUMBER, the enterprise number).
    #[arg(long, default_value = "")]
    naming_context: String,
    /// Purchased seats (default: limits.default_seats).
    #[arg(long)]
    seats: Option<u32>,
    /// Consecutive account range, e.g. 10001-19999.
    #[arg(long, default_value = "10001-99999")]
    account_range: String,
    /// Verified domain for domain accounts.
    #[arg(long)]
    domain: Option<String>,
}

/// `orgdir passwd`
#[derive(clap::Args, Debug)]
pub struct PasswdArgs {
    /// Enterprise number.
    #[arg(long)]
    enterprise: u64,
    #[command(flatten)]
    target: PasswdTarget,
}

/// Whose password `orgdir passwd` sets: exactly one of these.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct PasswdTarget {
    /// A member's account.
    #[arg(long)]
    account: Option<String>,
    /// A service account's name.
    #[arg(long)]
    service: Option<String>,
    /// The enterprise administrator's super password.
    #[arg(long = "super")]
    super_password: bool,
}

fn read_secret(what: &str) -> anyhow::Result<String> {
    eprintln!("{what} (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read standard input")?;
    let s = line.trim_end_matches(['\r', '\n']).to_string();
    if s.is_empty() {
        bail!("no password given");
    }
    Ok(s)
}

fn parse_range(s: &str) -> anyhow::Result<(u64, u64)> {
    let (a, b) = s
        .split_once('-')
        .with_context(|| format!("account range {s:?} must look like 10001-19999"))?;
    let (a, b): (u64, u64) = (a.trim().parse()?, b.trim().parse()?);
    if a > b {
        bail!("account range {s:?} is empty");
    }
    Ok((a, b))
}

/// Creates an enterprise. The super password comes from ORGDIR_SUPER_PASSWORD or stdin.
pub async fn init(config: Config, a: InitArgs) -> anyhow::Result<()> {
    let (_lock, dir) = open_directory(&config)?;
    let super_password = match std::env::var("ORGDIR_SUPER_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => read_secret("super password for the enterprise administrator")?,
    };
    let number = dir
        .create_enterprise(
            NewEnterprise {
                number: a.number,
                name: a.name.unwrap_or_else(|| a.short_name.clone()),
                short_name: a.short_name,
                naming_context: a.naming_context,
                seats: a.seats.unwrap_or(config.limits.default_seats),
                account_range: parse_range(&a.account_range)?,
                expires_at: None,
                domain: a.domain,
                super_password: Some(super_password),
                limits: config.domain_limits(),
            },
            "cli",
        )
        .await?;
    let nc = dir
        .catalog()
        .get(number)
        .map(|s| s.state.enterprise.naming_context.clone())
        .unwrap_or_default();
    println!("created enterprise {number} with naming context {nc}");
    Ok(())
}

type Opened = (
    std::fs::File,
    std::sync::Arc<orgdir_directory::service::Directory>,
    std::sync::Arc<orgdir_directory::snapshot::Snapshot>,
);

/// Opens the data directory (locked) and finds an enterprise.
pub(crate) fn open_enterprise(config: &Config, number: u64) -> anyhow::Result<Opened> {
    let (lock, dir) = open_directory(config)?;
    let snap = dir
        .catalog()
        .get(number)
        .cloned()
        .with_context(|| format!("no enterprise {number}"))?;
    Ok((lock, dir, snap))
}

/// Opens the store for reading: locked if no server runs, else beside it (SQLite readers
/// do not disturb the running server).
pub(crate) fn open_store_for_reading(config: &Config) -> anyhow::Result<orgdir_store::SqliteStore> {
    match open_data_dir(config) {
        Ok((_lock, store)) => Ok(store),
        Err(_) => Ok(orgdir_store::SqliteStore::open(&config.database_path())?),
    }
}

/// One enterprise's stored state, read beside a running server if there is one.
pub(crate) fn read_enterprise(
    config: &Config,
    number: u64,
) -> anyhow::Result<orgdir_domain::model::EnterpriseState> {
    open_store_for_reading(config)?
        .load_all()?
        .into_iter()
        .find(|s| s.enterprise.number == number)
        .with_context(|| format!("no enterprise {number}"))
}

/// Sets a password from stdin.
pub async fn passwd(config: Config, a: PasswdArgs) -> anyhow::Result<()> {
    let (_lock, dir, snap) = open_enterprise(&config, a.enterprise)?;
    let password = read_secret("new password")?;
    if a.target.account.is_none() && a.target.service.is_none() {
        // The super password (ENT-3: three of four character classes).
        orgdir_directory::service::check_super_password_policy(
            &password,
            dir.config().min_password_length,
        )?;
    }
    let hash = dir.hash_new_password(&password).await?;
    let (cmd, who) = if let Some(account) = &a.target.account {
        let m = snap
            .member_by_account(account)
            .with_context(|| format!("no member with account {account}"))?;
        (
            Command::SetMemberPassword {
                member: m.id,
                hash,
                must_change: false,
            },
            format!("member {account}"),
        )
    } else if let Some(name) = &a.target.service {
        let s = snap
            .state
            .services
            .values()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .with_context(|| format!("no service account {name}"))?;
        (
            Command::SetServicePassword {
                service: s.id,
                hash,
            },
            format!("service account {name}"),
        )
    } else {
        (
            Command::SetSuperPassword { hash },
            "the super password".to_string(),
        )
    };
    dir.execute(a.enterprise, Actor::System, "cli", cmd).await?;
    println!("password of {who} changed");
    Ok(())
}

/// `orgdir add-service`
#[derive(clap::Args, Debug)]
pub struct AddServiceArgs {
    /// Enterprise number.
    #[arg(long)]
    enterprise: u64,
    /// Name: the account binds as `cn=<name>,cn=services,<naming context>`.
    #[arg(long)]
    name: String,
    /// What it is for.
    #[arg(long)]
    description: Option<String>,
    /// Limit reads to this org's subtree, as a path from the root such as `Sales/North`
    /// (repeat for up to the scope limit). Default: the whole enterprise.
    #[arg(long = "scope")]
    scope: Vec<String>,
    /// Do not show hidden members to this account (for address books; authentication
    /// services must see everyone who can sign in).
    #[arg(long)]
    no_hidden: bool,
    /// Let this account write over LDAP (add, modify, delete, rename members, orgs and
    /// groups) within its scope, for provisioning tools and writable LDAP federation. It
    /// never manages roles. Default: read-only.
    #[arg(long)]
    write: bool,
}

/// Finds an org by its path of names below the root (`Sales/North`).
fn org_by_path(
    state: &orgdir_domain::model::EnterpriseState,
    path: &str,
) -> anyhow::Result<orgdir_domain::model::OrgId> {
    let mut cur = state.root();
    for name in path.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        cur = state
            .child_orgs(cur)
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .map(|o| o.id)
            .with_context(|| format!("no org {name:?} in path {path:?}"))?;
    }
    Ok(cur)
}

/// Creates a service account (read-only unless `--write`); the password comes from stdin.
pub async fn add_service(config: Config, a: AddServiceArgs) -> anyhow::Result<()> {
    let (_lock, dir, snap) = open_enterprise(&config, a.enterprise)?;
    let scope = a
        .scope
        .iter()
        .map(|p| org_by_path(&snap.state, p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let password = read_secret("password for the service account")?;
    let hash = dir.hash_new_password(&password).await?;
    dir.execute(
        a.enterprise,
        Actor::System,
        "cli",
        Command::CreateService(Box::new(orgdir_domain::command::NewService {
            name: a.name.clone(),
            description: a.description,
            password: Some(hash),
            scope,
            sees_hidden: !a.no_hidden,
            can_write: a.write,
        })),
    )
    .await?;
    println!(
        "created {} service account cn={},cn=services,{}",
        if a.write { "a writing" } else { "a read-only" },
        a.name,
        snap.state.enterprise.naming_context
    );
    Ok(())
}

/// `orgdir import-ldif`
#[derive(clap::Args, Debug)]
pub struct ImportLdifArgs {
    /// LDIF files (content records, e.g. from slapcat or ldapsearch -LLL), read in order as
    /// one directory.
    #[arg(required = true)]
    files: Vec<std::path::PathBuf>,
    /// The new enterprise's number.
    #[arg(long)]
    number: u64,
    /// Short name (default: the top entry's o, or its RDN value).
    #[arg(long)]
    short_name: Option<String>,
    /// Purchased seats (default: the larger of limits.default_seats and the member count).
    #[arg(long)]
    seats: Option<u32>,
    /// Import the entries that map and list the others, instead of refusing the file.
    #[arg(long)]
    skip_unmappable: bool,
    /// Check the file and print the report; store nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Imports LDIF files as a new enterprise. The super password, if any, comes from
/// ORGDIR_SUPER_PASSWORD.
pub async fn import_ldif(config: Config, a: ImportLdifArgs) -> anyhow::Result<()> {
    use orgdir_directory::migrate::{ImportError, ImportOptions, ImportReport};
    let started = std::time::Instant::now();
    let mut records = Vec::new();
    for f in &a.files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let mut recs = orgdir_directory::ldif::parse(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        records.append(&mut recs);
    }
    let parsed = started.elapsed();
    let (_lock, dir) = open_directory(&config)?;
    let opts = ImportOptions {
        number: a.number,
        short_name: a.short_name,
        seats: a.seats,
        default_seats: config.limits.default_seats,
        limits: config.domain_limits(),
        super_password: std::env::var("ORGDIR_SUPER_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
        skip_unmappable: a.skip_unmappable,
        dry_run: a.dry_run,
    };
    let print = |r: &ImportReport| {
        println!(
            "naming context {}: {} orgs, {} members, {} groups, {} service accounts",
            r.naming_context, r.orgs, r.members, r.groups, r.services
        );
        for w in &r.warnings {
            println!("warning: {w}");
        }
        if !r.dropped_attributes.is_empty() {
            let list: Vec<String> = r
                .dropped_attributes
                .iter()
                .map(|(a, n)| format!("{a} ({n})"))
                .collect();
            println!("attributes orgdir does not keep: {}", list.join(", "));
        }
        for (dn, why) in &r.skipped {
            println!("not imported: {dn}: {why}");
        }
    };
    match orgdir_directory::migrate::import_records(&dir, records, &opts).await {
        Ok(r) => {
            print(&r);
            if r.stored {
                println!(
                    "imported as enterprise {} in {:.1} s (parsing {:.1} s)",
                    a.number,
                    started.elapsed().as_secs_f64(),
                    parsed.as_secs_f64()
                );
            } else {
                println!("dry run: nothing stored");
            }
            Ok(())
        }
        Err(ImportError::Unmappable(r)) => {
            print(&r);
            bail!(
                "{} entries cannot be imported; nothing was stored (fix them, or pass --skip-unmappable)",
                r.skipped.len()
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `orgdir export-ldif`
#[derive(clap::Args, Debug)]
pub struct ExportLdifArgs {
    /// Enterprise number.
    #[arg(long)]
    enterprise: u64,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

/// Exports an enterprise as LDIF (password hashes included: protect the file).
pub fn export_ldif(config: Config, a: ExportLdifArgs) -> anyhow::Result<()> {
    // Reads only: works beside a running server.
    let state = read_enterprise(&config, a.enterprise)?;
    let snap = orgdir_directory::snapshot::Snapshot::build(std::sync::Arc::new(state), 0);
    let text = orgdir_directory::migrate::export_ldif(&snap);
    match &a.out {
        Some(path) => {
            write_private(path, text.as_bytes())?;
            eprintln!(
                "exported {} entries to {}",
                snap.entries.len(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Writes a file readable by its owner only (it holds password hashes).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

/// `orgdir enterprise-terms`
#[derive(clap::Args, Debug)]
pub struct TermsArgs {
    /// Enterprise number.
    #[arg(long)]
    number: u64,
    /// Purchased seats (not below the current member count).
    #[arg(long)]
    seats: Option<u32>,
    /// Consecutive account range, e.g. 10001-19999.
    #[arg(long)]
    account_range: Option<String>,
    /// Expiry date (YYYY-MM-DD, end of that day UTC).
    #[arg(long, conflicts_with = "no_expiry")]
    expires: Option<String>,
    /// Remove the expiry date.
    #[arg(long)]
    no_expiry: bool,
    /// Orgs directly under the root org.
    #[arg(long)]
    max_root_orgs: Option<u32>,
    /// Members directly in one org.
    #[arg(long)]
    max_members_per_org: Option<u32>,
    /// Orgs in one member's management scope.
    #[arg(long)]
    max_scope_orgs: Option<u32>,
}

/// Changes what an enterprise bought or its limits (the operator's job).
pub async fn enterprise_terms(config: Config, a: TermsArgs) -> anyhow::Result<()> {
    let (_lock, dir, snap) = open_enterprise(&config, a.number)?;
    let expires_at = if a.no_expiry {
        Some(None)
    } else if let Some(d) = &a.expires {
        let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("--expires {d:?} is not a YYYY-MM-DD date"))?;
        let end = date.with_hms(23, 59, 59)?.assume_utc().unix_timestamp();
        Some(Some(end))
    } else {
        None
    };
    let mut limits = snap.state.enterprise.limits;
    let mut limits_changed = false;
    for (value, slot) in [
        (a.max_root_orgs, &mut limits.max_root_orgs),
        (a.max_members_per_org, &mut limits.max_members_per_org),
        (a.max_scope_orgs, &mut limits.max_scope_orgs),
    ] {
        if let Some(v) = value {
            *slot = v;
            limits_changed = true;
        }
    }
    dir.execute(
        a.number,
        Actor::Operator,
        "cli",
        Command::SetEnterpriseTerms {
            seats: a.seats,
            account_range: a.account_range.as_deref().map(parse_range).transpose()?,
            expires_at,
            limits: limits_changed.then_some(limits),
        },
    )
    .await?;
    let e = dir
        .catalog()
        .get(a.number)
        .map(|s| s.state.enterprise.clone())
        .with_context(|| format!("no enterprise {}", a.number))?;
    println!(
        "enterprise {}: {} seats, accounts {}-{}, expires {}, limits {:?}",
        e.number,
        e.seats,
        e.account_range.0,
        e.account_range.1,
        e.expires_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "never".into()),
        e.limits
    );
    Ok(())
}

/// Lists the enterprises of the data directory.
pub fn list(config: Config) -> anyhow::Result<()> {
    let store = open_store_for_reading(&config)?;
    for s in store.load_all()? {
        let e = &s.enterprise;
        println!(
            "{}\t{}\t{}\t{}/{} members\texpires {}",
            e.number,
            e.short_name,
            e.naming_context,
            s.members.len(),
            e.seats,
            e.expires_at.map(date_of).unwrap_or_else(|| "never".into())
        );
    }
    Ok(())
}

/// `orgdir operator`
#[derive(clap::Args, Debug)]
pub struct OperatorArgs {
    #[command(subcommand)]
    command: OperatorCmd,
}

/// What `orgdir operator` does.
#[derive(clap::Subcommand, Debug)]
enum OperatorCmd {
    /// Add an operator. The password is read from standard input with --password-stdin,
    /// else generated and printed once. Stop the server first.
    Add {
        /// Sign-in name: letters, digits, '.', '_', '-' (at most 64).
        name: String,
        /// Read the password (one line) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set an operator's password (from standard input with --password-stdin, else
    /// generated and printed once). Stop the server first.
    Passwd {
        /// The operator.
        name: String,
        /// Read the password (one line) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the operators.
    List,
    /// Remove an operator. Stop the server first.
    Remove {
        /// The operator.
        name: String,
    },
    /// Stop an operator from signing in, keeping the account. Stop the server first.
    Disable {
        /// The operator.
        name: String,
    },
    /// Let a disabled operator sign in again. Stop the server first.
    Enable {
        /// The operator.
        name: String,
    },
}

/// Manages the server operators (they sign in at /panel/operator/ and
/// /api/v1/operator/session). Changes take the data directory's lock, so the server must be
/// stopped; that also ends every operator session.
pub async fn operator(config: Config, a: OperatorArgs) -> anyhow::Result<()> {
    match a.command {
        OperatorCmd::List => list_operators(&config),
        OperatorCmd::Add {
            name,
            password_stdin,
        } => {
            let (_lock, dir) = open_directory(&config)?;
            if dir.store().operator(&name)?.is_some() {
                bail!(
                    "operator {name} already exists (orgdir operator passwd changes its password)"
                );
            }
            let (password, generated) = operator_password(&dir, password_stdin)?;
            let record = orgdir_web::operator::set_password(&dir, &name, &password).await?;
            println!("operator {} added", record.name);
            print_generated(generated.then_some(&password));
            Ok(())
        }
        OperatorCmd::Passwd {
            name,
            password_stdin,
        } => {
            let (_lock, dir) = open_directory(&config)?;
            let record = existing_operator(&dir, &name)?;
            let (password, generated) = operator_password(&dir, password_stdin)?;
            orgdir_web::operator::set_password(&dir, &record.name, &password).await?;
            println!("password of operator {} changed", record.name);
            print_generated(generated.then_some(&password));
            Ok(())
        }
        OperatorCmd::Remove { name } => {
            let (_lock, dir) = open_directory(&config)?;
            let record = existing_operator(&dir, &name)?;
            dir.store().remove_operator(&record.name)?;
            println!("operator {} removed", record.name);
            Ok(())
        }
        OperatorCmd::Disable { name } => set_operator_disabled(&config, &name, true),
        OperatorCmd::Enable { name } => set_operator_disabled(&config, &name, false),
    }
}

fn set_operator_disabled(config: &Config, name: &str, disable: bool) -> anyhow::Result<()> {
    let (_lock, dir) = open_directory(config)?;
    let mut record = existing_operator(&dir, name)?;
    record.disabled = disable;
    dir.store().put_operator(&record)?;
    let what = if disable { "disabled" } else { "enabled" };
    println!("operator {} {what}", record.name);
    Ok(())
}

fn existing_operator(
    dir: &orgdir_directory::service::Directory,
    name: &str,
) -> anyhow::Result<orgdir_store::OperatorRecord> {
    dir.store()
        .operator(name)?
        .with_context(|| format!("no operator {name}"))
}

/// A new operator password: from standard input, or generated. Says which.
fn operator_password(
    dir: &orgdir_directory::service::Directory,
    from_stdin: bool,
) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        Ok((read_secret("operator password")?, false))
    } else {
        Ok((dir.generate_password(), true))
    }
}

fn print_generated(password: Option<&String>) {
    if let Some(p) = password {
        println!("password (shown only this once): {p}");
    }
}

fn list_operators(config: &Config) -> anyhow::Result<()> {
    let store = open_store_for_reading(config)?;
    for op in store.operators()? {
        println!(
            "{}	added {}	{}",
            op.name,
            date_of(op.created_at),
            if op.disabled { "disabled" } else { "enabled" }
        );
    }
    Ok(())
}

/// `YYYY-MM-DD` of a timestamp.
fn date_of(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// Writes a consistent copy of the database.
pub fn backup(config: Config, to: &Path) -> anyhow::Result<()> {
    // The backup reads through SQLite, so it is safe beside a running server.
    let store = open_store_for_reading(&config)?;
    store
        .backup_to(to)
        .with_context(|| format!("backup to {} failed", to.display()))?;
    println!("backup written to {}", to.display());
    // Each plugin's database beside it, in `<to>.plugins/`.
    let plugins = config.data_dir.join("plugins");
    let mut dbs: Vec<std::path::PathBuf> = match std::fs::read_dir(&plugins) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "db"))
            .collect(),
        Err(_) => Vec::new(),
    };
    dbs.sort();
    if !dbs.is_empty() {
        let mut dest = to.as_os_str().to_owned();
        dest.push(".plugins");
        let dest = std::path::PathBuf::from(dest);
        std::fs::create_dir_all(&dest)
            .with_context(|| format!("cannot create {}", dest.display()))?;
        for db in dbs {
            let Some(name) = db.file_name() else {
                continue;
            };
            let target = dest.join(name);
            orgdir_plugin_api::Db::open(&db)
                .and_then(|d| d.backup_to(&target))
                .with_context(|| format!("backup of {} failed", db.display()))?;
            println!("backup written to {}", target.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("10001-19999").ok(), Some((10001, 19999)));
        assert!(parse_range("5-1").is_err());
        assert!(parse_range("x").is_err());
    }
}
