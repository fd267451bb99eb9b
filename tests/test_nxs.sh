#!/bin/bash
# NeXus/NXmx files of formats/nb_nxs.c, nanobragg -nxsfile and nbnxsink,
# read back by h5py (with the bitshuffle plugin, and without it for
# compression none) and DIALS: pixels equal the counts pushed, DIALS'
# imported model equals the simulated truth (MOSFLM, DIALS, rotated,
# two-theta detectors), rank files + virtual-dataset master, atomic
# writes, bad input.  DIALS, h5py or the plugin missing is a failure.
#
# usage: test_nxs.sh NANOBRAGG CBF_TRUTH NXS_WRITE GOLDEN_INPUTS CHECK_NXS_PY
#                    NXS_SINK_CASES_PY PLUGIN_DIR|none
set -u
abs() { case $1 in none) echo none ;; *) realpath "$1" ;; esac; }
cli=$(abs "$1") truth=$(abs "$2") nxs_write=$(abs "$3") inputs=$(abs "$4")
check=$(abs "$5") cases=$(abs "$6") plugin_dir=$(abs "$7")
py=/usr/bin/python3
bshuf_dir=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ok, bad, fails, base, geometry, noise_raw
. "$(dirname "$(realpath "$0")")/file_tests_common.sh"
# readers find the bitshuffle plugin; "noplugin" runs a command without
# any (an empty plugin directory)
export HDF5_PLUGIN_PATH=$bshuf_dir
mkdir "$work/empty"
noplugin() { HDF5_PLUGIN_PATH="$work/empty" "$@"; }

run_ok() {
  local what=$1; shift
  if "$@" > "$work/out.log" 2>&1; then ok "$what"; cat "$work/out.log"; else
    bad "$what"; tail -20 "$work/out.log"; fi
}
# run_fails WHAT CMD...: CMD must fail
run_fails() {
  local what=$1; shift
  if "$@" > "$work/out.log" 2>&1; then bad "$what"; else ok "$what"; fi
}

command -v dials.import > /dev/null || { bad "dials.import not on PATH" \
  "(tools/setup.sh installs dials)"; exit 1; }
$py -c 'import h5py, numpy, dxtbx' || { bad "python3 lacks h5py/numpy/dxtbx"; exit 1; }
[ -f "$bshuf_dir/libh5bshuf.so" ] || { bad "no $bshuf_dir/libh5bshuf.so" \
  "(tools/setup.sh installs bitshuffle)"; exit 1; }

# ---- the writer alone (tests/nxs_write.c): odd sizes, so that the last
# short block and the < 8-element tail of the bitshuffle chunks occur
for c in bslz4 none; do
  run_ok "nxs_write $c" "$nxs_write" series "$work/w_$c.nxs" 333 77 3 $c 3
  run_ok "w_$c: h5py = counts written" $py "$check" pixels \
    "$work/w_$c.nxs" "$work/w_$c.nxs.raw" int32 333 77
  run_ok "w_$c: chunks $c" $py "$check" compression "$work/w_$c.nxs" $c
  run_ok "w_$c: mask = first frame's -1 pixels" $py "$check" mask \
    "$work/w_$c.nxs" -1
done
run_ok "compression none: read without any filter plugin" noplugin $py \
  "$check" pixels "$work/w_none.nxs" "$work/w_none.nxs.raw" int32 333 77
run_fails "bslz4 without the plugin cannot be read (the filter is real)" \
  noplugin $py "$check" pixels "$work/w_bslz4.nxs" "$work/w_bslz4.nxs.raw" \
  int32 333 77
# written where libhdf5 has no bitshuffle plugin: the same filter values
noplugin "$nxs_write" series "$work/w_np.nxs" 333 77 3 bslz4 1 > /dev/null \
  || bad "nxs_write without the plugin"
run_ok "written without the plugin: filter values as with it" $py "$check" \
  compression "$work/w_np.nxs" bslz4
run_ok "written without the plugin: h5py = counts" $py "$check" pixels \
  "$work/w_np.nxs" "$work/w_np.nxs.raw" int32 333 77
# the chunks do not depend on the thread count
if $py -c "
import h5py, sys
a, b = (h5py.File(p, 'r')['/entry/data/data'] for p in sys.argv[1:])
sys.exit(any(a.id.read_direct_chunk((i, 0, 0))[1]
             != b.id.read_direct_chunk((i, 0, 0))[1] for i in range(3)))
" "$work/w_bslz4.nxs" "$work/w_np.nxs"; then
  ok "the same chunk bytes on 3 threads and 1"
else
  bad "the chunks depend on the thread count"
fi
# rank files and their virtual-dataset master: frame i from file i mod R
mkdir "$work/ranks"
for r in 1 3; do
  run_ok "nxs_write ranks R=$r" "$nxs_write" ranks "$work/ranks/m$r.nxs" \
    100 50 7 $r bslz4
  # read from elsewhere: the master names its files relative to itself
  run_ok "VDS master R=$r: h5py = counts in series order" \
    bash -c "cd / && $py '$check' pixels '$work/ranks/m$r.nxs' \
    '$work/ranks/m$r.nxs.raw' int32 100 50"
