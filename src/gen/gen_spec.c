/* Generator specs: the key tables, number syntax and "key=value" items.
 *
 * Every key is described by a gen_key (name, type, where it lives in the
 * conf, default, range), so parsing, defaults and range checks exist once.
 * Numbers are parsed by hand rather than with strtoull/strtod: those accept
 * leading spaces and signs, saturate silently on overflow, and strtod follows
 * the C locale's decimal point, so a host program that calls setlocale()
 * would change what "0.3" means. Here a real is read as an integer mantissa
 * and a power of ten and converted with one IEEE division or multiplication
 * when both are exact (the fast path of Clinger's algorithm, 1990), which
 * gives the correctly rounded double for every value a user will type; the
 * rare longer inputs are still converted the same way on every machine.
 *
 * Counts take K/M/G/T as powers of 1000 (n=50M is 50 000 000 references);
 * sizes (page, a) take them as powers of 1024 (page=2M is 2 MiB), as sizes
 * do elsewhere in vmmsim. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gen_int.h"
#include "util/alloc.h"

#define MIB (1ull << 20)

const gen_key gen_common_keys[] = {
    {"n", NULL, GEN_COUNT, offsetof(gen_common, n), "1M", 1, 0, 0,
     GEN_CTX_TOP | GEN_CTX_MIX},
    {"p", NULL, GEN_COUNT, offsetof(gen_common, p), "1", 1, GEN_MAX_PROCS, 0,
     GEN_CTX_TOP | GEN_CTX_PART},
    {"a", NULL, GEN_SIZE, offsetof(gen_common, a), NULL, 1, 1ull << 52, MIB,
     GEN_CTX_TOP | GEN_CTX_MIX | GEN_CTX_PART},
    {"s", "seed", GEN_SEED, offsetof(gen_common, seed), "1", 0, 0, 0,
     GEN_CTX_TOP | GEN_CTX_MIX},
    {"page", NULL, GEN_SIZE, offsetof(gen_common, page), "4096", 8, 1ull << 30, 1,
     GEN_CTX_TOP | GEN_CTX_MIX},
    {"w", "write", GEN_FRAC, offsetof(gen_common, w), "0.3", 0, 0, 0,
     GEN_CTX_TOP | GEN_CTX_MIX | GEN_CTX_PART},
    {"burst", NULL, GEN_COUNT, offsetof(gen_common, burst), "1", 1, 1ull << 30, 0,
     GEN_CTX_TOP | GEN_CTX_MIX},
    {"weight", NULL, GEN_COUNT, offsetof(gen_common, weight), "1", 1, 1ull << 30, 0,
     GEN_CTX_PART},
    {NULL, NULL, 0, 0, NULL, 0, 0, 0, 0},
};

int gen_bad(vmm_err_t *err, int64_t offset, const char *fmt, ...)
{
    if (!err)
        return VMM_EINVAL;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vmm_err_set(err, VMM_EINVAL, "", 0, offset, "%s", msg);
}

/* --- numbers ------------------------------------------------------------ */

enum { NUM_OK = 0, NUM_SYNTAX = -1, NUM_RANGE = -2 };

/* Unsigned decimal digits of s[*i..len) appended to *v; *ndig says how
 * many there were. NUM_RANGE on overflow. */
static int take_digits(const char *s, size_t len, size_t *i, uint64_t *v, unsigned *ndig)
{
    unsigned n = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return NUM_RANGE;
        *v = *v * 10 + d;
        (*i)++;
        n++;
    }
    *ndig = n;
    return NUM_OK;
}

/* Multiplier of a K/M/G/T suffix: base^1..4; 1 when there is none. */
static int suffix_power(const char *s, size_t len, size_t *i, unsigned *pow)
{
    static const char sfx[] = "KMGT";
    *pow = 0;
    if (*i == len)
        return NUM_OK;
    char ch = s[*i];
    if (ch >= 'a' && ch <= 'z')
        ch = (char)(ch - 'a' + 'A');
    const char *at = memchr(sfx, ch, 4);
    if (!at)
        return NUM_SYNTAX;
    *pow = (unsigned)(at - sfx) + 1;
    (*i)++;
    return NUM_OK;
}

