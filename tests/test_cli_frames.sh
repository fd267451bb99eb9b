#!/bin/bash
# test_cli_frames.sh NANOBRAGG INPUTS_DIR [PLUGIN_DIR] - series shards:
# `-frames FIRST:COUNT` renders frames FIRST .. FIRST+COUNT-1 of the series
# (frame i starts at -phi + i * -osc) and writes one numbered file set per
# frame.  Asserts, byte for byte with cmp:
#  - shards (0:2 + 2:3, and 3:2 alone, which renders frame 0 for the
#    automatic scale) give the same files as the whole run 0:5: floats,
#    SMV int and noise images (counter noise), PGM, CBF;
#  - a single frame at -phi (phi + 3 osc) gives frame 3's photons;
#  - nanoBragg's own noise generator: frame i is seeded with seed + i,
#    i.e. frame 3's noise file equals a single run with -seed (seed + 3);
#  - with PLUGIN_DIR: nanobraggsrc's photons (F32LE) of frames 0..4 equal
#    the CLI's float files, and its 32-bit counts (noise-rng=counter,
#    scale=1, adc-offset=40) equal the CLI's CBF counts (read with fabio);
#  - bad -frames values and file-name patterns are refused, naming the
#    flag, before anything is written.
set -eu
nb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
inputs=$(cd "$2" && pwd)
plugins=${3:+$(cd "$3" && pwd)}
py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0
bad () { echo "FAIL: $*"; fail=1; }

scene="-hkl $inputs/dense.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 -N 5
  -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 64 -oversample 1
  -phi 1 -osc 0.5 -phisteps 2 -seed 7"
scene=$(echo $scene)
files="-floatfile f.bin -intfile i.img -noisefile n.img -pgmfile p.pgm
  -cbffile s.cbf"

run () {                                # run DIR FLAGS...
  local d=$1; shift
  mkdir -p "$d"
  # shellcheck disable=SC2086
  (cd "$d" && "$nb" $scene -noise_rng counter $files "$@" > log.txt) \
    || bad "nanobragg $* failed: $(tail -2 "$d/log.txt")"
}
run whole -frames 0:5
run shards -frames 0:2
run shards -frames 2:3
run late -frames 3:2
grep -q "rendering frame 0 for the series' automatic scale" late/log.txt \
  || bad "-frames 3:2 did not render frame 0 for the scale"

n=0
for f in whole/*_0000?.*; do
  name=$(basename "$f")
  cmp -s "$f" "shards/$name" || bad "shards: $name differs from the whole run"
  n=$((n + 1))
  case $name in
    *_00004.* | *_00005.*)
      cmp -s "$f" "late/$name" || bad "-frames 3:2: $name differs" ;;
  esac
done
[ "$n" -eq 25 ] || bad "the whole run wrote $n numbered files, not 25"
[ ! -e shards/f_00006.bin ] || bad "a shard wrote a frame past its range"
echo "shards: $n files byte-identical to the whole run"

# frame 3 = a single still at phi + 3 * osc (photons)
mkdir still
# shellcheck disable=SC2086
(cd still && "$nb" ${scene/-phi 1/-phi 2.5} -nonoise -nopgm -floatfile f.bin \
  -intfile i.img > log.txt)
cmp -s still/f.bin whole/f_00004.bin || bad "frame 3 != a still at phi 2.5"

# nanoBragg's generator: frame i seeded with seed + i (-seed 7 -> 10)
mkdir serial
# shellcheck disable=SC2086
(cd serial && "$nb" $scene -frames 3:1 -nopgm -noisefile n.img > log.txt \
  && "$nb" ${scene/-seed 7/-seed 10} -phi 2.5 -nopgm \
     -noisefile one.img -floatfile one.bin -intfile one.img.int > log1.txt)
cmp -s <(tail -c +513 serial/n_00004.img) <(tail -c +513 serial/one.img) \
  || bad "nanobragg noise of frame 3 != a still with -seed 10"
echo "single frames and nanoBragg's seed rule ok"

if [ -n "$plugins" ] && command -v gst-launch-1.0 >/dev/null 2>&1; then
  export GST_PLUGIN_PATH_1_0=$plugins
  export GST_REGISTRY_1_0=$dir/registry.bin
  mkdir elem
  gst-launch-1.0 -q nanobraggsrc nanobragg-args="$scene" num-frames=5 \
    ! video/x-diffraction,format=F32LE \
    ! multifilesink location=elem/f_%05d.bin index=1
  gst-launch-1.0 -q nanobraggsrc nanobragg-args="$scene" num-frames=5 \
    noise=true noise-rng=counter scale=1 adc-offset=40 \
    ! video/x-diffraction,format=S32LE \
    ! multifilesink location=elem/s_%05d.raw index=1
  for i in 1 2 3 4 5; do
    cmp -s "elem/f_0000$i.bin" "whole/f_0000$i.bin" \
      || bad "element photons of frame $((i - 1)) != the CLI's"
  done
  $py - "$dir" <<'EOF' || bad "element counts != the CLI's CBF counts"
import sys, fabio, numpy as np
d = sys.argv[1]
for i in range(1, 6):
    cbf = fabio.open(f"{d}/whole/s_{i:05d}.cbf").data
    raw = np.fromfile(f"{d}/elem/s_{i:05d}.raw", dtype="<i4").reshape(cbf.shape)
    if not np.array_equal(cbf, raw):
        sys.exit(f"frame {i - 1}: {np.count_nonzero(cbf != raw)} pixels differ")
print("element: photons and counts of frames 0..4 equal the CLI's")
EOF
fi

refused () {                            # refused WHAT MESSAGE FLAGS...
  local what=$1 msg=$2; shift 2
  mkdir -p "refuse"
  # shellcheck disable=SC2086
  if (cd refuse && "$nb" $scene "$@" > out.txt 2> err.txt); then
    bad "$what: accepted"
  elif ! grep -q -- "$msg" refuse/err.txt; then
    bad "$what: message '$(cat refuse/err.txt)' lacks '$msg'"
  fi
  [ -z "$(ls refuse | grep -v -e out.txt -e err.txt)" ] \
    || bad "$what: wrote $(ls refuse)"
  rm -rf refuse
}
refused "no count" "-frames: \"3\" is not FIRST:COUNT" -frames 3
refused "negative first" "-frames: \"-1:2\"" -frames -1:2
refused "zero count" "-frames: \"0:0\"" -frames 0:0
refused "junk" "-frames: \"1:x\"" -frames 1:x
refused "no value" "-frames: needs 1 value" -frames
refused "two conversions" "-floatfile: \"f%d_%d.bin\"" -frames 0:2 \
  -floatfile 'f%d_%d.bin'
refused "a string conversion" "-intfile: \"i%s.img\"" -frames 0:2 \
  -intfile 'i%s.img'
# a pattern of the user's own is filled in
mkdir pat
# shellcheck disable=SC2086
(cd pat && "$nb" $scene -nonoise -nopgm -frames 1:2 -floatfile 'x%03d%%.bin' \
  -intfile 'img.%d' > log.txt)
[ -f pat/x002%.bin ] && [ -f pat/x003%.bin ] && [ -f pat/img.2 ] \
  || bad "patterns: wrote $(ls pat)"
echo "errors and patterns ok"
exit $fail
