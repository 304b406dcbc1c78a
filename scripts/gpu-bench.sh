#!/usr/bin/env bash
# GPU measurements for BENCHMARKS.md, run on a GPU node with a CUDA LibTorch and no Qt:
#   1. build engine + CLI (GUI and tests off) against the LibTorch that ships with PyTorch;
#   2. dropoutlab-cli bench on the GPU;
#   3. the reference experiment (both runs, 10 epochs each) on CUDA, timed end to end;
#   4. an 8-point fused sweep (fc1 = 0, 0.1, ..., 0.7 in one pass), timed;
#   5. the out-of-memory path on the device (a clear message, exit code 1).
# Figures go to $OUT (or ./gpu-bench-out). Header-only dependencies and MNIST may be carried in
# .deps/ (made by scripts/gpu-bench.sh --prepare on a Debian machine with the data installed).
#
#   scripts/gpu-bench.sh --prepare      # here: fill .deps/ (nlohmann-json, CLI11, zlib, MNIST)
#   scripts/gpu-bench.sh                # on the GPU node
#   scripts/gpu-bench.sh --smoke        # anywhere: tiny sizes, CPU allowed, to test this script
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
mkdir -p "$out"
log="$out/gpu-bench.txt"
: > "$log"
say() { echo "$*" | tee -a "$log"; }

prefix="$deps/root/usr"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
build="$root/build-gpu"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDROPOUTLAB_BUILD_GUI=OFF -DBUILD_TESTING=OFF \
  "-DCMAKE_PREFIX_PATH=${torch_prefix:+$torch_prefix;}$prefix;$prefix/lib/x86_64-linux-gnu/cmake;$prefix/share/cmake" \
  "-DZLIB_INCLUDE_DIR=$([ -f "$prefix/include/zlib.h" ] && echo "$prefix/include" || echo /usr/include)" \
  > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
cmake --build "$build" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
cli="$build/app/cli/dropoutlab-cli"
data="$deps/mnist"
[ -f "$data/train-images-idx3-ubyte.gz" ] || data=mnist

say "== $(date -u +%F) $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
say "== torch: $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>/dev/null || echo system)"
say "== bench"
"$cli" bench --device "$device" --steps 300 | tee -a "$log"

say "== reference experiment on $device"
start=$(date +%s.%N)
"$cli" run --preset reference --device "$device" --data "$data" --out "$out/reference" --json "${sizes[@]}" \
  > "$out/reference.json" 2> "$out/reference.log"
end=$(date +%s.%N)
tail -4 "$out/reference.log" | tee -a "$log"
say "reference total: $(echo "$end - $start" | bc) s (target <= 20 s on a GPU)"

say "== 8-point fused sweep on $device"
start=$(date +%s.%N)
"$cli" sweep --axis fc1=0:0.7:0.1 --repeats 1 --fuse 8 --device "$device" --data "$data" --out "$out/sweep8" -q \
  "${sizes[@]}" 2> "$out/sweep8.log"
end=$(date +%s.%N)
say "fused sweep total: $(echo "$end - $start" | bc) s (target <= 30 s on a GPU)"
"$cli" report "$out/sweep8" | tee -a "$log"

say "== out of memory on $device (fault hook: epoch 1 asks the device's allocator for 1 PiB)"
set +e
DROPOUTLAB_FAULT_OOM_AT_EPOCH=1 "$cli" run --device "$device" --data "$data" --out "$out/oom" --epochs 1 \
  --dropout fc1=0.5 --quiet > /dev/null 2> "$out/oom.log"
rc=$?
set -e
say "exit code $rc (expected 1); message: $(grep -o 'out of memory on [^;]*' "$out/oom.log" | head -1)"
