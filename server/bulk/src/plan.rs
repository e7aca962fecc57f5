//! Planning an import: every row is checked by applying its commands, in order, to a copy
//! of the enterprise state with the domain's own [`apply`], so limits, uniqueness, seats,
//! the account range, roles and scopes are judged by the same rules as the panel. The
//! result is the command list to run through the directory's write path and the errors
//! per cell and per row (IMP-2).

use std::collections::{HashMap, HashSet};

use orgdir_domain::dn::normalize_value;

use orgdir_domain::RuleError;
use orgdir_domain::command::{Command, Ctx, MemberPatch, NewMember, apply};
use orgdir_domain::model::{BuiltinRole, EnterpriseState, Member, MemberId, OrgId, RoleId};
use orgdir_domain::validate;

use crate::column::Column;
use crate::path::{self, OrgIndex};
use crate::progress::{Phase, Progress};
use crate::read::{Row, Sheet};

/// What to do when some rows are invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Run nothing if any row is invalid (the default).
    #[default]
    AllOrNothing,
    /// Run the valid rows, skip the invalid ones (never half a row).
    ValidRows,
}

/// Why a cell is marked in the error file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellErrorKind {
    /// The value breaks a rule (filled red).
    Invalid(String),
    /// A required value is empty (filled orange).
    MissingRequired,
}

/// An error attached to one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    /// Index into [`Sheet::rows`].
    pub row: usize,
    /// The column.
    pub column: Column,
    /// Why.
    pub kind: CellErrorKind,
}

/// An error of a whole row (no single cell is at fault, e.g. no seat left).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Index into [`Sheet::rows`].
    pub row: usize,
    /// Why.
    pub reason: String,
}

/// Counts for the admin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows read.
    pub rows: usize,
    /// Rows adding a member.
    pub created: usize,
    /// Rows changing an existing member.
    pub updated: usize,
    /// Rows matching an existing member exactly.
    pub unchanged: usize,
    /// Orgs created for missing path parts.
    pub orgs_created: usize,
    /// Rows with at least one error.
    pub error_rows: usize,
}

/// The outcome of planning.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The mode planned for.
    pub mode: Mode,
    /// Commands to run, in order, in one `execute_batch` against the same state version
    /// that was planned on (ids of created orgs are predicted from it). Empty when the
    /// mode is [`Mode::AllOrNothing`] and any row has an error.
    pub commands: Vec<Command>,
    /// Errors per cell.
    pub cell_errors: Vec<CellError>,
    /// Errors per row.
    pub row_errors: Vec<RowError>,
    /// Counts. `created`, `updated` and `orgs_created` count valid rows even when nothing
    /// will run.
    pub summary: Summary,
}

impl Plan {
    /// Whether any row has an error.
    pub fn has_errors(&self) -> bool {
        self.summary.error_rows > 0
    }
}

/// The member a row describes, after field checks.
struct Fields {
    path: Vec<String>,
    account: String,
    name: String,
    mobile: Option<Option<String>>,
    email: Option<Option<String>>,
    title: Option<Option<String>>,
    role: RoleId,
    scope: Option<Vec<Vec<String>>>,
    hidden: Option<bool>,
    disabled: Option<bool>,
}

/// Plans the import of `sheet` into `state`. `ctx` supplies time and UUIDs for the
/// simulation only; the caller runs [`Plan::commands`] through the write path.
pub fn plan(state: &EnterpriseState, sheet: &Sheet, mode: Mode, ctx: &mut Ctx<'_>) -> Plan {
    plan_with_progress(state, sheet, mode, ctx, &Progress::new())
}

