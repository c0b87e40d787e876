/* Inverted page table: one entry per machine frame saying which virtual
 * page it holds, found through a hash anchor table (HAT) keyed by vpn, as
 * in IBM System/38 and RS/6000, PowerPC's hashed page table and IA-64's
 * long-format VHPT (Jacob & Mudge, "Virtual memory in contemporary
 * microprocessors", IEEE Micro 1998; the seed's "Opt-2"). Its size follows
 * physical memory, not the virtual space.
 *
 * Only resident pages are in the hardware table: the engine calls
 * resident(vpn, page, frame) when a page enters a frame and resident(vpn,
 * page, VMM_NOFRAME) when it leaves. A walk probes the HAT bucket (1
 * reference) and follows the chain of frame entries (1 reference each)
 * until the tag matches or the chain ends; new residents go to the head of
 * their chain.
 *
 * The engine still needs the page id of a mapped but non-resident page
 * (the contract in vmmsim/mmu.h: mappings stay after eviction). A real OS
 * keeps that in software (swap map, vm_area structures), not in the
 * inverted table, so this table keeps an internal vpn -> page hash map of
 * every mapping: a lookup that misses the inverted table returns the id
 * from that map, and its probe is NOT counted in *refs -- refs counts only
 * what the hardware walker reads. Likewise the map is not in bytes(), which
 * is the HAT (8 bytes per bucket, nframes rounded up to a power of two) plus
 * 16 bytes per frame entry, fixed at creation.
 *
 * Invariants: frame[f].page == VMM_PT_NONE iff frame f is free (and then
 * on no chain); anchor[b] and frame[f].next are frame + 1 (0 = end); a vpn
 * is in at most one frame. nframes must be nonzero. resident() calls with a
 * frame >= nframes are ignored (it cannot report an error). */
#include "pt_internal.h"
#include "vmmsim/policy.h"   /* VMM_NOFRAME */
#include "util/alloc.h"
#include "util/hashmap.h"
#include <string.h>

#define INVERTED_VA_DEFAULT 48
#define INVERTED_ANCHOR_BYTES 8
#define INVERTED_ENTRY_BYTES 16

typedef struct inv_frame {
    uint64_t vpn;           /* tag */
    uint32_t page;          /* VMM_PT_NONE when the frame is free */
    uint32_t next;          /* next frame on the chain + 1, 0 = end */
} inv_frame_t;

typedef struct inverted_pt {
    unsigned vpn_bits;
    uint32_t nframes;
    uint32_t mask;          /* HAT buckets - 1 */
    uint32_t *anchor;       /* per bucket: first frame + 1, 0 = empty */
    inv_frame_t *frame;     /* one entry per machine frame */
    vmm_hashmap_t sw;       /* software map vpn -> page (all mappings) */
} inverted_pt_t;

static void inverted_fini(void *st)
{
    inverted_pt_t *p = st;
    vmm_free(p->anchor);
    vmm_free(p->frame);
    vmm_hm_fini(&p->sw);
    memset(p, 0, sizeof *p);
}

static int inverted_init(void *st, const vmm_pt_cfg_t *cfg)
{
    inverted_pt_t *p = st;
    memset(p, 0, sizeof *p);
    int rc = vmm_pt_vpn_bits(cfg, INVERTED_VA_DEFAULT, 63, &p->vpn_bits);
    if (rc)
        return rc;
    if (!cfg || !cfg->nframes)
        return VMM_EINVAL;
    p->nframes = cfg->nframes;
    uint32_t nb = vmm_pt_pow2(p->nframes);
    p->mask = nb - 1;
    p->anchor = vmm_calloc(nb, sizeof *p->anchor);
    p->frame = vmm_malloc((size_t)p->nframes * sizeof *p->frame);
    if (!p->anchor || !p->frame) {
        inverted_fini(p);
        return VMM_ENOMEM;
    }
    for (uint32_t f = 0; f < p->nframes; f++)
        p->frame[f] = (inv_frame_t){.vpn = 0, .page = VMM_PT_NONE, .next = 0};
    return 0;
}

static inline uint32_t *inverted_head(const inverted_pt_t *p, uint64_t vpn)
{
    return &p->anchor[(uint32_t)vmm_hash64(vpn) & p->mask];
}

/* Frame + 1 holding vpn, or 0; not a walk, so nothing is counted. */
static uint32_t inverted_find(const inverted_pt_t *p, uint64_t vpn)
{
    uint32_t f = *inverted_head(p, vpn);
    while (f && p->frame[f - 1].vpn != vpn)
        f = p->frame[f - 1].next;
    return f;
}

/* Take occupied frame f off its chain and mark it free. */
static void inverted_unlink(inverted_pt_t *p, uint32_t f)
{
    uint32_t *link = inverted_head(p, p->frame[f].vpn);
    while (*link != f + 1)
        link = &p->frame[*link - 1].next;
    *link = p->frame[f].next;
    p->frame[f] = (inv_frame_t){.vpn = 0, .page = VMM_PT_NONE, .next = 0};
}

static uint32_t inverted_lookup(void *st, uint64_t vpn, unsigned *refs)
{
    const inverted_pt_t *p = st;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits)) {
        *refs = 0;
        return VMM_PT_NONE;
    }
    unsigned r = 1;   /* the anchor */
    for (uint32_t f = *inverted_head(p, vpn); f; f = p->frame[f - 1].next) {
        r++;
        if (p->frame[f - 1].vpn == vpn) {
            *refs = r;
            return p->frame[f - 1].page;
        }
    }
    *refs = r;
    return vmm_hm_get(&p->sw, vpn);   /* the OS's software map: not a walk */
}

static int inverted_insert(void *st, uint64_t vpn, uint32_t page)
{
    inverted_pt_t *p = st;
    if (page == VMM_PT_NONE)
        return VMM_EINVAL;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return VMM_ERANGE;
    int rc = vmm_hm_put(&p->sw, vpn, page);
    if (rc)
        return rc;
    uint32_t f = inverted_find(p, vpn);
    if (f)
        p->frame[f - 1].page = page;   /* remap of a resident page */
    return 0;
}

static void inverted_resident(void *st, uint64_t vpn, uint32_t page, uint32_t frame)
{
    inverted_pt_t *p = st;
    if (vmm_pt_out_of_range(vpn, p->vpn_bits))
        return;
    uint32_t old = inverted_find(p, vpn);
    if (old)
        inverted_unlink(p, old - 1);   /* leaving, or moving to another frame */
    if (frame == VMM_NOFRAME || frame >= p->nframes || page == VMM_PT_NONE)
        return;
    if (p->frame[frame].page != VMM_PT_NONE)
        inverted_unlink(p, frame);     /* occupant's departure was not reported */
    uint32_t *head = inverted_head(p, vpn);
    p->frame[frame] = (inv_frame_t){.vpn = vpn, .page = page, .next = *head};
    *head = frame + 1;
}

static uint64_t inverted_bytes(const void *st)
{
    const inverted_pt_t *p = st;
    uint64_t nb = p->anchor ? (uint64_t)p->mask + 1 : 0;
    return nb * INVERTED_ANCHOR_BYTES + (uint64_t)p->nframes * INVERTED_ENTRY_BYTES;
}

const vmm_pt_ops vmm_pt_inverted = {
    .name = "inverted",
    .summary = "one entry per machine frame + hash anchor table; resident pages only",
    .state_size = sizeof(inverted_pt_t),
    .init = inverted_init,
    .fini = inverted_fini,
    .lookup = inverted_lookup,
    .insert = inverted_insert,
    .resident = inverted_resident,
    .bytes = inverted_bytes,
};
