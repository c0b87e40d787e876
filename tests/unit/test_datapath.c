/* The one data path (docs/architecture.md): `vmmsim sim` and `vmmsim run`
 * are two compositions of the same core, so one VM at a fixed allocation
 * under the hypervisor (shadow paging: one dimension, as on a native
 * machine) must count exactly what the single machine counts with that
 * many frames, for every page-table kind and every policy; and a stage
 * added through the registry sees every reference in both modes without
 * either being touched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vmmsim/vmmsim.h"
#include "util/hashmap.h"
#include "util/rng.h"
#include "test_util.h"

/* A random multi-process trace with reads, writes and instruction fetches,
 * accesses spanning pages among them, written in the binary format (which
 * keeps sizes and ops) so that both modes read the same file. */
static void make_trace(const char *path, uint64_t seed, size_t n, uint32_t pids, uint32_t pages)
{
    vmm_rng_t r;
    vmm_rng_seed(&r, seed);
    vmm_ref_t *refs = calloc(n, sizeof *refs);
    cr_assert_not_null(refs);
    for (size_t i = 0; i < n; i++) {
        /* skewed: half the references go to a tenth of the pages */
        uint64_t span = vmm_rng_below(&r, 2) ? pages / 10 + 1 : pages;
        uint64_t page = vmm_rng_below(&r, span);
        uint32_t size = vmm_rng_below(&r, 20) ? 8 : 1 + (uint32_t)vmm_rng_below(&r, 9000);
        refs[i] = (vmm_ref_t){.asid = 1 + (uint32_t)vmm_rng_below(&r, pids),
                              .addr = 0x400000 + page * 4096 + vmm_rng_below(&r, 4096),
                              .size = size, .op = (uint8_t)vmm_rng_below(&r, 3)};
    }
    vmm_trace_writer_t *w;
    vmm_err_t err;
    cr_assert_eq(vmm_trace_writer_open(path, "bin", 4096, &w, &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_trace_write(w, refs, n, &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &err), 0, "%s", err.msg);
    free(refs);
}

static void sim_counts(const char *path, const char *policy, const char *pt, uint32_t frames,
                       vmm_counters_t *out)
{
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.frames = frames;
    cfg.policy = policy;
    cfg.pt_type = pt;
    cfg.seed = 1 ^ vmm_hash64(1);   /* the seed the host gives VM 0's policy (seed 1) */
    vmm_t *m;
    vmm_err_t err;
    cr_assert_eq(vmm_create(&cfg, &m, &err), 0, "%s", err.msg);
    vmm_source_spec_t src = {.trace = path};
    cr_assert_eq(vmm_run(m, &src, NULL, &err), 0, "%s %s: %s", policy, pt, err.msg);
    vmm_stats_t st;
    cr_assert_eq(vmm_get_stats(m, &st), 0);
    *out = st.total;
    vmm_destroy(m);
}

/* One VM holding every frame of a host of `frames` frames: static split,
 * one pCPU, one TLB level like sim's, shadow paging, no samplers. */
static void run_counts(const char *path, const char *policy, const char *pt, uint32_t frames,
                       const char *stages, vmm_vm_result_t *out)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[host]\nmemory = %u\npcpus = 1\ntlb = 64:4\nnested = shadow\nguest_pt = %s\n"
             "balancer = static\nactive_sample = 0\n%s%s\n"
             "[vm v]\ntrace = %s\nmemory = 64M\npolicy = %s\nmrc = none\n",
             frames * 4096, pt, stages ? "stages = " : "", stages ? stages : "", path, policy);
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    cr_assert_eq(vmm_scenario_load_string(text, "t", &sc, &err), 0, "%s\n%s", err.msg, text);
    vmm_host_opts_t o;
    vmm_host_opts_default(&o);
    o.alone = 0;
    vmm_host_result_t r;
    cr_assert_eq(vmm_host_run(sc, &o, &r, &err), 0, "%s %s: %s", policy, pt, err.msg);
    *out = r.vms[0];
    memset(&out->mrc, 0, sizeof out->mrc);
    vmm_host_result_fini(&r);
    vmm_scenario_destroy(sc);
}

#define SAME(f) \
    cr_assert_eq(v.c.f, s.f, "%s %s %u frames: " #f " run %llu, sim %llu", (*p)->name, \
                 (*k)->name, frames, (unsigned long long)v.c.f, (unsigned long long)s.f)

