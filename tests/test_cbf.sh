#!/bin/bash
# CBF files of nanobragg -cbffile and nbcbfenc, read back by fabio, CBFlib
# and DIALS: pixels equal the counts pushed, headers and DIALS' imported
# model equal the simulated truth, for MOSFLM, DIALS, rotated and
# two-theta detectors.  DIALS, fabio or numpy missing is a failure.
#
# usage: test_cbf.sh NANOBRAGG CBF_TRUTH GOLDEN_INPUTS CHECK_CBF_PY
#                    PLUGIN_DIR|none CBFLIB_READ|none
set -u
abs() { case $1 in none) echo none ;; *) realpath "$1" ;; esac; }
cli=$(abs "$1") truth=$(abs "$2") inputs=$(abs "$3") check=$(abs "$4")
plugin_dir=$(abs "$5") cbflib_read=$(abs "$6")
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ok, bad, fails, base, geometry, noise_raw
. "$(dirname "$(realpath "$0")")/file_tests_common.sh"

# run_ok WHAT CMD...: CMD must succeed
run_ok() {
  local what=$1; shift
  if "$@" > "$work/out.log" 2>&1; then ok "$what"; else
    bad "$what"; tail -20 "$work/out.log"; fi
}

command -v dials.import > /dev/null || { bad "dials.import not on PATH" \
  "(tools/setup.sh installs dials)"; exit 1; }
$py -c 'import fabio, numpy, dxtbx' || { bad "python3 lacks fabio/numpy/dxtbx"; exit 1; }
if [ "$cbflib_read" = none ]; then
  echo "note: built without CBFlib (-Dcbf): CBFlib's own reader not checked"
fi


# dials_check NAME CBF INDEX: dials.import of CBF equals the truth
dials_check() {
  local name=$1 cbf=$2 index=$3
  if (cd "$work" && dials.import "$cbf" output.experiments="$name.expt" \
        output.log="$name.import.log" > "$name.import.out" 2>&1); then
    run_ok "$name: DIALS model = truth" $py "$check" dials "$work/$name.expt" \
      "$work/$geom.truth.json" "$index"
    grep -h "^ok dials" "$work/out.log"
  else
    bad "$name: dials.import failed"; tail -20 "$work/$name.import.out"
  fi
}

# cbflib_pixels NAME CBF RAW DTYPE INDEX: fabio (and CBFlib) pixels = RAW
pixels_check() {
  local name=$1 cbf=$2 raw=$3 dtype=$4 index=$5 lib=()
  if [ "$cbflib_read" != none ]; then
    if "$cbflib_read" "$cbf" "$work/$name.cbflib.raw" > /dev/null; then
      lib=("$work/$name.cbflib.raw")
    else
      bad "$name: CBFlib cannot read $cbf"; return
    fi
  fi
  run_ok "$name: pixels = counts pushed" $py "$check" pixels "$cbf" "$raw" \
    "$dtype" 72 56 "$index" "${lib[@]}"
}

for geom in mosflm dials rotated twotheta; do
  args="$base ${geometry[$geom]}"
  (cd "$work" && "$truth" $args) > "$work/$geom.truth.json" \
    || { bad "$geom: cbf_truth"; continue; }

  # the CLI: -noise_rng counter, so the CBF holds the -noisefile's counts
  # (in 32 bits: equal where they stay below 65535, as here)
  if (cd "$work" && "$cli" $args -noise_rng counter \
        -floatfile "$work/$geom.float" -intfile "$work/$geom.int.img" \
        -noisefile "$work/$geom.noise.img" \
        -cbffile "$work/${geom}_cli_00001.cbf") > "$work/$geom.cli.log" 2>&1
  then
    ok "$geom: nanobragg -cbffile"
    # the 16-bit file reads 0 where the CBF has -1: outside the -roi
    noise_raw "$geom"
    pixels_check "$geom-cli" "$work/${geom}_cli_00001.cbf" \
      "$work/$geom.noise.raw" int32 0
    run_ok "$geom-cli: header = truth" $py "$check" header \
      "$work/${geom}_cli_00001.cbf" "$work/$geom.truth.json" 0
    dials_check "$geom-cli" "$work/${geom}_cli_00001.cbf" 0
  else
    bad "$geom: nanobragg -cbffile"; tail -5 "$work/$geom.cli.log"
  fi

  [ "$plugin_dir" = none ] && continue
  # the element, on the source's own 32-bit counts (2 frames)
  if (cd "$work" && GST_PLUGIN_PATH_1_0="$plugin_dir" timeout 120 \
        gst-launch-1.0 -q nanobraggsrc nanobragg-args="$args" num-frames=2 \
        noise=true ! video/x-diffraction,format=S32LE ! tee name=t \
        t. ! queue ! nbcbfenc ! multifilesink \
          location="$work/${geom}_el_%05d.cbf" index=1 \
        t. ! queue ! filesink location="$work/$geom.el.raw") \
        > "$work/$geom.el.log" 2>&1; then
    ok "$geom: nanobraggsrc ! nbcbfenc"
    for i in 0 1; do
      n=$(printf %05d $((i + 1)))
      pixels_check "$geom-element-$i" "$work/${geom}_el_$n.cbf" \
        "$work/$geom.el.raw" int32 $i
      run_ok "$geom-element-$i: header = truth" $py "$check" header \
        "$work/${geom}_el_$n.cbf" "$work/$geom.truth.json" $i
    done
    dials_check "$geom-element" "$work/${geom}_el_00002.cbf" 1
  else
    bad "$geom: nanobraggsrc ! nbcbfenc"; tail -5 "$work/$geom.el.log"
  fi
