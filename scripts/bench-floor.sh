#!/usr/bin/env bash
# How far is the reference epoch from this machine's SGEMM floor? Each round measures SGEMM
# (`dropoutlab-cli bench`, which also times training steps) and then trains one real epoch of the
# reference CNN (fc1 = 0.5, seed 1, full MNIST); the floor is the epoch's training and validation
# FLOPs (48,000 x 25.0 + 12,000 x 8.5 MFLOP = 1.30 TFLOP) at that round's SGEMM rate. The epoch's
# time (result.json) also holds the 10,000-image dropout-off sample, which the floor leaves out.
# With --compare, each round also runs with LibTorch's convolutions (DROPOUTLAB_WINOGRAD=0
# DROPOUTLAB_FUSED_CONV1=0), alternating; with --against DIR, each round also runs the CLI of another
# build (e.g. of the previous commit), alternating.
#
#   scripts/bench-floor.sh [--rounds N] [--threads T] [--compare] [--against DIR] [--build DIR] [--data D]
#
# Run it on an idle machine: anything else running skews the ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
threads=2
compare=0
against=
build="$root/build"
data=mnist
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --compare) compare=1; shift ;;
    --against) against=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-floor: unknown option '$1'" >&2; exit 2 ;;
  esac
done
cli="$build/app/cli/dropoutlab-cli"
[ -x "$cli" ] || { echo "bench-floor: $cli not found (build first: scripts/build.sh)" >&2; exit 1; }
if [ -n "$against" ]; then
  [ -x "$against/app/cli/dropoutlab-cli" ] || { echo "bench-floor: $against/app/cli/dropoutlab-cli not found" >&2; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

variants=(engine)
[ "$compare" -eq 1 ] && variants=(libtorch "${variants[@]}")
[ -n "$against" ] && variants=(against "${variants[@]}")
rows=()
for i in $(seq 1 "$rounds"); do
  for variant in "${variants[@]}"; do
    env_args=()
    [ "$variant" = libtorch ] && env_args=(DROPOUTLAB_WINOGRAD=0 DROPOUTLAB_FUSED_CONV1=0)
    run_cli=$cli
    [ "$variant" = against ] && run_cli=$against/app/cli/dropoutlab-cli
    bench=$(env "${env_args[@]}" "$run_cli" bench --model cnn --threads "$threads" --steps 300)
    step=$(awk '/training step/ {print $3}' <<< "$bench")
    sgemm=$(awk '/SGEMM/ {print $3}' <<< "$bench")
    env "${env_args[@]}" "$run_cli" run --data "$data" --dropout fc1=0.5 --epochs 1 --seed 1 --threads "$threads" \
      --out "$work/$variant-$i" -q > /dev/null
    rows+=("$variant $i $step $sgemm $(ls "$work/$variant-$i"/*/result.json)")
  done
done

python3 - "${rows[@]}" <<'EOF'
import json, statistics, sys
floor_flop = 48000 * 25.0e6 + 12000 * 8.5e6
by_variant = {}
print(f"{'how':<10}{'round':>6}{'SGEMM GF/s':>12}{'step ms':>9}{'floor s':>9}{'epoch s':>9}{'train s':>9}{'vs floor':>10}{'val loss':>11}")
for row in sys.argv[1:]:
    variant, rnd, step, sgemm, path = row.split(" ", 4)
    result = json.load(open(path))
    epoch = result["epochs"][0]
    floor = floor_flop / (float(sgemm) * 1e9)
    ratio = epoch["seconds"] / floor
    by_variant.setdefault(variant, []).append(ratio)
    print(f"{variant:<10}{rnd:>6}{float(sgemm):>12.1f}{float(step):>9.2f}{floor:>9.2f}{epoch['seconds']:>9.2f}"
          f"{epoch['train_seconds']:>9.2f}{ratio:>9.2f}x{epoch['val_loss']:>11.6f}")
for variant, ratios in by_variant.items():
    print(f"{variant}: median {statistics.median(ratios):.2f}x the floor over {len(ratios)} rounds")
EOF
