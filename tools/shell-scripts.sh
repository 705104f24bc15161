#!/bin/sh
# Print every shell script of the project that git tracks: *.sh, *.t, and files whose first line
# runs sh, bash or with-contenv sh (s6 run scripts, cont-init.d).
set -eu
cd "$(dirname "$0")/.."
git ls-files | while read -r f; do
  [ -f "$f" ] || continue
  case $f in
    *.sh|*.t) echo "$f"; continue ;;
  esac
  head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*(/sh|bash|with-contenv sh)' && echo "$f"
done
exit 0
