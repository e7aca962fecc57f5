//! The admin panel: server-rendered pages under `/panel/` (SPEC LOGIN-1..2, ENT-6, ORG-1,
//! ORG-3, ORG-6, ORG-9, ORG-10), in English and Chinese, without JavaScript.
//!
//! Sign-in is the API's (`auth::verify_sign_in`, `auth::start_session`): the same session
//! cookie, the same bind verification. Every POST form carries the session's CSRF token in a
//! `csrf_token` field, compared in constant time before anything else is read
//! ([`posted`]); a missing or wrong token is a 403. Reads show what the caller may see
//! (`Snapshot::visibility`/`can_see`, as the API and LDAP); every change is a command through
//! `Directory::execute` as the caller, so permissions, management scope and the ORG-2 limits
//! are the directory's to enforce, and a refusal is shown on the page.

mod html;
mod i18n;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_directory::entry::EntryKind;
use orgdir_directory::service::{Principal, PrincipalKind};
use orgdir_directory::snapshot::{Snapshot, Viewer};
use orgdir_domain::command::{Command, NewMember};
use orgdir_domain::model::{BuiltinRole, MemberId, OrgId, RoleId};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use html::{Chrome, esc, message, page};
use i18n::{LANG_COOKIE, Lang, Tr};

/// The panel's routes (merged into the main router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(to_panel))
        .route("/panel", get(to_panel))
        .route("/panel/", get(home))
        .route("/panel/panel.css", get(css))
        .route("/panel/lang", get(set_lang))
        .route("/panel/signin", get(sign_in_form).post(sign_in))
        .route("/panel/signout", post(sign_out))
        .route("/panel/orgs", get(orgs))
        .route("/panel/orgs/new", post(create_org))
        .route("/panel/members/new", post(create_member))
        .route("/panel/members/{id}/flag", post(set_flag))
        .layer(axum::extract::DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
}

async fn to_panel() -> Redirect {
    Redirect::to("/panel/")
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        html::CSS,
    )
        .into_response()
}

/// A signed-in panel user.
struct Session {
    principal: Principal,
    csrf: String,
    snap: Arc<Snapshot>,
    viewer: Viewer,
    lang: Lang,
}

impl Session {
    /// The session the request's cookie names, if live and its holder still enabled.
    fn of(state: &AppState, headers: &HeaderMap) -> Option<Session> {
        let (principal, csrf) = auth::cookie_session(state, headers)?;
        let (snap, viewer) = state.dir.viewer(&principal)?;
        Some(Session {
            principal,
            csrf,
            snap,
            viewer,
            lang: Lang::of_request(headers),
        })
    }

    fn tr(&self) -> &'static Tr {
        self.lang.tr()
    }

    fn chrome(&self) -> Chrome<'_> {
        let who = match self.principal.kind {
            PrincipalKind::Member(id) => self
                .snap
                .state
                .members
                .get(&id)
                .map(|m| format!("{} ({})", m.name, m.account))
                .unwrap_or_else(|| self.principal.dn.clone()),
            _ => self.principal.dn.clone(),
        };
        Chrome {
            who,
            csrf: &self.csrf,
        }
    }

    fn page(&self, status: StatusCode, title: &str, here: &str, body: &str) -> Response {
        page(status, self.lang, title, Some(&self.chrome()), here, body)
    }

    fn sees_entry(&self, vis: Option<&orgdir_directory::bitset::BitSet>, e: u32) -> bool {
        self.snap.can_see(&self.viewer, vis, e)
    }

    /// The ids of the orgs the caller can see.
    fn visible_orgs(&self) -> Vec<OrgId> {
        let vis = self.snap.visibility(&self.viewer);
        self.snap
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e.kind {
                EntryKind::Org(o) if self.sees_entry(vis.as_deref(), i as u32) => Some(o),
                _ => None,
            })
            .collect()
    }

    fn sees_member(&self, m: MemberId) -> bool {
        let vis = self.snap.visibility(&self.viewer);
        self.snap
            .member_entry(m)
            .is_some_and(|e| self.sees_entry(vis.as_deref(), e))
    }

    fn source(&self) -> String {
        format!("panel {}", self.principal.dn)
    }

    /// Whether the caller holds `p` for things in `org` (LOGIN-2: pages offer only what the
    /// caller may do; the server checks again whatever is posted).
    fn may(&self, p: orgdir_domain::role::Permission, org: OrgId) -> bool {
        use orgdir_domain::authz::{org_in_scope, scope_of};
        let st = &self.snap.state;
        let holds = match self.principal.kind {
            PrincipalKind::Admin => true,
            PrincipalKind::Member(id) => st
                .members
                .get(&id)
                .is_some_and(|m| st.member_permissions(m).contains(&p)),
            PrincipalKind::Service(_) => false,
        };
        holds && org_in_scope(st, &scope_of(st, self.principal.actor()), org)
    }
}

