//! Member pages (SPEC ORG-3..9): the member page with its edit, password, reassign (ORG-5)
//! and delete forms; search (ORG-7); the members table shared with the org page, with
//! multi-select for batch password reset (confirmed with the caller's own password: the super
//! password for the enterprise administrator, ORG-8) and batch move; hide/disable (ORG-6,
//! ORG-9).
//!
//! Every form goes through `posted()` (CSRF first) and every change through
//! `Directory::execute`/`execute_batch` as the caller: the directory checks permission, scope
//! and the ORG-2 limits; the page only offers what `Session::may` says the caller may do.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_domain::command::{Command, MemberPatch};
use orgdir_domain::model::{BuiltinRole, Member, MemberId, OrgId, RoleId};
use orgdir_domain::role::Permission;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::html::{esc, message, url_enc};
use super::i18n::Lang;
use super::{Session, non_empty, posted, to_sign_in};
use crate::AppState;
use crate::api::Needle;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/search", get(search))
        .route("/panel/members/batch", post(batch))
        .route("/panel/members/{id}", get(member_page))
        .route("/panel/members/{id}/edit", post(edit))
        .route("/panel/members/{id}/password", post(set_password))
        .route("/panel/members/{id}/reassign", post(reassign))
        .route("/panel/members/{id}/delete", post(delete))
        .route("/panel/members/{id}/flag", post(set_flag))
}

/// Rows per page of a member list.
const PAGE: usize = 100;
/// Most members one batch action takes (as the API).
const MAX_BATCH: usize = 1000;

/// This module's strings.
pub(super) struct Text {
    search_title: &'static str,
    search_hint: &'static str,
    search: &'static str,
    results: &'static str,
    no_results: &'static str,
    more: &'static str,
    previous: &'static str,
    select: &'static str,
    batch_title: &'static str,
    batch_none: &'static str,
    batch_reset: &'static str,
    batch_move: &'static str,
    new_password: &'static str,
    confirm_password: &'static str,
    confirm_hint: &'static str,
    move_to: &'static str,
    reset_done: &'static str,
    moved_done: &'static str,
    confirmation_failed: &'static str,
    too_many: &'static str,
    member_title: &'static str,
    org: &'static str,
    dn: &'static str,
    mobile: &'static str,
    title: &'static str,
    employee_number: &'static str,
    scope: &'static str,
    scope_hint: &'static str,
    whole_enterprise: &'static str,
    uid_number: &'static str,
    entry_uuid: &'static str,
    must_change: &'static str,
    active: &'static str,
    edit: &'static str,
    save: &'static str,
    password_title: &'static str,
    password_hint: &'static str,
    set_password: &'static str,
    reassign_title: &'static str,
    reassign_hint: &'static str,
    reassign: &'static str,
    new_holder: &'static str,
    delete_title: &'static str,
    delete_hint: &'static str,
    delete: &'static str,
    confirm: &'static str,
    must_confirm: &'static str,
    deleted: &'static str,
    no_change: &'static str,
}

static EN: Text = Text {
    search_title: "Search members",
    search_hint: "name, account, mobile or email (start of a word; pinyin without spaces works)",
    search: "Search",
    results: "members found",
    no_results: "No member matches.",
    more: "Next page",
    previous: "Previous page",
    select: "Select",
    batch_title: "With the selected members",
    batch_none: "Select at least one member.",
    batch_reset: "Reset their passwords",
    batch_move: "Move them",
    new_password: "New password",
    confirm_password: "Your password, to confirm",
    confirm_hint: "the enterprise administrator confirms with the super password",
    move_to: "to org",
    reset_done: "Passwords reset; the members must change them at their next sign-in.",
    moved_done: "Members moved.",
    confirmation_failed: "The confirmation password is wrong.",
    too_many: "Too many members for one batch (at most 1000).",
    member_title: "Member",
    org: "Org",
    dn: "DN",
    mobile: "Mobile",
    title: "Title",
    employee_number: "Employee number",
    scope: "Management scope",
    scope_hint: "up to 3 orgs; none = the whole enterprise",
    whole_enterprise: "the whole enterprise",
    uid_number: "uidNumber",
    entry_uuid: "entryUUID",
    must_change: "must change the password at the next sign-in",
    active: "active",
    edit: "Edit",
    save: "Save",
    password_title: "Set a password",
    password_hint: "The member must change it at the next sign-in.",
    set_password: "Set password",
    reassign_title: "Give this account to another person",
    reassign_hint: "The account and its place in the tree stay; the previous holder's name, contact data, groups, role, scope and password go, and LDAP clients see a new person (new entryUUID).",
    reassign: "Reassign",
    new_holder: "New holder's name",
    delete_title: "Delete this member",
    delete_hint: "Removes the member and its group memberships. This cannot be undone.",
    delete: "Delete",
    confirm: "Yes, I am sure",
    must_confirm: "Tick the confirmation box first.",
    deleted: "Member deleted.",
    no_change: "Nothing to change.",
};

