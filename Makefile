# hermes-reconcile: make the live s6 scandir match the hermes profile files.
#
#   make demo     install what is missing, build, run the real job on a private s6-svscan
#   make check    install what is missing, build, pass every test (also under ASan+UBSan)
#   make check-stress   the integration tests with every core busy (STRESS_TESTS, STRESS_ROUNDS);
#                 STRESS_MODE=heavy: two hogs per core and a second make check of HEAD beside them
#   make bench    ratios against s6's own tools, measured in the same run
#   make install  PREFIX=/usr/local DESTDIR=

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the packager's: they come last, so their flags
# (hardening, -O levels) win, and the ones the build needs are kept in HR_* beside them.
CFLAGS    ?= -O2 -g
WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
HR_CPPFLAGS := -D_GNU_SOURCE -DHR_VERSION='"$(VERSION)"' -Ireconciler -Ischema
# Each object also writes which headers it read (-MMD), as a rule included below; -MP adds an
# empty rule per header, so deleting a header is not an error.
DEPFLAGS  := -MMD -MP
# The image has no s6 libraries: link libs6, skalibs, inih and json-c statically, libc dynamically.
STATIC_LIBS := -Wl,-Bstatic -ls6 -lskarnet -linih -ljson-c -Wl,-Bdynamic

SRCS := $(wildcard reconciler/*.c)
OBJS := $(SRCS:reconciler/%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(filter-out $(BUILD)/obj/hermes-reconcile.o,$(OBJS))
ASAN_OBJS := $(SRCS:reconciler/%.c=$(BUILD)/asan/%.o)
ASAN_LIB_OBJS := $(filter-out $(BUILD)/asan/hermes-reconcile.o,$(ASAN_OBJS))
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := $(CFLAGS) -O1 -g $(SANITIZE)

BIN      := $(BUILD)/hermes-reconcile
NOID_BIN := $(BUILD)/hermes-reconcile-noid
ASAN_BIN := $(BUILD)/asan/hermes-reconcile
UNIT     := $(BUILD)/test-unit
ASAN_UNIT := $(BUILD)/asan/test-unit
UNIT_SRCS := $(wildcard test/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/unit/%.o)
ASAN_UNIT_OBJS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/asan/unit/%.o)
UNIT_LIBS := $$(pkg-config --libs check)

.PHONY: all deps check unit integration asan-check shellcheck demo bench install clean fuzz check-stress

all: $(BIN)

deps:
	@sh tools/deps.sh

$(BUILD)/obj/%.o: reconciler/%.c
	@mkdir -p $(@D)
	$(CC) $(HR_CPPFLAGS) $(CPPFLAGS) $(WARN) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: reconciler/%.c
	@mkdir -p $(@D)
	$(CC) $(HR_CPPFLAGS) $(CPPFLAGS) $(WARN) $(ASAN_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: test/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(HR_CPPFLAGS) -Itest/unit $(CPPFLAGS) $(WARN) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/asan/unit/%.o: test/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(HR_CPPFLAGS) -Itest/unit $(CPPFLAGS) $(WARN) $(ASAN_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(STATIC_LIBS) $(LDLIBS)

# The same program linked without a GNU build ID: 22-ledger.t checks that such a build takes nothing
# another build kept in a ledger (render_pass_names_program).
$(NOID_BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--build-id=none -o $@ $(OBJS) $(STATIC_LIBS) $(LDLIBS)

$(ASAN_BIN): $(ASAN_OBJS)
	$(CC) $(ASAN_CFLAGS) $(LDFLAGS) -o $@ $(ASAN_OBJS) $(STATIC_LIBS) $(LDLIBS)

$(UNIT): $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIB_OBJS) $(STATIC_LIBS) $(UNIT_LIBS) $(LDLIBS)

$(ASAN_UNIT): $(ASAN_UNIT_OBJS) $(ASAN_LIB_OBJS)
	$(CC) $(ASAN_CFLAGS) $(LDFLAGS) -o $@ $(ASAN_UNIT_OBJS) $(ASAN_LIB_OBJS) $(STATIC_LIBS) $(UNIT_LIBS) $(LDLIBS)

# The schema's generator (schema/gen-keytable.c) runs on the build machine, whatever CC targets:
# the man pages (mk/docs.mk) and the fuzz dictionary (mk/fuzz.mk) are made with it.
HOSTCC   ?= $(CC)
GEN_KEYTABLE := $(BUILD)/gen-keytable
DEPS += $(GEN_KEYTABLE).d

$(GEN_KEYTABLE): schema/gen-keytable.c
	@mkdir -p $(@D)
	$(HOSTCC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ireconciler -Ischema $(DEPFLAGS) -o $@ schema/gen-keytable.c

# --directives: every SKIP (and TODO) line is printed, so a log shows whether any test skipped itself.
PROVE_FLAGS ?= --directives

# Unit tests print TAP (libcheck's CK_TAP_LOG_FILE_NAME) and run under prove like the rest.
UNIT_ENV := CK_VERBOSITY=silent CK_TAP_LOG_FILE_NAME=-
unit: $(UNIT)
	$(UNIT_ENV) prove $(PROVE_FLAGS) --exec '' $(UNIT)

integration: $(BIN) $(NOID_BIN)
	HR=$(abspath $(BIN)) HR_NOID=$(abspath $(NOID_BIN)) prove $(PROVE_FLAGS) test/integration/*.t

asan-check: $(ASAN_BIN) $(ASAN_UNIT) $(NOID_BIN)
	$(UNIT_ENV) ASAN_OPTIONS=detect_leaks=1 prove $(PROVE_FLAGS) --exec '' $(ASAN_UNIT)
	HR=$(abspath $(ASAN_BIN)) HR_NOID=$(abspath $(NOID_BIN)) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  prove $(PROVE_FLAGS) test/integration/*.t

# The integration tests with a CPU hog on every core (killed when it ends, whatever happens).
# STRESS_TESTS: a subset; STRESS_ROUNDS: runs in a row under the load (STRESS_KEEP_GOING=1: all of
# them, whatever fails); STRESS_MODE=heavy: two hogs per core, and a second make check of HEAD on a
# clean clone in a temporary directory running beside them, stopped with them (test/stress.sh).
check-stress: $(BIN)
	bash test/stress.sh $(abspath $(BIN)) $(STRESS_TESTS)

shellcheck:
	shellcheck -x $$(sh tools/shell-scripts.sh)

# Fragments under mk/ add their own checks to CHECK_EXTRA (man pages, examples, fuzz corpus).
check: deps
	$(MAKE) all
	$(MAKE) shellcheck
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) $(CHECK_EXTRA)
	$(MAKE) asan-check
	@echo "make check: all tests passed"

demo: deps
	$(MAKE) all
	sh tools/demo.sh $(abspath $(BIN))

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/hermes-reconcile

DEPS += $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(ASAN_UNIT_OBJS:.o=.d)

clean:
	rm -rf $(BUILD)

-include mk/*.mk
# Last, so that the fragments' objects are in DEPS too.
-include $(DEPS)
