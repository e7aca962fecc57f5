//! The enterprise account page (SPEC ENT-1, ENT-2, ENT-4) and the own-password page.
//!
//! The administrator edits the profile (the change waits for the operator; the page shows
//! what is live, what waits and the last decision), the recovery email (confirmed with the
//! super password) and the initial password of new members. Every member changes its own
//! password at `/panel/password`; a member whose password must be changed (ENT-4: an initial
//! or reset password) is sent there by [`must_change_gate`] from every other page.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_directory::service::PrincipalKind;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_domain::model::Profile;
use serde::Deserialize;

use super::html::{esc, message};
use super::i18n::Lang;
use super::{Session, datetime, non_empty, posted, to_sign_in};
use crate::AppState;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/account", get(account_page))
        .route("/panel/account/profile", post(submit_profile))
        .route("/panel/account/recovery-email", post(set_recovery_email))
        .route(
            "/panel/account/initial-password",
            post(set_initial_password),
        )
        .route("/panel/account/super-password", post(set_super_password))
        .route(
            "/panel/account/images",
            post(upload_image).layer(axum::extract::DefaultBodyLimit::max(
                crate::images::MAX_IMAGE_BYTES + 64 * 1024,
            )),
        )
        .route("/panel/account/images/{id}", get(own_image))
        .route("/panel/password", get(password_page).post(change_password))
}

struct Text {
    super_title: &'static str,
    super_hint: &'static str,
    images: &'static str,
    images_hint: &'static str,
    image_live: &'static str,
    image_pending: &'static str,
    image_rejected: &'static str,
    image_kind: &'static str,
    image_file: &'static str,
    upload: &'static str,
    uploaded: &'static str,
    title: &'static str,
    profile: &'static str,
    pending_title: &'static str,
    pending_note: &'static str,
    rejected: &'static str,
    approved: &'static str,
    name: &'static str,
    short_name: &'static str,
    address: &'static str,
    industry: &'static str,
    contact_name: &'static str,
    contact_phone: &'static str,
    contact_email: &'static str,
    submit: &'static str,
    submitted: &'static str,
    recovery: &'static str,
    recovery_hint: &'static str,
    recovery_email: &'static str,
    super_password: &'static str,
    initial: &'static str,
    initial_hint: &'static str,
    initial_set: &'static str,
    initial_unset: &'static str,
    initial_password: &'static str,
    clear: &'static str,
    save: &'static str,
    saved: &'static str,
    admin_only: &'static str,
    password_title: &'static str,
    must_change: &'static str,
    current_password: &'static str,
    new_password: &'static str,
    repeat_password: &'static str,
    change: &'static str,
    changed: &'static str,
    mismatch: &'static str,
    same: &'static str,
    wrong_current: &'static str,
    admin_password: &'static str,
}

static EN: Text = Text {
    super_title: "Super password",
    super_hint: "At least three of: upper case, lower case, digits, symbols (& * % …); e.g. abcABC123. It also confirms sensitive actions such as resetting members' passwords.",
    images: "Logo and banner",
    images_hint: "PNG, JPEG or WebP, at most 1 MiB. Others see an image only after the operator has approved it.",
    image_live: "live",
    image_pending: "waiting for review",
    image_rejected: "rejected",
    image_kind: "Image",
    image_file: "File",
    upload: "Upload for review",
    uploaded: "Uploaded: the image waits for the operator's review.",
    title: "Enterprise account",
    profile: "Profile",
    pending_title: "Waiting for review",
    pending_note: "This change was submitted and waits for the operator's review (usually 1–2 working days). The values above stay live until it is approved.",
    rejected: "The operator rejected the last change:",
    approved: "The operator approved the last change.",
    name: "Full name",
    short_name: "Short name",
    address: "Address",
    industry: "Industry",
    contact_name: "Contact person",
    contact_phone: "Contact phone",
    contact_email: "Contact email",
    submit: "Submit for review",
    submitted: "Submitted: the change waits for the operator's review.",
    recovery: "Recovery email",
    recovery_hint: "A forgotten super password is reset through a link sent here. Confirm with the super password.",
    recovery_email: "Recovery email (empty removes it)",
    super_password: "Super password",
    initial: "Initial password of new members",
    initial_hint: "Members added from now on without a password of their own get this one and must change it at their first sign-in. Members added before keep theirs.",
    initial_set: "An initial password is set.",
    initial_unset: "No initial password is set: new members without a password cannot sign in until one is given.",
    initial_password: "Initial password",
    clear: "Stop giving an initial password",
    save: "Save",
    saved: "Saved.",
    admin_only: "Only the enterprise administrator changes the enterprise account.",
    password_title: "Change your password",
    must_change: "Your password was set by an administrator: choose your own before you continue.",
    current_password: "Current password",
    new_password: "New password",
    repeat_password: "New password again",
    change: "Change password",
    changed: "Password changed.",
    mismatch: "The two new passwords differ.",
    same: "The new password must differ from the current one.",
    wrong_current: "The current password is wrong.",
    admin_password: "The enterprise administrator changes the super password on the enterprise account page.",
};

