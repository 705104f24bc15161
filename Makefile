# hermes-reconcile: make the live s6 scandir match the hermes profile files.
#
#   make demo     install what is missing, build, run the real job on a private s6-svscan
#   make check    install what is missing, build, pass every test (also under ASan+UBSan)
#   make check-stress   the integration tests with every core busy (STRESS_TESTS, STRESS_ROUNDS)
#   make bench    ratios against s6's own tools, measured in the same run
#   make install  PREFIX=/usr/local DESTDIR=

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS  += -D_GNU_SOURCE -DHR_VERSION='"$(VERSION)"' -Ireconciler -Ischema
# The image has no s6 libraries: link libs6, skalibs, inih and json-c statically, libc dynamically.
STATIC_LIBS := -Wl,-Bstatic -ls6 -lskarnet -linih -ljson-c -Wl,-Bdynamic

SRCS := $(wildcard reconciler/*.c)
LIB_SRCS := $(filter-out reconciler/hermes-reconcile.c,$(SRCS))
HDRS := $(wildcard reconciler/*.h) schema/profile-keys.def
OBJS := $(SRCS:reconciler/%.c=$(BUILD)/obj/%.o)
ASAN_OBJS := $(SRCS:reconciler/%.c=$(BUILD)/asan/%.o)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

BIN      := $(BUILD)/hermes-reconcile
ASAN_BIN := $(BUILD)/asan/hermes-reconcile
UNIT     := $(BUILD)/test-unit
ASAN_UNIT := $(BUILD)/asan/test-unit
UNIT_SRCS := $(wildcard test/unit/*.c)

.PHONY: all deps check unit integration asan-check shellcheck demo bench install clean fuzz check-stress

all: $(BIN)

deps:
	@sh tools/deps.sh

$(BUILD)/obj/%.o: reconciler/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: reconciler/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SANITIZE) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(STATIC_LIBS)

$(ASAN_BIN): $(ASAN_OBJS)
	$(CC) -g $(SANITIZE) -o $@ $(ASAN_OBJS) $(STATIC_LIBS)

$(UNIT): $(UNIT_SRCS) $(filter-out $(BUILD)/obj/hermes-reconcile.o,$(OBJS)) test/unit/unit.h
	$(CC) $(CPPFLAGS) -Itest/unit $(WARN) $(CFLAGS) -o $@ $(UNIT_SRCS) \
	  $(filter-out $(BUILD)/obj/hermes-reconcile.o,$(OBJS)) $(STATIC_LIBS) $$(pkg-config --libs check)

$(ASAN_UNIT): $(UNIT_SRCS) $(filter-out $(BUILD)/asan/hermes-reconcile.o,$(ASAN_OBJS)) test/unit/unit.h
	$(CC) $(CPPFLAGS) -Itest/unit $(WARN) -O1 -g $(SANITIZE) -o $@ $(UNIT_SRCS) \
	  $(filter-out $(BUILD)/asan/hermes-reconcile.o,$(ASAN_OBJS)) $(STATIC_LIBS) $$(pkg-config --libs check)

# Unit tests print TAP (libcheck's CK_TAP_LOG_FILE_NAME) and run under prove like the rest.
UNIT_ENV := CK_VERBOSITY=silent CK_TAP_LOG_FILE_NAME=-
unit: $(UNIT)
	$(UNIT_ENV) prove --exec '' $(UNIT)

integration: $(BIN)
	HR=$(abspath $(BIN)) prove test/integration/*.t

asan-check: $(ASAN_BIN) $(ASAN_UNIT)
	$(UNIT_ENV) ASAN_OPTIONS=detect_leaks=1 prove --exec '' $(ASAN_UNIT)
	HR=$(abspath $(ASAN_BIN)) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  prove test/integration/*.t

# The integration tests with a CPU hog on every core (killed when it ends, whatever happens).
# STRESS_TESTS: a subset; STRESS_ROUNDS: runs in a row under the load (test/stress.sh).
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

clean:
	rm -rf $(BUILD)

-include mk/*.mk
