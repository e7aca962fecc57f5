//! The admin panel: server-rendered pages under `/panel/` (SPEC LOGIN-1..2, ENT-6, ORG-1,
//! ORG-3, ORG-6, ORG-9, ORG-10), in English and Chinese, without JavaScript.
//!
//! Sign-in is the API's (`auth::verify_sign_in`, `auth::start_session`): the same session
//! cookie, the same bind verification. Every POST form carries the session's CSRF token in a
//! `csrf_token` field, compared in constant time before anything else is read
//! (`posted`); a missing or wrong token is a 403. Reads show what the caller may see
//! (`Snapshot::visibility`/`can_see`, as the API and LDAP); every change is a command through
//! `Directory::execute` as the caller, so permissions, management scope and the ORG-2 limits
//! are the directory's to enforce, and a refusal is shown on the page.

mod account;
mod audit;
mod bulk;
mod home;
mod html;
mod i18n;
mod members;
mod operator;
mod orgs;
mod plugins;
mod recover;
mod roles;
mod signin;
mod sso;
mod tokens;
mod zh;

pub(crate) use account::must_change_gate;
pub(crate) use i18n::Lang as PanelLang;
pub(crate) use plugins::plugin_routes;
pub(crate) use zh::refusal as zh_refusal;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use orgdir_directory::entry::EntryKind;
use orgdir_directory::service::{Principal, PrincipalKind};
use orgdir_directory::snapshot::{Snapshot, Viewer};
use orgdir_domain::model::{MemberId, OrgId};
use orgdir_domain::role::Permission;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth;
use html::{Chrome, message, page};
use i18n::{Lang, Tr};

