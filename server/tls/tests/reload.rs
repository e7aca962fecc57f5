//! Replacing the served certificate at run time: explicit reload, file change, SIGHUP.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use orgdir_tls::{PkiPaths, ReloadableCert, spawn_reloader};

use crate::common::{TestResult, connect, leaf_der, make_pki, serve_pki};

/// Waits (bounded) until the served leaf equals `expected`.
async fn wait_for_leaf(cert: &Arc<ReloadableCert>, expected: &[u8]) -> TestResult {
    for _ in 0..500 {
        if cert.current().cert.first().map(|c| c.as_ref()) == Some(expected) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err("certificate was not reloaded within 10 s".into())
}

/// Issues a different server certificate (same CA) into the PKI directory.
fn reissue(dir: &std::path::Path, paths: &PkiPaths, name: &str) -> TestResult<Vec<u8>> {
    let before = leaf_der(&paths.cert)?;
    make_pki(dir, &[name])?;
    let after = leaf_der(&paths.cert)?;
    assert_ne!(before, after);
    Ok(after)
}

#[tokio::test]
async fn reload_serves_the_new_certificate_to_new_handshakes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (cert, addr) = serve_pki(&paths).await?;
    let old = connect(addr, &paths.ca_cert, "localhost").await?.leaf;
    assert_eq!(old, leaf_der(&paths.cert)?);

    let new = reissue(dir.path(), &paths, "new.example.test")?;
    // Not reloaded yet: still the old one.
    assert_eq!(connect(addr, &paths.ca_cert, "localhost").await?.leaf, old);
    cert.reload()?;
    let seen = connect(addr, &paths.ca_cert, "new.example.test").await?;
    assert_eq!(seen.leaf, new);
    Ok(())
}

#[tokio::test]
async fn failed_reload_keeps_the_old_certificate() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (cert, addr) = serve_pki(&paths).await?;
    let old = leaf_der(&paths.cert)?;

    fs::write(&paths.key, "garbage")?;
    let err = cert.reload().err().ok_or("reload of garbage succeeded")?;
    assert!(
        matches!(err, orgdir_tls::Error::NoPrivateKey { .. }),
        "{err:?}"
    );
    assert_eq!(connect(addr, &paths.ca_cert, "localhost").await?.leaf, old);

    fs::remove_file(&paths.cert)?;
    assert!(matches!(
        cert.reload(),
        Err(orgdir_tls::Error::NotFound { .. })
    ));
    assert_eq!(connect(addr, &paths.ca_cert, "localhost").await?.leaf, old);
    Ok(())
}

#[tokio::test]
async fn reloader_picks_up_file_changes_and_stops_on_shutdown() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (cert, addr) = serve_pki(&paths).await?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = spawn_reloader(Arc::clone(&cert), Duration::from_millis(20), rx);

    let new = reissue(dir.path(), &paths, "poll.example.test")?;
    wait_for_leaf(&cert, &new).await?;
    assert_eq!(
        connect(addr, &paths.ca_cert, "poll.example.test")
            .await?
            .leaf,
        new
    );

    // A broken file in between (which the reloader may or may not see) does not stop it:
    // the next valid certificate is picked up.
    fs::write(&paths.cert, "garbage")?;
    make_pki(dir.path(), &["poll2.example.test"])?;
    let newer = leaf_der(&paths.cert)?;
    assert_ne!(newer, new);
    wait_for_leaf(&cert, &newer).await?;

    tx.send(true)?;
    tokio::time::timeout(Duration::from_secs(10), task).await??;
    Ok(())
}

#[tokio::test]
async fn reloader_stops_when_the_sender_is_dropped() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let cert = ReloadableCert::load(&paths.cert, &paths.key)?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = spawn_reloader(cert, Duration::from_secs(3600), rx);
    drop(tx);
    tokio::time::timeout(Duration::from_secs(10), task).await??;

    // Already shut down before it starts: ends at once.
    let cert = ReloadableCert::load(&paths.cert, &paths.key)?;
    let (_tx, rx) = tokio::sync::watch::channel(true);
    let task = spawn_reloader(cert, Duration::ZERO, rx);
    tokio::time::timeout(Duration::from_secs(10), task).await??;
    Ok(())
}

#[cfg(unix)]
#[tokio::test]
async fn reloader_reloads_on_sighup() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let cert = ReloadableCert::load(&paths.cert, &paths.key)?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    // Polling effectively off: only the signal can trigger the reload.
    let task = spawn_reloader(Arc::clone(&cert), Duration::from_secs(3600), rx);

    let new = reissue(dir.path(), &paths, "hup.example.test")?;
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()?;
    assert!(status.success());
    wait_for_leaf(&cert, &new).await?;

    tx.send(true)?;
    tokio::time::timeout(Duration::from_secs(10), task).await??;
    Ok(())
}
