/* LRU stack distances in O(log M) per reference, for the exact and SHARDS
 * builders. Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for
 * storage hierarchies", IBM Systems Journal 9(2), 1970, define the stack
 * distance; Olken (1981) computes it with a balanced tree keyed by the
 * time of each page's last reference. We use a bit set over time instead
 * (BACKGROUND.md): position t is marked when the reference at time t is
 * still some key's latest, so the distinct keys referenced since a key's
 * last reference p are the marks after p, and its distance is that count
 * + 1.
 *
 * Counting the marks: a Fenwick tree (fenwick.h) over the bit set's 64-bit
 * WORDS, plus a popcount inside the word, the layout of rank structures
 * for succinct bit vectors (Jacobson, FOCS 1989; Vigna, "Broadword
 * implementation of rank/select queries", WEA 2008). Moving a key's mark
 * is two bit flips and at most two updates of a tree 64 times smaller than
 * one over positions: with 1M pages the bit set (256 KB) and the tree
 * (128 KB) stay in the L2 cache, where a tree over positions (8 MB) cost
 * several cache misses a reference (exact on the 50M-reference zipf trace
 * of `make bench`: 12.2 s to 8.5 s from this alone, docs/mrc.md).
 *
 * Time runs out at the bit set's size; then we compact: the marks move to
 * positions 0..marks-1 in order (a mark's new position is its rank, read
 * off the old bit set), and the tree is rebuilt in O(size). The size is
 * kept >= 2 * (live + 1), so at least live references pass between two
 * compactions and their cost is O(1) amortised, while memory stays
 * O(keys present) however long the trace.
 *
 * Keys live in the engine's own hash table (linear probing, backward-shift
 * deletion as hashmap.c), each entry holding the key and its mark position
 * in one 16-byte slot: one cache line per lookup, where a key -> id map
 * plus an id -> position array cost three. With the position in the entry
 * no position -> key array is needed either (compaction walks the table).
 *
 * The top MRC_SD_TOP keys of the stack live apart in a small ordered array
 * (a move-to-front list), because most references of a program go to its
 * few most recent pages (a cache of 8 frames already hits most references
 * of gzip): such a reference costs a few comparisons and no tree or hash
 * work. A reference below the top moves its key into the array and pushes
 * the array's oldest key out onto the time axis at `now`, which keeps the
 * invariant that every array key is more recent than every marked one.
 * The array keeps each key's slot so the push-out needs no lookup. */
#include "mrc_int.h"
#include "util/alloc.h"
#include <stdint.h>
#include <string.h>

#define SD_MIN_WORDS 16     /* 1024 positions; small enough for tiny tests */
#define SD_MIN_SLOTS 16

void mrc_sd_init(mrc_sd_t *sd)
{
    memset(sd, 0, sizeof *sd);
}

void mrc_sd_fini(mrc_sd_t *sd)
{
    vmm_free(sd->tab);
    vmm_free(sd->bits);
    vmm_fw_fini(&sd->fw);
    memset(sd, 0, sizeof *sd);
}

/* --- the hash table ------------------------------------------------------- */

/* The slot holding `key`, or the empty slot where it would go (tab_cap > 0). */
static size_t sd_slot(const mrc_sd_t *sd, uint64_t key)
{
    size_t mask = sd->tab_cap - 1, i = vmm_hash64(key) & mask;
    while (sd->tab[i].pos != MRC_SD_POS_EMPTY && sd->tab[i].key != key)
        i = (i + 1) & mask;
    return i;
}

/* Slots move when the table grows or an entry is deleted. */
static void sd_top_reslot(mrc_sd_t *sd)
{
    for (uint32_t j = 0; j < sd->ntop; j++)
        sd->top_slot[j] = (uint32_t)sd_slot(sd, sd->top_key[j]);
}

