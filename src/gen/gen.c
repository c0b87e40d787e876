/* Synthetic trace generators: registry, set-up, schedule and records.
 *
 * A spec "pattern:key=value,..." becomes one part (a mix becomes several,
 * see pat_mix.c); each part runs on p processes. Processes take turns round
 * robin, in asid order, each turn `burst` references long (burst*weight in a
 * mix), so with p=2 and burst=1 the trace alternates 0,1,0,1... Each process
 * runs its own copy of the pattern in its own address space, from page 0,
 * with two private random streams: one the pattern draws pages from, one
 * for the op and the offset inside the page. Keeping them apart, and having
 * patterns draw reference by reference, makes the records independent of
 * how callers split their reads and of the other processes: process 0 of
 * "random:p=4" makes the same references as "random:p=1".
 *
 * A record is byte address page*page_size + 8*u (u uniform over the page's
 * 8-byte slots), size 8, op WRITE with probability w, vm 0. Everything at
 * run time is integer arithmetic on xoshiro256** output, so the same spec
 * gives the same bytes on every machine; memory does not grow with n. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "gen_int.h"
#include "util/alloc.h"

#define DEFAULT_SPACE (64ull << 20)   /* a: the seed's trace_gen default is 1024 MB */
#define MAX_SPACE (1ull << 52)        /* bytes per address space */

enum { STREAM_PAGES = 1, STREAM_OPS = 2, STREAM_SETUP = 3 };

static const gen_pattern *const registry[] = {
    &gen_sequential, &gen_random, &gen_working_set, &gen_locality,
    &gen_thrashing,  &gen_zipf,   &gen_loop,        &gen_phases,
    NULL,
};

static const char *const names[] = {
    "sequential", "random", "working_set", "locality", "thrashing",
    "zipf",       "loop",   "phases",      "mix",      NULL,
};

/* One process: which pattern it runs and where its state is. */
typedef struct gen_proc {
    const gen_pattern *pat;
    const void *conf;
    void *state;
    vmm_rng_t prng;     /* the pattern's draws */
    vmm_rng_t orng;     /* op and offset */
    uint64_t wthr;      /* write when (orng >> 32) < wthr */
    uint64_t turn;      /* references per turn */
    uint32_t asid;
} gen_proc;

struct vmm_gen {
    uint64_t n;                  /* records to produce */
    uint64_t done;               /* records produced */
    unsigned page_shift;         /* log2 page size */
    uint64_t slots;              /* 8-byte slots per page */
    gen_part *parts;
    size_t nparts;
    gen_proc *procs;
    size_t nprocs;
    void *states;                /* all processes' states, one block */
    size_t cur;                  /* process whose turn it is */
    uint64_t turn_left;          /* references left in its turn */
    uint64_t scratch[GEN_CHUNK]; /* page numbers from the pattern */
};

const char *const *vmm_gen_patterns(void) { return names; }

const gen_pattern *const *gen_registry(void) { return registry; }

const gen_pattern *gen_find(const char *name, size_t len)
{
    for (size_t i = 0; registry[i]; i++) {
        const gen_pattern *p = registry[i];
        if (strlen(p->name) == len && !strncasecmp(p->name, name, len))
            return p;
        if (p->alias && strlen(p->alias) == len && !strncasecmp(p->alias, name, len))
            return p;
    }
    return NULL;
}

void gen_stream_seed(vmm_rng_t *r, uint64_t seed, uint64_t domain, uint64_t index)
{
    /* Mix the user's seed first so nearby seeds give unrelated streams; the
     * (domain, index) pair then picks a distinct splitmix64 starting point. */
    uint64_t x = seed;
    uint64_t h = vmm_splitmix64(&x);
    vmm_rng_seed(r, h ^ (domain << 40) ^ index);
}

/* --- parsing ------------------------------------------------------------ */

static int unknown_pattern(const char *where, const char *name, size_t len, int64_t at,
                           vmm_err_t *err)
{
    return gen_bad(err, at,
                   "%sunknown pattern \"%.*s\" (patterns: sequential, random, working_set, "
                   "locality, thrashing, zipf, loop, phases, mix)",
                   where, (int)(len > 32 ? 32 : len), name);
}

void gen_part_release(gen_part *part)
{
    if (!part->conf)
        return;
    if (part->pat->release)
        part->pat->release(part->conf);
    gen_keys_release(part->pat->keys, part->conf);
    vmm_free(part->conf);
    part->conf = NULL;
}

