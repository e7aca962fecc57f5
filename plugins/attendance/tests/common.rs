//! Shared fixtures: rules from a base spec, local times written as text, results rendered
//! as one line so tables stay readable.

use orgdir_attendance::jiff::civil::{Date, Time};
use orgdir_attendance::jiff::tz::TimeZone;
use orgdir_attendance::{DayResult, Kind, Progress, Punch, Rules, RulesSpec, calendar};

/// Mon–Fri 09:00–18:00 in `tz`, no grace, then `tweak`.
pub fn rules(tz: &str, tweak: fn(&mut RulesSpec)) -> Rules {
    let mut spec = base(tz);
    tweak(&mut spec);
    Rules::new(&spec).unwrap()
}

pub fn base(tz: &str) -> RulesSpec {
    serde_json::from_value(serde_json::json!({
        "time_zone": tz,
        "work_start": "09:00",
        "work_end": "18:00",
        "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
    }))
    .unwrap()
}

pub fn date(s: &str) -> Date {
    calendar::parse_ymd(s).unwrap()
}

/// `"HH:MM"` or `"HH:MM:SS"` on `day`, optionally prefixed by a day offset (`"+1 00:30"`,
/// `"-1 23:50"`), as Unix seconds in `tz`.
pub fn at(day: Date, spec: &str, tz: &TimeZone) -> i64 {
    let (offset, time) = match spec.split_once(' ') {
        Some((o, t)) => (o.parse::<i64>().unwrap(), t),
        None => (0, spec),
    };
    let mut parts = time.split(':').map(|p| p.parse::<i8>().unwrap());
    let h = parts.next().unwrap();
    let m = parts.next().unwrap();
    let s = parts.next().unwrap_or(0);
    let d = day
        .checked_add(orgdir_attendance::jiff::Span::new().days(offset))
        .unwrap();
    calendar::unix_at(d, Time::new(h, m, s, 0).unwrap(), tz)
}

pub fn punches(day: Date, list: &[(&str, &str)], tz: &TimeZone) -> Vec<Punch> {
    list.iter()
        .map(|(k, t)| Punch {
            at: at(day, t, tz),
            kind: k.parse::<Kind>().unwrap(),
        })
        .collect()
}

fn clock(at: Option<i64>, tz: &TimeZone) -> String {
    match at {
        Some(at) => {
            let t = calendar::local_datetime(at, tz);
            format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        }
        None => "-".into(),
    }
}

/// One line: `not counted`, `rest records=N`, or
/// `<progress> <findings|normal|pending> in=HH:MM:SS out=HH:MM:SS`.
pub fn render(r: &DayResult, tz: &TimeZone) -> String {
    match r {
        DayResult::NotCounted => "not counted".into(),
        DayResult::Rest(rest) => format!("rest records={}", rest.records),
        DayResult::Working(w) => {
            let progress = match w.progress {
                Progress::BeforeStart => "before_start",
                Progress::AtWork => "at_work",
                Progress::AfterWork => "after_work",
                Progress::Closed => "closed",
            };
            let mut findings = Vec::new();
            if let Some(m) = w.late_minutes {
                findings.push(format!("late={m}"));
            }
            if let Some(m) = w.early_minutes {
                findings.push(format!("early={m}"));
            }
            for (flag, name) in [
                (w.absent, "absent"),
                (w.missing_in, "missing_in"),
                (w.missing_out, "missing_out"),
            ] {
                if flag {
                    findings.push(name.to_string());
                }
            }
            if findings.is_empty() {
                findings.push(if w.is_pending() { "pending" } else { "normal" }.into());
            }
            format!(
                "{progress} {} in={} out={}",
                findings.join(" "),
                clock(w.first_in, tz),
                clock(w.last_out, tz)
            )
        }
    }
}
