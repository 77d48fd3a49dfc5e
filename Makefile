# rig: test rig controller for IMS Mini Meters.
#   make          build rigd, rigctl, rig-sim into build/
#   make check    build with ASan+UBSan and run every test (ends with Check's summary)
#   make demo     the main job: a batch of simulated meters on the simulated bench
#   make vmtest   the real-kernel test bed alone (qemu, gpio-sim, a real UART)
#   make bench    benchmarks into BENCHMARKS.md
#   make killtest the kill campaign (SIGKILLs of rigd mid-run; not in check)
# Missing build dependencies are installed by rig/scripts/install-deps.

CC ?= cc
PKGS := libserialport libgpiod sqlite3 libcjson gsl pangocairo cairo-pdf fontconfig libsodium libqrencode libmicrohttpd
DEPS_OK := build/.deps-ok

WARN := -Wall -Wextra -Werror -std=gnu11 -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

BASE_CFLAGS = $(WARN) -I. -D_GNU_SOURCE -DRIG_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
REL_CFLAGS := -O2 -g
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

# Every .c is library code except the programs' main.c files.
LIB_SRC := $(sort $(filter-out %/main.c,$(wildcard rig/*/*.c drivers/*/*.c drivers/*/*/*.c reports/*.c)))
rigd_MAIN := rig/rigd/main.c
rigctl_MAIN := rig/rigctl/main.c
rig-sim_MAIN := drivers/sim/main.c
PROGS := $(foreach p,rigd rigctl rig-sim,$(if $(wildcard $($(p)_MAIN)),$(p)))
# The validation benchmark's meter model and harness also feed a unit test.
VALBENCH_SRC := tests/bench/indep_meter.c tests/bench/valbench.c tests/bench/valbench_report.c
TEST_SRC := $(sort $(filter-out tests/unit/run.c,$(wildcard tests/unit/*.c)) $(VALBENCH_SRC))

REL := build
SAN := build/san

.PHONY: all check unit demo vmtest bench killtest clean deps print-libs
all: $(addprefix $(REL)/,$(PROGS))

$(DEPS_OK):
	@pkg-config --exists 'libgpiod >= 2.0' $(PKGS) check 2>/dev/null && [ -x /usr/bin/chromium ] || \
		./rig/scripts/install-deps
	@mkdir -p $(@D) && touch $@
deps: ; @./rig/scripts/install-deps
# The browser tests' node modules, as pinned by their lock file.
BROWSER_DEPS := tests/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tests/browser/package-lock.json
	@./rig/scripts/install-deps

# --- objects, two flavours -------------------------------------------------
$(REL)/obj/%.o: %.c $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) -MMD -MP -c $< -o $@
$(SAN)/obj/%.o: %.c $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CHECK_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(REL)/librig.a: $(LIB_SRC:%.c=$(REL)/obj/%.o)
	@rm -f $@; ar rcs $@ $^
$(SAN)/librig.a: $(LIB_SRC:%.c=$(SAN)/obj/%.o)
	@rm -f $@; ar rcs $@ $^

define prog_rules
$(REL)/$(1): $(REL)/obj/$($(1)_MAIN:.c=.o) $(REL)/librig.a
	$(CC) $(REL_CFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread
$(SAN)/$(1): $(SAN)/obj/$($(1)_MAIN:.c=.o) $(SAN)/librig.a
	$(CC) $(SAN_CFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lpthread
endef
$(foreach p,$(PROGS),$(eval $(call prog_rules,$(p))))

# --- tests -------------------------------------------------------------------
# Each tests/unit/test_*.c defines `Suite *suite_NAME(void)`; the runner's
# list is generated so that adding a test file touches nothing else.
$(SAN)/suites.h: $(TEST_SRC)
	@mkdir -p $(@D)
	@sed -n 's/^Suite \*\(suite_[a-z0-9_]*\)(void).*/SUITE(\1)/p' $(TEST_SRC) > $@.tmp && mv $@.tmp $@
$(SAN)/obj/tests/unit/run.o: $(SAN)/suites.h
$(SAN)/obj/tests/unit/run.o: BASE_CFLAGS += -I$(SAN)
$(SAN)/check_all: $(SAN)/obj/tests/unit/run.o $(TEST_SRC:%.c=$(SAN)/obj/%.o) $(SAN)/librig.a
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lpthread

# Unit and simulator tests run against the sanitized binaries; the real-kernel
# test bed runs first (set RIG_SKIP_VMTEST=1 to skip it on a developer
# machine; CI never skips it). Check's summary is the last line.
check: $(SAN)/check_all $(addprefix $(SAN)/,$(PROGS)) all $(BROWSER_DEPS)
	@if [ -x tests/vm/run ]; then tests/vm/run; fi
	@RIG_BIN=$(SAN) RIG_TOP=$(CURDIR) CK_DEFAULT_TIMEOUT=120 $(SAN)/check_all

unit: $(SAN)/check_all $(addprefix $(SAN)/,$(PROGS)) $(BROWSER_DEPS)
	@RIG_BIN=$(SAN) RIG_TOP=$(CURDIR) CK_DEFAULT_TIMEOUT=120 $(SAN)/check_all

demo: all
	@./tests/e2e/demo

vmtest: all
	@tests/vm/run

bench: all
	@./tests/bench/run

killtest: all
	@RIG_BIN=$(REL) RIG_TOP=$(CURDIR) tests/kill/campaign

# The libraries the programs link, for the test bed's guest link.
print-libs: ; @echo $(PKG_LIBS) -lpthread

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
-include tests/bench/bench.mk
