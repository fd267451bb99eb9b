#!/usr/bin/python3
"""nbnxsink's atomicity and bad input, through appsrc (PyGObject):

  nxs_sink_cases.py WORKDIR

  - an error mid-stream (the frame size changes after 2 frames): an error
    naming caps, and neither the file nor its temporary is left (5 runs);
  - a state change to NULL after 2 frames, before EOS: nothing left;
  - photons (F32LE), a missing directory, a bad axis-name: errors naming
    caps, location, axis-name; nothing written;
  - EOS after 3 frames: the file, 3 frames, no temporary left.
Prints ok/FAIL lines; exit status 1 on any FAIL."""
import glob
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

W, H = 40, 30
fails = 0


def report(ok, what):
    global fails
    print(("ok " if ok else "FAIL ") + what)
    if not ok:
        fails += 1


def run(location, caps_list, frames_each, eos=True, props=None):
    """Pushes frames_each frames of each caps of caps_list into nbnxsink;
    returns (the error message or None, the files LOCATION* there were
    just before the state change to NULL)."""
    pipe = Gst.Pipeline()
    src = Gst.ElementFactory.make("appsrc")
    sink = Gst.ElementFactory.make("nbnxsink")
    if sink is None:
        print("FAIL nbnxsink not found (GST_PLUGIN_PATH_1_0)")
        sys.exit(1)
    src.set_property("format", Gst.Format.TIME)
    sink.set_property("location", location)
    for k, v in (props or {}).items():
        sink.set_property(k, v)
    pipe.add(src)
    pipe.add(sink)
    src.link(sink)
    if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
        pipe.set_state(Gst.State.NULL)
        return (msg.parse_error()[0].message if msg else "state change "
                "failed"), []
    n = 0
    for caps in caps_list:
        src.set_property("caps", Gst.Caps.from_string(caps))
        w = int(caps.split("width=")[1].split(",")[0])
        bpp = 4
        for _ in range(frames_each):
            buf = Gst.Buffer.new_wrapped(bytes([n % 7]) * (w * H * bpp))
            buf.pts = n * Gst.SECOND
            buf.duration = Gst.SECOND
            src.emit("push-buffer", buf)
            n += 1
    if eos:
        src.emit("end-of-stream")
    bus = pipe.get_bus()
    msg = bus.timed_pop_filtered(
        10 * Gst.SECOND if eos else Gst.SECOND // 2,
        Gst.MessageType.ERROR | Gst.MessageType.EOS)
    err = None
    if msg is not None and msg.type == Gst.MessageType.ERROR:
        err = msg.parse_error()[0].message
    elif eos and msg is None:
        err = "timeout"
    seen = left(location)
    pipe.set_state(Gst.State.NULL)
    return err, seen


def left(location):
    return sorted(glob.glob(location + "*"))


def main():
    work = sys.argv[1]
    Gst.init(None)
    s32 = "video/x-diffraction,format=S32LE,width=%d,height=%d,framerate=1/1"

    # several times: whether an EOS or renegotiated frames reach the sink
    # after the error depends on timing (once a new series was begun)
    for i in range(5):
        loc = os.path.join(work, "midstream%d.nxs" % i)
        err, _ = run(loc, [s32 % (W, H), s32 % (W + 8, H)], 2)
        report(err is not None and "caps" in err
               and "changed mid-series" in err and not left(loc),
               "size change mid-stream (%d): error naming caps (%s), nothing "
               "left %s" % (i, err, left(loc)))

    loc = os.path.join(work, "nulled.nxs")
    err, seen = run(loc, [s32 % (W, H)], 2, eos=False)
    report(len(seen) == 1 and seen[0].endswith(".part") and not left(loc),
           "state NULL before EOS: the temporary %s while streaming, "
           "nothing left %s" % (seen, left(loc)))

    loc = os.path.join(work, "photons.nxs")
    err, _ = run(loc, ["video/x-diffraction,format=F32LE,width=%d,height=%d,"
                    "framerate=1/1" % (W, H)], 1)
    report(err is not None and "caps" in err and "F32LE" in err
           and not left(loc), "photons refused naming caps (%s)" % err)

    loc = os.path.join(work, "missing", "x.nxs")
    err, _ = run(loc, [s32 % (W, H)], 1)
    report(err is not None and "location" in err and not left(loc),
           "missing directory refused naming location (%s)" % err)

    loc = os.path.join(work, "axis.nxs")
    err, _ = run(loc, [s32 % (W, H)], 1, props={"axis-name": "two words"})
    report(err is not None and "axis-name" in err and not left(loc),
           "bad axis-name refused naming it (%s)" % err)

    loc = os.path.join(work, "complete.nxs")
    err, _ = run(loc, [s32 % (W, H)], 3)
    import h5py
    ok = err is None and left(loc) == [loc]
    if ok:
        with h5py.File(loc, "r") as f:
            ok = f["/entry/data/data"].shape == (3, H, W)
    report(ok, "EOS after 3 frames: the file alone, 3 frames (%s, %s)"
           % (err, left(loc)))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
