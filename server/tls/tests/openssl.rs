//! Interoperability: the real `openssl s_client` verifies the demo certificate against
//! `ca.pem` and talks to the acceptor over TLS 1.2 and TLS 1.3.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{GREETING, TestResult, make_pki, serve_pki};

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `openssl s_client` against `addr`; returns (success, stdout, stderr).
fn s_client(addr: SocketAddr, ca: &Path, version_flag: &str) -> TestResult<(bool, String, String)> {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-CAfile",
            &ca.display().to_string(),
            "-verify_return_error",
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-verify_ip",
            "127.0.0.1",
            "-brief",
            version_flag,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = String::new();
    // Wait for the server's greeting before sending, so s_client is connected.
    for line in lines.by_ref() {
        let line = line?;
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(GREETING) {
            stdin.write_all(b"ping\n")?;
            stdin.flush()?;
            break;
        }
    }
    for line in lines {
        seen.push_str(&line?);
        seen.push('\n');
    }
    drop(stdin);
    let output = child.wait_with_output()?;
    Ok((
        output.status.success(),
        seen,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[tokio::test]
async fn openssl_s_client_verifies_and_talks() -> TestResult {
    if !openssl_available() {
        eprintln!("openssl not installed; skipping");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    for (flag, protocol) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
        let ca = paths.ca_cert.clone();
        let (ok, stdout, stderr) = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::task::spawn_blocking(move || s_client(addr, &ca, flag)),
        )
        .await???;
        assert!(
            ok,
            "{flag}: s_client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert!(stdout.contains(GREETING), "{flag}: {stdout}");
        assert!(stdout.contains("echo:ping"), "{flag}: {stdout}");
        assert!(stderr.contains("Verification: OK"), "{flag}: {stderr}");
        assert!(stderr.contains(protocol), "{flag}: {stderr}");
    }
    Ok(())
}

#[tokio::test]
async fn openssl_s_client_rejects_a_foreign_ca() -> TestResult {
    if !openssl_available() {
        eprintln!("openssl not installed; skipping");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let other = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let other_paths = make_pki(other.path(), &[])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    let ca = other_paths.ca_cert.clone();
    let (ok, stdout, _stderr) = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || s_client(addr, &ca, "-tls1_3")),
    )
    .await???;
    assert!(!ok);
    assert!(!stdout.contains(GREETING), "{stdout}");
    Ok(())
}
