//! The demo directory behind an in-process handler, and helpers to run requests as a given
//! identity and render the responses as compact text for `expect!` comparisons.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::*;
use orgdir_directory::service::{Directory, DirectoryConfig};
use orgdir_directory::world::{ManualClock, OsEntropy};
use orgdir_ldap::frame::{RawControl, Request};
use orgdir_ldap::handler::{Next, Reply};
use orgdir_ldap::{Handler, LdapConfig, Session};
use orgdir_passwords::Argon2Params;

pub const BASE: &str = "dc=example,dc=com";

/// One runtime and one demo directory for all tests of this binary (seeding hashes 50
/// passwords; doing it once keeps the suite fast).
pub fn env() -> &'static (tokio::runtime::Runtime, Arc<Directory>) {
    static ENV: OnceLock<(tokio::runtime::Runtime, Arc<Directory>)> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = rt.block_on(demo_directory());
        (rt, dir)
    })
}

pub fn handler(cfg: LdapConfig) -> Handler {
    Handler::new(env().1.clone(), cfg, true)
}

/// A handler over a demo directory of its own, for tests that change it.
pub fn fresh_handler() -> Handler {
    let dir = env().0.block_on(demo_directory());
    Handler::new(dir, LdapConfig::default(), true)
}

/// A demo directory in memory, with cheap password hashing and a lockout after 3 failures.
async fn demo_directory() -> Arc<Directory> {
    let store = Arc::new(orgdir_store::SqliteStore::open_in_memory().expect("store"));
    let config = DirectoryConfig {
        argon2: Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        },
        lockout_threshold: 3,
        ..DirectoryConfig::default()
    };
    let dir = Directory::open(
        store,
        config,
        Arc::new(ManualClock::new(1_764_000_000)),
        Arc::new(OsEntropy),
    )
    .expect("directory");
    orgdir_directory::demo::seed_demo(&dir).await.expect("demo");
    Arc::new(dir)
}

pub fn peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// Sends one operation; returns the responses.
pub fn send(
    h: &Handler,
    s: &mut Session,
    op: LdapOp,
    ctrl: Vec<LdapControl>,
) -> (Vec<LdapMsg>, Next) {
    send_raw(h, s, op, ctrl, Vec::new())
}

pub fn send_raw(
    h: &Handler,
    s: &mut Session,
    op: LdapOp,
    ctrl: Vec<LdapControl>,
    controls: Vec<RawControl>,
) -> (Vec<LdapMsg>, Next) {
    let req = Request {
        msg: LdapMsg::new_with_ctrls(7, op, ctrl),
        controls,
    };
    let (replies, next) = env().0.block_on(h.handle(s, req));
    (decode(replies), next)
}

/// Turns replies into messages, decoding pre-encoded entries with ldap3_proto's own codec
/// (which also checks that the hand-made BER is well-formed).
pub fn decode(replies: Vec<Reply>) -> Vec<LdapMsg> {
    use tokio_util::codec::Decoder;
    let mut out = Vec::new();
    for r in replies {
        match r {
            Reply::Msg(m) => out.push(m),
            Reply::Encoded(bytes) => {
                let mut buf = bytes::BytesMut::from(&bytes[..]);
                let mut codec = ldap3_proto::LdapCodec::default();
                while !buf.is_empty() {
                    let m = codec
                        .decode(&mut buf)
                        .expect("valid BER")
                        .expect("a whole message");
                    assert_eq!(m.msgid, 7, "entries carry the request's messageID");
                    out.push(m);
                }
            }
        }
    }
    out
}

/// A session bound as `who`: "anon", "reader", "admin" or a member account.
pub fn session(h: &Handler, who: &str) -> Session {
    let mut s = Session::new(peer(), false);
    let (dn, pw) = match who {
        "anon" => return s,
        "reader" => (
            format!("cn=reader,cn=services,{BASE}"),
            "Reader-Passw0rd".to_string(),
        ),
        "admin" => (format!("cn=admin,{BASE}"), "Admin-Passw0rd-1".to_string()),
        account => (account.to_string(), format!("Passw0rd-{account}")),
    };
    let (resp, _) = send(h, &mut s, bind_op(&dn, &pw), vec![]);
    assert_eq!(code(&resp), "success", "bind as {who}");
    s
}

pub fn bind_op(dn: &str, pw: &str) -> LdapOp {
    LdapOp::BindRequest(LdapBindRequest {
        version: 3,
        dn: dn.to_string(),
        cred: LdapBindCred::Simple(pw.to_string()),
    })
}

pub fn search_op(base: &str, scope: LdapSearchScope, filter: &str, attrs: &[&str]) -> LdapOp {
    LdapOp::SearchRequest(LdapSearchRequest {
        base: base.to_string(),
        scope,
        aliases: LdapDerefAliases::Never,
        sizelimit: 0,
        timelimit: 0,
        typesonly: false,
        filter: parse_filter(filter),
        attrs: attrs.iter().map(|a| a.to_string()).collect(),
    })
}

