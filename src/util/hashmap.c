/* Open-addressing hash map; see hashmap.h. Deletion shifts later entries
 * of the probe run back (Knuth vol. 3, algorithm R) so there are no
 * tombstones and lookups stay short under churn (ghost lists). */
#include "hashmap.h"
#include "alloc.h"
#include "vmmsim/error.h"
#include <string.h>

static int hm_resize(vmm_hashmap_t *m, size_t cap)
{
    uint64_t *k = vmm_calloc(cap, sizeof *k);
    uint32_t *v = vmm_malloc(cap * sizeof *v);
    if (!k || !v) {
        vmm_free(k);
        vmm_free(v);
        return VMM_ENOMEM;
    }
    size_t mask = cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = vmm_hash64(m->keys[i] - 1) & mask;
        while (k[j])
            j = (j + 1) & mask;
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    vmm_free(m->keys);
    vmm_free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return 0;
}

int vmm_hm_init(vmm_hashmap_t *m, size_t hint)
{
    memset(m, 0, sizeof *m);
    size_t cap = 16;
    while (cap < hint * 2)
        cap *= 2;
    return hm_resize(m, cap);
}

void vmm_hm_fini(vmm_hashmap_t *m)
{
    vmm_free(m->keys);
    vmm_free(m->vals);
    memset(m, 0, sizeof *m);
}

uint32_t vmm_hm_get(const vmm_hashmap_t *m, uint64_t key)
{
    if (!m->cap)
        return VMM_HM_NONE;
    size_t mask = m->cap - 1, i = vmm_hash64(key) & mask;
    for (;;) {
        uint64_t k = m->keys[i];
        if (k == key + 1)
            return m->vals[i];
        if (!k)
            return VMM_HM_NONE;
        i = (i + 1) & mask;
    }
}

int vmm_hm_put(vmm_hashmap_t *m, uint64_t key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        int rc = hm_resize(m, m->cap ? m->cap * 2 : 16);
        if (rc)
            return rc;
    }
    size_t mask = m->cap - 1, i = vmm_hash64(key) & mask;
    while (m->keys[i] && m->keys[i] != key + 1)
        i = (i + 1) & mask;
    if (!m->keys[i]) {
        m->keys[i] = key + 1;
        m->count++;
    }
    m->vals[i] = val;
    return 0;
}

int vmm_hm_del(vmm_hashmap_t *m, uint64_t key)
{
    if (!m->cap)
        return 0;
    size_t mask = m->cap - 1, i = vmm_hash64(key) & mask;
    while (m->keys[i] != key + 1) {
        if (!m->keys[i])
            return 0;
        i = (i + 1) & mask;
    }
    /* Backward shift: move up any later entry whose home slot is not in
     * the cyclic range (i, j]. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->keys[j])
            break;
        size_t home = vmm_hash64(m->keys[j] - 1) & mask;
        if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
            continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        i = j;
    }
    m->keys[i] = 0;
    m->count--;
    return 1;
}

void vmm_hm_clear(vmm_hashmap_t *m)
{
    if (m->cap)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->count = 0;
}
