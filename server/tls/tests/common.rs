//! Test helpers: a TLS echo server on 127.0.0.1:0 and a rustls client that trusts one CA.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const GREETING: &str = "orgdir-hello";

/// Starts a server that, per connection: completes the TLS handshake, sends `GREETING\n`,
/// reads one line and answers `echo:<line>\n`, then closes. Runs until the runtime ends.
pub async fn start_server(acceptor: TlsAcceptor) -> TestResult<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = serve_one(acceptor, tcp).await;
            });
        }
    });
    Ok(addr)
}

async fn serve_one(acceptor: TlsAcceptor, tcp: TcpStream) -> TestResult {
    let tls = acceptor.accept(tcp).await?;
    let mut tls = BufReader::new(tls);
    tls.write_all(format!("{GREETING}\n").as_bytes()).await?;
    tls.flush().await?;
    let mut line = String::new();
    tls.read_line(&mut line).await?;
    tls.write_all(format!("echo:{}\n", line.trim_end()).as_bytes())
        .await?;
    tls.shutdown().await?;
    Ok(())
}

/// Reads all certificates of a PEM file.
pub fn pem_certs(path: &Path) -> TestResult<Vec<CertificateDer<'static>>> {
    let data = std::fs::read(path)?;
    Ok(rustls_pemfile::certs(&mut data.as_slice()).collect::<Result<Vec<_>, _>>()?)
}

/// The leaf certificate of a PEM file.
pub fn leaf_der(path: &Path) -> TestResult<Vec<u8>> {
    let certs = pem_certs(path)?;
    let first = certs.first().ok_or("no certificate in file")?;
    Ok(first.to_vec())
}

/// What a client saw of a connection.
#[derive(Debug)]
pub struct Seen {
    pub leaf: Vec<u8>,
    pub version: rustls::ProtocolVersion,
}

/// Connects to `addr` trusting only the CA in `ca_pem`, verifies `name`, exchanges a line.
pub async fn connect(addr: SocketAddr, ca_pem: &Path, name: &str) -> TestResult<Seen> {
    connect_with(addr, ca_pem, name, rustls::DEFAULT_VERSIONS).await
}

pub async fn connect_with(
    addr: SocketAddr,
    ca_pem: &Path,
    name: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> TestResult<Seen> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in pem_certs(ca_pem)? {
        roots.add(cert)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from(name.to_owned())?;
    let tcp = TcpStream::connect(addr).await?;
    let tls = connector.connect(server_name, tcp).await?;
    let (_, conn) = tls.get_ref();
    let leaf = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("server sent no certificate")?
        .to_vec();
    let version = conn.protocol_version().ok_or("no protocol version")?;
    let mut tls = BufReader::new(tls);
    let mut line = String::new();
    tls.read_line(&mut line).await?;
    if line.trim_end() != GREETING {
        return Err(format!("unexpected greeting {line:?}").into());
    }
    tls.write_all(b"ping\n").await?;
    tls.flush().await?;
    line.clear();
    tls.read_line(&mut line).await?;
    if line.trim_end() != "echo:ping" {
        return Err(format!("unexpected reply {line:?}").into());
    }
    Ok(Seen { leaf, version })
}

/// Generates a demo PKI in `dir` with the current time.
pub fn make_pki(dir: &Path, extra: &[&str]) -> orgdir_tls::Result<orgdir_tls::PkiPaths> {
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    orgdir_tls::ensure_self_signed(dir, &extra, time::OffsetDateTime::now_utc())
}

/// Loads the PKI's server certificate and starts a server with it.
pub async fn serve_pki(
    paths: &orgdir_tls::PkiPaths,
) -> TestResult<(Arc<orgdir_tls::ReloadableCert>, SocketAddr)> {
    let cert = orgdir_tls::ReloadableCert::load(&paths.cert, &paths.key)?;
    let addr = start_server(cert.acceptor()?).await?;
    Ok((cert, addr))
}
