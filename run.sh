#!/usr/bin/env bash
# Sets up everything (packages, MNIST), builds, and runs the reference experiment:
# the MNIST CNN trained without and with dropout (p = 0.5 after fc1), 10 epochs each.
# Extra arguments go to `dropoutlab-cli run`, e.g. ./run.sh --epochs 2
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
exec "${DROPOUTLAB_BUILD_DIR:-$root/build}/app/cli/dropoutlab-cli" run --preset reference --out "$root/dropoutlab-runs" "$@"
