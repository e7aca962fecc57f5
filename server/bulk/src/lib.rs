//! Bulk import and export of the org structure (SPEC IMP): the XLSX template with its rule
//! comments, reading XLSX/CSV uploads safely, planning an import as domain commands,
//! the error file, and XLSX/CSV export.
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
pub mod read;
pub mod template;

pub use column::{Column, Lang};
pub use errfile::error_file;
pub use error::{FileError, WriteError};
pub use export::{ExportFormat, export};
pub use plan::{CellError, CellErrorKind, Mode, Plan, RowError, Summary, plan, plan_at};
pub use read::{Row, Sheet, Source, TextEncoding, read};
pub use template::template;
