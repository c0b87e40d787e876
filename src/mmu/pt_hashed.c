/* Hashed page table: a hash anchor table (HAT) of bucket heads, each the
 * start of a chain of entries {vpn tag, PTE, next}, as in the hashed tables
 * of HP PA-RISC and the seed's "Opt-1" (Hennessy & Patterson, appendix B;
 * Huck & Hays, "Architectural support for translation table management in
 * large address space machines", ISCA'93).
 *
 * Sizing: the HAT has nframes buckets rounded up to a power of two (1024
 * when nframes is 0), fixed for the table's life as in hardware; it never
 * resizes, so chains lengthen as more pages are mapped than there are
 * frames -- that cost is what the walk counts are meant to show. Unlike an
 * inverted table it holds every mapped page, resident or not (mappings stay
 * after eviction).
 *
 * Walk: 1 reference for the anchor, plus 1 per chain entry examined until
 * the tag matches or the chain ends. New entries go to the head of their
 * chain, so the most recently mapped page of a bucket is found first.
 * Simulated size: 8 bytes per anchor + 16 bytes per entry (8-byte tag,
 * 8-byte PTE holding the chain link).
 *
 * Invariants: anchor[b] and entry.next are entry index + 1 (0 = end of
 * chain); each vpn is on at most one chain, the chain of hash(vpn). */
#include "pt_internal.h"
#include "util/alloc.h"
#include "util/hashmap.h"
#include <string.h>

#define HASHED_VA_DEFAULT 48
#define HASHED_BUCKETS_DEFAULT 1024
#define HASHED_ANCHOR_BYTES 8
#define HASHED_ENTRY_BYTES 16

typedef struct hashed_entry {
    uint64_t vpn;           /* tag */
    uint32_t page;
    uint32_t next;          /* next entry on the chain + 1, 0 = end */
} hashed_entry_t;

typedef struct hashed_pt {
    unsigned vpn_bits;
    uint32_t mask;          /* buckets - 1 */
    uint32_t *anchor;       /* per bucket: first entry + 1, 0 = empty */
    hashed_entry_t *ent;    /* entry pool */
    size_t cap;             /* entries allocated */
    uint32_t nent;          /* entries in use */
} hashed_pt_t;

static int hashed_init(void *st, const vmm_pt_cfg_t *cfg)
{
    hashed_pt_t *p = st;
    memset(p, 0, sizeof *p);
    int rc = vmm_pt_vpn_bits(cfg, HASHED_VA_DEFAULT, 63, &p->vpn_bits);
    if (rc)
        return rc;
    uint32_t nb = cfg && cfg->nframes ? vmm_pt_pow2(cfg->nframes) : HASHED_BUCKETS_DEFAULT;
    p->anchor = vmm_calloc(nb, sizeof *p->anchor);
    if (!p->anchor)
        return VMM_ENOMEM;
    p->mask = nb - 1;
    return 0;
}

static void hashed_fini(void *st)
{
    hashed_pt_t *p = st;
    vmm_free(p->anchor);
    vmm_free(p->ent);
    memset(p, 0, sizeof *p);
}

static inline uint32_t hashed_bucket(const hashed_pt_t *p, uint64_t vpn)
{
    return (uint32_t)vmm_hash64(vpn) & p->mask;
}

static uint32_t hashed_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    const hashed_pt_t *p = st;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits)) {
        *refs = 0;
        return VMM_PT_NONE;
    }
    unsigned r = 1;   /* the anchor */
    for (uint32_t e = p->anchor[hashed_bucket(p, vpn)]; e; e = p->ent[e - 1].next) {
        r++;
        if (p->ent[e - 1].vpn == vpn) {
            *refs = r;
            return p->ent[e - 1].page;
        }
    }
    *refs = r;
    return VMM_PT_NONE;
}

static int hashed_insert(void *st, uint64_t vpn, uint32_t page)
{
    hashed_pt_t *p = st;
    if (page == VMM_PT_NONE)
        return VMM_EINVAL;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return VMM_ERANGE;
    uint32_t *head = &p->anchor[hashed_bucket(p, vpn)];
    for (uint32_t e = *head; e; e = p->ent[e - 1].next)
        if (p->ent[e - 1].vpn == vpn) {
            p->ent[e - 1].page = page;   /* remap */
            return 0;
        }
    if (p->nent == UINT32_MAX - 1 ||
        vmm_grow(&p->ent, &p->cap, (size_t)p->nent + 1, sizeof *p->ent))
        return VMM_ENOMEM;
    p->ent[p->nent] = (hashed_entry_t){.vpn = vpn, .page = page, .next = *head};
    *head = ++p->nent;
    return 0;
}

static uint64_t hashed_bytes(const void *st)
{
    const hashed_pt_t *p = st;
    uint64_t nb = p->anchor ? (uint64_t)p->mask + 1 : 0;
    return nb * HASHED_ANCHOR_BYTES + (uint64_t)p->nent * HASHED_ENTRY_BYTES;
}

const vmm_pt_ops vmm_pt_hashed = {
    .name = "hashed",
    .summary = "hash anchor table + chained entries (nframes buckets); 1 + chain references",
    .state_size = sizeof(hashed_pt_t),
    .init = hashed_init,
    .fini = hashed_fini,
    .lookup = hashed_lookup,
    .insert = hashed_insert,
    .resident = NULL,   /* not frame-indexed: residency is not its business */
    .bytes = hashed_bytes,
};
