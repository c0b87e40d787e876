/* Unit tests for scenario files (src/scenario/).
 *
 * A file setting every key to a non-default value must come out as the
 * exact struct, field by field; a minimal file must get every documented
 * default. Each error case (syntax, unknown section or key, bad value,
 * duplicates, cross-key checks) must give the right code and name the
 * right line. Overrides are checked like file lines and undone on error.
 * The registry is checked against docs/scenario.md, the demo must load,
 * and failing each allocation in turn must give VMM_ENOMEM without leaks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmmsim/scenario.h"
#include "vmmsim/balance.h"
#include "vmmsim/sched.h"
#include "vmmsim/mmu.h"
#include "vmmsim/mrc.h"
#include "vmmsim/policy.h"
#include "vmmsim/trace.h"

#include "test_util.h"

#define MiB 1048576ull
#define GiB 1073741824ull

static vmm_scenario_t *load_ok(const char *text)
{
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    int rc = vmm_scenario_load_string(text, "t.ini", &sc, &err);
    cr_assert_eq(rc, 0, "%s: %s:%llu: %s", vmm_strerror(rc), err.file,
                 (unsigned long long)err.line, err.msg);
    cr_assert_not_null(sc);
    return sc;
}

/* Load `text` expecting failure `code` at `line`, with `word` in the message. */
static void load_bad(const char *text, int code, uint64_t line, const char *word)
{
    vmm_scenario_t *sc = (vmm_scenario_t *)1;
    vmm_err_t err;
    int rc = vmm_scenario_load_string(text, "bad.ini", &sc, &err);
    cr_assert_eq(rc, code, "got %s (%s) for:\n%s", vmm_strerror(rc), err.msg, text);
    cr_assert_null(sc);
    cr_assert_str_eq(err.file, "bad.ini");
    cr_assert_eq(err.line, line, "line %llu, want %llu: %s", (unsigned long long)err.line,
                 (unsigned long long)line, err.msg);
    cr_assert(strstr(err.msg, word), "'%s' not in: %s", word, err.msg);
}

#define VM_OK "[vm a]\ngenerate = sequential:n=100\n"

/* ---------------------------------------------------------------------- */

