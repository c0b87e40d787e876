/* Helpers shared by the page-table implementations (internal to src/mmu).
 *
 * Every table resolves its configuration the same way: page_shift 0 means
 * 12 (4 KiB pages), va_bits 0 means the table's own default, and a vpn is
 * valid when it fits in va_bits - page_shift bits. Keeping this in one place
 * makes "which vpns are in range" identical for every table, which the
 * cross-checking tests rely on. */
#ifndef VMM_MMU_PT_INTERNAL_H
#define VMM_MMU_PT_INTERNAL_H

#include "vmmsim/mmu.h"

/* The ops tables, one per file, listed by registry.c. */
extern const vmm_pt_ops vmm_pt_single, vmm_pt_2level, vmm_pt_radix3, vmm_pt_radix4,
    vmm_pt_hashed, vmm_pt_inverted;

#define VMM_PT_PAGE_SHIFT_DEFAULT 12
#define VMM_PT_PAGE_SHIFT_MAX 30     /* 1 GiB pages */
#define VMM_PT_PTE_BYTES 8           /* simulated PTE size for every table */

/* Resolve cfg (NULL = all defaults) into the number of vpn bits. Returns 0,
 * or VMM_EINVAL when page_shift or va_bits are impossible or the vpn would
 * need more than max_vpn_bits bits. */
static inline int vmm_pt_vpn_bits(const vmm_pt_cfg_t *cfg, unsigned default_va,
                                  unsigned max_vpn_bits, unsigned *vpn_bits)
{
    unsigned shift = cfg && cfg->page_shift ? cfg->page_shift : VMM_PT_PAGE_SHIFT_DEFAULT;
    unsigned va = cfg && cfg->va_bits ? cfg->va_bits : default_va;
    if (shift > VMM_PT_PAGE_SHIFT_MAX || va > 64 || va <= shift)
        return VMM_EINVAL;
    if (va - shift > max_vpn_bits)
        return VMM_EINVAL;
    *vpn_bits = va - shift;
    return 0;
}

/* Nonzero when vpn does not fit in vpn_bits (always < 64 here). */
static inline int vmm_pt_out_of_range(uint64_t vpn, unsigned vpn_bits)
{
    return (vpn >> vpn_bits) != 0;
}

/* Next power of two >= n, capped at 2^31 so it always fits in 32 bits. */
static inline uint32_t vmm_pt_pow2(uint32_t n)
{
    uint32_t p = 1;
    while (p < n && p < (UINT32_C(1) << 31))
        p <<= 1;
    return p;
}

#endif
