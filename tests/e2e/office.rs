//! Spreadsheets made and read by a real office suite (IMP-1..4): LibreOffice Calc, run as
//! `soffice --headless` from Debian's `libreoffice-calc-nogui`. An XLSX that LibreOffice
//! saved is imported into a running server and checked over LDAP; LibreOffice opens
//! orgdir's own export and error file (every sheet, the error file's summary included); and
//! the formats orgdir does not read (.ods, .xls) are refused with a message naming them.
//!
//! soffice is installed by `scripts/install-test-deps.sh`; when it is missing the tests fail
//! and say so. Every run uses a fresh LibreOffice profile in a temporary directory, so
//! parallel tests (and a developer's own LibreOffice) never share one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use orgdir_testkit::{Options, Output, Server, run};

use crate::cli::orgdir;
use crate::support::{BASE, READER_DN, READER_PW, TOOL_TIMEOUT, own_server, search_as};

const INSTALL_HINT: &str =
    "run scripts/install-test-deps.sh (apt-get install libreoffice-calc-nogui)";

/// Deadline of one conversion: LibreOffice's first start with a new profile takes a few
/// seconds, much longer on a loaded machine. Only a failure bound.
const CONVERT_TIMEOUT: Duration = Duration::from_secs(240);

/// A headless LibreOffice with a profile of its own.
struct Office {
    soffice: PathBuf,
    profile: tempfile::TempDir,
}

impl Office {
    fn new() -> Result<Office> {
        let soffice = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("soffice"))
            .find(|p| p.is_file())
            .with_context(|| format!("soffice not found on PATH — {INSTALL_HINT}"))?;
        let profile = tempfile::Builder::new()
            .prefix("orgdir-soffice-")
            .tempdir()?;
        Ok(Office { soffice, profile })
    }

    /// `soffice --headless [--infilter=…] --convert-to <to> --outdir <out> <file>`.
    fn convert(&self, file: &Path, to: &str, infilter: Option<&str>, out: &Path) -> Result<Output> {
        let mut cmd = Command::new(&self.soffice);
        cmd.arg(format!(
            "-env:UserInstallation=file://{}",
            self.profile.path().display()
        ))
        .arg("--headless")
        .arg("--norestore");
        if let Some(f) = infilter {
            cmd.arg(format!("--infilter={f}"));
        }
        cmd.arg("--convert-to")
            .arg(to)
            .arg("--outdir")
            .arg(out)
            .arg(file)
            .env("HOME", self.profile.path());
        run(&mut cmd, CONVERT_TIMEOUT)?.ok()
    }

    /// Converts a UTF-8 CSV file to `ext` (xlsx, ods, xls); returns the new file.
    fn convert_csv(&self, csv: &Path, ext: &str, out: &Path) -> Result<PathBuf> {
        // 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start at line 1.
        let done = self.convert(csv, ext, Some("CSV:44,34,76,1"), out)?;
        let stem = csv.file_stem().context("file name")?;
        let made = out.join(stem).with_extension(ext);
        ensure!(made.is_file(), "soffice made no {}: {done}", made.display());
        Ok(made)
    }

    /// Converts every sheet of a workbook to UTF-8 CSV: `(sheet name, text)` in sheet order
    /// as LibreOffice names them (`<stem>-<sheet>.csv`).
    fn sheets_as_csv(&self, workbook: &Path, out: &Path) -> Result<Vec<(String, String)>> {
        // The 12th token, -1, writes every sheet to a file of its own.
        let done = self.convert(
            workbook,
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            None,
            out,
        )?;
        let stem = workbook
            .file_stem()
            .context("file name")?
            .to_string_lossy()
            .to_string();
        let mut sheets = Vec::new();
        for line in done.stderr.lines().chain(done.stdout.lines()) {
            // "Writing sheet <name> -> <path>"
            if let Some((name, path)) = line
                .strip_prefix("Writing sheet ")
                .and_then(|rest| rest.split_once(" -> "))
            {
                let text = std::fs::read_to_string(path.trim())
                    .with_context(|| format!("reading {path} ({done})"))?;
                sheets.push((name.to_string(), text));
            }
        }
        if sheets.is_empty() {
            // A workbook of one sheet may be written without the sheet suffix.
            let single = out.join(format!("{stem}.csv"));
            if single.is_file() {
                sheets.push((String::new(), std::fs::read_to_string(&single)?));
            }
        }
        ensure!(!sheets.is_empty(), "soffice wrote no CSV: {done}");
        Ok(sheets)
    }
}

const HEADER: &str = "org path,account,name,mobile,email,title,role,scope orgs,hidden,disabled\n";

fn import(server: &Server, file: &Path, extra: &[&str]) -> Result<Output> {
    let file = file.to_string_lossy();
    let data = server.data_dir().to_string_lossy();
    let mut args = vec![
        "import",
        &file,
        "--enterprise",
        "100001",
        "--data-dir",
        &data,
    ];
    args.extend_from_slice(extra);
    run(&mut orgdir(&args), TOOL_TIMEOUT)
}

