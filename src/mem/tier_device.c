/* A swap device (SSD, disk, or a single machine's swap partition): pages
 * written to it take slots, up to its capacity, under one of two rules
 * (mem.h): MEM_SLOTS_OUT, a page holds a slot while it is out of DRAM and
 * every page leaving DRAM is written (the hypervisor's swap file: the host
 * cannot tell a guest page's contents are already somewhere); or
 * MEM_SLOTS_WRITTEN, a page that has been written gets a slot at its first
 * write-out and keeps it, so a clean page leaving DRAM writes nothing (a
 * clean page never written comes back from its backing file at the same
 * cost). Either way a fault from the device is a swap-in at `load_ns`. */
#include "mem.h"

static int dev_store(mem_t *m, mem_tier_t *t, uint32_t pid, int dirty, vmm_counters_t *c,
                     double *cost)
{
    mem_page_t *pg = &m->pg[pid];
    int write;
    if (t->slots == MEM_SLOTS_OUT) {
        if (t->used >= t->cap)
            return VMM_EIO;
        t->used++;
        write = 1;
    } else {
        if (dirty)
            pg->flags |= MP_WRITTEN;
        if ((pg->flags & (MP_WRITTEN | MP_SLOT)) == MP_WRITTEN) {
            if (t->used >= t->cap)
                return VMM_EIO;
            t->used++;
            pg->flags |= MP_SLOT;
        }
        write = dirty;
    }
    if (dirty)
        c->dirty_writebacks++;
    if (write) {
        c->swap_outs++;
        c->to_tier[t->kind]++;
        *cost += t->store_ns;
    }
    pg->tier = (uint8_t)(t - m->tiers);
    return 0;
}

static double dev_load(mem_t *m, mem_tier_t *t, uint32_t pid, vmm_counters_t *c)
{
    if (t->slots == MEM_SLOTS_OUT)
        t->used--;
    m->pg[pid].tier = MEM_TIER_NONE;
    c->swap_ins++;
    c->major_by_tier[t->kind]++;
    return t->load_ns;
}

const mem_tier_ops_t mem_tier_device = {
    .name = "device",
    .store = dev_store,
    .load = dev_load,
};
