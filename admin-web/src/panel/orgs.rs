//! The org tree and its members (SPEC ORG-1, ORG-3, ORG-6, ORG-9, ORG-10).

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_domain::command::{Command, NewMember};
use orgdir_domain::model::{BuiltinRole, MemberId, OrgId, RoleId};
use serde::Deserialize;

use super::html::{esc, message};
use super::{Session, non_empty, posted, to_sign_in};
use crate::AppState;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/orgs", get(orgs))
        .route("/panel/orgs/new", post(create_org))
        .route("/panel/members/new", post(create_member))
        .route("/panel/members/{id}/flag", post(set_flag))
}

#[derive(Deserialize)]
struct OrgQuery {
    org: Option<u64>,
    saved: Option<u8>,
}

async fn orgs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<OrgQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.saved.map(|_| (true, s.tr().saved.to_string()));
    orgs_page(&s, q.org.map(OrgId), StatusCode::OK, note)
}

/// Renders the org page for `selected` (or the first visible org) with an optional message.
fn orgs_page(
    s: &Session,
    selected: Option<OrgId>,
    status: StatusCode,
    note: Option<(bool, String)>,
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
    let mut b = String::new();
    if let Some((ok, text)) = &note {
        let text = if *ok {
            text.clone()
        } else {
            format!("{} {text}", t.failed)
        };
        b.push_str(&message(*ok, &text));
    }
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
    b.push_str("<ul>");
    for top in tops {
        tree(s, &visible, top, sel, 0, &mut b);
    }
    b.push_str("</ul></nav><section>");
    let sel_name = st.orgs.get(&sel).map(|o| o.name.as_str()).unwrap_or("");
    let _ = write!(
        b,
        "<h2>{} <span id=\"selected-org\">{}</span></h2>",
        esc(t.members_of),
        esc(sel_name)
    );
    members_table(s, sel, &mut b);
    forms(s, sel, &mut b);
    b.push_str("</section></div>");
    s.page(status, t.orgs_title, &here, &b)
}

/// One org and its visible children, as nested lists.
fn tree(s: &Session, visible: &[OrgId], org: OrgId, sel: OrgId, depth: u32, b: &mut String) {
    let Some(o) = s.snap.state.orgs.get(&org) else {
        return;
    };
    let _ = write!(
        b,
        "<li><a href=\"/panel/orgs?org={}\"{}>{}</a>",
        o.id.0,
        if org == sel {
            " class=\"sel\" aria-current=\"page\""
        } else {
            ""
        },
        esc(&o.name)
    );
    let mut children: Vec<_> = s
        .snap
        .state
        .child_orgs(org)
        .filter(|c| visible.contains(&c.id))
        .collect();
    children.sort_by(|a, c| a.name.cmp(&c.name));
    if !children.is_empty() && depth < 64 {
        b.push_str("<ul>");
        for c in children {
            tree(s, visible, c.id, sel, depth + 1, b);
        }
        b.push_str("</ul>");
    }
    b.push_str("</li>");
}

fn members_table(s: &Session, org: OrgId, b: &mut String) {
    let t = s.tr();
    let st = &s.snap.state;
    let mut members: Vec<_> = st.members_in(org).filter(|m| s.sees_member(m.id)).collect();
    members.sort_by(|a, c| a.account.cmp(&c.account));
    if members.is_empty() {
        let _ = write!(b, "<p id=\"no-members\">{}</p>", esc(t.no_members));
        return;
    }
    let _ = write!(
        b,
        "<table id=\"members\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.name),
        esc(t.account),
        esc(t.email),
        esc(t.role),
        esc(t.status),
        esc(t.actions)
    );
    for m in members {
        let role = st.roles.get(&m.role).map(|r| r.name.as_str()).unwrap_or("");
        let _ = write!(
            b,
            "<tr data-account=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
            esc(&m.account),
            esc(&m.name),
            esc(&m.account),
            esc(m.email.as_deref().unwrap_or("")),
            esc(role)
        );
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
        b.push_str("</td><td>");
        if !s.may(orgdir_domain::role::Permission::ManageMembers, m.org) {
            b.push_str("</td></tr>");
            continue;
        }
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
                 <input type=\"hidden\" name=\"flag\" value=\"{flag}\">\
                 <input type=\"hidden\" name=\"value\" value=\"{value}\">\
                 <button type=\"submit\">{}</button></form> ",
                m.id.0,
                esc(&s.csrf),
                esc(label)
            );
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</tbody></table>");
}

