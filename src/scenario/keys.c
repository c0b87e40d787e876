/* The scenario key registry: every key of a scenario file, in one table
 * that both drives the loader (vmm_scn_apply) and generates the reference
 * table of docs/scenario.md (vmm_scenario_keys_markdown), so the two cannot
 * drift apart. Defaults are written as text and parsed by the same code as
 * the file; each default that comes from somewhere says where.
 *
 * Adding a key: one line here and, if it needs a new field, one field in
 * vmm_host_spec_t or vmm_vm_spec_t; then regenerate the docs table. */
#include "scn_int.h"
#include "util/alloc.h"
#include "vmmsim/balance.h"
#include "vmmsim/gen.h"
#include "vmmsim/mmu.h"
#include "vmmsim/mrc.h"
#include "vmmsim/policy.h"
#include "vmmsim/sched.h"
#include "vmmsim/trace.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- NAME lookups: map what the user wrote to the registry's own name ---- */

static const char *pt_lookup(const char *name)
{
    const vmm_pt_ops *o = vmm_pt_find(name);
    return o ? o->name : NULL;
}

static const char *policy_lookup(const char *name)
{
    const vmm_policy_ops *o = vmm_policy_find(name);
    return o ? o->name : NULL;
}

/* "none" and "patent" (the online sampler of US 9,223,722, which runs in
 * the MMU and so is not an MRC-builder registry entry) plus the builders. */
static const char *mrc_lookup(const char *name)
{
    if (!strcasecmp(name, "none"))
        return "none";
    if (!strcasecmp(name, "patent"))
        return "patent";
    const vmm_mrc_ops *o = vmm_mrc_find(name);
    return o ? o->name : NULL;
}

static const char *format_lookup(const char *name)
{
    if (!strcasecmp(name, "auto"))
        return "auto";
    for (const char *const *f = vmm_trace_formats(); *f; f++)
        if (!strcasecmp(name, *f))
            return *f;
    return NULL;
}

/* --- NAMES: the words of a key, from the registry it looks names up in ---- */

/* Append `w` to "a|b" in buf. */
static void add_name(char *buf, size_t len, const char *w)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n ? "|" : "", w);
}

/* The names of a registry of ops tables that begin with `const char *name`. */
static void registry_names(const void *const *all, char *buf, size_t len)
{
    for (size_t i = 0; all[i]; i++)
        add_name(buf, len, *(const char *const *)all[i]);
}

static void pt_names(char *buf, size_t len)
{
    registry_names((const void *const *)vmm_pt_all(), buf, len);
}

static void policy_names(char *buf, size_t len)
{
    registry_names((const void *const *)vmm_policy_all(), buf, len);
}

static void mrc_names(char *buf, size_t len)
{
    add_name(buf, len, "none");
    add_name(buf, len, "patent");
    registry_names((const void *const *)vmm_mrc_all(), buf, len);
}

static void format_names(char *buf, size_t len)
{
    add_name(buf, len, "auto");
    for (const char *const *f = vmm_trace_formats(); *f; f++)
        add_name(buf, len, *f);
}

static void balancer_names(char *buf, size_t len)
{
    registry_names((const void *const *)vmm_balance_all(), buf, len);
}

static void sched_names(char *buf, size_t len)
{
    registry_names((const void *const *)vmm_sched_all(), buf, len);
}

/* The words a CHOICE or NAME key accepts, "a|b|c", in buf (or its fixed
 * list). */
static const char *key_choices(const vmm_scn_key_t *k, char *buf, size_t len)
{
    if (!k->names)
        return k->choices;
    buf[0] = 0;
    k->names(buf, len);
    return buf;
}

/* --- the table ------------------------------------------------------------ */

#define FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)
/* `choices`: a fixed "a|b" list, or NAMES(fn): the words of a registry. */
#define NAMES(fn) NULL, fn
#define FIXED(c) c, NULL
#define H(name, alias, type, def, unit, choices, min, max, f, lookup, doc, src) \
    {name, alias, VMM_SCN_HOST, type, def, unit, choices, min, max,           \
     FIELD(vmm_host_spec_t, f), lookup, doc, src}
