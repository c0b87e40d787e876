/* Reports of a hypervisor run (vmm_host_run, host.h): a text summary,
 * JSON (docs/json-schema.md, "host report") and two CSV time series, the
 * allocation of every VM at each period's end and the balancer's log.
 *
 * As in report.c, keys come out in a fixed order and real numbers are
 * rounded to 6 significant digits, so the same run gives the same bytes;
 * nothing here reads a clock. VMs are named, never numbered: a balancer
 * move from or to VMM_BALANCE_FREE (the host's free pages) shows "free". */
#include "vmmsim/vmmsim.h"
#include "json_util.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_LINES 8     /* balancer decisions the text report lists */

static const char *or_q(const char *s) { return s ? s : "?"; }

/* A real fit to print: 0 for NaN, infinities and -0. */
static double fin(double x) { return isfinite(x) && x != 0 ? x : 0; }

/* The name of VM `i` as the reports show it: its scenario name, "free"
 * for the host's free pages, "vmN" for an index past the result's VMs. */
static const char *vm_label(const vmm_host_result_t *r, int64_t i, char *buf, size_t len)
{
    if (i == VMM_BALANCE_FREE)
        return "free";
    if (i >= 0 && (uint64_t)i < r->nvms && r->vms[i].name)
        return r->vms[i].name;
    snprintf(buf, len, "vm%lld", (long long)i);
    return buf;
}

static uint32_t page_size_of(const vmm_scenario_t *sc)
{
    return sc && sc->host.page_size ? sc->host.page_size : 4096;
}

static double mib(uint64_t pages, uint32_t page_size)
{
    return (double)pages * page_size / 1048576.0;
}

/* Milliseconds without trailing noise: "100" for a whole number of ms,
 * "12.345" otherwise. */
static const char *fmt_ms(double ns, char *buf, size_t len)
{
    double ms = fin(ns / 1e6);
    if (fabs(ms - round(ms)) < 5e-7)
        snprintf(buf, len, "%.0f", fin(round(ms)));
    else
        snprintf(buf, len, "%.3f", ms);
    return buf;
}

/* --- text ------------------------------------------------------------------ */

static int any_remote(const vmm_host_result_t *r)
{
    for (uint32_t i = 0; i < r->nvms; i++)
        if (r->vms[i].c.remote_refs)
            return 1;
    return 0;
}

static void text_header(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    uint32_t ps = page_size_of(sc);
    uint64_t memory = sc ? sc->host.memory : r->host_pages * ps;
    char end[32], period[32];
    fprintf(f, "scenario   %s: %u VM%s\n", sc && sc->file ? sc->file : "?", r->nvms,
            r->nvms == 1 ? "" : "s");
    fprintf(f, "host       %.1f MiB = %llu pages of %u B", memory / 1048576.0,
            (unsigned long long)r->host_pages, ps);
    if (sc)
        fprintf(f, ", %u pCPU%s, %u NUMA node%s", sc->host.pcpus, sc->host.pcpus == 1 ? "" : "s",
                sc->host.numa_nodes, sc->host.numa_nodes == 1 ? "" : "s");
    fputc('\n', f);
    fprintf(f, "policies   balancer %s", or_q(r->balancer));
    if (sc)
        fprintf(f, " every %s ms", fmt_ms(sc->host.period_ns, period, sizeof period));
    fprintf(f, ", scheduler %s, nested %s\n", or_q(r->scheduler), or_q(r->nested));
    fprintf(f, "run        %llu balancer period%s, simulated end %s ms\n",
            (unsigned long long)r->periods, r->periods == 1 ? "" : "s",
            fmt_ms(r->end_ns, end, sizeof end));
}

