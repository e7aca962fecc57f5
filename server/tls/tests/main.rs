//! Integration tests for `orgdir-tls`: real certificates, real sockets, real TLS handshakes
//! (rustls client and the `openssl s_client` binary).

mod common;
mod errors;
mod handshake;
mod openssl;
mod pki;
mod reload;