done

if [ "$plugin_dir" != none ]; then
  export GST_PLUGIN_PATH_1_0="$plugin_dir"
  args="$base ${geometry[mosflm]}"
  # a custom convention: the meta carries the rotation axis, so no
  # warning (an earlier warning path deadlocked under the object lock)
  if (cd "$work" && timeout 60 gst-launch-1.0 nanobraggsrc \
        nanobragg-args="$base -spindle_axis 0 1 0" num-frames=2 \
        ! video/x-diffraction,format=S32LE ! nbcbfenc \
        ! multifilesink location="$work/custom_%05d.cbf" index=1) \
        > "$work/custom.log" 2>&1 \
      && [ "$(grep -c 'rotation axis unknown' "$work/custom.log")" = 0 ] \
      && [ -s "$work/custom_00002.cbf" ]; then
    ok "custom convention: the meta's rotation axis, no warning, files written"
  else
    bad "custom convention"; tail -5 "$work/custom.log"
  fi
  # the source's nanobragg-args refuses -cbffile, naming it
  if (cd "$work" && timeout 60 gst-launch-1.0 nanobraggsrc \
        nanobragg-args="$base -cbffile x.cbf" num-frames=1 ! fakesink) \
        > "$work/srcarg.log" 2>&1; then
    bad "nanobragg-args with -cbffile accepted"
  elif grep -q -- "-cbffile: only the nanobragg command line" "$work/srcarg.log"; then
    ok "nanobragg-args refuses -cbffile"
  else
    bad "nanobragg-args -cbffile: unclear error"; tail -3 "$work/srcarg.log"
  fi
  # 16-bit counts as they are
  run_ok "GRAY16_LE frames encoded" bash -c "cd '$work' && timeout 120 \
    gst-launch-1.0 -q nanobraggsrc nanobragg-args='$args' num-frames=1 \
    noise=true ! video/x-raw,format=GRAY16_LE ! tee name=t \
    t. ! queue ! nbcbfenc ! filesink location='$work/g16_00001.cbf' \
    t. ! queue ! filesink location='$work/g16.raw'"
  pixels_check gray16 "$work/g16_00001.cbf" "$work/g16.raw" uint16 0
  # photons: round(v * scale + adc), clipped to the cutoff
  run_ok "F32LE frames encoded" bash -c "cd '$work' && timeout 120 \
    gst-launch-1.0 -q nanobraggsrc nanobragg-args='$args' num-frames=1 \
    ! video/x-diffraction,format=F32LE ! tee name=t \
    t. ! queue ! nbcbfenc scale=3.5 adc-offset=2 count-cutoff=300 \
      ! filesink location='$work/f32_00001.cbf' \
    t. ! queue ! filesink location='$work/f32.raw'"
  run_ok "photons: counts = round(photons * scale + adc), clipped" \
    $py "$check" photons "$work/f32_00001.cbf" "$work/f32.raw" 72 56 0 3.5 2 300
  # known counts without meta: 1-, 3- and 7-byte deltas (int32 extremes
  # next to 0), masked -1 pixels
  $py -c "
