//! The SMTP transport: lettre's async client over tokio with rustls (ring provider).

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{Error, Result, Security, SmtpSettings};

/// A configured SMTP client; every send opens its own connection (mail is rare here).
pub(crate) struct Smtp(AsyncSmtpTransport<Tokio1Executor>);

impl Smtp {
    pub(crate) fn new(s: &SmtpSettings, timeout: Duration) -> Result<Smtp> {
        let host = s.host.trim().to_string();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(s.effective_port())
            .timeout(Some(timeout));
        builder = match s.security {
            Security::StartTls => builder.tls(Tls::Required(tls_parameters(s, &host)?)),
            Security::Tls => builder.tls(Tls::Wrapper(tls_parameters(s, &host)?)),
            Security::None => builder.tls(Tls::None),
        };
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            builder = builder
                .credentials(Credentials::new(user.clone(), password.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(Smtp(builder.build()))
    }

    pub(crate) async fn send(&self, message: &lettre::Message) -> Result<()> {
        self.0
            .send(message.clone())
            .await
            .map(|_| ())
            .map_err(|e| Error::Smtp(e.to_string()))
    }
}

/// TLS towards `host`: the system's CA roots, plus the certificates of the CA file.
fn tls_parameters(s: &SmtpSettings, host: &str) -> Result<TlsParameters> {
    let mut params = TlsParameters::builder(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    );
    if let Some(path) = &s.ca_file {
        let pem = std::fs::read(path).map_err(|source| Error::Io {
            what: "cannot read the CA file",
            path: path.clone(),
            source,
        })?;
        if !pem
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return Err(Error::Settings(format!(
                "the CA file {} holds no PEM certificate",
                path.display()
            )));
        }
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| Error::Settings(format!("the CA file {}: {e}", path.display())))?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| Error::Settings(format!("TLS: {e}")))
}
