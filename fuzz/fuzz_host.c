/* libFuzzer target: arbitrary text as a scenario, and when it loads, a
 * short host run of it (vmm_host_run). Only generator sources are run (no
 * file is opened), each source stops after 3000 records, and sizes that
 * would only test the machine's memory are skipped, so every input runs in
 * milliseconds; what is left is every combination of keys the loader
 * accepts: tiers, NUMA layouts, page-walk caches, schedulers, balancers,
 * samplers and periods. A run may fail (no room below DRAM, an affinity
 * with no pCPU), but it must not crash, leak or trip a sanitizer. */
#include "vmmsim/vmmsim.h"
#include "fuzz_util.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int small_enough(const vmm_scenario_t *sc)
{
    const vmm_host_spec_t *h = &sc->host;
    uint32_t vcpus = 0, tlb = 0;
    for (uint32_t l = 0; l < h->tlb_levels; l++)
        tlb += h->tlb[l].entries;
    for (uint32_t i = 0; i < sc->nvms; i++) {
        vcpus += sc->vms[i].vcpus;
        for (uint32_t k = 0; k < sc->vms[i].nsources; k++)
            if (sc->vms[i].sources[k].kind != VMM_SRC_GENERATE)
                return 0;
    }
    return h->memory / h->page_size <= 65536 && h->pcpus <= 8 && vcpus <= 16 &&
           sc->nvms <= 8 && tlb <= 65536 && h->pwc_entries <= 1024 && h->mrc_pages <= 4096 &&
           h->active_sample <= 4096 && h->period_ns >= 1e4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    if (vmm_scenario_load_string(text, "fuzz.ini", &sc, &err) == 0 && small_enough(sc)) {
        vmm_host_opts_t o;
        vmm_host_opts_default(&o);
        o.alone = size & 1;
        o.limit = 3000;
        vmm_host_result_t res;
        if (vmm_host_run(sc, &o, &res, &err) == 0)
            vmm_host_result_fini(&res);
    }
    vmm_scenario_destroy(sc);
    free(text);
    return 0;
}