static ZH: Text = Text {
    search_title: "搜索成员",
    search_hint: "姓名、账号、手机或邮箱（按词首匹配；拼音可连写）",
    search: "搜索",
    results: "名成员",
    no_results: "没有匹配的成员。",
    more: "下一页",
    previous: "上一页",
    select: "选择",
    batch_title: "对选中的成员",
    batch_none: "请至少选择一名成员。",
    batch_reset: "批量重置密码",
    batch_move: "批量调整部门",
    new_password: "新密码",
    confirm_password: "您的密码（确认身份）",
    confirm_hint: "企业管理员请输入超级密码",
    move_to: "调至部门",
    reset_done: "密码已重置；成员下次登录时须修改密码。",
    moved_done: "成员已调整部门。",
    confirmation_failed: "确认密码错误。",
    too_many: "一次最多处理 1000 名成员。",
    member_title: "成员",
    org: "部门",
    dn: "DN",
    mobile: "手机",
    title: "职务",
    employee_number: "工号",
    scope: "管理范围",
    scope_hint: "最多 3 个部门；不选表示整个企业",
    whole_enterprise: "整个企业",
    uid_number: "uidNumber",
    entry_uuid: "entryUUID",
    must_change: "下次登录须修改密码",
    active: "正常",
    edit: "编辑",
    save: "保存",
    password_title: "设置密码",
    password_hint: "成员下次登录时须修改此密码。",
    set_password: "设置密码",
    reassign_title: "将此账号转给他人",
    reassign_hint: "账号及其在组织架构中的位置保留；原持有人的姓名、联系方式、群组、角色、管理范围和密码将被清除，LDAP 客户端会将其视为新的人员（新的 entryUUID）。",
    reassign: "转让账号",
    new_holder: "新持有人姓名",
    delete_title: "删除此成员",
    delete_hint: "删除成员及其群组关系，且无法恢复。",
    delete: "删除",
    confirm: "我确认",
    must_confirm: "请先勾选确认框。",
    deleted: "成员已删除。",
    no_change: "没有需要修改的内容。",
};

pub(super) fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// A `back` value that is safe to redirect to: a panel path, never another site.
fn safe_back(back: &str) -> Option<&str> {
    Some(back).filter(|b| b.starts_with("/panel/") && !b.contains('\\') && !b.contains("//"))
}

/// `back` with a `saved=…` marker appended (the page shows the matching message).
fn back_with(back: &str, marker: &str) -> Response {
    let sep = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{sep}saved={marker}")).into_response()
}

/// "Example / R&D / Platform": the org and its ancestors, root first.
pub(super) fn org_path(s: &Session, org: OrgId) -> String {
    let st = &s.snap.state;
    let mut names = Vec::new();
    let mut cur = Some(org);
    while let Some(o) = cur.and_then(|o| st.orgs.get(&o)) {
        names.push(o.name.as_str());
        cur = o.parent;
        if names.len() > 64 {
            break;
        }
    }
    names.reverse();
    names.join(" / ")
}

