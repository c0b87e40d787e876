/* CSV traces with a column mapping, as libCacheSim's csv reader takes
 * them ("time-col=1,obj-id-col=2,obj-size-col=3"): opts.csv_cols maps
 * keys to 1-based columns, for example "time=1,obj=2,size=3,op=4":
 *
 *   obj   object or page id (decimal, or hex after 0x): page obj, a
 *         1-byte reference at obj * page_size (size is then ignored)
 *   addr  byte address (decimal, or hex after 0x); instead of obj
 *   size  bytes touched from addr (decimal u32 >= 1; default 1)
 *   op    R/W/I, read/write/ifetch (any case), L/S/M as lackey, 0/1/2;
 *         default read
 *   asid  address space (decimal u32; default 0)
 *   time  accepted and ignored: records carry no time
 *
 * Exactly one of obj and addr is required. Without opts.csv_cols the
 * first line must be a header naming the columns (names in
 * docs/trace-formats.md, such as "addr,size,op,asid", which the writer
 * prints). The delimiter is opts.csv_delim, or else the first of ',' '\t'
 * ';' '|' in the first line. With csv_header AUTO the first line is a
 * header when its obj/addr field is not a number; YES/NO force it. Fields
 * are not quoted; blanks around a number are allowed; extra columns are
 * ignored.
 *
 * Detection: csv_cols given (and no format) selects csv; otherwise a
 * first line that names an obj or addr column selects it. The writer
 * prints the "addr,size,op,asid" header and one line per record, carrying
 * everything but the vm. */
#include "trace/trace_int.h"
#include <string.h>
#include <strings.h>

enum { K_TIME, K_OBJ, K_ADDR, K_SIZE, K_OP, K_ASID, NKEYS };

static const char *const keys[NKEYS] = {"time", "obj", "addr", "size", "op", "asid"};

/* Header names for each key (case-insensitive). */
static const char *const aliases[NKEYS][8] = {
    {"time", "timestamp", "clock_time", "ts", NULL},
    {"obj", "obj_id", "object", "id", "key", "page", "lbn", NULL},
    {"addr", "address", "offset", NULL},
    {"size", "obj_size", "len", "length", "bytes", NULL},
    {"op", "type", "cmd", "rw", NULL},
    {"asid", "pid", "process", NULL},
};

#define MAXCOL 1024

typedef struct csv {
    uint16_t col[NKEYS];       /* 1-based column of each key, 0 = absent */
    uint16_t ncols;            /* highest mapped column */
    char delim;
    int8_t key[MAXCOL + 1];    /* key of each column, -1 none (the parser's view) */
} csv;

static int key_of(const char *s, size_t n)
{
    for (int k = 0; k < NKEYS; k++)
        for (int a = 0; aliases[k][a]; a++)
            if (strlen(aliases[k][a]) == n && !strncasecmp(s, aliases[k][a], n))
                return k;
    return -1;
}

static char pick_delim(const char *p, const char *eol)
{
    static const char cands[] = ",\t;|";
    for (const char *c = cands; *c; c++)
        if (memchr(p, *c, (size_t)(eol - p)))
            return *c;
    return ',';
}

/* Trim blanks and '\r' around [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Map columns from a header line [p, eol); returns the number of obj/addr
 * columns found (the header names one when > 0). */
static int map_header(csv *c, const char *p, const char *eol, char delim)
{
    memset(c->col, 0, sizeof c->col);
    unsigned colno = 1;
    for (const char *f = p; f <= eol && colno <= MAXCOL; colno++) {
        const char *e = memchr(f, delim, (size_t)(eol - f));
        if (!e)
            e = eol;
        const char *s = f, *t = e;
        trim(&s, &t);
        int k = key_of(s, (size_t)(t - s));
        if (k >= 0 && !c->col[k])
            c->col[k] = (uint16_t)colno;
        f = e + 1;
    }
    return (c->col[K_OBJ] != 0) + (c->col[K_ADDR] != 0);
}

static int csv_detect(const char *p, const char *lim)
{
    const char *eol = memchr(p, '\n', (size_t)(lim - p));
    csv c;
    return map_header(&c, p, eol, pick_delim(p, eol)) == 1;
}

