/* Loading scenario files (fio-style INI: [host] and [vm NAME] sections)
 * into vmm_scenario_t, checking them, and applying --set overrides.
 *
 * Lines are parsed here (the syntax is small, docs/scenario.md): blank,
 * comment, [section] or key = value, up to MAX_LINE characters, each error
 * with its line. (libinih did this before; its 200-byte line buffer and its
 * continuation of indented lines were bugs here, and it cannot say which
 * line a key is on.) The parse stops at the first error. Every value goes
 * through the key registry (keys.c); defaults are applied by parsing the
 * registry's default text, so the docs table and the loader cannot
 * disagree. */
#include "scn_int.h"
#include "util/alloc.h"
#include "vmmsim/policy.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_LINE 4096          /* longest line accepted, newline excluded */
#define MAX_KEYS 64            /* registry size bound (seen[] below) */

typedef struct load_ctx {
    vmm_scenario_t *sc;
    vmm_err_t *err;
    int rc;                    /* first error; the reader then ends the parse */
    const char *base_dir;      /* prefix of relative trace paths, or NULL */
    FILE *fp;                  /* file mode */
    const char *text;          /* string mode: what is left */
    uint64_t line;             /* lines read so far */
    int section;               /* -1 before the first header */
    int host_seen;
    uint64_t seen[MAX_KEYS];   /* line of each key in the current section */
} load_ctx_t;

static int fail(load_ctx_t *c, int code, uint64_t line, const char *fmt, const char *a,
                const char *b)
{
    if (!c->rc)
        c->rc = vmm_err_set(c->err, code, c->sc->file, line, -1, fmt, a, b);
    return c->rc;
}

/* --- defaults and VMs ----------------------------------------------------- */

/* Apply every default of `section` to `spec`. Defaults own no memory (no
 * STRING or SOURCE key has one), so nothing is handed back. */
static int set_defaults(int section, void *spec)
{
    char msg[256];
    for (const vmm_scn_key_t *k = vmm_scenario_keys(NULL); k->name; k++) {
        if (k->section != section || !k->def)
            continue;
        void *old = NULL;
        int rc = vmm_scn_apply(k, spec, k->def, 0, 0, &old, NULL, NULL, msg, sizeof msg);
        if (rc)
            return rc;   /* only VMM_ENOMEM: the table's defaults are tested */
    }
    return 0;
}

static void vm_fini(vmm_vm_spec_t *vm)
{
    vmm_free(vm->name);
    vmm_free(vm->policy_params);
    vmm_scn_free_old(NULL, vm->sources, vm->nsources);
}

vmm_vm_spec_t *vmm_scenario_vm(const vmm_scenario_t *sc, const char *name)
{
    for (uint32_t i = 0; sc && name && i < sc->nvms; i++)
        if (!strcmp(sc->vms[i].name, name))
            return &sc->vms[i];
    return NULL;
}

static int valid_vm_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* The VM's policy_params, checked by setting its policy up once (the
 * policy's init says what is wrong, e.g. an unknown key and the known
 * ones). 0, VMM_EINVAL with msg filled, or VMM_ENOMEM. */
static int check_params(const vmm_vm_spec_t *vm, char *msg, size_t ml)
{
    const vmm_policy_ops *ops = vmm_policy_find(vm->policy);
    if (!ops || !vm->policy_params)
        return 0;
    uint8_t dirty[16] = {0};
    uint32_t frame_page[16] = {0};
    uint64_t cleaned = 0;
    vmm_policy_cfg_t pc = {.nframes = 16, .seed = 1, .params = vm->policy_params,
                           .env = {.dirty = dirty, .cleaned = &cleaned, .frame_page = frame_page}};
    vmm_policy_t p = {0};
    vmm_err_t e;
    vmm_err_clear(&e);
    int rc = vmm_policy_init(&p, ops, &pc, &e);
    vmm_policy_fini(&p);
    if (rc && rc != VMM_ENOMEM)
        snprintf(msg, ml, "%s", e.msg[0] ? e.msg : vmm_strerror(rc));
    return rc == VMM_ENOMEM ? rc : rc ? VMM_EINVAL : 0;
}

/* The end of a section: what needs the whole section (a VM's policy and
 * its parameters, in any order) is checked, at the parameters' line. */
