//! The account center's HTTP side (axum). For now it serves the health endpoint that
//! process supervisors and load balancers probe; the JSON API and the panel follow.
//!
//! `router(state)` is a plain function so tests can drive it without a socket (STYLE 8).

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
}

/// The HTTP router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
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
