#!/bin/bash
# A rotation series as 32-bit float TIFF files (photons per pixel; the
# geometry of each frame in its ImageDescription tag).
#   pipelines/series-tiff.sh OUTDIR [FRAMES]
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${1:?usage: series-tiff.sh OUTDIR [FRAMES]}
frames=${2:-10}
size=${NB_SIZE:-512}
mkdir -p "$out"
eval gst-launch-1.0 -q nanobraggsrc $NB_CRYSTAL width=$size height=$size \
  osc=0.5 phi-steps=3 num-frames=$frames \
  ! nbtiffenc ! multifilesink location="$out/frame_%05d.tif"
echo "wrote $frames TIFF frames to $out/frame_*.tif"