static void close_section(load_ctx_t *c)
{
    if (c->section != VMM_SCN_VM)
        return;
    vmm_vm_spec_t *vm = &c->sc->vms[c->sc->nvms - 1];
    char msg[sizeof c->err->msg];
    int rc = check_params(vm, msg, sizeof msg);
    if (rc == VMM_ENOMEM) {
        fail(c, rc, 0, "out of memory%s%s", "", "");
    } else if (rc) {
        const vmm_scn_key_t *k = vmm_scn_find_key(VMM_SCN_VM, "policy_params");
        fail(c, rc, c->seen[k - vmm_scenario_keys(NULL)], "[vm %s] policy_params: %s", vm->name,
             msg);
    }
}

/* A section header "[...]" at line c->line; `name` is what is between the
 * brackets. */
static void open_section(load_ctx_t *c, const char *name)
{
    close_section(c);
    if (c->rc)
        return;
    memset(c->seen, 0, sizeof c->seen);
    if (!strcmp(name, "host")) {
        if (c->host_seen) {
            char first[32];
            snprintf(first, sizeof first, "%llu", (unsigned long long)c->sc->host.line);
            fail(c, VMM_EFORMAT, c->line, "second [host] section (the first is at line %s)%s",
                 first, "");
            return;
        }
        c->host_seen = 1;
        c->sc->host.line = c->line;
        c->section = VMM_SCN_HOST;
        return;
    }
    if (strncmp(name, "vm", 2) || (name[2] != ' ' && name[2] != '\t')) {
        fail(c, VMM_EFORMAT, c->line, "unknown section [%s]; expected [host] or [vm NAME]%s",
             name, "");
        return;
    }
    const char *vname = name + 3;
    while (*vname == ' ' || *vname == '\t')
        vname++;
    if (!valid_vm_name(vname) || strlen(vname) > 64) {
        fail(c, VMM_EFORMAT, c->line,
             "bad VM name '%s'; expected 1 to 64 letters, digits, '_' or '-'%s", vname, "");
        return;
    }
    vmm_vm_spec_t *dup = vmm_scenario_vm(c->sc, vname);
    if (dup) {
        char first[32];
        snprintf(first, sizeof first, "%llu", (unsigned long long)dup->line);
        fail(c, VMM_EFORMAT, c->line, "duplicate VM name '%s' (first at line %s)", vname, first);
        return;
    }
    vmm_scenario_t *sc = c->sc;
    vmm_vm_spec_t *vms = vmm_realloc(sc->vms, (sc->nvms + 1) * sizeof *vms);
    if (!vms) {
        fail(c, VMM_ENOMEM, 0, "out of memory%s%s", "", "");
        return;
    }
    sc->vms = vms;
    vmm_vm_spec_t *vm = &vms[sc->nvms];
    memset(vm, 0, sizeof *vm);
    vm->line = c->line;
    size_t n = strlen(vname) + 1;
    /* Count the VM before anything else can fail so destroy frees it. */
    sc->nvms++;
    if (!(vm->name = vmm_malloc(n)) || set_defaults(VMM_SCN_VM, vm)) {
        fail(c, VMM_ENOMEM, 0, "out of memory%s%s", "", "");
        return;
    }
    memcpy(vm->name, vname, n);
    c->section = VMM_SCN_VM;
}

/* --- keys ------------------------------------------------------------------ */

/* "dir/" + path for a relative trace path; *out NULL when nothing to do. */
static int resolve_path(const char *dir, const char *path, char **out)
{
    *out = NULL;
    while (*path == ' ' || *path == '\t')
        path++;
    if (!dir || !*path || *path == '/')
        return 0;
    size_t dl = strlen(dir), pl = strlen(path);
    if (!(*out = vmm_malloc(dl + pl + 2)))
        return VMM_ENOMEM;
    memcpy(*out, dir, dl);
    (*out)[dl] = '/';
    memcpy(*out + dl + 1, path, pl + 1);
    return 0;
}

