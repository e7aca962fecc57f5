//! Members: `inetOrgPerson` + `posixAccount` entries named `uid=<account>` in an org — the
//! projection's member entry (`crate::dit`) read back into a member's fields.

use orgdir_domain::command::{Command, MemberPatch, NewMember};
use orgdir_domain::dn::Ava;
use orgdir_domain::model::{BuiltinRole, EnterpriseState, Member, MemberId, OrgId, RoleId};
use orgdir_domain::validate;
use orgdir_passwords::Scheme;

use crate::dit::role_key;
use crate::entry::EntryId;
use crate::schema::{self, AttrId, ids};
use crate::snapshot::{Snapshot, Viewer};

use super::view::{MEMBER_CLASSES, View, attr_of};
use super::{ClearPassword, ModOp, Modification, Plan, WriteCode, WriteError, refuse};

/// `pwdAccountLockedTime` as orgdir renders a disabled member (OpenLDAP ppolicy's "locked
/// by an administrator").
const LOCKED: &str = "000001010000Z";

/// The attributes a member entry holds (`userPassword` aside: it is never read back).
fn kept() -> [AttrId; 18] {
    [
        *ids::OBJECT_CLASS,
        *ids::UID,
        *ids::CN,
        *ids::SN,
        *ids::GIVEN_NAME,
        *ids::DISPLAY_NAME,
        *ids::MAIL,
        *ids::MOBILE,
        *ids::TITLE,
        *ids::EMPLOYEE_NUMBER,
        *ids::UID_NUMBER,
        *ids::GID_NUMBER,
        *ids::HOME_DIRECTORY,
        *ids::LOGIN_SHELL,
        *ids::GECOS,
        *ids::ORGDIR_ROLE,
        *ids::ORGDIR_ENTERPRISE,
        *ids::PWD_LOCKED,
    ]
}

/// What a member entry's attributes say about the member.
#[derive(Debug, PartialEq)]
struct Fields {
    name: String,
    surname: Option<String>,
    given_name: Option<String>,
    email: Option<String>,
    mobile: Option<String>,
    title: Option<String>,
    employee_number: Option<String>,
    uid_number: Option<u32>,
    gid_number: Option<u32>,
    login_shell: Option<String>,
    home_directory: Option<String>,
    role: Option<RoleId>,
    disabled: bool,
}

/// Reads and checks a member entry: only attributes a member keeps, one value each,
/// derived attributes (displayName, gecos, orgdirEnterpriseNumber) agreeing with what
/// orgdir derives when a request names them.
fn fields(state: &EnterpriseState, view: &View, account: &str) -> Result<Fields, WriteError> {
    view.only(&kept(), "members", MEMBER_CLASSES)?;
    let Some(name) = view.optional(*ids::CN)? else {
        return refuse(WriteCode::ObjectClassViolation, "cn: a member needs a name");
    };
    let derived = |id: AttrId, expected: &str, from: &str| -> Result<(), WriteError> {
        if view.touched(id)
            && let Some(v) = view.one(id)?
            && v.trim() != expected
        {
            return refuse(
                WriteCode::ConstraintViolation,
                format!(
                    "{}: orgdir derives it from {from} (it is {expected:?}); change {from} instead",
                    schema::attr(id).name
                ),
            );
        }
        Ok(())
    };
    derived(*ids::DISPLAY_NAME, &name, "cn")?;
    derived(
        *ids::GECOS,
        if name.is_ascii() { &name } else { account },
        "cn",
    )?;
    derived(
        *ids::ORGDIR_ENTERPRISE,
        &state.enterprise.number.to_string(),
        "the enterprise",
    )?;
    let number = |id: AttrId| -> Result<Option<u32>, WriteError> {
        match view.optional(id)? {
            None => Ok(None),
            Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
                WriteError::new(
                    WriteCode::InvalidAttributeSyntax,
                    format!("{}: {v:?} is not a number", schema::attr(id).name),
                )
            }),
        }
    };
    let disabled = match view.optional(*ids::PWD_LOCKED)? {
        None => false,
        Some(v) if v == LOCKED => true,
        Some(v) => {
            return refuse(
                WriteCode::ConstraintViolation,
                format!(
                    "pwdAccountLockedTime: {v:?}: orgdir only knows {LOCKED} (disabled by an administrator); delete the attribute to enable the member"
                ),
            );
        }
    };
    Ok(Fields {
        surname: view.optional(*ids::SN)?,
        given_name: view.optional(*ids::GIVEN_NAME)?,
        email: view.optional(*ids::MAIL)?,
        mobile: view.optional(*ids::MOBILE)?,
        title: view.optional(*ids::TITLE)?,
        employee_number: view.optional(*ids::EMPLOYEE_NUMBER)?,
        uid_number: number(*ids::UID_NUMBER)?,
        gid_number: number(*ids::GID_NUMBER)?,
        login_shell: view.optional(*ids::LOGIN_SHELL)?,
        home_directory: view.optional(*ids::HOME_DIRECTORY)?,
        role: match view.optional(*ids::ORGDIR_ROLE)? {
            Some(key) => Some(role_by_key(state, &key)?),
            None => None,
        },
        disabled,
        name,
    })
}