/* "12", "1.5M", "2K": mantissa digits with an optional fraction, then an
 * optional suffix whose base is `base` (1000 or 1024); the result must be a
 * whole number. */
static int parse_scaled(const char *s, size_t len, uint64_t base, uint64_t plain_unit,
                        uint64_t *out)
{
    size_t i = 0;
    uint64_t mant = 0;
    unsigned nint, nfrac = 0;
    int rc = take_digits(s, len, &i, &mant, &nint);
    if (rc)
        return rc;
    if (i < len && s[i] == '.') {
        i++;
        rc = take_digits(s, len, &i, &mant, &nfrac);
        if (rc)
            return rc;
    }
    if (nint + nfrac == 0)
        return NUM_SYNTAX;
    unsigned pow;
    if (suffix_power(s, len, &i, &pow) || i != len)
        return NUM_SYNTAX;
    for (; nfrac > 0 && mant % 10 == 0; nfrac--)   /* "2.50K" = "2.5K" */
        mant /= 10;
    uint64_t mult = pow ? 1 : plain_unit;
    for (unsigned k = 0; k < pow; k++)
        mult *= base;
    for (unsigned k = 0; k < nfrac; k++) {   /* the fraction must divide out */
        if (mult % 10)
            return NUM_SYNTAX;
        mult /= 10;
    }
    if (mant && mult > UINT64_MAX / mant)
        return NUM_RANGE;
    *out = mant * mult;
    return NUM_OK;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int parse_seed(const char *s, size_t len, uint64_t *out)
{
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t v = 0;
        for (size_t i = 2; i < len; i++) {
            int d = hexval(s[i]);
            if (d < 0)
                return NUM_SYNTAX;
            if (v >> 60)
                return NUM_RANGE;
            v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return NUM_OK;
    }
    size_t i = 0;
    unsigned nd;
    uint64_t v = 0;
    int rc = take_digits(s, len, &i, &v, &nd);
    if (rc)
        return rc;
    if (nd == 0 || i != len)
        return NUM_SYNTAX;
    *out = v;
    return NUM_OK;
}

/* Significant digits of a decimal real: at most 19 are kept (they fit in
 * 64 bits); the rest only move the decimal exponent. */
static void real_digits(const char *s, size_t len, size_t *i, uint64_t *mant, int *exp10,
                        unsigned *nd, int after_point)
{
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (*mant < 1000000000000000000ull) {
            *mant = *mant * 10 + (uint64_t)(s[*i] - '0');
            if (after_point)
                (*exp10)--;
        } else if (!after_point) {
            (*exp10)++;
        }
        (*nd)++;
        (*i)++;
    }
}

static int real_exponent(const char *s, size_t len, size_t *i, int *exp10)
{
    if (*i == len || (s[*i] != 'e' && s[*i] != 'E'))
        return NUM_OK;
    (*i)++;
    int neg = 0;
    if (*i < len && (s[*i] == '+' || s[*i] == '-'))
        neg = s[(*i)++] == '-';
    uint64_t e = 0;
    unsigned nd;
    if (take_digits(s, len, i, &e, &nd) || nd == 0 || e > 400)
        return NUM_SYNTAX;
    *exp10 += neg ? -(int)e : (int)e;
    return NUM_OK;
}

/* mant * 10^exp10 as a double: exact inputs give the correctly rounded
 * result with a single operation; beyond that, repeated scaling. */
static double real_value(uint64_t mant, int exp10)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double m = (double)mant;
    if (mant == 0)
        return 0.0;
    if (exp10 >= -22 && exp10 <= 22 && mant <= (1ull << 53))
        return exp10 < 0 ? m / p10[-exp10] : m * p10[exp10];
    for (; exp10 > 0; exp10--)
        m *= 10.0;
    for (; exp10 < 0; exp10++)
        m /= 10.0;
    return m;
}

