/* libFuzzer target: arbitrary text as a scenario INI file, then as a
 * --set override on the demo scenario. */
#include "vmmsim/vmmsim.h"
#include "fuzz_util.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    if (vmm_scenario_load_string(text, "fuzz.ini", &sc, &err) == 0)
        vmm_scenario_destroy(sc);
    sc = NULL;
    if (vmm_scenario_load_string(vmm_scenario_demo_text(), "demo", &sc, &err) == 0) {
        vmm_scenario_set(sc, text, &err);
        vmm_scenario_destroy(sc);
    }
    free(text);
    return 0;
}
