#!/bin/bash
# Stream a rotation series to a window, live at 5 frames/s, as a detector
# would deliver it (16-bit counts with Poisson noise).  nbview (log scale)
# is not used here on purpose: this shows raw counts as a detector would.
# Overrides: NB_SINK (default autovideosink), NB_SIZE, NB_FRAMES (-1 = forever).
set -euo pipefail
source "$(dirname "$0")/env.sh"
sink=${NB_SINK:-autovideosink}
eval gst-launch-1.0 nanobraggsrc $NB_CRYSTAL width=${NB_SIZE:-512} \
  height=${NB_SIZE:-512} osc=0.2 phi-steps=4 num-frames=${NB_FRAMES:--1} \
  is-live=true framerate=5/1 noise=true scale=0 \
  ! video/x-raw,format=GRAY16_LE ! queue ! videoconvert ! $sink