fn forms(s: &Session, org: OrgId, b: &mut String) {
    let t = s.tr();
    let st = &s.snap.state;
    let csrf = esc(&s.csrf);
    if s.may(orgdir_domain::role::Permission::ManageOrgTree, org) {
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
    if !s.may(orgdir_domain::role::Permission::ManageMembers, org) {
        return;
    }
    let suggested = st
        .next_free_account()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let mut roles: Vec<_> = st
        .roles
        .values()
        .filter(|r| r.builtin != Some(BuiltinRole::EnterpriseAdmin))
        .collect();
    roles.sort_by_key(|r| (r.builtin.is_none(), r.id.0));
    let mut options = String::new();
    for r in roles {
        let _ = write!(
            options,
            "<option value=\"{}\"{}>{}</option>",
            r.id.0,
            if r.builtin == Some(BuiltinRole::Member) {
                " selected"
            } else {
                ""
            },
            esc(&r.name)
        );
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/members/new\" id=\"add-member\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"org\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"member-name\" required maxlength=\"200\"></label>\
         <label>{} ({}) <input name=\"account\" id=\"member-account\" placeholder=\"{}\"></label>\
         <label>{} <input type=\"email\" name=\"email\" id=\"member-email\"></label>\
         <label>{} <select name=\"role\" id=\"member-role\">{options}</select></label>\
         <label>{} ({}) <input type=\"password\" name=\"password\" id=\"member-password\" autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(t.add_member),
        org.0,
        esc(t.name),
        esc(t.account),
        esc(t.optional),
        esc(&suggested),
        esc(t.email),
        esc(t.role),
        esc(t.initial_password),
        esc(t.optional),
        esc(t.add)
    );
}

/// Shows a failed change on the org page (rule violations, permission refusals…).
fn failure(s: &Session, org: Option<OrgId>, e: ApiError) -> Response {
    let text = if e.status == StatusCode::NOT_FOUND {
        s.tr().not_found.to_string()
    } else {
        e.detail
    };
    orgs_page(s, org, e.status, Some((false, text)))
}

fn saved(org: OrgId) -> Response {
    Redirect::to(&format!("/panel/orgs?org={}&saved=1", org.0)).into_response()
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
    if !s.visible_orgs().contains(&parent) {
        return failure(&s, None, ApiError::not_found("parent org"));
    }
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            Command::CreateOrg {
                parent,
                name: f.name.trim().to_string(),
            },
        )
        .await;
    match out {
        Ok(o) => saved(o.created.map(OrgId).unwrap_or(parent)),
        Err(e) => failure(&s, Some(parent), e.into()),
    }
}

#[derive(Deserialize)]
struct NewMemberForm {
    org: u64,
    name: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    email: String,
    role: u64,
    #[serde(default)]
    password: String,
}

async fn create_member(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewMemberForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let org = OrgId(f.org);
    if !s.visible_orgs().contains(&org) {
        return failure(&s, None, ApiError::not_found("org"));
    }
    let password = if f.password.is_empty() {
        None
    } else {
        match state.dir.hash_new_password(&f.password).await {
            Ok(h) => Some(h),
            Err(e) => return failure(&s, Some(org), e.into()),
        }
    };
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            Command::AddMember(Box::new(NewMember {
                account: non_empty(&f.account),
                org: Some(org),
                name: f.name.trim().to_string(),
                email: non_empty(&f.email),
                role: Some(RoleId(f.role)),
                must_change_password: password.is_some(),
                password,
                ..NewMember::default()
            })),
        )
        .await;
    match out {
        Ok(_) => saved(org),
        Err(e) => failure(&s, Some(org), e.into()),
    }
}

#[derive(Deserialize)]
struct FlagForm {
    flag: String,
    value: bool,
}

async fn set_flag(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match posted::<FlagForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let member = MemberId(id);
    let org = s.snap.state.members.get(&member).map(|m| m.org);
    if !s.sees_member(member) {
        return failure(&s, None, ApiError::not_found("member"));
    }
    let cmd = match f.flag.as_str() {
        "hidden" => Command::SetMemberHidden {
            member,
            hidden: f.value,
        },
        "disabled" => Command::SetMemberDisabled {
            member,
            disabled: f.value,
        },
        _ => return failure(&s, org, ApiError::bad_request("unknown flag")),
    };
    let out = state
        .dir
        .execute(
            s.principal.enterprise,
            s.principal.actor(),
            &s.source(),
            cmd,
        )
        .await;
    match (out, org) {
        (Ok(_), Some(o)) => saved(o),
        (Ok(_), None) => Redirect::to("/panel/orgs").into_response(),
        (Err(e), _) => failure(&s, org, e.into()),
    }
}
