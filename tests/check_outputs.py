#!/usr/bin/python3
"""Independent readers check files written by the nanobragg elements.

Uses Debian's python3-tifffile and python3-fabio (not our code) to read
TIFF and SMV files and compares them with golden images.

  check_outputs.py tiff-series DIR GOLDEN_DIR    (rotation_series frames)
  check_outputs.py smv-int FILE GOLDEN_INT_IMG
  check_outputs.py smv-series DIR FRAMES WIDTH HEIGHT
  check_outputs.py tiff-dtype FILE DTYPE
  check_outputs.py tiff-map FILE LOW HIGH        (all values in [LOW, HIGH])
  check_outputs.py tiff-rounded FILE GOLDEN_BIN DTYPE  (photons rounded)
  check_outputs.py s32-frame FILE WIDTH HEIGHT   (writes 32-bit counts)
  check_outputs.py s32-tiff FILE COUNTS WIDTH HEIGHT
  check_outputs.py s32-smv FILE COUNTS WIDTH HEIGHT
"""
import glob
import os
import re
import sys

import fabio
import numpy as np
import tifffile


def fail(msg):
    print("not ok - " + msg)
    sys.exit(1)


def tiff_series(d, golden):
    files = sorted(glob.glob(os.path.join(d, "frame_*.tif")))
    if len(files) != 3:
        fail("expected 3 TIFF frames, found %d" % len(files))
    for i, f in enumerate(files):
        with tifffile.TiffFile(f) as t:
            a = t.pages[0].asarray()
            desc = t.pages[0].tags["ImageDescription"].value
        ref = np.fromfile(os.path.join(golden, "frame_%03d.bin" % i),
                          "<f4").reshape(a.shape)
        if a.dtype != np.float32 or not np.array_equal(a, ref):
            fail("%s differs from golden frame %d" % (f, i))
        phi = float(re.search(r"phi-start=([-0-9.e]+)", desc).group(1))
        if abs(phi - (0.5 + 0.1 * i)) > 1e-9:
            fail("%s: phi-start %g in ImageDescription" % (f, phi))
    print("ok - tifffile reads 3 float32 TIFF frames equal to the golden "
          "rotation series, phi in ImageDescription")


def smv_int(f, golden):
    ours, ref = fabio.open(f), fabio.open(golden)
    if not np.array_equal(ours.data, ref.data):
        fail("fabio: %s pixels differ from %s" % (f, golden))
    for key in ("PIXEL_SIZE", "DISTANCE", "WAVELENGTH", "BEAM_CENTER_X",
                "BEAM_CENTER_Y", "PHI", "OSC_RANGE"):
        if ours.header.get(key) != ref.header.get(key):
            fail("fabio: header %s %s vs %s" % (key, ours.header.get(key),
                                                ref.header.get(key)))
    with open(f, "rb") as a, open(golden, "rb") as b:
        if a.read() != b.read():
            fail("%s is not byte-identical to %s" % (f, golden))
    print("ok - fabio reads our SMV: pixels and header equal the golden "
          "int.img (byte-identical)")


def smv_series(d, frames, width, height):
    files = sorted(glob.glob(os.path.join(d, "series_*.img")))
    names = [os.path.basename(f) for f in files]
    want = ["series_%05d.img" % (i + 1) for i in range(frames)]
    if names != want:
        fail("SMV names %s, want %s" % (names, want))
    phis = []
    for f in files:
        im = fabio.open(f)
        if im.data.shape != (height, width) or im.data.dtype != np.uint16:
            fail("%s: shape %s dtype %s" % (f, im.data.shape, im.data.dtype))
        phis.append(float(im.header["PHI"]))
        if float(im.header["OSC_START"]) != phis[-1]:
            fail("%s: OSC_START != PHI" % f)
    steps = np.diff(phis)
    if len(steps) and not np.allclose(steps, float(im.header["OSC_RANGE"])):
        fail("PHI does not advance by OSC_RANGE: %s" % phis)
    print("ok - fabio reads %d SMV frames (1-based names, %dx%d, PHI "
          "advancing by OSC_RANGE)" % (frames, width, height))


def tiff_dtype(f, dtype):
    a = tifffile.imread(f)
    if str(a.dtype) != dtype:
        fail("%s: dtype %s, want %s" % (f, a.dtype, dtype))
    print("ok - %s is %s" % (os.path.basename(f), dtype))


