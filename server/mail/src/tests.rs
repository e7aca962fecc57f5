//! The settings rules, the outbox format, and failures towards unreachable SMTP servers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use super::*;

fn smtp(host: &str, security: Security, user: Option<&str>, pw: Option<&str>) -> Settings {
    Settings {
        transport: Transport::Smtp(SmtpSettings {
            host: host.into(),
            port: 0,
            security,
            username: user.map(String::from),
            password: pw.map(String::from),
            ca_file: None,
        }),
        from: "orgdir <noreply@example.com>".into(),
        timeout: DEFAULT_TIMEOUT,
    }
}

#[test]
fn settings_rules() {
    use Security::{None as Plain, StartTls, Tls};
    let cases: [(Settings, Option<&str>); 9] = [
        (smtp("smtp.example.com", StartTls, None, None), None),
        (smtp("smtp.example.com", Tls, Some("u"), Some("p")), None),
        (smtp("127.0.0.1", Plain, None, None), None),
        (smtp("localhost", Plain, Some("u"), Some("p")), None),
        (smtp("[::1]", Plain, None, None), None),
        (
            smtp("smtp.example.com", Plain, None, None),
            Some("loopback"),
        ),
        (smtp("10.0.0.1", Plain, None, None), Some("loopback")),
        (
            smtp("smtp.example.com", StartTls, Some("u"), None),
            Some("needs a password"),
        ),
        (smtp(" ", StartTls, None, None), Some("host is required")),
    ];
    for (settings, want) in cases {
        let got = settings.check().err().map(|e| e.to_string());
        match (want, &got) {
            (None, None) => {}
            (Some(w), Some(g)) if g.contains(w) => {}
            _ => panic!("{settings:?}: want {want:?}, got {got:?}"),
        }
    }
    let mut bad_from = smtp("smtp.example.com", StartTls, None, None);
    bad_from.from = "not an address".into();
    assert!(matches!(bad_from.check(), Err(Error::Address { .. })));
}

#[test]
fn ports_follow_the_security() {
    let mut s = SmtpSettings {
        host: "h".into(),
        port: 0,
        security: Security::StartTls,
        username: None,
        password: Some("secret".into()),
        ca_file: None,
    };
    assert_eq!(s.effective_port(), 587);
    s.security = Security::Tls;
    assert_eq!(s.effective_port(), 465);
    s.port = 2525;
    assert_eq!(s.effective_port(), 2525);
    assert!(!format!("{s:?}").contains("secret"));
    assert_eq!(Security::parse("starttls"), Some(Security::StartTls));
    assert_eq!(Security::parse("STARTTLS"), None);
}

#[tokio::test]
async fn the_outbox_holds_one_private_eml_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::new(Settings::outbox(&outbox, "orgdir <noreply@example.com>")).unwrap();
    assert_eq!(mailer.outbox_dir(), Some(outbox.as_path()));
    let email = Email {
        to: "it@example.com".into(),
        subject: "Reset the super password of enterprise 100001".into(),
        text: "Open https://panel.example.com/panel/recover?token=r1.abc.def within 30 minutes.\n\
               请在 30 分钟内打开上面的链接。\n"
            .into(),
    };
    let Delivery::Outbox(path) = mailer.send(&email).await.unwrap() else {
        panic!("not written to the outbox");
    };
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));
    let raw = std::fs::read_to_string(&path).unwrap();
    for header in [
        "From: orgdir <noreply@example.com>",
        "To: it@example.com",
        "Subject: Reset the super password of enterprise 100001",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "Date: ",
    ] {
        assert!(raw.contains(header), "{header} missing:\n{raw}");
    }
    // Quoted-printable: `=` is `=3D`, long lines are broken with a soft break.
    assert!(raw.contains("token=3Dr1.abc.def"), "{raw}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&outbox), 0o700);
    }
    // A second message is a second file; no temporary file is left behind.
    mailer.send(&email).await.unwrap();
    let names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".eml") && !n.starts_with('.'))
    );

    let bad = Email {
        to: "nobody".into(),
        ..email
    };
    assert!(matches!(
        mailer.send(&bad).await,
        Err(Error::Address { .. })
    ));
}

#[tokio::test]
async fn background_sends_report_their_outcome_and_idle_waits_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Arc::new(
        Mailer::new(Settings::outbox(
            dir.path().join("o"),
            "noreply@example.com",
        ))
        .unwrap(),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for to in ["a@example.com", "not an address"] {
        let tx = tx.clone();
        mailer.spawn(
            Email {
                to: to.into(),
                subject: "s".into(),
                text: "t".into(),
            },
            move |result| async move {
                let _ = tx.send(result.map_err(|e| e.to_string()));
            },
        );
    }
    mailer.idle().await;
    let mut outcomes = vec![rx.try_recv().unwrap(), rx.try_recv().unwrap()];
    outcomes.sort_by_key(|o| o.is_err());
    assert!(
        matches!(&outcomes[0], Ok(Delivery::Outbox(p)) if p.is_file()),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[1], Err(e) if e.contains("invalid mail address")),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn unreachable_or_silent_servers_fail_within_the_timeout() {
    // Nothing listens on the port of a listener that was just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut settings = smtp("127.0.0.1", Security::None, None, None);
    if let Transport::Smtp(s) = &mut settings.transport {
        s.port = port;
    }
    settings.timeout = Duration::from_secs(5);
    let email = Email {
        to: "it@example.com".into(),
        subject: "s".into(),
        text: "t".into(),
    };
    let refused = Mailer::new(settings.clone()).unwrap().send(&email).await;
    assert!(matches!(refused, Err(Error::Smtp(_))), "{refused:?}");

    // A server that accepts and never answers: the send gives up.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    if let Transport::Smtp(s) = &mut settings.transport {
        s.port = silent.local_addr().unwrap().port();
    }
    settings.timeout = Duration::from_secs(1);
    let held = tokio::spawn(async move {
        let (conn, _) = silent.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(conn);
    });
    let gave_up = Mailer::new(settings).unwrap().send(&email).await;
    assert!(
        matches!(gave_up, Err(Error::Timeout(_) | Error::Smtp(_))),
        "{gave_up:?}"
    );
    held.abort();
}

#[test]
fn a_ca_file_without_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    let mut settings = smtp("smtp.example.com", Security::StartTls, None, None);
    if let Transport::Smtp(s) = &mut settings.transport {
        s.ca_file = Some(ca);
    }
    let err = Mailer::new(settings.clone()).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("no PEM certificate")),
        "{err:?}"
    );
    if let Transport::Smtp(s) = &mut settings.transport {
        s.ca_file = Some(dir.path().join("missing.pem"));
    }
    assert!(matches!(Mailer::new(settings), Err(Error::Io { .. })));
}
