#!/usr/bin/env bash
# orgdir vs OpenLDAP slapd, side by side, on the same generated directory.
#
#   bench/run.sh                        # full run: 30k members, 6 workloads x (8, 32) clients, 20 s each
#   DURATION=5 CLIENTS=8 bench/run.sh   # quick run
#   MEMBERS=2000 DEPTS=20 NGROUPS=30 ARGON2_MEMBERS=50 DURATION=3 CLIENTS=8 bench/run.sh   # tiny
#
# What it does (everything under $WORK, default /tmp/orgdir-bench; nothing under /etc):
#  1. generates the data (bench/gen/gen_directory.py, cached per parameters)
#  2. builds bench/loadgen (release) and orgdir (cargo build --release -p orgdir)
#  3. times one argon2id verification at orgdir's default cost (bench/argon2cost)
#  4. slapd (Debian package, back-mdb, memberof overlay, eq indexes, no anonymous
#     access, reader account) loaded with slapadd; orgdir loaded with `orgdir import-ldif`
#  5. smoke-checks both servers, then runs each workload at each client count against
#     slapd and orgdir back to back (server on CPU $SERVER_CPU, load generator on
#     CPU $LOADGEN_CPU, both pinned with taskset)
#  6. argon2id-at-rest binds (WORKLOADS containing bind_argon2): a cold pass binding each
#     argon2 member once, then a timed warm run
#  7. writes raw key=value lines ($OUT) and a markdown report ($MD) with orgdir/slapd ratios
#
# Environment (all optional):
#   WORK=/tmp/orgdir-bench     work directory (data, venv, builds, servers, results)
#   MEMBERS=30000 DEPTS=200 NGROUPS=300 SEED=7   data size
#   ARGON2_MEMBERS=1000        members stored as {ARGON2} argon2id (0 = none)
#   DURATION=20 WARMUP=3       seconds per run (measured) and warm-up before it
#   CLIENTS="8 32"             connection counts
#   WORKLOADS="search_uid bind bind_newconn dept_subtree memberof groups_of_user bind_argon2"
#   SERVERS="slapd orgdir"     which servers (order within each pair of runs)
#   SLAPD_THREADS=4            slapd worker threads (slapd's default is 16; 4 suits one core)
#   SERVER_CPU=0 LOADGEN_CPU=1 taskset CPUs ("" = no pinning)
#   ORGDIR_BIN=path            use this orgdir binary instead of building the repo's
#   ARGON2_COLD_CLIENTS=2      connections for the cold argon2 pass
#   TW_MAX=30000               before each run, wait (max 30 s) until at most this many
#                              TIME-WAIT sockets remain (bind_newconn leaves many)
#   KEEP=0                     1 = leave the servers' databases in $WORK afterwards
set -euo pipefail
export LC_ALL=C.UTF-8 PATH=$PATH:/usr/sbin:/sbin

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${WORK:-/tmp/orgdir-bench}
MEMBERS=${MEMBERS:-30000}
DEPTS=${DEPTS:-200}
NGROUPS=${NGROUPS:-300}
SEED=${SEED:-7}
ARGON2_MEMBERS=${ARGON2_MEMBERS:-1000}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CLIENTS=${CLIENTS:-8 32}
WORKLOADS=${WORKLOADS:-search_uid bind bind_newconn dept_subtree memberof groups_of_user bind_argon2}
SERVERS=${SERVERS:-slapd orgdir}
SLAPD_THREADS=${SLAPD_THREADS:-4}
SERVER_CPU=${SERVER_CPU-0}
LOADGEN_CPU=${LOADGEN_CPU-1}
ARGON2_COLD_CLIENTS=${ARGON2_COLD_CLIENTS:-2}
TW_MAX=${TW_MAX:-30000}
KEEP=${KEEP:-0}
BASE=dc=example,dc=com
READER_DN="cn=reader,ou=services,$BASE"
READER_PW=Reader-Passw0rd
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$WORK/results"
# one run per work directory: a second one would delete the first one's servers' data
exec 9>"$WORK/.run.lock"
if ! flock -n 9; then echo "another bench/run.sh is using $WORK (set WORK=... for a separate one)" >&2; exit 1; fi
OUT=${OUT:-$WORK/results/run-$STAMP.txt}
MD=${MD:-$WORK/results/run-$STAMP.md}
LOG=$WORK/results/run-$STAMP.log

