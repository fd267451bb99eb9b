#!/usr/bin/python3
"""Weighted sources and detector presets through the command line and the
element: the defaults (CLI: nanoBragg's unweighted sum; element:
weighted), gap pixels -1 in the 32-bit counts of the CLI's -cbffile and of
nanobraggsrc ! nbcbfenc, and DIALS masking exactly the gap pixels on
import.

usage: test_presets_tools.py NANOBRAGG GOLDEN_INPUTS PLUGIN_DIR|none
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

cli, inputs, plugin_dir = sys.argv[1:4]
cli = os.path.realpath(cli)
hkl = os.path.join(os.path.realpath(inputs), "dense.hkl")
work = tempfile.mkdtemp(prefix="nb-presets-")
failures = 0


def check(what, good, detail=""):
    global failures
    print(("ok " if good else "FAIL ") + what + ("" if good else ": " + detail))
    if not good:
        failures += 1


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args):
    r = subprocess.run(args, cwd=work, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("FAIL %s\n%s%s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


# Two sources along the beam (+x in MOSFLM's frame): weights 1 and 0, 1 and
# 1, and source A alone.
sources = {
    "ab10": "-10 0 0 1 1e-10\n-10 0 0 0 1.3e-10\n",
    "ab11": "-10 0 0 1 1e-10\n-10 0 0 1 1.3e-10\n",
    "a": "-10 0 0 1 1e-10\n",
}
files = {k: write(k + ".txt", v) for k, v in sources.items()}
crystal = ["-hkl", hkl, "-cell", "50", "60", "70", "90", "90", "90", "-N",
           "4", "-misset", "10", "20", "30", "-distance", "80", "-phi", "0",
           "-osc", "0.2", "-oversample", "1", "-nopgm", "-nonoise"]


def cli_image(name, *extra):
    out = os.path.join(work, "cli_%s%s.bin" % (name, "_".join(extra)))
    run([cli] + crystal + ["-detpixels", "64", "-pixel", "0.3",
                           "-sourcefile", files[name], "-floatfile", out,
                           "-intfile", os.path.join(work, "i.img")]
        + list(extra))
    return np.fromfile(out, dtype=np.float32)


# the CLI keeps nanoBragg's sum: weights ignored unless -source_weights on
a = cli_image("a")
check("CLI: an image with photons", a.max() > 0)
check("CLI default: weights ignored (1:0 == 1:1)",
      np.array_equal(cli_image("ab10"), cli_image("ab11")))
check("CLI default: 1:0 differs from source A alone",
      not np.array_equal(cli_image("ab10"), a))
check("CLI -source_weights on: 1:0 == source A alone",
      np.array_equal(cli_image("ab10", "-source_weights", "on"), a))

have_gst = plugin_dir != "none"
if have_gst:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)

    element_crystal = ('hkl-file=%s cell="50 60 70 90 90 90" n-cells=4 '
                       'misset="10 20 30" distance=80 oversample=1' % hkl)

    def element_frames(props, caps, sink="appsink name=sink sync=false"):
        p = Gst.parse_launch("nanobraggsrc %s %s num-frames=1 ! %s ! %s"
                             % (element_crystal, props, caps, sink))
        frames = []
        appsink = p.get_by_name("sink")
        p.set_state(Gst.State.PLAYING)
        bus = p.get_bus()
        while appsink is not None:
            sample = appsink.emit("pull-sample")
            if sample is None:
                break
            buf = sample.get_buffer()
            frames.append(buf.extract_dup(0, buf.get_size()))
        msg = bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS
                                     | Gst.MessageType.ERROR)
        p.set_state(Gst.State.NULL)
        if msg is None or msg.type == Gst.MessageType.ERROR:
            raise SystemExit("FAIL pipeline: %s" % (msg.parse_error()[0].message
                                                   if msg else "timeout"))
        return frames

    def element_image(name, *props):
        caps = "video/x-diffraction,format=F32LE"
        frame = element_frames("width=64 height=64 pixel-size=0.3 "
                               "source-file=%s %s" % (files[name],
                                                      " ".join(props)),
                               caps)[0]
        return np.frombuffer(frame, dtype=np.float32)

    ea = element_image("a")
    check("element: an image with photons", ea.max() > 0)
    check("element default: weighted (1:0 == source A alone)",
          np.array_equal(element_image("ab10"), ea))
    check("element source-weights=off: nanoBragg's sum (1:0 == 1:1)",
          np.array_equal(element_image("ab10", "source-weights=off"),
                         element_image("ab11")))


def gap_mask(width, height, module_f, module_s, gap_f, gap_s):
    """The published layout: modules from pixel 0, gaps between them."""
    f = np.arange(width) % (module_f + gap_f) >= module_f
    s = np.arange(height) % (module_s + gap_s) >= module_s
    return s[:, None] | f[None, :]


def check_cbf(what, cbf, want_gaps):
    import fabio
    counts = fabio.open(cbf).data
    check("%s: %dx%d pixels" % (what, *counts.shape[::-1]),
          counts.shape == want_gaps.shape, str(counts.shape))
    if counts.shape != want_gaps.shape:
        return
    check("%s: gap pixels read -1" % what, np.all(counts[want_gaps] == -1))
    check("%s: other pixels are counts >= 0" % what,
          np.all(counts[~want_gaps] >= 0) and counts.max() > 0)
    expt = os.path.join(work, os.path.basename(cbf) + ".expt")
    r = subprocess.run(["dials.import", cbf, "output.experiments=" + expt,
                        "output.log=" + expt + ".log"], cwd=work,
                       capture_output=True, text=True)
    check("%s: dials.import" % what, r.returncode == 0, r.stdout + r.stderr)
    if r.returncode != 0:
        return
    from dxtbx.model.experiment_list import ExperimentListFactory
    imageset = ExperimentListFactory.from_json_file(expt).imagesets()[0]
    valid = imageset.get_mask(0)[0].as_numpy_array()
    check("%s: DIALS masks exactly the gap pixels" % what,
          np.array_equal(~valid, want_gaps),
          "%d masked, %d gaps" % ((~valid).sum(), want_gaps.sum()))


# The whole PILATUS 6M from the CLI: 2463 x 2527, 5 x 12 modules of
# 487 x 195, gaps of 7 (fast) and 17 (slow) pixels.
cbf = os.path.join(work, "p6m_00001.cbf")
run([cli] + crystal + ["-detector", "pilatus6m", "-distance", "300",
                       "-N", "3", "-phisteps", "1", "-cbffile", cbf,
                       "-floatfile", os.path.join(work, "p6m.bin"),
                       "-intfile", os.path.join(work, "p6m.img")])
check_cbf("CLI -detector pilatus6m", cbf,
          gap_mask(2463, 2527, 487, 195, 7, 17))

if have_gst:
    # nanobraggsrc's EIGER2 16M, cut to two module columns and two module
    # rows by explicit width/height (the preset's pitch from pixel 0)
    cbf = os.path.join(work, "e2_00001.cbf")
    element_frames("detector=eiger2-16m width=1100 height=600 pixel-size=0.15 "
                   "noise=true seed=3", "video/x-diffraction,format=S32LE",
                   "nbcbfenc ! filesink location=%s" % cbf)
    check_cbf("nanobraggsrc detector=eiger2-16m ! nbcbfenc", cbf,
              gap_mask(1100, 600, 1028, 512, 12, 38))

subprocess.run(["rm", "-rf", work])
sys.exit(1 if failures else 0)
