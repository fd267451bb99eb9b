#!/usr/bin/python3
"""Checks what DIALS made of a simulated sweep (pipelines/dials-sweep.sh).

  check_dials_sweep.py FORMAT OUTDIR TRUTH.json
      FORMAT: smv, cbf or nxs; OUTDIR: the script's output directory
      (OUTDIR/dials/{imported,refined,integrated}.{expt,refl} and the HKL
      file named in OUTDIR/nanobragg.args); TRUTH.json: tests/cbf_truth
      run on OUTDIR/nanobragg.args.

Asserts, printing every number it measures:
  - the imported model equals the truth (tests/check_cbf.py's checks):
    exactly for CBF and NXmx; for SMV, where dxtbx's FormatSMVJHSim takes
    the beam centre as (BEAM_CENTER_X + p, SIZE2 p - BEAM_CENTER_Y + p) mm
    along fast and slow (docs/formats.md), the same with the panel origin
    shifted by what that formula predicts;
  - dials.refine's positional RMSD (x and y, pixels, the reflections used
    in refinement) < 0.2 px, and its beam centre within 0.05 px of the
    truth (for SMV: the reader's offset refined away);
  - the refined unit cell, taken back to the simulated setting, within
    0.1 % of the true cell (each length) and 0.1 deg (each angle);
  - the profile-fitted integrated intensities, corrected by DIALS' own
    Lorentz-polarization factor (the `lp` column), correlate >= 0.98
    (Pearson) with F^2 of the HKL file, for the fully recorded
    reflections (partiality >= 0.99) whose true hkl the file holds.
    DIALS' Miller indices are mapped back to the simulated ones with the
    matrix M = A_true^-1 A_refined (A = U B, DIALS' frame, scan angle 0),
    which must be an integer matrix of determinant +-1.
Exit status 1 if any assertion fails (all are measured first).
"""
import json
import math
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_cbf  # noqa: E402  (tests/check_cbf.py: the geometry checks)

CELL_LENGTH_TOL = 1e-3      # relative
CELL_ANGLE_TOL = 0.1        # degrees
RMSD_MAX_PX = 0.2
REFINED_BEAM_MAX_PX = 0.05  # SMV's imported half-pixel offsets refined away
CC_MIN = 0.98
INTEGER_TOL = 0.05          # how far M may be from an integer matrix
FULL_PARTIALITY = 0.99

report = check_cbf.Report()


def true_A(t):
    """The simulated crystal's A = U B (reciprocal axes as columns, 1/A)
    in DIALS' frame at scan angle 0."""
    r = check_cbf.dials_rotation(t)
    return r @ np.column_stack([t["a_star"], t["b_star"], t["c_star"]])


def cell_of(A):
    """a b c alpha beta gamma of the reciprocal axes in A's columns."""
    real = np.linalg.inv(A).T           # columns a, b, c
    a, b, c = real.T
    angle = lambda u, v: math.degrees(math.acos(
        np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))
    return [np.linalg.norm(a), np.linalg.norm(b), np.linalg.norm(c),
            angle(b, c), angle(c, a), angle(a, b)]


def read_hkl(path):
    amplitudes = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 4:
                amplitudes[(int(w[0]), int(w[1]), int(w[2]))] = float(w[3])
    return amplitudes


def hkl_file(outdir):
    """The -hkl file of OUTDIR/nanobragg.args (relative to OUTDIR)."""
    args = shlex.split(open(os.path.join(outdir, "nanobragg.args")).read())
    path = args[args.index("-hkl") + 1]
    return os.path.join(outdir, path)


def expected_shift_px(fmt, t):
    """Where the format's reader puts the beam centre, minus the truth
    (pixels, fast and slow): 0 but for SMV."""
    if fmt != "smv":
        return (0.0, 0.0)
    p = t["pixel_size"] * 1000.0
    height = t["spixels"] * p
    # FormatSMVJHSim: BEAM_CENTER_X/Y (the header's Xbeam, Ybeam, mm) as
    # ADXV's, then + 1 pixel
    fast_mm = t["xbeam"] * 1000.0 + p
    slow_mm = height - t["ybeam"] * 1000.0 + p
    tx, ty = check_cbf.beam_centre_px(t)
    return (fast_mm / p - tx, slow_mm / p - ty)


def check_import(fmt, dials_dir, t):
    e = check_cbf.load_experiment(os.path.join(dials_dir, "imported.expt"))
    cls = e.imageset.get_format_class().__name__
    shift = expected_shift_px(fmt, t)
    want_cls = {"smv": "FormatSMVJHSim", "cbf": "FormatCBFFull",
                "nxs": "FormatNXmx"}[fmt]
    report(cls.startswith(want_cls), "imported: format class %s (%s...)"
           % (cls, want_cls))
    try:
        bx, by = check_cbf.check_experiment(e, t, 0, shift)
    except SystemExit:              # check_cbf printed what differs
        report(False, "imported model = truth%s" % (
            " (SMV beam centre shifted %+.4f %+.4f px)" % shift
            if fmt == "smv" else ""))
        return
    tx, ty = check_cbf.beam_centre_px(t)
    report(True, "imported model = truth (origin, axes, beam, wavelength, "
           "distance, scan): beam centre (%.4f, %.4f) px, truth (%.4f, %.4f), "
           "difference (%+.4f, %+.4f) px" % (bx, by, tx, ty, bx - tx, by - ty))
    panel = e.detector[0]
    print("   imported trusted range %s, pedestal %g, distance %.6f mm, "
          "image size %s" % (tuple(panel.get_trusted_range()),
                             panel.get_pedestal(),
                             panel.get_directed_distance(),
                             tuple(panel.get_image_size())))