fn to_sign_in() -> Response {
    Redirect::to("/panel/signin").into_response()
}

/// The CSRF field every POST form carries.
#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// The session and the form of a POST: no session → redirect to sign-in; a missing or wrong
/// `csrf_token` → 403, before the rest of the form is looked at; a malformed form → 400.
fn posted<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Session, T), Box<Response>> {
    let lang = Lang::of_request(headers);
    let Some(session) = Session::of(state, headers) else {
        return Err(Box::new(to_sign_in()));
    };
    let sent = serde_urlencoded::from_bytes::<CsrfField>(body)
        .map(|f| f.csrf_token)
        .unwrap_or_default();
    if !auth::csrf_matches(&sent, &session.csrf) {
        let t = lang.tr();
        return Err(Box::new(page(
            StatusCode::FORBIDDEN,
            lang,
            t.failed,
            None,
            "/panel/",
            &message(false, t.csrf_refused),
        )));
    }
    match serde_urlencoded::from_bytes::<T>(body) {
        Ok(form) => Ok((session, form)),
        Err(e) => {
            let t = lang.tr();
            Err(Box::new(session.page(
                StatusCode::BAD_REQUEST,
                t.failed,
                "/panel/",
                &message(false, &e.to_string()),
            )))
        }
    }
}

// --- language -------------------------------------------------------------------------

#[derive(Deserialize)]
struct LangQuery {
    set: Option<String>,
    back: Option<String>,
}

/// `GET /panel/lang?set=zh&back=/panel/orgs`: remembers the language, returns to `back`
/// (only a panel path: never an open redirect).
async fn set_lang(Query(q): Query<LangQuery>) -> Response {
    let back = q
        .back
        .filter(|b| b.starts_with("/panel/") && !b.contains('\\') && !b.contains("//"))
        .unwrap_or_else(|| "/panel/".to_string());
    let mut resp = Redirect::to(&back).into_response();
    if let Some(lang) = q.set.as_deref().and_then(Lang::from_code) {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

// --- sign-in --------------------------------------------------------------------------

/// The cookie that binds a sign-in form to the browser that loaded it (login CSRF: another
/// site cannot sign a browser into an account of its choosing).
const LOGIN_COOKIE: &str = "orgdir_login";

fn login_token() -> String {
    let mut b = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut b[..]);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sign_in_page(
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
    ent: &str,
    acc: &str,
) -> Response {
    let t = lang.tr();
    let token = login_token();
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message(false, e));
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/signin\">\
         <input type=\"hidden\" name=\"login_token\" value=\"{}\">\
         <label>{} <input name=\"enterprise\" id=\"enterprise\" inputmode=\"numeric\" required value=\"{}\"></label>\
         <label>{} <input name=\"account\" id=\"account\" value=\"{}\" placeholder=\"{}\"></label>\
         <label>{} <input type=\"password\" name=\"password\" id=\"password\" required></label>\
         <button type=\"submit\" id=\"signin\">{}</button></form>",
        esc(&token),
        esc(t.enterprise_number),
        esc(ent),
        esc(t.account),
        esc(acc),
        esc(t.account_hint),
        esc(t.password),
        esc(t.sign_in),
    );
    let mut resp = page(status, lang, t.sign_in, None, "/panel/signin", &b);
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/panel/signin; Max-Age=3600"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Whether the posted sign-in form came from a form this browser loaded.
fn login_token_matches(headers: &HeaderMap, posted: &str) -> bool {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_COOKIE)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    !cookie.is_empty() && auth::csrf_matches(posted, &cookie)
}

