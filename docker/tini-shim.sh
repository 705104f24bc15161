#!/bin/sh
# tini-shim.sh: /usr/bin/tini, for deployments that still start the image as hermes' pre-s6 image
# was started (`--entrypoint /usr/bin/tini -g --`, `["/usr/bin/tini", "-g", "--", "gateway", "run"]`),
# as in hermes' own image (SPEC 12.7).
#
# tini's options mean nothing here (s6-overlay's /init is PID 1, reaps and forwards signals), and
# handed to /init they would become the container's command: so they are dropped, as hermes' shim
# drops them (-g, -s, -w, -l, -h, -v, --version, their long forms, -p SIG and -e CODE with their
# argument, any other option, and the `--` that ends them), and the rest runs as the image's own
# ENTRYPOINT runs it: /init with the main wrapper. A command that already starts with /init, or
# with a main-wrapper.sh (ours, or /opt/hermes/docker/main-wrapper.sh of hermes' image), is not
# wrapped twice: /init runs this image's wrapper with the rest.
#
# Environment (for the tests): HERMES_TINI_SHIM_TARGET (default /init), HERMES_TINI_SHIM_WRAPPER
# (default /usr/libexec/hermes/main-wrapper.sh).
set -eu
init=${HERMES_TINI_SHIM_TARGET:-/init}
wrapper=${HERMES_TINI_SHIM_WRAPPER:-/usr/libexec/hermes/main-wrapper.sh}

while [ $# -gt 0 ]; do
  case $1 in
    --)
      shift
      break
      ;;
    -p | -e)
      shift
      [ $# -eq 0 ] || shift
      ;;
    -*) shift ;;
    *) break ;;
  esac
done

if [ $# -gt 0 ]; then
  case $1 in /init | "$init") shift ;; esac
fi
if [ $# -gt 0 ]; then
  case $1 in */main-wrapper.sh) shift ;; esac
fi
exec "$init" "$wrapper" "$@"
