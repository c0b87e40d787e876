#!/usr/bin/env bash
# CLI tests: exit statuses and messages for bad usage and malformed inputs,
# format round trips through `vmmsim convert`, the seed simulator's options,
# golden output and determinism. Prints "N passed, N failed".
set -u
VMMSIM=${VMMSIM:-./build/vmmsim}
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../data"
golden="$here/golden"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS SUBSTRING -- ARGS...: exit status and a stderr substring.
expect() {
    local want=$1 sub=$2
    shift 3
    "$VMMSIM" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        bad "vmmsim $* exited $got, want $want: $(head -c 300 "$tmp/err")"
    elif [ -n "$sub" ] && ! grep -qF -- "$sub" "$tmp/err"; then
        bad "vmmsim $*: stderr lacks '$sub': $(head -c 300 "$tmp/err")"
    elif grep -q "runtime error\|AddressSanitizer" "$tmp/err"; then
        bad "vmmsim $*: sanitizer report"
    else
        ok
    fi
}

# --- bad usage -----------------------------------------------------------
printf '0 R 0x1000\n0 W 0x2000\n' >"$tmp/good.vmm"
expect 2 "unknown command" -- frobnicate
expect 2 "unknown policy 'nosuch'" -- sim -t "$tmp/good.vmm" --policy nosuch
expect 2 "frames" -- sim -t "$tmp/good.vmm" --frames 0
expect 2 "--frames: expected a whole number" -- sim -t "$tmp/good.vmm" --frames 12x
expect 2 "no trace" -- sim --frames 10
expect 2 "unknown page-table type" -- sim -t "$tmp/good.vmm" --pt-type quadtree
expect 2 "--tlb" -- sim -t "$tmp/good.vmm" -T 12:5
expect 2 "--lat: unknown key" -- sim -t "$tmp/good.vmm" --lat disk=5ms
expect 2 "--lat mem: expected a time" -- sim -t "$tmp/good.vmm" --lat mem=fast
expect 2 "unknown parameter" -- sim -t "$tmp/good.vmm" --policy 2q --params bogus=1
expect 2 "nonexistent" -- sim -t "$tmp/nonexistent.trace"
expect 2 "unknown trace format 'foo'" -- sim -t "$tmp/good.vmm" --format foo
expect 2 "give a file, not stdin" -- sim -t - --policy opt
expect 0 "" -- sim --help
expect 0 "" -- compare --help
expect 0 "" -- gen --help
expect 0 "" -- convert --help
expect 0 "" -- policies

# --- malformed inputs: exit 2, message names the file and line/offset ---
bad_input() {   # NAME CONTENT(printf format) SUBSTRING [extra args]
    local name=$1 content=$2 sub=$3
    shift 3
    printf "$content" >"$tmp/$name"
    expect 2 "$name" -- sim -t "$tmp/$name" --frames 4 "$@"
    if [ -n "$sub" ] && ! grep -qF -- "$sub" "$tmp/err"; then
        bad "$name: stderr lacks '$sub': $(cat "$tmp/err")"
    fi
}
bad_input vmm-no-op.txt '0 R 0x1000\n0 0x2000\n' ':2:'
bad_input vmm-bad-op.txt '0 R 0x1000\n0 X 0x2000\n' ':2:'
bad_input vmm-bad-hex.txt '0 R 0x1000\n0 R 0x12g4\n' ':2:'
bad_input vmm-huge.txt '0 R 0x1000\n0 R 0x1ffffffffffffffffff\n' ':2:'
bad_input vmm-neg-pid.txt '0 R 0x1000\n-1 R 0x2000\n' ':2:' --format vmm
bad_input vmm-trunc.txt '0 R 0x1000\n0 R' ':2:' --format vmm
bad_input lackey-bad-hex.txt 'I  0400d7d4,8\n L 04zz,4\n' ':2:'
bad_input lackey-no-size.txt 'I  0400d7d4,8\n S 1fff0005f8\n' ':2:'
bad_input lackey-zero-size.txt 'I  0400d7d4,8\n S 1fff0005f8,0\n' ':2:'
bad_input lackey-trunc.txt 'I  0400d7d4,8\n L 1fff' ':2:' --format lackey
bad_input pages-bad.txt '12\n13\nfoo\n' ':3:' --format pages
bad_input pages-huge.txt '12\n99999999999999999999999\n' ':2:' --format pages
bad_input din-bad-label.txt '0 1000\n9 2000\n' ':2:' --format din
bad_input binary-garbage.txt '0 R 0x1000\n\001\002\003\000\377\n' ':2:'
bad_input empty.trace '' 'empty'
bad_input only-comments.trace '# nothing\n\n' ''
bad_input bin-wrong-magic.bin 'VMMXXXXX\001\000\000\000\000\020\000\000' '' --format bin
bad_input bin-trunc-header.bin 'VMMT' '' --format bin
bad_input unknown-content.txt 'hello world\nthis is not a trace\n' ''
# a truncated binary file and a truncated zstd stream, made from a good trace
"$VMMSIM" convert "$tmp/good.vmm" "$tmp/good.bin" >/dev/null 2>&1
head -c $(($(stat -c %s "$tmp/good.bin") - 3)) "$tmp/good.bin" >"$tmp/bin-trunc-record.bin"
expect 2 "bin-trunc-record.bin: byte" -- sim -t "$tmp/bin-trunc-record.bin"
seq 1 20000 | zstd -q -c >"$tmp/full.zst"
head -c 200 "$tmp/full.zst" >"$tmp/trunc.zst"
expect 2 "trunc.zst" -- sim -t "$tmp/trunc.zst" --format pages
for c in gzip xz; do
    seq 1 20000 | $c -c >"$tmp/full.$c"
    head -c 200 "$tmp/full.$c" >"$tmp/trunc-$c.txt.$c"
    expect 2 "trunc-$c.txt.$c: byte" -- sim -t "$tmp/trunc-$c.txt.$c" --format pages
done
# the tests/data corpus, when present: every bad-* file must exit 2
for f in "$data"/bad-*; do
    [ -e "$f" ] || continue
    expect 2 "$(basename "$f")" -- sim -t "$f" --frames 4