async fn sign_in_form(headers: HeaderMap) -> Response {
    sign_in_page(Lang::of_request(&headers), StatusCode::OK, None, "", "")
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    login_token: String,
    #[serde(default)]
    enterprise: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::of_request(&headers);
    let t = lang.tr();
    let form = serde_urlencoded::from_bytes::<SignInForm>(&body).unwrap_or(SignInForm {
        login_token: String::new(),
        enterprise: String::new(),
        account: String::new(),
        password: String::new(),
    });
    if !login_token_matches(&headers, &form.login_token) {
        // Checked before the password, so a cross-site post costs no hash and learns nothing.
        return sign_in_page(
            lang,
            StatusCode::FORBIDDEN,
            Some(t.login_expired),
            form.enterprise.trim(),
            form.account.trim(),
        );
    }
    let account = Some(form.account.trim()).filter(|a| !a.is_empty());
    let result = match form.enterprise.trim().parse::<u64>() {
        Ok(n) => {
            auth::verify_sign_in(&state, n, account, &form.password, auth::client_ip(addr)).await
        }
        Err(_) => Err(auth::bad_credentials()),
    };
    match result {
        Ok(principal) => {
            let (_token, _csrf, cookie) = auth::start_session(&state, &principal);
            let mut resp = Redirect::to("/panel/").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            let text = if e.status == StatusCode::SERVICE_UNAVAILABLE {
                t.unavailable
            } else {
                t.bad_credentials
            };
            sign_in_page(
                lang,
                e.status,
                Some(text),
                form.enterprise.trim(),
                account.unwrap_or(""),
            )
        }
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(resp) = posted::<CsrfField>(&state, &headers, &body) {
        return *resp;
    }
    auth::end_cookie_session(&state, &headers);
    let mut resp = to_sign_in();
    let expired = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        auth::COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&expired) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

// --- home (ENT-6) ---------------------------------------------------------------------

/// `YYYY-MM-DD` of a timestamp.
fn date(t: i64) -> String {
    let g = orgdir_directory::dit::generalized_time(t);
    match (g.get(0..4), g.get(4..6), g.get(6..8)) {
        (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => g,
    }
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let t = s.tr();
    let st = &s.snap.state;
    let ent = &st.enterprise;
    let members = st.members.keys().filter(|m| s.sees_member(**m)).count();
    let mut b = String::from("<dl>");
    let expiry = ent.expires_at.map(date);
    let rows: [(&str, String); 7] = [
        (t.enterprise_number, ent.number.to_string()),
        (t.short_name, ent.short_name.clone()),
        (t.naming_context, ent.naming_context.clone()),
        (t.sms_balance, "0".to_string()),
        (
            t.verified_domain,
            ent.domain
                .clone()
                .unwrap_or_else(|| t.not_verified.to_string()),
        ),
        (t.expiry, expiry.unwrap_or_else(|| t.none.to_string())),
        (t.members_seats, format!("{members} / {}", ent.seats)),
    ];
    for (k, v) in rows {
        let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    b.push_str("</dl>");
    let _ = write!(b, "<h2>{}</h2><ul id=\"first-steps\">", esc(t.first_steps));
    let steps: [(&str, Option<bool>); 4] = [
        (t.step_contact, None),
        (t.step_orgs, Some(st.orgs.len() > 1)),
        (t.step_members, Some(!st.members.is_empty())),
        (t.step_domain, Some(ent.domain.is_some())),
    ];
    for (label, done) in steps {
        let state_text = match done {
            None => t.step_contact_na,
            Some(true) => t.done,
            Some(false) => t.todo,
        };
        let mark = if done == Some(true) { "☑" } else { "☐" };
        let _ = write!(b, "<li>{mark} {} — {}</li>", esc(label), esc(state_text));
    }
    b.push_str("</ul>");
    s.page(StatusCode::OK, t.home_title, "/panel/", &b)
}

// --- org tree and members (ORG-1, 3, 6, 9, 10) -----------------------------------------

#[derive(Deserialize)]
struct OrgQuery {
    org: Option<u64>,
    saved: Option<u8>,
}

async fn orgs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.saved.map(|_| (true, s.tr().saved.to_string()));
    orgs_page(&s, q.org.map(OrgId), StatusCode::OK, note)
}

/// Renders the org page for `selected` (or the first visible org) with an optional message.
fn orgs_page(
    s: &Session,
    selected: Option<OrgId>,
    status: StatusCode,
    note: Option<(bool, String)>,
) -> Response {
    let t = s.tr();
    let st = &s.snap.state;
    let visible = s.visible_orgs();
    let selected = selected
        .filter(|o| visible.contains(o))
        .or_else(|| visible.first().copied());
    let here = match selected {
        Some(o) => format!("/panel/orgs?org={}", o.0),
        None => "/panel/orgs".to_string(),
    };
    let mut b = String::new();
    if let Some((ok, text)) = &note {
        let text = if *ok {
            text.clone()
        } else {
            format!("{} {text}", t.failed)
        };
        b.push_str(&message(*ok, &text));
    }
    let Some(sel) = selected else {
        b.push_str(&message(false, t.no_org));
        return s.page(status, t.orgs_title, &here, &b);
    };
    // The tree: visible orgs whose parent is not visible are the tops.
    let _ = write!(
        b,
        "<div class=\"cols\"><nav class=\"tree\" id=\"org-tree\"><h2>{}</h2>",
        esc(t.org_tree)
    );
    let tops: Vec<OrgId> = visible
        .iter()
        .copied()
        .filter(|o| {
            st.orgs
                .get(o)
                .and_then(|x| x.parent)
                .is_none_or(|p| !visible.contains(&p))
        })
        .collect();
    b.push_str("<ul>");
    for top in tops {
        tree(s, &visible, top, sel, 0, &mut b);
    }
    b.push_str("</ul></nav><section>");
    let sel_name = st.orgs.get(&sel).map(|o| o.name.as_str()).unwrap_or("");
    let _ = write!(
        b,
        "<h2>{} <span id=\"selected-org\">{}</span></h2>",
        esc(t.members_of),
        esc(sel_name)
    );
    members_table(s, sel, &mut b);
    forms(s, sel, &mut b);
    b.push_str("</section></div>");
    s.page(status, t.orgs_title, &here, &b)
}

/// One org and its visible children, as nested lists.
fn tree(s: &Session, visible: &[OrgId], org: OrgId, sel: OrgId, depth: u32, b: &mut String) {
    let Some(o) = s.snap.state.orgs.get(&org) else {
        return;
    };
    let _ = write!(
        b,
        "<li><a href=\"/panel/orgs?org={}\"{}>{}</a>",
        o.id.0,
        if org == sel {
            " class=\"sel\" aria-current=\"page\""
        } else {
            ""
        },
        esc(&o.name)
    );
    let mut children: Vec<_> = s
        .snap
        .state
        .child_orgs(org)
        .filter(|c| visible.contains(&c.id))
        .collect();
    children.sort_by(|a, c| a.name.cmp(&c.name));
    if !children.is_empty() && depth < 64 {
        b.push_str("<ul>");
        for c in children {
            tree(s, visible, c.id, sel, depth + 1, b);
        }
        b.push_str("</ul>");
    }
    b.push_str("</li>");
}

fn members_table(s: &Session, org: OrgId, b: &mut String) {
    let t = s.tr();
    let st = &s.snap.state;
    let mut members: Vec<_> = st.members_in(org).filter(|m| s.sees_member(m.id)).collect();
    members.sort_by(|a, c| a.account.cmp(&c.account));
    if members.is_empty() {
        let _ = write!(b, "<p id=\"no-members\">{}</p>", esc(t.no_members));
        return;
    }
    let _ = write!(
        b,
        "<table id=\"members\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.name),
        esc(t.account),
        esc(t.email),
        esc(t.role),
        esc(t.status),
        esc(t.actions)
    );
    for m in members {
        let role = st.roles.get(&m.role).map(|r| r.name.as_str()).unwrap_or("");
        let _ = write!(
            b,
            "<tr data-account=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
            esc(&m.account),
            esc(&m.name),
            esc(&m.account),
            esc(m.email.as_deref().unwrap_or("")),
            esc(role)
        );
        if m.hidden {
            let _ = write!(b, "<span class=\"badge hidden\">{}</span>", esc(t.hidden));
        }
        if m.disabled {
            let _ = write!(
                b,
                "<span class=\"badge disabled\">{}</span>",
                esc(t.disabled)
            );
        }
        b.push_str("</td><td>");
        if !s.may(orgdir_domain::role::Permission::ManageMembers, m.org) {
            b.push_str("</td></tr>");
            continue;
        }
        let flags = [
            (
                "hidden",
                !m.hidden,
                if m.hidden { t.unhide } else { t.hide },
            ),
            (
                "disabled",
                !m.disabled,
                if m.disabled { t.enable } else { t.disable },
            ),
        ];
        for (flag, value, label) in flags {
            let _ = write!(
                b,
                "<form class=\"inline\" method=\"post\" action=\"/panel/members/{}/flag\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
                 <input type=\"hidden\" name=\"flag\" value=\"{flag}\">\
                 <input type=\"hidden\" name=\"value\" value=\"{value}\">\
                 <button type=\"submit\">{}</button></form> ",
                m.id.0,
                esc(&s.csrf),
                esc(label)
            );
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</tbody></table>");
}

fn forms(s: &Session, org: OrgId, b: &mut String) {
    let t = s.tr();
    let st = &s.snap.state;
    let csrf = esc(&s.csrf);
    if s.may(orgdir_domain::role::Permission::ManageOrgTree, org) {
        let _ = write!(
            b,
            "<form method=\"post\" action=\"/panel/orgs/new\" id=\"add-org\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"parent\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"org-name\" required maxlength=\"200\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
            esc(t.add_child_org),
            org.0,
            esc(t.org_name),
            esc(t.add)
        );
    }
    if !s.may(orgdir_domain::role::Permission::ManageMembers, org) {
        return;
    }
    let suggested = st
        .next_free_account()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let mut roles: Vec<_> = st
        .roles
        .values()
        .filter(|r| r.builtin != Some(BuiltinRole::EnterpriseAdmin))
        .collect();
    roles.sort_by_key(|r| (r.builtin.is_none(), r.id.0));
    let mut options = String::new();
    for r in roles {
        let _ = write!(
            options,
            "<option value=\"{}\"{}>{}</option>",
            r.id.0,
            if r.builtin == Some(BuiltinRole::Member) {
                " selected"
            } else {
                ""
            },
            esc(&r.name)
        );
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/new\" id=\"add-member\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"org\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"member-name\" required maxlength=\"200\"></label>\
         <label>{} ({}) <input name=\"account\" id=\"member-account\" placeholder=\"{}\"></label>\
         <label>{} <input type=\"email\" name=\"email\" id=\"member-email\"></label>\
         <label>{} <select name=\"role\" id=\"member-role\">{options}</select></label>\
         <label>{} ({}) <input type=\"password\" name=\"password\" id=\"member-password\" autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(t.add_member),
        org.0,
        esc(t.name),
        esc(t.account),
        esc(t.optional),
        esc(&suggested),
        esc(t.email),
        esc(t.role),
        esc(t.initial_password),
        esc(t.optional),
        esc(t.add)
    );
}

/// Shows a failed change on the org page (rule violations, permission refusals…).
fn failure(s: &Session, org: Option<OrgId>, e: ApiError) -> Response {
    let text = if e.status == StatusCode::NOT_FOUND {
        s.tr().not_found.to_string()
    } else {
        e.detail
    };
    orgs_page(s, org, e.status, Some((false, text)))
}

fn saved(org: OrgId) -> Response {
    Redirect::to(&format!("/panel/orgs?org={}&saved=1", org.0)).into_response()
}

#[derive(Deserialize)]
struct NewOrgForm {
    parent: u64,
    name: String,
}

async fn create_org(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewOrgForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let parent = OrgId(f.parent);
    if !s.visible_orgs().contains(&parent) {
        return failure(&s, None, ApiError::not_found("parent org"));
    }
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            Command::CreateOrg {
                parent,
                name: f.name.trim().to_string(),
            },
        )
        .await;
    match out {
        Ok(o) => saved(o.created.map(OrgId).unwrap_or(parent)),
        Err(e) => failure(&s, Some(parent), e.into()),
    }
}

#[derive(Deserialize)]
struct NewMemberForm {
    org: u64,
    name: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    email: String,
    role: u64,
    #[serde(default)]
    password: String,
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|v| !v.is_empty())
}

async fn create_member(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewMemberForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = OrgId(f.org);
    if !s.visible_orgs().contains(&org) {
        return failure(&s, None, ApiError::not_found("org"));
    }
    let password = if f.password.is_empty() {
        None
    } else {
        match state.dir.hash_new_password(&f.password).await {
            Ok(h) => Some(h),
            Err(e) => return failure(&s, Some(org), e.into()),
        }
    };
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            Command::AddMember(Box::new(NewMember {
                account: non_empty(&f.account),
                org: Some(org),
                name: f.name.trim().to_string(),
                email: non_empty(&f.email),
                role: Some(RoleId(f.role)),
                must_change_password: password.is_some(),
                password,
                ..NewMember::default()
            })),
        )
        .await;
    match out {
        Ok(_) => saved(org),
        Err(e) => failure(&s, Some(org), e.into()),
    }
}

#[derive(Deserialize)]
struct FlagForm {
    flag: String,
    value: bool,
}

async fn set_flag(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<FlagForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let member = MemberId(id);
    let org = s.snap.state.members.get(&member).map(|m| m.org);
    if !s.sees_member(member) {
        return failure(&s, None, ApiError::not_found("member"));
    }
    let cmd = match f.flag.as_str() {
        "hidden" => Command::SetMemberHidden {
            member,
            hidden: f.value,
        },
        "disabled" => Command::SetMemberDisabled {
            member,
            disabled: f.value,
        },
        _ => return failure(&s, org, ApiError::bad_request("unknown flag")),
    };
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            cmd,
        )
        .await;
    match (out, org) {
        (Ok(_), Some(o)) => saved(o),
        (Ok(_), None) => Redirect::to("/panel/orgs").into_response(),
        (Err(e), _) => failure(&s, org, e.into()),
    }
}

#[cfg(test)]
mod tests;
