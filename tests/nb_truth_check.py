"""What the files of nanobragg (CBF, NXmx) must say about the simulated
truth (tests/cbf_truth.c's JSON), shared by tests/check_cbf.py and
tests/check_nxs.py: the DIALS model of a file against the truth in DIALS'
frame (docs/formats.md), tolerances of issue 11 (beam centre 0.01 px,
distance 1e-3 mm, axes 1e-6)."""
import json
import sys

import numpy as np


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def close(what, got, want, tol):
    if not abs(got - want) <= tol:
        fail("%s: %.10g, truth %.10g (tolerance %g)" % (what, got, want, tol))


def beam_centre_px(t):
    """Where the beam meets the detector plane, pixels along fast and slow
    from the outer corner of pixel 0 (the engine's own Fbeam/Sbeam are
    nanoBragg's header values, which for a two-theta detector are not
    that point)."""
    p0, f, s = (np.asarray(t[k], dtype=float) for k in ("pix0", "fdet",
                                                         "sdet"))
    b = unit(t["beam"])
    n = np.cross(f, s)
    hit = (p0 @ n) / (b @ n) * b - p0
    return hit @ f / t["pixel_size"], hit @ s / t["pixel_size"]


def unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def dials_rotation(t):
    """nanoBragg's lab frame -> DIALS': z against the beam, x the rotation
    axis across the beam (docs/formats.md)."""
    b = unit(t["beam"])
    z = -b
    x = None
    for cand in (t["spindle"], t["fdet"], [0, 0, 1], [0, 1, 0], [1, 0, 0]):
        c = np.asarray(cand, dtype=float)
        c = c - np.dot(c, b) * b
        if np.linalg.norm(c) > 1e-12:
            x = unit(c)
            break
    y = np.cross(z, x)
    return np.array([x, y, z])


def check_vec(what, got, want, tol):
    d = np.max(np.abs(np.asarray(got) - np.asarray(want)))
    if not d <= tol:
        fail("%s: %s, truth %s (max difference %.3g > %g)" % (
            what, tuple(got), tuple(want), d, tol))


def load_experiment(expt_path):
    """The one experiment of EXPT (with its image files)."""
    from dxtbx.model.experiment_list import ExperimentListFactory
    el = ExperimentListFactory.from_json_file(expt_path, check_format=True)
    if len(el) != 1:
        fail("%d experiments, expected 1" % len(el))
    return el[0]


def check_experiment(e, t, index, shift_px=(0.0, 0.0)):
    """DIALS' experiment E equals the truth T of frame INDEX: E's panel
    origin may sit SHIFT_PX pixels (fast, slow) before the true one, so
    that its beam centre reads SHIFT_PX more (a reader's own beam centre
    convention, SMV's; 0 for files with the exact geometry).  Returns the
    beam centre (fast, slow) in pixels."""
    panel = e.detector[0]
    r = dials_rotation(t)
    p_mm = t["pixel_size"] * 1000.0
    pix0 = (np.asarray(t["pix0"]) * 1000.0
            - p_mm * (shift_px[0] * unit(t["fdet"])
                      + shift_px[1] * unit(t["sdet"])))
    origin = r @ pix0
    fast, slow = r @ unit(t["fdet"]), r @ unit(t["sdet"])
    axis = r @ unit(t["spindle"])
    to_source = -(r @ unit(t["beam"]))
    check_vec("origin (mm)", panel.get_origin(), origin, 1e-6)
    check_vec("fast axis", panel.get_fast_axis(), fast, 1e-6)
    check_vec("slow axis", panel.get_slow_axis(), slow, 1e-6)
    check_vec("rotation axis", e.goniometer.get_rotation_axis(), axis, 1e-6)
    check_vec("beam direction", e.beam.get_sample_to_source_direction(),
              to_source, 1e-6)
    # the same geometry without our frame convention: angles between the
    # vectors and the beam centre, as nanoBragg has them
    nb = {"fast": unit(t["fdet"]), "slow": unit(t["sdet"]),
          "axis": unit(t["spindle"]), "source": -unit(t["beam"]),
          "origin": pix0}
    di = {"fast": panel.get_fast_axis(), "slow": panel.get_slow_axis(),
          "axis": e.goniometer.get_rotation_axis(),
          "source": e.beam.get_sample_to_source_direction(),
          "origin": panel.get_origin()}
    keys = sorted(nb)
    for i, a in enumerate(keys):
        for b in keys[i:]:
            close("%s . %s" % (a, b), float(np.dot(di[a], di[b])),
                  float(np.dot(nb[a], nb[b])), 1e-6)
    close("wavelength (A)", e.beam.get_wavelength(), t["wavelength"] * 1e10,
          1e-9)
    check_vec("pixel size (mm)", panel.get_pixel_size(), (p_mm, p_mm), 1e-9)
    if tuple(panel.get_image_size()) != (t["fpixels"], t["spixels"]):
        fail("image size %s, truth %s" % (panel.get_image_size(),
                                          (t["fpixels"], t["spixels"])))
    bx, by = panel.get_beam_centre_px(e.beam.get_s0())
    tx, ty = beam_centre_px(t)
    close("beam centre fast (px)", bx, tx + shift_px[0], 0.01)
    close("beam centre slow (px)", by, ty + shift_px[1], 0.01)
    close("distance (mm)", panel.get_directed_distance(),
          t["close_distance"] * 1000.0, 1e-3)
    start, width = e.scan.get_oscillation()
    close("oscillation start (deg)", start, t["phi"] + index * t["osc"], 1e-6)
    close("oscillation width (deg)", width, t["osc"], 1e-6)
    return bx, by


def check_dials_model(expt_path, truth_path, index, format_ok, why):
    """The model dials.import made of one CBF or NXmx file (EXPT) equals
    the truth, its scan starting at frame INDEX; dxtbx must have chosen a
    format class whose name format_ok(name) accepts (WHY says what another
    one loses)."""
    t = json.load(open(truth_path))
    e = load_experiment(expt_path)
    fmt = e.imageset.get_format_class().__name__
    panel = e.detector[0]
    bx, by = check_experiment(e, t, index)
    print("ok dials %s: format %s, origin %s, beam centre (%.4f, %.4f) px, "
          "distance %.6f mm" % (expt_path, fmt, tuple(round(c, 6) for c in
                                panel.get_origin()), bx, by,
                                panel.get_directed_distance()))
    if not format_ok(fmt):
        fail("dxtbx read the file as %s: %s" % (fmt, why))
