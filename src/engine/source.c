/* Reference sources: a trace file or a generator behind one read call
 * (vmmsim.h). Everything that walks a whole stream uses them: vmm_run, the
 * MRC builders' vmm_mrc_run, the CLI's gen and convert. */
#include "vmmsim/vmmsim.h"
#include <string.h>

int vmm_source_open(vmm_source_t *s, const vmm_source_spec_t *spec, vmm_err_t *err)
{
    memset(s, 0, sizeof *s);
    if (spec->trace)
        return vmm_trace_open(spec->trace, &spec->topts, &s->trace, err);
    if (spec->gen)
        return vmm_gen_create(spec->gen, &s->gen, err);
    return vmm_err_set(err, VMM_EINVAL, NULL, 0, -1, "no trace or generator given");
}

long vmm_source_read(vmm_source_t *s, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return s->trace ? vmm_trace_read(s->trace, buf, n, err) : vmm_gen_read(s->gen, buf, n);
}

const char *vmm_source_format(const vmm_source_t *s)
{
    return s->trace ? vmm_trace_format_name(s->trace) : "generator";
}

uint32_t vmm_source_page_size(const vmm_source_t *s)
{
    return s->trace ? vmm_trace_page_size(s->trace) : 0;
}

void vmm_source_close(vmm_source_t *s)
{
    vmm_trace_close(s->trace);
    vmm_gen_destroy(s->gen);
    memset(s, 0, sizeof *s);
}