static ZH: Text = Text {
    super_title: "超级密码",
    super_hint: "须包含大写字母、小写字母、数字、符号（& * % …）中的至少三类，例如 abcABC123。超级密码也用于确认敏感操作，如重置成员密码。",
    images: "企业标志与横幅",
    images_hint: "PNG、JPEG 或 WebP，不超过 1 MiB。图片须经运营方审核通过后才对外展示。",
    image_live: "已生效",
    image_pending: "待审核",
    image_rejected: "已驳回",
    image_kind: "图片",
    image_file: "文件",
    upload: "上传并提交审核",
    uploaded: "已上传：图片等待运营方审核。",
    title: "企业账号",
    profile: "企业资料",
    pending_title: "待审核",
    pending_note: "此变更已提交，等待运营方审核（通常 1–2 个工作日）。审核通过前，上方的资料保持不变。",
    rejected: "运营方驳回了上次的变更：",
    approved: "运营方已通过上次的变更。",
    name: "企业全称",
    short_name: "企业简称",
    address: "地址",
    industry: "行业",
    contact_name: "联系人",
    contact_phone: "联系电话",
    contact_email: "联系邮箱",
    submit: "提交审核",
    submitted: "已提交：变更等待运营方审核。",
    recovery: "找回邮箱",
    recovery_hint: "忘记超级密码时，重置链接将发送到此邮箱。修改需输入超级密码确认。",
    recovery_email: "找回邮箱（留空表示删除）",
    super_password: "超级密码",
    initial: "新成员初始密码",
    initial_hint: "此后添加且未单独设置密码的成员将获得此初始密码，并须在首次登录时修改。之前添加的成员不受影响。",
    initial_set: "已设置初始密码。",
    initial_unset: "未设置初始密码：未设置密码的新成员在获得密码前无法登录。",
    initial_password: "初始密码",
    clear: "不再使用初始密码",
    save: "保存",
    saved: "已保存。",
    admin_only: "只有企业管理员可以修改企业账号。",
    password_title: "修改密码",
    must_change: "您的密码由管理员设置，请先设置自己的密码再继续。",
    current_password: "当前密码",
    new_password: "新密码",
    repeat_password: "再次输入新密码",
    change: "修改密码",
    changed: "密码已修改。",
    mismatch: "两次输入的新密码不一致。",
    same: "新密码不能与当前密码相同。",
    wrong_current: "当前密码错误。",
    admin_password: "企业管理员请在企业账号页面修改超级密码。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

fn is_admin(s: &Session) -> bool {
    s.principal.actor() == Actor::EnterpriseAdmin
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let x = text(s.lang);
    let note = q.saved.map(|m| {
        let t = match m.as_str() {
            "submitted" => x.submitted,
            "uploaded" => x.uploaded,
            _ => x.saved,
        };
        message(true, t)
    });
    render(&state, &s, StatusCode::OK, note).await
}

/// The account page with an optional message on top.
async fn render(
    state: &AppState,
    s: &Session,
    status: StatusCode,
    note: Option<String>,
) -> Response {
    let x = text(s.lang);
    if !is_admin(s) {
        return s.page(
            StatusCode::FORBIDDEN,
            x.title,
            "/panel/account",
            &message(false, x.admin_only),
        );
    }
    let e = &s.snap.state.enterprise;
    let a = &e.account;
    let csrf = esc(&s.csrf);
    let mut b = note.unwrap_or_default();
    match &a.last_review {
        Some(r) if !r.approved => {
            let _ = write!(
                b,
                "<p class=\"msg err\" id=\"last-review\">{} {} ({})</p>",
                esc(x.rejected),
                esc(r.reason.as_deref().unwrap_or("")),
                esc(&datetime(r.at))
            );
        }
        Some(r) => {
            let _ = write!(
                b,
                "<p class=\"msg ok\" id=\"last-review\">{} ({})</p>",
                esc(x.approved),
                esc(&datetime(r.at))
            );
        }
        None => {}
    }
    // The live profile, then the form (prefilled with the waiting change if there is one).
    let _ = write!(b, "<h2>{}</h2><dl id=\"live-profile\">", esc(x.profile));
    let p = &a.profile;
    let live = [
        (x.name, Some(e.name.as_str())),
        (x.short_name, Some(e.short_name.as_str())),
        (x.address, p.address.as_deref()),
        (x.industry, p.industry.as_deref()),
        (x.contact_name, p.contact_name.as_deref()),
        (x.contact_phone, p.contact_phone.as_deref()),
        (x.contact_email, p.contact_email.as_deref()),
    ];
    for (k, v) in live {
        let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v.unwrap_or("")));
    }
    b.push_str("</dl>");
    let (form_name, form_short, form_profile) = match &a.pending {
        Some(c) => {
            let _ = write!(
                b,
                "<div class=\"msg\" id=\"pending\"><strong>{}</strong> ({}) — {}</div>",
                esc(x.pending_title),
                esc(&datetime(c.submitted_at)),
                esc(x.pending_note)
            );
            (c.name.as_str(), c.short_name.as_str(), &c.profile)
        }
        None => (e.name.as_str(), e.short_name.as_str(), p),
    };
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/account/profile\" id=\"profile\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input name=\"name\" id=\"profile-name\" required maxlength=\"200\" value=\"{}\"></label>\
         <label>{} <input name=\"short_name\" id=\"profile-short-name\" required maxlength=\"64\" value=\"{}\"></label>\
         <label>{} <input name=\"address\" id=\"profile-address\" maxlength=\"300\" value=\"{}\"></label>\
         <label>{} <input name=\"industry\" id=\"profile-industry\" maxlength=\"100\" value=\"{}\"></label>\
         <label>{} <input name=\"contact_name\" id=\"profile-contact-name\" maxlength=\"64\" value=\"{}\"></label>\
         <label>{} <input name=\"contact_phone\" id=\"profile-contact-phone\" value=\"{}\"></label>\
         <label>{} <input type=\"email\" name=\"contact_email\" id=\"profile-contact-email\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.profile),
        esc(x.name),
        esc(form_name),
        esc(x.short_name),
        esc(form_short),
        esc(x.address),
        v(&form_profile.address),
        esc(x.industry),
        v(&form_profile.industry),
        esc(x.contact_name),
        v(&form_profile.contact_name),
        esc(x.contact_phone),
        v(&form_profile.contact_phone),
        esc(x.contact_email),
        v(&form_profile.contact_email),
        esc(x.submit),
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/account/recovery-email\" id=\"recovery\"><fieldset><legend>{}</legend>\
         <p>{}</p>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input type=\"email\" name=\"email\" id=\"recovery-email\" value=\"{}\"></label>\
         <label>{} <input type=\"password\" name=\"confirm_password\" id=\"recovery-confirm\" required autocomplete=\"current-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.recovery),
        esc(x.recovery_hint),
        esc(x.recovery_email),
        v(&a.recovery_email),
        esc(x.super_password),
        esc(x.save),
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/account/initial-password\" id=\"initial\"><fieldset><legend>{}</legend>\
         <p>{}</p><p id=\"initial-state\">{}</p>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input type=\"password\" name=\"password\" id=\"initial-password\" autocomplete=\"new-password\"></label>\
         <label><input type=\"checkbox\" name=\"clear\" value=\"yes\" id=\"initial-clear\"> {}</label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.initial),
        esc(x.initial_hint),
        esc(if a.initial_password.is_some() {
            x.initial_set
        } else {
            x.initial_unset
        }),
        esc(x.initial_password),
        esc(x.clear),
        esc(x.save),
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/account/super-password\" id=\"super-password\"><fieldset><legend>{}</legend>\
         <p>{}</p>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input type=\"password\" name=\"current\" id=\"super-current\" required autocomplete=\"current-password\"></label>\
         <label>{} <input type=\"password\" name=\"new\" id=\"super-new\" required autocomplete=\"new-password\"></label>\
         <label>{} <input type=\"password\" name=\"repeat\" id=\"super-repeat\" required autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.super_title),
        esc(x.super_hint),
        esc(x.current_password),
        esc(x.new_password),
        esc(x.repeat_password),
        esc(x.change),
    );
    images_section(state, s, &mut b).await;
    s.page(status, x.title, "/panel/account", &b)
}

