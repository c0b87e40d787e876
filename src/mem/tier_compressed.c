/* Compressed memory (ESX memory compression, Linux zswap): pages leaving
 * DRAM are kept compressed in host memory, up to a capacity in pages, in a
 * FIFO; when it is full the oldest page is written down to the tier below
 * (the swap device: a demotion), and when nothing below has room the store
 * fails (VMM_EIO). A fault from it decompresses at `load_ns` and frees the
 * page's place. The FIFO's links are per page id, outside the page
 * records, grown with the pages (only when the tier exists). */
#include "mem.h"
#include "util/alloc.h"
#include "util/dlist.h"

static int cq_reserve(mem_tier_t *t, size_t pages)
{
    size_t c1 = t->links_cap, c2 = t->links_cap;
    if (vmm_grow(&t->prev, &c1, pages, sizeof *t->prev) ||
        vmm_grow(&t->next, &c2, pages, sizeof *t->next))
        return VMM_ENOMEM;
    t->links_cap = c1 < c2 ? c1 : c2;
    return 0;
}

static void cq_fini(mem_tier_t *t)
{
    vmm_free(t->prev);
    vmm_free(t->next);
    t->prev = t->next = NULL;
}

static int cq_store(mem_t *m, mem_tier_t *t, uint32_t pid, int dirty, vmm_counters_t *c,
                    double *cost)
{
    if (t->used >= t->cap) {
        mem_tier_t *b = t->below >= 0 ? &m->tiers[t->below] : NULL;
        if (!b || b->used >= b->cap)
            return VMM_EIO;
        uint32_t old = vmm_dl_pop_back(&t->fifo, t->prev, t->next);
        t->used--;
        vmm_counters_t *oc = m->cfg.counters ? m->cfg.counters(m->cfg.map_arg, old) : c;
        oc->demoted++;
        int rc = b->ops->store(m, b, old, 0, oc, cost);
        if (rc)
            return rc;
    }
    vmm_dl_push_front(&t->fifo, t->prev, t->next, pid);
    t->used++;
    if (dirty)
        c->dirty_writebacks++;
    c->to_tier[t->kind]++;
    *cost += t->store_ns;
    m->pg[pid].tier = (uint8_t)(t - m->tiers);
    return 0;
}

static double cq_load(mem_t *m, mem_tier_t *t, uint32_t pid, vmm_counters_t *c)
{
    vmm_dl_remove(&t->fifo, t->prev, t->next, pid);
    t->used--;
    m->pg[pid].tier = MEM_TIER_NONE;
    c->major_by_tier[t->kind]++;
    return t->load_ns;
}

const mem_tier_ops_t mem_tier_compressed = {
    .name = "compressed",
    .reserve = cq_reserve,
    .fini = cq_fini,
    .store = cq_store,
    .load = cq_load,
};
