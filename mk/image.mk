# The container image's file layout, in one place: `make install-image DESTDIR=ROOT` lays out under
# ROOT every file the image adds to its root file system. docker/Dockerfile copies that tree, and
# test/integration/50-boot.t boots it, so what is tested is what ships.
#
# The man pages come from mk/docs.mk's install-man (when that fragment is there). MANPAGES is
# read in the recipe, not with ifneq, so the order in which make includes mk/*.mk does not matter.
# IMAGE_BIN: the hermes-reconcile to install (default $(BIN); the boot test passes the binary
# under test, e.g. the ASan build).

IMAGE_BIN ?= $(BIN)
IMAGE_RC_FILES := $(shell find s6-overlay/s6-rc.d -type f 2>/dev/null | LC_ALL=C sort)
IMAGE_DOCKER_SCRIPTS := $(wildcard docker/main-wrapper.sh docker/stage2-hook.sh)
IMAGE_EXAMPLES := $(wildcard conf.d-examples/*.ini)

.PHONY: install-image
install-image: $(IMAGE_BIN)
	@[ -n "$(DESTDIR)" ] || { echo "install-image: DESTDIR is required (the root of the image layout)" >&2; exit 2; }
	install -D -m 0755 $(IMAGE_BIN) $(DESTDIR)/usr/bin/hermes-reconcile
	install -d -m 0755 $(DESTDIR)/etc/cont-init.d $(DESTDIR)/etc/hermes/profiles.d \
	  $(DESTDIR)/usr/share/hermes/profiles.d-examples
	install -m 0755 s6-overlay/cont-init.d/015-supervise-perms s6-overlay/cont-init.d/02-reconcile-profiles \
	  $(DESTDIR)/etc/cont-init.d/
	@set -e; for f in $(IMAGE_RC_FILES); do \
	  case $${f##*/} in run|finish|up|down) m=0755 ;; *) m=0644 ;; esac; \
	  echo "install -D -m $$m $$f $(DESTDIR)/etc/s6-overlay/$${f#s6-overlay/}"; \
	  install -D -m $$m "$$f" "$(DESTDIR)/etc/s6-overlay/$${f#s6-overlay/}"; \
	done
ifneq ($(IMAGE_DOCKER_SCRIPTS),)
	install -D -m 0755 -t $(DESTDIR)/usr/libexec/hermes $(IMAGE_DOCKER_SCRIPTS)
endif
ifneq ($(IMAGE_EXAMPLES),)
	install -m 0644 $(IMAGE_EXAMPLES) $(DESTDIR)/usr/share/hermes/profiles.d-examples/
endif
	$(if $(MANPAGES),$(MAKE) --no-print-directory install-man PREFIX=/usr DESTDIR=$(DESTDIR))
