#!/bin/bash
# Installs the Debian 12 build dependencies (when run as root and any is
# missing), then configures and builds the project in ./build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev valgrind
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good libtiff-dev
  python3-numpy python3-fabio python3-tifffile dials libcbf-dev libhdf5-dev
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  liblz4-dev bitshuffle hdf5-filter-plugin python3-h5py openmpi-bin
  libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ ! -f build/build.ninja ]; then
  meson setup build -Dplugin=enabled
fi
meson compile -C build
