#!/usr/bin/env python3
"""Attendance benchmark helper for bench/attendance.sh (issue 7). Python 3 stdlib only.

Subcommands (times are Unix seconds; the rules' time zone is Asia/Shanghai, UTC+8 with no
daylight saving, so local times are converted with a fixed offset):

  plan     --month YYYY-MM|auto
           prints the month's plan as JSON: its dates, the special dates that make exactly
           22 working days (first weekdays as holidays, or first Saturdays as working days),
           the rules to PUT, the enabling time (noon of the day before the month) and the
           last date the close job can close now (yesterday). `auto` = the previous month.
  setup    --url URL --enterprise N --password P --month M
           signs in as the enterprise administrator, turns the plugin on
           (PUT /api/v1/plugins/attendance) and saves the rules (PUT /api/v1/p/attendance/rules).
  token    --url URL --enterprise N --password P
           prints a bearer token of the enterprise administrator.
  backdate --data-dir D --enterprise N --month M          (server stopped)
           moves the enabling time (enterprises.account → plugins.attendance.changed_at),
           the rules versions' changed_at and the members' created_at before the month, so
           the whole month counts (ATT-2), and forgets the close job's last run so it runs
           at the next start.
  seed     --data-dir D --enterprise N --month M --seed S --expect FILE   (server stopped)
           inserts the clock records of every enabled member for the month into
           <D>/plugins/attendance.db and writes the counts the monthly report must show.
  wait     --data-dir D --enterprise N --month M --pid PID --t0 T --out FILE
           polls attendance_closed until the month and then every finished day are closed;
           writes the times (from T, the server's spawn) and the server's VmHWM and CPU.
  check    --expect FILE --monthly FILE --xlsx FILE
           compares the monthly report's totals with the seeded counts and counts the rows of
           the exported workbook's sheets.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random
import re
import sqlite3
import sys
import time
import urllib.request
import zipfile

TZ_NAME = "Asia/Shanghai"
TZ_OFFSET = 8 * 3600  # Asia/Shanghai has had no daylight saving since 1991.
WORKING_DAYS = 22
GRACE = 5


# ------------------------------------------------------------------ the month


def local_now():
    return dt.datetime.fromtimestamp(time.time() + TZ_OFFSET, dt.timezone.utc).replace(tzinfo=None)


def unix(d, h, m, s=0):
    return calendar.timegm((d.year, d.month, d.day, h, m, s)) - TZ_OFFSET


def plan(month):
    today = local_now().date()
    if month == "auto":
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    else:
        y, m = (int(x) for x in month.split("-"))
        first = dt.date(y, m, 1)
    ndays = calendar.monthrange(first.year, first.month)[1]
    days = [first + dt.timedelta(days=i) for i in range(ndays)]
    last = days[-1]
    yesterday = today - dt.timedelta(days=1)
    if last > yesterday:
        sys.exit(f"month {first:%Y-%m} is not over yet (yesterday was {yesterday})")
    weekdays = [d for d in days if d.weekday() < 5]
    holidays, extra = [], []
    if len(weekdays) > WORKING_DAYS:
        holidays = weekdays[: len(weekdays) - WORKING_DAYS]
    elif len(weekdays) < WORKING_DAYS:
        extra = [d for d in days if d.weekday() == 5][: WORKING_DAYS - len(weekdays)]
    working = sorted((set(weekdays) - set(holidays)) | set(extra))
    assert len(working) == WORKING_DAYS
    ymd = lambda d: d.isoformat()
    rules = {
        "time_zone": TZ_NAME,
        "work_start": "09:00",
        "work_end": "18:00",
        "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "special_working_dates": [ymd(d) for d in extra],
        "special_holiday_dates": [ymd(d) for d in holidays],
        "grace_minutes": GRACE,
    }
    before = first - dt.timedelta(days=1)
    return {
        "month": f"{first:%Y-%m}",
        "first": ymd(first),
        "last": ymd(last),
        "days": [ymd(d) for d in days],
        "working": [ymd(d) for d in working],
        "yesterday": ymd(yesterday),
        "days_to_close": (yesterday - first).days + 1,
        "rules": rules,
        "enabled_at": unix(before, 12, 0),
        "members_created_at": unix(before - dt.timedelta(days=30), 12, 0),
    }


# ------------------------------------------------------------------ HTTP


def call(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {url}: {e.code} {e.read()[:500]!r}")


def sign_in(url, enterprise, password):
    r = call("POST", f"{url}/api/v1/session", {"enterprise": enterprise, "password": password})
    return r["token"]


# ------------------------------------------------------------------ databases


def main_db(data_dir):
    return sqlite3.connect(os.path.join(data_dir, "orgdir.db"), timeout=30)


def plugin_db(data_dir):
    path = os.path.join(data_dir, "plugins", "attendance.db")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist: start the server once with the plugin enabled")
    return sqlite3.connect(path, timeout=30)


def backdate(a):
    p = plan(a.month)
    with main_db(a.data_dir) as c:
        (account,) = c.execute(
            "SELECT account FROM enterprises WHERE number = ?", (a.enterprise,)
        ).fetchone()
        account = json.loads(account)
        setting = account.get("plugins", {}).get("attendance")
        if not setting or not setting.get("enabled"):
            sys.exit("attendance is not on for the enterprise (run setup first)")
        setting["changed_at"] = p["enabled_at"]
        c.execute(
            "UPDATE enterprises SET account = ? WHERE number = ?",
            (json.dumps(account, separators=(",", ":")), a.enterprise),
        )
        n = c.execute(
            "UPDATE members SET created_at = ? WHERE enterprise = ?",
            (p["members_created_at"], a.enterprise),
        ).rowcount
    with plugin_db(a.data_dir) as c:
        v = c.execute(
            "UPDATE attendance_rules SET changed_at = ? WHERE enterprise = ?",
            (p["enabled_at"], a.enterprise),
        ).rowcount
        if v == 0:
            sys.exit("no rules saved for the enterprise (run setup first)")
        c.execute("DELETE FROM _orgdir_jobs WHERE name = 'close_days'")
        c.execute("DELETE FROM attendance_closed WHERE enterprise = ?", (a.enterprise,))
        c.execute("DELETE FROM attendance_days WHERE enterprise = ?", (a.enterprise,))
    print(f"backdated: plugin on and {v} rules version(s) at {p['enabled_at']}, "
          f"{n} members created at {p['members_created_at']}")


CLIENTS = ["windows"] * 10 + ["macos"] * 3 + ["android"] * 3 + ["ios"] * 3 + ["web"]


def seed(a):
    p = plan(a.month)
    rng = random.Random(a.seed)
    with main_db(a.data_dir) as c:
        members = c.execute(
            "SELECT id, disabled FROM members WHERE enterprise = ? ORDER BY id", (a.enterprise,)
        ).fetchall()
    working = {dt.date.fromisoformat(d) for d in p["working"]}
    days = [dt.date.fromisoformat(d) for d in p["days"]]
    # Per member: what the client reports (one device each), and where it connects from.
    who = {}
    for mid, _ in members:
        kind = rng.choice(CLIENTS)
        mac = "" if kind == "web" else ":".join(
            f"{b:02X}" for b in [0x02, rng.randrange(256), rng.randrange(256),
                                 rng.randrange(256), rng.randrange(256), rng.randrange(256)])
        ip_rep = "" if kind == "web" else f"192.168.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}"
        ip_seen = f"10.{mid // 65536 % 256}.{mid // 256 % 256}.{mid % 256}"
        who[mid] = (ip_seen, ip_rep, mac, kind)
    exp = {k: 0 for k in ("members", "working", "normal", "abnormal", "late", "early_leave",
                          "absent", "missing_in", "missing_out", "rest", "late_minutes",
                          "early_minutes", "records", "abnormal_members")}
    rows = []

    def rec(mid, at, kind):
        ip_seen, ip_rep, mac, ck = who[mid]
        # Now and then the client connects from outside (VPN, mobile network).
        if rng.random() < 0.05:
            ip_seen = f"203.0.113.{rng.randrange(1, 255)}"
        rows.append((a.enterprise, mid, at, kind, ip_seen, ip_rep, mac, ck))

    for mid, disabled in members:
        if disabled:
            continue
        exp["members"] += 1
        abnormal_member = False
        for d in days:
            if d not in working:
                exp["rest"] += 1
                if rng.random() < 0.01:  # weekend overtime
                    rec(mid, unix(d, 10, rng.randrange(60), rng.randrange(60)), "in")
                    rec(mid, unix(d, 15, rng.randrange(60), rng.randrange(60)), "out")
                continue
            exp["working"] += 1
            x = rng.random()
            if x < 0.02:
                exp["absent"] += 1
                exp["abnormal"] += 1
                abnormal_member = True
                continue
            missing_in = x < 0.03
            missing_out = 0.03 <= x < 0.045
            late = not missing_in and rng.random() < 0.06
            early = not missing_out and not missing_in and rng.random() < 0.04
            found = False
            if not missing_in:
                if late:
                    m = rng.randrange(6, 120)  # 09:06 .. 10:59: late by m minutes
                    rec(mid, unix(d, 9, 0) + m * 60 + rng.randrange(60), "in")
                    exp["late"] += 1
                    exp["late_minutes"] += m
                    found = True
                else:  # 08:20:00 .. 09:05:59: on time
                    rec(mid, unix(d, 8, 20) + rng.randrange(46 * 60), "in")
                if rng.random() < 0.03:  # a second clock-in later on (the first counts)
                    rec(mid, unix(d, 13, 0) + rng.randrange(3600), "in")
            else:
                exp["missing_in"] += 1
                found = True
            if not missing_out:
                if early:
                    m = rng.randrange(6, 180)  # left m minutes before 18:00
                    rec(mid, unix(d, 18, 0) - m * 60 + rng.randrange(60), "out")
                    exp["early_leave"] += 1
                    exp["early_minutes"] += m
                    found = True
                else:  # 18:00:00 .. 20:29:59
                    rec(mid, unix(d, 18, 0) + rng.randrange(150 * 60), "out")
            else:
                exp["missing_out"] += 1
                found = True
            if found:
                exp["abnormal"] += 1
                abnormal_member = True
            else:
                exp["normal"] += 1
        exp["abnormal_members"] += abnormal_member
    exp["records"] = len(rows)
    rows.sort(key=lambda r: r[2])  # as a live server would have stored them
    t = time.time()
    with plugin_db(a.data_dir) as c:
        c.execute("DELETE FROM attendance_records WHERE enterprise = ?", (a.enterprise,))
        c.executemany(
            "INSERT INTO attendance_records (enterprise, member, at, kind, ip_seen, ip_reported,"
            " mac_reported, client_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    c.close()
    json.dump(exp, open(a.expect, "w"), indent=1)
    print(f"seeded {len(rows)} records of {exp['members']} members over {len(days)} days "
          f"({len(working)} working) in {time.time() - t:.1f} s")


# ------------------------------------------------------------------ the close job


def proc_status(pid):
    st = {}
    try:
        for line in open(f"/proc/{pid}/status"):
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                st[k] = int(v.split()[0])
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        st["cpu_s"] = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        pass
    return st


def wait(a):
    p = plan(a.month)
    path = os.path.join(a.data_dir, "plugins", "attendance.db")
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    marks = {}
    seen = None
    deadline = time.time() + a.timeout
    while True:
        try:
            r = c.execute("SELECT through FROM attendance_closed WHERE enterprise = ?",
                          (a.enterprise,)).fetchone()
        except sqlite3.OperationalError:
            r = None
        now = time.time()
        through = r[0] if r else None
        if through != seen and through is not None:
            seen = through
            st = proc_status(a.pid)
            ev = {"t": round(now - a.t0, 2), "through": through, **st}
            if "first" not in marks:
                marks["first"] = ev
            if through >= p["last"] and "month" not in marks:
                marks["month"] = ev
            if through >= p["yesterday"]:
                marks["all"] = ev
                break
        if now > deadline:
            marks["timeout"] = {"t": round(now - a.t0, 2), "through": through}
            break
        time.sleep(0.05)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c2:
        marks["stored_days"] = c2.execute(
            "SELECT COUNT(*) FROM attendance_days WHERE enterprise = ? AND date BETWEEN ? AND ?",
            (a.enterprise, p["first"], p["last"])).fetchone()[0]
        marks["stored_days_all"] = c2.execute(
            "SELECT COUNT(*) FROM attendance_days WHERE enterprise = ?",
            (a.enterprise,)).fetchone()[0]
    marks["days_to_close"] = p["days_to_close"]
    marks["month_days"] = len(p["days"])
    json.dump(marks, open(a.out, "w"), indent=1)
    print(json.dumps(marks))
    if "timeout" in marks:
        sys.exit("the close job did not finish in time")


# ------------------------------------------------------------------ checks


def check(a):
    exp = json.load(open(a.expect))
    got = json.load(open(a.monthly))
    t = got["totals"]
    bad = []
    if t["members"] != exp["members"]:
        bad.append(f"members {t['members']} != {exp['members']}")
    if t["abnormal_members"] != exp["abnormal_members"]:
        bad.append(f"abnormal_members {t['abnormal_members']} != {exp['abnormal_members']}")
    for k in ("working", "normal", "abnormal", "late", "early_leave", "absent", "missing_in",
              "missing_out", "rest", "late_minutes", "early_minutes"):
        if t["counts"].get(k) != exp[k]:
            bad.append(f"{k} {t['counts'].get(k)} != {exp[k]}")
    if len(got["members"]) != exp["members"]:
        bad.append(f"{len(got['members'])} member lines != {exp['members']}")
    # The workbook: rows per sheet (header included), read through the relationships.
    sheets = {}
    with zipfile.ZipFile(a.xlsx) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = {}
        for tag in re.findall(r"<Relationship [^>]*>", z.read("xl/_rels/workbook.xml.rels").decode()):
            rels[re.search(r' Id="([^"]*)"', tag).group(1)] = re.search(r' Target="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<sheet [^>]*>", wb):
            name = re.search(r' name="([^"]*)"', tag).group(1)
            rid = re.search(r' r:id="([^"]*)"', tag).group(1)
            target = rels[rid].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            n, tail = 0, b""
            with z.open(target) as f:
                while chunk := f.read(1 << 20):
                    buf = tail + chunk
                    n += buf.count(b"</row>")
                    tail = buf[-5:]
            sheets[name] = n
    record_rows = sum(n - 1 for s, n in sheets.items() if s.startswith(("Records", "打卡记录")))
    if record_rows != exp["records"]:
        bad.append(f"{record_rows} record rows in the workbook != {exp['records']} seeded")
    out = {"sheets": sheets, "expected": exp, "totals": t, "problems": bad}
    print(json.dumps(out))
    if bad:
        sys.exit("check failed: " + "; ".join(bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("plan")
    s.add_argument("--month", default="auto")
    s = sub.add_parser("setup")
    s.add_argument("--url", required=True)
    s.add_argument("--enterprise", type=int, required=True)
    s.add_argument("--password", required=True)
    s.add_argument("--month", default="auto")
    s = sub.add_parser("token")
    s.add_argument("--url", required=True)
    s.add_argument("--enterprise", type=int, required=True)
    s.add_argument("--password", required=True)
    for name in ("backdate", "seed", "wait"):
        s = sub.add_parser(name)
        s.add_argument("--data-dir", required=True)
        s.add_argument("--enterprise", type=int, required=True)
        s.add_argument("--month", default="auto")
        if name == "seed":
            s.add_argument("--seed", type=int, default=7)
            s.add_argument("--expect", required=True)
        if name == "wait":
            s.add_argument("--pid", type=int, required=True)
            s.add_argument("--t0", type=float, required=True)
            s.add_argument("--out", required=True)
            s.add_argument("--timeout", type=float, default=1800)
    s = sub.add_parser("check")
    s.add_argument("--expect", required=True)
    s.add_argument("--monthly", required=True)
    s.add_argument("--xlsx", required=True)
    a = ap.parse_args()
    if a.cmd == "plan":
        print(json.dumps(plan(a.month)))
    elif a.cmd == "setup":
        p = plan(a.month)
        token = sign_in(a.url, a.enterprise, a.password)
        call("PUT", f"{a.url}/api/v1/plugins/attendance", {"enabled": True}, token)
        call("PUT", f"{a.url}/api/v1/p/attendance/rules", p["rules"], token)
        print(f"attendance on for {a.enterprise}; rules: {json.dumps(p['rules'])}")
    elif a.cmd == "token":
        print(sign_in(a.url, a.enterprise, a.password))
    elif a.cmd == "backdate":
        backdate(a)
    elif a.cmd == "seed":
        seed(a)
    elif a.cmd == "wait":
        wait(a)
    elif a.cmd == "check":
        check(a)


if __name__ == "__main__":
    main()
