#!/usr/bin/env bash
# GPU measurements for BENCHMARKS.md, run on a GPU node with a CUDA LibTorch and no Qt:
#   1. build engine + CLI (GUI and tests off) against the LibTorch that ships with PyTorch
#      (C++17, or C++20 where that LibTorch needs it);
#   2. dropoutlab-cli bench on the GPU;
#   3. the reference experiment (both runs, 10 epochs each) on CUDA, timed end to end;
#      and the same pair in PyTorch (tests/parity/reference_cnn.py) where python3 has torch;
#   4. an 8-point fused sweep (fc1 = 0, 0.1, ..., 0.7 in one pass), timed; then 16 points fused,
#      and the same 8 runs one after the other, to show what fusing buys;
#   5. the out-of-memory path on the device (a clear message, exit code 1).
# Figures go to $OUT (or ./gpu-bench-out): gpu-bench.txt (the summary), runs.tar.gz (every run
# folder and log). Header-only dependencies and MNIST may be carried in .deps/ (made by
# scripts/gpu-bench.sh --prepare on a Debian machine with the data installed).
#
#   scripts/gpu-bench.sh --prepare      # here: fill .deps/ (nlohmann-json, CLI11, zlib, MNIST)
#   scripts/gpu-bench.sh                # on the GPU node
#   scripts/gpu-bench.sh --smoke        # anywhere: tiny sizes, CPU allowed, to test this script
# GPU_BENCH_QUICK=1 leaves out the slow comparisons (PyTorch pair, 8 runs one after the other).
# Bench and reference run with and without CUDA graphs (DROPOUTLAB_CUDA_GRAPHS=0).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
out=${OUT:-$root/gpu-bench-out}
mode=${1:-run}

