#!/usr/bin/env python3
"""Markdown report from a bench/run.sh results file: python3 bench/report.py RESULTS.txt"""
import re
import shlex
import sys

KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def kv(line):
    return {k: (v[1:-1] if v.startswith('"') else v) for k, v in KV.findall(line)}


def num(d, k):
    try:
        return float(d.get(k, ""))
    except ValueError:
        return None


def fmt(x, unit=""):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0f%s" % (x, unit)
    if x >= 10:
        return "%.1f%s" % (x, unit)
    return "%.2f%s" % (x, unit)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return "%.2f" % (a / b)


def flag(pct):
    try:
        return "**%s**" % pct if float(pct) >= 90 else pct
    except ValueError:
        return pct


def main():
    meta, runs, smoke = [], [], []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("# "):
                    meta.append(line[2:])
                elif " smoke " in line or line.startswith("smoke "):
                    smoke.append(kv(line))
                elif "workload=" in line:
                    runs.append(kv(line))
    out = []
    w = out.append
    w("# orgdir vs slapd: %s\n" % " ".join(sys.argv[1:]))
    w("```")
    for m in meta:
        w(m)
    w("```\n")

    # load and footprint
    mk = lambda prefix: [kv(m) for m in meta if m.startswith(prefix)]  # noqa: E731
    data = (mk("data ") or [{}])[0]
    members = num(data, "members")
    w("## Load, start-up and memory\n")
    w("| | slapd | orgdir |")
    w("|---|---|---|")
    srv = {d.get("server"): d for d in mk("server=")}
    mem = {d.get("server"): d for d in mk("memory ") if d.get("after") == "main_load"}
    mem2 = {d.get("server"): d for d in mk("memory ") if d.get("after") == "argon2"}
    restart = (mk("orgdir restart") or [{}])[0]
    base = (mk("orgdir baseline") or [{}])[0]
    s, o = srv.get("slapd", {}), srv.get("orgdir", {})
    w("| load tool | %s | %s |" % (s.get("load_tool", "–"), o.get("load_tool", "–")))
    w("| load time (ms) | %s | %s |" % (s.get("load_ms", "–"), o.get("load_ms", "–")))
    w("| exec to serving (ms) | %s | %s (restart: %s) |" % (
        s.get("start_ms", "–"), o.get("start_ms", "–"), restart.get("start_ms", "–")))
    w("| VmRSS / RssAnon after start (MB) | %s / %s | %s / %s |" % tuple(
        fmt(num(d, k) / 1024) if num(d, k) is not None else "–"
        for d in (s, o) for k in ("vmrss_kb", "rss_anon_kb")))
    ms, mo = mem.get("slapd", {}), mem.get("orgdir", {})
    w("| VmHWM / VmRSS / RssAnon after the six workloads (MB) | %s / %s / %s | %s / %s / %s |" % tuple(
        fmt(num(d, k) / 1024) if num(d, k) is not None else "–"
        for d in (ms, mo) for k in ("vmhwm_kb", "vmrss_kb", "rss_anon_kb")))
    if mem2:
        w("| VmHWM / RssAnon after the argon2 runs too (MB) | %s / %s | %s / %s |" % tuple(
            fmt(num(d, k) / 1024) if num(d, k) is not None else "–"
            for d in (mem2.get("slapd", {}), mem2.get("orgdir", {})) for k in ("vmhwm_kb", "rss_anon_kb")))
    if members:
        per = []
        for d in (ms, mo):
            v = num(d, "rss_anon_kb")
            per.append("%.1f" % (v * 1024 / members) if v else "–")
        w("| RssAnon after the six workloads / member (bytes) | %s | %s |" % tuple(per))
        ra, ba = num(restart, "rss_anon_kb"), num(base, "rss_anon_kb")
        if ra and ba:
            w("| orgdir RssAnon after restart, minus the 50-member demo (%s MB), per member (bytes) "
              "| | %.0f |" % (fmt(ba / 1024), (ra - ba) * 1024 / (members - 50)))
    w("")

    if smoke:
        w("## Smoke test\n")
        w("| server | check | result | detail |")
        w("|---|---|---|---|")
        for s in smoke:
            if "check" in s:
                w("| %s | %s | %s | |" % (s.get("server"), s.get("check"), s.get("result")))
            else:
                w("| %s | %s | %s | entries %s %s |" % (
                    s.get("server"), s.get("workload"), s.get("result"), s.get("entries", ""),
                    (s.get("first_error", "") + " " + s.get("first_mismatch", "")).strip()))
        w("")

    by = {}
    order = []
    for r in runs:
        key = (r.get("workload"), r.get("clients"))
        if key not in by:
            by[key] = {}
            order.append(key)
        by[key][r.get("server")] = r  # the last run of a server wins

    w("## orgdir / slapd (same run, back to back)\n")
    w("Ratios: ops/s above 1 = orgdir faster; p99 and CPU µs/op below 1 = orgdir better.\n")
    w("| workload | clients | slapd ops/s | orgdir ops/s | ratio | slapd p99 ms | orgdir p99 ms | ratio "
      "| slapd CPU µs/op | orgdir CPU µs/op | ratio | entries/op (s/o) | errors (s/o) | server CPU % (s/o) | loadgen CPU % (s/o) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in order:
        s, o = by[key].get("slapd", {}), by[key].get("orgdir", {})
        sp = num(s, "p99_us")
        op = num(o, "p99_us")
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s |" % (
            key[0], key[1], fmt(num(s, "ops_per_s")), fmt(num(o, "ops_per_s")),
            ratio(num(o, "ops_per_s"), num(s, "ops_per_s")),
            fmt(sp / 1000 if sp is not None else None), fmt(op / 1000 if op is not None else None),
            ratio(op, sp),
            fmt(num(s, "server_cpu_us_per_op")), fmt(num(o, "server_cpu_us_per_op")),
            ratio(num(o, "server_cpu_us_per_op"), num(s, "server_cpu_us_per_op")),
            s.get("entries_per_op", "–"), o.get("entries_per_op", "–"),
            s.get("errors", "–"), o.get("errors", "–"),
            s.get("server_cpu_pct", "–"), o.get("server_cpu_pct", "–"),
            flag(s.get("loadgen_cpu_pct", "–")), flag(o.get("loadgen_cpu_pct", "–"))))
    w("\nA loadgen CPU % in bold (90 or more) means the load generator's core was the limit, "
      "not the server: that ops/s is a lower bound.\n")

    w("## Every run\n")
    w("| server | workload | clients | ops/s | mean / p50 / p90 / p99 / p99.9 / max ms | entries/op "
      "| errors | mismatches | server CPU % | µs/op | loadgen CPU % | other CPU % | RssAnon MB |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        lat = " / ".join(fmt(num(r, k) / 1000) if num(r, k) is not None else "–"
                         for k in ("lat_mean_us", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"))
        anon = num(r, "server_rss_anon_kb")
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r.get("server"), r.get("workload"), r.get("clients"), fmt(num(r, "ops_per_s")), lat,
            r.get("entries_per_op"), r.get("errors"), r.get("mismatches"),
            r.get("server_cpu_pct", "–"), r.get("server_cpu_us_per_op", "–"),
            r.get("loadgen_cpu_pct", "–"), r.get("other_cpu_pct", "–"),
            fmt(anon / 1024) if anon is not None else "–"))
    errs = [r for r in runs if r.get("first_error") or r.get("first_mismatch")]
    if errs:
        w("\n## Errors\n")
        for r in errs:
            w("* %s %s clients=%s: errors=%s %s %s" % (
                r.get("server"), r.get("workload"), r.get("clients"), r.get("errors"),
                r.get("first_error", ""), r.get("first_mismatch", "")))
    print("\n".join(out))


if __name__ == "__main__":
    main()
