//! orgdir-loadgen: a closed-loop LDAP load generator for the orgdir benchmark.
//!
//! One thread per connection, one request in flight per connection, no think
//! time. The requests are BER-encoded by hand (std only), so that one core of
//! load generator can keep an LDAP server on another core busy.
//!
//! Data comes from bench/gen/gen_directory.py (`--data DIR`): binds.tsv,
//! binds_argon2.tsv, members.tsv, leaf_depts.tsv, groups.tsv. Every search
//! response is checked against the entry count the generator knows; a
//! difference is a `mismatch` (reported, and fatal in --smoke mode).
//!
//! Workloads:
//!   search_uid        (uid=<random member>) sub from the base; uid cn mail mobile title
//!   bind              simple bind as a random member ({SSHA}), re-bind on a kept connection
//!   bind_newconn      connect + bind + unbind + close per op
//!   dept_subtree      (objectClass=inetOrgPerson) sub under a random leaf department; 7 attrs
//!   memberof          (memberOf=<random group DN>) sub from the base; uid cn mail
//!   groups_of_user    (&(objectClass=groupOfNames)(member=<random member DN>)) sub under
//!                     the groups container; cn
//!   bind_argon2       bind as a random member of binds_argon2.tsv ({ARGON2} at rest)
//!   bind_argon2_cold  bind each member of binds_argon2.tsv exactly once (no warm-up), then stop
//!
//! Search connections first simple-bind as --bind-dn/--bind-pw (outside the
//! measured ops). Output: one `key=value` line per run on stdout.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ------------------------------------------------------------------ options

#[derive(Clone, Debug)]
struct Opts {
    host: String,
    port: u16,
    base: String,
    groups_base: String,
    data: String,
    workloads: Vec<String>,
    clients: usize,
    duration: f64,
    warmup: f64,
    server_pid: Option<u32>,
    bind_dn: String,
    bind_pw: String,
    smoke: bool,
    smoke_ops: usize,
    seed: u64,
    label: String,
    timeout: f64,
}

const USAGE: &str = "usage: orgdir-loadgen --port P --data DIR [--host 127.0.0.1] [--base dc=example,dc=com]
  [--groups-base ou=groups,<base>] [--workload W[,W...]] [--clients 8] [--duration 20]
  [--warmup 2] [--server-pid PID] [--bind-dn DN --bind-pw PW] [--seed 1] [--label 'k=v ...']
  [--timeout 30] [--smoke [--smoke-ops 3]]
workloads: search_uid bind bind_newconn dept_subtree memberof groups_of_user bind_argon2 bind_argon2_cold";

fn parse_args() -> Opts {
    let mut o = Opts {
        host: "127.0.0.1".into(),
        port: 0,
        base: "dc=example,dc=com".into(),
        groups_base: String::new(),
        data: String::new(),
        workloads: vec!["search_uid".into()],
        clients: 8,
        duration: 20.0,
        warmup: 2.0,
        server_pid: None,
        bind_dn: String::new(),
        bind_pw: String::new(),
        smoke: false,
        smoke_ops: 3,
        seed: 1,
        label: String::new(),
        timeout: 30.0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let val = |i: &mut usize| -> String {
        *i += 1;
        match args.get(*i) {
            Some(v) => v.clone(),
            None => die(&format!("missing value for {}\n{USAGE}", args[*i - 1])),
        }
    };
    fn num<T: std::str::FromStr>(s: String, what: &str) -> T {
        s.parse()
            .unwrap_or_else(|_| die(&format!("bad {what}: {s}")))
    }
    while i < args.len() {
        match args[i].as_str() {
            "--host" => o.host = val(&mut i),
            "--port" => o.port = num(val(&mut i), "port"),
            "--base" => o.base = val(&mut i),
            "--groups-base" => o.groups_base = val(&mut i),
            "--data" => o.data = val(&mut i),
            "--workload" | "--workloads" => {
                o.workloads = val(&mut i)
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            }
            "--clients" => o.clients = num(val(&mut i), "clients"),
            "--duration" => o.duration = num(val(&mut i), "duration"),
            "--warmup" => o.warmup = num(val(&mut i), "warmup"),
            "--server-pid" => o.server_pid = Some(num(val(&mut i), "pid")),
            "--bind-dn" => o.bind_dn = val(&mut i),
            "--bind-pw" => o.bind_pw = val(&mut i),
            "--seed" => o.seed = num(val(&mut i), "seed"),
            "--label" => o.label = val(&mut i),
            "--timeout" => o.timeout = num(val(&mut i), "timeout"),
            "--smoke" => o.smoke = true,
            "--smoke-ops" => o.smoke_ops = num(val(&mut i), "smoke-ops"),
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0)
            }
            other => die(&format!("unknown argument {other}\n{USAGE}")),
        }
        i += 1;
    }
    if o.port == 0 || o.data.is_empty() {
        die(USAGE);
    }
    if o.groups_base.is_empty() {
        o.groups_base = format!("ou=groups,{}", o.base);
    }
    if o.clients == 0 || o.clients > 4096 || o.duration <= 0.0 || o.duration > 86400.0 {
        die("clients must be 1..4096 and duration 0..86400 s");
    }
    for w in &o.workloads {
        if Workload::parse(w).is_none() {
            die(&format!("unknown workload {w}\n{USAGE}"));
        }
    }
    o
}