int gen_parse_part(const char *spec, size_t from, size_t to, const gen_common *base,
                   unsigned ctx, const char *where, gen_part *part, vmm_err_t *err)
{
    const char *colon = memchr(spec + from, ':', to - from);
    size_t nf = from, nt = colon ? (size_t)(colon - spec) : to;
    gen_trim(spec, &nf, &nt);
    const gen_pattern *pat = gen_find(spec + nf, nt - nf);
    if (!pat) {
        if (nt - nf == 3 && !strncasecmp(spec + nf, "mix", 3))
            return gen_bad(err, (int64_t)nf, "%sa mix cannot contain another mix", where);
        if (nf == nt)
            return gen_bad(err, (int64_t)nf, "%smissing pattern name", where);
        return unknown_pattern(where, spec + nf, nt - nf, (int64_t)nf, err);
    }
    memset(part, 0, sizeof *part);
    part->pat = pat;
    part->c = *base;
    part->conf = vmm_calloc(1, pat->conf_size);
    if (!part->conf)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory creating %s", pat->name);
    char w[96];
    snprintf(w, sizeof w, "%s%s", where, pat->name);
    int rc = gen_keys_defaults(pat->keys, part->conf, err);
    if (!rc && colon)
        rc = gen_parse_items(spec, (size_t)(colon - spec) + 1, to, pat, part->conf, &part->c,
                             ctx, w, err);
    if (rc)
        gen_part_release(part);
    return rc;
}

/* A plain "pattern[:items]" spec: one part with the common defaults. */
static int parse_single(const char *spec, size_t len, gen_part **parts, size_t *nparts,
                        vmm_err_t *err)
{
    gen_common c;
    memset(&c, 0, sizeof c);
    int rc = gen_keys_defaults(gen_common_keys, &c, err);
    if (rc)
        return rc;
    gen_part *p = vmm_calloc(1, sizeof *p);
    if (!p)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory creating generator");
    rc = gen_parse_part(spec, 0, len, &c, GEN_CTX_TOP, "", p, err);
    if (rc) {
        vmm_free(p);
        return rc;
    }
    *parts = p;
    *nparts = 1;
    return 0;
}

/* --- set-up ------------------------------------------------------------- */

/* Pages per address space: those of `a` when it is given (the pattern must
 * fit), else those of 64 MB, grown to the pattern's footprint. */
static int space_pages(const gen_part *pt, uint64_t need, uint64_t *span, vmm_err_t *err)
{
    const gen_common *c = &pt->c;
    const char *name = pt->pat->name;
    if (c->a) {
        *span = c->a / c->page;
        if (*span == 0)
            return gen_bad(err, -1, "%s: a: the address space (%llu bytes) is smaller than "
                           "one page (%llu bytes)", name, (unsigned long long)c->a,
                           (unsigned long long)c->page);
        if (need > *span)
            return gen_bad(err, -1, "%s: a: the pattern needs %llu pages of %llu bytes but "
                           "the address space holds %llu; raise a or leave it out", name,
                           (unsigned long long)need, (unsigned long long)c->page,
                           (unsigned long long)*span);
        return 0;
    }
    *span = DEFAULT_SPACE / c->page;
    if (need > *span)
        *span = need;
    if (*span == 0)
        *span = 1;
    if (*span > MAX_SPACE / c->page)
        return gen_bad(err, -1, "%s: the pattern needs %llu pages of %llu bytes, more than "
                       "an address space of 2^52 bytes", name, (unsigned long long)need,
                       (unsigned long long)c->page);
    return 0;
}

/* Settle the part's address space and let its pattern prepare; part
 * `index` gets its own set-up random stream. */
static int settle_part(gen_part *pt, size_t index, vmm_err_t *err)
{
    uint64_t need = pt->pat->footprint ? pt->pat->footprint(pt->conf) : 0;
    int rc = space_pages(pt, need, &pt->span, err);
    if (rc || !pt->pat->prepare)
        return rc;
    vmm_rng_t r;
    gen_stream_seed(&r, pt->c.seed, STREAM_SETUP, index);
    gen_env env = {pt->span, vmm_rng_next(&r)};
    return pt->pat->prepare(pt->conf, &env, err);
}

static int check_page(const gen_common *c, vmm_err_t *err)
{
    if (c->page & (c->page - 1))
        return gen_bad(err, -1, "page: expected a power of two from 8 to 1G, got %llu",
                       (unsigned long long)c->page);
    return 0;
}

static size_t state_stride(const gen_pattern *pat)
{
    const size_t align = 16;
    return (pat->state_size + align - 1) / align * align;
}

