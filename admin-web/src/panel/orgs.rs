//! The org tree and its members (SPEC ORG-1..3, ORG-10): an expandable tree (`<details>`,
//! no script), the selected org's members (the table of `members.rs`, with multi-select),
//! add / rename / move / delete org, add member.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_domain::command::{Command, NewMember};
use orgdir_domain::model::{OrgId, RoleId};
use orgdir_domain::role::Permission;
use serde::Deserialize;

use super::html::{esc, message};
use super::i18n::Lang;
use super::members;
use super::{Session, non_empty, posted, to_sign_in};
use crate::AppState;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/orgs", get(orgs))
        .route("/panel/orgs/new", post(create_org))
        .route("/panel/orgs/{id}/rename", post(rename_org))
        .route("/panel/orgs/{id}/move", post(move_org))
        .route("/panel/orgs/{id}/delete", post(delete_org))
        .route("/panel/members/new", post(create_member))
}

/// This module's strings.
struct Text {
    edit_org: &'static str,
    rename: &'static str,
    move_under: &'static str,
    move_org: &'static str,
    delete_org: &'static str,
    delete_hint: &'static str,
    confirm: &'static str,
    must_confirm: &'static str,
    org_deleted: &'static str,
    mobile: &'static str,
    title: &'static str,
    scope: &'static str,
    scope_hint: &'static str,
    limits: &'static str,
}

static EN: Text = Text {
    edit_org: "This org",
    rename: "Rename",
    move_under: "Move under",
    move_org: "Move",
    delete_org: "Delete this org",
    delete_hint: "Only an empty org can be deleted: move or delete its members and child orgs first.",
    confirm: "Yes, I am sure",
    must_confirm: "Tick the confirmation box first.",
    org_deleted: "Org deleted.",
    mobile: "Mobile",
    title: "Title",
    scope: "Management scope",
    scope_hint: "up to 3 orgs; none = the whole enterprise",
    limits: "Limits",
};

static ZH: Text = Text {
    edit_org: "当前部门",
    rename: "重命名",
    move_under: "移动到",
    move_org: "移动",
    delete_org: "删除此部门",
    delete_hint: "只能删除空部门：请先移走或删除其成员和下级部门。",
    confirm: "我确认",
    must_confirm: "请先勾选确认框。",
    org_deleted: "部门已删除。",
    mobile: "手机",
    title: "职务",
    scope: "管理范围",
    scope_hint: "最多 3 个部门；不选表示整个企业",
    limits: "限制",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

#[derive(Deserialize)]
struct OrgQuery {
    org: Option<u64>,
    saved: Option<String>,
}

async fn orgs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.saved.as_deref().map(|m| match m {
        "org-deleted" => message(true, text(s.lang).org_deleted),
        m => members::saved_message(&s, m),
    });
    orgs_page(&s, q.org.map(OrgId), StatusCode::OK, note)
}

