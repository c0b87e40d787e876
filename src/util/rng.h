/* Deterministic pseudo-random numbers: splitmix64 to seed xoshiro256**
 * (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
 * 2021). Same seed, same sequence, on every platform. Header-only because it
 * sits on hot paths (Random policy, generators). */
#ifndef VMM_UTIL_RNG_H
#define VMM_UTIL_RNG_H

#include <stdint.h>

typedef struct vmm_rng { uint64_t s[4]; } vmm_rng_t;

static inline uint64_t vmm_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void vmm_rng_seed(vmm_rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = vmm_splitmix64(&seed);
}

static inline uint64_t vmm_rng_next(vmm_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint64_t vmm_rng_below(vmm_rng_t *r, uint64_t n)
{
    uint64_t x = vmm_rng_next(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            x = vmm_rng_next(r);
            m = (__uint128_t)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1). */
static inline double vmm_rng_double(vmm_rng_t *r)
{
    return (double)(vmm_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
