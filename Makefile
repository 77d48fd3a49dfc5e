# rig: test rig controller for IMS Mini Meters.
#   make          build rigd, rigctl, rig-sim into build/
#   make check    build with ASan+UBSan and run every test (ends with Check's summary)
#   make demo     the main job: a batch of simulated meters on the simulated bench
#   make vmtest   the real-kernel test bed alone (qemu, gpio-sim, a real UART)
#   make bench    benchmarks into BENCHMARKS.md
#   make killtest the kill campaign (SIGKILLs of rigd mid-run; not in check)
#   make install  programs, man pages, unit, sysusers/tmpfiles, /etc/rig, docs
#                 (PREFIX=/usr/local, DESTDIR for staging)
#   make deb      a Debian package (debhelper) into build/deb/
#   make arm64    the programs and the unit tests cross-built for arm64 into
#                 build/arm64/ (Debian's aarch64 cross compiler, multiarch libs)
# Missing build dependencies are installed by rig/scripts/install-deps.

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libserialport libgpiod sqlite3 libcjson gsl pangocairo cairo-pdf fontconfig libsodium libqrencode libpq libmicrohttpd
DEPS_OK := build/.deps-ok

WARN := -Wall -Wextra -Werror -std=gnu11 -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

BASE_CFLAGS = $(WARN) -I. -D_GNU_SOURCE -DRIG_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
REL_CFLAGS := -O2 -g
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