#define V(name, alias, type, def, unit, choices, min, max, f, lookup, doc, src) \
    {name, alias, VMM_SCN_VM, type, def, unit, choices, min, max,             \
     FIELD(vmm_vm_spec_t, f), lookup, doc, src}
#define SRC_DOCS "docs/latency.md"
#define XEN "Xen credit scheduler defaults"
#define ESX "Waldspurger, OSDI'02 (VMware ESX)"

static const vmm_scn_key_t keys[] = {
    /* host: machine */
    H("memory", NULL, VMM_KEY_SIZE, "4G", "bytes", FIXED(NULL), 1048576, 1125899906842624.0, memory,
      NULL, "machine memory shared by all VMs", NULL),
    H("page_size", NULL, VMM_KEY_SIZE, "4K", "bytes", FIXED(NULL), 512, 1073741824, page_size, NULL,
      "page size, a power of two", "x86-64 base page"),
    H("pcpus", NULL, VMM_KEY_COUNT, "4", "", FIXED(NULL), 1, VMM_SCN_MAX_PCPUS, pcpus, NULL,
      "physical CPUs the scheduler runs vCPUs on", NULL),
    H("numa_nodes", NULL, VMM_KEY_COUNT, "1", "", FIXED(NULL), 1, VMM_SCN_MAX_NODES, numa_nodes, NULL,
      "NUMA nodes; memory and pCPUs are split evenly among them", NULL),
    H("numa_local", NULL, VMM_KEY_TIMES, "100ns", "ns", FIXED(NULL), 0, 1e9, numa_local_ns, NULL,
      "DRAM access from the node's own CPUs: one time, or one per node", SRC_DOCS " (memory reference)"),
    H("numa_remote", NULL, VMM_KEY_TIMES, "150ns", "ns", FIXED(NULL), 0, 1e9, numa_remote_ns, NULL,
      "DRAM access from another node: one time, or one per node",
      "about 1.5x local on two-socket servers (approx.)"),
    /* host: translation */
    H("tlb", NULL, VMM_KEY_TLB, "64:4, 1536:12", "entries:ways", FIXED(NULL), 0, 0, tlb, NULL,
      "TLB levels, first to last, entries:ways (ways 0 = fully associative); none = no TLB",
      "Intel Skylake L1 DTLB and STLB (approx.)"),
    H("tlb_latency", NULL, VMM_KEY_TIME, "1ns", "ns", FIXED(NULL), 0, 1e9, tlb_ns, NULL,
      "TLB lookup, every reference", SRC_DOCS " (seed simulator)"),
    H("guest_pt", NULL, VMM_KEY_NAME, "radix4", "", NAMES(pt_names), 0, 0, guest_pt, pt_lookup,
      "guest page-table kind", "x86-64 4-level paging"),
    H("nested_pt", NULL, VMM_KEY_NAME, "radix4", "", NAMES(pt_names), 0, 0, nested_pt, pt_lookup,
      "nested (EPT/NPT) or shadow table kind", "x86-64 EPT, 4 levels"),
    H("nested", NULL, VMM_KEY_CHOICE, "ept", "", FIXED("ept|shadow"), 0, 0, nested, NULL,
      "2D walk through a nested table (EPT/NPT), or shadow page tables", NULL),
    H("pwc", NULL, VMM_KEY_COUNT, "0", "entries", FIXED(NULL), 0, 1048576, pwc_entries, NULL,
      "page-walk cache entries per upper level; 0 = none", NULL),
    H("shadow_sync", NULL, VMM_KEY_TIME, "2us", "ns", FIXED(NULL), 0, 1e12, shadow_sync_ns, NULL,
      "shadow mode: a VM exit to mirror a guest page-table update in the shadow table",
      "VM exit and re-entry, about 1-2 us (Adams & Agesen, ASPLOS'06; approx.)"),
    H("minor_fault", NULL, VMM_KEY_TIME, "1us", "ns", FIXED(NULL), 0, 1e12, minor_fault_ns, NULL,
      "first touch: allocate and zero a frame", SRC_DOCS " (approx.)"),
    /* host: tiers below DRAM */
    H("compressed", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0, compressed,
      NULL, "compressed-memory tier capacity; 0 = no such tier", NULL),
    H("compressed_latency", NULL, VMM_KEY_TIME, "2us", "ns", FIXED(NULL), 0, 1e12, compressed_ns, NULL,
      "fault served from the compressed tier", "decompressing a 4 KiB page (approx.)"),
    H("reclaim", NULL, VMM_KEY_CHOICE, "balloon", "", FIXED("balloon|swap"), 0, 0, reclaim, NULL,
      "how a shrinking VM gives up memory: its balloon (the guest's policy picks) or host swapping (random pages)",
      ESX " sections 3.2-3.3"),
    H("swap", NULL, VMM_KEY_CHOICE, "ssd", "", FIXED("none|ssd|disk"), 0, 0, swap, NULL,
      "swap device below DRAM (and the compressed tier)", NULL),
    H("ssd_capacity", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0,
      ssd_capacity, NULL, "SSD swap capacity; 0 = unlimited", NULL),
    H("ssd_latency", NULL, VMM_KEY_TIME, "100us", "ns", FIXED(NULL), 0, 1e12, ssd_ns, NULL,
      "fault served from SSD swap", SRC_DOCS " (approx.)"),
    H("disk_capacity", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0,
      disk_capacity, NULL, "disk swap capacity; 0 = unlimited", NULL),
    H("disk_latency", NULL, VMM_KEY_TIME, "1ms", "ns", FIXED(NULL), 0, 1e12, disk_ns, NULL,
      "fault served from disk swap", SRC_DOCS " (seed simulator's fault cost)"),
    /* host: scheduling */
    H("scheduler", NULL, VMM_KEY_CHOICE, "credit", "", NAMES(sched_names), 0, 0, scheduler, NULL,
      "how pCPUs share time among vCPUs: round robin or Xen-style credit", XEN),
    H("slice", "quantum", VMM_KEY_TIME, "30ms", "ns", FIXED(NULL), 1, 1e12, slice_ns, NULL,
      "time slice (the round-robin quantum, the credit slice)", XEN),
    H("tick", NULL, VMM_KEY_TIME, "10ms", "ns", FIXED(NULL), 1, 1e12, tick_ns, NULL,
      "credit accounting tick", XEN),
    /* host: memory allocation */
    H("balancer", NULL, VMM_KEY_CHOICE, "shares", "", NAMES(balancer_names), 0, 0, balancer, NULL,
      "memory allocation policy: fixed, ESX shares with idle tax, or MRC cost/benefit",
      "ESX's policy is shares"),
    H("period", NULL, VMM_KEY_TIME, "500ms", "ns", FIXED(NULL), 1000, 1e13, period_ns, NULL,
      "balancer period in simulated time",
      "ESX uses 30 s; shortened because simulated runs last seconds"),
    H("goal", NULL, VMM_KEY_CHOICE, "min-weighted-misses", "",
      FIXED("min-weighted-misses|equal-miss-ratio"), 0, 0, goal, NULL,
      "what the MRC balancer optimises", "seed 003 FIG. 6"),
    H("step", NULL, VMM_KEY_SIZE, "1M", "bytes", FIXED(NULL), 512, 1125899906842624.0, step, NULL,
      "memory the balancer moves at a time (rounded to pages)", "docs/balance.md"),
    H("max_move", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0, max_move, NULL,
      "memory that may change owner per period; 0 = no cap", NULL),
    H("tau", "idle_tax", VMM_KEY_REAL, "0.75", "", FIXED(NULL), 0, 0.99, tau, NULL,
      "idle memory tax rate (an idle page costs 1/(1-tau) active ones)", ESX),
    H("active_sample", NULL, VMM_KEY_COUNT, "100", "pages", FIXED(NULL), 0, 1048576, active_sample,
      NULL, "pages sampled per period to estimate each VM's active fraction; 0 = no sampling (the fraction stays 1)", ESX),
    H("mrc_pages", NULL, VMM_KEY_COUNT, "1024", "pages", FIXED(NULL), 16, 67108864, mrc_pages, NULL,
      "patent MRC sampler: pages traced per VM (S)", "docs/mrc-patent.md"),
    H("mrc_period", NULL, VMM_KEY_TIME, "10ms", "ns", FIXED(NULL), 0, 1e13, mrc_period_ns, NULL,
      "patent MRC sampler: how long a detected page stays untraced",
      "docs/mrc-patent.md (meets MAE <= 0.01 on both real traces)"),
    H("mrc_mode", NULL, VMM_KEY_CHOICE, "fault", "", FIXED("off|fault|scan"), 0, 0, mrc_mode, NULL,
      "patent MRC sampler: detect accesses by trace faults, or by scanning accessed bits once per period",
      "US 9,223,722 claims 3-4 (faults), claim 5 (scan)"),
    H("trace_fault", NULL, VMM_KEY_TIME, "2us", "ns", FIXED(NULL), 0, 1e12, trace_fault_ns, NULL,
      "a sampler's trap into the VMM (patent trace fault, ESX active-page fault)",
      SRC_DOCS " (VM exit and handler)"),
    H("retrace", NULL, VMM_KEY_TIME, "500ns", "ns", FIXED(NULL), 0, 1e12, retrace_ns, NULL,
      "re-installing a trace: unmap the page and shoot down its TLB entries", SRC_DOCS),
    H("scan_page", NULL, VMM_KEY_TIME, "50ns", "ns", FIXED(NULL), 0, 1e12, scan_page_ns, NULL,
      "scan mode: reading and clearing one sampled page's accessed bit", SRC_DOCS),
    H("swap_out", NULL, VMM_KEY_TIME, "0", "ns", FIXED(NULL), 0, 1e12, swap_out_ns, NULL,
      "writing a page to the swap device, charged to the reference that evicts it; 0 = asynchronous",
      SRC_DOCS " (write-back off the critical path)"),
    H("stages", NULL, VMM_KEY_STRING, NULL, "", FIXED(NULL), 0, 0, stages, NULL,
      "stages added to the data path: name[:k=v,...];... (docs/architecture.md)", NULL),
    H("numa_migrate", NULL, VMM_KEY_CHOICE, "pages", "", FIXED("off|pages|vcpus"), 0, 0, numa_migrate,
      NULL, "pages: a page walked twice in a row from a remote node moves there (if a frame is free); "
      "vcpus: each period a vCPU moves to the node holding its largest sampled working set",
      "Linux automatic NUMA balancing; seed 003 FIG. 8"),
    H("seed", NULL, VMM_KEY_COUNT, "1", "", FIXED(NULL), 0, 18446744073709551615.0, seed, NULL,
      "seed of every random choice in the run", "vmm_config_default()"),

    /* vm */
    V("trace", NULL, VMM_KEY_SOURCE, NULL, "", FIXED(NULL), 0, 0, sources, NULL,
      "a trace file (relative to the scenario's folder); repeatable", NULL),
    V("generate", NULL, VMM_KEY_SOURCE, NULL, "", FIXED(NULL), 0, 0, sources, NULL,
      "a generator spec (docs/generators.md); repeatable", NULL),
    V("format", NULL, VMM_KEY_NAME, "auto", "", NAMES(format_names), 0, 0, format,
      format_lookup, "trace format; auto = detect", NULL),
    V("vcpus", NULL, VMM_KEY_COUNT, "1", "", FIXED(NULL), 1, VMM_SCN_MAX_PCPUS, vcpus, NULL,
      "virtual CPUs", NULL),
    V("memory", NULL, VMM_KEY_SIZE, "1G", "bytes", FIXED(NULL), 1048576, 1125899906842624.0, memory,
      NULL, "guest-physical memory", NULL),
    V("shares", NULL, VMM_KEY_COUNT, "0", "", FIXED(NULL), 0, 1e15, shares, NULL,
      "proportional-share weight for memory; 0 = 10 per MiB of memory", "ESX 'normal' shares"),
    V("reservation", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0, reservation,
      NULL, "memory guaranteed to the VM", "ESX default"),
    V("limit", NULL, VMM_KEY_SIZE, "0", "bytes", FIXED(NULL), 0, 1125899906842624.0, limit, NULL,
      "most machine memory the VM may get; 0 = its memory", "ESX default (unlimited)"),
    V("priority", NULL, VMM_KEY_COUNT, "0", "", FIXED(NULL), 0, 255, priority, NULL,
      "breaks the balancer's ties: a higher priority gives memory last and gets it first "
      "(docs/balance.md); nothing else reads it yet", NULL),
    V("policy", NULL, VMM_KEY_NAME, "clock", "", NAMES(policy_names), 0, 0, policy, policy_lookup,
      "host-level replacement policy (docs/policies.md)", "vmm_config_default()"),
    V("policy_params", NULL, VMM_KEY_STRING, NULL, "", FIXED(NULL), 0, 0, policy_params, NULL,
      "policy parameters, k=v,k=v (docs/policies.md)", NULL),
    V("mrc", NULL, VMM_KEY_NAME, "patent", "", NAMES(mrc_names), 0, 0, mrc,
      mrc_lookup, "how the VM's miss-ratio curve is built (docs/mrc.md)",
      "seed 003: the MRC balancer needs an online MRC"),
    V("numa", NULL, VMM_KEY_PLACEMENT, "first-touch", "", FIXED("first-touch|interleave|preferred:N"),
      0, 0, numa, NULL, "where the VM's pages are placed", "Linux default policy"),
    V("affinity", NULL, VMM_KEY_CPUS, "all", "", FIXED(NULL), 0, 0, affinity, NULL,
      "pCPUs the VM's vCPUs may run on: all, or a list such as 0-3,6", NULL),
    V("weight", NULL, VMM_KEY_COUNT, "256", "", FIXED(NULL), 1, 65535, weight, NULL,
      "credit scheduler weight", XEN),
    V("cap", NULL, VMM_KEY_COUNT, "0", "%", FIXED(NULL), 0, 100.0 * VMM_SCN_MAX_PCPUS, cap, NULL,
      "credit cap in % of one pCPU; 0 = no cap", XEN),
    V("target_miss_ratio", "target", VMM_KEY_REAL, "0.01", "", FIXED(NULL), 0, 1, target_miss_ratio,
      NULL, "miss ratio the recommended memory size aims for", NULL),
    {0},
};

