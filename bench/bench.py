#!/usr/bin/env python3
"""vmmsim throughput benchmark (run by `make bench`).

For each trace, measures in one run:
  - a decode-only pass (bench/decode: read and split into pages, nothing else),
  - every policy's full simulation (`vmmsim sim`), as page references per second,
    its ratio to the decode-only pass, and its peak RSS;
  - LRU's peak RSS on a prefix of 1/5 of the synthetic trace, to show that memory
    does not grow with trace length.
Traces: a >= 50M-reference synthetic trace in the binary format, and the real
lackey trace of gzip from ../shared/traces (or examples/sort.lackey.zst), both
in lackey+zstd form and converted to the binary format.

usage: bench.py VMMSIM DECODE [--quick]
"""
import os, subprocess, sys, time

vmmsim, decode = sys.argv[1], sys.argv[2]
quick = "--quick" in sys.argv
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cache = os.path.join(root, "build", "bench-cache")
os.makedirs(cache, exist_ok=True)


def run(cmd):
    """Run cmd; return (seconds, peak RSS in MiB, stdout)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench: %s failed: %s" % (" ".join(cmd), err.decode()[:300]))
    return dt, ru.ru_maxrss / 1024.0, out.decode()


def prepare():
    n = "10M" if quick else "50M"
    synth = os.path.join(cache, "zipf-%s.bin" % n)
    if not os.path.exists(synth):
        run([vmmsim, "gen", "zipf:alpha=0.9,pages=1000000,n=%s,p=1,s=1" % n, "-o", synth,
             "--format", "bin"])
    real = os.path.join(root, "..", "shared", "traces", "gzip.lackey.zst")
    if not os.path.exists(real):
        real = os.path.join(root, "examples", "sort.lackey.zst")
    name = os.path.basename(real).split(".")[0]
    real_bin = os.path.join(cache, name + ".bin")
    if not os.path.exists(real_bin):
        run([vmmsim, "convert", real, real_bin])
    return [("zipf %s (bin)" % n, synth, 65536),
            ("%s lackey (bin)" % name, real_bin, 32),
            ("%s lackey (.zst text)" % name, real, 32)]


def bench_trace(label, path, frames, policies):
    dt, rss, out = run([decode, path])
    records, pages, secs = out.split()
    pages = int(pages)
    base = pages / float(secs)
    print("\n%s: %s records, %d page references, %d frames" % (label, records, pages, frames))
    print("  %-9s %14s %10s %12s" % ("policy", "M refs/s", "x decode", "peak RSS MiB"))
    print("  %-9s %14.1f %10s %12.1f" % ("decode", base / 1e6, "1.00", rss))
    results = {}
    for pol in policies:
        dt, rss, _ = run([vmmsim, "sim", "-t", path, "--policy", pol, "--frames", str(frames), "-q"])
        rate = pages / dt
        results[pol] = rate
        print("  %-9s %14.1f %10.2f %12.1f" % (pol, rate / 1e6, rate / base, rss), flush=True)
    return results


def main():
    pols = subprocess.run([vmmsim, "policies"], capture_output=True, text=True).stdout
    policies = [l.split()[0] for l in pols.splitlines()[1:] if l.startswith("  ")]
    policies = policies[:policies.index("single")] if "single" in policies else policies
    traces = prepare()
    for label, path, frames in traces:
        bench_trace(label, path, frames, policies)
    # memory against trace length: LRU on 1/5 of the synthetic trace and on all of it
    label, path, frames = traces[0]
    _, rss_all, _ = run([vmmsim, "sim", "-t", path, "--policy", "lru", "--frames", str(frames), "-q"])
    total = int(run([decode, path])[2].split()[0])
    _, rss_part, _ = run([vmmsim, "sim", "-t", path, "--policy", "lru", "--frames", str(frames),
                          "-q", "-n", str(total // 5)])
    print("\nLRU peak RSS: %.1f MiB on %d records, %.1f MiB on %d records" %
          (rss_part, total // 5, rss_all, total))


main()