/// The role whose entry is `cn=<key>,cn=roles,…`.
fn role_by_key(state: &EnterpriseState, key: &str) -> Result<RoleId, WriteError> {
    if let Some(r) = state
        .roles
        .values()
        .find(|r| role_key(r).eq_ignore_ascii_case(key))
    {
        return Ok(r.id);
    }
    let mut keys: Vec<String> = state.roles.values().map(role_key).collect();
    keys.sort();
    refuse(
        WriteCode::ConstraintViolation,
        format!(
            "orgdirRole: no role {key:?} (the roles: {})",
            keys.join(", ")
        ),
    )
}

/// A `userPassword` value: a hash to store as it is, or clear text to hash.
enum Password {
    Hash(String),
    Clear(String),
}

/// Reads a `userPassword` value. A `{SCHEME}` hash orgdir can verify is stored as it is —
/// except for one's own password, which must come in clear text so that the password
/// policy sees it; anything else is clear text, hashed with argon2id.
fn password(text: &str, own: bool) -> Result<Password, WriteError> {
    match orgdir_passwords::scheme_of(text) {
        Ok(Scheme::Cleartext) => {
            let clear = text
                .get(..11)
                .filter(|t| t.eq_ignore_ascii_case("{CLEARTEXT}"))
                .and_then(|_| text.get(11..))
                .unwrap_or(text);
            Ok(Password::Clear(clear.to_string()))
        }
        Ok(_) if own => refuse(
            WriteCode::ConstraintViolation,
            "userPassword: set your own password in clear text, so that the password policy can check it",
        ),
        Ok(_) => Ok(Password::Hash(text.to_string())),
        Err(_) => {
            let tag = text.split_inclusive('}').next().unwrap_or_default();
            let known: Vec<String> = Scheme::ALL
                .iter()
                .filter(|s| **s != Scheme::Cleartext)
                .map(|s| s.to_string())
                .collect();
            refuse(
                WriteCode::ConstraintViolation,
                format!(
                    "userPassword: {tag} is not a scheme orgdir verifies; send the password in clear text (orgdir hashes it with argon2id) or as {}",
                    known.join(", ")
                ),
            )
        }
    }
}

/// Adds a member named `uid=<account>` to `org`.
pub(super) fn add(
    snap: &Snapshot,
    org: OrgId,
    rdn: &Ava,
    mut view: View,
) -> Result<Plan, WriteError> {
    view.named(rdn, *ids::UID, "a member", "account")?;
    let account = rdn.value.trim().to_string();
    let passwords = view.take(*ids::USER_PASSWORD);
    let state = &snap.state;
    let f = fields(state, &view, &account)?;
    let role = match f.role {
        Some(r) => r,
        None => match state.builtin_role(BuiltinRole::Member) {
            Some(r) => r.id,
            None => return refuse(WriteCode::Other, "the enterprise has no member role"),
        },
    };
    let (hash, clear) = match passwords.as_slice() {
        [] => (None, None),
        [p] => match password(p, false)? {
            Password::Hash(h) => (Some(h), None),
            Password::Clear(c) => (None, Some(ClearPassword::NewMember(c))),
        },
        _ => {
            return refuse(
                WriteCode::ConstraintViolation,
                "userPassword: orgdir keeps one password per member",
            );
        }
    };
    let new = NewMember {
        account: Some(account),
        org: Some(org),
        name: f.name,
        surname: f.surname,
        given_name: f.given_name,
        mobile: f.mobile,
        email: f.email,
        title: f.title,
        employee_number: f.employee_number,
        role: Some(role),
        disabled: f.disabled,
        password: hash,
        uid_number: f.uid_number,
        gid_number: f.gid_number,
        login_shell: f.login_shell,
        home_directory: f.home_directory,
        ..NewMember::default()
    };
    Ok(Plan {
        password: clear,
        ..Plan::of(vec![Command::AddMember(Box::new(new))])
    })
}

