/* Running a whole trace or generator through the engine, in batches.
 *
 * References are decoded into a fixed array of RUN_BATCH records and fed
 * to vmm_access(), so memory stays constant whatever the trace length.
 * Policies that need the future (OPT) get a first pass over the same
 * source; a generator is simply re-created from its spec. */
#include "vmmsim/vmmsim.h"
#include "util/alloc.h"
#include <string.h>

#define RUN_BATCH 4096

/* One pass over the source: each batch goes to vmm_prepass (prepass != 0)
 * or vmm_access. */
static int one_pass(vmm_t *m, const vmm_source_spec_t *spec, int prepass, vmm_ref_t *buf,
                    vmm_run_info_t *info, vmm_err_t *err)
{
    vmm_source_t s;
    int rc = vmm_source_open(&s, spec, err);
    if (rc)
        return rc;
    if (info) {
        info->format = vmm_source_format(&s);
        info->records = 0;
    }
    uint64_t done = 0, next_progress = 1u << 20;
    for (;;) {
        size_t want = RUN_BATCH;
        if (spec->limit && spec->limit - done < want)
            want = (size_t)(spec->limit - done);
        if (!want)
            break;
        long got = vmm_source_read(&s, buf, want, err);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        rc = prepass ? vmm_prepass(m, buf, (size_t)got, err) : vmm_access(m, buf, (size_t)got, err);
        if (rc) {
            /* name the trace: the engine only knows the reference number */
            if (err && !err->file[0] && spec->trace)
                snprintf(err->file, sizeof err->file, "%s", spec->trace);
            break;
        }
        done += (uint64_t)got;
        if (spec->progress && done >= next_progress) {
            spec->progress(spec->progress_arg, done);
            next_progress = done + (1u << 20);
        }
    }
    if (info)
        info->records = done;
    vmm_source_close(&s);
    return rc;
}

int vmm_run(vmm_t *m, const vmm_source_spec_t *spec, vmm_run_info_t *info, vmm_err_t *err)
{
    if (info) {
        memset(info, 0, sizeof *info);
        info->trace = spec->trace ? spec->trace : spec->gen;
        info->wall_seconds = -1;
    }
    vmm_ref_t *buf = vmm_malloc(RUN_BATCH * sizeof *buf);
    if (!buf)
        return vmm_err_set(err, VMM_ENOMEM, NULL, 0, -1, "out of memory");
    int rc = 0;
    if (vmm_needs_prepass(m)) {
        if (spec->trace && !strcmp(spec->trace, "-"))
            rc = vmm_err_set(err, VMM_EUNSUP, "-", 0, -1,
                             "policy %s reads the trace twice; give a file, not stdin",
                             vmm_get_config(m)->policy);
        if (!rc)
            rc = one_pass(m, spec, 1, buf, NULL, err);
        if (!rc)
            rc = vmm_prepass_end(m, err);
    }
    if (!rc)
        rc = one_pass(m, spec, 0, buf, info, err);
    vmm_free(buf);
    return rc;
}
