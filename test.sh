#!/usr/bin/env bash
# Installs the packages the build needs, builds, and runs the test suite (all but label 'slow').
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/setup.sh" --packages-only --tests
"$root/scripts/build.sh"
cd "${DROPOUTLAB_BUILD_DIR:-$root/build}"
exec ctest --output-on-failure --parallel 2 --label-exclude slow "$@"
