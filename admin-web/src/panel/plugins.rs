//! Plugins in the panel: the administrator's page that turns each of the server's plugins on
//! or off for the enterprise (`/panel/plugins`), and the mounting of each plugin's pages at
//! `/panel/p/<id>/` behind the panel's sign-in, with the enterprise-has-it-on check, the CSRF
//! check of every non-GET request (done here, before the plugin sees the form), the
//! plugin's menu entries, and the panel's layout for its pages.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_directory::service::PrincipalKind;
use orgdir_plugin_api::Chrome;
use orgdir_plugin_host::Plugins;
use serde::Deserialize;

use super::html::{esc, message};
use super::i18n::Lang;
use super::{Session, csrf_refusal, datetime, posted, to_sign_in};
use crate::AppState;

/// The largest form a plugin page may post.
const MAX_PLUGIN_FORM: usize = 1024 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/plugins", get(plugins_page))
        .route("/panel/plugins/{id}", post(toggle))
}

/// The pages of every loaded plugin, each nested at `/panel/p/<id>`.
pub(crate) fn plugin_routes(state: &AppState) -> Router<AppState> {
    let mut r = Router::new();
    for l in state.plugins.iter() {
        let id = l.manifest.id;
        let inner = l
            .plugin
            .panel(l.ctx.clone())
            .layer(axum::middleware::from_fn_with_state(
                (state.clone(), id),
                panel_gate,
            ));
        r = r.nest_service(&format!("/panel/p/{id}"), inner);
    }
    r
}

/// The menu entries of the enabled plugins the session's holder may open.
pub(super) fn menu_entries(state: &AppState, s: &Session) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for l in state.plugins.iter() {
        let m = &l.manifest;
        if !Plugins::enabled_in(&s.snap, m.id) {
            continue;
        }
        let grants = state.plugins.grants(m.id, &s.snap, s.principal.kind);
        for e in &m.menu {
            let open = match (e.permission, s.principal.kind) {
                (_, PrincipalKind::Service(_)) => false,
                (None, _) => true,
                (Some(p), _) => grants.contains_key(p),
            };
            if open {
                out.push((
                    format!("/panel/p/{}/{}", m.id, e.path),
                    e.label.get(crate::plugins::plugin_lang(s.lang)),
                ));
            }
        }
    }
    out
}

/// The permissions of the plugins the enterprise has on, labelled in the session's language.
pub(super) fn permission_rows(
    state: &AppState,
    s: &Session,
) -> Vec<(orgdir_domain::role::Permission, &'static str)> {
    let lang = crate::plugins::plugin_lang(s.lang);
    state
        .plugins
        .iter()
        .filter(|l| Plugins::enabled_in(&s.snap, l.manifest.id))
        .flat_map(|l| {
            l.manifest.permissions.iter().filter_map(move |p| {
                orgdir_domain::role::Permission::from_key(&l.manifest.permission_key(p.name))
                    .map(|k| (k, p.label.get(lang)))
            })
        })
        .collect()
}

/// Renders a plugin's page in the layout of the session it was asked by.
struct SessionChrome {
    session: Session,
    here: String,
}

impl Chrome for SessionChrome {
    fn page(&self, status: StatusCode, title: &str, body: &str) -> Response {
        self.session.page(status, title, &self.here, body)
    }
}

/// Signs the request in as the panel does, checks the plugin is on, checks the CSRF token
/// of anything but GET/HEAD, and hands the plugin a caller.
async fn panel_gate(
    State((state, id)): State<(AppState, &'static str)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let Some(session) = Session::of(&state, &parts.headers) else {
        return to_sign_in();
    };
    let t = session.tr();
    if !Plugins::enabled_in(&session.snap, id) {
        return session.page(
            StatusCode::NOT_FOUND,
            t.failed,
            "/panel/",
            &message(false, text(session.lang).off),
        );
    }
    let body = if parts.method == Method::GET || parts.method == Method::HEAD {
        body
    } else {
        let bytes = match axum::body::to_bytes(body, MAX_PLUGIN_FORM).await {
            Ok(b) => b,
            Err(_) => {
                return session.page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    t.failed,
                    "/panel/",
                    &message(false, text(session.lang).too_large),
                );
            }
        };
        if let Some(refused) = csrf_refusal(&session, &bytes) {
            return refused;
        }
        Body::from(bytes)
    };
    let here = parts
        .uri
        .path_and_query()
        .map(|p| format!("/panel/p/{id}{}", p.as_str()))
        .unwrap_or_default();
    let snap = session.snap.clone();
    let signed = crate::plugins::Signed {
        snap: &snap,
        kind: session.principal.kind,
        lang: session.lang,
        source: session.source(),
        panel: Some((
            session.csrf.clone(),
            Arc::new(SessionChrome { session, here }),
        )),
    };
    let Some(caller) = crate::plugins::plugin_caller(&state, id, &parts, signed) else {
        return to_sign_in();
    };
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body)).await
}

