//! The org tree and member endpoints of `/api/v1` (SPEC ORG-1..8). Reads show what the
//! caller may see (hidden members and management scope, as over LDAP); writes are commands
//! through the directory's one write path, so permissions, scope and ORG-2 limits are
//! checked there, whatever the client.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use orgdir_domain::command::{Command, MemberPatch, NewMember};
use orgdir_domain::model::{Member, MemberId, Org, OrgId, RoleId};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Id, JsonBody, QueryParams};

/// An org as the API shows it.
#[derive(Debug, Serialize)]
pub struct OrgJson {
    id: u64,
    parent: Option<u64>,
    name: String,
    dn: String,
    /// Members directly in this org that the caller can see.
    members: usize,
}

/// A member as the API shows it.
#[derive(Debug, Serialize)]
pub struct MemberJson {
    id: u64,
    account: String,
    dn: String,
    org: u64,
    name: String,
    surname: String,
    given_name: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    title: Option<String>,
    employee_number: Option<String>,
    role: u64,
    scope: Vec<u64>,
    hidden: bool,
    disabled: bool,
    uid_number: u32,
    entry_uuid: String,
}

/// The audit source of an API request: who, and through which token.
pub(crate) fn source(caller: &Caller) -> String {
    match caller.credential {
        crate::auth::Credential::Token { id, .. } => {
            format!("api token {id} {}", caller.principal.dn)
        }
        crate::auth::Credential::Session => format!("api {}", caller.principal.dn),
        crate::auth::Credential::Local => "cli (local socket)".to_string(),
    }
}

/// Runs commands as the caller, in one transaction.
pub(crate) async fn run(
    state: &AppState,
    caller: &Caller,
    cmds: Vec<Command>,
) -> ApiResult<Vec<orgdir_domain::command::Outcome>> {
    Ok(state
        .dir
        .execute_batch(
            caller.principal.enterprise,
            caller.principal.actor(),
            &source(caller),
            cmds,
        )
        .await?)
}

/// The id a single create command produced, as `201 {"id": …}`.
fn created(outs: Vec<orgdir_domain::command::Outcome>) -> (StatusCode, Json<serde_json::Value>) {
    let id = outs.last().and_then(|o| o.created);
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

fn sees_org(caller: &Caller, org: OrgId) -> bool {
    let vis = caller.snap.visibility(&caller.viewer);
    caller
        .snap
        .org_entry(org)
        .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e))
}

fn sees_member(caller: &Caller, m: MemberId) -> bool {
    let vis = caller.snap.visibility(&caller.viewer);
    caller
        .snap
        .member_entry(m)
        .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e))
}

fn org_json(caller: &Caller, o: &Org, members: usize) -> OrgJson {
    let dn = caller
        .snap
        .org_entry(o.id)
        .and_then(|e| caller.snap.entry(e))
        .map(|e| e.dn.to_string())
        .unwrap_or_default();
    OrgJson {
        id: o.id.0,
        parent: o.parent.map(|p| p.0),
        name: o.name.clone(),
        dn,
        members,
    }
}

fn member_json(caller: &Caller, m: &Member) -> MemberJson {
    MemberJson {
        id: m.id.0,
        account: m.account.clone(),
        dn: caller
            .snap
            .member_entry(m.id)
            .and_then(|e| caller.snap.entry(e))
            .map(|e| e.dn.to_string())
            .unwrap_or_default(),
        org: m.org.0,
        name: m.name.clone(),
        surname: m.surname.clone(),
        given_name: m.given_name.clone(),
        mobile: m.mobile.clone(),
        email: m.email.clone(),
        title: m.title.clone(),
        employee_number: m.employee_number.clone(),
        role: m.role.0,
        scope: m.scope.iter().map(|o| o.0).collect(),
        hidden: m.hidden,
        disabled: m.disabled,
        uid_number: m.uid_number,
        entry_uuid: orgdir_directory::dit::uuid_string(&m.uuid),
    }
}

/// A member search (SPEC ORG-7), shared by the API and the panel: case-insensitive prefix
/// matching on the name, account, mobile and email; on each word of a Latin name too
/// ("wei" finds "Zhang Wei"), and on the name with its spaces taken out ("zhangw" finds it:
/// pinyin is often typed without them); names in Chinese script match anywhere ("伟" finds
/// "张伟"), since they have no word breaks to anchor a prefix on.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    text: String,
    cjk: bool,
}

impl Needle {
    /// The search for `q` (surrounding spaces ignored).
    pub(crate) fn new(q: &str) -> Needle {
        let text = q.trim().to_lowercase();
        let cjk = text.chars().any(is_cjk);
        Needle { text, cjk }
    }