Test(scenario, full_file_every_key)
{
    vmm_scenario_t *sc;
    vmm_err_t err;
    int rc = vmm_scenario_load_file("tests/data/scenario-full.ini", &sc, &err);
    cr_assert_eq(rc, 0, "%s:%llu: %s", err.file, (unsigned long long)err.line, err.msg);
    const vmm_host_spec_t *h = &sc->host;
    cr_assert_eq(h->line, 3);
    cr_assert_eq(h->memory, 3 * GiB);
    cr_assert_eq(h->page_size, 8192);
    cr_assert_eq(h->pcpus, 8);
    cr_assert_eq(h->numa_nodes, 2);
    cr_assert_float_eq(h->numa_local_ns[0], 90, 1e-9);
    cr_assert_float_eq(h->numa_local_ns[1], 95, 1e-9);
    cr_assert(isnan(h->numa_local_ns[2]));
    cr_assert_float_eq(h->numa_remote_ns[0], 1500, 1e-9);
    cr_assert_float_eq(h->numa_remote_ns[VMM_SCN_MAX_NODES - 1], 1500, 1e-9);
    cr_assert_eq(h->tlb_levels, 3);
    cr_assert_eq(h->tlb[0].entries, 32);
    cr_assert_eq(h->tlb[0].ways, 4);
    cr_assert_eq(h->tlb[1].entries, 1024);
    cr_assert_eq(h->tlb[1].ways, 8);
    cr_assert_eq(h->tlb[2].entries, 4096);
    cr_assert_eq(h->tlb[2].ways, 0);
    cr_assert_float_eq(h->tlb_ns, 2, 1e-9);
    cr_assert_str_eq(h->guest_pt, "2level");
    cr_assert_str_eq(h->nested_pt, "radix3");
    cr_assert_eq(h->nested, VMM_NESTED_SHADOW);
    cr_assert_eq(h->pwc_entries, 32);
    cr_assert_float_eq(h->minor_fault_ns, 1500, 1e-9);
    cr_assert_eq(h->compressed, 256 * MiB);
    cr_assert_float_eq(h->compressed_ns, 3000, 1e-9);
    cr_assert_eq(h->swap, VMM_SWAP_DISK);
    cr_assert_eq(h->ssd_capacity, 8 * GiB);
    cr_assert_float_eq(h->ssd_ns, 80e3, 1e-6);
    cr_assert_eq(h->disk_capacity, 1024 * GiB);
    cr_assert_float_eq(h->disk_ns, 5e6, 1e-6);
    cr_assert_eq(h->scheduler, VMM_SCHED_RR);
    cr_assert_float_eq(h->slice_ns, 20e6, 1e-6);
    cr_assert_float_eq(h->tick_ns, 5e6, 1e-6);
    cr_assert_eq(h->balancer, VMM_BAL_MRC);
    cr_assert_float_eq(h->period_ns, 2e9, 1e-3);
    cr_assert_eq(h->goal, VMM_GOAL_EQUAL_MISS_RATIO);
    cr_assert_float_eq(h->tau, 0.5, 1e-12);
    cr_assert_eq(h->active_sample, 200);
    cr_assert_eq(h->seed, 42);

    cr_assert_eq(sc->nvms, 2);
    const vmm_vm_spec_t *w = &sc->vms[0];
    cr_assert_str_eq(w->name, "web");
    cr_assert_eq(w->line, 34);
    cr_assert_eq(w->nsources, 3);
    cr_assert_eq(w->sources[0].kind, VMM_SRC_TRACE);
    cr_assert_str_eq(w->sources[0].text, "tests/data/traces/web.lackey.zst");
    cr_assert_eq(w->sources[0].line, 35);
    cr_assert_str_eq(w->sources[1].text, "/abs/web2.txt");
    cr_assert_eq(w->sources[2].kind, VMM_SRC_GENERATE);
    cr_assert_str_eq(w->sources[2].text, "zipf:alpha=0.9,pages=1000,n=10K");
    cr_assert_eq(w->sources[2].line, 37);
    cr_assert_str_eq(w->format, "lackey");
    cr_assert_eq(w->vcpus, 2);
    cr_assert_eq(w->memory, 2 * GiB);
    cr_assert_eq(w->shares, 2000);
    cr_assert_eq(w->eff_shares, 2000);
    cr_assert_eq(w->reservation, 512 * MiB);
    cr_assert_eq(w->limit, 1536 * MiB);
    cr_assert_eq(w->eff_limit, 1536 * MiB);
    cr_assert_eq(w->priority, 3);
    cr_assert_str_eq(w->policy, "aging");
    cr_assert_str_eq(w->policy_params, "bits=4");
    cr_assert_str_eq(w->mrc, "shards");
    cr_assert_eq(w->numa, VMM_NUMA_PREFERRED);
    cr_assert_eq(w->numa_node, 1);
    cr_assert_eq(w->affinity[0], 0x4full);
    cr_assert_eq(w->affinity[1], 0);
    cr_assert_eq(w->weight, 512);
    cr_assert_eq(w->cap, 150);
    cr_assert_float_eq(w->target_miss_ratio, 0.05, 1e-12);

    const vmm_vm_spec_t *b = &sc->vms[1];
    cr_assert_str_eq(b->name, "batch");
    cr_assert_eq(b->nsources, 1);
    cr_assert_eq(b->memory, GiB);
    cr_assert_eq(b->eff_shares, 10240);
    cr_assert_eq(b->eff_limit, GiB);
    vmm_scenario_destroy(sc);
}