const vmm_scn_key_t *vmm_scenario_keys(size_t *n)
{
    if (n)
        *n = sizeof keys / sizeof keys[0] - 1;
    return keys;
}

const vmm_scn_key_t *vmm_scn_find_key(int section, const char *name)
{
    for (const vmm_scn_key_t *k = keys; k->name; k++)
        if (k->section == section &&
            (!strcasecmp(k->name, name) || (k->alias && !strcasecmp(k->alias, name))))
            return k;
    return NULL;
}

/* --- values -------------------------------------------------------------- */

/* A copy of `s` without leading and trailing blanks (overrides are not
 * stripped by inih). NULL when out of memory. */
static char *strip_dup(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *d = vmm_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Index of `word` in the '|'-separated `choices`, or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int i = 0;
    for (const char *c = choices; *c; i++) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == wl && !strncasecmp(c, word, n))
            return i;
        if (!bar)
            break;
        c = bar + 1;
    }
    return -1;
}

static void put_uint(const vmm_scn_key_t *k, void *spec, uint64_t v)
{
    char *p = (char *)spec + k->off;
    if (k->size == sizeof(uint32_t)) {
        uint32_t w = (uint32_t)v;
        memcpy(p, &w, sizeof w);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

/* True when a comma-separated list has an empty item ("1,,2", ",1",
 * "1,"), which strtok_r would silently skip. */
static int empty_item(const char *v)
{
    int need_item = 1;
    for (; *v; v++) {
        if (*v == ',') {
            if (need_item)
                return 1;
            need_item = 1;
        } else if (*v != ' ' && *v != '\t') {
            need_item = 0;
        }
    }
    return need_item;
}

/* "64:4, 1536:12" or "none". */
static int parse_tlb(const char *v, vmm_host_spec_t *h, char *msg, size_t ml)
{
    vmm_scn_tlb_t t[VMM_SCN_MAX_TLB];
    uint32_t n = 0;
    if (!strcasecmp(v, "none") || !strcmp(v, "0")) {
        memset(h->tlb, 0, sizeof h->tlb);
        h->tlb_levels = 0;
        return 0;
    }
    char buf[256];
    if (empty_item(v) || snprintf(buf, sizeof buf, "%s", v) >= (int)sizeof buf)
        goto bad;
    for (char *save = NULL, *lv = strtok_r(buf, ",", &save); lv; lv = strtok_r(NULL, ",", &save)) {
        uint64_t e, w = 0;
        char *colon = strchr(lv, ':');
        if (colon)
            *colon = 0;
        if (n == VMM_SCN_MAX_TLB || vmm_scn_parse_count(lv, &e) || e == 0 || e > 1u << 24 ||
            (colon && (vmm_scn_parse_count(colon + 1, &w) || w > e)))
            goto bad;
        if (w && (e % w || ((e / w) & (e / w - 1))))
            goto bad;   /* the sets must be a power of two (vmm_tlb_init) */
        t[n].entries = (uint32_t)e;
        t[n].ways = (uint32_t)w;
        n++;
    }
    if (!n)
        goto bad;
    memset(h->tlb, 0, sizeof h->tlb);
    memcpy(h->tlb, t, n * sizeof t[0]);
    h->tlb_levels = n;
    return 0;
bad:
    snprintf(msg, ml, "expected up to %d TLB levels entries:ways separated by commas "
             "(entries a multiple of ways, a power-of-two number of sets), e.g. 64:4, 1536:12, "
             "or none", VMM_SCN_MAX_TLB);
    return -1;
}

/* One time for every node, or a comma-separated list of one per node; the
 * entries not given are NaN so validation can count them. */
static int parse_times(const vmm_scn_key_t *k, const char *v, double *out, char *msg, size_t ml)
{
    double t[VMM_SCN_MAX_NODES];
    size_t n = 0;
    char buf[1024];
    if (empty_item(v) || snprintf(buf, sizeof buf, "%s", v) >= (int)sizeof buf)
        goto bad;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == VMM_SCN_MAX_NODES || vmm_scn_parse_time(p, &t[n]) || t[n] < k->min ||
            t[n] > k->max)
            goto bad;
        n++;
    }
    if (!n)
        goto bad;
    for (size_t i = 0; i < VMM_SCN_MAX_NODES; i++)
        out[i] = n == 1 ? t[0] : i < n ? t[i] : NAN;
    return 0;
bad:
    snprintf(msg, ml, "expected a time such as 100ns, or one per NUMA node separated by commas");
    return -1;
}