done

# --- output files are written whole or not at all ------------------------
echo '{"old": true}' >"$tmp/keep.json"
expect 2 "" -- sim -t "$tmp/vmm-bad-op.txt" --json "$tmp/keep.json"
grep -q '"old"' "$tmp/keep.json" && ok || bad "a failed run replaced its JSON output"
ls "$tmp"/keep.json.tmp.* >/dev/null 2>&1 && bad "temporary output left behind" || ok

# --- where outputs go: devices, FIFOs and process substitutions in place,
# symbolic links written through (the link stays), temporaries removed when
# interrupted (issue #9, item 1) ----------------------------------------------
"$VMMSIM" gen -t sequential -n 50 -o "$tmp/seq.vmm" 2>/dev/null
mkfifo "$tmp/fifo"
for cmd in "gen -t sequential -n 50 -o" "convert $tmp/seq.vmm --to vmm" "sim -t $tmp/seq.vmm -q --json"; do
    timeout 20 cat "$tmp/fifo" >"$tmp/fifo.out" &
    reader=$!
    # shellcheck disable=SC2086
    if ! timeout 20 "$VMMSIM" $cmd "$tmp/fifo" 2>"$tmp/err"; then
        bad "$cmd FIFO: $(cat "$tmp/err")"
        kill "$reader" 2>/dev/null   # the writer may never have opened the FIFO
    fi
    wait "$reader" 2>/dev/null
    [ -p "$tmp/fifo" ] && [ -s "$tmp/fifo.out" ] && ok || bad "$cmd FIFO: replaced, or nothing read"
done
cmp -s "$tmp/fifo.out" <("$VMMSIM" sim -t "$tmp/seq.vmm" -q --json -) && ok || bad "sim --json FIFO: content"
"$VMMSIM" gen -t sequential -n 50 -o >(cat >"$tmp/procsub.out") 2>"$tmp/err" || bad "gen -o >(...): $(cat "$tmp/err")"
wait $!
cmp -s "$tmp/procsub.out" "$tmp/seq.vmm" && ok || bad "gen -o >(cat > x): output differs"
# a device: a node of our own for the full device (root only; never /dev/full,
# which a broken writer would replace)
if mknod "$tmp/full" c 1 7 2>/dev/null; then
    expect 1 "No space left on device" -- gen -t sequential -n 50 -o "$tmp/full"
    expect 1 "No space left on device" -- convert "$tmp/seq.vmm" "$tmp/full" --to vmm
    expect 1 "No space left on device" -- sim -t "$tmp/seq.vmm" -q --csv "$tmp/full"
    [ -c "$tmp/full" ] && ok || bad "writing to a device replaced it"
fi
# symbolic links: the target is replaced, atomically; the link stays
ln -s seq-copy.vmm "$tmp/dangling.vmm"
expect 0 "" -- gen -t sequential -n 50 -o "$tmp/dangling.vmm"
[ -L "$tmp/dangling.vmm" ] && cmp -s "$tmp/seq-copy.vmm" "$tmp/seq.vmm" && ok || bad "gen -o through a dangling link"
ln -s seq-copy.vmm "$tmp/link.bin"
expect 0 "" -- convert "$tmp/seq.vmm" "$tmp/link.bin" --to bin
[ -L "$tmp/link.bin" ] && [ "$(head -c 4 "$tmp/seq-copy.vmm" | od -An -tx1 | tr -d ' ')" = 89564d4d ] &&
    ok || bad "convert OUT through a link"