/// ENT-5: the live and waiting logo and banner, the last rejection, and the upload form.
async fn images_section(state: &AppState, s: &Session, b: &mut String) {
    let x = text(s.lang);
    let all = crate::images::of_enterprise(state, s.principal.enterprise)
        .await
        .unwrap_or_default();
    let _ = write!(
        b,
        "<section id=\"images\"><h2>{}</h2><p>{}</p><table><tbody>",
        esc(x.images),
        esc(x.images_hint)
    );
    for rec in &all {
        let status = match rec.status {
            orgdir_store::ImageStatus::Approved => x.image_live,
            orgdir_store::ImageStatus::Pending => x.image_pending,
            orgdir_store::ImageStatus::Rejected => x.image_rejected,
        };
        let _ = write!(
            b,
            "<tr class=\"image {}\"><td>{}</td><td>{}</td><td><img src=\"/panel/account/images/{}\" alt=\"{}\" height=\"48\"></td><td>{}</td></tr>",
            rec.status.key(),
            esc(rec.kind.key()),
            esc(status),
            rec.id,
            esc(rec.kind.key()),
            esc(rec.reason.as_deref().unwrap_or(""))
        );
    }
    let _ = write!(
        b,
        "</tbody></table>\
         <form method=\"post\" action=\"/panel/account/images\" enctype=\"multipart/form-data\" id=\"upload-image\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <label>{} <select name=\"kind\" id=\"image-kind\"><option value=\"logo\">logo</option><option value=\"banner\">banner</option></select></label>\
         <label>{} <input type=\"file\" name=\"file\" id=\"image-file\" accept=\"image/png,image/jpeg,image/webp\" required></label>\
         <button type=\"submit\">{}</button></form></section>",
        esc(&s.csrf),
        esc(x.image_kind),
        esc(x.image_file),
        esc(x.upload)
    );
}