/* "0.3", ".5", "2", "1e-3": no sign, no inf/nan. */
static int parse_real(const char *s, size_t len, double *out)
{
    size_t i = 0;
    uint64_t mant = 0;
    int exp10 = 0;
    unsigned nd = 0;
    real_digits(s, len, &i, &mant, &exp10, &nd, 0);
    if (i < len && s[i] == '.') {
        i++;
        real_digits(s, len, &i, &mant, &exp10, &nd, 1);
    }
    if (nd == 0 || real_exponent(s, len, &i, &exp10) || i != len)
        return NUM_SYNTAX;
    *out = real_value(mant, exp10);
    return NUM_OK;
}

static int parse_bool(const char *s, size_t len, int *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t k = 0; k < 4; k++) {
        if (strlen(yes[k]) == len && !strncmp(s, yes[k], len))
            return *out = 1, NUM_OK;
        if (strlen(no[k]) == len && !strncmp(s, no[k], len))
            return *out = 0, NUM_OK;
    }
    return NUM_SYNTAX;
}

/* --- values --------------------------------------------------------------- */

/* What a key accepts, for messages. */
static const char *expected(const gen_key *k)
{
    switch (k->type) {
    case GEN_COUNT: return "a whole number such as 1000, 50K or 2M (K, M, G = 10^3, 10^6, 10^9)";
    case GEN_SIZE:
        return k->unit == 1 ? "a size in bytes such as 4096 or 2M (K, M, G = 2^10, 2^20, 2^30)"
                            : "a size in MB such as 64, or with a suffix such as 4G";
    case GEN_SEED: return "an unsigned 64-bit number (decimal or 0x hex)";
    case GEN_FRAC: return "a number from 0 to 1 such as 0.3";
    case GEN_POS: return "a number > 0 such as 0.9";
    case GEN_BOOL: return "0 or 1 (yes/no, true/false, on/off)";
    case GEN_LIST: return "whole numbers separated by ';' such as 1000;5000;200";
    }
    return "a value";
}

static int bad_value(const gen_key *k, const char *where, const char *s, size_t len,
                     int64_t at, vmm_err_t *err)
{
    return gen_bad(err, at, "%s: %s: expected %s, got \"%.*s\"", where, k->name, expected(k),
                   (int)(len > 40 ? 40 : len), s);
}

/* v (parsed from the text s) within [min, max]; the message gives the
 * bound in the key's unit (a = MB) and the value as it was written. */
static int check_range(const gen_key *k, uint64_t v, const char *s, size_t len,
                       const char *where, int64_t at, vmm_err_t *err)
{
    if (v >= k->min && (!k->max || v <= k->max))
        return 0;
    uint64_t bound = v < k->min ? k->min : k->max;
    int in_mb = k->type == GEN_SIZE && k->unit > 1 && bound % k->unit == 0;
    const char *u = in_mb ? " MB" : k->type == GEN_SIZE ? " bytes" : "";
    return gen_bad(err, at, "%s: %s: must be at %s %llu%s, got \"%.*s\"", where, k->name,
                   v < k->min ? "least" : "most",
                   (unsigned long long)(in_mb ? bound / k->unit : bound), u,
                   (int)(len > 40 ? 40 : len), s);
}

static int set_list(const gen_key *k, const char *s, size_t len, void *dst, const char *where,
                    int64_t at, vmm_err_t *err)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ';';
    if (n > GEN_MAX_LIST)
        return gen_bad(err, at, "%s: %s: at most %u items", where, k->name, GEN_MAX_LIST);
    uint64_t *v = vmm_calloc(n, sizeof *v);
    if (!v)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory parsing %s", k->name);
    size_t from = 0;
    for (size_t j = 0; j < n; j++) {
        const char *semi = memchr(s + from, ';', len - from);
        size_t to = semi ? (size_t)(semi - s) : len;
        int rc = parse_scaled(s + from, to - from, 1000, 1, &v[j])
                     ? bad_value(k, where, s, len, at, err)
                     : check_range(k, v[j], s + from, to - from, where, at + (int64_t)from, err);
        if (rc) {
            vmm_free(v);
            return rc;
        }
        from = to + 1;
    }
    gen_list *l = dst;
    vmm_free(l->v);
    l->v = v;
    l->n = n;
    return 0;
}

