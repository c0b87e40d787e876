#!/usr/bin/env python3
"""vmmsim throughput benchmark (run by `make bench`).

For each trace, measures in one run:
  - a decode-only pass (bench/decode: read and split into pages, nothing else),
  - every policy's full simulation (`vmmsim sim`), as page references per second,
    its ratio to the decode-only pass, and its peak RSS;
  - LRU's peak RSS on a prefix of 1/5 of the synthetic trace, to show that memory
    does not grow with trace length.
Traces: two 50M-reference synthetic traces in the binary format (zipf over 1M
pages, which is bound by host memory latency, and phased working sets), and the
real lackey trace of gzip from ../shared/traces (or examples/sort.lackey.zst),
both as lackey+zstd text and converted to the binary format.

Last, this version against the one before the one data path (issue #8;
bench/BASELINE names the commit): that commit is exported with git archive
and built in build/bench-cache, and the two binaries run in turn, five
times each, on the gzip trace (sim FIFO, LRU, Clock) and on the full
hypervisor pipeline; the table gives medians and their ratio.

usage: bench.py VMMSIM DECODE [--quick] [--baseline REV] [--versus-only]
"""
import os, shutil, statistics, subprocess, sys, time

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


def generated(name, spec):
    path = os.path.join(cache, name + ".bin")
    if not os.path.exists(path):
        run([vmmsim, "gen", spec, "-o", path, "--format", "bin"])
    return path


