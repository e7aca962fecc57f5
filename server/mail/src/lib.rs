//! Outgoing mail (SPEC MAIL-3): super password recovery links and notices.
//!
//! A [`Mailer`] has one of two transports, chosen by [`Settings::transport`]:
//!
//! - **SMTP** through lettre: STARTTLS (submission, port 587), implicit TLS (port 465), or
//!   plain SMTP, which is accepted only towards a loopback host (a local relay), so that a
//!   recovery link or an SMTP password never crosses a network in clear. AUTH is optional.
//!   TLS is rustls with the ring provider; the server certificate is checked against the
//!   system's CA roots, plus a CA file for a private mail server. No OpenSSL.
//! - an **outbox** folder: each message is written as one `.eml` file (mode 0600, the folder
//!   0700) and a log line says where. A server without SMTP settings uses it, so a demo
//!   installation can still follow a recovery link by reading the file.
//!
//! Every send is bounded by [`Settings::timeout`]. [`Mailer::spawn`] sends in a background
//! task, so an HTTP request never waits for a mail server; [`Mailer::idle`] waits until the
//! background sends have finished (shutdown, tests).
//!
//! *Invariant:* no message text, password or link is logged; log lines name the recipient,
//! the subject and, for the outbox, the file.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use orgdir_mail::{Delivery, Email, Mailer, Settings};
//!
//! let dir = tempfile::tempdir()?;
//! let outbox = dir.path().join("outbox");
//! let mailer = Mailer::new(Settings::outbox(&outbox, "orgdir <noreply@example.com>"))?;
//! let email = Email {
//!     to: "it@example.com".into(),
//!     subject: "Hello".into(),
//!     text: "Written to the outbox.\n".into(),
//! };
//! match mailer.send(&email).await? {
//!     Delivery::Outbox(path) => assert!(path.starts_with(&outbox) && path.is_file()),
//!     Delivery::Sent => unreachable!("no SMTP server is configured"),
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod outbox;
mod smtp;

use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart};
use tokio::sync::watch;

/// Errors of the mail crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings cannot work (checked before anything is sent).
    #[error("mail settings: {0}")]
    Settings(String),
    /// An address does not parse as a mailbox.
    #[error("invalid mail address {address:?}: {reason}")]
    Address {
        /// The address as given.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// The message could not be built.
    #[error("cannot build the message: {0}")]
    Message(String),
    /// The SMTP exchange failed (connection, TLS, AUTH or a refusal of the server).
    #[error("SMTP: {0}")]
    Smtp(String),
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The send did not finish in time.
    #[error("gave up after {0:?}")]
    Timeout(Duration),
    /// Too many messages are waiting to be sent in the background.
    #[error("{0} messages are already waiting to be sent")]
    Busy(usize),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No TLS (port 25 by default); only towards a loopback host.
    None,
}

impl Security {
    /// Parses the configuration's spelling: `starttls`, `tls` or `none`.
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            "none" => Some(Security::None),
            _ => None,
        }
    }

    /// The usual port of this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// Where and how to reach an SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Host name or IP address (also the name its certificate must carry).
    pub host: String,
    /// Port; 0 means the usual port of [`SmtpSettings::security`].
    pub port: u16,
    /// Connection protection.
    pub security: Security,
    /// AUTH user name; `None` sends without AUTH.
    pub username: Option<String>,
    /// AUTH password (with a user name).
    pub password: Option<String>,
    /// PEM file of extra CA certificates to trust (a private mail server's CA).
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl SmtpSettings {
    /// The port connected to.
    pub fn effective_port(&self) -> u16 {
        if self.port == 0 {
            self.security.default_port()
        } else {
            self.port
        }
    }
}

/// Which transport a [`Mailer`] uses.
#[derive(Clone, Debug)]
pub enum Transport {
    /// An SMTP server.
    Smtp(SmtpSettings),
    /// Files in this folder (created when needed).
    Outbox(PathBuf),
}

/// Everything a [`Mailer`] needs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// SMTP or outbox.
    pub transport: Transport,
    /// The `From` mailbox, e.g. `orgdir <noreply@example.com>`.
    pub from: String,
    /// Longest one send may take (connection, TLS, AUTH and the message together).
    pub timeout: Duration,
}

/// Default of [`Settings::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most messages waiting in background tasks at once ([`Mailer::spawn`]); beyond, a send
/// fails at once with [`Error::Busy`].
pub const MAX_PENDING: usize = 64;

