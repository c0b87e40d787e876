/* Unit tests for the MMU: the TLB and every page table in the registry.
 *
 * Fixed-value tests use hand-checked sequences (walk references per level,
 * simulated bytes after known inserts, LRU vs FIFO hit counts); cross-checks
 * run random sequences against naive reference models written here, sharing
 * no code with src/mmu; allocation-failure tests make each allocation fail
 * in turn and expect a clean VMM_ENOMEM with the structure unchanged (leaks
 * are caught by the sanitizer build). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "vmmsim/mmu.h"
#include "vmmsim/policy.h"   /* VMM_NOFRAME */
#include "util/rng.h"

#include "test_util.h"

/* ---------------------------------------------------------------------- */
/* Page-table helpers                                                      */

typedef struct pt_handle {
    const vmm_pt_ops *ops;
    void *st;
} pt_handle_t;

static int pt_try_open(pt_handle_t *h, const vmm_pt_ops *ops, unsigned va_bits, uint32_t nframes)
{
    vmm_pt_cfg_t cfg = {.page_shift = 12, .va_bits = va_bits, .nframes = nframes};
    h->ops = ops;
    h->st = calloc(1, ops->state_size);
    cr_assert_not_null(h->st);
    int rc = ops->init(h->st, &cfg);
    if (rc) {
        free(h->st);
        h->st = NULL;
    }
    return rc;
}

static pt_handle_t pt_open(const char *name, unsigned va_bits, uint32_t nframes)
{
    pt_handle_t h;
    const vmm_pt_ops *ops = vmm_pt_find(name);
    cr_assert_not_null(ops, "no page table %s", name);
    int rc = pt_try_open(&h, ops, va_bits, nframes);
    cr_assert_eq(rc, 0, "%s init: %s", name, vmm_strerror(rc));
    return h;
}

static void pt_close(pt_handle_t *h)
{
    if (h->st)
        h->ops->fini(h->st);
    free(h->st);
    h->st = NULL;
}

/* Walk references for vpn; the looked-up page goes to *page. */
static unsigned pt_refs(pt_handle_t *h, uint64_t vpn, uint32_t *page)
{
    unsigned refs = 12345;
    *page = h->ops->lookup(h->st, vpn, &refs);
    return refs;
}

static void pt_expect(pt_handle_t *h, uint64_t vpn, uint32_t want_page, unsigned want_refs)
{
    uint32_t page;
    unsigned refs = pt_refs(h, vpn, &page);
    cr_assert_eq(page, want_page, "%s vpn %#llx: page %u, want %u", h->ops->name,
                 (unsigned long long)vpn, page, want_page);
    cr_assert_eq(refs, want_refs, "%s vpn %#llx: %u refs, want %u", h->ops->name,
                 (unsigned long long)vpn, refs, want_refs);
}

static void pt_put(pt_handle_t *h, uint64_t vpn, uint32_t page)
{
    int rc = h->ops->insert(h->st, vpn, page);
    cr_assert_eq(rc, 0, "%s insert %#llx: %s", h->ops->name, (unsigned long long)vpn,
                 vmm_strerror(rc));
}

/* ---------------------------------------------------------------------- */
/* Registry                                                                */

Test(mmu_registry, names_and_aliases)
{
    const char *names[] = {"single", "2level", "radix3", "radix4", "hashed", "inverted"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const vmm_pt_ops *o = vmm_pt_find(names[i]);
        cr_assert_not_null(o, "%s", names[i]);
        cr_assert_str_eq(o->name, names[i]);
    }
    cr_assert_eq(vmm_pt_find("SINGLE"), vmm_pt_find("single"));
    cr_assert_eq(vmm_pt_find("TWO_LEVEL"), vmm_pt_find("2level"));
    cr_assert_eq(vmm_pt_find("two_level"), vmm_pt_find("2level"));
    cr_assert_eq(vmm_pt_find("Radix4"), vmm_pt_find("radix4"));
    cr_assert_null(vmm_pt_find("radix5"));
    cr_assert_null(vmm_pt_find(""));
    cr_assert_null(vmm_pt_find(NULL));
}

Test(mmu_registry, table_is_complete)
{
    const vmm_pt_ops *const *all = vmm_pt_all();
    size_t n = 0;
    for (; all[n]; n++) {
        const vmm_pt_ops *o = all[n];
        cr_assert(o->name && o->summary && o->state_size);
        cr_assert(o->init && o->fini && o->lookup && o->insert && o->bytes,
                  "%s: missing op", o->name);
        cr_assert_eq(vmm_pt_find(o->name), o);
        for (size_t j = 0; j < n; j++)
            cr_assert_str_neq(all[j]->name, o->name);
    }
    cr_assert_eq(n, 6);
}

/* ---------------------------------------------------------------------- */
/* Walk references and simulated bytes, table by table                     */

Test(mmu_pt_single, walk_and_bytes)
{
    pt_handle_t h = pt_open("single", 32, 0);
    cr_assert_eq(h.ops->bytes(h.st), (1ull << 20) * 8);   /* 8 MiB, whatever is used */
    pt_expect(&h, 7, VMM_PT_NONE, 1);
    pt_put(&h, 7, 70);
    pt_expect(&h, 7, 70, 1);
    pt_put(&h, 7, 71);                                    /* remap */
    pt_expect(&h, 7, 71, 1);
    pt_put(&h, (1u << 20) - 1, 5);
    pt_expect(&h, (1u << 20) - 1, 5, 1);
    pt_expect(&h, 1u << 20, VMM_PT_NONE, 0);              /* beyond va_bits: no walk */
    cr_assert_eq(h.ops->insert(h.st, 1u << 20, 1), VMM_ERANGE);
    cr_assert_eq(h.ops->insert(h.st, 8, VMM_PT_NONE), VMM_EINVAL);
    cr_assert_eq(h.ops->bytes(h.st), (1ull << 20) * 8);
    pt_close(&h);
}