fn die(msg: &str) -> ! {
    eprintln!("orgdir-loadgen: {msg}");
    exit(2)
}

// ------------------------------------------------------------------ data

struct Data {
    binds: Vec<(String, String)>,
    binds_argon2: Vec<(String, String)>,
    members: Vec<(String, String, u32)>, // dn, uid, number of groups
    leaves: Vec<(String, u32)>,
    groups: Vec<(String, u32)>,
}

fn read_tsv(dir: &str, name: &str, required: bool) -> Vec<Vec<String>> {
    let path = format!("{dir}/{name}");
    match fs::read_to_string(&path) {
        Ok(s) => s
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(String::from).collect())
            .collect(),
        Err(e) if !required => {
            let _ = e;
            Vec::new()
        }
        Err(e) => die(&format!("cannot read {path}: {e}")),
    }
}

fn load_data(dir: &str) -> Data {
    let field = |r: &Vec<String>, i: usize| -> String {
        r.get(i)
            .cloned()
            .unwrap_or_else(|| die(&format!("short line in data: {r:?}")))
    };
    let count = |r: &Vec<String>, i: usize| -> u32 {
        field(r, i)
            .parse()
            .unwrap_or_else(|_| die(&format!("bad count in data: {r:?}")))
    };
    Data {
        binds: read_tsv(dir, "binds.tsv", true)
            .iter()
            .map(|r| (field(r, 0), field(r, 1)))
            .collect(),
        binds_argon2: read_tsv(dir, "binds_argon2.tsv", false)
            .iter()
            .map(|r| (field(r, 0), field(r, 1)))
            .collect(),
        members: read_tsv(dir, "members.tsv", true)
            .iter()
            .map(|r| (field(r, 0), field(r, 1), count(r, 2)))
            .collect(),
        leaves: read_tsv(dir, "leaf_depts.tsv", true)
            .iter()
            .map(|r| (field(r, 0), count(r, 1)))
            .collect(),
        groups: read_tsv(dir, "groups.tsv", true)
            .iter()
            .map(|r| (field(r, 0), count(r, 1)))
            .collect(),
    }
}

// ------------------------------------------------------------------ BER

fn put_len(out: &mut Vec<u8>, at: usize, n: usize) {
    let mut b = [0u8; 5];
    let k = if n < 0x80 {
        b[0] = n as u8;
        1
    } else if n <= 0xff {
        b[0] = 0x81;
        b[1] = n as u8;
        2
    } else if n <= 0xffff {
        b[0] = 0x82;
        b[1..3].copy_from_slice(&(n as u16).to_be_bytes());
        3
    } else {
        b[0] = 0x84;
        b[1..5].copy_from_slice(&(n as u32).to_be_bytes());
        5
    };
    out.splice(at..at, b[..k].iter().copied());
}

/// A constructed (or any) element whose content `f` writes.
fn tlv(out: &mut Vec<u8>, tag: u8, f: impl FnOnce(&mut Vec<u8>)) {
    out.push(tag);
    let start = out.len();
    f(out);
    let n = out.len() - start;
    put_len(out, start, n);
}

fn octets(out: &mut Vec<u8>, tag: u8, v: &[u8]) {
    tlv(out, tag, |o| o.extend_from_slice(v));
}

fn integer(out: &mut Vec<u8>, tag: u8, v: i64) {
    let b = v.to_be_bytes();
    let mut i = 0;
    while i < 7 && ((b[i] == 0 && b[i + 1] & 0x80 == 0) || (b[i] == 0xff && b[i + 1] & 0x80 != 0)) {
        i += 1;
    }
    octets(out, tag, &b[i..]);
}

enum Filter<'a> {
    Eq(&'a str, &'a str),
    And(Vec<Filter<'a>>),
}

fn filter(out: &mut Vec<u8>, f: &Filter) {
    match f {
        Filter::Eq(a, v) => tlv(out, 0xA3, |o| {
            octets(o, 0x04, a.as_bytes());
            octets(o, 0x04, v.as_bytes());
        }),
        Filter::And(fs) => tlv(out, 0xA0, |o| {
            for f in fs {
                filter(o, f);
            }
        }),
    }
}

