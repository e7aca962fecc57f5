#!/usr/bin/env bash
# Attendance plugin figures (issue 7) on a real release server: 30,000 members, one past
# month with 22 working days, ~1.3 M clock records.
#
#   bench/attendance.sh                   # 30,000 members, 5 runs of each request
#   MEMBERS=3000 RUNS=3 bench/attendance.sh   # smaller, quicker
#
# What it does (everything under $WORK):
#  1. generates the directory (bench/gen/gen_directory.py, the data of bench/run.sh), loads
#     it with `orgdir import-ldif` into a scratch data dir and exports it as CSV (as
#     bench/bulk.sh does); `orgdir init` makes a fresh enterprise 100001 and `orgdir import`
#     (server stopped) imports the CSV into it;
#  2. starts `orgdir serve` with ORGDIR_PLUGINS_ENABLED=attendance (which creates
#     <data>/plugins/attendance.db and runs its migrations), turns the plugin on and saves
#     the rules through the API (09:00-18:00 Asia/Shanghai, Mon-Fri, grace 5 min; special
#     dates make the month exactly 22 working days), notes the server's memory, stops it;
#  3. bench/attendance_seed.py backdates the enabling time, the rules version and the
#     members' creation to before the month (so every day of it counts, ATT-2) and inserts
#     the month's clock records into attendance.db: 2 per member and working day, with 2 %
#     absent, 1 % missing clock-in, 1.5 % missing clock-out, 6 % late, 4 % early leave, 3 %
#     a second clock-in, 1 % weekend overtime, client IPs and MACs;
#  4. starts the server again: the close_days job runs at once and closes every finished
#     day from the month's first to yesterday (one run; at most 62 days per enterprise per
#     run). Timed from the server's spawn by polling attendance_closed;
#  5. signs in as the enterprise administrator and times, RUNS times each, with curl:
#     GET /api/v1/p/attendance/monthly?month=M, GET /api/v1/p/attendance/export?month=M and
#     GET /api/v1/p/attendance/overview (the whole enterprise; the overview's "last month" is
#     the seeded month when M is the previous month); resets the server's peak RSS
#     (/proc/PID/clear_refs) before each series and reads VmHWM (and RssAnon) after it;
#  6. checks the monthly totals against the seeded counts and the workbook's record rows
#     against the seeded records; prints the summary (also in $WORK/summary.txt).
# Nothing here asserts a time.
#
# Environment (all optional): MEMBERS=30000 DEPTS=200 NGROUPS=300 SEED=7 MONTH=auto (the
# previous month; YYYY-MM for another finished month), RUNS=5, QUIET_PCT=20 QUIET_WAIT=120
# (before each measurement, wait until other processes use less than QUIET_PCT % of a core),
# WORK=target/bench-attendance, ORGDIR_BIN=path (else `cargo build --release -p orgdir`).
set -euo pipefail
export LC_ALL=C.UTF-8

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MEMBERS=${MEMBERS:-30000}
DEPTS=${DEPTS:-200}
NGROUPS=${NGROUPS:-300}
SEED=${SEED:-7}
MONTH=${MONTH:-auto}
RUNS=${RUNS:-5}
WORK=${WORK:-$REPO/target/bench-attendance}
ENT=100001
SUPER_PW=Bench-Admin-Passw0rd-1
SEEDPY="$HERE/attendance_seed.py"

log() { printf '[attendance %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$WORK"
exec 9>"$WORK/.lock"
flock -n 9 || { log "another run uses $WORK"; exit 1; }

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

if [ -z "${ORGDIR_BIN:-}" ]; then
    log "building orgdir (cargo build --release -p orgdir)"
    (cd "$REPO" && cargo build --release -q -p orgdir)
    ORGDIR_BIN=$REPO/target/release/orgdir
fi
PLAN=$(python3 "$SEEDPY" plan --month "$MONTH")
M=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["month"])' "$PLAN")
log "month $M; $(python3 -c 'import json,sys; p=json.loads(sys.argv[1]); print(len(p["working"]), "working days, the job closes", p["days_to_close"], "days (to", p["yesterday"] + ")")' "$PLAN")"

