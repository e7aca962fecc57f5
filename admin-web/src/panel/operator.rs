//! The operator's pages: enterprises, seats, account ranges, expiry.

use axum::Router;

use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
