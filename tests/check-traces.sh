#!/usr/bin/env bash
# Run ../shared/tools/check-traces (the independent results) and fail on any
# row that fails and is not a documented known deviation
# (tests/known-deviations.tsv). Skipped when ../shared is absent.
set -u
bin=${1:-./build/vmmsim}
here=$(cd "$(dirname "$0")" && pwd)
tool="$here/../../shared/tools/check-traces"
if [ ! -x "$tool" ]; then
    echo "check-traces: $tool not found; skipping the real-trace check"
    exit 0
fi
out=$("$tool" --vmmsim "$bin" 2>&1)
echo "$out"
known="$here/known-deviations.tsv"
unexpected=0
while IFS= read -r line; do
    case "$line" in FAIL*) ;; *) continue ;; esac
    set -- $line
    trace=$2 policy=$3 frames=${4#frames=}
    if grep -qP "^\Q$trace\E\t$policy\t$frames\t" "$known"; then
        echo "known deviation: $trace $policy $frames ($(grep -P "^\Q$trace\E\t$policy\t$frames\t" "$known" | cut -f4))"
    else
        unexpected=$((unexpected + 1))
    fi
done <<<"$out"
# a known deviation that now passes should be removed from the list
while IFS=$'\t' read -r trace policy frames why; do
    case "$trace" in \#*|"") continue ;; esac
    echo "$out" | grep -q "^FAIL $trace *$policy *frames=$frames " ||
        echo "note: $trace $policy $frames passes now; remove it from tests/known-deviations.tsv"
done <"$known"
if [ "$unexpected" -ne 0 ]; then
    echo "check-traces: $unexpected unexpected failure(s)"
    exit 1
fi
echo "check-traces: every row within tolerance or a documented known deviation"
