//! The workbook: sheets declared with their row callbacks, then written in one call. Worker
//! threads (one per core) take the sheets in turn and build each into a one-entry ZIP in
//! memory; the calling thread copies the compressed entries, in sheet order and without
//! recompressing them, into the package as soon as they are ready.

use std::collections::HashSet;
use std::io::{Cursor, Seek, Write};
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::package::{self, STYLE_BOLD};
use crate::rows::{Rows, Text};
use crate::strings::{Local, Table};
use crate::{MAX_COLUMNS, MAX_SHEET_NAME_CHARS};

/// How text cells are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strings {
    /// In each cell (`t="inlineStr"`): nothing kept between rows, so memory stays flat
    /// whatever the data.
    #[default]
    Inline,
    /// Once in the workbook's shared-string table, cells holding its index (`t="s"`): what
    /// Excel itself writes. Smaller sheets when text repeats, but the table (every distinct
    /// text of the workbook) stays in memory until the end.
    Shared,
}

/// How a workbook is written.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    level: u32,
    threads: usize,
    strings: Strings,
}

impl Default for Options {
    /// Deflate level 2, one thread per available core, inline strings.
    fn default() -> Options {
        Options {
            level: 2,
            threads: 0,
            strings: Strings::Inline,
        }
    }
}

impl Options {
    /// The deflate level, 0 (stored) to 9 (smallest, slowest); 2 by default. On sheet XML
    /// (zlib-rs), level 1 is about a quarter faster but its files are 40% larger; level 6,
    /// zlib's usual default, takes over three times as long for files 15% smaller.
    pub fn level(mut self, level: u32) -> Options {
        self.level = level;
        self
    }

    /// Threads building sheets at once; 0 (the default) is one per available core. Never
    /// more than the workbook's sheets.
    pub fn threads(mut self, threads: usize) -> Options {
        self.threads = threads;
        self
    }

    /// How text cells are stored ([`Strings::Inline`] by default).
    pub fn strings(mut self, strings: Strings) -> Options {
        self.strings = strings;
        self
    }
}

/// A sheet's name and layout; its rows come from the callback given to
/// [`Workbook::add_sheet`].
#[derive(Clone, Debug)]
pub struct Sheet {
    name: String,
    header: Vec<String>,
    widths: Vec<f64>,
    freeze_header: bool,
}

impl Sheet {
    /// A sheet named `name` (checked by [`Workbook::add_sheet`]).
    pub fn new(name: impl Into<String>) -> Sheet {
        Sheet {
            name: name.into(),
            header: Vec::new(),
            widths: Vec::new(),
            freeze_header: true,
        }
    }

    /// A bold header row, written first; it stays in view while scrolling unless
    /// [`freeze_header(false)`](Sheet::freeze_header).
    pub fn header<I, S>(mut self, titles: I) -> Sheet
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.header = titles.into_iter().map(Into::into).collect();
        self
    }

    /// Column widths from column A on, in characters of the default font (as Excel's
    /// column-width dialog shows them), 0 to 255; other columns keep the default width.
    pub fn widths(mut self, widths: &[f64]) -> Sheet {
        self.widths = widths.to_vec();
        self
    }

    /// Whether the header row stays in view while scrolling (the default when there is a
    /// header).
    pub fn freeze_header(mut self, freeze: bool) -> Sheet {
        self.freeze_header = freeze;
        self
    }

    /// The sheet's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<()> {
        let name = &self.name;
        let bad = |reason| Error::SheetName {
            name: name.clone(),
            reason,
        };
        if name.is_empty() {
            return Err(bad("is empty"));
        }
        if name.encode_utf16().count() > MAX_SHEET_NAME_CHARS {
            return Err(bad("is too long"));
        }
        if name.contains([':', '\\', '/', '?', '*', '[', ']']) {
            return Err(bad("holds a character Excel does not allow"));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("holds a control character"));
        }
        if name.starts_with('\'') || name.ends_with('\'') {
            return Err(bad("starts or ends with an apostrophe"));
        }
        let layout = |what: String| Error::Layout {
            sheet: name.clone(),
            what,
        };
        if self.header.len() > MAX_COLUMNS {
            return Err(layout(format!(
                "{} header cells, more than the {MAX_COLUMNS} columns of a sheet",
                self.header.len()
            )));
        }
        if self.widths.len() > MAX_COLUMNS {
            return Err(layout(format!(
                "{} column widths, more than the {MAX_COLUMNS} columns of a sheet",
                self.widths.len()
            )));
        }
        if let Some(w) = self.widths.iter().find(|w| !(0.0..=255.0).contains(*w)) {
            return Err(layout(format!(
                "column width {w} is not 0 to 255 characters"
            )));
        }
        Ok(())
    }
}

