/* Reports from a run's statistics: text summary, JSON and CSV.
 *
 * The JSON keeps every field of the seed simulator's output under the same
 * name where it means the same (total_accesses, page_faults, ...), adds
 * ours, and carries "schema_version" (docs/json-schema.md). Keys come out in
 * a fixed order and numbers in a fixed format, so the same run gives the
 * same bytes. Host wall-clock time appears only when asked for. */
#include "vmmsim/vmmsim.h"
#include "json_util.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double vmm_amt_ns(const vmm_counters_t *c) { return c->refs ? c->time_ns / (double)c->refs : 0; }
double vmm_fault_rate(const vmm_counters_t *c) { return vmm_ratio(c->faults, c->refs); }
double vmm_tlb_hit_rate(const vmm_counters_t *c) { return vmm_ratio(c->tlb_hits, c->refs); }

/* The counters the native report lists by name: those VMM_COUNTERS marks
 * VMM_CTR_NATIVE (all scalars), in its order, for JSON and CSV alike. */
#define NATIVE_(type, name, n, flags, text) \
    if ((flags) & VMM_CTR_NATIVE)           \
        EACH(#name, c->name);

static int counters_json(json_t *o, const vmm_counters_t *c)
{
    int rc = 0;
    rc |= jset(o, "total_accesses", json_integer((json_int_t)c->refs));
#define EACH(key, v) rc |= jset(o, key, json_integer((json_int_t)(v)))
    VMM_COUNTERS(NATIVE_)
#undef EACH
    rc |= jset(o, "page_faults", json_integer((json_int_t)c->faults));
    rc |= jset(o, "replacements", json_integer((json_int_t)c->evictions));
    rc |= jset(o, "page_fault_rate", jreal(vmm_fault_rate(c)));
    rc |= jset(o, "tlb_hit_rate", jreal(vmm_tlb_hit_rate(c)));
    rc |= jset(o, "avg_memory_access_time_ns", jreal(vmm_amt_ns(c)));
    rc |= jset(o, "simulated_time_ms", jreal(c->time_ns / 1e6));
    return rc;
}

/* The MRC sampler (US 9,223,722), only when it is on, so reports of runs
 * without it keep their bytes: its counters and the share of simulated
 * time they cost. */
static int sampler_on(const vmm_config_t *cfg)
{
    return cfg->sampler.mode != VMM_SAMPLER_OFF && cfg->sampler.pages;
}

static json_t *sampler_json(const vmm_counters_t *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= jset(o, "trace_faults", json_integer((json_int_t)c->trace_faults));
    rc |= jset(o, "trace_installs", json_integer((json_int_t)c->trace_installs));
    rc |= jset(o, "tlb_invalidations", json_integer((json_int_t)c->sampler_tlb_invalidations));
    rc |= jset(o, "scanned_pages", json_integer((json_int_t)c->scanned_pages));
    rc |= jset(o, "scan_hits", json_integer((json_int_t)c->scan_hits));
    rc |= jset(o, "time_ms", jreal(c->sampler_ns / 1e6));
    rc |= jset(o, "time_share", jreal(c->time_ns > 0 ? c->sampler_ns / c->time_ns : 0));
    return jdone(o, rc);
}

static json_t *sampler_cfg_json(const vmm_config_t *cfg)
{
    static const char *const modes[] = {"off", "fault", "scan"};
    const vmm_sampler_cfg_t *s = &cfg->sampler;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= jset(o, "mode", json_string(s->mode >= 0 && s->mode <= 2 ? modes[s->mode] : "?"));
    rc |= jset(o, "pages", json_integer(s->pages));
    rc |= jset(o, "chunks", json_integer(s->chunks));
    rc |= jset(o, "period_ms", jreal(s->period_ns / 1e6));
    rc |= jset(o, "trace_fault_ns", jreal(cfg->lat.trace_fault_ns));
    rc |= jset(o, "retrace_ns", jreal(cfg->lat.retrace_ns));
    rc |= jset(o, "scan_page_ns", jreal(cfg->lat.scan_page_ns));
    return jdone(o, rc);
}

static json_t *config_json(const vmm_config_t *cfg)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= jset(o, "policy", json_string(cfg->policy));
    rc |= jset(o, "policy_params", cfg->policy_params ? json_string(cfg->policy_params) : json_null());
    rc |= jset(o, "frames", json_integer(cfg->frames));
    rc |= jset(o, "page_size", json_integer(cfg->page_size));
    rc |= jset(o, "memory_bytes", json_integer((json_int_t)cfg->frames * cfg->page_size));
    rc |= jset(o, "swap_pages", json_integer((json_int_t)cfg->swap_pages));
    rc |= jset(o, "page_table", json_string(cfg->pt_type));
    rc |= jset(o, "va_bits", json_integer(cfg->va_bits));
    rc |= jset(o, "tlb_entries", json_integer(cfg->tlb.entries));
    rc |= jset(o, "tlb_ways", json_integer(cfg->tlb.ways));
    rc |= jset(o, "tlb_policy", json_string(cfg->tlb.policy == VMM_TLB_FIFO ? "fifo" : "lru"));
    rc |= jset(o, "tlb_flush_on_switch", json_boolean(cfg->tlb.flush_on_switch));
    rc |= jset(o, "seed", json_integer((json_int_t)cfg->seed));
    json_t *lat = json_object();
    rc |= jset(o, "latency_ns", lat);
    if (lat) {
        rc |= jset(lat, "tlb", jreal(cfg->lat.tlb_ns));
        rc |= jset(lat, "mem", jreal(cfg->lat.mem_ns));
        rc |= jset(lat, "minor_fault", jreal(cfg->lat.minor_fault_ns));
        rc |= jset(lat, "major_fault", jreal(cfg->lat.major_fault_ns));
        rc |= jset(lat, "swap_out", jreal(cfg->lat.swap_out_ns));
    }
    if (sampler_on(cfg))
        rc |= jset(o, "sampler", sampler_cfg_json(cfg));
    return jdone(o, rc);
}