/// `<option>`s of the orgs the caller may manage members in (for moves), `selected` marked.
fn org_options(s: &Session, selected: Option<OrgId>) -> String {
    let mut out = String::new();
    for o in s.visible_orgs() {
        if !s.may(Permission::ManageMembers, o) {
            continue;
        }
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}</option>",
            o.0,
            if Some(o) == selected { " selected" } else { "" },
            esc(&org_path(s, o))
        );
    }
    out
}

/// `<option>`s of the roles a member can be given (not the enterprise administrator's).
pub(super) fn role_options(s: &Session, selected: Option<RoleId>) -> String {
    let st = &s.snap.state;
    let mut roles: Vec<_> = st
        .roles
        .values()
        .filter(|r| r.builtin != Some(BuiltinRole::EnterpriseAdmin))
        .collect();
    roles.sort_by_key(|r| (r.builtin.is_none(), r.id.0));
    let default = selected.or_else(|| {
        roles
            .iter()
            .find(|r| r.builtin == Some(BuiltinRole::Member))
            .map(|r| r.id)
    });
    let mut out = String::new();
    for r in roles {
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}</option>",
            r.id.0,
            if Some(r.id) == default {
                " selected"
            } else {
                ""
            },
            esc(&r.name)
        );
    }
    out
}

// --- the members table and the batch form ---------------------------------------------

