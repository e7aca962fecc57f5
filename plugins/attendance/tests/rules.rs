//! Rules: validation messages, the stored JSON form, and which version governs a date.

use orgdir_attendance::{Day, Rules, RulesHistory, RulesSpec, RulesVersion, calendar};

use crate::common::{at, base, date, rules};

#[test]
fn refusals() {
    type Tweak = fn(&mut RulesSpec);
    let cases: &[(Tweak, &str)] = &[
        (
            |s| s.time_zone = "Mars/Olympus".into(),
            "unknown time zone \"Mars/Olympus\": use an IANA name such as Asia/Shanghai or UTC",
        ),
        (
            |s| s.work_start = "9:00".into(),
            "work_start must be a time HH:MM between 00:00 and 23:59, got \"9:00\"",
        ),
        (
            |s| s.work_end = "24:00".into(),
            "work_end must be a time HH:MM between 00:00 and 23:59, got \"24:00\"",
        ),
        (
            |s| {
                s.work_start = "22:00".into();
                s.work_end = "06:00".into();
            },
            "work start 22:00 must be before work end 06:00 on the same day (overnight shifts are not supported)",
        ),
        (
            |s| s.work_end = "09:00".into(),
            "work start 09:00 must be before work end 09:00 on the same day (overnight shifts are not supported)",
        ),
        (
            |s| s.working_weekdays.clear(),
            "at least one working weekday or special working date is required",
        ),
        (
            |s| s.grace_minutes = 121,
            "grace_minutes must be between 0 and 120, got 121",
        ),
        (
            |s| s.special_holiday_dates = vec!["2025-02-30".into()],
            "special date must be a date YYYY-MM-DD, got \"2025-02-30\"",
        ),
        (
            |s| s.special_working_dates = vec!["2025/03/08".into()],
            "special date must be a date YYYY-MM-DD, got \"2025/03/08\"",
        ),
        (
            |s| {
                s.special_working_dates = vec!["2025-03-08".into()];
                s.special_holiday_dates = vec!["2025-10-01".into(), "2025-03-08".into()];
            },
            "2025-03-08 is listed both as a special working date and as a special holiday",
        ),
        (
            |s| s.special_holiday_dates = vec!["2025-01-01".into(); 1001],
            "at most 1000 special dates are allowed, got 1001",
        ),
    ];
    for (tweak, message) in cases {
        let mut spec = base("Asia/Shanghai");
        tweak(&mut spec);
        assert_eq!(Rules::new(&spec).unwrap_err().to_string(), *message);
    }
    // The limits themselves are fine; only special dates can make the working days.
    let mut spec = base("UTC");
    spec.grace_minutes = 120;
    spec.working_weekdays.clear();
    spec.special_working_dates = vec!["2025-03-08".into()];
    spec.special_holiday_dates = vec!["2025-01-01".into(); 999];
    assert!(Rules::new(&spec).is_ok());
}

#[test]
fn stored_form_round_trips_normalized_and_is_checked_when_read() {
    let json = r#"{"time_zone":"America/New_York","work_start":"08:30","work_end":"17:15",
        "working_weekdays":["fri","mon","mon"],"special_working_dates":["2025-03-08"],
        "special_holiday_dates":["2025-12-25","2025-01-01","2025-12-25"],"grace_minutes":3}"#;
    let rules: Rules = serde_json::from_str(json).unwrap();
    assert_eq!(rules.working_weekdays(), [Day::Mon, Day::Fri]);
    let stored = serde_json::to_string(&rules).unwrap();
    assert_eq!(
        stored,
        r#"{"time_zone":"America/New_York","work_start":"08:30","work_end":"17:15","working_weekdays":["mon","fri"],"special_working_dates":["2025-03-08"],"special_holiday_dates":["2025-01-01","2025-12-25"],"grace_minutes":3}"#
    );
    assert_eq!(serde_json::from_str::<Rules>(&stored).unwrap(), rules);

    let bad = json.replace("17:15", "07:15");
    let err = serde_json::from_str::<Rules>(&bad).unwrap_err().to_string();
    assert!(err.contains("overnight shifts are not supported"), "{err}");
    let unknown = json.replace("\"grace_minutes\"", "\"grace\"");
    assert!(serde_json::from_str::<Rules>(&unknown).is_err());
    // Optional fields default.
    let minimal =
        r#"{"time_zone":"UTC","work_start":"09:00","work_end":"18:00","working_weekdays":["sat"]}"#;
    let r: Rules = serde_json::from_str(minimal).unwrap();
    assert_eq!(r.grace_minutes(), 0);
    assert!(r.is_working_day(date("2025-03-08")));
    assert!(!r.is_working_day(date("2025-03-07")));
}

#[test]
fn working_days() {
    let r = rules("Asia/Shanghai", |s| {
        s.special_working_dates = vec!["2025-09-28".into()];
        s.special_holiday_dates = vec!["2025-10-01".into()];
    });
    let got: Vec<bool> = [
        "2025-09-26",
        "2025-09-27",
        "2025-09-28",
        "2025-09-30",
        "2025-10-01",
    ]
    .map(|d| r.is_working_day(date(d)))
    .to_vec();
    assert_eq!(got, [true, false, true, true, false]);
}

#[test]
fn version_in_force() {
    let sh = calendar::time_zone("Asia/Shanghai").unwrap();
    let a = rules("Asia/Shanghai", |s| s.work_start = "08:00".into());
    let b = rules("Asia/Shanghai", |s| s.work_start = "08:30".into());
    let c = rules("Asia/Shanghai", |s| s.work_start = "09:30".into());
    // Saved 00:10 Shanghai on 3 March = 16:10 UTC on 2 March: effective 3 March (its own
    // time zone decides).
    let history = RulesHistory::new([
        RulesVersion {
            changed_at: at(date("2025-03-10"), "09:00", &sh),
            rules: b.clone(),
        },
        RulesVersion {
            changed_at: at(date("2025-03-03"), "00:10", &sh),
            rules: a.clone(),
        },
        // Saved the same day later: the later one governs the whole day.
        RulesVersion {
            changed_at: at(date("2025-03-10"), "17:00", &sh),
            rules: c.clone(),
        },
    ]);
    let start = |d| {
        history
            .in_force(date(d))
            .map(|r| calendar::hh_mm(r.work_start()))
    };
    assert_eq!(start("2025-03-02"), None);
    assert_eq!(start("2025-03-03").as_deref(), Some("08:00"));
    assert_eq!(start("2025-03-09").as_deref(), Some("08:00"));
    assert_eq!(start("2025-03-10").as_deref(), Some("09:30"));
    assert_eq!(start("2026-01-01").as_deref(), Some("09:30"));
    assert_eq!(history.current(), Some(&c));
    assert_eq!(history.versions().count(), 3);
    // Version JSON (as a storage row could keep it).
    let v = RulesVersion {
        changed_at: 1_700_000_000,
        rules: b,
    };
    let back: RulesVersion = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(back, v);
}