static json_t *report_json(const vmm_stats_t *st, const vmm_config_t *cfg,
                           const vmm_run_info_t *info)
{
    json_t *o = json_object(), *procs = json_array();
    int rc = !o || !procs;
    rc |= jset(o, "schema_version", json_integer(VMM_JSON_SCHEMA));
    rc |= jset(o, "vmmsim_version", json_string(VMM_VERSION));
    if (info) {
        rc |= jset(o, "trace", json_string(info->trace ? info->trace : ""));
        rc |= jset(o, "trace_format", json_string(info->format ? info->format : ""));
        rc |= jset(o, "trace_records", json_integer((json_int_t)info->records));
        if (info->wall_seconds >= 0) {
            rc |= jset(o, "simulation_time_ms", jreal(info->wall_seconds * 1e3));
            rc |= jset(o, "refs_per_second",
                       jreal(info->wall_seconds > 0 ? st->total.refs / info->wall_seconds : 0));
        }
    }
    rc |= jset(o, "config", config_json(cfg));
    rc |= counters_json(o, &st->total);
    rc |= jset(o, "page_table_bytes", json_integer((json_int_t)st->pt_bytes));
    rc |= jset(o, "frames_used", json_integer(st->frames_used));
    rc |= jset(o, "tlb_flushes", json_integer((json_int_t)st->tlb_flushes));
    if (sampler_on(cfg))
        rc |= jset(o, "sampler", sampler_json(&st->total));
    for (uint32_t i = 0; !rc && i < st->nas; i++) {
        const vmm_as_stats_t *a = &st->as[i];
        json_t *p = json_object();
        rc |= !p || json_array_append_new(procs, p);
        if (rc)
            break;
        rc |= jset(p, "pid", json_integer(a->asid));
        rc |= counters_json(p, &a->c);
        rc |= jset(p, "page_table_bytes", json_integer((json_int_t)a->pt_bytes));
        rc |= jset(p, "resident_pages", json_integer((json_int_t)a->resident));
        if (sampler_on(cfg)) {
            json_t *sj = sampler_json(&a->c);
            rc |= jset(p, "sampler", sj);
            if (sj) {
                rc |= jset(sj, "sampled_pages", json_integer(a->sampled_pages));
                rc |= jset(sj, "sample_rate", jreal(a->sample_rate));
            }
        }
    }
    if (procs && !rc) {
        rc |= json_object_set(o, "per_process", procs);
    }
    json_decref(procs);
    return jdone(o, rc);
}

int vmm_report_json(FILE *f, const vmm_stats_t *st, const vmm_config_t *cfg,
                    const vmm_run_info_t *info)
{
    json_t *o = report_json(st, cfg, info);
    if (!o)
        return VMM_ENOMEM;
    int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_REAL_PRECISION(JSON_REAL_PREC)) || fputc('\n', f) == EOF;
    json_decref(o);
    return rc ? VMM_EIO : 0;
}