static void start_proc(gen_proc *pr, const gen_part *pt, uint32_t asid, void *state)
{
    pr->pat = pt->pat;
    pr->conf = pt->conf;
    pr->state = state;
    pr->asid = asid;
    pr->wthr = gen_prob32(pt->c.w);
    pr->turn = pt->c.burst * pt->c.weight;
    gen_stream_seed(&pr->prng, pt->c.seed, STREAM_PAGES, asid);
    gen_stream_seed(&pr->orng, pt->c.seed, STREAM_OPS, asid);
    if (pt->pat->start)
        pt->pat->start(pt->conf, state, &pr->prng);
}

/* Allocate every process and its state; asids count up across parts. */
static int build_procs(vmm_gen_t *g, vmm_err_t *err)
{
    uint64_t total = 0, bytes = 0;
    for (size_t i = 0; i < g->nparts; i++) {
        total += g->parts[i].c.p;
        bytes += state_stride(g->parts[i].pat) * g->parts[i].c.p;
    }
    if (total > GEN_MAX_PROCS)
        return gen_bad(err, -1, "p: %llu processes in all; at most %u",
                       (unsigned long long)total, GEN_MAX_PROCS);
    g->procs = vmm_calloc((size_t)total, sizeof *g->procs);
    g->states = vmm_calloc(1, (size_t)bytes);
    if (!g->procs || !g->states)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory for %llu processes",
                           (unsigned long long)total);
    g->nprocs = (size_t)total;
    size_t k = 0;
    char *st = g->states;
    for (size_t i = 0; i < g->nparts; i++) {
        const gen_part *pt = &g->parts[i];
        for (uint64_t j = 0; j < pt->c.p; j++, k++) {
            start_proc(&g->procs[k], pt, (uint32_t)k, st);
            st += state_stride(pt->pat);
        }
    }
    if (total == 1)   /* turns only matter between processes: fill whole chunks */
        g->procs[0].turn = UINT64_MAX;
    g->cur = 0;
    g->turn_left = g->procs[0].turn;
    return 0;
}

static int setup(vmm_gen_t *g, vmm_err_t *err)
{
    const gen_common *c = &g->parts[0].c;   /* n, page, seed: the same in every part */
    int rc = check_page(c, err);
    for (size_t i = 0; !rc && i < g->nparts; i++)
        rc = settle_part(&g->parts[i], i, err);
    if (rc)
        return rc;
    g->n = c->n;
    g->page_shift = (unsigned)__builtin_ctzll(c->page);
    g->slots = c->page >> 3;
    return build_procs(g, err);
}

int vmm_gen_create(const char *spec, vmm_gen_t **out, vmm_err_t *err)
{
    vmm_err_clear(err);
    if (!out)
        return gen_bad(err, -1, "no place to return the generator");
    *out = NULL;
    if (!spec)
        return gen_bad(err, -1, "no generator spec");
    size_t len = strlen(spec);
    vmm_gen_t *g = vmm_calloc(1, sizeof *g);
    if (!g)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory creating generator");
    const char *colon = strchr(spec, ':');
    size_t nf = 0, nt = colon ? (size_t)(colon - spec) : len;
    gen_trim(spec, &nf, &nt);
    int rc;
    if (nt - nf == 3 && !strncasecmp(spec + nf, "mix", 3))
        rc = gen_mix_parse(spec, colon ? (size_t)(colon - spec) + 1 : len, len, &g->parts,
                           &g->nparts, err);
    else
        rc = parse_single(spec, len, &g->parts, &g->nparts, err);
    if (!rc)
        rc = setup(g, err);
    if (rc) {
        vmm_gen_destroy(g);
        return rc;
    }
    *out = g;
    return 0;
}

void vmm_gen_destroy(vmm_gen_t *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nparts; i++)
        gen_part_release(&g->parts[i]);
    vmm_free(g->parts);
    vmm_free(g->procs);
    vmm_free(g->states);
    vmm_free(g);
}

uint64_t vmm_gen_length(const vmm_gen_t *g) { return g ? g->n : 0; }

/* --- records ------------------------------------------------------------ */

/* Turn n page numbers of process `pr` into records. The low half of one
 * draw picks the 8-byte slot (slots is a power of two, so the product's top
 * bits are exactly uniform), the high half decides the op. */
static void emit(gen_proc *pr, const uint64_t *pages, vmm_ref_t *out, size_t n,
                 unsigned shift, uint64_t slots)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = vmm_rng_next(&pr->orng);
        uint64_t off = (((x & 0xffffffffu) * slots) >> 32) << 3;
        out[i] = (vmm_ref_t){
            .addr = (pages[i] << shift) | off,
            .asid = pr->asid,
            .size = 8,
            .op = (x >> 32) < pr->wthr ? VMM_OP_WRITE : VMM_OP_READ,
        };
    }
}

