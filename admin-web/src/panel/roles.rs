//! Roles and permissions (SPEC ROLE-1..4): the permission matrix (rename a role, change its
//! permissions, create and delete custom roles) and each role's members, whose role can be
//! changed there (ROLE-4).
//!
//! Like the JSON API (`crate::roles`), every change is a role command through
//! `Directory::execute` as the caller: the directory refuses edits of the enterprise
//! administrator role and of the role one holds, grants beyond one's own permissions and
//! members outside one's management scope, and the page shows the refusal. Deleting a custom
//! role moves its holders to the ordinary member role (the domain's answer to ROLE-2). These
//! pages are for the enterprise administrator and holders of `manage_roles`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_directory::service::PrincipalKind;
use orgdir_domain::command::Command;
use orgdir_domain::model::{BuiltinRole, MemberId, Role, RoleId};
use orgdir_domain::role::Permission;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::html::{esc, message};
use super::i18n::Lang;
use super::{Session, members, posted, to_sign_in};
use crate::AppState;
use crate::error::ApiError;

/// Members listed per page of a role's member list (an enterprise may have 30,000).
const PER_PAGE: usize = 100;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/roles", get(roles))
        .route("/panel/roles/new", post(create))
        .route("/panel/roles/{id}", get(holders).post(update))
        .route("/panel/roles/{id}/delete", post(delete))
        .route("/panel/roles/{id}/assign", post(assign))
}

// --- texts ---------------------------------------------------------------------------

