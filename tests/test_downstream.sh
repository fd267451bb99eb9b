#!/bin/bash
# nbtiffenc, nbsmvenc, nbview, nbradial: outputs read back by independent
# readers (tifffile, fabio: tests/check_outputs.py and below), golden
# comparisons, and the error paths.  Needs NB_BUILD.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/pipelines/env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY_1_0="$work/registry.bin"
golden="$root/tests/golden"
check="/usr/bin/python3 $root/tests/check_outputs.py"
passes=0
fails=0
run_ok() { # NAME COMMAND...
  local name=$1; shift
  if out=$("$@" 2>&1); then echo "$out" | grep '^ok' || echo "ok - $name"; passes=$((passes + 1));
  else echo "not ok - $name"; echo "$out" | sed 's/^/#   /'; fails=$((fails + 1)); fi
}
launch() { (cd "$golden/inputs" && timeout 120 gst-launch-1.0 -q "$@"); }

rs_args=$(cat "$golden/rotation_series/args.0")
ns_args=$(cat "$golden/noise_seed/args")

# TIFF: float series equal to the golden frames
mkdir -p "$work/tiff"
run_ok "tiff series written" launch nanobraggsrc nanobragg-args="$rs_args" num-frames=3 \
  ! nbtiffenc ! multifilesink location="$work/tiff/frame_%05d.tif"
run_ok "tiff series read back" $check tiff-series "$work/tiff" "$golden/rotation_series"

# TIFF: 16-bit counts and the 32-bit integer option
launch nanobraggsrc nanobragg-args="$rs_args" num-frames=1 ! video/x-raw,format=GRAY16_LE \
  ! nbtiffenc ! filesink location="$work/c16.tif"
run_ok "tiff uint16" $check tiff-dtype "$work/c16.tif" uint16
launch nanobraggsrc nanobragg-args="$rs_args" num-frames=1 ! nbtiffenc sample-format=uint32 \
  ! filesink location="$work/c32.tif"
run_ok "tiff uint32" $check tiff-dtype "$work/c32.tif" uint32
launch nanobraggsrc nanobragg-args="$rs_args" num-frames=1 ! nbtiffenc sample-format=int32 \
  ! filesink location="$work/i32.tif"
run_ok "tiff int32 from photons" $check tiff-rounded "$work/i32.tif" \
  "$golden/rotation_series/frame_000.bin" int32

# TIFF from the trace pad: a map of the fractional index h
launch nanobraggsrc name=s nanobragg-args="$rs_args" num-frames=1 trace-map=h \
  s. ! queue ! fakesink s.trace ! queue ! nbtiffenc ! filesink location="$work/hmap.tif"
run_ok "trace map tiff" $check tiff-map "$work/hmap.tif" -30 30

# SMV: byte-identical to the golden int.img, from photons and from counts
launch nanobraggsrc nanobragg-args="$ns_args" num-frames=1 ! nbsmvenc scale=20 adc-offset=25 \
  ! filesink location="$work/int.img"
run_ok "smv from photons = golden int.img" $check smv-int "$work/int.img" "$golden/noise_seed/int.img"
launch nanobraggsrc nanobragg-args="$ns_args -scale 1" noise=true noise-rng=nanobragg num-frames=1 \
  ! video/x-raw,format=GRAY16_LE ! nbsmvenc ! filesink location="$work/noise.img"
run_ok "smv from noisy counts = golden noise.img" cmp "$work/noise.img" "$golden/noise_seed/noise.img"

# SMV: scale=0 is one automatic scale for the series, in every header
mkdir -p "$work/scaled"
run_ok "smv scale=0 series written" launch nanobraggsrc nanobragg-args="$rs_args" num-frames=2 \
  ! nbsmvenc scale=0 adc-offset=10 ! multifilesink location="$work/scaled/scaled_%05d.img"
