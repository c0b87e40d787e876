/* The memory layer: page records, machine frames split among NUMA nodes,
 * domains and the tiers below DRAM (docs/architecture.md).
 *
 * A page is named by its dense page id, given at first touch. Its 32-byte
 * record (mem_page_t) holds what every reference reads first (frame,
 * flags, tier, node, the samplers' bits) and where the page is mapped
 * (address space, virtual page, guest-physical page, domain), read on the
 * slow paths: a fault reads one line of the faulting page and one of the
 * victim. The miniature simulator uses the same records, unmapped.
 *
 * A domain is a replacement-policy instance with a quota of frames: one per
 * VM in the hypervisor, one for the whole machine in `vmmsim sim`, one per
 * emulated size in the miniature simulator. Frames come from one pool,
 * per-node stacks of free frames handed out lowest first.
 *
 * One call, mem_fault(), brings a page that is not in DRAM into a frame of
 * its domain: a minor fault on first touch, a major fault served by the
 * tier holding its contents; when the domain is at its quota its policy
 * picks a victim first. Every page leaving or entering DRAM goes through
 * one callback (`map`), so the translation layer shoots down TLB entries
 * and tells the page table in one place.
 *
 * Invariants: frame_page[f] == p <=> pg[p].frame == f; a domain holds at
 * most max(quota, 1) frames and its policy knows exactly those frames
 * (res_list lists them); a page out of DRAM whose contents are kept below
 * it has tier != MEM_TIER_NONE. */
#ifndef VMM_MEM_H
#define VMM_MEM_H

#include "vmmsim/vmmsim.h"
#include "util/rng.h"
#include "util/dlist.h"

#define MEM_TIER_NONE 255u       /* contents nowhere below DRAM (never left it) */
#define MEM_MAX_NODES VMM_SCN_MAX_NODES
#define MEM_MAX_TIERS VMM_TIERS

/* mem_page_t.flags */
enum {
    MP_WRITTEN = 1,   /* has been written: a swap device keeps a slot for it (slot rule) */
    MP_SLOT = 2,      /* holds a slot on a swap device */
};

/* A page: what every reference reads first (frame, flags, tier, node, the
 * samplers' bits), then where it is mapped (address space, virtual page,
 * guest-physical page, domain), read on the slow paths. 32 bytes, two to
 * a cache line: a fault that evicts a victim reads one line of each page
 * (a split into a hot array and a cold one cost a second miss per victim:
 * 15% slower on the zipf trace over a million pages). The engine's former
 * 16-byte record was faster still there, its hot pages taking half the
 * cache: packing this one into 16 bytes is the known next step (README,
 * Performance). */
typedef struct mem_page {
    uint32_t frame;      /* machine frame, VMM_NOFRAME when not in DRAM */
    uint8_t flags;       /* MP_* */
    uint8_t tier;        /* tier index holding its contents, or MEM_TIER_NONE */
    uint8_t node;        /* NUMA node of `frame` */
    uint8_t sflags;      /* the samplers' bits (src/core/sampler.c) */
    uint64_t vpn;        /* page number in address space `as` */
    uint32_t as;         /* address-space index (the TLB tag) */
    uint32_t gpn;        /* guest-physical page number in its domain */
    uint16_t dom;        /* domain */
    uint8_t remote;      /* NUMA: walks in a row from one remote node */
    uint8_t remote_node; /* that node */
    uint32_t pad;
} mem_page_t;

/* The mapping fields of a page, by the name the slow paths use. */
typedef mem_page_t mem_pinfo_t;

typedef struct mem mem_t;
typedef struct mem_tier mem_tier_t;

/* A kind of tier (src/mem/tier_*.c, registry in tier.c). The layer calls
 * store when a page leaves DRAM (`dirty`: its frame was written since it
 * was last stored) and load when it faults back; both count into `c` (the
 * page's address space) and return 0 / the fault's cost in ns. */
typedef struct mem_tier_ops {
    const char *name;     /* "device", "compressed" */
    /* Per-page state for `pages` page ids (compressed: its FIFO links). */
    int (*reserve)(mem_tier_t *t, size_t pages);
    void (*fini)(mem_tier_t *t);
    int (*store)(mem_t *m, mem_tier_t *t, uint32_t pid, int dirty, vmm_counters_t *c,
                 double *cost);
    double (*load)(mem_t *m, mem_tier_t *t, uint32_t pid, vmm_counters_t *c);
} mem_tier_ops_t;

/* Slot rules of a swap device. */
enum {
    MEM_SLOTS_OUT = 0,     /* a page holds a slot while it is out of DRAM (the host's swap) */
    MEM_SLOTS_WRITTEN = 1, /* a written page holds its slot from its first write-out on;
                              clean pages are re-read from their backing file (a
                              single machine's swap, as Linux keeps swap-cache slots) */
};

struct mem_tier {
    const mem_tier_ops_t *ops;
    int kind;            /* VMM_TIER_*: the counters' index */
    uint64_t cap, used;  /* pages; cap UINT64_MAX = unlimited */
    double load_ns;      /* a fault served from it */
    double store_ns;     /* writing a page to it (0: asynchronous) */
    int slots;           /* MEM_SLOTS_* (devices) */
    int below;           /* tier index that takes its overflow (compressed), or -1 */
    /* compressed: FIFO of page ids, newest at the head */
    vmm_dlist_t fifo;
    uint32_t *prev, *next;
    size_t links_cap;
};

