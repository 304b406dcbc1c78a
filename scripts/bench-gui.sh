#!/usr/bin/env bash
# Does the desktop app train as fast as the CLI? Alternates the same one-epoch run (the reference
# CNN, fc1 = 0.5, seed 1) through dropoutlab-cli, the app offscreen and the app under Xvfb with its
# window shown, N times each, and prints each epoch time (result.json), the medians, the app's
# ratio to the CLI and the app's longest event-loop stall (--report-stalls).
#
#   scripts/bench-gui.sh [--rounds N] [--threads T] [--epochs E] [--build DIR] [--data D] [--keep]
#
# Run it on an idle machine: anything else running skews the ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
threads=2
epochs=1
build="$root/build"
data=mnist
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench-gui: unknown option '$1'" >&2; exit 2 ;;
  esac
done
cli="$build/app/cli/dropoutlab-cli"
gui="$build/app/gui/dropoutlab"
for exe in "$cli" "$gui"; do
  [ -x "$exe" ] || { echo "bench-gui: $exe not found; build first (scripts/build.sh)" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "bench-gui: xvfb-run not found (apt install xvfb xauth)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dropoutlab-bench-gui.XXXXXX")
[ "$keep" = 1 ] && echo "bench-gui: keeping $work" >&2 || trap 'rm -rf "$work"' EXIT
run=(--dropout fc1=0.5 --epochs "$epochs" --threads "$threads" --seed 1 --data "$data")
# Each app run gets its own settings folder, so that no saved state of the user's changes it.
app_env=(env XDG_CONFIG_HOME="$work/config")

# Prints "mean epoch seconds" of the one run in $1 (a folder of run folders).
epoch_seconds() {
  python3 - "$1" <<'EOF'
import glob, json, sys
results = glob.glob(sys.argv[1] + "/*/result.json")
if len(results) != 1:
    sys.exit(f"expected one run in {sys.argv[1]}, found {len(results)}")
epochs = json.load(open(results[0]))["epochs"]
print(f"{sum(e['seconds'] for e in epochs) / len(epochs):.3f}")
EOF
}

declare -A times
stalls=()
for i in $(seq 1 "$rounds"); do
  "$cli" run "${run[@]}" --out "$work/cli-$i" -q > /dev/null
  times[cli]+="$(epoch_seconds "$work/cli-$i") "
  "${app_env[@]}" "$gui" -platform offscreen "${run[@]}" --workspace "$work/offscreen-$i" --autostart \
    --quit-when-done --report-stalls 2> "$work/offscreen-$i.log"
  times[offscreen]+="$(epoch_seconds "$work/offscreen-$i") "
  stalls+=("offscreen $i: $(grep -o 'longest stall [0-9.]* ms.*' "$work/offscreen-$i.log")")
  "${app_env[@]}" xvfb-run -a -s "-screen 0 1600x1000x24" "$gui" "${run[@]}" --workspace "$work/xvfb-$i" --autostart \
    --quit-when-done --report-stalls 2> "$work/xvfb-$i.log"
  times[xvfb]+="$(epoch_seconds "$work/xvfb-$i") "
  stalls+=("xvfb $i: $(grep -o 'longest stall [0-9.]* ms.*' "$work/xvfb-$i.log")")
done

python3 - "${times[cli]}" "${times[offscreen]}" "${times[xvfb]}" "$threads" "$(nproc)" <<'EOF'
import statistics, sys
cli, offscreen, xvfb = ([float(t) for t in arg.split()] for arg in sys.argv[1:4])
print(f"epoch time (s), {len(cli)} alternating rounds, {sys.argv[4]} threads, {sys.argv[5]} cores")
print(f"{'how':<22}{'epochs (s)':<28}{'median':>8}{'vs CLI':>9}")
base = statistics.median(cli)
for name, values in (("dropoutlab-cli", cli), ("app, offscreen", offscreen), ("app, Xvfb window", xvfb)):
    m = statistics.median(values)
    print(f"{name:<22}{', '.join(f'{v:.2f}' for v in values):<28}{m:>8.2f}{m / base:>8.3f}x")
EOF
printf '%s\n' "${stalls[@]}"