# fabio reads the headers; the pixels must be the golden photons at the
# header's scale, and frame 1 must keep frame 0's scale
smv_scale_series() { # DIR GOLDEN_DIR ADC
  /usr/bin/python3 - "$@" <<'EOF'
import glob, os, sys
import fabio
import numpy as np
d, golden, adc = sys.argv[1], sys.argv[2], float(sys.argv[3])
def fail(msg):
    print("not ok - " + msg)
    sys.exit(1)
files = sorted(glob.glob(os.path.join(d, "scaled_*.img")))
if len(files) != 2:
    fail("expected 2 SMV frames, found %d" % len(files))
refs = [np.fromfile(os.path.join(golden, "frame_%03d.bin" % i), "<f4")
        for i in range(2)]
scales = []
for i, f in enumerate(files):
    im = fabio.open(f)
    if "SCALE" not in im.header:
        fail("%s: no SCALE in the header" % f)
    scales.append(float(im.header["SCALE"]))
    ref = refs[i].reshape(im.data.shape).astype(np.float64)
    # nanoBragg's -intfile rounding (single precision), at the header's scale
    want = np.floor((np.clip(ref * scales[-1] + adc, 0, 65535) + 0.5)
                    .astype(np.float32)).astype(np.uint16)
    if not np.array_equal(im.data, want):
        fail("%s: %d pixels are not round(photons * SCALE + %g)"
             % (f, np.count_nonzero(im.data != want), adc))
first = 55000.0 / float(refs[0].max())
if scales != [first, first]:
    fail("SCALE %s, want %r (55000 / maximum of frame 0) in both"
         % (scales, first))
if 55000.0 / float(refs[1].max()) == first:
    fail("frame 1 has frame 0's maximum: a renormalised frame 1 would pass")
print("ok - fabio reads SCALE=%.9g in both headers of a scale=0 series "
      "(55000 / maximum of frame 0); pixels = round(photons * SCALE + adc), "
      "frame 1 not renormalised" % first)
EOF
}
run_ok "smv scale=0 series: one SCALE" smv_scale_series "$work/scaled" \
  "$golden/rotation_series" 10

# 32-bit counts (S32LE, as nanobraggsrc's readout sends them): a raw
# frame from the file, read back by tifffile and fabio
s32w=333; s32h=211
run_ok "s32 frame written" $check s32-frame "$work/c32.raw" $s32w $s32h
s32caps="video/x-diffraction,format=S32LE,width=$s32w,height=$s32h,framerate=0/1"
launch filesrc location="$work/c32.raw" blocksize=$((4 * s32w * s32h)) ! "$s32caps" \
  ! nbtiffenc ! filesink location="$work/s32.tif"
run_ok "tiff int32 from S32LE counts" $check s32-tiff "$work/s32.tif" "$work/c32.raw" $s32w $s32h
launch filesrc location="$work/c32.raw" blocksize=$((4 * s32w * s32h)) ! "$s32caps" \
  ! nbsmvenc ! filesink location="$work/s32.img"
run_ok "smv from S32LE counts" $check s32-smv "$work/s32.img" "$work/c32.raw" $s32w $s32h

# nbview: PNG of the right size; nbradial: one CSV row per bin and frame
launch nanobraggsrc nanobragg-args="$rs_args" num-frames=2 ! nbview scale=sqrt \
  ! pngenc ! multifilesink location="$work/v_%d.png"
run_ok "nbview png" test "$(od -An -tu1 -j16 -N4 "$work/v_1.png" | tr -s ' ')" = " 0 0 0 128"
launch nanobraggsrc nanobragg-args="$rs_args" num-frames=3 ! nbradial bins=12 \
  ! filesink location="$work/radial.csv"
run_ok "nbradial csv rows" test "$(wc -l < "$work/radial.csv")" = $((1 + 3 * 12))

# errors: caps that are not frames, frames without meta, unwritable files
expect_fail() { # NAME PATTERN PIPELINE...
  local name=$1 pattern=$2; shift 2
  if out=$(launch "$@" 2>&1); then echo "not ok - $name: succeeded"; fails=$((fails + 1));
  elif echo "$out" | grep -q -- "$pattern"; then echo "ok - $name"; passes=$((passes + 1));
  else echo "not ok - $name: no '$pattern' in"; echo "$out" | sed 's/^/#   /'; fails=$((fails + 1)); fi
}
expect_fail "nbtiffenc refuses audio" "could not link\|negotiat" \
  audiotestsrc num-buffers=1 ! nbtiffenc ! fakesink
expect_fail "nbradial needs the meta" "NbFrameMeta" \
  nanobraggsrc nanobragg-args="$rs_args" num-frames=1 ! video/x-raw,format=GRAY16_LE \
  ! videoscale ! video/x-raw,width=64,height=64 ! nbradial ! fakesink
expect_fail "unwritable tiff location" "Could not open\|No such file" \
  nanobraggsrc nanobragg-args="$rs_args" num-frames=1 ! nbtiffenc \
  ! multifilesink location=/nonexistent-dir/x_%d.tif

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
