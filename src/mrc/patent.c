/* The sampler of US 9,223,722 (Waldspurger et al., VMware, "Efficient
 * online construction of miss rate curves"): the VMM's data structures for
 * one workload. The data path (src/core/sampler.c) installs the traces
 * (claims 3-4: a traced page is unmapped, so its next access faults into
 * the VMM) and calls vmm_patent_touch() for every detected access.
 *
 * Spatial sampling. The patent picks S guest pages uniformly when the VM
 * starts. A trace has no known page universe, so pages are selected by
 * hash, as SHARDS' fixed-size mode does (Waldspurger et al., FAST'15): the
 * sample is the S touched pages with the smallest hashes, kept in a max-heap
 * so a newcomer with a smaller hash evicts the largest. The sample thus
 * changes as pages arrive, which the patent allows ("statically determined
 * or varied periodically"). The sampling rate is 1 until some page is left
 * out, then R = S / (distinct pages seen): the patent's S pages out of the
 * VM's M have R = S/M exactly, and the pages seen so far are our M.
 * (SHARDS' R = threshold / 2^64 estimates the same fraction; it is noisier
 * with a few thousand pages and biased the curves upwards by up to 0.05 of
 * MAE in our tests; docs/mrc-patent.md.)
 *
 * The LRU data structure (FIGS. 3A, 3B; claim 1). A doubly linked list of
 * the sampled pages, most recent first, cut into C chunks of K = ceil(S/C)
 * positions; each page carries its group number (chunk index, FIG. 2 field
 * 214) and the sampler keeps the tail of every chunk. On a detected access
 * (FIG. 4) the page's stack distance is its group number times K plus its
 * place in its chunk, found by walking that chunk only (step 416); the
 * counter of that position and the counter of that group are incremented
 * (step 418); the page moves to the top (420) and the chunks are rebalanced
 * (422): the tail page of every chunk above the page's own shifts into the
 * next chunk, its group number incremented. A fault thus costs O(S/C) for
 * the walk plus O(C) for the rebalance, minimised by C = sqrt(S). The first
 * access of a page only inserts it at the top (a cold miss).
 *
 * Temporal sampling (claim 2, claim 20, FIG. 5): after a trace fault the
 * page stays untraced until its sampling period ends. The engine defers
 * the page here with its due time; due times only grow, so a FIFO queue
 * suffices and the engine pops it lazily as simulated time passes.
 *
 * The curve. Each detected access at sampled distance d, made while the
 * rate was R, stands for 1/R references at distance 1 + (d-1)/R frames
 * (the d-1 sampled pages in between stand for (d-1)/R pages; SHARDS'
 * scaling, applied when the access is recorded because R falls as new
 * pages arrive). Those weights go into a histogram over frames whose bin
 * width doubles when a distance falls past its end, so its memory stays
 * constant (2S bins, at least 1024); with R = 1 and fewer than 2S distinct
 * pages every bin is one frame and the curve is exact. */
#include "mrc/patent.h"
#include "mrc/mrc_int.h"
#include "util/alloc.h"
#include "util/dlist.h"
#include "util/hashmap.h"
#include <math.h>
#include <string.h>

#define NONE UINT32_MAX
#define MIN_BINS 1024u

typedef struct deferred {
    uint32_t pid;
    double due;
} deferred_t;

struct vmm_patent {
    uint32_t S, C, K;       /* sample size, chunks, chunk size ceil(S/C) */
    uint32_t n;             /* pages in the sample */
    int full;               /* a page was left out: R < 1 from then on */
    uint64_t offered;       /* distinct pages seen: the universe sampled from */
    /* per slot (a slot holds one sampled page) */
    uint32_t *pid;          /* page id */
    uint64_t *hash;         /* its hash */
    uint32_t *prev, *next;  /* LRU list links, most recent at the head */
    uint32_t *grp;          /* group number (chunk index); NONE before the first access */
    uint32_t *hpos;         /* position in the heap */
    uint32_t *heap;         /* max-heap of slots by hash */
    uint32_t *freeslot, nfree;
    uint32_t *tail;         /* per chunk: its last slot on the list */
    vmm_dlist_t lru;
    vmm_hashmap_t map;      /* page id -> slot */
    /* claim 1's counters */
    uint64_t *count;        /* per position (stack distance - 1) */
    uint64_t *gcount;       /* per group */
    /* scaled histogram for the curve */
    double *hist;           /* weights by frame distance, `width` frames per bin */
    uint32_t nbins, maxbin;
    uint64_t width;
    int any;                /* some access was recorded in hist */
    double cold;            /* weight of first accesses (estimated distinct pages) */
    double seen_w;          /* weight of every detected access, first ones included */
    uint64_t firsts, touches;   /* first accesses (pages measured); detected accesses */
    mrc_groups_t groups;    /* the same weights split by hash, for the band (trust.c) */
    /* temporal sampling: FIFO of untraced pages */
    deferred_t *q;
    size_t qcap, qhead, qlen;
};

