//! The LDAP protocol logic: one request in, its responses out. No sockets here, so tests
//! can drive it in-process; [`crate::server`] is the thin network loop around it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::*;
use orgdir_directory::dit::SUBSCHEMA_DN;
use orgdir_directory::entry::{EntryId, EntryKind};
use orgdir_directory::filter::{Eval, Filter, FilterAttr, Tri};
use orgdir_directory::search::{Scope, SearchFailure, SearchSpec, resolve, search};
use orgdir_directory::service::{BindError, DirError, Directory, Principal, PrincipalKind};
use orgdir_directory::snapshot::{Snapshot, Viewer};
use orgdir_domain::command::Command;
use orgdir_domain::dn::Dn;

use crate::config::LdapConfig;
use crate::convert::convert;
use crate::frame::{RawControl, Request};
use crate::render::{self, OID_STARTTLS, Selection};
use crate::write::Write;

const OID_PAGED: &str = "1.2.840.113556.1.4.319";
const OID_MANAGE_DSA_IT: &str = "2.16.840.1.113730.3.4.2";
/// responseName of the Notice of Disconnection (RFC 4511 section 4.4.1).
pub const OID_NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";

/// One piece of a response: a message to encode, or messages already encoded (search
/// result entries are encoded straight from the snapshot).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A message.
    Msg(LdapMsg),
    /// Encoded messages, back to back.
    Encoded(Vec<u8>),
}

impl From<LdapMsg> for Reply {
    fn from(m: LdapMsg) -> Reply {
        Reply::Msg(m)
    }
}

fn msgs(v: Vec<LdapMsg>) -> Vec<Reply> {
    v.into_iter().map(Reply::Msg).collect()
}

/// What the network loop should do after sending the responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Read the next request.
    Continue,
    /// Start TLS on this connection, then continue.
    StartTls,
    /// Close the connection.
    Close,
}

struct PagedSearch {
    snap: Arc<Snapshot>,
    viewer: Viewer,
    fingerprint: String,
    remaining: VecDeque<EntryId>,
    sel: Selection,
    /// The share of the server-wide budget of held results this search uses.
    reservation: Option<Reservation>,
}

/// Results held by open paged searches, counted against a server-wide budget; released on
/// drop (page served, search abandoned, connection closed).
struct Reservation {
    held: Arc<AtomicUsize>,
    n: usize,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.held.fetch_sub(self.n, Ordering::Relaxed);
    }
}

/// Per-connection state.
pub struct Session {
    /// Who is bound (`None`: anonymous).
    pub principal: Option<Principal>,
    /// Whether the connection is protected by TLS.
    pub tls: bool,
    /// The peer address.
    pub peer: SocketAddr,
    paged: HashMap<Vec<u8>, PagedSearch>,
    paged_order: VecDeque<Vec<u8>>,
}

impl Session {
    /// A fresh, anonymous session.
    pub fn new(peer: SocketAddr, tls: bool) -> Session {
        Session {
            principal: None,
            tls,
            peer,
            paged: HashMap::new(),
            paged_order: VecDeque::new(),
        }
    }

    /// Where requests come from, for the audit log: `ldap <peer address>`.
    pub(crate) fn source(&self) -> String {
        format!("ldap {}", self.peer)
    }
}

/// The request handler shared by every connection.
pub struct Handler {
    dir: Arc<Directory>,
    cfg: LdapConfig,
    tls_available: bool,
    held: Arc<AtomicUsize>,
}

pub(crate) fn result(code: LdapResultCode, message: impl Into<String>) -> LdapResult {
    LdapResult {
        code,
        matcheddn: String::new(),
        message: message.into(),
        referral: Vec::new(),
    }
}

pub(crate) fn ok() -> LdapResult {
    result(LdapResultCode::Success, "")
}

/// The Notice of Disconnection for a protocol error.
pub fn notice_of_disconnection(code: LdapResultCode, message: &str) -> LdapMsg {
    LdapMsg::new(
        0,
        LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: result(code, message),
            name: Some(OID_NOTICE_OF_DISCONNECTION.to_string()),
            value: None,
        }),
    )
}