done
# abort: nothing left, not even the temporary
run_ok "nxs_write abort" "$nxs_write" abort "$work/aborted.nxs" 40 30
if ls "$work"/aborted.nxs* > /dev/null 2>&1; then
  bad "an aborted writer left $(ls "$work"/aborted.nxs*)"
else
  ok "an aborted writer leaves nothing"
fi

# ---- nanobragg -nxsfile and nbnxsink, DIALS (base, geometry: file_tests_common.sh)

# dials_check NAME NXS: dials.import of NXS equals the truth
dials_check() {
  local name=$1 nxs=$2
  if (cd "$work" && dials.import "$nxs" output.experiments="$name.expt" \
        output.log="$name.import.log" > "$name.import.out" 2>&1); then
    run_ok "$name: DIALS model = truth" $py "$check" dials "$work/$name.expt" \
      "$work/$geom.truth.json"
  else
    bad "$name: dials.import failed"; tail -20 "$work/$name.import.out"
  fi
}

for geom in mosflm dials rotated twotheta; do
  args="$base ${geometry[$geom]}"
  (cd "$work" && "$truth" $args) > "$work/$geom.truth.json" \
    || { bad "$geom: cbf_truth"; continue; }
  # the CLI: -noise_rng counter, so the file holds the -noisefile's counts
  # (-1 outside the -roi, where the 16-bit file reads 0)
  if (cd "$work" && "$cli" $args -noise_rng counter \
        -floatfile "$work/$geom.float" -intfile "$work/$geom.int.img" \
        -noisefile "$work/$geom.noise.img" -nxsfile "$work/${geom}_cli.nxs") \
        > "$work/$geom.cli.log" 2>&1; then
    ok "$geom: nanobragg -nxsfile"
    noise_raw "$geom"
    run_ok "$geom-cli: h5py = -noisefile counts" $py "$check" pixels \
      "$work/${geom}_cli.nxs" "$work/$geom.noise.raw" int32 72 56
    run_ok "$geom-cli: mask = the -roi's masked pixels" $py "$check" mask \
      "$work/${geom}_cli.nxs" -1
    run_ok "$geom-cli: angles" $py "$check" angles "$work/${geom}_cli.nxs" \
      "$work/$geom.truth.json" phi
    dials_check "$geom-cli" "$work/${geom}_cli.nxs"
  else
    bad "$geom: nanobragg -nxsfile"; tail -5 "$work/$geom.cli.log"
  fi

  [ "$plugin_dir" = none ] && continue
  # the element, on the source's own 32-bit counts (3 frames)
  if (cd "$work" && GST_PLUGIN_PATH_1_0="$plugin_dir" timeout 120 \
        gst-launch-1.0 -q nanobraggsrc nanobragg-args="$args" num-frames=3 \
        noise=true ! video/x-diffraction,format=S32LE ! tee name=t \
        t. ! queue ! nbnxsink location="$work/${geom}_el.nxs" \
        t. ! queue ! filesink location="$work/$geom.el.raw") \
        > "$work/$geom.el.log" 2>&1; then
    ok "$geom: nanobraggsrc ! nbnxsink"
    run_ok "$geom-element: h5py = counts pushed" $py "$check" pixels \
      "$work/${geom}_el.nxs" "$work/$geom.el.raw" int32 72 56
    run_ok "$geom-element: angles per frame" $py "$check" angles \
      "$work/${geom}_el.nxs" "$work/$geom.truth.json" phi
    run_ok "$geom-element: mask" $py "$check" mask "$work/${geom}_el.nxs" -1
    dials_check "$geom-element" "$work/${geom}_el.nxs"
  else
    bad "$geom: nanobraggsrc ! nbnxsink"; tail -5 "$work/$geom.el.log"
  fi
done

# the element where libhdf5 has no bitshuffle plugin: the file is the
# same, and libhdf5 closes cleanly at exit (its plugin search from the
# streaming thread used to leave "HDF5: infinite loop closing library")
args="$base ${geometry[rotated]}"
if [ "$plugin_dir" != none ]; then
  if (cd "$work" && GST_PLUGIN_PATH_1_0="$plugin_dir" noplugin timeout 120 \
        gst-launch-1.0 -q nanobraggsrc nanobragg-args="$args" num-frames=2 \
        ! video/x-diffraction,format=S32LE ! tee name=t \
        t. ! queue ! nbnxsink location="$work/np_el.nxs" \
        t. ! queue ! filesink location="$work/np_el.raw") \
        > "$work/np_el.log" 2>&1; then
    if grep -q "HDF5" "$work/np_el.log"; then
      bad "nbnxsink without the plugin: libhdf5 complained"
      head -3 "$work/np_el.log"
    else
      ok "nbnxsink without the plugin: libhdf5 quiet at exit"
    fi
    run_ok "nbnxsink without the plugin: h5py = counts pushed" $py "$check" \
      pixels "$work/np_el.nxs" "$work/np_el.raw" int32 72 56
  else
    bad "nbnxsink without the plugin"; tail -5 "$work/np_el.log"
  fi
