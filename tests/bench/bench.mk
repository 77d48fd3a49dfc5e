# Benchmark programs (make bench). Every tests/bench/bench_*.c is a program;
# the other .c files there are helpers linked into each. They link the
# optimised library: the figures are for the code as it ships.
# The validation benchmark's model and harness (VALBENCH_SRC, see the
# Makefile) are helpers here and also go into check_all for its quick test.
BENCH_DIR := $(REL)/bench
BENCH_HELPERS := $(filter-out tests/bench/bench_%.c,$(wildcard tests/bench/*.c))
BENCH_PROGS := $(patsubst tests/bench/%.c,$(BENCH_DIR)/%,$(wildcard tests/bench/bench_*.c))

$(BENCH_DIR)/bench_%: tests/bench/bench_%.c $(BENCH_HELPERS) $(wildcard tests/bench/*.h) $(REL)/librig.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) -o $@ $< $(BENCH_HELPERS) $(REL)/librig.a $(PKG_LIBS) -lpthread

bench: $(BENCH_PROGS)

# The fleet benchmark alone (also part of make bench at its default scale):
#   make fleetbench FLEET="50 365"   benches and days of production (a year)
.PHONY: fleetbench
fleetbench: $(BENCH_DIR)/bench_fleet $(REL)/rig-shipper
	@$(BENCH_DIR)/bench_fleet $(FLEET)