    /// Whether nothing was asked (every member matches).
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether `m` matches.
    pub(crate) fn matches(&self, m: &Member) -> bool {
        let n = self.text.as_str();
        if n.is_empty() {
            return true;
        }
        let name = m.name.to_lowercase();
        if name.starts_with(n)
            || name.split_whitespace().any(|w| w.starts_with(n))
            || (!self.cjk && name.replace(' ', "").starts_with(&n.replace(' ', "")))
            || (self.cjk && name.contains(n))
        {
            return true;
        }
        [Some(&m.account), m.mobile.as_ref(), m.email.as_ref()]
            .into_iter()
            .flatten()
            .any(|v| v.to_lowercase().starts_with(n))
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// `GET /api/v1/orgs`: every org the caller can see, parents before children.
pub async fn list_orgs(caller: Caller) -> Json<Vec<OrgJson>> {
    let mut orgs: Vec<&Org> = caller
        .snap
        .state
        .orgs
        .values()
        .filter(|o| sees_org(&caller, o.id))
        .collect();
    orgs.sort_by_key(|o| (caller.snap.state.ancestors(o.id).len(), o.name.clone()));
    // Visible members per org, in one pass.
    let vis = caller.snap.visibility(&caller.viewer);
    let mut counts: std::collections::HashMap<OrgId, usize> = std::collections::HashMap::new();
    for m in caller.snap.state.members.values() {
        if caller
            .snap
            .member_entry(m.id)
            .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e))
        {
            *counts.entry(m.org).or_default() += 1;
        }
    }
    Json(
        orgs.into_iter()
            .map(|o| org_json(&caller, o, counts.get(&o.id).copied().unwrap_or(0)))
            .collect(),
    )
}

/// `POST /api/v1/orgs` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrgJson {
    parent: u64,
    name: String,
}

/// `POST /api/v1/orgs`.
pub async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewOrgJson>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if !sees_org(&caller, OrgId(body.parent)) {
        return Err(ApiError::not_found("parent org"));
    }
    let outs = run(
        &state,
        &caller,
        vec![Command::CreateOrg {
            parent: OrgId(body.parent),
            name: body.name,
        }],
    )
    .await?;
    Ok(created(outs))
}

/// `PATCH /api/v1/orgs/{id}` body: rename and/or move.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgPatchJson {
    name: Option<String>,
    parent: Option<u64>,
}

/// `PATCH /api/v1/orgs/{id}`.
pub async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    JsonBody(body): JsonBody<OrgPatchJson>,
) -> ApiResult<StatusCode> {
    let org = OrgId(id);
    if !sees_org(&caller, org) {
        return Err(ApiError::not_found("org"));
    }
    let mut cmds = Vec::new();
    if let Some(name) = body.name {
        cmds.push(Command::RenameOrg { org, name });
    }
    if let Some(parent) = body.parent {
        if !sees_org(&caller, OrgId(parent)) {
            return Err(ApiError::not_found("parent org"));
        }
        cmds.push(Command::MoveOrg {
            org,
            parent: OrgId(parent),
        });
    }
    if cmds.is_empty() {
        return Err(ApiError::bad_request(
            "nothing to change: give name and/or parent",
        ));
    }
    run(&state, &caller, cmds).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/orgs/{id}`.
pub async fn delete_org(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    if !sees_org(&caller, OrgId(id)) {
        return Err(ApiError::not_found("org"));
    }
    run(&state, &caller, vec![Command::DeleteOrg { org: OrgId(id) }]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/members` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberQuery {
    /// Prefix of the name, account, mobile or mail (case-insensitive, ORG-7).
    q: Option<String>,
    /// Only members directly in this org.
    org: Option<u64>,
    /// Page size (default 100, at most 1000).
    limit: Option<usize>,
    /// Skip this many.
    offset: Option<usize>,
}

/// `GET /api/v1/members`.
pub async fn list_members(
    caller: Caller,
    QueryParams(q): QueryParams<MemberQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(100).min(1000);
    let needle = q.q.as_deref().map(Needle::new);
    let matches = |m: &Member| needle.as_ref().is_none_or(|n| n.matches(m));
    let vis = caller.snap.visibility(&caller.viewer);
    let all: Vec<&Member> = caller
        .snap
        .state
        .members
        .values()
        .filter(|m| q.org.is_none_or(|o| m.org.0 == o))
        .filter(|m| matches(m))
        .filter(|m| {
            caller
                .snap
                .member_entry(m.id)
                .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e))
        })
        .collect();
    let total = all.len();
    let page: Vec<MemberJson> = all
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(limit)
        .map(|m| member_json(&caller, m))
        .collect();
    Ok(Json(serde_json::json!({ "total": total, "members": page })))
}