Test(scenario, defaults_documented_values)
{
    vmm_scenario_t *sc;
    vmm_err_t err;
    cr_assert_eq(vmm_scenario_load_file("tests/data/scenario-min.ini", &sc, &err), 0, "%s",
                 err.msg);
    const vmm_host_spec_t *h = &sc->host;
    cr_assert_eq(h->line, 0);
    cr_assert_eq(h->memory, 4 * GiB);
    cr_assert_eq(h->page_size, 4096);
    cr_assert_eq(h->pcpus, 4);
    cr_assert_eq(h->numa_nodes, 1);
    cr_assert_float_eq(h->numa_local_ns[0], 100, 1e-9);
    cr_assert_float_eq(h->numa_remote_ns[0], 150, 1e-9);
    cr_assert_eq(h->tlb_levels, 2);
    cr_assert_eq(h->tlb[0].entries, 64);
    cr_assert_eq(h->tlb[0].ways, 4);
    cr_assert_eq(h->tlb[1].entries, 1536);
    cr_assert_eq(h->tlb[1].ways, 12);
    cr_assert_str_eq(h->guest_pt, "radix4");
    cr_assert_str_eq(h->nested_pt, "radix4");
    cr_assert_eq(h->nested, VMM_NESTED_EPT);
    cr_assert_eq(h->pwc_entries, 0);
    cr_assert_float_eq(h->tlb_ns, 1, 1e-9);
    cr_assert_float_eq(h->minor_fault_ns, 1000, 1e-9);
    cr_assert_eq(h->compressed, 0);
    cr_assert_float_eq(h->compressed_ns, 2000, 1e-9);
    cr_assert_eq(h->swap, VMM_SWAP_SSD);
    cr_assert_eq(h->ssd_capacity, 0);
    cr_assert_float_eq(h->ssd_ns, 100e3, 1e-6);
    cr_assert_float_eq(h->disk_ns, 1e6, 1e-6);
    cr_assert_eq(h->scheduler, VMM_SCHED_CREDIT);
    cr_assert_float_eq(h->slice_ns, 30e6, 1e-6);     /* Xen credit */
    cr_assert_float_eq(h->tick_ns, 10e6, 1e-6);      /* Xen credit */
    cr_assert_eq(h->balancer, VMM_BAL_SHARES);
    cr_assert_float_eq(h->period_ns, 500e6, 1e-6);
    cr_assert_eq(h->goal, VMM_GOAL_MIN_WEIGHTED_MISSES);
    cr_assert_float_eq(h->tau, 0.75, 1e-12);         /* ESX */
    cr_assert_eq(h->active_sample, 100);             /* ESX */
    cr_assert_eq(h->seed, 1);
    const vmm_vm_spec_t *v = &sc->vms[0];
    cr_assert_str_eq(v->format, "auto");
    cr_assert_eq(v->vcpus, 1);
    cr_assert_eq(v->memory, GiB);
    cr_assert_eq(v->shares, 0);
    cr_assert_eq(v->eff_shares, 10240);              /* ESX normal: 10 per MiB */
    cr_assert_eq(v->reservation, 0);
    cr_assert_eq(v->limit, 0);
    cr_assert_eq(v->eff_limit, GiB);
    cr_assert_eq(v->priority, 0);
    cr_assert_str_eq(v->policy, "clock");
    cr_assert_null(v->policy_params);
    cr_assert_str_eq(v->mrc, "patent");
    cr_assert_eq(v->numa, VMM_NUMA_FIRST_TOUCH);
    for (int i = 0; i < VMM_SCN_MAX_PCPUS / 64; i++)
        cr_assert_eq(v->affinity[i], UINT64_MAX);
    cr_assert_eq(v->weight, 256);                    /* Xen credit */
    cr_assert_eq(v->cap, 0);
    cr_assert_float_eq(v->target_miss_ratio, 0.01, 1e-12);
    vmm_scenario_destroy(sc);
}