/// The result code of the last response, snake-cased.
pub fn code(resp: &[LdapMsg]) -> String {
    match resp.last().map(|m| &m.op) {
        Some(LdapOp::BindResponse(b)) => format!("{:?}", b.res.code),
        Some(LdapOp::SearchResultDone(r))
        | Some(LdapOp::CompareResult(r))
        | Some(LdapOp::ModifyResponse(r))
        | Some(LdapOp::AddResponse(r))
        | Some(LdapOp::DelResponse(r))
        | Some(LdapOp::ModifyDNResponse(r)) => format!("{:?}", r.code),
        Some(LdapOp::ExtendedResponse(x)) => format!("{:?}", x.res.code),
        other => format!("{other:?}"),
    }
    .to_lowercase()
}

/// Renders search responses: one line per entry (its DN, then `attr=value` pairs), then the
/// result code and matchedDN.
pub fn render(resp: &[LdapMsg]) -> String {
    let mut out = String::new();
    for m in resp {
        match &m.op {
            LdapOp::SearchResultEntry(e) => {
                out.push_str(&e.dn);
                for a in &e.attributes {
                    for v in &a.vals {
                        out.push_str(&format!(" {}={}", a.atype, String::from_utf8_lossy(v)));
                    }
                    if a.vals.is_empty() {
                        out.push_str(&format!(" {}", a.atype));
                    }
                }
                out.push('\n');
            }
            LdapOp::SearchResultDone(r) => {
                out.push_str(&format!("=> {:?}", r.code));
                if !r.matcheddn.is_empty() {
                    out.push_str(&format!(" matched={}", r.matcheddn));
                }
                if !r.message.is_empty() {
                    out.push_str(&format!(" ({})", r.message));
                }
                out.push('\n');
            }
            other => out.push_str(&format!("{other:?}\n")),
        }
    }
    out
}

/// Runs a subtree search from the base as `who`, returning only DNs and the result.
pub fn dns(who: &str, filter: &str) -> String {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, who);
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(BASE, LdapSearchScope::Subtree, filter, &["1.1"]),
        vec![],
    );
    render(&resp)
}

/// A small RFC 4515 filter-string parser for the tests (ldap3_proto's own string parser
/// does not accept spaces, `=` or escapes inside values).
pub fn parse_filter(s: &str) -> LdapFilter {
    let (f, rest) = parse_item(s.trim()).unwrap_or_else(|| panic!("bad filter {s}"));
    assert!(rest.is_empty(), "trailing text in filter {s}");
    f
}

fn unescape(v: &str) -> String {
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 2 < b.len() + 1 {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn parse_item(s: &str) -> Option<(LdapFilter, &str)> {
    let s = s.strip_prefix('(')?;
    let (f, rest) = match s.chars().next()? {
        '&' | '|' => {
            let mut items = Vec::new();
            let mut rest = &s[1..];
            while rest.starts_with('(') {
                let (f, r) = parse_item(rest)?;
                items.push(f);
                rest = r;
            }
            let f = if s.starts_with('&') {
                LdapFilter::And(items)
            } else {
                LdapFilter::Or(items)
            };
            (f, rest)
        }
        '!' => {
            let (f, r) = parse_item(&s[1..])?;
            (LdapFilter::Not(Box::new(f)), r)
        }
        _ => {
            let end = s.find(')')?;
            let item = &s[..end];
            let rest = &s[end..];
            (parse_simple(item)?, rest)
        }
    };
    Some((f, rest.strip_prefix(')')?))
}

fn parse_simple(item: &str) -> Option<LdapFilter> {
    if let Some((left, v)) = item.split_once(":=") {
        let mut parts = left.split(':');
        let attr = parts.next().filter(|a| !a.is_empty()).map(String::from);
        let mut dn = false;
        let mut rule = None;
        for p in parts {
            if p.eq_ignore_ascii_case("dn") {
                dn = true
            } else {
                rule = Some(p.to_string())
            }
        }
        return Some(LdapFilter::Extensible(LdapMatchingRuleAssertion {
            matching_rule: rule,
            type_: attr,
            match_value: unescape(v),
            dn_attributes: dn,
        }));
    }
    for (op, mk) in [
        (
            ">=",
            LdapFilter::GreaterOrEqual as fn(String, String) -> LdapFilter,
        ),
        ("<=", LdapFilter::LessOrEqual),
        ("~=", LdapFilter::Approx),
    ] {
        if let Some((a, v)) = item.split_once(op) {
            return Some(mk(a.to_string(), unescape(v)));
        }
    }
    let (a, v) = item.split_once('=')?;
    if v == "*" {
        return Some(LdapFilter::Present(a.to_string()));
    }
    if v.contains('*') {
        let parts: Vec<&str> = v.split('*').collect();
        let initial = parts.first().filter(|p| !p.is_empty()).map(|p| unescape(p));
        let final_ = parts.last().filter(|p| !p.is_empty()).map(|p| unescape(p));
        let any = parts[1..parts.len() - 1]
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| unescape(p))
            .collect();
        return Some(LdapFilter::Substring(
            a.to_string(),
            LdapSubstringFilter {
                initial,
                any,
                final_,
            },
        ));
    }
    Some(LdapFilter::Equality(a.to_string(), unescape(v)))
}