/// Runs an account command as the administrator; success comes back to the page.
async fn run(state: &AppState, s: &Session, cmd: Command, marker: &str) -> Response {
    match s.exec(&state.dir, cmd).await {
        Ok(_) => Redirect::to(&format!("/panel/account?saved={marker}")).into_response(),
        Err(e) => refused(state, s, e).await,
    }
}

async fn refused(state: &AppState, s: &Session, e: ApiError) -> Response {
    let status = e.status;
    let t = format!("{} {}", s.tr().failed, s.refusal(e));
    render(state, s, status, Some(message(false, &t))).await
}

#[derive(Deserialize)]
struct ProfileForm {
    name: String,
    short_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
}

async fn submit_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<ProfileForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let cmd = Command::SubmitProfile {
        name: f.name,
        short_name: f.short_name,
        profile: Box::new(Profile {
            address: non_empty(&f.address),
            industry: non_empty(&f.industry),
            contact_name: non_empty(&f.contact_name),
            contact_phone: non_empty(&f.contact_phone),
            contact_email: non_empty(&f.contact_email),
        }),
    };
    run(&state, &s, cmd, "submitted").await
}

#[derive(Deserialize)]
struct RecoveryForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    confirm_password: String,
}

async fn set_recovery_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<RecoveryForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if !state
        .dir
        .verify_password(&s.principal, f.confirm_password.as_bytes())
        .await
    {
        let x = text(s.lang);
        return render(
            &state,
            &s,
            StatusCode::FORBIDDEN,
            Some(message(false, x.wrong_current)),
        )
        .await;
    }
    let cmd = Command::SetRecoveryEmail {
        email: non_empty(&f.email),
    };
    run(&state, &s, cmd, "1").await
}