Test(scenario, units_and_syntax)
{
    vmm_scenario_t *sc = load_ok("[host]\nmemory=1.5G\nperiod = 250us\n"
                                 "numa_nodes=3\nnuma_local=1ns,2ns,3ns\n"
                                 "tlb = none ; no TLB\n"
                                 "# comment\n; comment\n\n" VM_OK
                                 "memory = 1536K\nnuma = interleave\naffinity = 1\r\n");
    cr_assert_eq(sc->host.memory, 1536 * MiB);
    cr_assert_float_eq(sc->host.period_ns, 250e3, 1e-6);
    cr_assert_float_eq(sc->host.numa_local_ns[2], 3, 1e-9);
    cr_assert_eq(sc->host.tlb_levels, 0);
    cr_assert_eq(sc->vms[0].memory, 1536 * 1024);
    cr_assert_eq(sc->vms[0].numa, VMM_NUMA_INTERLEAVE);
    cr_assert_eq(sc->vms[0].affinity[0], 2);
    vmm_scenario_destroy(sc);
    /* Key aliases, and a trace path kept as written by the string loader. */
    sc = load_ok("[host]\nquantum=1ms\nidle_tax=0.5\n[vm a]\ntrace=x/y.txt\ntarget=0.2\n");
    cr_assert_float_eq(sc->host.slice_ns, 1e6, 1e-6);
    cr_assert_float_eq(sc->host.tau, 0.5, 1e-12);
    cr_assert_str_eq(sc->vms[0].sources[0].text, "x/y.txt");
    cr_assert_float_eq(sc->vms[0].target_miss_ratio, 0.2, 1e-12);
    cr_assert_not_null(vmm_scenario_vm(sc, "a"));
    cr_assert_null(vmm_scenario_vm(sc, "b"));
    vmm_scenario_destroy(sc);
}