fn bind_req(out: &mut Vec<u8>, id: i32, dn: &str, pw: &str) {
    out.clear();
    tlv(out, 0x30, |o| {
        integer(o, 0x02, id as i64);
        tlv(o, 0x60, |o| {
            integer(o, 0x02, 3);
            octets(o, 0x04, dn.as_bytes());
            octets(o, 0x80, pw.as_bytes());
        });
    });
}

fn search_req(out: &mut Vec<u8>, id: i32, base: &str, f: &Filter, attrs: &[&str]) {
    out.clear();
    tlv(out, 0x30, |o| {
        integer(o, 0x02, id as i64);
        tlv(o, 0x63, |o| {
            octets(o, 0x04, base.as_bytes());
            integer(o, 0x0A, 2); // wholeSubtree
            integer(o, 0x0A, 0); // neverDerefAliases
            integer(o, 0x02, 0); // sizeLimit
            integer(o, 0x02, 0); // timeLimit
            octets(o, 0x01, &[0x00]); // typesOnly FALSE
            filter(o, f);
            tlv(o, 0x30, |o| {
                for a in attrs {
                    octets(o, 0x04, a.as_bytes());
                }
            });
        });
    });
}

fn unbind_req(out: &mut Vec<u8>, id: i32) {
    out.clear();
    tlv(out, 0x30, |o| {
        integer(o, 0x02, id as i64);
        octets(o, 0x42, &[]);
    });
}

/// (tag, content start, content end) of the element at `pos`.
fn element(b: &[u8], pos: usize) -> Option<(u8, usize, usize)> {
    let tag = *b.get(pos)?;
    let l0 = *b.get(pos + 1)? as usize;
    let (len, hdr) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for k in 0..n {
            len = (len << 8) | *b.get(pos + 2 + k)? as usize;
        }
        (len, 2 + n)
    };
    let start = pos + hdr;
    Some((tag, start, start.checked_add(len)?))
}

// ------------------------------------------------------------------ connection

struct Response {
    op: u8,
    code: i32, // -1 when the op carries no LDAPResult (entries, references)
    diag: String,
}

struct Conn {
    s: TcpStream,
    buf: Vec<u8>,
    r: usize,
    w: usize,
    next_id: i32,
    req: Vec<u8>,
}

const MAX_MSG: usize = 64 << 20;

impl Conn {
    fn connect(addr: &SocketAddr, timeout: Duration) -> io::Result<Conn> {
        let s = TcpStream::connect_timeout(addr, timeout)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(timeout))?;
        s.set_write_timeout(Some(timeout))?;
        Ok(Conn {
            s,
            buf: vec![0; 64 * 1024],
            r: 0,
            w: 0,
            next_id: 1,
            req: Vec::with_capacity(512),
        })
    }

    fn id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id = if id >= i32::MAX - 1 { 1 } else { id + 1 };
        id
    }

    fn send(&mut self) -> io::Result<()> {
        self.s.write_all(&self.req)
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.r > 0 && (self.r == self.w || self.w == self.buf.len()) {
            self.buf.copy_within(self.r..self.w, 0);
            self.w -= self.r;
            self.r = 0;
        }
        if self.w == self.buf.len() {
            let n = self.buf.len() * 2;
            if n > MAX_MSG {
                return Err(io::Error::other("response too large"));
            }
            self.buf.resize(n, 0);
        }
        let n = self.s.read(&mut self.buf[self.w..])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        self.w += n;
        Ok(())
    }

    /// Reads one LDAPMessage; returns its protocolOp tag and result code.
    fn recv(&mut self) -> io::Result<Response> {
        loop {
            let avail = &self.buf[self.r..self.w];
            if avail.len() >= 2 {
                match element(avail, 0) {
                    Some((0x30, _, end)) if end <= avail.len() => {
                        let resp = parse_msg(&avail[..end])?;
                        self.r += end;
                        return Ok(resp);
                    }
                    Some((0x30, _, end)) => {
                        if end > MAX_MSG {
                            return Err(io::Error::other("response too large"));
                        }
                    }
                    Some((t, _, _)) => {
                        return Err(io::Error::other(format!("unexpected BER tag 0x{t:02x}")));
                    }
                    None if avail.len() >= 6 => return Err(io::Error::other("bad BER length")),
                    None => {}
                }
            }
            self.fill()?;
        }
    }

    /// Simple bind; returns (resultCode, diagnosticMessage).
    fn bind(&mut self, dn: &str, pw: &str) -> io::Result<(i32, String)> {
        let id = self.id();
        bind_req(&mut self.req, id, dn, pw);
        self.send()?;
        loop {
            let r = self.recv()?;
            match r.op {
                0x61 => return Ok((r.code, r.diag)),
                0x78 => {
                    return Err(io::Error::other(format!(
                        "notice of disconnection, code {}",
                        r.code
                    )));
                }
                _ => {}
            }
        }
    }

    /// Sends the prepared search in `self.req`; returns (resultCode, diag, entries).
    fn search(&mut self) -> io::Result<(i32, String, u32)> {
        self.send()?;
        let mut entries = 0u32;
        loop {
            let r = self.recv()?;
            match r.op {
                0x64 => entries += 1,
                0x73 => {}
                0x65 => return Ok((r.code, r.diag, entries)),
                0x78 => {
                    return Err(io::Error::other(format!(
                        "notice of disconnection, code {}",
                        r.code
                    )));
                }
                t => {
                    return Err(io::Error::other(format!(
                        "unexpected response op 0x{t:02x}"
                    )));
                }
            }
        }
    }

    fn unbind(&mut self) {
        let id = self.id();
        unbind_req(&mut self.req, id);
        let _ = self.send();
    }
}

