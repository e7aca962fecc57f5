//! The command line's side of the control socket: a small HTTP/1.1 client over a Unix
//! socket (one request per connection, `Connection: close`; bodies by Content-Length or
//! chunked). Every request carries `X-Orgdir-Enterprise`, so it acts as that enterprise's
//! administrator (see the parent module for the trust model).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::UnixStream;

/// Deadline of one request (an upload of at most 10 MiB to a local socket, or a status).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to a running server's control socket, acting for one enterprise.
#[derive(Debug)]
pub struct Client {
    path: PathBuf,
    enterprise: u64,
}

/// An answer.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the server answered {} with a body that is not JSON: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// What an error answer says: a problem document's `detail`, an `error` code, or the
    /// text.
    pub fn message(&self) -> String {
        let text = String::from_utf8_lossy(&self.body).trim().to_string();
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&self.body) else {
            return format!("HTTP {}: {text}", self.status);
        };
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        match (field("detail"), field("error"), field("code")) {
            (Some(d), _, _) => d,
            (None, Some(e), _) | (None, None, Some(e)) => format!("HTTP {}: {e}", self.status),
            (None, None, None) => format!("HTTP {}: {text}", self.status),
        }
    }
}

impl Client {
    /// The control socket of the server running on `data_dir`, or `None` when no server
    /// runs there (no socket, or a stale one that refuses connections; or a data directory
    /// whose path is too long for a socket address, where no server can have one either).
    pub async fn connect(data_dir: &Path, enterprise: u64) -> anyhow::Result<Option<Client>> {
        let path = super::socket_path(data_dir);
        match UnixStream::connect(&path).await {
            Ok(_) => Ok(Some(Client { path, enterprise })),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::InvalidInput
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e).with_context(|| {
                format!(
                    "cannot connect to the running server's control socket {} (run this as \
                     the server's user)",
                    path.display()
                )
            }),
        }
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One request; `target` is the path and query.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
    ) -> anyhow::Result<Response> {
        let run = async {
            let mut s = UnixStream::connect(&self.path)
                .await
                .with_context(|| format!("cannot connect to {}", self.path.display()))?;
            let head = format!(
                "{method} {target} HTTP/1.1\r\nHost: localhost\r\nX-Orgdir-Enterprise: {}\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                self.enterprise,
                body.len()
            );
            s.write_all(head.as_bytes()).await?;
            s.write_all(body).await?;
            s.flush().await?;
            let mut raw = Vec::new();
            s.read_to_end(&mut raw).await?;
            parse(&raw)
        };
        tokio::time::timeout(REQUEST_TIMEOUT, run)
            .await
            .with_context(|| format!("{method} {target}: no answer within {REQUEST_TIMEOUT:?}"))?
            .with_context(|| format!("{method} {target} on {}", self.path.display()))
    }
}

/// Parses a whole HTTP/1.1 response read until the server closed the connection.
fn parse(raw: &[u8]) -> anyhow::Result<Response> {
    let end = find(raw, b"\r\n\r\n").context("the server closed the connection early")?;
    let (head, rest) = raw.split_at(end);
    let body = rest.get(4..).unwrap_or_default();
    let head = std::str::from_utf8(head).context("response head is not text")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(v.parse::<usize>().context("bad Content-Length")?);
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.to_ascii_lowercase().contains("chunked");
        }
    }
    let body = if chunked {
        dechunk(body)?
    } else if let Some(n) = length {
        body.get(..n)
            .context("the server closed the connection before the whole body")?
            .to_vec()
    } else {
        body.to_vec()
    };
    Ok(Response { status, body })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a chunked body (chunk extensions and trailers ignored).
fn dechunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = find(data, b"\r\n").context("truncated chunk size")?;
        let (line, rest) = data.split_at(eol);
        let line = std::str::from_utf8(line).context("bad chunk size")?;
        let hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(hex, 16).context("bad chunk size")?;
        let rest = rest.get(2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).context("truncated chunk")?;
        out.extend_from_slice(chunk);
        data = rest.get(size + 2..).context("truncated chunk")?;
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_length_and_chunked_bodies() {
        let r = parse(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (202, b"{}".as_slice()));
        let r = parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body, b"abcde");
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\n").is_err());
    }

    #[test]
    fn error_messages() {
        let r = Response {
            status: 409,
            body: br#"{"error":"import_running"}"#.to_vec(),
        };
        assert_eq!(r.message(), "HTTP 409: import_running");
        let r = Response {
            status: 400,
            body: br#"{"code":"bad_request","detail":"mode must be all or valid"}"#.to_vec(),
        };
        assert_eq!(r.message(), "mode must be all or valid");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("a b&c/人.xlsx"), "a%20b%26c%2F%E4%BA%BA.xlsx");
    }
}
