#!/usr/bin/env bash
# An online spreadsheet import (SPEC IMP-2, issue 6) on a running release server while an
# LDAP load runs against it: LDAP throughput and latency before, during and after the
# import, and the import's wall time.
#
#   bench/online_import.sh                  # 30,000 members, search_uid with 8 connections
#   MEMBERS=5000 bench/online_import.sh     # smaller, quicker
#
# What it does (everything under $WORK):
#  1. generates the directory (bench/gen/gen_directory.py, the data of bench/run.sh, no
#     argon2id members) and loads it with `orgdir import-ldif` as enterprise 100001 (with
#     the reader service account); `orgdir init` adds an empty enterprise 100002;
#  2. starts `orgdir serve` (pinned to CPU $SERVER_CPU) and exports 100001 as CSV with
#     `orgdir export` beside it (the import file: every member, every org path);
#  3. for each scenario, runs the load generator (bench/loadgen, pinned to CPU
#     $LOADGEN_CPU) in back-to-back slices of $SLICE seconds: $BEFORE slices before the
#     import, slices for as long as the `orgdir import` process runs, $AFTER slices after;
#     scenarios: `new` = the file into the empty enterprise 100002 (every org created, every
#     member added), `update` = the file with every title changed into 100001 itself (the
#     enterprise under load: every member changed, its snapshot rebuilt);
#  4. prints one line per slice (raw) and a table per scenario and phase: ops/s over the
#     phase (all ops / all seconds), the median of the slices' p50 and p99, the largest
#     slice p99 and the largest latency, the median server and other-process CPU (100 = one
#     core) and the server's largest RSS; then the import's wall time (/usr/bin/time) and
#     the command's own progress lines. Nothing here asserts a time.
#
# Environment (all optional): MEMBERS=30000 DEPTS=200 NGROUPS=300 SEED=7, WORKLOAD=search_uid,
# CLIENTS=8, SLICE=0.5, BEFORE=20, AFTER=10, SCENARIOS="new update", SERVER_CPU=0
# LOADGEN_CPU=1 ("" = no pinning), QUIET_PCT=20 QUIET_WAIT=120 (before the baseline and
# before the import, wait until other processes use less than QUIET_PCT % of a core),
# WORK=target/bench-online, ORGDIR_BIN=path (else `cargo build --release -p orgdir`).
set -euo pipefail
export LC_ALL=C.UTF-8

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MEMBERS=${MEMBERS:-30000}
DEPTS=${DEPTS:-200}
NGROUPS=${NGROUPS:-300}
SEED=${SEED:-7}
WORKLOAD=${WORKLOAD:-search_uid}
CLIENTS=${CLIENTS:-8}
SLICE=${SLICE:-0.5}
BEFORE=${BEFORE:-20}
AFTER=${AFTER:-10}
SCENARIOS=${SCENARIOS:-new update}
SERVER_CPU=${SERVER_CPU-0}
LOADGEN_CPU=${LOADGEN_CPU-1}
WORK=${WORK:-$REPO/target/bench-online}
BASE=dc=example,dc=com
READER_DN="cn=reader,ou=services,$BASE"
READER_PW=Reader-Passw0rd