long vmm_gen_read(vmm_gen_t *g, vmm_ref_t *buf, size_t n)
{
    if (!g || (!buf && n))
        return VMM_EINVAL;
    uint64_t left = g->n - g->done;
    if (n > left)
        n = (size_t)left;
    if (n > LONG_MAX)
        n = LONG_MAX;
    size_t i = 0;
    while (i < n) {
        gen_proc *pr = &g->procs[g->cur];
        size_t k = n - i;
        if (k > g->turn_left)
            k = (size_t)g->turn_left;
        if (k > GEN_CHUNK)
            k = GEN_CHUNK;
        pr->pat->fill(pr->conf, pr->state, &pr->prng, g->scratch, k);
        emit(pr, g->scratch, buf + i, k, g->page_shift, g->slots);
        i += k;
        g->turn_left -= k;
        if (g->turn_left == 0) {
            g->cur = g->cur + 1 == g->nprocs ? 0 : g->cur + 1;
            g->turn_left = g->procs[g->cur].turn;
        }
    }
    g->done += n;
    return (long)n;
}

/* --- help --------------------------------------------------------------- */

/* Kept by hand next to the key tables; test_gen.c checks that every key
 * and default in the tables appears here as "name=default". */
static const char help_text[] =
    "Generator spec: pattern[:key=value,...], e.g. zipf:alpha=0.9,pages=400000,n=50M\n"
    "Counts take K/M/G/T = 10^3/10^6/10^9/10^12 (n=1.5M); sizes (page, a) take\n"
    "K/M/G/T = 2^10/2^20/2^30/2^40 bytes (page=2M).\n"
    "\n"
    "Common keys:\n"
    "  n=1M          references in the trace (>= 1)\n"
    "  p=1           processes (asids 0..p-1), each running its own copy of the pattern\n"
    "  burst=1       references a process makes per turn; turns go round robin\n"
    "  a=64          address space per process in MB (by default grows to fit the pattern)\n"
    "  s=1           random seed (also seed=)\n"
    "  page=4096     page size in bytes, a power of two from 8 to 1G\n"
    "  w=0.3         fraction of references that write (also write=)\n"
    "Records: byte address = page number * page + 8*u (u uniform over the page's\n"
    "8-byte slots), size 8; pattern names ignore case.\n"
    "\n"
    "Patterns (pages=all: the whole address space):\n"
    "  sequential (seq)  pages 0, 1, 2, ..., pages-1, 0, 1, ...\n"
    "      pages=all\n"
    "  random (rand)     pages uniformly at random\n"
    "      pages=all\n"
    "  working_set       uniform over ws pages; every shift references (0 = never) the\n"
    "                    set moves up by step pages, wrapping in the address space;\n"
    "                    a fraction out of references go anywhere instead\n"
    "      ws=1000 shift=10K step=ws out=0\n"
    "  locality          a walk: with probability jump a uniform page, else a step of\n"
    "                    -radius..+radius pages from the last one (seed: 0.3, 8 pages)\n"
    "      jump=0.3 radius=8 pages=all\n"
    "  thrashing         pages 0..pages-1 in a cycle (the seed's: more than RAM holds)\n"
    "      pages=512\n"
    "  zipf              rank k (page k-1, or a fixed shuffle with scatter=1) with\n"
    "                    probability proportional to 1/k^alpha; O(1) sampling in at\n"
    "                    most 8 MB (alias table, rejection-inversion past 2^20 pages)\n"
    "      alpha=1 pages=all scatter=0\n"
    "  loop (scan)       pages 0, stride, 2*stride, ..., (pages-1)*stride, repeated\n"
    "      pages=1000 stride=1\n"
    "  phases            phase k is uniform over its own ws[k] pages (after those of\n"
    "                    earlier phases) for len[k] references; then the next, cycling.\n"
    "                    len gives one value for all phases or one per phase\n"
    "      ws=1000;5000;200 len=100K\n"
    "  mix               several patterns, each on its own processes:\n"
    "      mix:part;part;...  part = pattern[:keys], or (pattern:keys) when it holds ';'\n"
    "      a part of keys only sets n, s, page, burst, w, a for the whole mix,\n"
    "      e.g. mix:n=10M,s=7;zipf:alpha=0.9,pages=1000,p=2;seq:pages=500,weight=3\n"
    "      component keys: p=1 weight=1 (turn = burst*weight) w a, and the pattern's\n"
    "      own keys\n";

const char *vmm_gen_help(void) { return help_text; }