# ------------------------------------------------------------------ the directory
DATA=$WORK/gen/m$MEMBERS-d$DEPTS-g$NGROUPS-s$SEED
if [ ! -s "$DATA/meta.json" ]; then
    log "generating $MEMBERS members into $DATA"
    rm -rf "$DATA.tmp"
    python3 "$HERE/gen/gen_directory.py" --outdir "$DATA.tmp" --members "$MEMBERS" \
        --depts "$DEPTS" --groups "$NGROUPS" --seed "$SEED" --argon2 0 >/dev/null
    mv "$DATA.tmp" "$DATA"
fi
RUN=$WORK/run
rm -rf "$RUN" && mkdir -p "$RUN"
DD=$RUN/data
export ORGDIR_LOG_LEVEL=warn
log "members file: import-ldif into a scratch data dir, export as CSV"
"$ORGDIR_BIN" import-ldif --data-dir "$RUN/src" --number 100009 --seats $((MEMBERS + 1000)) \
    "$DATA/directory.ldif" >"$RUN/import-ldif.log" 2>&1 || { tail -20 "$RUN/import-ldif.log" >&2; exit 1; }
"$ORGDIR_BIN" export --enterprise 100009 --data-dir "$RUN/src" --out "$RUN/members.csv" \
    >"$RUN/export-members.log" 2>&1 || { cat "$RUN/export-members.log" >&2; exit 1; }
log "fresh enterprise $ENT (orgdir init) and orgdir import of $(($(wc -l <"$RUN/members.csv") - 1)) rows"
"$ORGDIR_BIN" init --data-dir "$DD" --number "$ENT" --short-name Bench \
    --seats $((MEMBERS + 1000)) --account-range 10000-99999 \
    <<<"$SUPER_PW" >"$RUN/init.log" 2>&1 || { cat "$RUN/init.log" >&2; exit 1; }
/usr/bin/time -f '%e %M' -o "$RUN/time-import.txt" "$ORGDIR_BIN" import "$RUN/members.csv" \
    --enterprise "$ENT" --data-dir "$DD" >"$RUN/import.log" 2>&1 || { cat "$RUN/import.log" >&2; exit 1; }
grep -h 'checked:' "$RUN/import.log" >&2 || true