/// The strings of these pages, one table per language.
struct Text {
    title: &'static str,
    forbidden: &'static str,
    help: &'static str,
    permission: &'static str,
    members: &'static str,
    kind_admin: &'static str,
    kind_builtin: &'static str,
    kind_custom: &'static str,
    own_role: &'static str,
    name: &'static str,
    save: &'static str,
    delete: &'static str,
    confirm_delete: &'static str,
    need_confirm: &'static str,
    create_legend: &'static str,
    create: &'static str,
    fallback_note: &'static str,
    role: &'static str,
    back: &'static str,
    held_by_admin: &'static str,
    holders_count: &'static str,
    no_holders: &'static str,
    account: &'static str,
    org: &'static str,
    change_role: &'static str,
    change: &'static str,
    page_of: fn(usize, usize) -> String,
    previous: &'static str,
    next: &'static str,
    give_legend: &'static str,
    give: &'static str,
    /// A label for every permission (ROLE-3), in `Permission::ALL` order.
    permissions: [(Permission, &'static str); 10],
}

fn page_of_en(page: usize, pages: usize) -> String {
    format!("Page {page} of {pages}")
}

fn page_of_zh(page: usize, pages: usize) -> String {
    format!("第 {page} / {pages} 页")
}

static EN: Text = Text {
    title: "Roles and permissions",
    forbidden: "Roles are managed by the enterprise administrator and by members whose role holds “Manage roles”.",
    help: "Tick the permissions of each role and press Save under its column. Every permission is exercised within the holder's management scope.",
    permission: "Permission",
    members: "Members",
    kind_admin: "Built-in. Held by the enterprise administrator (super password); cannot be edited or given to members.",
    kind_builtin: "Built-in. Can be renamed and its permissions changed; cannot be deleted.",
    kind_custom: "Custom. Can be deleted: its members then become ordinary members.",
    own_role: "You hold this role: another role manager has to edit it.",
    name: "Name",
    save: "Save",
    delete: "Delete",
    confirm_delete: "Yes, delete this role",
    need_confirm: "Tick “Yes, delete this role” to delete it.",
    create_legend: "Create a custom role",
    create: "Create",
    fallback_note: "Deleting a custom role gives its members the ordinary member role.",
    role: "Role",
    back: "All roles",
    held_by_admin: "This role belongs to the enterprise administrator (super password) and is never held by members.",
    holders_count: "Members holding it that you can see:",
    no_holders: "No member you can see holds this role.",
    account: "Account",
    org: "Org",
    change_role: "Change role",
    change: "Change",
    page_of: page_of_en,
    previous: "← Previous",
    next: "Next →",
    give_legend: "Give this role to a member",
    give: "Give",
    permissions: [
        (Permission::ManageOrgTree, "Manage org tree"),
        (Permission::ManageMembers, "Manage members"),
        (Permission::ManageRoles, "Manage roles"),
        (Permission::ViewMessageRecords, "View message records"),
        (Permission::SendSms, "Send SMS"),
        (Permission::SendBroadcast, "Send broadcasts"),
        (Permission::ManageLoginPolicy, "Manage login policy"),
        (Permission::QueryExternalContacts, "Query external contacts"),
        (Permission::ManageGroups, "Manage groups"),
        (Permission::Stealth, "Invisible (stealth) status"),
    ],
};

static ZH: Text = Text {
    title: "角色权限",
    forbidden: "角色权限仅由企业管理员和拥有“管理角色”权限的成员管理。",
    help: "勾选每个角色的权限，然后点击该列下方的“保存”。每项权限都只在持有者的管理范围内生效。",
    permission: "权限",
    members: "成员数",
    kind_admin: "内置角色，属于企业管理员（超级密码账号），不可编辑，也不能分配给成员。",
    kind_builtin: "内置角色，可改名、可调整权限，不可删除。",
    kind_custom: "自定义角色，可删除：删除后其成员改为普通成员。",
    own_role: "这是您自己的角色，需由其他角色管理员修改。",
    name: "名称",
    save: "保存",
    delete: "删除",
    confirm_delete: "确认删除此角色",
    need_confirm: "请先勾选“确认删除此角色”。",
    create_legend: "新建自定义角色",
    create: "新建",
    fallback_note: "删除自定义角色后，持有该角色的成员将改为普通成员角色。",
    role: "角色",
    back: "全部角色",
    held_by_admin: "此角色仅属于企业管理员（超级密码账号），不会分配给成员。",
    holders_count: "您可见的持有此角色的成员：",
    no_holders: "没有您可见的成员持有此角色。",
    account: "账号",
    org: "部门",
    change_role: "修改角色",
    change: "修改",
    page_of: page_of_zh,
    previous: "← 上一页",
    next: "下一页 →",
    give_legend: "将此角色分配给成员",
    give: "分配",
    permissions: [
        (Permission::ManageOrgTree, "管理组织架构"),
        (Permission::ManageMembers, "管理成员"),
        (Permission::ManageRoles, "管理角色"),
        (Permission::ViewMessageRecords, "查看消息记录"),
        (Permission::SendSms, "发送短信"),
        (Permission::SendBroadcast, "发送广播"),
        (Permission::ManageLoginPolicy, "管理登录策略"),
        (Permission::QueryExternalContacts, "查询外部联系人"),
        (Permission::ManageGroups, "管理群组"),
        (Permission::Stealth, "隐身状态"),
    ],
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

// --- access --------------------------------------------------------------------------

/// The 403 page for callers without `manage_roles`.
fn forbidden(s: &Session) -> Response {
    let t = text(s.lang);
    s.page(
        StatusCode::FORBIDDEN,
        t.title,
        "/panel/roles",
        &message(false, t.forbidden),
    )
}

/// The session of a GET, if its holder may manage roles; else sign-in or 403.
fn manager(state: &AppState, headers: &HeaderMap) -> Result<Session, Box<Response>> {
    let s = Session::of(state, headers).ok_or_else(|| Box::new(to_sign_in()))?;
    if s.holds(Permission::ManageRoles) {
        Ok(s)
    } else {
        Err(Box::new(forbidden(&s)))
    }
}

/// The session and form of a POST (CSRF checked first), if its holder may manage roles.
fn manager_post<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Session, T), Box<Response>> {
    let (s, form) = posted::<T>(state, headers, body)?;
    if s.holds(Permission::ManageRoles) {
        Ok((s, form))
    } else {
        Err(Box::new(forbidden(&s)))
    }
}

/// Runs `cmd` as the caller.
async fn run(state: &AppState, s: &Session, cmd: Command) -> Result<(), ApiError> {
    s.exec(&state.dir, cmd).await.map(|_| ())
}

/// The status and message of a refusal, in the page's language.
fn refusal(s: &Session, e: ApiError) -> (StatusCode, Option<(bool, String)>) {
    (e.status, Some((false, s.refusal(e))))
}

fn note_box(s: &Session, note: Option<(bool, String)>, b: &mut String) {
    if let Some((ok, text)) = note {
        let text = if ok {
            text
        } else {
            format!("{} {text}", s.tr().failed)
        };
        b.push_str(&message(ok, &text));
    }
}

fn saved(path: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}saved=1")).into_response()
}

// --- facts about roles -----------------------------------------------------------------

/// Built-in roles first (in ROLE-1 order), then custom roles by creation.
fn ordered_roles(s: &Session) -> Vec<&Role> {
    let mut roles: Vec<&Role> = s.snap.state.roles.values().collect();
    roles.sort_by_key(|r| (r.builtin.is_none(), r.builtin, r.id.0));
    roles
}

/// The role the caller holds (members only).
fn own_role(s: &Session) -> Option<RoleId> {
    match s.principal.kind {
        PrincipalKind::Member(id) => s.snap.state.members.get(&id).map(|m| m.role),
        _ => None,
    }
}

/// Whether the page offers to edit `r` (the directory decides again on every post).
fn editable(s: &Session, r: &Role) -> bool {
    r.builtin != Some(BuiltinRole::EnterpriseAdmin) && own_role(s) != Some(r.id)
}

fn kind(t: &Text, r: &Role) -> &'static str {
    match r.builtin {
        Some(BuiltinRole::EnterpriseAdmin) => t.kind_admin,
        Some(_) => t.kind_builtin,
        None => t.kind_custom,
    }
}

/// How many members the caller can see hold each role.
fn visible_counts(s: &Session) -> BTreeMap<RoleId, usize> {
    let mut counts = BTreeMap::new();
    for m in s.snap.state.members.values() {
        if s.sees_member(m.id) {
            *counts.entry(m.role).or_insert(0) += 1;
        }
    }
    counts
}

// --- the matrix ------------------------------------------------------------------------

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<u8>,
}

