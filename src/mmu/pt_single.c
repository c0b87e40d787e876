/* Single-level (linear) page table: one PTE per virtual page of the whole
 * address space, indexed by vpn -- the seed simulator's SINGLE table and the
 * textbook linear page table (Tanenbaum, Modern Operating Systems, 3.3).
 *
 * Walk: exactly one memory reference (the PTE read), mapped or not.
 * Simulated size: 2^(va_bits - page_shift) PTEs of 8 bytes from creation,
 * because a flat table must cover the whole virtual space whatever is used:
 * 8 MiB for a 32-bit space, 512 GiB for 48 bits. Showing that blow-up is the
 * point of this table, so bytes() reports it even though we never allocate
 * it.
 *
 * Host representation (why two): a real array when the space has at most
 * 2^22 pages (16 MiB of host memory, obtained zeroed so untouched parts are
 * never faulted in); above that a hash map keyed by vpn, so a 48-bit space
 * costs host memory in proportion to the pages touched.
 *
 * Invariants: flat[vpn] = page + 1 (0 = unmapped) in array mode; map holds
 * vpn -> page in hash mode; exactly one of the two is in use.
 * Default va_bits: 32 (the seed simulator's 4 GiB virtual space). */
#include "pt_internal.h"
#include "util/alloc.h"
#include "util/hashmap.h"
#include <string.h>

#define SINGLE_VA_DEFAULT 32
#define SINGLE_FLAT_MAX_BITS 22   /* array mode up to 4 Mi pages */

typedef struct single_pt {
    unsigned vpn_bits;
    uint32_t *flat;               /* array mode: page + 1 per vpn, or NULL */
    vmm_hashmap_t map;            /* hash mode: vpn -> page */
} single_pt_t;

static int single_init(void *st, const vmm_pt_cfg_t *cfg)
{
    single_pt_t *p = st;
    memset(p, 0, sizeof *p);
    int rc = vmm_pt_vpn_bits(cfg, SINGLE_VA_DEFAULT, 63, &p->vpn_bits);
    if (rc)
        return rc;
    if (p->vpn_bits > SINGLE_FLAT_MAX_BITS)
        return 0;   /* hash mode: the map allocates on first insert */
    p->flat = vmm_calloc((size_t)1 << p->vpn_bits, sizeof *p->flat);
    return p->flat ? 0 : VMM_ENOMEM;
}

static void single_fini(void *st)
{
    single_pt_t *p = st;
    vmm_free(p->flat);
    vmm_hm_fini(&p->map);
    memset(p, 0, sizeof *p);
}

static uint32_t single_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    const single_pt_t *p = st;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits)) {
        *refs = 0;   /* no walk: the address faults before the MMU reads a PTE */
        return VMM_PT_NONE;
    }
    *refs = 1;
    if (p->flat)
        return p->flat[vpn] - 1;   /* 0 (unmapped) wraps to VMM_PT_NONE */
    return vmm_hm_get(&p->map, vpn);
}

static int single_insert(void *st, uint64_t vpn, uint32_t page)
{
    single_pt_t *p = st;
    if (page == VMM_PT_NONE)
        return VMM_EINVAL;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return VMM_ERANGE;
    if (p->flat) {
        p->flat[vpn] = page + 1;
        return 0;
    }
    return vmm_hm_put(&p->map, vpn, page);
}

static uint64_t single_bytes(const void *st)
{
    const single_pt_t *p = st;
    if (p->vpn_bits >= 61)
        return UINT64_MAX;   /* 2^61 PTEs * 8 bytes does not fit: saturate */
    return ((uint64_t)1 << p->vpn_bits) * VMM_PT_PTE_BYTES;
}

const vmm_pt_ops vmm_pt_single = {
    .name = "single",
    .summary = "flat table covering the whole virtual space; 1 reference per walk",
    .state_size = sizeof(single_pt_t),
    .init = single_init,
    .fini = single_fini,
    .lookup = single_lookup,
    .insert = single_insert,
    .resident = NULL,   /* not frame-indexed: residency is not its business */
    .bytes = single_bytes,
};