/// A `userPassword` modification: set the one password (replace, or add when there is
/// none). Removing it is refused: disabling is how a member stops signing in.
fn new_password(c: &Modification, m: &Member, own: bool) -> Result<Password, WriteError> {
    match (c.op, c.attr.values.as_slice()) {
        (ModOp::Add, [_]) if m.password.is_some() => refuse(
            WriteCode::AttributeOrValueExists,
            "userPassword: the member has a password and orgdir keeps one; replace it",
        ),
        (ModOp::Replace | ModOp::Add, [v]) => match std::str::from_utf8(v) {
            Ok(text) => password(text, own),
            Err(_) => refuse(
                WriteCode::InvalidAttributeSyntax,
                "userPassword: the password must be UTF-8 text",
            ),
        },
        (ModOp::Replace | ModOp::Add, [_, _, ..]) => refuse(
            WriteCode::ConstraintViolation,
            "userPassword: orgdir keeps one password per member",
        ),
        (ModOp::Increment, _) => refuse(
            WriteCode::UnwillingToPerform,
            "userPassword: modify-increment is not supported",
        ),
        _ => refuse(
            WriteCode::UnwillingToPerform,
            "userPassword: a member's password cannot be removed (disable the member with pwdAccountLockedTime: 000001010000Z); to change a password after checking the old one, use the Password Modify extended operation (ldappasswd)",
        ),
    }
}

/// Whether a plan does nothing but set a password.
fn password_only(plan: &Plan) -> bool {
    (plan.password.is_some() && plan.commands.is_empty())
        || matches!(
            plan.commands.as_slice(),
            [Command::SetMemberPassword { .. }]
        )
}

/// Modifies member `member` (entry `id`).
pub(super) fn modify(
    snap: &Snapshot,
    viewer: &Viewer,
    id: EntryId,
    member: MemberId,
    changes: &[Modification],
) -> Result<Plan, WriteError> {
    let state = &snap.state;
    let Some(m) = state.members.get(&member) else {
        return refuse(WriteCode::NoSuchObject, "");
    };
    let own = matches!(viewer, Viewer::Member { id, .. } if *id == member);
    // userPassword is never read back: its changes are not applied to the entry's values.
    let mut password = None;
    let mut others = Vec::with_capacity(changes.len());
    for c in changes {
        if attr_of(&c.attr.name)? == *ids::USER_PASSWORD {
            password = Some(new_password(c, m, own)?);
        } else {
            others.push(c);
        }
    }
    let before = View::current(snap, viewer, id);
    let view = before.modified(
        others,
        *ids::UID,
        "the account names the member (its RDN) and cannot be changed",
    )?;
    let old = fields(state, &before, &m.account)?;
    let new = fields(state, &view, &m.account)?;
    if (new.uid_number, new.gid_number) != (old.uid_number, old.gid_number) {
        return refuse(
            WriteCode::ConstraintViolation,
            "uidNumber, gidNumber: set when the member is created; they cannot be changed",
        );
    }
    let required = |v: Option<String>, code: WriteCode, why: &str| match v {
        Some(v) => Ok(v),
        None => refuse(code, why),
    };
    let login_shell = required(
        new.login_shell,
        WriteCode::UnwillingToPerform,
        "loginShell: a member always has one; replace it instead",
    )?;
    let home_directory = required(
        new.home_directory,
        WriteCode::ObjectClassViolation,
        "homeDirectory: required by posixAccount",
    )?;
    let Some(role) = new.role else {
        return refuse(
            WriteCode::UnwillingToPerform,
            "orgdirRole: a member always has a role; replace it instead",
        );
    };
    // An absent surname is derived from the name, as when a member is added without one.
    let surname = new
        .surname
        .unwrap_or_else(|| validate::derive_surname(&new.name));
    let changed = |old: &Option<String>, new: Option<String>| (*old != new).then_some(new);
    let patch = MemberPatch {
        surname: (old.surname.as_ref() != Some(&surname)).then_some(surname),
        given_name: changed(&old.given_name, new.given_name),
        mobile: changed(&old.mobile, new.mobile),
        email: changed(&old.email, new.email),
        title: changed(&old.title, new.title),
        employee_number: changed(&old.employee_number, new.employee_number),
        scope: None,
        login_shell: (old.login_shell.as_ref() != Some(&login_shell)).then_some(login_shell),
        home_directory: (old.home_directory.as_ref() != Some(&home_directory))
            .then_some(home_directory),
        name: (old.name != new.name).then_some(new.name),
    };
    let mut commands = Vec::new();
    if patch != MemberPatch::default() {
        commands.push(Command::UpdateMember {
            member,
            patch: Box::new(patch),
        });
    }
    if old.role != Some(role) {
        commands.push(Command::SetMemberRole { member, role });
    }
    if old.disabled != new.disabled {
        commands.push(Command::SetMemberDisabled {
            member,
            disabled: new.disabled,
        });
    }
    let mut plan = Plan::or_unchanged(
        commands,
        Command::UpdateMember {
            member,
            patch: Box::default(),
        },
    );
    match password {
        Some(Password::Hash(hash)) => plan.commands.push(Command::SetMemberPassword {
            member,
            hash,
            must_change: false,
        }),
        Some(Password::Clear(clear)) => plan.password = Some(ClearPassword::Member(member, clear)),
        None => {}
    }
    if password_only(&plan) {
        // A member may change its own password without any other right.
        plan.guard = None;
    }
    Ok(plan)
}
