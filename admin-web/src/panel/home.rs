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
    // Each step links to where it is done (the administrator's pages).
    let p = &ent.account.profile;
    let steps: [(&str, bool, Option<&str>); 5] = [
        (
            t.step_contact,
            p.contact_name.is_some() && (p.contact_phone.is_some() || p.contact_email.is_some()),
            Some("/panel/account"),
        ),
        (
            t.step_recovery,
            ent.account.recovery_email.is_some(),
            Some("/panel/account"),
        ),
        (t.step_orgs, st.orgs.len() > 1, Some("/panel/orgs")),
        (t.step_members, !st.members.is_empty(), Some("/panel/orgs")),
        // Domain verification comes with its plugin.
        (t.step_domain, ent.domain.is_some(), None),
    ];
    for (label, done, href) in steps {
        let (mark, state_text) = if done {
            ("☑", t.done)
        } else {
            ("☐", t.todo)
        };
        let label = match href {
            Some(h) => format!("<a href=\"{h}\">{}</a>", esc(label)),
            None => esc(label),
        };
        let _ = write!(b, "<li>{mark} {label} — {}</li>", esc(state_text));
    }
    b.push_str("</ul>");
    s.page(StatusCode::OK, t.home_title, "/panel/", &b)
}