log() { echo "[bench $(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
rec() { echo "$*" | tee -a "$OUT"; }   # a result line
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
pin() { if [ -n "$1" ]; then echo "taskset -c $1"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
status_kb() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
has() { case " $WORKLOADS " in *" $1 "*) return 0;; esac; return 1; }

# ------------------------------------------------------------------ cleanup
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] || continue
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
stop_pid() {   # stop one server we started, wait for it
    local p=$1
    kill -TERM "$p" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
}

# ------------------------------------------------------------------ machine
log "results: $OUT  report: $MD"
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
rec "# machine date=$STAMP nproc=$(nproc) cpu=\"$CPU_MODEL\" kernel=$(uname -r) mem_kb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo) loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\" tcp_tw_reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null)"
rec "# params members=$MEMBERS depts=$DEPTS groups=$NGROUPS seed=$SEED argon2_members=$ARGON2_MEMBERS duration=$DURATION warmup=$WARMUP clients=\"$CLIENTS\" workloads=\"$WORKLOADS\" servers=\"$SERVERS\" slapd_threads=$SLAPD_THREADS server_cpu=${SERVER_CPU:-none} loadgen_cpu=${LOADGEN_CPU:-none}"

# ------------------------------------------------------------------ python venv (argon2-cffi)
PY=python3
if [ "$ARGON2_MEMBERS" -gt 0 ]; then
    if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import argon2' 2>/dev/null; then
        log "creating $WORK/venv with argon2-cffi (PyPI)"
        python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q argon2-cffi >>"$LOG" 2>&1 || true
    fi
    if "$WORK/venv/bin/python" -c 'import argon2' 2>/dev/null; then
        PY=$WORK/venv/bin/python
    else
        log "argon2-cffi unavailable: no argon2id members, no bind_argon2 scenario"
        ARGON2_MEMBERS=0
    fi
fi

# ------------------------------------------------------------------ data
DATA=$WORK/data/m$MEMBERS-d$DEPTS-g$NGROUPS-s$SEED-a$ARGON2_MEMBERS
if [ ! -s "$DATA/meta.json" ]; then
    log "generating data into $DATA"
    rm -rf "$DATA.tmp"
    t=$(now_ns)
    "$PY" "$HERE/gen/gen_directory.py" --outdir "$DATA.tmp" --members "$MEMBERS" --depts "$DEPTS" \
        --groups "$NGROUPS" --seed "$SEED" --argon2 "$ARGON2_MEMBERS" >>"$LOG"
    mv "$DATA.tmp" "$DATA"
    log "generated in $(ms_since "$t") ms"
fi
rec "# data dir=$DATA $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join("%s=%s" % (k, m[k]) for k in ("entries","members","depts","leaf_depts","groups","memberships","argon2_members","zh_names","directory_ldif_bytes","directory_ldif_sha256")))' "$DATA/meta.json")"

# ------------------------------------------------------------------ builds
log "building the load generator"
(cd "$HERE/loadgen" && CARGO_TARGET_DIR=$WORK/target cargo build --release --locked -q) >>"$LOG" 2>&1 \
    || { log "loadgen build failed (see $LOG)"; exit 1; }
LOADGEN=$WORK/target/release/orgdir-loadgen
if [ -z "${ORGDIR_BIN:-}" ]; then
    log "building orgdir (cargo build --release -p orgdir; may wait for the cargo lock)"
    (cd "$REPO" && cargo build --release -p orgdir) >>"$LOG" 2>&1 || { log "orgdir build failed (see $LOG)"; exit 1; }
    ORGDIR_BIN=$REPO/target/release/orgdir
fi
ORGDIR_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(cd "$REPO" && git status --porcelain -- server 2>/dev/null)" ] && ORGDIR_REV="$ORGDIR_REV+dirty"
rec "# versions slapd=\"$(slapd -VV 2>&1 | head -1 | sed 's/^[^$]*\$OpenLDAP: //; s/ \$$//; s/"//g')\" rustc=\"$(rustc -V)\" orgdir=\"$("$ORGDIR_BIN" --version 2>/dev/null) $ORGDIR_REV\""
if [[ " $SERVERS " == *" orgdir "* ]] && ! "$ORGDIR_BIN" import-ldif --help >/dev/null 2>&1; then
    log "this orgdir has no 'import-ldif' command: running slapd only"
    rec "# orgdir skipped: no import-ldif in $ORGDIR_BIN"
    SERVERS=$(echo "$SERVERS" | sed 's/orgdir//')