/* A domain: a policy with a quota. */
typedef struct mem_domain {
    vmm_policy_t pol;
    uint64_t quota;      /* frames it may hold (it may always hold one) */
    uint64_t resident;
    uint32_t *res_list;  /* its frames in any order */
    uint64_t now;        /* its page references so far: its policy's clock */
} mem_domain_t;

/* A page entered DRAM (frame) or left it (VMM_NOFRAME). */
typedef void (*mem_map_fn)(void *arg, uint32_t pid, uint32_t frame);

typedef struct mem_cfg {
    uint32_t nframes;
    uint32_t nnodes;     /* >= 1; frames split evenly, the last node takes the rest */
    uint32_t ndomains;
    int info;            /* pages are mapped (info points at pg): the engine, the host */
    double minor_ns;     /* first touch: allocate and zero a frame */
    mem_map_fn map;      /* may be NULL */
    void *map_arg;
    vmm_counters_t *(*counters)(void *arg, uint32_t pid); /* the page's address space's */
} mem_cfg_t;

struct mem {
    mem_cfg_t cfg;
    uint32_t nframes, nnodes, frames_per_node;
    uint32_t *frame_page;   /* page id, VMM_NOFRAME if free */
    uint32_t *res_pos;      /* per frame: its index in its domain's res_list */
    uint8_t *frame_dirty;   /* lent to the policies */
    uint64_t cleaned;       /* write-backs the policies did (WSClock) */
    uint32_t **node_free;   /* per node: stack of free frames */
    uint32_t *node_nfree;

    mem_page_t *pg;         /* per page id */
    mem_pinfo_t *info;      /* = pg when pages are mapped, else NULL (mini) */
    size_t page_cap;
    uint32_t npages;

    mem_tier_t tiers[MEM_MAX_TIERS];
    uint32_t ntiers;
    int first_tier;         /* where evicted pages go, -1 = nowhere (contents dropped) */
    int swap_tier;          /* the swap device (balloon page-outs, demotions), or -1 */
    vmm_counters_t scratch; /* counts of pages without an address space (miniature caches) */

    mem_domain_t *doms;
    uint32_t ndoms;
};

/* Bytes the layer keeps per frame (frame_page, res_pos, dirty, a free-stack
 * slot, a res_list slot). */
#define MEM_FRAME_BYTES (4 + 4 + 1 + 4 + 4)

static inline uint32_t mem_node_of(const mem_t *m, uint32_t frame)
{
    uint32_t n = frame / m->frames_per_node;
    return n < m->nnodes ? n : m->nnodes - 1;
}

/* Set up `m` (caller-owned, zeroed by the call). 0 or VMM_ENOMEM. */
int mem_init(mem_t *m, const mem_cfg_t *cfg);
void mem_fini(mem_t *m);

/* Domain `d`'s policy (ops, params, seed) with a first quota. The policy
 * numbers frames over the whole pool. 0, VMM_EINVAL (err) or VMM_ENOMEM. */
int mem_domain_init(mem_t *m, uint32_t d, const vmm_policy_ops *ops, const char *params,
                    uint64_t seed, uint64_t quota, vmm_err_t *err);

/* Add a tier; returns its index or VMM_ENOMEM / VMM_ERANGE. */
int mem_tier_add(mem_t *m, const mem_tier_t *t);
const mem_tier_ops_t *mem_tier_find(const char *name);

/* A new page id (its record zeroed, not in DRAM, contents nowhere).
 * VMM_ERANGE when ids run out, VMM_ENOMEM. */
int mem_new_page(mem_t *m, uint32_t *pid);

/* Page `r->page` of domain `d` is not in DRAM: bring it in (see the top of
 * this file), on node `node` or the nearest with a free frame. Counts
 * into c (the faulting address space), adds the cost to *t, sets r->frame
 * (VMM_NOFRAME when the policy bypassed the page). 0, VMM_EIO (no room
 * below DRAM) or VMM_ENOMEM. */
int mem_fault(mem_t *m, uint32_t d, vmm_pref_t *r, uint32_t node, vmm_counters_t *c,
              double *t);

/* Take the page out of frame f (its policy has forgotten the frame) and
 * store its contents below DRAM; `to_tier` is where they go first (-1: the
 * domain's store tier). Counts into the page's address space; a write-out
 * cost goes to *t when t is not NULL. 0 or VMM_EIO. */
int mem_evict(mem_t *m, uint32_t f, int to_tier, double *t);

/* Reclaim `pages` of domain d's frames: its policy picks (balloon), or
 * random frames (host swapping, compressed first). 0 or VMM_EIO. */
int mem_reclaim(mem_t *m, uint32_t d, uint64_t pages, int balloon, vmm_rng_t *rng);

/* The domain's quota becomes `quota`: its policy is told, and on a shrink
 * frames are reclaimed down to it first. 0, VMM_EIO or VMM_ENOMEM. */
int mem_set_quota(mem_t *m, uint32_t d, uint64_t quota, int balloon, vmm_rng_t *rng);

/* Move resident page pid to a free frame on `node` (NUMA balancing), the
 * policy seeing the same page leave one frame and enter another. 1 if it
 * moved, 0 if the node has no free frame. */
int mem_migrate(mem_t *m, uint32_t d, uint32_t pid, uint32_t node);

/* Frames in use. */
static inline uint32_t mem_frames_used(const mem_t *m)
{
    uint32_t f = 0;
    for (uint32_t k = 0; k < m->nnodes; k++)
        f += m->node_nfree[k];
    return m->nframes - f;
}

#endif