/* `name = value` at line c->line of the current section. */
static int handler(load_ctx_t *c, const char *name, const char *value)
{
    if (c->rc)
        return 0;
    if (c->section < 0) {
        fail(c, VMM_EFORMAT, c->line,
             "key '%s' outside any section; expected [host] or [vm NAME] before it%s", name, "");
        return 0;
    }
    const vmm_scn_key_t *k = vmm_scn_find_key(c->section, name);
    const char *sname = c->section == VMM_SCN_HOST ? "[host]" : "[vm]";
    if (!k) {
        fail(c, VMM_EFORMAT, c->line,
             "unknown key '%s' in a %s section (docs/scenario.md lists the keys)", name, sname);
        return 0;
    }
    size_t idx = (size_t)(k - vmm_scenario_keys(NULL));
    if (k->type != VMM_KEY_SOURCE && c->seen[idx]) {
        char first[32];
        snprintf(first, sizeof first, "%llu", (unsigned long long)c->seen[idx]);
        fail(c, VMM_EFORMAT, c->line, "duplicate key '%s' (first at line %s)", k->name, first);
        return 0;
    }
    c->seen[idx] = c->line;
    void *spec = c->section == VMM_SCN_HOST ? (void *)&c->sc->host
                                            : (void *)&c->sc->vms[c->sc->nvms - 1];
    char *resolved = NULL;
    if (k->type == VMM_KEY_SOURCE && !strcmp(k->name, "trace") &&
        resolve_path(c->base_dir, value, &resolved)) {
        fail(c, VMM_ENOMEM, 0, "out of memory%s%s", "", "");
        return 0;
    }
    char msg[200];
    void *old = NULL;
    int rc = vmm_scn_apply(k, spec, resolved ? resolved : value, 0, c->line, &old, NULL, NULL,
                           msg, sizeof msg);
    vmm_free(resolved);
    vmm_free(old);
    if (rc == VMM_ENOMEM)
        fail(c, rc, 0, "out of memory%s%s", "", "");
    else if (rc) {
        char full[256];
        snprintf(full, sizeof full, "%s: %s", k->name, msg);
        fail(c, rc, c->line, "%s, got '%s'", full, value);
    }
    return !rc;
}

/* --- reading lines ---------------------------------------------------------- */

/* The next line into buf (at most MAX_LINE characters; the newline and a
 * CR before it dropped). 1, 0 at the end, -1 after an error. */
static int next_line(load_ctx_t *c, char *buf)
{
    size_t n = 0;
    int any = 0, ch;
    if (c->fp) {
        while ((ch = fgetc(c->fp)) != EOF) {
            any = 1;
            if (ch == '\n')
                break;
            if (n <= MAX_LINE)
                buf[n++] = (char)ch;   /* one more than fits: too long */
        }
        if (ferror(c->fp)) {
            fail(c, VMM_EIO, c->line + 1, "read error: %s%s", strerror(errno), "");
            return -1;
        }
    } else {
        for (; *c->text; c->text++) {
            any = 1;
            if (*c->text == '\n') {
                c->text++;
                break;
            }
            if (n <= MAX_LINE)
                buf[n++] = *c->text;
        }
    }
    if (!any)
        return 0;
    c->line++;
    if (n && buf[n - 1] == '\r')
        n--;
    if (n > MAX_LINE) {
        char lim[32];
        snprintf(lim, sizeof lim, "%d", MAX_LINE);
        fail(c, VMM_EFORMAT, c->line, "line longer than %s characters%s", lim, "");
        return -1;
    }
    buf[n] = 0;
    return 1;
}

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void trim_end(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
}

/* One line: blank, a comment (';' or '#' first), a section header, or
 * key = value (or key: value) with an optional "; comment" after a blank.
 * Indentation means nothing (no line continues another), and a UTF-8 byte
 * order mark before the first line is skipped. */
static void parse_line(load_ctx_t *c, char *s)
{
    if (c->line == 1 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3;
    s = skip_blanks(s);
    trim_end(s);
    if (!*s || *s == ';' || *s == '#')
        return;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end) {
            fail(c, VMM_EFORMAT, c->line, "expected ']' to close the section header%s%s", "",
                 "");
            return;
        }
        *end = 0;
        open_section(c, s + 1);
        return;
    }
    char *sep = strpbrk(s, "=:");
    if (!sep) {
        fail(c, VMM_EFORMAT, c->line,
             "expected [host], [vm NAME], key = value, or a comment (; or #)%s%s", "", "");
        return;
    }
    *sep = 0;
    trim_end(s);
    char *value = skip_blanks(sep + 1);
    for (char *p = value; *p; p++)
        if (*p == ';' && p > value && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = 0;
            break;
        }
    trim_end(value);
    handler(c, s, value);
}

/* --- whole-scenario checks ------------------------------------------------ */

static int count_times(const double *t)
{
    int n = 0;
    for (int i = 0; i < VMM_SCN_MAX_NODES; i++)
        n += !isnan(t[i]);
    return n;
}

/* Check what single values cannot: how keys relate. Also fills the
 * effective values (eff_shares, eff_limit). `file` names the error. */