fi

# ------------------------------------------------------------------ argon2id cost
log "timing argon2id verification (m=19456 KiB, t=2, p=1)"
if (cd "$HERE/argon2cost" && CARGO_TARGET_DIR=$WORK/target cargo build --release --locked -q) >>"$LOG" 2>&1; then
    rec "$($(pin "$SERVER_CPU") "$WORK/target/release/argon2cost" 20)"
else
    log "argon2cost build failed (see $LOG)"
fi
if [ "$PY" != python3 ]; then
    rec "$($(pin "$SERVER_CPU") "$PY" "$HERE/gen/argon2_cost.py" 20)"
fi

# ------------------------------------------------------------------ slapd
SLAPD_PID=""
SLAPD_PORT=""
start_slapd() {
    local sd=$WORK/slapd schema=/etc/ldap/schema moddir=/usr/lib/ldap
    if ! command -v slapd >/dev/null || ! command -v slapadd >/dev/null; then
        log "installing slapd + ldap-utils (apt)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils >>"$LOG" 2>&1
    fi
    [ -e "$moddir/back_mdb.so" ] || moddir=/usr/lib/x86_64-linux-gnu/ldap
    rm -rf "$sd" && mkdir -p "$sd/db"
    SLAPD_PORT=$(free_port)
    cat >"$sd/slapd.conf" <<EOF
# orgdir bench/run.sh: throwaway slapd, 127.0.0.1 only
include $schema/core.schema
include $schema/cosine.schema
include $schema/inetorgperson.schema
include $schema/nis.schema
modulepath $moddir
moduleload back_mdb
moduleload memberof
moduleload argon2
pidfile  $sd/slapd.pid
argsfile $sd/slapd.args
loglevel 0
threads  $SLAPD_THREADS
tool-threads 1
# no anonymous access; simple binds of members and the reader still work
disallow bind_anon
require authc

database mdb
suffix   "$BASE"
rootdn   "cn=admin,$BASE"
directory $sd/db
maxsize  4294967296
sizelimit unlimited
timelimit unlimited
index objectClass eq
index uid         eq
index cn          eq
index mail        eq
index member      eq
index memberOf    eq
overlay memberof

access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="$READER_DN" read
    by users read
    by * none
EOF
    local t
    t=$(now_ns)
    slapadd -q -f "$sd/slapd.conf" -l "$DATA/directory.ldif" >"$sd/slapadd.log" 2>&1 \
        && slapadd -q -f "$sd/slapd.conf" -l "$DATA/services.ldif" >>"$sd/slapadd.log" 2>&1 \
        || { cat "$sd/slapadd.log" >&2; log "slapadd failed"; exit 1; }
    local load_ms
    load_ms=$(ms_since "$t")
    t=$(now_ns)
    # -d 0: stay in the foreground (so $! is slapd), no debug output
    $(pin "$SERVER_CPU") slapd -d 0 -f "$sd/slapd.conf" -h "ldap://127.0.0.1:$SLAPD_PORT/" >"$sd/slapd.out" 2>&1 &
    SLAPD_PID=$!
    PIDS+=("$SLAPD_PID")
    local up=0
    for _ in $(seq 1 300); do
        if ldapwhoami -x -H "ldap://127.0.0.1:$SLAPD_PORT" -D "$READER_DN" -w "$READER_PW" >/dev/null 2>&1; then up=1; break; fi
        kill -0 "$SLAPD_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ "$up" = 1 ] || { cat "$sd/slapd.out" >&2; log "slapd did not come up"; exit 1; }
    local start_ms
    start_ms=$(ms_since "$t")
    rec "# server=slapd load_tool=slapadd load_ms=$load_ms start_ms=$start_ms pid=$SLAPD_PID port=$SLAPD_PORT threads=$SLAPD_THREADS db_alloc_bytes=$(du -B1 "$sd/db/data.mdb" | cut -f1) vmrss_kb=$(status_kb "$SLAPD_PID" VmRSS) rss_anon_kb=$(status_kb "$SLAPD_PID" RssAnon)"
}

