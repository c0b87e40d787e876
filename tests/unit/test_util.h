/* Helpers shared by the unit tests. */
#ifndef VMM_TEST_UTIL_H
#define VMM_TEST_UTIL_H

#include <criterion/criterion.h>

/* Fail the allocation after `n` more (n < 0: never); src/util/alloc.c. */
void vmm_alloc_fail_after(long n);

/* Criterion ignores a leak report at a worker's exit, so under ASan the
 * allocation-failure tests ask LeakSanitizer directly, and a leak on a
 * failure path fails the test. Without ASan this checks nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define VMM_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMM_TEST_LSAN 1
#endif
#endif
#ifdef VMM_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#define VMM_ASSERT_NO_LEAKS() \
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked")
#else
#define VMM_ASSERT_NO_LEAKS() ((void)0)
#endif

/* Docs that carry a generated table: `doc` must contain what `gen` writes
 * (the table as the library makes it now). Returns the doc's text, static. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static inline const char *vmm_assert_doc_has(const char *doc_path, int (*gen)(FILE *),
                                             const char *fn_name)
{
    FILE *f = fopen(doc_path, "r");
    cr_assert_not_null(f, "%s missing", doc_path);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    char *table = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&table, &len);
    cr_assert_eq(gen(m), 0);
    fclose(m);
    cr_assert(strstr(doc, table), "%s's table is out of date; regenerate it with %s()", doc_path,
              fn_name);
    free(table);
    return doc;
}

#endif
