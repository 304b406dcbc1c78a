#!/usr/bin/env bash
# Trains the dropout papers' MNIST rows (presets hinton2012 and srivastava2014) as sweeps of
# SEEDS seeds each and prints the table of paper vs ours (scripts/paper-table.py).
#
#   scripts/reproduce-papers.sh [extra sweep flags, e.g. --device cuda or --shard 1/2]
#
# Epochs per row family (the papers' full length in brackets):
#   EPOCHS_800=20    Hinton et al. 2012 rows, 784-800-800-10      (3000)
#   EPOCHS_1024=100  Srivastava et al. 2014 3x1024 rows           (2000)
#   EPOCHS_8192=0    Srivastava et al. 2014 2x8192 row; 0 skips it (2000; ~11 min an epoch on 2 CPU cores)
#   SEEDS=3  OUT=paper-runs  CLI=build/app/cli/dropoutlab-cli
# A rerun skips finished runs, so shards and interrupted runs can share OUT.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$root/build/app/cli/dropoutlab-cli}
OUT=${OUT:-paper-runs}
SEEDS=${SEEDS:-3}
EPOCHS_800=${EPOCHS_800:-20}
EPOCHS_1024=${EPOCHS_1024:-100}
EPOCHS_8192=${EPOCHS_8192:-0}

row() {  # preset, run name, epochs, extra flags...
  local preset=$1 run=$2 epochs=$3
  shift 3
  [ "$epochs" -gt 0 ] || return 0
  "$CLI" sweep --preset "$preset" --run "$run" --repeats "$SEEDS" --epochs "$epochs" --train-eval 2000 \
    --out "$OUT/$preset/$run" -q "$@"
}

for run in "standard net (no dropout)" "hidden 0.5" "input 0.2 + hidden 0.5"; do
  row hinton2012 "$run" "$EPOCHS_800" "$@"
done
# "standard logistic 2x800" is the same config as Hinton et al.'s standard net: the table uses those runs.
row srivastava2014 "dropout ReLU 3x1024" "$EPOCHS_1024" "$@"
row srivastava2014 "dropout + max-norm ReLU 3x1024" "$EPOCHS_1024" "$@"
row srivastava2014 "dropout + max-norm ReLU 2x8192" "$EPOCHS_8192" "$@"
"$root/scripts/paper-table.py" --root "$OUT" --cli "$CLI"