fn parse_msg(m: &[u8]) -> io::Result<Response> {
    let bad = || io::Error::other("malformed LDAPMessage");
    let (_, body, end) = element(m, 0).ok_or_else(bad)?;
    let (itag, _, iend) = element(m, body).ok_or_else(bad)?;
    if itag != 0x02 || iend > end {
        return Err(bad());
    }
    let (op, ostart, oend) = element(m, iend).ok_or_else(bad)?;
    if oend > end {
        return Err(bad());
    }
    let mut code = -1;
    let mut diag = String::new();
    if matches!(op, 0x61 | 0x65 | 0x67 | 0x69 | 0x6b | 0x6d | 0x6f | 0x78) {
        let (t, cs, ce) = element(m, ostart).ok_or_else(bad)?;
        if t != 0x0A || ce > oend || ce - cs > 4 || ce == cs {
            return Err(bad());
        }
        code = m[cs..ce].iter().fold(0i32, |a, b| (a << 8) | *b as i32);
        if code != 0 {
            // matchedDN, diagnosticMessage
            if let Some((_, _, me)) = element(m, ce) {
                if let Some((_, ds, de)) = element(m, me) {
                    if de <= oend {
                        diag = String::from_utf8_lossy(&m[ds..de]).into_owned();
                    }
                }
            }
        }
    }
    Ok(Response { op, code, diag })
}

// ------------------------------------------------------------------ workloads

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    SearchUid,
    Bind,
    BindNewconn,
    DeptSubtree,
    MemberOf,
    GroupsOfUser,
    BindArgon2,
    BindArgon2Cold,
}

impl Workload {
    fn parse(s: &str) -> Option<Workload> {
        Some(match s {
            "search_uid" => Workload::SearchUid,
            "bind" => Workload::Bind,
            "bind_newconn" => Workload::BindNewconn,
            "dept_subtree" => Workload::DeptSubtree,
            "memberof" => Workload::MemberOf,
            "groups_of_user" => Workload::GroupsOfUser,
            "bind_argon2" => Workload::BindArgon2,
            "bind_argon2_cold" => Workload::BindArgon2Cold,
            _ => return None,
        })
    }
    fn is_search(self) -> bool {
        matches!(
            self,
            Workload::SearchUid
                | Workload::DeptSubtree
                | Workload::MemberOf
                | Workload::GroupsOfUser
        )
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) * n as u64 >> 32) as usize
    }
}

/// Outcome of one operation.
enum Outcome {
    Ok {
        entries: u32,
        expected: Option<u32>,
    },
    Fail {
        code: i32,
        diag: String,
        what: String,
    },
    Io {
        err: io::Error,
        what: String,
    },
    Exhausted,
}

struct Ctx {
    o: Opts,
    addr: SocketAddr,
    d: Data,
    w: Workload,
    cold_next: AtomicUsize,
}

const SEARCH_UID_ATTRS: &[&str] = &["uid", "cn", "mail", "mobile", "title"];
const DEPT_ATTRS: &[&str] = &["uid", "cn", "sn", "givenName", "mail", "title", "mobile"];
const MEMBEROF_ATTRS: &[&str] = &["uid", "cn", "mail"];
const GROUPS_ATTRS: &[&str] = &["cn"];

fn pick<'a, T>(v: &'a [T], rng: &mut Rng, what: &str) -> &'a T {
    if v.is_empty() {
        die(&format!("no {what} in the data directory"));
    }
    &v[rng.below(v.len())]
}

