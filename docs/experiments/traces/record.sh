#!/bin/sh
# Re-records the lackey traces of docs/experiments/ deterministically.
# Needs valgrind, bzip2, sqlite3, mawk (or any awk), zstd. Takes ~15 minutes
# (lackey writes one line per reference; most of the time is system time).
# Usage: sh docs/experiments/traces/record.sh [OUTDIR]   (default: this folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Same environment for every run: stack addresses depend on it.
VG="env -i PATH=/usr/bin:/bin LC_ALL=C valgrind --tool=lackey --trace-mem=yes --log-fd=3"

# --- bzip2-d: decompressing 100 KB of generated text (one 900k block) ---------
# Inverse BWT walks a 4-byte-per-byte table in a pseudo-random order: MRC falls
# steadily up to ~130 pages.
LC_ALL=C awk -v seed=1 -v bytes=100000 -f "$here/gen-text.awk" > text100k.txt
bzip2 -9 -c text100k.txt > text100k.txt.bz2
# md5: text100k.txt 5208eb0b23376e560bde17c451047285, .bz2 ff0be6aa2afd97471fc0a215997265cf
md5sum text100k.txt text100k.txt.bz2
$VG bzip2 -dc text100k.txt.bz2 3>bzip2-d.lackey >/dev/null
zstd -q -19 -T0 -f bzip2-d.lackey -o "$out/bzip2-d.lackey.zst"

# --- sqlite-scan: 8 full scans of a 1000-row in-memory table ------------------
# Rows of 3000 bytes, one per 4 KiB database page: each scan is a loop over
# ~1300 pages, so LRU hits all or nothing (cliff at 1280 pages).
mksql() {  # $1 = number of scans
    echo "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB);"
    echo "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1000) INSERT INTO t SELECT i, zeroblob(3000) FROM c;"
    i=0; while [ "$i" -lt "$1" ]; do echo "SELECT count(*) FROM t WHERE length(v)>0;"; i=$((i+1)); done
}
mksql 0 > create.sql
mksql 8 > scan.sql
# Building the table costs 38 M references, 2.6x the scans: record it alone,
# count its lines, and drop that many lines from the full run, so the trace
# keeps only the scan phase (it starts a few thousand references into the first
# scan, where the run without scans was exiting).
$VG sqlite3 :memory: -init /dev/null < create.sql 3>create.lackey >/dev/null
skip=$(wc -l < create.lackey)
rm -f create.lackey
$VG sqlite3 :memory: -init /dev/null < scan.sql 3>scan-full.lackey >/dev/null
tail -n +"$((skip + 1))" scan-full.lackey > sqlite-scan.lackey
rm -f scan-full.lackey
zstd -q -19 -T0 -f sqlite-scan.lackey -o "$out/sqlite-scan.lackey.zst"

ls -l "$out"/*.lackey.zst
