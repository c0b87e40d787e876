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

/* Round to 6 significant decimals so the JSON text does not depend on the
 * last bits of floating-point sums; NaN, infinities and -0 become 0. */
static inline json_t *jreal(double x)
{
    if (!isfinite(x) || x == 0)
        return json_real(0);   /* also -0 */
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", x);
    return json_real(strtod(buf, NULL));
}

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
