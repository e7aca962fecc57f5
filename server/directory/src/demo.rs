//! The demo enterprise (`orgdir serve --demo`): enough of a company to try every LDAP
//! consumer at once. Created through the one write path, like any other data.
//!
//! Facts the README and the tests rely on: naming context `dc=example,dc=com`, enterprise
//! 100001, members 10001–10050 with password `Passw0rd-<account>`; 10001 is Zhang Wei
//! (zhang.wei@example.com, group engineering, not finance); 10002 Li Na is a system
//! administrator; 10040 Zhao Lei's scope is Sales only; 10049 Chen Jie is hidden (group
//! finance); 10050 Wang Fang is disabled; service account `cn=reader` (`Reader-Passw0rd`);
//! super password `Admin-Passw0rd-1`, recovery email `it@example.com`.

use std::collections::BTreeSet;

use futures::future::join_all;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::{Command, NewGroup, NewMember, NewService};
use orgdir_domain::limits::{DEFAULT_SEATS, Limits};
use orgdir_domain::model::*;

use crate::service::{DirError, Directory, NewEnterprise, Result};

/// The demo enterprise number.
pub const DEMO_ENTERPRISE: u64 = 100_001;
/// The demo naming context.
pub const DEMO_BASE: &str = "dc=example,dc=com";
/// The demo super password.
pub const DEMO_SUPER_PASSWORD: &str = "Admin-Passw0rd-1";
/// Where the demo enterprise's super password recovery links go (with no SMTP server
/// configured: to the outbox folder of the data directory).
pub const DEMO_RECOVERY_EMAIL: &str = "it@example.com";
/// The demo reader service account password.
pub const DEMO_READER_PASSWORD: &str = "Reader-Passw0rd";

const NAMES: [(&str, &str); 50] = [
    ("Zhang", "Wei"),
    ("Li", "Na"),
    ("Wang", "Qiang"),
    ("Liu", "Yang"),
    ("Chen", "Jing"),
    ("Yang", "Min"),
    ("Huang", "Lei"),
    ("Zhao", "Jun"),
    ("Wu", "Xia"),
    ("Zhou", "Tao"),
    ("Xu", "Fang"),
    ("Sun", "Hui"),
    ("Ma", "Chao"),
    ("Zhu", "Yan"),
    ("Hu", "Bin"),
    ("Guo", "Ling"),
    ("He", "Ping"),
    ("Gao", "Xin"),
    ("Lin", "Hong"),
    ("Luo", "Dan"),
    ("Zheng", "Kai"),
    ("Liang", "Yu"),
    ("Xie", "Ning"),
    ("Song", "Jie"),
    ("Tang", "Li"),
    ("Han", "Mei"),
    ("Feng", "Gang"),
    ("Deng", "Ying"),
    ("Cao", "Peng"),
    ("Peng", "Rui"),
    ("Zeng", "Hao"),
    ("Xiao", "Lan"),
    ("Tian", "Bo"),
    ("Dong", "Qing"),
    ("Pan", "Yi"),
    ("Yuan", "Feng"),
    ("Cai", "Jia"),
    ("Jiang", "Ming"),
    ("Yu", "Hua"),
    ("Zhao", "Lei"),
    ("Du", "Juan"),
    ("Ye", "Shan"),
    ("Cheng", "Long"),
    ("Wei", "Xue"),
    ("Su", "Ting"),
    ("Lu", "Yun"),
    ("Ding", "Wen"),
    ("Ren", "Zhen"),
    ("Chen", "Jie"),
    ("Wang", "Fang"),
];