/// [`plan`], reporting [`Phase::Checking`] on `progress` (rows checked of the sheet's rows).
pub fn plan_with_progress(
    state: &EnterpriseState,
    sheet: &Sheet,
    mode: Mode,
    ctx: &mut Ctx<'_>,
    progress: &Progress,
) -> Plan {
    progress.start(Phase::Checking, sheet.rows.len() as u64);
    let mut p = Planner {
        work: state.clone(),
        index: OrgIndex::new(state),
        roles: state
            .roles
            .values()
            .map(|r| (r.name.trim().to_lowercase(), r.id))
            .chain(
                state
                    .roles
                    .values()
                    .filter_map(|r| Some((r.builtin?.key().to_string(), r.id))),
            )
            .collect(),
        seen: HashMap::new(),
        sheet_paths: sheet_paths(sheet),
        out: Plan {
            mode,
            commands: Vec::new(),
            cell_errors: Vec::new(),
            row_errors: Vec::new(),
            summary: Summary {
                rows: sheet.rows.len(),
                ..Summary::default()
            },
        },
    };
    for (i, row) in sheet.rows.iter().enumerate() {
        progress.tick(i);
        if !p.row(sheet, i, row, ctx) {
            p.out.summary.error_rows += 1;
        }
    }
    progress.finish();
    let mut out = p.out;
    if mode == Mode::AllOrNothing && out.has_errors() {
        out.commands.clear();
    }
    out
}

struct Planner {
    work: EnterpriseState,
    index: OrgIndex,
    roles: HashMap<String, RoleId>,
    /// Accounts (lower case) already used by a row: row index.
    seen: HashMap<String, usize>,
    /// Normalized org paths (and their prefixes) that the sheet's org path cells create.
    sheet_paths: HashSet<Vec<String>>,
    out: Plan,
}

fn normalized(names: &[String]) -> Vec<String> {
    names.iter().map(|n| normalize_value(n)).collect()
}

fn sheet_paths(sheet: &Sheet) -> HashSet<Vec<String>> {
    let mut out = HashSet::new();
    for row in &sheet.rows {
        if let Some(v) = sheet.value(row, Column::OrgPath) {
            let names = normalized(&path::parse(unguard(v)));
            for i in 1..=names.len() {
                out.insert(names.iter().take(i).cloned().collect());
            }
        }
    }
    out
}

/// Where a rule error belongs.
enum Target {
    Cell(Column),
    Row,
}

/// What a row changed in the simulation, to undo it if a later command of the row fails.
struct Undo {
    next_id: u64,
    orgs: Vec<(OrgId, OrgId, String)>,
    before: Option<Member>,
    added: Option<MemberId>,
}

/// [`plan`] at time `now`, with placeholder entryUUIDs for the simulation (the write path
/// makes the real ones when the commands run): what the CLI and the API call.
pub fn plan_at(state: &EnterpriseState, sheet: &Sheet, mode: Mode, now: i64) -> Plan {
    plan_at_with_progress(state, sheet, mode, now, &Progress::new())
}

/// [`plan_at`], reporting [`Phase::Checking`] on `progress`.
pub fn plan_at_with_progress(
    state: &EnterpriseState,
    sheet: &Sheet,
    mode: Mode,
    now: i64,
    progress: &Progress,
) -> Plan {
    let mut n: u128 = 0;
    let mut uuid = move || {
        n += 1;
        n.to_be_bytes()
    };
    let mut ctx = Ctx {
        now,
        uuid: &mut uuid,
    };
    plan_with_progress(state, sheet, mode, &mut ctx, progress)
}

/// Removes the formula guard an export adds (`'=…`, `'+…`, `'-…`, `'@…`).
pub fn unguard(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => v,
    }
}

/// Parses a yes/no cell.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" | "否" => Some(false),
        "yes" | "y" | "true" | "1" | "是" => Some(true),
        _ => None,
    }
}

fn reason(e: &RuleError) -> String {
    match e {
        RuleError::Invalid { reason, .. } => reason.clone(),
        e => e.to_string(),
    }
}

impl Planner {
    fn cell(&mut self, row: usize, column: Column, kind: CellErrorKind) {
        self.out.cell_errors.push(CellError { row, column, kind });
    }