/* Parse "key=col,..." into c; returns 0 or fills err. */
static int parse_cols(csv *c, const char *spec, const char *name, vmm_err_t *err)
{
    memset(c->col, 0, sizeof c->col);
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        int k = -1;
        for (int i = 0; eq && eq < end && i < NKEYS; i++)
            if ((size_t)(eq - p) == strlen(keys[i]) && !strncasecmp(p, keys[i], (size_t)(eq - p)))
                k = i;
        unsigned long v = 0;
        const char *d = eq ? eq + 1 : end;
        for (; d < end && *d >= '0' && *d <= '9' && v <= MAXCOL; d++)
            v = v * 10 + (unsigned long)(*d - '0');
        if (k < 0 || d != end || d == eq + 1 || v < 1 || v > MAXCOL)
            return vmm_err_set(err, VMM_EINVAL, name, 0, -1,
                               "csv columns '%s': expected KEY=COLUMN,... with keys time, obj, "
                               "addr, size, op, asid and columns 1..%d", spec, MAXCOL);
        c->col[k] = (uint16_t)v;
        p = *end ? end + 1 : end;
    }
    if ((c->col[K_OBJ] != 0) == (c->col[K_ADDR] != 0))
        return vmm_err_set(err, VMM_EINVAL, name, 0, -1,
                           "csv columns '%s': expected exactly one of obj and addr", spec);
    return 0;
}

/* Parse a number field [s, e): decimal, or hex after 0x. */
static int num_field(const char *s, const char *e, uint64_t max, int range, uint64_t *v)
{
    trim(&s, &e);
    const char *q = s;
    int st;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        q += 2;
        st = vmm_parse_hex(&q, v);   /* the source's padding makes its over-read safe */
        if (!st && *v > max)
            st = range;
    } else {
        st = vmm_parse_dec(&q, max, max == UINT64_MAX ? 19 : 9, range, v);
    }
    return st ? st : q == e ? 0 : VMM_TP_SYNTAX;
}

/* Op words by length and first letter, any case: r l 0 read / w s m 1
 * write / i 2 ifetch. */
static int op_field(const char *s, const char *e, uint8_t *op)
{
    trim(&s, &e);
    size_t n = (size_t)(e - s);
    int c = *s | 0x20;   /* lower case for letters; digits keep their value */
    if (n == 1) {
        switch (c) {
        case 'r': case 'l': case '0': *op = VMM_OP_READ; return 0;
        case 'w': case 's': case 'm': case '1': *op = VMM_OP_WRITE; return 0;
        case 'i': case '2': *op = VMM_OP_IFETCH; return 0;
        default: return VMM_TP_SYNTAX;
        }
    }
    if (n == 4 && !strncasecmp(s, "read", 4))
        *op = VMM_OP_READ;
    else if (n == 5 && !strncasecmp(s, "write", 5))
        *op = VMM_OP_WRITE;
    else if (n == 6 && !strncasecmp(s, "ifetch", 6))
        *op = VMM_OP_IFETCH;
    else
        return VMM_TP_SYNTAX;
    return 0;
}

/* Each line: one pass over its fields up to the last mapped column, each
 * field parsed by the key its column maps to (one table lookup). Fields
 * are short, so a byte loop finds their ends faster than memchr's setup. */
static inline int csv_parse(const vmm_trace_t *t, const char *p, const char *lim,
                            const char **next, vmm_ref_t *r)
{
    const csv *c = t->st;
    const char *q = vmm_skip_sep(p);
    if (*q == '\n' || *q == '\r' || *q == '#')
        return vmm_text_skip(p, lim, next);
    uint64_t v[NKEYS] = {0, 0, 0, 1, 0, 0};
    uint8_t op = VMM_OP_READ;
    const char *f = p, *e = p;
    const char d = c->delim;
    for (unsigned colno = 1; colno <= c->ncols; colno++) {
        if (colno > 1) {
            if (*e == '\n') {
                *next = e;
                return VMM_TP_SYNTAX;   /* too few columns */
            }
            f = e + 1;
        }
        e = f;
        while (*e != d && *e != '\n')
            e++;
        int k = c->key[colno], st = 0;
        switch (k) {
        case K_OP: st = op_field(f, e, &op); break;
        case K_SIZE: case K_ASID: st = num_field(f, e, UINT32_MAX, VMM_TP_RANGE32, &v[k]); break;
        case K_OBJ: case K_ADDR: st = num_field(f, e, UINT64_MAX, VMM_TP_RANGE64, &v[k]); break;
        default: break;   /* unmapped, or time */
        }
        if (st) {
            *next = f;
            return st;
        }
    }
    uint64_t addr = v[K_ADDR];
    uint32_t size = (uint32_t)v[K_SIZE];
    if (c->col[K_OBJ]) {
        if (__builtin_mul_overflow(v[K_OBJ], (uint64_t)t->page_size, &addr))
            return *next = p, VMM_TP_PAGEOVF;
        size = 1;
    } else if (!size) {
        return *next = p, VMM_TP_SIZE0;
    }
    while (*e != '\n')   /* columns after the last mapped one */
        e++;
    *next = e + 1;
    *r = (vmm_ref_t){.addr = addr, .asid = (uint32_t)v[K_ASID], .size = size, .op = op};
    return VMM_TP_REC;
}

