# Manual pages and example profiles (docs/, conf.d-examples/, schema/gen-keytable.c).
#
#   make man            build/hermes-reconcile.8 and build/hermes-profiles.5
#   make man-lint       render both with groff -ww and mandoc -T lint; any message fails
#   make examples-check hermes-reconcile check over conf.d-examples/
#   make install-man    (also done by make install)
#
# The key table of hermes-profiles(5) and its lists of keys, reserved variables and the line
# limit are generated from schema/profile-keys.def and the reader's constants, what the
# validator is compiled from, and spliced in at their @MARKER@ lines.

MANDIR   ?= $(PREFIX)/share/man
MANPAGES := $(BUILD)/hermes-reconcile.8 $(BUILD)/hermes-profiles.5
# The pieces of hermes-profiles(5) made from the schema, one per mode of gen-keytable.
MAN_PIECES := keytable restart-keys next-use-keys reserved-env bool-words line-max
MAN_PIECE_FILES := $(MAN_PIECES:%=$(BUILD)/man/%.roff)

.PHONY: man man-lint examples-check install-man

man: $(MANPAGES)

$(BUILD)/man/%.roff: $(GEN_KEYTABLE)
	@mkdir -p $(@D)
	$(GEN_KEYTABLE) $* > $@.tmp && mv $@.tmp $@

# A line ".\" @PIECE@" is replaced by $(BUILD)/man/piece.roff (PIECE in lower case, _ as -).
# Every piece is spliced exactly once, and no marker is left without its piece.
$(BUILD)/hermes-profiles.5: docs/hermes-profiles.5.in $(MAN_PIECE_FILES)
	awk -v dir=$(BUILD)/man -v want="$(MAN_PIECES)" \
	  'BEGIN { npieces = split(want, pieces, " ") } \
	   /^\.\\" @[A-Z_-]+@$$/ { m = tolower(substr($$0, 6, length($$0) - 6)); gsub("_", "-", m); \
	     f = dir "/" m ".roff"; got = 0; while ((getline l < f) > 0) { print l; got = 1 } close(f); \
	     if (!got) { print "docs.mk: " FILENAME ":" FNR ": no piece " m > "/dev/stderr"; bad = 1 } \
	     used[m]++; next } { print } \
	   END { for (i = 1; i <= npieces; i++) if (used[pieces[i]] != 1) { \
	           m = toupper(pieces[i]); gsub("-", "_", m); \
	           print "docs.mk: " FILENAME ": need exactly one @" m "@ line" > "/dev/stderr"; bad = 1 } \
	         exit bad }' \
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
