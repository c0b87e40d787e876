/* Set-associative TLB with LRU or FIFO replacement inside each set.
 *
 * Geometry: `entries` split into nsets = entries / ways sets of `ways`
 * entries (ways 0 = fully associative: one set of all entries); nsets must
 * be a power of two. entries 0 disables the TLB: every lookup is a counted
 * miss and fills do nothing.
 *
 * Set index (why hashed): real TLBs index by the low vpn bits, which sends
 * every page of a power-of-two stride to the same set; a trace simulator
 * sees many such strides (arrays, page-aligned records), so we spread them
 * with a Fibonacci multiply folded on itself: h = vpn * 2^64/phi,
 * set = (h ^ (h >> 32)) & (nsets - 1). The multiply carries low bits
 * upwards and the fold brings the high bits back down, so every vpn bit
 * affects the set. The asid is not part of the index (as in hardware, where
 * the index comes from the address alone).
 *
 * Tags: (asid, vpn) packed as (asid << 48 | vpn) + 1, 0 meaning invalid.
 * That is exact for vpn < 2^48 (60-bit addresses with 4 KiB pages, beyond
 * 5-level paging's 57) and asid < 2^16 - 1 (x86 VPIDs and arm64 ASIDs are
 * 16 bits); a reference outside those bounds bypasses the TLB (a counted
 * miss, never filled) rather than risk a false hit. An untagged TLB
 * (flush_on_switch) still keeps the asid in its tags; it behaves the same
 * because every switch to a different asid empties it.
 *
 * Replacement: stamp[] holds a per-entry tick from one global clock: the
 * last use under LRU, the fill time under FIFO. The victim is the first
 * invalid way, else the smallest stamp. When the 32-bit clock would wrap,
 * each set's stamps are renumbered 1..ways in the same order (a scratch
 * row after the last entry makes that allocation-free), so the order is
 * exact for any run length.
 *
 * Cost: lookups and fills scan one set's tag row, O(ways), and never
 * allocate. Counters: hits and misses (lookups), invalidations (entries
 * dropped by vmm_tlb_invalidate), flushes (switches that emptied it).
 *
 * Many ways (above TLB_SCAN_WAYS, e.g. a fully associative 65536:0): a scan
 * of 65536 tags per reference made such a run 500 times slower than 64:4,
 * so those TLBs keep an index instead (struct vmm_tlb_index): an
 * open-addressing table from tag to entry (linear probing, at most half
 * full, deletion by backward shift, so no tombstones), and per set a
 * doubly linked list of its valid entries from oldest to newest (last use
 * under LRU, fill under FIFO) and a stack of its invalid ones. A lookup is
 * one probe sequence, a fill takes a free entry or the list's head: O(1)
 * expected. The victim is the same as the scan's (an invalid way if any,
 * else the oldest), so hits and misses are identical; which invalid way is
 * reused differs, which nothing can observe. Indexed TLBs keep no stamps.
 * Up to TLB_SCAN_WAYS ways the scan stays (the index would only add work
 * to the common 4- to 16-way sets). Memory: 16 bytes per entry for the scan,
 * 32 for the index. */
#include "vmmsim/mmu.h"
#include "util/alloc.h"
#include <string.h>

#define TLB_VPN_BITS 48
#define TLB_ASID_LIMIT ((UINT32_C(1) << 16) - 1)   /* asids below this are tagged */
#define TLB_NO_ASID UINT32_MAX                      /* before the first switch */
#define TLB_FIB UINT64_C(0x9E3779B97F4A7C15)        /* 2^64 / golden ratio */
#define TLB_SCAN_WAYS 16                            /* more ways: indexed */
#define TLB_NIL UINT32_MAX

struct vmm_tlb_index {
    uint32_t *slot;          /* hmask + 1 slots: entry + 1, 0 = empty */
    uint32_t hmask;
    uint32_t *prev, *next;   /* per entry: its set's order, oldest first; next also
                                links the invalid entries' stack */
    uint32_t *head, *tail;   /* per set: oldest and newest valid entry, or TLB_NIL */
    uint32_t *free_top;      /* per set: top of the invalid entries' stack, or TLB_NIL */
};

