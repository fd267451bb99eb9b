#!/bin/bash
# Runs every script in pipelines/ with a small detector and checks what it
# wrote.  Needs NB_BUILD (the build directory) and NB_CLI (tools/nanobragg).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY_1_0="$work/registry.bin"
passes=0
fails=0
ok() { echo "ok - $1"; passes=$((passes + 1)); }
not_ok() { echo "not ok - $1"; fails=$((fails + 1)); }

png_width() { od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}'; }

# demo.sh: PNG views, TIFF frames, SMV series, a trace log
if NB_OUT="$work/demo" NB_SIZE=64 NB_FRAMES=2 bash "$root/pipelines/demo.sh" > "$work/demo.log" 2>&1; then
  n_png=$(ls "$work/demo"/view_*.png 2>/dev/null | wc -l)
  n_tif=$(ls "$work/demo"/frame_*.tif 2>/dev/null | wc -l)
  sig=$(head -c 8 "$work/demo/view_00000.png" | od -An -tx1 | tr -d ' \n')
  if [ "$n_png" = 2 ] && [ "$n_tif" = 2 ] && [ "$sig" = 89504e470d0a1a0a ] \
      && [ "$(png_width "$work/demo/view_00000.png")" = 64 ] \
      && grep -q "^TRACE_C: I_pixel_final" "$work/demo/trace.log" \
      && /usr/bin/python3 "$root/tests/check_outputs.py" smv-series "$work/demo" 2 64 64 \
      && /usr/bin/python3 "$root/tests/check_outputs.py" tiff-dtype "$work/demo/frame_00001.tif" float32; then
    ok "demo.sh writes 2 PNG views (64 px), 2 float TIFFs, 2 SMV (1-based) and traces"
  else
    not_ok "demo.sh outputs: png=$n_png tif=$n_tif sig=$sig"
  fi
else
  not_ok "demo.sh failed"; cat "$work/demo.log"
fi

# stream-display.sh, with a fakesink instead of a window
if NB_SINK=fakesink NB_SIZE=32 NB_FRAMES=3 timeout 120 bash "$root/pipelines/stream-display.sh" > "$work/disp.log" 2>&1 \
    && grep -q "Got EOS" "$work/disp.log"; then
  ok "stream-display.sh streams 3 live frames to the sink"
else
  not_ok "stream-display.sh"; cat "$work/disp.log"
fi

# record-raw.sh: frame 2 equals the CLI run at phi = 0.2 deg, bit for bit
if NB_SIZE=64 bash "$root/pipelines/record-raw.sh" "$work/rec" 3 > "$work/rec.log" 2>&1; then
  (cd "$work" && "$NB_CLI" -hkl "$root/tests/golden/inputs/dense.hkl" \
      -cell 79 79 38 90 90 90 -misset 10 20 30 -N 10 -mosaic 0.3 \
      -mosaic_domains 10 -lambda 1.0 -distance 250 -pixel 0.2 -detpixels 64 \
      -phi 0.2 -osc 0.1 -phisteps 5 -floatfile cli.bin -intfile cli.img \
      -nopgm -nonoise -dump Fdump.bin > cli.log 2>&1)
  if cmp -s "$work/rec/frame_00002.f32" "$work/cli.bin" \
      && [ "$(grep -c '^TRACE_CONFIG' "$work/rec/trace.log")" = 3 ]; then
    ok "record-raw.sh frame 2 = nanobragg -phi 0.2; 3 traces"
  else
    not_ok "record-raw.sh outputs differ from the CLI"
  fi
else
  not_ok "record-raw.sh failed"; cat "$work/rec.log"
fi

# the downstream scripts
export NB_SIZE=48
if bash "$root/pipelines/series-smv.sh" "$work/smv" 3 > /dev/null 2>&1 \
    && /usr/bin/python3 "$root/tests/check_outputs.py" smv-series "$work/smv" 3 48 48 > /dev/null; then
  ok "series-smv.sh: 3 SMV frames named for DIALS, read by fabio"
else
  not_ok "series-smv.sh"
fi
if bash "$root/pipelines/series-tiff.sh" "$work/tif" 2 > /dev/null 2>&1 \
    && [ "$(ls "$work/tif" | wc -l)" = 2 ] \
    && /usr/bin/python3 "$root/tests/check_outputs.py" tiff-dtype "$work/tif/frame_00001.tif" float32 > /dev/null; then
  ok "series-tiff.sh: 2 float32 TIFF frames"
else
  not_ok "series-tiff.sh"
fi
if bash "$root/pipelines/snapshots-png.sh" "$work/png" 2 > /dev/null 2>&1 \
    && [ "$(png_width "$work/png/snap_00001.png")" = 48 ]; then
  ok "snapshots-png.sh: 2 PNG snapshots"
else
  not_ok "snapshots-png.sh"
fi
if NB_FRAMES=1 bash "$root/pipelines/tracemap-tiff.sh" "$work/map" omega > /dev/null 2>&1 \
    && /usr/bin/python3 "$root/tests/check_outputs.py" tiff-map "$work/map/omega_00000.tif" 1e-9 1e-3 > /dev/null; then
  ok "tracemap-tiff.sh: omega map as TIFF"
else
  not_ok "tracemap-tiff.sh"
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
