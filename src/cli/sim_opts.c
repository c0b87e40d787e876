/* Options shared by sim and compare; see sim_opts.h. */
#include "sim_opts.h"
#include "trace_opts.h"
#include "budget.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TLB_MAX_ENTRIES (1u << 24)   /* as the scenario's tlb key */

enum { O_FRAMES = 2000, O_GEN, O_DATA_ONLY, O_PARAMS, O_SEED, O_TLB_POLICY, O_TLB_FLUSH,
       O_PT_TYPE, O_LAT, O_SAMPLER, O_SAMPLE_PAGES, O_SAMPLE_CHUNKS, O_SAMPLE_PERIOD };

static const struct option shared[] = {
    {"trace", required_argument, 0, 't'},     {"gen", required_argument, 0, O_GEN},
    {"format", required_argument, 0, 'f'},    {"data-only", no_argument, 0, O_DATA_ONLY},
    {"ram", required_argument, 0, 'r'},       {"frames", required_argument, 0, O_FRAMES},
    {"page-size", required_argument, 0, 'p'}, {"swap", required_argument, 0, 's'},
    {"vspace", required_argument, 0, 'v'},    {"policy", required_argument, 0, 'a'},
    {"params", required_argument, 0, O_PARAMS}, {"seed", required_argument, 0, O_SEED},
    {"tlb", required_argument, 0, 'T'},       {"tlb-policy", required_argument, 0, O_TLB_POLICY},
    {"tlb-flush", no_argument, 0, O_TLB_FLUSH}, {"pt-type", required_argument, 0, O_PT_TYPE},
    {"lat", required_argument, 0, O_LAT},
    {"sampler", required_argument, 0, O_SAMPLER},
    {"sample-pages", required_argument, 0, O_SAMPLE_PAGES},
    {"sample-chunks", required_argument, 0, O_SAMPLE_CHUNKS},
    {"sample-period", required_argument, 0, O_SAMPLE_PERIOD},
    TRACE_OPTS_LONG,
};

void sim_opts_init(sim_opts_t *so)
{
    memset(so, 0, sizeof *so);
    vmm_config_default(&so->cfg);
    so->ram_mb = 64;
}

void sim_opts_longopts(struct option *out, const struct option *extra, size_t n)
{
    /* the command's own options first: getopt_long takes the first match */
    size_t k = sizeof shared / sizeof shared[0];
    memcpy(out, extra, n * sizeof *extra);
    memcpy(out + n, shared, sizeof shared);
    memset(out + k + n, 0, sizeof *out);
}

/* -T ENTRIES[:WAYS], with the rule a geometry breaks said in the message. */
static int parse_tlb(sim_opts_t *so, const char *arg)
{
    static const char rule[] = "WAYS must divide ENTRIES, and ENTRIES/WAYS (the sets) be a "
                               "power of two; 0 ways = fully associative, 0 entries = no TLB";
    vmm_tlb_cfg_t t = so->cfg.tlb;
    unsigned long long e, w = 0;
    int end = 0;
    if (vmm_tlb_parse(arg, &t) == 0) {
        if (t.entries > TLB_MAX_ENTRIES)
            return cli_usage_error("--tlb %s: at most %u entries", arg, TLB_MAX_ENTRIES);
        so->cfg.tlb = t;
        return 0;
    }
    if (sscanf(arg, "%llu%n:%llu%n", &e, &end, &w, &end) < 1 || arg[end] || *arg == '-')
        return cli_usage_error("--tlb: expected ENTRIES or ENTRIES:WAYS (64, 64:4, 1024:0), got "
                               "'%s'", arg);
    if (e > TLB_MAX_ENTRIES)
        return cli_usage_error("--tlb %s: at most %u entries", arg, TLB_MAX_ENTRIES);
    if (w > e)
        return cli_usage_error("--tlb %s: %llu ways but only %llu entries (%s)", arg, w, e, rule);
    if (w && e % w)
        return cli_usage_error("--tlb %s: %llu entries do not split into sets of %llu ways (%s)",
                               arg, e, w, rule);
    if (w)
        return cli_usage_error("--tlb %s: %llu sets of %llu ways, and %llu is not a power of two "
                               "(%s)", arg, e / w, w, e / w, rule);
    return cli_usage_error("--tlb %s: %s", arg, rule);
}