fi

# -nxs_compression none: any libhdf5 reads it; -nonoise: the counts are
# round(photons * scale + adc)
if (cd "$work" && "$cli" $args -nonoise -scale 2.5 -adc 3 \
      -floatfile "$work/nonoise.float" -intfile "$work/nonoise.img" \
      -nxsfile "$work/nonoise.nxs" -nxs_compression none) \
      > "$work/nonoise.log" 2>&1; then
  run_ok "-nxs_compression none: no filter" $py "$check" compression \
    "$work/nonoise.nxs" none
  $py -c "
import numpy as np, sys
v = np.fromfile(sys.argv[1], '<f4').astype(np.float64) * 2.5 + 3
np.where(v > 0, np.floor(v + 0.5), 0).astype('<i4').tofile(sys.argv[2])
" "$work/nonoise.float" "$work/nonoise.want"
  run_ok "-nonoise -nxsfile: counts = round(photons * 2.5 + 3), no plugin" \
    noplugin $py "$check" pixels "$work/nonoise.nxs" "$work/nonoise.want" \
    int32 72 56
else
  bad "-nonoise -nxsfile"; tail -3 "$work/nonoise.log"
fi
# bad -nxsfile / -nxs_compression: clear errors, no file
if (cd "$work" && "$cli" $base -nxsfile "$work/missing/x.nxs") \
    > "$work/bad.log" 2>&1; then
  bad "-nxsfile into a missing directory succeeded"
elif grep -q -- "-nxsfile: cannot write" "$work/bad.log"; then
  ok "-nxsfile into a missing directory refused"
else
  bad "-nxsfile error unclear"; cat "$work/bad.log"
fi
if (cd "$work" && "$cli" $base -nxsfile "$work/c.nxs" -nxs_compression lzf) \
    > "$work/bad.log" 2>&1; then
  bad "-nxs_compression lzf accepted"
elif grep -q -- "-nxs_compression: 'lzf' is not bslz4 or none" "$work/bad.log" \
    && ! ls "$work"/c.nxs* > /dev/null 2>&1; then
  ok "-nxs_compression lzf refused, no file"
else
  bad "-nxs_compression lzf not refused clearly"; cat "$work/bad.log"
fi
if (cd "$work" && "$cli" $base -nxsfile) > "$work/bad.log" 2>&1 \
    || ! grep -q -- "-nxsfile: needs 1 value" "$work/bad.log"; then
  bad "-nxsfile without a name not refused clearly"; cat "$work/bad.log"
else
  ok "-nxsfile without a name refused"
fi

if [ "$plugin_dir" != none ]; then
  export GST_PLUGIN_PATH_1_0="$plugin_dir"
  args="$base ${geometry[mosflm]}"
  # 16-bit counts stored as int32, compression none, no mask
  run_ok "GRAY16_LE frames, compression=none" bash -c "cd '$work' && \
    timeout 120 gst-launch-1.0 -q nanobraggsrc nanobragg-args='$args' \
    num-frames=2 noise=true ! video/x-raw,format=GRAY16_LE ! tee name=t \
    t. ! queue ! nbnxsink compression=none location='$work/g16.nxs' \
    t. ! queue ! filesink location='$work/g16.raw'"
  run_ok "GRAY16: h5py = counts pushed (no plugin)" noplugin $py "$check" \
    pixels "$work/g16.nxs" "$work/g16.raw" uint16 72 56
  run_ok "GRAY16: no mask" $py "$check" mask "$work/g16.nxs" -1
  # the source's nanobragg-args refuses -nxsfile, naming it
  if (cd "$work" && timeout 60 gst-launch-1.0 nanobraggsrc \
        nanobragg-args="$base -nxsfile x.nxs" num-frames=1 ! fakesink) \
        > "$work/srcarg.log" 2>&1; then
    bad "nanobragg-args with -nxsfile accepted"
  elif grep -q -- "-nxsfile: only the nanobragg command line" "$work/srcarg.log"; then
    ok "nanobragg-args refuses -nxsfile"
  else
    bad "nanobragg-args -nxsfile: unclear error"; tail -3 "$work/srcarg.log"
  fi
  # atomicity and bad input of the element (appsrc)
  mkdir "$work/cases"
  run_ok "nbnxsink errors and atomicity" $py "$cases" "$work/cases"
fi

# no temporary is left anywhere
if ls "$work"/*.part "$work"/*/*.part > /dev/null 2>&1; then
  bad "temporaries left: $(ls "$work"/*.part "$work"/*/*.part 2>/dev/null)"
else
  ok "no temporary (.part) left"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
