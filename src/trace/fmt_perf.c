/* `perf script` output of sampled data addresses: `perf mem record`
 * (loads and stores sampled by the PMU: Intel PEBS, AMD IBS, Arm SPE), or
 * any `perf record -d` session, printed with its addr field. One sample
 * per line, as perf script prints it (tools/perf/builtin-script.c):
 *
 *   COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT: ADDR ...
 *        sort 25012/25012 [001]  5211.120375:  30 cpu/mem-loads,ldlat=30/P:  7ffd2a3f1e20 ...
 *
 * The line is anchored at the time stamp (digits '.' digits ':'), since
 * COMM may hold blanks: the token before it (after an optional "[CPU]")
 * is PID or PID/TID, and its PID becomes the asid, so each process has its
 * own address space (perf mem's default fields print the TID alone, which
 * is then used: add -F pid,tid... to group threads by process). After the
 * time comes an optional PERIOD and the event name ending in ':'; the
 * next token is the data address in hex. The sample is a write when the
 * decoded data source says "|OP STORE" or, lacking that, the event name
 * holds "store" (mem-stores, all_stores); otherwise a read. Each sample is
 * one 1-byte reference, whatever its period (weights are not replayed).
 * Samples whose address is 0 (perf could not capture it) are skipped, as
 * are blank and '#' lines (perf script --header).
 *
 * Read only: nothing consumes this text but vmmsim. */
#include "trace/trace_int.h"
#include <string.h>
#include <strings.h>

static inline int is_digit(char c) { return (unsigned)((unsigned char)c - '0') <= 9; }

/* Does [p, e) look like "digits.digits:"? */
static int is_time(const char *p, const char *e)
{
    const char *q = p;
    while (q < e && is_digit(*q))
        q++;
    if (q == p || q >= e || *q != '.')
        return 0;
    const char *f = ++q;
    while (q < e && is_digit(*q))
        q++;
    return q > f && q + 1 == e && *q == ':';
}

static const char *tok_end(const char *p)
{
    while (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        p++;
    return p;
}

/* Does the event name [p, e) or the rest of the line say "store"? */
static int is_store(const char *ev, const char *ev_end, const char *rest, const char *eol)
{
    for (const char *q = rest; q + 9 <= eol; q++)
        if (q[0] == '|' && !memcmp(q, "|OP ", 4))
            return !memcmp(q + 4, "STORE", 5);
    for (const char *q = ev; q + 5 <= ev_end; q++)
        if (!strncasecmp(q, "store", 5))
            return 1;
    return 0;
}

static inline int perf_parse(const vmm_trace_t *t, const char *p, const char *lim,
                             const char **next, vmm_ref_t *r)
{
    (void)t;
    const char *eol = memchr(p, '\n', (size_t)(lim - p));
    const char *q = vmm_skip_sep(p);
    if (*q == '\n' || *q == '#' || *q == '\r')
        return vmm_text_skip(p, lim, next);
    /* find the time token, remembering the two tokens before it */
    const char *prev = NULL, *prev2 = NULL, *tok = q, *te;
    for (;;) {
        te = tok_end(tok);
        if (te == tok)
            return vmm_text_skip(p, lim, next);   /* no time token on the line */
        if (is_time(tok, te) && prev)
            break;
        prev2 = prev;
        prev = tok;
        tok = vmm_skip_sep(te);
        if (*tok == '\r' || *tok == '\n')
            return vmm_text_skip(p, lim, next);
    }
    const char *pidtok = prev;
    if (*prev == '[' && prev2)   /* [CPU] */
        pidtok = prev2;
    uint64_t pid, addr;
    const char *x = pidtok;
    int st = vmm_parse_dec(&x, UINT32_MAX, 9, VMM_TP_RANGE32, &pid);
    if (!st && *x == '/') {   /* the TID: checked, not used */
        x++;
        st = vmm_parse_dec(&x, UINT32_MAX, 9, VMM_TP_RANGE32, &addr);
    }
    if (st || !vmm_is_sep(*x)) {
        *next = x;
        return st ? st : VMM_TP_SYNTAX;
    }
    /* [PERIOD] EVENT: ADDR */
    const char *ev = vmm_skip_sep(te), *ee = tok_end(ev);
    if (ee > ev && is_digit(*ev) && ee[-1] != ':') {
        ev = vmm_skip_sep(ee);
        ee = tok_end(ev);
    }
    if (ee == ev || ee[-1] != ':') {
        *next = ev;
        return VMM_TP_SYNTAX;
    }
    const char *a = vmm_skip_sep(ee);
    if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
        a += 2;
    if ((st = vmm_parse_hex(&a, &addr)) || (!vmm_is_sep(*a) && *a != '\n' && *a != '\r')) {
        *next = a;
        return st ? st : VMM_TP_SYNTAX;
    }
    *next = eol + 1;
    if (!addr)
        return VMM_TP_SKIP;
    *r = (vmm_ref_t){.addr = addr, .asid = (uint32_t)pid, .size = 1,
                     .op = is_store(ev, ee, a, eol) ? VMM_OP_WRITE : VMM_OP_READ};
    return VMM_TP_REC;
}

VMM_TEXT_READ_FN perf_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, perf_parse);
}

const vmm_fmt_ops_t vmm_fmt_perf = {
    .name = "perf",
    .shape = "COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT: ADDR ...",
    .parse = perf_parse,
    .read = perf_read,
};
