/* Unit tests for trace readers and writers (vmmsim/trace.h): exact records
 * from the small files in tests/data, format detection, block boundaries,
 * the real traces in ../shared/traces (skipped when absent), round trips
 * through every writer, malformed inputs (tests/data/bad-*, listed in
 * tests/data/README.md) and allocation failure. The formats of issue #9
 * (vscsi, oracleGeneral, msr, csv, hex, perf, valgrind -v lackey logs,
 * merged traces, gzip and xz) have their own section near the end.
 *
 * Paths are relative to the repository root, where `make test` runs. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "vmmsim/trace.h"
#include "vmmsim/report.h"   /* vmm_output_cleanup */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "real_traces.h"

#define REF(a, as, sz, o) ((vmm_ref_t){.addr = (a), .asid = (as), .size = (sz), .op = (o)})
#define NREFS(a) (sizeof(a) / sizeof((a)[0]))
#define R VMM_OP_READ
#define W VMM_OP_WRITE
#define I VMM_OP_IFETCH

static const char *data(const char *name)
{
    static char buf[4][512];
    static int which;
    char *b = buf[which++ & 3];
    snprintf(b, sizeof buf[0], "tests/data/%s", name);
    return b;
}

/* Read a whole trace (batches of `batch`) into out; returns 0 or the error
 * code of the open or read that failed, *n the records read before it. */
static int slurp(const char *path, const vmm_trace_opts_t *o, size_t batch, vmm_ref_t *out,
                 size_t cap, size_t *n, vmm_err_t *e)
{
    vmm_trace_t *t = NULL;
    *n = 0;
    int rc = vmm_trace_open(path, o, &t, e);
    if (rc) {
        cr_assert_null(t);
        return rc;
    }
    long k;
    while ((k = vmm_trace_read(t, out + *n, cap - *n < batch ? cap - *n : batch, e)) > 0)
        *n += (size_t)k;
    vmm_trace_close(t);
    return k < 0 ? (int)k : 0;
}

static void check_refs(const vmm_ref_t *got, size_t n, const vmm_ref_t *want, size_t m)
{
    cr_assert_eq(n, m, "got %zu records, want %zu", n, m);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(got[i].addr, want[i].addr, "record %zu: addr %llx want %llx", i,
                     (unsigned long long)got[i].addr, (unsigned long long)want[i].addr);
        cr_assert_eq(got[i].asid, want[i].asid, "record %zu: asid", i);
        cr_assert_eq(got[i].size, want[i].size, "record %zu: size %u want %u", i, got[i].size,
                     want[i].size);
        cr_assert_eq(got[i].op, want[i].op, "record %zu: op", i);
        cr_assert_eq(got[i].vm, want[i].vm, "record %zu: vm", i);
        cr_assert_eq(got[i].flags, 0, "record %zu: flags", i);
        cr_assert_eq(got[i].pad, 0, "record %zu: pad", i);
    }
}

/* Read `name` from tests/data and compare with want; also checks the
 * detected format name. */
static void expect_file(const char *name, const vmm_trace_opts_t *o, const char *format,
                        const vmm_ref_t *want, size_t m)
{
    vmm_ref_t got[64];
    size_t n;
    vmm_err_t e;
    vmm_trace_t *t;
    int rc = vmm_trace_open(data(name), o, &t, &e);
    cr_assert_eq(rc, 0, "%s: open failed: %s", name, e.msg);
    cr_assert_str_eq(vmm_trace_format_name(t), format, "%s", name);
    vmm_trace_close(t);
    rc = slurp(data(name), o, 64, got, 64, &n, &e);
    cr_assert_eq(rc, 0, "%s: %s", name, e.msg);
    check_refs(got, n, want, m);
    /* one record per call gives the same records */
    rc = slurp(data(name), o, 1, got, 64, &n, &e);
    cr_assert_eq(rc, 0);
    check_refs(got, n, want, m);
}

static const vmm_ref_t vmm_want[] = {
    REF(0x1000, 0, 1, R), REF(0x2000, 0, 1, W), REF(4096, 1, 1, R), REF(0x1fff, 2, 1, W),
    REF(0xffffffffffffffffull, 3, 1, R), REF(18446744073709551615ull, 4294967295u, 1, W),
};

static const vmm_ref_t lackey_want[] = {
    REF(0x0400d7d4, 0, 8, I), REF(0x1ffefffc40ull, 0, 8, R), REF(0x1ffefffc38ull, 0, 4, W),
    REF(0x0421e0e8, 0, 4, W), REF(0x04000000, 0, 16, I), REF(0, 0, 1, R),
    REF(0xffffffffffffffffull, 0, 4294967295u, W),
};

static const vmm_ref_t din_want[] = {
    REF(0x400d7d4, 0, 1, I), REF(0x1ffefffc40ull, 0, 1, R), REF(0x1ffefffc38ull, 0, 1, W),
    REF(0, 0, 1, R), REF(0xabcdef, 0, 1, I),
};

static vmm_ref_t bin_want[4];

static void init_bin_want(void)
{
    bin_want[0] = REF(0x400d7d4, 0, 8, I);
    bin_want[1] = REF(0x1ffefffc40ull, 7, 65535, R);
    bin_want[2] = REF(0xffffffffffffffffull, 0xffffffffu, 65536, W);
    bin_want[2].vm = 3;
    bin_want[3] = REF(0x1000, 1, 1, R);
}

/* ---- each format from tests/data ------------------------------------- */

Test(trace_read, vmm)
{
    expect_file("trace-vmm.txt", NULL, "vmm", vmm_want, NREFS(vmm_want));
}

Test(trace_read, vmm_crlf)
{
    vmm_ref_t want[] = {REF(0x1000, 0, 1, R), REF(8192, 1, 1, W)};
    expect_file("trace-vmm-crlf.txt", NULL, "vmm", want, NREFS(want));
}

Test(trace_read, lackey)
{
    expect_file("trace-lackey.txt", NULL, "lackey", lackey_want, NREFS(lackey_want));
}

Test(trace_read, lackey_data_only)
{
    vmm_ref_t want[8];
    size_t m = 0;
    for (size_t i = 0; i < NREFS(lackey_want); i++)
        if (lackey_want[i].op != I)
            want[m++] = lackey_want[i];
    vmm_trace_opts_t o = {.data_only = 1};
    expect_file("trace-lackey.txt", &o, "lackey", want, m);
}

Test(trace_read, pages)
{
    vmm_ref_t want[] = {REF(42932745ull * 4096, 0, 1, R), REF(0, 0, 1, R),
                        REF(7 * 4096, 0, 1, R), REF(4503599627370495ull * 4096, 0, 1, R)};
    expect_file("trace-pages.txt", NULL, "pages", want, NREFS(want));
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(data("trace-pages.txt"), NULL, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 4096);
    vmm_trace_close(t);
}

