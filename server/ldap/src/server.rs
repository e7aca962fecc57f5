//! The network side: listeners for LDAP (with StartTLS) and LDAPS, and a thin framed
//! read/write loop per connection with idle, handshake and write timeouts (STYLE 11).
//! Each request's responses go out in one write; TCP_NODELAY is set so small responses are
//! not held back by Nagle's algorithm.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use ldap3_proto::proto::LdapResultCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::frame::{self, FrameError};
use crate::handler::{Handler, Next, Reply, Session, notice_of_disconnection};

/// How a connection loop ended.
enum End<S> {
    Closed,
    StartTls(S),
}

/// Accepts connections on `listener` until `shutdown` turns true. With `ldaps`, every
/// connection starts with a TLS handshake; otherwise `starttls` (if any) serves StartTLS.
pub async fn serve(
    listener: TcpListener,
    handler: Arc<Handler>,
    ldaps: Option<TlsAcceptor>,
    starttls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(handler.config().max_connections));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection limit reached; closing new connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        handler.directory().metrics().ldap_connection();
        let handler = handler.clone();
        let ldaps = ldaps.clone();
        let starttls = starttls.clone();
        tokio::spawn(async move {
            connection(stream, peer, handler, ldaps, starttls).await;
            drop(permit);
        });
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<Handler>,
    ldaps: Option<TlsAcceptor>,
    starttls: Option<TlsAcceptor>,
) {
    let timeout = handler.config().tls_handshake_timeout;
    if let Some(acceptor) = ldaps {
        match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => {
                let mut session = Session::new(peer, true);
                run(tls, &mut session, &handler).await;
            }
            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        }
        return;
    }
    let mut session = Session::new(peer, false);
    if let End::StartTls(plain) = run(stream, &mut session, &handler).await {
        let Some(acceptor) = starttls else {
            return;
        };
        match tokio::time::timeout(timeout, acceptor.accept(plain)).await {
            Ok(Ok(tls)) => {
                session.tls = true;
                run(tls, &mut session, &handler).await;
            }
            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "StartTLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "StartTLS handshake timed out"),
        }
    }
}

async fn run<S>(mut stream: S, session: &mut Session, handler: &Handler) -> End<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let cfg = handler.config().clone();
    let mut buf = BytesMut::with_capacity(4096);
    let mut out = BytesMut::with_capacity(4096);
    loop {
        let request = match frame::decode(&mut buf, cfg.max_message_bytes) {
            Ok(Some(r)) => r,
            Ok(None) => {
                match tokio::time::timeout(cfg.idle_timeout, stream.read_buf(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return End::Closed,
                    Ok(Ok(_)) => continue,
                    Err(_) => {
                        tracing::debug!(peer = %session.peer, "idle timeout");
                        let _ = send(
                            &mut stream,
                            &mut out,
                            vec![
                                notice_of_disconnection(
                                    LdapResultCode::Unavailable,
                                    "idle timeout",
                                )
                                .into(),
                            ],
                            &cfg,
                        )
                        .await;
                        return End::Closed;
                    }
                }
            }
            Err(e) => {
                tracing::debug!(peer = %session.peer, error = %e, "closing connection");
                let code = match e {
                    FrameError::TooLarge(_) => LdapResultCode::ProtocolError,
                    FrameError::Malformed(_) | FrameError::BadMessageId => {
                        LdapResultCode::ProtocolError
                    }
                };
                let _ = send(
                    &mut stream,
                    &mut out,
                    vec![notice_of_disconnection(code, &e.to_string()).into()],
                    &cfg,
                )
                .await;
                return End::Closed;
            }
        };
        let (responses, next) = handler.handle(session, request).await;
        if send(&mut stream, &mut out, responses, &cfg).await.is_err() {
            return End::Closed;
        }
        match next {
            Next::Continue => {}
            Next::Close => {
                let _ = stream.shutdown().await;
                return End::Closed;
            }
            Next::StartTls => {
                if !buf.is_empty() {
                    // RFC 4511 section 4.14.1: nothing may follow StartTLS before the
                    // handshake.
                    return End::Closed;
                }
                return End::StartTls(stream);
            }
        }
    }
}

async fn send<S>(
    stream: &mut S,
    out: &mut BytesMut,
    msgs: Vec<Reply>,
    cfg: &crate::config::LdapConfig,
) -> std::io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    if msgs.is_empty() {
        return Ok(());
    }
    out.clear();
    for m in msgs {
        match m {
            Reply::Msg(m) => frame::encode(m, out)?,
            Reply::Encoded(bytes) => out.extend_from_slice(&bytes),
        }
    }
    match tokio::time::timeout(cfg.write_timeout, async {
        stream.write_all(out).await?;
        stream.flush().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "write timed out",
        )),
    }
}