Test(mmu_pt_single, huge_sparse_space)
{
    pt_handle_t h = pt_open("single", 48, 0);
    cr_assert_eq(h.ops->bytes(h.st), (1ull << 36) * 8);   /* 512 GiB flat table */
    pt_put(&h, 1ull << 35, 9);
    pt_put(&h, 3, 4);
    pt_expect(&h, 1ull << 35, 9, 1);
    pt_expect(&h, 3, 4, 1);
    pt_expect(&h, 4, VMM_PT_NONE, 1);
    cr_assert_eq(h.ops->insert(h.st, 1ull << 36, 1), VMM_ERANGE);
    pt_close(&h);
    h = pt_open("single", 64, 0);
    cr_assert_eq(h.ops->bytes(h.st), (1ull << 52) * 8);
    pt_close(&h);
}

Test(mmu_pt_2level, walk_and_bytes)
{
    pt_handle_t h = pt_open("2level", 32, 0);   /* 10 + 10 bits */
    cr_assert_eq(h.ops->bytes(h.st), 1024 * 8);  /* the directory */
    pt_expect(&h, 5, VMM_PT_NONE, 1);             /* no second-level table */
    pt_put(&h, 5, 50);
    cr_assert_eq(h.ops->bytes(h.st), 2 * 1024 * 8);
    pt_expect(&h, 5, 50, 2);
    pt_expect(&h, 6, VMM_PT_NONE, 2);             /* table there, PTE empty */
    pt_expect(&h, 1023, VMM_PT_NONE, 2);
    pt_expect(&h, 1024, VMM_PT_NONE, 1);          /* next directory entry */
    pt_put(&h, 1024, 51);
    pt_put(&h, 1025, 52);
    cr_assert_eq(h.ops->bytes(h.st), 3 * 1024 * 8);
    pt_expect(&h, 1024, 51, 2);
    pt_expect(&h, 1025, 52, 2);
    pt_expect(&h, 5, 50, 2);
    pt_expect(&h, (1u << 20) - 1, VMM_PT_NONE, 1);
    pt_expect(&h, 1u << 20, VMM_PT_NONE, 0);
    cr_assert_eq(h.ops->insert(h.st, 1u << 20, 1), VMM_ERANGE);
    pt_close(&h);
}

Test(mmu_pt_2level, odd_split_and_limits)
{
    pt_handle_t h = pt_open("2level", 33, 0);   /* 21 bits: 11 + 10 */
    cr_assert_eq(h.ops->bytes(h.st), 2048 * 8);
    pt_put(&h, 0, 1);
    cr_assert_eq(h.ops->bytes(h.st), (2048 + 1024) * 8);
    pt_expect(&h, 1023, VMM_PT_NONE, 2);
    pt_expect(&h, 1024, VMM_PT_NONE, 1);
    pt_close(&h);
    pt_handle_t bad;
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("2level"), 12 + 41, 0), VMM_EINVAL);
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("2level"), 12, 0), VMM_EINVAL);
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("2level"), 65, 0), VMM_EINVAL);
}

Test(mmu_pt_radix, radix4_walk_stops_at_each_level)
{
    pt_handle_t h = pt_open("radix4", 48, 0);
    cr_assert_eq(h.ops->bytes(h.st), 4096);       /* the PML4 alone */
    pt_expect(&h, 0, VMM_PT_NONE, 1);             /* no PDPT */
    pt_put(&h, 0, 42);
    cr_assert_eq(h.ops->bytes(h.st), 4 * 4096);   /* + PDPT, PD, PT */
    pt_expect(&h, 0, 42, 4);                      /* hit: 4 references */
    pt_expect(&h, 1, VMM_PT_NONE, 4);             /* PT there, PTE empty */
    pt_expect(&h, 1ull << 9, VMM_PT_NONE, 3);     /* PD there, no PT */
    pt_expect(&h, 1ull << 18, VMM_PT_NONE, 2);    /* PDPT there, no PD */
    pt_expect(&h, 1ull << 27, VMM_PT_NONE, 1);    /* PML4 entry empty */
    pt_expect(&h, (1ull << 36) - 1, VMM_PT_NONE, 1);
    pt_expect(&h, 1ull << 36, VMM_PT_NONE, 0);    /* beyond 48 bits: no walk */
    cr_assert_eq(h.ops->insert(h.st, 1ull << 36, 1), VMM_ERANGE);
    pt_close(&h);
}

Test(mmu_pt_radix, radix4_tables_allocated)
{
    pt_handle_t h = pt_open("radix4", 0, 0);      /* default 48 bits */
    pt_put(&h, 0, 1);
    pt_put(&h, 1ull << 27, 2);                     /* new PDPT, PD, PT */
    cr_assert_eq(h.ops->bytes(h.st), 7 * 4096);
    pt_put(&h, 1, 3);                              /* same PT as vpn 0 */
    pt_put(&h, 511, 4);
    cr_assert_eq(h.ops->bytes(h.st), 7 * 4096);
    pt_put(&h, 512, 5);                            /* new PT */
    cr_assert_eq(h.ops->bytes(h.st), 8 * 4096);
    pt_put(&h, (1ull << 27) + (1ull << 18), 6);    /* new PD and PT */
    cr_assert_eq(h.ops->bytes(h.st), 10 * 4096);
    pt_expect(&h, 0, 1, 4);
    pt_expect(&h, 1ull << 27, 2, 4);
    pt_expect(&h, 1, 3, 4);
    pt_expect(&h, 511, 4, 4);
    pt_expect(&h, 512, 5, 4);
    pt_expect(&h, (1ull << 27) + (1ull << 18), 6, 4);
    pt_expect(&h, (1ull << 27) + (1ull << 18) + 512, VMM_PT_NONE, 3);
    pt_close(&h);
}

