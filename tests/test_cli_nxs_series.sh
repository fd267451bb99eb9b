#!/bin/bash
# test_cli_nxs_series.sh frames|mpi NANOBRAGG INPUTS_DIR CHECK_PY [MPIRUN]
#
# -nxsfile over a split series, against a single process's NXmx file of
# the whole run (frames 0..4 of a 128x128 rotation series, noise on),
# read back with h5py and DIALS (tests/check_nxs_series.py):
#  frames: -frames shards (2:3 and 0:2) hold the same counts, angles and
#    mask as the same frames of the whole run's file, exactly.
#  mpi: `mpirun -np R nanobragg ... -nxsfile s.nxs` (docs/cli.md, "MPI
#    ranks"): R = 2 over the whole run and R = 3 over -frames 1:3 (each
#    rank renders frame 0 for the automatic scale) give a master whose
#    every dataset and attribute equals the single file's, pixels through
#    the virtual dataset read from another directory, rank files holding
#    frames r, r + R, ...; the per-frame files (float, SMV int and noise,
#    CBF) byte-identical to the single run's; dials.import of the master =
#    of the single file (images, models, pixels); one frame over 2 ranks
#    (rank 1 idle) and one rank (a plain file); a rank that fails before
#    rendering (a directory where its data file goes) and one that fails
#    half way (a directory where one of its frame files goes): exit status
#    non-zero, the rank named, no master, no rank file, no temporary left.
set -u
mode=$1
nb=$(realpath "$2") inputs=$(realpath "$3") check=$(realpath "$4")
mpirun=${5:-}
py=/usr/bin/python3
export HDF5_PLUGIN_PATH=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
bad () { echo "FAIL: $*"; fail=1; }

scene="-hkl $inputs/dense.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 -N 5
  -lambda 1.0 -distance 100 -pixel 0.1 -detpixels 128 -oversample 1
  -phi 1 -osc 0.5 -phisteps 2 -seed 7 -roi 2 125 0 120"
scene=$(echo $scene)
files="-floatfile f.bin -intfile i.img -noisefile n.img -nopgm -cbffile s.cbf
  -nxsfile s.nxs"
files=$(echo $files)

# check WHAT ARGS...: check_nxs_series.py ARGS must pass
check () {
  local what=$1; shift
  $py "$check" "$@" || bad "$what"
}

# single DIR FLAGS...: one process in DIR
single () {
  local d=$1; shift
  mkdir -p "$d"
  # shellcheck disable=SC2086
  (cd "$d" && "$nb" $scene $files "$@" > log.txt 2> err.txt) \
    || bad "nanobragg $* failed: $(tail -2 "$d/err.txt")"
}

single whole -frames 0:5

if [ "$mode" = frames ]; then
  single shard -frames 2:3
  single head -frames 0:2
  check "-frames 2:3 != frames 2..4 of the whole run" \
    frames whole/s.nxs 2 shard/s.nxs 0 3
  check "-frames 0:2 != frames 0..1 of the whole run" \
    frames whole/s.nxs 0 head/s.nxs 0 2
  exit $fail
fi

[ -x "$mpirun" ] || { bad "no mpirun: '$mpirun'"; exit 1; }
# robust in containers and on CI: root, more ranks than cores, this host
# only (no ssh), no network (shared memory and self only), no
# cross-memory attach, no binding
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm=isolated
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_hwloc_base_binding_policy=none

