/* LRU stack distances in O(log M) per reference, for the exact and SHARDS
 * builders. Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for
 * storage hierarchies", IBM Systems Journal 9(2), 1970, define the stack
 * distance; Olken (1981) computes it with a balanced tree keyed by the
 * time of each page's last reference. We use a Fenwick tree over time
 * instead (BACKGROUND.md): position t is marked when the reference at time
 * t is still some key's latest, so the distinct keys referenced since a
 * key's last reference p are the marks after p, and its distance is that
 * count + 1.
 *
 * Time runs out at the tree's size; then we compact: the marks move to
 * positions 0..live-1 in order, and the tree is rebuilt in O(size). The
 * size is kept >= 2 * (live + 1), so at least live references pass between
 * two compactions and their cost is O(1) amortised, while memory stays
 * O(keys present) however long the trace. Ids are dense and recycled
 * (SHARDS fixed-size forgets keys), so per-key arrays are O(keys present)
 * too.
 *
 * The top MRC_SD_TOP keys of the stack live apart in a small ordered array
 * (a move-to-front list), because most references of a program go to its
 * few most recent pages (a cache of 8 frames already hits most references
 * of gzip): such a reference costs a few comparisons and no tree or hash
 * work. A reference below the top moves its key into the array and pushes
 * the array's oldest key out onto the time axis at `now`, which keeps the
 * invariant that every array key is more recent than every marked one. */
#include "mrc_int.h"
#include "util/alloc.h"
#include <string.h>

#define SD_MIN_CAP 1024   /* positions; small enough for tiny tests */

void mrc_sd_init(mrc_sd_t *sd)
{
    memset(sd, 0, sizeof *sd);
    sd->free_id = VMM_HM_NONE;
}

void mrc_sd_fini(mrc_sd_t *sd)
{
    vmm_hm_fini(&sd->ids);
    vmm_free(sd->last);
    vmm_free(sd->at);
    vmm_fw_fini(&sd->fw);
    memset(sd, 0, sizeof *sd);
}

/* Size the time axis for the keys present: a power of two >= 2*(live+1). */
static size_t sd_target_cap(const mrc_sd_t *sd)
{
    size_t need = 2 * ((size_t)sd->live + 1), cap = sd->fw.n;
    if (cap >= need)
        return cap;
    cap = SD_MIN_CAP;
    while (cap < need)
        cap *= 2;
    return cap;
}

/* Move the marks to 0..live-1 keeping their order; allocations first, so a
 * failure leaves everything as it was. */
static int sd_compact(mrc_sd_t *sd)
{
    size_t old = sd->fw.n, cap = sd_target_cap(sd);
    if (cap > sd->at_cap) {
        uint32_t *at = vmm_realloc(sd->at, cap * sizeof *at);
        if (!at)
            return VMM_ENOMEM;
        sd->at = at;
        sd->at_cap = cap;
    }
    vmm_fenwick_t fw = sd->fw;
    if (vmm_fw_resize(&fw, cap))
        return VMM_ENOMEM;
    sd->fw = fw;
    uint32_t j = 0;
    for (size_t p = 0; p < old; p++) {
        uint32_t id = sd->at[p];
        if (id == VMM_HM_NONE)
            continue;
        sd->at[j] = id;
        sd->last[id] = j++;
    }
    memset(sd->at + j, 0xff, (cap - j) * sizeof *sd->at);
    vmm_fw_fill_ones(&sd->fw, j);
    sd->now = j;
    return 0;
}

/* Give `key` an id; nothing changes on failure. */
static int sd_add_key(mrc_sd_t *sd, uint64_t key, uint32_t *id_out)
{
    uint32_t id = sd->free_id != VMM_HM_NONE ? sd->free_id : sd->nids;
    if (id == sd->nids && vmm_grow(&sd->last, &sd->last_cap, (size_t)id + 1, sizeof *sd->last))
        return VMM_ENOMEM;
    if (vmm_hm_put(&sd->ids, key, id))
        return VMM_ENOMEM;
    if (id == sd->free_id)
        sd->free_id = sd->last[id];
    else
        sd->nids++;
    sd->live++;
    *id_out = id;
    return 0;
}

/* Put (key, id) on top of the array, shifting the first `upto` down. */
static void sd_top_push(mrc_sd_t *sd, uint64_t key, uint32_t id, uint32_t upto)
{
    for (uint32_t j = upto; j; j--) {   /* a few entries: cheaper than memmove */
        sd->top_key[j] = sd->top_key[j - 1];
        sd->top_id[j] = sd->top_id[j - 1];
    }
    sd->top_key[0] = key;
    sd->top_id[0] = id;
}

/* Mark id's reference at the newest time position. */
static void sd_mark(mrc_sd_t *sd, uint32_t id)
{
    vmm_fw_add(&sd->fw, sd->now, 1);
    sd->at[sd->now] = id;
    sd->last[id] = sd->now++;
}

static void sd_unmark(mrc_sd_t *sd, uint32_t id)
{
    uint32_t p = sd->last[id];
    vmm_fw_add(&sd->fw, p, -1);
    sd->at[p] = VMM_HM_NONE;
}

int mrc_sd_access(mrc_sd_t *sd, uint64_t key, uint64_t *dist)
{
    for (uint32_t j = 0; j < sd->ntop; j++)
        if (sd->top_key[j] == key) {
            *dist = j + 1;
            sd_top_push(sd, key, sd->top_id[j], j);
            return 0;
        }
    if (sd->now == sd->fw.n) {
        int rc = sd_compact(sd);
        if (rc)
            return rc;
    }
    uint32_t id = vmm_hm_get(&sd->ids, key);
    if (id == VMM_HM_NONE) {
        int rc = sd_add_key(sd, key, &id);
        if (rc)
            return rc;
        *dist = 0;
    } else {
        uint32_t marks = sd->live - sd->ntop;
        *dist = (uint64_t)sd->ntop + (marks - vmm_fw_prefix(&sd->fw, sd->last[id])) + 1;
        sd_unmark(sd, id);
    }
    uint32_t upto = sd->ntop;
    if (upto == MRC_SD_TOP)
        sd_mark(sd, sd->top_id[--upto]);
    else
        sd->ntop++;
    sd_top_push(sd, key, id, upto);
    return 0;
}

int mrc_sd_remove(mrc_sd_t *sd, uint64_t key)
{
    uint32_t id = vmm_hm_get(&sd->ids, key);
    if (id == VMM_HM_NONE)
        return 0;
    uint32_t j = 0;
    while (j < sd->ntop && sd->top_key[j] != key)
        j++;
    if (j < sd->ntop) {
        sd->ntop--;
        memmove(sd->top_key + j, sd->top_key + j + 1, (sd->ntop - j) * sizeof *sd->top_key);
        memmove(sd->top_id + j, sd->top_id + j + 1, (sd->ntop - j) * sizeof *sd->top_id);
    } else {
        sd_unmark(sd, id);
    }
    vmm_hm_del(&sd->ids, key);
    sd->last[id] = sd->free_id;
    sd->free_id = id;
    sd->live--;
    return 1;
}

size_t mrc_sd_mem(const mrc_sd_t *sd)
{
    return sd->ids.cap * (sizeof *sd->ids.keys + sizeof *sd->ids.vals) +
           sd->last_cap * sizeof *sd->last + sd->at_cap * sizeof *sd->at +
           (sd->fw.t ? (sd->fw.n + 1) * sizeof *sd->fw.t : 0);
}
