//! `orgdir import`, `orgdir export` and `orgdir template` (SPEC IMP-1..4) on the command
//! line: the spreadsheet side is `orgdir-bulk`; the changes go through the directory's one
//! write path in one transaction, like every other change.
//!
//! When a server runs on the data directory, `orgdir import` hands the file to it over the
//! local control socket (`crate::control`) as an import job and shows the job's progress:
//! LDAP keeps serving from its snapshots and the new members are visible as soon as the
//! job has stored them. Without a running server it opens the data directory itself (its
//! lock keeps a server from starting meanwhile).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use orgdir_bulk::{ExportFormat, Lang, Mode};
use orgdir_domain::authz::Actor;

use crate::cli::{open_enterprise, read_enterprise};
use crate::config::Config;
use crate::control::client::{self, Client};

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

/// Shows a job's progress on stderr: a line whenever the phase changes, and within a phase
/// at most one a second.
struct Reporter {
    started: Instant,
    last: Option<(String, u64, u64)>,
    printed: Instant,
}

impl Reporter {
    fn new(started: Instant) -> Reporter {
        Reporter {
            started,
            last: None,
            printed: started,
        }
    }

    fn show(&mut self, phase: &str, done: u64, total: u64) {
        let now = (phase.to_string(), done, total);
        let phase_changed = self.last.as_ref().is_none_or(|l| l.0 != now.0);
        let counts_changed = self.last.as_ref() != Some(&now);
        self.last = Some(now);
        let due = counts_changed && self.printed.elapsed() >= Duration::from_secs(1);
        if !phase_changed && !due {
            return;
        }
        let what = match phase {
            "reading" => "reading the file",
            "checking" => "checking rows",
            "error_file" => "writing the error file",
            "exporting" => "exporting",
            // One transaction: nothing to count while it commits.
            "storing" if phase_changed => {
                step(
                    self.started,
                    &format!("storing {total} changes in one transaction"),
                );
                self.printed = Instant::now();
                return;
            }
            "storing" => return,
            other => other,
        };
        if total > 0 {
            step(self.started, &format!("{what}: {done}/{total}"));
        } else {
            step(self.started, what);
        }
        self.printed = Instant::now();
    }
}

/// What an import found (the job's `result`, or the local plan's summary).
#[derive(Debug, Default, serde::Deserialize)]
struct Outcome {
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    orgs_created: usize,
    error_rows: usize,
    /// Changes stored (0 for a dry run or when errors kept everything out).
    stored: usize,
    /// The first problems (the server's job result).
    #[serde(default)]
    problems: Vec<ProblemLine>,
    /// How many there are in all.
    #[serde(default)]
    problem_count: usize,
}

/// One problem of an import as the server reports it.
#[derive(Debug, Default, serde::Deserialize)]
struct ProblemLine {
    line: usize,
    column: Option<String>,
    missing: bool,
    reason: String,
}

impl Outcome {
    fn checked(&self) -> String {
        format!(
            "checked: {} rows, {} new, {} changed, {} unchanged, {} orgs to create, {} rows with errors",
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            self.orgs_created,
            self.error_rows
        )
    }
}

/// An import job's status as the server reports it (`GET /api/v1/import/jobs/{id}`).
#[derive(Debug, serde::Deserialize)]
struct JobStatus {
    state: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    done: u64,
    #[serde(default)]
    total: u64,
    #[serde(default)]
    result: Option<Outcome>,
    #[serde(default)]
    error: Option<String>,
}

/// How often a running job is asked for its progress.
const POLL: Duration = Duration::from_millis(300);

/// Imports a spreadsheet into an enterprise: through the running server when there is one
/// (an import job over the control socket), else directly on the locked data directory.
pub async fn import(config: Config, a: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match Client::connect(&config.data_dir, a.enterprise).await? {
        Some(client) => {
            step(
                started,
                &format!(
                    "the server is running: importing through {}",
                    client.path().display()
                ),
            );
            import_online(&client, &a, &name, &bytes, started).await
        }
        None => import_direct(&config, &a, &name, &bytes, started).await,
    }
}

