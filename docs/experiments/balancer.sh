#!/bin/sh
# The balancer experiment of docs/experiments/balancer.md, in one command:
#   sh docs/experiments/balancer.sh [VMMSIM]      (default ./build/vmmsim; run `make` first)
# Runs docs/experiments/balancer.ini with each balancer (and the MRC balancer
# fed exact curves, as a yardstick for the online ones) and prints the tables
# of the doc. Deterministic: the same build prints the same bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vmmsim=${1:-./build/vmmsim}
ini="$here/balancer.ini"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

exact=""
for vm in sqlite bzip2 gzip sort cloud; do
    exact="$exact --set vm.$vm.mrc=exact"
done

"$vmmsim" run "$ini" -q --set host.balancer=static --json "$out/static.json"
"$vmmsim" run "$ini" -q --no-alone --set host.balancer=shares --json "$out/shares.json"
"$vmmsim" run "$ini" -q --no-alone --set host.balancer=mrc --json "$out/mrc.json" \
    --alloc-csv "$out/mrc-alloc.csv" --log-csv "$out/mrc-log.csv"
# shellcheck disable=SC2086
"$vmmsim" run "$ini" -q --no-alone --set host.balancer=mrc $exact --json "$out/mrc-exact.json"

python3 - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]
runs = [("static", "static"), ("ESX shares + idle tax (tau 0.75)", "shares"),
        ("MRC balancer (patent MRCs, online)", "mrc"),
        ("MRC balancer fed exact MRCs (yardstick)", "mrc-exact")]
res = {k: json.load(open(os.path.join(out, k + ".json"))) for _, k in runs}
names = [v["name"] for v in res["static"]["vms"]]

print("| balancer | major faults | weighted faults | AMT ns | vs static |")
print("|---|---:|---:|---:|---:|")
base = res["static"]["totals"]["weighted_faults"]
for label, k in runs:
    t = res[k]["totals"]
    print("| %s | %d | %.0f | %.1f | %+.1f%% |" % (label, t["major_faults"], t["weighted_faults"],
          t["amt_ns"], 100.0 * (t["weighted_faults"] - base) / base))

print()
print("Major faults per VM (final allocation in pages, min..max over the run):")
print()
print("| VM | " + " | ".join(k for _, k in runs) + " |")
print("|---|" + "---:|" * len(runs))
for i, n in enumerate(names):
    cells = []
    for _, k in runs:
        v = res[k]["vms"][i]
        cells.append("%d (%d, %d..%d)" % (v["major_faults"], v["alloc"], v["min_alloc"], v["max_alloc"]))
    print("| %s | %s |" % (n, " | ".join(cells)))

print()
print("Each VM alone with its 8 MiB (run time and major faults), and its slowdown under static:")
print()
print("| VM | references | alone: major faults | alone: AMT ns | static: slowdown | recommended pages (exact MRC, 1% target) |")
print("|---|---:|---:|---:|---:|---:|")
for i, n in enumerate(names):
    v = res["static"]["vms"][i]
    e = res["mrc-exact"]["vms"][i]
    print("| %s | %d | %d | %.1f | %.2fx | %d |" % (n, v["refs"], v["alone_major_faults"],
          v["alone_run_ns"] / v["refs"], v["slowdown"], e["recommended"]))

moves = [l.rstrip("\n").split(",") for l in open(os.path.join(out, "mrc-log.csv"))][1:]
print()
print("MRC balancer (online): %d decisions; the first ten after the initial split:" % len(moves))
print()
print("| t ms | from | to | pages | reason | benefit |")
print("|---:|---|---|---:|---|---:|")
for m in [m for m in moves if m[5] != "static"][:10]:
    print("| %s | %s | %s | %s | %s | %s |" % (m[0], m[2], m[3], m[4], m[5], m[6]))
EOF
