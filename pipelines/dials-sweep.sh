#!/bin/bash
# Simulate a rotation sweep as a detector records it (counts with Poisson
# noise) and process it with DIALS: dials.import, dials.find_spots,
# dials.index, dials.refine, dials.integrate.
#
#   pipelines/dials-sweep.sh [OPTIONS] OUTDIR
#
#   --format smv|cbf|nxs  files written (default cbf):
#                         smv: nbsmvenc, OUTDIR/images/series_00001.img ...
#                              (16-bit counts, nanoBragg's header)
#                         cbf: nbcbfenc, OUTDIR/images/frame_00001.cbf ...
#                              (32-bit counts, exact geometry)
#                         nxs: nbnxsink, OUTDIR/images/series.nxs (NXmx)
#   --frames N            frames in the sweep (default 45)
#   --osc DEG             rotation per frame (default 0.5)
#   --phi-steps N         spindle sub-steps per frame (default 5)
#   --size N              detector N x N pixels (default 512)
#   --pixel MM            pixel size (default 0.172, Pilatus')
#   --distance MM         sample to detector (default 100)
#   --wavelength A        (default 1)
#   --cell "a b c al be ga"  unit cell (default "40 50 60 90 90 90")
#   --misset "x y z"      crystal orientation, degrees (default "10 20 30")
#   --n-cells N           crystal size in unit cells (default 10)
#   --shape S             crystal shape: gauss, square, round or tophat
#                         (default gauss: a 10-cell square crystal's sinc^2
#                         tails leave spots on the first and last frames
#                         that DIALS can index with a doubled cell;
#                         docs/dials.md)
#   --hkl FILE            structure factors; default OUTDIR/P1.hkl, written
#                         by bench/make_hkl.py 25 30 (h, k -25..25, l
#                         -30..30, F 10..200 without symmetry: intensities
#                         can be compared with F^2 reflection by reflection)
#   --nanobragg "FLAGS"   more nanoBragg flags (e.g. "-water 0.2": a background)
#   --seed N              noise seed (default 1)
#   --raw FILE            also write the counts pushed (raw frames, the
#                         format's samples) to FILE
#   --nproc N             DIALS processes (default: all cores)
#   --simulate-only       write the images, run no DIALS program
#
# OUTDIR/nanobragg.args holds the nanoBragg flags of the simulation (the
# truth: tests/cbf_truth reads them); OUTDIR/dials/ the DIALS files
# (imported.expt, strong.refl, indexed.*, refined.*, integrated.*) and
# logs.  docs/dials.md: what the CI test asserts on them.
set -euo pipefail
source "$(dirname "$0")/env.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "$1"
}
die() { echo "dials-sweep.sh: $*" >&2; exit 2; }
positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, not '$2'"; }

format=cbf frames=45 osc=0.5 phi_steps=5 size=512 pixel=0.172 distance=100
wavelength=1 cell="40 50 60 90 90 90" misset="10 20 30" n_cells=10 shape=gauss hkl=
extra= seed=1 raw= nproc=$(nproc) simulate_only=0 out=
while [ $# -gt 0 ]; do
  case $1 in
    --format|--frames|--osc|--phi-steps|--size|--pixel|--distance|\
    --wavelength|--cell|--misset|--n-cells|--shape|--hkl|--nanobragg|--seed|\
    --raw|--nproc)
      [ $# -ge 2 ] || die "$1 needs a value"
      v=$2
      case $1 in
        --format) format=$v ;; --frames) frames=$v ;; --osc) osc=$v ;;
        --phi-steps) phi_steps=$v ;; --size) size=$v ;; --pixel) pixel=$v ;;
        --distance) distance=$v ;; --wavelength) wavelength=$v ;;
        --cell) cell=$v ;; --misset) misset=$v ;; --n-cells) n_cells=$v ;;
        --shape) shape=$v ;;
        --hkl) hkl=$v ;; --nanobragg) extra=$v ;; --seed) seed=$v ;;
        --raw) raw=$v ;; --nproc) nproc=$v ;;
      esac
      shift 2 ;;
    --simulate-only) simulate_only=1; shift ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option '$1' (--help lists them)" ;;
    *) [ -z "$out" ] || die "one OUTDIR only ('$out', '$1')"; out=$1; shift ;;
  esac
done
[ -n "$out" ] || { echo "dials-sweep.sh: OUTDIR missing" >&2; usage 2 >&2; }
case $format in smv|cbf|nxs) ;; *) die "--format: smv, cbf or nxs, not '$format'" ;; esac
case $shape in
  gauss|square|round) shape_flag=-${shape}_xtal ;;
  tophat) shape_flag=-tophat_spots ;;
  *) die "--shape: gauss, square, round or tophat, not '$shape'" ;;
