//! Who is calling a plugin's route, and what it may do: the host signs the request in,
//! computes the caller's grants of the plugin's permissions with their management scopes,
//! and puts a [`Caller`] into the request; handlers take it as an axum extractor.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::Lang;
use crate::directory::Directory;

/// The identity behind a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The enterprise administrator (super password): holds every permission, whole scope.
    Admin,
    /// A member, by id.
    Member(u64),
    /// A service account, by id (holds no plugin permission).
    Service(u64),
}

/// Where a permission may be exercised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole enterprise.
    All,
    /// These orgs and everything below them.
    Orgs(Vec<u64>),
}

impl Scope {
    /// Whether `org` lies within the scope.
    pub fn contains_org(&self, dir: &Directory, org: u64) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(roots) => roots.iter().any(|r| dir.within(org, *r)),
        }
    }

    /// Whether member `member` (by id) lies within the scope.
    pub fn contains_member(&self, dir: &Directory, member: u64) -> bool {
        dir.member(member)
            .is_some_and(|m| self.contains_org(dir, m.org))
    }
}

/// Renders a plugin's page inside the panel's layout (implemented by the host).
pub trait Chrome: Send + Sync {
    /// The whole page: the panel's header, menus (with the plugin's entries) and language,
    /// `title`, and `body` (HTML the plugin escaped).
    fn page(&self, status: StatusCode, title: &str, body: &str) -> Response;
}

/// The signed-in caller of a plugin route.
#[derive(Clone)]
pub struct Caller {
    /// The enterprise.
    pub enterprise: u64,
    /// Who.
    pub who: Who,
    /// The language of the panel (API callers: from `Accept-Language`).
    pub lang: Lang,
    /// The client's address as the server saw it (the TCP peer).
    pub client_ip: Option<IpAddr>,
    /// How the request came (for audit entries), e.g. `panel 127.0.0.1`.
    pub source: String,
    /// The enterprise's directory at the time of the request.
    pub directory: Arc<Directory>,
    grants: BTreeMap<String, Scope>,
    csrf: Option<String>,
    chrome: Option<Arc<dyn Chrome>>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("enterprise", &self.enterprise)
            .field("who", &self.who)
            .field("grants", &self.grants)
            .finish()
    }
}

/// How the host builds a [`Caller`].
#[derive(Clone)]
pub struct CallerParts {
    /// The enterprise.
    pub enterprise: u64,
    /// Who.
    pub who: Who,
    /// Language.
    pub lang: Lang,
    /// The TCP peer.
    pub client_ip: Option<IpAddr>,
    /// For audit entries.
    pub source: String,
    /// The directory now.
    pub directory: Arc<Directory>,
    /// The plugin's permissions (by name) the caller holds, with their scopes.
    pub grants: BTreeMap<String, Scope>,
    /// The panel form token (panel requests only).
    pub csrf: Option<String>,
    /// The panel's layout (panel requests only).
    pub chrome: Option<Arc<dyn Chrome>>,
}

impl Caller {
    /// Built by the host.
    pub fn new(p: CallerParts) -> Caller {
        Caller {
            enterprise: p.enterprise,
            who: p.who,
            lang: p.lang,
            client_ip: p.client_ip,
            source: p.source,
            directory: p.directory,
            grants: p.grants,
            csrf: p.csrf,
            chrome: p.chrome,
        }
    }

    /// The member's id, if a member is calling.
    pub fn member(&self) -> Option<u64> {
        match self.who {
            Who::Member(id) => Some(id),
            _ => None,
        }
    }

    /// Whether the caller holds the plugin's permission `name` (anywhere).
    pub fn holds(&self, name: &str) -> bool {
        self.grants.contains_key(name)
    }

    /// Where the caller may exercise permission `name`; `None` when it does not hold it.
    pub fn scope(&self, name: &str) -> Option<&Scope> {
        self.grants.get(name)
    }

    /// Whether the caller may exercise permission `name` on member `member` (the member lies
    /// within the caller's management scope).
    pub fn may(&self, name: &str, member: u64) -> bool {
        self.scope(name)
            .is_some_and(|s| s.contains_member(&self.directory, member))
    }

    /// A hidden form field with the panel's CSRF token: every form a plugin page posts must
    /// carry it (the host refuses a panel POST without it before the plugin sees it).
    pub fn csrf_input(&self) -> String {
        match &self.csrf {
            Some(t) => format!(r#"<input type="hidden" name="csrf_token" value="{t}">"#),
            None => String::new(),
        }
    }

    /// A page inside the panel's layout (200). Outside the panel (an API caller) the body
    /// alone.
    pub fn page(&self, title: &str, body: &str) -> Response {
        self.page_with(StatusCode::OK, title, body)
    }

    /// A page inside the panel's layout with a status.
    pub fn page_with(&self, status: StatusCode, title: &str, body: &str) -> Response {
        match &self.chrome {
            Some(c) => c.page(status, title, body),
            None => (status, body.to_string()).into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Caller, Response> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| (StatusCode::UNAUTHORIZED, "not signed in").into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{MemberInfo, OrgInfo};

    fn dir() -> Arc<Directory> {
        let org = |id, parent, path: &str| OrgInfo {
            id,
            parent,
            name: path.into(),
            path: path.into(),
        };
        let member = |id, org| MemberInfo {
            id,
            account: id.to_string(),
            name: String::new(),
            org,
            title: None,
            mobile: None,
            email: None,
            hidden: false,
            disabled: false,
            created_at: 0,
        };
        Arc::new(Directory::new(
            1,
            "A".into(),
            1,
            1,
            [org(1, None, ""), org(2, Some(1), "X"), org(3, Some(1), "Y")],
            [member(10, 2), member(11, 3)],
        ))
    }

    #[test]
    fn grants_are_scoped() {
        let c = Caller::new(CallerParts {
            enterprise: 1,
            who: Who::Member(10),
            lang: Lang::En,
            client_ip: None,
            source: "test".into(),
            directory: dir(),
            grants: [("view".to_string(), Scope::Orgs(vec![2]))].into(),
            csrf: Some("abc".into()),
            chrome: None,
        });
        assert!(c.holds("view") && !c.holds("set_rules"));
        assert!(c.may("view", 10));
        assert!(!c.may("view", 11));
        assert!(!c.may("set_rules", 10));
        assert!(!c.may("view", 99));
        assert_eq!(c.member(), Some(10));
        assert!(c.csrf_input().contains(r#"value="abc""#));
    }
}