Test(mmu_pt_radix, radix3_walk_and_limits)
{
    pt_handle_t h = pt_open("radix3", 0, 0);      /* default 39 bits */
    pt_expect(&h, 5, VMM_PT_NONE, 1);
    pt_put(&h, 5, 9);
    cr_assert_eq(h.ops->bytes(h.st), 3 * 4096);
    pt_expect(&h, 5, 9, 3);
    pt_expect(&h, 1ull << 9, VMM_PT_NONE, 2);
    pt_expect(&h, 1ull << 18, VMM_PT_NONE, 1);
    pt_expect(&h, 1ull << 27, VMM_PT_NONE, 0);    /* beyond 39 bits */
    cr_assert_eq(h.ops->insert(h.st, 1ull << 27, 1), VMM_ERANGE);
    pt_close(&h);
    pt_handle_t bad;
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("radix3"), 48, 0), VMM_EINVAL);
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("radix4"), 49, 0), VMM_EINVAL);
    h = pt_open("radix4", 32, 0);                  /* fewer bits than levels cover */
    pt_put(&h, (1u << 20) - 1, 3);
    pt_expect(&h, (1u << 20) - 1, 3, 4);
    pt_expect(&h, 1u << 20, VMM_PT_NONE, 0);
    pt_close(&h);
}

Test(mmu_pt_hashed, chain_references)
{
    pt_handle_t h = pt_open("hashed", 48, 1);     /* one bucket: one chain */
    cr_assert_eq(h.ops->bytes(h.st), 8);
    pt_expect(&h, 10, VMM_PT_NONE, 1);            /* empty anchor */
    pt_put(&h, 10, 100);
    cr_assert_eq(h.ops->bytes(h.st), 8 + 16);
    pt_expect(&h, 10, 100, 2);
    pt_expect(&h, 11, VMM_PT_NONE, 2);
    pt_put(&h, 11, 101);                           /* goes to the chain head */
    pt_expect(&h, 11, 101, 2);
    pt_expect(&h, 10, 100, 3);
    pt_expect(&h, 12, VMM_PT_NONE, 3);
    pt_put(&h, 10, 102);                           /* remap: no new entry */
    cr_assert_eq(h.ops->bytes(h.st), 8 + 2 * 16);
    pt_expect(&h, 10, 102, 3);
    pt_close(&h);
}

Test(mmu_pt_hashed, sized_from_frames)
{
    pt_handle_t h = pt_open("hashed", 48, 1000);  /* 1024 buckets */
    cr_assert_eq(h.ops->bytes(h.st), 1024 * 8);
    pt_put(&h, 77, 1);
    pt_expect(&h, 77, 1, 2);
    cr_assert_eq(h.ops->bytes(h.st), 1024 * 8 + 16);
    pt_close(&h);
    h = pt_open("hashed", 48, 0);                 /* default 1024 */
    cr_assert_eq(h.ops->bytes(h.st), 1024 * 8);
    pt_close(&h);
}

Test(mmu_pt_inverted, one_frame, .timeout = 60)
{
    pt_handle_t h = pt_open("inverted", 48, 1);   /* 1 frame, 1 bucket */
    cr_assert_eq(h.ops->bytes(h.st), 8 + 16);
    pt_put(&h, 10, 100);
    pt_put(&h, 11, 101);
    cr_assert_eq(h.ops->bytes(h.st), 8 + 16);     /* fixed by nframes */
    pt_expect(&h, 10, 100, 1);   /* not resident: hardware misses at the anchor,
                                    the id comes from the uncounted software map */
    h.ops->resident(h.st, 10, 100, 0);
    pt_expect(&h, 10, 100, 2);
    pt_expect(&h, 11, 101, 2);                    /* chain walked, then software */
    h.ops->resident(h.st, 11, 101, 0);            /* replaces 10, unannounced */
    pt_expect(&h, 11, 101, 2);
    pt_expect(&h, 10, 100, 2);
    h.ops->resident(h.st, 11, 101, VMM_NOFRAME);
    pt_expect(&h, 11, 101, 1);
    pt_expect(&h, 12, VMM_PT_NONE, 1);
    h.ops->resident(h.st, 10, 100, 5);            /* no frame 5: ignored */
    pt_expect(&h, 10, 100, 1);
    pt_put(&h, 10, 103);                           /* remap */
    pt_expect(&h, 10, 103, 1);
    pt_close(&h);
    pt_handle_t bad;
    cr_assert_eq(pt_try_open(&bad, vmm_pt_find("inverted"), 48, 0), VMM_EINVAL);
}

Test(mmu_pt_inverted, chains_and_eviction, .timeout = 60)
{
    pt_handle_t h = pt_open("inverted", 48, 8);   /* 8 frames, 8 buckets */
    cr_assert_eq(h.ops->bytes(h.st), 8 * 8 + 8 * 16);
    uint64_t a = 1, b = 0;
    pt_put(&h, a, 1);
    h.ops->resident(h.st, a, 1, 0);
    pt_expect(&h, a, 1, 2);
    /* Find b hashing to a's bucket: its walk then visits a's frame. */
    uint32_t page;
    for (uint64_t v = 2; v < 1000 && !b; v++)
        if (pt_refs(&h, v, &page) == 2)
            b = v;
    cr_assert_neq(b, 0);
    pt_put(&h, b, 2);
    h.ops->resident(h.st, b, 2, 1);
    pt_expect(&h, b, 2, 2);                       /* newest at the chain head */
    pt_expect(&h, a, 1, 3);
    h.ops->resident(h.st, a, 1, VMM_NOFRAME);    /* a evicted */
    pt_expect(&h, a, 1, 2);                       /* walks b, then software map */
    pt_expect(&h, b, 2, 2);
    h.ops->resident(h.st, b, 2, 5);               /* b moves to frame 5 */
    pt_expect(&h, b, 2, 2);
    h.ops->resident(h.st, a, 1, 1);               /* a into b's old frame */
    pt_expect(&h, a, 1, 2);
    pt_expect(&h, b, 2, 3);
    pt_close(&h);
}

/* An engine-like loop: 4 frames, 12 pages, FIFO eviction; resident pages
 * must be found by the hardware walk (refs >= 2), and every mapped page
 * keeps its id. */
