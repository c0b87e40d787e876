/* libFuzzer target: arbitrary text as a generator spec; a spec that parses
 * must produce records (the first 4096 are read). */
#include "vmmsim/vmmsim.h"
#include "fuzz_util.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_text(data, size);
    if (!spec)
        return 0;
    vmm_gen_t *g = NULL;
    vmm_err_t err;
    if (vmm_gen_create(spec, &g, &err) == 0) {
        vmm_ref_t buf[4096];
        vmm_gen_read(g, buf, 4096);
        vmm_gen_destroy(g);
    }
    free(spec);
    return 0;
}
