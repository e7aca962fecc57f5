//! The account center's HTTP side (axum): `/healthz`, `/metrics`, the JSON API under
//! `/api/v1` (sign-in sessions, API tokens, the org tree, members, roles, the operator's
//! enterprises) with its OpenAPI document, and the panel pages under `/panel/`.
//!
//! `router(state)` is a plain function so tests can drive it without a socket (STYLE 8).
//!
//! API boundary: every change is a command through `Directory::execute`; this crate never
//! touches SQL or LDAP.

// The OpenAPI document is one large `serde_json::json!` literal.
#![recursion_limit = "512"]

pub mod account;
pub mod api;
pub mod auth;
pub mod bulk;
pub mod error;
pub mod images;
pub mod jobs;
pub mod links;
pub mod openapi;
pub mod operator;
pub mod panel;
pub mod plugins;
pub mod recovery;
pub mod roles;
pub mod sso;
pub mod tokens;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use orgdir_directory::service::Directory;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The directory service.
    pub dir: Arc<Directory>,
    /// Signed-in sessions.
    pub sessions: Arc<auth::Sessions>,
    /// Mark cookies `Secure` (when the panel is served over HTTPS).
    pub secure_cookies: bool,
    /// Signed-in server operators (apart from enterprise sessions).
    pub operator_sessions: Arc<auth::Sessions<String>>,
    /// What an enterprise the operator creates gets unless told otherwise.
    pub new_enterprise: operator::Defaults,
    /// Signed links (super password recovery, SSO hand-off): key, public URL, used nonces.
    pub links: Arc<links::Links>,
    /// Outgoing mail; `None` when there is none (recovery requests are then audited as
    /// not sent). The daemon always sets one: SMTP, or the outbox of the data directory.
    pub mailer: Option<Arc<orgdir_mail::Mailer>>,
    /// The last import error file of each enterprise (IMP-3).
    pub import_errors: Arc<bulk::ErrorFiles>,
    /// The plugins this server runs.
    pub plugins: Arc<orgdir_plugin_host::Plugins>,
    /// Background import and export jobs.
    pub jobs: Arc<jobs::Jobs>,
}

impl AppState {
    /// State over `dir`, with no sessions yet.
    pub fn new(dir: Arc<Directory>, secure_cookies: bool) -> AppState {
        AppState {
            dir,
            sessions: Arc::new(auth::Sessions::default()),
            secure_cookies,
            operator_sessions: Arc::new(auth::Sessions::default()),
            new_enterprise: operator::Defaults::default(),
            links: Arc::new(links::Links::ephemeral()),
            mailer: None,
            import_errors: Arc::new(bulk::ErrorFiles::default()),
            plugins: Arc::new(orgdir_plugin_host::Plugins::none()),
            jobs: Arc::new(jobs::Jobs::default()),
        }
    }

    /// Sets the key, public URL and lifetimes of signed links (the daemon's
    /// `<data_dir>/secret.key` and `http.public_url`).
    pub fn with_links(mut self, links: links::Links) -> AppState {
        self.links = Arc::new(links);
        self
    }

    /// Sets the plugins the server runs (their routes are mounted by [`router`]).
    pub fn with_plugins(mut self, plugins: Arc<orgdir_plugin_host::Plugins>) -> AppState {
        self.plugins = plugins;
        self
    }

    /// Sets the outgoing mail transport.
    pub fn with_mailer(mut self, mailer: Arc<orgdir_mail::Mailer>) -> AppState {
        self.mailer = Some(mailer);
        self
    }

    /// Sets the seats and limits new enterprises get (the configuration's `[limits]`).
    pub fn with_enterprise_defaults(mut self, defaults: operator::Defaults) -> AppState {
        self.new_enterprise = defaults;
        self
    }
}

/// Runs a store call on the blocking pool. A missing row answers 404 with the store's
/// description; other failures are internal errors (logged, never shown).
pub(crate) async fn store_call<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn orgdir_store::Store) -> orgdir_store::Result<T> + Send + 'static,
) -> error::ApiResult<T> {
    use orgdir_directory::service::DirError;
    let store = state.dir.store().clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| error::ApiError::from(DirError::Internal(e.to_string())))?
        .map_err(|e| match e {
            orgdir_store::Error::NotFound(what) => error::ApiError::not_found(&what),
            e => DirError::Store(e).into(),
        })
}