/// Opens a connection ready for the workload (bound as the reader for searches).
fn open(ctx: &Ctx) -> io::Result<Conn> {
    let mut c = Conn::connect(&ctx.addr, Duration::from_secs_f64(ctx.o.timeout))?;
    if ctx.w.is_search() && !ctx.o.bind_dn.is_empty() {
        let (code, diag) = c.bind(&ctx.o.bind_dn, &ctx.o.bind_pw)?;
        if code != 0 {
            die(&format!(
                "search bind as {} failed: resultCode={code} diag={diag:?}",
                ctx.o.bind_dn
            ));
        }
    }
    Ok(c)
}

fn one_op(ctx: &Ctx, conn: &mut Option<Conn>, rng: &mut Rng) -> Outcome {
    let d = &ctx.d;
    // bind_newconn opens its own connection per op
    if ctx.w == Workload::BindNewconn {
        let (dn, pw) = pick(&d.binds, rng, "binds");
        let what = || format!("bind_newconn dn={dn}");
        let mut c = match Conn::connect(&ctx.addr, Duration::from_secs_f64(ctx.o.timeout)) {
            Ok(c) => c,
            Err(err) => return Outcome::Io { err, what: what() },
        };
        let r = c.bind(dn, pw);
        c.unbind();
        drop(c);
        return match r {
            Ok((0, _)) => Outcome::Ok {
                entries: 0,
                expected: None,
            },
            Ok((code, diag)) => Outcome::Fail {
                code,
                diag,
                what: what(),
            },
            Err(err) => Outcome::Io { err, what: what() },
        };
    }
    if conn.is_none() {
        match open(ctx) {
            Ok(c) => *conn = Some(c),
            Err(err) => {
                return Outcome::Io {
                    err,
                    what: "connect".into(),
                };
            }
        }
    }
    let Some(c) = conn.as_mut() else {
        return Outcome::Exhausted;
    };
    // `what` (for error reports) is only formatted when an op fails
    let (res, expected, what): (
        io::Result<(i32, String, u32)>,
        Option<u32>,
        &dyn Fn() -> String,
    ) = match ctx.w {
        Workload::Bind | Workload::BindArgon2 | Workload::BindArgon2Cold => {
            let (dn, pw) = match ctx.w {
                Workload::Bind => pick(&d.binds, rng, "binds"),
                Workload::BindArgon2 => {
                    pick(&d.binds_argon2, rng, "argon2 members (binds_argon2.tsv)")
                }
                _ => {
                    let i = ctx.cold_next.fetch_add(1, Ordering::Relaxed);
                    match d.binds_argon2.get(i) {
                        Some(x) => x,
                        None => return Outcome::Exhausted,
                    }
                }
            };
            (
                c.bind(dn, pw).map(|(code, diag)| (code, diag, 0)),
                None,
                &move || format!("bind dn={dn}"),
            )
        }
        Workload::SearchUid => {
            let (_, uid, _) = pick(&d.members, rng, "members");
            let id = c.id();
            search_req(
                &mut c.req,
                id,
                &ctx.o.base,
                &Filter::Eq("uid", uid),
                SEARCH_UID_ATTRS,
            );
            (c.search(), Some(1), &move || {
                format!("search base={} (uid={uid})", ctx.o.base)
            })
        }
        Workload::DeptSubtree => {
            let (dn, n) = pick(&d.leaves, rng, "leaf departments");
            let id = c.id();
            search_req(
                &mut c.req,
                id,
                dn,
                &Filter::Eq("objectClass", "inetOrgPerson"),
                DEPT_ATTRS,
            );
            (c.search(), Some(*n), &move || {
                format!("search base={dn} (objectClass=inetOrgPerson)")
            })
        }
        Workload::MemberOf => {
            let (dn, n) = pick(&d.groups, rng, "groups");
            let id = c.id();
            search_req(
                &mut c.req,
                id,
                &ctx.o.base,
                &Filter::Eq("memberOf", dn),
                MEMBEROF_ATTRS,
            );
            (c.search(), Some(*n), &move || {
                format!("search base={} (memberOf={dn})", ctx.o.base)
            })
        }
        Workload::GroupsOfUser => {
            let (dn, _, n) = pick(&d.members, rng, "members");
            let id = c.id();
            let f = Filter::And(vec![
                Filter::Eq("objectClass", "groupOfNames"),
                Filter::Eq("member", dn),
            ]);
            search_req(&mut c.req, id, &ctx.o.groups_base, &f, GROUPS_ATTRS);
            (c.search(), Some(*n), &move || {
                format!(
                    "search base={} (&(objectClass=groupOfNames)(member={dn}))",
                    ctx.o.groups_base
                )
            })
        }
        Workload::BindNewconn => unreachable!(),
    };
    match res {
        Ok((0, _, entries)) => Outcome::Ok { entries, expected },
        Ok((code, diag, _)) => Outcome::Fail {
            code,
            diag,
            what: what(),
        },
        Err(err) => {
            *conn = None;
            Outcome::Io { err, what: what() }
        }
    }
}

