#!/usr/bin/env bash
# A sweep through a real Slurm (scripts/slurm-local.sh start): packaging/slurm's job array runs a
# 4-run sweep on the fixture data; the results must equal those of the same sweep run locally.
# Then the same with one array task cancelled mid-run (scancel) and the array resubmitted:
# nothing lost, nothing run twice.
#
#   slurm_sweep.sh CLI SOURCE_DIR
#
# Exit 77 (skipped) when no Slurm answers, unless DROPOUTLAB_REQUIRE_SLURM=1 (CI), then 1.
set -euo pipefail
cli=$(realpath "${1:?usage: slurm_sweep.sh CLI SOURCE_DIR}")
src=$(realpath "${2:?usage: slurm_sweep.sh CLI SOURCE_DIR}")
sbatch_script="$src/packaging/slurm/dropoutlab-sweep.sbatch"
check="$src/tests/cluster/check_sweep.py"
timeout_s=${DROPOUTLAB_SLURM_TIMEOUT:-300}

fail() { echo "FAIL: $*" >&2; exit 1; }

if ! timeout 10 sinfo -h >/dev/null 2>&1; then
  [ "${DROPOUTLAB_REQUIRE_SLURM:-0}" = 1 ] && fail "no Slurm answers (sinfo), and DROPOUTLAB_REQUIRE_SLURM=1"
  echo "SKIP: no Slurm answers on this machine; start one with scripts/slurm-local.sh start"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dropoutlab-cluster.XXXXXX")
jobs=()
cleanup() {
  for job in "${jobs[@]}"; do scancel "$job" 2>/dev/null || true; done
  [ "${DROPOUTLAB_KEEP_CLUSTER_TEST:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# A spec: fc1 in {0, 0.5} x 2 seeds on the fixture data. `epochs` is the first argument.
write_spec() {
  cat > "$2" <<EOF
{
  "name": "cluster test, $1 epoch(s)",
  "base": { "model": "cnn", "epochs": $1, "batch_size": 50, "learning_rate": 0.05, "momentum": 0.9,
            "data": "$src/tests/data/mnist-small" },
  "axes": [ { "parameter": "fc1", "values": [0, 0.5] } ],
  "repeats": 2,
  "first_seed": 1
}
EOF
}

# Submits packaging/slurm's array (two tasks, one CPU each); prints the job id.
submit() {
  DROPOUTLAB_CLI="$cli" sbatch --parsable --array=1-2 --cpus-per-task=1 --mem=1G --time=00:10:00 \
    --chdir="$work" --output="$work/slurm-%A_%a.log" "$sbatch_script" "$1" "$2" | cut -d';' -f1
}

# Waits until squeue no longer lists the job, under the timeout.
wait_job() {
  local deadline=$((SECONDS + timeout_s))
  while [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || fail "job $1 still queued or running after ${timeout_s} s: $(squeue -j "$1")"
    sleep 0.5
  done
}

# The final state of every task of an array job (COMPLETED, CANCELLED, FAILED...), one per line.
# sacct needs a Slurm database; without one, scontrol still knows the job (MinJobAge).
task_states() {
  if sacct -n -X -j "$1" -o State 2>/dev/null | grep -q .; then
    sacct -n -X -j "$1" -o State | awk '{ print $1 }'
  else
    scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
  fi
}

expect_all_completed() {
  local states
  states=$(task_states "$1" | sort | uniq -c | tr -s ' ')
  [ "$(task_states "$1" | grep -vc '^COMPLETED$')" = 0 ] || fail "job $1 tasks: $states; logs: $(tail -n 5 "$work"/slurm-"$1"_*.log)"
  echo "job $1: $states"
}

# 1. Submit, wait, report, compare with the same sweep run here.
write_spec 1 "$work/spec1.json"
job=$(submit "$work/spec1.json" "$work/cluster1")
jobs+=("$job")
echo "submitted array job $job"
wait_job "$job"
expect_all_completed "$job"
"$cli" report "$work/cluster1" --json > "$work/report1.json" || fail "report on the cluster's folder failed"
"$cli" sweep --spec "$work/spec1.json" --out "$work/local1" --threads 1 --device auto -q \
  || fail "the local sweep failed"
"$cli" report "$work/local1" --json > "$work/local-report1.json"
python3 "$check" same "$work/cluster1" "$work/local1" --runs 4 --reports "$work/report1.json" "$work/local-report1.json"

# 2. Cancel task 1 in the middle of its second run, resubmit the array, check.
write_spec 3 "$work/spec3.json"
mapfile -t shard1 < <("$cli" sweep --spec "$work/spec3.json" --out "$work/cluster3" --shard 1/2 --dry-run 2>/dev/null | cut -f1)
[ ${#shard1[@]} = 2 ] || fail "expected 2 runs in shard 1/2, got: ${shard1[*]}"
job=$(submit "$work/spec3.json" "$work/cluster3")
jobs+=("$job")
echo "submitted array job $job; cancelling task 1 once ${shard1[1]} has trained an epoch"
deadline=$((SECONDS + timeout_s))
until [ -s "$work/cluster3/runs/${shard1[1]}/metrics.jsonl" ]; do
  [ $SECONDS -lt $deadline ] || fail "${shard1[1]} never started"
  sleep 0.1
done
scancel "${job}_1"
wait_job "$job"
[ -f "$work/cluster3/runs/${shard1[1]}/result.json" ] && \
  grep -q '"completed"' "$work/cluster3/runs/${shard1[1]}/result.json" && fail "${shard1[1]} finished before the cancel landed"
echo "after the cancel: $(task_states "$job" | tr '\n' ' ')"
python3 "$check" snapshot "$work/cluster3" > "$work/before.json"
job=$(submit "$work/spec3.json" "$work/cluster3")
jobs+=("$job")
echo "resubmitted as $job"
wait_job "$job"
expect_all_completed "$job"
grep -q "skip ${shard1[0]}: finished earlier" "$work"/slurm-"$job"_1.log \
  || fail "the resubmitted task 1 did not skip ${shard1[0]}: $(cat "$work"/slurm-"$job"_1.log)"
"$cli" sweep --spec "$work/spec3.json" --out "$work/local3" --threads 1 --device auto -q || fail "the local sweep failed"
python3 "$check" same "$work/cluster3" "$work/local3" --runs 4 --unchanged-since "$work/before.json"
echo "PASS"