import numpy as np, sys
rng = np.random.default_rng(3)
a = rng.integers(-1, 200, size=(56, 72)).astype('<i4')
a[5, :10] = [2147483647, 0, 2147483647, -1, 40000, -40000, 127, -128, 32767, -32767]
a[5, 3] = 0  # -1 after 2^31 - 1 would be a 64-bit delta
a[9, :] = rng.integers(-2**30, 2**30, size=72)
a.tofile(sys.argv[1])
# 15-byte deltas too (|delta| >= 2^31): fabio's and dxtbx's own decoders
# get these wrong (docs/formats.md), CBFlib's right
a[5, :4] = [2147483647, -2147483648, 2147483647, -1]
a[9, :] = rng.integers(-2**31, 2**31 - 1, size=72)
a.tofile(sys.argv[2])" "$work/known.raw" "$work/known64.raw"
  for k in known known64; do
    run_ok "$k S32 counts encoded (no meta)" bash -c "timeout 60 \
      gst-launch-1.0 -q filesrc location='$work/$k.raw' blocksize=16128 \
      ! 'video/x-diffraction,format=S32LE,width=72,height=56,framerate=0/1' \
      ! nbcbfenc ! filesink location='$work/${k}_00001.cbf'"
  done
  pixels_check known "$work/known_00001.cbf" "$work/known.raw" int32 0
  # the bytes do not depend on the thread count (a frame big enough for
  # several tasks: each compresses its own rows)
  $py -c "
import numpy as np, sys
rng = np.random.default_rng(4)
a = rng.poisson(3.0, size=(600, 1024)).astype('<i4')
a[::37, :] = rng.integers(-1, 70000, size=(17, 1024))
a.tofile(sys.argv[1])" "$work/big.raw"
  for t in 1 3; do
    NB_THREADS=$t timeout 60 gst-launch-1.0 -q filesrc location="$work/big.raw" \
      blocksize=2457600 \
      ! 'video/x-diffraction,format=S32LE,width=1024,height=600,framerate=0/1' \
      ! nbcbfenc ! filesink location="$work/big_t$t.cbf" \
      || bad "NB_THREADS=$t encode"
  done
  if cmp -s "$work/big_t1.cbf" "$work/big_t3.cbf"; then
    ok "the same bytes on 1 and 3 threads"
  else
    bad "the CBF bytes depend on the thread count"
  fi
  run_ok "big frame: fabio pixels = counts pushed" $py "$check" pixels \
    "$work/big_t3.cbf" "$work/big.raw" int32 1024 600 0
  if [ "$cbflib_read" != none ]; then
    if "$cbflib_read" "$work/known64_00001.cbf" "$work/known64.lib" > /dev/null \
        && cmp -s "$work/known64.lib" "$work/known64.raw"; then
      ok "known64: CBFlib's pixels = counts pushed (64-bit deltas)"
    else
      bad "known64: CBFlib's pixels differ (64-bit deltas)"
    fi
  fi
fi

# -nonoise: the -intfile's counts in 32 bits, round(photons * scale + adc)
args="$base ${geometry[rotated]}"
if (cd "$work" && "$cli" $args -nonoise -scale 2.5 -adc 3 \
      -floatfile "$work/nonoise.float" -intfile "$work/nonoise.img" \
      -cbffile "$work/nonoise_00001.cbf") > "$work/nonoise.log" 2>&1; then
  run_ok "-nonoise -cbffile: counts = round(photons * 2.5 + 3)" $py "$check" \
    photons "$work/nonoise_00001.cbf" "$work/nonoise.float" 72 56 0 2.5 3 \
    2147483647
else
  bad "-nonoise -cbffile"; tail -3 "$work/nonoise.log"
fi

# a bad -cbffile: a clear error, no file
if (cd "$work" && "$cli" $base -cbffile "$work/missing/x.cbf") \
    > "$work/bad.log" 2>&1; then
  bad "-cbffile into a missing directory succeeded"
elif grep -q -- "-cbffile: cannot write" "$work/bad.log"; then
  ok "-cbffile into a missing directory refused"
else
  bad "-cbffile error unclear"; cat "$work/bad.log"
fi
if (cd "$work" && "$cli" $base -cbffile) > "$work/bad.log" 2>&1 \
    || ! grep -q -- "-cbffile: needs 1 value" "$work/bad.log"; then
  bad "-cbffile without a name not refused clearly"; cat "$work/bad.log"
else
  ok "-cbffile without a name refused"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
