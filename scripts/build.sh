#!/usr/bin/env bash
# Configures (once) and builds DropoutLab with Ninja in build/ (or $DROPOUTLAB_BUILD_DIR).
#
#   scripts/build.sh                 everything: the app, the CLI and the test suite
#   scripts/build.sh --app           only the app and the CLI (what ./run.sh needs)
#   scripts/build.sh -- CMAKE_ARGS   extra arguments for the first configure (e.g. -DDROPOUTLAB_BUILD_GUI=OFF)
#
# Both share one build folder: ./test.sh after ./run.sh compiles only the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DROPOUTLAB_BUILD_DIR:-$root/build}
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --app) targets=(dropoutlab dropoutlab-cli); shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "build: unknown option '$1' (expected --app, or -- followed by CMake arguments)" >&2; exit 2 ;;
  esac
done
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$build" --target "${targets[@]}"
else
  cmake --build "$build"
fi