/// The table of `members` (already filtered to what the caller sees): name (linking to the
/// member page), account, email, role, status, and, for members the caller may manage, a
/// selection box (tied to the batch form by `form="batch"`) and hide/disable buttons that
/// come back to `back`.
pub(super) fn table(s: &Session, members: &[&Member], back: &str, b: &mut String) {
    let t = s.tr();
    let x = text(s.lang);
    let st = &s.snap.state;
    let _ = write!(
        b,
        "<table id=\"members\"><thead><tr><th><span class=\"sr\">{}</span></th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(x.select),
        esc(t.name),
        esc(t.account),
        esc(t.email),
        esc(t.role),
        esc(t.status),
        esc(t.actions)
    );
    for m in members {
        let manage = s.may(Permission::ManageMembers, m.org);
        let role = st.roles.get(&m.role).map(|r| r.name.as_str()).unwrap_or("");
        let _ = write!(b, "<tr data-account=\"{}\"><td>", esc(&m.account));
        if manage {
            let _ = write!(
                b,
                "<input type=\"checkbox\" name=\"member\" value=\"{}\" form=\"batch\" aria-label=\"{} {}\">",
                m.id.0,
                esc(x.select),
                esc(&m.account)
            );
        }
        let _ = write!(
            b,
            "</td><td><a href=\"/panel/members/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>",
            m.id.0,
            esc(&m.name),
            esc(&m.account),
            esc(m.email.as_deref().unwrap_or("")),
            esc(role)
        );
        badges(s, m, b);
        b.push_str("</td><td>");
        if manage {
            flag_buttons(s, m, back, b);
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</tbody></table>");
}

fn badges(s: &Session, m: &Member, b: &mut String) {
    let t = s.tr();
    if m.hidden {
        let _ = write!(b, "<span class=\"badge hidden\">{}</span>", esc(t.hidden));
    }
    if m.disabled {
        let _ = write!(
            b,
            "<span class=\"badge disabled\">{}</span>",
            esc(t.disabled)
        );
    }
}

fn flag_buttons(s: &Session, m: &Member, back: &str, b: &mut String) {
    let t = s.tr();
    let flags = [
        (
            "hidden",
            !m.hidden,
            if m.hidden { t.unhide } else { t.hide },
        ),
        (
            "disabled",
            !m.disabled,
            if m.disabled { t.enable } else { t.disable },
        ),
    ];
    for (flag, value, label) in flags {
        let _ = write!(
            b,
            "<form class=\"inline\" method=\"post\" action=\"/panel/members/{}/flag\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
             <input type=\"hidden\" name=\"back\" value=\"{}\">\
             <input type=\"hidden\" name=\"flag\" value=\"{flag}\">\
             <input type=\"hidden\" name=\"value\" value=\"{value}\">\
             <button type=\"submit\">{}</button></form> ",
            m.id.0,
            esc(&s.csrf),
            esc(back),
            esc(label)
        );
    }
}

/// The batch form (ORG-8) the table's selection boxes belong to; only for callers who may
/// manage members somewhere.
pub(super) fn batch_form(s: &Session, back: &str, b: &mut String) {
    let orgs = org_options(s, None);
    if orgs.is_empty() {
        return;
    }
    let x = text(s.lang);
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/batch\" id=\"batch\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <input type=\"hidden\" name=\"back\" value=\"{}\">\
         <div class=\"cols\"><div>\
         <label>{} <input type=\"password\" name=\"password\" id=\"batch-password\" autocomplete=\"new-password\"></label>\
         <label>{} <input type=\"password\" name=\"confirm_password\" id=\"batch-confirm\" autocomplete=\"current-password\"></label>\
         <small>{}</small><br>\
         <button type=\"submit\" name=\"action\" value=\"reset\" id=\"batch-reset\">{}</button></div><div>\
         <label>{} <select name=\"org\" id=\"batch-org\">{orgs}</select></label>\
         <button type=\"submit\" name=\"action\" value=\"move\" id=\"batch-move\">{}</button></div></div>\
         </fieldset></form>",
        esc(x.batch_title),
        esc(&s.csrf),
        esc(back),
        esc(x.new_password),
        esc(x.confirm_password),
        esc(x.confirm_hint),
        esc(x.batch_reset),
        esc(x.move_to),
        esc(x.batch_move),
    );
}

/// The message a `saved=…` marker stands for.
pub(super) fn saved_message(s: &Session, marker: &str) -> String {
    let x = text(s.lang);
    let text = match marker {
        "reset" => x.reset_done,
        "moved" => x.moved_done,
        "deleted" => x.deleted,
        _ => s.tr().saved,
    };
    message(true, text)
}

/// The batch form posted: `member` repeated, `action`, and the action's fields.
async fn batch(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, pairs) = match posted::<Vec<(String, String)>>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let x = text(s.lang);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let back = safe_back(get("back"))
        .unwrap_or("/panel/search")
        .to_string();
    let members: Vec<MemberId> = pairs
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok().map(MemberId))
        .collect();
    let fail = |status: StatusCode, text: &str| {
        s.page(
            status,
            x.batch_title,
            &back,
            &format!(
                "{}<p><a href=\"{}\">←</a></p>",
                message(false, text),
                esc(&back)
            ),
        )
    };
    if members.is_empty() {
        return fail(StatusCode::BAD_REQUEST, x.batch_none);
    }
    if members.len() > MAX_BATCH {
        return fail(StatusCode::BAD_REQUEST, x.too_many);
    }
    if members.iter().any(|m| !s.sees_member(*m)) {
        return fail(StatusCode::NOT_FOUND, s.tr().not_found);
    }
    let (cmds, marker) = match get("action") {
        "reset" => {
            if !state
                .dir
                .verify_password(&s.principal, get("confirm_password").as_bytes())
                .await
            {
                return fail(StatusCode::FORBIDDEN, x.confirmation_failed);
            }
            let hash = match state.dir.hash_new_password(get("password")).await {
                Ok(h) => h,
                Err(e) => return fail(StatusCode::UNPROCESSABLE_ENTITY, &s.refusal(e.into())),
            };
            let cmds = members
                .iter()
                .map(|m| Command::SetMemberPassword {
                    member: *m,
                    hash: hash.clone(),
                    must_change: true,
                })
                .collect();
            (cmds, "reset")
        }
        "move" => {
            let Some(org) = get("org")
                .parse()
                .ok()
                .map(OrgId)
                .filter(|o| s.sees_org(*o))
            else {
                return fail(StatusCode::NOT_FOUND, s.tr().not_found);
            };
            let cmds = members
                .iter()
                .map(|m| Command::MoveMember { member: *m, org })
                .collect();
            (cmds, "moved")
        }
        _ => return fail(StatusCode::BAD_REQUEST, x.batch_none),
    };
    match s.exec_all(&state.dir, cmds).await {
        Ok(_) => back_with(&back, marker),
        Err(e) => fail(e.status, &s.refusal(e)),
    }
}