/// Renders the org page for `selected` (or the first visible org) with an optional message.
fn orgs_page(
    s: &Session,
    selected: Option<OrgId>,
    status: StatusCode,
    note: Option<String>,
) -> Response {
    let t = s.tr();
    let st = &s.snap.state;
    let visible = s.visible_orgs();
    let selected = selected
        .filter(|o| visible.contains(o))
        .or_else(|| visible.first().copied());
    let here = match selected {
        Some(o) => format!("/panel/orgs?org={}", o.0),
        None => "/panel/orgs".to_string(),
    };
    let mut b = note.unwrap_or_default();
    let Some(sel) = selected else {
        b.push_str(&message(false, t.no_org));
        return s.page(status, t.orgs_title, &here, &b);
    };
    // The tree: visible orgs whose parent is not visible are the tops.
    let _ = write!(
        b,
        "<div class=\"cols\"><nav class=\"tree\" id=\"org-tree\"><h2>{}</h2>",
        esc(t.org_tree)
    );
    let tops: Vec<OrgId> = visible
        .iter()
        .copied()
        .filter(|o| {
            st.orgs
                .get(o)
                .and_then(|x| x.parent)
                .is_none_or(|p| !visible.contains(&p))
        })
        .collect();
    // The selected org and its ancestors start expanded.
    let mut open = Vec::new();
    let mut cur = Some(sel);
    while let Some(o) = cur.and_then(|o| st.orgs.get(&o)) {
        open.push(o.id);
        cur = o.parent;
        if open.len() > 64 {
            break;
        }
    }
    b.push_str("<ul>");
    for top in tops {
        tree(s, &open, top, sel, 0, &mut b);
    }
    b.push_str("</ul></nav><section>");
    let sel_name = st.orgs.get(&sel).map(|o| o.name.as_str()).unwrap_or("");
    let _ = write!(
        b,
        "<h2>{} <span id=\"selected-org\">{}</span></h2>",
        esc(t.members_of),
        esc(sel_name)
    );
    b.push_str(&super::bulk::export_link(s, sel));
    let mut members: Vec<_> = st.members_in(sel).filter(|m| s.sees_member(m.id)).collect();
    members.sort_by(|a, c| a.account.cmp(&c.account));
    if members.is_empty() {
        let _ = write!(b, "<p id=\"no-members\">{}</p>", esc(t.no_members));
    } else {
        members::table(s, &members, &here, &mut b);
        members::batch_form(s, &here, &mut b);
    }
    forms(s, sel, &mut b);
    org_forms(s, sel, &mut b);
    b.push_str("</section></div>");
    s.page(status, t.orgs_title, &here, &b)
}

/// One org and its visible children, as nested lists; an org with children is a
/// `<details>` (expandable without script), open when it is on the selected org's path.
fn tree(s: &Session, open: &[OrgId], org: OrgId, sel: OrgId, depth: u32, b: &mut String) {
    let Some(o) = s.snap.state.orgs.get(&org) else {
        return;
    };
    let mut children: Vec<_> = s
        .snap
        .state
        .child_orgs(org)
        .filter(|c| s.sees_org(c.id))
        .collect();
    children.sort_by(|a, c| a.name.cmp(&c.name));
    let link = format!(
        "<a href=\"/panel/orgs?org={}\"{}>{}</a>",
        o.id.0,
        if org == sel {
            " class=\"sel\" aria-current=\"page\""
        } else {
            ""
        },
        esc(&o.name)
    );
    if children.is_empty() || depth >= 64 {
        let _ = write!(b, "<li>{link}</li>");
        return;
    }
    let _ = write!(
        b,
        "<li><details{}><summary>{link}</summary><ul>",
        if depth == 0 || open.contains(&org) {
            " open"
        } else {
            ""
        }
    );
    for c in children {
        tree(s, open, c.id, sel, depth + 1, b);
    }
    b.push_str("</ul></details></li>");
}

