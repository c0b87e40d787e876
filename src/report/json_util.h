/* Small helpers the JSON reports share (report.c, host_report.c). Numbers
 * come out in a fixed format so the same run gives the same bytes. */
#ifndef VMM_REPORT_JSON_UTIL_H
#define VMM_REPORT_JSON_UTIL_H

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline double vmm_ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

/* A real for the JSON reports, printed with JSON_REAL_PREC significant
 * digits (times of 10^11 ns keep their nanoseconds); NaN, infinities and
 * -0 become 0. */
static inline json_t *jreal(double x)
{
    if (!isfinite(x) || x == 0)
        return json_real(0);   /* also -0 */
    return json_real(x);       /* printed with JSON_REAL_PREC digits */
}

/* Significant digits of every real in the JSON reports: all a double holds
 * to print back the same decimal (15), without the noise digits of 17. */
#define JSON_REAL_PREC 15
/* An unsigned count; one beyond JSON's signed 64 bits becomes a real. */
static inline json_t *jint(uint64_t v)
{
    return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* Set o[k] = v, taking v; -1 when v is NULL (an allocation failed). */
static inline int jset(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

/* Return `o`, or free it and return NULL when rc says something failed. */
static inline json_t *jdone(json_t *o, int rc)
{
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

#endif