/* --- creation ---------------------------------------------------------- */

int vmm_patent_create(uint32_t pages, uint32_t chunks, vmm_patent_t **out)
{
    *out = NULL;
    if (!pages || !chunks || chunks > pages)
        return VMM_EINVAL;
    vmm_patent_t *p = vmm_calloc(1, sizeof *p);
    if (!p)
        return VMM_ENOMEM;
    p->S = pages;
    p->K = (pages + chunks - 1) / chunks;
    p->C = (pages + p->K - 1) / p->K;   /* chunks actually needed for S positions */
    p->nbins = pages > MIN_BINS / 2 ? 2 * pages : MIN_BINS;
    p->width = 1;
    size_t S = pages;
    p->pid = vmm_malloc(S * sizeof *p->pid);
    p->hash = vmm_malloc(S * sizeof *p->hash);
    p->prev = vmm_malloc(S * sizeof *p->prev);
    p->next = vmm_malloc(S * sizeof *p->next);
    p->grp = vmm_malloc(S * sizeof *p->grp);
    p->hpos = vmm_malloc(S * sizeof *p->hpos);
    p->heap = vmm_malloc(S * sizeof *p->heap);
    p->freeslot = vmm_malloc(S * sizeof *p->freeslot);
    p->tail = vmm_malloc((size_t)p->C * sizeof *p->tail);
    p->count = vmm_calloc(S, sizeof *p->count);
    p->gcount = vmm_calloc(p->C, sizeof *p->gcount);
    p->hist = vmm_calloc(p->nbins, sizeof *p->hist);
    if (!p->pid || !p->hash || !p->prev || !p->next || !p->grp || !p->hpos || !p->heap ||
        !p->freeslot || !p->tail || !p->count || !p->gcount || !p->hist ||
        vmm_hm_init(&p->map, S)) {
        vmm_patent_destroy(p);
        return VMM_ENOMEM;
    }
    for (uint32_t i = 0; i < pages; i++)
        p->freeslot[i] = pages - 1 - i;   /* slots are handed out 0, 1, 2, ... */
    p->nfree = pages;
    for (uint32_t j = 0; j < p->C; j++)
        p->tail[j] = NONE;
    vmm_dl_init(&p->lru);
    *out = p;
    return 0;
}

void vmm_patent_destroy(vmm_patent_t *p)
{
    if (!p)
        return;
    vmm_free(p->pid);
    vmm_free(p->hash);
    vmm_free(p->prev);
    vmm_free(p->next);
    vmm_free(p->grp);
    vmm_free(p->hpos);
    vmm_free(p->heap);
    vmm_free(p->freeslot);
    vmm_free(p->tail);
    vmm_free(p->count);
    vmm_free(p->gcount);
    vmm_free(p->hist);
    vmm_free(p->q);
    vmm_hm_fini(&p->map);
    vmm_free(p);
}

size_t vmm_patent_bytes(const vmm_patent_t *p)
{
    size_t per_slot = 3 * sizeof(uint64_t) + 7 * sizeof(uint32_t);
    return sizeof *p + (size_t)p->S * per_slot + (size_t)p->C * 12 +
           (size_t)p->nbins * sizeof(double) + p->qcap * sizeof(deferred_t) +
           p->map.cap * (sizeof(uint64_t) + sizeof(uint32_t));
}

/* --- the max-heap of hashes (spatial sampling) --------------------------- */

static void heap_set(vmm_patent_t *p, uint32_t i, uint32_t slot)
{
    p->heap[i] = slot;
    p->hpos[slot] = i;
}

static void heap_up(vmm_patent_t *p, uint32_t i)
{
    uint32_t s = p->heap[i];
    while (i > 0) {
        uint32_t up = (i - 1) / 2;
        if (p->hash[p->heap[up]] >= p->hash[s])
            break;
        heap_set(p, i, p->heap[up]);
        i = up;
    }
    heap_set(p, i, s);
}

