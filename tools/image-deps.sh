#!/bin/sh
# image-deps.sh [ENGINE]: what `make image`, `make image-test` and `make image-base` need on a Debian
# host, installed when missing, as tools/deps.sh does for `make check`:
#   - the Debian packages: podman (ENGINE=podman, the default) with runc (the runtime mk/image.mk
#     runs it with: crun fails on these machines' cgroup set-up), mmdebstrap (the base images),
#     uidmap, fuse-overlayfs; for docker, only mmdebstrap (the engine is the host's own business);
#   - the Debian images the Dockerfile builds FROM (debian:bookworm, debian:bookworm-slim), made
#     with mmdebstrap and imported when the engine does not have them (these machines reach no
#     container registry; MIRROR, default http://deb.debian.org/debian, is the Debian mirror).
# As root it installs; otherwise it prints what to run and exits 1.
set -eu
prog=image-deps.sh
engine=${1:-podman}
case $engine in
  podman) packages="podman runc mmdebstrap uidmap fuse-overlayfs" ;;
  docker) packages="mmdebstrap" ;;
  *)
    echo "$prog: ENGINE=$engine: podman or docker" >&2
    exit 2
    ;;
esac

# shellcheck disable=SC2086 # one package a word
sh "$(dirname "$0")/deps.sh" $packages

command -v "$engine" >/dev/null || { echo "$prog: $engine is not installed" >&2; exit 1; }
"$engine" image inspect docker.io/library/debian:bookworm >/dev/null 2>&1 &&
  "$engine" image inspect docker.io/library/debian:bookworm-slim >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "$prog: no debian:bookworm image; run as root: sh tools/image-deps.sh $engine" >&2
  exit 1
fi
echo "$prog: making debian:bookworm with mmdebstrap (about a minute)"
w=$(mktemp -d "${TMPDIR:-/tmp}/image-deps.XXXXXX")
trap 'rm -rf "$w"' EXIT
mmdebstrap --quiet --variant=minbase bookworm "$w/bookworm.tar" "${MIRROR:-http://deb.debian.org/debian}"
"$engine" import "$w/bookworm.tar" docker.io/library/debian:bookworm >/dev/null
"$engine" tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
