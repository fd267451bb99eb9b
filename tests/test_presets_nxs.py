#!/usr/bin/python3
"""Detector presets in NXmx files: the gap pixels between modules are the
file's pixel mask, and DIALS masks exactly them on import (issue 15, item
3).

For nanobragg -detector pilatus300k -nxsfile (2 frames), -detector
pilatus2m -nxsfile (1 frame: gaps along fast and slow) and nanobraggsrc
detector=eiger2-1m ! nbnxsink (2 frames), each checked against the gap
layout dxtbx itself knows, computed without our code:
FormatPilatusHelpers.pilatus_300K_mask() / pilatus_2M_mask() (hard-coded
1-based inclusive regions) for PILATUS, determine_eiger_mask() (the
regions it masks in EIGER CBFs, from its table of EIGER2 X modules and
gaps) for EIGER2.  Asserted:
  - h5py: /entry/instrument/detector/pixel_mask is uint32, 1 (NeXus bit 0,
    "gap") on exactly the gap pixels, 0 elsewhere;
  - h5py: every frame of /entry/data/data reads -1 on the gap pixels and
    counts >= 0 elsewhere (some > 0);
  - dials.import takes the file as FormatNXmx; the format's static mask
    (dxtbx.nexus.get_static_mask: pixel_mask != 0) and the imported
    imageset's mask of every frame are False exactly on the gaps.

usage: test_presets_nxs.py NANOBRAGG GOLDEN_INPUTS PLUGIN_DIR|none
Exit status 1 if any check fails.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

cli, inputs, plugin_dir = sys.argv[1:4]
cli = os.path.realpath(cli)
plugin_dir = plugin_dir if plugin_dir == "none" else os.path.realpath(plugin_dir)
hkl = os.path.join(os.path.realpath(inputs), "dense.hkl")
work = tempfile.mkdtemp(prefix="nb-presets-nxs-")
failures = 0
# the bitshuffle/LZ4 filter of the frames (tools/setup.sh installs it)
os.environ.setdefault("HDF5_PLUGIN_PATH",
                      "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")


def check(what, good, detail=""):
    global failures
    print(("ok " if good else "FAIL ") + what + ("" if good else ": " + detail))
    if not good:
        failures += 1


def run(args, **kw):
    r = subprocess.run(args, cwd=work, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print("FAIL %s\n%s%s" % (" ".join(args), r.stdout[-2000:],
                                 r.stderr[-2000:]))
        shutil.rmtree(work)
        sys.exit(1)
    return r.stdout


def regions_to_gaps(regions, width, height):
    """dxtbx's mask regions [f0, f1, s0, s1] (1-based, inclusive) as a
    boolean (slow, fast) array, True in a gap."""
    gaps = np.zeros((height, width), dtype=bool)
    for f0, f1, s0, s1 in regions:
        gaps[s0 - 1:s1, f0 - 1:f1] = True
    return gaps


def import_nxs(what, path):
    """dials.import of PATH: its imageset, or None."""
    expt = path + ".expt"
    r = subprocess.run(["dials.import", path, "output.experiments=" + expt,
                        "output.log=" + expt + ".log"], cwd=work,
                       capture_output=True, text=True)
    check("%s: dials.import" % what, r.returncode == 0,
          (r.stdout + r.stderr)[-2000:])
    if r.returncode != 0:
        return None
    from dxtbx.model.experiment_list import ExperimentListFactory
    experiments = ExperimentListFactory.from_json_file(expt, check_format=True)
    return experiments.imagesets()[0]


def check_file(what, path, n_frames, reference_gaps):
    """PATH's mask and counts are the gap layout REFERENCE_GAPS(detector):
    a function of the imported dxtbx detector, so that dxtbx's own tables
    may need it."""
    import h5py
    with h5py.File(path, "r") as f:
        mask = f["/entry/instrument/detector/pixel_mask"][()]
        frames = f["/entry/data/data"][()]
    imageset = import_nxs(what, path)
    if imageset is None:
        return
    fmt = imageset.get_format_class()
    check("%s: imported as %s" % (what, fmt.__name__),
          fmt.__name__ == "FormatNXmx")
    detector = imageset.get_detector()
    width, height = detector[0].get_image_size()
    gaps = reference_gaps(detector, width, height)
    print("   %s: %d x %d pixels, %d frames, %d gap pixels by dxtbx's table"
          % (what, width, height, frames.shape[0], gaps.sum()))
    check("%s: %d frames of %d x %d" % (what, n_frames, width, height),
          frames.shape == (n_frames, height, width), str(frames.shape))
    check("%s: pixel_mask is uint32 %d x %d" % (what, width, height),
          mask.dtype == np.dtype("<u4") and mask.shape == gaps.shape,
          "%s %s" % (mask.dtype, mask.shape))
    if mask.shape != gaps.shape or frames.shape[1:] != gaps.shape:
        return
    wrong = np.argwhere(mask != gaps.astype(np.uint32))
    check("%s: pixel_mask = 1 on the %d gap pixels, 0 elsewhere"
          % (what, gaps.sum()), len(wrong) == 0,
          "%d pixels differ, first (slow, fast) %s: %d; %d set" % (
              len(wrong), tuple(wrong[0]) if len(wrong) else (),
              mask[tuple(wrong[0])] if len(wrong) else 0,
              int((mask != 0).sum())))
    for i, frame in enumerate(frames):
        check("%s: frame %d reads -1 on the gaps, counts >= 0 elsewhere "
              "(max %d)" % (what, i, frame.max()),
              np.all(frame[gaps] == -1) and np.all(frame[~gaps] >= 0)
              and frame.max() > 0,
              "%d gap pixels not -1, %d others negative" % (
                  (frame[gaps] != -1).sum(), (frame[~gaps] < 0).sum()))
    static = fmt(imageset.paths()[0]).get_static_mask()
    check("%s: the format's static mask is False exactly on the gaps"
          % what, static is not None and len(static) == 1
          and np.array_equal(~static[0].as_numpy_array(), gaps),
          "none" if static is None else "%d panels, %d masked" % (
              len(static), (~static[0].as_numpy_array()).sum()))
    for i in range(len(imageset)):
        valid = imageset.get_mask(i)[0].as_numpy_array()
        check("%s: the imported imageset masks exactly the gaps of frame %d"
              % (what, i), np.array_equal(~valid, gaps),
              "%d masked, %d gaps" % ((~valid).sum(), gaps.sum()))


def pilatus_regions(regions):
    return lambda detector, w, h: regions_to_gaps(regions, w, h)


def eiger_regions(detector, w, h):
    # the regions dxtbx masks in EIGER CBFs (FormatCBFMiniEiger), from its
    # table of module sizes and gaps for the detector's width
    from dxtbx.format.FormatPilatusHelpers import determine_eiger_mask
    return regions_to_gaps(determine_eiger_mask(detector), w, h)


def main():
    from dxtbx.format import FormatPilatusHelpers as helpers
    crystal = ["-hkl", hkl, "-cell", "50", "60", "70", "90", "90", "90",
               "-N", "3", "-misset", "10", "20", "30", "-distance", "200",
               "-lambda", "1", "-phi", "0", "-osc", "0.5", "-phisteps", "1",
               "-oversample", "1", "-nopgm"]

    # the CLI, the smallest PILATUS (1 x 3 modules: gaps along slow)
    path = os.path.join(work, "p300k.nxs")
    run([cli] + crystal + ["-detector", "pilatus300k", "-frames", "0:2",
                           "-nxsfile", path])
    check_file("CLI -detector pilatus300k", path, 2,
               pilatus_regions(helpers.pilatus_300K_mask()))
    # 3 x 8 modules: gaps along fast too
    path = os.path.join(work, "p2m.nxs")
    run([cli] + crystal + ["-detector", "pilatus2m", "-nxsfile", path])
    check_file("CLI -detector pilatus2m", path, 1,
               pilatus_regions(helpers.pilatus_2M_mask()))

    if plugin_dir != "none":
        path = os.path.join(work, "e1m.nxs")
        env = dict(os.environ, GST_PLUGIN_PATH_1_0=plugin_dir)
        run(["timeout", "120", "gst-launch-1.0", "-q", "nanobraggsrc",
             "nanobragg-args=" + " ".join(crystal), "detector=eiger2-1m",
             "num-frames=2", "noise=true", "seed=5", "!",
             "video/x-diffraction,format=S32LE", "!", "nbnxsink",
             "location=" + path], env=env)
        check_file("nanobraggsrc detector=eiger2-1m ! nbnxsink", path, 2,
                   eiger_regions)

    shutil.rmtree(work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
