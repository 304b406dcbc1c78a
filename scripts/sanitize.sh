#!/usr/bin/env bash
# Builds the app, engine and tests with AddressSanitizer + UndefinedBehaviorSanitizer (CMake
# preset 'sanitize', in build-sanitize/) and runs the test suite under them (all but 'slow').
# Any memory error, leak or undefined behaviour fails the test that caused it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --packages-only
cd "$root"
[ -f build-sanitize/build.ninja ] || cmake --preset sanitize
cmake --build --preset sanitize
exec ctest --preset sanitize "$@"
