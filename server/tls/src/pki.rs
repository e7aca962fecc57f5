//! Demo / first-start PKI.
//!
//! A fresh installation should speak LDAPS and StartTLS without the operator first running a
//! CA. On first start the daemon calls [`ensure_self_signed`], which creates a small private CA
//! ("orgdir demo CA") and a server certificate signed by it. Clients are pointed at `ca.pem`.
//! On later starts the same files are reused, so clients keep trusting the server; only what
//! is no longer usable is replaced.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::pem::{load_certified_key, provider, read_certs, read_file};
use crate::validity::validity;

/// File name of the demo CA certificate (give this to clients).
pub const CA_CERT_FILE: &str = "ca.pem";
/// File name of the demo CA private key.
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// File name of the server certificate.
pub const SERVER_CERT_FILE: &str = "server.pem";
/// File name of the server private key.
pub const SERVER_KEY_FILE: &str = "server-key.pem";

/// Common name of the demo CA.
pub const CA_COMMON_NAME: &str = "orgdir demo CA";
const SERVER_COMMON_NAME: &str = "orgdir demo server";

/// Names every demo server certificate is valid for.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Validity of the demo CA.
const CA_VALIDITY: time::Duration = time::Duration::days(3650);
/// Validity of the server certificate.
const SERVER_VALIDITY: time::Duration = time::Duration::days(397);
/// Certificates are back-dated this much to tolerate clock skew between server and clients.
const BACKDATE: time::Duration = time::Duration::days(1);
/// A certificate expiring sooner than this is replaced at start.
const RENEW_BEFORE: time::Duration = time::Duration::days(30);

/// Where [`ensure_self_signed`] put the demo PKI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiPaths {
    /// CA certificate (`ca.pem`): the trust anchor for clients.
    pub ca_cert: PathBuf,
    /// CA private key (`ca-key.pem`, mode 0600).
    pub ca_key: PathBuf,
    /// Server certificate (`server.pem`).
    pub cert: PathBuf,
    /// Server private key (`server-key.pem`, mode 0600).
    pub key: PathBuf,
}

impl PkiPaths {
    /// The standard file names inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            ca_cert: dir.join(CA_CERT_FILE),
            ca_key: dir.join(CA_KEY_FILE),
            cert: dir.join(SERVER_CERT_FILE),
            key: dir.join(SERVER_KEY_FILE),
        }
    }
}

/// Makes sure `dir` holds a usable demo PKI and returns its paths.
///
/// - If `ca.pem`, `ca-key.pem`, `server.pem` and `server-key.pem` all exist, parse, belong
///   together, and the server certificate chains to the CA, is valid at `now` and for the next
///   30 days, and covers `localhost`, `127.0.0.1`, `::1` and every entry of `extra_names`, they
///   are reused unchanged.
/// - Else, if the CA files are usable and the CA is valid for at least 30 more days, a new
///   server certificate is issued by that CA (clients that trust `ca.pem` keep working).
/// - Else a new CA ("orgdir demo CA", 10 years) and server certificate are created.
///
/// Server certificates are valid for 397 days, but never beyond the CA's expiry.
///
/// `extra_names` are DNS names or IP addresses. Keys are ECDSA P-256, written with mode 0600;
/// files are replaced atomically (write to a temporary file, then rename).
pub fn ensure_self_signed(
    dir: &Path,
    extra_names: &[String],
    now: OffsetDateTime,
) -> Result<PkiPaths> {
    let paths = PkiPaths::in_dir(dir);
    let names = subject_names(extra_names)?;
    let provider = provider();

    let existing_ca = match load_ca(&paths, now) {
        Ok(ca) => Some(ca),
        Err(Error::NotFound { .. }) => None,
        Err(e) => {
            tracing::warn!(error = %e, "demo CA unusable; creating a new one");
            None
        }
    };

    if let Some(ca) = &existing_ca {
        match check_server(&paths, &ca.cert, &names, now, &provider) {
            Ok(()) => {
                tracing::debug!(dir = %dir.display(), "reusing demo TLS certificates");
                return Ok(paths);
            }
            Err(e) => {
                tracing::info!(reason = %e, "issuing a new demo server certificate");
            }
        }
        let issuer = Issuer::new(ca_params(now), &ca.key);
        let issued = issue_server(&issuer, &names, now, ca.not_after)?;
        if verify_chain(
            &ca.cert,
            std::slice::from_ref(&issued.der),
            &names,
            now,
            &provider,
        )
        .is_ok()
        {
            fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
            write_server(&paths, &issued)?;
            tracing::info!(cert = %paths.cert.display(), "issued demo server certificate with the existing demo CA");
            return Ok(paths);
        }
        tracing::info!(
            "existing demo CA cannot issue a valid certificate (expired or foreign); creating a new one"
        );
    }

    fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let ca_key = KeyPair::generate().map_err(|source| Error::Generate {
        what: "demo CA key",
        source,
    })?;
    let ca_params = ca_params(now);
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|source| Error::Generate {
            what: "demo CA certificate",
            source,
        })?;
    let issuer = Issuer::new(ca_params, &ca_key);
    let issued = issue_server(&issuer, &names, now, now + CA_VALIDITY)?;
    verify_chain(
        ca_cert.der(),
        std::slice::from_ref(&issued.der),
        &names,
        now,
        &provider,
    )
    .map_err(|reason| Error::SelfCheck {
        path: paths.cert.clone(),
        reason,
    })?;
    write_private(&paths.ca_key, ca_key.serialize_pem().as_bytes())?;
    write_public(&paths.ca_cert, ca_cert.pem().as_bytes())?;
    write_server(&paths, &issued)?;
    tracing::info!(ca = %paths.ca_cert.display(), cert = %paths.cert.display(), "created demo CA and server certificate");
    Ok(paths)
}

