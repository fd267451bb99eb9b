#!/usr/bin/python3
"""Checks NeXus/NXmx files written by nanobragg -nxsfile, nbnxsink and
tests/nxs_write (formats/nb_nxs.c), read back with h5py (HDF5_PLUGIN_PATH
names the bitshuffle plugin's directory, or not, as the caller wants).

  check_nxs.py pixels FILE.nxs RAW DTYPE W H
      every frame of /entry/data/data (int32) equals the frames of RAW
      (W x H DTYPE: int32, uint16), as many as RAW holds; and dxtbx's
      pixels of the first frame too.
  check_nxs.py mask FILE.nxs MASKED
      /entry/instrument/detector/pixel_mask is 1 exactly where the first
      frame reads MASKED, 0 elsewhere.
  check_nxs.py angles FILE.nxs TRUTH.json AXIS
      the goniometer axis AXIS holds phi + i osc at the start of frame i,
      + osc at its end (one value a frame), in degrees.
  check_nxs.py compression FILE.nxs bslz4|none
      the frames' filter pipeline: bitshuffle (32008) with LZ4 on 4-byte
      elements, or no filter.
  check_nxs.py dials EXPT TRUTH.json
      the model dials.import made equals the truth (tests/nb_truth_check.py)
      and dxtbx chose the generic FormatNXmx (the geometry from the file).
Exit status 1 with a message naming what differs.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb_truth_check import check_dials_model, close, fail  # noqa: E402

DATA = "/entry/data/data"


def frames_of(path):
    import h5py
    with h5py.File(path, "r") as f:
        d = f[DATA]
        if d.dtype != np.dtype("<i4"):
            fail("%s is %s, not int32" % (DATA, d.dtype))
        try:
            return d[()]
        except OSError as e:
            fail("h5py cannot read %s of %s: %s (HDF5_PLUGIN_PATH=%s)" % (
                DATA, path, e, os.environ.get("HDF5_PLUGIN_PATH")))


def check_pixels(args):
    path, raw, dtype, w, h = args
    w, h = int(w), int(h)
    got = frames_of(path).astype(np.int64)
    want = np.fromfile(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    if want.size % (w * h) != 0:
        fail("%s: %d pixels, not whole %dx%d frames" % (raw, want.size, w, h))
    want = want.reshape(-1, h, w).astype(np.int64)
    if got.shape != want.shape:
        fail("%s holds %s, pushed %s" % (DATA, got.shape, want.shape))
    if not np.array_equal(got, want):
        bad = tuple(np.argwhere(got != want)[0])
        fail("frame %d pixel %s = %d, pushed %d" % (bad[0], bad[1:], got[bad],
                                                   want[bad]))
    import dxtbx
    img = dxtbx.load(path).get_raw_data(0)
    img = (img[0] if isinstance(img, tuple) else img).as_numpy_array()
    if not np.array_equal(img.astype(np.int64), want[0]):
        fail("dxtbx's pixels of frame 0 differ from the pushed counts")
    print("ok pixels %s: %d frames %dx%d, min %d max %d (h5py, dxtbx)" % (
        path, want.shape[0], w, h, want.min(), want.max()))


def check_mask(args):
    import h5py
    path, masked = args
    with h5py.File(path, "r") as f:
        mask = f["/entry/instrument/detector/pixel_mask"][()]
        first = f[DATA][0]
    want = (first == int(masked)).astype(mask.dtype)
    if mask.dtype != np.dtype("<u4"):
        fail("pixel_mask is %s, not uint32" % mask.dtype)
    if not np.array_equal(mask, want):
        fail("pixel_mask differs from the first frame's %s pixels (%d set, "
             "%d expected)" % (masked, int(mask.astype(bool).sum()),
                               int(want.sum())))
    print("ok mask %s: %d masked pixels" % (path, int(want.sum())))


def check_angles(args):
    import h5py
    path, truth_path, axis = args
    t = json.load(open(truth_path))
    base = "/entry/sample/transformations/" + axis
    with h5py.File(path, "r") as f:
        start, end = f[base][()], f[base + "_end"][()]
        n = f[DATA].shape[0]
        units = f[base].attrs["units"]
        depends = f["/entry/sample/depends_on"][()]
    if len(start) != n or len(end) != n:
        fail("%d angles for %d frames" % (len(start), n))
    for i in range(n):
        close("%s of frame %d (deg)" % (axis, i), start[i],
              t["phi"] + i * t["osc"], 1e-9)
        close("%s_end of frame %d (deg)" % (axis, i), end[i],
              t["phi"] + (i + 1) * t["osc"], 1e-9)
    if units not in ("deg", b"deg") or depends not in (base, base.encode()):
        fail("axis units %r, sample depends_on %r" % (units, depends))
    print("ok angles %s: %d frames of %s" % (path, n, axis))


def check_compression(args):
    import h5py
    path, want = args
    with h5py.File(path, "r") as f:
        plist = f[DATA].id.get_create_plist()
        filters = [plist.get_filter(i) for i in range(plist.get_nfilters())]
        chunks = f[DATA].chunks
        shape = f[DATA].shape
    if chunks != (1,) + shape[1:]:
        fail("chunks %s, not one frame %s" % (chunks, (1,) + shape[1:]))
    if want == "none":
        if filters:
            fail("filters %s on an uncompressed file" % (filters,))
    else:
        if len(filters) != 1 or filters[0][0] != 32008:
            fail("filters %s, not bitshuffle (32008)" % (filters,))
        cd = tuple(filters[0][2])
        if len(cd) < 5 or cd[2:5] != (4, 0, 2):
            fail("bitshuffle parameters %s: not 4-byte elements, default "
                 "blocks, LZ4" % (cd,))
    print("ok compression %s: %s" % (path, want))


def check_dials(args):
    expt_path, truth_path = args
    check_dials_model(expt_path, truth_path, 0,
                      lambda fmt: fmt == "FormatNXmx",
                      "not the generic FormatNXmx, which takes the geometry "
                      "from the file's transformations")


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"pixels": check_pixels, "mask": check_mask, "angles": check_angles,
     "compression": check_compression, "dials": check_dials}[cmd](args)


if __name__ == "__main__":
    main()