/// Largest request body accepted by the API.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The HTTP router.
pub fn router(state: AppState) -> Router {
    use axum::routing::{delete, patch, post, put};
    let api = Router::new()
        .route("/session", post(auth::sign_in).delete(auth::sign_out))
        .route("/me", get(auth::me))
        .route("/me/password", put(account::set_own_password))
        .route("/enterprise", get(account::get))
        .route("/enterprise/profile", put(account::submit_profile))
        .route(
            "/enterprise/recovery-email",
            put(account::set_recovery_email),
        )
        .route(
            "/enterprise/super-password",
            put(account::set_super_password),
        )
        .route(
            "/enterprise/initial-password",
            put(account::set_initial_password),
        )
        .route("/orgs", get(api::list_orgs).post(api::create_org))
        .route("/orgs/{id}", delete(api::delete_org).patch(api::update_org))
        .route("/members", get(api::list_members).post(api::create_member))
        .route("/members/reset-passwords", post(api::reset_passwords))
        .route("/members/move", post(api::move_members))
        .route("/members/{id}/reassign", post(api::reassign_member))
        .route(
            "/members/{id}",
            get(api::get_member)
                .patch(api::update_member)
                .delete(api::delete_member),
        )
        .route("/permissions", get(roles::list_permissions))
        .route("/roles", get(roles::list_roles).post(roles::create_role))
        .route(
            "/roles/{id}",
            delete(roles::delete_role).patch(roles::update_role),
        )
        .route("/audit", get(roles::audit))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route(
            "/operator/session",
            post(operator::sign_in).delete(operator::sign_out),
        )
        .route(
            "/operator/enterprises",
            get(operator::list).post(operator::create),
        )
        .route("/operator/enterprises/{number}", patch(operator::update))
        .route("/enterprise/images", get(images::list))
        .route(
            "/enterprise/images/{kind}",
            put(images::put).layer(axum::extract::DefaultBodyLimit::max(
                images::MAX_IMAGE_BYTES + 1024,
            )),
        )
        .route("/operator/images", get(images::list_pending))
        .route("/operator/images/{id}", get(images::operator_file))
        .route(
            "/operator/images/{id}/review",
            post(images::operator_review),
        )
        .route("/import/template", get(bulk::template))
        .route(
            "/import",
            post(bulk::import).layer(axum::extract::DefaultBodyLimit::max(
                bulk::MAX_UPLOAD_BYTES + 1024,
            )),
        )
        .route("/import/errors", get(bulk::errors))
        .route(
            "/import/jobs",
            post(bulk::start_import_job).layer(axum::extract::DefaultBodyLimit::max(
                bulk::MAX_UPLOAD_BYTES + 1024,
            )),
        )
        .route("/import/jobs/{id}", get(bulk::import_job))
        .route("/export", get(bulk::export))
        .route("/export/jobs", post(bulk::start_export_job))
        .route("/export/jobs/{id}", get(bulk::export_job))
        .route("/export/jobs/{id}/file", get(bulk::export_job_file))
        .route("/operator/reviews", get(account::list_reviews))
        .route(
            "/operator/enterprises/{number}/review",
            post(account::review),
        )
        .route("/recovery", post(recovery::request))
        .route("/recovery/complete", post(recovery::complete))
        .route("/sso-link", post(sso::create))
        .route("/plugins", get(plugins::list))
        .route("/plugins/{id}", put(plugins::set))
        .merge(plugins::api_routes(&state))
        .route("/openapi.json", get(openapi_json))
        .fallback(api_not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/public/{number}/{kind}", get(images::public))
        .route("/metrics", get(metrics))
        .merge(panel::router().merge(panel::plugin_routes(&state)).layer(
            axum::middleware::from_fn_with_state(state.clone(), panel::must_change_gate),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document())
}

async fn api_not_found() -> error::ApiError {
    error::ApiError::not_found("API route")
}

/// Counts every response by status class.
async fn count(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let resp = next.run(req).await;
    state.dir.metrics().http(resp.status().as_u16());
    resp
}

/// Prometheus text format: LDAP operations, binds, errors, HTTP responses, and gauges of
/// the directory's size.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let cat = state.dir.catalog();
    let members: usize = cat
        .enterprises
        .values()
        .map(|s| s.state.members.len())
        .sum();
    let text = state.dir.metrics().render(&[
        (
            "orgdir_enterprises",
            "Enterprises served.",
            cat.enterprises.len() as u64,
        ),
        (
            "orgdir_members",
            "Members in all enterprises.",
            members as u64,
        ),
        (
            "orgdir_bind_cache_entries",
            "Remembered slow-hash verifications.",
            state.dir.cached_credentials() as u64,
        ),
    ]);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
}

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    enterprises: usize,
    version: &'static str,
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let enterprises = state.dir.catalog().enterprises.len();
    (
        StatusCode::OK,
        Json(Health {
            status: "ok",
            enterprises,
            version: env!("CARGO_PKG_VERSION"),
        }),
    )
}