int vmm_report_csv(FILE *f, const vmm_stats_t *st)
{
    fputs("pid,total_accesses,page_faults", f);
    const vmm_counters_t *c = &st->total;
#define EACH(key, v) ((void)(v), fputs("," key, f))
    VMM_COUNTERS(NATIVE_)
#undef EACH
    fputs(",avg_memory_access_time_ns\n", f);
    for (uint32_t i = 0; i <= st->nas; i++) {
        c = i < st->nas ? &st->as[i].c : &st->total;
        if (i < st->nas)
            fprintf(f, "%u", st->as[i].asid);
        else
            fputs("total", f);
        fprintf(f, ",%llu,%llu", (unsigned long long)c->refs, (unsigned long long)c->faults);
#define EACH(key, v) fprintf(f, ",%llu", (unsigned long long)(v))
        VMM_COUNTERS(NATIVE_)
#undef EACH
        fprintf(f, ",%.4f\n", vmm_amt_ns(c));
    }
    return ferror(f) ? VMM_EIO : 0;
}

static void line_u(FILE *f, const char *k, uint64_t v) { fprintf(f, "  %-22s %15llu\n", k, (unsigned long long)v); }

static void line_pct(FILE *f, const char *k, uint64_t v, uint64_t of)
{
    fprintf(f, "  %-22s %15llu  (%.4f%%)\n", k, (unsigned long long)v, 100 * vmm_ratio(v, of));
}

int vmm_report_text(FILE *f, const vmm_stats_t *st, const vmm_config_t *cfg,
                    const vmm_run_info_t *info)
{
    const vmm_counters_t *c = &st->total;
    if (info && info->trace)
        fprintf(f, "trace      %s (%s, %llu records)\n", info->trace,
                info->format ? info->format : "?", (unsigned long long)info->records);
    fprintf(f, "memory     %u frames x %u B, policy %s%s%s, page table %s, TLB %u:%u %s\n",
            cfg->frames, cfg->page_size, cfg->policy, cfg->policy_params ? " " : "",
            cfg->policy_params ? cfg->policy_params : "", cfg->pt_type, cfg->tlb.entries,
            cfg->tlb.ways, cfg->tlb.policy == VMM_TLB_FIFO ? "fifo" : "lru");
    line_u(f, "page references", c->refs);
    fprintf(f, "  %-22s %15llu / %llu / %llu\n", "reads/writes/ifetches",
            (unsigned long long)c->reads, (unsigned long long)c->writes,
            (unsigned long long)c->ifetches);
    line_u(f, "pages touched", c->pages_touched);
    line_pct(f, "page faults", c->faults, c->refs);
    fprintf(f, "  %-22s %15llu / %llu\n", "  minor/major", (unsigned long long)c->minor_faults,
            (unsigned long long)c->major_faults);
    line_u(f, "evictions", c->evictions);
    line_u(f, "dirty write-backs", c->dirty_writebacks);
    line_pct(f, "TLB hits", c->tlb_hits, c->refs);
    line_u(f, "walk references", c->walk_refs);
    line_u(f, "page-table bytes", st->pt_bytes);
    fprintf(f, "  %-22s %15.2f ns\n", "avg memory access", vmm_amt_ns(c));
    if (st->nas > 1) {
        fprintf(f, "  %-8s %14s %12s %10s %12s\n", "pid", "refs", "faults", "fault%", "AMT ns");
        for (uint32_t i = 0; i < st->nas; i++) {
            const vmm_counters_t *a = &st->as[i].c;
            fprintf(f, "  %-8u %14llu %12llu %9.4f%% %12.2f\n", st->as[i].asid,
                    (unsigned long long)a->refs, (unsigned long long)a->faults,
                    100 * vmm_fault_rate(a), vmm_amt_ns(a));
        }
    }
    if (info && info->wall_seconds > 0)
        fprintf(f, "  %-22s %15.3f s (%.1f M refs/s)\n", "host time", info->wall_seconds,
                c->refs / info->wall_seconds / 1e6);
    return ferror(f) ? VMM_EIO : 0;
}

int vmm_counters_markdown(FILE *f)
{
    int bad = fputs("| counter | type | in `sim`'s report | meaning |\n|---|---|---|---|\n", f) < 0;
#define ROW_(type, name, n, flags, text)                                                    \
    bad |= fprintf(f, "| `%s` | %s | %s | %s |\n", #name,                                  \
                   (n) > 1 ? "object (one per tier)" : sizeof(type) == sizeof(double) &&     \
                   (type)0.5 != 0 ? "real" : "int", ((flags) & VMM_CTR_NATIVE) ? "yes" : "",  \
                   text) < 0;
    VMM_COUNTERS(ROW_)
#undef ROW_
    return bad || ferror(f) ? VMM_EIO : 0;
}