echo old >"$tmp/report.json"
chmod 640 "$tmp/report.json"
ln -s report.json "$tmp/report-link.json"
expect 0 "" -- sim -t "$tmp/seq.vmm" -q --json "$tmp/report-link.json"
[ -L "$tmp/report-link.json" ] && grep -q '"page_faults"' "$tmp/report.json" && ok || bad "--json through a link"
[ "$(stat -c %a "$tmp/report.json")" = 640 ] && ok || bad "a replaced report lost its mode"
ls "$tmp"/*.tmp.* >/dev/null 2>&1 && bad "temporary files left: $(ls "$tmp"/*.tmp.*)" || ok
# interrupted: the temporary file goes, the previous output stays as it was
for sig in INT TERM; do
    echo previous >"$tmp/big.vmm"
    python3 - "$VMMSIM" "$tmp/big.vmm" "$sig" <<'PY' && ok || bad "gen -o interrupted by SIG$sig"
import glob, os, signal, subprocess, sys, time
vmmsim, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
sig = getattr(signal, "SIG" + name)
p = subprocess.Popen([vmmsim, "gen", "random:n=1G", "-o", out], stderr=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
t0 = time.time()
while not glob.glob(out + ".tmp.*") and time.time() - t0 < 20:
    time.sleep(0.01)
time.sleep(0.3)   # well inside the write
p.send_signal(sig)
rc = p.wait()
left = glob.glob(out + ".tmp.*")
if rc != -sig or left or open(out).read() != "previous\n":
    print("FAIL detail: status %s, left %s" % (rc, left))
    sys.exit(1)
PY
done

# --- page sizes: a power of two from 512 to 1G, in every command; a bin
# header's page size is checked and used (issue #9, item 2) -------------------
for p in 0 3 100 4097 2G; do
    expect 2 "--page-size: expected a power of two" -- sim -t "$tmp/good.vmm" -p $p
done
expect 2 "--page-size: expected a power of two" -- -t "$tmp/good.vmm" -p 0
expect 2 "--page-size: expected a power of two" -- compare -t "$tmp/good.vmm" -p 0
expect 2 "--page-size: expected a power of two" -- convert "$tmp/good.vmm" "$tmp/p3.bin" -p 3
[ -e "$tmp/p3.bin" ] && bad "convert -p 3 wrote a file" || ok
# a bin header with page size 3 (a hand-made file): refused at byte 16
printf '\211VMMTRC\n\001\000\040\000\020\000\000\000\003\000\000\000' >"$tmp/ps3.bin"
printf '\000%.0s' $(seq 1 12) >>"$tmp/ps3.bin"
printf '\000\020\000\000\000\000\000\000\000\000\000\000\001\000\000\000' >>"$tmp/ps3.bin"
expect 2 "ps3.bin: byte 16: bad page size 3" -- sim -t "$tmp/ps3.bin"
# and one written with 8K pages is simulated with 8K pages unless -p says otherwise
"$VMMSIM" convert "$tmp/good.vmm" "$tmp/p8k.bin" -p 8K 2>/dev/null
psize() { "$VMMSIM" sim "$@" -q --json - | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["page_size"])'; }
[ "$(psize -t "$tmp/p8k.bin")" = 8192 ] && ok || bad "bin header page size not used"
[ "$(psize -t "$tmp/p8k.bin" -p 4K)" = 4096 ] && ok || bad "-p does not override the bin header"

# --- inputs that cannot be read are bad input: exit 2 (issue #9, item 9) ----
expect 2 "is a directory" -- sim -t "$tmp"
expect 2 "is a directory" -- compare -t "$tmp"
expect 2 "is a directory" -- mrc -t "$tmp"
expect 2 "is a directory" -- convert "$tmp" "$tmp/x.bin"
expect 2 "is a directory" -- run "$tmp"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
    as_nobody=()
fi
cp "$tmp/good.vmm" "$tmp/unreadable.vmm"
cp "$data/scenario-min.ini" "$tmp/unreadable.ini"
chmod 000 "$tmp/unreadable.vmm" "$tmp/unreadable.ini"
"${as_nobody[@]}" "$VMMSIM" sim -t "$tmp/unreadable.vmm" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "Permission denied" "$tmp/err" && ok || bad "unreadable trace: $(cat "$tmp/err")"
"${as_nobody[@]}" "$VMMSIM" run "$tmp/unreadable.ini" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "Permission denied" "$tmp/err" && ok || bad "unreadable scenario: $(cat "$tmp/err")"

# --- outputs are checked before any work (issue #9, item 9), --plot needs
# gnuplot (item 7), convert names and inputs (item 8) -------------------------
sortz="$here/../../examples/sort.lackey.zst"
# each fails at once: nothing on stdout, no simulation
for args in "run --json /nonexistent/x.json" "run --alloc-csv $tmp" "sim -t $sortz --json /nonexistent/x.json" \
            "compare -t $sortz --csv /nonexistent/x.csv" "compare -t $sortz --json $tmp" \
            "mrc -t $sortz --csv /nonexistent/x.csv" "mrc -t $sortz --plot $tmp/x.jpg" \
            "mrc -t $sortz --plot /nonexistent/x.svg" "gen -t seq -o /nonexistent/x.vmm" \
            "convert $tmp/seq.vmm /nonexistent/x.bin"; do
    # shellcheck disable=SC2086
    expect 2 "" -- $args
    [ -s "$tmp/out" ] && bad "vmmsim $args: worked before failing: $(head -c 200 "$tmp/out")" || ok
    grep -q "nonexistent\|is a directory\|x.jpg: expected a .svg or .png" "$tmp/err" && ok ||
        bad "vmmsim $args: message: $(cat "$tmp/err")"
done
mkdir -p "$tmp/nogp"
for t in env cat; do ln -sf "$(command -v $t)" "$tmp/nogp/$t"; done
PATH="$tmp/nogp" "$VMMSIM" mrc -t "$sortz" --plot "$tmp/c.svg" >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 1 ] && grep -q "gnuplot is not on PATH" "$tmp/err" && [ ! -s "$tmp/out" ] && ok ||
    bad "--plot without gnuplot: status $st, $(cat "$tmp/err")"
# convert: the format from OUT's name unless --to says; never over its input
expect 0 "" -- convert "$tmp/seq.vmm" "$tmp/named.vmm"
cmp -s "$tmp/named.vmm" "$tmp/seq.vmm" && ok || bad "convert X b.vmm did not write vmm text"
expect 0 "" -- convert "$tmp/seq.vmm" "$tmp/named.din.zst"
zstd -dcq "$tmp/named.din.zst" | head -1 | grep -q '^0 [0-9a-f]*$' && ok || bad "convert X b.din.zst: not din"
expect 0 "" -- convert "$tmp/seq.vmm" "$tmp/named.dat"
[ "$(head -c 4 "$tmp/named.dat" | od -An -tx1 | tr -d ' ')" = 89564d4d ] && ok || bad "convert X b.dat: not bin"
expect 0 "" -- convert "$tmp/seq.vmm" "$tmp/forced.vmm" --to bin
[ "$(head -c 4 "$tmp/forced.vmm" | od -An -tx1 | tr -d ' ')" = 89564d4d ] && ok || bad "--to does not win"
expect 0 "" -- gen -t sequential -n 50 -o "$tmp/g.bin"
[ "$(head -c 4 "$tmp/g.bin" | od -An -tx1 | tr -d ' ')" = 89564d4d ] && ok || bad "gen -o x.bin: not bin"
cp "$tmp/seq.vmm" "$tmp/self.vmm"
ln -s self.vmm "$tmp/self-link.vmm"
expect 2 "is the input file" -- convert "$tmp/self.vmm" "$tmp/self.vmm"
expect 2 "is the input file" -- convert "$tmp/self.vmm" "$tmp/../$(basename "$tmp")/self.vmm"
expect 2 "is the input file" -- convert "$tmp/self-link.vmm" "$tmp/self.vmm" --to bin
cmp -s "$tmp/self.vmm" "$tmp/seq.vmm" && ok || bad "convert X X changed X"

# --- progress on stderr (issue #9, "Progress and feedback") -------------------
# forced into a file: plain lines, no terminal escapes (sim -V wrote them)
VMMSIM_PROGRESS_MS=50 "$VMMSIM" sim --gen random:n=3M -V -q >/dev/null 2>"$tmp/prog"
grep -q "^vmmsim: .*records.*/s" "$tmp/prog" && ok || bad "sim -V: no progress line: $(head -c 300 "$tmp/prog")"
grep -q $'\e\|\r' "$tmp/prog" && bad "sim -V wrote terminal escapes into a file" || ok
grep -q "%, ETA" "$tmp/prog" && ok || bad "no ETA for a generator of known length: $(head -3 "$tmp/prog")"
for cmd in "gen random:n=3M -o $tmp/p2.bin" "convert $tmp/p2.bin $tmp/p.vmm" "mrc -t $sortz -q" \
           "compare -t $sortz --frames 64 --policies lru,fifo -q" "run --limit 300K --no-alone -q"; do
    # shellcheck disable=SC2086
    VMMSIM_PROGRESS_MS=20 "$VMMSIM" $cmd --progress >/dev/null 2>"$tmp/prog" || bad "$cmd --progress failed"
    grep -q "^vmmsim: .*\(records\|MB read\|simulated\)" "$tmp/prog" && ok ||
        bad "$cmd --progress: no progress line: $(head -c 300 "$tmp/prog")"
