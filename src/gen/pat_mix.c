/* mix: several patterns at once, each on its own processes, as the VMs or
 * processes of a consolidated host are (DESIGN.md: "multi-process mixes").
 *
 *   mix:part;part;...    part = pattern[:key=value,...]
 *
 * e.g. mix:n=10M,s=7;zipf:alpha=0.9,pages=1000,p=2;seq:pages=500,weight=3
 *
 * Parts are separated by ';'. A part that is a pattern (with its keys, as
 * on its own) becomes a component; a part made only of key=value items sets
 * the mix-wide keys n, s (seed), page and burst and the defaults of w and a
 * for every component, wherever it appears. A component's own keys are its
 * pattern's plus p (processes running it, default 1), weight (its turn is
 * burst*weight references, default 1), w and a. A component whose keys hold
 * ';' (phases) is written in parentheses: mix:(phases:ws=100;200);seq.
 *
 * Asids count up over the components in order: in the example, zipf runs
 * as asids 0 and 1 and seq as asid 2; the turns go 0, 1, 2, 2, 2, 0, 1...
 * A mix cannot contain a mix. */
#include <stdio.h>
#include <string.h>
#include "gen_int.h"
#include "util/alloc.h"

/* Check the parentheses of spec[from, to) and count its parts. */
static int count_parts(const char *spec, size_t from, size_t to, size_t *count,
                       vmm_err_t *err)
{
    int depth = 0;
    size_t n = 1;
    for (size_t i = from; i < to; i++) {
        if (spec[i] == '(')
            depth++;
        else if (spec[i] == ')' && --depth < 0)
            return gen_bad(err, (int64_t)i, "mix: unbalanced ')'");
        else if (spec[i] == ';' && depth == 0)
            n++;
    }
    if (depth)
        return gen_bad(err, (int64_t)to, "mix: unbalanced '(': a ')' is missing");
    *count = n;
    return 0;
}

/* End of the part that starts at `from`: the next ';' outside parentheses. */
static size_t part_end(const char *spec, size_t from, size_t to)
{
    int depth = 0;
    for (size_t i = from; i < to; i++) {
        if (spec[i] == '(')
            depth++;
        else if (spec[i] == ')')
            depth--;
        else if (spec[i] == ';' && depth == 0)
            return i;
    }
    return to;
}

/* Trim blanks and one pair of enclosing parentheses from spec[*f, *t). */
static int unwrap(const char *spec, size_t *f, size_t *t, size_t index, vmm_err_t *err)
{
    gen_trim(spec, f, t);
    if (*f == *t)
        return gen_bad(err, (int64_t)*f, "mix part %zu: empty; expected a pattern such as "
                       "zipf:alpha=0.9 or keys such as n=1M", index);
    if (spec[*f] != '(')
        return memchr(spec + *f, '(', *t - *f)
                   ? gen_bad(err, (int64_t)*f, "mix part %zu: put the whole part in "
                             "parentheses, e.g. (phases:ws=100;200)", index)
                   : 0;
    const char *close = memchr(spec + *f + 1, ')', *t - *f - 1);
    if (close != spec + *t - 1 || memchr(spec + *f + 1, '(', *t - *f - 1))
        return gen_bad(err, (int64_t)*f, "mix part %zu: expected one (pattern:keys) group",
                       index);
    (*f)++;
    (*t)--;
    return 0;
}

/* A part of keys only: no pattern name before the first ':' or '='. */
static int keys_only(const char *spec, size_t f, size_t t)
{
    for (size_t i = f; i < t; i++) {
        if (spec[i] == ':')
            return 0;
        if (spec[i] == '=' || spec[i] == ',')
            return 1;
    }
    return 0;
}

/* Pass 1: the mix-wide keys, from every key-only part. */
static int parse_mix_keys(const char *spec, size_t from, size_t to, gen_common *c,
                          vmm_err_t *err)
{
    int rc = gen_keys_defaults(gen_common_keys, c, err);
    for (size_t i = 1, f = from; !rc && f <= to; i++) {
        size_t end = part_end(spec, f, to), pf = f, pt = end;
        rc = unwrap(spec, &pf, &pt, i, err);
        if (!rc && keys_only(spec, pf, pt))
            rc = gen_parse_items(spec, pf, pt, NULL, NULL, c, GEN_CTX_MIX, "mix", err);
        f = end + 1;
    }
    return rc;
}

/* Pass 2: the components. */
static int parse_components(const char *spec, size_t from, size_t to, const gen_common *c,
                            gen_part *parts, size_t *np, vmm_err_t *err)
{
    int rc = 0;
    for (size_t i = 1, f = from; !rc && f <= to; i++) {
        size_t end = part_end(spec, f, to), pf = f, pt = end;
        rc = unwrap(spec, &pf, &pt, i, err);
        if (!rc && !keys_only(spec, pf, pt)) {
            char where[40];
            snprintf(where, sizeof where, "mix part %zu: ", i);
            rc = gen_parse_part(spec, pf, pt, c, GEN_CTX_PART, where, &parts[*np], err);
            if (!rc)
                (*np)++;
        }
        f = end + 1;
    }
    return rc;
}

int gen_mix_parse(const char *spec, size_t from, size_t to, gen_part **parts,
                  size_t *nparts, vmm_err_t *err)
{
    size_t count = 0, np = 0;
    gen_common c;
    memset(&c, 0, sizeof c);
    size_t f = from, t = to;
    gen_trim(spec, &f, &t);
    if (f == t)
        return gen_bad(err, (int64_t)from, "mix: no parts given; expected e.g. "
                       "mix:zipf:alpha=0.9;seq");
    int rc = count_parts(spec, from, to, &count, err);
    if (!rc)
        rc = parse_mix_keys(spec, from, to, &c, err);
    if (rc)
        return rc;
    gen_part *p = vmm_calloc(count, sizeof *p);
    if (!p)
        return vmm_err_set(err, VMM_ENOMEM, "", 0, -1, "out of memory creating mix");
    rc = parse_components(spec, from, to, &c, p, &np, err);
    if (!rc && np == 0)
        rc = gen_bad(err, (int64_t)from, "mix: no pattern given; expected e.g. "
                     "mix:zipf:alpha=0.9;seq");
    if (rc) {
        for (size_t i = 0; i < np; i++)
            gen_part_release(&p[i]);
        vmm_free(p);
        return rc;
    }
    *parts = p;
    *nparts = np;
    return 0;
}