/// A sheet's row callback.
type RowsFn<'a> = Box<dyn FnOnce(&mut Rows<'_>) -> Result<()> + Send + 'a>;

struct Job<'a> {
    sheet: Sheet,
    rows: RowsFn<'a>,
}

/// A workbook being declared: sheets in order, each with the callback that writes its rows.
/// Nothing is built until [`write`](Workbook::write) or [`to_bytes`](Workbook::to_bytes).
pub struct Workbook<'a> {
    options: Options,
    jobs: Vec<Job<'a>>,
    names: HashSet<String>,
}

impl Default for Workbook<'_> {
    fn default() -> Self {
        Workbook::new()
    }
}

impl<'a> Workbook<'a> {
    /// A workbook with the default [`Options`].
    pub fn new() -> Workbook<'a> {
        Workbook::with_options(Options::default())
    }

    /// A workbook written with `options`.
    pub fn with_options(options: Options) -> Workbook<'a> {
        Workbook {
            options,
            jobs: Vec::new(),
            names: HashSet::new(),
        }
    }

    /// Adds a sheet after the others. `rows` is called once, on a thread of its own, while
    /// the workbook is written; it writes the sheet's rows (after the header) with
    /// [`Rows::row`] and may borrow the caller's data.
    ///
    /// # Errors
    /// [`Error::SheetName`] and [`Error::DuplicateSheet`] for a name Excel would refuse,
    /// [`Error::Layout`] for a header or widths past the last column.
    pub fn add_sheet<F>(&mut self, sheet: Sheet, rows: F) -> Result<()>
    where
        F: FnOnce(&mut Rows<'_>) -> Result<()> + Send + 'a,
    {
        sheet.check()?;
        let folded = sheet.name.to_lowercase();
        if !self.names.insert(folded) {
            return Err(Error::DuplicateSheet(sheet.name));
        }
        self.jobs.push(Job {
            sheet,
            rows: Box::new(rows),
        });
        Ok(())
    }

    /// Builds the workbook into `out` and returns it.
    ///
    /// # Errors
    /// The first error of a sheet (sheets not started by then are skipped),
    /// [`Error::NoSheets`], [`Error::Level`], or I/O and ZIP errors.
    pub fn write<W: Write + Seek>(self, out: W) -> Result<W> {
        if self.jobs.is_empty() {
            return Err(Error::NoSheets);
        }
        let level = self.options.level;
        if level > 9 {
            return Err(Error::Level(level));
        }
        let entry = if level == 0 {
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
        } else {
            SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .compression_level(Some(i64::from(level)))
        };
        let table = match self.options.strings {
            Strings::Inline => None,
            Strings::Shared => Some(Table::default()),
        };
        let names: Vec<String> = self.jobs.iter().map(|j| j.sheet.name.clone()).collect();
        let shared = table.is_some();

        let mut zip = ZipWriter::new(out);
        let mut put = |path: &str, data: &[u8]| -> Result<()> {
            zip.start_file(path, entry)?;
            zip.write_all(data)?;
            Ok(())
        };
        put(
            "[Content_Types].xml",
            package::content_types(names.len(), shared).as_bytes(),
        )?;
        put("_rels/.rels", package::root_rels().as_bytes())?;
        put(
            "xl/workbook.xml",
            &package::workbook(names.iter().map(String::as_str)),
        )?;
        put(
            "xl/_rels/workbook.xml.rels",
            package::workbook_rels(names.len(), shared).as_bytes(),
        )?;
        put("xl/styles.xml", package::styles().as_bytes())?;
        let mut references = 0;
        build_sheets(
            self.jobs,
            self.options.threads,
            entry,
            table.as_ref(),
            |part| {
                references += part.references;
                let mut archive = ZipArchive::new(Cursor::new(part.zip))?;
                zip.raw_copy_file(archive.by_index_raw(0)?)?;
                Ok(())
            },
        )?;
        if let Some(table) = &table {
            zip.start_file(package::SHARED_STRINGS_PATH, entry)?;
            zip.write_all(&table.xml(references))?;
        }
        Ok(zip.finish()?)
    }

    /// Builds the workbook in memory.
    ///
    /// # Errors
    /// As [`write`](Workbook::write).
    pub fn to_bytes(self) -> Result<Vec<u8>> {
        Ok(self.write(Cursor::new(Vec::new()))?.into_inner())
    }
}