if [ "$mode" = "--prepare" ]; then
  mkdir -p "$deps/debs" "$deps/root" "$deps/mnist"
  (cd "$deps/debs" && apt-get download nlohmann-json3-dev libcli11-dev zlib1g-dev zlib1g >/dev/null)
  for deb in "$deps"/debs/*.deb; do dpkg -x "$deb" "$deps/root"; done
  rm -rf "$deps/debs" "$deps/root/usr/share/doc"
  # zlib1g-dev's libz.so points at an absolute path that another distribution's zlib lacks:
  # point it at the carried library (its SONAME, libz.so.1, resolves to the node's own at run time).
  lib="$deps/root/usr/lib/x86_64-linux-gnu"
  rm -f "$lib/libz.a"
  ln -sfn "../../../lib/x86_64-linux-gnu/$(basename "$(readlink "$lib/libz.so")")" "$lib/libz.so"
  # gzip keeps what travels small (the reader takes .gz IDX files as they are).
  for f in "${XDG_DATA_HOME:-$HOME/.local/share}"/dropoutlab/datasets/mnist/*-ubyte; do
    gzip -9 -c "$f" > "$deps/mnist/$(basename "$f").gz"
  done
  echo "prepared $deps ($(du -sh "$deps" | cut -f1))"
  exit 0
fi

device=cuda
sizes=()
if [ "$mode" = "--smoke" ]; then
  device=auto
  sizes=(--epochs 1 --train-subset 500)
fi
work=${GPU_BENCH_WORK:-$(mktemp -d)}
mkdir -p "$out" "$work"
log="$out/gpu-bench.txt"
: > "$log"
say() { echo "$*" | tee -a "$log"; }
now() { date +%s%N; }
# seconds between two `now` readings, with two decimals (no bc: GPU images may lack it)
elapsed() { local ns=$(($2 - $1)); printf '%d.%02d' $((ns / 1000000000)) $((ns % 1000000000 / 10000000)); }
pack() { tar -czf "$out/runs.tar.gz" -C "$work" . 2>/dev/null || true; }
trap pack EXIT

prefix="$deps/root/usr"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
configure_and_build() {  # $1: C++ standard, $2: CUDA graphs ON/OFF
  local build="$root/build-gpu-cxx$1-graphs$2"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDROPOUTLAB_BUILD_GUI=OFF -DBUILD_TESTING=OFF -DDROPOUTLAB_IMAGE_CODECS=OFF \
    -DCMAKE_CXX_STANDARD="$1" -DDROPOUTLAB_CUDA_GRAPHS="$2" -DDROPOUTLAB_OPENMP=OFF \
    "-DCMAKE_PREFIX_PATH=${torch_prefix:+$torch_prefix;}$prefix;$prefix/lib/x86_64-linux-gnu/cmake;$prefix/share/cmake" \
    "-DZLIB_INCLUDE_DIR=$([ -f "$prefix/include/zlib.h" ] && echo "$prefix/include" || echo /usr/include)" \
    > "$work/configure-cxx$1-$2.log" 2>&1 &&
    cmake --build "$build" > "$work/build-cxx$1-$2.log" 2>&1 &&
    cli="$build/app/cli/dropoutlab-cli"
}
start=$(now)
cli=
for attempt in "17 ON" "17 OFF" "20 OFF"; do
  # shellcheck disable=SC2086
  configure_and_build $attempt && break
  set -- $attempt
  say "== build with C++$1, CUDA graphs $2 failed: $(grep -m3 -E 'error|Error' "$work/configure-cxx$1-$2.log" "$work/build-cxx$1-$2.log" 2>/dev/null | cut -c1-400)"
done
[ -n "$cli" ] || { tail -40 "$work"/build-cxx20-OFF.log | tee -a "$log"; exit 1; }
say "== built $cli in $(elapsed "$start" "$(now)") s"
data="$deps/mnist"
[ -f "$data/train-images-idx3-ubyte.gz" ] || data=mnist

say "== $(date -u +%F) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
say "== torch: $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())' 2>/dev/null || echo system)"
say "== bench"
"$cli" bench --device "$device" --steps 300 2>&1 | tee -a "$log"
say "== bench without CUDA graphs (DROPOUTLAB_CUDA_GRAPHS=0)"
DROPOUTLAB_CUDA_GRAPHS=0 "$cli" bench --device "$device" --steps 300 2>&1 | grep -E " on |step|epoch" | tee -a "$log"

timed() {  # $1: label, $2: target text, rest: command; the command's stderr goes to $work/$1.log
  local label=$1 target=$2
  shift 2
  local t0 rc=0
  t0=$(now)
  "$@" > "$work/$label.out" 2> "$work/$label.log" || rc=$?
  say "$label: $(elapsed "$t0" "$(now)") s, exit $rc $target"
  return 0
}

say "== reference experiment on $device"
timed reference "(target <= 10 s on a GPU)" \
  "$cli" run --preset reference --device "$device" --data "$data" --out "$work/reference" --json "${sizes[@]}"
grep -E "epoch [0-9]+/|CUDA graphs" "$work/reference.log" | tail -3 | tee -a "$log" || true
tail -3 "$work/reference.log" | tee -a "$log"
timed reference-without-graphs "(DROPOUTLAB_CUDA_GRAPHS=0)" env DROPOUTLAB_CUDA_GRAPHS=0 \
  "$cli" run --preset reference --device "$device" --data "$data" --out "$work/reference-eager" --json "${sizes[@]}"
tail -3 "$work/reference-without-graphs.log" | tee -a "$log"

if [ -z "${GPU_BENCH_QUICK:-}" ] && python3 -c 'import torch' 2>/dev/null; then
  say "== the same pair in PyTorch (tests/parity/reference_cnn.py: data on the device, eager mode)"
  epochs=10
  [ "$mode" = "--smoke" ] && epochs=1
  dev=$device
  [ "$dev" = auto ] && dev=$(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
  timed pytorch-reference "(both runs, one after the other)" bash -c \
    "python3 '$root/tests/parity/reference_cnn.py' --data '$data' --device $dev --epochs $epochs --dropout 0 &&
     python3 '$root/tests/parity/reference_cnn.py' --data '$data' --device $dev --epochs $epochs --dropout 0.5"
  grep -o '"test_accuracy": [0-9.]*\|"wall_seconds": [0-9.]*' "$work/pytorch-reference.out" | tee -a "$log" || true
  tail -2 "$work/pytorch-reference.log" | tee -a "$log"
fi

say "== 8-point fused sweep on $device"
timed sweep8-fused "(target <= 15 s on a GPU)" \
  "$cli" sweep --axis fc1=0:0.7:0.1 --repeats 1 --fuse 8 --device "$device" --data "$data" --out "$work/sweep8" -q "${sizes[@]}"
"$cli" report "$work/sweep8" 2>&1 | grep -v "Welch" | tee -a "$log"
grep -h "CUDA graphs" "$work/sweep8-fused.log" | head -2 | tee -a "$log" || true

say "== out of memory on $device (fault hook: epoch 1 asks the device's allocator for 1 PiB)"
set +e
DROPOUTLAB_FAULT_OOM_AT_EPOCH=1 "$cli" run --device "$device" --data "$data" --out "$work/oom" --epochs 1 \
  --dropout fc1=0.5 --quiet > /dev/null 2> "$work/oom.log"
rc=$?
set -e
say "exit code $rc (expected 1); message: $(grep -o 'out of memory on [^;]*' "$work/oom.log" | head -1)"

say "== unavailable device refused: --device cuda with CUDA_VISIBLE_DEVICES=''"
set +e
CUDA_VISIBLE_DEVICES= "$cli" run --device cuda --data "$data" --out "$work/nocuda" --epochs 1 --quiet > /dev/null 2> "$work/nocuda.log"
rc=$?
set -e
say "exit code $rc (expected 2); message: $(head -c 300 "$work/nocuda.log")"

say "== 16 points fused (fc1 = 0, 0.05, ..., 0.75)"
timed sweep16-fused "(for comparison)" \
  "$cli" sweep --axis fc1=0:0.75:0.05 --repeats 1 --fuse 16 --device "$device" --data "$data" --out "$work/sweep16" -q "${sizes[@]}"

if [ -z "${GPU_BENCH_QUICK:-}" ]; then
  say "== the same 8 runs as the fused sweep, one after the other"
  timed sweep8-separate "(for comparison)" \
    "$cli" sweep --axis fc1=0:0.7:0.1 --repeats 1 --fuse 1 --device "$device" --data "$data" --out "$work/sweep8-separate" -q "${sizes[@]}"
fi