async fn roles(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Response {
    match manager(&state, &headers) {
        Ok(s) => {
            let note = q.saved.map(|_| (true, s.tr().saved.to_string()));
            roles_page(&s, StatusCode::OK, note)
        }
        Err(r) => *r,
    }
}

fn roles_page(s: &Session, status: StatusCode, note: Option<(bool, String)>) -> Response {
    let t = text(s.lang);
    let roles = ordered_roles(s);
    let counts = visible_counts(s);
    let own = own_role(s);
    let csrf = esc(&s.csrf);
    let mut b = String::new();
    note_box(s, note, &mut b);
    let _ = write!(b, "<p>{}</p>", esc(t.help));
    // One empty form per editable role: the matrix's inputs join it by their `form` attribute,
    // so a column is saved as a whole without JavaScript.
    for r in roles.iter().filter(|r| editable(s, r)) {
        let _ = write!(
            b,
            "<form id=\"role-form-{id}\" method=\"post\" action=\"/panel/roles/{id}\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"></form>",
            id = r.id.0
        );
    }
    let _ = write!(
        b,
        "<table id=\"matrix\"><thead><tr><th>{}</th>",
        esc(t.permission)
    );
    for r in &roles {
        let _ = write!(b, "<th id=\"role-{id}\" data-role=\"{id}\">", id = r.id.0);
        if editable(s, r) {
            let _ = write!(
                b,
                "<input name=\"name\" form=\"role-form-{}\" value=\"{}\" required maxlength=\"64\" aria-label=\"{}\">",
                r.id.0,
                esc(&r.name),
                esc(t.name)
            );
        } else {
            let _ = write!(b, "<span class=\"role-name\">{}</span>", esc(&r.name));
        }
        let _ = write!(b, "<br><small class=\"kind\">{}</small>", esc(kind(t, r)));
        if own == Some(r.id) {
            let _ = write!(b, "<br><small class=\"own\">{}</small>", esc(t.own_role));
        }
        b.push_str("</th>");
    }
    b.push_str("</tr></thead><tbody>");
    for (p, label) in matrix_rows(s, t) {
        let _ = write!(
            b,
            "<tr data-permission=\"{}\"><th scope=\"row\">{}</th>",
            p.key(),
            esc(label)
        );
        for r in &roles {
            let attach = if editable(s, r) {
                format!(" form=\"role-form-{}\"", r.id.0)
            } else {
                " disabled".to_string()
            };
            let _ = write!(
                b,
                "<td><input type=\"checkbox\" name=\"perm\" value=\"{}\"{attach}{} aria-label=\"{} / {}\"></td>",
                p.key(),
                if r.permissions.contains(&p) {
                    " checked"
                } else {
                    ""
                },
                esc(label),
                esc(&r.name)
            );
        }
        b.push_str("</tr>");
    }
    let _ = write!(b, "<tr id=\"role-members\"><th>{}</th>", esc(t.members));
    for r in &roles {
        let _ = write!(
            b,
            "<td><a href=\"/panel/roles/{}\">{}</a></td>",
            r.id.0,
            counts.get(&r.id).copied().unwrap_or(0)
        );
    }
    b.push_str("</tr><tr id=\"role-save\"><th></th>");
    for r in &roles {
        b.push_str("<td>");
        if editable(s, r) {
            let _ = write!(
                b,
                "<button type=\"submit\" form=\"role-form-{}\">{}</button>",
                r.id.0,
                esc(t.save)
            );
        }
        b.push_str("</td>");
    }
    b.push_str("</tr><tr id=\"role-delete\"><th></th>");
    for r in &roles {
        b.push_str("<td>");
        if r.builtin.is_none() {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"/panel/roles/{}/delete\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                 <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {}</label>\
                 <button type=\"submit\">{}</button></form>",
                r.id.0,
                esc(t.confirm_delete),
                esc(t.delete)
            );
        }
        b.push_str("</td>");
    }
    b.push_str("</tr></tbody></table>");
    let _ = write!(b, "<p>{}</p>", esc(t.fallback_note));
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/roles/new\" id=\"new-role\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input name=\"name\" id=\"new-role-name\" required maxlength=\"64\"></label>",
        esc(t.create_legend),
        esc(t.name)
    );
    for (p, label) in matrix_rows(s, t) {
        let _ = write!(
            b,
            "<label><input type=\"checkbox\" name=\"perm\" value=\"{}\"> {}</label>",
            p.key(),
            esc(label)
        );
    }
    let _ = write!(
        b,
        "<button type=\"submit\">{}</button></fieldset></form>",
        esc(t.create)
    );
    s.page(status, t.title, "/panel/roles", &b)
}

fn roles_failure(s: &Session, e: ApiError) -> Response {
    let (status, note) = refusal(s, e);
    roles_page(s, status, note)
}

/// A role form: its name (if sent) and its ticked permissions (`perm`, repeated).
struct RoleForm {
    name: Option<String>,
    permissions: BTreeSet<Permission>,
}

/// The rows of the role matrix: the core's permissions, then those of the plugins the
/// enterprise has on.
fn matrix_rows<'a>(
    s: &'a Session,
    t: &'static Text,
) -> impl Iterator<Item = (Permission, &'static str)> + 'a {
    t.permissions
        .iter()
        .copied()
        .chain(s.plugin_permissions.iter().copied())
}

fn role_form(s: &Session, pairs: &[(String, String)]) -> Result<RoleForm, ApiError> {
    let mut form = RoleForm {
        name: None,
        permissions: BTreeSet::new(),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "name" => form.name = Some(v.trim().to_string()),
            "perm" => {
                let p = Permission::from_key(v)
                    .filter(|p| matrix_rows(s, text(s.lang)).any(|(q, _)| q == *p))
                    .ok_or_else(|| ApiError::bad_request(format!("unknown permission {v:?}")))?;
                form.permissions.insert(p);
            }
            _ => {}
        }
    }
    Ok(form)
}

