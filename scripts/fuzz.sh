#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for a while.
#
#   scripts/fuzz.sh                      # every target, 600 s each, one after another
#   scripts/fuzz.sh --seconds 60 idx_raw # one target, one minute
#   scripts/fuzz.sh --jobs 2             # two targets at a time
#
# Working corpora grow in build-fuzz/corpus/<target> (seeded from fuzz/corpus/<target>, which
# holds 32 KiB worst-case shapes too: many objects, many keys, deep nesting, a mix; inputs may
# grow to 256 KiB, where a reader slower than linear shows up as a timeout; larger seeds cost
# too much throughput: 5,300 executions a minute with 256 KiB seeds).
# Inputs that crash land in build-fuzz/artifacts/<target>/: minimise them, copy them to
# fuzz/regressions/<target>/ with a name saying what they broke, fix the bug; ctest replays them
# (test_fuzz_regressions). Exit status 1 when any target found a crash, leak or timeout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DROPOUTLAB_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=600
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (expected --seconds N, --jobs N, target names)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(idx_raw idx_gzip config_json sweep_spec run_results model_archive network_json csv_table cifar_batches image_folder)

# clang with libFuzzer and the sanitizer runtimes (Debian: clang, libclang-rt-14-dev).
"$root/scripts/setup.sh" --packages-only --dev-tools >/dev/null

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DDROPOUTLAB_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$build"

run_target() {
  local target=$1
  local corpus="$build/corpus/$target" artifacts="$build/artifacts/$target/" log="$build/fuzz-$target.log"
  mkdir -p "$corpus" "$artifacts"
  # The JSON dictionary only helps the JSON targets; IDX targets mutate bytes.
  local dict=()
  case "$target" in config_json|sweep_spec|run_results|network_json) dict=(-dict="$root/fuzz/json.dict") ;; esac
  set +e
  (cd "$build" && "$build/fuzz/fuzz_$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -max_len=262144 \
     -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$artifacts" \
     "$corpus" "$root/fuzz/corpus/$target") >"$log" 2>&1
  local rc=$?
  set -e
  local runs found
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  found=$(find "$artifacts" -type f | wc -l)
  printf '%-12s %10s executions in %ss, exit %d, %d finding(s)  (log: %s)\n' "$target" "$runs" "$seconds" "$rc" "$found" "$log"
}

status=0
running=0
for target in "${targets[@]}"; do
  [ -x "$build/fuzz/fuzz_$target" ] || { echo "fuzz.sh: no target '$target'" >&2; exit 2; }
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
for target in "${targets[@]}"; do
  if [ -n "$(find "$build/artifacts/$target" -type f 2>/dev/null)" ]; then
    echo "findings for $target:"; ls -1 "$build/artifacts/$target"; status=1
  fi
done
exit $status
