#!/usr/bin/python3
"""Frames of nanobraggsrc as numpy arrays, with their per-frame meta as a
dict, pulled from an appsink (Debian's PyGObject and GStreamer bindings:
python3-gi, python3-gst-1.0, gir1.2-gstreamer-1.0,
gir1.2-gst-plugins-base-1.0, python3-numpy).

  pipelines/appsink-numpy.py [--photons] [--frames N] [--size N]
                             [--osc DEG] [--nanobragg "FLAGS"] [--copy]
                             [--save FILE.npz]

prints one line per frame (index, phi, wavelength, beam centre, counts)
and with --save writes every frame and its meta to FILE.npz (frames
[n, height, width], meta_json: the dicts as JSON).

As a library (import it, or copy `frames`):

    for image, meta in frames(description):
        ...   # image: numpy array [height, width]; meta: dict

Pipeline: `nanobraggsrc ... ! video/x-diffraction,format=S32LE ! appsink`
(counts with Poisson noise, int32) or `format=F32LE` with --photons
(photons, float32).  The array is the buffer's memory itself (zero copy,
read-only): it keeps the buffer alive and mapped until the last array
using it is gone, so hold only the frames you need, or pass copy=True
(--copy) for arrays that own their memory (one copy each).

The meta is nanobraggsrc's NbFrameMeta, a GstCustomMeta whose
GstStructure the bindings reach as
buffer.get_custom_meta("NbFrameMeta").get_structure(); the dict holds all
its fields under their own names (docs/elements.md, "Per-frame meta"):
frame, phi-start, osc, wavelength, beam-center-x/y, pix0-x/y/z, ...
"""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"S32LE": np.dtype("<i4"), "F32LE": np.dtype("<f4")}
# a small crystal in a 1 A beam (P1 amplitudes of the golden inputs)
SCENE = ("-hkl %s -cell 79 79 38 90 90 90 -misset 10 20 30 -N 10 "
         "-lambda 1 -distance 250 -pixel 0.2"
         % os.path.join(ROOT, "tests", "golden", "inputs", "dense.hkl"))


def use_build_tree():
    """The plugin of the build tree and a private registry, as
    pipelines/env.sh sets them (before Gst.init)."""
    build = os.environ.get("NB_BUILD", os.path.join(ROOT, "build"))
    path = os.environ.get("GST_PLUGIN_PATH_1_0")
    os.environ["GST_PLUGIN_PATH_1_0"] = os.path.join(build, "plugin") + (
        ":" + path if path else "")
    os.environ.setdefault("GST_REGISTRY_1_0",
                          os.path.join(build, "pipelines-registry.bin"))


def gst():
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    from gi.repository import Gst, GstApp  # noqa: F401 (appsink's methods)
    Gst.init(None)
    return Gst


class _MappedBuffer:
    """Holds a buffer mapped for reading while numpy arrays use its
    memory (numpy keeps this object as the array's base)."""

    def __init__(self, Gst, buffer, dtype, shape):
        self._buffer = buffer
        self._info = buffer.map(Gst.MapFlags.READ)
        if not self._info:
            raise RuntimeError("cannot map the frame buffer")
        view = np.frombuffer(self._info.data, dtype=np.uint8)
        self.__array_interface__ = {
            "data": (view.ctypes.data, True),       # read-only
            "shape": shape, "typestr": dtype.str, "version": 3}

    def __del__(self):
        self._buffer.unmap(self._info)


def structure_dict(structure):
    """Every field of a GstStructure, under its own name."""
    return {structure.nth_field_name(i):
            structure.get_value(structure.nth_field_name(i))
            for i in range(structure.n_fields())}


def frames(description, copy=False):
    """Yields (array, meta dict) for each frame that DESCRIPTION (a
    gst-launch description ending in `appsink name=sink`) delivers."""
    Gst = gst()
    pipeline = Gst.parse_launch(description)
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while True:
            # wait in slices, so that an error upstream (no EOS follows
            # it) ends the loop instead of a blocked pull
            sample = sink.try_pull_sample(100 * Gst.MSECOND)
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                err, debug = msg.parse_error()
                raise RuntimeError("%s (%s)" % (err.message, debug))
            if sample is None:
                if sink.is_eos():
                    return
                continue
            caps = sample.get_caps().get_structure(0)
            fmt = caps.get_string("format")
            if fmt not in DTYPES:
                raise RuntimeError("caps %s: not a frame format of this "
                                   "example (S32LE, F32LE)" % fmt)
            shape = (caps.get_int("height")[1], caps.get_int("width")[1])
            buffer = sample.get_buffer()
            meta = buffer.get_custom_meta("NbFrameMeta")
            if meta is None:
                raise RuntimeError("frame without NbFrameMeta")
            image = np.asarray(_MappedBuffer(Gst, buffer, DTYPES[fmt], shape))
            yield (image.copy() if copy else image,
                   structure_dict(meta.get_structure()))
    finally:
        pipeline.set_state(Gst.State.NULL)


def description(args):
    fmt = "F32LE" if args.photons else "S32LE"
    noise = "" if args.photons else " noise=true"
    return ("nanobraggsrc nanobragg-args=\"%s\" width=%d height=%d osc=%g "
            "num-frames=%d%s ! video/x-diffraction,format=%s "
            "! appsink name=sink sync=false"
            % (args.nanobragg, args.size, args.size, args.osc, args.frames,
               noise, fmt))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photons", action="store_true",
                    help="float32 photons (F32LE) instead of int32 counts")
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--size", type=int, default=256, help="N x N pixels")
    ap.add_argument("--osc", type=float, default=0.5, help="degrees/frame")
    ap.add_argument("--nanobragg", default=SCENE, metavar="FLAGS",
                    help="nanoBragg flags of the scene (default: %(default)s)")
    ap.add_argument("--copy", action="store_true",
                    help="arrays that own their memory (one copy)")
    ap.add_argument("--save", metavar="FILE.npz",
                    help="write the frames and their meta")
    args = ap.parse_args()
    if args.frames < 1 or args.size < 1:
        ap.error("--frames and --size must be >= 1")
    use_build_tree()
    images, metas = [], []
    for image, meta in frames(description(args), copy=args.copy):
        print("frame %d: %s %s, phi %.4f deg, wavelength %g A, beam centre "
              "(%.4f, %.4f) mm, min %g max %g" % (
                  meta["frame"], image.shape, image.dtype, meta["phi-start"],
                  meta["wavelength"], meta["beam-center-x"],
                  meta["beam-center-y"], image.min(), image.max()))
        if args.save:
            images.append(image.copy() if not args.copy else image)
            metas.append(meta)
    if args.save:
        np.savez(args.save, frames=np.stack(images),
                 meta_json=json.dumps(metas))
        print("wrote %d frames to %s" % (len(images), args.save))


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit("appsink-numpy.py: %s" % e)