async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, pairs) = match manager_post::<Vec<(String, String)>>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let f = match role_form(&s, &pairs) {
        Ok(f) => f,
        Err(e) => return roles_failure(&s, e),
    };
    let cmd = Command::CreateRole {
        name: f.name.unwrap_or_default(),
        permissions: f.permissions,
    };
    match run(&state, &s, cmd).await {
        Ok(_) => saved("/panel/roles"),
        Err(e) => roles_failure(&s, e),
    }
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, pairs) = match manager_post::<Vec<(String, String)>>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let role = RoleId(id);
    let Some(current) = s.snap.state.roles.get(&role) else {
        return roles_failure(&s, ApiError::not_found("role"));
    };
    let f = match role_form(&s, &pairs) {
        Ok(f) => f,
        Err(e) => return roles_failure(&s, e),
    };
    // Permissions of plugins the page does not show (turned off, or not run by this
    // server) are kept as they are.
    let mut permissions = f.permissions;
    permissions.extend(
        current
            .permissions
            .iter()
            .filter(|p| !matrix_rows(&s, text(s.lang)).any(|(q, _)| q == **p)),
    );
    let cmd = Command::UpdateRole {
        role,
        // Renamed only when the name changed.
        name: f.name.filter(|n| *n != current.name),
        permissions: Some(permissions),
    };
    match run(&state, &s, cmd).await {
        Ok(_) => saved("/panel/roles"),
        Err(e) => roles_failure(&s, e),
    }
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
    let (s, f) = match manager_post::<DeleteForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if f.confirm != "yes" {
        let t = text(s.lang);
        return roles_page(
            &s,
            StatusCode::BAD_REQUEST,
            Some((false, t.need_confirm.to_string())),
        );
    }
    match run(&state, &s, Command::DeleteRole { role: RoleId(id) }).await {
        Ok(_) => saved("/panel/roles"),
        Err(e) => roles_failure(&s, e),
    }
}

// --- a role's members (ROLE-4) ---------------------------------------------------------

#[derive(Deserialize)]
struct HoldersQuery {
    page: Option<usize>,
    saved: Option<u8>,
}

async fn holders(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Query(q): Query<HoldersQuery>,
) -> Response {
    match manager(&state, &headers) {
        Ok(s) => {
            let note = q.saved.map(|_| (true, s.tr().saved.to_string()));
            holders_page(&s, RoleId(id), q.page.unwrap_or(1), StatusCode::OK, note)
        }
        Err(r) => *r,
    }
}

