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
#   CHECK           check (the Dockerfile's make check in the build stage) or unit (make all unit)
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

# CHECK=unit: the build stage runs `make all unit` instead of the Dockerfile's `make check` (in the
# copy only). The integration tests want a tmpfs, mount namespaces and a machine that is not busy
# building: a builder has none of them (10-apply.t timed out waiting for s6 in a podman build here).
case ${CHECK:-check} in
  check) ;;
  unit)
    df=$CONTEXT/docker/Dockerfile
    sed 's/^RUN make check \\$/RUN make all unit \\/' "$df" >"$df.new" && mv "$df.new" "$df"
    grep -q '^RUN make all unit \\$' "$df" || fail "CHECK=unit: no 'RUN make check \\' line in docker/Dockerfile"
    echo "$prog: CHECK=unit: the build stage runs make all unit, not make check"
    ;;
  *) fail "CHECK=${CHECK:-}: must be check or unit" ;;
esac

start=$(date +%s)
# shellcheck disable=SC2086 # ENGINE and RUN_FLAGS are word lists
$ENGINE build ${RUN_FLAGS:-} -f "$CONTEXT/docker/Dockerfile" -t "$IMAGE" "$@" "$CONTEXT"
end=$(date +%s)
# shellcheck disable=SC2086
size=$($ENGINE image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null || echo '?')
echo "$prog: built $IMAGE in $((end - start)) s; image size $size bytes"