Test(mmu_pt_inverted, engine_loop, .timeout = 60)
{
    pt_handle_t h = pt_open("inverted", 48, 4);
    uint64_t in_frame[4] = {0};
    int used[4] = {0};
    vmm_rng_t r;
    vmm_rng_seed(&r, 7);
    for (uint64_t v = 0; v < 12; v++)
        pt_put(&h, v * 4096 + 3, (uint32_t)(v + 100));
    unsigned next = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t v = vmm_rng_below(&r, 12), vpn = v * 4096 + 3;
        int resident = 0;
        for (int f = 0; f < 4; f++)
            resident |= used[f] && in_frame[f] == vpn;
        uint32_t page;
        unsigned refs = pt_refs(&h, vpn, &page);
        cr_assert_eq(page, v + 100);
        cr_assert(resident ? refs >= 2 : refs >= 1);
        if (resident)
            continue;
        if (used[next])
            h.ops->resident(h.st, in_frame[next], (uint32_t)(in_frame[next] / 4096 + 100),
                            VMM_NOFRAME);
        h.ops->resident(h.st, vpn, page, next);
        in_frame[next] = vpn;
        used[next] = 1;
        next = (next + 1) % 4;
    }
    pt_close(&h);
}

/* ---------------------------------------------------------------------- */
/* Every registry entry against a naive map                                */

#define MODEL_CANDIDATES 512
#define MODEL_FRAMES 64

/* Candidate vpns for a space of vpn_bits: clusters (neighbours, table
 * boundaries), the edges, and random spread ones. */
static void model_candidates(vmm_rng_t *r, unsigned vpn_bits, uint64_t *cand)
{
    uint64_t max = (1ull << vpn_bits) - 1;
    for (int i = 0; i < MODEL_CANDIDATES; i++) {
        switch (i % 4) {
        case 0: cand[i] = (uint64_t)i; break;
        case 1: cand[i] = max - (uint64_t)i; break;
        case 2: cand[i] = ((uint64_t)i << 9) & max; break;
        default: cand[i] = vmm_rng_below(r, max + 1); break;
        }
    }
    /* Drop duplicates so each candidate is its own naive-map slot. */
    for (int i = 0; i < MODEL_CANDIDATES; i++)
        for (int j = 0; j < i; j++)
            if (cand[j] == cand[i]) {
                cand[i] = vmm_rng_below(r, max + 1);
                j = -1;   /* recheck the replacement */
            }
}

static void model_run(const vmm_pt_ops *ops, unsigned va_bits, uint64_t seed)
{
    pt_handle_t h;
    if (pt_try_open(&h, ops, va_bits, MODEL_FRAMES))
        return;   /* this table cannot cover va_bits; its own tests say why */
    unsigned vpn_bits = va_bits - 12;
    vmm_rng_t r;
    vmm_rng_seed(&r, seed);
    uint64_t cand[MODEL_CANDIDATES];
    uint32_t naive[MODEL_CANDIDATES];
    model_candidates(&r, vpn_bits, cand);
    for (int i = 0; i < MODEL_CANDIDATES; i++)
        naive[i] = VMM_PT_NONE;
    for (int step = 0; step < 20000; step++) {
        unsigned k = (unsigned)vmm_rng_below(&r, MODEL_CANDIDATES);
        unsigned op = (unsigned)vmm_rng_below(&r, 100);
        uint64_t vpn = cand[k];
        if (op < 30) {
            uint32_t page = (uint32_t)vmm_rng_below(&r, UINT32_MAX);
            pt_put(&h, vpn, page);
            naive[k] = page;
        } else if (op < 40) {
            if (naive[k] != VMM_PT_NONE) {
                uint32_t f = vmm_rng_below(&r, 4) ? (uint32_t)vmm_rng_below(&r, MODEL_FRAMES)
                                                   : VMM_NOFRAME;
                if (ops->resident)
                    ops->resident(h.st, vpn, naive[k], f);
            }
        } else if (op < 42) {
            uint64_t far = (1ull << vpn_bits) + vmm_rng_below(&r, 1000);
            cr_assert_eq(ops->insert(h.st, far, 1), VMM_ERANGE, "%s", ops->name);
            pt_expect(&h, far, VMM_PT_NONE, 0);
        } else {
            uint32_t page;
            unsigned refs = pt_refs(&h, vpn, &page);
            cr_assert_eq(page, naive[k], "%s va %u step %d vpn %#llx: %u, want %u",
                         ops->name, va_bits, step, (unsigned long long)vpn, page, naive[k]);
            cr_assert(refs >= 1 && refs < 1000, "%s: %u refs", ops->name, refs);
        }
    }
    for (int i = 0; i < MODEL_CANDIDATES; i++) {
        uint32_t page;
        pt_refs(&h, cand[i], &page);
        cr_assert_eq(page, naive[i], "%s final vpn %#llx", ops->name,
                     (unsigned long long)cand[i]);
    }
    pt_close(&h);
}

Test(mmu_pt_model, every_table_matches_naive_map, .timeout = 60)
{
    const vmm_pt_ops *const *all = vmm_pt_all();
    for (size_t i = 0; all[i]; i++) {
        model_run(all[i], 32, 1 + i);
        model_run(all[i], 39, 100 + i);
    }
}

/* ---------------------------------------------------------------------- */
/* Allocation failure                                                      */

static int alloc_open(pt_handle_t *h, const vmm_pt_ops *ops)
{
    for (long k = 0;; k++) {
        vmm_alloc_fail_after(k);
        int rc = pt_try_open(h, ops, 39, MODEL_FRAMES);
        vmm_alloc_fail_after(-1);
        if (!rc)
            return (int)k;
        cr_assert_eq(rc, VMM_ENOMEM, "%s init after %ld: %s", ops->name, k, vmm_strerror(rc));
        cr_assert_lt(k, 100);
    }
}