/// The default names plus `extra`, without duplicates, in order.
fn subject_names(extra: &[String]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for name in DEFAULT_NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .chain(extra.iter().map(|n| n.trim().to_owned()))
    {
        // Validate now, so a typo is reported before anything is generated.
        san(&name)?;
        if ServerName::try_from(name.as_str()).is_err() {
            return Err(Error::InvalidName {
                name,
                reason: "not a valid DNS name or IP address".to_owned(),
            });
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

fn san(name: &str) -> Result<SanType> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    name.try_into()
        .map(SanType::DnsName)
        .map_err(|e: rcgen::Error| Error::InvalidName {
            name: name.to_owned(),
            reason: e.to_string(),
        })
}

struct LoadedCa {
    cert: CertificateDer<'static>,
    key: KeyPair,
    not_after: OffsetDateTime,
}

/// Loads the CA certificate and key; the CA must be valid now and for the next 30 days.
fn load_ca(paths: &PkiPaths, now: OffsetDateTime) -> Result<LoadedCa> {
    let cert = read_certs(&paths.ca_cert)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NoCertificate {
            path: paths.ca_cert.clone(),
        })?;
    let pem = read_file(&paths.ca_key)?;
    let pem = String::from_utf8(pem).map_err(|e| Error::UnsupportedKey {
        path: paths.ca_key.clone(),
        reason: e.to_string(),
    })?;
    let key = KeyPair::from_pem(&pem).map_err(|e| Error::UnsupportedKey {
        path: paths.ca_key.clone(),
        reason: e.to_string(),
    })?;
    let (not_before, not_after) = validity(&cert).ok_or_else(|| Error::InvalidCertificate {
        path: paths.ca_cert.clone(),
        reason: "cannot read the validity period".to_owned(),
    })?;
    if now < not_before || now + RENEW_BEFORE > not_after {
        return Err(Error::InvalidCertificate {
            path: paths.ca_cert.clone(),
            reason: format!("not valid from {now} for 30 days (valid {not_before} to {not_after})"),
        });
    }
    Ok(LoadedCa {
        cert,
        key,
        not_after,
    })
}

/// Parameters of the demo CA. Deterministic apart from the validity period, so an [`Issuer`]
/// for an existing demo CA can be rebuilt from its key alone.
fn ca_params(now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - BACKDATE;
    params.not_after = now + CA_VALIDITY;
    params
}

/// A freshly issued server certificate and its key.
struct Issued {
    der: CertificateDer<'static>,
    cert_pem: String,
    key_pem: String,
}

fn issue_server(
    issuer: &Issuer<'_, &KeyPair>,
    names: &[String],
    now: OffsetDateTime,
    ca_not_after: OffsetDateTime,
) -> Result<Issued> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, SERVER_COMMON_NAME);
    params.distinguished_name = dn;
    params.subject_alt_names = names.iter().map(|n| san(n)).collect::<Result<_>>()?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - BACKDATE;
    // Never outlive the CA: clients such as OpenSSL check the CA's dates too.
    params.not_after = (now + SERVER_VALIDITY).min(ca_not_after);
    let key = KeyPair::generate().map_err(|source| Error::Generate {
        what: "demo server key",
        source,
    })?;
    let cert = params
        .signed_by(&key, issuer)
        .map_err(|source| Error::Generate {
            what: "demo server certificate",
            source,
        })?;
    Ok(Issued {
        der: cert.der().clone(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn write_server(paths: &PkiPaths, issued: &Issued) -> Result<()> {
    // Key first: a reloader seeing the new certificate before the key would only log a
    // mismatch and retry on the next change, but this order avoids even that.
    write_private(&paths.key, issued.key_pem.as_bytes())?;
    write_public(&paths.cert, issued.cert_pem.as_bytes())
}

/// Checks that the server files load, match, and verify against the CA for all names.
fn check_server(
    paths: &PkiPaths,
    ca: &CertificateDer<'static>,
    names: &[String],
    now: OffsetDateTime,
    provider: &Arc<CryptoProvider>,
) -> std::result::Result<(), String> {
    let certified =
        load_certified_key(&paths.cert, &paths.key, provider).map_err(|e| e.to_string())?;
    verify_chain(ca, &certified.cert, names, now, provider)
}

/// Verifies `chain` (leaf first) against `ca` for every name, at `now` and `now + 30 days`.
fn verify_chain(
    ca: &CertificateDer<'static>,
    chain: &[CertificateDer<'static>],
    names: &[String],
    now: OffsetDateTime,
    provider: &Arc<CryptoProvider>,
) -> std::result::Result<(), String> {
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.clone())
        .map_err(|e| format!("CA certificate: {e}"))?;
    let verifier =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
            .build()
            .map_err(|e| e.to_string())?;
    let (leaf, intermediates) = chain
        .split_first()
        .ok_or_else(|| "no certificate".to_owned())?;
    for at in [now, now + RENEW_BEFORE] {
        let secs = u64::try_from(at.unix_timestamp()).map_err(|e| e.to_string())?;
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        for name in names {
            let server_name = ServerName::try_from(name.as_str()).map_err(|e| e.to_string())?;
            verifier
                .verify_server_cert(leaf, intermediates, &server_name, &[], at)
                .map_err(|e| format!("{name}: {e}"))?;
        }
    }
    Ok(())
}

fn write_public(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic(path, contents, 0o644)
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic(path, contents, 0o600)
}

/// Writes to a temporary file next to `path` (created with `mode` on Unix), then renames it
/// over `path`, so readers never see a half-written file.
fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    // A leftover from a crash would make `create_new` fail.
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let result = options
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(write_err)
}
