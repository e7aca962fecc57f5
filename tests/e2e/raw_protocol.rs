//! The LDAP wire protocol with hand-made BER over a plain TCP socket: what no well-behaved
//! client library would send (message ID 0, garbage, oversized or indefinite-length
//! messages), and responses checked octet-field by field (RFC 4511 sections 4.1.1, 4.4.1,
//! 4.11, 4.12, 5.1).

use std::io::{ErrorKind, Write};
use std::net::TcpStream;

use anyhow::{Context as _, Result, bail, ensure};
use orgdir_testkit::ber::ldap::{self, Message};
use orgdir_testkit::ber::{self, tag};
use orgdir_testkit::{Options, Server};

use crate::support::{OP_TIMEOUT, READER_DN, READER_PW, own_server, read_only_server};

const NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";
const WHOAMI: &str = "1.3.6.1.4.1.4203.1.11.3";

fn connect(server: &Server) -> Result<TcpStream> {
    let stream = TcpStream::connect(server.ldap_addr()).context("connecting")?;
    stream.set_read_timeout(Some(OP_TIMEOUT))?;
    stream.set_write_timeout(Some(OP_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Writes bytes; a peer that already closed the connection is not an error here (the
/// caller checks for the close).
fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<()> {
    match stream.write_all(bytes) {
        Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => Ok(()),
        other => Ok(other?),
    }
}

/// Reads the next message; errors if the connection closes or times out instead.
fn read(stream: &mut TcpStream) -> Result<Message> {
    let tlv = ber::read_tlv(stream)
        .context("reading a response")?
        .context("the server closed the connection instead of responding")?;
    Message::parse(&tlv)
}

/// Reads until the server closes the connection; returns what it sent before that.
fn expect_closed(stream: &mut TcpStream) -> Result<Vec<Message>> {
    let mut received = Vec::new();
    loop {
        match ber::read_tlv(stream) {
            Ok(None) => return Ok(received),
            Ok(Some(tlv)) => {
                received.push(Message::parse(&tlv)?);
                ensure!(received.len() < 100, "server keeps sending: {received:?}");
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                bail!("the connection was not closed within {OP_TIMEOUT:?}; got {received:?}")
            }
            // A reset (the server closed with unread input) or a close mid-message.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof | ErrorKind::BrokenPipe
                ) =>
            {
                return Ok(received);
            }
            Err(e) => return Err(e).context("reading until close"),
        }
    }
}

/// Checks that whatever arrived before a close is at most a Notice of Disconnection.
fn at_most_a_notice(received: &[Message]) -> Result<()> {
    match received {
        [] => Ok(()),
        [notice] => check_notice(notice, None),
        more => bail!("expected at most a notice of disconnection, got {more:?}"),
    }
}

/// A Notice of Disconnection (RFC 4511 4.4.1), with `code` if given.
fn check_notice(msg: &Message, code: Option<i64>) -> Result<()> {
    ensure!(msg.id == 0, "notice with messageID {}", msg.id);
    ensure!(
        msg.op.tag == tag::EXTENDED_RESPONSE,
        "notice op {:#04x}",
        msg.op.tag
    );
    let res = msg.result()?;
    ensure!(
        res.response_name.as_deref() == Some(NOTICE_OF_DISCONNECTION),
        "responseName {:?}",
        res.response_name
    );
    if let Some(code) = code {
        ensure!(
            res.code == code,
            "notice resultCode {} instead of {code}",
            res.code
        );
    }
    Ok(())
}

/// Binds as the reader with message ID 1 and checks success.
fn bind_reader(stream: &mut TcpStream) -> Result<()> {
    send(stream, &ldap::simple_bind(1, READER_DN, READER_PW))?;
    let msg = read(stream)?;
    ensure!(msg.id == 1 && msg.op.tag == tag::BIND_RESPONSE, "{msg:?}");
    let res = msg.result()?;
    ensure!(res.code == 0, "reader bind failed: {res:?}");
    Ok(())
}

/// A fresh connection still gets served: bind and Who am I?.
fn still_serves(server: &Server) -> Result<()> {
    let mut stream = connect(server)?;
    bind_reader(&mut stream)?;
    send(&mut stream, &ldap::extended(2, WHOAMI, None))?;
    let msg = read(&mut stream)?;
    ensure!(msg.id == 2 && msg.result()?.code == 0, "{msg:?}");
    Ok(())
}

/// Reads the responses of one search (entries then done); returns the entries and the code.
fn read_search(stream: &mut TcpStream, id: i64) -> Result<(Vec<Message>, i64)> {
    let mut entries = Vec::new();
    loop {
        let msg = read(stream)?;
        ensure!(
            msg.id == id,
            "response to message {} while waiting for {id}",
            msg.id
        );
        match msg.op.tag {
            tag::SEARCH_RESULT_ENTRY => entries.push(msg),
            tag::SEARCH_RESULT_DONE => return Ok((entries, msg.result()?.code)),
            0x73 => {} // SearchResultReference
            other => bail!("unexpected op {other:#04x} in a search response"),
        }
    }
}

fn root_dse_search(id: i64) -> Vec<u8> {
    ldap::search(
        id,
        "",
        0,
        ldap::present("objectClass"),
        &["supportedLDAPVersion"],
    )
}

#[test]
fn message_id_zero_gets_a_notice_of_disconnection() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    send(&mut stream, &ldap::simple_bind(0, READER_DN, READER_PW))?;
    let received = expect_closed(&mut stream)?;
    let [notice] = received.as_slice() else {
        bail!("expected exactly a notice of disconnection, got {received:?}");
    };
    check_notice(notice, Some(2))?;
    still_serves(&server)
}

#[test]
fn garbage_closes_the_connection_and_the_server_keeps_serving() -> Result<()> {
    let server = read_only_server()?;
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        (
            "an HTTP request",
            b"GET / HTTP/1.1\r\nHost: ldap\r\n\r\n".to_vec(),
        ),
        ("0xff bytes", vec![0xff; 64]),
        (
            "a TLS ClientHello on the plain port",
            vec![0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00],
        ),
        (
            "an indefinite length",
            vec![0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00],
        ),
        (
            "a messageID that is not an INTEGER",
            ber::constructed(
                tag::SEQUENCE,
                &[
                    ber::encode(tag::OCTET_STRING, b"one"),
                    ber::encode(tag::UNBIND_REQUEST, &[]),
                ],
            ),
        ),
        (
            "a bind request with its fields missing",
            ldap::message(1, ber::constructed(tag::BIND_REQUEST, &[])),
        ),
        (
            "a length longer than the SEQUENCE's content",
            vec![0x30, 0x05, 0x02, 0x01, 0x01, 0x42, 0x05, 0x00, 0x00],
        ),
    ];
    for (what, bytes) in garbage {
        let mut stream = connect(&server)?;
        send(&mut stream, &bytes)?;
        let received = expect_closed(&mut stream).with_context(|| what.to_owned())?;
        at_most_a_notice(&received).with_context(|| what.to_owned())?;
        still_serves(&server).with_context(|| format!("after {what}"))?;
    }
    Ok(())
}

#[test]
fn oversized_messages_close_the_connection() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_LDAP_MAX_MESSAGE_BYTES", "4096"))?;

    // Just under the limit: served normally.
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;
    let value = vec![b'x'; 3000];
    send(
        &mut stream,
        &ldap::search(
            2,
            "dc=example,dc=com",
            2,
            ldap::equality("cn", &value),
            &["cn"],
        ),
    )?;
    let (entries, code) = read_search(&mut stream, 2)?;
    ensure!(
        entries.is_empty() && code == 0,
        "search under the limit: {code}"
    );

    // Over the limit, sent in full.
    let value = vec![b'x'; 8000];
    send(
        &mut stream,
        &ldap::search(
            3,
            "dc=example,dc=com",
            2,
            ldap::equality("cn", &value),
            &["cn"],
        ),
    )?;
    let received = expect_closed(&mut stream).context("message of 8 kB")?;
    at_most_a_notice(&received).context("message of 8 kB")?;

    // Over the limit by its header alone: must not wait for a megabyte that never comes.
    let mut stream = connect(&server)?;
    send(
        &mut stream,
        &[0x30, 0x83, 0x10, 0x00, 0x00, 0x02, 0x01, 0x01],
    )?;
    let received = expect_closed(&mut stream).context("header announcing 1 MiB")?;
    at_most_a_notice(&received).context("header announcing 1 MiB")?;

    // A length that does not even fit the length field's sanity.
    let mut stream = connect(&server)?;
    send(&mut stream, &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff])?;
    let received = expect_closed(&mut stream).context("header announcing 2 GiB")?;
    at_most_a_notice(&received).context("header announcing 2 GiB")?;

    still_serves(&server)
}