// --- search (ORG-7) -------------------------------------------------------------------

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: usize,
    saved: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let x = text(s.lang);
    let here = format!("/panel/search?q={}&page={}", url_enc(&q.q), q.page);
    let mut b = String::new();
    if let Some(marker) = &q.saved {
        b.push_str(&saved_message(&s, marker));
    }
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/panel/search\" id=\"search\"><label>{} \
         <input type=\"search\" name=\"q\" id=\"q\" value=\"{}\" autofocus></label> \
         <button type=\"submit\">{}</button></form>",
        esc(x.search_hint),
        esc(&q.q),
        esc(x.search)
    );
    let needle = Needle::new(&q.q);
    if !needle.is_empty() {
        let mut found: Vec<&Member> = s
            .snap
            .state
            .members
            .values()
            .filter(|m| needle.matches(m) && s.sees_member(m.id))
            .collect();
        found.sort_by(|a, c| a.account.cmp(&c.account));
        let _ = write!(
            b,
            "<p id=\"result-count\">{} {}</p>",
            found.len(),
            esc(x.results)
        );
        if found.is_empty() {
            let _ = write!(b, "<p>{}</p>", esc(x.no_results));
        } else {
            let start = q.page.saturating_mul(PAGE).min(found.len());
            let end = start.saturating_add(PAGE).min(found.len());
            table(&s, found.get(start..end).unwrap_or_default(), &here, &mut b);
            b.push_str("<p class=\"pager\">");
            if q.page > 0 {
                let _ = write!(
                    b,
                    "<a href=\"/panel/search?q={}&amp;page={}\">{}</a> ",
                    esc(&url_enc(&q.q)),
                    q.page - 1,
                    esc(x.previous)
                );
            }
            if end < found.len() {
                let _ = write!(
                    b,
                    "<a href=\"/panel/search?q={}&amp;page={}\" id=\"next-page\">{}</a>",
                    esc(&url_enc(&q.q)),
                    q.page + 1,
                    esc(x.more)
                );
            }
            b.push_str("</p>");
            batch_form(&s, &here, &mut b);
        }
    }
    s.page(StatusCode::OK, x.search_title, &here, &b)
}

// --- the member page ------------------------------------------------------------------

#[derive(Deserialize)]
struct MemberQuery {
    saved: Option<String>,
}

async fn member_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<MemberQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.saved.as_deref().map(|m| saved_message(&s, m));
    render_member(&s, MemberId(id), StatusCode::OK, note)
}