/// The page's strings.
struct Text {
    title: &'static str,
    intro: &'static str,
    none: &'static str,
    only_admin: &'static str,
    on: &'static str,
    off_state: &'static str,
    since: &'static str,
    turn_on: &'static str,
    turn_off: &'static str,
    permissions: &'static str,
    off: &'static str,
    too_large: &'static str,
}

static EN: Text = Text {
    title: "Plugins",
    intro: "The plugins this server runs. Turn one on to give the enterprise its pages and API; its permissions then appear in the role matrix (the first time, the built-in roles get the plugin's default grants). Turning a plugin off hides it and keeps its data.",
    none: "This server runs no plugins (the server's configuration enables them: [plugins] enabled = [\"attendance\"]).",
    only_admin: "Only the enterprise administrator turns plugins on and off.",
    on: "On",
    off_state: "Off",
    since: "since",
    turn_on: "Turn on",
    turn_off: "Turn off",
    permissions: "Permissions",
    off: "This plugin is not turned on for your enterprise.",
    too_large: "The form is too large.",
};

static ZH: Text = Text {
    title: "插件",
    intro: "本服务器运行的插件。开启后企业即可使用其页面和接口，其权限出现在角色权限表中（首次开启时，内置角色获得插件的默认授权）。关闭插件会隐藏它，数据保留。",
    none: "本服务器未运行任何插件（在服务器配置中启用：[plugins] enabled = [\"attendance\"]）。",
    only_admin: "只有企业管理员可以开启或关闭插件。",
    on: "已开启",
    off_state: "未开启",
    since: "自",
    turn_on: "开启",
    turn_off: "关闭",
    permissions: "权限",
    off: "贵企业未开启此插件。",
    too_large: "表单过大。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

fn render(state: &AppState, s: &Session, note: Option<(bool, &str)>) -> String {
    let t = text(s.lang);
    let lang = crate::plugins::plugin_lang(s.lang);
    let mut h = String::new();
    if let Some((ok, m)) = note {
        h.push_str(&message(ok, m));
    }
    let _ = write!(h, "<p>{}</p>", esc(t.intro));
    if state.plugins.iter().next().is_none() {
        let _ = write!(h, "<p>{}</p>", esc(t.none));
        return h;
    }
    let admin = s.principal.kind == PrincipalKind::Admin;
    if !admin {
        let _ = write!(h, "<p>{}</p>", esc(t.only_admin));
    }
    let settings = &s.snap.state.enterprise.account.plugins;
    for l in state.plugins.iter() {
        let m = &l.manifest;
        let setting = settings.get(m.id);
        let on = setting.is_some_and(|p| p.enabled);
        let _ = write!(
            h,
            "<section class=\"plugin\" id=\"plugin-{id}\"><h2>{}</h2><p>{}</p><p><strong>{}</strong>",
            esc(m.name.get(lang)),
            esc(m.description.get(lang)),
            esc(if on { t.on } else { t.off_state }),
            id = esc(m.id),
        );
        if let Some(p) = setting {
            let _ = write!(h, " ({} {})", esc(t.since), esc(&datetime(p.changed_at)));
        }
        h.push_str("</p>");
        let perms: Vec<String> = m
            .permissions
            .iter()
            .map(|p| esc(p.label.get(lang)))
            .collect();
        if !perms.is_empty() {
            let _ = write!(h, "<p>{}: {}</p>", esc(t.permissions), perms.join(", "));
        }
        if admin {
            let _ = write!(
                h,
                "<form method=\"post\" action=\"/panel/plugins/{id}\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"enabled\" value=\"{next}\">\
                 <button type=\"submit\">{label}</button></form>",
                id = esc(m.id),
                csrf = esc(&s.csrf),
                next = !on,
                label = esc(if on { t.turn_off } else { t.turn_on }),
            );
        }
        h.push_str("</section>");
    }
    h
}

async fn plugins_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let body = render(&state, &s, None);
    s.page(StatusCode::OK, text(s.lang).title, "/panel/plugins", &body)
}

#[derive(Deserialize)]
struct ToggleForm {
    enabled: bool,
}

async fn toggle(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match posted::<ToggleForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let t = text(s.lang);
    let result = match crate::plugins::set_command(&state.plugins, &id, form.enabled) {
        Ok(cmd) => s.exec(&state.dir, cmd).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to("/panel/plugins").into_response(),
        Err(e) => {
            let why = s.refusal(e);
            let status = if s.principal.kind == PrincipalKind::Admin {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            };
            let body = render(&state, &s, Some((false, &why)));
            s.page(status, t.title, "/panel/plugins", &body)
        }
    }
}
