#!/bin/sh
# build-image.sh [ENGINE BUILD OPTIONS...]: `make image`'s build of docker/Dockerfile.
#
# The build context is a copy of the working tree's files (tracked, and untracked but not ignored)
# in CONTEXT, made a git repository of its own: the build stage's `make check` lists the scripts to
# lint with `git ls-files`, which a git worktree's .git file would not give inside the build.
#
# Environment (set by mk/image.mk):
#   ENGINE          the engine command with its global options (podman --runtime runc, docker)
#   RUN_FLAGS       options for `build` (podman here: --ulimit ...)
#   IMAGE           the tag to build
#   CONTEXT         the directory to copy the build context to (emptied first)
#   S6_OVERLAY_SRC  a directory holding the s6-overlay tarballs (given to the build as the
#                   s6-overlay-dist build context; its SHA256SUMS, if any, give the sums), or a URL
#                   prefix (S6_OVERLAY_URL), or empty (the Dockerfile's release URL)
#   S6_OVERLAY_NOARCH_SHA256, S6_OVERLAY_X86_64_SHA256, S6_OVERLAY_AARCH64_SHA256: override the sums
#   CHECK           unit (make all unit in the build stage, the default) or check (make check)
set -eu
prog=build-image.sh
fail() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 1
}
: "${ENGINE:?}" "${IMAGE:?}" "${CONTEXT:?}"
src=${S6_OVERLAY_SRC:-}
noarch=${S6_OVERLAY_NOARCH_SHA256:-}
x86_64=${S6_OVERLAY_X86_64_SHA256:-}
aarch64=${S6_OVERLAY_AARCH64_SHA256:-}

case $src in
  '') ;;
  http://* | https://*) set -- "$@" --build-arg "S6_OVERLAY_URL=$src" ;;
  *)
    [ -f "$src/s6-overlay-noarch.tar.xz" ] || fail "S6_OVERLAY_SRC=$src: no s6-overlay-noarch.tar.xz there"
    src=$(cd "$src" && pwd)
    set -- "$@" --build-context "s6-overlay-dist=$src"
    if [ -f "$src/SHA256SUMS" ]; then
      sum() { awk -v f="$1" '$2 == f { print $1; exit }' "$src/SHA256SUMS"; }
      [ -n "$noarch" ] || noarch=$(sum s6-overlay-noarch.tar.xz)
      [ -n "$x86_64" ] || x86_64=$(sum s6-overlay-x86_64.tar.xz)
      [ -n "$aarch64" ] || aarch64=$(sum s6-overlay-aarch64.tar.xz)
    fi
    ;;
esac
[ -z "$noarch" ] || set -- "$@" --build-arg "S6_OVERLAY_NOARCH_SHA256=$noarch"
[ -z "$x86_64" ] || set -- "$@" --build-arg "S6_OVERLAY_X86_64_SHA256=$x86_64"
[ -z "$aarch64" ] || set -- "$@" --build-arg "S6_OVERLAY_AARCH64_SHA256=$aarch64"

top=$(git rev-parse --show-toplevel) || fail "not in a git checkout"
rm -rf "$CONTEXT"
mkdir -p "$CONTEXT"
(cd "$top" && git ls-files -z -co --exclude-standard | tar --null -T - --ignore-failed-read -cf -) |
  tar -C "$CONTEXT" -xf -
(cd "$CONTEXT" && git init -q && git add -A) || fail "cannot make $CONTEXT a git repository"

# CHECK: what the build stage runs (the Dockerfile's CHECK argument): unit (make all unit) or check.
case ${CHECK:-unit} in
  unit | check) set -- "$@" --build-arg "CHECK=${CHECK:-unit}" ;;
  *) fail "CHECK=${CHECK:-}: must be check or unit" ;;
esac

start=$(date +%s)
# shellcheck disable=SC2086 # ENGINE and RUN_FLAGS are word lists
$ENGINE build ${RUN_FLAGS:-} -f "$CONTEXT/docker/Dockerfile" -t "$IMAGE" "$@" "$CONTEXT"
end=$(date +%s)
# shellcheck disable=SC2086
size=$($ENGINE image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null || echo '?')
echo "$prog: built $IMAGE in $((end - start)) s; image size $size bytes"
