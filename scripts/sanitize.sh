#!/usr/bin/env bash
# Builds the app, engine and tests with AddressSanitizer + UndefinedBehaviorSanitizer (CMake
# preset 'sanitize', in build-sanitize/) and runs the test suite under them (all but 'slow').
# Any memory error, leak or undefined behaviour fails the test that caused it.
#
#   scripts/sanitize.sh                 everything, the whole suite
#   scripts/sanitize.sh --label unit    only the tests with that CTest label, and only the
#                                       programs they run (what CI runs: the readers of untrusted
#                                       files, the fuzz regressions, the models, the UI's models)
#   scripts/sanitize.sh [--label L] -- CTEST_ARGS   extra arguments for ctest
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
label=""
while [ $# -gt 0 ]; do
  case "$1" in
    --label) label=${2:?--label needs a CTest label}; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
"$root/scripts/setup.sh" --packages-only
cd "$root"
[ -f build-sanitize/build.ninja ] || cmake --preset sanitize
if [ -z "$label" ]; then
  cmake --build --preset sanitize
  exec ctest --preset sanitize "$@"
fi
# tests_<label> (tests/CMakeLists.txt) builds the programs of that label's tests.
cmake --build --preset sanitize --target "tests_$label" || {
  echo "sanitize: could not build tests_$label (is '$label' a test label?)" >&2; exit 2; }
exec ctest --preset sanitize -L "$label" "$@"
