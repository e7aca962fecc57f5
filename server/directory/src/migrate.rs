//! Migration from and to other directory servers: an OpenLDAP / 389-ds style LDIF export
//! becomes one orgdir enterprise, and an enterprise can be exported back to LDIF.
//!
//! Mapping: the top entry (`dc=`/`o=`/`ou=`) is the enterprise's naming context; nested `ou`
//! entries holding people are the org tree; inetOrgPerson / posixAccount / person entries
//! are members (their `{SSHA}`, `{CRYPT}`, `{ARGON2}`… hashes kept and accepted at bind);
//! groupOfNames / groupOfUniqueNames / posixGroup entries are groups; simpleSecurityObject /
//! applicationProcess / organizationalRole entries are service accounts. `ou` entries that
//! hold only groups or service accounts become the enterprise's containers, so `ou=groups`
//! keeps its DN. Every entry is either mapped whole or listed with the reason; the
//! enterprise is stored in one transaction, so nothing is half-imported.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use orgdir_domain::command::{Command, Ctx, NewGroup, NewMember, NewService, apply};
use orgdir_domain::dn::Dn;
use orgdir_domain::limits::Limits;
use orgdir_domain::model::*;

use crate::entry::EntryKind;
use crate::ldif::{self, Record};
use crate::schema;
use crate::service::{DirError, Directory};
use crate::snapshot::Snapshot;

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The new enterprise's number.
    pub number: u64,
    /// Short name (default: the top entry's `o`, else its RDN value).
    pub short_name: Option<String>,
    /// Seats (default: the larger of the configured default and the member count).
    pub seats: Option<u32>,
    /// Default seats when none is given.
    pub default_seats: u32,
    /// Rule limits.
    pub limits: Limits,
    /// Super password in clear, hashed on import (none: set it later with `orgdir passwd`).
    pub super_password: Option<String>,
    /// Import the entries that map and list the others, instead of refusing the whole file.
    pub skip_unmappable: bool,
    /// Check and report only; store nothing.
    pub dry_run: bool,
}