/// Creates the demo enterprise if the directory holds none with its number. Returns whether
/// it was created.
pub async fn seed_demo(dir: &Directory) -> Result<bool> {
    if dir.catalog().get(DEMO_ENTERPRISE).is_some() {
        return Ok(false);
    }
    let source = "demo";
    dir.create_enterprise(
        NewEnterprise {
            number: DEMO_ENTERPRISE,
            short_name: "Example".into(),
            name: "Example Ltd.".into(),
            naming_context: DEMO_BASE.into(),
            seats: DEFAULT_SEATS,
            account_range: (10001, 19999),
            expires_at: None,
            domain: Some("example.com".into()),
            super_password: Some(DEMO_SUPER_PASSWORD.into()),
            limits: Limits::default(),
        },
        source,
    )
    .await?;
    let snap = dir
        .catalog()
        .get(DEMO_ENTERPRISE)
        .cloned()
        .ok_or(DirError::NoSuchEnterprise(DEMO_ENTERPRISE))?;
    let root = snap.state.root();
    let role = |b: BuiltinRole| snap.state.builtin_role(b).map(|r| r.id);

    // Orgs, one batch; ids are predictable from next_id.
    let tree: [(&str, Option<usize>); 8] = [
        ("Engineering", None),
        ("Platform", Some(0)),
        ("Applications", Some(0)),
        ("Sales", None),
        ("North", Some(3)),
        ("Finance", None),
        ("Executive", None),
        ("Support", None),
    ];
    let mut org_ids: Vec<OrgId> = Vec::new();
    for (name, parent) in tree {
        let parent = parent.and_then(|i| org_ids.get(i).copied()).unwrap_or(root);
        let out = dir
            .execute(
                DEMO_ENTERPRISE,
                Actor::System,
                source,
                Command::CreateOrg {
                    parent,
                    name: name.into(),
                },
            )
            .await?;
        org_ids.push(OrgId(out.created.unwrap_or_default()));
    }
    let org = |i: usize| org_ids.get(i).copied().unwrap_or(root);

    // Passwords hashed in parallel on the blocking pool.
    let hashes = join_all((0..NAMES.len()).map(|i| {
        let pw = format!("Passw0rd-{}", 10001 + i);
        async move { dir.hash_new_password(&pw).await }
    }))
    .await;
    let mut cmds = Vec::new();
    for (i, ((family, given), hash)) in NAMES.iter().zip(hashes).enumerate() {
        let account = 10001 + i as u64;
        let (org_idx, builtin, scope) = match account {
            10001 => (1, BuiltinRole::Member, vec![]),
            10002 => (0, BuiltinRole::SystemAdmin, vec![]),
            10003 => (5, BuiltinRole::InfoAdmin, vec![org(5)]),
            10040 => (4, BuiltinRole::Member, vec![org(3)]),
            10049 => (6, BuiltinRole::Member, vec![]),
            10050 => (3, BuiltinRole::Member, vec![]),
            n => {
                let idx = match n % 7 {
                    0 => 1,
                    1 => 2,
                    2 => 3,
                    3 => 4,
                    4 => 5,
                    5 => 7,
                    _ => 0,
                };
                (idx, BuiltinRole::Member, vec![])
            }
        };
        let title = match account {
            10049 => "Chief Executive Officer",
            10002 => "IT Manager",
            _ => [
                "Engineer",
                "Senior Engineer",
                "Account Manager",
                "Accountant",
                "Analyst",
            ]
            .get(i % 5)
            .copied()
            .unwrap_or("Engineer"),
        };
        cmds.push(Command::AddMember(Box::new(NewMember {
            account: Some(account.to_string()),
            org: Some(org(org_idx)),
            name: format!("{family} {given}"),
            surname: Some((*family).into()),
            given_name: Some((*given).into()),
            mobile: Some(format!("+86 138 0000 {:04}", i + 1)),
            email: Some(format!(
                "{}.{}@example.com",
                family.to_lowercase(),
                given.to_lowercase()
            )),
            title: Some(title.into()),
            employee_number: Some(format!("E{account}")),
            role: role(builtin),
            scope,
            hidden: account == 10049,
            disabled: account == 10050,
            password: Some(hash?),
            ..NewMember::default()
        })));
    }
    let outs = dir
        .execute_batch(DEMO_ENTERPRISE, Actor::System, source, cmds)
        .await?;
    let member_ids: Vec<MemberId> = outs
        .iter()
        .map(|o| MemberId(o.created.unwrap_or_default()))
        .collect();
    let snap = dir
        .catalog()
        .get(DEMO_ENTERPRISE)
        .cloned()
        .ok_or(DirError::NoSuchEnterprise(DEMO_ENTERPRISE))?;
    let in_subtree = |o: OrgId| -> BTreeSet<MemberId> {
        member_ids
            .iter()
            .copied()
            .filter(|m| {
                snap.state
                    .members
                    .get(m)
                    .is_some_and(|m| snap.state.org_within(m.org, o))
            })
            .collect()
    };
    let mut finance = in_subtree(org(5));
    if let Some(ceo) = snap.state.member_by_account("10049") {
        finance.insert(ceo.id);
    }
    let reader_hash = dir.hash_new_password(DEMO_READER_PASSWORD).await?;
    dir.execute_batch(
        DEMO_ENTERPRISE,
        Actor::System,
        source,
        vec![
            Command::CreateGroup(Box::new(NewGroup {
                name: "engineering".into(),
                description: Some("Everyone in Engineering".into()),
                members: in_subtree(org(0)),
                ..NewGroup::default()
            })),
            Command::CreateGroup(Box::new(NewGroup {
                name: "finance".into(),
                description: Some("Finance and the executives who approve budgets".into()),
                members: finance,
                ..NewGroup::default()
            })),
            Command::CreateService(Box::new(NewService {
                name: "reader".into(),
                description: Some("Read-only account for mail, VPN and wiki servers".into()),
                password: Some(reader_hash),
                scope: vec![],
                sees_hidden: true,
                can_write: false,
            })),
            Command::SetRecoveryEmail {
                email: Some(DEMO_RECOVERY_EMAIL.into()),
            },
        ],
    )
    .await?;
    Ok(true)
}