/* Double the table (allocation first: on failure nothing changes). */
static int sd_tab_grow(mrc_sd_t *sd)
{
    size_t cap = sd->tab_cap ? 2 * sd->tab_cap : SD_MIN_SLOTS;
    if (cap > (size_t)UINT32_MAX + 1)
        return VMM_ENOMEM;   /* top_slot holds 32-bit slots */
    mrc_sd_ent *t = vmm_malloc(cap * sizeof *t);
    if (!t)
        return VMM_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        t[i].pos = MRC_SD_POS_EMPTY;
    size_t mask = cap - 1;
    for (size_t i = 0; i < sd->tab_cap; i++) {
        if (sd->tab[i].pos == MRC_SD_POS_EMPTY)
            continue;
        size_t j = vmm_hash64(sd->tab[i].key) & mask;
        while (t[j].pos != MRC_SD_POS_EMPTY)
            j = (j + 1) & mask;
        t[j] = sd->tab[i];
    }
    vmm_free(sd->tab);
    sd->tab = t;
    sd->tab_cap = cap;
    sd_top_reslot(sd);
    return 0;
}

/* Empty slot i, shifting back the later entries of its probe run that
 * would otherwise become unreachable (Knuth vol. 3, 6.4 algorithm R). */
static void sd_tab_del(mrc_sd_t *sd, size_t i)
{
    size_t mask = sd->tab_cap - 1;
    for (size_t j = (i + 1) & mask; sd->tab[j].pos != MRC_SD_POS_EMPTY; j = (j + 1) & mask) {
        size_t h = vmm_hash64(sd->tab[j].key) & mask;
        /* The entry at j may move to i iff its home h is not in (i, j]. */
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            sd->tab[i] = sd->tab[j];
            i = j;
        }
    }
    sd->tab[i].pos = MRC_SD_POS_EMPTY;
}

/* --- the time axis ---------------------------------------------------------- */

/* Words of the time axis for the keys present: a power of two with
 * 64 * words >= 2 * (live + 1). */
static size_t sd_target_words(const mrc_sd_t *sd)
{
    size_t need = (2 * ((size_t)sd->live + 1) + 63) / 64, w = sd->fw.n;
    if (w >= need)
        return w;
    w = SD_MIN_WORDS;
    while (w < need)
        w *= 2;
    return w;
}

/* Set bits of a word, by the broadword (SWAR) count of Hacker's Delight
 * 5-1: the build targets baseline x86-64, where __builtin_popcountll is a
 * call into libgcc (3% of exact's time on the zipf trace). */