Test(scenario, errors_name_line)
{
    /* syntax */
    load_bad("[host]\nmemory 1G\n" VM_OK, VMM_EFORMAT, 2, "expected");
    load_bad("[host\n", VMM_EFORMAT, 1, "']'");
    load_bad("memory = 1G\n" VM_OK, VMM_EFORMAT, 1, "outside");
    /* sections */
    load_bad(VM_OK "[hots]\n", VMM_EFORMAT, 3, "unknown section [hots]");
    load_bad("[host]\n[host]\n" VM_OK, VMM_EFORMAT, 2, "second [host]");
    load_bad(VM_OK "\n" VM_OK, VMM_EFORMAT, 4, "duplicate VM name 'a' (first at line 1)");
    load_bad("[vm a.b]\n", VMM_EFORMAT, 1, "bad VM name");
    load_bad("[vm]\n", VMM_EFORMAT, 1, "unknown section");
    /* keys */
    load_bad("[host]\nmemory=1G\nballoning = 1\n" VM_OK, VMM_EFORMAT, 3, "unknown key 'balloning'");
    load_bad(VM_OK "tau = 0.5\n", VMM_EFORMAT, 3, "unknown key 'tau' in a [vm]");
    load_bad("[host]\nmemory=1G\nmemory=2G\n" VM_OK, VMM_EFORMAT, 3, "first at line 2");
    load_bad("[host]\nslice=1ms\nquantum=2ms\n" VM_OK, VMM_EFORMAT, 3, "duplicate key 'slice'");
    /* values */
    load_bad("[host]\nmemory = 1X\n" VM_OK, VMM_EFORMAT, 2, "expected a size");
    load_bad("[host]\nmemory = -1G\n" VM_OK, VMM_EFORMAT, 2, "got '-1G'");
    load_bad("[host]\nmemory = 1.0000001K\n" VM_OK, VMM_EFORMAT, 2, "size");
    load_bad("[host]\nmemory = 99999999999999999999\n" VM_OK, VMM_EFORMAT, 2, "size");
    load_bad("[host]\nperiod = 500\n" VM_OK, VMM_EFORMAT, 2, "ns, us, ms or s");
    load_bad("[host]\nperiod = 5 min\n" VM_OK, VMM_EFORMAT, 2, "period");
    load_bad("[host]\npcpus = 0\n" VM_OK, VMM_EFORMAT, 2, "from 1 to 256");
    load_bad("[host]\npcpus = 2.5\n" VM_OK, VMM_EFORMAT, 2, "whole number");
    load_bad("[host]\ntau = 1\n" VM_OK, VMM_EFORMAT, 2, "from 0 to 0.99");
    load_bad("[host]\nbalancer = best\n" VM_OK, VMM_EFORMAT, 2, "static|shares|mrc");
    load_bad("[host]\nguest_pt = radix9\n" VM_OK, VMM_EFORMAT, 2, "radix4");
    load_bad("[host]\ntlb = 64:5\n" VM_OK, VMM_EFORMAT, 2, "entries:ways");
    load_bad("[host]\ntlb = 64:4,,\n" VM_OK, VMM_EFORMAT, 0 + 2, "TLB");
    load_bad("[host]\ntlb = 1:1,1:1,1:1,1:1,1:1\n" VM_OK, VMM_EFORMAT, 2, "TLB");
    load_bad(VM_OK "policy = belady\n", VMM_EFORMAT, 3, "lru");
    load_bad(VM_OK "mrc = magic\n", VMM_EFORMAT, 3, "patent");
    load_bad(VM_OK "format = parquet\n", VMM_EFORMAT, 3, "lackey");
    load_bad(VM_OK "numa = preferred:x\n", VMM_EFORMAT, 3, "preferred:N");
    load_bad(VM_OK "affinity = 3-1\n", VMM_EFORMAT, 3, "0-3,6");
    load_bad(VM_OK "weight = 0\n", VMM_EFORMAT, 3, "from 1 to 65535");
    load_bad("[vm a]\ngenerate = zipf:alpha=0\n", VMM_EFORMAT, 2, "bad generator spec");
    load_bad("[vm a]\ngenerate =\n", VMM_EFORMAT, 2, "generator spec");
    /* the whole scenario */
    load_bad("", VMM_EINVAL, 0, "no VM");
    load_bad("[host]\nmemory=1G\n", VMM_EINVAL, 0, "no VM");
    load_bad("[vm a]\n\n[vm b]\ngenerate=sequential\n", VMM_EINVAL, 1, "neither trace nor generate");
    load_bad(VM_OK "memory=1G\nlimit=2G\n", VMM_EINVAL, 1, "exceeds its memory");
    load_bad(VM_OK "memory=1G\nreservation=1100M\n", VMM_EINVAL, 1, "reservation");
    load_bad(VM_OK "vcpus=2\ncap=201\n", VMM_EINVAL, 1, "cap");
    load_bad(VM_OK "numa=preferred:1\n", VMM_EINVAL, 1, "1 node");
    load_bad("[host]\npcpus=4\n" VM_OK "affinity=2-4\n", VMM_EINVAL, 3, "pCPU 4");
    load_bad("[host]\npage_size=3000\n" VM_OK, VMM_EINVAL, 1, "power of two");
    load_bad("[host]\nnuma_nodes=2\nnuma_local=1ns,2ns,3ns\n" VM_OK, VMM_EINVAL, 1, "lists 3");
    load_bad("[host]\nmemory=1G\n" VM_OK "reservation=600M\n[vm b]\ngenerate=sequential\n"
             "reservation=600M\n", VMM_EINVAL, 1, "reservations total");
    /* a line longer than 4096 characters */
    char big[4200];
    memset(big, 'x', sizeof big);
    memcpy(big, "[vm a]\ntrace=", 13);
    memcpy(big + sizeof big - 2, "\n", 2);
    load_bad(big, VMM_EFORMAT, 2, "line longer than 4096");
    /* policy_params the VM's policy does not take: at their line, with the VM,
     * whichever of policy and policy_params comes first */
    load_bad(VM_OK "policy = lru\npolicy_params = k=1\n", VMM_EINVAL, 4, "[vm a] policy_params");
    load_bad("[vm a]\npolicy_params = bits=99\npolicy = aging\ngenerate = seq\n[vm b]\n"
             "generate = seq\n", VMM_EINVAL, 2, "bits must be in [1, 32]");
}

/* Lines are read whole up to 4096 characters (inih cut them at 198), a
 * UTF-8 byte order mark does not spoil the first line, indentation does not
 * continue the line above, and a comment after a value goes. */
