/* Private interface of the trace generators (src/gen/).
 *
 * A generator is a list of parts and a list of processes. A part is one
 * pattern with its parsed keys ("conf", plus any shared tables the pattern
 * builds once, such as the Zipf alias table); a plain spec has one part, a
 * mix one per component. Each process runs one part's pattern with its own
 * small state and its own random streams, so p processes of one pattern
 * share the conf but never the state.
 *
 * gen.c owns the spec grammar, the registry, the process schedule and the
 * conversion of page numbers into records (offset, size, op); a pattern file
 * only turns its per-process state into the next page numbers. Keys are
 * described by tables (gen_key) so parsing, defaults and validation are
 * written once, in gen_spec.c. */
#ifndef VMM_GEN_INT_H
#define VMM_GEN_INT_H

#include <stddef.h>
#include <stdint.h>
#include "vmmsim/gen.h"
#include "util/rng.h"

#define GEN_CHUNK 256               /* page numbers a pattern makes per call, at most */
#define GEN_MAX_PROCS (1u << 20)    /* processes in one generator, all parts */
#define GEN_MAX_LIST 65536          /* items in a ';' list (phases) */

/* How a key's value is written and stored. */
typedef enum gen_key_type {
    GEN_COUNT,   /* uint64_t: integer, suffixes K/M/G/T are powers of 1000 */
    GEN_SIZE,    /* uint64_t bytes: plain number times `unit`, or K/M/G/T = 2^10.. */
    GEN_SEED,    /* uint64_t: decimal or 0x hex, any value */
    GEN_FRAC,    /* double in [0, 1] */
    GEN_POS,     /* double > 0, finite */
    GEN_BOOL,    /* int: 0/1, yes/no, true/false, on/off */
    GEN_LIST,    /* gen_list: counts separated by ';', each in [min, max] */
} gen_key_type;

/* Where a common key may appear. Pattern keys are allowed wherever their
 * pattern is. */
enum {
    GEN_CTX_TOP = 1u << 0,    /* "pattern:..." on its own */
    GEN_CTX_MIX = 1u << 1,    /* a key-only part of a mix: applies to all */
    GEN_CTX_PART = 1u << 2,   /* a component of a mix */
};

typedef struct gen_list {
    size_t n;       /* items, >= 1 once parsed */
    uint64_t *v;    /* owned; freed by gen_keys_release() */
} gen_list;

typedef struct gen_key {
    const char *name;
    const char *alias;   /* another accepted spelling, or NULL */
    gen_key_type type;
    size_t off;          /* offset of the value inside the conf struct */
    const char *def;     /* default, in spec syntax; NULL: 0, the pattern decides */
    uint64_t min, max;   /* COUNT, SIZE, LIST: accepted range; max 0 = no limit */
    uint64_t unit;       /* SIZE: bytes per plain number (1 or 2^20) */
    unsigned ctx;        /* common keys: GEN_CTX_* where allowed */
} gen_key;

/* Keys every pattern accepts (not all in every context: see common_keys). */
typedef struct gen_common {
    uint64_t n;        /* references in the whole trace */
    uint64_t p;        /* processes running this pattern */
    uint64_t a;        /* address space per process in bytes; 0 = default */
    uint64_t seed;
    uint64_t page;     /* page size in bytes, a power of two */
    double w;          /* fraction of references that write */
    uint64_t burst;    /* consecutive references per process turn */
    uint64_t weight;   /* mix component: turns are burst*weight long */
} gen_common;

/* What a pattern learns when it is prepared. */
typedef struct gen_env {
    uint64_t span;     /* pages in each process's address space */
    uint64_t seed;     /* for set-up randomness shared by the part's processes */
} gen_env;

/* A pattern. The conf is zeroed, filled with the key defaults, then with
 * the spec's keys; prepare() checks keys against each other and builds any
 * shared tables; start() sets up one process's state (zeroed before);
 * fill() writes the next n (<= GEN_CHUNK) page numbers of that process, each
 * < span. fill() must consume its random stream reference by reference, so
 * the output does not depend on how callers split their reads. */
typedef struct gen_pattern {
    const char *name;
    const char *alias;            /* another accepted name, or NULL */
    const gen_key *keys;          /* terminated by a NULL name */
    size_t conf_size;
    size_t state_size;            /* per process; may be 0 */
    /* Pages the pattern needs in the address space; 0 = it adapts to any. */
    uint64_t (*footprint)(const void *conf);
    int (*prepare)(void *conf, const gen_env *env, vmm_err_t *err);   /* may be NULL */
    void (*release)(void *conf);                                      /* may be NULL */
    void (*start)(const void *conf, void *st, vmm_rng_t *rng);        /* may be NULL */
    void (*fill)(const void *conf, void *st, vmm_rng_t *rng, uint64_t *pages, size_t n);
} gen_pattern;