fn holders_page(
    s: &Session,
    role: RoleId,
    page: usize,
    status: StatusCode,
    note: Option<(bool, String)>,
) -> Response {
    let t = text(s.lang);
    let st = &s.snap.state;
    let Some(r) = st.roles.get(&role) else {
        let tr = s.tr();
        return s.page(
            StatusCode::NOT_FOUND,
            t.title,
            "/panel/roles",
            &message(false, tr.not_found),
        );
    };
    let title = format!("{}: {}", t.role, r.name);
    let mut list: Vec<_> = st
        .members
        .values()
        .filter(|m| m.role == role && s.sees_member(m.id))
        .collect();
    list.sort_by(|a, c| a.account.cmp(&c.account));
    let pages = list.len().div_ceil(PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let here = format!("/panel/roles/{}?page={page}", role.0);
    let csrf = esc(&s.csrf);
    let mut b = String::new();
    note_box(s, note, &mut b);
    let _ = write!(
        b,
        "<p><a href=\"/panel/roles\">{}</a></p><p class=\"kind\">{}</p>",
        esc(t.back),
        esc(kind(t, r))
    );
    if r.builtin == Some(BuiltinRole::EnterpriseAdmin) {
        b.push_str(&message(true, t.held_by_admin));
        return s.page(status, &title, &here, &b);
    }
    let _ = write!(
        b,
        "<p>{} <strong id=\"holder-count\">{}</strong></p>",
        esc(t.holders_count),
        list.len()
    );
    if list.is_empty() {
        let _ = write!(b, "<p id=\"no-holders\">{}</p>", esc(t.no_holders));
    } else {
        let _ = write!(
            b,
            "<table id=\"holders\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(s.tr().name),
            esc(t.account),
            esc(t.org),
            esc(t.change_role)
        );
        let start = (page - 1).saturating_mul(PER_PAGE);
        for m in list.iter().skip(start).take(PER_PAGE) {
            let org = st.orgs.get(&m.org).map(|o| o.name.as_str()).unwrap_or("");
            let _ = write!(
                b,
                "<tr data-account=\"{}\"><td><a href=\"/panel/members/{}\">{}</a></td><td>{}</td><td>{}</td><td>",
                esc(&m.account),
                m.id.0,
                esc(&m.name),
                esc(&m.account),
                esc(org)
            );
            if s.may(Permission::ManageRoles, m.org) {
                change_form(s, role, m.id, page, &mut b);
            }
            b.push_str("</td></tr>");
        }
        b.push_str("</tbody></table>");
    }
    if pages > 1 {
        b.push_str("<nav class=\"pager\">");
        if page > 1 {
            let _ = write!(
                b,
                "<a rel=\"prev\" href=\"/panel/roles/{}?page={}\">{}</a> ",
                role.0,
                page - 1,
                esc(t.previous)
            );
        }
        let _ = write!(b, "<span>{}</span>", esc(&(t.page_of)(page, pages)));
        if page < pages {
            let _ = write!(
                b,
                " <a rel=\"next\" href=\"/panel/roles/{}?page={}\">{}</a>",
                role.0,
                page + 1,
                esc(t.next)
            );
        }
        b.push_str("</nav>");
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/roles/{}/assign\" id=\"give-role\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"role\" value=\"{}\">\
         <input type=\"hidden\" name=\"page\" value=\"{page}\">\
         <label>{} <input name=\"account\" id=\"give-account\" required></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        role.0,
        esc(t.give_legend),
        role.0,
        esc(t.account),
        esc(t.give)
    );
    s.page(status, &title, &here, &b)
}

/// The form that gives member `m`, listed on `role`'s page, another role.
fn change_form(s: &Session, role: RoleId, m: MemberId, page: usize, b: &mut String) {
    let t = text(s.lang);
    let _ = write!(
        b,
        "<form class=\"inline\" method=\"post\" action=\"/panel/roles/{}/assign\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <input type=\"hidden\" name=\"member\" value=\"{}\">\
         <input type=\"hidden\" name=\"page\" value=\"{page}\">\
         <select name=\"role\" aria-label=\"{}\">{}</select> \
         <button type=\"submit\">{}</button></form>",
        role.0,
        esc(&s.csrf),
        m.0,
        esc(t.role),
        members::role_options(s, Some(role)),
        esc(t.change)
    );
}

/// A role change: `member` (from a row of the list) or `account` (the give form).
#[derive(Deserialize)]
struct AssignForm {
    member: Option<u64>,
    #[serde(default)]
    account: String,
    role: u64,
    page: Option<usize>,
}

async fn assign(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match manager_post::<AssignForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let listed = RoleId(id);
    let page = f.page.unwrap_or(1);
    let st = &s.snap.state;
    let member = match f.member {
        Some(m) => Some(MemberId(m)),
        None => st.member_by_account(f.account.trim()).map(|m| m.id),
    }
    .filter(|m| s.sees_member(*m));
    let result = match member {
        None => Err(ApiError::not_found("member")),
        Some(member) => {
            let cmd = Command::SetMemberRole {
                member,
                role: RoleId(f.role),
            };
            run(&state, &s, cmd).await
        }
    };
    match result {
        Ok(_) => saved(&format!("/panel/roles/{id}?page={page}")),
        Err(e) => {
            let (status, note) = refusal(&s, e);
            holders_page(&s, listed, page, status, note)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use serde_json::Value;

    use super::super::testkit::{Resp, app, send, sign_in};

    const ADMIN_PW: &str = "Admin-Passw0rd-1";

    async fn get(app: &axum::Router, cookie: &str, path: &str) -> Resp {
        send(app, "GET", path, cookie, &[], None).await
    }

    async fn post(app: &axum::Router, cookie: &str, path: &str, form: &str) -> Resp {
        send(app, "POST", path, cookie, &[], Some(form)).await
    }

    async fn roles_json(app: &axum::Router, cookie: &str) -> Vec<Value> {
        let r = get(app, cookie, "/api/v1/roles").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_str::<Value>(&r.body)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The API's view of the role whose builtin key or (custom) name is `which`.
    async fn role(app: &axum::Router, cookie: &str, which: &str) -> Option<Value> {
        roles_json(app, cookie).await.into_iter().find(|r| {
            r["builtin"].as_str() == Some(which)
                || (r["builtin"].is_null() && r["name"].as_str() == Some(which))
        })
    }

    async fn role_id(app: &axum::Router, cookie: &str, which: &str) -> u64 {
        role(app, cookie, which).await.unwrap()["id"]
            .as_u64()
            .unwrap()
    }

    fn keys(role: &Value) -> Vec<&str> {
        role["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect()
    }

    /// The accounts listed on a role's member page.
    fn listed(body: &str) -> Vec<String> {
        body.split("<tr data-account=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect()
    }

    /// The member id in the role-change form of `account`'s row.
    fn member_id(body: &str, account: &str) -> String {
        let row = body
            .split(&format!("<tr data-account=\"{account}\""))
            .nth(1)
            .unwrap();
        super::super::testkit::field(row.split("</tr>").next().unwrap(), "member")
    }

    #[tokio::test]
    async fn the_matrix_saves_permissions_and_names_but_not_the_administrator_role() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", ADMIN_PW).await;
        let page = get(&app, &cookie, "/panel/roles").await;
        assert_eq!(page.status, StatusCode::OK);
        for want in [
            "id=\"matrix\"",
            "Manage org tree",
            "Invisible (stealth) status",
            "Enterprise administrator",
            "Information administrator",
            "cannot be edited",
            "id=\"new-role\"",
        ] {
            assert!(page.body.contains(want), "{want} missing");
        }
        let sys = role_id(&app, &cookie, "system-admin").await;
        let admin_role = role_id(&app, &cookie, "enterprise-admin").await;
        assert!(page.body.contains(&format!("form=\"role-form-{sys}\"")));
        // The enterprise administrator's column has no form: its boxes are disabled.
        assert!(!page.body.contains(&format!("role-form-{admin_role}")));

        let form =
            format!("csrf_token={csrf}&name=Sysadmins&perm=manage_members&perm=manage_roles");
        let r = post(&app, &cookie, &format!("/panel/roles/{sys}"), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, "/panel/roles?saved=1");
        let saved = role(&app, &cookie, "system-admin").await.unwrap();
        assert_eq!(saved["name"], "Sysadmins");
        assert_eq!(keys(&saved), ["manage_members", "manage_roles"]);
        let page = get(&app, &cookie, &r.location).await;
        assert!(page.body.contains("Saved.") && page.body.contains("value=\"Sysadmins\""));

        // Refused by the directory, shown on the page; nothing changes.
        let form = format!("csrf_token={csrf}&name=Boss&perm=manage_members");
        let r = post(&app, &cookie, &format!("/panel/roles/{admin_role}"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Not done:")
                && r.body
                    .contains("the enterprise administrator role cannot be edited"),
            "{}",
            r.body
        );
        let admin = role(&app, &cookie, "enterprise-admin").await.unwrap();
        assert_eq!(keys(&admin).len(), 10);
        assert_eq!(admin["name"], "Enterprise administrator");
        for (form, want) in [
            (
                format!("csrf_token={csrf}&name=&perm=send_sms"),
                "must not be empty",
            ),
            (format!("csrf_token={csrf}&perm=fly"), "unknown permission"),
        ] {
            let r = post(&app, &cookie, &format!("/panel/roles/{sys}"), &form).await;
            assert!(r.status.is_client_error(), "{form}");
            assert!(r.body.contains(want), "{want}: {}", r.body);
        }
        let r = post(
            &app,
            &cookie,
            "/panel/roles/999999",
            &format!("csrf_token={csrf}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            keys(&role(&app, &cookie, "system-admin").await.unwrap()).len(),
            2
        );
    }

    #[tokio::test]
    async fn custom_roles_are_created_given_and_deleted_with_holders_falling_back() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", ADMIN_PW).await;
        let form =
            format!("csrf_token={csrf}&name=Auditors&perm=query_external_contacts&perm=send_sms");
        let r = post(&app, &cookie, "/panel/roles/new", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let auditors = role(&app, &cookie, "Auditors").await.unwrap();
        assert_eq!(keys(&auditors), ["send_sms", "query_external_contacts"]);
        let id = auditors["id"].as_u64().unwrap();
        // The same name again is refused.
        let r = post(&app, &cookie, "/panel/roles/new", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("already exists"), "{}", r.body);

        // Given to 10001 from the role's own page.
        let page = get(&app, &cookie, &format!("/panel/roles/{id}")).await;
        assert!(page.body.contains("id=\"no-holders\"") && page.body.contains("id=\"give-role\""));
        let form = format!("csrf_token={csrf}&role={id}&page=1&account=10001");
        let r = post(&app, &cookie, &format!("/panel/roles/{id}/assign"), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, format!("/panel/roles/{id}?page=1&saved=1"));
        let page = get(&app, &cookie, &r.location).await;
        assert_eq!(listed(&page.body), ["10001"]);
        let matrix = get(&app, &cookie, "/panel/roles").await;
        assert!(
            matrix
                .body
                .contains(&format!("<a href=\"/panel/roles/{id}\">1</a>"))
        );
        // An unknown account is "not found".
        let form = format!("csrf_token={csrf}&role={id}&account=99999");
        let r = post(&app, &cookie, &format!("/panel/roles/{id}/assign"), &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Built-in roles cannot be deleted, and there is no delete form for them.
        let member = role_id(&app, &cookie, "member").await;
        assert!(
            !matrix
                .body
                .contains(&format!("/panel/roles/{member}/delete"))
        );
        assert!(matrix.body.contains(&format!("/panel/roles/{id}/delete")));
        let confirm = format!("csrf_token={csrf}&confirm=yes");
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{member}/delete"),
            &confirm,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("built-in role"), "{}", r.body);
        // Deleting needs the confirmation box.
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{id}/delete"),
            &format!("csrf_token={csrf}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Yes, delete this role"), "{}", r.body);
        assert!(role(&app, &cookie, "Auditors").await.is_some());
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{id}/delete"),
            &confirm,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(role(&app, &cookie, "Auditors").await.is_none());
        // Its holder is an ordinary member again.
        let page = get(&app, &cookie, &format!("/panel/roles/{member}")).await;
        assert!(listed(&page.body).contains(&"10001".to_string()));
        let r = get(&app, &cookie, &format!("/panel/roles/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_members_role_is_changed_from_the_role_member_list() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", ADMIN_PW).await;
        let member = role_id(&app, &cookie, "member").await;
        let sys = role_id(&app, &cookie, "system-admin").await;
        let admin_role = role_id(&app, &cookie, "enterprise-admin").await;
        let page = get(&app, &cookie, &format!("/panel/roles/{member}")).await;
        let before = listed(&page.body);
        assert!(before.contains(&"10001".to_string()) && !before.contains(&"10002".to_string()));
        // The administrator sees the hidden member too.
        assert!(before.contains(&"10049".to_string()));
        // The select never offers the enterprise administrator role.
        assert!(
            !page
                .body
                .contains(&format!("<option value=\"{admin_role}\""))
        );
        let id = member_id(&page.body, "10001");
        let form = format!("csrf_token={csrf}&member={id}&role={sys}&page=1");
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{member}/assign"),
            &form,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = get(&app, &cookie, &r.location).await;
        assert!(page.body.contains("Saved."));
        assert!(!listed(&page.body).contains(&"10001".to_string()));
        let sys_page = get(&app, &cookie, &format!("/panel/roles/{sys}")).await;
        assert_eq!(listed(&sys_page.body), ["10001", "10002"]);
        // The enterprise administrator role cannot be given.
        let form = format!("csrf_token={csrf}&member={id}&role={admin_role}");
        let r = post(&app, &cookie, &format!("/panel/roles/{sys}/assign"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("cannot be given to a member"), "{}", r.body);
        let page = get(&app, &cookie, &format!("/panel/roles/{admin_role}")).await;
        assert!(page.body.contains("never held by members") && !page.body.contains("give-role"));
    }

    #[tokio::test]
    async fn a_long_member_list_is_paged() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", ADMIN_PW).await;
        let member = role_id(&app, &cookie, "member").await;
        let orgs: Value =
            serde_json::from_str(&get(&app, &cookie, "/api/v1/orgs").await.body).unwrap();
        let support = orgs
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Support")
            .unwrap()["id"]
            .as_u64()
            .unwrap();
        for i in 0..60 {
            let body = format!(r#"{{"org":{support},"name":"Paged Person {i}","role":{member}}}"#);
            let req = axum::http::Request::post("/api/v1/members")
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED);
        }
        let first = get(&app, &cookie, &format!("/panel/roles/{member}")).await;
        let count: usize = first
            .body
            .split("id=\"holder-count\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(count > 100, "{count}");
        let page1 = listed(&first.body);
        assert_eq!(page1.len(), 100);
        assert!(first.body.contains("Page 1 of 2"));
        assert!(
            first
                .body
                .contains(&format!("href=\"/panel/roles/{member}?page=2\""))
        );
        let second = get(&app, &cookie, &format!("/panel/roles/{member}?page=2")).await;
        let page2 = listed(&second.body);
        assert_eq!(page2.len(), count - 100);
        assert!(page2.iter().all(|a| !page1.contains(a)));
        assert!(
            second
                .body
                .contains(&format!("href=\"/panel/roles/{member}?page=1\""))
        );
        // Out of range pages show the last one.
        let far = get(&app, &cookie, &format!("/panel/roles/{member}?page=99")).await;
        assert_eq!(listed(&far.body), page2);
    }

    #[tokio::test]
    async fn only_role_managers_reach_the_pages_and_every_form_needs_the_token() {
        let app = app().await;
        let (admin, admin_csrf) = sign_in(&app, "", ADMIN_PW).await;
        let sys = role_id(&app, &admin, "system-admin").await;
        let posts = |csrf: &str| {
            [
                (
                    "/panel/roles/new".to_string(),
                    format!("csrf_token={csrf}&name=Mine&perm=send_sms"),
                ),
                (
                    format!("/panel/roles/{sys}"),
                    format!("csrf_token={csrf}&name=Mine&perm=stealth"),
                ),
                (
                    format!("/panel/roles/{sys}/delete"),
                    format!("csrf_token={csrf}&confirm=yes"),
                ),
                (
                    format!("/panel/roles/{sys}/assign"),
                    format!("csrf_token={csrf}&role={sys}&account=10001"),
                ),
            ]
        };
        let unchanged = |roles: Vec<Value>| {
            let sys_role = roles.iter().find(|r| r["id"] == sys).unwrap();
            assert_eq!(sys_role["name"], "System administrator");
            assert_eq!(sys_role["members"], 1);
            assert!(roles.iter().all(|r| r["name"] != "Mine"));
        };
        // 10001 (ordinary member) and 10002 (system administrator) lack manage_roles.
        for (account, password) in [("10001", "Passw0rd-10001"), ("10002", "Passw0rd-10002")] {
            let (cookie, csrf) = sign_in(&app, account, password).await;
            let home = get(&app, &cookie, "/panel/").await;
            assert!(!home.body.contains("href=\"/panel/roles\""));
            assert!(!home.body.contains("href=\"/panel/audit\""));
            for path in [
                "/panel/roles".to_string(),
                format!("/panel/roles/{sys}"),
                "/panel/audit".to_string(),
                "/panel/audit?action=member.role".to_string(),
            ] {
                let r = get(&app, &cookie, &path).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{account} {path}");
                assert!(r.body.contains("“Manage roles”"), "{path}: {}", r.body);
                assert!(!r.body.contains("id=\"matrix\"") && !r.body.contains("id=\"audit\""));
            }
            for (path, form) in posts(&csrf) {
                let r = post(&app, &cookie, &path, &form).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{account} {path}");
                assert!(r.body.contains("“Manage roles”"), "{path}: {}", r.body);
            }
        }
        unchanged(roles_json(&app, &admin).await);
        // Missing or wrong token: refused before the form is read, even for the administrator.
        for csrf in [String::new(), "0000".to_string(), format!("{admin_csrf}x")] {
            for (path, form) in posts(&csrf) {
                let r = post(&app, &admin, &path, &form).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {form}");
                assert!(r.body.contains("security token"), "{}", r.body);
            }
        }
        for (path, form) in posts(&admin_csrf) {
            let form = form.split_once('&').unwrap().1.to_string();
            let r = post(&app, &admin, &path, &form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {form}");
        }
        unchanged(roles_json(&app, &admin).await);
        // Signed out: to the sign-in page.
        let r = get(&app, "lang=en", "/panel/roles").await;
        assert_eq!(r.location, "/panel/signin");
        let r = post(&app, "lang=en", "/panel/roles/new", "name=x").await;
        assert_eq!(r.location, "/panel/signin");
    }

    #[tokio::test]
    async fn a_scoped_role_manager_sees_and_changes_only_members_in_scope() {
        let app = app().await;
        let (admin, admin_csrf) = sign_in(&app, "", ADMIN_PW).await;
        let info = role_id(&app, &admin, "info-admin").await;
        let sys = role_id(&app, &admin, "system-admin").await;
        let member = role_id(&app, &admin, "member").await;
        // The information administrator role gets manage_roles.
        let form = format!(
            "csrf_token={admin_csrf}&name=Information+administrator&perm=manage_org_tree\
             &perm=manage_members&perm=query_external_contacts&perm=manage_groups&perm=manage_roles"
        );
        let r = post(&app, &admin, &format!("/panel/roles/{info}"), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // 10003's scope is Finance.
        let (cookie, csrf) = sign_in(&app, "10003", "Passw0rd-10003").await;
        let home = get(&app, &cookie, "/panel/").await;
        assert!(home.body.contains("href=\"/panel/roles\""));
        let matrix = get(&app, &cookie, "/panel/roles").await;
        assert_eq!(matrix.status, StatusCode::OK);
        // Its own role is shown, not offered for editing; a post is refused by the directory.
        assert!(matrix.body.contains("You hold this role"));
        assert!(!matrix.body.contains(&format!("role-form-{info}")));
        assert!(matrix.body.contains(&format!("role-form-{sys}")));
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{info}"),
            &format!("csrf_token={csrf}&perm=stealth"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body.contains("you cannot edit the role you hold"),
            "{}",
            r.body
        );
        // Nor may it grant permissions it lacks.
        let r = post(
            &app,
            &cookie,
            "/panel/roles/new",
            &format!("csrf_token={csrf}&name=Spy&perm=view_message_records"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body
                .contains("you cannot grant permissions you do not hold")
        );

        // Finance members only (10007, 10014, … are in Finance; 10001 is in Platform).
        let page = get(&app, &cookie, &format!("/panel/roles/{member}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let seen = listed(&page.body);
        assert_eq!(seen, ["10007", "10014", "10021", "10028", "10035", "10042"]);
        assert!(page.body.contains("id=\"holder-count\">6<"));
        let matrix_members = format!("<a href=\"/panel/roles/{member}\">6</a>");
        assert!(
            matrix.body.contains(&matrix_members),
            "counts are of visible members"
        );

        // Out of scope: not found, whether by account or by id.
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{info}/assign"),
            &format!("csrf_token={csrf}&role={info}&account=10001"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("Not found."));
        let admin_page = get(&app, &admin, &format!("/panel/roles/{member}")).await;
        let zhang = member_id(&admin_page.body, "10001");
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{member}/assign"),
            &format!("csrf_token={csrf}&role={info}&member={zhang}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A role it cannot grant: refused by the directory.
        let id = member_id(&page.body, "10014");
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{member}/assign"),
            &format!("csrf_token={csrf}&role={sys}&member={id}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body
                .contains("you cannot grant a role with permissions you do not hold")
        );
        // In scope, a role it may grant: done.
        let id = member_id(&page.body, "10007");
        let r = post(
            &app,
            &cookie,
            &format!("/panel/roles/{member}/assign"),
            &format!("csrf_token={csrf}&role={info}&member={id}&page=1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let info_page = get(&app, &admin, &format!("/panel/roles/{info}")).await;
        assert_eq!(listed(&info_page.body), ["10003", "10007"]);
        let sys_page = get(&app, &admin, &format!("/panel/roles/{sys}")).await;
        assert_eq!(listed(&sys_page.body), ["10002"]);
        // A role manager reads the audit log too.
        let audit = get(&app, &cookie, "/panel/audit?action=member.role").await;
        assert_eq!(audit.status, StatusCode::OK);
        assert!(audit.body.contains("member 10003") && audit.body.contains("10007"));
    }

    #[tokio::test]
    async fn role_names_are_escaped_and_both_languages_render() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", ADMIN_PW).await;
        let form = format!("csrf_token={csrf}&name=%3Cb%3Ex%3C%2Fb%3E&perm=stealth");
        let r = post(&app, &cookie, "/panel/roles/new", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = role_id(&app, &cookie, "<b>x</b>").await;
        for path in [
            "/panel/roles".to_string(),
            format!("/panel/roles/{id}"),
            "/panel/audit".to_string(),
        ] {
            let page = get(&app, &cookie, &path).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("&lt;b&gt;x&lt;/b&gt;"), "{path}");
            assert!(!page.body.contains("<b>x"), "{path}");
        }
        let zh = cookie.replace("lang=en", "lang=zh");
        let page = get(&app, &zh, "/panel/roles").await;
        for want in [
            "lang=\"zh-CN\"",
            "角色权限",
            "管理成员",
            "隐身状态",
            "新建自定义角色",
            "确认删除此角色",
        ] {
            assert!(page.body.contains(want), "{want}");
        }
        let member = role_id(&app, &cookie, "member").await;
        let page = get(&app, &zh, &format!("/panel/roles/{member}")).await;
        for want in ["修改角色", "将此角色分配给成员", "您可见的持有此角色的成员"]
        {
            assert!(page.body.contains(want), "{want}");
        }
        let page = get(&app, &cookie, "/panel/roles").await;
        assert!(page.body.contains("Manage members") && !page.body.contains("管理成员"));
        // Refusals read in the page's language.
        let admin_role = role_id(&app, &cookie, "enterprise-admin").await;
        let form = format!("csrf_token={csrf}&perm=stealth");
        let r = post(&app, &zh, &format!("/panel/roles/{admin_role}"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("操作未完成") && r.body.contains("与当前状态冲突"),
            "{}",
            r.body
        );
        let r = post(
            &app,
            &zh,
            &format!("/panel/roles/{id}/delete"),
            &format!("csrf_token={csrf}"),
        )
        .await;
        assert!(r.body.contains("请先勾选“确认删除此角色”"), "{}", r.body);
        let form = format!("csrf_token={csrf}&role={id}&account=99999");
        let r = post(&app, &zh, &format!("/panel/roles/{id}/assign"), &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("未找到。"), "{}", r.body);
    }
}