Test(trace_read, pages_page_size)
{
    vmm_ref_t want[] = {REF(42932745ull * 8192, 0, 1, R), REF(0, 0, 1, R),
                        REF(7 * 8192, 0, 1, R)};
    vmm_trace_opts_t o = {.page_size = 8192};
    vmm_ref_t got[8];
    size_t n;
    vmm_err_t e;
    /* the last page number overflows 64 bits at 8 KiB pages */
    cr_assert_eq(slurp(data("trace-pages.txt"), &o, 64, got, 8, &n, &e), VMM_ERANGE);
    cr_assert_eq(e.line, 5);
    check_refs(got, n, want, NREFS(want));
    vmm_trace_t *t;
    cr_assert_eq(vmm_trace_open(data("trace-pages.txt"), &o, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 8192);
    vmm_trace_close(t);
}

Test(trace_read, pages_no_final_newline)
{
    vmm_ref_t want[] = {REF(4096, 0, 1, R), REF(8192, 0, 1, R), REF(12288, 0, 1, R)};
    expect_file("trace-pages-nonl.txt", NULL, "pages", want, NREFS(want));
}

Test(trace_read, din)
{
    expect_file("trace-din.txt", NULL, "din", din_want, NREFS(din_want));
}

Test(trace_read, bin)
{
    init_bin_want();
    expect_file("trace-bin.bin", NULL, "bin", bin_want, 4);
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(data("trace-bin.bin"), NULL, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 8192);
    vmm_trace_close(t);
}

Test(trace_read, zstd_variants)
{
    init_bin_want();
    expect_file("trace-lackey.txt.zst", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey-zstd.dat", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey-2frames.zst", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-bin.bin.zst", NULL, "bin", bin_want, 4);
}

Test(trace_read, stdin_zstd)
{
    int fd = open(data("trace-lackey.txt.zst"), O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    vmm_ref_t got[16];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp("-", NULL, 3, got, 16, &n, &e), 0, "%s", e.msg);
    check_refs(got, n, lackey_want, NREFS(lackey_want));
}

Test(trace_read, stdin_error_names_stdin)
{
    int fd = open(data("bad-vmm-syntax.txt"), O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    vmm_ref_t got[16];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp("-", NULL, 16, got, 16, &n, &e), VMM_EFORMAT);
    cr_assert_str_eq(e.file, "<stdin>");
    cr_assert_eq(e.line, 3);
}

Test(trace_read, forced_format)
{
    vmm_trace_opts_t o = {.format = "din"};
    expect_file("trace-din.txt", &o, "din", din_want, NREFS(din_want));
    o.format = "AUTO";
    expect_file("trace-din.txt", &o, "din", din_want, NREFS(din_want));
    /* a vmm file read as lackey fails on its first record line */
    o.format = "lackey";
    vmm_ref_t got[8];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp(data("trace-vmm.txt"), &o, 8, got, 8, &n, &e), VMM_EFORMAT);
    cr_assert_eq(e.line, 2);
    cr_assert(strstr(e.msg, "I|L|S|M addr,size"), "%s", e.msg);
}

Test(trace_read, eof_is_repeatable)
{
    vmm_trace_t *t;
    vmm_err_t e;
    vmm_ref_t buf[16];
    cr_assert_eq(vmm_trace_open(data("trace-din.txt"), NULL, &t, &e), 0);
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), 5);
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), 0);
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), 0);
    vmm_trace_close(t);
    vmm_trace_close(NULL);
}

Test(trace_read, errors_are_sticky_and_deferred)
{
    vmm_trace_t *t;
    vmm_err_t e;
    vmm_ref_t buf[16];
    cr_assert_eq(vmm_trace_open(data("bad-bin-record.bin"), NULL, &t, &e), 0);
    /* the two whole records come first, the error with the next call */
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), 2);
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), VMM_EFORMAT);
    cr_assert_eq(e.offset, 64);
    memset(&e, 0, sizeof e);
    cr_assert_eq(vmm_trace_read(t, buf, 16, &e), VMM_EFORMAT);
    cr_assert_eq(e.offset, 64);
    cr_assert(strstr(e.msg, "truncated record"));
    vmm_trace_close(t);
}

/* ---- detection --------------------------------------------------------- */

Test(trace_detect, each_format)
{
    static const struct { const char *file, *format; } cases[] = {
        {"trace-vmm.txt", "vmm"},       {"trace-vmm-crlf.txt", "vmm"},
        {"trace-lackey.txt", "lackey"}, {"trace-lackey.txt.zst", "lackey"},
        {"trace-pages.txt", "pages"},   {"trace-pages-nonl.txt", "pages"},
        {"trace-din.txt", "din"},       {"trace-bin.bin", "bin"},
        {"trace-bin.bin.zst", "bin"},   {"trace-lackey-zstd.dat", "lackey"},
        {"trace-cp.vscsi", "vscsi"},    {"trace-vscsi-v2.vscsi", "vscsi"},
        {"trace-oracle.oracleGeneral.bin", "oracleGeneral"},
        {"trace-msr.csv", "msr"},       {"trace-csv.csv", "csv"},
        {"trace-csv-addr.csv", "csv"},  {"trace-hex.txt", "hex"},
        {"trace-perf-mem.txt", "perf"}, {"trace-perf-faults.txt", "perf"},
        {"trace-lackey-v-a.txt", "lackey"}, {"trace-lackey.txt.gz", "lackey"},
        {"trace-lackey-gz.dat", "lackey"},  {"trace-lackey.txt.xz", "lackey"},
    };
    for (size_t i = 0; i < NREFS(cases); i++) {
        vmm_trace_t *t;
        vmm_err_t e;
        cr_assert_eq(vmm_trace_open(data(cases[i].file), NULL, &t, &e), 0, "%s: %s",
                     cases[i].file, e.msg);
        cr_assert_str_eq(vmm_trace_format_name(t), cases[i].format, "%s", cases[i].file);
        vmm_trace_close(t);
    }
}

Test(trace_detect, formats_list)
{
    const char *const *f = vmm_trace_formats();
    const char *want[] = {"vmm", "lackey", "pages", "din", "bin", "vscsi",
                          "oracleGeneral", "msr", "perf", "hex", "csv"};
    for (size_t i = 0; i < NREFS(want); i++)
        cr_assert_str_eq(f[i], want[i]);
    cr_assert_null(f[NREFS(want)]);
    /* every format but the read-only ones can be written */
    const char *const *w = vmm_trace_writable();
    const char *wwant[] = {"vmm", "lackey", "pages", "din", "bin", "vscsi", "msr", "hex", "csv"};
    for (size_t i = 0; i < NREFS(wwant); i++)
        cr_assert_str_eq(w[i], wwant[i]);
    cr_assert_null(w[NREFS(wwant)]);
}

/* ---- temporary directories -------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vmmsim-trace-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static const char *tmp(const char *name)
{
    static char buf[4][400];
    static int which;
    char *b = buf[which++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
    return b;
}

static int count_files(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            unlink(tmp(de->d_name));
    closedir(d);
    rmdir(tmpdir);
}

/* ---- block boundaries and line limits ---------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A lackey file of `n` records with varied line lengths (leading zeros,
 * 1..16 digits, banner and blank lines), so lines straddle the reader's
 * 1 MiB blocks at many different offsets. */
static void write_big_lackey(const char *path, vmm_ref_t *want, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng();
        unsigned digits = 1 + (unsigned)(r % 16), op = (unsigned)(r >> 8) % 4;
        uint64_t addr = rng() >> (64 - 4 * digits);
        uint32_t size = 1 + (uint32_t)(r >> 16) % 300;
        if ((r >> 32) % 97 == 0)
            fprintf(f, "==42== banner line %zu\n", i);
        if ((r >> 40) % 89 == 0)
            fprintf(f, "\n");
        static const char *lead[] = {"I  ", " L ", " S ", " M "};
        fprintf(f, "%s%0*llx,%u\n", lead[op], (int)(digits + (r >> 48) % 3), (unsigned long long)addr,
                size);
        want[i] = REF(addr, 0, size, op == 0 ? I : op == 1 ? R : W);
    }
    fclose(f);
}

Test(trace_big, block_boundaries, .init = make_tmpdir, .fini = remove_tmpdir)
{
    size_t n = 300000;
    vmm_ref_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    write_big_lackey(tmp("big.lackey"), want, n);
    struct stat st;
    stat(tmp("big.lackey"), &st);
    cr_assert_gt(st.st_size, 3 << 20, "should span several blocks");
    size_t k;
    vmm_err_t e;
    cr_assert_eq(slurp(tmp("big.lackey"), NULL, 4096, got, n, &k, &e), 0, "%s", e.msg);
    check_refs(got, k, want, n);
    cr_assert_eq(slurp(tmp("big.lackey"), NULL, 777, got, n, &k, &e), 0);
    check_refs(got, k, want, n);
    /* the same through the zstd writer and reader */
    vmm_trace_writer_t *w;
    cr_assert_eq(vmm_trace_writer_open(tmp("big.lackey.zst"), "lackey", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, want, n, &e), 0);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
    cr_assert_eq(slurp(tmp("big.lackey.zst"), NULL, 4096, got, n, &k, &e), 0, "%s", e.msg);
    check_refs(got, k, want, n);
    /* and through gzip and xz, whose blocks fall elsewhere */
    const char *more[] = {"big.lackey.gz", "big.lackey.xz"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(vmm_trace_writer_open(tmp(more[i]), "lackey", 0, &w, &e), 0);
        cr_assert_eq(vmm_trace_write(w, want, n, &e), 0);
        cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
        cr_assert_eq(slurp(tmp(more[i]), NULL, 999, got, n, &k, &e), 0, "%s", e.msg);
        check_refs(got, k, want, n);
    }
    free(want);
    free(got);
}

