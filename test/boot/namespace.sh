# shellcheck shell=bash
# Sourced first by the simulated boot tests (50-boot.t, 52-attack-boot.t), with HERE set to the
# test's directory: outside the namespace, check what a boot needs (skipping, saying why, without
# it; a test may define boot_needs first for more checks) and re-run the test as root in private
# mount and PID namespaces. Inside: test/lib.sh, the C locale, REPO, bail, and HR made absolute.
if [ -z "${HR_BOOT_NS:-}" ]; then
  skip() { echo "1..0 # SKIP $*"; exit 0; }
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v unshare >/dev/null || skip "no unshare"
  if declare -F boot_needs >/dev/null; then boot_needs; fi
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null || skip "no overlayfs"
  unshare --mount --pid --fork --propagation private true 2>/dev/null || skip "unshare not permitted"
  HR_BOOT_NS=1 exec unshare --mount --pid --fork --propagation private bash "$0" "$@"
fi

# shellcheck source=test/lib.sh
. "$HERE/../lib.sh"
export LC_ALL=C
# shellcheck disable=SC2034  # used by the tests that source this
REPO=$TOP
bail() { echo "Bail out! $*"; [ -s "${BOOTLOG:-/dev/null}" ] && diag "$(tail -n 40 "$BOOTLOG")"; exit 1; }
[ -x "$HR" ] || bail "no hermes-reconcile at $HR (make all)"
HR=$(realpath "$HR")
