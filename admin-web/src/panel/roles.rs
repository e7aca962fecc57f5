//! Roles and permissions (SPEC ROLE-1..4).

use axum::Router;

use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