/* Sets and effective ways for (entries, ways); 0 or VMM_EINVAL. */
static int tlb_geometry(uint32_t entries, uint32_t ways, uint32_t *nsets, uint32_t *nways)
{
    if (!entries) {
        *nsets = *nways = 0;
        return 0;
    }
    if (!ways)
        ways = entries;
    if (ways > entries || entries % ways)
        return VMM_EINVAL;
    uint32_t s = entries / ways;
    if (s & (s - 1))
        return VMM_EINVAL;
    *nsets = s;
    *nways = ways;
    return 0;
}

/* --- the index of TLBs with many ways ------------------------------------ */

/* Empty every set: no valid entry, all on the invalid stacks (the lowest
 * way on top, as the scan takes the first invalid way), no slot used. */
static void tlb_index_reset(vmm_tlb_t *t)
{
    struct vmm_tlb_index *ix = t->index;
    memset(ix->slot, 0, ((size_t)ix->hmask + 1) * sizeof *ix->slot);
    for (uint32_t s = 0; s < t->nsets; s++) {
        uint32_t base = s * t->ways;
        ix->head[s] = ix->tail[s] = TLB_NIL;
        ix->free_top[s] = base;
        for (uint32_t w = 0; w < t->ways; w++)
            ix->next[base + w] = w + 1 < t->ways ? base + w + 1 : TLB_NIL;
    }
}

static int tlb_index_init(vmm_tlb_t *t)
{
    struct vmm_tlb_index *ix = vmm_calloc(1, sizeof *ix);
    if (!ix)
        return VMM_ENOMEM;
    t->index = ix;
    size_t n = t->cfg.entries, cap = 2;
    while (cap < 2 * n)   /* at most half full: short probe sequences */
        cap *= 2;
    ix->hmask = (uint32_t)(cap - 1);
    ix->slot = vmm_malloc(cap * sizeof *ix->slot);
    ix->prev = vmm_malloc(n * sizeof *ix->prev);
    ix->next = vmm_malloc(n * sizeof *ix->next);
    ix->head = vmm_malloc(t->nsets * sizeof *ix->head);
    ix->tail = vmm_malloc(t->nsets * sizeof *ix->tail);
    ix->free_top = vmm_malloc(t->nsets * sizeof *ix->free_top);
    if (!ix->slot || !ix->prev || !ix->next || !ix->head || !ix->tail || !ix->free_top)
        return VMM_ENOMEM;
    tlb_index_reset(t);
    return 0;
}

static inline uint32_t tlb_home(const struct vmm_tlb_index *ix, uint64_t key)
{
    uint64_t h = key * TLB_FIB;
    return (uint32_t)(h ^ (h >> 32)) & ix->hmask;
}

/* Slot holding key's entry, or the empty slot where it would go. */
static inline uint32_t tlb_probe(const vmm_tlb_t *t, uint64_t key)
{
    const struct vmm_tlb_index *ix = t->index;
    uint32_t i = tlb_home(ix, key);
    while (ix->slot[i] && t->tag[ix->slot[i] - 1] != key)
        i = (i + 1) & ix->hmask;
    return i;
}

/* Empty slot i, moving back the entries after it that probed past it. */
static void tlb_unslot(vmm_tlb_t *t, uint32_t i)
{
    struct vmm_tlb_index *ix = t->index;
    for (uint32_t j = (i + 1) & ix->hmask; ix->slot[j]; j = (j + 1) & ix->hmask) {
        uint32_t k = tlb_home(ix, t->tag[ix->slot[j] - 1]);
        /* j's entry may fill the hole at i unless its home lies in (i, j] */
        if (((j - k) & ix->hmask) >= ((j - i) & ix->hmask)) {
            ix->slot[i] = ix->slot[j];
            i = j;
        }
    }
    ix->slot[i] = 0;
}

