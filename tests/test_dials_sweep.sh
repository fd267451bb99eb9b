#!/bin/bash
# pipelines/dials-sweep.sh on a small sweep, for one format, checked:
# the files hold the counts pushed (fabio and dxtbx for SMV and CBF, h5py
# for NXmx), SMV headers are nanoBragg's, and what DIALS made of the sweep
# (tests/check_dials_sweep.py: imported geometry, RMSD, cell, intensities
# against F^2).  DIALS, fabio or numpy missing is a failure.
#
# usage: test_dials_sweep.sh smv|cbf|nxs CBF_TRUTH CHECK_DIALS_SWEEP_PY
# env:   NB_BUILD (the build directory), NB_CLI (tools/nanobragg)
set -u
format=$1
truth=$(realpath "$2") check=$(realpath "$3")
root=$(cd "$(dirname "$0")/.." && pwd)
check_cbf=$root/tests/check_cbf.py
py=/usr/bin/python3
# small enough for CI (about 40 s per format on 2 cores), big enough for
# about 2000-3500 reflections in refinement and 3700 full ones integrated
frames=30 size=512
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY_1_0="$work/registry.bin"
fails=0
ok() { echo "ok $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

start=$(date +%s)
if ! bash "$root/pipelines/dials-sweep.sh" --format "$format" \
    --frames $frames --size $size --raw "$work/counts.raw" "$work/out"; then
  bad "dials-sweep.sh --format $format"
  exit 1
fi
ok "dials-sweep.sh --format $format: $frames frames in $(( $(date +%s) - start )) s"
args=$(cat "$work/out/nanobragg.args")
# shellcheck disable=SC2086
"$truth" $args > "$work/truth.json" || { bad "cbf_truth $args"; exit 1; }

# the files hold the counts pushed: the first and the last frame
pixels() {   # pixels FILE DTYPE INDEX
  if $py "$check_cbf" pixels "$1" "$work/counts.raw" "$2" $size $size "$3"; then
    ok "frame $3: fabio's and dxtbx's pixels = counts pushed"
  else
    bad "frame $3: pixels of $1 differ from the counts pushed"
  fi
}
case $format in
  smv)
    pixels "$work/out/images/series_00001.img" uint16 0
    pixels "$work/out/images/series_$(printf %05d $frames).img" uint16 $((frames - 1))
    # nanoBragg's header, byte for byte: the CLI's -noisefile of frame 0
    # shellcheck disable=SC2086
    if (cd "$work" && "$NB_CLI" $args -noisefile cli.img -nopgm) \
        > "$work/cli.log" 2>&1 \
        && cmp -n 512 "$work/cli.img" "$work/out/images/series_00001.img"; then
      ok "SMV header = nanobragg -noisefile's, byte for byte"
    else
      bad "SMV header differs from nanobragg -noisefile's"
    fi ;;
  cbf)
    pixels "$work/out/images/frame_00001.cbf" int32 0
    pixels "$work/out/images/frame_$(printf %05d $frames).cbf" int32 $((frames - 1)) ;;
  nxs)
    # h5py (with the bitshuffle/LZ4 filter plugin) reads every frame
    if $py - "$work/out/images/series.nxs" "$work/counts.raw" $size <<'PY'
import sys, h5py, numpy as np
n = int(sys.argv[3])
want = np.fromfile(sys.argv[2], "<i4").reshape(-1, n, n)
with h5py.File(sys.argv[1], "r") as f:
    got = f["/entry/data/data"][()]
if got.shape != want.shape or not np.array_equal(got, want):
    sys.exit("h5py: %s %s differ from the pushed %s" % (got.shape, got.dtype, want.shape))
print("h5py: %d frames of %dx%d equal" % want.shape)
PY
    then ok "h5py's frames = counts pushed"; else bad "h5py's frames differ"; fi ;;
esac

if $py "$check" "$format" "$work/out" "$work/truth.json"; then
  ok "DIALS: geometry, RMSD, cell and intensities"
else
  bad "DIALS results (above)"
  tail -5 "$work/out/dials/"*.out
fi
echo "$fails failure(s), $(( $(date +%s) - start )) s"
[ "$fails" -eq 0 ]