/* "all" or "0-3,6". */
static int parse_cpus(const char *v, uint64_t *mask, char *msg, size_t ml)
{
    uint64_t m[VMM_SCN_MAX_PCPUS / 64] = {0};
    char buf[1024];
    if (!strcasecmp(v, "all")) {
        memset(mask, 0xff, sizeof m);
        return 0;
    }
    if (empty_item(v) || snprintf(buf, sizeof buf, "%s", v) >= (int)sizeof buf)
        goto bad;
    int any = 0;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        uint64_t a, b;
        char *dash = strchr(p, '-');
        if (dash)
            *dash = 0;
        if (vmm_scn_parse_count(p, &a) || (dash ? vmm_scn_parse_count(dash + 1, &b) : (b = a, 0)) ||
            a > b || b >= VMM_SCN_MAX_PCPUS)
            goto bad;
        for (uint64_t c = a; c <= b; c++)
            m[c / 64] |= 1ull << (c % 64);
        any = 1;
    }
    if (!any)
        goto bad;
    memcpy(mask, m, sizeof m);
    return 0;
bad:
    snprintf(msg, ml, "expected all, or pCPU numbers and ranges below %d such as 0-3,6",
             VMM_SCN_MAX_PCPUS);
    return -1;
}

static int parse_placement(const char *v, vmm_vm_spec_t *vm, char *msg, size_t ml)
{
    uint64_t node;
    if (!strcasecmp(v, "first-touch")) {
        vm->numa = VMM_NUMA_FIRST_TOUCH;
        vm->numa_node = 0;
    } else if (!strcasecmp(v, "interleave")) {
        vm->numa = VMM_NUMA_INTERLEAVE;
        vm->numa_node = 0;
    } else if (!strncasecmp(v, "preferred:", 10) && !vmm_scn_parse_count(v + 10, &node) &&
               node < VMM_SCN_MAX_NODES) {
        vm->numa = VMM_NUMA_PREFERRED;
        vm->numa_node = (uint32_t)node;
    } else {
        snprintf(msg, ml, "expected first-touch, interleave or preferred:N (N a node number)");
        return -1;
    }
    return 0;
}