def tiff_map(f, low, high):
    a = tifffile.imread(f)
    if not (np.all(a >= low) and np.all(a <= high) and np.ptp(a) > 0):
        fail("%s: map values %g..%g outside [%g, %g]" % (f, a.min(), a.max(),
                                                          low, high))
    print("ok - trace map %s read back, values in [%g, %g]"
          % (os.path.basename(f), low, high))


def tiff_rounded(f, golden, dtype):
    a = tifffile.imread(f)
    info = np.iinfo(dtype)
    ref = np.fromfile(golden, "<f4").reshape(a.shape).astype(np.float64)
    want = np.clip(np.floor(ref + 0.5), info.min, info.max).astype(dtype)
    if str(a.dtype) != dtype or not np.array_equal(a, want):
        fail("%s: dtype %s, %d pixels are not the photons rounded and "
             "clipped" % (f, a.dtype, np.count_nonzero(a != want)))
    print("ok - %s: %s, the golden photons rounded and clipped"
          % (os.path.basename(f), dtype))


def s32_counts(width, height):
    """Detector-like 32-bit counts: a few counts per pixel, bright pixels
    beyond 16 bits, masked gaps (-1) and other negative values."""
    rng = np.random.default_rng(20261202)
    c = rng.poisson(3.0, (height, width)).astype(np.int64)
    bright = rng.random((height, width)) < 0.01
    c[bright] = rng.integers(65536, 2**31 - 1, int(np.count_nonzero(bright)))
    c[:, 5] = 2**31 - 1
    c[7, :] = 70000
    c[height // 2:height // 2 + 3, :] = -1
    c[:, width - 2] = -1
    c[1, 1] = -(2**31)
    c[2, 2] = 65535
    c[3, 3] = 65536
    return c.astype("<i4")


def s32_frame(f, width, height):
    s32_counts(width, height).tofile(f)
    print("ok - wrote %dx%d 32-bit counts" % (width, height))


def s32_tiff(f, counts, width, height):
    want = np.fromfile(counts, "<i4").reshape(height, width)
    with tifffile.TiffFile(f) as t:
        page = t.pages[0]
        a = page.asarray()
        fmt = page.tags["SampleFormat"].value
        bits = page.tags["BitsPerSample"].value
    if a.dtype != np.int32 or int(fmt) != 2 or bits != 32:
        fail("%s: dtype %s, SampleFormat %s, BitsPerSample %s (want int32, "
             "2 = signed integer, 32)" % (f, a.dtype, fmt, bits))
    if not np.array_equal(a, want):
        fail("%s: %d pixels differ from the pushed counts"
             % (f, np.count_nonzero(a != want)))
    print("ok - tifffile reads a 32-bit signed TIFF equal to the pushed "
          "counts (%d masked)" % np.count_nonzero(want < 0))


def s32_smv(f, counts, width, height):
    c = np.fromfile(counts, "<i4").reshape(height, width)
    want = np.clip(c, 0, 65535).astype(np.uint16)
    im = fabio.open(f)
    if im.data.dtype != np.uint16 or im.data.shape != (height, width):
        fail("%s: dtype %s shape %s" % (f, im.data.dtype, im.data.shape))
    if not np.array_equal(im.data, want):
        fail("%s: %d pixels are not the counts clipped to 0..65535"
             % (f, np.count_nonzero(im.data != want)))
    print("ok - fabio reads the SMV of 32-bit counts: the counts clipped to "
          "0..65535 (%d masked -> 0, %d saturated)"
          % (np.count_nonzero(c < 0), np.count_nonzero(c > 65535)))


cmd = sys.argv[1]
if cmd == "tiff-series":
    tiff_series(sys.argv[2], sys.argv[3])
elif cmd == "smv-int":
    smv_int(sys.argv[2], sys.argv[3])
elif cmd == "smv-series":
    smv_series(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               int(sys.argv[5]))
elif cmd == "tiff-dtype":
    tiff_dtype(sys.argv[2], sys.argv[3])
elif cmd == "tiff-map":
    tiff_map(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
elif cmd == "tiff-rounded":
    tiff_rounded(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "s32-frame":
    s32_frame(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif cmd == "s32-tiff":
    s32_tiff(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
elif cmd == "s32-smv":
    s32_smv(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
else:
    fail("unknown check " + cmd)