// ------------------------------------------------------------------ statistics

const SUB: u32 = 64; // sub-buckets per power of two (~1.6 % resolution)
const NBUCKETS: usize = 128 + 40 * SUB as usize;

fn bucket(us: u64) -> usize {
    if us < 128 {
        return us as usize;
    }
    let e = 63 - us.leading_zeros(); // >= 7
    let sub = (us >> (e - 6)) & (SUB as u64 - 1);
    (128 + (e - 7) as usize * SUB as usize + sub as usize).min(NBUCKETS - 1)
}

fn bucket_value(i: usize) -> u64 {
    if i < 128 {
        return i as u64;
    }
    let e = (i - 128) / SUB as usize + 7;
    let sub = ((i - 128) % SUB as usize) as u64;
    let lo = (SUB as u64 + sub) << (e - 6);
    lo + (1u64 << (e - 6)) / 2 // middle of the bucket
}

#[derive(Default)]
struct Stats {
    hist: Vec<u64>,
    ops: u64,
    errors: u64,
    io_errors: u64,
    mismatches: u64,
    entries: u64,
    sum_us: u64,
    max_us: u64,
    first_error: Option<String>,
    first_mismatch: Option<String>,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            hist: vec![0; NBUCKETS],
            ..Default::default()
        }
    }
    fn merge(&mut self, o: Stats) {
        for (a, b) in self.hist.iter_mut().zip(o.hist) {
            *a += b;
        }
        self.ops += o.ops;
        self.errors += o.errors;
        self.io_errors += o.io_errors;
        self.mismatches += o.mismatches;
        self.entries += o.entries;
        self.sum_us += o.sum_us;
        self.max_us = self.max_us.max(o.max_us);
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        if self.first_mismatch.is_none() {
            self.first_mismatch = o.first_mismatch;
        }
    }
    fn pct(&self, q: f64) -> u64 {
        let total: u64 = self.hist.iter().sum();
        if total == 0 {
            return 0;
        }
        let want = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut acc = 0;
        for (i, n) in self.hist.iter().enumerate() {
            acc += n;
            if acc >= want {
                return bucket_value(i).min(self.max_us);
            }
        }
        self.max_us
    }
    /// Records the outcome of an op completed inside the measured window.
    fn record(&mut self, out: Outcome, us: u64) {
        match out {
            Outcome::Ok { entries, expected } => {
                self.ops += 1;
                self.entries += entries as u64;
                self.sum_us += us;
                self.max_us = self.max_us.max(us);
                self.hist[bucket(us)] += 1;
                if let Some(exp) = expected {
                    if exp != entries {
                        self.mismatches += 1;
                        if self.first_mismatch.is_none() {
                            self.first_mismatch =
                                Some(format!("expected {exp} entries, got {entries}"));
                        }
                    }
                }
            }
            Outcome::Fail { code, diag, what } => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(format!("{what}: resultCode={code} diag={diag:?}"));
                }
            }
            Outcome::Io { err, what } => {
                self.errors += 1;
                self.io_errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(format!("{what}: I/O error: {err}"));
                }
            }
            Outcome::Exhausted => {}
        }
    }
}

// ------------------------------------------------------------------ /proc

/// (utime + stime) in clock ticks (USER_HZ = 100 on Linux).
fn proc_cpu_ticks(pid: &str) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// (busy, steal) ticks of all CPUs from /proc/stat.
fn machine_ticks() -> Option<(u64, u64)> {
    let s = fs::read_to_string("/proc/stat").ok()?;
    let line = s.lines().next()?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4)?;
    Some((total - idle, *v.get(7).unwrap_or(&0)))
}

fn proc_status(pid: u32) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    if let Ok(s) = fs::read_to_string(format!("/proc/{pid}/status")) {
        for l in s.lines() {
            if let Some((k, v)) = l.split_once(':') {
                if let Some(n) = v.split_whitespace().next().and_then(|x| x.parse().ok()) {
                    m.insert(k.to_string(), n);
                }
            }
        }
    }
    m
}

fn time_wait_sockets() -> u64 {
    fs::read_to_string("/proc/net/sockstat")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("TCP:"))?.to_string();
            let f: Vec<&str> = l.split_whitespace().collect();
            let i = f.iter().position(|x| *x == "tw")?;
            f.get(i + 1)?.parse().ok()
        })
        .unwrap_or(0)
}

// ------------------------------------------------------------------ runs

