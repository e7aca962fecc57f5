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
        .with_state(state)
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
