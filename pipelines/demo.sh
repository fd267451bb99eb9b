#!/bin/bash
# The main job: stream a 10-frame rotation series (0.5 degree per frame) of
# a lysozyme-like crystal through nanobraggsrc and write what a person can
# look at and what processing programs read:
#   demo-output/view_00000.png ...   log-scaled views (dark spots on white)
#   demo-output/frame_00000.tif ...  float32 photons per pixel (TIFF)
#   demo-output/series_00001.img ... SMV images with Poisson noise (DIALS,
#                                    XDS, adxv, fabio; 1-based numbering)
#   demo-output/trace.log            per-pixel traces of two pixels
# Overrides for tests: NB_OUT, NB_SIZE (pixels), NB_FRAMES.
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${NB_OUT:-$NB_ROOT/demo-output}
size=${NB_SIZE:-512}
frames=${NB_FRAMES:-10}
mkdir -p "$out"
rm -f "$out"/view_*.png "$out"/frame_*.tif "$out"/series_*.img "$out"/trace.log
eval gst-launch-1.0 -q nanobraggsrc name=sim $NB_CRYSTAL \
  width=$size height=$size osc=0.5 phi-steps=3 num-frames=$frames \
  trace-pixels="\"$((size * 100 / 512)),$((size * 100 / 512));$((size / 2)),$((size / 3))\"" \
  sim. ! queue ! tee name=t \
    t. ! queue ! nbview scale=log invert=true ! pngenc \
       ! multifilesink location="$out/view_%05d.png" \
    t. ! queue ! nbtiffenc ! multifilesink location="$out/frame_%05d.tif" \
  sim.trace ! queue ! filesink location="$out/trace.log"
# the same series as a detector records it: counts with Poisson noise
eval gst-launch-1.0 -q nanobraggsrc $NB_CRYSTAL width=$size height=$size \
  osc=0.5 phi-steps=3 num-frames=$frames noise=true \
  ! video/x-raw,format=GRAY16_LE ! nbsmvenc \
  ! multifilesink location="$out/series_%05d.img" index=1
echo "wrote $frames frames to $out: view_*.png (look at them), frame_*.tif (float32 photons), series_*.img (SMV), trace.log"
