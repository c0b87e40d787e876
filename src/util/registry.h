/* Name lookup shared by the registries (policies, page tables, MRC
 * builders...). Every ops structure starts with `const char *name`, so a
 * NULL-terminated table of pointers to them can be searched generically. */
#ifndef VMM_UTIL_REGISTRY_H
#define VMM_UTIL_REGISTRY_H

#include <stddef.h>
#include <strings.h>

/* Another name a family accepts (the seed simulator's spellings). */
typedef struct vmm_alias {
    const char *alias, *name;
} vmm_alias_t;

/* The entry of `table` named `name`, case-insensitively, after mapping
 * `aliases` (n of them); NULL if none. */
static inline const void *vmm_registry_find(const void *const *table, const vmm_alias_t *aliases,
                                            size_t n, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(name, aliases[i].alias))
            name = aliases[i].name;
    for (size_t i = 0; table[i]; i++)
        if (!strcasecmp(name, *(const char *const *)table[i]))
            return table[i];
    return NULL;
}

#endif