/// `GET /api/v1/members/{id}`.
pub async fn get_member(caller: Caller, Id(id): Id) -> ApiResult<Json<MemberJson>> {
    let m = caller
        .snap
        .state
        .members
        .get(&MemberId(id))
        .filter(|m| sees_member(&caller, m.id))
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok(Json(member_json(&caller, m)))
}

/// `POST /api/v1/members` body (ORG-3).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMemberJson {
    /// Account; the next free one of the enterprise's range when absent.
    account: Option<String>,
    org: u64,
    name: String,
    surname: Option<String>,
    given_name: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    title: Option<String>,
    employee_number: Option<String>,
    /// Role id (mandatory).
    role: u64,
    /// Up to three scope org ids (default: the root).
    #[serde(default)]
    scope: Vec<u64>,
    #[serde(default)]
    hidden: bool,
    /// Initial password (hashed with argon2id); the member must change it at first sign-in.
    password: Option<String>,
}

/// `POST /api/v1/members`.
pub async fn create_member(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewMemberJson>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if !sees_org(&caller, OrgId(b.org)) {
        return Err(ApiError::not_found("org"));
    }
    let password = match &b.password {
        Some(p) => Some(state.dir.hash_new_password(p).await?),
        None => None,
    };
    let outs = run(
        &state,
        &caller,
        vec![Command::AddMember(Box::new(NewMember {
            account: b.account,
            org: Some(OrgId(b.org)),
            name: b.name,
            surname: b.surname,
            given_name: b.given_name,
            mobile: b.mobile,
            email: b.email,
            title: b.title,
            employee_number: b.employee_number,
            role: Some(RoleId(b.role)),
            scope: b.scope.into_iter().map(OrgId).collect(),
            hidden: b.hidden,
            must_change_password: password.is_some(),
            password,
            ..NewMember::default()
        }))],
    )
    .await?;
    Ok(created(outs))
}

/// `PATCH /api/v1/members/{id}` body: any of these.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatchJson {
    name: Option<String>,
    surname: Option<String>,
    given_name: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    title: Option<String>,
    employee_number: Option<String>,
    scope: Option<Vec<u64>>,
    /// Move to this org.
    org: Option<u64>,
    /// Change the role.
    role: Option<u64>,
    /// Disable or enable (ORG-6).
    disabled: Option<bool>,
    /// Hide or unhide (ORG-9).
    hidden: Option<bool>,
}