Test(mmu_pt_alloc, init_and_insert_fail_cleanly, .timeout = 60)
{
    const vmm_pt_ops *const *all = vmm_pt_all();
    for (size_t t = 0; all[t]; t++) {
        pt_handle_t h;
        alloc_open(&h, all[t]);
        uint64_t vpns[200];
        int failures = 0;
        for (int i = 0; i < 200; i++) {
            /* spread over the space so tables, chains and pools grow */
            vpns[i] = ((uint64_t)i * 0x9E3779B97ull) & ((1ull << 27) - 1);
            for (long k = 0;; k++) {
                vmm_alloc_fail_after(k);
                int rc = all[t]->insert(h.st, vpns[i], (uint32_t)i);
                vmm_alloc_fail_after(-1);
                if (!rc)
                    break;
                failures++;
                cr_assert_eq(rc, VMM_ENOMEM, "%s insert: %s", all[t]->name, vmm_strerror(rc));
                uint32_t page;
                pt_refs(&h, vpns[i], &page);
                cr_assert_eq(page, VMM_PT_NONE, "%s: failed insert left a mapping",
                             all[t]->name);
                cr_assert_lt(k, 100);
            }
        }
        for (int i = 0; i < 200; i++) {
            uint32_t page;
            pt_refs(&h, vpns[i], &page);
            cr_assert_eq(page, (uint32_t)i, "%s vpn %d", all[t]->name, i);
        }
        cr_assert_gt(failures, 0, "%s: no allocation was exercised", all[t]->name);
        pt_close(&h);
    }
    VMM_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------------- */
/* TLB helpers                                                             */

static void tlb_open(vmm_tlb_t *t, uint32_t entries, uint32_t ways, int policy, int flush)
{
    vmm_tlb_cfg_t c = {.entries = entries, .ways = ways, .policy = policy,
                       .flush_on_switch = flush};
    int rc = vmm_tlb_init(t, &c);
    cr_assert_eq(rc, 0, "tlb %u:%u: %s", entries, ways, vmm_strerror(rc));
}

/* The engine's use: look up, and fill after a walk on a miss. */
static int tlb_access(vmm_tlb_t *t, uint32_t asid, uint64_t vpn)
{
    uint32_t v = 0;
    if (vmm_tlb_lookup(t, asid, vpn, &v)) {
        cr_assert_eq(v, (uint32_t)(vpn * 3 + asid));
        return 1;
    }
    vmm_tlb_fill(t, asid, vpn, (uint32_t)(vpn * 3 + asid));
    return 0;
}

/* Nonzero when a, b, c share a set of an 8-entry 2-way LRU TLB: filling
 * all three then evicts a. Found by observation, not by the index hash. */
static int tlb_same_set(uint64_t a, uint64_t b, uint64_t c)
{
    vmm_tlb_t t;
    tlb_open(&t, 8, 2, VMM_TLB_LRU, 0);
    vmm_tlb_fill(&t, 0, a, 1);
    vmm_tlb_fill(&t, 0, b, 1);
    vmm_tlb_fill(&t, 0, c, 1);
    int evicted = !vmm_tlb_lookup(&t, 0, a, NULL);
    vmm_tlb_fini(&t);
    return evicted;
}

static void tlb_conflicting(uint64_t out[3])
{
    for (uint64_t b = 2; b < 200; b++)
        for (uint64_t c = b + 1; c < 200; c++)
            if (tlb_same_set(1, b, c)) {
                out[0] = 1, out[1] = b, out[2] = c;
                return;
            }
    cr_assert_fail("no three vpns share a set");
}

/* ---------------------------------------------------------------------- */
/* TLB fixed cases                                                         */

Test(mmu_tlb, lru_vs_fifo_in_one_set)
{
    uint64_t p[3];
    tlb_conflicting(p);
    /* A B A C A B: LRU keeps A (C evicts B); FIFO evicts A at C. */
    const int seq[] = {0, 1, 0, 2, 0, 1};
    const int lru_hit[] = {0, 0, 1, 0, 1, 0}, fifo_hit[] = {0, 0, 1, 0, 0, 0};
    vmm_tlb_t lru, fifo;
    tlb_open(&lru, 8, 2, VMM_TLB_LRU, 0);
    tlb_open(&fifo, 8, 2, VMM_TLB_FIFO, 0);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(tlb_access(&lru, 0, p[seq[i]]), lru_hit[i], "LRU step %d", i);
        cr_assert_eq(tlb_access(&fifo, 0, p[seq[i]]), fifo_hit[i], "FIFO step %d", i);
    }
    cr_assert_eq(lru.hits, 2);
    cr_assert_eq(lru.misses, 4);
    cr_assert_eq(fifo.hits, 1);
    cr_assert_eq(fifo.misses, 5);
    vmm_tlb_fini(&lru);
    vmm_tlb_fini(&fifo);
}