    /// Checks the fields of a row; records cell errors and returns `None` if any.
    fn fields(&mut self, sheet: &Sheet, i: usize, row: &Row) -> Option<Fields> {
        let before = self.out.cell_errors.len();
        let get = |c: Column| sheet.value(row, c).map(unguard);
        let required = |p: &mut Planner, c: Column| -> Option<String> {
            match get(c) {
                Some(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
                _ => {
                    p.cell(i, c, CellErrorKind::MissingRequired);
                    None
                }
            }
        };
        let path_cell = required(self, Column::OrgPath);
        let account_cell = required(self, Column::Account);
        let name_cell = required(self, Column::Name);
        let role_cell = required(self, Column::Role);

        let mut path = Vec::new();
        if let Some(v) = path_cell {
            path = path::parse(&v);
            for n in &path {
                if let Err(e) = validate::org_name(n) {
                    self.cell(
                        i,
                        Column::OrgPath,
                        CellErrorKind::Invalid(format!("org {n:?}: {}", reason(&e))),
                    );
                    break;
                }
            }
        }
        let mut account = String::new();
        if let Some(v) = account_cell {
            match validate::account(&v) {
                Ok(a) => {
                    match self.seen.get(&a.to_ascii_lowercase()) {
                        Some(other) => {
                            let line = sheet.rows.get(*other).map(|r| r.line).unwrap_or(0);
                            self.cell(
                                i,
                                Column::Account,
                                CellErrorKind::Invalid(format!(
                                    "account {a} is also in row {line}"
                                )),
                            );
                        }
                        None => {
                            self.seen.insert(a.to_ascii_lowercase(), i);
                        }
                    }
                    account = a;
                }
                Err(e) => self.cell(i, Column::Account, CellErrorKind::Invalid(reason(&e))),
            }
        }
        let mut name = String::new();
        if let Some(v) = name_cell {
            match validate::person_name("name", &v) {
                Ok(n) => name = n,
                Err(e) => self.cell(i, Column::Name, CellErrorKind::Invalid(reason(&e))),
            }
        }
        let optional =
            |p: &mut Planner, c: Column, check: &dyn Fn(&str) -> Result<String, RuleError>| {
                let v = get(c)?;
                if v.trim().is_empty() {
                    return Some(None);
                }
                match check(v) {
                    Ok(v) => Some(Some(v)),
                    Err(e) => {
                        p.cell(i, c, CellErrorKind::Invalid(reason(&e)));
                        None
                    }
                }
            };
        let mobile = optional(self, Column::Mobile, &validate::mobile);
        let email = optional(self, Column::Email, &validate::email);
        let title = optional(self, Column::Title, &|v| validate::text("title", v, 128));
        let mut role = RoleId(0);
        if let Some(v) = role_cell {
            match self.roles.get(&v.to_lowercase()) {
                Some(r) => role = *r,
                None => {
                    let mut names: Vec<&str> =
                        self.work.roles.values().map(|r| r.name.as_str()).collect();
                    names.sort_unstable();
                    self.cell(
                        i,
                        Column::Role,
                        CellErrorKind::Invalid(format!(
                            "no role named {v:?}; roles: {}",
                            names.join(", ")
                        )),
                    );
                }
            }
        }
        let mut scope = None;
        if let Some(v) = get(Column::Scope) {
            let mut orgs = Vec::new();
            for p in path::split_scope(v) {
                let names = path::parse(p);
                let known = self.index.resolve(&names).is_ok()
                    || self.sheet_paths.contains(&normalized(&names));
                match known {
                    true => orgs.push(names),
                    false => {
                        self.cell(
                            i,
                            Column::Scope,
                            CellErrorKind::Invalid(format!("org path {p:?} does not exist")),
                        );
                        break;
                    }
                }
            }
            scope = Some(orgs);
        }
        let flag = |p: &mut Planner, c: Column| {
            let v = get(c)?;
            let b = parse_bool(v);
            if b.is_none() {
                p.cell(
                    i,
                    c,
                    CellErrorKind::Invalid(format!("{v:?} is not yes or no")),
                );
            }
            b
        };
        let hidden = flag(self, Column::Hidden);
        let disabled = flag(self, Column::Disabled);
        if self.out.cell_errors.len() > before {
            return None;
        }
        Some(Fields {
            path,
            account,
            name,
            mobile,
            email,
            title,
            role,
            scope,
            hidden,
            disabled,
        })
    }

    /// Plans one row; false if it has errors (its simulated changes are undone).
    fn row(&mut self, sheet: &Sheet, i: usize, row: &Row, ctx: &mut Ctx<'_>) -> bool {
        let Some(f) = self.fields(sheet, i, row) else {
            return false;
        };
        let mut undo = Undo {
            next_id: self.work.next_id,
            orgs: Vec::new(),
            before: None,
            added: None,
        };
        let mut cmds = Vec::new();
        match self.run_row(f, &mut cmds, &mut undo, ctx) {
            Ok(kind) => {
                match kind {
                    RowKind::Created => self.out.summary.created += 1,
                    RowKind::Updated => self.out.summary.updated += 1,
                    RowKind::Unchanged => self.out.summary.unchanged += 1,
                }
                self.out.summary.orgs_created += undo.orgs.len();
                self.out.commands.extend(cmds);
                true
            }
            Err((target, msg)) => {
                self.undo(undo);
                match target {
                    Target::Cell(c) => self.cell(i, c, CellErrorKind::Invalid(msg)),
                    Target::Row => self.out.row_errors.push(RowError {
                        row: i,
                        reason: msg,
                    }),
                }
                false
            }
        }
    }

    fn undo(&mut self, u: Undo) {
        if let Some(id) = u.added {
            self.work.remove_member(id);
        }
        if let Some(m) = u.before {
            self.work.put_member(m);
        }
        for (id, parent, name) in u.orgs.into_iter().rev() {
            self.work.orgs.remove(&id);
            self.index.remove(parent, &name);
        }
        self.work.next_id = u.next_id;
    }

    fn exec(
        &mut self,
        cmd: Command,
        cmds: &mut Vec<Command>,
        ctx: &mut Ctx<'_>,
    ) -> Result<Option<u64>, (Target, String)> {
        let target_of = |e: &RuleError, cmd: &Command| -> Target {
            match e {
                RuleError::Invalid { field, .. } => match *field {
                    "account" => Target::Cell(Column::Account),
                    "name" | "surname" => Target::Cell(Column::Name),
                    "mobile" => Target::Cell(Column::Mobile),
                    "email" => Target::Cell(Column::Email),
                    "title" => Target::Cell(Column::Title),
                    "role" => Target::Cell(Column::Role),
                    "org name" => Target::Cell(Column::OrgPath),
                    _ => Target::Row,
                },
                RuleError::Limit { limit, .. } => match *limit {
                    "max_members_per_org" | "max_root_orgs" | "max_org_depth" => {
                        Target::Cell(Column::OrgPath)
                    }
                    "max_scope_orgs" => Target::Cell(Column::Scope),
                    "account_range" => Target::Cell(Column::Account),
                    _ => Target::Row,
                },
                _ => match cmd {
                    Command::CreateOrg { .. } | Command::MoveMember { .. } => {
                        Target::Cell(Column::OrgPath)
                    }
                    Command::SetMemberRole { .. } => Target::Cell(Column::Role),
                    Command::AddMember(_) => match e {
                        RuleError::Conflict(_) => Target::Cell(Column::Role),
                        RuleError::AlreadyExists(_) => Target::Cell(Column::Account),
                        _ => Target::Row,
                    },
                    _ => Target::Row,
                },
            }
        };
        match apply(&mut self.work, cmd.clone(), ctx) {
            Ok(o) => {
                cmds.push(cmd);
                Ok(o.created)
            }
            Err(e) => Err((target_of(&e, &cmd), reason(&e))),
        }
    }

    /// The org at `names`, creating missing parts.
    fn ensure(
        &mut self,
        names: &[String],
        cmds: &mut Vec<Command>,
        undo: &mut Undo,
        ctx: &mut Ctx<'_>,
    ) -> Result<OrgId, (Target, String)> {
        let mut org = self.index.root();
        for n in names {
            org = match self.index.child(org, n) {
                Some(c) => c,
                None => {
                    let created = self.exec(
                        Command::CreateOrg {
                            parent: org,
                            name: n.clone(),
                        },
                        cmds,
                        ctx,
                    )?;
                    let id = OrgId(created.unwrap_or_default());
                    self.index.insert(org, n, id);
                    undo.orgs.push((id, org, n.clone()));
                    id
                }
            };
        }
        Ok(org)
    }

    fn run_row(
        &mut self,
        f: Fields,
        cmds: &mut Vec<Command>,
        undo: &mut Undo,
        ctx: &mut Ctx<'_>,
    ) -> Result<RowKind, (Target, String)> {
        let org = self.ensure(&f.path, cmds, undo, ctx)?;
        let scope = match f.scope {
            Some(paths) => {
                let mut orgs = Vec::with_capacity(paths.len());
                for p in &paths {
                    orgs.push(
                        self.ensure(p, cmds, undo, ctx)
                            .map_err(|(_, msg)| (Target::Cell(Column::Scope), msg))?,
                    );
                }
                Some(orgs)
            }
            None => None,
        };
        let existing = self
            .work
            .member_id_by_account(&f.account)
            .and_then(|id| self.work.members.get(&id).cloned());
        let Some(m) = existing else {
            let created = self.exec(
                Command::AddMember(Box::new(NewMember {
                    account: Some(f.account),
                    org: Some(org),
                    name: f.name,
                    mobile: f.mobile.flatten(),
                    email: f.email.flatten(),
                    title: f.title.flatten(),
                    role: Some(f.role),
                    scope: scope.unwrap_or_default(),
                    hidden: f.hidden.unwrap_or(false),
                    disabled: f.disabled.unwrap_or(false),
                    ..NewMember::default()
                })),
                cmds,
                ctx,
            )?;
            undo.added = created.map(MemberId);
            return Ok(RowKind::Created);
        };
        undo.before = Some(m.clone());
        let id = m.id;
        let before = cmds.len();
        if m.org != org {
            self.exec(Command::MoveMember { member: id, org }, cmds, ctx)?;
        }
        let mut patch = MemberPatch::default();
        if f.name != m.name {
            if m.surname == validate::derive_surname(&m.name) {
                patch.surname = Some(validate::derive_surname(&f.name));
            }
            patch.name = Some(f.name);
        }
        if let Some(v) = f.mobile.filter(|v| *v != m.mobile) {
            patch.mobile = Some(v);
        }
        if let Some(v) = f.email.filter(|v| *v != m.email) {
            patch.email = Some(v);
        }
        if let Some(v) = f.title.filter(|v| *v != m.title) {
            patch.title = Some(v);
        }
        if let Some(mut v) = scope {
            if v.is_empty() {
                v.push(self.index.root());
            }
            let mut seen = Vec::with_capacity(v.len());
            v.retain(|o| {
                let fresh = !seen.contains(o);
                seen.push(*o);
                fresh
            });
            if v != m.scope {
                patch.scope = Some(v);
            }
        }
        if patch != MemberPatch::default() {
            self.exec(
                Command::UpdateMember {
                    member: id,
                    patch: Box::new(patch),
                },
                cmds,
                ctx,
            )?;
        }
        if f.role != m.role {
            self.exec(
                Command::SetMemberRole {
                    member: id,
                    role: f.role,
                },
                cmds,
                ctx,
            )?;
        }
        if let Some(h) = f.hidden.filter(|h| *h != m.hidden) {
            self.exec(
                Command::SetMemberHidden {
                    member: id,
                    hidden: h,
                },
                cmds,
                ctx,
            )?;
        }
        if let Some(d) = f.disabled.filter(|d| *d != m.disabled) {
            self.exec(
                Command::SetMemberDisabled {
                    member: id,
                    disabled: d,
                },
                cmds,
                ctx,
            )?;
        }
        Ok(if cmds.len() > before || !undo.orgs.is_empty() {
            RowKind::Updated
        } else {
            RowKind::Unchanged
        })
    }
}

enum RowKind {
    Created,
    Updated,
    Unchanged,
}

/// The role a template example row uses: the ordinary member role's name.
pub fn example_role(state: Option<&EnterpriseState>) -> String {
    state
        .and_then(|s| s.builtin_role(BuiltinRole::Member))
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "member".into())
}
