/* Radix (multi-level) page tables with the x86-64 layout: 9 vpn bits per
 * level, 512 eight-byte entries (one 4 KiB page) per table. "radix4" is
 * PML4 -> PDPT -> PD -> PT (48-bit addresses with 4 KiB pages), "radix3"
 * drops the PML4 (39-bit addresses, as with Sv39 on RISC-V or a 3-level
 * arm64 configuration). Intel SDM vol. 3A, 4.5 (4-level paging).
 *
 * Both share this one implementation; only the level count differs. The
 * root table exists from creation (CR3 always points at one); lower tables
 * are allocated lazily by the first insert beneath them and never freed
 * (a mapping stays after its page is evicted, like a swap PTE).
 *
 * Walk: one reference per table read, top down, stopping at the first
 * missing entry: with radix4 a hit costs 4, and a miss costs 1 (no PDPT),
 * 2 (no PD), 3 (no PT) or 4 (PT present, PTE empty). va_bits may be smaller
 * than the levels cover (the root is then partly unused) but not larger.
 *
 * Host representation (why): all tables live in one pool of 32-bit slots
 * grown with vmm_grow, table n at slot[n * 512]; an interior entry holds
 * the child's table number (0 = none; the root, table 0, is never a child)
 * and a last-level entry holds page + 1 (0 = unmapped). A walk is therefore
 * `levels` dependent loads from one array, with no malloc'ed node per
 * level, and growing the pool once per insert makes insert all-or-nothing
 * when allocation fails.
 *
 * Simulated size: tables allocated * 4096 bytes. */
#include "pt_internal.h"
#include "util/alloc.h"
#include <string.h>

#define RADIX_BITS 9
#define RADIX_FAN (1u << RADIX_BITS)      /* entries per table */
#define RADIX_TABLE_BYTES ((uint64_t)RADIX_FAN * VMM_PT_PTE_BYTES)

typedef struct radix_pt {
    unsigned levels;        /* 3 or 4 */
    unsigned vpn_bits;      /* <= levels * 9 */
    uint32_t *slot;         /* table n's entries at slot[n << 9] */
    size_t cap;             /* slots allocated */
    uint32_t ntables;       /* tables in use, root included */
} radix_pt_t;

/* Slot of vpn's entry at `level` (0 = last level) in table n. */
static inline size_t radix_idx(uint32_t n, uint64_t vpn, unsigned level)
{
    return ((size_t)n << RADIX_BITS) | (size_t)((vpn >> (RADIX_BITS * level)) & (RADIX_FAN - 1));
}

static int radix_init(radix_pt_t *p, const vmm_pt_cfg_t *cfg, unsigned levels)
{
    memset(p, 0, sizeof *p);
    p->levels = levels;
    int rc = vmm_pt_vpn_bits(cfg, VMM_PT_PAGE_SHIFT_DEFAULT + RADIX_BITS * levels,
                             RADIX_BITS * levels, &p->vpn_bits);
    if (rc)
        return rc;
    if (vmm_grow(&p->slot, &p->cap, RADIX_FAN, sizeof *p->slot))
        return VMM_ENOMEM;
    p->ntables = 1;   /* the root */
    return 0;
}

static int radix3_init(void *st, const vmm_pt_cfg_t *cfg) { return radix_init(st, cfg, 3); }
static int radix4_init(void *st, const vmm_pt_cfg_t *cfg) { return radix_init(st, cfg, 4); }

static void radix_fini(void *st)
{
    radix_pt_t *p = st;
    vmm_free(p->slot);
    memset(p, 0, sizeof *p);
}

/* The hardware walk. `levels` is a constant at each call site so the loop
 * unrolls into straight-line loads. */
static inline uint32_t radix_walk(const radix_pt_t *p, uint64_t vpn, unsigned *refs,
                                  const unsigned levels)
{
    if (vmm_pt_out_of_range(vpn, p->vpn_bits)) {
        *refs = 0;   /* non-canonical address: faults before any table read */
        return VMM_PT_NONE;
    }
    const uint32_t *s = p->slot;
    uint32_t n = 0;
    for (unsigned l = levels - 1; l > 0; l--) {
        n = s[radix_idx(n, vpn, l)];
        if (!n) {
            *refs = levels - l;
            return VMM_PT_NONE;
        }
    }
    *refs = levels;
    return s[radix_idx(n, vpn, 0)] - 1;   /* 0 (unmapped) wraps to VMM_PT_NONE */
}

static uint32_t radix3_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    return radix_walk(st, vpn, refs, 3);
}

static uint32_t radix4_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    return radix_walk(st, vpn, refs, 4);
}

/* Descend from the root while tables exist. Returns the level whose entry
 * is missing (its table number in *n), or 0 with *n = the last-level table. */
static unsigned radix_descend(const radix_pt_t *p, uint64_t vpn, uint32_t *n)
{
    unsigned l = p->levels - 1;
    *n = 0;
    for (; l > 0; l--) {
        uint32_t c = p->slot[radix_idx(*n, vpn, l)];
        if (!c)
            break;
        *n = c;
    }
    return l;
}

static int radix_insert(void *st, uint64_t vpn, uint32_t page)
{
    radix_pt_t *p = st;
    if (page == VMM_PT_NONE)
        return VMM_EINVAL;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return VMM_ERANGE;
    uint32_t n;
    unsigned missing = radix_descend(p, vpn, &n);
    if (missing) {
        /* Missing at level l means tables for levels l-1 .. 0 are needed:
         * l of them. Grow once, before linking any, so failure changes
         * nothing. */
        if (p->ntables > UINT32_MAX - missing)
            return VMM_ENOMEM;
        size_t need = ((size_t)p->ntables + missing) << RADIX_BITS;
        if (vmm_grow(&p->slot, &p->cap, need, sizeof *p->slot))
            return VMM_ENOMEM;
        for (unsigned l = missing; l > 0; l--) {
            uint32_t c = p->ntables++;
            p->slot[radix_idx(n, vpn, l)] = c;
            n = c;
        }
    }
    p->slot[radix_idx(n, vpn, 0)] = page + 1;
    return 0;
}

static uint64_t radix_bytes(const void *st)
{
    const radix_pt_t *p = st;
    return (uint64_t)p->ntables * RADIX_TABLE_BYTES;
}

const vmm_pt_ops vmm_pt_radix3 = {
    .name = "radix3",
    .summary = "3-level radix table, 9 bits per level (39-bit VA); up to 3 references",
    .state_size = sizeof(radix_pt_t),
    .radix_levels = 3,
    .init = radix3_init,
    .fini = radix_fini,
    .lookup = radix3_lookup,
    .insert = radix_insert,
    .resident = NULL,   /* not frame-indexed: residency is not its business */
    .bytes = radix_bytes,
};

const vmm_pt_ops vmm_pt_radix4 = {
    .name = "radix4",
    .summary = "4-level radix table, x86-64 PML4/PDPT/PD/PT (48-bit VA); up to 4 references",
    .state_size = sizeof(radix_pt_t),
    .radix_levels = 4,
    .init = radix4_init,
    .fini = radix_fini,
    .lookup = radix4_lookup,
    .insert = radix_insert,
    .resident = NULL,   /* not frame-indexed: residency is not its business */
    .bytes = radix_bytes,
};
