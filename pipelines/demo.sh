#!/bin/bash
# The main job (until the GStreamer plugin lands): render a still of a
# lysozyme-like crystal with the drop-in command line and write images a
# person can open: demo-output/demo.pgm (any image viewer), demo.img (SMV
# with Poisson noise, for adxv/DIALS/fabio) and demo.bin (raw float32).
#   pipelines/demo.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$root/demo-output
mkdir -p "$out"
cd "$root/examples"
"$build/tools/nanobragg" $(cat lysozyme-like.args) \
  -floatfile "$out/demo.bin" -intfile "$out/demo-noiseless.img" \
  -noisefile "$out/demo.img" -pgmfile "$out/demo.pgm" -dump "$out/Fdump.bin" \
  > "$out/demo.log"
grep -E "max_I|mean=|photons on noise" "$out/demo.log"
echo "wrote $out/demo.pgm (8-bit image), $out/demo.img (SMV, noisy counts), $out/demo.bin (float32 photons)"
