#!/usr/bin/python3
"""Compares NeXus/NXmx series written by nanobragg -nxsfile: a shard
(-frames) or an MPI run's master (a virtual dataset over rank files)
against a single process's file of the whole run, read with h5py
(HDF5_PLUGIN_PATH names the bitshuffle plugin's directory) and dxtbx.

  check_nxs_series.py frames A.nxs A_FIRST B.nxs B_FIRST COUNT
      frames A_FIRST.. of A's /entry/data/data equal frames B_FIRST.. of
      B's exactly, and so do their goniometer angles (phi, phi_end) and
      the pixel masks; B holds exactly COUNT frames.
  check_nxs_series.py same A.nxs B.nxs
      every dataset and attribute of B equals A's, /entry/data/data too
      (B may hold it as a virtual dataset; A is a single file).
  check_nxs_series.py ranks MASTER.nxs R
      the master's /entry/data/data is virtual, over R files NAME_rank%05d.h5
      beside it (relative names), and rank file r holds the master's frames
      r, r + R, ... in order.
  check_nxs_series.py dials A.expt B.expt A.nxs B.nxs
      dials.import's experiments of the two files have the same number of
      images, scan and models (detector, beam, goniometer), and dxtbx reads
      the same pixels of every frame from both.
Exit status 1 with a message naming what differs.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb_truth_check import fail, load_experiment  # noqa: E402

DATA = "/entry/data/data"
AXIS = "/entry/sample/transformations/phi"
MASK = "/entry/instrument/detector/pixel_mask"


def read(path):
    import h5py
    with h5py.File(path, "r") as f:
        try:
            return (f[DATA][()], f[AXIS][()], f[AXIS + "_end"][()],
                    f[MASK][()])
        except (OSError, KeyError) as e:
            fail("h5py cannot read %s: %s (HDF5_PLUGIN_PATH=%s)" % (
                path, e, os.environ.get("HDF5_PLUGIN_PATH")))


def first_difference(a, b):
    at = tuple(int(i) for i in np.argwhere(a != b)[0])
    return "%d pixels differ, the first at %s: %d vs %d" % (
        int(np.count_nonzero(a != b)), at, a[at], b[at])


def check_frames(args):
    pa, fa, pb, fb, n = args[0], int(args[1]), args[2], int(args[3]), \
        int(args[4])
    da, sa, ea, ma = read(pa)
    db, sb, eb, mb = read(pb)
    if db.shape[0] != n or da.shape[0] < fa + n or fb + n > db.shape[0]:
        fail("%s holds %d frames, %s %d: not %d from %d and %d" % (
            pa, da.shape[0], pb, db.shape[0], n, fa, fb))
    for i in range(n):
        a, b = da[fa + i], db[fb + i]
        if not np.array_equal(a, b):
            fail("frame %d of %s != frame %d of %s: %s" % (
                fa + i, pa, fb + i, pb, first_difference(a, b)))
        if sa[fa + i] != sb[fb + i] or ea[fa + i] != eb[fb + i]:
            fail("angles of frame %d: %r..%r in %s, %r..%r in %s" % (
                fa + i, sa[fa + i], ea[fa + i], pa, sb[fb + i], eb[fb + i],
                pb))
    # the mask is the first frame's masked pixels: geometry (the -roi), so
    # the same whichever frame a file starts at
    if not np.array_equal(ma, mb):
        fail("pixel masks differ (%d vs %d masked)" % (
            int(ma.astype(bool).sum()), int(mb.astype(bool).sum())))
    part = da[fa:fa + n].astype(np.int64)
    print("ok frames: %d frames of %s (from %d) = %s (from %d), exactly: "
          "%d pixels, total %d counts, max %d, phi %g..%g deg, %d masked"
          % (n, pa, fa, pb, fb, part.size, part.sum(), part.max(),
             sb[fb], eb[fb + n - 1], int(mb.astype(bool).sum())))


def items(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {k: v for k, v in obj.attrs.items()}
            value = obj[()] if isinstance(obj, h5py.Dataset) else None
            out[name] = (value, attrs)
        f.visititems(visit)
    return out


def check_same(args):
    pa, pb = args
    a, b = items(pa), items(pb)
    if set(a) != set(b):
        fail("objects only in %s: %s; only in %s: %s" % (
            pa, sorted(set(a) - set(b)), pb, sorted(set(b) - set(a))))
    for name in sorted(a):
        (va, aa), (vb, ab) = a[name], b[name]
        if (va is None) != (vb is None) or (
                va is not None and not np.array_equal(va, vb)):
            fail("%s differs between %s and %s" % (name, pa, pb))
        if set(aa) != set(ab) or any(not np.array_equal(aa[k], ab[k])
                                     for k in aa):
            fail("attributes of %s differ: %r vs %r" % (name, aa, ab))
    d = a["entry/data/data"][0]
    print("ok same: %s = %s: %d objects and their attributes, %d frames "
          "(total %d counts)" % (pb, pa, len(a), d.shape[0],
                                 int(d.astype(np.int64).sum())))


def check_ranks(args):
    import h5py
    master, n_ranks = args[0], int(args[1])
    stem = os.path.splitext(os.path.basename(master))[0]
    want = ["%s_rank%05d.h5" % (stem, r) for r in range(n_ranks)]
    with h5py.File(master, "r") as f:
        d = f[DATA]
        if not d.is_virtual:
            fail("%s of %s is not a virtual dataset" % (DATA, master))
        sources = sorted({s.file_name for s in d.virtual_sources()})
        frames = d[()]
    if sources != want:
        fail("the master's sources are %s, not %s" % (sources, want))
    held = []
    for r, name in enumerate(want):
        path = os.path.join(os.path.dirname(master), name)
        with h5py.File(path, "r") as f:
            own = f[DATA][()]
            if set(f["/entry"].keys()) != {"data"}:
                fail("%s holds %s, not only frames" % (
                    name, sorted(f["/entry"].keys())))
        if not np.array_equal(own, frames[r::n_ranks]):
            fail("%s's %d frames != the master's frames %d::%d" % (
                name, own.shape[0], r, n_ranks))
        held.append(own.shape[0])
    print("ok ranks: %s is virtual over %s holding %s frames (frames r, "
          "r + %d, ... of the series)" % (master, ", ".join(want), held,
                                           n_ranks))


def check_dials(args):
    ea, eb, pa, pb = args
    xa, xb = load_experiment(ea), load_experiment(eb)
    na, nb = len(xa.imageset), len(xb.imageset)
    if na != nb:
        fail("dials.import: %d images from %s, %d from %s" % (na, pa, nb, pb))
    if xa.scan.get_image_range() != xb.scan.get_image_range() or \
            xa.scan.get_oscillation() != xb.scan.get_oscillation():
        fail("scans differ: %s %s vs %s %s" % (
            xa.scan.get_image_range(), xa.scan.get_oscillation(),
            xb.scan.get_image_range(), xb.scan.get_oscillation()))
    for what in ("detector", "beam", "goniometer"):
        if not getattr(xa, what) == getattr(xb, what):
            fail("dials.import: the %s models differ" % what)
    total = 0
    for i in range(na):
        ra, rb = xa.imageset.get_raw_data(i), xb.imageset.get_raw_data(i)
        a, b = ra[0].as_numpy_array(), rb[0].as_numpy_array()
        if not np.array_equal(a, b):
            fail("dxtbx: frame %d: %s" % (i, first_difference(a, b)))
        total += int(a.astype(np.int64).sum())
    print("ok dials: %d images each, scan %s osc %s, the same detector, "
          "beam and goniometer, dxtbx's pixels equal (total %d counts)"
          % (na, xb.scan.get_image_range(), xb.scan.get_oscillation(),
             total))


def main():
    cmds = {"frames": check_frames, "same": check_same, "ranks": check_ranks,
            "dials": check_dials}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail("usage: check_nxs_series.py frames|same|ranks|dials ARGS")
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