int sim_opts_parse(sim_opts_t *so, int c, const char *arg)
{
    switch (c) {
    case 't': so->src.trace = arg; return 0;
    case O_GEN: so->src.gen = arg; return 0;
    case 'f': so->src.topts.format = arg; return 0;
    case O_DATA_ONLY: so->src.topts.data_only = 1; return 0;
    case 'n': return cli_count(arg, "-n", &so->src.limit);
    case 'r': so->have_ram = 1; return cli_u64(arg, "--ram (MiB)", &so->ram_mb);
    case O_FRAMES: so->have_frames = 1; return cli_u64(arg, "--frames", &so->frames);
    case 'p': so->have_page = 1; return cli_page_size(arg, "--page-size", &so->cfg.page_size);
    case 's': so->have_swap = 1; return cli_u64(arg, "--swap (MiB)", &so->swap_mb);
    case 'v': so->have_vspace = 1; return cli_u64(arg, "--vspace (MiB)", &so->vspace_mb);
    case 'a': so->have_policy = 1; so->cfg.policy = arg; return 0;
    case O_PARAMS: so->cfg.policy_params = arg; return 0;
    case O_SEED: return cli_u64(arg, "--seed", &so->cfg.seed);
    case 'T': return parse_tlb(so, arg);
    case O_TLB_POLICY:
        if (!strcasecmp(arg, "lru"))
            so->cfg.tlb.policy = VMM_TLB_LRU;
        else if (!strcasecmp(arg, "fifo"))
            so->cfg.tlb.policy = VMM_TLB_FIFO;
        else
            return cli_usage_error("--tlb-policy: expected FIFO or LRU, got '%s'", arg);
        return 0;
    case O_TLB_FLUSH: so->cfg.tlb.flush_on_switch = 1; return 0;
    case O_PT_TYPE: so->cfg.pt_type = arg; return 0;
    case O_LAT: return cli_latency(arg, &so->cfg.lat);
    case O_SAMPLER:
        if (!strcasecmp(arg, "off"))
            so->cfg.sampler.mode = VMM_SAMPLER_OFF;
        else if (!strcasecmp(arg, "fault"))
            so->cfg.sampler.mode = VMM_SAMPLER_FAULT;
        else if (!strcasecmp(arg, "scan"))
            so->cfg.sampler.mode = VMM_SAMPLER_SCAN;
        else
            return cli_usage_error("--sampler: expected off, fault or scan, got '%s'", arg);
        return 0;
    case O_SAMPLE_PAGES: return cli_u32(arg, "--sample-pages", &so->cfg.sampler.pages);
    case O_SAMPLE_CHUNKS: return cli_u32(arg, "--sample-chunks", &so->cfg.sampler.chunks);
    case O_SAMPLE_PERIOD: return cli_ns(arg, "--sample-period", &so->cfg.sampler.period_ns);
    default:
        if (trace_opts_has(c))
            return trace_opts_parse(&so->src.topts, c, arg);
        return cli_usage_error("unknown option (see --help)");
    }
}

/* Open the trace once before any work: a missing, unreadable or
 * undetectable trace is reported now, and a bin trace's header gives the
 * page size when -p is not given. Stdin is left for the run. */
static int peek(sim_opts_t *so)
{
    if (!so->src.trace || !strcmp(so->src.trace, "-"))
        return 0;
    vmm_trace_t *t;
    vmm_err_t err;
    vmm_err_clear(&err);
    int rc = vmm_trace_open(so->src.trace, &so->src.topts, &t, &err);
    if (rc)
        return cli_fail(rc, &err);
    if (!so->have_page && !strcmp(vmm_trace_format_name(t), "bin") && vmm_trace_page_size(t))
        so->cfg.page_size = so->src.topts.page_size = vmm_trace_page_size(t);
    vmm_trace_close(t);
    return 0;
}

int sim_opts_finish(sim_opts_t *so)
{
    if (!so->src.trace && !so->src.gen)
        return cli_usage_error("no trace: give -t FILE (or --gen SPEC); see --help");
    if (so->src.trace && so->src.gen)
        return cli_usage_error("give either -t or --gen, not both");
    if (!vmm_policy_find(so->cfg.policy))
        return cli_usage_error("unknown policy '%s' (vmmsim policies lists them)", so->cfg.policy);
    char names[256];
    if (!vmm_pt_find(so->cfg.pt_type))
        return cli_usage_error("unknown page-table type '%s' (expected one of %s)", so->cfg.pt_type,
                               cli_names((const void *const *)vmm_pt_all(), NULL, names,
                                         sizeof names));
    so->src.topts.page_size = so->cfg.page_size;
    int rc = peek(so);
    if (rc)
        return rc;
    uint64_t frames = so->frames;
    if (!so->have_frames) {   /* in 128 bits: -r 2^44 + 1 must not wrap to 256 frames */
        unsigned __int128 f = ((unsigned __int128)so->ram_mb << 20) / so->cfg.page_size;
        unsigned long long most = (unsigned long long)(VMM_NOFRAME - 1) * so->cfg.page_size >> 20;
        char got[32] = "more than 2^64";
        if (f <= UINT64_MAX)
            snprintf(got, sizeof got, "%llu", (unsigned long long)f);
        if (f == 0 || f >= VMM_NOFRAME)
            return cli_usage_error("--ram %llu MiB: %s frames of %u bytes; expected 1 to %u "
                                   "frames (at most %llu MiB with this page size)",
                                   (unsigned long long)so->ram_mb, got, so->cfg.page_size,
                                   VMM_NOFRAME - 1, most);
        frames = (uint64_t)f;
    }
    if (frames == 0 || frames >= VMM_NOFRAME)
        return cli_usage_error("--frames: expected 1 to %u frames, got %llu", VMM_NOFRAME - 1,
                               (unsigned long long)frames);
    so->cfg.frames = (uint32_t)frames;
    char what[96];
    if (so->have_frames)
        snprintf(what, sizeof what, "--frames %u", so->cfg.frames);
    else
        snprintf(what, sizeof what, "-r %llu (%u frames of %u bytes)",
                 (unsigned long long)so->ram_mb, so->cfg.frames, so->cfg.page_size);
    if (so->cfg.tlb.entries > (1u << 16))
        snprintf(what + strlen(what), sizeof what - strlen(what), " with -T %u:%u",
                 so->cfg.tlb.entries, so->cfg.tlb.ways);
    if (cli_budget_engine(&so->cfg, what))
        return EXIT_USAGE;
    if (so->have_swap)
        so->cfg.swap_pages = so->swap_mb ? (so->swap_mb << 20) / so->cfg.page_size : 0;
    if (so->have_vspace) {
        if (!so->vspace_mb || so->vspace_mb > (1ull << 44))
            return cli_usage_error("--vspace: expected 1 to 2^44 MiB");
        so->cfg.va_limit = so->vspace_mb << 20;
        /* the page tables cover just that space (as the seed's -v sized its
         * single-level table); at least 20 bits */
        unsigned bits = 20;
        while (bits < 64 && (1ull << bits) < so->cfg.va_limit)
            bits++;
        so->cfg.va_bits = bits;
    }
    so->src.topts.page_size = so->cfg.page_size;
    return 0;
}