/// The member page with an optional message box on top.
fn render_member(s: &Session, id: MemberId, status: StatusCode, note: Option<String>) -> Response {
    let t = s.tr();
    let x = text(s.lang);
    let st = &s.snap.state;
    let here = format!("/panel/members/{}", id.0);
    let Some(m) = st.members.get(&id).filter(|m| s.sees_member(m.id)) else {
        return s.page(
            StatusCode::NOT_FOUND,
            x.member_title,
            &here,
            &message(false, t.not_found),
        );
    };
    let mut b = note.unwrap_or_default();
    let _ = write!(
        b,
        "<h2 id=\"member-name\">{} <small>({})</small>",
        esc(&m.name),
        esc(&m.account)
    );
    badges(s, m, &mut b);
    b.push_str("</h2><dl id=\"member-facts\">");
    let dn = s
        .snap
        .member_entry(m.id)
        .and_then(|e| s.snap.entry(e))
        .map(|e| e.dn.to_string())
        .unwrap_or_default();
    let scope = if m.scope.is_empty() {
        x.whole_enterprise.to_string()
    } else {
        m.scope
            .iter()
            .map(|o| org_path(s, *o))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let role = st
        .roles
        .get(&m.role)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let mut status_text = if m.disabled {
        t.disabled.to_string()
    } else {
        x.active.to_string()
    };
    if m.must_change_password {
        status_text = format!("{status_text}; {}", x.must_change);
    }
    let facts: [(&str, String); 12] = [
        (t.account, m.account.clone()),
        (x.dn, dn),
        (x.org, org_path(s, m.org)),
        (t.role, role),
        (x.scope, scope),
        (x.mobile, m.mobile.clone().unwrap_or_default()),
        (t.email, m.email.clone().unwrap_or_default()),
        (x.title, m.title.clone().unwrap_or_default()),
        (
            x.employee_number,
            m.employee_number.clone().unwrap_or_default(),
        ),
        (x.uid_number, m.uid_number.to_string()),
        (x.entry_uuid, orgdir_directory::dit::uuid_string(&m.uuid)),
        (t.status, status_text),
    ];
    for (k, v) in facts {
        let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    b.push_str("</dl>");
    if s.may(Permission::ManageMembers, m.org) {
        flag_buttons(s, m, &here, &mut b);
        member_forms(s, m, &mut b);
    }
    s.page(
        status,
        &format!("{} {}", x.member_title, m.account),
        &here,
        &b,
    )
}

fn member_forms(s: &Session, m: &Member, b: &mut String) {
    let t = s.tr();
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let id = m.id.0;
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/{id}/edit\" id=\"edit-member\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input name=\"name\" id=\"edit-name\" required maxlength=\"200\" value=\"{}\"></label>\
         <label>{} <input name=\"mobile\" id=\"edit-mobile\" value=\"{}\"></label>\
         <label>{} <input type=\"email\" name=\"email\" id=\"edit-email\" value=\"{}\"></label>\
         <label>{} <input name=\"title\" id=\"edit-title\" value=\"{}\"></label>\
         <label>{} <input name=\"employee_number\" id=\"edit-employee-number\" value=\"{}\"></label>\
         <label>{} <select name=\"org\" id=\"edit-org\">{}</select></label>",
        esc(x.edit),
        esc(t.name),
        esc(&m.name),
        esc(x.mobile),
        v(&m.mobile),
        esc(t.email),
        v(&m.email),
        esc(x.title),
        v(&m.title),
        esc(x.employee_number),
        v(&m.employee_number),
        esc(x.org),
        org_options(s, Some(m.org)),
    );
    if s.may(Permission::ManageRoles, m.org) {
        let _ = write!(
            b,
            "<label>{} <select name=\"role\" id=\"edit-role\">{}</select></label>",
            esc(t.role),
            role_options(s, Some(m.role))
        );
    }
    let _ = write!(
        b,
        "<p>{} <small>({})</small></p>",
        esc(x.scope),
        esc(x.scope_hint)
    );
    let visible = s.visible_orgs();
    for i in 0..3 {
        let current = m.scope.get(i).copied();
        let _ = write!(
            b,
            "<label><select name=\"scope{i}\" id=\"edit-scope{i}\"><option value=\"\">—</option>"
        );
        for o in &visible {
            let _ = write!(
                b,
                "<option value=\"{}\"{}>{}</option>",
                o.0,
                if Some(*o) == current { " selected" } else { "" },
                esc(&org_path(s, *o))
            );
        }
        b.push_str("</select></label>");
    }
    let _ = write!(
        b,
        "<button type=\"submit\" id=\"edit-save\">{}</button></fieldset></form>",
        esc(x.save)
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/{id}/password\" id=\"member-password\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <p>{}</p>\
         <label>{} <input type=\"password\" name=\"password\" id=\"new-password\" required autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.password_title),
        esc(x.password_hint),
        esc(x.new_password),
        esc(x.set_password)
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/{id}/reassign\" id=\"reassign\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <p>{}</p>\
         <label>{} <input name=\"name\" id=\"reassign-name\" required maxlength=\"200\"></label>\
         <label>{} <input name=\"mobile\" id=\"reassign-mobile\"></label>\
         <label>{} <input type=\"email\" name=\"email\" id=\"reassign-email\"></label>\
         <label>{} <input name=\"title\" id=\"reassign-title\"></label>\
         <label>{} <input type=\"password\" name=\"password\" id=\"reassign-password\" autocomplete=\"new-password\"></label>\
         <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" id=\"reassign-confirm\"> {}</label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.reassign_title),
        esc(x.reassign_hint),
        esc(x.new_holder),
        esc(x.mobile),
        esc(t.email),
        esc(x.title),
        esc(t.initial_password),
        esc(x.confirm),
        esc(x.reassign)
    );
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/{id}/delete\" id=\"delete-member\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <p>{}</p>\
         <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" id=\"delete-confirm\"> {}</label>\
         <button type=\"submit\" class=\"danger\">{}</button></fieldset></form>",
        esc(x.delete_title),
        esc(x.delete_hint),
        esc(x.confirm),
        esc(x.delete)
    );
}