static void heap_down(vmm_patent_t *p, uint32_t i)
{
    uint32_t s = p->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= p->n)
            break;
        if (c + 1 < p->n && p->hash[p->heap[c + 1]] > p->hash[p->heap[c]])
            c++;
        if (p->hash[p->heap[c]] <= p->hash[s])
            break;
        heap_set(p, i, p->heap[c]);
        i = c;
    }
    heap_set(p, i, s);
}

/* Take slot out of the heap (p->n still counts it on entry). */
static void heap_remove(vmm_patent_t *p, uint32_t slot)
{
    uint32_t i = p->hpos[slot], last = p->heap[p->n - 1];
    p->n--;
    if (last == slot)
        return;
    heap_set(p, i, last);
    heap_up(p, i);
    heap_down(p, p->hpos[last]);
}

/* --- the chunked LRU list (FIGS. 3A, 3B) -------------------------------- */

static uint32_t chunks_used(const vmm_patent_t *p, uint32_t len)
{
    return (len + p->K - 1) / p->K;
}

/* The page `s` enters at the top, in front of every listed page, from the
 * bottom (first access) or from chunk g (a later one): the tail of every
 * full chunk above g shifts into the next chunk (step 422). */
static void shift_tails_down(vmm_patent_t *p, uint32_t s, uint32_t g)
{
    uint32_t len = p->lru.size, used = chunks_used(p, len);
    for (uint32_t j = 0; j < g && j < used; j++) {
        if (j == used - 1 && len < used * p->K)
            break;   /* the last chunk has room: its tail stays */
        uint32_t x = p->tail[j];
        p->grp[x] = j + 1;
        p->tail[j] = p->prev[x] != NONE ? p->prev[x] : s;
    }
}

static void list_insert_top(vmm_patent_t *p, uint32_t s)
{
    shift_tails_down(p, s, NONE);
    vmm_dl_push_front(&p->lru, p->prev, p->next, s);
    p->grp[s] = 0;
    p->tail[chunks_used(p, p->lru.size) - 1] = p->lru.tail;
}

static void list_move_top(vmm_patent_t *p, uint32_t s)
{
    if (p->lru.head == s)
        return;
    uint32_t g = p->grp[s], own_tail = p->prev[s];
    shift_tails_down(p, s, g);
    if (p->tail[g] == s)
        p->tail[g] = own_tail;   /* may be the page that just shifted into g */
    vmm_dl_move_front(&p->lru, p->prev, p->next, s);
    p->grp[s] = 0;
}

/* The page leaves the list: the head of every chunk below its own shifts
 * up into the chunk above. */
static void list_remove(vmm_patent_t *p, uint32_t s)
{
    uint32_t g = p->grp[s], used = chunks_used(p, p->lru.size);
    for (uint32_t j = g; j + 1 < used; j++) {
        uint32_t x = p->next[p->tail[j]];
        p->grp[x] = j;
        p->tail[j] = x;
    }
    vmm_dl_remove(&p->lru, p->prev, p->next, s);
    p->grp[s] = NONE;
    uint32_t now = chunks_used(p, p->lru.size);
    for (uint32_t j = now; j < used; j++)
        p->tail[j] = NONE;
    if (now)
        p->tail[now - 1] = p->lru.tail;
}

/* Step 416: walk the page's chunk from its head to find its stack
 * distance (1 = most recent). */
static uint32_t stack_distance(const vmm_patent_t *p, uint32_t s)
{
    uint32_t g = p->grp[s];
    uint32_t x = g ? p->next[p->tail[g - 1]] : p->lru.head, off = 0;
    while (x != s) {
        x = p->next[x];
        off++;
    }
    return g * p->K + off + 1;
}

/* --- spatial sampling --------------------------------------------------- */

static void drop_slot(vmm_patent_t *p, uint32_t slot)
{
    if (p->grp[slot] != NONE)
        list_remove(p, slot);
    vmm_hm_del(&p->map, p->pid[slot]);
    heap_remove(p, slot);
    p->freeslot[p->nfree++] = slot;
}