/// What an import did (or would do).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// The naming context of the new enterprise.
    pub naming_context: String,
    /// Orgs created (the root included).
    pub orgs: usize,
    /// Members created.
    pub members: usize,
    /// Groups created.
    pub groups: usize,
    /// Service accounts created.
    pub services: usize,
    /// Entries not imported: (DN, reason).
    pub skipped: Vec<(String, String)>,
    /// Things imported with a change the administrator should know about.
    pub warnings: Vec<String>,
    /// Attributes present in the file that orgdir does not keep, with how many entries had
    /// them.
    pub dropped_attributes: BTreeMap<String, usize>,
    /// Whether the enterprise was stored.
    pub stored: bool,
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not LDIF.
    #[error(transparent)]
    Ldif(#[from] ldif::LdifError),
    /// The file's structure cannot become an enterprise.
    #[error("{0}")]
    Structure(String),
    /// Some entries cannot be mapped and `skip_unmappable` is off.
    #[error("{} entries cannot be imported (nothing was stored; fix them or pass --skip-unmappable)", .0.skipped.len())]
    Unmappable(Box<ImportReport>),
    /// The directory refused to store it.
    #[error(transparent)]
    Directory(#[from] DirError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Ou,
    Member,
    Group,
    Service,
    Other,
}

fn classify(r: &Record) -> Kind {
    let any = |classes: &[&str]| classes.iter().any(|c| r.has_class(c));
    if any(&[
        "inetOrgPerson",
        "posixAccount",
        "person",
        "organizationalPerson",
        "account",
        "shadowAccount",
    ]) {
        Kind::Member
    } else if any(&[
        "groupOfNames",
        "groupOfUniqueNames",
        "posixGroup",
        "groupOfMembers",
    ]) {
        Kind::Group
    } else if any(&[
        "simpleSecurityObject",
        "applicationProcess",
        "organizationalRole",
    ]) {
        Kind::Service
    } else if any(&["organizationalUnit"]) {
        Kind::Ou
    } else {
        Kind::Other
    }
}

/// Operational attributes a server may export; orgdir derives its own.
const OPERATIONAL: &[&str] = &[
    "entryuuid",
    "createtimestamp",
    "modifytimestamp",
    "creatorsname",
    "modifiersname",
    "structuralobjectclass",
    "entrycsn",
    "entrydn",
    "hassubordinates",
    "subschemasubentry",
];
/// Attributes of a member entry that orgdir keeps (or derives), lower-case.
const MEMBER_KEPT: &[&str] = &[
    "objectclass",
    "uid",
    "cn",
    "sn",
    "givenname",
    "displayname",
    "mail",
    "mobile",
    "title",
    "employeenumber",
    "uidnumber",
    "gidnumber",
    "homedirectory",
    "loginshell",
    "userpassword",
    "memberof",
    "gecos",
    "pwdaccountlockedtime",
];
/// Attributes of a group entry that orgdir keeps, lower-case.
const GROUP_KEPT: &[&str] = &[
    "objectclass",
    "cn",
    "description",
    "gidnumber",
    "member",
    "uniquemember",
    "memberuid",
    "owner",
];

struct Parsed {
    rec: Record,
    dn: Dn,
    ndn: String,
    parent: String,
    kind: Kind,
}

/// Parses LDIF bytes and imports them as a new enterprise.
pub async fn import_ldif(
    dir: &Directory,
    input: &[u8],
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let records = ldif::parse(input)?;
    import_records(dir, records, opts).await
}

/// Imports parsed records as a new enterprise.
pub async fn import_records(
    dir: &Directory,
    records: Vec<Record>,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut entries: Vec<Parsed> = Vec::with_capacity(records.len());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for rec in records {
        let dn = match Dn::parse(&rec.dn) {
            Ok(d) if !d.is_root() => d,
            Ok(_) => {
                report
                    .skipped
                    .push((rec.dn.clone(), "the empty DN (RootDSE) is not data".into()));
                continue;
            }
            Err(e) => {
                report.skipped.push((rec.dn.clone(), e.to_string()));
                continue;
            }
        };
        let ndn = dn.normalized();
        if !seen.insert(ndn.clone()) {
            report.skipped.push((
                rec.dn.clone(),
                format!("duplicate entry (line {})", rec.line),
            ));
            continue;
        }
        let parent = dn.parent().normalized();
        let kind = classify(&rec);
        entries.push(Parsed {
            rec,
            dn,
            ndn,
            parent,
            kind,
        });
    }
    // The top entry: the one whose parent is not in the file. There must be exactly one.
    let tops: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !seen.contains(&e.parent))
        .map(|(i, _)| i)
        .collect();
    let top = match tops.as_slice() {
        [one] => *one,
        [] => return Err(ImportError::Structure("the file has no entries".into())),
        many => {
            let names: Vec<String> = many
                .iter()
                .take(5)
                .filter_map(|i| entries.get(*i).map(|e| e.rec.dn.clone()))
                .collect();
            return Err(ImportError::Structure(format!(
                "the file has {} top entries ({}{}); an enterprise needs one naming context entry above all others",
                many.len(),
                names.join("; "),
                if many.len() > 5 { "; …" } else { "" }
            )));
        }
    };
    if let Some(t) = entries.get_mut(top) {
        t.kind = Kind::Root;
    }
    let index: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.ndn.clone(), i))
        .collect();
    let base_ndn = entries.get(top).map(|e| e.ndn.clone()).unwrap_or_default();

    // Which ou entries hold people (→ orgs) and which only groups/services (→ containers).
    let mut holds_members: BTreeSet<String> = BTreeSet::new();
    for e in entries.iter().filter(|e| e.kind == Kind::Member) {
        let mut cur = e.dn.parent();
        while !cur.is_root() {
            let n = cur.normalized();
            if !holds_members.insert(n.clone()) || n == base_ndn {
                break;
            }
            cur = cur.parent();
        }
    }
    let container_of = |kind: Kind| -> Option<String> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in entries.iter().filter(|e| e.kind == kind) {
            *counts.entry(e.parent.clone()).or_default() += 1;
        }
        counts
            .into_iter()
            .filter(|(p, _)| {
                index.get(p).and_then(|i| entries.get(*i)).is_some_and(|c| {
                    c.kind == Kind::Ou && c.parent == base_ndn && !holds_members.contains(p)
                })
            })
            .max_by_key(|(_, n)| *n)
            .map(|(p, _)| p)
    };
    let groups_parent = container_of(Kind::Group);
    let services_parent = container_of(Kind::Service);
    // The container's RDN as written in the file (e.g. `ou=groups`).
    let rdn_of = |ndn: &Option<String>, default: &str| -> String {
        ndn.as_ref()
            .and_then(|n| index.get(n))
            .and_then(|i| entries.get(*i))
            .and_then(|e| e.dn.first_ava())
            .map(|a| Dn::root().child(&a.attr, &a.value).to_string())
            .unwrap_or_else(|| default.to_string())
    };
    let groups_rdn = rdn_of(&groups_parent, "cn=groups");
    let services_rdn = rdn_of(&services_parent, "cn=services");
    if groups_rdn.eq_ignore_ascii_case(&services_rdn) {
        return Err(ImportError::Structure(format!(
            "groups and service accounts share the container {groups_rdn}; orgdir keeps them apart"
        )));
    }

    // The enterprise.
    let root = entries
        .get(top)
        .ok_or_else(|| ImportError::Structure("no top entry".into()))?;
    let first_ava = root.dn.first_ava().cloned();
    let short_name = opts
        .short_name
        .clone()
        .or_else(|| root.rec.first("o"))
        .or_else(|| first_ava.as_ref().map(|a| a.value.clone()))
        .unwrap_or_else(|| opts.number.to_string());
    let full_name = root
        .rec
        .first("o")
        .or_else(|| root.rec.first("description"))
        .unwrap_or_else(|| short_name.clone());
    let member_count = entries.iter().filter(|e| e.kind == Kind::Member).count() as u32;
    let accounts: Vec<u64> = entries
        .iter()
        .filter(|e| e.kind == Kind::Member)
        .filter_map(|e| account_of(e).and_then(|a| a.parse::<u64>().ok()))
        .collect();
    let lo = accounts.iter().copied().min().unwrap_or(10001).min(10001);
    let hi = accounts.iter().copied().max().unwrap_or(99999).max(99999);
    let super_password = match &opts.super_password {
        Some(p) => Some(dir.hash_new_password(p).await?),
        None => {
            report.warnings.push(
                "no super password given: set one with `orgdir passwd --super` before signing in as the enterprise administrator".into(),
            );
            None
        }
    };
    let now = dir.now();
    let enterprise = Enterprise {
        number: opts.number,
        short_name: short_name.clone(),
        name: full_name,
        naming_context: root.dn.to_string(),
        seats: opts.seats.unwrap_or(opts.default_seats.max(member_count)),
        account_range: (lo, hi),
        expires_at: None,
        domain: None,
        super_password,
        limits: opts.limits,
        posix_base: 10000,
        groups_rdn: groups_rdn.clone(),
        services_rdn: services_rdn.clone(),
        uuid: root_uuid(&root.rec).unwrap_or_else(|| dir.new_uuid()),
        account: Default::default(),
        created_at: now,
        modified_at: now,
    };
    report.naming_context = enterprise.naming_context.clone();
    let mut state = EnterpriseState::new(enterprise, || dir.new_uuid());
    let member_role = state
        .builtin_role(BuiltinRole::Member)
        .map(|r| r.id)
        .ok_or_else(|| ImportError::Structure("no member role".into()))?;
    let mut org_of: HashMap<String, OrgId> = HashMap::new();
    org_of.insert(base_ndn.clone(), state.root());
    let mut member_of_ndn: HashMap<String, MemberId> = HashMap::new();
    let mut member_of_account: HashMap<String, MemberId> = HashMap::new();

    let run = |state: &mut EnterpriseState, cmd: Command| -> Result<u64, String> {
        let mut next = || dir.new_uuid();
        let mut ctx = Ctx {
            now,
            uuid: &mut next,
        };
        apply(state, cmd, &mut ctx)
            .map(|o| o.created.unwrap_or_default())
            .map_err(|e| e.to_string())
    };

    // Orgs, parents first.
    let mut ous: Vec<&Parsed> = entries.iter().filter(|e| e.kind == Kind::Ou).collect();
    ous.sort_by_key(|e| e.dn.rdns().len());
    for e in ous {
        let is_container = groups_parent.as_deref() == Some(e.ndn.as_str())
            || services_parent.as_deref() == Some(e.ndn.as_str());
        if is_container {
            continue;
        }
        let Some(parent) = org_of.get(&e.parent).copied() else {
            report
                .skipped
                .push((e.rec.dn.clone(), "its parent is not an org".into()));
            continue;
        };
        let name =
            e.dn.first_ava()
                .map(|a| a.value.clone())
                .unwrap_or_default();
        let is_ou =
            e.dn.first_ava()
                .is_some_and(|a| a.attr.eq_ignore_ascii_case("ou"));
        if !is_ou {
            report.warnings.push(format!(
                "{}: an org is named by ou=; its DN becomes ou={name},…",
                e.rec.dn
            ));
        }
        match run(&mut state, Command::CreateOrg { parent, name }) {
            Ok(id) => {
                org_of.insert(e.ndn.clone(), OrgId(id));
            }
            Err(why) => report.skipped.push((e.rec.dn.clone(), why)),
        }
    }

    // Members.
    let mut renamed = 0usize;
    for e in entries.iter().filter(|e| e.kind == Kind::Member) {
        note_dropped(&mut report, &e.rec, MEMBER_KEPT);
        let Some(org) = org_of.get(&e.parent).copied() else {
            report.skipped.push((
                e.rec.dn.clone(),
                "a member must sit in an org (its parent is not one)".into(),
            ));
            continue;
        };
        let new = match member_fields(e, org, member_role) {
            Ok(n) => n,
            Err(why) => {
                report.skipped.push((e.rec.dn.clone(), why));
                continue;
            }
        };
        if !e
            .dn
            .first_ava()
            .is_some_and(|a| a.attr.eq_ignore_ascii_case("uid"))
        {
            renamed += 1;
        }
        let account = new.account.clone().unwrap_or_default();
        match run(&mut state, Command::AddMember(Box::new(new))) {
            Ok(id) => {
                member_of_ndn.insert(e.ndn.clone(), MemberId(id));
                member_of_account.insert(account.to_ascii_lowercase(), MemberId(id));
            }
            Err(why) => report.skipped.push((e.rec.dn.clone(), why)),
        }
    }
    if renamed > 0 {
        report.warnings.push(format!(
            "{renamed} member(s) were named by another attribute than uid; their DNs become uid=<uid>,… (key applications on entryUUID)"
        ));
    }

    // Groups.
    for e in entries.iter().filter(|e| e.kind == Kind::Group) {
        note_dropped(&mut report, &e.rec, GROUP_KEPT);
        let Some(name) = e.rec.first("cn") else {
            report
                .skipped
                .push((e.rec.dn.clone(), "a group needs a cn".into()));
            continue;
        };
        if groups_parent.as_deref() != Some(e.parent.as_str()) {
            report.warnings.push(format!(
                "{}: groups live in {groups_rdn}; its DN becomes cn={name},{groups_rdn},…",
                e.rec.dn
            ));
        }
        let mut members = BTreeSet::new();
        let mut missing = 0usize;
        for v in e.rec.strings("member").chain(e.rec.strings("uniqueMember")) {
            // uniqueMember may carry an optional #'bitstring' UID suffix.
            let v = v.split("#'").next().unwrap_or(v);
            match Dn::parse(v)
                .ok()
                .and_then(|d| member_of_ndn.get(&d.normalized()))
            {
                Some(m) => {
                    members.insert(*m);
                }
                None if Dn::parse(v).is_ok_and(|d| d.normalized() == e.ndn) => {}
                None => missing += 1,
            }
        }
        for v in e.rec.strings("memberUid") {
            match member_of_account.get(&v.trim().to_ascii_lowercase()) {
                Some(m) => {
                    members.insert(*m);
                }
                None => missing += 1,
            }
        }
        if missing > 0 {
            report.warnings.push(format!(
                "{}: {missing} member value(s) name no imported member and were dropped",
                e.rec.dn
            ));
        }
        let gid_number = match e.rec.first("gidNumber").map(|g| g.parse::<u32>()) {
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => {
                report
                    .skipped
                    .push((e.rec.dn.clone(), "gidNumber is not a number".into()));
                continue;
            }
            None => None,
        };
        let cmd = Command::CreateGroup(Box::new(NewGroup {
            name,
            description: e.rec.first("description"),
            gid_number,
            members,
            owner: None,
        }));
        if let Err(why) = run(&mut state, cmd) {
            report.skipped.push((e.rec.dn.clone(), why));
        }
    }

    // Service accounts.
    for e in entries.iter().filter(|e| e.kind == Kind::Service) {
        let Some(name) = e.rec.first("cn") else {
            report
                .skipped
                .push((e.rec.dn.clone(), "a service account needs a cn".into()));
            continue;
        };
        if services_parent.as_deref() != Some(e.parent.as_str()) {
            report.warnings.push(format!("{}: service accounts live in {services_rdn}; its DN becomes cn={name},{services_rdn},…", e.rec.dn));
        }
        let password = match password_of(&e.rec) {
            Ok(p) => p,
            Err(why) => {
                report.skipped.push((e.rec.dn.clone(), why));
                continue;
            }
        };
        let cmd = Command::CreateService(Box::new(NewService {
            name,
            description: e.rec.first("description"),
            password,
            scope: Vec::new(),
            sees_hidden: true,
            can_write: false,
        }));
        if let Err(why) = run(&mut state, cmd) {
            report.skipped.push((e.rec.dn.clone(), why));
        }
    }

    // Everything else.
    for e in entries.iter().filter(|e| e.kind == Kind::Other) {
        let classes: Vec<&str> = e.rec.strings("objectClass").collect();
        report.skipped.push((
            e.rec.dn.clone(),
            format!(
                "object classes {} do not map to an org, member, group or service account",
                classes.join(", ")
            ),
        ));
    }

    report.orgs = state.orgs.len();
    report.members = state.members.len();
    report.groups = state.groups.len();
    report.services = state.services.len();
    if !report.skipped.is_empty() && !opts.skip_unmappable {
        return Err(ImportError::Unmappable(Box::new(report)));
    }
    if opts.dry_run {
        return Ok(report);
    }
    dir.install_enterprise(state, "import-ldif", "enterprise.import")
        .await?;
    report.stored = true;
    Ok(report)
}