# ranks DIR R FLAGS...: mpirun -np R in DIR; its exit status
ranks () {
  local d=$1 r=$2; shift 2
  mkdir -p "$d"
  # shellcheck disable=SC2086
  (cd "$d" && timeout 120 "$mpirun" -np "$r" "$nb" $scene $files "$@" \
    > log.txt 2> err.txt)
}
# the per-frame files of DIR equal those of the single run
same_frame_files () {
  local d=$1 n=0
  for f in "$d"/*_0000?.*; do
    cmp -s "$f" "whole/$(basename "$f")" \
      || bad "$d: $(basename "$f") differs from the single process's"
    n=$((n + 1))
  done
  echo "$d: $n per-frame files byte-identical to the single process's"
}
leftovers () { ls "$1" | grep -e '\.part$' -e '_rank' -e '^s\.nxs' ; }

ranks two 2 -frames 0:5 || bad "mpirun -np 2 failed: $(tail -3 two/err.txt)"
check "np 2: the master != the single file" same whole/s.nxs two/s.nxs
(cd / && $py "$check" frames "$work/whole/s.nxs" 0 "$work/two/s.nxs" 0 5) \
  || bad "np 2: the master read from / != the single file"
check "np 2: rank files" ranks two/s.nxs 2
same_frame_files two
[ "$(ls two/*_0000?.* | wc -l)" -eq 20 ] || bad "np 2: not 20 frame files"

ranks three 3 -frames 1:3 || bad "mpirun -np 3 failed: $(tail -3 three/err.txt)"
check "np 3, -frames 1:3: the master != frames 1..3" \
  frames whole/s.nxs 1 three/s.nxs 0 3
check "np 3: rank files" ranks three/s.nxs 3
same_frame_files three
[ "$(grep -c "rendering frame 0 for the series' automatic scale" \
  three/log.txt)" -eq 3 ] || bad "np 3, -frames 1:3: not 3 ranks scaled on frame 0"

# one frame (no -frames) over 2 ranks: rank 1 renders nothing
single still
ranks still2 2 || bad "mpirun -np 2, one frame, failed: $(tail -3 still2/err.txt)"
check "np 2, one frame: the master != the single file" same still/s.nxs \
  still2/s.nxs
check "np 2, one frame: one rank file" ranks still2/s.nxs 1
grep -q "rank 1 of 2: no frames to render" still2/log.txt \
  || bad "np 2, one frame: rank 1 did not say it has no frame"
# one rank: the plain file
ranks one 1 -frames 0:5 || bad "mpirun -np 1 failed: $(tail -3 one/err.txt)"
check "np 1: != the single file" same whole/s.nxs one/s.nxs
[ -z "$(ls one | grep _rank)" ] || bad "np 1 wrote rank files: $(ls one)"

# DIALS sees one series
(cd whole && dials.import s.nxs output.experiments=s.expt \
  output.log=import.log > import.out 2>&1) || bad "dials.import of the single file"
(cd two && dials.import s.nxs output.experiments=s.expt \
  output.log=import.log > import.out 2>&1) || bad "dials.import of the master"
check "dials.import: master != single file" dials whole/s.expt two/s.expt \
  whole/s.nxs two/s.nxs

# failure before rendering: a directory where rank 1's data file goes
mkdir -p early/s_rank00001.h5
if ranks early 2 -frames 0:5; then bad "early failure: exit status 0"; fi
grep -q "nanobragg: rank 1: -nxsfile: s_rank00001.h5 is a directory" \
  early/err.txt || bad "early failure: rank 1 not named: $(head -2 early/err.txt)"
grep -q "rank 0: 1 of 2 ranks failed, the first rank 1: no -nxsfile master" \
  early/err.txt || bad "early failure: rank 0 did not report rank 1"
[ "$(leftovers early)" = s_rank00001.h5 ] \
  || bad "early failure left $(leftovers early)"
[ -z "$(ls early | grep f_)" ] || bad "early failure: ranks rendered: $(ls early)"
# failure half way: rank 1's second frame (file number 4) cannot be written,
# after both ranks added frames to their data files
mkdir -p late/f_00004.bin
if ranks late 2 -frames 0:5; then bad "late failure: exit status 0"; fi
grep -q "nanobragg: rank 1: -floatfile: cannot write f_00004.bin" \
  late/err.txt || bad "late failure: rank 1 not named: $(head -2 late/err.txt)"
grep -q "rank 0: 1 of 2 ranks failed, the first rank 1" late/err.txt \
  || bad "late failure: rank 0 did not report rank 1"
grep -q "adding frame 1 to s_rank00001.h5" late/log.txt && \
  grep -q "adding frame 4 to s_rank00000.h5" late/log.txt \
  || bad "late failure: the ranks did not write their data files first"
[ -z "$(leftovers late)" ] || bad "late failure left $(leftovers late)"
echo "failures: exit status non-zero, rank 1 named, no master, rank file" \
  "or temporary left"
exit $fail
