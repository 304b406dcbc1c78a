#!/usr/bin/env bash
# Does dropout change the train-validation gap of an MLP on small real tables? Writes
# python3-sklearn's breast_cancer (569 x 30, 2 classes) and wine (178 x 13, 3 classes) as CSV
# tables with a header, then sweeps dropout on the MLP's two hidden layers over several seeds and
# prints each sweep's report (mean +- std of test accuracy, the accuracy and loss gaps, Welch
# comparisons). Each seed also draws another training/validation split (--vary-split), a quarter
# of the training file for validation: with one fixed split of a few dozen rows, the gap measures
# that split more than the network.
#
#   scripts/table-dropout-study.sh [OUT] [SEEDS]     default: ./table-study, 10 seeds
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-table-study}
seeds=${2:-10}
cli=${DROPOUTLAB_CLI:-$root/build/app/cli/dropoutlab-cli}
data=/usr/lib/python3/dist-packages/sklearn/datasets/data
[ -x "$cli" ] || { echo "table-dropout-study: build first (scripts/build.sh): $cli not found" >&2; exit 1; }
[ -f "$data/wine_data.csv" ] || { echo "table-dropout-study: needs python3-sklearn (scripts/setup.sh --tests)" >&2; exit 1; }
mkdir -p "$out"
# sklearn's first line is "rows,features,class names..."; rows end in a class index.
to_csv() {
  awk -F, 'NR == 1 { n = $2; for (i = 1; i <= n; i++) printf "feature %d,", i; print "class";
                     for (c = 3; c <= NF; c++) name[c - 3] = $c; next }
           { for (i = 1; i < NF; i++) printf "%s,", $i; print name[$NF] }' "$1" > "$2"
}
to_csv "$data/breast_cancer.csv" "$out/breast_cancer.csv"
to_csv "$data/wine_data.csv" "$out/wine.csv"
for table in breast_cancer wine; do
  sweep="$out/sweep-$table"
  "$cli" sweep --quiet --data "$out/$table.csv" --model mlp --hidden 256,256 --dropout hidden1=0 --epochs 100 --batch-size 16 \
    --lr 0.01 --train-eval all --set validation_fraction=0.25 --vary-split --axis hidden1=0,0.5 --axis hidden2=0,0.5 --repeats "$seeds" --out "$sweep"
  echo "== $table: MLP 256-256, 100 epochs, $seeds seeds per point"
  "$cli" report "$sweep" --compare "hidden1=0.5, hidden2=0.5" --compare "hidden1=0, hidden2=0"
done