#[test]
fn abandon_gets_no_response() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;
    // Abandon an operation that does not exist, then the finished bind, then search: the
    // first thing that comes back must be the search's response.
    let mut batch = ldap::abandon(2, 99);
    batch.extend(ldap::abandon(3, 1));
    batch.extend(root_dse_search(4));
    send(&mut stream, &batch)?;
    let (entries, code) = read_search(&mut stream, 4)?;
    ensure!(entries.len() == 1 && code == 0, "RootDSE search: {code}");
    Ok(())
}

#[test]
fn unbind_closes_the_connection_without_a_response() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;
    send(&mut stream, &ldap::unbind(2))?;
    let received = expect_closed(&mut stream)?;
    ensure!(received.is_empty(), "responses to unbind: {received:?}");
    Ok(())
}

#[test]
fn pipelined_requests_are_each_answered_once() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;
    let ids = 2..=9;
    let batch: Vec<u8> = ids.clone().flat_map(root_dse_search).collect();
    send(&mut stream, &batch)?;
    let mut done = Vec::new();
    while done.len() < 8 {
        let msg = read(&mut stream)?;
        ensure!(
            ids.contains(&msg.id),
            "response to unknown message {}",
            msg.id
        );
        if msg.op.tag == tag::SEARCH_RESULT_DONE {
            ensure!(msg.result()?.code == 0);
            done.push(msg.id);
        }
    }
    done.sort_unstable();
    ensure!(done == ids.collect::<Vec<_>>(), "done messages: {done:?}");
    Ok(())
}

