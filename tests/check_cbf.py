#!/usr/bin/python3
"""Checks CBF files written by nanobragg -cbffile and nbcbfenc.

  check_cbf.py pixels FILE.cbf RAW DTYPE W H INDEX [CBFLIB_RAW]
      fabio's and dxtbx's pixels of FILE.cbf equal frame INDEX (0-based)
      of RAW (frames of W x H DTYPE: int32, uint16), and so do CBFlib's
      (CBFLIB_RAW, the int32 pixels tests/cbflib_read wrote), if given.
  check_cbf.py photons FILE.cbf RAW_F32 W H INDEX SCALE ADC CUTOFF
      fabio's pixels equal round(photons * SCALE + ADC) clipped to
      0 .. CUTOFF (nbcbfenc's photon frames).
  check_cbf.py header FILE.cbf TRUTH.json INDEX
      the Pilatus header lines (through fabio) say the truth of frame
      INDEX (0-based).
  check_cbf.py dials EXPT TRUTH.json INDEX
      the model dials.import made of one CBF equals the truth (nanoBragg's
      frame converted to DIALS', docs/formats.md) and prints the format
      class dxtbx chose.
Exit status 1 with a message naming what differs.
"""
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb_truth_check import (beam_centre_px, check_dials_model,  # noqa: E402
                            check_experiment, close, dials_rotation, fail,
                            load_experiment)


class Report:
    """ok/FAIL lines with the failures kept, for checkers that measure
    everything before they decide (check_dials_sweep, check_appsink)."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print("%s %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            self.failures.append(what)

    def exit(self):
        print("%d failure(s)" % len(self.failures))
        sys.exit(1 if self.failures else 0)


def read_raw(path, dtype, w, h, index):
    data = np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<"))
    n = w * h
    if data.size < (index + 1) * n:
        fail("%s holds %d pixels, frame %d needs %d" % (path, data.size, index,
                                                         (index + 1) * n))
    return data[index * n:(index + 1) * n].reshape(h, w)


def fabio_pixels(path):
    import fabio
    img = fabio.open(path)
    return img, np.asarray(img.data)


def check_pixels(args):
    path, raw, dtype, w, h, index = args[:6]
    w, h, index = int(w), int(h), int(index)
    want = read_raw(raw, dtype, w, h, index).astype(np.int64)
    img, got = fabio_pixels(path)
    if got.shape != want.shape:
        fail("fabio shape %s, pushed %s" % (got.shape, want.shape))
    if not np.array_equal(got.astype(np.int64), want):
        bad = np.argwhere(got != want)[0]
        fail("fabio pixel %s = %d, pushed %d" % (tuple(bad), got[tuple(bad)],
                                                want[tuple(bad)]))
    import dxtbx
    raw = dxtbx.load(path).get_raw_data()
    raw = (raw[0] if isinstance(raw, tuple) else raw).as_numpy_array()
    if not np.array_equal(raw.astype(np.int64), want):
        fail("dxtbx's pixels differ from the pushed counts")
    if len(args) > 6:
        lib = read_raw(args[6], "int32", w, h, 0).astype(np.int64)
        if not np.array_equal(lib, want):
            fail("CBFlib's pixels differ from the pushed counts")
    print("ok pixels %s: %dx%d, min %d max %d%s" % (
        path, w, h, want.min(), want.max(),
        " (fabio, dxtbx, CBFlib)" if len(args) > 6 else " (fabio, dxtbx)"))


def check_photons(args):
    path, raw, w, h, index, scale, adc, cutoff = args
    w, h, index = int(w), int(h), int(index)
    photons = read_raw(raw, "float32", w, h, index).astype(np.float64)
    v = photons * float(scale) + float(adc)
    want = np.where(v > 0, np.floor(v + 0.5), 0.0)
    want = np.minimum(want, float(cutoff)).astype(np.int64)
    _, got = fabio_pixels(path)
    if not np.array_equal(got.astype(np.int64), want):
        bad = np.argwhere(got != want)[0]
        fail("photon frame pixel %s: CBF %d, expected %d" % (
            tuple(bad), got[tuple(bad)], want[tuple(bad)]))
    print("ok photons %s: max %d counts" % (path, want.max()))


def header_number(text, key):
    m = re.search(r"^# %s\s+([-+0-9.eE]+)" % re.escape(key), text, re.M)
    if m is None:
        fail("header line '# %s' missing" % key)
    return float(m.group(1))


def check_header(args):
    path, truth_path, index = args
    t = json.load(open(truth_path))
    index = int(index)
    img, _ = fabio_pixels(path)
    text = img.header.get("_array_data.header_contents")
    if text is None:
        fail("fabio finds no _array_data.header_contents")
    p_m = t["pixel_size"]
    m = re.search(r"^# Pixel_size ([0-9.e-]+) m x ([0-9.e-]+) m", text, re.M)
    if m is None:
        fail("no Pixel_size line")
    close("Pixel_size fast (m)", float(m.group(1)), p_m, 1e-12)
    close("Pixel_size slow (m)", float(m.group(2)), p_m, 1e-12)
    close("Wavelength (A)", header_number(text, "Wavelength"),
          t["wavelength"] * 1e10, 1e-6)
    close("Start_angle (deg)", header_number(text, "Start_angle"),
          t["phi"] + index * t["osc"], 1e-6)
    close("Angle_increment (deg)", header_number(text, "Angle_increment"),
          t["osc"], 1e-6)
    close("Detector_distance (m)", header_number(text, "Detector_distance"),
          t["close_distance"], 1e-8)
    m = re.search(r"^# Beam_xy \(([-0-9.]+), ([-0-9.]+)\) pixels", text, re.M)
    if m is None:
        fail("no Beam_xy line")
    bx, by = beam_centre_px(t)
    close("Beam_xy x (px)", float(m.group(1)), bx, 1e-4)
    close("Beam_xy y (px)", float(m.group(2)), by, 1e-4)
    for key in ("Exposure_time", "Exposure_period", "Count_cutoff"):
        header_number(text, key)
    m = re.search(r"^# Silicon sensor, thickness ([0-9.]+) m", text, re.M)
    if m is None:
        fail("no sensor thickness line")
    print("ok header %s" % path)


def check_dials(args):
    expt_path, truth_path, index = args
    check_dials_model(expt_path, truth_path, int(index),
                      lambda fmt: fmt.startswith("FormatCBFFull"),
                      "not FormatCBFFull: the full imgCIF geometry is then "
                      "ignored")


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"pixels": check_pixels, "photons": check_photons,
     "header": check_header, "dials": check_dials}[cmd](args)


if __name__ == "__main__":
    main()