fn account_of(e: &Parsed) -> Option<String> {
    e.rec.first("uid").or_else(|| {
        e.dn.first_ava()
            .filter(|a| a.attr.eq_ignore_ascii_case("uid"))
            .map(|a| a.value.clone())
    })
}

fn root_uuid(r: &Record) -> Option<[u8; 16]> {
    r.first("entryUUID")
        .and_then(|u| uuid::Uuid::parse_str(&u).ok())
        .map(|u| u.into_bytes())
}

fn note_dropped(report: &mut ImportReport, r: &Record, kept: &[&str]) {
    let mut seen = BTreeSet::new();
    for (a, _) in &r.attrs {
        let name = ldif::base_name(a).to_ascii_lowercase();
        let known = kept.contains(&name.as_str()) || OPERATIONAL.contains(&name.as_str());
        if !known && seen.insert(name.clone()) {
            let shown = schema::lookup(&name)
                .map(|id| schema::attr(id).name.to_string())
                .unwrap_or_else(|| ldif::base_name(a).to_string());
            *report.dropped_attributes.entry(shown).or_default() += 1;
        }
    }
}

fn password_of(r: &Record) -> Result<Option<String>, String> {
    let mut values = r.values("userPassword");
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let text =
        String::from_utf8(first.to_vec()).map_err(|_| "userPassword is not text".to_string())?;
    orgdir_passwords::scheme_of(&text).map_err(|e| format!("userPassword: {e}"))?;
    Ok(Some(text))
}

