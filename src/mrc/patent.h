/* The sampler of US 9,223,722 ("Efficient online construction of miss rate
 * curves"), private interface between the engine and src/mrc/patent.c.
 *
 * The sampler is the VMM's bookkeeping only: which pages are selected
 * (spatial sampling), the chunked LRU list with a group number per page
 * and a counter per position and per group (claim 1, FIGS. 3A/3B), the
 * queue of untraced pages waiting for their sampling period to end (claim
 * 2, FIG. 5) and the curve. Installing and removing traces (page flags, TLB
 * invalidations) and charging their cost is the data path's job
 * (src/core/sampler.c),
 * so this file knows nothing of frames, TLBs or time accounting.
 *
 * Pages are named by the engine's dense page id. Every function is O(1)
 * amortised except vmm_patent_touch (O(C + S/C), the patent's chunk walk)
 * and vmm_patent_curve. */
#ifndef VMM_MRC_PATENT_H
#define VMM_MRC_PATENT_H

#include <stdint.h>
#include "vmmsim/mrc.h"

typedef struct vmm_patent vmm_patent_t;

/* A sampler of at most `pages` (S >= 1) pages in `chunks` (C >= 1, <= S)
 * groups. Returns 0 or VMM_ENOMEM (*out NULL). */
int vmm_patent_create(uint32_t pages, uint32_t chunks, vmm_patent_t **out);
void vmm_patent_destroy(vmm_patent_t *p);

/* Spatial sampling: page `pid`, touched for the first time, has hash `h`.
 * The sampler keeps the S pages with the smallest hashes seen so far.
 * Returns 1 if the page is selected (then *evicted is the page that left
 * the sample to make room, or UINT32_MAX), 0 if not, VMM_ENOMEM. */
int vmm_patent_offer(vmm_patent_t *p, uint32_t pid, uint64_t h, uint32_t *evicted);

/* Drop `pid` from the sample if it is there (a no-op otherwise). */
void vmm_patent_remove(vmm_patent_t *p, uint32_t pid);

/* FIG. 4: a detected access to `pid`. Returns -1 if the page is not
 * sampled, 0 for its first access (inserted at the top, counted as a cold
 * miss), else its stack distance d >= 1 among the sampled pages (counted
 * in the position counter d-1 and in its group's counter). */
long vmm_patent_touch(vmm_patent_t *p, uint32_t pid);

/* Claim 2 / FIG. 5: remember that `pid` is untraced until time `due`
 * (nondecreasing across calls). 0 or VMM_ENOMEM. */
int vmm_patent_defer(vmm_patent_t *p, uint32_t pid, double due);
/* Time the oldest deferred page is due (INFINITY if none). */
double vmm_patent_next_due(const vmm_patent_t *p);
/* Pop the oldest deferred page; its page id, or UINT32_MAX if none. */
uint32_t vmm_patent_pop_due(vmm_patent_t *p);

/* Is `pid` sampled? */
int vmm_patent_has(const vmm_patent_t *p, uint32_t pid);
/* Sampled pages now, and the i-th of them (i < count, slot order: the
 * order a periodic scan visits them). */
uint32_t vmm_patent_count(const vmm_patent_t *p);
uint32_t vmm_patent_page(const vmm_patent_t *p, uint32_t i);
/* Sampling rate R: 1 until a page is left out of the sample, then the
 * S-th smallest hash / 2^64. */
double vmm_patent_rate(const vmm_patent_t *p);

/* Claim 1's counters, for tests and reports: the count for position d-1,
 * for group g, the group number of `pid` (UINT32_MAX if not on the list),
 * and the chunk size S/C (rounded up). */
uint64_t vmm_patent_position_count(const vmm_patent_t *p, uint32_t pos);
uint64_t vmm_patent_group_count(const vmm_patent_t *p, uint32_t g);
uint32_t vmm_patent_group_of(const vmm_patent_t *p, uint32_t pid);
uint32_t vmm_patent_chunk_size(const vmm_patent_t *p);

/* The curve over `refs` references: distances and counts scaled by 1/R as
 * they were recorded. The caller frees *out with vmm_mrc_free. 0 or
 * VMM_ENOMEM. */
int vmm_patent_curve(const vmm_patent_t *p, uint64_t refs, vmm_mrc_t *out);

/* Host bytes held. */
size_t vmm_patent_bytes(const vmm_patent_t *p);

#endif