/// `PATCH /api/v1/members/{id}`: all changes in one transaction.
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    JsonBody(b): JsonBody<MemberPatchJson>,
) -> ApiResult<StatusCode> {
    let member = MemberId(id);
    if !sees_member(&caller, member) {
        return Err(ApiError::not_found("member"));
    }
    // An empty string clears an optional field.
    let opt = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
    let patch = MemberPatch {
        name: b.name,
        surname: b.surname,
        given_name: opt(b.given_name),
        mobile: opt(b.mobile),
        email: opt(b.email),
        title: opt(b.title),
        employee_number: opt(b.employee_number),
        scope: b.scope.map(|s| s.into_iter().map(OrgId).collect()),
        login_shell: None,
        home_directory: None,
    };
    let mut cmds = Vec::new();
    if patch != MemberPatch::default() {
        cmds.push(Command::UpdateMember {
            member,
            patch: Box::new(patch),
        });
    }
    if let Some(org) = b.org {
        if !sees_org(&caller, OrgId(org)) {
            return Err(ApiError::not_found("org"));
        }
        cmds.push(Command::MoveMember {
            member,
            org: OrgId(org),
        });
    }
    if let Some(role) = b.role {
        cmds.push(Command::SetMemberRole {
            member,
            role: RoleId(role),
        });
    }
    if let Some(disabled) = b.disabled {
        cmds.push(Command::SetMemberDisabled { member, disabled });
    }
    if let Some(hidden) = b.hidden {
        cmds.push(Command::SetMemberHidden { member, hidden });
    }
    if cmds.is_empty() {
        return Err(ApiError::bad_request("nothing to change"));
    }
    run(&state, &caller, cmds).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/members/{id}` (ORG-4).
pub async fn delete_member(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    if !sees_member(&caller, MemberId(id)) {
        return Err(ApiError::not_found("member"));
    }
    run(
        &state,
        &caller,
        vec![Command::DeleteMember {
            member: MemberId(id),
        }],
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/members/{id}/reassign` body (ORG-5).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignJson {
    name: String,
    surname: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    title: Option<String>,
    /// Initial password of the new holder (must be changed at first sign-in).
    password: String,
}

/// `POST /api/v1/members/{id}/reassign`: give the account to another person.
pub async fn reassign_member(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    JsonBody(b): JsonBody<ReassignJson>,
) -> ApiResult<StatusCode> {
    if !sees_member(&caller, MemberId(id)) {
        return Err(ApiError::not_found("member"));
    }
    let hash = state.dir.hash_new_password(&b.password).await?;
    run(
        &state,
        &caller,
        vec![Command::ReassignMember {
            member: MemberId(id),
            name: b.name,
            surname: b.surname,
            mobile: b.mobile,
            email: b.email,
            title: b.title,
            password: Some(hash),
        }],
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/members/reset-passwords` body (ORG-8).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchResetJson {
    members: Vec<u64>,
    /// The new initial password of all of them (each must change it at first sign-in).
    password: String,
    /// The caller's own password (the super password for the enterprise administrator):
    /// a sensitive action is confirmed, not just clicked.
    confirm_password: String,
}

/// Most members one batch request may touch.
const MAX_BATCH: usize = 1000;

/// `POST /api/v1/members/reset-passwords`: one transaction for all, or none.
pub async fn reset_passwords(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<BatchResetJson>,
) -> ApiResult<StatusCode> {
    if b.members.is_empty() || b.members.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "give 1 to {MAX_BATCH} members"
        )));
    }
    if !state
        .dir
        .verify_password(&caller.principal, b.confirm_password.as_bytes())
        .await
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "confirmation_failed",
            "the confirmation password is wrong",
        ));
    }
    if let Some(m) = b
        .members
        .iter()
        .find(|m| !sees_member(&caller, MemberId(**m)))
    {
        return Err(ApiError::not_found(&format!("member {m}")));
    }
    let hash = state.dir.hash_new_password(&b.password).await?;
    let cmds = b
        .members
        .iter()
        .map(|m| Command::SetMemberPassword {
            member: MemberId(*m),
            hash: hash.clone(),
            must_change: true,
        })
        .collect();
    run(&state, &caller, cmds).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/members/move` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchMoveJson {
    members: Vec<u64>,
    org: u64,
}

/// `POST /api/v1/members/move`: move several members in one transaction (all or none).
pub async fn move_members(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<BatchMoveJson>,
) -> ApiResult<StatusCode> {
    if b.members.is_empty() || b.members.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "give 1 to {MAX_BATCH} members"
        )));
    }
    if !sees_org(&caller, OrgId(b.org)) {
        return Err(ApiError::not_found("org"));
    }
    if let Some(m) = b
        .members
        .iter()
        .find(|m| !sees_member(&caller, MemberId(**m)))
    {
        return Err(ApiError::not_found(&format!("member {m}")));
    }
    let cmds = b
        .members
        .iter()
        .map(|m| Command::MoveMember {
            member: MemberId(*m),
            org: OrgId(b.org),
        })
        .collect();
    run(&state, &caller, cmds).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::Needle;
    use orgdir_domain::model::{Member, MemberId, OrgId, RoleId};

    fn member(name: &str, account: &str, mobile: Option<&str>, email: Option<&str>) -> Member {
        Member {
            id: MemberId(1),
            account: account.into(),
            org: OrgId(1),
            name: name.into(),
            surname: String::new(),
            given_name: None,
            mobile: mobile.map(Into::into),
            email: email.map(Into::into),
            title: None,
            employee_number: None,
            role: RoleId(1),
            scope: Vec::new(),
            hidden: false,
            disabled: false,
            uid_number: 0,
            gid_number: 0,
            login_shell: String::new(),
            home_directory: String::new(),
            password: None,
            must_change_password: false,
            uuid: [0; 16],
            created_at: 0,
            modified_at: 0,
        }
    }

    #[test]
    fn search_matches_prefixes_words_pinyin_and_chinese() {
        let zhang = member(
            "Zhang Wei",
            "10001",
            Some("13800000001"),
            Some("zhang.wei@example.com"),
        );
        let li = member("李伟", "10007", None, None);
        let cases = [
            ("zhang", true, false),
            ("WEI", true, false),
            ("zhangw", true, false),
            ("zhang wei", true, false),
            ("hang", false, false),
            ("1000", true, true),
            ("10007", false, true),
            ("138", true, false),
            ("zhang.wei@", true, false),
            ("伟", false, true),
            ("李", false, true),
            ("  ", true, true),
        ];
        for (q, z, l) in cases {
            let n = Needle::new(q);
            assert_eq!((n.matches(&zhang), n.matches(&li)), (z, l), "{q:?}");
        }
    }
}