#[derive(Deserialize)]
struct InitialForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    clear: String,
}

async fn set_initial_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<InitialForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let hash = if f.clear == "yes" {
        None
    } else {
        match state.dir.hash_new_password(&f.password).await {
            Ok(h) => Some(h),
            Err(e) => return refused(&state, &s, e.into()).await,
        }
    };
    run(&state, &s, Command::SetInitialPassword { hash }, "1").await
}

/// ENT-3: the administrator changes the super password (current one first).
async fn set_super_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<PasswordForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let x = text(s.lang);
    if !is_admin(&s) {
        return render(
            &state,
            &s,
            StatusCode::FORBIDDEN,
            Some(message(false, x.admin_only)),
        )
        .await;
    }
    let fail = |status, t: String| {
        let (state, s) = (&state, &s);
        async move { render(state, s, status, Some(message(false, &t))).await }
    };
    if f.new != f.repeat {
        return fail(StatusCode::BAD_REQUEST, x.mismatch.into()).await;
    }
    if !state
        .dir
        .verify_password(&s.principal, f.current.as_bytes())
        .await
    {
        return fail(StatusCode::FORBIDDEN, x.wrong_current.into()).await;
    }
    if let Err(e) = orgdir_directory::service::check_super_password_policy(
        &f.new,
        state.dir.config().min_password_length,
    ) {
        return refused(&state, &s, e.into()).await;
    }
    let hash = match state.dir.hash_new_password(&f.new).await {
        Ok(h) => h,
        Err(e) => return refused(&state, &s, e.into()).await,
    };
    run(&state, &s, Command::SetSuperPassword { hash }, "1").await
}

// --- images (ENT-5) ----------------------------------------------------------------------

/// The upload form: multipart with `csrf_token` first (checked before the file is read any
/// further), `kind` and `file`.
async fn upload_image(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let (mut csrf, mut kind, mut file) = (None, None, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name != "csrf_token" && csrf.is_none() {
                    break;
                }
                match (name.as_str(), field.bytes().await) {
                    ("csrf_token", Ok(v)) => csrf = Some(String::from_utf8_lossy(&v).to_string()),
                    ("kind", Ok(v)) => kind = Some(String::from_utf8_lossy(&v).to_string()),
                    ("file", Ok(v)) => file = Some(v.to_vec()),
                    (_, Ok(_)) => {}
                    (_, Err(e)) => {
                        let e = ApiError::new(e.status(), "bad_upload", e.body_text());
                        return refused(&state, &s, e).await;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                let e = ApiError::new(e.status(), "bad_upload", e.body_text());
                return refused(&state, &s, e).await;
            }
        }
    }
    if !csrf.is_some_and(|c| crate::auth::csrf_matches(&c, &s.csrf)) {
        return s.page(
            StatusCode::FORBIDDEN,
            s.tr().failed,
            "/panel/account",
            &message(false, s.tr().csrf_refused),
        );
    }
    if !is_admin(&s) {
        let x = text(s.lang);
        return s.page(
            StatusCode::FORBIDDEN,
            x.title,
            "/panel/account",
            &message(false, x.admin_only),
        );
    }
    let Some(kind) = kind.as_deref().and_then(orgdir_store::ImageKind::from_key) else {
        return refused(&state, &s, ApiError::bad_request("unknown image kind")).await;
    };
    let result = crate::images::submit(
        &state,
        s.principal.enterprise,
        "super",
        &s.source(),
        kind,
        None,
        file.unwrap_or_default(),
    )
    .await;
    match result {
        Ok(_) => Redirect::to("/panel/account?saved=uploaded").into_response(),
        Err(e) => refused(&state, &s, e).await,
    }
}