/* Check a generator spec now, so that its mistakes name the scenario's
 * file and line rather than surfacing when the run starts. */
static int check_gen(const char *spec, char *msg, size_t ml)
{
    vmm_gen_t *g = NULL;
    vmm_err_t e;
    vmm_err_clear(&e);
    int rc = vmm_gen_create(spec, &g, &e);
    vmm_gen_destroy(g);
    if (rc == VMM_ENOMEM)
        return rc;
    if (rc) {
        snprintf(msg, ml, "bad generator spec: %s", e.msg);
        return VMM_EFORMAT;
    }
    return 0;
}

static int apply_source(const vmm_scn_key_t *k, vmm_vm_spec_t *vm, const char *v, int replace,
                        uint64_t line, vmm_scn_source_t **old_sources, uint32_t *old_n,
                        char *msg, size_t ml)
{
    int kind = !strcmp(k->name, "generate") ? VMM_SRC_GENERATE : VMM_SRC_TRACE;
    if (!*v) {
        snprintf(msg, ml, "expected %s", kind == VMM_SRC_TRACE ? "a trace file name"
                                                               : "a generator spec such as zipf:alpha=0.9,pages=60000,n=20M");
        return VMM_EFORMAT;
    }
    if (kind == VMM_SRC_GENERATE) {
        int rc = check_gen(v, msg, ml);
        if (rc)
            return rc;
    }
    vmm_scn_source_t src = {kind, strip_dup(v), line};
    if (!src.text)
        return VMM_ENOMEM;
    if (replace) {
        vmm_scn_source_t *arr = vmm_malloc(sizeof *arr);
        if (!arr) {
            vmm_free(src.text);
            return VMM_ENOMEM;
        }
        arr[0] = src;
        *old_sources = vm->sources;
        *old_n = vm->nsources;
        vm->sources = arr;
        vm->nsources = 1;
        return 0;
    }
    /* Grow by one: sources are few, and a realloc that fails leaves the
     * old array intact. */
    vmm_scn_source_t *arr = vmm_realloc(vm->sources, (vm->nsources + 1) * sizeof *arr);
    if (!arr) {
        vmm_free(src.text);
        return VMM_ENOMEM;
    }
    arr[vm->nsources++] = src;
    vm->sources = arr;
    return 0;
}