/* A vmm line padded with blanks to exactly `len` bytes before its '\n'. */
static void write_padded(const char *path, size_t len, int at_end_of_block)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    size_t off = 0;
    if (at_end_of_block)   /* push the long line across the 1 MiB boundary */
        for (; off < (1u << 20) - 100; off += 9)
            fputs("0 R 4096\n", f);
    fputs("1 W 8192", f);
    for (size_t i = 8; i < len; i++)
        fputc(' ', f);
    fputs("\n2 R 0x10\n", f);
    fclose(f);
}

Test(trace_big, line_length_limit, .init = make_tmpdir, .fini = remove_tmpdir)
{
    static vmm_ref_t got[200000];
    size_t n;
    vmm_err_t e;
    for (int edge = 0; edge <= 1; edge++) {
        write_padded(tmp("ok.txt"), 4096, edge);
        cr_assert_eq(slurp(tmp("ok.txt"), NULL, 4096, got, 200000, &n, &e), 0, "%s", e.msg);
        cr_assert_eq(got[n - 1].addr, 0x10);
        cr_assert_eq(got[n - 2].addr, 8192);
        write_padded(tmp("long.txt"), 4097, edge);
        cr_assert_eq(slurp(tmp("long.txt"), NULL, 4096, got, 200000, &n, &e), VMM_EFORMAT);
        cr_assert_eq(e.line, n + 1);
        cr_assert(strstr(e.msg, "longer than 4096"), "%s", e.msg);
    }
}

/* ---- the real traces ---------------------------------------------------- */

Test(trace_real, gzip_lackey)
{
    const char *path = "../shared/traces/gzip.lackey.zst";
    if (access(path, R_OK))
        path = "/work/shared/traces/gzip.lackey.zst";
    if (access(path, R_OK))
        cr_skip_test("real traces not present");
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(path, NULL, &t, &e), 0, "%s", e.msg);
    cr_assert_str_eq(vmm_trace_format_name(t), "lackey");
    static vmm_ref_t buf[8192];
    unsigned long long count[3] = {0}, total = 0;
    long k;
    while ((k = vmm_trace_read(t, buf, 8192, &e)) > 0) {
        for (long i = 0; i < k; i++) {
            cr_assert_geq(buf[i].size, 1);
            count[buf[i].op]++;
        }
        total += (unsigned long long)k;
    }
    cr_assert_eq(k, 0, "%s", e.msg);
    vmm_trace_close(t);
    cr_assert_eq(total, 15137562ull);
    cr_assert_eq(count[I], 10990168ull);
    cr_assert_eq(count[R], 2617262ull);
    cr_assert_eq(count[W], 1470327ull + 59805ull);   /* S and M lines */
}

Test(trace_real, cloudphysics_pages)
{
    const char *path = "../shared/traces/cloudPhysicsIO.txt";
    if (access(path, R_OK))
        path = "/work/shared/traces/cloudPhysicsIO.txt";
    if (access(path, R_OK))
        cr_skip_test("real traces not present");
    static vmm_ref_t buf[120000];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp(path, NULL, 4096, buf, 120000, &n, &e), 0, "%s", e.msg);
    cr_assert_eq(n, 113872);
    cr_assert_eq(buf[0].addr, 42932745ull * 4096);
    cr_assert_eq(buf[n - 1].addr, 42936150ull * 4096);   /* last line has no '\n' */
}

/* ---- round trips through every writer ------------------------------------ */

static vmm_ref_t sample[6];

static void init_sample(void)
{
    sample[0] = REF(0x0400d7d4, 0, 8, I);
    sample[1] = REF(0x1ffefffc40ull, 3, 4, R);
    sample[2] = REF(0xffffffffffffffffull, 0xffffffffu, 65536, W);
    sample[3] = REF(0, 7, 1, R);
    sample[4] = REF(0x12345, 1, 300, W);
    sample[5] = REF(0x7fff0000, 2, 16, I);
}

/* What `format` gives back for record r (what it cannot carry is lost). */
static vmm_ref_t carried(const char *format, vmm_ref_t r, uint32_t ps)
{
    if (!strcmp(format, "vmm"))
        return REF(r.addr, r.asid, 1, r.op == W ? W : R);
    if (!strcmp(format, "pages"))
        return REF(r.addr / ps * ps, 0, 1, R);
    if (!strcmp(format, "din"))
        return REF(r.addr, 0, 1, r.op);
    if (!strcmp(format, "lackey"))
        return REF(r.addr, 0, r.size, r.op);
    if (!strcmp(format, "vscsi"))
        return REF(r.addr / ps * ps, 0, 1, r.op == W ? W : R);
    if (!strcmp(format, "msr"))
        return REF(r.addr, r.asid, r.size, r.op == W ? W : R);
    if (!strcmp(format, "hex"))
        return REF(r.addr, 0, 1, R);
    if (!strcmp(format, "csv"))
        return REF(r.addr, r.asid, r.size, r.op);
    return r;   /* bin carries everything */
}

static void round_trip(const char *format, const char *file, int force)
{
    init_sample();
    sample[3].vm = 200;   /* only bin keeps vm */
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp(file), format, 4096, &w, &e), 0, "%s", e.msg);
    cr_assert_eq(vmm_trace_write(w, sample, 2, &e), 0, "%s", e.msg);
    cr_assert_eq(vmm_trace_write(w, sample + 2, 4, &e), 0, "%s", e.msg);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0, "%s", e.msg);
    cr_assert_eq(count_files(), 1, "temporary file left behind");
    vmm_ref_t want[6], got[16];
    for (size_t i = 0; i < 6; i++)
        want[i] = carried(format, sample[i], 4096);
    vmm_trace_opts_t o = {.format = force ? format : NULL};
    size_t n;
    cr_assert_eq(slurp(tmp(file), &o, 16, got, 16, &n, &e), 0, "%s: %s", file, e.msg);
    check_refs(got, n, want, 6);
    vmm_trace_t *t;
    cr_assert_eq(vmm_trace_open(tmp(file), NULL, &t, &e), 0);
    cr_assert_str_eq(vmm_trace_format_name(t), format);
    if (!strcmp(format, "bin") || !strcmp(format, "pages"))
        cr_assert_eq(vmm_trace_page_size(t), 4096);
    vmm_trace_close(t);
    unlink(tmp(file));
}

Test(trace_roundtrip, bin, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("bin", "rt.bin", 0);
    round_trip("bin", "rt.bin", 1);
}

Test(trace_roundtrip, bin_zst, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("bin", "rt.bin.zst", 0);
}

Test(trace_roundtrip, vmm, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("vmm", "rt.vmm", 0);
    round_trip("vmm", "rt.vmm.zst", 1);
}

Test(trace_roundtrip, pages, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("pages", "rt.pages", 0);
}

Test(trace_roundtrip, din, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("din", "rt.din", 0);
    round_trip("din", "rt.din.zst", 1);
}

Test(trace_roundtrip, lackey, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("lackey", "rt.lackey", 0);
    round_trip("lackey", "rt.lackey.zst", 0);
}

Test(trace_roundtrip, vscsi, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("vscsi", "rt.vscsi", 0);
    round_trip("vscsi", "rt.vscsi.gz", 1);
}

Test(trace_roundtrip, msr, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("msr", "rt.msr", 0);
    round_trip("msr", "rt.msr.xz", 0);
}

Test(trace_roundtrip, hex, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("hex", "rt.hex", 0);
}

Test(trace_roundtrip, csv, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("csv", "rt.csv", 0);
    round_trip("csv", "rt.csv.gz", 1);
}

Test(trace_roundtrip, gzip_and_xz, .init = make_tmpdir, .fini = remove_tmpdir)
{
    round_trip("bin", "rt.bin.gz", 0);
    round_trip("bin", "rt.bin.xz", 0);
    round_trip("lackey", "rt.lackey.xz", 0);
}

Test(trace_roundtrip, lackey_text_is_lackey, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("x.lackey"), "lackey", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, sample, 2, &e), 0);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
    char text[128] = {0};
    FILE *f = fopen(tmp("x.lackey"), "r");
    cr_assert_eq(fread(text, 1, sizeof text - 1, f) > 0, 1);
    fclose(f);
    cr_assert_str_eq(text, "I  0400d7d4,8\n L 1ffefffc40,4\n");
}