impl Settings {
    /// Settings that write every message to `dir`.
    pub fn outbox(dir: impl Into<PathBuf>, from: &str) -> Settings {
        Settings {
            transport: Transport::Outbox(dir.into()),
            from: from.to_string(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Checks what can be checked without I/O: the `From` address, a host for SMTP, plain
    /// SMTP only towards a loopback host, a password only with a user name and vice versa.
    pub fn check(&self) -> Result<()> {
        mailbox(&self.from)?;
        if self.timeout.is_zero() {
            return Err(Error::Settings(
                "the timeout must be at least one second".into(),
            ));
        }
        let Transport::Smtp(s) = &self.transport else {
            return Ok(());
        };
        if s.host.trim().is_empty() {
            return Err(Error::Settings("an SMTP host is required".into()));
        }
        if s.security == Security::None && !is_loopback_host(&s.host) {
            return Err(Error::Settings(format!(
                "security \"none\" sends mail (recovery links, the SMTP password) in clear: it is \
                 allowed only towards a loopback host such as 127.0.0.1, not {:?}; use \
                 \"starttls\" or \"tls\"",
                s.host
            )));
        }
        match (&s.username, &s.password) {
            (Some(_), None) => Err(Error::Settings("an SMTP user name needs a password".into())),
            (None, Some(_)) => Err(Error::Settings("an SMTP password needs a user name".into())),
            _ => Ok(()),
        }
    }
}

/// Whether `host` names this machine: `localhost` or a loopback IP address.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parses a mailbox (`name <addr@host>` or `addr@host`).
pub fn mailbox(s: &str) -> Result<Mailbox> {
    s.trim().parse::<Mailbox>().map_err(|e| Error::Address {
        address: s.to_string(),
        reason: e.to_string(),
    })
}

/// One plain-text message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// The recipient.
    pub to: String,
    /// The subject (keep it ASCII: it is not translated by the recipient's client).
    pub subject: String,
    /// The body, plain UTF-8 text.
    pub text: String,
}

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The SMTP server accepted it.
    Sent,
    /// It was written to this file of the outbox.
    Outbox(PathBuf),
}

enum Inner {
    Smtp {
        transport: smtp::Smtp,
        describe: String,
    },
    Outbox(PathBuf),
}

/// Sends mail; see the crate documentation.
pub struct Mailer {
    inner: Inner,
    from: Mailbox,
    timeout: Duration,
    pending: watch::Sender<usize>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .finish()
    }
}

impl Mailer {
    /// A mailer over `settings` (after [`Settings::check`]; a CA file is read here).
    pub fn new(settings: Settings) -> Result<Mailer> {
        settings.check()?;
        let inner = match &settings.transport {
            Transport::Smtp(s) => Inner::Smtp {
                transport: smtp::Smtp::new(s, settings.timeout)?,
                describe: format!(
                    "SMTP {}:{} ({}{})",
                    s.host,
                    s.effective_port(),
                    match s.security {
                        Security::StartTls => "STARTTLS",
                        Security::Tls => "TLS",
                        Security::None => "no TLS",
                    },
                    if s.username.is_some() { ", AUTH" } else { "" }
                ),
            },
            Transport::Outbox(dir) => Inner::Outbox(dir.clone()),
        };
        Ok(Mailer {
            inner,
            from: mailbox(&settings.from)?,
            timeout: settings.timeout,
            pending: watch::Sender::new(0),
        })
    }

    /// Where mail goes, for logs: `SMTP host:587 (STARTTLS, AUTH)` or `outbox <dir>`.
    pub fn describe(&self) -> String {
        match &self.inner {
            Inner::Smtp { describe, .. } => describe.clone(),
            Inner::Outbox(dir) => format!("outbox {}", dir.display()),
        }
    }

    /// The outbox folder, when mail goes there.
    pub fn outbox_dir(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Outbox(dir) => Some(dir),
            Inner::Smtp { .. } => None,
        }
    }

    /// The message as it goes on the wire (RFC 5322, quoted-printable UTF-8 text).
    fn build(&self, email: &Email) -> Result<lettre::Message> {
        let to = mailbox(&email.to)?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(lettre::message::header::ContentTransferEncoding::QuotedPrintable)
                    .body(email.text.clone()),
            )
            .map_err(|e| Error::Message(e.to_string()))
    }

    /// Sends one message, within the timeout.
    pub async fn send(&self, email: &Email) -> Result<Delivery> {
        let message = self.build(email)?;
        let work = async {
            match &self.inner {
                Inner::Smtp { transport, .. } => {
                    transport.send(&message).await?;
                    tracing::info!(to = %email.to, subject = %email.subject, "mail sent");
                    Ok(Delivery::Sent)
                }
                Inner::Outbox(dir) => {
                    let path = outbox::write(dir, message.formatted()).await?;
                    tracing::info!(
                        path = %path.display(),
                        to = %email.to,
                        subject = %email.subject,
                        "mail written to the outbox (no SMTP server is configured)"
                    );
                    Ok(Delivery::Outbox(path))
                }
            }
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| Error::Timeout(self.timeout))?
    }

    /// Sends `email` in a background task, then runs `then` with the outcome (a failure is
    /// also logged here). At most [`MAX_PENDING`] sends wait at once; beyond, `then` gets
    /// [`Error::Busy`] at once, in the background task as well.
    pub fn spawn<F, Fut>(self: &Arc<Self>, email: Email, then: F)
    where
        F: FnOnce(Result<Delivery>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut busy = None;
        self.pending.send_modify(|n| {
            if *n >= MAX_PENDING {
                busy = Some(*n);
            }
            *n += 1;
        });
        let guard = Pending(self.clone());
        tokio::spawn(async move {
            let result = match busy {
                Some(n) => Err(Error::Busy(n)),
                None => guard.0.send(&email).await,
            };
            if let Err(e) = &result {
                tracing::warn!(to = %email.to, subject = %email.subject, error = %e, "mail not sent");
            }
            then(result).await;
            drop(guard);
        });
    }

    /// Waits until no background send started by [`Mailer::spawn`] is running.
    pub async fn idle(&self) {
        let mut rx = self.pending.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

/// Counts one background send until dropped (also when its task panics).
struct Pending(Arc<Mailer>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests;