def check_refinement(dials_dir, t):
    from dials.array_family import flex
    e = check_cbf.load_experiment(os.path.join(dials_dir, "refined.expt"))
    refl = flex.reflection_table.from_file(os.path.join(dials_dir,
                                                        "refined.refl"))
    used = refl.get_flags(refl.flags.used_in_refinement)
    refl = refl.select(used)
    obs = np.array(refl["xyzobs.px.value"])
    cal = np.array(refl["xyzcal.px"])
    rmsd = np.sqrt(np.mean((obs - cal) ** 2, axis=0))
    report(len(refl) > 0 and rmsd[0] < RMSD_MAX_PX and rmsd[1] < RMSD_MAX_PX,
           "refined: %d reflections, RMSD x %.4f y %.4f px (< %g), z %.4f "
           "images" % (len(refl), rmsd[0], rmsd[1], RMSD_MAX_PX, rmsd[2]))
    bx, by = e.detector[0].get_beam_centre_px(e.beam.get_s0())
    tx, ty = check_cbf.beam_centre_px(t)
    report(max(abs(bx - tx), abs(by - ty)) < REFINED_BEAM_MAX_PX,
           "refined beam centre (%.4f, %.4f) px, truth (%.4f, %.4f): "
           "within %g px; distance %.4f mm, truth %.4f" % (
               bx, by, tx, ty, REFINED_BEAM_MAX_PX,
               e.detector[0].get_directed_distance(),
               t["close_distance"] * 1000.0))
    return e


def reindexing(e, t):
    """The integer M with hkl_true = M hkl_dials, from the refined A."""
    a_dials = np.array(e.crystal.get_A()).reshape(3, 3)
    m = np.linalg.inv(true_A(t)) @ a_dials
    mi = np.rint(m)
    off = np.max(np.abs(m - mi))
    det = np.linalg.det(mi)
    ok = off < INTEGER_TOL and abs(abs(det) - 1) < 1e-9
    report(ok, "reindexing: hkl_true = M hkl_dials, M = %s (det %+.0f), "
           "largest distance from an integer %.4f (< %g)" % (
               mi.astype(int).tolist(), det, off, INTEGER_TOL))
    return mi if ok else None


def check_cell(e, t, m):
    # A_dials hkl_dials = A_dials M^-1 hkl_true: the cell in the true setting
    a_true_setting = np.array(e.crystal.get_A()).reshape(3, 3) @ \
        np.linalg.inv(m)
    got = cell_of(a_true_setting)
    want = t["cell"]
    rel = [abs(g / w - 1) for g, w in zip(got[:3], want[:3])]
    ang = [abs(g - w) for g, w in zip(got[3:], want[3:])]
    report(max(rel) <= CELL_LENGTH_TOL and max(ang) <= CELL_ANGLE_TOL,
           "refined cell %s, truth %s: lengths off by %s %% (<= %g %%), "
           "angles by %s deg (<= %g)" % (
               " ".join("%.4f" % v for v in got),
               " ".join("%g" % v for v in want),
               " ".join("%.4f" % (100 * v) for v in rel),
               100 * CELL_LENGTH_TOL, " ".join("%.4f" % v for v in ang),
               CELL_ANGLE_TOL))


def correlation(name, intensity, f2):
    cc = float(np.corrcoef(intensity, f2)[0, 1]) if len(f2) > 2 else 0.0
    print("   %s: %d reflections, CC with F^2 %.4f" % (name, len(f2), cc))
    return cc


def check_intensities(dials_dir, hkl_path, m):
    from dials.array_family import flex
    refl = flex.reflection_table.from_file(os.path.join(dials_dir,
                                                        "integrated.refl"))
    amplitudes = read_hkl(hkl_path)
    hkl = np.array(refl["miller_index"], dtype=float) @ m.T
    hkl = np.rint(hkl).astype(int)
    known = np.array([tuple(h) in amplitudes for h in hkl])
    full = np.array(refl["partiality"]) >= FULL_PARTIALITY
    f2 = np.array([amplitudes.get(tuple(h), 0.0) ** 2 for h in hkl])
    lp = np.array(refl["lp"])
    result = {}
    for kind in ("prf", "sum"):
        done = np.array(refl.get_flags(getattr(refl.flags,
                                               "integrated_" + kind)))
        sel = done & known & full
        i = np.array(refl["intensity.%s.value" % kind])
        result[kind] = correlation(
            "%s intensities x lp, full, hkl in the file" % kind,
            i[sel] * lp[sel], f2[sel])
        correlation("%s intensities (no lp), same reflections" % kind,
                    i[sel], f2[sel])
    print("   %d integrated reflections, %d full, %d of them with their true "
          "hkl in %s" % (len(refl), full.sum(), (full & known).sum(),
                         os.path.basename(hkl_path)))
    report(result["prf"] >= CC_MIN, "profile-fitted intensities x lp "
           "correlate %.4f with F^2 (>= %g; summation %.4f)" % (
               result["prf"], CC_MIN, result["sum"]))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("smv", "cbf", "nxs"):
        check_cbf.fail(__doc__)
    fmt, outdir, truth_path = sys.argv[1:]
    t = json.load(open(truth_path))
    dials_dir = os.path.join(outdir, "dials")
    check_import(fmt, dials_dir, t)
    e = check_refinement(dials_dir, t)
    m = reindexing(e, t)
    if m is not None:
        check_cell(e, t, m)
        check_intensities(dials_dir, hkl_file(outdir), m)
    else:
        report(False, "cell and intensities not checked: no reindexing")
    report.exit()


if __name__ == "__main__":
    main()