Test(trace_roundtrip, stdout_writer, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    int fd = open(tmp("out.din"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    vmm_trace_writer_t *w;
    vmm_err_t e;
    int rc1 = vmm_trace_writer_open("-", "din", 0, &w, &e);
    int rc2 = rc1 ? rc1 : vmm_trace_write(w, sample, 6, &e);
    int rc3 = rc1 ? rc1 : vmm_trace_writer_close(w, 1, &e);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    cr_assert_eq(rc1 | rc2 | rc3, 0);
    vmm_ref_t want[6], got[8];
    for (size_t i = 0; i < 6; i++)
        want[i] = carried("din", sample[i], 4096);
    size_t n;
    cr_assert_eq(slurp(tmp("out.din"), NULL, 8, got, 8, &n, &e), 0, "%s", e.msg);
    check_refs(got, n, want, 6);
}

/* ---- writer failures ------------------------------------------------------ */

Test(trace_writer, abort_removes_output, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("a.bin"), "bin", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, sample, 6, &e), 0);
    cr_assert_eq(count_files(), 1);   /* the temporary file */
    cr_assert_eq(vmm_trace_writer_close(w, 0, &e), 0);
    cr_assert_eq(count_files(), 0);
    cr_assert_eq(vmm_trace_writer_close(NULL, 1, &e), 0);
}

Test(trace_writer, commit_replaces_whole_file, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    vmm_trace_writer_t *w;
    vmm_err_t e;
    for (int round = 1; round <= 2; round++) {
        cr_assert_eq(vmm_trace_writer_open(tmp("c.vmm"), "vmm", 0, &w, &e), 0);
        cr_assert_eq(vmm_trace_write(w, sample, (size_t)round * 3, &e), 0);
        cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
    }
    vmm_ref_t got[8];
    size_t n;
    cr_assert_eq(slurp(tmp("c.vmm"), NULL, 8, got, 8, &n, &e), 0);
    cr_assert_eq(n, 6);
    cr_assert_eq(count_files(), 1);
}

Test(trace_writer, unrepresentable_record_fails_whole_file, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
    vmm_trace_writer_t *w;
    vmm_err_t e;
    vmm_ref_t big = REF(0x1000, 0, 65537, R);
    cr_assert_eq(vmm_trace_writer_open(tmp("b.bin"), "bin", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, &big, 1, &e), VMM_ERANGE);
    cr_assert(strstr(e.msg, "record 1"), "%s", e.msg);
    vmm_ref_t ok = REF(0x1000, 0, 1, R);
    cr_assert_eq(vmm_trace_write(w, &ok, 1, &e), VMM_ERANGE);   /* sticky */
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), VMM_ERANGE);
    cr_assert_eq(count_files(), 0);
    vmm_ref_t vm = REF(0x1000, 0, 1, R);
    vm.vm = 256;
    cr_assert_eq(vmm_trace_writer_open(tmp("b.bin"), "bin", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, &vm, 1, &e), VMM_ERANGE);
    vmm_trace_writer_close(w, 0, &e);
}

Test(trace_writer, invalid_records, .init = make_tmpdir, .fini = remove_tmpdir)
{
    vmm_trace_writer_t *w;
    vmm_err_t e;
    vmm_ref_t badop = REF(0x1000, 0, 1, 7), size0 = REF(0x1000, 0, 0, R);
    cr_assert_eq(vmm_trace_writer_open(tmp("i.din"), "din", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, &badop, 1, &e), VMM_EINVAL);
    vmm_trace_writer_close(w, 0, &e);
    cr_assert_eq(vmm_trace_writer_open(tmp("i.din"), "din", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, &size0, 1, &e), VMM_EINVAL);
    vmm_trace_writer_close(w, 0, &e);
    cr_assert_eq(count_files(), 0);
}

Test(trace_writer, open_errors, .init = make_tmpdir, .fini = remove_tmpdir)
{
    vmm_trace_writer_t *w = (vmm_trace_writer_t *)1;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("x"), "parquet", 0, &w, &e), VMM_ENOENT);
    cr_assert_null(w);
    cr_assert(strstr(e.msg, "parquet"));
    cr_assert(strstr(e.msg, "writable: vmm, lackey"), "%s", e.msg);
    cr_assert_eq(vmm_trace_writer_open(tmp("x"), "perf", 0, &w, &e), VMM_EUNSUP);
    cr_assert(strstr(e.msg, "read only"), "%s", e.msg);
    cr_assert_eq(vmm_trace_writer_open(tmp("x"), "oracleGeneral", 0, &w, &e), VMM_EUNSUP);
    cr_assert_eq(vmm_trace_writer_open(tmp("no/such/dir.bin"), "bin", 0, &w, &e), VMM_ENOENT);
    cr_assert(strstr(e.file, "dir.bin"));
}

Test(trace_writer, write_failure_is_eio)
{
    int fd = open("/dev/full", O_WRONLY);
    if (fd < 0)
        cr_skip_test("no /dev/full");
    init_sample();
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    vmm_trace_writer_t *w;
    vmm_err_t e;
    int rc1 = vmm_trace_writer_open("-", "bin", 0, &w, &e);
    int rc2 = rc1 ? rc1 : vmm_trace_write(w, sample, 6, &e);
    int rc3 = rc1 ? rc1 : vmm_trace_writer_close(w, 1, &e);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    cr_assert_eq(rc1 | rc2, 0);
    cr_assert_eq(rc3, VMM_EIO);
    cr_assert_str_eq(e.file, "<stdout>");
    cr_assert(strstr(e.msg, "write failed"), "%s", e.msg);
    VMM_ASSERT_NO_LEAKS();
}

/* A signal handler's vmm_output_cleanup() removes the temporary file of an
 * open writer; the output never appears. */
Test(trace_writer, output_cleanup_removes_temporaries, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("s.bin"), "bin", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, sample, 6, &e), 0);
    cr_assert_eq(count_files(), 1);
    vmm_output_cleanup();
    cr_assert_eq(count_files(), 0);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), VMM_EIO);   /* nothing left to rename */
    cr_assert_eq(count_files(), 0);
    vmm_output_cleanup();   /* and nothing registered any more */
}

/* The page size of a bin header: written only when valid, checked when read
 * (byte 16 names it), 0 meaning unknown. */
Test(trace_writer, bin_page_size, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("p.bin"), "bin", 3, &w, &e), VMM_EINVAL);
    cr_assert(strstr(e.msg, "page size 3"), "%s", e.msg);
    cr_assert_eq(vmm_trace_writer_open(tmp("p.bin"), "bin", 1u << 31, &w, &e), VMM_EINVAL);
    cr_assert_eq(count_files(), 0);
    cr_assert_eq(vmm_trace_writer_open(tmp("p.bin"), "bin", 2u << 20, &w, &e), 0);
    cr_assert_eq(vmm_trace_write(w, sample, 6, &e), 0);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
    vmm_trace_t *t;
    cr_assert_eq(vmm_trace_open(tmp("p.bin"), NULL, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 2u << 20);
    vmm_trace_close(t);
    /* the same file with other page sizes in its header */
    static const uint32_t bad[] = {3, 256, 4097, 1u << 31}, good[] = {0, 512, 1u << 30};
    FILE *f = fopen(tmp("p.bin"), "r+b");
    cr_assert_not_null(f);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] + sizeof good / sizeof good[0]; i++) {
        int is_bad = i < sizeof bad / sizeof bad[0];
        uint32_t ps = is_bad ? bad[i] : good[i - sizeof bad / sizeof bad[0]];
        unsigned char le[4] = {ps & 255, ps >> 8 & 255, ps >> 16 & 255, ps >> 24};
        cr_assert_eq(fseek(f, 16, SEEK_SET), 0);
        cr_assert_eq(fwrite(le, 1, 4, f), 4);
        cr_assert_eq(fflush(f), 0);
        int rc = vmm_trace_open(tmp("p.bin"), NULL, &t, &e);
        if (is_bad) {
            cr_assert_eq(rc, VMM_EFORMAT, "page size %u", ps);
            cr_assert_eq(e.offset, 16);
            cr_assert(strstr(e.msg, "bad page size"), "%s", e.msg);
        } else {
            cr_assert_eq(rc, 0, "page size %u: %s", ps, e.msg);
            cr_assert_eq(vmm_trace_page_size(t), ps);
            vmm_trace_close(t);
        }
    }
    fclose(f);
}

