//! The panel pages' strings, one table per language (a missing string does not compile),
//! and the Chinese texts of the refusals the core and the input checks give in English.

use orgdir_plugin_api::Lang;

use crate::classify::Status;
use crate::input::InputError;
use crate::rules::{Day, MAX_GRACE_MINUTES, MAX_SPECIAL_DATES, RulesError};

/// Every string of the attendance pages.
pub struct Text {
    pub overview: &'static str,
    pub daily: &'static str,
    pub monthly: &'static str,
    pub records: &'static str,
    pub rules: &'static str,
    pub me: &'static str,
    pub days: &'static str,
    pub forbidden_view: &'static str,
    pub forbidden_rules: &'static str,
    pub admin_has_no_own: &'static str,
    pub failed: &'static str,
    pub bad_input: &'static str,
    pub times_in: &'static str,
    pub counting_since: &'static str,
    pub not_started: &'static str,
    pub no_rules: &'static str,
    pub date: &'static str,
    pub month: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub member_account: &'static str,
    pub org: &'static str,
    pub all_orgs: &'static str,
    pub any_status: &'static str,
    pub show: &'static str,
    pub export: &'static str,
    pub export_en: &'static str,
    pub export_zh: &'static str,
    pub none: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub total_records: &'static str,
    pub account: &'static str,
    pub name: &'static str,
    pub result: &'static str,
    pub hours: &'static str,
    pub first_in: &'static str,
    pub last_out: &'static str,
    pub late_min: &'static str,
    pub early_min: &'static str,
    pub time: &'static str,
    pub kind: &'static str,
    pub ip_seen: &'static str,
    pub ip_reported: &'static str,
    pub mac: &'static str,
    pub client: &'static str,
    pub clock_in: &'static str,
    pub clock_out: &'static str,
    pub today: &'static str,
    pub yesterday: &'static str,
    pub last_month: &'static str,
    pub members: &'static str,
    pub abnormal_members: &'static str,
    pub ranking: &'static str,
    pub rank: &'static str,
    pub no_ranking: &'static str,
    pub abnormal_people: &'static str,
    pub no_abnormal: &'static str,
    pub summary: &'static str,
    pub whole_scope: &'static str,
    pub back_to_month: &'static str,
    pub member_month_of: &'static str,
    pub records_of_month: &'static str,
    pub not_found: &'static str,
    pub time_zone: &'static str,
    pub time_zone_hint: &'static str,
    pub work_start: &'static str,
    pub work_end: &'static str,
    pub weekdays: &'static str,
    pub special_working: &'static str,
    pub holidays: &'static str,
    pub dates_hint: &'static str,
    pub grace: &'static str,
    pub save: &'static str,
    pub applies: &'static str,
    pub saved_from: &'static str,
    pub read_only: &'static str,
    pub history: &'static str,
    pub changed_at: &'static str,
    pub changed_by: &'static str,
    pub effective_from: &'static str,
    pub current_rules: &'static str,
    pub rest_day: &'static str,
    pub full_stop: &'static str,
    pub statuses: [&'static str; 11],
    pub day_names: [&'static str; 7],
}

pub static EN: Text = Text {
    overview: "Attendance overview",
    daily: "Daily attendance report",
    monthly: "Monthly attendance report",
    records: "Clock records",
    rules: "Attendance rules",
    me: "My attendance",
    days: "Attendance days",
    forbidden_view: "This page needs the \u{201c}View attendance\u{201d} permission.",
    forbidden_rules: "This page needs the \u{201c}Set attendance rules\u{201d} or \u{201c}View attendance\u{201d} permission.",
    admin_has_no_own: "The enterprise administrator does not clock in and has no attendance of its own.",
    failed: "The server could not complete the request.",
    bad_input: "Not accepted:",
    times_in: "Dates and times in",
    counting_since: "Attendance counts from",
    not_started: "Attendance starts counting on the day after it was turned on:",
    no_rules: "No attendance rules are set yet: nobody is judged until they are.",
    date: "Date",
    month: "Month",
    from: "From",
    to: "To (inclusive)",
    member_account: "Member (account)",
    org: "Department",
    all_orgs: "All departments",
    any_status: "Any counted day",
    show: "Show",
    export: "Export the month (XLSX)",
    export_en: "English",
    export_zh: "Chinese",
    none: "Nothing to show.",
    newer: "\u{2190} Newer",
    older: "Older \u{2192}",
    total_records: "Records found:",
    account: "Account",
    name: "Name",
    result: "Result",
    hours: "Work hours",
    first_in: "First clock-in",
    last_out: "Last clock-out",
    late_min: "Late (min)",
    early_min: "Early (min)",
    time: "Time",
    kind: "Kind",
    ip_seen: "IP (seen by the server)",
    ip_reported: "IP (reported)",
    mac: "MAC (reported)",
    client: "Client",
    clock_in: "In",
    clock_out: "Out",
    today: "Today",
    yesterday: "Yesterday",
    last_month: "Last month",
    members: "Members counted",
    abnormal_members: "Members with abnormal days",
    ranking: "Ranking of abnormal attendance (last month)",
    rank: "#",
    no_ranking: "Nobody had an abnormal day last month.",
    abnormal_people: "Abnormal attendance",
    no_abnormal: "Nobody\u{2019}s attendance was abnormal that day.",
    summary: "Summary",
    whole_scope: "Members",
    back_to_month: "\u{2190} Back to the month",
    member_month_of: "Month of",
    records_of_month: "Clock records of the month",
    not_found: "No such member within your scope.",
    time_zone: "Time zone (IANA name)",
    time_zone_hint: "e.g. Asia/Shanghai, Europe/Berlin, UTC",
    work_start: "Work starts",
    work_end: "Work ends",
    weekdays: "Working weekdays",
    special_working: "Special working dates",
    holidays: "Holidays",
    dates_hint: "YYYY-MM-DD, one per line, or separated by spaces or commas",
    grace: "Grace minutes (late and early)",
    save: "Save the rules",
    applies: "A change applies from the day it is saved (in the rules\u{2019} time zone) on; days already closed keep the results they were judged with.",
    saved_from: "Saved. The new rules apply from",
    read_only: "You may read the rules; changing them needs \u{201c}Set attendance rules\u{201d} over the whole enterprise.",
    history: "Earlier versions",
    changed_at: "Saved at",
    changed_by: "By",
    effective_from: "Applies from",
    current_rules: "Rules",
    rest_day: "Rest day",
    full_stop: ".",
    statuses: [
        "Working days",
        "Normal",
        "Pending",
        "Abnormal",
        "Late",
        "Early leave",
        "Absent",
        "Missing clock-in",
        "Missing clock-out",
        "Rest days",
        "Not counted",
    ],
    day_names: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

pub static ZH: Text = Text {
    overview: "考勤概览",
    daily: "考勤日报",
    monthly: "考勤月报",
    records: "打卡记录",
    rules: "考勤规则",
    me: "我的考勤",
    days: "考勤明细",
    forbidden_view: "此页面需要“查看考勤”权限。",
    forbidden_rules: "此页面需要“设置考勤规则”或“查看考勤”权限。",
    admin_has_no_own: "企业管理员不打卡，没有自己的考勤。",
    failed: "服务器未能完成请求。",
    bad_input: "输入有误：",
    times_in: "日期和时间所用时区：",
    counting_since: "考勤开始统计日期：",
    not_started: "考勤自开启后的次日起统计：",
    no_rules: "尚未设置考勤规则：设置之前不统计任何人。",
    date: "日期",
    month: "月份",
    from: "起始日期",
    to: "截止日期（含当天）",
    member_account: "成员（工号）",
    org: "部门",
    all_orgs: "全部部门",
    any_status: "所有统计日",
    show: "查询",
    export: "导出本月（XLSX）",
    export_en: "英文",
    export_zh: "中文",
    none: "没有可显示的内容。",
    newer: "← 较新",
    older: "较早 →",
    total_records: "记录数：",
    account: "工号",
    name: "姓名",
    result: "结果",
    hours: "上下班时间",
    first_in: "最早上班打卡",
    last_out: "最晚下班打卡",
    late_min: "迟到（分钟）",
    early_min: "早退（分钟）",
    time: "时间",
    kind: "类型",
    ip_seen: "IP（服务器所见）",
    ip_reported: "IP（客户端上报）",
    mac: "MAC（客户端上报）",
    client: "客户端",
    clock_in: "上班",
    clock_out: "下班",
    today: "今天",
    yesterday: "昨天",
    last_month: "上月",
    members: "统计人数",
    abnormal_members: "有异常的人数",
    ranking: "考勤异常排行（上月）",
    rank: "名次",
    no_ranking: "上月无人考勤异常。",
    abnormal_people: "考勤异常人员",
    no_abnormal: "当天无人考勤异常。",
    summary: "汇总",
    whole_scope: "成员",
    back_to_month: "← 返回月报",
    member_month_of: "月度明细：",
    records_of_month: "本月打卡记录",
    not_found: "您的管理范围内没有此成员。",
    time_zone: "时区（IANA 名称）",
    time_zone_hint: "例如 Asia/Shanghai、Europe/Berlin、UTC",
    work_start: "上班时间",
    work_end: "下班时间",
    weekdays: "工作日",
    special_working: "特殊工作日",
    holidays: "节假日",
    dates_hint: "YYYY-MM-DD，每行一个，也可用空格或逗号分隔",
    grace: "宽限分钟数（迟到和早退）",
    save: "保存规则",
    applies: "修改自保存当天（按规则时区）起生效；已结算的日期保留原有结果。",
    saved_from: "已保存。新规则生效日期：",
    read_only: "您可以查看规则；修改规则需要对整个企业的“设置考勤规则”权限。",
    history: "历史版本",
    changed_at: "保存时间",
    changed_by: "操作人",
    effective_from: "生效日期",
    current_rules: "规则",
    rest_day: "休息日",
    full_stop: "。",
    statuses: [
        "应出勤天数",
        "正常",
        "待定",
        "异常",
        "迟到",
        "早退",
        "旷工",
        "缺上班卡",
        "缺下班卡",
        "休息日",
        "不统计",
    ],
    day_names: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
};

/// The table of `lang`.
pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

impl Text {
    /// The label of a status.
    pub fn status(&self, s: Status) -> &'static str {
        let i = Status::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.statuses.get(i).copied().unwrap_or("")
    }

    /// The short name of a weekday.
    pub fn day(&self, d: Day) -> &'static str {
        let i = Day::ALL.iter().position(|x| *x == d).unwrap_or(0);
        self.day_names.get(i).copied().unwrap_or("")
    }
}

fn zh_field(field: &str) -> &str {
    match field {
        "date" => "日期",
        "from" => "起始日期",
        "to" => "截止日期",
        "month" => "月份",
        "page" => "页码",
        "per_page" => "每页条数",
        "org" => "部门",
        "grace" => "宽限分钟数",
        "work_start" => "上班时间",
        "work_end" => "下班时间",
        other => other,
    }
}

/// An input refusal in the page's language.
pub fn input_error(lang: Lang, e: &InputError) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        InputError::Date { field, value } => {
            format!("{}须为日期 YYYY-MM-DD，收到 {value:?}", zh_field(field))
        }
        InputError::Month { field, value } => {
            format!("{}须为月份 YYYY-MM，收到 {value:?}", zh_field(field))
        }
        InputError::Period => format!(
            "截止日期不能早于起始日期，且时间段最长 {} 天",
            crate::view::MAX_PERIOD_DAYS
        ),
        InputError::Status(s) => format!("未知的状态 {s:?}"),
        InputError::Number { field, value } => {
            format!("{}须为正整数，收到 {value:?}", zh_field(field))
        }
        InputError::Ip(v) => format!("IP 地址无效：{v:?}"),
        InputError::Mac(v) => format!("MAC 地址无效：{v:?}"),
        InputError::Client(v) => format!("客户端类型无效：{v:?}"),
        InputError::Kind(v) => format!("打卡类型须为 in 或 out，收到 {v:?}"),
    }
}