static int set_integer(const gen_key *k, const char *s, size_t len, uint64_t *dst,
                       const char *where, int64_t at, vmm_err_t *err)
{
    uint64_t v = 0;
    int rc = k->type == GEN_SEED    ? parse_seed(s, len, &v)
             : k->type == GEN_COUNT ? parse_scaled(s, len, 1000, 1, &v)
                                    : parse_scaled(s, len, 1024, k->unit, &v);
    if (rc == NUM_RANGE)
        return gen_bad(err, at, "%s: %s: \"%.*s\" is too large", where, k->name,
                       (int)(len > 40 ? 40 : len), s);
    if (rc)
        return bad_value(k, where, s, len, at, err);
    if (k->type != GEN_SEED && check_range(k, v, s, len, where, at, err))
        return VMM_EINVAL;
    *dst = v;
    return 0;
}

static int set_real(const gen_key *k, const char *s, size_t len, double *dst,
                    const char *where, int64_t at, vmm_err_t *err)
{
    double v;
    if (parse_real(s, len, &v))
        return bad_value(k, where, s, len, at, err);
    if (k->type == GEN_FRAC && v > 1.0)
        return gen_bad(err, at, "%s: %s: must be between 0 and 1, got \"%.*s\"", where,
                       k->name, (int)(len > 40 ? 40 : len), s);
    if (k->type == GEN_POS && !(v > 0.0 && v <= 1e300))
        return gen_bad(err, at, "%s: %s: must be a number > 0, got \"%.*s\"", where, k->name,
                       (int)(len > 40 ? 40 : len), s);
    *dst = v;
    return 0;
}

/* Parse one value of key `k` into the struct at `dst`. */
static int set_value(const gen_key *k, const char *s, size_t len, void *dst,
                     const char *where, int64_t at, vmm_err_t *err)
{
    void *field = (char *)dst + k->off;
    switch (k->type) {
    case GEN_COUNT:
    case GEN_SIZE:
    case GEN_SEED: return set_integer(k, s, len, field, where, at, err);
    case GEN_FRAC:
    case GEN_POS: return set_real(k, s, len, field, where, at, err);
    case GEN_BOOL:
        if (parse_bool(s, len, field))
            return bad_value(k, where, s, len, at, err);
        return 0;
    case GEN_LIST: return set_list(k, s, len, field, where, at, err);
    }
    return bad_value(k, where, s, len, at, err);
}

int gen_keys_defaults(const gen_key *keys, void *dst, vmm_err_t *err)
{
    for (const gen_key *k = keys; k->name; k++) {
        if (!k->def)
            continue;
        int rc = set_value(k, k->def, strlen(k->def), dst, "default", -1, err);
        if (rc)
            return rc;
    }
    return 0;
}