Test(trace_writer, empty_bin_reads_as_empty_trace, .init = make_tmpdir, .fini = remove_tmpdir)
{
    vmm_trace_writer_t *w;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_writer_open(tmp("e.bin"), "bin", 0, &w, &e), 0);
    cr_assert_eq(vmm_trace_writer_close(w, 1, &e), 0);
    vmm_trace_t *t;
    cr_assert_eq(vmm_trace_open(tmp("e.bin"), NULL, &t, &e), VMM_EFORMAT);
    cr_assert(strstr(e.msg, "empty trace"));
    cr_assert_eq(e.offset, 32);
}

/* ---- malformed inputs ------------------------------------------------------ */

struct bad_case {
    char file[40];     /* in tests/data */
    char format[8];    /* forced format, "" for auto */
    int code;
    int line;          /* expected 1-based line, 0 for binary/none */
    int offset;        /* expected byte offset, -1 when not checked */
    char msg[40];      /* substring of the message */
};

ParameterizedTestParameters(trace_bad, inputs)
{
    static struct bad_case cases[] = {
        {"bad-vmm-syntax.txt", "", VMM_EFORMAT, 3, -1, "expected 'pid R|W addr'"},
        {"bad-vmm-hex.txt", "", VMM_EFORMAT, 2, -1, "got '0 R 0x10g0'"},
        {"bad-vmm-op.txt", "", VMM_EFORMAT, 2, -1, "got '0 X 4096'"},
        {"bad-vmm-hex-overflow.txt", "", VMM_ERANGE, 2, -1, "64 bits"},
        {"bad-vmm-dec-overflow.txt", "", VMM_ERANGE, 2, -1, "64 bits"},
        {"bad-vmm-pid-overflow.txt", "", VMM_ERANGE, 2, -1, "32 bits"},
        {"bad-vmm-truncated.txt", "", VMM_EFORMAT, 2, -1, "got '0 R'"},
        {"bad-lackey-size0.txt", "", VMM_ERANGE, 2, -1, "size 0"},
        {"bad-lackey-size-overflow.txt", "", VMM_ERANGE, 2, -1, "32 bits"},
        {"bad-lackey-nocomma.txt", "", VMM_EFORMAT, 2, -1, "I|L|S|M addr,size"},
        {"bad-lackey-hex.txt", "", VMM_EFORMAT, 2, -1, "04zz0000"},
        {"bad-lackey-hex-overflow.txt", "", VMM_ERANGE, 2, -1, "64 bits"},
        {"bad-lackey-binary.txt", "", VMM_EFORMAT, 2, -1, "binary data"},
        {"bad-lackey-truncated.txt", "", VMM_EFORMAT, 2, -1, "got ' L 04000010,'"},
        {"bad-pages-overflow.txt", "", VMM_ERANGE, 2, -1, "page size 4096"},
        {"bad-pages-negative.txt", "", VMM_EFORMAT, 2, -1, "expected 'page-number'"},
        {"bad-pages-dec-overflow.txt", "", VMM_ERANGE, 2, -1, "64 bits"},
        {"bad-din-label.txt", "", VMM_EFORMAT, 2, -1, "din label"},
        {"bad-din-hex.txt", "", VMM_EFORMAT, 2, -1, "expected 'label addr'"},
        {"bad-longline.txt", "", VMM_EFORMAT, 2, -1, "longer than 4096"},
        {"bad-empty.txt", "", VMM_EFORMAT, 0, 0, "empty trace"},
        {"bad-empty.txt", "bin", VMM_EFORMAT, 0, 0, "empty trace"},
        {"bad-comments-only.txt", "", VMM_EFORMAT, 0, 18, "empty trace"},
        {"bad-comments-only.txt", "vmm", VMM_EFORMAT, 0, 18, "empty trace"},
        {"bad-unknown.txt", "", VMM_EFORMAT, 1, -1, "cannot detect"},
        {"bad-garbage.dat", "", VMM_EFORMAT, 1, -1, "binary data"},
        {"bad-garbage.dat", "din", VMM_EFORMAT, 1, -1, "binary data"},
        {"bad-bin-magic.bin", "", VMM_EFORMAT, 0, 0, "bad magic"},
        {"trace-vmm.txt", "bin", VMM_EFORMAT, 0, 0, "bad magic"},
        {"bad-bin-version.bin", "", VMM_EFORMAT, 0, 8, "version 2"},
        {"bad-bin-flags.bin", "", VMM_EFORMAT, 0, 14, "flags"},
        {"bad-bin-header.bin", "", VMM_EFORMAT, 0, 20, "truncated bin header"},
        {"bad-bin-record.bin", "", VMM_EFORMAT, 0, 64, "truncated record"},
        {"bad-bin-op.bin", "", VMM_EFORMAT, 0, 62, "bad op 9"},
        {"bad-bin-empty.bin", "", VMM_EFORMAT, 0, 32, "empty trace"},
        {"bad-zstd-truncated.txt.zst", "", VMM_EFORMAT, 0, -1, "truncated zstd"},
        {"bad-zstd-corrupt.zst", "", VMM_EFORMAT, 0, -1, "corrupt zstd"},
        {"bad-not-zstd.zst", "", VMM_EFORMAT, 0, 0, "not a zstd stream"},
        {"bad-vscsi-version.vscsi", "", VMM_EFORMAT, 0, 79, "version byte 0x02 in a vscsi v1"},
        {"bad-vscsi-truncated.vscsi", "", VMM_EFORMAT, 0, 64, "truncated record: 20 of 32"},
        {"bad-vscsi-lbn.vscsi", "", VMM_ERANGE, 0, 48, "does not fit in 64 bits"},
        {"trace-vmm.txt", "vscsi", VMM_EFORMAT, 0, 15, "not a vscsi trace"},
        {"bad-oracle-truncated.oracleGeneral", "", VMM_EFORMAT, 0, 48, "10 of 24 bytes"},
        {"bad-oracle-id.oracleGeneral", "", VMM_ERANGE, 0, 28, "object id"},
        {"bad-msr-type.csv", "", VMM_EFORMAT, 2, -1, "got '128166372016382155,hm,1,Trim"},
        {"bad-msr-size0.csv", "", VMM_ERANGE, 2, -1, "size 0"},
        {"bad-msr-fields.csv", "", VMM_EFORMAT, 2, -1, "Read|Write,Offset,Size"},
        {"bad-csv-field.csv", "", VMM_EFORMAT, 3, -1, "got '11,4x2,512'"},
        {"bad-csv-noheader.csv", "", VMM_EFORMAT, 1, -1, "--csv-cols"},
        {"bad-csv-noheader.csv", "csv", VMM_EINVAL, 1, -1, "expected a header naming"},
        {"bad-hex.txt", "", VMM_EFORMAT, 2, -1, "expected 'hex-address', got '0x12g4'"},
        {"bad-perf-addr.txt", "", VMM_EFORMAT, 2, -1, "EVENT: ADDR"},
        {"bad-lackey-v-pid.txt", "", VMM_EFORMAT, 3, -1, "got '--12a-- oops'"},
        {"bad-gzip-truncated.txt.gz", "", VMM_EFORMAT, 0, -1, "truncated gzip stream"},
        {"bad-gzip-corrupt.gz", "", VMM_EFORMAT, 0, -1, "corrupt gzip stream"},
        {"bad-not-gzip.gz", "", VMM_EFORMAT, 0, 0, "not a gzip stream"},
        {"bad-xz-truncated.txt.xz", "", VMM_EFORMAT, 0, -1, "truncated xz stream"},
        {"bad-xz-corrupt.xz", "", VMM_EFORMAT, 0, -1, "corrupt xz stream"},
        {"bad-not-xz.xz", "", VMM_EFORMAT, 0, 0, "not an xz stream"},
        {"no-such-file.txt", "", VMM_ENOENT, 0, -1, "no such file"},
        {"trace-vmm.txt", "parquet", VMM_ENOENT, 0, -1, "unknown trace format"},
    };
    return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, trace_bad, inputs)
{
    vmm_trace_opts_t o = {.format = c->format[0] ? c->format : NULL};
    vmm_ref_t got[16];
    size_t n;
    vmm_err_t e;
    int rc = slurp(data(c->file), &o, 16, got, 16, &n, &e);
    char text[600];
    vmm_err_format(&e, text, sizeof text);
    cr_assert_eq(rc, c->code, "%s: code %d, want %d (%s)", c->file, rc, c->code, text);
    cr_assert(strstr(e.file, c->file), "%s: file '%s'", c->file, e.file);
    cr_assert(strstr(e.msg, c->msg), "%s: message '%s' lacks '%s'", c->file, e.msg, c->msg);
    cr_assert_eq(e.line, (uint64_t)c->line, "%s: line %llu, want %d", c->file,
                 (unsigned long long)e.line, c->line);
    if (c->offset >= 0)
        cr_assert_eq(e.offset, c->offset, "%s: offset %lld, want %d", c->file,
                     (long long)e.offset, c->offset);
    if (c->line)   /* "file:line: msg" */
        cr_assert(strstr(text, ":") && strstr(text, c->file), "%s", text);
}