done
# not forced and not a terminal: nothing
"$VMMSIM" sim --gen random:n=3M -q 2>"$tmp/prog" >/dev/null
[ -s "$tmp/prog" ] && bad "progress on a stderr that is not a terminal: $(head -c 200 "$tmp/prog")" || ok
# on a terminal: one line redrawn, erased at the end; -q silences it
if command -v script >/dev/null; then
    VMMSIM_PROGRESS_MS=20 script -qfec "$VMMSIM sim --gen random:n=3M --json /dev/null" "$tmp/tty.log" >/dev/null
    grep -q $'\r.*records.*\e\[K' "$tmp/tty.log" && grep -q $'\r\e\[Ktrace' "$tmp/tty.log" && ok ||
        bad "no progress line on a terminal: $(head -c 300 "$tmp/tty.log" | cat -A)"
    VMMSIM_PROGRESS_MS=20 script -qfec "$VMMSIM sim --gen random:n=3M -q" "$tmp/tty.log" >/dev/null
    grep -q "records" "$tmp/tty.log" && bad "-q does not silence progress on a terminal" || ok
fi

# --- options that decide memory: under ulimit -v 2000000 a clean refusal
# (exit 2, saying what the option would allocate) or a quick result, never a
# kill or an out-of-memory failure (issue #9, item 6) --------------------------
if ldd "$VMMSIM" 2>/dev/null | grep -q libasan; then
    # (and its allocator keeps mallinfo2, which the estimates read, at zero)
    echo "cli: skipping the ulimit -v checks (ASan reserves more address space)"
else
    while IFS='|' read -r want args; do
        # shellcheck disable=SC2086
        (ulimit -v 2000000; exec timeout 300 "$VMMSIM" $args) >"$tmp/out" 2>"$tmp/err"
        st=$?
        if [ "$st" != "$want" ]; then
            bad "ulimit -v 2000000: vmmsim $args exited $st, want $want: $(head -c 300 "$tmp/err")"
        elif [ "$want" = 2 ] && ! grep -q "up front" "$tmp/err"; then
            bad "ulimit -v 2000000: vmmsim $args: no estimate in the message: $(cat "$tmp/err")"
        else
            ok
        fi
    done <<CASES
2|sim -t $tmp/good.vmm --frames 4294967294
2|sim -t $tmp/good.vmm -r 1048576
2|compare -t $tmp/good.vmm --frames 16,4294967294 --policies lru
0|gen zipf:pages=666666666,n=1 -o $tmp/z1.vmm
0|gen zipf:pages=2G,n=100K,scatter=1 -o $tmp/z2.bin
2|mrc -t $sortz --method mini --max-frames 4294967295
0|sim -t $sortz -T 65536:0 -q
CASES
    # without a limit, a large up-front allocation is said before it is made
    "$VMMSIM" sim -t "$tmp/good.vmm" --frames 40000000 -q 2>"$tmp/err" || true
    grep -q "note: --frames 40000000 allocates about" "$tmp/err" && ok ||
        bad "--frames 40000000: no note of the up-front allocation: $(cat "$tmp/err")"
fi

# --- messages say what was expected (issue #9, item 10) ----------------------
expect 2 "64 entries do not split into sets of 5 ways (WAYS must divide ENTRIES" -- sim -t "$tmp/good.vmm" -T 64:5
expect 2 "12 sets of 4 ways, and 12 is not a power of two" -- sim -t "$tmp/good.vmm" -T 48:4
expect 2 "(it takes no parameters)" -- sim -t "$tmp/good.vmm" --params foo=1
expect 2 "(expected one of kin=, kout=)" -- sim -t "$tmp/good.vmm" -a 2q --params bogus=1
expect 2 "--ram 17592186044417 MiB: 4503599627370752 frames" -- sim -t "$tmp/good.vmm" -r 17592186044417
expect 2 'a: must be at most 4294967296 MB, got "99999999999"' -- gen seq:a=99999999999
expect 2 'page: must be at least 8 bytes, got "4"' -- gen seq:page=4
# scenarios: the VM, the file and the line of a missing trace or bad policy_params
mkdir -p "$tmp/scn10"
printf '[host]\nmemory = 64M\n\n[vm a]\ngenerate = sequential:n=100\n\n[vm b]\ngenerate = seq:n=10\ntrace = nope.trace\n' >"$tmp/scn10/t.ini"
expect 2 "t.ini:9: [vm b] trace: $tmp/scn10/nope.trace: no such file" -- run "$tmp/scn10/t.ini"
printf '[host]\nmemory = 64M\n\n[vm a]\npolicy_params = foo=1\ngenerate = sequential:n=100\npolicy = lru\n' >"$tmp/scn10/p.ini"
expect 2 "p.ini:5: [vm a] policy_params: policy lru: unknown parameter 'foo=1'" -- run "$tmp/scn10/p.ini"
expect 2 "--set vm.web.policy_params=x=1: [vm web] policy_params: policy clock" -- run --set vm.web.policy_params=x=1
# indentation is not a continuation; a UTF-8 BOM is not part of the first line;
# long lines are read whole
printf '[host]\n  memory = 64M\n\n[vm a]\n    generate = sequential:n=100\n    memory = 32M\n' >"$tmp/scn10/indent.ini"
expect 0 "" -- run "$tmp/scn10/indent.ini" -q --no-alone
printf '\357\273\277[host]\nmemory = 64M\n[vm a]\ngenerate = sequential:n=100\n' >"$tmp/scn10/bom.ini"
expect 0 "" -- run "$tmp/scn10/bom.ini" -q --no-alone
printf '[vm a]\ngenerate = sequential:n=100%300s; a comment after 300 blanks\nmemory = 32M\n' "" >"$tmp/scn10/long.ini"
expect 0 "" -- run "$tmp/scn10/long.ini" -q --no-alone
printf '[vm a]\ngenerate = sequential:n=100,w=0.%0250d1\n' 0 >"$tmp/scn10/long2.ini"
expect 0 "" -- run "$tmp/scn10/long2.ini" -q --no-alone
# compare: -a and -r are one policy and one size; lists have no empty items;
# --csv - and --json - replace the table; --json
expect 2 "(an empty item)" -- compare -t "$tmp/good.vmm" --frames 16,,32
"$VMMSIM" compare -t "$tmp/seq.vmm" -a lru -r 1 --csv - >"$tmp/cmp.csv" 2>"$tmp/err"
[ "$(wc -l <"$tmp/cmp.csv")" = 2 ] && [ "$(tail -1 "$tmp/cmp.csv" | cut -d, -f1-3)" = "lru,256,50" ] &&
    ok || bad "compare -a lru -r 1 --csv -: $(cat "$tmp/cmp.csv" "$tmp/err")"