Test(datapath, one_vm_equals_sim_for_every_policy_and_table)
{
    char path[] = "/tmp/vmm-dp-XXXXXX.bin";
    int fd = mkstemps(path, 4);
    cr_assert_geq(fd, 0);
    close(fd);
    make_trace(path, 42, 12000, 3, 900);
    static const uint32_t sizes[] = {256, 512};
    for (const vmm_pt_ops *const *k = vmm_pt_all(); *k; k++) {
        for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++) {
            for (size_t z = 0; z < 2; z++) {
                uint32_t frames = sizes[z];
                vmm_counters_t s;
                vmm_vm_result_t v;
                sim_counts(path, (*p)->name, (*k)->name, frames, &s);
                run_counts(path, (*p)->name, (*k)->name, frames, NULL, &v);
                SAME(refs);
                SAME(reads);
                SAME(writes);
                SAME(ifetches);
                SAME(faults);
                SAME(minor_faults);
                SAME(major_faults);
                SAME(evictions);
                SAME(dirty_writebacks);
                SAME(tlb_hits);
                SAME(tlb_misses);
                SAME(walk_refs);
                SAME(pages_touched);
                cr_assert_gt(s.faults, s.minor_faults, "the trace must evict");
                cr_assert_gt(s.dirty_writebacks, 0);
            }
        }
    }
    unlink(path);
}

/* --- a stage added from outside ------------------------------------------------ */

/* Counts references per page id: the example stage of docs/architecture.md.
 * Its fini keeps what it counted in `seen` for the tests to read. */
typedef struct pagecount {
    uint64_t *n;
    size_t cap;
    uint64_t refs, faults, walks, sum;
} pagecount;

static pagecount seen;

static int pc_init(void *st, const char *params, vmm_err_t *err)
{
    (void)st;
    if (params && *params)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "pagecount takes no parameters");
    return 0;
}

static void pc_fini(void *st)
{
    pagecount *s = st;
    s->sum = 0;
    for (size_t i = 0; i < s->cap; i++)
        s->sum += s->n[i];
    free(s->n);
    seen = *s;
    seen.n = NULL;
}

static int pc_ref(void *st, const vmm_stage_ref_t *r, double *cost)
{
    pagecount *s = st;
    (void)cost;
    if (r->page >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        while (cap <= r->page)
            cap *= 2;
        uint64_t *n = realloc(s->n, cap * sizeof *n);
        if (!n)
            return VMM_ENOMEM;
        memset(n + s->cap, 0, (cap - s->cap) * sizeof *n);
        s->n = n;
        s->cap = cap;
    }
    s->n[r->page]++;
    s->refs++;
    return 0;
}

static int pc_fault(void *st, const vmm_stage_ref_t *r, int major, double *cost)
{
    (void)r;
    (void)major;
    *cost += 1000;   /* a stage's cost reaches the reference's time */
    ((pagecount *)st)->faults++;
    return 0;
}

static int pc_walk(void *st, const vmm_stage_ref_t *r, unsigned refs, double *cost)
{
    (void)r;
    (void)refs;
    (void)cost;
    ((pagecount *)st)->walks++;
    return 0;
}

static size_t pc_stats(const void *st, vmm_stage_stat_t *out, size_t max)
{
    const pagecount *s = st;
    size_t distinct = 0;
    for (size_t i = 0; i < s->cap; i++)
        distinct += s->n[i] != 0;
    if (max >= 2) {
        out[0] = (vmm_stage_stat_t){"references", (double)s->refs};
        out[1] = (vmm_stage_stat_t){"pages", (double)distinct};
    }
    return 2;
}

static const vmm_stage_ops pagecount_ops = {
    .name = "pagecount", .abi = VMM_STAGE_ABI, .summary = "references per page (a test)",
    .state_size = sizeof(pagecount), .init = pc_init, .fini = pc_fini, .on_ref = pc_ref,
    .on_fault = pc_fault, .on_walk = pc_walk, .stats = pc_stats,
};

static void register_once(void)
{
    if (!vmm_stage_find("pagecount"))
        cr_assert_eq(vmm_stage_register(&pagecount_ops), 0);
}

/* Hand-checked: pages A A B A C (pid 1), 2 frames, LRU, a 64-entry TLB:
 * 5 references, 3 faults (A, B, C: C evicts B), 3 walks (first touches);
 * each fault costs the stage 1000 ns on top of the engine's own. */