/* A directory is bad input (the CLI's exit 2), not a failed read. */
Test(trace_bad, directory_is_bad_input)
{
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open("tests/data", NULL, &t, &e), VMM_EINVAL);
    cr_assert(strstr(e.msg, "is a directory"), "%s", e.msg);
    cr_assert_null(t);
}

Test(trace_bad, null_arguments)
{
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(NULL, NULL, &t, &e), VMM_EINVAL);
    cr_assert_eq(vmm_trace_read(NULL, NULL, 0, &e), VMM_EINVAL);
}

/* ---- allocation failure ------------------------------------------------------ */

/* Fail the k-th allocation for k = 0, 1, ... until `path` opens and reads
 * through: every failure must be VMM_ENOMEM and leak nothing. With
 * `through_reads`, injection stays on while reading too. */
static void alloc_sweep(const char *path, size_t want_n, int through_reads)
{
    static vmm_ref_t buf[64];
    for (long k = 0;; k++) {
        vmm_trace_t *t = NULL;
        vmm_err_t e;
        vmm_alloc_fail_after(k);
        int rc = vmm_trace_open(path, NULL, &t, &e);
        if (!through_reads)
            vmm_alloc_fail_after(-1);
        if (rc) {
            vmm_alloc_fail_after(-1);
            cr_assert_eq(rc, VMM_ENOMEM, "%s: k=%ld: %d %s", path, k, rc, e.msg);
            cr_assert_null(t);
            VMM_ASSERT_NO_LEAKS();
            continue;
        }
        size_t n = 0;
        long r;
        while ((r = vmm_trace_read(t, buf, 64, &e)) > 0)
            n += (size_t)r;
        vmm_alloc_fail_after(-1);
        vmm_trace_close(t);
        VMM_ASSERT_NO_LEAKS();
        if (r < 0) {
            cr_assert_eq(r, VMM_ENOMEM, "%s: k=%ld read: %ld %s", path, k, r, e.msg);
            continue;
        }
        cr_assert_eq(n, want_n, "%s", path);
        cr_assert_gt(k, 0);
        return;
    }
}

Test(trace_alloc, readers)
{
    alloc_sweep(data("trace-lackey.txt"), 7, 0);
    alloc_sweep(data("trace-pages.txt"), 4, 0);
    alloc_sweep(data("trace-bin.bin"), 4, 0);
    alloc_sweep(data("trace-lackey.txt.zst"), 7, 0);
    alloc_sweep(data("trace-bin.bin.zst"), 4, 0);
    alloc_sweep(data("trace-lackey.txt.zst"), 7, 1);
    alloc_sweep(data("trace-lackey-2frames.zst"), 7, 1);
    alloc_sweep(data("trace-lackey.txt.gz"), 7, 1);
    alloc_sweep(data("trace-lackey-2members.gz"), 7, 1);
    alloc_sweep(data("trace-lackey.txt.xz"), 7, 1);
    alloc_sweep(data("trace-cp.vscsi"), 8, 0);
    alloc_sweep(data("trace-csv.csv"), 3, 0);
    alloc_sweep(data("trace-msr.csv"), 4, 0);
}

Test(trace_alloc, writers, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    const char *files[] = {"w.bin", "w.bin.zst", "w.lackey.zst", "w.csv.gz", "w.msr.xz"};
    const char *formats[] = {"bin", "bin", "lackey", "csv", "msr"};
    for (int f = 0; f < 5; f++) {
        for (long k = 0;; k++) {
            vmm_trace_writer_t *w = NULL;
            vmm_err_t e;
            vmm_alloc_fail_after(k);
            int rc = vmm_trace_writer_open(tmp(files[f]), formats[f], 0, &w, &e);
            if (!rc)
                rc = vmm_trace_write(w, sample, 6, &e);
            if (w) {
                int rc2 = vmm_trace_writer_close(w, 1, &e);
                rc = rc ? rc : rc2;
            }
            vmm_alloc_fail_after(-1);
            VMM_ASSERT_NO_LEAKS();
            if (rc) {
                cr_assert_eq(rc, VMM_ENOMEM, "%s k=%ld: %d %s", files[f], k, rc, e.msg);
                cr_assert_eq(count_files(), 0, "partial output left behind");
                continue;
            }
            vmm_ref_t got[8];
            size_t n;
            cr_assert_eq(slurp(tmp(files[f]), NULL, 8, got, 8, &n, &e), 0);
            cr_assert_eq(n, 6);
            unlink(tmp(files[f]));
            break;
        }
    }
}

/* ---- the traces users already have (issue #9) ------------------------------ */

/* The first 8 records of cloudPhysicsIO.vscsi (tests/data/trace-cp.vscsi):
 * block numbers as in the first 8 lines of cloudPhysicsIO.txt, all WRITE(10)
 * (cmd 0x2a), lengths 512 512 512 6656 6144 57344 4096 4096 (python struct). */
static const uint64_t cp_lbn[8] = {42932745, 42932746, 42932747, 40409911,
                                   31954535, 6238199,  6160447,  6160431};
static const uint32_t cp_len[8] = {512, 512, 512, 6656, 6144, 57344, 4096, 4096};

Test(trace_formats, vscsi_v1_id)
{
    vmm_ref_t want[8];
    for (int i = 0; i < 8; i++)
        want[i] = REF(cp_lbn[i] * 4096, 0, 1, W);
    expect_file("trace-cp.vscsi", NULL, "vscsi", want, 8);
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(data("trace-cp.vscsi"), NULL, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 4096);   /* page numbers */
    vmm_trace_close(t);
}

Test(trace_formats, vscsi_v1_bytes)
{
    vmm_ref_t want[8];
    for (int i = 0; i < 8; i++)
        want[i] = REF(cp_lbn[i] * 512, 0, cp_len[i], W);
    vmm_trace_opts_t o = {.block_map = VMM_BLOCK_BYTES};
    expect_file("trace-cp.vscsi", &o, "vscsi", want, 8);
    vmm_trace_t *t;
    vmm_err_t e;
    cr_assert_eq(vmm_trace_open(data("trace-cp.vscsi"), &o, &t, &e), 0);
    cr_assert_eq(vmm_trace_page_size(t), 0);   /* byte addresses */
    vmm_trace_close(t);
}

/* trace-vscsi-v2.vscsi (gen-samples.py): cmd 28 lbn 100 len 4096, 2a 101
 * 512, 8a (WRITE(16)) 7 8192, 00 (not a read or write: a read) 100 len 0. */
Test(trace_formats, vscsi_v2)
{
    vmm_ref_t id[] = {REF(100 * 4096, 0, 1, R), REF(101 * 4096, 0, 1, W),
                      REF(7 * 4096, 0, 1, W), REF(100 * 4096, 0, 1, R)};
    expect_file("trace-vscsi-v2.vscsi", NULL, "vscsi", id, 4);
    vmm_ref_t bytes[] = {REF(100 * 512, 0, 4096, R), REF(101 * 512, 0, 512, W),
                         REF(7 * 512, 0, 8192, W), REF(100 * 512, 0, 1, R)};
    vmm_trace_opts_t o = {.block_map = VMM_BLOCK_BYTES};
    expect_file("trace-vscsi-v2.vscsi", &o, "vscsi", bytes, 4);
    /* on stdin it is recognised by content alone */
    int fd = open(data("trace-vscsi-v2.vscsi"), O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    vmm_ref_t got[8];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp("-", NULL, 8, got, 8, &n, &e), 0, "%s", e.msg);
    check_refs(got, n, id, 4);
}

