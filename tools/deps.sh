#!/bin/sh
# deps.sh [PACKAGE...]: install the Debian packages that building and testing hermes-reconcile needs
# (or the PACKAGEs named: tools/image-deps.sh names the image's), when they are missing.
# As root it runs apt-get (updating the package lists first when they are empty or a package is unknown);
# otherwise it prints the command to run.
set -eu

# What each package is for: README.md, "Dependencies".
PACKAGES="gcc make pkg-config libinih-dev libs6-dev skalibs-dev libjson-c-dev check s6 s6-doc execline
perl shellcheck groff-base mandoc clang libclang-rt-14-dev util-linux passwd procps valgrind strace time"
[ $# -eq 0 ] || PACKAGES="$*"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
  exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
  apt-get update
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing
fi
