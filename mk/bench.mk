# make bench: hermes-reconcile against s6's own tools (s6-svlink, s6-svunlink) and against the floor
# (bench/floor.c: the least work s6 itself needs), side by side in one run, on a private tmpfs and a
# private s6-svscan. Needs root and valgrind. Results and how to read them: docs/bench.md.
#
#   make bench                        N = 100, 300, 1000
#   make bench BENCH_N="100 300"      fewer sizes (also BENCH_REPS, BENCH_REPS_BIG, BENCH_NOOP_REPS)
#   make bench-watch                  only watch's latency (SPEC 10; BENCH_WATCH_REPS), also run by bench
#   make bench-calls                  system calls and instructions per no-op profile, per binary (BENCH_CALLS_BINS)

BENCH_FLOOR := $(BUILD)/bench-floor

$(BENCH_FLOOR): bench/floor.c
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ bench/floor.c $(LDLIBS)

bench: $(BIN) $(BENCH_FLOOR)
	bash bench/run.sh $(BIN) $(BENCH_FLOOR)
	bash bench/watch.sh $(BIN)
	bash bench/watch-burst.sh $(BIN)

.PHONY: bench-watch
bench-watch: $(BIN)
	bash bench/watch.sh $(BIN)
	bash bench/watch-burst.sh $(BIN)

# make bench-calls BENCH_CALLS_BINS="old/hermes-reconcile build/hermes-reconcile": system calls and
# instructions per profile of one no-op pass, for each binary on the same slots (BENCH_CALLS_N).
BENCH_CALLS_BINS ?= $(BIN)
.PHONY: bench-calls
bench-calls: $(BIN) $(BENCH_FLOOR)
	bash bench/calls.sh $(BENCH_FLOOR) $(BENCH_CALLS_BINS)