static void tlb_unlink(struct vmm_tlb_index *ix, uint32_t set, uint32_t e)
{
    uint32_t p = ix->prev[e], n = ix->next[e];
    if (p == TLB_NIL)
        ix->head[set] = n;
    else
        ix->next[p] = n;
    if (n == TLB_NIL)
        ix->tail[set] = p;
    else
        ix->prev[n] = p;
}

static void tlb_append(struct vmm_tlb_index *ix, uint32_t set, uint32_t e)
{
    ix->prev[e] = ix->tail[set];
    ix->next[e] = TLB_NIL;
    if (ix->tail[set] == TLB_NIL)
        ix->head[set] = e;
    else
        ix->next[ix->tail[set]] = e;
    ix->tail[set] = e;
}

int vmm_tlb_init(vmm_tlb_t *t, const vmm_tlb_cfg_t *cfg)
{
    memset(t, 0, sizeof *t);
    if (!cfg || (cfg->policy != VMM_TLB_LRU && cfg->policy != VMM_TLB_FIFO))
        return VMM_EINVAL;
    uint32_t nsets, ways;
    int rc = tlb_geometry(cfg->entries, cfg->ways, &nsets, &ways);
    if (rc)
        return rc;
    t->cfg = *cfg;
    t->cur_asid = TLB_NO_ASID;
    if (!cfg->entries)
        return 0;
    t->nsets = nsets;
    t->ways = ways;
    t->set_mask = nsets - 1;
    t->tag = vmm_calloc(cfg->entries, sizeof *t->tag);
    t->val = vmm_calloc(cfg->entries, sizeof *t->val);
    if (ways > TLB_SCAN_WAYS)
        rc = tlb_index_init(t);
    else   /* one spare row of `ways` stamps: scratch for tlb_renumber */
        t->stamp = vmm_calloc((size_t)cfg->entries + ways, sizeof *t->stamp);
    if (!t->tag || !t->val || rc || (!t->index && !t->stamp)) {
        vmm_tlb_fini(t);
        return VMM_ENOMEM;
    }
    return 0;
}

void vmm_tlb_fini(vmm_tlb_t *t)
{
    if (!t)
        return;
    vmm_free(t->tag);
    vmm_free(t->val);
    vmm_free(t->stamp);
    struct vmm_tlb_index *ix = t->index;
    if (ix) {
        vmm_free(ix->slot);
        vmm_free(ix->prev);
        vmm_free(ix->next);
        vmm_free(ix->head);
        vmm_free(ix->tail);
        vmm_free(ix->free_top);
        vmm_free(ix);
    }
    memset(t, 0, sizeof *t);
}

static inline uint32_t tlb_set(const vmm_tlb_t *t, uint64_t vpn)
{
    uint64_t h = vpn * TLB_FIB;
    return (uint32_t)(h ^ (h >> 32)) & t->set_mask;
}

/* Nonzero when the TLB cannot hold (asid, vpn): disabled, or out of the
 * exact tag range. */
static inline int tlb_bypass(const vmm_tlb_t *t, uint32_t asid, uint64_t vpn)
{
    return !t->nsets || (vpn >> TLB_VPN_BITS) || asid >= TLB_ASID_LIMIT;
}

static inline uint64_t tlb_key(uint32_t asid, uint64_t vpn)
{
    return (((uint64_t)asid << TLB_VPN_BITS) | vpn) + 1;
}

/* Replace each set's stamps by their rank (1 = oldest) among the set's
 * valid entries and restart the clock above them. Stamps are distinct
 * (each tick goes to one entry), so the order is kept exactly. */
static void tlb_renumber(vmm_tlb_t *t)
{
    uint32_t w = t->ways, *rank = t->stamp + (size_t)t->nsets * w;
    for (uint32_t s = 0; s < t->nsets; s++) {
        uint32_t *st = t->stamp + (size_t)s * w;
        const uint64_t *tg = t->tag + (size_t)s * w;
        for (uint32_t i = 0; i < w; i++) {
            rank[i] = 0;
            if (!tg[i])
                continue;
            for (uint32_t j = 0; j < w; j++)
                rank[i] += tg[j] && st[j] <= st[i];
        }
        memcpy(st, rank, w * sizeof *st);
    }
    t->clock = w;
}