int vmm_scn_apply(const vmm_scn_key_t *k, void *spec, const char *value, int replace,
                  uint64_t line, void **old, vmm_scn_source_t **old_sources, uint32_t *old_n,
                  char *msg, size_t ml)
{
    char *v = strip_dup(value);
    if (!v)
        return VMM_ENOMEM;
    int rc = 0;
    char *p = (char *)spec + k->off;
    uint64_t u;
    double d;
    msg[0] = 0;
    switch (k->type) {
    case VMM_KEY_SIZE:
        if (vmm_scn_parse_size(v, &u))
            snprintf(msg, ml, "expected a size in bytes, or with K, M, G or T (powers of 1024), "
                     "such as 4096, 512M or 1.5G");
        else if ((double)u < k->min || (double)u > k->max)
            snprintf(msg, ml, "expected a size from %.0f to %.0f bytes", k->min, k->max);
        else
            put_uint(k, spec, u);
        break;
    case VMM_KEY_COUNT:
        if (vmm_scn_parse_count(v, &u) || (double)u < k->min || (double)u > k->max)
            snprintf(msg, ml, "expected a whole number from %.0f to %.0f", k->min, k->max);
        else
            put_uint(k, spec, u);
        break;
    case VMM_KEY_TIME:
        if (vmm_scn_parse_time(v, &d) || d < k->min || d > k->max)
            snprintf(msg, ml, "expected a time from %gns to %gns with a unit ns, us, ms or s, "
                     "such as 30ms", k->min, k->max);
        else
            memcpy(p, &d, sizeof d);
        break;
    case VMM_KEY_REAL:
        if (vmm_scn_parse_real(v, &d) || d < k->min || d > k->max)
            snprintf(msg, ml, "expected a number from %g to %g", k->min, k->max);
        else
            memcpy(p, &d, sizeof d);
        break;
    case VMM_KEY_CHOICE: {
        char words[512];
        const char *choices = key_choices(k, words, sizeof words);
        int i = choice_index(choices, v);
        if (i < 0)
            snprintf(msg, ml, "expected one of %s", choices);
        else
            memcpy(p, &i, sizeof i);
        break;
    }
    case VMM_KEY_NAME: {
        const char *canon = *v ? k->lookup(v) : NULL;
        char words[512];
        if (!canon)
            snprintf(msg, ml, "expected one of %s", key_choices(k, words, sizeof words));
        else
            memcpy(p, &canon, sizeof canon);
        break;
    }
    case VMM_KEY_STRING: {
        char *prev;
        memcpy(&prev, p, sizeof prev);
        *old = prev;
        if (*v) {
            memcpy(p, &v, sizeof v);
            v = NULL;   /* now owned by the spec */
        } else {
            char *none = NULL;
            memcpy(p, &none, sizeof none);
        }
        break;
    }
    case VMM_KEY_TLB:
        parse_tlb(v, spec, msg, ml);
        break;
    case VMM_KEY_TIMES:
        parse_times(k, v, (double *)(void *)p, msg, ml);
        break;
    case VMM_KEY_CPUS:
        parse_cpus(v, (uint64_t *)(void *)p, msg, ml);
        break;
    case VMM_KEY_PLACEMENT:
        parse_placement(v, spec, msg, ml);
        break;
    case VMM_KEY_SOURCE:
        rc = apply_source(k, spec, v, replace, line, old_sources, old_n, msg, ml);
        break;
    }
    vmm_free(v);
    if (!rc && msg[0])
        rc = VMM_EFORMAT;
    return rc;
}