fn run(o: &Opts, addr: SocketAddr, data: Data, wname: &str) -> (Stats, Data) {
    let w = Workload::parse(wname).unwrap_or_else(|| die("bad workload"));
    let cold = w == Workload::BindArgon2Cold;
    let ctx = Arc::new(Ctx {
        o: o.clone(),
        addr,
        d: data,
        w,
        cold_next: AtomicUsize::new(0),
    });
    let warmup = if cold { 0.0 } else { o.warmup };
    let barrier = Arc::new(Barrier::new(o.clients + 1));
    let start_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let finished = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for t in 0..o.clients {
        let (ctx, barrier, start_at, finished, stop) = (
            ctx.clone(),
            barrier.clone(),
            start_at.clone(),
            finished.clone(),
            stop.clone(),
        );
        let seed = o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (t as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        handles.push(thread::spawn(move || {
            let mut rng = Rng(seed | 1);
            let mut st = Stats::new();
            // connect (and bind as the reader) before the clock starts
            let mut conn = if ctx.w == Workload::BindNewconn {
                None
            } else {
                match open(&ctx) {
                    Ok(c) => Some(c),
                    Err(e) => die(&format!("cannot connect to {}: {e}", ctx.addr)),
                }
            };
            barrier.wait();
            let t0 = start_at
                .lock()
                .map(|g| g.unwrap_or_else(Instant::now))
                .unwrap_or_else(|_| Instant::now());
            let measure = t0 + Duration::from_secs_f64(warmup);
            let end = measure + Duration::from_secs_f64(ctx.o.duration);
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let s = Instant::now();
                let out = one_op(&ctx, &mut conn, &mut rng);
                let e = Instant::now();
                if matches!(out, Outcome::Exhausted) || e >= end {
                    break;
                }
                if let Outcome::Io { .. } = out {
                    thread::sleep(Duration::from_millis(2)); // do not spin on a dead server
                }
                if s >= measure || (e >= measure && cold) {
                    st.record(out, e.duration_since(s).as_micros() as u64);
                }
            }
            if let Some(mut c) = conn.take() {
                c.unbind();
            }
            finished.fetch_add(1, Ordering::Relaxed);
            st
        }));
    }
    let pid = o.server_pid.map(|p| p.to_string());
    let t0 = Instant::now();
    if let Ok(mut g) = start_at.lock() {
        *g = Some(t0);
    }
    barrier.wait();
    let measure = t0 + Duration::from_secs_f64(warmup);
    let end = measure + Duration::from_secs_f64(o.duration);
    let now = Instant::now();
    if measure > now {
        thread::sleep(measure - now);
    }
    let m0 = Instant::now();
    let srv0 = pid.as_deref().and_then(proc_cpu_ticks);
    let own0 = proc_cpu_ticks("self");
    let mach0 = machine_ticks();
    // wait for the end of the window or for every client to stop (cold pass)
    while Instant::now() < end && finished.load(Ordering::Relaxed) < o.clients {
        thread::sleep(Duration::from_millis(5));
    }
    let m1 = Instant::now();
    let srv1 = pid.as_deref().and_then(proc_cpu_ticks);
    let own1 = proc_cpu_ticks("self");
    let mach1 = machine_ticks();
    stop.store(true, Ordering::Relaxed);
    let mut total = Stats::new();
    for h in handles {
        match h.join() {
            Ok(s) => total.merge(s),
            Err(_) => die("a client thread panicked"),
        }
    }
    let elapsed = m1.duration_since(m0).as_secs_f64().max(1e-6);
    let ticks = elapsed * 100.0;
    let mut line = String::new();
    if !o.label.is_empty() {
        let _ = write!(line, "{} ", o.label);
    }
    let ops = total.ops;
    let _ = write!(
        line,
        "workload={wname} clients={} duration_s={elapsed:.1} ops={ops} ops_per_s={:.0} errors={} io_errors={} mismatches={} entries_per_op={:.1} lat_mean_us={} p50_us={} p90_us={} p99_us={} p999_us={} max_us={}",
        o.clients,
        ops as f64 / elapsed,
        total.errors,
        total.io_errors,
        total.mismatches,
        if ops > 0 {
            total.entries as f64 / ops as f64
        } else {
            0.0
        },
        if ops > 0 { total.sum_us / ops } else { 0 },
        total.pct(0.50),
        total.pct(0.90),
        total.pct(0.99),
        total.pct(0.999),
        total.max_us,
    );
    let (mut srv_pct, mut own_pct) = (0.0, 0.0);
    if let (Some(a), Some(b)) = (srv0, srv1) {
        let d = (b - a) as f64;
        srv_pct = d / ticks * 100.0;
        let per_op = if ops > 0 {
            d * 10_000.0 / ops as f64
        } else {
            0.0
        };
        let _ = write!(
            line,
            " server_cpu_pct={srv_pct:.0} server_cpu_us_per_op={per_op:.1}"
        );
    }
    if let (Some(a), Some(b)) = (own0, own1) {
        own_pct = (b - a) as f64 / ticks * 100.0;
        let _ = write!(line, " loadgen_cpu_pct={own_pct:.0}");
    }
    if let (Some((b0, s0)), Some((b1, s1))) = (mach0, mach1) {
        let m = (b1 - b0) as f64 / ticks * 100.0;
        let _ = write!(
            line,
            " machine_cpu_pct={m:.0} other_cpu_pct={:.0} steal_pct={:.0}",
            (m - srv_pct - own_pct).max(0.0),
            (s1 - s0) as f64 / ticks * 100.0
        );
    }
    if let Some(p) = o.server_pid {
        let st = proc_status(p);
        let g = |k: &str| st.get(k).copied().unwrap_or(0);
        let _ = write!(
            line,
            " server_vmhwm_kb={} server_vmrss_kb={} server_rss_anon_kb={} server_threads={}",
            g("VmHWM"),
            g("VmRSS"),
            g("RssAnon"),
            g("Threads")
        );
    }
    let _ = write!(line, " time_wait={}", time_wait_sockets());
    if let Some(e) = &total.first_error {
        let _ = write!(line, " first_error={:?}", e);
    }
    if let Some(e) = &total.first_mismatch {
        let _ = write!(line, " first_mismatch={:?}", e);
    }
    println!("{line}");
    let _ = io::stdout().flush();
    let ctx = Arc::try_unwrap(ctx).unwrap_or_else(|_| die("internal: context still shared"));
    (total, ctx.d)
}