static void text_vms(FILE *f, const vmm_host_result_t *r)
{
    int remote = any_remote(r);
    int w = 4;   /* name column: the longest name */
    for (uint32_t i = 0; i < r->nvms; i++) {
        int n = r->vms[i].name ? (int)strlen(r->vms[i].name) : 1;
        if (n > w)
            w = n;
    }
    fprintf(f, "\n%-*s %12s %10s %10s %20s %9s %9s %9s", w, "vm", "refs", "faults", "major",
            "compressed/ssd/disk", "TLB miss%", "walk/miss", "AMT ns");
    if (remote)
        fprintf(f, " %7s", "local%");
    fprintf(f, " %24s %8s %9s\n", "alloc pages (min..max)", "slowdown", "rec pages");
    for (uint32_t i = 0; i < r->nvms; i++) {
        const vmm_vm_result_t *v = &r->vms[i];
        char tiers[64], walk[32], alloc[64], slow[32], rec[32];
        snprintf(tiers, sizeof tiers, "%llu/%llu/%llu",
                 (unsigned long long)v->c.major_by_tier[VMM_TIER_COMPRESSED],
                 (unsigned long long)v->c.major_by_tier[VMM_TIER_SSD],
                 (unsigned long long)v->c.major_by_tier[VMM_TIER_DISK]);
        if (v->c.tlb_misses)
            snprintf(walk, sizeof walk, "%.2f", vmm_ratio(v->c.walk_refs, v->c.tlb_misses));
        else
            snprintf(walk, sizeof walk, "-");
        snprintf(alloc, sizeof alloc, "%llu (%llu..%llu)", (unsigned long long)v->alloc,
                 (unsigned long long)v->min_alloc, (unsigned long long)v->max_alloc);
        if (v->slowdown > 0 && isfinite(v->slowdown))
            snprintf(slow, sizeof slow, "%.2fx", v->slowdown);
        else
            snprintf(slow, sizeof slow, "-");
        if (v->recommended)
            snprintf(rec, sizeof rec, "%llu", (unsigned long long)v->recommended);
        else
            snprintf(rec, sizeof rec, "-");
        fprintf(f, "%-*s %12llu %10llu %10llu %20s %9.3f %9s %9.2f", w, or_q(v->name),
                (unsigned long long)v->c.refs, (unsigned long long)v->c.faults,
                (unsigned long long)v->c.major_faults, tiers, 100 * vmm_ratio(v->c.tlb_misses, v->c.refs),
                walk, fin(v->amt_ns));
        if (remote)
            fprintf(f, " %7.2f", 100 * vmm_ratio(v->c.local_refs, v->c.local_refs + v->c.remote_refs));
        fprintf(f, " %24s %8s %9s\n", alloc, slow, rec);
    }
}

static void text_totals(FILE *f, const vmm_host_result_t *r)
{
    fprintf(f, "\n%-22s %15llu\n", "total references", (unsigned long long)r->refs);
    fprintf(f, "%-22s %15llu  (weighted by shares: %.1f)\n", "major faults",
            (unsigned long long)r->major_faults,
            fin(r->weighted_faults));
    fprintf(f, "%-22s %15.2f ns\n", "avg memory access", fin(r->amt_ns));
}

/* The balancer log: how many decisions, how many pages they moved (every
 * decision's pages, bounds and fit included), the first LOG_LINES of them. */
static void text_log(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    uint32_t ps = page_size_of(sc);
    uint64_t pages = 0;
    for (size_t i = 0; i < r->nlog; i++)
        pages += r->log[i].move.pages;
    fprintf(f, "\nbalancer   %llu decision%s, %llu pages moved (%.1f MiB)\n",
            (unsigned long long)r->nlog, r->nlog == 1 ? "" : "s", (unsigned long long)pages,
            mib(pages, ps));
    /* columns as wide as the widest time and names shown */
    int wtime = 0, wf = 4, wt = 4;   /* "free" */
    char b1[32], b2[32];
    size_t shown = r->nlog < LOG_LINES ? r->nlog : LOG_LINES;
    for (size_t i = 0; i < shown; i++) {
        int n = (int)strlen(fmt_ms(r->log[i].t_ns, b1, sizeof b1)) + 4;   /* t=...ms */
        wtime = n > wtime ? n : wtime;
        n = (int)strlen(vm_label(r, r->log[i].move.to, b1, sizeof b1));
        wt = n > wt ? n : wt;
        n = (int)strlen(vm_label(r, r->log[i].move.from, b1, sizeof b1));
        wf = n > wf ? n : wf;
    }
    for (size_t i = 0; i < shown; i++) {
        const vmm_balance_move_t *m = &r->log[i].move;
        char t[40], tt[48];
        snprintf(tt, sizeof tt, "t=%sms", fmt_ms(r->log[i].t_ns, t, sizeof t));
        fprintf(f, "  %-*s  %*s <- %-*s %8llu pages  (%s", wtime, tt, wt, vm_label(r, m->to, b1, sizeof b1),
                wf, vm_label(r, m->from, b2, sizeof b2), (unsigned long long)m->pages,
                vmm_balance_reason_name(m->reason));
        if (fin(m->benefit) != 0)
            fprintf(f, ", benefit %.3g", m->benefit);
        fputs(")\n", f);
    }
    if (r->nlog > shown)
        fprintf(f, "  ... %llu more\n", (unsigned long long)(r->nlog - shown));
}

int vmm_host_report_text(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    text_header(f, sc, r);
    text_vms(f, r);
    text_totals(f, r);
    text_log(f, sc, r);
    return ferror(f) ? VMM_EIO : 0;
}

