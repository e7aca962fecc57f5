//! The Python `ldap3` library (used by many web applications) against a real server, through
//! `tests/python/check_ldap3.py`: schema discovery, search, paged search, StartTLS, LDAPS.
//!
//! The interpreter is `$ORGDIR_TEST_PYTHON` if set, else the virtualenv that
//! `scripts/install-test-deps.sh` creates in `target/test-venv`, else `python3`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, ensure};

use crate::support::{TOOL_TIMEOUT, read_only_server};

/// The repository root (the `orgdir` package lives in `server/daemon`).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("ORGDIR_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = repo_root().join("target/test-venv/bin/python3");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

#[test]
fn python_ldap3_schema_search_paging_and_tls() -> Result<()> {
    let server = read_only_server()?;
    let script = repo_root().join("tests/python/check_ldap3.py");
    let mut cmd = Command::new(python());
    cmd.arg(&script)
        .arg(server.ldap_addr().ip().to_string())
        .arg(server.ldap_addr().port().to_string())
        .arg(server.ca_cert())
        .arg(server.ldaps_addr().port().to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1");
    let out = orgdir_testkit::run(&mut cmd, TOOL_TIMEOUT)?;
    ensure!(
        out.success(),
        "check_ldap3.py failed (is ldap3 installed? run scripts/install-test-deps.sh)\n{out}"
    );
    Ok(())
}
