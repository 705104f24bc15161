# Manual pages and example profiles (docs/, conf.d-examples/, schema/gen-keytable.c).
#
#   make man            build/hermes-reconcile.8 and build/hermes-profiles.5
#   make man-lint       render both with groff -ww and mandoc -T lint; any message fails
#   make examples-check hermes-reconcile check over conf.d-examples/
#   make install-man    (also done by make install)
#
# The key table of hermes-profiles(5) is generated from schema/profile-keys.def, the same
# list the validator is compiled from, and spliced in at the @KEYTABLE@ marker line.

MANDIR   ?= $(PREFIX)/share/man
# The generator runs on the build machine, whatever CC targets.
HOSTCC   ?= $(CC)
GEN_KEYTABLE := $(BUILD)/gen-keytable
MANPAGES := $(BUILD)/hermes-reconcile.8 $(BUILD)/hermes-profiles.5

.PHONY: man man-lint examples-check install-man

man: $(MANPAGES)

$(GEN_KEYTABLE): schema/gen-keytable.c schema/profile-keys.def
	@mkdir -p $(@D)
	$(HOSTCC) -std=c11 -Wall -Wextra -Werror -Ischema -o $@ schema/gen-keytable.c

$(BUILD)/keytable.roff: $(GEN_KEYTABLE)
	$(GEN_KEYTABLE) > $@.tmp && mv $@.tmp $@

# Exactly one marker line, else the page is not built.
$(BUILD)/hermes-profiles.5: docs/hermes-profiles.5.in $(BUILD)/keytable.roff
	awk -v table=$(BUILD)/keytable.roff \
	  '$$0 == ".\\\" @KEYTABLE@" { while ((getline l < table) > 0) print l; n++; next } { print } \
	   END { if (n != 1) { print "docs.mk: " FILENAME ": need exactly one @KEYTABLE@ line" > "/dev/stderr"; exit 1 } }' \
	  docs/hermes-profiles.5.in > $@.tmp && mv $@.tmp $@

$(BUILD)/hermes-reconcile.8: docs/hermes-reconcile.8
	@mkdir -p $(@D)
	cp docs/hermes-reconcile.8 $@

man-lint: $(MANPAGES)
	@command -v groff >/dev/null && command -v mandoc >/dev/null || \
	  { echo "man-lint: groff and mandoc are needed (make deps)" >&2; exit 1; }
	@fail=0; for f in $(MANPAGES); do \
	  out=$$( { groff -ww -z -t -man "$$f"; mandoc -T lint -W style "$$f"; } 2>&1 ); \
	  if [ -n "$$out" ]; then printf '%s\n' "$$out" >&2; fail=1; fi; \
	done; \
	if [ $$fail -ne 0 ]; then echo "man-lint: warnings (above)" >&2; exit 1; fi; \
	echo "man-lint: $(notdir $(MANPAGES)) clean"

# check resolves users and groups, and the examples run as user hermes. As root, create it
# (a system user, as the integration tests and the demo need); otherwise skip without it.
examples-check: $(BIN)
	@if ! getent passwd hermes >/dev/null; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "examples-check: useradd --system --user-group hermes"; \
	    useradd --system --user-group --no-create-home --home-dir /nonexistent \
	      --shell /usr/sbin/nologin hermes || exit 1; \
	  else \
	    echo "examples-check: skipped: no user hermes (run as root to create it)"; exit 0; \
	  fi; \
	fi; \
	home=$$(mktemp -d "$${TMPDIR:-/tmp}/hr-examples.XXXXXX") || exit 1; \
	$(BIN) -c conf.d-examples -H "$$home" check; rc=$$?; rmdir "$$home"; \
	if [ $$rc -ne 0 ]; then echo "examples-check: conf.d-examples: exit $$rc" >&2; exit 1; fi; \
	echo "examples-check: conf.d-examples valid"

install-man: $(MANPAGES)
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(BUILD)/hermes-profiles.5 $(DESTDIR)$(MANDIR)/man5/hermes-profiles.5
	install -m 0644 $(BUILD)/hermes-reconcile.8 $(DESTDIR)$(MANDIR)/man8/hermes-reconcile.8

install: install-man
CHECK_EXTRA += man-lint examples-check
