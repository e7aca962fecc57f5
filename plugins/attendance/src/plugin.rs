//! The attendance plugin as the host sees it: its manifest (permissions ATT-1, tables,
//! menu, the day-closing job) and the entry points to its API, panel pages and job.

use std::time::Duration;

use orgdir_plugin_api::{
    BuiltinRole, Context, JobDecl, JobFuture, Manifest, MenuEntry, PermissionDecl, Plugin,
    PluginError, Text, axum,
};

use crate::{api, close, pages, store};

/// The plugin's id: its routes live under `/api/v1/p/attendance/` and
/// `/panel/p/attendance/`, its tables are `attendance_…`, its permission keys
/// `attendance.…`.
pub const ID: &str = "attendance";

/// Permission to change the rules (ATT-1).
pub const SET_RULES: &str = "set_rules";

/// Permission to see the records and reports of the members within the holder's scope
/// (ATT-1).
pub const VIEW: &str = "view";

/// The job that stores finished days.
pub const CLOSE_DAYS: &str = "close_days";

/// How often [`CLOSE_DAYS`] runs.
pub const CLOSE_EVERY: Duration = Duration::from_secs(300);

/// The attendance plugin (SPEC ATT). Add it to the server's plugins and turn it on in the
/// configuration with `[plugins] enabled = ["attendance"]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Attendance;

impl Plugin for Attendance {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: ID,
            name: Text {
                en: "Attendance",
                zh: "考勤",
            },
            description: Text {
                en: "Clock-in and clock-out from the clients, rules, daily and monthly reports, and the monthly export.",
                zh: "客户端上下班打卡、考勤规则、日报和月报，以及月度导出。",
            },
            permissions: vec![
                PermissionDecl {
                    name: SET_RULES,
                    label: Text {
                        en: "Set attendance rules",
                        zh: "设置考勤规则",
                    },
                    default_roles: &[BuiltinRole::SystemAdmin],
                },
                PermissionDecl {
                    name: VIEW,
                    label: Text {
                        en: "View attendance",
                        zh: "查看考勤",
                    },
                    default_roles: &[BuiltinRole::SystemAdmin, BuiltinRole::InfoAdmin],
                },
            ],
            migrations: store::migrations(),
            menu: vec![
                MenuEntry {
                    path: "",
                    label: Text {
                        en: "Attendance",
                        zh: "考勤概览",
                    },
                    permission: Some(VIEW),
                },
                MenuEntry {
                    path: "daily",
                    label: Text {
                        en: "Daily report",
                        zh: "考勤日报",
                    },
                    permission: Some(VIEW),
                },
                MenuEntry {
                    path: "monthly",
                    label: Text {
                        en: "Monthly report",
                        zh: "考勤月报",
                    },
                    permission: Some(VIEW),
                },
                MenuEntry {
                    path: "records",
                    label: Text {
                        en: "Clock records",
                        zh: "打卡记录",
                    },
                    permission: Some(VIEW),
                },
                MenuEntry {
                    path: "rules",
                    label: Text {
                        en: "Attendance rules",
                        zh: "考勤规则",
                    },
                    permission: Some(SET_RULES),
                },
                MenuEntry {
                    path: "me",
                    label: Text {
                        en: "My attendance",
                        zh: "我的考勤",
                    },
                    permission: None,
                },
            ],
            jobs: vec![JobDecl {
                name: CLOSE_DAYS,
                every: CLOSE_EVERY,
            }],
        }
    }

    fn api(&self, ctx: Context) -> axum::Router {
        api::router(ctx)
    }

    fn panel(&self, ctx: Context) -> axum::Router {
        pages::router(ctx)
    }

    fn run_job(&self, ctx: Context, job: &'static str) -> JobFuture {
        Box::pin(async move {
            match job {
                CLOSE_DAYS => close::close_days(&ctx).await.map(|_| ()),
                other => Err(PluginError::Invalid(format!(
                    "attendance has no job {other:?}"
                ))),
            }
        })
    }
}