/* --- JSON -------------------------------------------------------------------- */

static json_t *tiers_json(const uint64_t *v)
{
    json_t *o = json_object();
    int rc = !o;
    for (int t = 0; !rc && t < VMM_TIER_SWAP; t++)   /* the host's tiers */
        rc |= jset(o, vmm_tier_name(t), jint(v[t]));
    return jdone(o, rc);
}

static json_t *mrc_json(const vmm_mrc_t *c)
{
    json_t *o = json_object(), *fr = json_array(), *mi = json_array();
    int rc = !o || !fr || !mi;
    for (uint32_t i = 0; !rc && i < c->npoints; i++) {
        rc |= json_array_append_new(fr, json_integer(c->frames[i]));
        rc |= json_array_append_new(mi, jreal(c->misses[i]));
    }
    if (!rc) {
        rc |= jset(o, "refs", jint(c->refs));
        rc |= jset(o, "distinct", jreal(c->distinct));
        rc |= json_object_set(o, "frames", fr);
        rc |= json_object_set(o, "misses", mi);
    }
    json_decref(fr);
    json_decref(mi);
    return jdone(o, rc);
}

static json_t *host_json(const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    uint32_t ps = page_size_of(sc);
    json_t *o = json_object();
    int rc = !o;
    rc |= jset(o, "memory_bytes", jint(sc ? sc->host.memory : r->host_pages * ps));
    rc |= jset(o, "page_size", json_integer(ps));
    rc |= jset(o, "host_pages", jint(r->host_pages));
    if (sc) {
        rc |= jset(o, "pcpus", json_integer(sc->host.pcpus));
        rc |= jset(o, "numa_nodes", json_integer(sc->host.numa_nodes));
        rc |= jset(o, "period_ns", jreal(sc->host.period_ns));
    }
    rc |= jset(o, "balancer", json_string(or_q(r->balancer)));
    rc |= jset(o, "scheduler", json_string(or_q(r->scheduler)));
    rc |= jset(o, "nested", json_string(or_q(r->nested)));
    rc |= jset(o, "periods", jint(r->periods));
    rc |= jset(o, "end_ns", jreal(r->end_ns));
    return jdone(o, rc);
}

static json_t *totals_json(const vmm_host_result_t *r)
{
    json_t *o = json_object();
    int rc = !o;
    rc |= jset(o, "refs", jint(r->refs));
    rc |= jset(o, "faults", jint(r->faults));
    rc |= jset(o, "major_faults", jint(r->major_faults));
    rc |= jset(o, "weighted_faults", jreal(r->weighted_faults));
    rc |= jset(o, "amt_ns", jreal(r->amt_ns));
    return jdone(o, rc);
}

/* One counter of a VM: an integer, a real, or per tier. */
static int counter_json(json_t *o, const char *key, const uint64_t *u, const double *d, size_t n)
{
    if (n > 1)
        return jset(o, key, tiers_json(u));
    return jset(o, key, u ? jint(*u) : jreal(*d));
}

#define CTR_U_(p) _Generic((p), uint64_t *: (p), const uint64_t *: (p), default: NULL)
#define CTR_D_(p) _Generic((p), double *: (p), const double *: (p), default: NULL)

/* Every field of vmm_vm_result_t, in the struct's order; its counters in
 * VMM_COUNTERS' order, from that list. */
static json_t *vm_json(const vmm_vm_result_t *v)
{
    json_t *o = json_object();
    int rc = !o;
#define U(n) rc |= jset(o, #n, jint(v->n));
#define R(n) rc |= jset(o, #n, jreal(v->n));
#define C(type, name, n, flags, text)                                                          \
    rc |= counter_json(o, #name, CTR_U_((const type *)&v->c.name), CTR_D_((const type *)&v->c.name), \
                       sizeof v->c.name / sizeof(type));
    rc |= jset(o, "name", json_string(or_q(v->name)));
    U(vcpus)
    VMM_COUNTERS(C)
    U(vcpu_migrations)
    R(run_ns) R(wait_ns) R(finish_ns) R(amt_ns) R(alone_run_ns) R(slowdown)
    U(alone_major_faults) U(alloc) U(resident) U(min_alloc) U(max_alloc)
    U(reservation) U(limit) U(memory)
    R(shares) R(active)
    rc |= jset(o, "mrc", mrc_json(&v->mrc));
    U(recommended)
    R(target_miss_ratio)
#undef U
#undef R
#undef C
    return jdone(o, rc);
}

/* An array of n objects, object i filled by fill(o, r, i); NULL when any
 * allocation failed. */