int vmm_patent_offer(vmm_patent_t *p, uint32_t pid, uint64_t h, uint32_t *evicted)
{
    *evicted = NONE;
    p->offered++;
    if (p->n == p->S && h >= p->hash[p->heap[0]]) {
        p->full = 1;   /* a page left out: from now on R < 1 */
        return 0;
    }
    /* insert into the map first: on failure nothing has changed */
    if (vmm_hm_put(&p->map, pid, NONE))
        return VMM_ENOMEM;
    if (p->n == p->S) {
        uint32_t top = p->heap[0];
        *evicted = p->pid[top];
        drop_slot(p, top);
    }
    uint32_t slot = p->freeslot[--p->nfree];
    vmm_hm_put(&p->map, pid, slot);   /* overwrite: cannot fail */
    p->pid[slot] = pid;
    p->hash[slot] = h;
    p->grp[slot] = NONE;
    p->prev[slot] = p->next[slot] = NONE;
    p->heap[p->n] = slot;
    p->hpos[slot] = p->n;
    p->n++;
    heap_up(p, p->n - 1);
    if (*evicted != NONE)
        p->full = 1;
    return 1;
}

void vmm_patent_remove(vmm_patent_t *p, uint32_t pid)
{
    uint32_t slot = vmm_hm_get(&p->map, pid);
    if (slot != VMM_HM_NONE)
        drop_slot(p, slot);
}

double vmm_patent_rate(const vmm_patent_t *p)
{
    if (!p->full || !p->n)
        return 1.0;
    return (double)p->n / (double)p->offered;
}

int vmm_patent_has(const vmm_patent_t *p, uint32_t pid)
{
    return vmm_hm_get(&p->map, pid) != VMM_HM_NONE;
}

uint32_t vmm_patent_count(const vmm_patent_t *p) { return p->n; }
uint32_t vmm_patent_page(const vmm_patent_t *p, uint32_t i) { return p->pid[p->heap[i]]; }

/* --- detected accesses (FIG. 4) ------------------------------------------ */

/* Halve the histogram's resolution: bin i of width 2w holds the old bins
 * 2i and 2i+1. */
static void hist_coarsen(vmm_patent_t *p)
{
    uint32_t half = p->nbins / 2;
    for (uint32_t i = 0; i < half; i++)
        p->hist[i] = p->hist[2 * i] + p->hist[2 * i + 1];
    memset(p->hist + half, 0, (size_t)(p->nbins - half) * sizeof *p->hist);
    p->width *= 2;
    p->maxbin /= 2;
}

/* An access at `frames` (scaled) distance standing for `w` references:
 * it hits with ceil(frames) frames or more. */
static void hist_add(vmm_patent_t *p, uint64_t hash, double frames, double w)
{
    double c = ceil(frames);
    uint64_t d = c >= 0x1p63 ? (uint64_t)1 << 63 : (uint64_t)c;
    while ((d - 1) / p->width >= p->nbins)
        hist_coarsen(p);
    uint32_t k = (uint32_t)((d - 1) / p->width);
    p->hist[k] += w;
    mrc_groups_add(&p->groups, hash, d, w);
    if (!p->any || k > p->maxbin)
        p->maxbin = k;
    p->any = 1;
}

long vmm_patent_touch(vmm_patent_t *p, uint32_t pid)
{
    uint32_t s = vmm_hm_get(&p->map, pid);
    if (s == VMM_HM_NONE)
        return -1;
    double R = vmm_patent_rate(p);
    p->touches++;
    p->seen_w += 1 / R;
    if (p->grp[s] == NONE) {
        list_insert_top(p, s);
        p->cold += 1 / R;
        p->firsts++;
        mrc_groups_add(&p->groups, p->hash[s], 0, 1 / R);
        return 0;
    }
    uint32_t g = p->grp[s], d = stack_distance(p, s);
    p->count[d - 1]++;
    p->gcount[g]++;
    hist_add(p, p->hash[s], 1 + (d - 1) / R, 1 / R);
    list_move_top(p, s);
    return d;
}

uint64_t vmm_patent_position_count(const vmm_patent_t *p, uint32_t pos)
{
    return pos < p->S ? p->count[pos] : 0;
}

uint64_t vmm_patent_group_count(const vmm_patent_t *p, uint32_t g)
{
    return g < p->C ? p->gcount[g] : 0;
}

uint32_t vmm_patent_group_of(const vmm_patent_t *p, uint32_t pid)
{
    uint32_t s = vmm_hm_get(&p->map, pid);
    return s == VMM_HM_NONE ? NONE : p->grp[s];
}

uint32_t vmm_patent_chunk_size(const vmm_patent_t *p) { return p->K; }

/* --- temporal sampling (FIG. 5) ------------------------------------------ */

