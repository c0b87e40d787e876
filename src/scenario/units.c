/* Numbers with units for scenario files: sizes (K/M/G/T = powers of 1024,
 * as everywhere in vmmsim), times (ns/us/ms/s) and plain counts.
 *
 * Parsed by hand rather than with strtod/strtoull: the host program's
 * locale must not change what "0.5" means, signs and hex are not numbers a
 * scenario should contain, and a size must come out as a whole number of
 * bytes ("1.5K" is 1536, "1.0001K" is an error). */
#include "scn_int.h"
#include <math.h>
#include <string.h>
#include <strings.h>

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* True when only blanks are left. */
static int at_end(const char *s) { return *skip_blanks(s) == 0; }

/* Digits with an optional fraction: *ip the whole part, *fp the fraction's
 * digits as an integer, *fd how many there were (at most 18, so *fp fits).
 * At least one digit is required. Advances *p. */
static int decimal(const char **p, uint64_t *ip, uint64_t *fp, int *fd)
{
    const char *s = *p;
    uint64_t v = 0, f = 0;
    int nd = 0, nf = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, nf++) {
            if (nf == 18)
                return -1;
            f = f * 10 + (uint64_t)(*s - '0');
        }
    }
    if (nd + nf == 0)
        return -1;
    *ip = v;
    *fp = f;
    *fd = nf;
    *p = s;
    return 0;
}

static uint64_t pow10u(int n)
{
    uint64_t r = 1;
    while (n-- > 0)
        r *= 10;
    return r;
}

int vmm_scn_parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *u; unsigned shift; } units[] = {
        {"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20}, {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40}, {"tb", 40}, {"tib", 40},
    };
    uint64_t ip, fp;
    int fd;
    s = skip_blanks(s);
    if (decimal(&s, &ip, &fp, &fd))
        return -1;
    char unit[8];
    size_t n = 0;
    while (*s && *s != ' ' && *s != '\t' && n < sizeof unit - 1)
        unit[n++] = *s++;
    unit[n] = 0;
    if (!at_end(s))
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(unit, units[i].u))
            continue;
        unsigned __int128 mult = (unsigned __int128)1 << units[i].shift;
        unsigned __int128 whole = (unsigned __int128)ip * mult;
        unsigned __int128 frac = (unsigned __int128)fp * mult;
        uint64_t den = pow10u(fd);
        if (frac % den)
            return -1;   /* not a whole number of bytes */
        whole += frac / den;
        if (whole > UINT64_MAX)
            return -1;
        *out = (uint64_t)whole;
        return 0;
    }
    return -1;
}

int vmm_scn_parse_time(const char *s, double *ns)
{
    static const struct { const char *u; double mult; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
    };
    uint64_t ip, fp;
    int fd;
    s = skip_blanks(s);
    if (decimal(&s, &ip, &fp, &fd))
        return -1;
    double v = (double)ip + (double)fp / (double)pow10u(fd);
    char unit[4];
    size_t n = 0;
    while (*s && *s != ' ' && *s != '\t' && n < sizeof unit - 1)
        unit[n++] = *s++;
    unit[n] = 0;
    if (!at_end(s))
        return -1;
    if (!unit[0]) {
        /* A bare number would be ambiguous (500 what?); only 0 is clear. */
        if (v != 0)
            return -1;
        *ns = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(unit, units[i].u)) {
            *ns = v * units[i].mult;
            return isfinite(*ns) ? 0 : -1;
        }
    return -1;
}

int vmm_scn_parse_count(const char *s, uint64_t *out)
{
    uint64_t ip, fp;
    int fd;
    s = skip_blanks(s);
    if (*s < '0' || *s > '9' || decimal(&s, &ip, &fp, &fd) || fd || !at_end(s))
        return -1;
    *out = ip;
    return 0;
}

int vmm_scn_parse_real(const char *s, double *out)
{
    uint64_t ip, fp;
    int fd;
    s = skip_blanks(s);
    if (decimal(&s, &ip, &fp, &fd))
        return -1;
    double v = (double)ip + (double)fp / (double)pow10u(fd);
    if (*s == 'e' || *s == 'E') {
        int neg = 0, e = 0;
        s++;
        if (*s == '+' || *s == '-')
            neg = *s++ == '-';
        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++)
            if (e < 1000)
                e = e * 10 + (*s - '0');
        v *= pow(10.0, neg ? -e : e);
    }
    if (!at_end(s) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