static json_t *jobjects(size_t n, int (*fill)(json_t *o, const vmm_host_result_t *r, size_t i),
                        const vmm_host_result_t *r)
{
    json_t *a = json_array();
    int rc = !a;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *o = json_object();
        rc |= !o || json_array_append_new(a, o);
        if (!rc)
            rc |= fill(o, r, i);
    }
    return jdone(a, rc);
}

static int decision_json(json_t *o, const vmm_host_result_t *r, size_t i)
{
    const vmm_host_decision_t *d = &r->log[i];
    char b[32];
    int rc = jset(o, "t_ns", jreal(d->t_ns));
    rc |= jset(o, "period", jint(d->period));
    rc |= jset(o, "from", json_string(vm_label(r, d->move.from, b, sizeof b)));
    rc |= jset(o, "to", json_string(vm_label(r, d->move.to, b, sizeof b)));
    rc |= jset(o, "pages", jint(d->move.pages));
    rc |= jset(o, "reason", json_string(vmm_balance_reason_name(d->move.reason)));
    rc |= jset(o, "benefit", jreal(d->move.benefit));
    return rc;
}

static int sample_json(json_t *o, const vmm_host_result_t *r, size_t i)
{
    const vmm_alloc_sample_t *s = &r->alloc[i];
    char b[32];
    int rc = jset(o, "t_ns", jreal(s->t_ns));
    rc |= jset(o, "vm", json_string(vm_label(r, s->vm, b, sizeof b)));
    rc |= jset(o, "alloc", jint(s->alloc));
    rc |= jset(o, "resident", jint(s->resident));
    rc |= jset(o, "active", jreal(s->active));
    rc |= jset(o, "miss_ratio", jreal(s->miss_ratio));
    return rc;
}

static json_t *report_json(const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    json_t *o = json_object(), *vms = json_array();
    int rc = !o || !vms;
    rc |= jset(o, "schema_version", json_integer(VMM_JSON_SCHEMA));
    rc |= jset(o, "kind", json_string("host"));
    rc |= jset(o, "vmmsim_version", json_string(VMM_VERSION));
    rc |= jset(o, "scenario", json_string(sc && sc->file ? sc->file : ""));
    rc |= jset(o, "host", host_json(sc, r));
    rc |= jset(o, "totals", totals_json(r));
    for (uint32_t i = 0; !rc && i < r->nvms; i++)
        rc |= json_array_append_new(vms, vm_json(&r->vms[i]));
    if (!rc)
        rc |= json_object_set(o, "vms", vms);
    json_decref(vms);
    rc |= jset(o, "balancer_log", jobjects(r->nlog, decision_json, r));
    rc |= jset(o, "allocation", jobjects(r->nalloc, sample_json, r));
    return jdone(o, rc);
}

int vmm_host_report_json(FILE *f, const vmm_scenario_t *sc, const vmm_host_result_t *r)
{
    json_t *o = report_json(sc, r);
    if (!o)
        return VMM_ENOMEM;
    int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(JSON_REAL_PREC)) ||
             fputc('\n', f) == EOF;
    json_decref(o);
    return rc || ferror(f) ? VMM_EIO : 0;
}

/* --- CSV -------------------------------------------------------------------- */

int vmm_host_alloc_csv(FILE *f, const vmm_host_result_t *r)
{
    char b[32];
    fputs("t_ms,vm,alloc_pages,resident_pages,active,miss_ratio\n", f);
    for (size_t i = 0; i < r->nalloc; i++) {
        const vmm_alloc_sample_t *s = &r->alloc[i];
        fprintf(f, "%.3f,%s,%llu,%llu,%.6f,%.6f\n", fin(s->t_ns / 1e6),
                vm_label(r, s->vm, b, sizeof b), (unsigned long long)s->alloc,
                (unsigned long long)s->resident, fin(s->active), fin(s->miss_ratio));
    }
    return ferror(f) ? VMM_EIO : 0;
}

int vmm_host_log_csv(FILE *f, const vmm_host_result_t *r)
{
    char b1[32], b2[32];
    fputs("t_ms,period,from,to,pages,reason,benefit\n", f);
    for (size_t i = 0; i < r->nlog; i++) {
        const vmm_host_decision_t *d = &r->log[i];
        fprintf(f, "%.3f,%llu,%s,%s,%llu,%s,%.6g\n", fin(d->t_ns / 1e6),
                (unsigned long long)d->period, vm_label(r, d->move.from, b1, sizeof b1),
                vm_label(r, d->move.to, b2, sizeof b2), (unsigned long long)d->move.pages,
                vmm_balance_reason_name(d->move.reason),
                fin(d->move.benefit));
    }
    return ferror(f) ? VMM_EIO : 0;
}
