/* A tiny, independent driver for policy ops, used by policy unit tests:
 * feeds a sequence of page keys through a policy exactly as the engine's
 * contract in vmmsim/policy.h says (hit -> on_hit; fault -> free frame or
 * victim, then on_insert) and returns the number of faults. It shares no
 * code with the engine, so engine and policy are checked separately. */
#ifndef VMM_TEST_POLICY_SIM_H
#define VMM_TEST_POLICY_SIM_H

#include "vmmsim/policy.h"
#include "util/hashmap.h"
#include <stdlib.h>
#include <string.h>

/* Run `keys[0..n)` (writes where writes[i] != 0; writes may be NULL)
 * through `ops` with `nframes` frames. Returns faults, or -1 on init error. */
static inline long long policy_sim_run(const vmm_policy_ops *ops, uint32_t nframes,
                                       const char *params, const uint64_t *keys,
                                       const uint8_t *writes, size_t n)
{
    vmm_hashmap_t where = {0}, dense = {0}, last = {0};
    uint64_t *frame_key = calloc(nframes, sizeof *frame_key);
    uint8_t *dirty = calloc(nframes, 1);
    uint64_t *next = NULL, cleaned = 0;
    uint32_t *freel = malloc(nframes * sizeof *freel), nfree = nframes, npages = 0;
    for (uint32_t f = 0; f < nframes; f++)
        freel[f] = nframes - 1 - f;   /* pop order 0, 1, 2, ... */
    long long faults = 0;
    if (ops->flags & VMM_POLICY_FUTURE) {
        /* next_use by a backward pass; hashmap values are u32, so store index+1 */
        next = malloc((n ? n : 1) * sizeof *next);
        for (size_t i = n; i-- > 0;) {
            uint32_t j = vmm_hm_get(&last, keys[i]);
            next[i] = j == VMM_HM_NONE ? VMM_NEVER : (uint64_t)j;
            vmm_hm_put(&last, keys[i], (uint32_t)i);
        }
    }
    vmm_policy_t p;
    vmm_policy_cfg_t cfg = {.nframes = nframes, .seed = 42, .params = params,
                            .env = {.dirty = dirty, .cleaned = &cleaned}};
    if (vmm_policy_init(&p, ops, &cfg, NULL)) {
        faults = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t pid = vmm_hm_get(&dense, keys[i]);
        if (pid == VMM_HM_NONE) {
            pid = npages++;
            vmm_hm_put(&dense, keys[i], pid);
            if (ops->reserve_pages)
                ops->reserve_pages(p.st, npages);
        }
        vmm_pref_t r = {.key = keys[i], .now = i, .page = pid,
                        .next_use = next ? next[i] : VMM_NEVER,
                        .write = writes ? writes[i] : 0};
        uint32_t f = vmm_hm_get(&where, keys[i]);
        if (f != VMM_HM_NONE) {
            r.frame = f;
            ops->on_hit(p.st, &r);
        } else {
            faults++;
            if (nfree) {
                f = freel[--nfree];
            } else {
                f = ops->victim(p.st, &r);
                vmm_hm_del(&where, frame_key[f]);
                dirty[f] = 0;
            }
            r.frame = f;
            if (ops->on_insert(p.st, &r) == VMM_POLICY_BYPASS) {
                freel[nfree++] = f;   /* declined: the frame stays free */
                continue;
            }
            frame_key[f] = keys[i];
            vmm_hm_put(&where, keys[i], f);
        }
        if (r.write)
            dirty[f] = 1;
    }
    vmm_policy_fini(&p);
out:
    vmm_hm_fini(&where);
    vmm_hm_fini(&dense);
    vmm_hm_fini(&last);
    free(frame_key);
    free(dirty);
    free(next);
    free(freel);
    return faults;
}

#endif