esac
positive_int --frames "$frames"; positive_int --size "$size"
positive_int --phi-steps "$phi_steps"; positive_int --n-cells "$n_cells"
positive_int --nproc "$nproc"
[[ $seed =~ ^-?[0-9]+$ ]] || die "--seed needs an integer, not '$seed'"
[ "$simulate_only" = 1 ] || command -v dials.import > /dev/null \
  || die "dials.import not on PATH (tools/setup.sh installs Debian's dials)"

if [ "$format" = nxs ] && ! gst-inspect-1.0 nbnxsink > /dev/null 2>&1; then
  die "--format nxs: this build has no nbnxsink element (the NXmx writer)"
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/images" "$out/dials"
mkdir -p "$out/images" "$out/dials"
if [ -z "$hkl" ]; then
  hkl=$out/P1.hkl
  python3 "$NB_ROOT/bench/make_hkl.py" 25 30 "$hkl"
fi
[ -r "$hkl" ] || die "--hkl: cannot read '$hkl'"
hkl=$(cd "$(dirname "$hkl")" && pwd)/$(basename "$hkl")
[[ $hkl != *[[:space:]]* ]] || die "--hkl: the path may not contain spaces ('$hkl')"

# one nanoBragg command line for the source and for whoever checks the truth
args="-hkl $hkl -cell $cell -misset $misset -N $n_cells $shape_flag"
args+=" -lambda $wavelength"
args+=" -distance $distance -pixel $pixel -detpixels $size -phi 0 -osc $osc"
args+=" -phisteps $phi_steps${extra:+ $extra}"
echo "$args" > "$out/nanobragg.args"

# the format's counts and writer
case $format in
  smv) caps="video/x-raw,format=GRAY16_LE"
       sink=(nbsmvenc ! multifilesink "location=$out/images/series_%05d.img" index=1) ;;
  cbf) caps="video/x-diffraction,format=S32LE"
       sink=(nbcbfenc ! multifilesink "location=$out/images/frame_%05d.cbf" index=1) ;;
  nxs) caps="video/x-diffraction,format=S32LE"
       sink=(nbnxsink "location=$out/images/series.nxs") ;;
esac
tee_raw=()
if [ -n "$raw" ]; then
  tee_raw=(! tee name=t t. ! queue ! filesink "location=$raw" t. ! queue)
fi

elapsed() { echo $(( $(date +%s%N) / 1000000 - $1 )); }
step() {   # step NAME CMD...: run CMD in OUTDIR/dials, its output to NAME.out
  local name=$1 t0; shift
  t0=$(( $(date +%s%N) / 1000000 ))
  if ! (cd "$out/dials" && "$@") > "$out/dials/$name.out" 2>&1; then
    tail -20 "$out/dials/$name.out" >&2
    die "$name failed (log: $out/dials/$name.out)"
  fi
  printf '%-18s %6.1f s\n' "$name" "$(elapsed $t0)e-3"
}

step simulate gst-launch-1.0 -q nanobraggsrc nanobragg-args="$args" \
  num-frames="$frames" noise=true seed="$seed" ! "$caps" "${tee_raw[@]}" \
  ! "${sink[@]}"
case $format in
  smv) images=("$out"/images/series_*.img) ;;
  cbf) images=("$out"/images/frame_*.cbf) ;;
  nxs) images=("$out/images/series.nxs") ;;   # the master file
esac
echo "wrote $frames $format frames ($size x $size) to $out/images"
[ "$simulate_only" = 1 ] && exit 0

step dials.import dials.import "${images[@]}" output.experiments=imported.expt
step dials.find_spots dials.find_spots imported.expt nproc="$nproc"
step dials.index dials.index imported.expt strong.refl
step dials.refine dials.refine indexed.expt indexed.refl
step dials.integrate dials.integrate refined.expt refined.refl nproc="$nproc"
sed -n '/^Final refined crystal model/,/Space group/p' \
  "$out/dials/dials.refine.out" | sed -n 's/^ *\(Unit cell\)/refined \1/p'
awk -F'|' '/^RMSDs by experiment/ { n = NR } { line[NR] = $0 }
  END { split(line[n + 5], f, "|"); if (n) printf "refined RMSD x %s px, y %s px, z %s images (%s reflections)\n", f[4] + 0, f[5] + 0, f[6] + 0, f[3] + 0 }' \
  "$out/dials/dials.refine.out"
echo "integrated: $out/dials/integrated.refl"