fn member_fields(e: &Parsed, org: OrgId, role: RoleId) -> Result<NewMember, String> {
    let account = account_of(e).ok_or("a member needs a uid (its account)")?;
    let name = e
        .rec
        .first("cn")
        .or_else(|| e.rec.first("displayName"))
        .or_else(|| e.rec.first("sn"))
        .ok_or("a member needs a cn")?;
    let num = |attr: &str| -> Result<Option<u32>, String> {
        e.rec
            .first(attr)
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| format!("{attr} {v:?} is not a number"))
            })
            .transpose()
    };
    Ok(NewMember {
        account: Some(account),
        org: Some(org),
        name,
        surname: e.rec.first("sn"),
        given_name: e.rec.first("givenName"),
        mobile: e.rec.first("mobile"),
        email: e.rec.first("mail"),
        title: e.rec.first("title"),
        employee_number: e.rec.first("employeeNumber"),
        role: Some(role),
        scope: Vec::new(),
        hidden: false,
        disabled: e.rec.first("pwdAccountLockedTime").is_some(),
        password: password_of(&e.rec)?,
        must_change_password: false,
        uid_number: num("uidNumber")?,
        gid_number: num("gidNumber")?,
        login_shell: e.rec.first("loginShell"),
        home_directory: e.rec.first("homeDirectory"),
    })
}