static int validate(vmm_scenario_t *sc, const char *file, vmm_err_t *err)
{
    vmm_host_spec_t *h = &sc->host;
    uint64_t hl = h->line;
    if (h->page_size & (h->page_size - 1))
        return vmm_err_set(err, VMM_EINVAL, file, hl, -1,
                           "[host] page_size %u is not a power of two", h->page_size);
    if (h->memory % h->page_size)
        return vmm_err_set(err, VMM_EINVAL, file, hl, -1,
                           "[host] memory is not a whole number of pages (page_size %u)",
                           h->page_size);
    static const char *const lat_names[] = {"numa_local", "numa_remote"};
    const double *lats[] = {h->numa_local_ns, h->numa_remote_ns};
    for (int i = 0; i < 2; i++) {
        int n = count_times(lats[i]);
        if (n != VMM_SCN_MAX_NODES && (uint32_t)n != h->numa_nodes)
            return vmm_err_set(err, VMM_EINVAL, file, hl, -1,
                               "[host] %s lists %d times but numa_nodes is %u; expected one "
                               "time, or one per node", lat_names[i], n, h->numa_nodes);
    }
    if (!sc->nvms)
        return vmm_err_set(err, VMM_EINVAL, file, 0, -1,
                           "no VM; expected at least one [vm NAME] section");
    uint64_t reserved = 0;
    for (uint32_t i = 0; i < sc->nvms; i++) {
        vmm_vm_spec_t *vm = &sc->vms[i];
        const char *nm = vm->name;
        uint64_t l = vm->line;
        if (!vm->nsources)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] has neither trace nor generate; expected at least one",
                               nm);
        if (vm->memory % h->page_size)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] memory is not a whole number of pages (page_size %u)",
                               nm, h->page_size);
        if (vm->limit > vm->memory)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] limit (%llu bytes) exceeds its memory (%llu bytes)", nm,
                               (unsigned long long)vm->limit, (unsigned long long)vm->memory);
        vm->eff_limit = vm->limit ? vm->limit : vm->memory;
        if (vm->reservation > vm->eff_limit)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] reservation (%llu bytes) exceeds its %s (%llu bytes)",
                               nm, (unsigned long long)vm->reservation,
                               vm->limit ? "limit" : "memory", (unsigned long long)vm->eff_limit);
        if (vm->cap > 100u * vm->vcpus)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] cap %u%% exceeds 100%% per vCPU (%u vCPUs)", nm, vm->cap,
                               vm->vcpus);
        if (vm->numa == VMM_NUMA_PREFERRED && vm->numa_node >= h->numa_nodes)
            return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                               "[vm %s] numa = preferred:%u but the host has %u node(s)", nm,
                               vm->numa_node, h->numa_nodes);
        int all = 1;
        for (int w = 0; w < VMM_SCN_MAX_PCPUS / 64; w++)
            all &= vm->affinity[w] == UINT64_MAX;
        for (uint32_t cpu = h->pcpus; !all && cpu < VMM_SCN_MAX_PCPUS; cpu++)
            if (vm->affinity[cpu / 64] >> (cpu % 64) & 1)
                return vmm_err_set(err, VMM_EINVAL, file, l, -1,
                                   "[vm %s] affinity names pCPU %u but the host has %u pCPUs", nm,
                                   cpu, h->pcpus);
        /* ESX gives a VM with "normal" shares 10 per MiB of its memory. */
        vm->eff_shares = vm->shares ? vm->shares : vm->memory / 1048576 * 10;
        if (!vm->eff_shares)
            vm->eff_shares = 1;
        reserved += vm->reservation;
    }
    /* Admission control, as ESX refuses to power on a VM whose reservation
     * cannot be met. */
    if (reserved > h->memory)
        return vmm_err_set(err, VMM_EINVAL, file, hl, -1,
                           "the VMs' reservations total %llu bytes, more than host memory "
                           "(%llu bytes)", (unsigned long long)reserved,
                           (unsigned long long)h->memory);
    return 0;
}

/* --- loading ---------------------------------------------------------------- */

void vmm_scenario_destroy(vmm_scenario_t *sc)
{
    if (!sc)
        return;
    for (uint32_t i = 0; i < sc->nvms; i++)
        vm_fini(&sc->vms[i]);
    vmm_free(sc->host.stages);
    vmm_free(sc->vms);
    vmm_free(sc->file);
    vmm_free(sc);
}