# Every .c is library code except the programs' main.c files.
LIB_SRC := $(sort $(filter-out %/main.c,$(wildcard rig/*/*.c drivers/*/*.c drivers/*/*/*.c reports/*.c)))
rigd_MAIN := rig/rigd/main.c
rigctl_MAIN := rig/rigctl/main.c
rig-sim_MAIN := drivers/sim/main.c
rig-shipper_MAIN := rig/shipper/main.c
PROGS := $(foreach p,rigd rigctl rig-sim rig-shipper,$(if $(wildcard $($(p)_MAIN)),$(p)))
# The validation benchmark's meter model and harness also feed a unit test.
VALBENCH_SRC := tests/bench/indep_meter.c tests/bench/valbench.c tests/bench/valbench_report.c
TEST_SRC := $(sort $(filter-out tests/unit/run.c,$(wildcard tests/unit/*.c)) $(VALBENCH_SRC) tests/bench/pg_server.c)

REL := build
SAN := build/san

.PHONY: all check unit demo vmtest bench killtest clean deps print-libs install deb arm64
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
# (the arm64 build links its release library: CHECK_LIB)
CHECK_LIB ?= $(SAN)/librig.a
$(SAN)/check_all: $(SAN)/obj/tests/unit/run.o $(TEST_SRC:%.c=$(SAN)/obj/%.o) $(CHECK_LIB)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lpthread

# Unit and simulator tests run against the sanitized binaries (and the
# package and the arm64 build, tests/e2e/package: the cross toolchain is
# installed first, outside the tests' time-outs); the real-kernel test bed
# runs first (set RIG_SKIP_VMTEST=1 to skip it on a developer
# machine; CI never skips it). Check's summary is the last line.
check: $(SAN)/check_all $(addprefix $(SAN)/,$(PROGS)) all $(BROWSER_DEPS)
	@./rig/scripts/install-deps >/dev/null && ./rig/scripts/install-deps --arm64 >/dev/null
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

# --- install, Debian package, arm64 ----------------------------------------
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/rig
DOCDIR ?= $(PREFIX)/share/doc/rig
MANDIR ?= $(PREFIX)/share/man
# rigd and rigctl read /etc/rig/rigd.conf by default: SYSCONFDIR stays /etc
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
# The operator panel's static files (rigd finds them in $(DATADIR)/panel).
PANEL_STATIC := panel
D = $(DESTDIR)
# Documentation= of the unit and the man pages name these files.
DOCS := README.md:README.md rig/README.md:rigd-rigctl.md fixtures/README.md:fixtures.md \
	profiles/README.md:profiles.md drivers/edge/CAPTURE.md:recording.md \
	drivers/source/scpi6100/COMMANDS.md:scpi6100-commands.md drivers/sim/README.md:rig-sim.md

install: all
	install -d $(D)$(BINDIR) $(D)$(SBINDIR) $(D)$(MANDIR)/man1 $(D)$(MANDIR)/man8 \
		$(D)$(UNITDIR) $(D)$(SYSUSERSDIR) $(D)$(TMPFILESDIR) $(D)$(UDEVRULESDIR) \
		$(D)$(DATADIR)/profiles $(D)$(DATADIR)/fixtures $(D)$(DOCDIR)/examples \
		$(D)$(SYSCONFDIR)/rig/profiles $(D)$(SYSCONFDIR)/rig/fixtures
	install -m 0755 $(REL)/rigd $(D)$(SBINDIR)/rigd
	install -m 0755 $(REL)/rigctl $(REL)/rig-sim $(REL)/rig-shipper $(D)$(BINDIR)/
	install -m 0644 doc/rigctl.1 $(D)$(MANDIR)/man1/rigctl.1
	install -m 0644 doc/rigd.8 $(D)$(MANDIR)/man8/rigd.8
	sed -e 's|/usr/sbin/rigd|$(SBINDIR)/rigd|g' -e 's|/usr/share/doc/rig|$(DOCDIR)|g' \
		rig/rigd/rigd.service > $(D)$(UNITDIR)/rigd.service
	chmod 0644 $(D)$(UNITDIR)/rigd.service
	sed -e 's|/usr/bin/rig-shipper|$(BINDIR)/rig-shipper|g' -e 's|/usr/share/doc/rig|$(DOCDIR)|g' \
		rig/shipper/rig-shipper.service > $(D)$(UNITDIR)/rig-shipper.service
	chmod 0644 $(D)$(UNITDIR)/rig-shipper.service
	install -m 0644 rig/rigd/rig.sysusers $(D)$(SYSUSERSDIR)/rig.conf
	install -m 0644 rig/rigd/rig.tmpfiles $(D)$(TMPFILESDIR)/rig.conf
	install -m 0644 rig/rigd/60-rig-gpio.rules $(D)$(UDEVRULESDIR)/60-rig-gpio.rules
	install -m 0644 profiles/*.profile $(D)$(DATADIR)/profiles/
	install -m 0644 fixtures/*.conf fixtures/*.spec $(D)$(DATADIR)/fixtures/
	$(foreach d,$(DOCS),install -m 0644 $(word 1,$(subst :, ,$(d))) $(D)$(DOCDIR)/$(word 2,$(subst :, ,$(d)));)
	install -m 0644 rig/rigd/rigd.conf.example rig/rigd/tcp-source.conf rig/rigd/panel-http.conf \
		rig/rigd/rig-panel.service $(D)$(DOCDIR)/examples/
	$(if $(PANEL_STATIC),install -d $(D)$(DATADIR)/panel && cp -R $(PANEL_STATIC)/. $(D)$(DATADIR)/panel/)
	@# /etc/rig: the defaults, never over a file the bench already has
	@for f in rig/rigd/rigd.conf.example:rigd.conf $(foreach p,$(wildcard profiles/*.profile),$(p):profiles/$(notdir $(p))) \
		$(foreach p,$(wildcard fixtures/pi*.conf),$(p):fixtures/$(notdir $(p))); do \
		src=$${f%%:*}; dst=$(D)$(SYSCONFDIR)/rig/$${f#*:}; \
		if [ -e "$$dst" ]; then echo "kept $$dst (exists)"; else install -m 0644 "$$src" "$$dst"; fi; \
	done

# Built in build/deb/src (a copy of debian/ only; the tree is built and
# installed from here), the package lands in build/deb/. As root or with
# fakeroot.
DEB_ROOT := $(shell [ "$$(id -u)" = 0 ] || echo fakeroot)
deb: all
	@command -v dh >/dev/null && command -v systemd-analyze >/dev/null || ./rig/scripts/install-deps
	rm -rf $(REL)/deb && mkdir -p $(REL)/deb/src
	cp -RL debian $(REL)/deb/src/
	cd $(REL)/deb/src && RIG_TOP=$(CURDIR) RIG_DEB_OUT=$(CURDIR)/$(REL)/deb $(DEB_ROOT) debian/rules binary

# arm64: the same sources with Debian's cross compiler and the arm64
# libraries of multiarch (rig/scripts/install-deps --arm64); the unit
# tests built without sanitizers (they do not run under qemu-user) and
# linked with the arm64 release library.
# libgsl-dev and libpq-dev are not co-installable for two architectures
# (installing the arm64 one removes the machine's own): the arm64 runtimes
# libgsl27 and libpq5 are used with the native headers, through .pc files
# of our own.
ARM64 := build/arm64
ARM64_LIBDIR := /usr/lib/aarch64-linux-gnu
ARM64_VARS := CC=aarch64-linux-gnu-gcc REL=$(ARM64) SAN=$(ARM64)/t SAN_CFLAGS='-O1 -g' CHECK_LIB=$(ARM64)/librig.a \
	PKG_CONFIG='env PKG_CONFIG_LIBDIR=$(CURDIR)/$(ARM64)/pkgconfig:$(ARM64_LIBDIR)/pkgconfig:/usr/share/pkgconfig pkg-config'
arm64: $(DEPS_OK)
	@./rig/scripts/install-deps --arm64 >/dev/null
	@mkdir -p $(ARM64)/pkgconfig $(ARM64)/lib
	@ln -sf $(ARM64_LIBDIR)/libgsl.so.27 $(ARM64)/lib/libgsl.so
	@ln -sf $(ARM64_LIBDIR)/libgslcblas.so.0 $(ARM64)/lib/libgslcblas.so
	@printf 'Name: gsl\nDescription: GSL (arm64 runtime, native headers)\nVersion: 2.7\nLibs: -L%s -lgsl -lgslcblas -lm\nCflags:\n' \
		'$(CURDIR)/$(ARM64)/lib' > $(ARM64)/pkgconfig/gsl.pc
	@ln -sf $(ARM64_LIBDIR)/libpq.so.5 $(ARM64)/lib/libpq.so
	@printf 'Name: libpq\nDescription: libpq (arm64 runtime, native headers)\nVersion: 15\nLibs: -L%s -lpq\nCflags: -I/usr/include/postgresql\n' \
		'$(CURDIR)/$(ARM64)/lib' > $(ARM64)/pkgconfig/libpq.pc
	@$(MAKE) --no-print-directory $(ARM64_VARS) $(addprefix $(ARM64)/,$(PROGS)) $(ARM64)/t/check_all

-include $(shell find build -name '*.d' -type f 2>/dev/null)
-include tests/bench/bench.mk
