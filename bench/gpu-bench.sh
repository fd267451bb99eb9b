#!/bin/bash
# gpu-bench.sh - the GPU figures of docs/performance.md in one run:
#  * bench B (bench/benchB.args, its HKL file made by make_hkl.py 50 25)
#    at float32 and float64: pixel-steps/s from nb_bench, and the kernel
#    times under Nsight Compute when `ncu` is on PATH;
#  * the same run of the bl831 CUDA port when its binary is given (built
#    by you from the public bl831/nanoBragg sources: this repository
#    neither holds nor builds it): kernel times under ncu, or the wall
#    clock without ncu;
#  * the kernels issue's table: an Eiger2-16M-sized frame (4148 x 4362,
#    0.075 mm, 250 steps/pixel: N 20, mosaic 0.2 x 25 domains, 10 phi
#    steps) with the square, -round_xtal, -gauss_xtal, -tophat_spots
#    shapes and -interpolate, float32 and float64: pixel-steps/s of a
#    streamed series (frames lent: the kernel's rate once it is longer
#    than the copy), kernel times under ncu, the peer's kernel time (ncu)
#    or wall clock where it renders the case, and for the square case the
#    rate through `nanobraggsrc ! fakesink` (nb_bench_element) and its ms
#    per frame;
#  * streaming 4096 x 4096 float32 frames at 1 and 100 steps per pixel:
#    the engine alone (frames lent, and copied out) and
#    `nanobraggsrc ! fakesink` (nb_bench_element).
#
#   bench/gpu-bench.sh BUILD_DIR [BL831_NANOBRAGG_CUDA]
#
# BUILD_DIR is a meson build with CUDA and the plugin.  Needs python3 and
# a GPU.  Everything goes to stdout; nothing is written outside a
# temporary directory.
set -u