static inline uint32_t tlb_tick(vmm_tlb_t *t)
{
    if (t->clock == UINT32_MAX)
        tlb_renumber(t);
    return ++t->clock;
}

/* Way holding key in a set's tag row, or UINT32_MAX. The whole row is
 * scanned without an early exit: under LRU which way hits is random and an
 * early exit mispredicts, while a fixed-length select loop does not (about
 * 2x faster on hit-heavy 64:4 runs here). A key is in at most one way. */
static inline uint32_t tlb_match(const uint64_t *tag, uint32_t ways, uint64_t key)
{
    uint32_t hit = UINT32_MAX;
    for (uint32_t w = 0; w < ways; w++)
        hit = tag[w] == key ? w : hit;
    return hit;
}

/* The indexed paths are out of line, so the scanning ones compile as they
 * did before the index existed (one more test, predicted not taken). */
#define TLB_COLD __attribute__((noinline, cold))

static TLB_COLD int tlb_index_lookup(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t *val)
{
    if (tlb_bypass(t, asid, vpn)) {
        t->misses++;
        return 0;
    }
    uint64_t key = tlb_key(asid, vpn);
    struct vmm_tlb_index *ix = t->index;
    uint32_t e = ix->slot[tlb_probe(t, key)];
    if (!e) {
        t->misses++;
        return 0;
    }
    e--;
    if (t->cfg.policy == VMM_TLB_LRU) {   /* now the newest of its set */
        uint32_t set = tlb_set(t, vpn);
        tlb_unlink(ix, set, e);
        tlb_append(ix, set, e);
    }
    if (val)
        *val = t->val[e];
    t->hits++;
    return 1;
}

int vmm_tlb_lookup(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t *val)
{
    if (__builtin_expect(t->index != NULL, 0))
        return tlb_index_lookup(t, asid, vpn, val);
    if (tlb_bypass(t, asid, vpn)) {
        t->misses++;
        return 0;
    }
    uint64_t key = tlb_key(asid, vpn);
    size_t base = (size_t)tlb_set(t, vpn) * t->ways;
    uint32_t w = tlb_match(t->tag + base, t->ways, key);
    if (w == UINT32_MAX) {
        t->misses++;
        return 0;
    }
    if (t->cfg.policy == VMM_TLB_LRU)
        t->stamp[base + w] = tlb_tick(t);
    if (val)
        *val = t->val[base + w];
    t->hits++;
    return 1;
}

/* Way of `key` in the set at base, or the way to replace: the first
 * invalid one, else the oldest stamp. *present says which. */
static uint32_t tlb_choose(const vmm_tlb_t *t, size_t base, uint64_t key, int *present)
{
    const uint64_t *tag = t->tag + base;
    const uint32_t *st = t->stamp + base;
    uint32_t victim = 0, oldest = UINT32_MAX;
    int have_free = 0;
    *present = 0;
    for (uint32_t w = 0; w < t->ways; w++) {
        if (tag[w] == key) {
            *present = 1;
            return w;
        }
        if (have_free)
            continue;
        if (!tag[w]) {
            have_free = 1;
            victim = w;
        } else if (st[w] < oldest) {
            oldest = st[w];
            victim = w;
        }
    }
    return victim;
}

static TLB_COLD void tlb_index_fill(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t val)
{
    if (tlb_bypass(t, asid, vpn))
        return;
    uint64_t key = tlb_key(asid, vpn);
    struct vmm_tlb_index *ix = t->index;
    uint32_t set = tlb_set(t, vpn), i = tlb_probe(t, key), e = ix->slot[i];
    if (e) {   /* present: a new value; under LRU also a use */
        e--;
        t->val[e] = val;
        if (t->cfg.policy == VMM_TLB_LRU) {
            tlb_unlink(ix, set, e);
            tlb_append(ix, set, e);
        }
        return;
    }
    e = ix->free_top[set];
    if (e != TLB_NIL) {
        ix->free_top[set] = ix->next[e];
    } else {   /* the oldest goes */
        e = ix->head[set];
        tlb_unlink(ix, set, e);
        tlb_unslot(t, tlb_probe(t, t->tag[e]));
        i = tlb_probe(t, key);   /* the shift may have moved key's empty slot */
    }
    t->tag[e] = key;
    t->val[e] = val;
    ix->slot[i] = e + 1;
    tlb_append(ix, set, e);
}