Test(mmu_tlb, fully_associative)
{
    vmm_tlb_t t;
    tlb_open(&t, 4, 0, VMM_TLB_LRU, 0);
    cr_assert_eq(t.nsets, 1);
    cr_assert_eq(t.ways, 4);
    for (uint64_t v = 0; v < 4; v++)
        cr_assert_eq(tlb_access(&t, 0, v << 20), 0);   /* strides cannot conflict */
    for (uint64_t v = 0; v < 4; v++)
        cr_assert_eq(tlb_access(&t, 0, v << 20), 1);
    cr_assert_eq(tlb_access(&t, 0, 9), 0);              /* evicts LRU: vpn 0 */
    cr_assert_eq(tlb_access(&t, 0, 1ull << 20), 1);
    cr_assert_eq(tlb_access(&t, 0, 0), 0);
    cr_assert_eq(t.hits, 5);
    cr_assert_eq(t.misses, 6);
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, tagged_by_asid)
{
    vmm_tlb_t t;
    tlb_open(&t, 16, 4, VMM_TLB_LRU, 0);
    vmm_tlb_switch(&t, 1);
    cr_assert_eq(tlb_access(&t, 1, 5), 0);
    vmm_tlb_switch(&t, 2);
    cr_assert_eq(tlb_access(&t, 2, 5), 0);              /* same vpn, other space */
    vmm_tlb_switch(&t, 1);
    cr_assert_eq(tlb_access(&t, 1, 5), 1);              /* survived the switches */
    cr_assert_eq(tlb_access(&t, 2, 5), 1);
    cr_assert_eq(t.flushes, 0);
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, flush_on_switch)
{
    vmm_tlb_t t;
    tlb_open(&t, 16, 4, VMM_TLB_LRU, 1);
    vmm_tlb_switch(&t, 1);                               /* first: nothing to flush */
    cr_assert_eq(t.flushes, 0);
    tlb_access(&t, 1, 5);
    tlb_access(&t, 1, 6);
    cr_assert_eq(tlb_access(&t, 1, 5), 1);
    vmm_tlb_switch(&t, 1);                               /* same space: kept */
    cr_assert_eq(t.flushes, 0);
    cr_assert_eq(tlb_access(&t, 1, 6), 1);
    vmm_tlb_switch(&t, 2);
    cr_assert_eq(t.flushes, 1);
    cr_assert_eq(tlb_access(&t, 2, 5), 0);
    vmm_tlb_switch(&t, 1);
    cr_assert_eq(t.flushes, 2);
    cr_assert_eq(tlb_access(&t, 1, 5), 0);               /* flushed */
    cr_assert_eq(tlb_access(&t, 1, 6), 0);
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, invalidate)
{
    vmm_tlb_t t;
    tlb_open(&t, 16, 4, VMM_TLB_FIFO, 0);
    tlb_access(&t, 3, 100);
    tlb_access(&t, 4, 100);
    vmm_tlb_invalidate(&t, 3, 100);
    cr_assert_eq(t.invalidations, 1);
    vmm_tlb_invalidate(&t, 3, 100);                      /* already gone */
    vmm_tlb_invalidate(&t, 3, 101);                      /* never there */
    cr_assert_eq(t.invalidations, 1);
    cr_assert_eq(tlb_access(&t, 3, 100), 0);
    cr_assert_eq(tlb_access(&t, 4, 100), 1);             /* other asid untouched */
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, disabled)
{
    vmm_tlb_t t;
    tlb_open(&t, 0, 4, VMM_TLB_LRU, 1);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(tlb_access(&t, 0, 7), 0);
    vmm_tlb_invalidate(&t, 0, 7);
    vmm_tlb_switch(&t, 1);
    vmm_tlb_switch(&t, 2);
    cr_assert_eq(t.hits, 0);
    cr_assert_eq(t.misses, 10);
    cr_assert_eq(t.invalidations, 0);
    vmm_tlb_fini(&t);
    vmm_tlb_fini(&t);                                     /* idempotent */
}

Test(mmu_tlb, out_of_tag_range_bypasses)
{
    vmm_tlb_t t;
    tlb_open(&t, 16, 4, VMM_TLB_LRU, 0);
    cr_assert_eq(tlb_access(&t, 0, 1ull << 48), 0);
    cr_assert_eq(tlb_access(&t, 0, 1ull << 48), 0);      /* never cached */
    cr_assert_eq(tlb_access(&t, 0xFFFF, 1), 0);
    cr_assert_eq(tlb_access(&t, 0xFFFF, 1), 0);
    cr_assert_eq(tlb_access(&t, 0xFFFE, (1ull << 48) - 1), 0);
    cr_assert_eq(tlb_access(&t, 0xFFFE, (1ull << 48) - 1), 1);
    cr_assert_eq(tlb_access(&t, 0, (1ull << 48) - 1), 0);   /* other asid, same vpn */
    cr_assert_eq(tlb_access(&t, 0xFFFE, (1ull << 48) - 1), 1);
    cr_assert_eq(t.misses, 6);
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, strided_pages_spread)
{
    vmm_tlb_t t;
    tlb_open(&t, 64, 4, VMM_TLB_LRU, 0);
    for (uint64_t i = 0; i < 64; i++)
        tlb_access(&t, 0, i * 512);                       /* 2 MiB stride */
    uint64_t before = t.hits;
    for (uint64_t i = 0; i < 64; i++)
        tlb_access(&t, 0, i * 512);
    /* Indexing by low vpn bits would put all 64 in one set: 4 hits. */
    cr_assert_gt(t.hits - before, 32, "only %llu of 64 hit",
                 (unsigned long long)(t.hits - before));
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, init_rejects_bad_geometry)
{
    vmm_tlb_t t;
    vmm_tlb_cfg_t c = {.entries = 48, .ways = 4};        /* 12 sets */
    cr_assert_eq(vmm_tlb_init(&t, &c), VMM_EINVAL);
    c = (vmm_tlb_cfg_t){.entries = 10, .ways = 4};       /* not a multiple */
    cr_assert_eq(vmm_tlb_init(&t, &c), VMM_EINVAL);
    c = (vmm_tlb_cfg_t){.entries = 4, .ways = 8};
    cr_assert_eq(vmm_tlb_init(&t, &c), VMM_EINVAL);
    c = (vmm_tlb_cfg_t){.entries = 64, .ways = 4, .policy = 7};
    cr_assert_eq(vmm_tlb_init(&t, &c), VMM_EINVAL);
    cr_assert_eq(vmm_tlb_init(&t, NULL), VMM_EINVAL);
    c = (vmm_tlb_cfg_t){.entries = 96, .ways = 3};       /* 32 sets of 3 */
    cr_assert_eq(vmm_tlb_init(&t, &c), 0);
    cr_assert_eq(t.nsets, 32);
    vmm_tlb_fini(&t);
    c = (vmm_tlb_cfg_t){.entries = 48, .ways = 0};       /* one set of 48 */
    cr_assert_eq(vmm_tlb_init(&t, &c), 0);
    vmm_tlb_fini(&t);
}

