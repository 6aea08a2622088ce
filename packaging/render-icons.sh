#!/usr/bin/env bash
# Renders packaging/icons/marionette.svg to the PNG sizes the package installs (rsvg-convert, Debian's
# librsvg2-bin). Run after changing the SVG and commit the PNGs: the build does not need librsvg.
set -euo pipefail
icons=$(cd "$(dirname "${BASH_SOURCE[0]}")/icons" && pwd)
for size in 16 32 48 64 128 256; do
    rsvg-convert --width "$size" --height "$size" --output "$icons/marionette-$size.png" "$icons/marionette.svg"
done