def prepare():
    n = "10M" if quick else "50M"
    # a large footprint: 1M pages (4 GiB) in 256 MiB, 41% faults, 93% TLB misses
    zipf = generated("zipf-" + n, "zipf:alpha=0.9,pages=1000000,n=%s,p=1,s=1" % n)
    # phased working sets of 2000, 8000 and 500 pages in 16 MiB
    phases = generated("phases-" + n, "phases:ws=2000;8000;500,len=5M,n=%s,s=1" % n)
    real = os.path.join(root, "..", "shared", "traces", "gzip.lackey.zst")
    if not os.path.exists(real):
        real = os.path.join(root, "examples", "sort.lackey.zst")
    name = os.path.basename(real).split(".")[0]
    real_bin = os.path.join(cache, name + ".bin")
    if not os.path.exists(real_bin):
        run([vmmsim, "convert", real, real_bin])
    return [("zipf over 1M pages, %s refs (bin)" % n, zipf, 65536),
            ("phased working sets, %s refs (bin)" % n, phases, 4096),
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


def bench_mrc(label, path):
    """Exact MRC and SHARDS against one LRU run, over the same trace; the
    builder's own memory comes from vmmsim mrc's summary."""
    t_lru, rss_lru, _ = run([vmmsim, "sim", "-t", path, "--policy", "lru", "--frames", "1000000",
                             "-q"])
    print("\nMRC on %s (whole process time, decoding included)" % label)
    print("  %-22s %10s %8s %12s %14s" % ("", "seconds", "x LRU", "peak RSS MiB", "builder KiB"))
    print("  %-22s %10.2f %8.2f %12.1f %14s" % ("one LRU run", t_lru, 1.0, rss_lru, "-"))
    for name, args in (("exact MRC", ["--method", "exact"]),
                       ("shards R=0.01", ["--method", "shards", "--rate", "0.01"]),
                       ("shards s_max=8K", ["--method", "shards", "--max-pages", "8192"])):
        dt, rss, out = run([vmmsim, "mrc", "-t", path, "--step", "64"] + args)
        row = [l.split() for l in out.splitlines() if l.split()[:1] == [args[1]]]
        mem = row[0][2] if row else "?"
        print("  %-22s %10.2f %8.2f %12.1f %14s" % (name, dt, dt / t_lru, rss, mem), flush=True)


def bench_host(traces):
    """The full hypervisor pipeline (vmmsim run): VMs on one host, two TLB
    levels per pCPU, the 2D walk, replacement inside each VM's allocation,
    the patent MRC sampler and the MRC balancer. The stages are added one at
    a time on the same VMs, so the difference in ns per reference between
    two rows is what the added stage costs; the decode-only row is the
    floor (reading the traces)."""
    import json
    n = 5000000 if quick else 15000000
    vms = [("zipf", traces[0][1]), ("phases", traces[1][1]), ("gzip", traces[2][1])]

    def write_ini(name, vms):
        ini = os.path.join(cache, name)
        with open(ini, "w") as f:
            f.write("[host]\nmemory = 64M\npcpus = 2\nbalancer = mrc\nperiod = 100ms\n")
            for vm, path in vms:
                f.write("[vm %s]\ntrace = %s\nmemory = 64M\n" % (vm, path))
        return ini

    def each_vm(key, value, vms):
        return sum((["--set", "vm.%s.%s=%s" % (v, key, value)] for v, _ in vms), [])

    def decode_ns(vms):
        """ns per page reference to read the first n records of each trace."""
        total_ns = refs = 0
        for _, path in vms:
            _, _, out = run([decode, path])
            records, pages, secs = out.split()
            share = min(1.0, n / float(records))
            total_ns += float(secs) * 1e9 * share
            refs += int(pages) * share
        return total_ns / refs

    def table(title, vms):
        ini = write_ini("host-%d.ini" % len(vms), vms)
        stages = [
            ("TLBs + shadow (1D) walk + clock", ["--set", "host.nested=shadow", "--set",
                                                 "host.balancer=static"] + each_vm("mrc", "none", vms)),
            ("+ 2D nested walk (EPT, 4x4 levels)", ["--set", "host.balancer=static"] +
             each_vm("mrc", "none", vms)),
            ("+ patent MRC sampling", ["--set", "host.balancer=static"]),
            ("+ MRC balancer = full pipeline", []),
        ]
        print("\n%s: %d records each, 64 MiB host, 2 pCPUs" % (title, n))
        print("  %-36s %10s %10s %12s %12s" % ("stages", "M refs/s", "ns/ref", "stage ns", "peak RSS MiB"))
        prev = decode_ns(vms)
        print("  %-36s %10.1f %10.1f %12s %12s" % ("decode only", 1e3 / prev, prev, "-", "-"))
        for label, extra in stages:
            dt, rss, out = run([vmmsim, "run", ini, "--no-alone", "--limit", str(n), "--json", "-",
                                "-q"] + extra)
            refs = json.loads(out)["totals"]["refs"]
            ns = dt * 1e9 / refs
            print("  %-36s %10.1f %10.1f %+12.1f %12.1f" % (label, refs / dt / 1e6, ns, ns - prev,
                                                            rss), flush=True)
            prev = ns

    table("hypervisor pipeline, VMs phases + gzip", vms[1:])
    table("hypervisor pipeline, VMs zipf (1M pages) + phases + gzip", vms)


def build_baseline(rev):
    """vmmsim at commit `rev`, built apart from this tree (cached)."""
    d = os.path.join(cache, "base-" + rev)
    exe = os.path.join(d, "build", "vmmsim")
    if os.path.exists(exe):
        return exe
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    archive = subprocess.run(["git", "-C", root, "archive", rev], capture_output=True)
    if archive.returncode != 0:
        sys.exit("bench: git archive %s failed: %s" % (rev, archive.stderr.decode()[:300]))
    subprocess.run(["tar", "-x", "-C", d], input=archive.stdout, check=True)
    subprocess.run(["make", "-C", d, "-j2", "build/vmmsim"], check=True,
                   stdout=subprocess.DEVNULL)
    return exe


def bench_versus(rev, traces):
    """Medians of five interleaved runs of this vmmsim and of commit `rev`."""
    base = build_baseline(rev)
    _, gz, frames = traces[2]
    pages = int(run([decode, gz])[2].split()[1])
    n = 5000000 if quick else 15000000
    ini = os.path.join(cache, "versus.ini")
    with open(ini, "w") as f:
        f.write("[host]\nmemory = 64M\npcpus = 2\nbalancer = mrc\nperiod = 100ms\n")
        for vm, path in (("phases", traces[1][1]), ("gzip", gz)):
            f.write("[vm %s]\ntrace = %s\nmemory = 64M\n" % (vm, path))
    import json
    cases = [("sim %s, gzip (bin), %d frames" % (p, frames),
              ["sim", "-t", gz, "--policy", p, "--frames", str(frames), "-q"], pages)
             for p in ("fifo", "lru", "clock")]
    refs = json.loads(run([vmmsim, "run", ini, "--no-alone", "--limit", str(n), "--json", "-",
                           "-q"])[2])["totals"]["refs"]
    cases.append(("full hypervisor pipeline, phases + gzip",
                  ["run", ini, "--no-alone", "--limit", str(n), "-q"], refs))
    print("\nthis version against %s (before the one data path), medians of 5 runs in turn" % rev)
    print("  %-42s %12s %12s %8s" % ("", "M refs/s", "before", "ratio"))
    for label, args, count in cases:
        a, b = [], []
        for _ in range(5):
            a.append(run([vmmsim] + args)[0])
            b.append(run([base] + args)[0])
        ra, rb = count / statistics.median(a), count / statistics.median(b)
        print("  %-42s %12.1f %12.1f %8.2f" % (label, ra / 1e6, rb / 1e6, ra / rb), flush=True)


def main():
    rev = open(os.path.join(root, "bench", "BASELINE")).read().split()[0]
    if "--baseline" in sys.argv:
        rev = sys.argv[sys.argv.index("--baseline") + 1]
    if "--versus-only" in sys.argv:
        bench_versus(rev, prepare())
        return
    pols = subprocess.run([vmmsim, "policies"], capture_output=True, text=True).stdout
    policies = [l.split()[0] for l in pols.splitlines()[1:] if l.startswith("  ")]
    policies = policies[:policies.index("single")] if "single" in policies else policies
    traces = prepare()
    for label, path, frames in traces:
        bench_trace(label, path, frames, policies)
    for label, path, frames in traces[:1] + traces[2:3]:
        bench_mrc(label, path)
    bench_host(traces)
    # memory against trace length: LRU on 1/5 of the synthetic trace and on all of it
    label, path, frames = traces[0]
    _, rss_all, _ = run([vmmsim, "sim", "-t", path, "--policy", "lru", "--frames", str(frames), "-q"])
    total = int(run([decode, path])[2].split()[0])
    _, rss_part, _ = run([vmmsim, "sim", "-t", path, "--policy", "lru", "--frames", str(frames),
                          "-q", "-n", str(total // 5)])
    print("\nLRU peak RSS: %.1f MiB on %d records, %.1f MiB on %d records" %
          (rss_part, total // 5, rss_all, total))
    bench_versus(rev, traces)


main()