/* The whole CloudPhysics trace: the vscsi file gives exactly the page
 * sequence of its .txt form (one block number per line). */
Test(trace_real, cloudphysics_vscsi_equals_txt)
{
    const char *dir = vmm_test_trace_dir();
    if (!dir)
        cr_skip_test("real traces not present");
    size_t nk;
    uint64_t *keys = vmm_test_load_cp(&nk);
    cr_assert_not_null(keys);
    char path[600];
    snprintf(path, sizeof path, "%s/cloudPhysicsIO.vscsi", dir);
    static vmm_ref_t buf[120000];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp(path, NULL, 4096, buf, 120000, &n, &e), 0, "%s", e.msg);
    cr_assert_eq(n, nk);
    cr_assert_eq(n, 113872);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(buf[i].addr, keys[i] * 4096, "record %zu: page %llu, txt says %llu", i,
                     (unsigned long long)(buf[i].addr / 4096), (unsigned long long)keys[i]);
    free(keys);
}

/* gen-samples.py: ids 42 (size 4096), 7, 42, 9 with size 0 (skipped), 0. */
Test(trace_formats, oracle_general)
{
    vmm_ref_t want[] = {REF(42 * 4096, 0, 1, R), REF(7 * 4096, 0, 1, R),
                        REF(42 * 4096, 0, 1, R), REF(0, 0, 1, R)};
    expect_file("trace-oracle.oracleGeneral.bin", NULL, "oracleGeneral", want, 4);
    vmm_trace_opts_t o = {.format = "oraclegeneral", .page_size = 8192};
    vmm_ref_t want8[] = {REF(42 * 8192, 0, 1, R), REF(7 * 8192, 0, 1, R),
                         REF(42 * 8192, 0, 1, R), REF(0, 0, 1, R)};
    expect_file("trace-oracle.oracleGeneral.bin", &o, "oracleGeneral", want8, 4);
}

/* trace-msr.csv: a header, CRLF lines, Read/Write in any case, a hostname
 * with a blank; DiskNumber is the asid. */
Test(trace_formats, msr)
{
    vmm_ref_t bytes[] = {REF(3525915648ull, 1, 4096, R), REF(3526549504ull, 1, 8192, W),
                         REF(4094, 0, 4, R), REF(0, 2, 65536, W)};
    expect_file("trace-msr.csv", NULL, "msr", bytes, 4);
    /* sector numbers as pages: 3525915648 / 512 = 6886554, 3526549504 / 512
     * = 6887792, 4094 / 512 = 7 */
    vmm_ref_t id[] = {REF(6886554ull * 4096, 1, 1, R), REF(6887792ull * 4096, 1, 1, W),
                      REF(7 * 4096, 0, 1, R), REF(0, 2, 1, W)};
    vmm_trace_opts_t o = {.block_map = VMM_BLOCK_ID};
    expect_file("trace-msr.csv", &o, "msr", id, 4);
}

Test(trace_formats, csv_header_names_columns)
{
    vmm_ref_t objs[] = {REF(42 * 4096, 0, 1, R), REF(7 * 4096, 0, 1, R),
                        REF(0x2a * 4096, 0, 1, R)};
    expect_file("trace-csv.csv", NULL, "csv", objs, 3);
    vmm_ref_t addrs[] = {REF(0x1000, 0, 8, R), REF(4096, 3, 1, W), REF(0x1ffe, 1, 4, I)};
    expect_file("trace-csv-addr.csv", NULL, "csv", addrs, 3);
}

Test(trace_formats, csv_column_mapping)
{
    /* tab-separated, no header: asid, op, addr, size */
    vmm_trace_opts_t o = {.csv_cols = "asid=1,op=2,addr=3,size=4"};
    vmm_ref_t want[] = {REF(0x7f00, 1, 16, R), REF(8192, 2, 1, W), REF(0, 3, 4, I)};
    expect_file("trace-csv-nohdr.tsv", &o, "csv", want, 3);
    /* the same columns as libCacheSim's time=1,obj=2,size=3 on a file with a
     * header: auto skips it (its obj field is not a number), yes too */
    vmm_trace_opts_t lcs = {.csv_cols = "time=1,obj=2,size=3"};
    vmm_ref_t objs[] = {REF(42 * 4096, 0, 1, R), REF(7 * 4096, 0, 1, R),
                        REF(0x2a * 4096, 0, 1, R)};
    expect_file("trace-csv.csv", &lcs, "csv", objs, 3);
    lcs.csv_header = VMM_CSV_HEADER_YES;
    expect_file("trace-csv.csv", &lcs, "csv", objs, 3);
    /* header forced off: "obj" in the first line is a bad number */
    lcs.csv_header = VMM_CSV_HEADER_NO;
    vmm_ref_t got[8];
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp(data("trace-csv.csv"), &lcs, 8, got, 8, &n, &e), VMM_EFORMAT);
    cr_assert_eq(e.line, 1);
    /* a delimiter given explicitly */
    vmm_trace_opts_t tab = {.csv_cols = "asid=1,op=2,addr=3", .csv_delim = '\t'};
    cr_assert_eq(slurp(data("trace-csv-nohdr.tsv"), &tab, 8, got, 8, &n, &e), 0, "%s", e.msg);
    cr_assert_eq(n, 3);
    cr_assert_eq(got[0].size, 1);   /* no size column: 1 byte */
}

Test(trace_formats, csv_bad_mappings)
{
    static const char *bad[] = {"", "obj", "obj=0", "obj=x", "bogus=2", "obj=2,addr=3",
                                "size=3", "obj=2,size=", "obj=1025"};
    for (size_t i = 0; i < NREFS(bad); i++) {
        vmm_trace_opts_t o = {.csv_cols = bad[i]};
        vmm_trace_t *t = (vmm_trace_t *)1;
        vmm_err_t e;
        cr_assert_eq(vmm_trace_open(data("trace-csv.csv"), &o, &t, &e), VMM_EINVAL, "'%s'",
                     bad[i]);
        cr_assert_null(t);
        cr_assert(strstr(e.msg, "csv columns"), "%s", e.msg);
    }
}

Test(trace_formats, hex)
{
    vmm_ref_t want[] = {REF(0x7fff5a10, 0, 1, R), REF(0x7fff5a18, 0, 1, R),
                        REF(0xdeadbeef, 0, 1, R), REF(0xffffffffffffffffull, 0, 1, R)};
    expect_file("trace-hex.txt", NULL, "hex", want, 4);
}

/* trace-perf-mem.txt, written from perf's documented output: a load and a
 * store of pid 25012 (tid alone), a load of "Web Content" pid 25013 with
 * tid 25014, a sample with address 0 (skipped), a store event without a
 * data source column. */
Test(trace_formats, perf_mem)
{
    vmm_ref_t want[] = {REF(0x7ffd2a3f1e20ull, 25012, 1, R), REF(0x7ffd2a3f1e28ull, 25012, 1, W),
                        REF(0x601040, 25013, 1, R), REF(0x7ffd2a3f2000ull, 25012, 1, W)};
    expect_file("trace-perf-mem.txt", NULL, "perf", want, 4);
}

/* A real perf script -F comm,pid,tid,time,event,addr,ip,sym,dso --header
 * of `perf record -d -e page-faults -c 1 ./touch3` on the development
 * machine: 7 faulting data addresses of pid 16266. */
Test(trace_formats, perf_page_faults)
{
    static const uint64_t a[] = {0x401000, 0x403001, 0x403000, 0x404001,
                                 0x404000, 0x405001, 0x405000};
    vmm_ref_t want[7];
    for (int i = 0; i < 7; i++)
        want[i] = REF(a[i], 16266, 1, R);
    expect_file("trace-perf-faults.txt", NULL, "perf", want, 7);
}

/* Real `valgrind -v --tool=lackey --trace-mem=yes` logs: their "==pid=="
 * and "--pid--" lines are skipped; the records are the 136 and 23 lines
 * that start with neither (grep -vc '^[-=]'). */
static size_t read_all(const char *path, const vmm_trace_opts_t *o, vmm_ref_t *buf, size_t cap)
{
    size_t n;
    vmm_err_t e;
    cr_assert_eq(slurp(path, o, 64, buf, cap, &n, &e), 0, "%s: %s", path, e.msg);
    return n;
}