Test(datapath, a_stage_sees_every_reference_in_sim)
{
    register_once();
    cr_assert_eq(vmm_stage_register(&pagecount_ops), VMM_EINVAL, "names are unique");
    vmm_config_t cfg;
    vmm_config_default(&cfg);
    cfg.frames = 2;
    cfg.policy = "lru";
    static const uint64_t pg[] = {0, 0, 1, 0, 2};
    vmm_ref_t refs[5];
    for (int i = 0; i < 5; i++)
        refs[i] = (vmm_ref_t){.asid = 1, .addr = pg[i] * 4096, .size = 1, .op = VMM_OP_READ};
    vmm_stats_t st[2];
    for (int with = 0; with < 2; with++) {
        cfg.stages = with ? "pagecount" : NULL;
        vmm_t *m;
        vmm_err_t err;
        cr_assert_eq(vmm_create(&cfg, &m, &err), 0, "%s", err.msg);
        cr_assert_eq(vmm_access(m, refs, 5, &err), 0, "%s", err.msg);
        vmm_get_stats(m, &st[with]);
        vmm_stage_stat_t ss[4];
        cr_assert_eq(vmm_get_stage_stats(m, "pagecount", ss, 4), with ? 2 : -1);
        if (with) {
            cr_assert_str_eq(ss[0].name, "references");
            cr_assert_float_eq(ss[0].value, 5, 0);
            cr_assert_float_eq(ss[1].value, 3, 0, "pages A, B, C");
        }
        memset(&seen, 0, sizeof seen);
        vmm_destroy(m);
    }
    cr_assert_eq(seen.refs, 5);
    cr_assert_eq(seen.sum, 5);
    cr_assert_eq(seen.faults, 3);
    cr_assert_eq(seen.walks, 3);
    cr_assert_eq(st[0].total.faults, 3);
    cr_assert_eq(st[1].total.faults, 3);
    cr_assert_float_eq(st[1].total.time_ns - st[0].total.time_ns, 3000, 1e-9,
                       "three faults, 1000 ns each from the stage");
    vmm_t *m;
    vmm_err_t err;
    cfg.stages = "nosuch";
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_ENOENT);
    cr_assert(strstr(err.msg, "nosuch"), "%s", err.msg);
    cfg.stages = "pagecount:x=1";
    cr_assert_eq(vmm_create(&cfg, &m, &err), VMM_EINVAL);
}

/* The same stage in the hypervisor (scenario key host.stages): it sees
 * every reference, fault and walk, and adds only its own cost. */
Test(datapath, a_stage_sees_every_reference_in_run)
{
    register_once();
    char path[] = "/tmp/vmm-dp-XXXXXX.bin";
    int fd = mkstemps(path, 4);
    cr_assert_geq(fd, 0);
    close(fd);
    make_trace(path, 7, 5000, 2, 600);
    vmm_vm_result_t with, without;
    memset(&seen, 0, sizeof seen);
    run_counts(path, "clock", "radix4", 256, "pagecount", &with);
    pagecount got = seen;
    run_counts(path, "clock", "radix4", 256, NULL, &without);
    cr_assert_eq(got.refs, with.c.refs);
    cr_assert_eq(got.sum, with.c.refs);
    cr_assert_eq(got.faults, with.c.faults);
    cr_assert_eq(got.walks, with.c.tlb_misses);
    cr_assert_eq(with.c.faults, without.c.faults);
    cr_assert_eq(with.c.tlb_hits, without.c.tlb_hits);
    cr_assert_float_eq(with.c.time_ns - without.c.time_ns, 1000.0 * (double)with.c.faults, 1e-6);
    unlink(path);
}

/* The JSON report keeps a double's digits (it rounded to 6 significant
 * ones: an end time of 3.41975e10 ns lost its microseconds). */
Test(datapath, json_reals_keep_their_digits)
{
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    cr_assert_eq(vmm_scenario_load_string("[host]\nmemory = 4M\nbalancer = static\n"
                                          "[vm a]\ngenerate = zipf:pages=3000,n=20000,s=3\n"
                                          "memory = 4M\nmrc = none\n", "t", &sc, &err), 0,
                 "%s", err.msg);
    vmm_host_result_t r;
    cr_assert_eq(vmm_host_run(sc, NULL, &r, &err), 0, "%s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(vmm_host_report_json(f, sc, &r), 0);
    fclose(f);
    const char *p = strstr(buf, "\"end_ns\": ");
    cr_assert_not_null(p);
    double got = strtod(p + 10, NULL);
    cr_assert(r.end_ns > 1e6);
    cr_assert_float_eq(got, r.end_ns, r.end_ns * 1e-13, "end_ns %.17g printed as %.17g", r.end_ns,
                       got);
    free(buf);
    vmm_host_result_fini(&r);
    vmm_scenario_destroy(sc);
}

/* A VM is never recommended more memory than it has (a sampled curve's
 * sizes are scaled estimates and can pass it). */
Test(datapath, recommendation_within_the_vms_memory)
{
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    cr_assert_eq(vmm_scenario_load_string("[host]\nmemory = 8M\nbalancer = static\n"
                                          "[vm a]\ngenerate = random:pages=4000,n=40000,s=5\n"
                                          "memory = 4M\nmrc = shards\ntarget = 0.0001\n", "t",
                                          &sc, &err), 0, "%s", err.msg);
    vmm_host_result_t r;
    cr_assert_eq(vmm_host_run(sc, NULL, &r, &err), 0, "%s", err.msg);
    cr_assert_leq(r.vms[0].recommended, r.vms[0].memory, "%llu > %llu",
                  (unsigned long long)r.vms[0].recommended, (unsigned long long)r.vms[0].memory);
    vmm_host_result_fini(&r);
    vmm_scenario_destroy(sc);
}

/* docs/json-schema.md carries the counters table generated from
 * VMM_COUNTERS, so the docs cannot drift from the struct. */
Test(datapath, counters_table_matches_docs)
{
    vmm_assert_doc_has("docs/json-schema.md", vmm_counters_markdown, "vmm_counters_markdown");
}
