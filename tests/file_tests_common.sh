# file_tests_common.sh - what tests/test_cbf.sh and tests/test_nxs.sh
# share (sourced, after they set $work and $py): the report functions,
# the crystal and the four detector geometries both test, and the
# -noisefile's counts as the 32-bit files hold them.

fails=0
ok() { echo "ok $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# One small crystal for every geometry (the geometry, not the spots, is
# under test).
base="-hkl $inputs/dense.hkl -cell 50 60 70 90 90 90 -N 3 -detpixels_f 72 -detpixels_s 56 \
  -pixel 0.1 -distance 80 -lambda 1.1 -phi 12 -osc 0.25 -seed 5"
declare -A geometry=(
  [mosflm]="-mosflm -Xbeam 2.2 -Ybeam 3.1 -roi 3 66 4 50"
  [dials]="-dials -ORGX 30.3 -ORGY 20.7"
  [rotated]="-detector_rotx 3 -detector_roty -2 -detector_rotz 5"
  [twotheta]="-twotheta 20"
)

# noise_raw GEOM: $work/GEOM.noise.img (the 16-bit -noisefile, 0 outside
# the -roi) as the int32 counts of the 32-bit files (-1 outside it), in
# $work/GEOM.noise.raw
noise_raw() {
  local geom=$1
  $py -c "import fabio,sys; a=fabio.open(sys.argv[1]).data.astype('int32')
r=[int(v) for v in sys.argv[3].split()]
if r:
    m=a.copy(); m[:]=-1; m[r[2]:r[3]+1, r[0]:r[1]+1]=a[r[2]:r[3]+1, r[0]:r[1]+1]; a=m
a.astype('<i4').tofile(sys.argv[2])" "$work/$geom.noise.img" "$work/$geom.noise.raw" \
    "$(echo "${geometry[$geom]}" | sed -n 's/.*-roi \([0-9 ]*[0-9]\).*/\1/p')"
}
