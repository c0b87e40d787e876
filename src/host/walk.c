/* The cost of a TLB miss (docs/host.md, "Translation").
 *
 * Nested paging (EPT/NPT): every guest page-table entry the guest walk
 * reads sits at a guest-physical address, which the nested table must
 * translate first; so does the guest-physical address the walk ends with.
 * With g guest levels read and n nested references per translation the
 * walk makes g + (g + 1) n references: 24 for 4-level over 4-level
 * (Bhargava et al., ASPLOS'08). Every nested translation is taken to cost
 * what the final one costs (exact for radix tables, whose depth does not
 * depend on the address).
 *
 * Page-walk caches (host.pwc > 0, radix guest tables): per pCPU, one small
 * cache per upper guest level, keyed by address space and the guest-virtual
 * prefix that level covers, like Intel's paging-structure caches. Their
 * entries hold the machine address of the next guest table, so a hit at
 * the level covering 2^(9k) pages leaves k guest reads and their nested
 * walks: 1 + 2n = 9 references when the lowest level hits.
 *
 * Shadow paging: the hardware walks the shadow table, one dimension, as
 * deep as the guest table (the shadow mirrors it). */
#include "host_int.h"

unsigned host_walk_refs(host_t *h, host_pcpu_t *p, host_vm_t *vm, uint32_t as, uint64_t vpn,
                        unsigned grefs, unsigned nrefs)
{
    vmm_vm_result_t *r = &vm->r;
    if (h->shadow) {
        r->guest_walk_refs += grefs;
        r->walk_refs += grefs;
        return grefs;
    }
    unsigned g = grefs;
    if (h->glevels && grefs == h->glevels) {
        unsigned k;
        uint32_t unused;
        for (k = 1; k < h->glevels; k++)
            if (vmm_tlb_lookup(&p->pwc[k - 1], as, vpn >> (9 * k), &unused))
                break;
        if (k < h->glevels) {
            g = k;
            r->pwc_hits++;
        }
        for (unsigned j = 1; j < k && j < h->glevels; j++)
            vmm_tlb_fill(&p->pwc[j - 1], as, vpn >> (9 * j), 0);
    }
    unsigned nested = (g + 1) * nrefs;
    r->guest_walk_refs += g;
    r->nested_walk_refs += nested;
    r->walk_refs += g + nested;
    return g + nested;
}