# ------------------------------------------------------------------ orgdir
ORGDIR_PID=""
ORGDIR_PORT=""
# (an array, not a function: a backgrounded function would run in a subshell and $! would
# not be orgdir's pid)
ORGDIR_ENV=(env ORGDIR_SECURITY_UPGRADE_HASHES=false ORGDIR_LDAP_LISTEN=127.0.0.1:0
    ORGDIR_LDAP_LDAPS_LISTEN= ORGDIR_HTTP_LISTEN= ORGDIR_LOG_FORMAT=json)
# start_orgdir DATA_DIR [extra serve args]; sets ORGDIR_PID ORGDIR_PORT STARTUP_MS
start_orgdir() {
    local dd=$1; shift
    local ready=$dd.ready
    rm -f "$ready"
    local t
    t=$(now_ns)
    "${ORGDIR_ENV[@]}" $(pin "$SERVER_CPU") "$ORGDIR_BIN" serve --data-dir "$dd" --ready-file "$ready" "$@" \
        >"$dd.out" 2>&1 &
    ORGDIR_PID=$!
    PIDS+=("$ORGDIR_PID")
    for _ in $(seq 1 12000); do   # up to 120 s
        [ -s "$ready" ] && break
        kill -0 "$ORGDIR_PID" 2>/dev/null || break
        sleep 0.01
    done
    STARTUP_MS=$(ms_since "$t")
    [ "$(readlink "/proc/$ORGDIR_PID/exe" 2>/dev/null)" = "$(readlink -f "$ORGDIR_BIN")" ] \
        || { log "pid $ORGDIR_PID is not orgdir"; exit 1; }
    [ -s "$ready" ] || { tail -20 "$dd.out" >&2; log "orgdir did not come up"; exit 1; }
    ORGDIR_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ldap"].rsplit(":",1)[1])' "$ready")
}
load_orgdir() {
    local dd=$WORK/orgdir/data
    rm -rf "$WORK/orgdir" && mkdir -p "$WORK/orgdir"
    local t
    t=$(now_ns)
    "${ORGDIR_ENV[@]}" "$ORGDIR_BIN" import-ldif --data-dir "$dd" --number 100001 \
        "$DATA/directory.ldif" "$DATA/services.ldif" >"$WORK/orgdir/import.log" 2>&1 \
        || { tail -30 "$WORK/orgdir/import.log" >&2; log "orgdir import-ldif failed"; exit 1; }
    local load_ms
    load_ms=$(ms_since "$t")
    start_orgdir "$dd"
    sleep 0.5
    rec "# server=orgdir load_tool=import-ldif load_ms=$load_ms start_ms=$STARTUP_MS pid=$ORGDIR_PID port=$ORGDIR_PORT db_bytes=$(du -cb "$dd"/*.db* 2>/dev/null | tail -1 | cut -f1) vmrss_kb=$(status_kb "$ORGDIR_PID" VmRSS) rss_anon_kb=$(status_kb "$ORGDIR_PID" RssAnon) threads=$(status_kb "$ORGDIR_PID" Threads) serving_log_startup_ms=$(grep -o '"startup_ms":[0-9]*' "$dd.out" | head -1 | cut -d: -f2)"
}

port_of() { if [ "$1" = slapd ]; then echo "$SLAPD_PORT"; else echo "$ORGDIR_PORT"; fi; }
pid_of() { if [ "$1" = slapd ]; then echo "$SLAPD_PID"; else echo "$ORGDIR_PID"; fi; }

wait_tw() {   # bounded wait for TIME-WAIT sockets to drain
    local tw
    for _ in $(seq 1 30); do
        tw=$(awk '/^TCP:/ {for (i=1;i<NF;i++) if ($i=="tw") print $(i+1)}' /proc/net/sockstat)
        [ "${tw:-0}" -le "$TW_MAX" ] && return 0
        sleep 1
    done
}

loadgen() {   # loadgen SERVER ARGS...
    local s=$1; shift
    $(pin "$LOADGEN_CPU") "$LOADGEN" --port "$(port_of "$s")" --data "$DATA" --base "$BASE" \
        --bind-dn "$READER_DN" --bind-pw "$READER_PW" --server-pid "$(pid_of "$s")" \
        --label "server=$s" "$@"
}

for s in $SERVERS; do
    case $s in
        slapd) log "starting slapd"; start_slapd ;;
        orgdir) log "loading and starting orgdir"; load_orgdir ;;
        *) log "unknown server $s"; exit 1 ;;
    esac