/// The panel's routes (merged into the main router): each page module brings its own.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(to_panel))
        .route("/panel", get(to_panel))
        .route("/panel/panel.css", get(css))
        .merge(signin::routes())
        .merge(home::routes())
        .merge(orgs::routes())
        .merge(members::routes())
        .merge(roles::routes())
        .merge(audit::routes())
        .merge(tokens::routes())
        .merge(operator::routes())
        .merge(recover::routes())
        .merge(sso::routes())
        .merge(account::routes())
        .merge(plugins::routes())
        .merge(bulk::routes())
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
    /// What the viewer may see (`None`: everything), computed once per request.
    vis: Option<Arc<orgdir_directory::bitset::BitSet>>,
    lang: Lang,
    /// The menu entries of the enterprise's plugins the holder may open.
    plugin_menu: Vec<(String, &'static str)>,
    /// The permissions of the plugins the enterprise has on, with their labels (rows of the
    /// role matrix after the core's).
    plugin_permissions: Vec<(Permission, &'static str)>,
}

impl Session {
    /// The session the request's cookie names, if live and its holder still enabled.
    fn of(state: &AppState, headers: &HeaderMap) -> Option<Session> {
        let (principal, csrf) = auth::cookie_session(state, headers)?;
        let (snap, viewer) = state.dir.viewer(&principal)?;
        let vis = snap.visibility(&viewer);
        let mut s = Session {
            principal,
            csrf,
            snap,
            viewer,
            vis,
            lang: Lang::of_request(headers),
            plugin_menu: Vec::new(),
            plugin_permissions: Vec::new(),
        };
        s.plugin_menu = plugins::menu_entries(state, &s);
        s.plugin_permissions = plugins::permission_rows(state, &s);
        Some(s)
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
        let t = self.tr();
        let mut menu = vec![
            ("/panel/", t.nav_home),
            ("/panel/orgs", t.nav_orgs),
            ("/panel/search", t.nav_search),
        ];
        if self.holds(Permission::ManageRoles) {
            menu.push(("/panel/roles", t.nav_roles));
            menu.push(("/panel/audit", t.nav_audit));
        }
        if self.holds(Permission::ManageMembers) {
            menu.push(("/panel/import", bulk::nav_label(self.lang)));
        }
        menu.push(("/panel/tokens", t.nav_tokens));
        match self.principal.kind {
            PrincipalKind::Admin => {
                menu.push(("/panel/account", t.nav_account));
                menu.push(("/panel/plugins", t.nav_plugins));
            }
            PrincipalKind::Member(_) => menu.push(("/panel/password", t.nav_password)),
            PrincipalKind::Service(_) => {}
        }
        Chrome {
            who,
            csrf: &self.csrf,
            menu,
            extra: self.plugin_menu.clone(),
        }
    }

    fn page(&self, status: StatusCode, title: &str, here: &str, body: &str) -> Response {
        page(status, self.lang, title, Some(&self.chrome()), here, body)
    }

    fn sees_entry(&self, e: u32) -> bool {
        self.snap.can_see(&self.viewer, self.vis.as_deref(), e)
    }

    /// The ids of the orgs the caller can see, in tree order (parents before children).
    fn visible_orgs(&self) -> Vec<OrgId> {
        self.snap
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e.kind {
                EntryKind::Org(o) if self.sees_entry(i as u32) => Some(o),
                _ => None,
            })
            .collect()
    }

    fn sees_org(&self, o: OrgId) -> bool {
        self.snap.org_entry(o).is_some_and(|e| self.sees_entry(e))
    }

    fn sees_member(&self, m: MemberId) -> bool {
        self.snap
            .member_entry(m)
            .is_some_and(|e| self.sees_entry(e))
    }

    /// The text of a refusal in the page's language: "not found" for anything the caller
    /// cannot see, the rule in Chinese on zh-CN pages, else the directory's message.
    fn refusal(&self, e: crate::error::ApiError) -> String {
        if e.status == StatusCode::NOT_FOUND {
            return self.tr().not_found.to_string();
        }
        match (self.lang, e.zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => e.detail,
        }
    }

    fn source(&self) -> String {
        format!("panel {}", self.principal.dn)
    }

    /// Runs one command as the caller through the directory's write path.
    async fn exec(
        &self,
        dir: &orgdir_directory::service::Directory,
        cmd: orgdir_domain::command::Command,
    ) -> Result<orgdir_domain::command::Outcome, crate::error::ApiError> {
        let (enterprise, actor) = (self.principal.enterprise, self.principal.actor());
        Ok(dir.execute(enterprise, actor, &self.source(), cmd).await?)
    }

    /// Runs commands as the caller, in one transaction (all or none).
    async fn exec_all(
        &self,
        dir: &orgdir_directory::service::Directory,
        cmds: Vec<orgdir_domain::command::Command>,
    ) -> Result<Vec<orgdir_domain::command::Outcome>, crate::error::ApiError> {
        let (enterprise, actor) = (self.principal.enterprise, self.principal.actor());
        Ok(dir
            .execute_batch(enterprise, actor, &self.source(), cmds)
            .await?)
    }

    /// Whether the caller's role holds `p` at all (the enterprise administrator holds every
    /// permission; service accounts do not use the panel).
    fn holds(&self, p: Permission) -> bool {
        let st = &self.snap.state;
        match self.principal.kind {
            PrincipalKind::Admin => true,
            PrincipalKind::Member(id) => st
                .members
                .get(&id)
                .is_some_and(|m| st.member_permissions(m).contains(&p)),
            PrincipalKind::Service(_) => false,
        }
    }

    /// Whether the caller holds `p` for things in `org` (LOGIN-2: pages offer only what the
    /// caller may do; the server checks again whatever is posted).
    fn may(&self, p: Permission, org: OrgId) -> bool {
        use orgdir_domain::authz::{org_in_scope, scope_of};
        let st = &self.snap.state;
        self.holds(p) && org_in_scope(st, &scope_of(st, self.principal.actor()), org)
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

/// A 403 page when the urlencoded form `body` does not carry the session's `csrf_token`
/// (compared in constant time); `None` when it does.
fn csrf_refusal(session: &Session, body: &[u8]) -> Option<Response> {
    let sent = serde_urlencoded::from_bytes::<CsrfField>(body)
        .map(|f| f.csrf_token)
        .unwrap_or_default();
    if auth::csrf_matches(&sent, &session.csrf) {
        return None;
    }
    let t = session.tr();
    Some(page(
        StatusCode::FORBIDDEN,
        session.lang,
        t.failed,
        None,
        "/panel/",
        &message(false, t.csrf_refused),
    ))
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
    if let Some(refused) = csrf_refusal(&session, body) {
        return Err(Box::new(refused));
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

// --- home (ENT-6) ---------------------------------------------------------------------

/// `YYYY-MM-DD` of a timestamp.
fn date(t: i64) -> String {
    let g = orgdir_directory::dit::generalized_time(t);
    match (g.get(0..4), g.get(4..6), g.get(6..8)) {
        (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => g,
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a timestamp.
pub(crate) fn datetime(t: i64) -> String {
    let g = orgdir_directory::dit::generalized_time(t);
    match (
        g.get(0..4),
        g.get(4..6),
        g.get(6..8),
        g.get(8..10),
        g.get(10..12),
        g.get(12..14),
    ) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) => {
            format!("{y}-{mo}-{d} {h}:{mi}:{s}")
        }
        _ => g,
    }
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod plugins_tests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