VMM_TEXT_READ_FN csv_read(vmm_trace_t *t, vmm_ref_t *buf, size_t n, vmm_err_t *err)
{
    return vmm_text_read(t, buf, n, err, csv_parse);
}

/* Is the obj/addr field of line [p, eol) not a number (a header)? */
static int looks_like_header(const csv *c, const char *p, const char *eol)
{
    unsigned want = c->col[K_OBJ] ? c->col[K_OBJ] : c->col[K_ADDR];
    const char *f = p;
    for (unsigned colno = 1; colno < want; colno++) {
        const char *e = memchr(f, c->delim, (size_t)(eol - f));
        if (!e)
            return 1;
        f = e + 1;
    }
    const char *e = memchr(f, c->delim, (size_t)(eol - f));
    uint64_t v;
    return num_field(f, e ? e : eol, UINT64_MAX, VMM_TP_RANGE64, &v) == VMM_TP_SYNTAX;
}

static int csv_open(vmm_trace_t *t, const vmm_trace_opts_t *o, vmm_err_t *err)
{
    csv *c = t->st;
    vmm_src_t *s = &t->src;
    /* text_start left the first meaningful line at buf[pos] */
    const char *p = s->buf + s->pos, *eol = memchr(p, '\n', t->lim - s->pos);
    c->delim = o->csv_delim ? o->csv_delim : pick_delim(p, eol);
    if (c->delim == '\n' || c->delim == '\r')
        return vmm_err_set(err, VMM_EINVAL, s->name, 0, -1, "bad csv delimiter");
    int header;
    if (o->csv_cols) {
        int rc = parse_cols(c, o->csv_cols, s->name, err);
        if (rc)
            return rc;
        header = o->csv_header == VMM_CSV_HEADER_YES ||
                 (o->csv_header == VMM_CSV_HEADER_AUTO && looks_like_header(c, p, eol));
    } else {
        if (o->csv_header == VMM_CSV_HEADER_NO || map_header(c, p, eol, c->delim) != 1) {
            char ex[64];
            size_t n = (size_t)(eol - p) < 48 ? (size_t)(eol - p) : 48;
            memcpy(ex, p, n);
            ex[n] = 0;
            return vmm_err_set(err, VMM_EINVAL, s->name, t->line + 1, (int64_t)vmm_src_offset(s),
                               "csv trace without a column mapping: expected a header naming "
                               "an obj or addr column, got '%s' (or give the columns, as "
                               "--csv-cols obj=2)", ex);
        }
        header = 1;
    }
    memset(c->key, -1, sizeof c->key);
    for (int k = 0; k < NKEYS; k++) {
        if (c->col[k] > c->ncols)
            c->ncols = c->col[k];
        if (c->col[k])
            c->key[c->col[k]] = (int8_t)k;
    }
    if (header) {   /* consume it */
        t->line++;
        s->pos += (size_t)(eol - p) + 1;
    }
    return 0;
}

static size_t csv_header(uint32_t page_size, unsigned char *d)
{
    (void)page_size;
    memcpy(d, "addr,size,op,asid\n", 18);
    return 18;
}

static long csv_encode(const vmm_ref_t *r, uint32_t page_size, uint64_t seq, unsigned char *d,
                       const char **why)
{
    (void)page_size;
    (void)why;
    (void)seq;
    size_t n = 0;
    d[n++] = '0';
    d[n++] = 'x';
    n += vmm_put_hex(d + n, r->addr, 1);
    d[n++] = ',';
    n += vmm_put_dec(d + n, r->size);
    d[n++] = ',';
    d[n++] = (unsigned char)"RWI"[r->op];
    d[n++] = ',';
    n += vmm_put_dec(d + n, r->asid);
    d[n++] = '\n';
    return (long)n;
}

const vmm_fmt_ops_t vmm_fmt_csv = {
    .name = "csv",
    .shape = "fields as the csv column mapping says",
    .flags = VMM_FMT_KEEPS_SIZE,
    .state_size = sizeof(csv),
    .detect = csv_detect,
    .parse = csv_parse,
    .open = csv_open,
    .read = csv_read,
    .max_rec = 2 + 16 + 1 + 10 + 3 + 10 + 1,
    .header = csv_header,
    .encode = csv_encode,
};