if [ $# -lt 1 ] || [ ! -x "$1/bench/nb_bench" ]; then
  echo "usage: $0 BUILD_DIR [BL831_NANOBRAGG_CUDA]" >&2
  echo "(BUILD_DIR/bench/nb_bench must exist)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
peer=
if [ $# -ge 2 ]; then
  peer=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  [ -x "$peer" ] || { echo "$2: not an executable" >&2; exit 2; }
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
have_ncu=false
command -v ncu > /dev/null && have_ncu=true

nvidia-smi --query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.width.current \
  --format=csv,noheader 2> /dev/null || echo "nvidia-smi: not available"
echo "host: $(nproc) cores"

python3 "$here/make_hkl.py" 50 25 "$work/benchB.hkl" || exit 1
cp "$here/benchB.args" "$work/"
crystal="-hkl benchB.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 -N 10"
crystal="$crystal -lambda 1.0 -distance 150"
echo "$crystal -pixel 0.05 -detpixels 4096 -oversample 1" > "$work/stream1.args"
echo "$crystal -pixel 0.05 -detpixels 4096 -oversample 1 -mosaic 0.5" \
  "-mosaic_domains 10 -phi 0 -osc 0.1 -phisteps 10" > "$work/stream100.args"

echo "== bench B: $(cat "$work/benchB.args")"
for p in float double; do
  echo "-- ours, $p"
  "$build/bench/nb_bench" --device cuda --precision $p --repeat 3 \
    "$work/benchB.args" "$work" || exit 1
  if $have_ncu; then
    ncu --metrics gpu__time_duration.sum -k regex:'fast_kernel|render_kernel' \
      "$build/bench/nb_bench" --device cuda --precision $p --repeat 1 \
      "$work/benchB.args" "$work" 2>&1 | grep -E "_kernel|gpu__time"
  fi
done
if [ -n "$peer" ]; then
  for p in single double; do
    echo "-- bl831, $p"
    (cd "$work" && if $have_ncu; then
      ncu --metrics gpu__time_duration.sum "$peer" $(cat benchB.args) \
        -precision $p -floatfile bl.bin 2>&1 | grep -E "gpu__time"
    else
      start=$(date +%s.%N)
      "$peer" $(cat benchB.args) -precision $p -floatfile bl.bin > /dev/null
      echo "wall clock $(python3 -c "print(round($(date +%s.%N) - $start, 3))") s"
    fi)
  done
fi

# the kernels issue's table
eiger="-hkl benchB.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 -lambda 1.0"
eiger="$eiger -N 20 -distance 200 -pixel 0.075 -detpixels_f 4148"
eiger="$eiger -detpixels_s 4362 -oversample 1 -mosaic 0.2 -mosaic_domains 25"
eiger="$eiger -phi 0 -osc 0.1 -phisteps 10"
echo "== Eiger-sized table: $eiger"
export GST_PLUGIN_PATH="$build/plugin"
for shape in square round_xtal gauss_xtal tophat_spots interpolate; do
  flags=
  [ $shape != square ] && flags="-$shape"
  echo "$eiger $flags" > "$work/eiger_$shape.args"
  for p in float double; do
    line=$("$build/bench/nb_bench" --device cuda --precision $p --repeat 1 \
      --frames 12 "$work/eiger_$shape.args" "$work" | grep "^stream") || exit 1
    echo "ours $shape $p: $line"
    if $have_ncu; then
      ncu --metrics gpu__time_duration.sum -k regex:'fast_kernel|render_kernel' \
        "$build/bench/nb_bench" --device cuda --precision $p --repeat 1 \
        "$work/eiger_$shape.args" "$work" 2>&1 \
        | grep -E "gpu__time" | sed "s/^/ours $shape $p kernel: /"
    fi
    if [ -n "$peer" ]; then
      pp=single
      [ $p = double ] && pp=double
      (cd "$work" && if $have_ncu; then
        ncu --metrics gpu__time_duration.sum "$peer" $(cat "eiger_$shape.args") \
          -precision $pp -floatfile bl.bin 2>&1 | grep -E "gpu__time" \
          | sed "s/^/bl831 $shape $pp kernel: /"
      else
        start=$(date +%s.%N)
        "$peer" $(cat "eiger_$shape.args") -precision $pp -floatfile bl.bin \
          > /dev/null 2>&1
        status=$?
        echo "bl831 $shape $pp: exit $status, wall clock" \
          "$(python3 -c "print(round($(date +%s.%N) - $start, 3))") s"
      fi)
    fi
  done
  if [ $shape = square ] && [ -x "$build/bench/nb_bench_element" ]; then
    for n in 2 22 60; do
      line=$("$build/bench/nb_bench_element" --device cuda --precision float32 \
        --frames $n "$work/eiger_$shape.args" "$work") || exit 1
      r=$(echo "$line" | sed -n 's/.* = \([0-9.e+]*\) frames\/s.*/\1/p')
      echo "element square float32, $n frames: $line" \
        "($(python3 -c "print(round(1000 / $r, 2))") ms per frame)"
    done
  fi
done

# the frames/s figure of one streaming line
rate () { sed -n 's/.* = \([0-9.e+]*\) frames\/s.*/\1/p'; }
median () { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
  END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

runs=5
for a in stream1 stream100; do
  n=400
  [ $a = stream100 ] && n=200
  echo "== streaming, $runs runs of $n frames, interleaved: $(cat "$work/$a.args")"
  lent=() copied=() element=()
  for run in $(seq $runs); do
    line=$("$build/bench/nb_bench" --device cuda --precision float --repeat 1 \
      --frames $n "$work/$a.args" "$work" | grep "^stream") || exit 1
    echo "$line"
    lent+=("$(echo "$line" | rate)")
    line=$("$build/bench/nb_bench" --copy --device cuda --precision float \
      --repeat 1 --frames $n "$work/$a.args" "$work" | grep "^stream")
    echo "$line"
    copied+=("$(echo "$line" | rate)")
    if [ -x "$build/bench/nb_bench_element" ]; then
      line=$("$build/bench/nb_bench_element" --device cuda --precision float32 \
        --frames $n "$work/$a.args" "$work") || exit 1
      echo "$line"
      element+=("$(echo "$line" | rate)")
    fi
  done
  m_lent=$(median "${lent[@]}")
  echo "median frames/s: engine lent $m_lent, engine copied $(median "${copied[@]}")"
  if [ ${#element[@]} -gt 0 ]; then
    m_el=$(median "${element[@]}")
    echo "median frames/s: element $m_el = $(python3 -c "print(round(100 * $m_el / $m_lent))")% of the engine (lent)"
  fi
done
