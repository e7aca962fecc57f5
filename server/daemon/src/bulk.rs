//! `orgdir import`, `orgdir export` and `orgdir template` (SPEC IMP-1..4) on the command
//! line: the spreadsheet side is `orgdir-bulk`; the changes go through the directory's one
//! write path in one transaction, like every other change.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use orgdir_bulk::{ExportFormat, Lang, Mode};
use orgdir_domain::authz::Actor;

use crate::cli::{open_enterprise, read_enterprise};
use crate::config::Config;

/// `orgdir import`
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The spreadsheet: XLSX, or CSV in UTF-8 or GBK (the template's columns; see
    /// `orgdir template`).
    file: PathBuf,
    /// Enterprise number.
    #[arg(long)]
    enterprise: u64,
    /// Apply the valid rows and skip the invalid ones (default: all or nothing).
    #[arg(long)]
    valid_rows: bool,
    /// Check the file and print what would change; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where to write the error file when rows are invalid (XLSX; default: next to the
    /// file, `<name>.errors.xlsx`).
    #[arg(long)]
    errors: Option<PathBuf>,
}

/// `orgdir export`
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Enterprise number.
    #[arg(long)]
    enterprise: u64,
    /// Only this subtree: an org path like `R&D/Platform`.
    #[arg(long)]
    org: Option<String>,
    /// `xlsx` or `csv` (default: from the output file's extension, else xlsx).
    #[arg(long)]
    format: Option<String>,
    /// Column headers in `en` or `zh`.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

/// `orgdir template`
#[derive(clap::Args, Debug)]
pub struct TemplateArgs {
    /// The enterprise whose roles the template lists (optional).
    #[arg(long)]
    enterprise: Option<u64>,
    /// Column headers and rule comments in `en` or `zh`.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Output file (.xlsx).
    #[arg(long)]
    out: PathBuf,
}

fn lang(s: &str) -> anyhow::Result<Lang> {
    match s {
        "en" => Ok(Lang::En),
        "zh" | "zh-CN" => Ok(Lang::Zh),
        other => anyhow::bail!("--lang must be en or zh, not {other:?}"),
    }
}

fn step(started: Instant, what: &str) {
    eprintln!("[{:>6.2} s] {what}", started.elapsed().as_secs_f64());
}

/// Imports a spreadsheet into an enterprise. Needs the server stopped (data-dir lock).
pub async fn import(config: Config, a: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let sheet = orgdir_bulk::read(&bytes, &name)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
    step(
        started,
        &format!("read {} rows ({:?})", sheet.rows.len(), sheet.source),
    );
    let (_lock, dir, _snap) = open_enterprise(&config, a.enterprise)?;
    let mode = if a.valid_rows {
        Mode::ValidRows
    } else {
        Mode::AllOrNothing
    };
    // Planned and stored under the directory's write lock: nothing moves in between.
    let (now, dry_run) = (dir.now(), a.dry_run);
    let source = format!("cli import {name}");
    let (outcomes, (sheet, plan)) = dir
        .execute_planned(a.enterprise, Actor::System, &source, move |state| {
            let plan = orgdir_bulk::plan_at(state, &sheet, mode, now);
            let cmds = if dry_run {
                Vec::new()
            } else {
                plan.commands.clone()
            };
            (cmds, (sheet, plan))
        })
        .await
        .map_err(|e| anyhow::anyhow!("nothing imported: {e}"))?;
    let s = &plan.summary;
    step(
        started,
        &format!(
            "checked: {} rows, {} new, {} changed, {} unchanged, {} orgs to create, {} rows with errors",
            s.rows, s.created, s.updated, s.unchanged, s.orgs_created, s.error_rows
        ),
    );
    if plan.has_errors() {
        let out = a.errors.clone().unwrap_or_else(|| errors_path(&a.file));
        let file = orgdir_bulk::error_file(&sheet, &plan)?;
        std::fs::write(&out, file).with_context(|| format!("cannot write {}", out.display()))?;
        for e in plan.row_errors.iter().take(20) {
            eprintln!("row {}: {}", e.row + 2, e.reason);
        }
        for e in plan.cell_errors.iter().take(20) {
            let why = match &e.kind {
                orgdir_bulk::CellErrorKind::Invalid(r) => r.clone(),
                orgdir_bulk::CellErrorKind::MissingRequired => "required".into(),
            };
            eprintln!("row {}, {}: {why}", e.row + 2, e.column.header(Lang::En));
        }
        eprintln!(
            "error file (invalid cells red, empty required cells orange): {}",
            out.display()
        );
        if mode == Mode::AllOrNothing {
            anyhow::bail!("nothing imported: fix the rows above or use --valid-rows");
        }
    }
    if a.dry_run {
        eprintln!(
            "dry run: nothing stored ({} changes planned)",
            plan.commands.len()
        );
    } else if outcomes.is_empty() {
        eprintln!("nothing to change");
    } else {
        step(
            started,
            &format!("stored {} changes in one transaction", outcomes.len()),
        );
    }
    Ok(())
}

fn errors_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    file.with_file_name(format!("{stem}.errors.xlsx"))
}

/// Exports an enterprise (or a subtree) as XLSX or CSV; works beside a running server.
pub fn export(config: Config, a: ExportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let state = read_enterprise(&config, a.enterprise)?;
    let format = match a.format.as_deref() {
        Some("xlsx") => ExportFormat::Xlsx,
        Some("csv") => ExportFormat::Csv,
        Some(other) => anyhow::bail!("--format must be xlsx or csv, not {other:?}"),
        None if a
            .out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            ExportFormat::Csv
        }
        None => ExportFormat::Xlsx,
    };
    let subtree = match &a.org {
        Some(path) => Some(
            orgdir_bulk::path::OrgIndex::new(&state)
                .resolve(&orgdir_bulk::path::parse(path))
                .map_err(|_| anyhow::anyhow!("no org {path:?} in enterprise {}", a.enterprise))?,
        ),
        None => None,
    };
    let bytes = orgdir_bulk::export(&state, subtree, format, lang(&a.lang)?)?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    step(
        started,
        &format!("exported to {} ({} bytes)", a.out.display(), bytes.len()),
    );
    Ok(())
}

/// Writes the import template.
pub fn template(config: Config, a: TemplateArgs) -> anyhow::Result<()> {
    let state = match a.enterprise {
        Some(n) => Some(read_enterprise(&config, n)?),
        None => None,
    };
    let bytes = orgdir_bulk::template(state.as_ref(), lang(&a.lang)?)?;
    std::fs::write(&a.out, bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    eprintln!("template written to {}", a.out.display());
    Ok(())
}
