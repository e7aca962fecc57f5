//! Error type for the TLS crate.
//!
//! TLS set-up fails mostly because of operator mistakes (wrong path, wrong file, key that does
//! not belong to the certificate), so every variant names the file involved and says in plain
//! words what is wrong with it.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while creating, loading or using certificates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate or key file does not exist.
    #[error("{path}: file not found")]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// A file exists but could not be read.
    #[error("{path}: cannot read file: {source}")]
    Read {
        /// The unreadable file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A file contains a PEM block that cannot be decoded.
    #[error("{path}: malformed PEM data: {source}")]
    Pem {
        /// The file with the broken PEM data.
        path: PathBuf,
        /// The decoding error.
        source: io::Error,
    },
    /// A file that should hold a certificate holds no `CERTIFICATE` PEM block.
    #[error("{path}: no certificate found (expected a \"BEGIN CERTIFICATE\" PEM block)")]
    NoCertificate {
        /// The file without a certificate.
        path: PathBuf,
    },
    /// A certificate could not be parsed as X.509.
    #[error("{path}: invalid certificate: {reason}")]
    InvalidCertificate {
        /// The file with the invalid certificate.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file that should hold a private key holds none.
    #[error(
        "{path}: no private key found (expected a \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\" PEM block)"
    )]
    NoPrivateKey {
        /// The file without a private key.
        path: PathBuf,
    },
    /// A private key was found but cannot be used (unsupported algorithm or corrupt).
    #[error("{path}: unsupported or invalid private key: {reason}")]
    UnsupportedKey {
        /// The file with the unusable key.
        path: PathBuf,
        /// What the crypto provider said about it.
        reason: String,
    },
    /// The private key does not belong to the certificate.
    #[error("private key {key} does not match the certificate in {cert}")]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// A subject alternative name for the demo certificate is neither an IP address nor a
    /// valid DNS name.
    #[error("invalid certificate name {name:?}: {reason}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Generating a key or certificate failed.
    #[error("generating {what}: {source}")]
    Generate {
        /// What was being generated.
        what: &'static str,
        /// The error from the certificate generator.
        source: rcgen::Error,
    },
    /// A freshly generated certificate did not pass verification (should not happen).
    #[error("generated certificate {path} does not verify: {reason}")]
    SelfCheck {
        /// The generated certificate file.
        path: PathBuf,
        /// The verification error.
        reason: String,
    },
    /// A directory could not be created.
    #[error("{path}: cannot create directory: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A file could not be written.
    #[error("{path}: cannot write file: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// rustls rejected the server configuration.
    #[error("building the TLS server configuration: {0}")]
    Config(#[source] rustls::Error),
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