"$VMMSIM" compare -t "$tmp/seq.vmm" --frames 8,16 --policies lru,fifo --json - >"$tmp/cmp.json" 2>"$tmp/err"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [(r["policy"],r["frames"]) for r in d["rows"]] == [("lru",8),("fifo",8),("lru",16),("fifo",16)] and d["references"] == 50' "$tmp/cmp.json" &&
    ok || bad "compare --json -: $(head -c 300 "$tmp/cmp.json")"
expect 2 "give -a (one policy) or --policies" -- compare -t "$tmp/seq.vmm" -a lru --policies fifo
expect 2 "--json - and --csv - would both write to stdout" -- sim -t "$tmp/seq.vmm" --json - --csv -
expect 2 "would both write to stdout" -- compare -t "$tmp/seq.vmm" --json - --csv -
# help: every command's, the exit statuses in each, vmmsim help CMD
for c in sim compare mrc run gen convert policies; do
    expect 0 "" -- $c --help
    grep -q "^Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input." "$tmp/out" && ok ||
        bad "$c --help lacks the exit statuses"
    "$VMMSIM" help $c >"$tmp/out2" 2>&1
    cmp -s "$tmp/out" "$tmp/out2" && ok || bad "vmmsim help $c differs from $c --help"
done
expect 0 "" -- --help
grep -q "^Exit status" "$tmp/out" && ok || bad "vmmsim --help lacks the exit statuses"
expect 0 "" -- mrc --help
grep -q "exact (default), shards, mini or patent" "$tmp/out" && grep -q -- "-q, --quiet" "$tmp/out" && ok ||
    bad "mrc --help: --method without patent, or no -q"
expect 0 "" -- gen --help
tail -2 "$tmp/out" | grep -q "own keys$" && ok || bad "gen --help ends mid-sentence: $(tail -1 "$tmp/out")"

# --- round trips: the same page counts in every format ---------------------
faults() { "$VMMSIM" sim "$@" --frames 64 --policy lru --json - 2>/dev/null |
           python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["page_faults"], d["total_accesses"])'; }
# round_trip TRACE FMT...: convert to each format (plain, and compressed with
# each extension in $exts) and back to bin; every copy must give the same
# faults and references.
exts=".zst"
round_trip() {
    local trace=$1 want got fmt ext out
    shift
    want=$(faults -t "$trace")
    for fmt in "$@"; do
        for ext in "" $exts; do
            out="$tmp/rt.$fmt$ext"
            "$VMMSIM" convert "$trace" "$out" --to "$fmt" 2>"$tmp/err" ||
                { bad "convert to $fmt$ext: $(cat "$tmp/err")"; continue; }
            got=$(faults -t "$out" --format "$fmt")
            [ "$got" = "$want" ] && ok || bad "round trip via $fmt$ext: '$got' != '$want'"
            "$VMMSIM" convert "$out" "$tmp/back.bin" --format "$fmt" 2>/dev/null
            got=$(faults -t "$tmp/back.bin")
            [ "$got" = "$want" ] && ok || bad "round trip via $fmt$ext and back: '$got' != '$want'"
        done
    done
    got=$(faults -t - <"$trace")
    [ "$got" = "$want" ] && ok || bad "stdin: '$got' != '$want'"
}
# several processes: the formats that carry a pid
"$VMMSIM" gen -t random -n 20000 -p 3 -s 7 -o "$tmp/multi.vmm" 2>"$tmp/err" || bad "gen: $(cat "$tmp/err")"
round_trip "$tmp/multi.vmm" bin vmm msr csv
# one process: every format (lackey, din and pages have no pid)
"$VMMSIM" gen -t working_set -n 20000 -p 1 -s 3 -o "$tmp/one.vmm" 2>"$tmp/err" || bad "gen: $(cat "$tmp/err")"
exts=".zst .gz .xz"
round_trip "$tmp/one.vmm" bin vmm lackey din pages vscsi hex msr csv
exts=""
# the new formats' samples, read and written back by every format that
# carries what they hold
round_trip "$data/trace-msr.csv" bin msr csv
round_trip "$data/trace-perf-mem.txt" bin vmm msr csv
round_trip "$data/trace-cp.vscsi" bin vscsi pages
round_trip "$data/trace-lackey-v-a.txt" bin lackey csv
# a real trace: lackey -> bin -> lackey keeps every count
want=$(faults -t "$here/../../examples/sort.lackey.zst")
"$VMMSIM" convert "$here/../../examples/sort.lackey.zst" "$tmp/sort.bin" 2>/dev/null
[ "$(faults -t "$tmp/sort.bin")" = "$want" ] && ok || bad "sort.lackey.zst via bin"

