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

#endif