/// A refusal of the rules in the page's language.
pub fn rules_error(lang: Lang, e: &RulesError) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        RulesError::UnknownTimeZone(tz) => {
            format!("未知的时区 {tz:?}：请使用 IANA 名称，例如 Asia/Shanghai 或 UTC")
        }
        RulesError::BadTime { field, value } => format!(
            "{}须为 00:00 到 23:59 之间的时间 HH:MM，收到 {value:?}",
            zh_field(field)
        ),
        RulesError::StartNotBeforeEnd { start, end } => {
            format!("上班时间 {start} 须早于同一天的下班时间 {end}（不支持跨夜班次）")
        }
        RulesError::NoWorkingDay => "至少需要一个工作日或特殊工作日".to_string(),
        RulesError::Grace(g) => format!("宽限分钟数须在 0 到 {MAX_GRACE_MINUTES} 之间，收到 {g}"),
        RulesError::BadDate(d) => format!("特殊日期须为日期 YYYY-MM-DD，收到 {d:?}"),
        RulesError::TooManyDates(n) => {
            format!("特殊日期最多 {MAX_SPECIAL_DATES} 个，收到 {n} 个")
        }
        RulesError::WorkingAndHoliday(d) => format!("{d} 不能同时是特殊工作日和节假日"),
    }
}
