/* Up-front memory estimates; see budget.h. */
#include "budget.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#define CAN_MEASURE 1
#else
#define CAN_MEASURE 0
#endif

/* Heap bytes in use (small blocks and mmap'ed ones). */
static double heap_bytes(void)
{
#if CAN_MEASURE
    struct mallinfo2 m = mallinfo2();
    return (double)m.uordblks + (double)m.hblkhd;
#else
    return 0;
#endif
}

/* What the process can still get, and what limits it. */
static double room(const char **which)
{
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    double best = phys > 0 ? phys : 1e300;
    *which = "this machine's physical memory";
    /* what other processes leave: Linux's estimate of memory available
     * without swapping */
    FILE *mi = fopen("/proc/meminfo", "r");
    char line[128];
    unsigned long long kb;
    while (mi && fgets(line, sizeof line, mi))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1 && kb * 1024.0 < best) {
            best = kb * 1024.0;
            *which = "the memory available now";
        }
    if (mi)
        fclose(mi);
    double vm = 0;   /* address space in use now, for ulimit -v */
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages;
    if (f && fscanf(f, "%lu", &pages) == 1)
        vm = (double)pages * (double)sysconf(_SC_PAGESIZE);
    if (f)
        fclose(f);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur - vm < best) {
        best = (double)rl.rlim_cur - vm;
        *which = "the address-space limit (ulimit -v)";
    }
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur < best) {
        best = (double)rl.rlim_cur;
        *which = "the data-size limit (ulimit -d)";
    }
    return best;
}

static void human(char *buf, size_t n, double b)
{
    if (b >= 1e9)
        snprintf(buf, n, "%.1f GB", b / 1e9);
    else
        snprintf(buf, n, "%.0f MB", b / 1e6);
}

/* Refuse or report `bytes` allocated up front because of `what`. */
static int judge(double bytes, const char *what, const char *detail)
{
    const char *which;
    double have = room(&which);
    char need[32], lim[32];
    human(need, sizeof need, bytes);
    human(lim, sizeof lim, have > 0 ? have : 0);
    if (bytes > have)
        return cli_usage_error("%s needs about %s of memory up front (%s), more than %s (%s)", what,
                               need, detail, which, lim);
    if (bytes > CLI_BUDGET_NOTE)
        fprintf(stderr, "vmmsim: note: %s allocates about %s up front (%s)\n", what, need, detail);
    return 0;
}

/* Heap growth of one engine built at `frames` frames (TLB off), or < 0. */
static double engine_at(const vmm_config_t *cfg, uint32_t frames)
{
    vmm_config_t c = *cfg;
    c.frames = frames;
    c.tlb.entries = 0;
    vmm_err_t err;
    vmm_t *m = NULL;
    double before = heap_bytes();
    if (vmm_create(&c, &m, &err))
        return -1;
    /* one reference: page tables sized by frames (inverted) come with the
     * first address space */
    vmm_ref_t r = {.addr = 0, .asid = 0, .size = 1, .op = VMM_OP_READ};
    if (!vmm_needs_prepass(m))
        (void)vmm_access(m, &r, 1, &err);
    double grown = heap_bytes() - before;
    vmm_destroy(m);
    return grown;
}

/* Heap growth of a TLB of `entries` entries and `ways` ways. */
static double tlb_at(const vmm_tlb_cfg_t *cfg, uint32_t entries, uint32_t ways)
{
    vmm_tlb_cfg_t c = *cfg;
    c.entries = entries;
    c.ways = ways;
    vmm_tlb_t t;
    double before = heap_bytes();
    if (vmm_tlb_init(&t, &c))
        return -1;
    double grown = heap_bytes() - before;
    vmm_tlb_fini(&t);
    return grown;
}

int cli_budget_engine(const vmm_config_t *cfg, const char *what)
{
    /* a million frames and 64K TLB entries cost tens of MB: not worth a probe */
    if (cfg->frames <= (1u << 20) && cfg->tlb.entries <= (1u << 16))
        return 0;
    if (!CAN_MEASURE)
        return 0;
    enum { F1 = 1 << 14, F2 = 1 << 18 };
    double a = engine_at(cfg, F1), b = engine_at(cfg, F2);
    if (a < 0 || b < 0)
        return 0;   /* vmm_create will say what is wrong */
    double per_frame = (b - a) / (F2 - F1);
    if (per_frame < 0)
        per_frame = 0;
    double bytes = a + per_frame * ((double)cfg->frames - F1);
    /* the TLB: per entry, measured on the same shape (fully associative,
     * or sets of the same ways) at two sizes */
    double tlb = 0, per_entry = 0;
    uint32_t e = cfg->tlb.entries, w = cfg->tlb.ways;
    if (e > 4096) {
        uint32_t w1 = w && w <= 1024 ? w : 0, e1 = w1 ? w1 * 4 : 1024;
        double t1 = tlb_at(&cfg->tlb, e1, w1), t2 = tlb_at(&cfg->tlb, e1 * 4, w1);
        per_entry = t1 >= 0 && t2 >= 0 ? (t2 - t1) / (3.0 * e1) : 0;
        tlb = per_entry * e;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "%.0f bytes per frame for the engine and policy %s%s", per_frame,
             cfg->policy, tlb > CLI_BUDGET_NOTE / 4 ? ", and the TLB" : "");
    return judge(bytes + tlb, what, detail);
}

/* Heap growth of one builder at max_frames m, or < 0. */
static double mrc_at(const vmm_mrc_ops *ops, const vmm_mrc_cfg_t *cfg, uint32_t m)
{
    vmm_mrc_cfg_t c = *cfg;
    c.max_frames = m;
    vmm_mrc_builder_t b;
    vmm_err_t err;
    double before = heap_bytes();
    if (vmm_mrc_builder_init(&b, ops, &c, &err))
        return -1;
    double grown = heap_bytes() - before;
    vmm_mrc_builder_fini(&b);
    return grown;
}

int cli_budget_mrc(const vmm_mrc_ops *ops, const vmm_mrc_cfg_t *cfg, const char *what)
{
    enum { M = 1 << 16 };
    if (!CAN_MEASURE || !cfg->max_frames || cfg->max_frames <= 4 * M)
        return 0;
    /* memory ~ a * max_frames^p: p = 1 with a fixed number of points (mini's
     * default), up to 2 with one cache per step (each sized by its point);
     * p from sizes M and 2M, kept in [1, 2] against the allocator's noise */
    double y1 = mrc_at(ops, cfg, M), y2 = mrc_at(ops, cfg, 2 * M);
    if (y1 <= 0 || y2 <= 0)
        return 0;   /* nothing sized by it, or the build will say what is wrong */
    double p = log2(y2 / y1);
    p = p < 1 ? 1 : p > 2 ? 2 : p;
    double bytes = y2 * pow((double)cfg->max_frames / (2.0 * M), p);
    char detail[96];
    snprintf(detail, sizeof detail, "the %s method sizes its state by the largest size", ops->name);
    return judge(bytes, what, detail);
}