/* The patterns, one file each; gen.c's registry lists them in help order. */
extern const gen_pattern gen_sequential, gen_random, gen_working_set, gen_locality,
    gen_thrashing, gen_zipf, gen_loop, gen_phases;

/* One part: a pattern, its conf and the common keys that apply to it. */
typedef struct gen_part {
    const gen_pattern *pat;
    void *conf;         /* pat->conf_size bytes, owned */
    gen_common c;
    uint64_t span;      /* address-space pages, settled by gen.c */
} gen_part;

/* --- gen_spec.c: key tables ------------------------------------------ */

extern const gen_key gen_common_keys[];

/* Report a bad spec: fills `err` (offset = byte offset in the spec, or -1)
 * and returns VMM_EINVAL. */
int gen_bad(vmm_err_t *err, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Narrow spec[*from, *to) to leave out blanks (spaces, tabs) at both ends. */
void gen_trim(const char *spec, size_t *from, size_t *to);

/* Apply the defaults of `keys` to `dst`. 0 or VMM_ENOMEM. */
int gen_keys_defaults(const gen_key *keys, void *dst, vmm_err_t *err);

/* Free the lists that `keys` describe inside `dst` (safe when unset). */
void gen_keys_release(const gen_key *keys, void *dst);

/* Parse the items "k=v,k=v" of spec[from, to): pattern keys into `conf`
 * (pattern may be NULL for a key-only part) and common keys allowed in
 * `ctx` into `c`. `where` names the part in messages. 0 or VMM_E*. */
int gen_parse_items(const char *spec, size_t from, size_t to, const gen_pattern *pat,
                    void *conf, gen_common *c, unsigned ctx, const char *where,
                    vmm_err_t *err);

/* --- gen.c: building ------------------------------------------------- */

/* The registry, NULL-terminated (mix is not in it: it is not a pattern of
 * pages but a way to combine them). */
const gen_pattern *const *gen_registry(void);

/* Find a pattern by name or alias, ignoring case; NULL if none. */
const gen_pattern *gen_find(const char *name, size_t len);

/* Parse the part "pattern[:items]" in spec[from, to) into `part`, starting
 * from the common values `base`. `where` prefixes messages ("" or
 * "mix part 2: "). On failure the part holds nothing to free. */
int gen_parse_part(const char *spec, size_t from, size_t to, const gen_common *base,
                   unsigned ctx, const char *where, gen_part *part, vmm_err_t *err);

/* Free what a part owns (its conf, lists and tables). */
void gen_part_release(gen_part *part);

/* --- pat_mix.c ------------------------------------------------------- */

/* Parse the body of "mix:body" (spec[from, to)) into a newly allocated
 * array of parts (*parts, *nparts), every part carrying the mix-wide keys.
 * On failure nothing is left allocated. */
int gen_mix_parse(const char *spec, size_t from, size_t to, gen_part **parts,
                  size_t *nparts, vmm_err_t *err);

/* --- helpers for patterns --------------------------------------------- */

/* Seed `r` for stream `index` of kind `domain` under the user's seed, so
 * every process and part gets its own independent sequence. */
void gen_stream_seed(vmm_rng_t *r, uint64_t seed, uint64_t domain, uint64_t index);

/* A probability in [0, 1] as a threshold t in [0, 2^32]: an event happens
 * when (vmm_rng_next() >> 32) < t. Integer-only at run time, so exact and
 * the same on every machine. */
static inline uint64_t gen_prob32(double p)
{
    return (uint64_t)(p * 4294967296.0 + 0.5);
}

/* The cyclic walk 0, 1, ..., pages-1, 0, ... that sequential and thrashing
 * share (pat_sequential.c); they differ only in the default of `pages`. */
typedef struct gen_cycle_conf {
    uint64_t pages;   /* key: length of the cycle */
} gen_cycle_conf;

typedef struct gen_cycle_state {
    uint64_t next;    /* page of the next reference */
} gen_cycle_state;

uint64_t gen_cycle_footprint(const void *conf);
void gen_cycle_fill(const void *conf, void *st, vmm_rng_t *rng, uint64_t *out, size_t n);

#endif
