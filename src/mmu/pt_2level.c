/* Two-level page table: a page directory indexed by the high half of the
 * vpn whose entries point to second-level tables indexed by the low half --
 * the seed simulator's TWO_LEVEL table and classic 32-bit x86 paging
 * (Intel SDM vol. 3A, 4.3: 10 + 10 bits with 4 KiB pages).
 *
 * Split: the vpn's n = va_bits - page_shift bits are cut in two, the
 * directory taking the upper ceil(n/2) bits and each second-level table the
 * lower floor(n/2) bits. For the default 32-bit space with 4 KiB pages that
 * is x86's 10 + 10. n may be at most 40 (2^20-entry levels); bigger spaces
 * want radix3/radix4.
 *
 * Walk: 1 reference for the directory entry; if it points to a table, 1
 * more for the PTE (so 2 on a hit, and 2 on a miss inside an existing
 * table), as the hardware walker does.
 * Simulated size: the directory (allocated with the address space, like
 * CR3's page) plus each second-level table, allocated on the first insert
 * under it, all with 8-byte entries.
 *
 * Invariants: dir[hi] = table number + 1 (0 = none); table t's entries are
 * pool[t << low_bits ...], each page + 1 (0 = unmapped); tables are never
 * freed (mappings stay after eviction). */
#include "pt_internal.h"
#include "util/alloc.h"
#include <string.h>

#define TWOLEVEL_VA_DEFAULT 32
#define TWOLEVEL_MAX_VPN_BITS 40

typedef struct twolevel_pt {
    unsigned vpn_bits, low_bits;
    uint32_t *dir;          /* 2^(vpn_bits - low_bits) entries */
    uint32_t *pool;         /* second-level tables, back to back */
    size_t pool_cap;        /* entries allocated in pool */
    uint32_t ntables;       /* second-level tables in use */
} twolevel_pt_t;

static int twolevel_init(void *st, const vmm_pt_cfg_t *cfg)
{
    twolevel_pt_t *p = st;
    memset(p, 0, sizeof *p);
    int rc = vmm_pt_vpn_bits(cfg, TWOLEVEL_VA_DEFAULT, TWOLEVEL_MAX_VPN_BITS, &p->vpn_bits);
    if (rc)
        return rc;
    p->low_bits = p->vpn_bits / 2;
    p->dir = vmm_calloc((size_t)1 << (p->vpn_bits - p->low_bits), sizeof *p->dir);
    return p->dir ? 0 : VMM_ENOMEM;
}

static void twolevel_fini(void *st)
{
    twolevel_pt_t *p = st;
    vmm_free(p->dir);
    vmm_free(p->pool);
    memset(p, 0, sizeof *p);
}

/* Index in pool of vpn's PTE inside second-level table t (numbered from 1). */
static inline size_t twolevel_slot(const twolevel_pt_t *p, uint32_t t, uint64_t vpn)
{
    uint64_t low = vpn & (((uint64_t)1 << p->low_bits) - 1);
    return ((size_t)(t - 1) << p->low_bits) | (size_t)low;
}

static uint32_t twolevel_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    const twolevel_pt_t *p = st;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits)) {
        *refs = 0;
        return VMM_PT_NONE;
    }
    uint32_t t = p->dir[vpn >> p->low_bits];
    if (!t) {
        *refs = 1;
        return VMM_PT_NONE;
    }
    *refs = 2;
    return p->pool[twolevel_slot(p, t, vpn)] - 1;   /* 0 (unmapped) wraps to VMM_PT_NONE */
}

/* Number + 1 of the second-level table covering vpn, allocating it (zeroed)
 * if needed; 0 when allocation fails, leaving the table unchanged. */
static uint32_t twolevel_table(twolevel_pt_t *p, uint64_t vpn)
{
    uint32_t *d = &p->dir[vpn >> p->low_bits];
    if (*d)
        return *d;
    size_t need = ((size_t)p->ntables + 1) << p->low_bits;
    if (vmm_grow(&p->pool, &p->pool_cap, need, sizeof *p->pool))
        return 0;
    *d = ++p->ntables;
    return *d;
}

static int twolevel_insert(void *st, uint64_t vpn, uint32_t page)
{
    twolevel_pt_t *p = st;
    if (page == VMM_PT_NONE)
        return VMM_EINVAL;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return VMM_ERANGE;
    uint32_t t = twolevel_table(p, vpn);
    if (!t)
        return VMM_ENOMEM;
    p->pool[twolevel_slot(p, t, vpn)] = page + 1;
    return 0;
}

static uint64_t twolevel_bytes(const void *st)
{
    const twolevel_pt_t *p = st;
    uint64_t entries = ((uint64_t)1 << (p->vpn_bits - p->low_bits)) +
                       ((uint64_t)p->ntables << p->low_bits);
    return entries * VMM_PT_PTE_BYTES;
}

const vmm_pt_ops vmm_pt_2level = {
    .name = "2level",
    .summary = "page directory + lazily allocated page tables (x86-32 style); 2 references",
    .state_size = sizeof(twolevel_pt_t),
    .init = twolevel_init,
    .fini = twolevel_fini,
    .lookup = twolevel_lookup,
    .insert = twolevel_insert,
    .resident = NULL,   /* not frame-indexed: residency is not its business */
    .bytes = twolevel_bytes,
};