static int scenario_new(const char *name, vmm_scenario_t **out)
{
    vmm_scenario_t *sc = vmm_calloc(1, sizeof *sc);
    size_t n = strlen(name) + 1;
    if (!sc || !(sc->file = vmm_malloc(n))) {
        vmm_free(sc);
        return VMM_ENOMEM;
    }
    memcpy(sc->file, name, n);
    *out = sc;
    int rc = set_defaults(VMM_SCN_HOST, &sc->host);
    if (rc) {
        vmm_scenario_destroy(sc);
        *out = NULL;
    }
    return rc;
}

/* Parse through the reader set up in `c` (file or text), then validate. */
static int load(load_ctx_t *c, vmm_scenario_t **out)
{
    c->section = -1;
    char buf[MAX_LINE + 2];
    while (!c->rc && next_line(c, buf) > 0)
        parse_line(c, buf);
    if (!c->rc)
        close_section(c);
    if (!c->rc)
        c->rc = validate(c->sc, c->sc->file, c->err);
    if (c->rc == VMM_ENOMEM)
        vmm_err_set(c->err, VMM_ENOMEM, c->sc->file, 0, -1, "out of memory");
    if (c->rc) {
        vmm_scenario_destroy(c->sc);
        return c->rc;
    }
    *out = c->sc;
    return 0;
}

int vmm_scenario_load_string(const char *text, const char *name, vmm_scenario_t **out,
                             vmm_err_t *err)
{
    *out = NULL;
    vmm_err_clear(err);
    if (!name)
        name = "<string>";
    load_ctx_t c = {.err = err, .text = text ? text : ""};
    if (scenario_new(name, &c.sc))
        return vmm_err_set(err, VMM_ENOMEM, name, 0, -1, "out of memory");
    return load(&c, out);
}

int vmm_scenario_load_file(const char *path, vmm_scenario_t **out, vmm_err_t *err)
{
    *out = NULL;
    vmm_err_clear(err);
    FILE *fp = fopen(path, "r");
    if (!fp)   /* a name that cannot be opened is bad input (VMM_EIO: the rest) */
        return vmm_err_set(err, errno == ENOENT ? VMM_ENOENT : errno == EACCES ? VMM_EINVAL
                                                                               : VMM_EIO,
                           path, 0, -1, "cannot open the scenario: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return vmm_err_set(err, VMM_EINVAL, path, 0, -1, "is a directory, not a scenario file");
    }
    load_ctx_t c = {.err = err, .fp = fp};
    char *dir = NULL;
    const char *slash = strrchr(path, '/');
    int rc = 0;
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (!(dir = vmm_malloc(n + 2)))
            rc = VMM_ENOMEM;
        else if (n == 0)
            dir[0] = 0;   /* "/x.ini": paths become "/" + path */
        else {
            memcpy(dir, path, n);
            dir[n] = 0;
        }
    }
    c.base_dir = dir;
    if (!rc)
        rc = scenario_new(path, &c.sc);
    if (rc)
        rc = vmm_err_set(err, VMM_ENOMEM, path, 0, -1, "out of memory");
    else
        rc = load(&c, out);
    vmm_free(dir);
    fclose(fp);
    return rc;
}

/* --- overrides ---------------------------------------------------------------- */

