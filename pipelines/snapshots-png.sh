#!/bin/bash
# PNG snapshots of a series through nbview (log scale, dark spots on white).
#   pipelines/snapshots-png.sh OUTDIR [FRAMES]
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${1:?usage: snapshots-png.sh OUTDIR [FRAMES]}
frames=${2:-5}
size=${NB_SIZE:-512}
mkdir -p "$out"
eval gst-launch-1.0 -q nanobraggsrc $NB_CRYSTAL width=$size height=$size \
  osc=1.0 phi-steps=5 num-frames=$frames \
  ! nbview scale=log invert=true ! pngenc ! multifilesink location="$out/snap_%05d.png"
echo "wrote $frames PNG snapshots to $out/snap_*.png"
