#!/usr/bin/env bash
# Installs every Debian 12 package Marionette needs to build, run and test.
# Idempotent: installs nothing when all packages are present. Run as root.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # the format test (tools/check-format.sh)
  clang-format
  # LibTorch (CPU) and a fast BLAS for it
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  # gloo headers: LibTorch's c10d CPU backend for data-parallel training
  libgloo-dev
  # Qt 6 Widgets + Test, and the platform plugins used by GUI tests (offscreen, xcb)
  qt6-base-dev qt6-base-dev-tools qt6-qpa-plugins libgl-dev
  # image I/O, detection, maths, JSON
  libopencv-dev opencv-data libdlib-dev libdlib-data libeigen3-dev nlohmann-json3-dev
  # headless display for the editor and screenshots
  xvfb xauth x11-apps
  # the .deb (dev.sh package, the package test): dpkg-shlibdeps, manual pages, and the checks of what it installs
  dpkg-dev help2man gzip man-db lintian desktop-file-utils appstream
  # renders packaging/icons/marionette.svg to PNG (packaging/render-icons.sh)
  librsvg2-bin
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or install them with apt-get)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Use the multithreaded OpenBLAS (the reference BLAS is ~30x slower for LibTorch).
if update-alternatives --list libblas.so.3-x86_64-linux-gnu >/dev/null 2>&1; then
  cand=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n1 || true)
  [ -n "$cand" ] && update-alternatives --set libblas.so.3-x86_64-linux-gnu "$cand" >/dev/null
fi
if update-alternatives --list liblapack.so.3-x86_64-linux-gnu >/dev/null 2>&1; then
  cand=$(update-alternatives --list liblapack.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n1 || true)
  [ -n "$cand" ] && update-alternatives --set liblapack.so.3-x86_64-linux-gnu "$cand" >/dev/null
fi
