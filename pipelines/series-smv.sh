#!/bin/bash
# A rotation series as SMV images named series_00001.img ... (the 1-based
# template DIALS imports: dials.import OUTDIR/series_*.img), 16-bit counts
# with Poisson noise.
#   pipelines/series-smv.sh OUTDIR [FRAMES]
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${1:?usage: series-smv.sh OUTDIR [FRAMES]}
frames=${2:-10}
size=${NB_SIZE:-512}
mkdir -p "$out"
eval gst-launch-1.0 -q nanobraggsrc $NB_CRYSTAL width=$size height=$size \
  osc=0.5 phi-steps=3 num-frames=$frames noise=true \
  ! video/x-raw,format=GRAY16_LE ! nbsmvenc \
  ! multifilesink location="$out/series_%05d.img" index=1
echo "wrote $frames SMV images to $out/series_*.img"