done

# ------------------------------------------------------------------ smoke
SMOKE_WL="search_uid bind bind_newconn dept_subtree memberof groups_of_user"
SMOKE_FAILED=""
for s in $SERVERS; do
    log "smoke test: $s"
    if ! loadgen "$s" --smoke --smoke-ops 5 --workload "${SMOKE_WL// /,}" | tee -a "$OUT"; then
        SMOKE_FAILED="$SMOKE_FAILED $s"
        log "SMOKE TEST FAILED for $s (the runs go on; see the errors columns)"
    fi
done

# ------------------------------------------------------------------ load
MAIN_WL=""
for w in $WORKLOADS; do [ "$w" = bind_argon2 ] || MAIN_WL="$MAIN_WL $w"; done
for w in $MAIN_WL; do
    for c in $CLIENTS; do
        for s in $SERVERS; do
            wait_tw
            log "run $w clients=$c server=$s"
            loadgen "$s" --workload "$w" --clients "$c" --duration "$DURATION" --warmup "$WARMUP" \
                | tee -a "$OUT" || true
        done
    done
done

record_memory() {
    local s p
    for s in $SERVERS; do
        p=$(pid_of "$s")
        rec "# memory server=$s after=$1 vmhwm_kb=$(status_kb "$p" VmHWM) vmrss_kb=$(status_kb "$p" VmRSS) rss_anon_kb=$(status_kb "$p" RssAnon) rss_file_kb=$(status_kb "$p" RssFile) threads=$(status_kb "$p" Threads)"
    done
}
# memory after the six workloads, before any argon2id verification (19 MiB per hash)
record_memory main_load

# argon2id at rest: a cold pass (each argon2 member binds once), then a warm timed run
if has bind_argon2 && [ "$ARGON2_MEMBERS" -gt 0 ]; then
    for s in $SERVERS; do
        log "argon2 cold pass server=$s ($ARGON2_MEMBERS binds)"
        loadgen "$s" --workload bind_argon2_cold --clients "$ARGON2_COLD_CLIENTS" --duration 600 \
            | tee -a "$OUT" || true
        log "argon2 warm run server=$s"
        loadgen "$s" --workload bind_argon2 --clients 8 --duration "$DURATION" --warmup "$WARMUP" \
            | tee -a "$OUT" || true
    done
fi

# ------------------------------------------------------------------ memory (after the argon2 runs)
record_memory argon2
if [[ " $SERVERS " == *" orgdir "* ]]; then
    # restart on the loaded data: start-up time again (warm page cache) and RSS before any load
    stop_pid "$ORGDIR_PID"
    start_orgdir "$WORK/orgdir/data"
    sleep 0.5
    rec "# orgdir restart start_ms=$STARTUP_MS vmrss_kb=$(status_kb "$ORGDIR_PID" VmRSS) rss_anon_kb=$(status_kb "$ORGDIR_PID" RssAnon) serving_log_startup_ms=$(grep -o '"startup_ms":[0-9]*' "$WORK/orgdir/data.out" | head -1 | cut -d: -f2)"
    stop_pid "$ORGDIR_PID"
    # baseline: the 50-member demo enterprise, for the memory a member adds. Measured on a
    # second start: the first one hashes the demo passwords (argon2id, 19 MiB each).
    rm -rf "$WORK/orgdir/demo"
    start_orgdir "$WORK/orgdir/demo" --demo
    stop_pid "$ORGDIR_PID"
    start_orgdir "$WORK/orgdir/demo"
    sleep 0.5
    rec "# orgdir baseline=demo members=50 start_ms=$STARTUP_MS vmrss_kb=$(status_kb "$ORGDIR_PID" VmRSS) rss_anon_kb=$(status_kb "$ORGDIR_PID" RssAnon)"
    stop_pid "$ORGDIR_PID"
fi
[ -n "$SLAPD_PID" ] && stop_pid "$SLAPD_PID"

# ------------------------------------------------------------------ report
python3 "$HERE/report.py" "$OUT" >"$MD"
log "report: $MD"
cat "$MD"
if [ "$KEEP" != 1 ]; then rm -rf "$WORK/slapd/db" "$WORK/orgdir"; fi
[ -z "$SMOKE_FAILED" ] || { log "smoke test failed for:$SMOKE_FAILED"; exit 1; }