fn forms(s: &Session, org: OrgId, b: &mut String) {
    let t = s.tr();
    let x = text(s.lang);
    let st = &s.snap.state;
    let csrf = esc(&s.csrf);
    if s.may(Permission::ManageOrgTree, org) {
        let _ = write!(
            b,
            "<form method=\"post\" action=\"/panel/orgs/new\" id=\"add-org\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"parent\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"org-name\" required maxlength=\"200\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
            esc(t.add_child_org),
            org.0,
            esc(t.org_name),
            esc(t.add)
        );
    }
    if !s.may(Permission::ManageMembers, org) {
        return;
    }
    let suggested = st
        .next_free_account()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let options = members::role_options(s, None);
    let mut scope_select = String::from("<option value=\"\">—</option>");
    for o in s.visible_orgs() {
        let _ = write!(
            scope_select,
            "<option value=\"{}\">{}</option>",
            o.0,
            esc(&members::org_path(s, o))
        );
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/new\" id=\"add-member\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"org\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"member-name\" required maxlength=\"200\"></label>\
         <label>{} ({}) <input name=\"account\" id=\"member-account\" placeholder=\"{}\"></label>\
         <label>{} <input name=\"mobile\" id=\"member-mobile\"></label>\
         <label>{} <input type=\"email\" name=\"email\" id=\"member-email\"></label>\
         <label>{} <input name=\"title\" id=\"member-title\"></label>\
         <label>{} <select name=\"role\" id=\"member-role\" required>{options}</select></label>\
         <p>{} <small>({})</small></p>\
         <label><select name=\"scope0\" id=\"member-scope0\">{scope_select}</select></label>\
         <label><select name=\"scope1\" id=\"member-scope1\">{scope_select}</select></label>\
         <label><select name=\"scope2\" id=\"member-scope2\">{scope_select}</select></label>\
         <label>{} ({}) <input type=\"password\" name=\"password\" id=\"member-password\" autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(t.add_member),
        org.0,
        esc(t.name),
        esc(t.account),
        esc(t.optional),
        esc(&suggested),
        esc(x.mobile),
        esc(t.email),
        esc(x.title),
        esc(t.role),
        esc(x.scope),
        esc(x.scope_hint),
        esc(t.initial_password),
        esc(t.optional),
        esc(t.add)
    );
}

/// Rename, move and delete forms for the selected org (ORG-1), for callers who may manage
/// the tree there. The root org is the enterprise itself: it is not offered.
fn org_forms(s: &Session, org: OrgId, b: &mut String) {
    let st = &s.snap.state;
    let Some(o) = st.orgs.get(&org) else {
        return;
    };
    if o.parent.is_none() || !s.may(Permission::ManageOrgTree, org) {
        return;
    }
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let id = org.0;
    // Targets: orgs the caller may manage, outside the org's own subtree.
    let mut targets = String::new();
    for t in s.visible_orgs() {
        if st.org_within(t, org) || !s.may(Permission::ManageOrgTree, t) {
            continue;
        }
        let _ = write!(
            targets,
            "<option value=\"{}\"{}>{}</option>",
            t.0,
            if Some(t) == o.parent { " selected" } else { "" },
            esc(&members::org_path(s, t))
        );
    }
    let _ = write!(
        b,
        "<fieldset id=\"org-edit\"><legend>{}</legend>\
         <form method=\"post\" action=\"/panel/orgs/{id}/rename\" id=\"rename-org\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input name=\"name\" id=\"rename-name\" required maxlength=\"200\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>\
         <form method=\"post\" action=\"/panel/orgs/{id}/move\" id=\"move-org\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <select name=\"parent\" id=\"move-parent\">{targets}</select></label>\
         <button type=\"submit\">{}</button></form>\
         <form method=\"post\" action=\"/panel/orgs/{id}/delete\" id=\"delete-org\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <p>{}</p>\
         <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" id=\"delete-org-confirm\"> {}</label>\
         <button type=\"submit\" class=\"danger\">{}</button></form></fieldset>",
        esc(x.edit_org),
        esc(s.tr().org_name),
        esc(&o.name),
        esc(x.rename),
        esc(x.move_under),
        esc(x.move_org),
        esc(x.delete_hint),
        esc(x.confirm),
        esc(x.delete_org),
    );
    let l = &st.enterprise.limits;
    let _ = write!(
        b,
        "<p class=\"limits\"><small>{}: max_root_orgs {}, max_members_per_org {}, max_org_depth {}, seats {}</small></p>",
        esc(x.limits),
        l.max_root_orgs,
        l.max_members_per_org,
        l.max_org_depth,
        st.enterprise.seats
    );
}

/// Shows a failed change on the org page (rule violations, permission refusals…).
fn failure(s: &Session, org: Option<OrgId>, e: ApiError) -> Response {
    let status = e.status;
    let note = message(false, &format!("{} {}", s.tr().failed, s.refusal(e)));
    orgs_page(s, org, status, Some(note))
}

fn saved(org: OrgId) -> Response {
    Redirect::to(&format!("/panel/orgs?org={}&saved=1", org.0)).into_response()
}