static int queue_grow(vmm_patent_t *p)
{
    size_t cap = p->qcap ? 2 * p->qcap : 64;
    deferred_t *q = vmm_malloc(cap * sizeof *q);
    if (!q)
        return VMM_ENOMEM;
    for (size_t i = 0; i < p->qlen; i++)
        q[i] = p->q[(p->qhead + i) % p->qcap];
    vmm_free(p->q);
    p->q = q;
    p->qcap = cap;
    p->qhead = 0;
    return 0;
}

int vmm_patent_defer(vmm_patent_t *p, uint32_t pid, double due)
{
    if (p->qlen == p->qcap && queue_grow(p))
        return VMM_ENOMEM;
    p->q[(p->qhead + p->qlen) % p->qcap] = (deferred_t){.pid = pid, .due = due};
    p->qlen++;
    return 0;
}

double vmm_patent_next_due(const vmm_patent_t *p)
{
    return p->qlen ? p->q[p->qhead].due : INFINITY;
}

uint32_t vmm_patent_pop_due(vmm_patent_t *p)
{
    if (!p->qlen)
        return NONE;
    uint32_t pid = p->q[p->qhead].pid;
    p->qhead = (p->qhead + 1) % p->qcap;
    p->qlen--;
    return pid;
}

/* --- the curve ------------------------------------------------------------ */

/* The band adds to the sampling error of spatial sampling (trust.c) the
 * one temporal sampling makes: references between a page's detection and
 * the end of its period are never seen and count as hits at every size.
 * Their weight is U = refs - (weight of all detected accesses). As an
 * upper end we let them miss at size c as often as the detected reuses do:
 * U * (reuse misses at c) / (all reuses). Where every detected reuse misses
 * (sizes of a few pages on a program trace, issue #9: 0.000155 at 1 frame
 * where exact is 0.57) the band is then wide and the curve untrusted; where
 * they all hit it closes. With period 0 nothing goes unseen and U is 0. */
static int patent_trust(const vmm_patent_t *p, vmm_mrc_t *c)
{
    uint32_t n = c->npoints;
    double *var = n ? vmm_malloc(n * sizeof *var) : NULL;
    double *up = n ? vmm_malloc(n * sizeof *up) : NULL;
    int rc = n && (!var || !up) ? VMM_ENOMEM : 0;
    if (!rc && n) {
        mrc_groups_var(&p->groups, c, var);
        double reuse = p->seen_w - p->cold, unseen = (double)c->refs - p->seen_w;
        for (uint32_t i = 0; i < n; i++) {
            double missed = c->misses[i] - p->cold;
            missed = missed > 0 ? missed : 0;
            up[i] = unseen <= 0 ? 0 : reuse > 0 ? unseen * missed / reuse : unseen;
        }
    }
    mrc_trust_in_t in = {.rate = vmm_patent_rate(p), .var = var, .up = up,
                         .pages = p->firsts, .refs = p->touches};
    if (!rc)
        rc = mrc_trust(c, &in);
    vmm_free(var);
    vmm_free(up);
    return rc;
}

int vmm_patent_curve(const vmm_patent_t *p, uint64_t refs, vmm_mrc_t *out)
{
    uint64_t n = p->any ? (uint64_t)p->maxbin + 1 : 1;
    if (n * p->width > UINT32_MAX)
        n = UINT32_MAX / p->width;   /* sizes past 2^32 frames are not representable */
    if (!n)
        n = 1;
    vmm_mrc_t c;
    int rc = vmm_mrc_alloc(&c, (uint32_t)n);
    if (rc)
        return rc;
    c.refs = refs;
    /* every page the VMM saw was offered once: the exact count, where the
     * cold weight (sum of 1/R at first accesses) only estimates it */
    c.distinct = p->offered ? (double)p->offered : p->cold;
    /* misses with (k+1)*width frames: cold misses plus every access
     * recorded past bin k (suffix sums), capped at the references. */
    double beyond = 0;
    for (uint32_t k = p->any ? p->maxbin : 0; k >= n; k--)
        beyond += p->hist[k];
    for (uint64_t k = n; k-- > 0;) {
        c.frames[k] = (uint32_t)((k + 1) * p->width);
        double m = p->cold + beyond;
        c.misses[k] = m < (double)refs ? m : (double)refs;
        beyond += p->any ? p->hist[k] : 0;
    }
    if ((rc = patent_trust(p, &c))) {
        vmm_mrc_free(&c);
        return rc;
    }
    *out = c;
    return 0;
}
