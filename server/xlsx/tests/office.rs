//! A real office suite opens what this crate writes: LibreOffice Calc (`soffice --headless`,
//! Debian's `libreoffice-calc-nogui`) converts a workbook's every sheet to CSV, showing the
//! cells as formatted — Chinese text, escaped and stripped characters, numbers, dates, times.
//!
//! soffice is installed by `scripts/install-test-deps.sh`; when it is missing the test fails
//! and says so. Each run uses a LibreOffice profile of its own in a temporary directory.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use orgdir_xlsx::{
    Cell, Options, Sheet, Strings, Workbook, date_serial, datetime_serial, time_serial,
};

const INSTALL_HINT: &str = "scripts/install-test-deps.sh installs libreoffice-calc-nogui";

/// Deadline of the conversion: LibreOffice's first start with a new profile takes a few
/// seconds, much longer on a loaded machine. Only a failure bound.
const CONVERT_TIMEOUT: Duration = Duration::from_secs(240);

fn soffice() -> Result<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("soffice"))
        .find(|p| p.is_file())
        .with_context(|| format!("soffice not found on PATH: {INSTALL_HINT}"))
}

fn workbook(strings: Strings) -> Result<Vec<u8>> {
    let mut wb = Workbook::with_options(Options::default().strings(strings));
    wb.add_sheet(
        Sheet::new("打卡记录").header(["时间", "姓名", "Note", "Count", "Share"]),
        |rows| {
            // 2025-03-03 08:56:00.
            let at = datetime_serial(20_150 * 86_400 + 8 * 3600 + 56 * 60);
            rows.row(&[
                Cell::DateTime(at),
                "张三".into(),
                "a<b>&c \"q\"".into(),
                Cell::Int(42),
                Cell::Number(0.25),
            ])?;
            rows.row(&[
                Cell::DateTime(at + 1.0),
                "Zhang\x01San\x1f".into(),
                "_x0041_".into(),
                Cell::Int(-7),
                Cell::Number(1234.5),
            ])?;
            Ok(())
        },
    )?;
    wb.add_sheet(Sheet::new("Days").header(["Date", "First in"]), |rows| {
        rows.row(&[
            Cell::Date(date_serial(20_150)),
            Cell::Time(time_serial(9 * 3600 + 10 * 60)),
        ])
    })?;
    Ok(wb.to_bytes()?)
}

#[test]
fn libreoffice_opens_every_sheet() -> Result<()> {
    let soffice = soffice()?;
    for strings in [Strings::Inline, Strings::Shared] {
        let dir = tempfile::tempdir()?;
        let profile = dir.path().join("profile");
        let out = dir.path().join("out");
        let file = dir.path().join("book.xlsx");
        std::fs::write(&file, workbook(strings)?)?;
        let mut cmd = Command::new(&soffice);
        cmd.arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .arg("--headless")
        .arg("--norestore")
        // Comma, double quote, UTF-8, line 1, …; the 9th token: cells as shown (with their
        // number formats); the 12th, -1: every sheet to a file of its own.
        .arg("--convert-to")
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1")
        .arg("--outdir")
        .arg(&out)
        .arg(&file)
        .env("HOME", &profile);
        let done = orgdir_testkit::run(&mut cmd, CONVERT_TIMEOUT)?.ok()?;
        let sheet = |name: &str| {
            let path = out.join(format!("book-{name}.csv"));
            std::fs::read_to_string(&path)
                .with_context(|| format!("soffice wrote no {}: {done}", path.display()))
        };
        let records = sheet("打卡记录")?;
        ensure!(
            records
                == "时间,姓名,Note,Count,Share\n\
                    2025-03-03 08:56:00,张三,\"a<b>&c \"\"q\"\"\",42,0.25\n\
                    2025-03-04 08:56:00,ZhangSan,_x0041_,-7,1234.5\n",
            "{strings:?}: {records:?}"
        );
        let days = sheet("Days")?;
        ensure!(
            days == "Date,First in\n2025-03-03,09:10:00\n",
            "{strings:?}: {days:?}"
        );
    }
    Ok(())
}