Test(scenario, line_syntax)
{
    char text[1200];
    int n = snprintf(text, sizeof text, "[vm a]\ngenerate = sequential:n=100%900s; padding\n", "");
    cr_assert_lt(n, (int)sizeof text);
    vmm_scenario_t *sc = load_ok(text);
    cr_assert_str_eq(sc->vms[0].sources[0].text, "sequential:n=100");
    vmm_scenario_destroy(sc);
    sc = load_ok("\xEF\xBB\xBF[host]\nmemory = 64M\n" VM_OK);
    cr_assert_eq(sc->host.memory, 64 * MiB);
    vmm_scenario_destroy(sc);
    sc = load_ok("[host]\n  memory = 64M\n[vm a]\n\tgenerate = sequential:n=100\n    memory = 32M\n");
    cr_assert_eq(sc->host.memory, 64 * MiB);
    cr_assert_eq(sc->vms[0].memory, 32 * MiB);
    cr_assert_str_eq(sc->vms[0].sources[0].text, "sequential:n=100");
    vmm_scenario_destroy(sc);
}

Test(scenario, error_files)
{
    vmm_scenario_t *sc = NULL;
    vmm_err_t err;
    char buf[512];
    cr_assert_eq(vmm_scenario_load_file("tests/data/scenario-bad-reservation.ini", &sc, &err),
                 VMM_EINVAL);
    cr_assert_null(sc);
    vmm_err_format(&err, buf, sizeof buf);
    cr_assert(!strncmp(buf, "tests/data/scenario-bad-reservation.ini:5: [vm a] reservation",
                       strlen("tests/data/scenario-bad-reservation.ini:5: [vm a] reservation")),
              "%s", buf);
    cr_assert_eq(vmm_scenario_load_file("tests/data/scenario-bad-key.ini", &sc, &err),
                 VMM_EFORMAT);
    vmm_err_format(&err, buf, sizeof buf);
    cr_assert(strstr(buf, "scenario-bad-key.ini:4: unknown key 'ballooning'"), "%s", buf);
    cr_assert_eq(vmm_scenario_load_file("tests/data/no-such-scenario.ini", &sc, &err),
                 VMM_ENOENT);
    cr_assert_str_eq(err.file, "tests/data/no-such-scenario.ini");
}

