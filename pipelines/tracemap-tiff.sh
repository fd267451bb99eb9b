#!/bin/bash
# A per-pixel diagnostic map from the trace pad (default: the fractional
# Miller index h of each pixel) as float32 TIFF, beside the frames.
#   pipelines/tracemap-tiff.sh OUTDIR [QUANTITY]   (omega, polar, h, k, l, ...)
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${1:?usage: tracemap-tiff.sh OUTDIR [QUANTITY]}
what=${2:-h}
size=${NB_SIZE:-256}
mkdir -p "$out"
eval gst-launch-1.0 -q nanobraggsrc name=sim $NB_CRYSTAL width=$size \
  height=$size num-frames=${NB_FRAMES:-1} trace-map=$what \
  sim. ! queue ! nbtiffenc ! multifilesink location="$out/frame_%05d.tif" \
  sim.trace ! queue ! nbtiffenc ! multifilesink location="$out/${what}_%05d.tif"
echo "wrote frames and $what maps to $out"