#[test]
fn whoami_and_unknown_extended_operations() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;

    send(&mut stream, &ldap::extended(2, WHOAMI, None))?;
    let msg = read(&mut stream)?;
    ensure!(
        msg.id == 2 && msg.op.tag == tag::EXTENDED_RESPONSE,
        "{msg:?}"
    );
    let res = msg.result()?;
    ensure!(res.code == 0, "{res:?}");
    let authzid = String::from_utf8_lossy(res.response_value.as_deref().unwrap_or_default())
        .to_ascii_lowercase();
    ensure!(
        authzid == format!("dn:{}", READER_DN.to_ascii_lowercase()),
        "{authzid}"
    );

    // RFC 4511 4.12: an unrecognised requestName gets protocolError; the session goes on.
    send(
        &mut stream,
        &ldap::extended(3, "1.3.6.1.4.1.99999.7.7", Some(b"x")),
    )?;
    let msg = read(&mut stream)?;
    ensure!(
        msg.id == 3 && msg.op.tag == tag::EXTENDED_RESPONSE,
        "{msg:?}"
    );
    ensure!(msg.result()?.code == 2, "{:?}", msg.result()?);
    send(&mut stream, &root_dse_search(4))?;
    let (entries, code) = read_search(&mut stream, 4)?;
    ensure!(entries.len() == 1 && code == 0);
    Ok(())
}

#[test]
fn bind_with_ldap_version_2_is_a_protocol_error() -> Result<()> {
    let server = read_only_server()?;
    let mut stream = connect(&server)?;
    let bind_v2 = ldap::message(
        1,
        ber::constructed(
            tag::BIND_REQUEST,
            &[
                ber::integer(tag::INTEGER, 2),
                ber::encode(tag::OCTET_STRING, READER_DN.as_bytes()),
                ber::encode(tag::AUTH_SIMPLE, READER_PW.as_bytes()),
            ],
        ),
    );
    send(&mut stream, &bind_v2)?;
    let msg = read(&mut stream)?;
    ensure!(msg.id == 1 && msg.op.tag == tag::BIND_RESPONSE, "{msg:?}");
    ensure!(msg.result()?.code == 2, "{:?}", msg.result()?);
    Ok(())
}

#[test]
fn idle_connections_are_closed() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_LDAP_IDLE_TIMEOUT_SECONDS", "1"))?;
    let mut stream = connect(&server)?;
    bind_reader(&mut stream)?;
    // No sleep: the read blocks until the server closes (bounded by the read timeout).
    let received = expect_closed(&mut stream)?;
    at_most_a_notice(&received)?;
    ensure!(
        server.exit_status()?.is_none(),
        "the server exited:\n{}",
        server.logs()
    );
    Ok(())
}