Test(scenario, overrides)
{
    vmm_scenario_t *sc = load_ok("[host]\nmemory=4G\n[vm web]\ngenerate=sequential:n=10\n"
                                 "memory=1G\nreservation=256M\n[vm db]\ntrace=a.txt\n");
    vmm_err_t err;
    cr_assert_eq(vmm_scenario_set(sc, "vm.web.memory=2G", &err), 0, "%s", err.msg);
    cr_assert_eq(sc->vms[0].memory, 2 * GiB);
    cr_assert_eq(sc->vms[0].eff_shares, 20480);   /* recomputed */
    cr_assert_eq(sc->vms[0].eff_limit, 2 * GiB);
    cr_assert_eq(vmm_scenario_set(sc, "host.balancer=mrc", &err), 0, "%s", err.msg);
    cr_assert_eq(sc->host.balancer, VMM_BAL_MRC);
    cr_assert_eq(vmm_scenario_set(sc, "host.quantum = 5ms", &err), 0, "%s", err.msg);
    cr_assert_float_eq(sc->host.slice_ns, 5e6, 1e-6);
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.policy=aging", &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.policy_params=bits=3", &err), 0, "%s", err.msg);
    cr_assert_str_eq(sc->vms[1].policy_params, "bits=3");
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.policy_params=bits=4", &err), 0, "%s", err.msg);
    cr_assert_str_eq(sc->vms[1].policy_params, "bits=4");
    /* parameters the policy does not take are refused at once, and undone */
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.policy_params=k=3", &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "[vm db] policy_params: policy aging: unknown parameter 'k=3'"),
              "%s", err.msg);
    cr_assert_str_eq(sc->vms[1].policy_params, "bits=4");
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.policy=clock", &err), VMM_EINVAL);   /* takes none */
    cr_assert_str_eq(sc->vms[1].policy, "aging");
    /* A source override replaces the VM's sources. */
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.generate=zipf:pages=100,n=1K", &err), 0, "%s",
                 err.msg);
    cr_assert_eq(sc->vms[1].nsources, 1);
    cr_assert_eq(sc->vms[1].sources[0].kind, VMM_SRC_GENERATE);
    cr_assert_eq(sc->vms[1].sources[0].line, 0);

    /* Errors name the override and leave the scenario as it was. */
    cr_assert_eq(vmm_scenario_set(sc, "vm.web.memory=2X", &err), VMM_EFORMAT);
    cr_assert_str_eq(err.file, "--set vm.web.memory=2X");
    cr_assert(strstr(err.msg, "memory: expected a size"), "%s", err.msg);
    cr_assert_eq(vmm_scenario_set(sc, "vm.web.memory=128M", &err), VMM_EINVAL);
    cr_assert(strstr(err.msg, "reservation"), "%s", err.msg);
    cr_assert_str_eq(err.file, "--set vm.web.memory=128M");
    cr_assert_eq(sc->vms[0].memory, 2 * GiB);
    cr_assert_eq(sc->vms[0].eff_shares, 20480);
    cr_assert_eq(vmm_scenario_set(sc, "vm.nope.memory=1G", &err), VMM_ENOENT);
    cr_assert(strstr(err.msg, "no VM named 'nope'"), "%s", err.msg);
    cr_assert_eq(vmm_scenario_set(sc, "host.nope=1", &err), VMM_EFORMAT);
    cr_assert_eq(vmm_scenario_set(sc, "host.memory", &err), VMM_EFORMAT);
    cr_assert_eq(vmm_scenario_set(sc, "web.memory=1G", &err), VMM_EFORMAT);
    cr_assert_eq(vmm_scenario_set(sc, "vm.web=1G", &err), VMM_EFORMAT);
    cr_assert_eq(vmm_scenario_set(sc, "host.memory=600M", &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_scenario_set(sc, "host.memory=200M", &err), VMM_EINVAL);
    cr_assert_eq(sc->host.memory, 600 * MiB);
    /* Failed source and string overrides are undone without leaks. */
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.generate=zipf:alpha=-1", &err), VMM_EFORMAT);
    cr_assert_eq(vmm_scenario_set(sc, "host.pcpus=1", &err), 0, "%s", err.msg);
    cr_assert_eq(vmm_scenario_set(sc, "vm.db.affinity=0-1", &err), VMM_EINVAL);
    cr_assert_eq(sc->vms[1].affinity[0], UINT64_MAX);
    cr_assert_str_eq(sc->vms[1].sources[0].text, "zipf:pages=100,n=1K");
    vmm_scenario_destroy(sc);
    vmm_scenario_destroy(NULL);
}

Test(scenario, demo_loads)
{
    vmm_scenario_t *sc;
    vmm_err_t err;
    int rc = vmm_scenario_load_string(vmm_scenario_demo_text(), "demo", &sc, &err);
    cr_assert_eq(rc, 0, "demo:%llu: %s", (unsigned long long)err.line, err.msg);
    cr_assert_eq(sc->nvms, 3);
    uint64_t total = 0;
    for (uint32_t i = 0; i < sc->nvms; i++) {
        cr_assert_eq(sc->vms[i].sources[0].kind, VMM_SRC_GENERATE);
        total += sc->vms[i].memory;
    }
    cr_assert_gt(total, sc->host.memory, "the demo host must be overcommitted");
    vmm_scenario_destroy(sc);
}

/* Every registry key (and every name of the registries that NAME keys
 * draw on) appears in docs/scenario.md's generated table. */
Test(scenario, registry_matches_docs)
{
    const char *doc = vmm_assert_doc_has("docs/scenario.md", vmm_scenario_keys_markdown,
                                         "vmm_scenario_keys_markdown");
    size_t nkeys;
    const vmm_scn_key_t *k = vmm_scenario_keys(&nkeys);
    cr_assert_lt(nkeys, 64);
    for (size_t i = 0; i < nkeys; i++) {
        char want[80];
        snprintf(want, sizeof want, "`%s`", k[i].name);
        cr_assert(strstr(doc, want), "%s not documented", k[i].name);
    }
}

/* A key's words: its fixed list, or those its registry gives. */
static const char *choices_of(const char *name)
{
    static char buf[512];
    for (const vmm_scn_key_t *k = vmm_scenario_keys(NULL); k->name; k++) {
        if (strcmp(k->name, name))
            continue;
        if (!k->names)
            return k->choices;
        buf[0] = 0;
        k->names(buf, sizeof buf);
        return buf;
    }
    return NULL;
}

