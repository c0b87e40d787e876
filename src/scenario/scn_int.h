/* Internals shared by the scenario loader's files: the number parsers
 * (units.c) and the value setter driven by the key registry (keys.c). */
#ifndef VMM_SCENARIO_INT_H
#define VMM_SCENARIO_INT_H

#include "vmmsim/scenario.h"

/* Number parsers. They read by hand (no strtod: the host program's locale
 * must not change what "0.5" means), accept blanks around the value, and
 * return 0, or -1 with `what was expected` left to the caller. */
int vmm_scn_parse_size(const char *s, uint64_t *out);   /* 4096, 4K, 1.5G */
int vmm_scn_parse_time(const char *s, double *ns);      /* 0, 80ns, 2.5us, 30ms, 1s */
int vmm_scn_parse_count(const char *s, uint64_t *out);  /* 256 */
int vmm_scn_parse_real(const char *s, double *out);     /* 0.75, 1e-3 */

/* Parse `value` for key `k` and store it in `spec` (a vmm_host_spec_t or
 * vmm_vm_spec_t as k->section says); checks that involve other keys are
 * left to validation after the whole file. A SOURCE key appends to the VM's sources when `replace` is 0 and
 * replaces them otherwise. Owned memory the new value displaces is not
 * freed but handed back in *old (and *old_sources / *old_n for sources),
 * so that an override can be undone; the caller frees it with
 * vmm_scn_free_old(). Returns 0, VMM_EFORMAT with `msg` saying what was
 * expected, or VMM_ENOMEM. */
int vmm_scn_apply(const vmm_scn_key_t *k, void *spec, const char *value, int replace,
                  uint64_t line, void **old, vmm_scn_source_t **old_sources,
                  uint32_t *old_n, char *msg, size_t msglen);

/* Free what vmm_scn_apply() handed back. */
void vmm_scn_free_old(void *old, vmm_scn_source_t *old_sources, uint32_t old_n);

/* The key named `name` (or its alias) in `section`, or NULL. */
const vmm_scn_key_t *vmm_scn_find_key(int section, const char *name);

#endif