void vmm_scn_free_old(void *old, vmm_scn_source_t *old_sources, uint32_t old_n)
{
    vmm_free(old);
    for (uint32_t i = 0; i < old_n; i++)
        vmm_free(old_sources[i].text);
    vmm_free(old_sources);
}

/* --- documentation --------------------------------------------------------- */

static const char *type_name(int type)
{
    switch (type) {
    case VMM_KEY_SIZE: return "size";
    case VMM_KEY_TIME: return "time";
    case VMM_KEY_COUNT: return "count";
    case VMM_KEY_REAL: return "number";
    case VMM_KEY_CHOICE: return "choice";
    case VMM_KEY_NAME: return "name";
    case VMM_KEY_STRING: return "text";
    case VMM_KEY_TLB: return "TLB levels";
    case VMM_KEY_TIMES: return "time(s)";
    case VMM_KEY_CPUS: return "pCPU list";
    case VMM_KEY_PLACEMENT: return "placement";
    case VMM_KEY_SOURCE: return "source";
    default: return "?";
    }
}

int vmm_scenario_keys_markdown(FILE *f)
{
    int bad = fprintf(f, "| section | key | type | default | unit | meaning | default's source |\n"
                         "|---|---|---|---|---|---|---|\n") < 0;
    for (const vmm_scn_key_t *k = keys; k->name; k++) {
        char name[64], vals[160] = "";
        if (k->alias)
            snprintf(name, sizeof name, "`%s` (or `%s`)", k->name, k->alias);
        else
            snprintf(name, sizeof name, "`%s`", k->name);
        char words[512];
        const char *choices = key_choices(k, words, sizeof words);
        if (choices) {
            /* Markdown tables split cells at '|'; show the choices with commas. */
            size_t j = 0;
            for (const char *c = choices; *c && j + 3 < sizeof vals; c++) {
                if (*c == '|') {
                    vals[j++] = ',';
                    vals[j++] = ' ';
                } else {
                    vals[j++] = *c;
                }
            }
            vals[j] = 0;
        }
        bad |= fprintf(f, "| %s | %s | %s | %s%s%s | %s | %s%s%s%s | %s |\n",
                       k->section == VMM_SCN_HOST ? "host" : "vm", name, type_name(k->type),
                       k->def ? "`" : "", k->def ? k->def : "—", k->def ? "`" : "",
                       k->unit[0] ? k->unit : "", k->doc, vals[0] ? " (" : "", vals,
                       vals[0] ? ")" : "", k->source ? k->source : "") < 0;
    }
    return bad ? VMM_EIO : 0;
}
