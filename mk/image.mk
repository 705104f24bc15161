# The container image's file layout, in one place: `make install-image DESTDIR=ROOT` lays out under
# ROOT every file the image adds to its root file system. docker/Dockerfile copies that tree, and
# test/integration/50-boot.t (simulated) and 51-boot-s6-overlay.t (under the real s6-overlay) boot
# it, so what is tested is what ships.
#
# The man pages come from mk/docs.mk's install-man (when that fragment is there). MANPAGES is
# read in the recipe, not with ifneq, so the order in which make includes mk/*.mk does not matter.
# IMAGE_BIN: the hermes-reconcile to install (default $(BIN); the boot test passes the binary
# under test, e.g. the ASan build).

IMAGE_BIN ?= $(BIN)
IMAGE_RC_FILES := $(shell find s6-overlay/s6-rc.d -type f 2>/dev/null | LC_ALL=C sort)
IMAGE_CONT_INIT := $(sort $(wildcard s6-overlay/cont-init.d/*))
IMAGE_CONT_FINISH := $(sort $(wildcard s6-overlay/cont-finish.d/*))
IMAGE_DOCKER_SCRIPTS := $(wildcard docker/main-wrapper.sh docker/stage2-hook.sh docker/init.sh docker/first-boot.sh)
IMAGE_EXAMPLES := $(wildcard conf.d-examples/*.ini)

.PHONY: install-image
install-image: $(IMAGE_BIN)
	@[ -n "$(DESTDIR)" ] || { echo "install-image: DESTDIR is required (the root of the image layout)" >&2; exit 2; }
	install -D -m 0755 $(IMAGE_BIN) $(DESTDIR)/usr/bin/hermes-reconcile
	install -d -m 0755 $(DESTDIR)/etc/cont-init.d $(DESTDIR)/etc/cont-finish.d $(DESTDIR)/etc/hermes/profiles.d \
	  $(DESTDIR)/usr/share/hermes/profiles.d-examples
	install -m 0755 $(IMAGE_CONT_INIT) $(DESTDIR)/etc/cont-init.d/
ifneq ($(IMAGE_CONT_FINISH),)
	install -m 0755 $(IMAGE_CONT_FINISH) $(DESTDIR)/etc/cont-finish.d/
endif
	@set -e; for f in $(IMAGE_RC_FILES); do \
	  case $${f##*/} in run|finish|up|down) m=0755 ;; *) m=0644 ;; esac; \
	  echo "install -D -m $$m $$f $(DESTDIR)/etc/s6-overlay/$${f#s6-overlay/}"; \
	  install -D -m $$m "$$f" "$(DESTDIR)/etc/s6-overlay/$${f#s6-overlay/}"; \
	done
ifneq ($(IMAGE_DOCKER_SCRIPTS),)
	install -D -m 0755 -t $(DESTDIR)/usr/libexec/hermes $(IMAGE_DOCKER_SCRIPTS)
endif
	install -D -m 0755 docker/hermes-exec-shim.sh $(DESTDIR)/usr/libexec/hermes/bin/hermes
	install -D -m 0755 docker/tini-shim.sh $(DESTDIR)/usr/bin/tini
ifneq ($(IMAGE_EXAMPLES),)
	install -m 0644 $(IMAGE_EXAMPLES) $(DESTDIR)/usr/share/hermes/profiles.d-examples/
endif
	$(if $(MANPAGES),$(MAKE) --no-print-directory install-man PREFIX=/usr DESTDIR=$(DESTDIR))

# ---- make image, make image-test: the container image, with podman or docker --------------------------
# S6_OVERLAY_DIR: a local s6-overlay build (the two tarballs and SHA256SUMS); the boot test
# (51-boot-s6-overlay.t) uses it and skips without it. CI has ../shared beside the checkout.
# S6_OVERLAY_SRC: where `make image` takes s6-overlay from: a directory (default S6_OVERLAY_DIR when
# it exists), or a URL prefix (default: the release on GitHub). The SHA256 sums default to a
# directory's SHA256SUMS, else the Dockerfile's pinned ones; S6_OVERLAY_NOARCH_SHA256 and
# S6_OVERLAY_X86_64_SHA256 / S6_OVERLAY_AARCH64_SHA256 override them.
# IMAGE: the tag built (default hermes:latest). IMAGE_BASE: the runtime stage's base (BASE_IMAGE;
# default the Dockerfile's debian:bookworm-slim, the stand-in base with no hermes: fast); `make
# image-base` builds the real one, hermes-agent 0.18.2 (REAL_BASE, ../shared/hermes-agent/build-base.sh).
# ENGINE: podman or docker (default: whichever is installed, podman first; podman when neither is,
# which `make image-deps` installs). ENGINE_FLAGS,
# IMAGE_RUN_FLAGS: global engine options and per-run/build options; for podman they default to what
# these machines need (runc; lowered ulimits; the host's network, as no CNI/netavark firewall is set
# up). `make image-deps` (tools/image-deps.sh, as root) installs what the image targets need.
S6_OVERLAY_DIR ?= $(abspath ../shared/s6-overlay-3.2.3.0)
export S6_OVERLAY_DIR
S6_OVERLAY_SRC ?= $(if $(wildcard $(S6_OVERLAY_DIR)/s6-overlay-noarch.tar.xz),$(S6_OVERLAY_DIR))
IMAGE ?= hermes:latest
IMAGE_BASE ?=
REAL_BASE ?= localhost/hermes-real-base:0.18.2
HERMES_AGENT_DIR ?= $(abspath ../shared/hermes-agent)
ENGINE ?= $(notdir $(firstword $(shell command -v podman docker 2>/dev/null) podman))
ifeq ($(ENGINE),podman)
ENGINE_FLAGS ?= --runtime runc
IMAGE_RUN_FLAGS ?= --network host --ulimit nofile=1024:1024 --ulimit nproc=4096:4096
endif
IMAGE_BUILD_ARGS ?=
# IMAGE_CHECK: what the build stage runs: unit (make all unit; the default here) or check (the
# Dockerfile's own make check, whose integration tests a builder is a poor place for).
IMAGE_CHECK ?= unit
IMAGE_CONTEXT := $(BUILD)/image-context
IMAGE_ENV = ENGINE="$(ENGINE) $(ENGINE_FLAGS)" RUN_FLAGS="$(IMAGE_RUN_FLAGS)" IMAGE="$(IMAGE)" IMAGE_BASE="$(IMAGE_BASE)"

.PHONY: image image-test image-deps image-base
image-deps:
	sh tools/image-deps.sh $(ENGINE)

image: image-deps
	$(IMAGE_ENV) S6_OVERLAY_SRC="$(S6_OVERLAY_SRC)" CONTEXT="$(IMAGE_CONTEXT)" CHECK="$(IMAGE_CHECK)" \
	  sh docker/build-image.sh $(if $(IMAGE_BASE),--build-arg BASE_IMAGE=$(IMAGE_BASE)) $(IMAGE_BUILD_ARGS)

# The image tests build IMAGE on IMAGE_BASE first (cached layers make a rebuild quick).
image-test: image
	$(IMAGE_ENV) prove -v test/image/image-test.t

image-base: image-deps
	ENGINE=$(ENGINE) sh $(HERMES_AGENT_DIR)/build-base.sh $(REAL_BASE)
