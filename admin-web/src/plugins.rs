//! Plugins over HTTP: each loaded plugin's API routes are mounted at `/api/v1/p/<id>/`
//! behind the API's own sign-in (session cookie + CSRF header, or bearer token), and only
//! for enterprises that have the plugin on; the handlers get an `orgdir_plugin_api::Caller`
//! with the caller's grants of the plugin's permissions. `GET /api/v1/plugins` lists the
//! server's plugins with their state in the caller's enterprise, `PUT /api/v1/plugins/{id}`
//! turns one on or off (the enterprise administrator; a command through the directory, so
//! it is audited and the default grants are given once).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use orgdir_directory::service::PrincipalKind;
use orgdir_domain::command::Command;
use orgdir_plugin_api::{Caller as PluginCaller, CallerParts, Lang, Who};
use orgdir_plugin_host::Plugins;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, JsonBody};

/// The API routes of every loaded plugin, each nested at `/p/<id>` (inside `/api/v1`).
pub fn api_routes(state: &AppState) -> Router<AppState> {
    let mut r = Router::new();
    for l in state.plugins.iter() {
        let id = l.manifest.id;
        let inner = l
            .plugin
            .api(l.ctx.clone())
            .layer(axum::middleware::from_fn_with_state(
                (state.clone(), id),
                api_gate,
            ));
        r = r.nest_service(&format!("/p/{id}"), inner);
    }
    r
}

/// Who a plugin sees for a principal.
pub(crate) fn who(kind: PrincipalKind) -> Who {
    match kind {
        PrincipalKind::Admin => Who::Admin,
        PrincipalKind::Member(m) => Who::Member(m.0),
        PrincipalKind::Service(s) => Who::Service(s.0),
    }
}

/// The plugin language of the panel's.
pub(crate) fn plugin_lang(lang: crate::panel::PanelLang) -> Lang {
    match lang {
        crate::panel::PanelLang::Zh => Lang::Zh,
        _ => Lang::En,
    }
}

/// What the host knows of a signed-in request (panel session or API caller).
pub(crate) struct Signed<'a> {
    pub(crate) snap: &'a orgdir_directory::snapshot::Snapshot,
    pub(crate) kind: PrincipalKind,
    pub(crate) lang: crate::panel::PanelLang,
    pub(crate) source: String,
    /// Panel requests: the session's CSRF token and the layout.
    pub(crate) panel: Option<(String, Arc<dyn orgdir_plugin_api::Chrome>)>,
}

/// The plugin `id`'s caller for a signed-in request: the directory view, the client address
/// as the server saw it, the caller's grants of the plugin's permissions. `None` when the
/// enterprise is gone.
pub(crate) fn plugin_caller(
    state: &AppState,
    id: &str,
    parts: &axum::http::request::Parts,
    s: Signed<'_>,
) -> Option<PluginCaller> {
    let enterprise = s.snap.state.enterprise.number;
    let directory = state.plugins.directory(enterprise)?;
    let client_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let (csrf, chrome) = match s.panel {
        Some((csrf, chrome)) => (Some(csrf), Some(chrome)),
        None => (None, None),
    };
    Some(PluginCaller::new(CallerParts {
        enterprise,
        who: who(s.kind),
        lang: plugin_lang(s.lang),
        client_ip,
        source: s.source,
        directory,
        grants: state.plugins.grants(id, s.snap, s.kind),
        csrf,
        chrome,
    }))
}

/// Signs the request in as the API does, checks the enterprise has the plugin on, and
/// hands the plugin a [`PluginCaller`].
async fn api_gate(
    State((state, id)): State<(AppState, &'static str)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !Plugins::enabled_in(&caller.snap, id) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "plugin_off",
            format!("the {id} plugin is not turned on for this enterprise"),
        )
        .into_response();
    }
    let lang = crate::panel::PanelLang::of_request(&parts.headers);
    let signed = Signed {
        snap: &caller.snap,
        kind: caller.principal.kind,
        lang,
        source: crate::api::source(&caller),
        panel: None,
    };
    let Some(plugin_caller) = plugin_caller(&state, id, &parts, signed) else {
        return ApiError::not_found("enterprise").into_response();
    };
    parts.extensions.insert(plugin_caller);
    next.run(Request::from_parts(parts, body)).await
}

/// A plugin as `GET /api/v1/plugins` lists it.
#[derive(Debug, Serialize)]
pub struct PluginJson {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    /// On in the caller's enterprise?
    enabled: bool,
    /// When it was last turned on or off (Unix seconds), if ever.
    changed_at: Option<i64>,
    /// Its permissions' keys.
    permissions: Vec<String>,
}

/// `GET /api/v1/plugins`: the plugins this server runs and their state in the caller's
/// enterprise.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Json<Vec<PluginJson>> {
    let settings = &caller.snap.state.enterprise.account.plugins;
    Json(
        state
            .plugins
            .iter()
            .map(|l| {
                let m = &l.manifest;
                let s = settings.get(m.id);
                PluginJson {
                    id: m.id,
                    name: m.name.en,
                    description: m.description.en,
                    enabled: s.is_some_and(|s| s.enabled),
                    changed_at: s.map(|s| s.changed_at),
                    permissions: m
                        .permissions
                        .iter()
                        .map(|p| m.permission_key(p.name))
                        .collect(),
                }
            })
            .collect(),
    )
}

/// `PUT /api/v1/plugins/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPluginJson {
    enabled: bool,
}

/// The command that turns plugin `id` on or off, if the server runs it.
pub(crate) fn set_command(plugins: &Arc<Plugins>, id: &str, enabled: bool) -> ApiResult<Command> {
    if plugins.get(id).is_none() {
        return Err(ApiError::not_found("plugin"));
    }
    Ok(Command::SetPlugin {
        plugin: id.to_string(),
        enabled,
        default_grants: plugins.default_grants(id),
    })
}

/// `PUT /api/v1/plugins/{id}`: turns a plugin on or off for the caller's enterprise (the
/// enterprise administrator only).
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetPluginJson>,
) -> ApiResult<StatusCode> {
    let cmd = set_command(&state.plugins, &id, body.enabled)?;
    state
        .dir
        .execute(
            caller.principal.enterprise,
            caller.principal.actor(),
            &crate::api::source(&caller),
            cmd,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