int vmm_scenario_set(vmm_scenario_t *sc, const char *ov, vmm_err_t *err)
{
    vmm_err_clear(err);
    char where[256];
    snprintf(where, sizeof where, "--set %s", ov ? ov : "");
    if (!sc || !ov)
        return vmm_err_set(err, VMM_EINVAL, where, 0, -1, "no scenario or override given");
    const char *eq = strchr(ov, '=');
    const char *dot = strchr(ov, '.');
    if (!eq || !dot || dot > eq)
        return vmm_err_set(err, VMM_EFORMAT, where, 0, -1,
                           "expected host.KEY=VALUE or vm.NAME.KEY=VALUE");
    char path[256];
    size_t pl = (size_t)(eq - ov);
    if (pl >= sizeof path)
        return vmm_err_set(err, VMM_EFORMAT, where, 0, -1, "key path too long");
    memcpy(path, ov, pl);
    while (pl && (path[pl - 1] == ' ' || path[pl - 1] == '\t'))
        pl--;
    path[pl] = 0;
    const char *value = eq + 1;
    int section;
    void *spec;
    const char *key;
    vmm_vm_spec_t *vm = NULL;
    if (!strncmp(path, "host.", 5)) {
        section = VMM_SCN_HOST;
        spec = &sc->host;
        key = path + 5;
    } else if (!strncmp(path, "vm.", 3)) {
        char *kd = strchr(path + 3, '.');
        if (!kd)
            return vmm_err_set(err, VMM_EFORMAT, where, 0, -1,
                               "expected vm.NAME.KEY=VALUE");
        *kd = 0;
        if (!(vm = vmm_scenario_vm(sc, path + 3)))
            return vmm_err_set(err, VMM_ENOENT, where, 0, -1, "no VM named '%s' in %s",
                               path + 3, sc->file);
        section = VMM_SCN_VM;
        spec = vm;
        key = kd + 1;
    } else {
        return vmm_err_set(err, VMM_EFORMAT, where, 0, -1,
                           "expected host.KEY=VALUE or vm.NAME.KEY=VALUE");
    }
    const vmm_scn_key_t *k = vmm_scn_find_key(section, key);
    if (!k)
        return vmm_err_set(err, VMM_EFORMAT, where, 0, -1,
                           "unknown key '%s' in a %s section (docs/scenario.md lists the keys)",
                           key, section == VMM_SCN_HOST ? "[host]" : "[vm]");
    /* Keep a shallow copy so a failed override can be undone: the setter
     * hands back (does not free) any memory the new value displaces. */
    vmm_host_spec_t host_copy = sc->host;
    vmm_vm_spec_t vm_copy;
    if (vm)
        vm_copy = *vm;
    void *old = NULL;
    vmm_scn_source_t *old_src = NULL;
    uint32_t old_n = 0;
    char msg[sizeof err->msg];
    int rc = vmm_scn_apply(k, spec, value, 1, 0, &old, &old_src, &old_n, msg, sizeof msg);
    if (rc == VMM_ENOMEM)
        return vmm_err_set(err, rc, where, 0, -1, "out of memory");
    if (rc)
        return vmm_err_set(err, rc, where, 0, -1, "%s: %s, got '%s'", k->name, msg, value);
    rc = validate(sc, where, err);
    if (!rc && vm && (k->type == VMM_KEY_STRING || !strcmp(k->name, "policy")) &&
        (rc = check_params(vm, msg, sizeof msg)))
        vmm_err_set(err, rc, where, 0, -1, "[vm %s] policy_params: %s", vm->name,
                    rc == VMM_ENOMEM ? "out of memory" : msg);
    if (rc) {
        /* Undo: free what the new value allocated, restore the copy. */
        if (vm) {
            if (k->type == VMM_KEY_STRING)
                vmm_free(vm->policy_params);
            if (k->type == VMM_KEY_SOURCE)
                vmm_scn_free_old(NULL, vm->sources, vm->nsources);
            *vm = vm_copy;
        } else {
            if (k->type == VMM_KEY_STRING)
                vmm_free(sc->host.stages);
            sc->host = host_copy;
        }
        validate(sc, where, NULL);   /* restore the effective values */
        return rc;
    }
    vmm_scn_free_old(old, old_src, old_n);
    return 0;
}

/* --- the demo --------------------------------------------------------------- */

const char *vmm_scenario_demo_text(void)
{
    /* Three VMs whose working sets differ in size and shape share a host
     * with less memory than they were given: each is configured with
     * 256 MiB and touches 80 to 235 MiB, on a 256 MiB host. The MRC
     * balancer should move memory to the zipf VM, whose misses fall
     * steadily with memory, and away from the loop VM, which gains nothing
     * until it gets its whole loop. */
    return "; vmmsim demo: three VMs with different working sets on an overcommitted host.\n"
           "[host]\n"
           "memory    = 256M        ; less than the VMs' 768M: overcommitted 3:1\n"
           "pcpus     = 2\n"
           "tlb       = 64:4, 1536:12\n"
           "balancer  = mrc\n"
           "period    = 100ms\n"
           "swap      = ssd\n"
           "\n"
           "[vm web]\n"
           "generate  = zipf:alpha=0.9,pages=60000,n=20M   ; skewed: hot pages + long tail\n"
           "memory    = 256M\n"
           "shares    = 2000\n"
           "reservation = 32M\n"
           "\n"
           "[vm batch]\n"
           "generate  = loop:pages=30000,n=20M             ; cyclic scan: all or nothing\n"
           "memory    = 256M\n"
           "shares    = 1000\n"
           "\n"
           "[vm cache]\n"
           "generate  = working_set:ws=20000,n=20M         ; a moving working set\n"
           "memory    = 256M\n"
           "shares    = 1000\n";
}
