#!/bin/sh
# test_smv_readers.sh NANOBRAGG INPUTS_DIR [PLUGIN_DIR] - SMV files whose
# header needs more than 512 bytes, read by third-party readers: fabio and
# DIALS' dxtbx (both required; tools/setup.sh installs them).  Pixel values
# and header keys must come back as written.  With PLUGIN_DIR, nbsmvenc
# must write the same header as the CLI.
set -eu
nb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
inputs=$(cd "$2" && pwd)
plugins=${3:+$(cd "$3" && pwd)}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# Long %g values in every key: the header text is about 560 bytes.
long="-hkl $inputs/dense.hkl -cell 60 70 80 90 90 90 -N 3
  -detpixels_f 20 -detpixels_s 12 -pixel 0.0732421875 -distance 123.456789
  -Xbeam -1.23456789 -Ybeam -0.0123456789 -lambda 0.987654321
  -phi 123.456789 -osc 0.0123456789 -detector_rotx 1.23456
  -detector_roty 2.3456 -detector_rotz 3.4567 -twotheta 12.3456
  -oversample 1"
long=$(echo $long)                      # one line, for nanobragg-args
# shellcheck disable=SC2086
"$nb" $long -nopgm -seed 5 -scale 1 -adc 40 -floatfile long.bin \
  -intfile long_0001.img -noisefile noise_0001.img >/dev/null

if [ -n "$plugins" ] && command -v gst-launch-1.0 >/dev/null 2>&1; then
  GST_PLUGIN_PATH_1_0=$plugins gst-launch-1.0 -q nanobraggsrc num-frames=1 \
    nanobragg-args="$long" ! nbsmvenc scale=1 adc-offset=40 \
    ! filesink location=elem_0001.img
  # the same header and pixels as the CLI's -intfile
  cmp elem_0001.img long_0001.img
  echo "nbsmvenc ok: same $(wc -c < elem_0001.img) bytes as -intfile"
fi

# and one that fits: HEADER_BYTES stays 512
"$nb" -hkl "$inputs/dense.hkl" -cell 60 70 80 90 90 90 -N 3 \
  -detpixels 16 -oversample 1 -nopgm -nonoise -floatfile short.bin \
  -intfile short_0001.img >/dev/null

python=
for p in /usr/bin/python3 python3 dials.python; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import fabio' 2>/dev/null
  then
    python=$p
    break
  fi
done
if [ -z "$python" ]; then
  echo "FAIL: no python3 with fabio (tools/setup.sh installs python3-fabio)"
  exit 1
fi

cat > check.py <<'PY'
import struct, sys

def raw(path):
    """Header size, header keys and pixels, parsed by hand."""
    data = open(path, "rb").read()
    end = data.index(b"}")
    text = data[:end].decode()
    keys = dict(l.rstrip(";").split("=", 1) for l in text.splitlines()
                if "=" in l)
    size = int(keys["HEADER_BYTES"])
    w, h = int(keys["SIZE1"]), int(keys["SIZE2"])
    assert size % 512 == 0, size
    assert end < size, (end, size)
    assert data[end:end + 2] == b"}\f"
    assert data[end + 2:size] == b" " * (size - end - 2)
    assert len(data) == size + 2 * w * h, (len(data), size, w, h)
    return size, keys, list(struct.unpack("<%dH" % (w * h), data[size:]))

def check_fabio(path, want_size):
    import fabio
    size, keys, pixels = raw(path)
    assert size == want_size, (path, size, want_size)
    img = fabio.open(path)
    assert img.data.shape == (int(keys["SIZE2"]), int(keys["SIZE1"]))
    assert img.data.ravel().tolist() == pixels, path
    for k in ("HEADER_BYTES", "PIXEL_SIZE", "DISTANCE", "WAVELENGTH",
              "BEAM_CENTER_X", "BEAM_CENTER_Y", "PHI", "OSC_RANGE",
              "TWOTHETA", "BEAMLINE"):
        assert str(img.header[k]).rstrip(";") == keys[k], (path, k,
            img.header[k], keys[k])
    # fabio's ADSC reader, asked for explicitly
    from fabio.adscimage import AdscImage
    adsc = AdscImage().read(path)
    assert adsc.data.ravel().tolist() == pixels, path
    print("fabio ok:", path, size, "bytes of header,", len(pixels), "pixels")

def check_dxtbx(path):
    # DIALS (Debian's dials package, installed by tools/setup.sh) is
    # required: a missing reader fails the test rather than skipping it
    from dxtbx.model.experiment_list import ExperimentListFactory
    size, keys, pixels = raw(path)
    imgs = ExperimentListFactory.from_filenames([path]).imagesets()
    raw_data = imgs[0].get_raw_data(0)[0]
    got = [int(v) for v in raw_data.as_numpy_array().ravel()]
    assert got == pixels, path
    det = imgs[0].get_detector()[0]
    assert abs(det.get_pixel_size()[0] - float(keys["PIXEL_SIZE"])) < 1e-6
    beam = imgs[0].get_beam()
    assert abs(beam.get_wavelength() - float(keys["WAVELENGTH"])) < 1e-6
    print("dxtbx ok:", path)

check_fabio("long_0001.img", 1024)
check_fabio("noise_0001.img", 1024)
check_fabio("short_0001.img", 512)
check_dxtbx("long_0001.img")
check_dxtbx("short_0001.img")
PY
"$python" check.py