Test(mmu_tlb, parse)
{
    static const struct { const char *s; uint32_t entries, ways; } good[] = {
        {"64", 64, 0}, {"64:4", 64, 4}, {"64:0", 64, 0}, {"1536:12", 1536, 12},
        {" 32 : 2 ", 32, 2}, {"0", 0, 0}, {"0:4", 0, 4}, {"1:1", 1, 1},
        {"4294967295:0", 4294967295u, 0},
    };
    static const char *const bad[] = {
        "", " ", "x", "64:", ":4", "64:4:2", "-1", "+64", "64x", "64:4x", "0x40",
        "48:4", "64:3", "4:8", "4294967296", "99999999999999999999", "6 4",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        vmm_tlb_cfg_t c = {.policy = VMM_TLB_FIFO, .flush_on_switch = 1};
        cr_assert_eq(vmm_tlb_parse(good[i].s, &c), 0, "'%s'", good[i].s);
        cr_assert_eq(c.entries, good[i].entries, "'%s'", good[i].s);
        cr_assert_eq(c.ways, good[i].ways, "'%s'", good[i].s);
        cr_assert_eq(c.policy, VMM_TLB_FIFO);                 /* left alone */
        cr_assert_eq(c.flush_on_switch, 1);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmm_tlb_cfg_t c = {.entries = 5, .ways = 5};
        cr_assert_eq(vmm_tlb_parse(bad[i], &c), VMM_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(c.entries, 5, "'%s' changed cfg", bad[i]);
    }
    vmm_tlb_cfg_t c;
    cr_assert_eq(vmm_tlb_parse(NULL, &c), VMM_EINVAL);
    cr_assert_eq(vmm_tlb_parse("64", NULL), VMM_EINVAL);
}

Test(mmu_tlb, init_allocation_failure)
{
    vmm_tlb_cfg_t c = {.entries = 64, .ways = 4};
    vmm_tlb_t t;
    long k = 0;
    for (;; k++) {
        vmm_alloc_fail_after(k);
        int rc = vmm_tlb_init(&t, &c);
        vmm_alloc_fail_after(-1);
        if (!rc)
            break;
        cr_assert_eq(rc, VMM_ENOMEM);
        cr_assert_null(t.tag);
        cr_assert_lt(k, 10);
    }
    cr_assert_gt(k, 0);
    cr_assert_eq(tlb_access(&t, 0, 1), 0);
    cr_assert_eq(tlb_access(&t, 0, 1), 1);
    vmm_tlb_fini(&t);
    VMM_ASSERT_NO_LEAKS();
}

/* ---------------------------------------------------------------------- */
/* TLB against a naive reference                                           */

/* One entry per slot with explicit fields and a 64-bit clock: no packing,
 * no wrap-around, no cleverness. The set index is the function documented
 * in docs/mmu.md. */
typedef struct ref_tlb {
    uint32_t nsets, ways;
    int lru, flush;
    int *valid;
    uint32_t *asid, *val;
    uint64_t *vpn, *time;
    uint64_t clock;
    int have_cur;
    uint32_t cur;
    uint64_t hits, misses, flushes, invalidations;
} ref_tlb_t;

static void ref_open(ref_tlb_t *r, uint32_t entries, uint32_t ways, int policy, int flush)
{
    memset(r, 0, sizeof *r);
    r->ways = entries ? (ways ? ways : entries) : 0;
    r->nsets = entries ? entries / r->ways : 0;
    r->lru = policy == VMM_TLB_LRU;
    r->flush = flush;
    size_t n = entries ? entries : 1;
    r->valid = calloc(n, sizeof *r->valid);
    r->asid = calloc(n, sizeof *r->asid);
    r->val = calloc(n, sizeof *r->val);
    r->vpn = calloc(n, sizeof *r->vpn);
    r->time = calloc(n, sizeof *r->time);
}

static void ref_close(ref_tlb_t *r)
{
    free(r->valid), free(r->asid), free(r->val), free(r->vpn), free(r->time);
}

static uint32_t ref_set(const ref_tlb_t *r, uint64_t vpn)
{
    uint64_t h = vpn * 0x9E3779B97F4A7C15ull;
    return (uint32_t)((h ^ (h >> 32)) % r->nsets);
}

static long ref_find(const ref_tlb_t *r, uint32_t asid, uint64_t vpn)
{
    if (!r->nsets)
        return -1;
    uint32_t s = ref_set(r, vpn);
    for (uint32_t w = 0; w < r->ways; w++) {
        size_t i = (size_t)s * r->ways + w;
        if (r->valid[i] && r->asid[i] == asid && r->vpn[i] == vpn)
            return (long)i;
    }
    return -1;
}

static int ref_lookup(ref_tlb_t *r, uint32_t asid, uint64_t vpn, uint32_t *val)
{
    long i = ref_find(r, asid, vpn);
    if (i < 0) {
        r->misses++;
        return 0;
    }
    if (r->lru)
        r->time[i] = ++r->clock;
    *val = r->val[i];
    r->hits++;
    return 1;
}

static void ref_fill(ref_tlb_t *r, uint32_t asid, uint64_t vpn, uint32_t val)
{
    if (!r->nsets)
        return;
    long i = ref_find(r, asid, vpn);
    if (i >= 0) {
        r->val[i] = val;
        if (r->lru)
            r->time[i] = ++r->clock;
        return;
    }
    size_t base = (size_t)ref_set(r, vpn) * r->ways, victim = base;
    for (size_t j = base; j < base + r->ways; j++) {
        if (!r->valid[j]) {
            victim = j;
            break;
        }
        if (r->time[j] < r->time[victim])
            victim = j;
    }
    r->valid[victim] = 1;
    r->asid[victim] = asid;
    r->vpn[victim] = vpn;
    r->val[victim] = val;
    r->time[victim] = ++r->clock;
}

static void ref_invalidate(ref_tlb_t *r, uint32_t asid, uint64_t vpn)
{
    long i = ref_find(r, asid, vpn);
    if (i >= 0) {
        r->valid[i] = 0;
        r->invalidations++;
    }
}

static void ref_switch(ref_tlb_t *r, uint32_t asid)
{
    if (r->flush && r->have_cur && r->cur != asid) {
        for (size_t i = 0; i < (size_t)r->nsets * r->ways; i++)
            r->valid[i] = 0;
        r->flushes++;
    }
    r->have_cur = 1;
    r->cur = asid;
}

static void tlb_cross_check(uint32_t entries, uint32_t ways, int policy, int flush,
                            uint32_t start_clock, uint64_t seed)
{
    vmm_tlb_t t;
    ref_tlb_t r;
    tlb_open(&t, entries, ways, policy, flush);
    ref_open(&r, entries, ways, policy, flush);
    t.clock = start_clock;   /* start near the wrap to exercise renumbering */
    vmm_rng_t g;
    vmm_rng_seed(&g, seed);
    uint64_t pool[48];
    for (int i = 0; i < 48; i++)
        pool[i] = i < 16 ? (uint64_t)i : i < 32 ? (uint64_t)(i - 16) << 9 : vmm_rng_next(&g) >> 30;
    uint32_t asid = 0;
    for (int step = 0; step < 30000; step++) {
        unsigned op = (unsigned)vmm_rng_below(&g, 100);
        uint64_t vpn = pool[vmm_rng_below(&g, 48)];
        uint32_t a = flush ? asid : (uint32_t)vmm_rng_below(&g, 3);
        if (op < 80) {
            uint32_t v1 = 0, v2 = 0;
            int h1 = vmm_tlb_lookup(&t, a, vpn, &v1), h2 = ref_lookup(&r, a, vpn, &v2);
            cr_assert_eq(h1, h2, "%u:%u step %d: hit %d, reference %d", entries, ways, step,
                         h1, h2);
            if (h1)
                cr_assert_eq(v1, v2);
            else {
                uint32_t v = (uint32_t)vmm_rng_next(&g);
                vmm_tlb_fill(&t, a, vpn, v);
                ref_fill(&r, a, vpn, v);
            }
        } else if (op < 88) {
            uint32_t v = (uint32_t)vmm_rng_next(&g);   /* fill of a possibly present entry */
            vmm_tlb_fill(&t, a, vpn, v);
            ref_fill(&r, a, vpn, v);
        } else if (op < 95) {
            vmm_tlb_invalidate(&t, a, vpn);
            ref_invalidate(&r, a, vpn);
        } else {
            asid = (uint32_t)vmm_rng_below(&g, 3);
            vmm_tlb_switch(&t, asid);
            ref_switch(&r, asid);
        }
    }
    cr_assert_eq(t.hits, r.hits, "%u:%u %s: hits %llu, reference %llu", entries, ways,
                 policy == VMM_TLB_LRU ? "lru" : "fifo", (unsigned long long)t.hits,
                 (unsigned long long)r.hits);
    cr_assert_eq(t.misses, r.misses);
    cr_assert_eq(t.flushes, r.flushes);
    cr_assert_eq(t.invalidations, r.invalidations);
    if (entries)
        cr_assert_gt(t.hits, 0);
    else
        cr_assert_eq(t.hits, 0);
    vmm_tlb_fini(&t);
    ref_close(&r);
}

Test(mmu_tlb_model, matches_naive_reference)
{
    static const struct { uint32_t entries, ways; } geo[] = {
        {1, 1}, {8, 2}, {16, 4}, {32, 1}, {6, 0}, {64, 4}, {24, 3}, {0, 0},
    };
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++)
        for (int policy = VMM_TLB_LRU; policy <= VMM_TLB_FIFO; policy++)
            for (int flush = 0; flush <= 1; flush++)
                tlb_cross_check(geo[i].entries, geo[i].ways, policy, flush, 0, seed++);
}