/// Runs one command as the caller; success shows `then`, a refusal the page of `org`.
async fn run(state: &AppState, s: &Session, org: OrgId, cmd: Command, then: OrgId) -> Response {
    match s.exec(&state.dir, cmd).await {
        Ok(_) => saved(then),
        Err(e) => failure(s, Some(org), e),
    }
}

#[derive(Deserialize)]
struct NewOrgForm {
    parent: u64,
    name: String,
}

async fn create_org(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewOrgForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let parent = OrgId(f.parent);
    if !s.sees_org(parent) {
        return failure(&s, None, ApiError::not_found("parent org"));
    }
    let out = s
        .exec(
            &state.dir,
            Command::CreateOrg {
                parent,
                name: f.name.trim().to_string(),
            },
        )
        .await;
    match out {
        Ok(o) => saved(o.created.map(OrgId).unwrap_or(parent)),
        Err(e) => failure(&s, Some(parent), e),
    }
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename_org(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<RenameForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = OrgId(id);
    if !s.sees_org(org) {
        return failure(&s, None, ApiError::not_found("org"));
    }
    let name = f.name.trim().to_string();
    run(&state, &s, org, Command::RenameOrg { org, name }, org).await
}

#[derive(Deserialize)]
struct MoveForm {
    parent: u64,
}

async fn move_org(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<MoveForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let (org, parent) = (OrgId(id), OrgId(f.parent));
    if !s.sees_org(org) || !s.sees_org(parent) {
        return failure(&s, None, ApiError::not_found("org"));
    }
    run(&state, &s, org, Command::MoveOrg { org, parent }, org).await
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

async fn delete_org(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<DeleteForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = OrgId(id);
    let Some(parent) = s
        .snap
        .state
        .orgs
        .get(&org)
        .filter(|_| s.sees_org(org))
        .map(|o| o.parent)
    else {
        return failure(&s, None, ApiError::not_found("org"));
    };
    if f.confirm != "yes" {
        let note = message(false, text(s.lang).must_confirm);
        return orgs_page(&s, Some(org), StatusCode::BAD_REQUEST, Some(note));
    }
    match s.exec(&state.dir, Command::DeleteOrg { org }).await {
        Ok(_) => Redirect::to(&format!(
            "/panel/orgs?org={}&saved=org-deleted",
            parent.map(|p| p.0).unwrap_or_default()
        ))
        .into_response(),
        Err(e) => failure(&s, Some(org), e),
    }
}

#[derive(Deserialize)]
struct NewMemberForm {
    org: u64,
    name: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
    role: u64,
    #[serde(default)]
    scope0: String,
    #[serde(default)]
    scope1: String,
    #[serde(default)]
    scope2: String,
    #[serde(default)]
    password: String,
}

async fn create_member(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewMemberForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = OrgId(f.org);
    if !s.sees_org(org) {
        return failure(&s, None, ApiError::not_found("org"));
    }
    let Some(scope) = members::scope_of_form(&s, [&f.scope0, &f.scope1, &f.scope2]) else {
        return failure(&s, Some(org), ApiError::not_found("org"));
    };
    let password = if f.password.is_empty() {
        None
    } else {
        match state.dir.hash_new_password(&f.password).await {
            Ok(h) => Some(h),
            Err(e) => return failure(&s, Some(org), e.into()),
        }
    };
    let out = s
        .exec(
            &state.dir,
            Command::AddMember(Box::new(NewMember {
                account: non_empty(&f.account),
                org: Some(org),
                name: f.name.trim().to_string(),
                mobile: non_empty(&f.mobile),
                email: non_empty(&f.email),
                title: non_empty(&f.title),
                role: Some(RoleId(f.role)),
                scope,
                must_change_password: password.is_some(),
                password,
                ..NewMember::default()
            })),
        )
        .await;
    match out {
        Ok(_) => saved(org),
        Err(e) => failure(&s, Some(org), e),
    }
}