/// One sheet, compressed: a ZIP holding its one entry.
struct Part {
    zip: Vec<u8>,
    /// Shared-string references made.
    references: u64,
}

/// Builds every sheet, `threads` at a time, and hands each part to `sink` on this thread in
/// sheet order as soon as it and the sheets before it are done (a part waits in memory only
/// while an earlier sheet is still being built).
fn build_sheets(
    jobs: Vec<Job<'_>>,
    threads: usize,
    entry: SimpleFileOptions,
    table: Option<&Table>,
    mut sink: impl FnMut(Part) -> Result<()>,
) -> Result<()> {
    let count = jobs.len();
    let names: Vec<String> = jobs.iter().map(|j| j.sheet.name.clone()).collect();
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        n => n,
    }
    .clamp(1, count.max(1));
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let failed = AtomicBool::new(false);
    let (done, finished) = mpsc::channel::<(usize, Result<Part>)>();

    let work = |done: mpsc::Sender<(usize, Result<Part>)>| {
        loop {
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((index, job)) = next else { break };
            if failed.load(Ordering::Relaxed) {
                // Another sheet failed: its error is the one reported.
                continue;
            }
            let name = job.sheet.name.clone();
            // A panicking callback fails its sheet (named in the error), not the caller.
            let result = catch_unwind(AssertUnwindSafe(|| build_sheet(index, job, entry, table)))
                .unwrap_or(Err(Error::Panicked(name)));
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            if done.send((index, result)).is_err() {
                break;
            }
        }
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let done = done.clone();
                s.spawn(move || work(done))
            })
            .collect();
        drop(done);

        let mut waiting: Vec<Option<Part>> = (0..count).map(|_| None).collect();
        let mut next = 0;
        let mut outcome = Ok(());
        // Ends when every worker has finished (and dropped its sender).
        for (index, result) in finished {
            match result {
                Ok(part) if outcome.is_ok() => {
                    if let Some(slot) = waiting.get_mut(index) {
                        *slot = Some(part);
                    }
                    while let Some(part) = waiting.get_mut(next).and_then(Option::take) {
                        if let Err(e) = sink(part) {
                            failed.store(true, Ordering::Relaxed);
                            outcome = Err(e);
                            break;
                        }
                        next += 1;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    if outcome.is_ok() {
                        outcome = Err(e);
                    }
                }
            }
        }
        for h in handles {
            // `work` catches the callbacks' panics; a sheet left without a part is reported
            // below.
            let _ = h.join();
        }
        outcome?;
        match names.get(next) {
            Some(name) => Err(Error::Panicked(name.clone())),
            None => Ok(()),
        }
    })
}

/// Builds sheet `index` (0-based) into a one-entry ZIP in memory.
fn build_sheet(
    index: usize,
    job: Job<'_>,
    entry: SimpleFileOptions,
    table: Option<&Table>,
) -> Result<Part> {
    let sheet = &job.sheet;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // ZIP64 fields in case the sheet's XML passes 4 GiB; copying the entry into the package
    // keeps them only when it did.
    zip.start_file(package::sheet_path(index + 1), entry.large_file(true))?;
    let mut head = Vec::new();
    let freeze = sheet.freeze_header && !sheet.header.is_empty();
    package::sheet_head(&mut head, index == 0, freeze, &sheet.widths);
    zip.write_all(&head)?;
    let text = match table {
        None => Text::Inline,
        Some(t) => Text::Shared(Local::new(t)),
    };
    let mut rows = Rows::new(&sheet.name, &mut zip, text);
    if !sheet.header.is_empty() {
        let titles: Vec<Cell<'_>> = sheet.header.iter().map(|t| Cell::Text(t)).collect();
        rows.write_row(&titles, STYLE_BOLD)?;
    }
    (job.rows)(&mut rows)?;
    let references = rows.finish(package::SHEET_TAIL)?;
    Ok(Part {
        zip: zip.finish()?.into_inner(),
        references,
    })
}
