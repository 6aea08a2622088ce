#!/usr/bin/env bash
# The project's two entry points (see README):
#   packaging/dev.sh run    install what is missing, build, and run the main job on the bundled sample
#   packaging/dev.sh test   install what is missing, build, and run the whole test suite
#   packaging/dev.sh package  install what is missing, build, and make marionette_<version>_<arch>.deb and a
#                             .tar.gz in PACKAGE_DIR (default: dist), then run lintian on the .deb
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), JOBS (default: all cores).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-Release}
jobs=${JOBS:-$(nproc)}

install_and_build() {
    if [ "$(id -u)" -eq 0 ]; then
        bash "$root/packaging/install-deps.sh"
    else
        bash "$root/packaging/install-deps.sh" || { echo "run as root once to install the packages" >&2; exit 1; }
    fi
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
    cmake --build "$build_dir" --parallel "$jobs"
}

run_main_job() {
    local out="$root/out"
    local sample="$root/resources/samples/messi5.jpg"
    # With a display, the editor opens on the sample; without one, the CLI does the same edit in batch.
    if [ -x "$build_dir/app/marionette" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        exec "$build_dir/app/marionette" "$sample"
    fi
    mkdir -p "$out"
    echo "No display: running the sample edit through marionette-cli (results in $out)"
    "$build_dir/app/marionette-cli" detect --image "$sample" --out "$out/messi5.detected.json"
    "$build_dir/app/marionette-cli" render --image "$sample" --pose "$sample.pose.json" --out "$out/messi5-semantics.png"
    # Without --weights, repose opens the shipped body weights (models/, see BODY_MODEL_CARD.md).
    "$build_dir/app/marionette-cli" repose --image "$sample" --pose-ref "$sample.pose.json" \
        --pose-target "$sample.target.json" --out "$out/messi5-reposed.png" --maps "$out/maps" \
        --sheet "$out/messi5-sheet.png"
}

case "${1:-}" in
run)
    install_and_build
    run_main_job
    ;;
test)
    install_and_build
    cd "$build_dir"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure --parallel "$jobs"
    ;;
package)
    install_and_build
    dist=${PACKAGE_DIR:-$root/dist}
    mkdir -p "$dist"
    (cd "$dist" && cpack --config "$build_dir/CPackConfig.cmake" -B "$dist")
    rm -rf "$dist/_CPack_Packages"
    deb=$(ls "$dist"/marionette_*_*.deb)
    echo "package: $deb"
    # Errors fail the step; the warnings left are explained in packaging/README.md.
    lintian --fail-on error "$deb"
    ;;
*)
    echo "usage: packaging/dev.sh run|test|package" >&2
    exit 2
    ;;
esac
