#!/usr/bin/env bash
# Spreadsheet import/export figures (SPEC IMP, issue 6) for a generated enterprise.
#
#   bench/bulk.sh                   # 30,000 members
#   MEMBERS=5000 bench/bulk.sh      # smaller, quicker
#
# Steps, each timed with /usr/bin/time (elapsed seconds, peak RSS):
#  1. generates the directory (bench/gen/gen_directory.py, the same data as bench/run.sh) and
#     loads it into orgdir with `orgdir import-ldif` as enterprise 100001;
#  2. `orgdir export` of the whole tree as XLSX and as CSV;
#  3. `orgdir import` of each file into a fresh enterprise (empty tree: every org of the
#     paths is created, every member added), then the same file again (nothing changes).
# Prints one line per step; nothing here asserts a time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MEMBERS=${MEMBERS:-30000}
WORK=${WORK:-$REPO/target/bench-bulk}
BIN=${ORGDIR_BIN:-$REPO/target/release/orgdir}

log() { printf 'bulk: %s\n' "$*" >&2; }

if [ -z "${ORGDIR_BIN:-}" ]; then
    log "building orgdir (cargo build --release -p orgdir)"
    (cd "$REPO" && cargo build --release -q -p orgdir)
fi
rm -rf "$WORK" && mkdir -p "$WORK"
log "generating $MEMBERS members"
python3 "$HERE/gen/gen_directory.py" --outdir "$WORK/data" --members "$MEMBERS" >/dev/null

# step NAME COMMAND...: runs COMMAND under /usr/bin/time and prints NAME, seconds, peak RSS.
step() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >"$WORK/$name.out" 2>&1 \
        || { cat "$WORK/$name.out" >&2; log "$name failed"; exit 1; }
    read -r secs kb <"$WORK/time.txt"
    printf '%-24s %8.2f s  %8d KB peak RSS\n' "$name" "$secs" "$kb"
}

export ORGDIR_LOG_LEVEL=warn
step import-ldif "$BIN" import-ldif "$WORK/data/directory.ldif" --data-dir "$WORK/src" \
    --number 100001 --seats $((MEMBERS + 1000))
step export-xlsx "$BIN" export --enterprise 100001 --data-dir "$WORK/src" --out "$WORK/members.xlsx"
step export-csv "$BIN" export --enterprise 100001 --data-dir "$WORK/src" --out "$WORK/members.csv"
printf '%-24s %s rows, %s bytes (xlsx), %s bytes (csv)\n' files \
    "$(($(wc -l <"$WORK/members.csv") - 1))" "$(stat -c %s "$WORK/members.xlsx")" \
    "$(stat -c %s "$WORK/members.csv")"

for fmt in xlsx csv; do
    dd="$WORK/fresh-$fmt"
    "$BIN" init --data-dir "$dd" --number 100002 --short-name Fresh \
        --seats $((MEMBERS + 1000)) --account-range 10000-99999 >/dev/null 2>&1 <<<"Fresh-Admin-Passw0rd-1"
    step "import-$fmt" "$BIN" import "$WORK/members.$fmt" --enterprise 100002 --data-dir "$dd"
    step "reimport-$fmt" "$BIN" import "$WORK/members.$fmt" --enterprise 100002 --data-dir "$dd"
    grep -h 'checked:' "$WORK/import-$fmt.out" "$WORK/reimport-$fmt.out" | sed "s/^/  $fmt /"
done