/// The import as a job of the running server.
async fn import_online(
    client: &Client,
    a: &ImportArgs,
    name: &str,
    bytes: &[u8],
    started: Instant,
) -> anyhow::Result<()> {
    let target = format!(
        "/api/v1/import/jobs?mode={}&dry_run={}&filename={}",
        if a.valid_rows { "valid" } else { "all" },
        a.dry_run,
        client::encode(name)
    );
    let resp = client.request("POST", &target, bytes).await?;
    match resp.status {
        200..=299 => {}
        409 => anyhow::bail!(
            "another import into enterprise {} is running on the server; try again when it \
             has finished",
            a.enterprise
        ),
        _ => anyhow::bail!("the server refused the import: {}", resp.message()),
    }
    let job = resp.json()?;
    let status_url = match (job.get("status_url"), job.get("id")) {
        (Some(serde_json::Value::String(url)), _) if url.starts_with('/') => url.clone(),
        (_, Some(serde_json::Value::String(id))) => {
            format!("/api/v1/import/jobs/{}", client::encode(id))
        }
        _ => anyhow::bail!("the server did not say where to follow the import: {job}"),
    };
    step(
        started,
        &format!("uploaded {} bytes; the server is importing", bytes.len()),
    );
    let mut reporter = Reporter::new(started);
    let outcome = loop {
        let resp = client.request("GET", &status_url, &[]).await?;
        if resp.status != 200 {
            anyhow::bail!("cannot follow the import job: {}", resp.message());
        }
        let status: JobStatus = serde_json::from_value(resp.json()?)
            .context("the server's job status is not what this orgdir expects")?;
        if status.state != "done" {
            reporter.show(&status.phase, status.done, status.total);
        }
        match status.state.as_str() {
            "running" => tokio::time::sleep(POLL).await,
            "done" => break status.result.unwrap_or_default(),
            _ => anyhow::bail!(
                "{}: {}",
                a.file.display(),
                status
                    .error
                    .unwrap_or_else(|| format!("the import {}", status.state))
            ),
        }
    };
    step(started, &outcome.checked());
    if outcome.error_rows > 0 {
        let resp = client.request("GET", "/api/v1/import/errors", &[]).await?;
        if resp.status != 200 {
            anyhow::bail!("cannot fetch the error file: {}", resp.message());
        }
        let out = a.errors.clone().unwrap_or_else(|| errors_path(&a.file));
        std::fs::write(&out, &resp.body)
            .with_context(|| format!("cannot write {}", out.display()))?;
        for p in &outcome.problems {
            let why = if p.missing { "required" } else { &p.reason };
            match &p.column {
                Some(c) => eprintln!("row {}, {c}: {why}", p.line),
                None => eprintln!("row {}: {why}", p.line),
            }
        }
        if outcome.problem_count > outcome.problems.len() {
            eprintln!(
                "… and {} more",
                outcome.problem_count - outcome.problems.len()
            );
        }
        eprintln!(
            "error file (invalid cells red, empty required cells orange): {}",
            out.display()
        );
    }
    finish(a, &outcome, started)
}

/// The end of an import, whichever way it ran: refuse (non-zero exit) when errors kept
/// everything out, else say what was stored.
fn finish(a: &ImportArgs, outcome: &Outcome, started: Instant) -> anyhow::Result<()> {
    if outcome.error_rows > 0 {
        if !a.valid_rows {
            anyhow::bail!(
                "nothing imported: fix the rows marked in the error file or use --valid-rows"
            );
        }
        if outcome.error_rows >= outcome.rows && !a.dry_run {
            anyhow::bail!("nothing imported: every row has errors");
        }
    }
    let changes = outcome.created + outcome.updated;
    if a.dry_run {
        eprintln!("dry run: nothing stored ({changes} members would change)");
    } else if outcome.stored == 0 {
        eprintln!("nothing to change");
    } else {
        step(
            started,
            &format!(
                "stored {} changes in one transaction: {} new, {} changed members, {} new orgs",
                outcome.stored, outcome.created, outcome.updated, outcome.orgs_created
            ),
        );
    }
    Ok(())
}

