#!/usr/bin/python3
"""Checks pipelines/appsink-numpy.py against the same pipeline's raw
frames (filesink) and the simulated truth (tests/cbf_truth).

  check_appsink.py EXAMPLE_PY TRUTH.json SCENE SIZE OSC FRAMES
                   COUNTS.raw PHOTONS.raw COUNTS.npz PHOTONS.npz

COUNTS.npz and PHOTONS.npz are what `appsink-numpy.py --save` wrote (the
command line, counts and --photons); the library function `frames` is
also run here, zero copy and with copy=True.  Asserts, printing what it
measured: the arrays equal the raw frames bit for bit ([height, width],
int32 counts, float32 photons); the meta dicts hold the frame index, phi
= phi + i osc (1e-9 deg), osc, the wavelength (1e-12 A), the beam centre
(the header's Xbeam/Ybeam, 1e-9 mm), the detector vectors (1e-12) and
the readout of the counts; zero-copy arrays are read-only views that keep
their buffers (equal to the raw frames after the pipeline is gone);
copy=True arrays own their memory.
"""
import importlib.util
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_cbf  # noqa: E402  (tests/check_cbf.py: Report)

report = check_cbf.Report()


def load_example(path):
    spec = importlib.util.spec_from_file_location("appsink_numpy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_frames(path, dtype, size, n):
    data = np.fromfile(path, dtype=dtype)
    if data.size != n * size * size:
        report(False, "%s: %d samples, %d frames of %d^2 expected" % (
            path, data.size, n, size))
        return None
    return data.reshape(n, size, size)


def check_arrays(what, images, want):
    images = list(images)
    same = (want is not None and len(images) == len(want) and all(
        a.shape == w.shape and a.dtype == w.dtype and np.array_equal(a, w)
        for a, w in zip(images, want)))
    report(same, "%s: %d arrays %s %s = the filesink's frames" % (
        what, len(images), images[0].shape if images else None,
        images[0].dtype if images else None))


def check_meta(what, metas, t, osc, counts):
    worst = {"phi": 0.0, "wavelength": 0.0, "beam": 0.0, "vectors": 0.0}
    ok = True
    for i, m in enumerate(metas):
        ok &= m["frame"] == i and abs(m["osc"] - osc) < 1e-12
        worst["phi"] = max(worst["phi"], abs(m["phi-start"]
                                             - (t["phi"] + i * osc)))
        worst["wavelength"] = max(worst["wavelength"], abs(
            m["wavelength"] - t["wavelength"] * 1e10))
        worst["beam"] = max(worst["beam"],
                            abs(m["beam-center-x"] - t["xbeam"] * 1000),
                            abs(m["beam-center-y"] - t["ybeam"] * 1000))
        for key, name in (("pix0", "pix0"), ("fdet", "fast-axis"),
                          ("sdet", "slow-axis"), ("beam", "beam-vector"),
                          ("spindle", "spindle-axis")):
            got = [m["%s-%s" % (name, c)] for c in "xyz"]
            worst["vectors"] = max(worst["vectors"], float(np.max(np.abs(
                np.subtract(got, t[key])))))
        ok &= (m["width"], m["height"]) == (t["fpixels"], t["spixels"])
        if counts:
            ok &= m["counts-format"] == "S32LE" and m["poisson"] is True
        else:
            ok &= "counts-format" not in m
    ok &= (worst["phi"] < 1e-9 and worst["wavelength"] < 1e-12
           and worst["beam"] < 1e-9 and worst["vectors"] < 1e-12)
    report(ok and len(metas) > 0, "%s: %d meta dicts (%d fields): frame "
           "index, osc, width/height%s; largest differences: phi %.2g deg, "
           "wavelength %.2g A, beam centre %.2g mm, vectors %.2g" % (
               what, len(metas), len(metas[0]) if metas else 0,
               ", readout" if counts else "", worst["phi"],
               worst["wavelength"], worst["beam"], worst["vectors"]))


def main():
    (example_py, truth_path, scene, size, osc, n, counts_raw, photons_raw,
     counts_npz, photons_npz) = sys.argv[1:]
    size, osc, n = int(size), float(osc), int(n)
    t = json.load(open(truth_path))
    counts = raw_frames(counts_raw, "<i4", size, n)
    photons = raw_frames(photons_raw, "<f4", size, n)

    for what, path, want, is_counts in (
            ("command line, counts", counts_npz, counts, True),
            ("command line, --photons", photons_npz, photons, False)):
        z = np.load(path)
        check_arrays(what, z["frames"], want)
        check_meta(what, json.loads(str(z["meta_json"])), t, osc, is_counts)

    ex = load_example(example_py)
    ex.use_build_tree()
    args = type("Args", (), dict(nanobragg=scene, size=size, osc=osc,
                                 frames=n, photons=False))
    pulled = list(ex.frames(ex.description(args)))   # the pipeline is gone
    images = [a for a, _ in pulled]
    views = all(not a.flags.owndata and not a.flags.writeable
                and isinstance(a.base, ex._MappedBuffer) for a in images)
    report(views, "zero copy: read-only views whose base holds the mapped "
           "buffer")
    check_arrays("zero copy, kept after the pipeline stopped", images, counts)
    check_meta("zero copy", [m for _, m in pulled], t, osc, True)
    del pulled, images
    copied = [a for a, _ in ex.frames(ex.description(args), copy=True)]
    report(all(a.flags.owndata for a in copied), "copy=True: arrays own "
           "their memory")
    check_arrays("copy=True", copied, counts)

    report.exit()


if __name__ == "__main__":
    main()
