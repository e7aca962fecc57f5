//! Bulk import and export of the org structure (SPEC IMP): the XLSX template with its rule
//! comments, reading XLSX/CSV uploads safely, planning an import as domain commands,
//! the error file, and XLSX/CSV export.
//!
//! Long work can be observed through a [`Progress`] handle (the `*_with_progress`
//! variants) without changing its result.
//!
//! Pure with respect to the system: no SQL, LDAP or HTTP. The caller (CLI, API) runs
//! [`plan::Plan::commands`] through the directory's write path as the signed-in actor,
//! which also checks authorization.

pub mod column;
pub mod errfile;
pub mod error;
pub mod export;
pub mod path;
pub mod plan;
pub mod progress;
pub mod read;
pub mod template;

pub use column::{Column, Lang};
pub use errfile::{error_file, error_file_with_progress};
pub use error::{FileError, WriteError};
pub use export::{ExportFormat, export, export_with_progress};
pub use plan::{
    CellError, CellErrorKind, Mode, Plan, RowError, Summary, plan, plan_at, plan_at_with_progress,
    plan_with_progress,
};
pub use progress::{Phase, Progress, Seen};
pub use read::{Row, Sheet, Source, TextEncoding, read, read_with_progress};
pub use template::template;