log() { printf '[online %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pin() { if [ -n "$1" ]; then echo "taskset -c $1"; fi; }

mkdir -p "$WORK"
exec 9>"$WORK/.lock"
flock -n 9 || { log "another run uses $WORK"; exit 1; }

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ builds and data
if [ -z "${ORGDIR_BIN:-}" ]; then
    log "building orgdir (cargo build --release -p orgdir)"
    (cd "$REPO" && cargo build --release -q -p orgdir)
    ORGDIR_BIN=$REPO/target/release/orgdir
fi
log "building the load generator"
(cd "$HERE/loadgen" && CARGO_TARGET_DIR=$WORK/target cargo build --release --locked -q)
LOADGEN=$WORK/target/release/orgdir-loadgen

DATA=$WORK/data/m$MEMBERS-d$DEPTS-g$NGROUPS-s$SEED
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
log "loading the directory (import-ldif) and an empty enterprise (init)"
env ORGDIR_SECURITY_UPGRADE_HASHES=false "$ORGDIR_BIN" import-ldif --data-dir "$DD" \
    --number 100001 --seats $((MEMBERS + 1000)) "$DATA/directory.ldif" "$DATA/services.ldif" \
    >"$RUN/import-ldif.log" 2>&1 || { tail -20 "$RUN/import-ldif.log" >&2; exit 1; }
"$ORGDIR_BIN" init --data-dir "$DD" --number 100002 --short-name Fresh \
    --seats $((MEMBERS + 1000)) --account-range 10000-99999 \
    <<<"Fresh-Admin-Passw0rd-1" >"$RUN/init.log" 2>&1 || { cat "$RUN/init.log" >&2; exit 1; }

# ------------------------------------------------------------------ server
READY=$RUN/ready.json
env ORGDIR_SECURITY_UPGRADE_HASHES=false ORGDIR_LDAP_LISTEN=127.0.0.1:0 ORGDIR_LDAP_LDAPS_LISTEN= \
    ORGDIR_HTTP_LISTEN= $(pin "$SERVER_CPU") "$ORGDIR_BIN" serve --data-dir "$DD" \
    --ready-file "$READY" >"$RUN/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 12000); do
    [ -s "$READY" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
done
[ -s "$READY" ] || { tail -20 "$RUN/server.log" >&2; log "orgdir did not come up"; exit 1; }
PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ldap"].rsplit(":",1)[1])' "$READY")
[ -S "$DD/control.sock" ] || { log "no control socket in $DD"; exit 1; }
log "orgdir pid $SERVER_PID on port $PORT"

log "exporting enterprise 100001 (the import file)"
"$ORGDIR_BIN" export --enterprise 100001 --data-dir "$DD" --out "$RUN/members.csv" 2>"$RUN/export.log"
python3 - "$RUN/members.csv" "$RUN/retitled.csv" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
col = rows[0].index("title")
for r in rows[1:]:
    r[col] = (r[col] + " II").strip()
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows(rows)
EOF
ROWS=$(($(wc -l <"$RUN/members.csv") - 1))

LINES=$RUN/slices.txt
: >"$LINES"
slice() {   # slice SCENARIO PHASE: one load-generator run of $SLICE seconds
    $(pin "$LOADGEN_CPU") "$LOADGEN" --port "$PORT" --data "$DATA" --base "$BASE" \
        --bind-dn "$READER_DN" --bind-pw "$READER_PW" --server-pid "$SERVER_PID" \
        --workload "$WORKLOAD" --clients "$CLIENTS" --duration "$SLICE" --warmup 0 \
        --label "scenario=$1 phase=$2" >>"$LINES"
}

# wait_quiet: waits (at most QUIET_WAIT s) until the rest of the machine uses less than
# QUIET_PCT % of a core over one second (the server is idle then; the machine is shared).
QUIET_PCT=${QUIET_PCT:-20}
QUIET_WAIT=${QUIET_WAIT:-120}
wait_quiet() {
    local waited=0 a b busy
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

log "smoke test"
$(pin "$LOADGEN_CPU") "$LOADGEN" --port "$PORT" --data "$DATA" --base "$BASE" \
    --bind-dn "$READER_DN" --bind-pw "$READER_PW" --smoke --workload "$WORKLOAD" >/dev/null

for sc in $SCENARIOS; do
    case $sc in
        new) file=$RUN/members.csv; ent=100002 ;;
        update) file=$RUN/retitled.csv; ent=100001 ;;
        *) log "unknown scenario $sc"; exit 1 ;;
    esac
    wait_quiet
    log "$sc: $BEFORE slices before"
    for _ in $(seq 1 "$BEFORE"); do slice "$sc" before; done
    wait_quiet
    log "$sc: importing $ROWS rows into $ent while the load runs"
    $(pin "$LOADGEN_CPU") /usr/bin/time -f '%e' -o "$RUN/time-$sc.txt" \
        "$ORGDIR_BIN" import "$file" --enterprise "$ent" --data-dir "$DD" \
        >"$RUN/import-$sc.log" 2>&1 &
    ipid=$!
    # The import may end while a slice still runs: that slice counts as "during".
    while kill -0 "$ipid" 2>/dev/null; do slice "$sc" during; done
    rc=0
    wait "$ipid" || rc=$?
    echo "# import scenario=$sc rows=$ROWS enterprise=$ent rc=$rc wall_s=$(tail -1 "$RUN/time-$sc.txt")" >>"$LINES"
    [ "$rc" = 0 ] || { cat "$RUN/import-$sc.log" >&2; log "import failed"; exit 1; }
    log "$sc: $AFTER slices after"
    for _ in $(seq 1 "$AFTER"); do slice "$sc" after; done
done

# ------------------------------------------------------------------ report
echo "# raw slices: $LINES"
python3 - "$LINES" <<'EOF'
import statistics, sys
runs, imports = [], []
for line in open(sys.argv[1]):
    kv = dict(p.split("=", 1) for p in line.replace("# import ", "").split() if "=" in p)
    (imports if line.startswith("# import") else runs).append(kv)
print("| scenario | phase | slices | ops/s | p50 ms (median) | p99 ms (median) | p99 ms (worst slice) | max ms | errors | server CPU % | other CPU % | server RSS MB (max) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for sc in dict.fromkeys(r["scenario"] for r in runs):
    for ph in ("before", "during", "after"):
        rs = [r for r in runs if r["scenario"] == sc and r["phase"] == ph]
        if not rs:
            continue
        ops = sum(int(r["ops"]) for r in rs)
        secs = sum(float(r["duration_s"]) for r in rs)
        p50 = statistics.median(int(r["p50_us"]) for r in rs) / 1000
        p99 = [int(r["p99_us"]) / 1000 for r in rs]
        mx = max(int(r["max_us"]) for r in rs) / 1000
        err = sum(int(r["errors"]) + int(r["io_errors"]) + int(r["mismatches"]) for r in rs)
        cpu = statistics.median(int(r.get("server_cpu_pct", 0)) for r in rs)
        other = statistics.median(int(r.get("other_cpu_pct", 0)) for r in rs)
        rss = max(int(r.get("server_vmrss_kb", 0)) for r in rs) / 1024
        print(f"| {sc} | {ph} | {len(rs)} | {ops / secs:.0f} | {p50:.2f} | {statistics.median(p99):.2f} | {max(p99):.2f} | {mx:.1f} | {err} | {cpu:.0f} | {other:.0f} | {rss:.0f} |")
for i in imports:
    print(f"import {i['scenario']}: {i['rows']} rows into {i['enterprise']}, wall {i['wall_s']} s (rc {i['rc']})")
EOF
for sc in $SCENARIOS; do
    echo "--- orgdir import ($sc) said:"
    cat "$RUN/import-$sc.log"
done
