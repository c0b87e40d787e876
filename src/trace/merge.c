/* Several traces read as one (vmm_trace_open_merged): each keeps its own
 * address spaces and the traces take turns.
 *
 * Trace i of n maps its asid a to a * n + i, a bijection, so traces
 * without asids (lackey logs, one process each) become asids 0..n-1 in the
 * order given and traces that have asids keep them apart too. Turns go
 * round robin in that order, `burst` records each (after data_only
 * filtering, which each input applies itself), like the generators' mixes
 * of processes (docs/generators.md); an input that ends drops out. The
 * interleaving therefore depends only on the inputs and burst, never on
 * how callers batch their reads.
 *
 * The merged reader is a vmm_trace_t whose ops read from the inputs'
 * readers; its own byte source stays closed. Memory: one reader (one
 * block) per input. */
#include "trace/trace_int.h"
#include "util/alloc.h"
#include <string.h>

typedef struct merge {
    vmm_trace_t **in;   /* n readers; NULL once an input has ended */
    size_t n, live;     /* inputs, inputs not yet ended */
    size_t cur;         /* whose turn it is */
    uint32_t burst;     /* records per turn */
    uint32_t left;      /* records left in this turn */
} merge;

static long merge_read(vmm_trace_t *t, vmm_ref_t *out, size_t n, vmm_err_t *err)
{
    merge *m = t->st;
    size_t k = 0;
    while (k < n && m->live) {
        vmm_trace_t *in = m->in[m->cur];
        size_t want = n - k < m->left ? n - k : m->left;
        long got = in ? vmm_trace_read(in, out + k, want, err) : 0;
        if (got < 0)
            return vmm_trace_defer(t, (long)k, (int)got, err);
        for (long i = 0; i < got; i++) {
            uint64_t a = (uint64_t)out[k + i].asid * m->n + m->cur;
            if (a > UINT32_MAX) {
                int rc = vmm_err_set(err, VMM_ERANGE, in->src.name, 0, -1,
                                     "asid %u of input %zu of %zu does not fit in 32 bits "
                                     "once merged (asid * %zu + %zu)", out[k + i].asid,
                                     m->cur + 1, m->n, m->n, m->cur);
                return vmm_trace_defer(t, (long)k + i, rc, err);
            }
            out[k + i].asid = (uint32_t)a;
        }
        k += (size_t)got;
        m->left -= (uint32_t)got;
        if (got == 0 && in) {   /* this input has ended */
            vmm_trace_close(in);
            m->in[m->cur] = NULL;
            m->live--;
        }
        if (got == 0 || m->left == 0) {
            m->cur = (m->cur + 1) % m->n;
            m->left = m->burst;
        }
    }
    return (long)k;
}

static void merge_fini(vmm_trace_t *t)
{
    merge *m = t->st;
    if (!m)
        return;
    for (size_t i = 0; m->in && i < m->n; i++)
        vmm_trace_close(m->in[i]);
    vmm_free(m->in);
}

static const vmm_fmt_ops_t merge_ops = {
    .name = "merge",
    .read = merge_read,
    .fini = merge_fini,
};

int vmm_trace_open_merged(const char *const *paths, size_t n, const vmm_trace_opts_t *opts,
                          vmm_trace_t **out, vmm_err_t *err)
{
    vmm_err_clear(err);
    if (out)
        *out = NULL;
    if (!paths || !n || !out)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no traces to merge");
    if (n > UINT32_MAX)
        return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "too many traces to merge");
    vmm_trace_t *t = vmm_calloc(1, sizeof *t);
    merge *m = vmm_calloc(1, sizeof *m);
    vmm_trace_t **in = vmm_calloc(n, sizeof *in);
    if (!t || !m || !in) {
        vmm_free(t);
        vmm_free(m);
        vmm_free(in);
        return vmm_err_set(err, VMM_ENOMEM, paths[0], 0, -1, "out of memory");
    }
    t->src.fd = -1;
    t->ops = &merge_ops;
    t->st = m;
    m->in = in;
    m->n = m->live = n;
    m->burst = m->left = opts && opts->burst ? opts->burst : 1;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = vmm_trace_open(paths[i], opts, &in[i], err);
    if (rc) {
        vmm_trace_close(t);
        return rc;
    }
    /* the inputs' common format and page size, or "mixed" and 0 */
    t->shown = vmm_trace_format_name(in[0]);
    t->page_size = vmm_trace_page_size(in[0]);
    t->paged = t->page_size != 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(t->shown, vmm_trace_format_name(in[i])))
            t->shown = "mixed";
        if (vmm_trace_page_size(in[i]) != t->page_size)
            t->paged = 0;
    }
    *out = t;
    return 0;
}