# --- the formats of issue #9: options and their errors --------------------
expect 2 "csv columns 'bogus=1'" -- sim -t "$data/trace-csv.csv" --csv-cols bogus=1
expect 2 "exactly one of obj and addr" -- sim -t "$data/trace-csv.csv" --csv-cols size=3
expect 2 "--csv-delim: expected one character" -- sim -t "$data/trace-csv.csv" --csv-delim ab
expect 2 "--csv-header: expected auto, yes or no" -- sim -t "$data/trace-csv.csv" --csv-header maybe
expect 2 "--block-map: expected id or bytes" -- sim -t "$data/trace-cp.vscsi" --block-map pages
expect 2 "--burst: expected" -- convert "$data/trace-lackey-v-a.txt" "$data/trace-lackey-v-b.txt" "$tmp/m.bin" --burst 0
expect 2 "the perf format is read only" -- convert "$data/trace-lackey.txt" "$tmp/x.perf" --to perf
expect 2 "unknown trace format 'parquet' (writable: vmm, lackey" -- convert "$data/trace-lackey.txt" "$tmp/x" --to parquet
expect 2 "trace-csv-nohdr.tsv:1: csv trace without a column mapping" -- sim -t "$data/trace-csv-nohdr.tsv" --format csv
expect 0 "" -- sim -t "$data/trace-csv-nohdr.tsv" --csv-cols asid=1,op=2,addr=3,size=4 --frames 4
expect 0 "" -- sim -t "$data/trace-csv.csv" --csv-cols time=1,obj=2,size=3 --csv-header yes --frames 4
expect 0 "" -- sim -t "$data/trace-perf-mem.txt" --frames 4
expect 0 "" -- sim -t "$data/trace-cp.vscsi" --block-map bytes --frames 4
expect 0 "" -- sim -t "$data/trace-msr.csv" --block-map id --frames 4
# formats that drop the access size say so; the others do not
expect 0 "the pages format drops the access size: 112 of 136 records" -- convert "$data/trace-lackey-v-a.txt" "$tmp/a.pages" --to pages
expect 0 "none crossed a page boundary" -- convert "$data/trace-lackey-v-a.txt" "$tmp/a.din" --to din
expect 0 "the 4 that crossed a page boundary now count one page each" -- convert "$data/trace-msr.csv" "$tmp/m.vmm" --to vmm
"$VMMSIM" convert "$data/trace-lackey-v-a.txt" "$tmp/a.bin" 2>"$tmp/err"
[ -s "$tmp/err" ] && bad "convert to bin warned: $(cat "$tmp/err")" || ok
# merging lackey logs: asids 0 and 1 in turn, every record kept, per input in order
"$VMMSIM" convert "$data/trace-lackey-v-a.txt" "$data/trace-lackey-v-b.txt" "$tmp/ab.vmm" --to vmm 2>/dev/null ||
    bad "merge: convert failed"
[ "$(wc -l <"$tmp/ab.vmm")" = $((136 + 23)) ] && ok || bad "merge: $(wc -l <"$tmp/ab.vmm") records"
[ "$(head -4 "$tmp/ab.vmm" | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 0 1 " ] && ok || bad "merge: turns $(head -4 "$tmp/ab.vmm")"
"$VMMSIM" convert "$data/trace-lackey-v-b.txt" "$tmp/b.vmm" --to vmm 2>/dev/null
grep '^1 ' "$tmp/ab.vmm" | sed 's/^1 /0 /' | cmp -s - "$tmp/b.vmm" && ok || bad "merge: input 2's records"
"$VMMSIM" convert "$data/trace-lackey-v-a.txt" "$data/trace-lackey-v-b.txt" "$tmp/ab5.vmm" --to vmm --burst 5 2>/dev/null
[ "$(head -6 "$tmp/ab5.vmm" | cut -d' ' -f1 | tr '\n' ' ')" = "0 0 0 0 0 1 " ] && ok || bad "merge --burst 5"
"$VMMSIM" convert "$data/trace-lackey-v-a.txt" "$data/trace-lackey-v-b.txt" "$tmp/ab.bin" 2>/dev/null
[ "$(faults -t "$tmp/ab.bin")" = "$(faults -t "$tmp/ab.vmm")" ] && ok || bad "merge: bin and vmm differ"
expect 2 "no-such.lackey" -- convert "$data/trace-lackey-v-a.txt" "$tmp/no-such.lackey" "$tmp/ab2.bin"
# CloudPhysics as vscsi and as text: the same page sequence, the same results
cp="$here/../../../shared/traces"
if [ -r "$cp/cloudPhysicsIO.vscsi" ]; then
    want=$("$VMMSIM" sim -t "$cp/cloudPhysicsIO.txt" --policy lru --frames 1024 --json - | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["page_faults"], d["total_accesses"])')
    got=$("$VMMSIM" sim -t "$cp/cloudPhysicsIO.vscsi" --policy lru --frames 1024 --json - | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["page_faults"], d["total_accesses"])')
    [ "$got" = "$want" ] && [ "$want" = "94816 113872" ] && ok || bad "cloudPhysicsIO.vscsi: '$got', txt: '$want'"
    "$VMMSIM" convert "$cp/cloudPhysicsIO.vscsi" "$tmp/cp.vscsi.xz" --to vscsi 2>/dev/null
    got=$("$VMMSIM" sim -t "$tmp/cp.vscsi.xz" --policy lru --frames 1024 --json - | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["page_faults"], d["total_accesses"])')
    [ "$got" = "$want" ] && ok || bad "cloudPhysicsIO.vscsi via vscsi.xz: '$got'"
fi