/* Above 16 ways the TLB keeps an index (O(1) lookup and replacement)
 * instead of scanning the set: the same hits, misses, flushes and
 * invalidations as the reference, fully associative or not, under
 * evictions (more keys than entries), refills, shootdowns and flushes. */
Test(mmu_tlb_model, indexed_matches_naive_reference)
{
    static const struct { uint32_t entries, ways; } geo[] = {
        {17, 0}, {32, 0}, {64, 32}, {48, 24}, {128, 64}, {96, 0},
    };
    uint64_t seed = 100;
    for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++)
        for (int policy = VMM_TLB_LRU; policy <= VMM_TLB_FIFO; policy++)
            for (int flush = 0; flush <= 1; flush++)
                tlb_cross_check(geo[i].entries, geo[i].ways, policy, flush, 0, seed++);
}

Test(mmu_tlb, indexed_init_allocation_failure)
{
    vmm_tlb_cfg_t c = {.entries = 1024, .ways = 0};
    vmm_tlb_t t;
    long k = 0;
    for (;; k++) {
        vmm_alloc_fail_after(k);
        int rc = vmm_tlb_init(&t, &c);
        vmm_alloc_fail_after(-1);
        if (!rc)
            break;
        cr_assert_eq(rc, VMM_ENOMEM);
        cr_assert_null(t.tag);
        cr_assert_lt(k, 20);
    }
    cr_assert_gt(k, 4);   /* the index's arrays were reached */
    for (uint64_t v = 0; v < 1024; v++)
        cr_assert_eq(tlb_access(&t, 0, v << 20), 0);   /* one set: no conflicts */
    for (uint64_t v = 0; v < 1024; v++)
        cr_assert_eq(tlb_access(&t, 0, v << 20), 1);
    cr_assert_eq(tlb_access(&t, 0, 1), 0);             /* evicts the oldest, vpn 0 */
    cr_assert_eq(tlb_access(&t, 0, 0), 0);
    vmm_tlb_fini(&t);
    VMM_ASSERT_NO_LEAKS();
}

Test(mmu_tlb_model, clock_wrap_keeps_order)
{
    tlb_cross_check(16, 4, VMM_TLB_LRU, 0, UINT32_MAX - 1000, 77);
    tlb_cross_check(16, 4, VMM_TLB_FIFO, 0, UINT32_MAX - 1000, 78);
    tlb_cross_check(8, 0, VMM_TLB_LRU, 1, UINT32_MAX - 3, 79);
}
