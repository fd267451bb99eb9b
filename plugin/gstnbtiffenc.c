/**
 * SECTION:element-nbtiffenc
 * @title: nbtiffenc
 *
 * Encodes each nanobragg frame as a single-page TIFF (libtiff): float
 * frames (`video/x-diffraction`, photons) as 32-bit IEEE float, detector
 * counts (`video/x-raw,format=GRAY16_LE`) as 16-bit unsigned, or either as
 * 32-bit unsigned integers (`sample-format=uint32`; floats are rounded and
 * clipped at 0).  The frame's geometry (NbFrameMeta: phi, oscillation,
 * wavelength, distance, beam centre, pixel size) goes into the
 * ImageDescription tag as "key=value" pairs, and the pixel size into
 * X/YResolution; without the meta only the frame number and size are
 * written.  Works on either pad of nanobraggsrc (trace maps are frames).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     num-frames=10 ! nbtiffenc ! multifilesink location=frame_%05d.tif
 * ]|
 */
#include "gstnbtiffenc.h"
#include "gstnbframemeta.h"

#include <math.h>
#include <string.h>
#include <tiffio.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_tiff_enc_debug);
#define GST_CAT_DEFAULT gst_nb_tiff_enc_debug

enum
{
  PROP_0,
  PROP_SAMPLE_FORMAT
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/tiff"));

#define GST_TYPE_NB_TIFF_SAMPLE (gst_nb_tiff_sample_get_type ())
static GType
gst_nb_tiff_sample_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NB_TIFF_SAMPLE_AUTO, "float32 for photons, uint16 for counts",
        "auto"},
    {GST_NB_TIFF_SAMPLE_FLOAT32, "32-bit IEEE float", "float32"},
    {GST_NB_TIFF_SAMPLE_UINT16, "16-bit unsigned (clipped)", "uint16"},
    {GST_NB_TIFF_SAMPLE_UINT32, "32-bit unsigned (clipped)", "uint32"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstNbTiffSample",
            values));
  return type;
}

G_DEFINE_TYPE (GstNbTiffEnc, gst_nb_tiff_enc, GST_TYPE_NB_FRAME_ENC);
GST_ELEMENT_REGISTER_DEFINE (nbtiffenc, "nbtiffenc", GST_RANK_NONE,
    GST_TYPE_NB_TIFF_ENC);

/* ---- libtiff on a memory buffer ---- */

typedef struct {
  GByteArray *bytes;
  toff_t pos;
} MemFile;

static tsize_t
mem_read (thandle_t h, tdata_t buf, tsize_t size)
{
  MemFile *m = h;
  tsize_t n = MIN (size, (tsize_t) (m->bytes->len - MIN (m->pos,
              m->bytes->len)));
  memcpy (buf, m->bytes->data + m->pos, n);
  m->pos += n;
  return n;
}

static tsize_t
mem_write (thandle_t h, tdata_t buf, tsize_t size)
{
  MemFile *m = h;
  if (m->pos + size > m->bytes->len)
    g_byte_array_set_size (m->bytes, m->pos + size);
  memcpy (m->bytes->data + m->pos, buf, size);
  m->pos += size;
  return size;
}

static toff_t
mem_seek (thandle_t h, toff_t off, int whence)
{
  MemFile *m = h;
  if (whence == SEEK_SET)
    m->pos = off;
  else if (whence == SEEK_CUR)
    m->pos += off;
  else
    m->pos = m->bytes->len + off;
  return m->pos;
}

static int
mem_close (thandle_t h)
{
  return 0;
}

static toff_t
mem_size (thandle_t h)
{
  return ((MemFile *) h)->bytes->len;
}

static int
mem_map (thandle_t h, tdata_t * base, toff_t * size)
{
  return 0;
}

static void
mem_unmap (thandle_t h, tdata_t base, toff_t size)
{
}

/* "key=value" pairs of the meta, for ImageDescription */
static gchar *
describe (GstBuffer * in, double *pixel_mm)
{
  const GstStructure *s = gst_nb_frame_meta_get (in);
  GString *d = g_string_new ("nanobragg");
  const char *keys[] = { "phi-start", "osc", "wavelength", "distance",
    "close-distance", "beam-center-x", "beam-center-y", "pixel-size",
    "twotheta", "scale", "adc-offset"
  };
  guint64 frame;

  *pixel_mm = 0.0;
  if (s == NULL) {
    g_string_append_printf (d, " frame=%" G_GUINT64_FORMAT,
        GST_BUFFER_OFFSET_IS_VALID (in) ? GST_BUFFER_OFFSET (in) : 0);
    return g_string_free (d, FALSE);
  }
  if (gst_structure_get_uint64 (s, "frame", &frame))
    g_string_append_printf (d, " frame=%" G_GUINT64_FORMAT, frame);
  g_string_append_printf (d, " convention=%s",
      gst_structure_get_string (s, "convention"));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    double v;
    if (gst_structure_get_double (s, keys[i], &v))
      g_string_append_printf (d, " %s=%.10g", keys[i], v);
  }
  gst_structure_get_double (s, "pixel-size", pixel_mm);
  return g_string_free (d, FALSE);
}

static GstCaps *
gst_nb_tiff_enc_output_caps (GstNbFrameEnc * enc, const GstNbFrameInfo * info)
{
  return gst_caps_new_simple ("image/tiff", "framerate", GST_TYPE_FRACTION,
      info->fps_n, info->fps_d, NULL);
}