/// Exports an enterprise as LDIF: the naming-context entry, orgs, members (with their
/// password hashes), groups and service accounts, in an order `slapadd`/`ldapadd` accept
/// (parents first). orgdir-only object classes and attributes are left out so a stock
/// OpenLDAP with the core, cosine, inetorgperson and nis schemas loads it.
pub fn export_ldif(snap: &Snapshot) -> String {
    let mut out = String::from("version: 1\n\n");
    let state = &snap.state;
    let vis = None;
    let viewer = crate::snapshot::Viewer::Full;
    let ev = crate::filter::Eval {
        snap,
        viewer: &viewer,
        vis,
    };
    let skip_attrs = [
        *schema::ids::MEMBER_OF,
        *schema::ids::ORGDIR_ROLE,
        *schema::ids::ORGDIR_ENTERPRISE,
    ];
    for (i, e) in snap.entries.iter().enumerate() {
        let id = i as u32;
        if matches!(e.kind, EntryKind::Role(_)) {
            continue;
        }
        if e.kind == EntryKind::Container && e.dn.to_ascii_lowercase().starts_with("cn=roles,") {
            continue;
        }
        let mut attrs: Vec<(&str, Vec<u8>)> = Vec::new();
        for a in e.attr_ids() {
            let at = schema::attr(a);
            if at.operational && a != *schema::ids::ENTRY_UUID || skip_attrs.contains(&a) {
                continue;
            }
            for v in ev.values(id, e, a) {
                if a == *schema::ids::OBJECT_CLASS {
                    match v.as_str() {
                        "orgdirMember" => continue,
                        "orgdirContainer" => {
                            attrs.push((at.name, b"organizationalRole".to_vec()));
                            continue;
                        }
                        _ => {}
                    }
                }
                if a == *schema::ids::ENTRY_UUID {
                    // entryUUID is operational in OpenLDAP: slapadd accepts it, ldapadd does not.
                    continue;
                }
                attrs.push((at.name, v.into_bytes()));
            }
        }
        let password = match e.kind {
            EntryKind::Member(m) => state.members.get(&m).and_then(|m| m.password.clone()),
            EntryKind::Service(s) => state.services.get(&s).and_then(|s| s.password.clone()),
            _ => None,
        };
        if let Some(p) = password {
            attrs.push(("userPassword", p.into_bytes()));
        }
        ldif::write_record(&mut out, &e.dn, &attrs);
    }
    out
}
