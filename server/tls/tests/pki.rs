//! The demo PKI: generation, reuse, selective renewal.

use std::fs;

use crate::common::{TestResult, connect, leaf_der, make_pki, serve_pki};

fn read_all(paths: &orgdir_tls::PkiPaths) -> TestResult<[Vec<u8>; 4]> {
    Ok([
        fs::read(&paths.ca_cert)?,
        fs::read(&paths.ca_key)?,
        fs::read(&paths.cert)?,
        fs::read(&paths.key)?,
    ])
}

#[test]
fn creates_the_four_files_in_the_directory() -> TestResult {
    let dir = tempfile::tempdir()?;
    let sub = dir.path().join("nested/tls");
    let paths = make_pki(&sub, &[])?;
    assert_eq!(paths, orgdir_tls::PkiPaths::in_dir(&sub));
    assert_eq!(paths.ca_cert, sub.join("ca.pem"));
    assert_eq!(paths.ca_key, sub.join("ca-key.pem"));
    assert_eq!(paths.cert, sub.join("server.pem"));
    assert_eq!(paths.key, sub.join("server-key.pem"));
    for (path, marker) in [
        (&paths.ca_cert, "BEGIN CERTIFICATE"),
        (&paths.ca_key, "PRIVATE KEY"),
        (&paths.cert, "BEGIN CERTIFICATE"),
        (&paths.key, "PRIVATE KEY"),
    ] {
        let text = fs::read_to_string(path)?;
        assert!(text.contains(marker), "{}", path.display());
    }
    // No temporary files left behind.
    assert_eq!(fs::read_dir(&sub)?.count(), 4);
    Ok(())
}

#[cfg(unix)]
#[test]
fn private_keys_are_mode_0600() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    for key in [&paths.key, &paths.ca_key] {
        let mode = fs::metadata(key)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key.display());
    }
    Ok(())
}

#[test]
fn second_run_reuses_the_same_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let extra = ["ldap.example.test"];
    let first = make_pki(dir.path(), &extra)?;
    let before = read_all(&first)?;
    let second = make_pki(dir.path(), &extra)?;
    assert_eq!(first, second);
    assert_eq!(before, read_all(&second)?);
    // Default names given again explicitly change nothing either.
    make_pki(dir.path(), &["localhost", "ldap.example.test", "127.0.0.1"])?;
    assert_eq!(before, read_all(&second)?);
    Ok(())
}

#[tokio::test]
async fn new_name_reissues_the_server_cert_with_the_same_ca() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = make_pki(dir.path(), &[])?;
    let [ca_before, ca_key_before, cert_before, _] = read_all(&first)?;
    let paths = make_pki(dir.path(), &["ldap.example.test", "192.0.2.7"])?;
    let [ca_after, ca_key_after, cert_after, _] = read_all(&paths)?;
    assert_eq!(ca_before, ca_after);
    assert_eq!(ca_key_before, ca_key_after);
    assert_ne!(cert_before, cert_after);
    let (_cert, addr) = serve_pki(&paths).await?;
    for name in ["ldap.example.test", "192.0.2.7", "localhost"] {
        connect(addr, &paths.ca_cert, name).await?;
    }
    Ok(())
}

#[test]
fn broken_server_files_are_replaced_and_the_ca_kept() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let ca_before = fs::read(&paths.ca_cert)?;
    fs::write(&paths.key, "garbage")?;
    make_pki(dir.path(), &[])?;
    assert_eq!(ca_before, fs::read(&paths.ca_cert)?);
    orgdir_tls::ReloadableCert::load(&paths.cert, &paths.key)?;

    fs::remove_file(&paths.cert)?;
    make_pki(dir.path(), &[])?;
    assert_eq!(ca_before, fs::read(&paths.ca_cert)?);
    orgdir_tls::ReloadableCert::load(&paths.cert, &paths.key)?;
    Ok(())
}

#[test]
fn broken_ca_regenerates_everything() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let [ca_before, _, cert_before, _] = read_all(&paths)?;
    fs::write(&paths.ca_key, "not a key")?;
    make_pki(dir.path(), &[])?;
    let [ca_after, _, cert_after, _] = read_all(&paths)?;
    assert_ne!(ca_before, ca_after);
    assert_ne!(cert_before, cert_after);
    Ok(())
}

#[test]
fn expiry_renews_server_cert_then_ca() -> TestResult {
    let dir = tempfile::tempdir()?;
    let start = time::OffsetDateTime::now_utc();
    let paths = orgdir_tls::ensure_self_signed(dir.path(), &[], start)?;
    let [ca0, _, cert0, _] = read_all(&paths)?;

    // Within the server certificate's life: reused.
    orgdir_tls::ensure_self_signed(dir.path(), &[], start + time::Duration::days(200))?;
    assert_eq!(cert0, fs::read(&paths.cert)?);

    // Server certificate about to expire: renewed by the same CA.
    orgdir_tls::ensure_self_signed(dir.path(), &[], start + time::Duration::days(380))?;
    let [ca1, _, cert1, _] = read_all(&paths)?;
    assert_eq!(ca0, ca1);
    assert_ne!(cert0, cert1);

    // CA expired: everything new.
    orgdir_tls::ensure_self_signed(dir.path(), &[], start + time::Duration::days(3700))?;
    let [ca2, _, cert2, _] = read_all(&paths)?;
    assert_ne!(ca1, ca2);
    assert_ne!(cert1, cert2);
    Ok(())
}

#[test]
fn leaf_differs_between_independent_pkis() -> TestResult {
    let a = tempfile::tempdir()?;
    let b = tempfile::tempdir()?;
    let pa = make_pki(a.path(), &[])?;
    let pb = make_pki(b.path(), &[])?;
    assert_ne!(leaf_der(&pa.cert)?, leaf_der(&pb.cert)?);
    assert_ne!(fs::read(&pa.ca_cert)?, fs::read(&pb.ca_cert)?);
    Ok(())
}
