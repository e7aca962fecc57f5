//! Bad inputs give errors that name the file and the problem, never a panic.

use std::fs;
use std::path::Path;

use orgdir_tls::{Error, ReloadableCert};

use crate::common::{TestResult, make_pki};

fn load_err(cert: &Path, key: &Path) -> TestResult<Error> {
    match ReloadableCert::load(cert, key) {
        Ok(_) => Err(format!("loading {} / {} succeeded", cert.display(), key.display()).into()),
        Err(e) => Ok(e),
    }
}

#[test]
fn missing_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let missing = dir.path().join("nope.pem");

    let err = load_err(&missing, &paths.key)?;
    assert!(
        matches!(&err, Error::NotFound { path } if path == &missing),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}: file not found", missing.display())
    );

    let err = load_err(&paths.cert, &missing)?;
    assert!(
        matches!(&err, Error::NotFound { path } if path == &missing),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn pem_without_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    // The certificate file given as key file.
    let err = load_err(&paths.cert, &paths.cert)?;
    assert!(
        matches!(&err, Error::NoPrivateKey { path } if path == &paths.cert),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&paths.cert.display().to_string()), "{msg}");
    assert!(msg.contains("no private key"), "{msg}");
    Ok(())
}

#[test]
fn pem_without_certificate() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let err = load_err(&paths.key, &paths.key)?;
    assert!(
        matches!(&err, Error::NoCertificate { path } if path == &paths.key),
        "{err:?}"
    );
    assert!(err.to_string().contains("no certificate"), "{err}");
    Ok(())
}

#[test]
fn garbage_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let text = dir.path().join("text.pem");
    fs::write(&text, "hello, this is not PEM\n")?;
    let binary = dir.path().join("binary.pem");
    fs::write(&binary, (0..=255u8).cycle().take(4096).collect::<Vec<u8>>())?;
    let empty = dir.path().join("empty.pem");
    fs::write(&empty, "")?;

    for garbage in [&text, &binary, &empty] {
        let err = load_err(garbage, &paths.key)?;
        assert!(
            matches!(&err, Error::NoCertificate { path } | Error::Pem { path, .. } if path == garbage),
            "{err:?}"
        );
        assert!(err.to_string().contains(&garbage.display().to_string()));
        let err = load_err(&paths.cert, garbage)?;
        assert!(
            matches!(&err, Error::NoPrivateKey { path } | Error::Pem { path, .. } if path == garbage),
            "{err:?}"
        );
        assert!(err.to_string().contains(&garbage.display().to_string()));
    }
    Ok(())
}

#[test]
fn malformed_pem_blocks() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;

    let bad_base64 = dir.path().join("bad-base64.pem");
    fs::write(
        &bad_base64,
        "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n",
    )?;
    let err = load_err(&bad_base64, &paths.key)?;
    assert!(
        matches!(&err, Error::Pem { path, .. } if path == &bad_base64),
        "{err:?}"
    );

    let unterminated = dir.path().join("unterminated.pem");
    fs::write(&unterminated, "-----BEGIN PRIVATE KEY-----\nAAAA\n")?;
    let err = load_err(&paths.cert, &unterminated)?;
    assert!(
        matches!(&err, Error::Pem { path, .. } if path == &unterminated),
        "{err:?}"
    );

    // Well-formed PEM, but the DER inside is not a certificate.
    let bad_der = dir.path().join("bad-der.pem");
    fs::write(
        &bad_der,
        "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n",
    )?;
    let err = load_err(&bad_der, &paths.key)?;
    assert!(
        matches!(&err, Error::InvalidCertificate { path, .. } if path == &bad_der),
        "{err:?}"
    );

    // Well-formed PEM, but the DER inside is not a key.
    let bad_key = dir.path().join("bad-key.pem");
    fs::write(
        &bad_key,
        "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n",
    )?;
    let err = load_err(&paths.cert, &bad_key)?;
    assert!(
        matches!(&err, Error::UnsupportedKey { path, .. } if path == &bad_key),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("unsupported or invalid private key")
    );
    Ok(())
}

#[test]
fn key_of_another_certificate() -> TestResult {
    let a = tempfile::tempdir()?;
    let b = tempfile::tempdir()?;
    let pa = make_pki(a.path(), &[])?;
    let pb = make_pki(b.path(), &[])?;
    let err = load_err(&pa.cert, &pb.key)?;
    assert!(
        matches!(&err, Error::KeyMismatch { cert, key } if cert == &pa.cert && key == &pb.key),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "private key {} does not match the certificate in {}",
            pb.key.display(),
            pa.cert.display()
        )
    );
    Ok(())
}

#[test]
fn invalid_extra_names() -> TestResult {
    let dir = tempfile::tempdir()?;
    for bad in ["", "bad name with spaces", "ünïcode.example"] {
        let err = orgdir_tls::ensure_self_signed(
            dir.path(),
            &[bad.to_owned()],
            time::OffsetDateTime::now_utc(),
        )
        .err()
        .ok_or(format!("{bad:?} accepted"))?;
        assert!(
            matches!(&err, Error::InvalidName { name, .. } if name == bad),
            "{err:?}"
        );
    }
    // Nothing was written.
    assert_eq!(fs::read_dir(dir.path())?.count(), 0);
    Ok(())
}

#[test]
fn directory_that_cannot_be_created() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("file");
    fs::write(&file, "x")?;
    let target = file.join("tls");
    let err = orgdir_tls::ensure_self_signed(&target, &[], time::OffsetDateTime::now_utc())
        .err()
        .ok_or("succeeded below a regular file")?;
    assert!(
        matches!(&err, Error::CreateDir { path, .. } if path == &target),
        "{err:?}"
    );
    Ok(())
}
