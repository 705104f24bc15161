# libFuzzer target for profile loading and validation (test/fuzz/fuzz-load.c).
#
#   make fuzz          fuzz for FUZZ_TIME seconds (default 60), new inputs in $(BUILD)/fuzz/corpus
#   make fuzz-corpus   run the seed corpus test/fuzz/corpus once (part of make check)
#
# A crash leaves its input as $(BUILD)/fuzz/crash-*: copy it into test/fuzz/corpus/ (it is then
# run by every make check) and fix the bug. Built with clang, whatever CC is.

FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_BIN   := $(FUZZ_DIR)/fuzz-load
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_DICT  := $(FUZZ_DIR)/load.dict
FUZZ_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

.PHONY: fuzz fuzz-corpus

FUZZ_OBJS  := $(FUZZ_DIR)/obj/fuzz-load.o $(LIB_OBJS:$(BUILD)/obj/%=$(FUZZ_DIR)/obj/%)
DEPS       += $(FUZZ_OBJS:.o=.d)

$(FUZZ_DIR)/obj/%.o: reconciler/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(HR_CPPFLAGS) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) $(DEPFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz-load.o: test/fuzz/fuzz-load.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(HR_CPPFLAGS) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) $(DEPFLAGS) -c -o $@ $<

# The schema's part of the dictionary is generated; test/fuzz/syntax.dict holds the rest.
$(FUZZ_DICT): $(GEN_KEYTABLE) test/fuzz/syntax.dict
	@mkdir -p $(@D)
	{ $(GEN_KEYTABLE) dict && cat test/fuzz/syntax.dict; } > $@.tmp && mv $@.tmp $@

$(FUZZ_BIN): $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LDFLAGS) -o $@ $(FUZZ_OBJS) $(STATIC_LIBS) $(LDLIBS)

fuzz-corpus: $(FUZZ_BIN) $(FUZZ_DICT)
	$(FUZZ_ENV) $(FUZZ_BIN) -runs=0 -dict=$(FUZZ_DICT) test/fuzz/corpus 2>$(FUZZ_DIR)/corpus.log || \
	  { tail -n 40 $(FUZZ_DIR)/corpus.log >&2; exit 1; }
	@echo "fuzz-corpus: $$(ls test/fuzz/corpus | wc -l) inputs, no crash"

fuzz: $(FUZZ_BIN) $(FUZZ_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_ENV) $(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -max_len=4096 -dict=$(FUZZ_DICT) \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus test/fuzz/corpus

CHECK_EXTRA += fuzz-corpus