# --- miss-ratio curves --------------------------------------------------------
expect 2 "unknown method 'bogus'" -- mrc -t "$sortz" --method bogus
expect 2 "--rate" -- mrc -t "$sortz" --method shards --rate 0
expect 2 "--plot" -- mrc -t "$sortz" --plot "$tmp/curve.gif"
expect 2 "no trace" -- mrc --method exact
"$VMMSIM" mrc -t "$sortz" --csv "$tmp/mrc.csv" >/dev/null 2>"$tmp/err" || bad "mrc --csv: $(cat "$tmp/err")"
[ "$(head -1 "$tmp/mrc.csv")" = "frames,miss_ratio,misses,miss_ratio_lo,miss_ratio_hi,trusted" ] && ok || bad "mrc CSV header"
# one row per size from 1 to the distinct pages (246), and each row's misses
# equal the faults of an LRU run with that many frames
[ "$(($(wc -l <"$tmp/mrc.csv") - 1))" = 246 ] && ok || bad "mrc CSV rows: $(wc -l <"$tmp/mrc.csv")"
for f in 1 7 48 100 246; do
    want=$("$VMMSIM" sim -t "$sortz" --policy lru --frames $f --json - | python3 -c 'import json,sys; print(json.load(sys.stdin)["page_faults"])')
    got=$(awk -F, -v f=$f '$1 == f { print $3 }' "$tmp/mrc.csv")
    [ "$got" = "$want" ] && ok || bad "exact MRC at $f frames: $got, LRU run: $want"
done
"$VMMSIM" mrc -t "$sortz" --compare exact,shards,patent --json "$tmp/mrc.json" --plot "$tmp/mrc.svg" >/dev/null 2>"$tmp/err" ||
    bad "mrc --compare: $(cat "$tmp/err")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [c["method"] for c in d["curves"]] == ["exact","shards","patent"]; assert d["curves"][0]["mae"] == 0' "$tmp/mrc.json" && ok || bad "mrc JSON"
grep -q "<svg" "$tmp/mrc.svg" && ok || bad "mrc plot"

# issue #9 item 3: --step prints only the points it computed, and answers with points
"$VMMSIM" mrc -t "$sortz" --step 100 >"$tmp/step.out" 2>"$tmp/err" || bad "mrc --step: $(cat "$tmp/err")"
rows=$(awk '/^ +frames +miss ratio/ { on = 1; next } on && NF { printf "%s ", $1 }' "$tmp/step.out")
[ "$rows" = "100 200 246 " ] && ok || bad "mrc --step 100 prints sizes it did not compute: $rows"
grep -q "0\.76" "$tmp/step.out" && bad "mrc --step 100 invents 0.76 at 24 frames" || ok
[ "$(awk '$1 == "exact" { print $4, $5 }' "$tmp/step.out")" = "~100 <=100" ] && ok ||
    bad "mrc --step 100 knee and frames@: $(grep '^exact' "$tmp/step.out")"
[ "$("$VMMSIM" mrc -t "$sortz" --step 100 --csv - | cut -d, -f1 | tr '\n' ' ')" = "frames 100 200 246 " ] &&
    ok || bad "mrc --step 100 CSV rows"
"$VMMSIM" mrc -t "$sortz" --step 100 --json "$tmp/step.json" >/dev/null 2>&1
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["curves"][0]; assert [p[0] for p in c["points"]] == [100, 200, 246]; assert (c["knee_frames"], c["knee_after_frames"], c["frames_for_target"], c["frames_for_target_after"]) == (100, 0, 100, 0), c' "$tmp/step.json" && ok || bad "mrc --step 100 JSON"

# issue #9 item 4: --compare gives the maximum error beside the MAE; sampled
# curves give their sample, a band and their trust, and warn when small
"$VMMSIM" mrc -t "$sortz" --compare exact,shards,mini,patent --json "$tmp/cmp.json" >"$tmp/cmp.out" 2>"$tmp/err" ||
    bad "mrc --compare: $(cat "$tmp/err")"
grep -q "MAE   max error" "$tmp/cmp.out" && ok || bad "mrc --compare prints no maximum error"
grep -q "warning: patent: the curve is not to be trusted below" "$tmp/err" && ok || bad "mrc: no warning for patent: $(cat "$tmp/err")"
python3 - "$tmp/cmp.json" <<'PY' && ok || bad "mrc --compare JSON: trust fields"
import json, sys
c = {x["method"]: x for x in json.load(open(sys.argv[1]))["curves"]}
for m in c.values():
    assert "max_error" in m and "sample" in m and "warnings" in m and "trusted" in m, m["method"]
assert c["shards"]["exact"] and c["shards"]["max_error"] == 0 and c["shards"]["trusted"]
assert c["shards"]["sample"] == {"rate": 1.0, "pages": 246, "references": 1509009}
assert not c["patent"]["trusted"] and c["patent"]["warnings"] and c["patent"]["max_error"] > 0.5
assert len(c["patent"]["band"]) == len(c["patent"]["points"])
PY
"$VMMSIM" mrc -t "$sortz" --method shards --rate 0.01 --json "$tmp/r01.json" >/dev/null 2>"$tmp/err"
grep -q "warning: shards: the sample (.* at R = 0.01) is too small to trust the curve at any size" "$tmp/err" &&
    ok || bad "mrc --rate 0.01: no warning: $(cat "$tmp/err")"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["curves"][0]; assert not c["trusted"] and c["min_trusted_frames"] is None and c["warnings"] and c["distinct_pages"] == 246, c["warnings"]' "$tmp/r01.json" &&
    ok || bad "mrc --rate 0.01 JSON"

# issue #9 item 5: mini without --max-frames (on a file, on stdin, in a scenario)
expect 0 "" -- mrc -t "$sortz" --method mini
grep -q "1509009 page references, 246 distinct pages" "$tmp/out" && ok || bad "mrc mini: $(head -1 "$tmp/out")"
zstd -dc "$sortz" | "$VMMSIM" mrc -t - --method mini >"$tmp/out" 2>"$tmp/err" && ok || bad "mrc mini on stdin: $(cat "$tmp/err")"
grep -q "246 distinct pages" "$tmp/out" && ok || bad "mrc mini on stdin: $(head -1 "$tmp/out")"
printf '[host]\nmemory = 4M\nbalancer = mrc\n[vm a]\ntrace = %s\nmemory = 2M\nmrc = mini\n' "$sortz" >"$tmp/mini.ini"
"$VMMSIM" run "$tmp/mini.ini" --json "$tmp/mini.json" >/dev/null 2>"$tmp/err" && ok || bad "run with mrc = mini: $(cat "$tmp/err")"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["vms"][0]["mrc"]; assert m["frames"] and m["distinct"] == 246, m' "$tmp/mini.json" &&
    ok || bad "run with mrc = mini: no curve"

