#!/usr/bin/env bash
# Builds the Debian 12 package dist/dropoutlab_<version>_amd64.deb from the build folder and checks it.
#
#   scripts/package.sh            build the package, then check it (contents, lintian errors,
#                                 desktop-file-validate, appstreamcli validate)
#   scripts/package.sh --no-check build only
#
# Environment: DROPOUTLAB_BUILD_DIR (default build/), DIST (default dist/),
# DROPOUTLAB_MAINTAINER (default "DropoutLab developers <maintainers@dropoutlab.example.org>").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DROPOUTLAB_BUILD_DIR:-$root/build}
dist=${DIST:-$root/dist}
maintainer=${DROPOUTLAB_MAINTAINER:-DropoutLab developers <maintainers@dropoutlab.example.org>}
check=1
for arg in "$@"; do
  case "$arg" in
    --no-check) check=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "package: unknown option '$arg' (expected --no-check)" >&2; exit 2 ;;
  esac
done
say() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

"$root/scripts/setup.sh" --packages-only --packaging
[ -f "$build/build.ninja" ] || DROPOUTLAB_BUILD_DIR=$build "$root/scripts/build.sh" --app
# The man pages and icons come from the built programs; a rebuild reconfigures for the packaging
# tools. Only what the package holds is built: the tests are not.
cmake "$build" >/dev/null
cmake --build "$build" --target dropoutlab dropoutlab-cli dropoutlab_man dropoutlab_icons
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || die "no project version in $build/CMakeCache.txt"
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The staging tree sits where dpkg-shlibdeps expects a package's files: debian/<package>/.
stage=$work/src/debian/dropoutlab
DESTDIR=$stage cmake --install "$build" --prefix /usr --strip >/dev/null
doc=$stage/usr/share/doc/dropoutlab
install -d "$doc"
install -m 0644 "$root/packaging/debian/copyright" "$doc/copyright"
# Debian changelog dates are RFC 2822; the release date is the commit's, so rebuilds are identical.
date=$(git -C "$root" log -1 --format=%cD 2>/dev/null || date -R)
sed -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@DATE@/$date/" \
  "$root/packaging/debian/changelog.in" | gzip -9n > "$doc/changelog.gz"
gzip -9n "$stage"/usr/share/man/man1/*.1
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr/share" -type f -exec chmod 0644 {} +

# Depends from the binaries' shared libraries (dpkg-shlibdeps), plus what they load at run time:
# OpenBLAS as LibTorch's BLAS and Qt's platform plugins. OpenBLAS must be a plain dependency: with
# "libopenblas0-openmp | libblas3" apt is content with the reference BLAS that LibTorch already
# pulls in (a clean install showed it), and that trains 3-4x slower.
mkdir -p "$stage/DEBIAN"
printf 'Source: dropoutlab\n\nPackage: dropoutlab\nArchitecture: any\n' > "$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -e"$stage/usr/bin/dropoutlab" -e"$stage/usr/bin/dropoutlab-cli" \
  | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: dropoutlab
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $shlibs, libopenblas0-openmp, qt6-qpa-plugins
Recommends: npm
Suggests: dataset-fashion-mnist
Section: science
Priority: optional
Homepage: $(sed -n 's/^DROPOUTLAB_HOMEPAGE:STRING=//p' "$build/CMakeCache.txt")
Description: workbench for dropout experiments on neural networks
 DropoutLab trains neural networks with and without dropout on a worker
 thread with LibTorch, shows their training and validation curves live and
 compares their test accuracy side by side. It runs sweeps over per-layer
 dropout rates and seeds with honest statistics (also as Slurm job arrays),
 compares dropout with weight decay and max-norm, analyses saved models with
 MC dropout, reproduces the dropout papers' MNIST results and exports every
 chart (PNG, SVG, PDF) and result (CSV, JSON).
 .
 The package has the desktop application (dropoutlab), the command line
 (dropoutlab-cli) and dropoutlab-get-mnist, which downloads MNIST.
CONTROL
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
mkdir -p "$dist"
deb=$dist/dropoutlab_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1))"
[ "$check" -eq 1 ] || exit 0

# The checks: what is inside, then the three validators.
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/dropoutlab ./usr/bin/dropoutlab-cli ./usr/bin/dropoutlab-get-mnist \
    ./usr/share/applications/org.dropoutlab.DropoutLab.desktop ./usr/share/metainfo/org.dropoutlab.DropoutLab.metainfo.xml \
    ./usr/share/icons/hicolor/scalable/apps/dropoutlab.svg ./usr/share/icons/hicolor/48x48/apps/dropoutlab.png \
    ./usr/share/man/man1/dropoutlab.1.gz ./usr/share/man/man1/dropoutlab-cli.1.gz \
    ./usr/share/dropoutlab/presets/reference.json ./usr/share/dropoutlab/sweeps/fc1-rates.json \
    ./usr/share/doc/dropoutlab/copyright ./usr/share/doc/dropoutlab/changelog.gz; do
  grep -q " $path\$" <<<"$contents" || die "$deb lacks $path"
done
say "contents: $(wc -l <<<"$contents") entries, all expected paths present"
say "depends: $(dpkg-deb -f "$deb" Depends)"
unpacked=$work/unpacked
dpkg-deb -x "$deb" "$unpacked"
desktop-file-validate "$unpacked/usr/share/applications/org.dropoutlab.DropoutLab.desktop"
say "desktop-file-validate: clean"
appstreamcli validate --no-net "$unpacked/usr/share/metainfo/org.dropoutlab.DropoutLab.metainfo.xml" >&2
"$unpacked/usr/bin/dropoutlab-cli" --version >/dev/null || die "the packaged dropoutlab-cli does not run"
# lintian: errors fail the check; warnings and notes are printed.
lintian --fail-on error --tag-display-limit 0 "$deb" >&2 || die "lintian reports errors"
say "lintian: no errors"