/// Shows a local [`orgdir_bulk::Progress`] from a thread of its own until dropped.
struct LocalProgress {
    progress: orgdir_bulk::Progress,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalProgress {
    fn start(started: Instant) -> LocalProgress {
        let progress = orgdir_bulk::Progress::new();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let p = progress.clone();
        let thread = std::thread::spawn(move || {
            let mut reporter = Reporter::new(started);
            loop {
                let seen = p.seen();
                reporter.show(seen.phase.key(), seen.done, seen.total);
                match stopped.recv_timeout(POLL) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            }
        });
        LocalProgress {
            progress,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for LocalProgress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The import on the data directory itself (no server running; its lock is held).
async fn import_direct(
    config: &Config,
    a: &ImportArgs,
    name: &str,
    bytes: &[u8],
    started: Instant,
) -> anyhow::Result<()> {
    let shown = LocalProgress::start(started);
    let progress = shown.progress.clone();
    let sheet = orgdir_bulk::read_with_progress(bytes, name, &progress)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
    let (_lock, dir, snap) = open_enterprise(config, a.enterprise)?;
    step(
        started,
        &format!(
            "no server running: opened {} (enterprise {}: {} members)",
            config.data_dir.display(),
            a.enterprise,
            snap.state.members.len()
        ),
    );
    let mode = if a.valid_rows {
        Mode::ValidRows
    } else {
        Mode::AllOrNothing
    };
    // Planned and stored under the directory's write lock: nothing moves in between.
    let (now, dry_run) = (dir.now(), a.dry_run);
    let source = format!("cli import {name}");
    let p = progress.clone();
    let (stored, (sheet, plan)) = dir
        .execute_planned(a.enterprise, Actor::System, &source, move |state| {
            let plan = orgdir_bulk::plan_at_with_progress(state, &sheet, mode, now, &p);
            let cmds = if dry_run {
                Vec::new()
            } else {
                plan.commands.clone()
            };
            if !cmds.is_empty() {
                p.start(orgdir_bulk::Phase::Storing, cmds.len() as u64);
            }
            (cmds, (sheet, plan))
        })
        .await
        .map_err(|e| anyhow::anyhow!("nothing imported: {e}"))?;
    progress.finish();
    let s = &plan.summary;
    let outcome = Outcome {
        rows: s.rows,
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
        orgs_created: s.orgs_created,
        error_rows: s.error_rows,
        stored: stored.len(),
        // The direct path prints the plan's errors itself, below.
        problems: Vec::new(),
        problem_count: 0,
    };
    let error_file = if plan.has_errors() {
        Some(orgdir_bulk::error_file_with_progress(
            &sheet, &plan, &progress,
        )?)
    } else {
        None
    };
    drop(shown);
    step(started, &outcome.checked());
    if let Some(file) = error_file {
        let out = a.errors.clone().unwrap_or_else(|| errors_path(&a.file));
        std::fs::write(&out, file).with_context(|| format!("cannot write {}", out.display()))?;
        // The spreadsheet's own row number (the header is not always row 1).
        let line = |i: usize| sheet.rows.get(i).map_or(i + 2, |r| r.line);
        for e in plan.row_errors.iter().take(20) {
            eprintln!("row {}: {}", line(e.row), e.reason);
        }
        for e in plan.cell_errors.iter().take(20) {
            let why = match &e.kind {
                orgdir_bulk::CellErrorKind::Invalid(r) => r.clone(),
                orgdir_bulk::CellErrorKind::MissingRequired => "required".into(),
            };
            eprintln!("row {}, {}: {why}", line(e.row), e.column.header(Lang::En));
        }
        eprintln!(
            "error file (invalid cells red, empty required cells orange): {}",
            out.display()
        );
    }
    finish(a, &outcome, started)
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
    step(
        started,
        &format!(
            "read enterprise {} ({} members, {} orgs)",
            a.enterprise,
            state.members.len(),
            state.orgs.len()
        ),
    );
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
    let lang = lang(&a.lang)?;
    let shown = LocalProgress::start(started);
    let bytes = orgdir_bulk::export_with_progress(&state, subtree, format, lang, &shown.progress);
    drop(shown);
    let bytes = bytes?;
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