/// An XLSX saved by LibreOffice from a CSV (numbers as number cells, a Chinese name) is
/// imported into the running server and served over LDAP.
#[test]
fn libreoffice_xlsx_imports_into_a_running_server() -> Result<()> {
    let office = Office::new()?;
    let server = own_server(Options::new())?;
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("new-staff.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}Legal/Contracts,10400,吴明,13800138000,wu.ming@example.com,Counsel,Member,,no,no\n\
             Legal,10401,Sun Li,,,Paralegal,Member,,no,no\n"
        ),
    )?;
    let xlsx = office.convert_csv(&csv, "xlsx", &tmp.path().join("lo"))?;
    ensure!(std::fs::read(&xlsx)?.starts_with(b"PK"), "not a zip");
    let out = import(&server, &xlsx, &[])?;
    ensure!(
        out.success()
            && out.stderr.contains("importing through")
            && out.stderr.contains("2 new")
            && out.stderr.contains("stored"),
        "{out}"
    );
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &[
            "-b",
            BASE,
            "(|(uid=10400)(uid=10401))",
            "cn",
            "mobile",
            "title",
        ],
    )?;
    ensure!(found.len() == 2, "{found:?}");
    let wu = found
        .iter()
        .find(|e| e.dn.to_ascii_lowercase().starts_with("uid=10400,"))
        .context("10400 missing")?;
    ensure!(
        wu.dn
            .eq_ignore_ascii_case(&format!("uid=10400,ou=Contracts,ou=Legal,{BASE}"))
            && wu.values("cn") == ["吴明"]
            && wu.values("mobile") == ["13800138000"]
            && wu.values("title") == ["Counsel"],
        "{wu:?}"
    );
    Ok(())
}

/// LibreOffice opens orgdir's export (English and Chinese headers) and its error file,
/// every sheet of it: the marked data sheet with its errors column, and the summary.
#[test]
fn libreoffice_reads_the_export_and_the_error_file() -> Result<()> {
    let office = Office::new()?;
    let server = own_server(Options::new())?;
    let tmp = tempfile::tempdir()?;
    let data = server.data_dir().to_string_lossy().to_string();
    for (lang, header) in [("en", "org path"), ("zh", "部门路径")] {
        let xlsx = tmp.path().join(format!("export-{lang}.xlsx"));
        run(
            &mut orgdir(&[
                "export",
                "--enterprise",
                "100001",
                "--data-dir",
                &data,
                "--lang",
                lang,
                "--out",
                &xlsx.to_string_lossy(),
            ]),
            TOOL_TIMEOUT,
        )?
        .ok()?;
        let sheets = office.sheets_as_csv(&xlsx, &tmp.path().join(format!("csv-{lang}")))?;
        let (_, text) = sheets.first().context("no sheet")?;
        ensure!(
            text.lines().count() == 51
                && text.lines().next().is_some_and(|l| l.contains(header))
                && text.contains("10001")
                && text.contains("Zhang Wei"),
            "{lang}: {sheets:?}"
        );
    }

    // An import with two bad rows: the error file, opened by LibreOffice.
    let csv = tmp.path().join("bad.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}Legal,10400,Wu Ming,,,Counsel,Member,,no,no\n\
             Legal,10401,,,,,Member,,no,no\n\
             Legal,10402,Sun Li,,,,No Such Role,,no,no\n"
        ),
    )?;
    let out = import(&server, &csv, &[])?;
    ensure!(
        !out.success() && out.stderr.contains("2 rows with errors"),
        "{out}"
    );
    let errors = tmp.path().join("bad.errors.xlsx");
    let sheets = office.sheets_as_csv(&errors, &tmp.path().join("csv-errors"))?;
    ensure!(sheets.len() == 2, "{sheets:?}");
    let marked = sheets.iter().find(|(n, _)| n != "Summary");
    let summary = sheets.iter().find(|(n, _)| n == "Summary");
    let (Some((_, marked)), Some((_, summary))) = (marked, summary) else {
        anyhow::bail!("expected a data sheet and a Summary sheet: {sheets:?}");
    };
    ensure!(
        marked.lines().count() == 4
            && marked.lines().next().is_some_and(|l| l.contains("errors"))
            && marked.contains("10400")
            && marked.contains("No Such Role"),
        "{marked}"
    );
    ensure!(
        summary.lines().any(|l| l == "rows,3")
            && summary.lines().any(|l| l == "rows with errors,2")
            && summary.lines().any(|l| l == "members to create,1"),
        "{summary}"
    );
    Ok(())
}

/// Workbooks in formats orgdir does not read, made by LibreOffice, are refused with a
/// message that names the format — through the running server as well as without one.
#[test]
fn libreoffice_ods_and_xls_are_refused_by_name() -> Result<()> {
    let office = Office::new()?;
    let server = own_server(Options::new())?;
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("staff.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}Legal,10400,Wu Ming,,,Counsel,Member,,no,no\n"),
    )?;
    for (ext, named) in [
        ("xls", &[".xls"][..]),
        ("ods", &[".ods", "opendocument"][..]),
    ] {
        let file = office.convert_csv(&csv, ext, &tmp.path().join("lo"))?;
        let out = import(&server, &file, &[])?;
        // The message itself, without the file's name (which has the extension anyway).
        let message = out
            .stderr
            .replace(file.to_string_lossy().as_ref(), "<file>")
            .to_lowercase();
        ensure!(
            !out.success()
                && out.stderr.contains("importing through")
                && named.iter().any(|n| message.contains(n)),
            "{ext}: the message should name the format ({named:?}): {out}"
        );
    }
    Ok(())
}
