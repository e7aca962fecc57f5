//! Enterprise images (SPEC ENT-5): the administrator uploads a logo or banner, the operator
//! reviews it, and only an approved image is served to others (`/public/{number}/{kind}`).
//!
//! Only PNG, JPEG and WebP are taken (no SVG: it can carry script), at most
//! [`MAX_IMAGE_BYTES`], and the type is read from the file's first bytes, never trusted from
//! the client. Images are served with their sniffed type, `nosniff` and a CSP that allows
//! nothing, so even a hostile file cannot act as a page.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orgdir_store::{AuditRecord, ImageKind, ImageRecord, NewImage};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Id, JsonBody};
use crate::operator::Operator;

/// The largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// The content type of an image file, from its first bytes: PNG, JPEG or WebP only.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12
        && bytes.starts_with(b"RIFF")
        && bytes.get(8..12) == Some(b"WEBP".as_slice())
    {
        Some("image/webp")
    } else {
        None
    }
}

/// An image as the API shows it.
#[derive(Debug, Serialize)]
pub struct ImageJson {
    id: u64,
    enterprise: u64,
    kind: &'static str,
    status: &'static str,
    content_type: String,
    size: u64,
    reason: Option<String>,
    submitted_at: i64,
    reviewed_at: Option<i64>,
}

impl From<&ImageRecord> for ImageJson {
    fn from(r: &ImageRecord) -> ImageJson {
        ImageJson {
            id: r.id,
            enterprise: r.enterprise,
            kind: r.kind.key(),
            status: r.status.key(),
            content_type: r.content_type.clone(),
            size: r.size,
            reason: r.reason.clone(),
            submitted_at: r.submitted_at,
            reviewed_at: r.reviewed_at,
        }
    }
}

/// Checks and stores an uploaded image as pending. `declared` is the client's content type,
/// when it gave one: it must agree with the bytes.
pub async fn submit(
    state: &AppState,
    enterprise: u64,
    who: &str,
    source: &str,
    kind: ImageKind,
    declared: Option<&str>,
    bytes: Vec<u8>,
) -> ApiResult<u64> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("an image may have at most {MAX_IMAGE_BYTES} bytes"),
        ));
    }
    let Some(content_type) = sniff(&bytes) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
            "only PNG, JPEG and WebP images are accepted",
        ));
    };
    if let Some(d) = declared.map(|d| d.split(';').next().unwrap_or("").trim())
        && !d.is_empty()
        && !d.eq_ignore_ascii_case(content_type)
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
            format!("the file is {content_type}, not {d}"),
        ));
    }
    let now = state.dir.now();
    let image = NewImage {
        enterprise,
        kind,
        content_type: content_type.into(),
        bytes,
        submitted_at: now,
    };
    let audit = AuditRecord {
        at: now,
        actor: who.into(),
        source: source.into(),
        action: "image.submit".into(),
        target: kind.key().into(),
        detail: format!("{content_type}, {} bytes", image.bytes.len()),
    };
    crate::store_call(state, move |s| s.submit_image(&image, &audit)).await
}

/// Approves or rejects a pending image as the operator (a rejection needs a reason).
pub async fn review(
    state: &AppState,
    operator: &str,
    id: u64,
    approve: bool,
    reason: Option<String>,
) -> ApiResult<ImageRecord> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !approve && reason.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_violation",
            "invalid reason: a rejection needs a reason",
        ));
    }
    let now = state.dir.now();
    let audit = AuditRecord {
        at: now,
        actor: "operator".into(),
        source: format!("operator {operator}"),
        action: if approve {
            "image.approve"
        } else {
            "image.reject"
        }
        .into(),
        target: format!("image {id}"),
        detail: reason.clone().unwrap_or_default(),
    };
    crate::store_call(state, move |s| {
        s.review_image(id, approve, reason.as_deref(), now, &audit)
    })
    .await
}

/// The images of an enterprise (live, pending, last rejected).
pub async fn of_enterprise(state: &AppState, enterprise: u64) -> ApiResult<Vec<ImageRecord>> {
    crate::store_call(state, move |s| s.images(enterprise)).await
}

/// The operator's queue.
pub async fn pending(state: &AppState) -> ApiResult<Vec<ImageRecord>> {
    crate::store_call(state, |s| s.pending_images()).await
}

/// Image `id` with its bytes.
pub async fn bytes(state: &AppState, id: u64) -> ApiResult<Option<(ImageRecord, Vec<u8>)>> {
    crate::store_call(state, move |s| s.image(id)).await
}

/// An image file as a response that cannot act as a page.
pub fn file(rec: &ImageRecord, bytes: Vec<u8>, cache: &'static str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&rec.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

fn kind_of(k: &str) -> ApiResult<ImageKind> {
    ImageKind::from_key(k).ok_or_else(|| ApiError::not_found("image kind"))
}

/// `PUT /api/v1/enterprise/images/{kind}`: the file as the body (202: pending review).
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    crate::account::admin_only(&caller)?;
    let kind = kind_of(&kind)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let id = submit(
        &state,
        caller.principal.enterprise,
        "super",
        &crate::api::source(&caller),
        kind,
        declared,
        body.to_vec(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "id": id }))))
}

/// `GET /api/v1/enterprise/images`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ImageJson>>> {
    crate::account::admin_only(&caller)?;
    let all = of_enterprise(&state, caller.principal.enterprise).await?;
    Ok(Json(all.iter().map(ImageJson::from).collect()))
}

/// `GET /public/{number}/{kind}`: the approved image, for anyone (it is meant to be shown to
/// external parties); 404 while none is approved.
pub async fn public(
    State(state): State<AppState>,
    Path((number, kind)): Path<(u64, String)>,
) -> Response {
    let Ok(kind) = kind_of(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match crate::store_call(&state, move |s| s.live_image(number, kind)).await {
        Ok(Some((rec, bytes))) => file(&rec, bytes, "public, max-age=300"),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/v1/operator/images`: pending images, oldest first.
pub async fn list_pending(
    State(state): State<AppState>,
    _op: Operator,
) -> ApiResult<Json<Vec<ImageJson>>> {
    Ok(Json(
        pending(&state).await?.iter().map(ImageJson::from).collect(),
    ))
}

/// `GET /api/v1/operator/images/{id}`: the file, for review.
pub async fn operator_file(
    State(state): State<AppState>,
    _op: Operator,
    Id(id): Id,
) -> ApiResult<Response> {
    let (rec, b) = bytes(&state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("image"))?;
    Ok(file(&rec, b, "no-store"))
}

/// `POST /api/v1/operator/images/{id}/review`.
pub async fn operator_review(
    State(state): State<AppState>,
    op: Operator,
    Id(id): Id,
    JsonBody(d): JsonBody<crate::account::DecisionJson>,
) -> ApiResult<Json<ImageJson>> {
    let rec = review(&state, &op.name, id, d.approve, d.reason).await?;
    Ok(Json(ImageJson::from(&rec)))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn only_png_jpeg_and_webp_are_recognised() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/>"),
            None
        );
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }
}