/// Runs `cmds` as the caller in one transaction; success goes to `ok`, a refusal shows the
/// member page with the reason.
async fn run(
    state: &AppState,
    s: &Session,
    id: MemberId,
    cmds: Vec<Command>,
    ok: &str,
) -> Response {
    if cmds.is_empty() {
        let x = text(s.lang);
        return render_member(s, id, StatusCode::OK, Some(message(true, x.no_change)));
    }
    match s.exec_all(&state.dir, cmds).await {
        Ok(_) => Redirect::to(ok).into_response(),
        Err(e) => refused(s, id, e),
    }
}

/// The member page with a refusal on top.
fn refused(s: &Session, id: MemberId, e: ApiError) -> Response {
    let status = e.status;
    let text = format!("{} {}", s.tr().failed, s.refusal(e));
    render_member(s, id, status, Some(message(false, &text)))
}

/// The session, the form and the member of a POST to `/panel/members/{id}/…`: CSRF first
/// (`posted`), then the member must be one the caller can see (else the 404 page), then,
/// for destructive forms, the confirmation box.
fn member_post<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    id: u64,
    confirm: Option<fn(&T) -> &str>,
) -> Result<(Session, T, MemberId), Box<Response>> {
    let (s, f) = posted::<T>(state, headers, body)?;
    let id = MemberId(id);
    if !s.snap.state.members.contains_key(&id) || !s.sees_member(id) {
        return Err(Box::new(render_member(&s, id, StatusCode::NOT_FOUND, None)));
    }
    if confirm.is_some_and(|c| c(&f) != "yes") {
        let note = message(false, text(s.lang).must_confirm);
        return Err(Box::new(render_member(
            &s,
            id,
            StatusCode::BAD_REQUEST,
            Some(note),
        )));
    }
    Ok((s, f, id))
}

/// The argon2id hash of a new password, or the member page saying why it was refused.
async fn new_hash(
    state: &AppState,
    s: &Session,
    id: MemberId,
    password: &str,
) -> Result<String, Box<Response>> {
    state
        .dir
        .hash_new_password(password)
        .await
        .map_err(|e| Box::new(refused(s, id, e.into())))
}

#[derive(Deserialize)]
struct EditForm {
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    employee_number: String,
    org: Option<u64>,
    role: Option<u64>,
    #[serde(default)]
    scope0: String,
    #[serde(default)]
    scope1: String,
    #[serde(default)]
    scope2: String,
}

/// The management scope of the three scope selects of a member form (empty ones skipped,
/// repeats dropped); `None` if one names an org the caller cannot see.
pub(super) fn scope_of_form(s: &Session, fields: [&str; 3]) -> Option<Vec<OrgId>> {
    let mut scope = Vec::new();
    for v in fields {
        if let Ok(o) = v.trim().parse::<u64>() {
            let o = OrgId(o);
            if !s.sees_org(o) {
                return None;
            }
            if !scope.contains(&o) {
                scope.push(o);
            }
        }
    }
    Some(scope)
}

