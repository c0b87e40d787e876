/* Open-addressing hash map from 64-bit keys to 32-bit values (linear
 * probing, backward-shift deletion, power-of-two capacity, load <= 1/2).
 * Used for page identity (address space + page number -> page id) and for
 * policies' ghost entries. Memory grows with the number of keys only. */
#ifndef VMM_UTIL_HASHMAP_H
#define VMM_UTIL_HASHMAP_H

#include <stdint.h>
#include <stddef.h>

#define VMM_HM_NONE UINT32_MAX

typedef struct vmm_hashmap {
    uint64_t *keys;     /* key + 1; 0 marks an empty slot */
    uint32_t *vals;
    size_t cap;         /* slots, a power of two (0 before first insert) */
    size_t count;
} vmm_hashmap_t;

/* Zero-initialised is a valid empty map; vmm_hm_init reserves `hint` keys. */
int vmm_hm_init(vmm_hashmap_t *m, size_t hint);
void vmm_hm_fini(vmm_hashmap_t *m);
/* Value for key, or VMM_HM_NONE. Key UINT64_MAX is not allowed. */
uint32_t vmm_hm_get(const vmm_hashmap_t *m, uint64_t key);
/* Insert or overwrite. Returns 0 or VMM_ENOMEM (map unchanged). */
int vmm_hm_put(vmm_hashmap_t *m, uint64_t key, uint32_t val);
/* Remove key; returns 1 if it was there. */
int vmm_hm_del(vmm_hashmap_t *m, uint64_t key);
void vmm_hm_clear(vmm_hashmap_t *m);

static inline uint64_t vmm_hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
