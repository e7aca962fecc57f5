//! `orgdir`: the server binary. Glue only (STYLE 5): parse the command line and the
//! configuration, open the store, wire the directory, LDAP and HTTP together, handle signals.

mod bulk;
mod cli;
mod config;
mod control;
mod https;
mod plugins;
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// A self-hosted enterprise directory: LDAP server and account center.
#[derive(Parser, Debug)]
#[command(name = "orgdir", version, about)]
struct Args {
    /// Configuration file (TOML); see config/orgdir.example.toml. Without it, defaults and
    /// ORGDIR_* environment variables apply.
    #[arg(long, short, global = true, env = "ORGDIR_CONFIG")]
    config: Option<PathBuf>,
    /// Overrides data_dir.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the server.
    Serve {
        /// Create the demo enterprise (dc=example,dc=com) if the data directory has none.
        #[arg(long)]
        demo: bool,
        /// Write the bound addresses as JSON to this file once serving.
        #[arg(long)]
        ready_file: Option<PathBuf>,
    },
    /// Create the database (if needed) and an enterprise.
    Init(cli::InitArgs),
    /// Check a configuration file and print the effective configuration.
    CheckConfig,
    /// Set a password (a member's, a service account's or the super password). Reads the
    /// new password from standard input. Stop the server first.
    Passwd(cli::PasswdArgs),
    /// Create a read-only service account (for a mail server, VPN, wiki...). Reads its
    /// password from standard input. Stop the server first.
    AddService(cli::AddServiceArgs),
    /// Import an LDIF export of another directory server (OpenLDAP, 389-ds...) as a new
    /// enterprise. Stop the server first.
    ImportLdif(cli::ImportLdifArgs),
    /// Export an enterprise as LDIF (with password hashes).
    ExportLdif(cli::ExportLdifArgs),
    /// Import members and orgs from a spreadsheet (XLSX, or CSV in UTF-8 or GBK) into an
    /// enterprise, all or nothing unless --valid-rows; writes an error file for invalid
    /// rows. Goes through the running server (its local control socket) when there is one,
    /// showing its progress; else opens the data directory itself.
    Import(bulk::ImportArgs),
    /// Export an enterprise's members and orgs (or a subtree) as XLSX or CSV, re-importable.
    Export(bulk::ExportArgs),
    /// Write the import template (XLSX with each column's rules as header comments).
    Template(bulk::TemplateArgs),
    /// List the enterprises (number, name, naming context, members/seats, expiry).
    List,
    /// Change an enterprise's seats, account range, expiry or limits (the operator's job).
    /// Stop the server first.
    EnterpriseTerms(cli::TermsArgs),
    /// Manage the server operators, who sign in at /panel/operator/ (and
    /// /api/v1/operator/session) to create enterprises and set their seats, account ranges
    /// and expiry. add, passwd, remove, disable and enable need the server stopped.
    Operator(cli::OperatorArgs),
    /// Write a consistent copy of the database to a file.
    Backup {
        /// Destination file (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orgdir: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut config = config::Config::load(args.config.as_deref(), std::env::vars())?;
    if let Some(d) = args.data_dir {
        config.data_dir = d;
    }
    serve::init_logging(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.command {
        Cmd::Serve { demo, ready_file } => runtime.block_on(serve::serve(config, demo, ready_file)),
        Cmd::Init(a) => runtime.block_on(cli::init(config, a)),
        Cmd::CheckConfig => {
            print!("{}", toml::to_string_pretty(&config)?);
            eprintln!("configuration is valid");
            Ok(())
        }
        Cmd::Passwd(a) => runtime.block_on(cli::passwd(config, a)),
        Cmd::AddService(a) => runtime.block_on(cli::add_service(config, a)),
        Cmd::ImportLdif(a) => runtime.block_on(cli::import_ldif(config, a)),
        Cmd::ExportLdif(a) => cli::export_ldif(config, a),
        Cmd::Import(a) => runtime.block_on(bulk::import(config, a)),
        Cmd::Export(a) => bulk::export(config, a),
        Cmd::Template(a) => bulk::template(config, a),
        Cmd::List => cli::list(config),
        Cmd::EnterpriseTerms(a) => runtime.block_on(cli::enterprise_terms(config, a)),
        Cmd::Operator(a) => runtime.block_on(cli::operator(config, a)),
        Cmd::Backup { to } => cli::backup(config, &to),
    }
}