fn smoke(o: &Opts, addr: SocketAddr, data: Data) -> bool {
    let mut ok = true;
    // anonymous search must be refused (or return nothing) on both servers
    let anon = match Conn::connect(&addr, Duration::from_secs_f64(o.timeout)) {
        Ok(mut c) => {
            let id = c.id();
            search_req(
                &mut c.req,
                id,
                &o.base,
                &Filter::Eq("objectClass", "inetOrgPerson"),
                &["uid"],
            );
            match c.search() {
                Ok((0, _, n)) if n > 0 => format!("allowed({n}_entries)"),
                Ok((code, _, _)) => format!("refused(resultCode={code})"),
                Err(e) => format!("refused(io:{e})"),
            }
        }
        Err(e) => {
            eprintln!("smoke: cannot connect to {addr}: {e}");
            return false;
        }
    };
    println!(
        "{}smoke check=anonymous_search result={anon}",
        if o.label.is_empty() {
            String::new()
        } else {
            format!("{} ", o.label)
        }
    );
    let mut data = data;
    for wname in &o.workloads {
        let w = Workload::parse(wname).unwrap_or_else(|| die("bad workload"));
        let ctx = Ctx {
            o: o.clone(),
            addr,
            d: data,
            w,
            cold_next: AtomicUsize::new(0),
        };
        let mut rng = Rng(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut st = Stats::new();
        let mut conn = None;
        let mut entries = Vec::new();
        for _ in 0..o.smoke_ops {
            let s = Instant::now();
            let out = one_op(&ctx, &mut conn, &mut rng);
            if let Outcome::Ok { entries: n, .. } = &out {
                entries.push(n.to_string());
            }
            st.record(out, s.elapsed().as_micros() as u64);
        }
        let good = st.errors == 0 && st.mismatches == 0 && st.ops == o.smoke_ops as u64;
        ok &= good;
        let mut line = String::new();
        if !o.label.is_empty() {
            let _ = write!(line, "{} ", o.label);
        }
        let _ = write!(
            line,
            "smoke workload={wname} ops={} errors={} mismatches={} entries={} result={}",
            st.ops,
            st.errors,
            st.mismatches,
            entries.join(","),
            if good { "ok" } else { "FAILED" }
        );
        if let Some(e) = &st.first_error {
            let _ = write!(line, " first_error={e:?}");
        }
        if let Some(e) = &st.first_mismatch {
            let _ = write!(line, " first_mismatch={e:?}");
        }
        println!("{line}");
        data = ctx.d;
    }
    ok
}

fn main() {
    let o = parse_args();
    let addr: SocketAddr = format!("{}:{}", o.host, o.port)
        .parse()
        .unwrap_or_else(|_| die("--host must be an IP address (e.g. 127.0.0.1)"));
    let data = load_data(&o.data);
    if o.smoke {
        exit(if smoke(&o, addr, data) { 0 } else { 1 });
    }
    let mut data = data;
    let mut failed = false;
    for w in o.workloads.clone() {
        let (st, d) = run(&o, addr, data, &w);
        failed |= st.ops == 0 || st.errors > 0;
        data = d;
    }
    exit(if failed { 1 } else { 0 });
}
