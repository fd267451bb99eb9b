#!/bin/bash
# The main job: stream a 10-frame rotation series (0.5 degree per frame)
# through nanobraggsrc and write what a person can look at:
#   demo-output/frame_00000.png ...   detector counts as 8-bit PNG
#   demo-output/float_00000.bin ...   photons per pixel, raw float32
#   demo-output/trace.log             per-pixel trace of two pixels per frame
# Overrides for tests: NB_OUT, NB_SIZE (pixels), NB_FRAMES.
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${NB_OUT:-$NB_ROOT/demo-output}
size=${NB_SIZE:-512}
frames=${NB_FRAMES:-10}
mkdir -p "$out"
rm -f "$out"/frame_*.png "$out"/float_*.bin "$out"/trace.log
eval gst-launch-1.0 -q nanobraggsrc name=sim $NB_CRYSTAL \
  width=$size height=$size osc=0.5 phi-steps=3 num-frames=$frames \
  noise=true scale=500 trace-pixels="\"100,100;$((size / 2)),$((size / 3))\"" \
  sim. ! queue ! tee name=t \
    t. ! queue ! video/x-raw,format=GRAY16_LE ! videoconvert ! video/x-raw,format=GRAY8 \
       ! pngenc ! multifilesink location="$out/frame_%05d.png" \
  sim.trace ! queue ! filesink location="$out/trace.log"
# the float frames: same series, photons
eval gst-launch-1.0 -q nanobraggsrc $NB_CRYSTAL width=$size height=$size \
  osc=0.5 phi-steps=3 num-frames=$frames \
  ! multifilesink location="$out/float_%05d.bin"
echo "wrote $frames frames to $out: frame_*.png (view them), float_*.bin (float32 photons), trace.log"
