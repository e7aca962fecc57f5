//! The HTTP router driven in-process (no socket): health and metrics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use orgdir_directory::service::{Directory, DirectoryConfig};
use orgdir_directory::world::{OsEntropy, SystemClock};
use orgdir_web::{AppState, router};
use tower::ServiceExt;

async fn app() -> axum::Router {
    let store = Arc::new(orgdir_store::SqliteStore::open_in_memory().unwrap());
    let config = DirectoryConfig {
        argon2: orgdir_passwords::Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        },
        ..DirectoryConfig::default()
    };
    let dir = Directory::open(store, config, Arc::new(SystemClock), Arc::new(OsEntropy)).unwrap();
    orgdir_directory::demo::seed_demo(&dir).await.unwrap();
    router(AppState { dir: Arc::new(dir) })
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn health_and_metrics() {
    let app = app().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"status\":\"ok\"") && body.contains("\"enterprises\":1"),
        "{body}"
    );
    let (status, _) = get(&app, "/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        "orgdir_members 50",
        "orgdir_enterprises 1",
        "orgdir_http_responses_total{class=\"2xx\"} 1",
        "orgdir_http_responses_total{class=\"4xx\"} 1",
        "# TYPE orgdir_ldap_operations_total counter",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
}
