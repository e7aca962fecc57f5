//! Migration 2 (closed days keyed by date) over a database an older build filled at
//! version 1: the stored days are kept, the reports answer the same, and the closing job
//! goes on as on a database created at version 2.

use orgdir_plugin_api::rusqlite::types::Value as SqlValue;

use super::reads::{seed, two_weeks};
use super::*;

const COLUMNS: &str = "enterprise, member, date, working, work_start, work_end, first_in, \
                       last_out, records, late_minutes, early_minutes, absent, missing_in, \
                       missing_out";

/// Every stored day of every enterprise, by enterprise, member and date.
async fn stored_days(h: &Harness) -> Vec<Vec<SqlValue>> {
    h.ctx
        .db()
        .read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM attendance_days ORDER BY enterprise, member, date"
            ))?;
            let rows = stmt
                .query_map([], |r| {
                    (0..14)
                        .map(|i| r.get::<_, SqlValue>(i))
                        .collect::<Result<Vec<_>, _>>()
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap()
}

/// The schema objects of `attendance_days`: (type, name, sql).
async fn day_objects(h: &Harness) -> Vec<(String, String, String)> {
    h.ctx
        .db()
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT type, name, COALESCE(sql, '') FROM sqlite_schema
                 WHERE tbl_name LIKE 'attendance_days%' ORDER BY type, name",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap()
}

/// What the reports answer now (bodies of the API and the panel's monthly page).
async fn reports(h: &Harness) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let admin = h.admin();
    let info = h.infoadmin();
    for (who, uri) in [
        (&admin, "/monthly?month=2025-03"),
        (&admin, "/monthly?month=2025-03&member=10012"),
        (&admin, "/overview"),
        (&admin, "/daily?date=2025-03-05"),
        (
            &admin,
            "/days?from=2025-03-01&to=2025-03-31&status=abnormal",
        ),
        (&admin, "/days?from=2025-03-01&to=2025-03-31"),
        (&admin, "/export?month=2025-03&lang=en"),
        (&info, "/monthly?month=2025-03"),
        (&info, "/export?month=2025-03&lang=zh"),
    ] {
        let r = h.call_api(who, Method::GET, uri, None).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        out.push((uri.to_string(), r.body));
    }
    let r = h.get_panel(&admin, "/monthly?month=2025-03").await;
    assert_eq!(r.status, StatusCode::OK);
    out.push(("panel /monthly".into(), r.body));
    out
}

fn same(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) {
    assert_eq!(a.len(), b.len());
    for ((uri, x), (_, y)) in a.iter().zip(b) {
        assert!(
            x == y,
            "{uri} differs:\n{}\n---\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

#[tokio::test]
async fn days_stored_at_version_1_are_kept_and_read_the_same() {
    // An older build: the database at version 1, rules, records, days 3–11 March closed.
    let old = Harness::at_version("2025-03-02 10:00", "2025-03-02 11:00", 1);
    assert_eq!(old.version().await, 1);
    old.standard_rules().await;
    seed(&old).await;
    old.set_now("2025-03-12 00:10");
    assert_eq!(old.close().await, 9);
    // Another enterprise's day, stored by hand.
    old.ctx
        .db()
        .write(|c| {
            c.execute(
                &format!(
                    "INSERT INTO attendance_days ({COLUMNS})
                     VALUES (2, 77, '2025-03-03', 1, 100, 200, 150, NULL, 1, 50, NULL, 0, 0, 1)"
                ),
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    old.set_now("2025-03-13 10:00");
    let days_before = stored_days(&old).await;
    assert_eq!(
        days_before.len(),
        6 * 9 + 1,
        "6 counted members × 9 days, and one"
    );
    let reports_before = reports(&old).await;
    assert!(
        day_objects(&old)
            .await
            .iter()
            .any(|(_, name, _)| name == "attendance_days_by_date")
    );

    // The new build starts: migration 2 runs.
    let new = old.restart();
    assert_eq!(new.version().await, 2);
    assert_eq!(stored_days(&new).await, days_before);
    let objects = day_objects(&new).await;
    assert_eq!(objects.len(), 1, "the table alone: {objects:?}");
    let (kind, name, sql) = &objects[0];
    assert_eq!((kind.as_str(), name.as_str()), ("table", "attendance_days"));
    assert!(
        sql.contains("PRIMARY KEY (enterprise, date, member)") && sql.contains("WITHOUT ROWID"),
        "{sql}"
    );
    same(&reports(&new).await, &reports_before);

    // The closing job goes on as on a database created at version 2 with the same history.
    let fresh = two_weeks().await;
    fresh.set_now("2025-03-12 00:10");
    assert_eq!(fresh.close().await, 9);
    for h in [&new, &fresh] {
        h.set_now("2025-03-14 00:10");
        assert_eq!(h.close().await, 2);
        h.set_now("2025-03-14 19:00");
    }
    let mut want = stored_days(&fresh).await;
    want.push(days_before.last().unwrap().clone());
    assert_eq!(stored_days(&new).await, want);
    same(&reports(&new).await, &reports(&fresh).await);
    // Once is enough: a restart runs nothing more.
    let new = new.restart();
    assert_eq!(new.version().await, 2);
    assert_eq!(stored_days(&new).await, want);
}
