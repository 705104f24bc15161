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

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "$prog: missing Debian packages:$missing" >&2
    echo "$prog: run as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
  fi
  echo "$prog: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing
  fi
fi

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
