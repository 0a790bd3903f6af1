#!/bin/sh
# The figures of docs/scale.md's target table, from the product's own benches, RUNS times each (default 3), with the
# spread. Usage: tests/perf/scale-figures.sh [OUT_DIR]   (run as root for bench-enforce; needs python3 for the summary)
# Environment: RUNS (3), JAR (target/microseg.jar), SKIP (space-separated: enforce 150k antrea 500k feed).
# Each run's JSON is kept in OUT_DIR (default: a new temporary folder); the summary is printed at the end.
# The machine should be otherwise idle: wall times follow the load; the engine thread's CPU time much less.
set -e
out=${1:-$(mktemp -d /tmp/scale-figures.XXXXXX)}; mkdir -p "$out"
runs=${RUNS:-3}; jar=${JAR:-target/microseg.jar}; skip=" ${SKIP:-} "
run() { # name, then the command; appends the load average and the JSON of each run
  name=$1; shift
  case "$skip" in *" $name "*) return ;; esac
  for i in $(seq 1 "$runs"); do
    echo "$(date +%T) $name run $i: $*" >&2
    load=$(cut -d' ' -f1 /proc/loadavg)
    "$@" --format json > "$out/$name-$i.json" 2> "$out/$name-$i.log" || echo "$name run $i failed: see $out/$name-$i.log" >&2
    echo "$load" > "$out/$name-$i.load"
  done
}
run enforce java -jar "$jar" bench-enforce --pods 110 --set-members 5000 --samples 30 --resyncs 5
run 150k java -Xmx8g -jar "$jar" bench --pods 150000 --nodes 5000 --services 10000 --policies 2000
run antrea java -Xmx8g -jar "$jar" bench --antrea
# 500k: the compile and heap are the target; its every-agent output (15,000 agents x the 15,000 node addresses) takes hours,
# so it is skipped (--skip-output); RUNS times like the others (about 1.5 minutes a run)
run 500k java -Xmx6g -jar "$jar" bench --pods 500000 --nodes 15000 --services 30000 --policies 5000 --samples 20 --warmup 5 --churn-seconds 5 --skip-output
run feed java -jar "$jar" bench-feed --nodes 1000 --watchers 1000 --changes 500
python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def runs(name):
    rs = []
    for f in sorted(glob.glob(f"{out}/{name}-*.json")):
        try:
            with open(f) as fh: rs.append(json.loads(fh.read().strip().splitlines()[-1]))
        except (ValueError, IndexError): print(f"{f}: no JSON (see {f[:-5]}.log)")
    return rs
def get(d, path):
    for k in path.split("."): d = d.get(k) if isinstance(d, dict) else None
    return d
def spread(rs, path, scale=1, fmt="{:,.0f}"):
    v = [get(r, path) for r in rs]; v = [x / scale for x in v if x is not None]
    if not v: return "-"
    lo, hi = min(v), max(v)
    return fmt.format(lo) if lo == hi else fmt.format(lo) + "-" + fmt.format(hi)
loads = lambda name: spread([{"l": float(open(f).read())} for f in sorted(glob.glob(f"{out}/{name}-*.load"))], "l", fmt="{:.1f}")
rows = []
for name, label in (("150k", "150k pods"), ("antrea", "Antrea shape"), ("500k", "500k pods (-Xmx6g)")):
    rs = runs(name)
    if not rs: continue
    rows += [(f"{label}: full compile (s)", spread(rs, "compileMillis", 1000, "{:.1f}")),
             (f"{label}: engine thread CPU / GC pauses (s)", spread(rs, "compileCpuMillis", 1000, "{:.1f}") + " / " + spread(rs, "compileGcPauseMillis", 1000, "{:.1f}")),
             (f"{label}: heap after GC (MB)", spread(rs, "heapBytesAfterGc", 2**20)),
             (f"{label}: pod add / delete / relabel p99 (ms)", " / ".join(spread(rs, k, 1000, "{:.1f}") for k in ("podAddP99Micros", "podDeleteP99Micros", "podRelabelP99Micros"))),
             (f"{label}: sustained churn (changes/s)", spread(rs, "changesPerSecond")),
             (f"{label}: compile / compile JSON; compile / every agent's snapshot", spread(rs, "compileToJsonRatio", fmt="{:.1f}") + "; " + spread(rs, "compileToAgentSnapshotsRatio", fmt="{:.1f}")),
             (f"{label}: load average at start", loads(name))]
rs = runs("enforce")
if rs:
    for k, label in (("setMemberAdded", "a member of a 5,000-member set added"), ("setMemberRemoved", "removed"),
                     ("podRuleAdded", "a pod's rule added"), ("podRuleRemoved", "removed"), ("podAdded", "a pod added"), ("podRemoved", "a pod removed")):
        rows.append((f"agent, 110 pods: {label}, p50 / p99 ms (CPU ms)", spread(rs, f"deltaToAppliedMs.{k}.p50") + " / " + spread(rs, f"deltaToAppliedMs.{k}.p99") + " (" + spread(rs, f"deltaToAppliedMs.{k}.cpuMs") + ")"))
    rows.append(("agent: full resync, p50 / max ms", spread(rs, "fullResyncMs.p50") + " / " + spread(rs, "fullResyncMs.max")))
    rows.append(("agent: load average at start", loads("enforce")))
rs = runs("feed")
if rs:
    rows.append(("feed, 1,000 agents: change to the last agent's delta, p50 / p99 / max ms",
                 " / ".join(spread(rs, f"latencyMs.{k}", fmt="{:.0f}") for k in ("p50", "p99", "max"))))
    rows.append(("feed: load average at start", loads("feed")))
w = max(len(r[0]) for r in rows)
print(f"\n{len(glob.glob(f'{out}/*.json'))} runs in all; each run's JSON in {out}\n")
for k, v in rows: print(f"{k:<{w}}  {v}")
PY
