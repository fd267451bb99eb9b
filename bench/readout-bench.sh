#!/bin/bash
# readout-bench.sh - for one frame size, in one run: the engine-alone frame
# rate, and the rate of `nanobraggsrc ! <caps> ! <element> ! fakesink` for
# photons (F32LE), counts (S32LE and GRAY16_LE) without and with noise,
# and each downstream element (nbview, nbradial, nbsmvenc, nbtiffenc, and
# nbcbfenc and nbnxsink after counts).
#
#   bench/readout-bench.sh BUILD_DIR DEVICE [SIZE] [FRAMES]
#
# DEVICE: cpu or cuda.  SIZE: "eiger" (4148 x 4362 pixels of 0.075 mm,
# 250 steps per pixel: cell 79 79 38, N 20, mosaic 0.2 deg x 25 domains,
# 10 phi steps; the kernels issue's square case, the default) or "ci"
# (2048 x 2048, 1 step per pixel).  FRAMES: frames per run (default 40).
# Precision float32.  Everything goes to stdout.
set -u

if [ $# -lt 2 ] || [ ! -x "$1/bench/nb_bench_element" ]; then
  echo "usage: $0 BUILD_DIR cpu|cuda [eiger|ci] [FRAMES]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
device=$2
size=${3:-eiger}
frames=${4:-40}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "host: $(nproc) cores; device $device; size $size; $frames frames"
command -v nvidia-smi > /dev/null && [ "$device" = cuda ] && \
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

python3 "$here/make_hkl.py" 50 25 "$work/bench.hkl" || exit 1
crystal="-hkl bench.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 -lambda 1.0"
case $size in
  eiger)
    echo "$crystal -N 20 -distance 200 -pixel 0.075 -detpixels_f 4148" \
      "-detpixels_s 4362 -oversample 1 -mosaic 0.2 -mosaic_domains 25" \
      "-phi 0 -osc 0.1 -phisteps 10" > "$work/run.args" ;;
  ci)
    echo "$crystal -N 10 -distance 100 -pixel 0.1 -detpixels 2048" \
      "-oversample 1" > "$work/run.args" ;;
  *) echo "size: eiger or ci" >&2; exit 2 ;;
esac
echo "args: $(cat "$work/run.args")"

export GST_PLUGIN_PATH="$build/plugin"
export GST_REGISTRY_1_0="$work/registry.bin"

echo "-- engine alone (nb_bench --frames $frames)"
"$build/bench/nb_bench" --device "$device" --precision float --repeat 1 \
  --frames "$frames" "$work/run.args" "$work" | grep -E "frames/s|kernel"

# one line: LABEL, then nb_bench_element options
run () {
  local label=$1
  shift
  printf '%-44s ' "$label"
  "$build/bench/nb_bench_element" --device "$device" --precision float32 \
    --frames "$frames" "$@" "$work/run.args" "$work" 2>&1 | tail -1
}
s32="video/x-diffraction,format=S32LE"
g16="video/x-raw,format=GRAY16_LE"
run "photons F32LE" --caps "video/x-diffraction,format=F32LE"
run "counts S32LE" --caps "$s32"
run "counts S32LE, noise" --caps "$s32" --set "noise=true"
run "counts S32LE, noise + read noise + PSF" --caps "$s32" \
  --set "noise=true read-noise=2 psf-fwhm=1.0"
run "counts GRAY16_LE" --caps "$g16"
run "counts GRAY16_LE, noise" --caps "$g16" --set "noise=true"
for e in nbview nbradial nbsmvenc nbtiffenc; do
  run "photons ! $e" --caps "video/x-diffraction,format=F32LE" \
    --downstream "$e"
done
for e in nbview nbradial nbsmvenc nbtiffenc nbcbfenc; do
  run "counts S32LE, noise ! $e" --caps "$s32" --set "noise=true" \
    --downstream "$e"
done
if gst-inspect-1.0 nbnxsink > /dev/null 2>&1; then
  run "counts S32LE, noise ! nbnxsink" --caps "$s32" --set "noise=true" \
    --sink "nbnxsink location=$work/bench.nxs"
  rm -f "$work/bench.nxs"
fi