/// One of the enterprise's own images (live, waiting or rejected), for its administrator.
async fn own_image(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    if !is_admin(&s) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match crate::images::bytes(&state, id).await {
        Ok(Some((rec, b))) if rec.enterprise == s.principal.enterprise => {
            crate::images::file(&rec, b, "no-store")
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

// --- own password (ENT-4) ---------------------------------------------------------------

/// Whether the signed-in member must change its password before anything else.
fn must_change(s: &Session) -> bool {
    match s.principal.kind {
        PrincipalKind::Member(id) => s
            .snap
            .state
            .members
            .get(&id)
            .is_some_and(|m| m.must_change_password),
        _ => false,
    }
}

/// Sends a member who must change its password to `/panel/password` from every other
/// panel page (the sign-in, sign-out, language and stylesheet routes excepted).
pub(crate) async fn must_change_gate(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let exempt = !path.starts_with("/panel/")
        || path.starts_with("/panel/password")
        || path.starts_with("/panel/signin")
        || path.starts_with("/panel/signout")
        || path.starts_with("/panel/lang")
        || path.starts_with("/panel/operator")
        || path == "/panel/panel.css";
    if !exempt
        && let Some(s) = Session::of(&state, req.headers())
        && must_change(&s)
    {
        return Redirect::to("/panel/password").into_response();
    }
    next.run(req).await
}

async fn password_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.saved.map(|_| message(true, text(s.lang).changed));
    password_form(&s, StatusCode::OK, note)
}

fn password_form(s: &Session, status: StatusCode, note: Option<String>) -> Response {
    let x = text(s.lang);
    let mut b = note.unwrap_or_default();
    if !matches!(s.principal.kind, PrincipalKind::Member(_)) {
        b.push_str(&message(false, x.admin_password));
        return s.page(status, x.password_title, "/panel/password", &b);
    }
    if must_change(s) {
        b.push_str(&message(false, x.must_change));
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/password\" id=\"own-password\"><fieldset>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <label>{} <input type=\"password\" name=\"current\" id=\"current-password\" required autocomplete=\"current-password\"></label>\
         <label>{} <input type=\"password\" name=\"new\" id=\"new-password\" required autocomplete=\"new-password\"></label>\
         <label>{} <input type=\"password\" name=\"repeat\" id=\"repeat-password\" required autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(&s.csrf),
        esc(x.current_password),
        esc(x.new_password),
        esc(x.repeat_password),
        esc(x.change),
    );
    s.page(status, x.password_title, "/panel/password", &b)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<PasswordForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let x = text(s.lang);
    let PrincipalKind::Member(member) = s.principal.kind else {
        return password_form(&s, StatusCode::FORBIDDEN, None);
    };
    let fail = |status, t: &str| password_form(&s, status, Some(message(false, t)));
    if f.new != f.repeat {
        return fail(StatusCode::BAD_REQUEST, x.mismatch);
    }
    if f.new == f.current {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, x.same);
    }
    if !state
        .dir
        .verify_password(&s.principal, f.current.as_bytes())
        .await
    {
        return fail(StatusCode::FORBIDDEN, x.wrong_current);
    }
    let hash = match state.dir.hash_new_password(&f.new).await {
        Ok(h) => h,
        Err(e) => {
            let e: ApiError = e.into();
            let status = e.status;
            return fail(status, &s.refusal(e));
        }
    };
    let cmd = Command::SetMemberPassword {
        member,
        hash,
        must_change: false,
    };
    match s.exec(&state.dir, cmd).await {
        Ok(_) => Redirect::to("/panel/password?saved=1").into_response(),
        Err(e) => {
            let status = e.status;
            fail(status, &s.refusal(e))
        }
    }
}

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