static GstBuffer *
gst_nb_tiff_enc_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbTiffEnc *self = GST_NB_TIFF_ENC (enc);
  GstNbTiffSample fmt;
  MemFile mf = { g_byte_array_new (), 0 };
  TIFF *tif;
  GstMapInfo map;
  gchar *desc;
  double pixel_mm;
  int bits, sample;
  gsize row_bytes;
  guint8 *row;
  gboolean ok = TRUE;

  GST_OBJECT_LOCK (self);
  fmt = self->sample_format;
  GST_OBJECT_UNLOCK (self);
  if (fmt == GST_NB_TIFF_SAMPLE_AUTO)
    fmt = info->is_float ? GST_NB_TIFF_SAMPLE_FLOAT32
        : GST_NB_TIFF_SAMPLE_UINT16;
  bits = fmt == GST_NB_TIFF_SAMPLE_UINT16 ? 16 : 32;
  sample = fmt == GST_NB_TIFF_SAMPLE_FLOAT32 ? SAMPLEFORMAT_IEEEFP
      : SAMPLEFORMAT_UINT;

  tif = TIFFClientOpen ("frame", "w", (thandle_t) & mf, mem_read, mem_write,
      mem_seek, mem_close, mem_size, mem_map, mem_unmap);
  if (tif == NULL) {
    g_byte_array_unref (mf.bytes);
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE,
        "libtiff could not start an image");
    return NULL;
  }
  desc = describe (in, &pixel_mm);
  TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (uint32_t) info->width);
  TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (uint32_t) info->height);
  TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, bits);
  TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, sample);
  TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, (uint32_t) info->height);
  TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, desc);
  TIFFSetField (tif, TIFFTAG_SOFTWARE, "nanobragg nbtiffenc");
  if (pixel_mm > 0) {
    TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
    TIFFSetField (tif, TIFFTAG_XRESOLUTION, (float) (10.0 / pixel_mm));
    TIFFSetField (tif, TIFFTAG_YRESOLUTION, (float) (10.0 / pixel_mm));
  }
  g_free (desc);

  gst_buffer_map (in, &map, GST_MAP_READ);
  row_bytes = (gsize) info->width * bits / 8;
  row = g_malloc (row_bytes);
  for (int y = 0; ok && y < info->height; y++) {
    for (int x = 0; x < info->width; x++) {
      double v = gst_nb_frame_pixel (info, map.data,
          (gsize) y * info->width + x);
      if (fmt == GST_NB_TIFF_SAMPLE_FLOAT32) {
        float f = (float) v;
        memcpy (row + 4 * x, &f, 4);
      } else if (fmt == GST_NB_TIFF_SAMPLE_UINT16) {
        guint16 c = (guint16) CLAMP (floor (v + 0.5), 0, 65535);
        memcpy (row + 2 * x, &c, 2);
      } else {
        guint32 c = (guint32) CLAMP (floor (v + 0.5), 0, 4294967295.0);
        memcpy (row + 4 * x, &c, 4);
      }
    }
    ok = TIFFWriteScanline (tif, row, y, 0) == 1;
  }
  g_free (row);
  gst_buffer_unmap (in, &map);
  TIFFClose (tif);
  if (!ok) {
    g_byte_array_unref (mf.bytes);
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE,
        "libtiff failed to write a row");
    return NULL;
  }
  {
    gsize len = mf.bytes->len;
    return gst_buffer_new_wrapped (g_byte_array_free (mf.bytes, FALSE), len);
  }
}

static void
gst_nb_tiff_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbTiffEnc *self = GST_NB_TIFF_ENC (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_SAMPLE_FORMAT)
    self->sample_format = g_value_get_enum (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_tiff_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNbTiffEnc *self = GST_NB_TIFF_ENC (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_SAMPLE_FORMAT)
    g_value_set_enum (value, self->sample_format);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_tiff_enc_class_init (GstNbTiffEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstNbFrameEncClass *enc_class = GST_NB_FRAME_ENC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_nb_tiff_enc_debug, "nbtiffenc", 0,
      "nanobragg TIFF encoder");
  gobject_class->set_property = gst_nb_tiff_enc_set_property;
  gobject_class->get_property = gst_nb_tiff_enc_get_property;
  g_object_class_install_property (gobject_class, PROP_SAMPLE_FORMAT,
      g_param_spec_enum ("sample-format", "Sample format",
          "TIFF pixel type: auto (float32 for photons, uint16 for counts), "
          "float32, uint16 or uint32 (integers rounded and clipped)",
          GST_TYPE_NB_TIFF_SAMPLE, GST_NB_TIFF_SAMPLE_AUTO,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_type_mark_as_plugin_api (GST_TYPE_NB_TIFF_SAMPLE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg TIFF encoder", "Codec/Encoder/Image",
      "Encodes diffraction frames as TIFF (float32, uint16 or uint32) with "
      "their geometry in ImageDescription. Example: nanobraggsrc ... ! "
      "nbtiffenc ! multifilesink location=frame_%05d.tif",
      "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbtiffenc");
  enc_class->output_caps = gst_nb_tiff_enc_output_caps;
  enc_class->convert = gst_nb_tiff_enc_convert;
}

static void
gst_nb_tiff_enc_init (GstNbTiffEnc * self)
{
  gst_nb_frame_enc_add_pads (GST_NB_FRAME_ENC (self));
  self->sample_format = GST_NB_TIFF_SAMPLE_AUTO;
}