void gen_keys_release(const gen_key *keys, void *dst)
{
    for (const gen_key *k = keys; k->name; k++) {
        if (k->type != GEN_LIST)
            continue;
        gen_list *l = (gen_list *)((char *)dst + k->off);
        vmm_free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}

/* --- items ------------------------------------------------------------- */

static int is_space(char ch) { return ch == ' ' || ch == '\t'; }

void gen_trim(const char *spec, size_t *from, size_t *to)
{
    while (*from < *to && is_space(spec[*from]))
        (*from)++;
    while (*to > *from && is_space(spec[*to - 1]))
        (*to)--;
}

static const gen_key *find_key(const gen_key *keys, const char *name, size_t len)
{
    for (const gen_key *k = keys; k && k->name; k++) {
        if (strlen(k->name) == len && !strncmp(k->name, name, len))
            return k;
        if (k->alias && strlen(k->alias) == len && !strncmp(k->alias, name, len))
            return k;
    }
    return NULL;
}

/* "alpha, pages, scatter" into buf, for the unknown-key message. */
static void key_names(const gen_key *keys, unsigned ctx, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const gen_key *k = keys; k && k->name; k++) {
        if (k->ctx && !(k->ctx & ctx))
            continue;
        int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", k->name);
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
}

static int unknown_key(const gen_pattern *pat, unsigned ctx, const char *where,
                       const char *name, size_t len, int64_t at, vmm_err_t *err)
{
    char pk[96], ck[64];
    key_names(pat ? pat->keys : NULL, ctx, pk, sizeof pk);
    key_names(gen_common_keys, ctx, ck, sizeof ck);
    return gen_bad(err, at, "%s: unknown key \"%.*s\" (keys: %s%s%s)", where,
                   (int)(len > 32 ? 32 : len), name, pk, pk[0] ? ", " : "", ck);
}

/* A common key used where it does not belong: say where it goes. */
static int misplaced_key(const gen_key *k, unsigned ctx, const char *where, int64_t at,
                         vmm_err_t *err)
{
    if (ctx == GEN_CTX_PART)
        return gen_bad(err, at, "%s: key \"%s\" applies to the whole mix; give it in a "
                       "key-only part, e.g. \"mix:%s=...;zipf;seq\"", where, k->name, k->name);
    if (ctx == GEN_CTX_MIX)
        return gen_bad(err, at, "%s: key \"%s\" belongs to a component, e.g. "
                       "\"mix:zipf:%s=...;seq\"", where, k->name, k->name);
    return gen_bad(err, at, "%s: key \"%s\" is only for components of a mix", where, k->name);
}

/* One "key=value" in spec[from, to). `seen` has a bit per key index of the
 * pattern table (low 32) and the common table (high 32). */
static int parse_item(const char *spec, size_t from, size_t to, const gen_pattern *pat,
                      void *conf, gen_common *c, unsigned ctx, const char *where,
                      uint64_t *seen, vmm_err_t *err)
{
    int64_t at = (int64_t)from;
    const char *eq = memchr(spec + from, '=', to - from);
    if (!eq)
        return gen_bad(err, at, "%s: expected key=value, got \"%.*s\"", where,
                       (int)(to - from > 40 ? 40 : to - from), spec + from);
    size_t kf = from, kt = (size_t)(eq - spec), vf = kt + 1, vt = to;
    gen_trim(spec, &kf, &kt);
    gen_trim(spec, &vf, &vt);
    const gen_key *k = find_key(pat ? pat->keys : NULL, spec + kf, kt - kf);
    void *dst = conf;
    uint64_t bit = 0;
    if (k) {
        bit = 1ull << (k - pat->keys);
    } else if ((k = find_key(gen_common_keys, spec + kf, kt - kf))) {
        if (!(k->ctx & ctx))
            return misplaced_key(k, ctx, where, at, err);
        dst = c;
        bit = 1ull << (32 + (k - gen_common_keys));
    } else {
        return unknown_key(pat, ctx, where, spec + kf, kt - kf, at, err);
    }
    if (*seen & bit)
        return gen_bad(err, at, "%s: key \"%s\" given twice", where, k->name);
    *seen |= bit;
    if (vf == vt)
        return gen_bad(err, (int64_t)vf, "%s: %s: missing value (expected %s)", where,
                       k->name, expected(k));
    return set_value(k, spec + vf, vt - vf, dst, where, (int64_t)vf, err);
}

int gen_parse_items(const char *spec, size_t from, size_t to, const gen_pattern *pat,
                    void *conf, gen_common *c, unsigned ctx, const char *where,
                    vmm_err_t *err)
{
    uint64_t seen = 0;
    while (from <= to) {
        const char *comma = memchr(spec + from, ',', to - from);
        size_t end = comma ? (size_t)(comma - spec) : to;
        size_t f = from, t = end;
        gen_trim(spec, &f, &t);
        if (f == t)
            return gen_bad(err, (int64_t)f, "%s: empty item; expected key=value", where);
        int rc = parse_item(spec, f, t, pat, conf, c, ctx, where, &seen, err);
        if (rc)
            return rc;
        from = end + 1;
    }
    return 0;
}
