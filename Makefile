# vmmsim — GNU Make build.
#   make run        install missing Debian packages (as root), build, run the demo scenario
#   make test       same set-up, then every test (unit, CLI, real-trace checks)
#   make bench      throughput benchmarks (bench/README.md)
#   make SANITIZE=1 test   the suite under ASan+UBSan
#   make install PREFIX=/usr/local

PREFIX  ?= /usr/local
CC      ?= cc
SANITIZE ?= 0
BUILD   := build$(if $(filter 1,$(SANITIZE)),-san,)

DEB_PKGS := libzstd-dev zlib1g-dev liblzma-dev libinih-dev libcriterion-dev libxxhash-dev libjansson-dev pkg-config zstd xz-utils python3 gnuplot-nox
PKGS     := libzstd jansson

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     := -O2 -g
ifeq ($(SANITIZE),1)
OPT     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
CFLAGS_ALL  = -std=c11 -D_GNU_SOURCE -DVMM_BUILDING -Iinclude -Isrc $(WARN) $(OPT) -fPIC \
              -fvisibility=hidden $(CFLAGS)
LDLIBS_ALL  = -lzstd -lz -llzma -ljansson -linih -lm $(LDLIBS)
LDFLAGS_ALL = $(if $(filter 1,$(SANITIZE)),-fsanitize=address$(,)undefined,) $(LDFLAGS)
, := ,

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/%,$(LIB_SRC))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIBA  := $(BUILD)/libvmmsim.a
LIBSO := $(BUILD)/libvmmsim.so
# One version string: VMM_VERSION in include/vmmsim/vmmsim.h. The soname
# carries the major version (0: the API may still change).
VERSION := $(shell sed -n 's/^\#define VMM_VERSION "\(.*\)"/\1/p' include/vmmsim/vmmsim.h)
SONAME  := libvmmsim.so.$(firstword $(subst ., ,$(VERSION)))
BIN   := $(BUILD)/vmmsim
TESTBIN := $(BUILD)/unit-tests

.PHONY: all deps run test unit-test cli-test trace-test pkg-test bench install clean fuzz fuzz-run
all: $(BIN) $(LIBSO)

# Install what the build needs, once, when it is missing and we are root.
deps: $(BUILD)/.deps
$(BUILD)/.deps: Makefile
	@mkdir -p $(BUILD)
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else echo "missing Debian packages:$$missing (run as root, or apt-get install them)"; exit 1; fi; \
	fi
	@touch $@

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The static library is one relocatable object whose hidden symbols (all
# but the VMM_API ones) are made local, so it exports the same names as the
# shared library and nothing internal can clash with a user's symbols.
$(LIBA): $(LIB_OBJ)
	@rm -f $@ $(BUILD)/libvmmsim.o
	ld -r -o $(BUILD)/libvmmsim.o $^
	objcopy --localize-hidden $(BUILD)/libvmmsim.o
	ar rcs $@ $(BUILD)/libvmmsim.o
$(LIBSO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDFLAGS_ALL) $(LDLIBS_ALL)
$(BIN): $(CLI_OBJ) $(LIBA)
	$(CC) -pthread -o $@ $(CLI_OBJ) $(LIBA) $(LDFLAGS_ALL) $(LDLIBS_ALL)

# The unit tests reach internals (the allocation-failure hook, the
# patent sampler...), so they link the objects rather than the library.
$(TESTBIN): $(TEST_OBJ) $(LIB_OBJ)
	$(CC) -o $@ $(TEST_OBJ) $(LIB_OBJ) $(LDFLAGS_ALL) $(LDLIBS_ALL) -lcriterion

run: $(BIN)
	./$(BIN) run

unit-test: $(TESTBIN)
	./$(TESTBIN) --jobs 2

cli-test: $(BIN)
	VMMSIM=./$(BIN) bash tests/cli/run.sh

# The independent results in ../shared/traces (skipped when absent); rows
# listed in tests/known-deviations.tsv are reported, not failed.
trace-test: $(BIN)
	bash tests/check-traces.sh ./$(BIN)

# make install into two prefixes, and the README's library example built
# through the installed vmmsim.pc as C and C++.
pkg-test: $(BIN) $(LIBA) $(LIBSO)
	bash tests/pkg-test.sh $(if $(filter 1,$(SANITIZE)),-fsanitize=address$(,)undefined,)

test: trace-test cli-test unit-test pkg-test

BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O3 -o $@ $< $(LIBA) $(LDFLAGS_ALL) $(LDLIBS_ALL)
bench: $(BIN) $(BENCH_BIN)
	python3 bench/bench.py ./$(BIN) $(BUILD)/bench/decode

# libFuzzer targets (clang): make fuzz builds them, make fuzz-run runs each
# for FUZZ_SECONDS from its corpus in fuzz/corpus/NAME (seeded from tests/data);
# crashes, slow units, leaks... go to build-fuzz/artifacts/NAME/, never the top.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/%.c,build-fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -DVMM_BUILDING -Iinclude -Isrc -g -O1 \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build-fuzz/%: fuzz/%.c $(LIB_SRC) | $(BUILD)/.deps
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) -lzstd -lz -llzma -ljansson -linih -lm
fuzz: $(FUZZ_TARGETS)
fuzz-run: fuzz
	@for t in $(FUZZ_TARGETS); do n=$$(basename $$t); mkdir -p fuzz/corpus/$$n; \
	  case $$n in fuzz_trace) cp -n tests/data/trace-* tests/data/bad-* fuzz/corpus/$$n/ 2>/dev/null;; \
	  fuzz_scenario|fuzz_host) cp -n tests/data/scenario-*.ini fuzz/corpus/$$n/ 2>/dev/null;; esac; \
	  mkdir -p build-fuzz/artifacts/$$n; echo "== $$n (findings in build-fuzz/artifacts/$$n/)"; \
	  ./$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=build-fuzz/artifacts/$$n/ \
	    fuzz/corpus/$$n || exit 1; done

# vmmsim.pc is made for this PREFIX at every install (a file kept from an
# earlier install would name the earlier prefix).
install: $(BIN) $(LIBA) $(LIBSO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/vmmsim
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vmmsim
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libvmmsim.so.$(VERSION)
	ln -sf libvmmsim.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libvmmsim.so
	install -m 644 include/vmmsim/*.h $(DESTDIR)$(PREFIX)/include/vmmsim/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' vmmsim.pc.in > $(BUILD)/vmmsim.pc
	install -m 644 $(BUILD)/vmmsim.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
