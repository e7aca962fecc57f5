//! Handshakes between the acceptor and a rustls client that trusts only the demo CA.

use crate::common::{TestResult, connect, connect_with, leaf_der, make_pki, serve_pki};

#[tokio::test]
async fn client_verifies_every_name_of_the_demo_certificate() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &["ldap.example.test", "10.1.2.3"])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    let expected = leaf_der(&paths.cert)?;
    // The client checks the name it is given against the certificate, whatever address it
    // connected to, so every SAN can be checked over 127.0.0.1.
    for name in [
        "localhost",
        "127.0.0.1",
        "::1",
        "ldap.example.test",
        "10.1.2.3",
    ] {
        let seen = connect(addr, &paths.ca_cert, name)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        assert_eq!(seen.leaf, expected, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn tls12_and_tls13_are_both_offered() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    let seen = connect_with(
        addr,
        &paths.ca_cert,
        "localhost",
        &[&rustls::version::TLS12],
    )
    .await?;
    assert_eq!(seen.version, rustls::ProtocolVersion::TLSv1_2);
    let seen = connect_with(
        addr,
        &paths.ca_cert,
        "localhost",
        &[&rustls::version::TLS13],
    )
    .await?;
    assert_eq!(seen.version, rustls::ProtocolVersion::TLSv1_3);
    Ok(())
}

#[tokio::test]
async fn wrong_name_is_rejected() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    let err = connect(addr, &paths.ca_cert, "other.example")
        .await
        .err()
        .ok_or("handshake with a wrong name succeeded")?;
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(connect(addr, &paths.ca_cert, "10.9.9.9").await.is_err());
    Ok(())
}

#[tokio::test]
async fn other_ca_is_not_trusted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let other = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let other_paths = make_pki(other.path(), &[])?;
    let (_cert, addr) = serve_pki(&paths).await?;
    assert!(
        connect(addr, &other_paths.ca_cert, "localhost")
            .await
            .is_err()
    );
    // The server still works for a correctly configured client afterwards.
    connect(addr, &paths.ca_cert, "localhost").await?;
    Ok(())
}

#[tokio::test]
async fn server_config_has_no_client_auth_and_both_versions() -> TestResult {
    let dir = tempfile::tempdir()?;
    let paths = make_pki(dir.path(), &[])?;
    let cert = orgdir_tls::ReloadableCert::load(&paths.cert, &paths.key)?;
    let config = cert.server_config()?;
    assert!(config.alpn_protocols.is_empty());
    assert!(
        config
            .crypto_provider()
            .cipher_suites
            .iter()
            .any(|s| s.version() == &rustls::version::TLS12)
    );
    assert!(
        config
            .crypto_provider()
            .cipher_suites
            .iter()
            .any(|s| s.version() == &rustls::version::TLS13)
    );
    Ok(())
}
