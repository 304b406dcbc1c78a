#!/usr/bin/env bash
# Installs dist/dropoutlab_*.deb into a fresh, minimal Debian 12 (debootstrap, as root) with
# `apt-get install ./…deb`, then starts what the menu entry starts (its Exec line) on a virtual
# display and runs the CLI: proof that the package's Depends pull in everything it needs.
#
#   scripts/check-package-install.sh [DEB]      (needs root, network access to the Debian archive, ~1.5 GB)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deb=${1:-$(ls "$root"/dist/dropoutlab_*_"$(dpkg --print-architecture)".deb | tail -n 1)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf 'check-install: %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap, chroot)"; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

chroot_dir=$(mktemp -d /tmp/dropoutlab-clean-XXXXXX)
cleanup() {
  umount -l "$chroot_dir/proc" "$chroot_dir/dev" 2>/dev/null || true
  rm -rf --one-file-system "$chroot_dir"
}
trap cleanup EXIT
say "debootstrap bookworm (minbase) into $chroot_dir"
debootstrap --variant=minbase bookworm "$chroot_dir" "$mirror" >/dev/null
mount --bind /proc "$chroot_dir/proc"
mount --bind /dev "$chroot_dir/dev"
cp "$deb" "$chroot_dir/tmp/"
in_chroot() { chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@"; }

say "apt-get install ./$(basename "$deb")"
in_chroot apt-get update -qq
in_chroot apt-get install -y -qq "./tmp/$(basename "$deb")" >/dev/null
in_chroot dpkg -s dropoutlab | grep -E '^(Status|Version):' >&2
say "installed: $(in_chroot dpkg-query -W -f='${Installed-Size} kB\n' dropoutlab), with $(in_chroot dpkg-query -W -f='.\n' | wc -l) packages in all"

report=$(in_chroot dropoutlab-cli --version --verbose)
printf '%s\n' "$report" >&2
# The BLAS that LibTorch loads must be OpenBLAS: the reference BLAS trains 3-4x slower.
grep -q '^BLAS: .*openblas' <<<"$report" || { say "LibTorch loads $(sed -n 's/^BLAS: //p' <<<"$report"), not OpenBLAS"; exit 1; }
exec_line=$(sed -n 's/^Exec=//p' "$chroot_dir/usr/share/applications/org.dropoutlab.DropoutLab.desktop")
say "menu entry starts: $exec_line"
# A display for the check only (not a dependency of the package).
in_chroot apt-get install -y -qq xvfb xauth >/dev/null
in_chroot sh -c "xvfb-run -a -s '-screen 0 1280x800x24' $exec_line --workspace /tmp/ws --export /tmp/out --quit-when-done" >&2
in_chroot test -f /tmp/out/summary.csv
say "the app started from its menu entry's command, exported and quit: $(in_chroot ls /tmp/out | wc -l) files"
