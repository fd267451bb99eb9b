#!/bin/bash
# Record a rotation series as raw float32 frames (photons, fast axis first)
# plus the trace of one pixel per frame in a text log.
#   pipelines/record-raw.sh OUTDIR [FRAMES]
set -euo pipefail
source "$(dirname "$0")/env.sh"
out=${1:?usage: record-raw.sh OUTDIR [FRAMES]}
frames=${2:-5}
size=${NB_SIZE:-256}
mkdir -p "$out"
eval gst-launch-1.0 -q nanobraggsrc name=sim $NB_CRYSTAL width=$size \
  height=$size osc=0.1 phi-steps=5 num-frames=$frames \
  trace-pixels="\"$((size / 2)),$((size / 4))\"" \
  sim. ! queue ! multifilesink location="$out/frame_%05d.f32" \
  sim.trace ! queue ! filesink location="$out/trace.log"
echo "wrote $frames frames of ${size}x${size} float32 to $out, trace in $out/trace.log"