impl Handler {
    /// A handler over `dir`. `tls_available` says whether StartTLS can be offered.
    pub fn new(dir: Arc<Directory>, cfg: LdapConfig, tls_available: bool) -> Handler {
        Handler {
            dir,
            cfg,
            tls_available,
            held: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LdapConfig {
        &self.cfg
    }

    /// Handles one request; returns its responses (possibly none) and what to do next.
    pub async fn handle(&self, session: &mut Session, req: Request) -> (Vec<Reply>, Next) {
        let kind = op_name(&req.msg.op);
        let (replies, next) = self.dispatch(session, req).await;
        let failed = replies.iter().rev().find_map(|r| match r {
            Reply::Msg(m) => result_code(&m.op).map(|c| {
                !matches!(
                    c,
                    LdapResultCode::Success
                        | LdapResultCode::CompareTrue
                        | LdapResultCode::CompareFalse
                )
            }),
            Reply::Encoded(_) => None,
        });
        self.dir.metrics().ldap_op(kind, failed.unwrap_or(false));
        if kind == "bind" {
            self.dir.metrics().bind(failed == Some(false));
        }
        (replies, next)
    }

    fn reserve(&self, n: usize) -> Option<Reservation> {
        let max = self.cfg.max_paged_total_results;
        let mut cur = self.held.load(Ordering::Relaxed);
        loop {
            if cur.saturating_add(n) > max {
                return None;
            }
            match self
                .held
                .compare_exchange(cur, cur + n, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    return Some(Reservation {
                        held: self.held.clone(),
                        n,
                    });
                }
                Err(now) => cur = now,
            }
        }
    }

    /// Whether the bound member must change its password before anything else (ENT-4).
    fn must_change_password(&self, session: &Session) -> bool {
        let Some(p) = &session.principal else {
            return false;
        };
        let PrincipalKind::Member(id) = p.kind else {
            return false;
        };
        self.dir
            .catalog()
            .get(p.enterprise)
            .and_then(|snap| snap.state.members.get(&id).map(|m| m.must_change_password))
            .unwrap_or(false)
    }

    /// The directory behind this handler.
    pub fn directory(&self) -> &Arc<Directory> {
        &self.dir
    }

    async fn dispatch(&self, session: &mut Session, req: Request) -> (Vec<Reply>, Next) {
        let id = req.msg.msgid;
        let op_name = op_name(&req.msg.op);
        // RFC 4511 section 4.1.11: an unrecognized critical control fails the operation.
        let is_search = matches!(req.msg.op, LdapOp::SearchRequest(_));
        if let Some(bad) = req.controls.iter().find(|c| {
            c.critical && !(c.oid == OID_MANAGE_DSA_IT || (c.oid == OID_PAGED && is_search))
        }) && let Some(resp) = failure_response(id, &req.msg.op, unavailable_critical(bad))
        {
            return (vec![resp.into()], Next::Continue);
        }
        // ENT-4: a member whose password was set by an administrator (initial or reset) may
        // bind, ask who it is and change the password, nothing else until it has.
        let restricted = matches!(
            req.msg.op,
            LdapOp::SearchRequest(_)
                | LdapOp::CompareRequest(_)
                | LdapOp::AddRequest(_)
                | LdapOp::ModifyRequest(_)
                | LdapOp::DelRequest(_)
                | LdapOp::ModifyDNRequest(_)
        );
        if restricted
            && self.must_change_password(session)
            && let Some(resp) = failure_response(
                id,
                &req.msg.op,
                result(
                    LdapResultCode::UnwillingToPerform,
                    "the password was set by an administrator and must be changed first: \
                     use the Password Modify extended operation (e.g. ldappasswd)",
                ),
            )
        {
            return (vec![resp.into()], Next::Continue);
        }
        let paged = req.msg.ctrl.iter().find_map(|c| match c {
            LdapControl::SimplePagedResults { size, cookie } => Some((*size, cookie.clone())),
            _ => None,
        });
        match req.msg.op {
            LdapOp::BindRequest(b) => {
                (vec![self.bind(session, id, b).await.into()], Next::Continue)
            }
            LdapOp::UnbindRequest => (Vec::new(), Next::Close),
            LdapOp::SearchRequest(s) => (self.search(session, id, s, paged), Next::Continue),
            LdapOp::CompareRequest(c) => {
                (vec![self.compare(session, id, c).into()], Next::Continue)
            }
            LdapOp::AbandonRequest(_) => (Vec::new(), Next::Continue),
            LdapOp::ExtendedRequest(x) => {
                let (m, next) = self.extended(session, id, x).await;
                (msgs(m), next)
            }
            LdapOp::AddRequest(a) => self.write(session, id, Write::add(a)).await,
            LdapOp::ModifyRequest(m) => self.write(session, id, Write::modify(m)).await,
            LdapOp::DelRequest(dn) => self.write(session, id, Write::delete(dn)).await,
            LdapOp::ModifyDNRequest(r) => self.write(session, id, Write::modify_dn(r)).await,
            _ => {
                // A response PDU (or intermediate) sent by a client is a protocol error.
                tracing::debug!(op = op_name, "client sent a server-only PDU");
                (
                    vec![
                        notice_of_disconnection(
                            LdapResultCode::ProtocolError,
                            "unexpected protocol operation",
                        )
                        .into(),
                    ],
                    Next::Close,
                )
            }
        }
    }

    /// Add, Modify, Delete and ModifyDN: one response, then the next request.
    async fn write(&self, session: &Session, id: i32, w: Write) -> (Vec<Reply>, Next) {
        (
            vec![w.run(&self.dir, session, id).await.into()],
            Next::Continue,
        )
    }

    async fn bind(&self, session: &mut Session, id: i32, b: LdapBindRequest) -> LdapMsg {
        let respond = |res: LdapResult| {
            LdapMsg::new(
                id,
                LdapOp::BindResponse(LdapBindResponse {
                    res,
                    saslcreds: None,
                }),
            )
        };
        // A bind (even a failed one) first resets the connection to anonymous.
        session.principal = None;
        session.paged.clear();
        session.paged_order.clear();
        if b.version != 3 {
            return respond(result(
                LdapResultCode::ProtocolError,
                "only LDAP version 3 is supported",
            ));
        }
        let pw = match &b.cred {
            LdapBindCred::Simple(pw) => pw.clone(),
            LdapBindCred::SASL(_) | LdapBindCred::Unsupported => {
                return respond(result(
                    LdapResultCode::AuthMethodNotSupported,
                    "only simple bind is supported",
                ));
            }
        };
        match (b.dn.is_empty(), pw.is_empty()) {
            (true, true) => return respond(ok()),
            (false, true) => {
                return respond(result(
                    LdapResultCode::UnwillingToPerform,
                    "unauthenticated bind (name without password) is not allowed",
                ));
            }
            (true, false) => {
                return respond(result(
                    LdapResultCode::InvalidCredentials,
                    "invalid credentials",
                ));
            }
            (false, false) => {}
        }
        let ip = Some(session.peer.ip());
        match self
            .dir
            .bind_from(&b.dn, pw.as_bytes(), &session.source(), ip)
            .await
        {
            Ok(p) => {
                session.principal = Some(p);
                respond(ok())
            }
            Err(BindError::InvalidCredentials) => respond(result(
                LdapResultCode::InvalidCredentials,
                "invalid credentials",
            )),
            Err(BindError::Unavailable) => respond(result(
                LdapResultCode::Unavailable,
                "the server cannot verify credentials right now",
            )),
        }
    }

    fn search(
        &self,
        session: &mut Session,
        id: i32,
        s: LdapSearchRequest,
        paged: Option<(i64, Vec<u8>)>,
    ) -> Vec<Reply> {
        let done = |res: LdapResult| Reply::Msg(LdapMsg::new(id, LdapOp::SearchResultDone(res)));
        let entry =
            |e: LdapSearchResultEntry| Reply::Msg(LdapMsg::new(id, LdapOp::SearchResultEntry(e)));
        if s.attrs.len() > self.cfg.max_requested_attributes {
            return vec![done(result(
                LdapResultCode::AdminLimitExceeded,
                "too many attributes requested",
            ))];
        }
        let sel = Selection::parse(&s.attrs, s.typesonly);
        let base = match Dn::parse(&s.base) {
            Ok(dn) => dn,
            Err(e) => return vec![done(result(LdapResultCode::InvalidDNSyntax, e.to_string()))],
        };
        let filter = match convert(
            &s.filter,
            self.cfg.max_filter_depth,
            self.cfg.max_filter_elements,
        ) {
            Ok(f) => f,
            Err(e) => {
                return vec![done(result(
                    LdapResultCode::AdminLimitExceeded,
                    e.to_string(),
                ))];
            }
        };
        // RootDSE and subschema: readable by anyone.
        if base.is_root() && s.scope == LdapSearchScope::Base {
            let mut out = Vec::new();
            if special_filter_matches(&filter) {
                let cat = self.dir.catalog();
                out.push(entry(render::root_dse(
                    &cat,
                    &sel,
                    self.tls_available && !session.tls,
                )));
            }
            out.push(done(ok()));
            return out;
        }
        if base == Dn::parse(SUBSCHEMA_DN).unwrap_or_default() {
            let mut out = Vec::new();
            if s.scope == LdapSearchScope::Base && special_filter_matches(&filter) {
                out.push(entry(render::subschema(&sel)));
            }
            out.push(done(ok()));
            return out;
        }
        let Some(principal) = session.principal.clone() else {
            return vec![done(result(
                LdapResultCode::InsufficentAccessRights,
                "anonymous access is not allowed: bind first",
            ))];
        };
        let Some((snap, viewer)) = self.dir.viewer(&principal) else {
            return vec![done(result(
                LdapResultCode::InsufficentAccessRights,
                "the bound identity is no longer active",
            ))];
        };
        if !base.is_within(&snap.base) {
            return vec![done(result(LdapResultCode::NoSuchObject, ""))];
        }
        let scope = match s.scope {
            LdapSearchScope::Base => Scope::Base,
            LdapSearchScope::OneLevel => Scope::One,
            LdapSearchScope::Subtree => Scope::Sub,
            LdapSearchScope::Children => Scope::Children,
        };
        let client_limit = usize::try_from(s.sizelimit).unwrap_or(0);
        let client_time = u64::try_from(s.timelimit).unwrap_or(0);
        let mut time_limit = self.cfg.time_limit;
        if client_time > 0 {
            time_limit = time_limit.min(std::time::Duration::from_secs(client_time));
        }
        let deadline = Some(Instant::now() + time_limit);

        if let Some((page_size, cookie)) = paged {
            return self.paged_search(
                session,
                id,
                &s,
                &sel,
                scope,
                &base,
                &filter,
                snap,
                viewer,
                page_size,
                cookie,
                client_limit,
                deadline,
            );
        }

        let limit = match (client_limit, self.cfg.size_limit) {
            (0, 0) => usize::MAX,
            (0, l) | (l, 0) => l,
            (a, b) => a.min(b),
        };
        let spec = SearchSpec {
            base: &base,
            scope,
            filter: &filter,
            max: limit.saturating_add(1),
            deadline,
        };
        let vis = snap.visibility(&viewer);
        let ev = Eval {
            snap: &snap,
            viewer: &viewer,
            vis: vis.as_deref(),
        };
        let (ids, end) = match search(&snap, &viewer, &spec) {
            Ok(ids) if ids.len() > limit => {
                let mut ids = ids;
                ids.truncate(limit);
                (
                    ids,
                    result(LdapResultCode::SizeLimitExceeded, "size limit exceeded"),
                )
            }
            Ok(ids) => (ids, ok()),
            Err(SearchFailure::NoSuchObject { matched }) => {
                let mut r = result(LdapResultCode::NoSuchObject, "");
                r.matcheddn = matched;
                return vec![done(r)];
            }
            Err(SearchFailure::TimeLimit(ids)) => (
                ids,
                result(LdapResultCode::TimeLimitExceeded, "time limit exceeded"),
            ),
        };
        let mut encoded = Vec::with_capacity(ids.len() * 256);
        let mut scratch = Vec::with_capacity(1024);
        for i in ids {
            render::encode_entry(&ev, i, &sel, id, &mut scratch, &mut encoded);
        }
        vec![Reply::Encoded(encoded), done(end)]
    }

    #[allow(clippy::too_many_arguments)]
    fn paged_search(
        &self,
        session: &mut Session,
        id: i32,
        s: &LdapSearchRequest,
        sel: &Selection,
        scope: Scope,
        base: &Dn,
        filter: &Filter,
        snap: Arc<Snapshot>,
        viewer: Viewer,
        page_size: i64,
        cookie: Vec<u8>,
        client_limit: usize,
        deadline: Option<Instant>,
    ) -> Vec<Reply> {
        let done_with = |res: LdapResult, cookie: Vec<u8>| {
            Reply::Msg(LdapMsg::new_with_ctrls(
                id,
                LdapOp::SearchResultDone(res),
                vec![LdapControl::SimplePagedResults { size: 0, cookie }],
            ))
        };
        let fingerprint = format!(
            "{}|{:?}|{:?}|{:?}|{}",
            base.normalized(),
            scope,
            filter,
            sel,
            client_limit
        );
        let page = usize::try_from(page_size).unwrap_or(0);
        let mut state = if cookie.is_empty() {
            let spec = SearchSpec {
                base,
                scope,
                filter,
                max: if client_limit == 0 {
                    self.cfg.max_paged_results
                } else {
                    client_limit.min(self.cfg.max_paged_results)
                },
                deadline,
            };
            match search(&snap, &viewer, &spec) {
                Ok(ids) => PagedSearch {
                    snap,
                    viewer,
                    fingerprint,
                    remaining: ids.into(),
                    sel: sel.clone(),
                    reservation: None,
                },
                Err(SearchFailure::NoSuchObject { matched }) => {
                    let mut r = result(LdapResultCode::NoSuchObject, "");
                    r.matcheddn = matched;
                    return vec![done_with(r, Vec::new())];
                }
                Err(SearchFailure::TimeLimit(_)) => {
                    return vec![done_with(
                        result(LdapResultCode::TimeLimitExceeded, "time limit exceeded"),
                        Vec::new(),
                    )];
                }
            }
        } else {
            let Some(st) = session.paged.remove(&cookie) else {
                return vec![done_with(
                    result(
                        LdapResultCode::UnwillingToPerform,
                        "paged results cookie is invalid or expired",
                    ),
                    Vec::new(),
                )];
            };
            session.paged_order.retain(|c| *c != cookie);
            if st.fingerprint != fingerprint {
                return vec![done_with(
                    result(
                        LdapResultCode::UnwillingToPerform,
                        "paged results cookie belongs to a different search",
                    ),
                    Vec::new(),
                )];
            }
            st
        };
        if page == 0 {
            // RFC 2696: a page size of zero abandons the paged search.
            return vec![done_with(ok(), Vec::new())];
        }
        // Hold what is left after this page against the server-wide budget.
        state.reservation = None;
        let left = state.remaining.len().saturating_sub(page);
        if left > 0 {
            match self.reserve(left) {
                Some(r) => state.reservation = Some(r),
                None => {
                    return vec![done_with(
                        result(
                            LdapResultCode::AdminLimitExceeded,
                            "too many results are held by open paged searches; finish or abandon them and retry",
                        ),
                        Vec::new(),
                    )];
                }
            }
        }
        let vis = state.snap.visibility(&state.viewer);
        let ev = Eval {
            snap: &state.snap,
            viewer: &state.viewer,
            vis: vis.as_deref(),
        };
        let mut encoded = Vec::new();
        let mut scratch = Vec::with_capacity(1024);
        for _ in 0..page {
            let Some(eid) = state.remaining.pop_front() else {
                break;
            };
            render::encode_entry(&ev, eid, &state.sel, id, &mut scratch, &mut encoded);
        }
        let mut out = vec![Reply::Encoded(encoded)];
        let _ = s;
        if state.remaining.is_empty() {
            out.push(done_with(ok(), Vec::new()));
        } else {
            let mut new_cookie = vec![0u8; 16];
            rand::Rng::fill(&mut rand::thread_rng(), new_cookie.as_mut_slice());
            out.push(done_with(ok(), new_cookie.clone()));
            while session.paged.len() >= self.cfg.max_paged_searches {
                match session.paged_order.pop_front() {
                    Some(old) => {
                        session.paged.remove(&old);
                    }
                    None => break,
                }
            }
            session.paged.insert(new_cookie.clone(), state);
            session.paged_order.push_back(new_cookie);
        }
        out
    }

    fn compare(&self, session: &Session, id: i32, c: LdapCompareRequest) -> LdapMsg {
        let respond = |r: LdapResult| LdapMsg::new(id, LdapOp::CompareResult(r));
        let Some(principal) = &session.principal else {
            return respond(result(
                LdapResultCode::InsufficentAccessRights,
                "anonymous access is not allowed: bind first",
            ));
        };
        let Ok(dn) = Dn::parse(&c.dn) else {
            return respond(result(LdapResultCode::InvalidDNSyntax, "invalid DN"));
        };
        let Some((snap, viewer)) = self.dir.viewer(principal) else {
            return respond(result(
                LdapResultCode::InsufficentAccessRights,
                "the bound identity is no longer active",
            ));
        };
        let eid = match resolve(&snap, &viewer, &dn) {
            Ok(e) => e,
            Err(SearchFailure::NoSuchObject { matched }) => {
                let mut r = result(LdapResultCode::NoSuchObject, "");
                r.matcheddn = matched;
                return respond(r);
            }
            Err(SearchFailure::TimeLimit(_)) => {
                return respond(result(LdapResultCode::TimeLimitExceeded, ""));
            }
        };
        let attr = FilterAttr::resolve(&c.atype);
        if attr == FilterAttr::Unknown {
            let code = if orgdir_directory::schema::lookup(&c.atype).is_some() {
                LdapResultCode::InsufficentAccessRights
            } else {
                LdapResultCode::UndefinedAttributeType
            };
            return respond(result(code, ""));
        }
        let Ok(value) = String::from_utf8(c.val) else {
            return respond(result(LdapResultCode::InvalidAttributeSyntax, ""));
        };
        let vis = snap.visibility(&viewer);
        let ev = Eval {
            snap: &snap,
            viewer: &viewer,
            vis: vis.as_deref(),
        };
        let Some(entry) = snap.entry(eid) else {
            return respond(result(LdapResultCode::NoSuchObject, ""));
        };
        match ev.eval(&Filter::equality(attr, value), eid, entry) {
            Tri::True => respond(result(LdapResultCode::CompareTrue, "")),
            Tri::False => respond(result(LdapResultCode::CompareFalse, "")),
            Tri::Undefined => respond(result(LdapResultCode::InappropriateMatching, "")),
        }
    }

    async fn extended(
        &self,
        session: &mut Session,
        id: i32,
        x: LdapExtendedRequest,
    ) -> (Vec<LdapMsg>, Next) {
        let respond = |res: LdapResult, name: Option<&str>, value: Option<Vec<u8>>| {
            LdapMsg::new(
                id,
                LdapOp::ExtendedResponse(LdapExtendedResponse {
                    res,
                    name: name.map(String::from),
                    value,
                }),
            )
        };
        match x.name.as_str() {
            OID_STARTTLS => {
                if session.tls {
                    return (
                        vec![respond(
                            result(LdapResultCode::OperationsError, "TLS is already active"),
                            Some(OID_STARTTLS),
                            None,
                        )],
                        Next::Continue,
                    );
                }
                if !self.tls_available {
                    return (
                        vec![respond(
                            result(LdapResultCode::Unavailable, "TLS is not configured"),
                            Some(OID_STARTTLS),
                            None,
                        )],
                        Next::Continue,
                    );
                }
                (
                    vec![respond(ok(), Some(OID_STARTTLS), None)],
                    Next::StartTls,
                )
            }
            OID_WHOAMI => {
                let authz = session
                    .principal
                    .as_ref()
                    .map(|p| format!("dn:{}", p.dn))
                    .unwrap_or_default();
                (
                    vec![respond(ok(), None, Some(authz.into_bytes()))],
                    Next::Continue,
                )
            }
            OID_PASSWORD_MODIFY => (
                vec![self.password_modify(session, id, &x).await],
                Next::Continue,
            ),
            _ => (
                vec![respond(
                    result(
                        LdapResultCode::ProtocolError,
                        format!("unsupported extended operation {}", x.name),
                    ),
                    None,
                    None,
                )],
                Next::Continue,
            ),
        }
    }

    async fn password_modify(
        &self,
        session: &Session,
        id: i32,
        x: &LdapExtendedRequest,
    ) -> LdapMsg {
        let respond = |res: LdapResult, generated: Option<String>| {
            let resp: LdapExtendedResponse = if generated.is_some() {
                LdapPasswordModifyResponse {
                    res,
                    gen_password: generated,
                }
                .into()
            } else {
                LdapExtendedResponse {
                    res,
                    name: None,
                    value: None,
                }
            };
            LdapMsg::new(id, LdapOp::ExtendedResponse(resp))
        };
        let Some(me) = session.principal.clone() else {
            return respond(
                result(
                    LdapResultCode::UnwillingToPerform,
                    "bind before changing a password",
                ),
                None,
            );
        };
        let req = match LdapPasswordModifyRequest::try_from(x) {
            Ok(r) => r,
            Err(_) => {
                return respond(
                    result(
                        LdapResultCode::ProtocolError,
                        "malformed password modify request",
                    ),
                    None,
                );
            }
        };
        // Resolve the target: the bound identity unless userIdentity names another.
        let target = match req.user_identity.as_deref() {
            None | Some("") => me.clone(),
            Some(name) => match self.resolve_identity(&me, name) {
                Some(t) => t,
                None => {
                    return respond(result(LdapResultCode::NoSuchObject, ""), None);
                }
            },
        };
        let is_self = target.kind == me.kind && target.enterprise == me.enterprise;
        if let Some(old) = &req.old_password
            && !self.dir.verify_password(&target, old.as_bytes()).await
        {
            return respond(
                result(
                    LdapResultCode::InvalidCredentials,
                    "the old password is wrong",
                ),
                None,
            );
        }
        let (new_password, generated) = match req.new_password {
            Some(p) if !p.is_empty() => (p, None),
            _ => {
                let g = self.dir.generate_password();
                (g.clone(), Some(g))
            }
        };
        let hash = match self.dir.hash_new_password(&new_password).await {
            Ok(h) => h,
            Err(DirError::WeakPassword(why)) => {
                return respond(
                    result(
                        LdapResultCode::ConstraintViolation,
                        format!("password rejected: {why}"),
                    ),
                    None,
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "hashing a new password failed");
                return respond(
                    result(LdapResultCode::Other, "password change failed"),
                    None,
                );
            }
        };
        let cmd = match target.kind {
            PrincipalKind::Member(member) => Command::SetMemberPassword {
                member,
                hash,
                must_change: false,
            },
            PrincipalKind::Service(service) => Command::SetServicePassword { service, hash },
            PrincipalKind::Admin => Command::SetSuperPassword { hash },
        };
        // The super password is only changed by its holder.
        if target.kind == PrincipalKind::Admin && !is_self {
            return respond(result(LdapResultCode::InsufficentAccessRights, ""), None);
        }
        match self
            .dir
            .execute(target.enterprise, me.actor(), &session.source(), cmd)
            .await
        {
            Ok(_) => respond(ok(), generated),
            Err(DirError::Denied(d)) => respond(
                result(LdapResultCode::InsufficentAccessRights, d.to_string()),
                None,
            ),
            Err(DirError::Rule(r)) => respond(
                result(LdapResultCode::ConstraintViolation, r.to_string()),
                None,
            ),
            Err(e) => {
                tracing::warn!(error = %e, "password change failed");
                respond(
                    result(LdapResultCode::Other, "password change failed"),
                    None,
                )
            }
        }
    }

    /// Resolves a userIdentity (a DN, or an account in the caller's enterprise) to a
    /// principal the caller can see.
    fn resolve_identity(&self, me: &Principal, name: &str) -> Option<Principal> {
        let (snap, viewer) = self.dir.viewer(me)?;
        let name = name.strip_prefix("dn:").unwrap_or(name);
        let name = name.strip_prefix("u:").unwrap_or(name);
        let eid = if name.contains('=') {
            let dn = Dn::parse(name).ok()?;
            if dn == snap.base.child("cn", "admin") {
                return Some(Principal {
                    enterprise: me.enterprise,
                    kind: PrincipalKind::Admin,
                    dn: dn.to_string(),
                    holder: None,
                });
            }
            resolve(&snap, &viewer, &dn).ok()?
        } else {
            let m = snap.member_by_account(name)?;
            let eid = snap.member_entry(m.id)?;
            let vis = snap.visibility(&viewer);
            snap.can_see(&viewer, vis.as_deref(), eid).then_some(eid)?
        };
        let e = snap.entry(eid)?;
        let (kind, holder) = match e.kind {
            EntryKind::Member(m) => (
                PrincipalKind::Member(m),
                snap.state.members.get(&m).map(|x| x.uuid),
            ),
            EntryKind::Service(s) => (PrincipalKind::Service(s), None),
            _ => return None,
        };
        Some(Principal {
            enterprise: me.enterprise,
            kind,
            dn: e.dn.to_string(),
            holder,
        })
    }
}

fn unavailable_critical(c: &RawControl) -> LdapResult {
    result(
        LdapResultCode::UnavailableCriticalExtension,
        format!(
            "critical control {} is not supported for this operation",
            c.oid
        ),
    )
}

/// The response PDU carrying a failure for an operation (none for abandon/unbind).
fn failure_response(id: i32, op: &LdapOp, res: LdapResult) -> Option<LdapMsg> {
    let op = match op {
        LdapOp::BindRequest(_) => LdapOp::BindResponse(LdapBindResponse {
            res,
            saslcreds: None,
        }),
        LdapOp::SearchRequest(_) => LdapOp::SearchResultDone(res),
        LdapOp::ModifyRequest(_) => LdapOp::ModifyResponse(res),
        LdapOp::AddRequest(_) => LdapOp::AddResponse(res),
        LdapOp::DelRequest(_) => LdapOp::DelResponse(res),
        LdapOp::ModifyDNRequest(_) => LdapOp::ModifyDNResponse(res),
        LdapOp::CompareRequest(_) => LdapOp::CompareResult(res),
        LdapOp::ExtendedRequest(_) => LdapOp::ExtendedResponse(LdapExtendedResponse {
            res,
            name: None,
            value: None,
        }),
        _ => return None,
    };
    Some(LdapMsg::new(id, op))
}

/// Whether a filter on the RootDSE / subschema entry matches: these entries answer
/// `(objectClass=*)` and objectClass equality/presence filters, which is what clients send.
fn special_filter_matches(f: &Filter) -> bool {
    match f {
        Filter::Present(_) => true,
        Filter::Equality(FilterAttr::Known(a), _) => {
            *a == *orgdir_directory::schema::ids::OBJECT_CLASS
        }
        Filter::And(fs) => fs.iter().all(special_filter_matches),
        Filter::Or(fs) => fs.iter().any(special_filter_matches),
        _ => false,
    }
}

/// The result code of a response PDU.
fn result_code(op: &LdapOp) -> Option<&LdapResultCode> {
    match op {
        LdapOp::BindResponse(b) => Some(&b.res.code),
        LdapOp::SearchResultDone(r)
        | LdapOp::ModifyResponse(r)
        | LdapOp::AddResponse(r)
        | LdapOp::DelResponse(r)
        | LdapOp::ModifyDNResponse(r)
        | LdapOp::CompareResult(r) => Some(&r.code),
        LdapOp::ExtendedResponse(x) => Some(&x.res.code),
        _ => None,
    }
}

fn op_name(op: &LdapOp) -> &'static str {
    match op {
        LdapOp::BindRequest(_) => "bind",
        LdapOp::UnbindRequest => "unbind",
        LdapOp::SearchRequest(_) => "search",
        LdapOp::ModifyRequest(_) => "modify",
        LdapOp::AddRequest(_) => "add",
        LdapOp::DelRequest(_) => "delete",
        LdapOp::ModifyDNRequest(_) => "modrdn",
        LdapOp::CompareRequest(_) => "compare",
        LdapOp::AbandonRequest(_) => "abandon",
        LdapOp::ExtendedRequest(_) => "extended",
        _ => "other",
    }
}