# per process: each pid's curve equals the curve of that pid's references alone
"$VMMSIM" gen -t working_set -n 60000 -p 3 -s 2 -o "$tmp/w3.vmm" 2>/dev/null
"$VMMSIM" mrc -t "$tmp/w3.vmm" --per-process --csv "$tmp/pp.csv" >/dev/null 2>"$tmp/err" || bad "mrc --per-process: $(cat "$tmp/err")"
[ "$(head -1 "$tmp/pp.csv")" = "pid,frames,miss_ratio,misses,miss_ratio_lo,miss_ratio_hi,trusted" ] && ok || bad "per-process CSV header"
for pid in 0 2; do
    grep "^$pid " "$tmp/w3.vmm" >"$tmp/one-pid.vmm"
    "$VMMSIM" mrc -t "$tmp/one-pid.vmm" --csv "$tmp/one.csv" >/dev/null
    awk -F, -v p=$pid '$1 == p { print substr($0, length($1) + 2) }' "$tmp/pp.csv" >"$tmp/from-pp.csv"
    tail -n +2 "$tmp/one.csv" | cmp -s - "$tmp/from-pp.csv" && ok || bad "per-process curve of pid $pid"
done

# --- hypervisor scenarios (vmmsim run): usage and input errors --------------
expect 0 "" -- run --help
grep -qF -- "--set S.KEY=VALUE" "$tmp/out" && ok || bad "run --help lacks --set"
expect 0 "" -- run --print-demo
grep -q '^\[host\]' "$tmp/out" && grep -q '^\[vm ' "$tmp/out" && ok || bad "run --print-demo: not a scenario"
expect 0 "" -- run --keys
grep -qF '| host | `memory` |' "$tmp/out" && ok || bad "run --keys: no key table"
# issue #9 item 11: the MRC balancer with no curve to read says so
printf '[host]\nmemory = 4M\nbalancer = mrc\n[vm a]\ngenerate = seq:n=1000\nmemory = 4M\nmrc = none\n' >"$tmp/nocurve.ini"
expect 0 "every VM has mrc = none" -- run "$tmp/nocurve.ini" -q --no-alone
printf '[host]\nmemory = 4M\nbalancer = mrc\n[vm a]\ngenerate = seq:n=1000\nmemory = 4M\nmrc = exact\n' >"$tmp/curve.ini"
"$VMMSIM" run "$tmp/curve.ini" -q --no-alone 2>"$tmp/err" && ! grep -q "mrc = none" "$tmp/err" && ok ||
    bad "run with a curve warns of none: $(cat "$tmp/err")"
expect 2 "--set host.ballooning=yes: unknown key 'ballooning'" -- run --set host.ballooning=yes
expect 2 "--set vm.web.memory=2X: memory: expected a size" -- run --set vm.web.memory=2X
expect 2 "--set vm.nosuch.memory=1G: no VM named 'nosuch'" -- run --set vm.nosuch.memory=1G
expect 2 "--set memory=1G: expected host.KEY=VALUE" -- run --set memory=1G
expect 2 "--set host.tau=1.5" -- run --set host.balancer=shares --set host.tau=1.5
expect 2 "scenario-bad-key.ini:4: unknown key 'ballooning'" -- run "$data/scenario-bad-key.ini"
expect 2 "scenario-bad-reservation.ini:5:" -- run "$data/scenario-bad-reservation.ini"
expect 2 "nonexistent.ini" -- run "$tmp/nonexistent.ini"
expect 2 "run: unknown option" -- run --bogus
expect 2 "unexpected argument" -- run "$data/scenario-min.ini" extra.ini
expect 2 "--limit: expected a count" -- run --limit 12x
expect 2 "--json - and --log-csv - would both write to stdout" -- run --json - --log-csv -
# a trace that does not exist: found when the run opens the VM's sources
mkdir -p "$tmp/scn"
printf '[host]\nmemory = 64M\n\n[vm a]\ngenerate = sequential:n=100\n\n[vm b]\ntrace = missing.trace\n' >"$tmp/scn/missing.ini"
echo '{"old": true}' >"$tmp/keep-run.json"
expect 2 "missing.trace" -- run "$tmp/scn/missing.ini" --json "$tmp/keep-run.json"
grep -q '"old"' "$tmp/keep-run.json" && ok || bad "a failed run replaced its JSON output"

# --- the seed simulator's options ----------------------------------------
expect 0 "" -- -t "$tmp/good.vmm" -r 1 -p 4096 -s 16 -v 64 -a LRU -T 16 --tlb-policy FIFO \
    --pt-type TWO_LEVEL -n 10 --seed 3 -o "$tmp/seed.json" --csv "$tmp/seed.csv" -q
for k in total_accesses reads writes page_faults major_faults minor_faults page_fault_rate \
         tlb_hits tlb_misses tlb_hit_rate swap_ins swap_outs replacements \
         avg_memory_access_time_ns per_process; do
    grep -q "\"$k\"" "$tmp/seed.json" && ok || bad "JSON lacks seed field $k"
done
expect 0 "" -- sim -t "$tmp/good.vmm" -a APPROX_LRU -q

# --- determinism and golden output -----------------------------------------
"$VMMSIM" sim -t "$here/../../examples/sort.lackey.zst" --frames 40 --policy clock --json "$tmp/a.json" -q
"$VMMSIM" sim -t "$here/../../examples/sort.lackey.zst" --frames 40 --policy clock --json "$tmp/b.json" -q
cmp -s "$tmp/a.json" "$tmp/b.json" && ok || bad "same run, different JSON"
if [ -d "$golden" ]; then
    for g in "$golden"/*.args; do
        name=$(basename "$g" .args)
        (cd "$here/../.." && eval "\"$VMMSIM\" $(cat "$g")") >"$tmp/golden.out" 2>&1
        if cmp -s "$tmp/golden.out" "$golden/$name.out"; then ok; else
            bad "golden $name differs:"; diff "$golden/$name.out" "$tmp/golden.out" | head -20
        fi
    done
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
