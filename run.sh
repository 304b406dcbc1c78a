#!/usr/bin/env bash
# Sets up everything (packages, MNIST), builds the app and the CLI (not the tests: ./test.sh
# builds those), and opens DropoutLab with the reference
# experiment loaded: the MNIST CNN without and with dropout (p = 0.5 after fc1), 10 epochs each.
# Nothing trains until you press Run.
#
# Without a display it runs the reference experiment offscreen instead and writes the charts
# (PNG, SVG) and the results (CSV, JSON) to ./dropoutlab-export.
# Extra arguments go to the app, e.g. ./run.sh --epochs 2 --autostart
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" --app
app="${DROPOUTLAB_BUILD_DIR:-$root/build}/app/gui/dropoutlab"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$app" --preset reference "$@"
fi
out="$root/dropoutlab-export"
echo "run.sh: no display (DISPLAY and WAYLAND_DISPLAY are unset), so DropoutLab runs the reference" \
     "experiment offscreen and writes its charts and results to $out" >&2
exec "$app" -platform offscreen --preset reference --autostart --export "$out" --quit-when-done "$@"
