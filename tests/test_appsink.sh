#!/bin/bash
# pipelines/appsink-numpy.py: its numpy arrays equal the same pipeline's
# frames written by filesink, its meta dicts equal the simulated truth
# (tests/check_appsink.py says what is asserted).
# usage: test_appsink.sh CBF_TRUTH CHECK_APPSINK_PY   env: NB_BUILD
set -u
truth=$(realpath "$1") check=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
example=$root/pipelines/appsink-numpy.py
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY_1_0="$work/registry.bin"
export GST_PLUGIN_PATH_1_0="$NB_BUILD/plugin"
start=$(date +%s%N)

# an off-centre beam, a start angle and a wavelength that are not defaults
scene="-hkl $root/tests/golden/inputs/dense.hkl -cell 79 79 38 90 90 90"
scene+=" -misset 10 20 30 -N 10 -lambda 1.2 -distance 120 -pixel 0.1"
scene+=" -Xbeam 5.1 -Ybeam 4.3 -phi 3"
size=96 osc=0.25 frames=3
fail() { echo "FAIL $*"; exit 1; }

# the same pipelines as the example builds, into files
for f in S32LE F32LE; do
  noise=; [ $f = S32LE ] && noise=noise=true
  timeout 120 gst-launch-1.0 -q nanobraggsrc nanobragg-args="$scene" \
    width=$size height=$size osc=$osc num-frames=$frames $noise \
    ! video/x-diffraction,format=$f ! filesink location="$work/$f.raw" \
    || fail "gst-launch $f"
done
timeout 120 $py "$example" --nanobragg="$scene" --size $size --osc $osc \
  --frames $frames --save "$work/counts.npz" || fail "appsink-numpy.py"
timeout 120 $py "$example" --nanobragg="$scene" --size $size --osc $osc \
  --frames $frames --photons --save "$work/photons.npz" \
  || fail "appsink-numpy.py --photons"
# shellcheck disable=SC2086
"$truth" $scene -detpixels $size -osc $osc > "$work/truth.json" \
  || fail "cbf_truth"
timeout 120 $py "$check" "$example" "$work/truth.json" "$scene" $size $osc \
  $frames "$work/S32LE.raw" "$work/F32LE.raw" "$work/counts.npz" \
  "$work/photons.npz" || fail "check_appsink.py"
# an error upstream ends the example with the element's message
if timeout 60 $py "$example" --nanobragg="-hkl $work/missing.hkl -cell 79" \
    --frames 2 > "$work/err.log" 2>&1; then
  fail "a missing HKL file was not an error"
elif grep -q "appsink-numpy.py: cannot read HKL file" "$work/err.log"; then
  echo "ok a missing HKL file: the element's error, exit status 1"
else
  cat "$work/err.log"; fail "unclear error for a missing HKL file"
fi
echo "ok appsink example, $(( ($(date +%s%N) - start) / 1000000 )) ms"