static uint32_t sd_popcount(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* Bits of `word` strictly below bit b. */
static uint64_t sd_below(uint64_t word, uint32_t b)
{
    return word & (((uint64_t)1 << b) - 1);
}

/* Move the marks to 0..marks-1 keeping their order; allocations first, so
 * a failure leaves everything as it was. */
static int sd_compact(mrc_sd_t *sd)
{
    size_t old = sd->fw.n, nw = sd_target_words(sd);
    if (nw > sd->bits_cap) {
        uint64_t *b = vmm_realloc(sd->bits, nw * sizeof *b);
        if (!b)
            return VMM_ENOMEM;
        sd->bits = b;
        sd->bits_cap = nw;
    }
    if (vmm_fw_reserve(&sd->fw, nw))
        return VMM_ENOMEM;
    /* The tree's array (>= old + 1 entries) now holds, per old word, the
     * marks before it; a mark's new position is its rank. */
    uint32_t *before = sd->fw.t, run = 0;
    for (size_t w = 0; w < old; w++) {
        before[w] = run;
        run += sd_popcount(sd->bits[w]);
    }
    for (size_t i = 0; i < sd->tab_cap; i++) {
        uint32_t p = sd->tab[i].pos;
        if (p < MRC_SD_POS_TOP)
            sd->tab[i].pos = before[p / 64] +
                             sd_popcount(sd_below(sd->bits[p / 64], p % 64));
    }
    for (size_t w = 0; w < nw; w++) {
        size_t lo = 64 * w;
        uint64_t word = run >= lo + 64 ? ~(uint64_t)0
                        : run <= lo    ? 0
                                       : ((uint64_t)1 << (run - lo)) - 1;
        sd->bits[w] = word;
        sd->fw.t[w + 1] = sd_popcount(word);
    }
    vmm_fw_build(&sd->fw, nw);
    sd->now = run;
    return 0;
}

/* Marks after position p (exclusive): all marks minus those at 0..p. */
static uint32_t sd_marks_after(const mrc_sd_t *sd, uint32_t p)
{
    uint32_t marks = sd->live - sd->ntop;
    uint32_t upto = vmm_fw_prefix_before(&sd->fw, p / 64) +
                    sd_popcount(sd_below(sd->bits[p / 64], p % 64)) + 1;
    return marks - upto;
}

/* Put (key, slot) on top of the array, shifting the first `upto` down. */
static void sd_top_push(mrc_sd_t *sd, uint64_t key, uint32_t slot, uint32_t upto)
{
    for (uint32_t j = upto; j; j--) {   /* a few entries: cheaper than memmove */
        sd->top_key[j] = sd->top_key[j - 1];
        sd->top_slot[j] = sd->top_slot[j - 1];
    }
    sd->top_key[0] = key;
    sd->top_slot[0] = slot;
}

int mrc_sd_access(mrc_sd_t *sd, uint64_t key, uint64_t *dist)
{
    for (uint32_t j = 0; j < sd->ntop; j++)
        if (sd->top_key[j] == key) {
            *dist = j + 1;
            sd_top_push(sd, key, sd->top_slot[j], j);
            return 0;
        }
    int rc;
    if (sd->now == 64 * sd->fw.n && (rc = sd_compact(sd)))
        return rc;
    size_t i = sd->tab_cap ? sd_slot(sd, key) : 0;
    size_t unmark = SIZE_MAX;   /* word whose count drops, if any */
    if (!sd->tab_cap || sd->tab[i].pos == MRC_SD_POS_EMPTY) {
        if (2 * ((size_t)sd->live + 1) > sd->tab_cap) {
            if ((rc = sd_tab_grow(sd)))
                return rc;
            i = sd_slot(sd, key);
        }
        sd->tab[i].key = key;
        sd->live++;
        *dist = 0;
    } else {
        uint32_t p = sd->tab[i].pos;
        *dist = (uint64_t)sd->ntop + sd_marks_after(sd, p) + 1;
        sd->bits[p / 64] &= ~((uint64_t)1 << (p % 64));
        unmark = p / 64;
    }
    sd->tab[i].pos = MRC_SD_POS_TOP;
    uint32_t upto = sd->ntop;
    if (upto == MRC_SD_TOP) {
        /* The array's oldest key goes onto the time axis at `now`. */
        uint32_t t = sd->now++;
        sd->tab[sd->top_slot[--upto]].pos = t;
        sd->bits[t / 64] |= (uint64_t)1 << (t % 64);
        if (unmark != t / 64) {   /* same word: its count is unchanged */
            vmm_fw_add(&sd->fw, t / 64, 1);
            if (unmark != SIZE_MAX)
                vmm_fw_add(&sd->fw, unmark, -1);
        }
    } else {
        sd->ntop++;
        if (unmark != SIZE_MAX)
            vmm_fw_add(&sd->fw, unmark, -1);
    }
    sd_top_push(sd, key, (uint32_t)i, upto);
    return 0;
}

int mrc_sd_remove(mrc_sd_t *sd, uint64_t key)
{
    if (!sd->tab_cap)
        return 0;
    size_t i = sd_slot(sd, key);
    uint32_t p = sd->tab[i].pos;
    if (p == MRC_SD_POS_EMPTY)
        return 0;
    if (p == MRC_SD_POS_TOP) {
        uint32_t j = 0;
        while (sd->top_key[j] != key)
            j++;
        sd->ntop--;
        memmove(sd->top_key + j, sd->top_key + j + 1, (sd->ntop - j) * sizeof *sd->top_key);
        memmove(sd->top_slot + j, sd->top_slot + j + 1, (sd->ntop - j) * sizeof *sd->top_slot);
    } else {
        sd->bits[p / 64] &= ~((uint64_t)1 << (p % 64));
        vmm_fw_add(&sd->fw, p / 64, -1);
    }
    sd_tab_del(sd, i);
    sd->live--;
    sd_top_reslot(sd);
    return 1;
}

size_t mrc_sd_mem(const mrc_sd_t *sd)
{
    return sd->tab_cap * sizeof *sd->tab + sd->bits_cap * sizeof *sd->bits +
           (sd->fw.t ? (sd->fw.n + 1) * sizeof *sd->fw.t : 0);
}
