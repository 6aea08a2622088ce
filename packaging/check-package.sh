#!/usr/bin/env bash
# Builds the .deb with CPack from a configured and built tree and checks it without installing it: the
# file list, the control fields, and the desktop entry, AppStream metainfo and manual pages inside it.
# usage: packaging/check-package.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"

start=$(date +%s)
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls "$work"/marionette_*_*.deb)
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $(( $(date +%s) - start )) s"

fail=0
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
for f in ./usr/bin/marionette ./usr/bin/marionette-cli ./usr/bin/marionette-train \
         ./usr/share/marionette/models/body-early.safetensors ./usr/share/marionette/models/portrait-early.safetensors \
         ./usr/share/marionette/models/movenet-thunder/model.json ./usr/share/marionette/models/selfie/model.json \
         ./usr/share/marionette/models/MODEL_CARD.md ./usr/share/marionette/models/BODY_MODEL_CARD.md \
         ./usr/share/marionette/samples/messi5.jpg ./usr/share/marionette/samples/LICENSES.md \
         ./usr/share/marionette/presets/t_pose.json ./usr/share/marionette/face_model/face_model.json \
         ./usr/share/doc/marionette/copyright ./usr/share/doc/marionette/changelog.gz \
         ./usr/share/man/man1/marionette.1.gz ./usr/share/man/man1/marionette-cli.1.gz ./usr/share/man/man1/marionette-train.1.gz \
         ./usr/share/applications/org.marionette.Marionette.desktop ./usr/share/metainfo/org.marionette.Marionette.metainfo.xml \
         ./usr/share/mime/packages/org.marionette.Marionette.xml \
         ./usr/share/icons/hicolor/scalable/apps/org.marionette.Marionette.svg \
         ./usr/share/icons/hicolor/48x48/apps/org.marionette.Marionette.png; do
    grep -qxF "$f" <<<"$contents" || { echo "missing from the package: $f"; fail=1; }
done
# Nothing outside /usr, and no build-tree links.
if grep -v '^\./usr' <<<"$contents" | grep -v '^\./$' | grep -q .; then echo "files outside /usr:"; grep -v '^\./usr' <<<"$contents"; fail=1; fi

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = marionette ] || { echo "Package: $(field Package)"; fail=1; }
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || { echo "Architecture: $(field Architecture)"; fail=1; }
[[ "$(field Version)" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "Version: $(field Version)"; fail=1; }
depends=$(field Depends)
# Computed by dpkg-shlibdeps from the programs' libraries, plus the data package no link names.
for dep in libtorch libopencv-core libdlib libqt6widgets6 libc6 libdlib-data; do
    grep -q "$dep" <<<"$depends" || { echo "Depends lacks $dep: $depends"; fail=1; }
done
[ -n "$(field Description)" ] && [ -n "$(field Maintainer)" ] && [ "$(field Section)" = graphics ] || { echo "control fields:"; dpkg-deb --field "$deb"; fail=1; }

# The files people's desktops read, validated where the tools are installed (packaging/install-deps.sh).
mkdir -p root && dpkg-deb --extract "$deb" root
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate root/usr/share/applications/*.desktop || fail=1
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net --pedantic root/usr/share/metainfo/*.metainfo.xml >appstream.log 2>&1 || { cat appstream.log; fail=1; }
fi
for page in root/usr/share/man/man1/*.1.gz; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || fail=1
    [ -z "$out" ] || { echo "man -l $page: $out"; fail=1; }
done
exit $fail