void vmm_tlb_fill(vmm_tlb_t *t, uint32_t asid, uint64_t vpn, uint32_t val)
{
    if (__builtin_expect(t->index != NULL, 0)) {
        tlb_index_fill(t, asid, vpn, val);
        return;
    }
    if (tlb_bypass(t, asid, vpn))
        return;
    uint64_t key = tlb_key(asid, vpn);
    size_t base = (size_t)tlb_set(t, vpn) * t->ways;
    int present;
    size_t i = base + tlb_choose(t, base, key, &present);
    t->val[i] = val;
    if (present && t->cfg.policy == VMM_TLB_FIFO)
        return;   /* a refill is not a new arrival */
    t->tag[i] = key;
    t->stamp[i] = tlb_tick(t);
}

static TLB_COLD void tlb_index_invalidate(vmm_tlb_t *t, uint64_t vpn, uint64_t key)
{
    struct vmm_tlb_index *ix = t->index;
    uint32_t i = tlb_probe(t, key), e = ix->slot[i];
    if (!e)
        return;
    e--;
    uint32_t set = tlb_set(t, vpn);
    tlb_unslot(t, i);
    tlb_unlink(ix, set, e);
    t->tag[e] = 0;
    ix->next[e] = ix->free_top[set];
    ix->free_top[set] = e;
    t->invalidations++;
}

void vmm_tlb_invalidate(vmm_tlb_t *t, uint32_t asid, uint64_t vpn)
{
    if (tlb_bypass(t, asid, vpn))
        return;
    uint64_t key = tlb_key(asid, vpn);
    if (__builtin_expect(t->index != NULL, 0)) {
        tlb_index_invalidate(t, vpn, key);
        return;
    }
    size_t base = (size_t)tlb_set(t, vpn) * t->ways;
    for (uint32_t w = 0; w < t->ways; w++)
        if (t->tag[base + w] == key) {
            t->tag[base + w] = 0;
            t->invalidations++;
            return;
        }
}

void vmm_tlb_switch(vmm_tlb_t *t, uint32_t asid)
{
    if (t->cfg.flush_on_switch && asid != t->cur_asid && t->cur_asid != TLB_NO_ASID) {
        if (t->tag)
            memset(t->tag, 0, (size_t)t->cfg.entries * sizeof *t->tag);
        if (t->index)
            tlb_index_reset(t);
        t->flushes++;
    }
    t->cur_asid = asid;
}

/* Parse a decimal u32 at *s (no sign), advancing *s. 0 or VMM_EINVAL. */
static int tlb_parse_u32(const char **s, uint32_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return VMM_EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return VMM_EINVAL;
    }
    *out = (uint32_t)v;
    *s = p;
    return 0;
}

static const char *tlb_skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int vmm_tlb_parse(const char *s, vmm_tlb_cfg_t *cfg)
{
    if (!s || !cfg)
        return VMM_EINVAL;
    uint32_t entries, ways = 0, nsets, nways;
    const char *p = tlb_skip_space(s);
    if (tlb_parse_u32(&p, &entries))
        return VMM_EINVAL;
    p = tlb_skip_space(p);
    if (*p == ':') {
        p = tlb_skip_space(p + 1);
        if (tlb_parse_u32(&p, &ways))
            return VMM_EINVAL;
        p = tlb_skip_space(p);
    }
    if (*p || tlb_geometry(entries, ways, &nsets, &nways))
        return VMM_EINVAL;
    cfg->entries = entries;
    cfg->ways = ways;
    return 0;
}