# ------------------------------------------------------------------ server helpers
READY=$RUN/ready.json
T0=0
start_server() {   # start_server NAME
    rm -f "$READY"
    T0=$(date +%s.%N)
    env ORGDIR_PLUGINS_ENABLED=attendance ORGDIR_SECURITY_UPGRADE_HASHES=false \
        ORGDIR_LDAP_LISTEN=127.0.0.1:0 ORGDIR_LDAP_LDAPS_LISTEN= ORGDIR_HTTP_LISTEN=127.0.0.1:0 \
        "$ORGDIR_BIN" serve --data-dir "$DD" --ready-file "$READY" >"$RUN/server-$1.log" 2>&1 &
    SERVER_PID=$!
}
wait_ready() {
    for _ in $(seq 1 12000); do
        [ -s "$READY" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.01
    done
    [ -s "$READY" ] || { tail -20 "$RUN"/server-*.log >&2; log "orgdir did not come up"; exit 1; }
    READY_S=$(python3 -c "import time; print(f'{time.time() - $T0:.2f}')")
    URL=http://$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$READY")
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# cpu_mark: the machine's busy jiffies, the server's (utime + stime) and the time now.
cpu_mark() {
    echo "$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat)" \
        "$(sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}')" "$(date +%s.%N)"
}
reset_peak() { echo 5 >"/proc/$SERVER_PID/clear_refs"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }

# wait_quiet: waits (at most QUIET_WAIT s) until the rest of the machine uses less than
# QUIET_PCT % of a core over one second (the machine is shared).
QUIET_PCT=${QUIET_PCT:-20}
QUIET_WAIT=${QUIET_WAIT:-120}
wait_quiet() {
    local waited=0 a b busy=0
    while [ "$waited" -lt "$QUIET_WAIT" ]; do
        a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
        sleep 1
        b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
        busy=$(echo "$a $b" | awk -v n="$(nproc)" '{d=$4-$2; if (d<=0) d=1; printf "%d", 100*n*($3-$1)/d}')
        [ "$busy" -lt "$QUIET_PCT" ] && return 0
        waited=$((waited + 1))
    done
    log "the machine stayed busy (${busy}% of a core); measuring anyway"
}

# ------------------------------------------------------------------ plugin on, rules
log "first start: migrations, plugin on, rules"
start_server setup
wait_ready
python3 "$SEEDPY" setup --url "$URL" --enterprise "$ENT" --password "$SUPER_PW" --month "$M" >&2
BASE_HWM=$(status_kb "$SERVER_PID" VmHWM)
BASE_RSS=$(status_kb "$SERVER_PID" VmRSS)
stop_server

python3 "$SEEDPY" backdate --data-dir "$DD" --enterprise "$ENT" --month "$M" >&2
/usr/bin/time -f '%e' -o "$RUN/time-seed.txt" python3 "$SEEDPY" seed --data-dir "$DD" \
    --enterprise "$ENT" --month "$M" --seed "$SEED" --expect "$RUN/expect.json" >&2
DB_SEEDED=$(stat -c %s "$DD/plugins/attendance.db")

# ------------------------------------------------------------------ close_days
wait_quiet
log "second start: close_days closes the month and the days after it"
start_server close
python3 "$SEEDPY" wait --data-dir "$DD" --enterprise "$ENT" --month "$M" --pid "$SERVER_PID" \
    --t0 "$T0" --out "$RUN/close.json" >"$RUN/wait.log" &
WAITER=$!
wait_ready
wait "$WAITER" || { cat "$RUN/wait.log" >&2; exit 1; }
CLOSE_READY_S=$READY_S
AFTER_CLOSE_RSS=$(status_kb "$SERVER_PID" VmRSS)
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(PASSIVE)")' \
    "$DD/plugins/attendance.db" 2>/dev/null || true
DB_CLOSED=$(stat -c %s "$DD/plugins/attendance.db")

# ------------------------------------------------------------------ reports
TOKEN=$(python3 "$SEEDPY" token --url "$URL" --enterprise "$ENT" --password "$SUPER_PW")
# series NAME PATH: RUNS timed GETs; the peak RSS is reset before the series.
series() {
    local name=$1 path=$2 i
    wait_quiet
    : >"$RUN/$name.times"
    local rss_before
    rss_before=$(status_kb "$SERVER_PID" VmRSS)
    reset_peak
    local mark0
    mark0=$(cpu_mark)
    for i in $(seq 1 "$RUNS"); do
        curl -sS --max-time 600 -o "$RUN/$name.out" -H "Authorization: Bearer $TOKEN" \
            -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}\n' \
            "$URL$path" >>"$RUN/$name.times"
    done
    echo "$rss_before $(status_kb "$SERVER_PID" VmHWM) $(status_kb "$SERVER_PID" VmRSS)" \
        "$mark0 $(cpu_mark) $(getconf CLK_TCK) $(status_kb "$SERVER_PID" RssAnon)" >"$RUN/$name.mem"
    if awk '$1 != 200 {bad=1} END {exit !bad}' "$RUN/$name.times"; then
        head -c 600 "$RUN/$name.out" >&2; echo >&2
        log "$name: not 200"; exit 1
    fi
    log "$name: $(awk '{printf "%s ", $3}' "$RUN/$name.times")s"
}
log "timing the monthly report and the export ($RUNS runs each)"
series monthly "/api/v1/p/attendance/monthly?month=$M"
series export "/api/v1/p/attendance/export?month=$M&lang=en"
cp "$RUN/export.out" "$RUN/attendance-$M.xlsx"
series overview "/api/v1/p/attendance/overview"
python3 "$SEEDPY" check --expect "$RUN/expect.json" --monthly "$RUN/monthly.out" \
    --xlsx "$RUN/attendance-$M.xlsx" >"$RUN/check.json" || { cat "$RUN/check.json" >&2; exit 1; }
FINAL_HWM=$(status_kb "$SERVER_PID" VmHWM)
stop_server

# ------------------------------------------------------------------ summary
if grep -q rust_xlsxwriter "$REPO/plugins/attendance/src/export.rs"; then
    WRITER=rust_xlsxwriter
elif grep -q orgdir_xlsx "$REPO/plugins/attendance/src/export.rs"; then
    WRITER=orgdir_xlsx
else
    WRITER=unknown
fi
python3 - "$RUN" "$PLAN" "$WRITER" "$(cat "$RUN/time-import.txt")" "$(cat "$RUN/time-seed.txt")" \
    "$BASE_HWM" "$BASE_RSS" "$CLOSE_READY_S" "$AFTER_CLOSE_RSS" "$DB_SEEDED" "$DB_CLOSED" \
    "$RUNS" "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" <<'EOF' | tee "$WORK/summary.txt"
import json, statistics, sys
(run, plan, writer, t_import, t_seed, base_hwm, base_rss, ready_s, after_close_rss,
 db_seeded, db_closed, runs, commit) = sys.argv[1:]
plan = json.loads(plan)
exp = json.load(open(f"{run}/expect.json"))
close = json.load(open(f"{run}/close.json"))
check = json.load(open(f"{run}/check.json"))
mb = lambda kb: f"{int(kb) / 1024:.0f} MB"
print(f"attendance bench: {exp['members']} members, month {plan['month']} "
      f"({len(plan['working'])} working days), {exp['records']} clock records; "
      f"export writer {writer}; commit {commit}")
print(f"orgdir import (server stopped): {t_import.split()[0]} s; seeding records: {t_seed} s; "
      f"attendance.db {int(db_seeded) / 1e6:.0f} MB seeded, {int(db_closed) / 1e6:.0f} MB after closing")
print(f"server with {exp['members']} members, plugin on, no records: VmHWM {mb(base_hwm)}, VmRSS {mb(base_rss)}")
f, m, a = close["first"], close["month"], close["all"]
per_day = (m["t"] - f["t"]) / max(1, close["month_days"] - 1)
print(f"close_days (timed from the server's spawn; ready after {ready_s} s): "
      f"first day closed {f['t']} s, month ({close['month_days']} days, {close['stored_days']} day rows) "
      f"closed {m['t']} s, every finished day ({close['days_to_close']} days, "
      f"{close['stored_days_all']} rows) {a['t']} s; ~{per_day:.2f} s per day; "
      f"server CPU {a.get('cpu_s', 0):.1f} s; VmHWM {mb(a.get('VmHWM', 0))}, "
      f"VmRSS after {mb(after_close_rss)}")
for name in ("monthly", "export", "overview"):
    rows = [l.split() for l in open(f"{run}/{name}.times")]
    totals = [float(r[2]) for r in rows]
    before, hwm, after, b0, s0, t0, b1, s1, t1, hz, anon = open(f"{run}/{name}.mem").read().split()
    wall = float(t1) - float(t0)
    server_pct = 100 * (int(s1) - int(s0)) / int(hz) / wall
    other_pct = 100 * ((int(b1) - int(b0)) - (int(s1) - int(s0))) / int(hz) / wall
    print(f"GET {name}: median {statistics.median(totals):.2f} s, min {min(totals):.2f}, "
          f"max {max(totals):.2f} over {runs} runs (each: {' '.join(f'{t:.2f}' for t in totals)}); "
          f"{int(rows[-1][3]) / 1e6:.1f} MB; server VmRSS before {mb(before)}, peak during {mb(hwm)}, "
          f"after {mb(after)} (RssAnon {mb(anon)}); server CPU {server_pct:.0f} % of a core, "
          f"other processes {other_pct:.0f} %")
print(f"checks: monthly totals = seeded counts; workbook sheets {check['sheets']}")
print(f"totals: {json.dumps(check['totals'])}")
EOF
