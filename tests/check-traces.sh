#!/usr/bin/env bash
# Run ../shared/tools/check-traces (the independent results) and fail on any
# row that fails and is not a documented known deviation
# (tests/known-deviations.tsv). A known deviation is printed as such, never
# as FAIL, so a passing run shows no FAIL line. Skipped when ../shared is
# absent.
set -u
bin=${1:-./build/vmmsim}
here=$(cd "$(dirname "$0")" && pwd)
tool="$here/../../shared/tools/check-traces"
if [ ! -x "$tool" ]; then
    echo "check-traces: $tool not found; skipping the real-trace check"
    exit 0
fi
out=$("$tool" --vmmsim "$bin" 2>&1)
known="$here/known-deviations.tsv"
unexpected=0 deviations=0
while IFS= read -r line; do
    case "$line" in
    FAIL*)
        set -- $line
        trace=$2 policy=$3 frames=${4#frames=}
        why=$(grep -P "^\Q$trace\E\t$policy\t$frames\t" "$known" | cut -f4)
        if [ -n "$why" ]; then
            deviations=$((deviations + 1))
            shift 4
            echo "known deviation: $trace $policy frames=$frames: $* ($why)"
        else
            unexpected=$((unexpected + 1))
            echo "$line"
        fi ;;
    [0-9]*" passed, "*" failed"*)   # the tool's summary counts deviations as failures
        echo "$line, of which $deviations known deviation(s)" ;;
    *) echo "$line" ;;
    esac
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