static void assert_listed(const char *choices, const char *name)
{
    char bar[96];
    snprintf(bar, sizeof bar, "|%s|", name);
    char all[512];
    snprintf(all, sizeof all, "|%s|", choices);
    cr_assert(strstr(all, bar), "%s missing from %s", name, choices);
}

/* The NAME keys' words are every entry of the registries they check
 * against (they are read from them), so the docs follow a new policy or
 * page table. */
Test(scenario, name_choices_cover_registries)
{
    for (const vmm_pt_ops *const *p = vmm_pt_all(); *p; p++)
        assert_listed(choices_of("guest_pt"), (*p)->name);
    for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++)
        assert_listed(choices_of("policy"), (*p)->name);
    for (const vmm_mrc_ops *const *p = vmm_mrc_all(); *p; p++)
        assert_listed(choices_of("mrc"), (*p)->name);
    for (const char *const *f = vmm_trace_formats(); *f; f++)
        assert_listed(choices_of("format"), *f);
}

/* Fail each allocation in turn: every failure is a clean VMM_ENOMEM with
 * nothing leaked, for file loading and for overrides. */
Test(scenario, alloc_failure)
{
    int ok = 0;
    for (long n = 0; n < 10000 && !ok; n++) {
        vmm_scenario_t *sc = NULL;
        vmm_err_t err;
        vmm_alloc_fail_after(n);
        int rc = vmm_scenario_load_file("tests/data/scenario-full.ini", &sc, &err);
        vmm_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            vmm_scenario_destroy(sc);
            break;
        }
        cr_assert_eq(rc, VMM_ENOMEM, "n=%ld: %s (%s)", n, vmm_strerror(rc), err.msg);
        cr_assert_null(sc);
        VMM_ASSERT_NO_LEAKS();
    }
    cr_assert(ok);
    static const char *const ovs[] = {"vm.web.generate=loop:pages=10,n=100",
                                      "vm.web.policy_params=bits=2", "host.memory=8G"};
    for (size_t i = 0; i < sizeof ovs / sizeof ovs[0]; i++) {
        for (long n = 0; n < 1000; n++) {
            vmm_scenario_t *sc;
            vmm_err_t err;
            cr_assert_eq(vmm_scenario_load_file("tests/data/scenario-full.ini", &sc, &err), 0);
            vmm_alloc_fail_after(n);
            int rc = vmm_scenario_set(sc, ovs[i], &err);
            vmm_alloc_fail_after(-1);
            vmm_scenario_destroy(sc);
            if (rc == 0)
                break;
            cr_assert_eq(rc, VMM_ENOMEM, "%s n=%ld: %s", ovs[i], n, err.msg);
            VMM_ASSERT_NO_LEAKS();
        }
    }
}

/* Choice keys whose words come from a registry store the registry index:
 * the enums naming the built-in entries must be those indices, and every
 * registry entry must be accepted. */
Test(scenario, registry_choices)
{
    cr_assert_str_eq(vmm_balance_all()[VMM_BAL_STATIC]->name, "static");
    cr_assert_str_eq(vmm_balance_all()[VMM_BAL_SHARES]->name, "shares");
    cr_assert_str_eq(vmm_balance_all()[VMM_BAL_MRC]->name, "mrc");
    cr_assert_str_eq(vmm_sched_all()[VMM_SCHED_RR]->name, "rr");
    cr_assert_str_eq(vmm_sched_all()[VMM_SCHED_CREDIT]->name, "credit");
    for (const vmm_policy_ops *const *p = vmm_policy_all(); *p; p++) {
        char text[128];
        snprintf(text, sizeof text, "[vm a]\ngenerate = seq:n=10\npolicy = %s\n", (*p)->name);
        vmm_scenario_t *sc = NULL;
        vmm_err_t err;
        cr_assert_eq(vmm_scenario_load_string(text, "t", &sc, &err), 0, "%s: %s", (*p)->name,
                     err.msg);
        vmm_scenario_destroy(sc);
    }
}
