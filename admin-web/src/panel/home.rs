//! The home page (SPEC ENT-6): the enterprise's facts and the first-steps checklist.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::html::esc;
use super::{Session, date, to_sign_in};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/panel/", get(home))
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let t = s.tr();
    let st = &s.snap.state;
    let ent = &st.enterprise;
    let members = st.members.keys().filter(|m| s.sees_member(**m)).count();
    let mut b = String::from("<dl>");
    let expiry = ent.expires_at.map(date);
    let rows: [(&str, String); 7] = [
        (t.enterprise_number, ent.number.to_string()),
        (t.short_name, ent.short_name.clone()),
        (t.naming_context, ent.naming_context.clone()),
        (t.sms_balance, "0".to_string()),
        (
            t.verified_domain,
            ent.domain
                .clone()
                .unwrap_or_else(|| t.not_verified.to_string()),
        ),
        (t.expiry, expiry.unwrap_or_else(|| t.none.to_string())),
        (t.members_seats, format!("{members} / {}", ent.seats)),
    ];
    for (k, v) in rows {
        let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    b.push_str("</dl>");
    let _ = write!(b, "<h2>{}</h2><ul id=\"first-steps\">", esc(t.first_steps));
    let steps: [(&str, Option<bool>); 4] = [
        (t.step_contact, None),
        (t.step_orgs, Some(st.orgs.len() > 1)),
        (t.step_members, Some(!st.members.is_empty())),
        (t.step_domain, Some(ent.domain.is_some())),
    ];
    for (label, done) in steps {
        let state_text = match done {
            None => t.step_contact_na,
            Some(true) => t.done,
            Some(false) => t.todo,
        };
        let mark = if done == Some(true) { "☑" } else { "☐" };
        let _ = write!(b, "<li>{mark} {} — {}</li>", esc(label), esc(state_text));
    }
    b.push_str("</ul>");
    s.page(StatusCode::OK, t.home_title, "/panel/", &b)
}