Test(trace_formats, lackey_verbose_logs)
{
    static vmm_ref_t a[256], b[256];
    cr_assert_eq(read_all(data("trace-lackey-v-a.txt"), NULL, a, 256), 136);
    cr_assert_eq(read_all(data("trace-lackey-v-b.txt"), NULL, b, 256), 23);
    vmm_ref_t first[] = {REF(0x401000, 0, 5, I), REF(0x401005, 0, 3, I), REF(0x401008, 0, 3, I),
                         REF(0x40100b, 0, 7, I), REF(0x403001, 0, 1, R)};
    check_refs(a, 5, first, 5);
    vmm_trace_opts_t lk = {.format = "lackey"};
    cr_assert_eq(read_all(data("trace-lackey-v-a.txt"), &lk, a, 256), 136);
}

/* Merging: the records of input i are its own records in order, with asid
 * a*n+i, and the inputs alternate in bursts until one ends. */
static void check_merge(uint32_t burst)
{
    static vmm_ref_t a[256], b[256], m[512];
    size_t na = read_all(data("trace-lackey-v-a.txt"), NULL, a, 256);
    size_t nb = read_all(data("trace-lackey-v-b.txt"), NULL, b, 256);
    const char *paths[] = {data("trace-lackey-v-a.txt"), data("trace-lackey-v-b.txt")};
    vmm_trace_opts_t o = {.burst = burst};
    for (size_t batch = 1; batch <= 64; batch *= 8) {
        vmm_trace_t *t;
        vmm_err_t e;
        cr_assert_eq(vmm_trace_open_merged(paths, 2, &o, &t, &e), 0, "%s", e.msg);
        cr_assert_str_eq(vmm_trace_format_name(t), "lackey");
        size_t n = 0;
        long k;
        while ((k = vmm_trace_read(t, m + n, batch, &e)) > 0)
            n += (size_t)k;
        cr_assert_eq(k, 0, "%s", e.msg);
        vmm_trace_close(t);
        cr_assert_eq(n, na + nb);
        size_t ia = 0, ib = 0, b0 = burst ? burst : 1;
        for (size_t i = 0; i < n; i++) {
            /* who should speak: turns of b0 while both last, then the rest */
            size_t turn = (ia + ib) / b0;
            int from_b = ia == na ? 1 : ib == nb ? 0 : (int)(turn % 2);
            vmm_ref_t want = from_b ? b[ib++] : a[ia++];
            want.asid = from_b ? 1 : 0;
            check_refs(&m[i], 1, &want, 1);
        }
    }
}

Test(trace_formats, merge_lackey_logs)
{
    check_merge(0);   /* default burst: 1 */
    check_merge(1);
    check_merge(5);
    check_merge(1000);   /* all of a, then all of b */
}

Test(trace_formats, merge_keeps_asids_apart)
{
    /* trace-vmm.txt has asids 0 0 1 2 3 4294967295; merged with a lackey
     * trace (asid 0) as input 0 of 2, asid a becomes 2a: the last one does
     * not fit 32 bits */
    const char *paths[] = {data("trace-vmm.txt"), data("trace-lackey.txt")};
    vmm_trace_t *t;
    vmm_err_t e;
    vmm_ref_t buf[32];
    cr_assert_eq(vmm_trace_open_merged(paths, 2, NULL, &t, &e), 0, "%s", e.msg);
    cr_assert_str_eq(vmm_trace_format_name(t), "mixed");
    size_t n = 0;
    long k;
    while ((k = vmm_trace_read(t, buf + n, 32 - n, &e)) > 0)
        n += (size_t)k;
    cr_assert_eq(k, VMM_ERANGE);
    cr_assert(strstr(e.file, "trace-vmm.txt"), "%s", e.file);
    cr_assert(strstr(e.msg, "4294967295"), "%s", e.msg);
    /* before it: vmm asids 0 0 1 2 3 -> 0 0 2 4 6, lackey -> 1, alternating */
    static const uint32_t want[] = {0, 1, 0, 1, 2, 1, 4, 1, 6, 1};
    cr_assert_eq(n, 10);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(buf[i].asid, want[i], "record %zu: asid %u", i, buf[i].asid);
    vmm_trace_close(t);
    /* an input that cannot open fails the whole merge, naming it */
    const char *bad[] = {data("trace-lackey.txt"), data("no-such.txt")};
    t = (vmm_trace_t *)1;
    cr_assert_eq(vmm_trace_open_merged(bad, 2, NULL, &t, &e), VMM_ENOENT);
    cr_assert_null(t);
    cr_assert(strstr(e.file, "no-such.txt"));
    cr_assert_eq(vmm_trace_open_merged(bad, 0, NULL, &t, &e), VMM_EINVAL);
}

Test(trace_formats, merge_alloc_failure)
{
    const char *paths[] = {data("trace-lackey.txt"), data("trace-lackey.txt.gz")};
    for (long k = 0;; k++) {
        vmm_trace_t *t = NULL;
        vmm_err_t e;
        vmm_alloc_fail_after(k);
        int rc = vmm_trace_open_merged(paths, 2, NULL, &t, &e);
        vmm_alloc_fail_after(-1);
        if (rc) {
            cr_assert_eq(rc, VMM_ENOMEM, "k=%ld: %s", k, e.msg);
            cr_assert_null(t);
            VMM_ASSERT_NO_LEAKS();
            continue;
        }
        vmm_ref_t buf[32];
        cr_assert_eq(vmm_trace_read(t, buf, 32, &e), 14);
        vmm_trace_close(t);
        VMM_ASSERT_NO_LEAKS();
        break;
    }
}

Test(trace_formats, compressed_variants)
{
    expect_file("trace-lackey.txt.gz", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey-gz.dat", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey-2members.gz", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey.txt.xz", NULL, "lackey", lackey_want, NREFS(lackey_want));
    expect_file("trace-lackey-2streams.xz", NULL, "lackey", lackey_want, NREFS(lackey_want));
}

Test(trace_formats, stdin_gzip_and_xz)
{
    const char *files[] = {"trace-lackey.txt.gz", "trace-lackey-2streams.xz"};
    for (int i = 0; i < 2; i++) {
        int fd = open(data(files[i]), O_RDONLY);
        cr_assert(fd >= 0);
        cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
        close(fd);
        vmm_ref_t got[16];
        size_t n;
        vmm_err_t e;
        cr_assert_eq(slurp("-", NULL, 3, got, 16, &n, &e), 0, "%s: %s", files[i], e.msg);
        check_refs(got, n, lackey_want, NREFS(lackey_want));
    }
}

/* Writers count the sizes they drop: sample[] has sizes 8 4 65536 1 300 16,
 * five of them above 1; at 4 KiB pages only record 2 (65536 bytes from
 * 2^64-1) crosses a page boundary (record 4: 0x345 + 299 < 4096; the
 * others start at least 16 bytes before a page's end). */
Test(trace_writer, dropped_sizes, .init = make_tmpdir, .fini = remove_tmpdir)
{
    init_sample();
    static const struct { const char *fmt; uint64_t dropped, spanning; } cases[] = {
        {"vmm", 5, 1}, {"pages", 5, 1}, {"din", 5, 1}, {"hex", 5, 1}, {"vscsi", 5, 1},
        {"bin", 0, 0}, {"lackey", 0, 0}, {"msr", 0, 0}, {"csv", 0, 0},
    };
    for (size_t i = 0; i < NREFS(cases); i++) {
        vmm_trace_writer_t *w;
        vmm_err_t e;
        cr_assert_eq(vmm_trace_writer_open(tmp("d.out"), cases[i].fmt, 4096, &w, &e), 0);
        cr_assert_eq(vmm_trace_write(w, sample, 6, &e), 0, "%s: %s", cases[i].fmt, e.msg);
        uint64_t span = 99;
        cr_assert_eq(vmm_trace_writer_dropped_sizes(w, &span), cases[i].dropped, "%s",
                     cases[i].fmt);
        cr_assert_eq(span, cases[i].spanning, "%s", cases[i].fmt);
        cr_assert_eq(vmm_trace_writer_close(w, 0, &e), 0);
    }
    cr_assert_eq(vmm_trace_writer_dropped_sizes(NULL, NULL), 0);
}