/// `Some(new)` when an optional text field changed.
fn changed(old: &Option<String>, new: &str) -> Option<Option<String>> {
    let new = non_empty(new);
    (*old != new).then_some(new)
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f, id) = match member_post::<EditForm>(&state, &headers, &body, id, None) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let Some(m) = s.snap.state.members.get(&id) else {
        return render_member(&s, id, StatusCode::NOT_FOUND, None);
    };
    let not_found = || refused(&s, id, ApiError::not_found("org"));
    let Some(scope) = scope_of_form(&s, [&f.scope0, &f.scope1, &f.scope2]) else {
        return not_found();
    };
    let name = f.name.trim();
    let patch = MemberPatch {
        name: (name != m.name).then(|| name.to_string()),
        mobile: changed(&m.mobile, &f.mobile),
        email: changed(&m.email, &f.email),
        title: changed(&m.title, &f.title),
        employee_number: changed(&m.employee_number, &f.employee_number),
        scope: (scope != m.scope).then_some(scope),
        ..MemberPatch::default()
    };
    let mut cmds = Vec::new();
    if patch != MemberPatch::default() {
        cmds.push(Command::UpdateMember {
            member: id,
            patch: Box::new(patch),
        });
    }
    if let Some(org) = f.org.map(OrgId).filter(|o| *o != m.org) {
        if !s.sees_org(org) {
            return not_found();
        }
        cmds.push(Command::MoveMember { member: id, org });
    }
    if let Some(role) = f.role.map(RoleId).filter(|r| *r != m.role) {
        cmds.push(Command::SetMemberRole { member: id, role });
    }
    let ok = format!("/panel/members/{}?saved=1", id.0);
    run(&state, &s, id, cmds, &ok).await
}

#[derive(Deserialize)]
struct PasswordForm {
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f, id) = match member_post::<PasswordForm>(&state, &headers, &body, id, None) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let hash = match new_hash(&state, &s, id, &f.password).await {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let cmd = Command::SetMemberPassword {
        member: id,
        hash,
        must_change: true,
    };
    let ok = format!("/panel/members/{}?saved=1", id.0);
    run(&state, &s, id, vec![cmd], &ok).await
}

#[derive(Deserialize)]
struct ReassignForm {
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn reassign(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let confirm: fn(&ReassignForm) -> &str = |f| &f.confirm;
    let (s, f, id) = match member_post(&state, &headers, &body, id, Some(confirm)) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let password = if f.password.is_empty() {
        None
    } else {
        match new_hash(&state, &s, id, &f.password).await {
            Ok(h) => Some(h),
            Err(r) => return *r,
        }
    };
    let cmd = Command::ReassignMember {
        member: id,
        name: f.name.trim().to_string(),
        surname: None,
        mobile: non_empty(&f.mobile),
        email: non_empty(&f.email),
        title: non_empty(&f.title),
        password,
    };
    let ok = format!("/panel/members/{}?saved=1", id.0);
    run(&state, &s, id, vec![cmd], &ok).await
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let confirm: fn(&DeleteForm) -> &str = |f| &f.confirm;
    let (s, _, id) = match member_post(&state, &headers, &body, id, Some(confirm)) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = s.snap.state.members.get(&id).map(|m| m.org.0);
    let ok = format!("/panel/orgs?org={}&saved=deleted", org.unwrap_or_default());
    run(
        &state,
        &s,
        id,
        vec![Command::DeleteMember { member: id }],
        &ok,
    )
    .await
}

#[derive(Deserialize)]
struct FlagForm {
    flag: String,
    value: bool,
    #[serde(default)]
    back: String,
}

/// Hide/unhide (ORG-9), disable/enable (ORG-6); returns to the page the button was on.
async fn set_flag(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f, id) = match member_post::<FlagForm>(&state, &headers, &body, id, None) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let cmd = match f.flag.as_str() {
        "hidden" => Command::SetMemberHidden {
            member: id,
            hidden: f.value,
        },
        "disabled" => Command::SetMemberDisabled {
            member: id,
            disabled: f.value,
        },
        _ => return refused(&s, id, ApiError::bad_request("unknown flag")),
    };
    let org = s.snap.state.members.get(&id).map(|m| m.org.0);
    let back = safe_back(&f.back)
        .map(str::to_string)
        .unwrap_or_else(|| format!("/panel/orgs?org={}", org.unwrap_or_default()));
    let sep = if back.contains('?') { '&' } else { '?' };
    let ok = if back.contains("saved=") {
        back
    } else {
        format!("{back}{sep}saved=1")
    };
    run(&state, &s, id, vec![cmd], &ok).await
}

#[cfg(test)]
#[path = "members_tests.rs"]
mod tests;
