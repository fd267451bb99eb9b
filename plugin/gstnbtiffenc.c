/**
 * SECTION:element-nbtiffenc
 * @title: nbtiffenc
 *
 * Encodes each nanobragg frame as a single-page TIFF (libtiff): float
 * frames (`video/x-diffraction,format=F32LE`, photons) as 32-bit IEEE
 * float, detector counts (`video/x-raw,format=GRAY16_LE`) as 16-bit
 * unsigned, 32-bit counts (`video/x-diffraction,format=S32LE`, masked
 * pixels negative) as 32-bit signed integers, or any of them as another
 * type (`sample-format`; integers are rounded and clipped to the type's
 * range, so masked pixels become 0 in the unsigned types).  The frame's geometry (NbFrameMeta: phi, oscillation,
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
    {GST_NB_TIFF_SAMPLE_AUTO, "float32 for photons, uint16 for 16-bit "
          "counts, int32 for 32-bit counts", "auto"},
    {GST_NB_TIFF_SAMPLE_FLOAT32, "32-bit IEEE float", "float32"},
    {GST_NB_TIFF_SAMPLE_UINT16, "16-bit unsigned (clipped)", "uint16"},
    {GST_NB_TIFF_SAMPLE_UINT32, "32-bit unsigned (clipped)", "uint32"},
    {GST_NB_TIFF_SAMPLE_INT32, "32-bit signed (clipped)", "int32"},
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

/* The file is written into @data, @capacity bytes: the mapped output
 * buffer (the strip is converted into it before libtiff writes it), or,
 * should the file outgrow it, memory of its own (@owned); @len is the
 * length of the file so far. */
typedef struct {
  guint8 *data;
  gsize capacity;
  gboolean owned;
  toff_t pos;
  toff_t len;
} MemFile;

static tsize_t
mem_read (thandle_t h, tdata_t buf, tsize_t size)
{
  MemFile *m = h;
  tsize_t n = MIN (size, (tsize_t) (m->len - MIN (m->pos, m->len)));
  memcpy (buf, m->data + m->pos, n);
  m->pos += n;
  return n;
}

static void
mem_grow (MemFile * m, gsize size)
{
  gsize capacity = MAX (2 * m->capacity, size);
  guint8 *data = g_malloc (capacity);

  memcpy (data, m->data, m->capacity);
  if (m->owned)
    g_free (m->data);
  m->data = data;
  m->capacity = capacity;
  m->owned = TRUE;
}

static tsize_t
mem_write (thandle_t h, tdata_t buf, tsize_t size)
{
  MemFile *m = h;
  const guint8 *src = buf;
  /* the strip is converted in place: it may come from inside the file */
  gboolean inside = src >= m->data && src < m->data + m->capacity;
  gsize src_offset = inside ? (gsize) (src - m->data) : 0;

  if (m->pos + size > m->capacity)
    mem_grow (m, m->pos + size);
  if (inside)
    src = m->data + src_offset;
  /* already where libtiff wants it: the strip written in place */
  if (src != m->data + m->pos)
    memmove (m->data + m->pos, src, size);
  /* bytes skipped (libtiff aligns its directory data to even offsets)
   * read 0, not what a recycled buffer held */
  if (m->pos > m->len)
    memset (m->data + m->len, 0, m->pos - m->len);
  m->pos += size;
  m->len = MAX (m->len, m->pos);
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
    m->pos = m->len + off;
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
  return ((MemFile *) h)->len;
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

typedef struct
{
  const GstNbFrameInfo *info;
  GstNbTiffSample fmt;
  const guint8 *src;
  guint8 *dst;                  /* the strip, host byte order */
  guint tasks;
} StripJob;

/* TIFF samples (host order, as libtiff writes) of the rows of @task. */
static void
convert_rows (gpointer data, guint task)
{
  const StripJob *job = data;
  const GstNbFrameInfo *info = job->info;
  gsize row_begin, row_end, begin, end;

  nb_workers_part (info->height, job->tasks, task, &row_begin,
      &row_end);
  begin = row_begin * info->width;
  end = row_end * info->width;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  /* the same type: little-endian in, host order out, byte for byte */
  if ((job->fmt == GST_NB_TIFF_SAMPLE_FLOAT32
          && info->format == GST_NB_FRAME_F32)
      || (job->fmt == GST_NB_TIFF_SAMPLE_UINT16
          && info->format == GST_NB_FRAME_GRAY16)
      || (job->fmt == GST_NB_TIFF_SAMPLE_INT32
          && info->format == GST_NB_FRAME_S32)) {
    gsize bpp = gst_nb_frame_bytes_per_pixel (info);
    memcpy (job->dst + bpp * begin, job->src + bpp * begin,
        bpp * (end - begin));
    return;
  }
#endif
  switch (job->fmt) {
    case GST_NB_TIFF_SAMPLE_FLOAT32:
      for (gsize i = begin; i < end; i++) {
        float f = (float) gst_nb_frame_pixel (info, job->src, i);
        memcpy (job->dst + 4 * i, &f, 4);
      }
      break;
    case GST_NB_TIFF_SAMPLE_UINT16:
      if (info->format == GST_NB_FRAME_GRAY16) {
        /* whole numbers in range: as they are */
        for (gsize i = begin; i < end; i++) {
          guint16 c = GST_READ_UINT16_LE (job->src + 2 * i);
          memcpy (job->dst + 2 * i, &c, 2);
        }
        break;
      }
      for (gsize i = begin; i < end; i++) {
        double v = gst_nb_frame_pixel (info, job->src, i);
        guint16 c = (guint16) CLAMP (floor (v + 0.5), 0, 65535);
        memcpy (job->dst + 2 * i, &c, 2);
      }
      break;
    case GST_NB_TIFF_SAMPLE_UINT32:
      for (gsize i = begin; i < end; i++) {
        double v = gst_nb_frame_pixel (info, job->src, i);
        guint32 c = (guint32) CLAMP (floor (v + 0.5), 0, 4294967295.0);
        memcpy (job->dst + 4 * i, &c, 4);
      }
      break;
    default:                   /* INT32 */
      if (info->format == GST_NB_FRAME_S32) {
        for (gsize i = begin; i < end; i++) {
          gint32 c = gst_nb_frame_read_s32 (job->src, i);
          memcpy (job->dst + 4 * i, &c, 4);
        }
        break;
      }
      for (gsize i = begin; i < end; i++) {
        double v = gst_nb_frame_pixel (info, job->src, i);
        gint32 c = (gint32) CLAMP (floor (v + 0.5), -2147483648.0,
            2147483647.0);
        memcpy (job->dst + 4 * i, &c, 4);
      }
      break;
  }
}

static GstNbTiffSample
sample_format_for (GstNbTiffSample fmt, const GstNbFrameInfo * info)
{
  if (fmt != GST_NB_TIFF_SAMPLE_AUTO)
    return fmt;
  switch (info->format) {
    case GST_NB_FRAME_F32:
      return GST_NB_TIFF_SAMPLE_FLOAT32;
    case GST_NB_FRAME_S32:
      return GST_NB_TIFF_SAMPLE_INT32;
    default:
      return GST_NB_TIFF_SAMPLE_UINT16;
  }
}

/* libtiff writes an 8-byte header first and appends the one strip right
 * after it: the strip is converted there, so libtiff's write of it copies
 * nothing (mem_write moves it if libtiff ever puts it elsewhere). */
#define STRIP_OFFSET 8
/* room for the directory and tags after the strip */
#define DIRECTORY_ROOM 4096

static GstBuffer *
gst_nb_tiff_enc_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbTiffEnc *self = GST_NB_TIFF_ENC (enc);
  NbWorkers *par = gst_nb_frame_enc_get_parallel (enc);
  GstNbTiffSample fmt;
  MemFile mf = { NULL, 0, FALSE, 0, 0 };
  GstBuffer *out;
  GstMapInfo out_map;
  TIFF *tif;
  GstMapInfo map;
  gchar *desc;
  double pixel_mm;
  int bits, sample;
  gsize strip_bytes;
  guint8 *strip;
  gboolean ok = TRUE;

  GST_OBJECT_LOCK (self);
  fmt = sample_format_for (self->sample_format, info);
  GST_OBJECT_UNLOCK (self);
  bits = fmt == GST_NB_TIFF_SAMPLE_UINT16 ? 16 : 32;
  sample = fmt == GST_NB_TIFF_SAMPLE_FLOAT32 ? SAMPLEFORMAT_IEEEFP
      : fmt == GST_NB_TIFF_SAMPLE_INT32 ? SAMPLEFORMAT_INT
      : SAMPLEFORMAT_UINT;
  strip_bytes = (gsize) info->width * info->height * bits / 8;

  out = gst_nb_frame_enc_alloc (enc, STRIP_OFFSET + strip_bytes
      + DIRECTORY_ROOM);
  gst_buffer_map (out, &out_map, GST_MAP_WRITE);
  mf.data = out_map.data;
  mf.capacity = out_map.size;
  strip = mf.data + STRIP_OFFSET;
  gst_buffer_map (in, &map, GST_MAP_READ);
  {
    StripJob job = { info, fmt, map.data, strip,
      nb_workers_tasks_for (par, info->height, info->width)
    };
    nb_workers_run (par, job.tasks, convert_rows, &job);
  }
  gst_buffer_unmap (in, &map);

  tif = TIFFClientOpen ("frame", "w", (thandle_t) & mf, mem_read, mem_write,
      mem_seek, mem_close, mem_size, mem_map, mem_unmap);
  if (tif == NULL) {
    gst_buffer_unmap (out, &out_map);
    gst_buffer_unref (out);
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
  /* uncompressed: the raw strip is the image */
  ok = TIFFWriteRawStrip (tif, 0, strip, (tmsize_t) strip_bytes)
      == (tmsize_t) strip_bytes;
  TIFFClose (tif);
  gst_buffer_unmap (out, &out_map);
  if (!ok) {
    if (mf.owned)
      g_free (mf.data);
    gst_buffer_unref (out);
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE,
        "libtiff failed to write the image");
    return NULL;
  }
  if (mf.owned) {
    /* the file outgrew the buffer */
    gst_buffer_unref (out);
    return gst_buffer_new_wrapped (mf.data, mf.len);
  }
  gst_buffer_resize (out, 0, mf.len);
  return out;
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
          "TIFF pixel type: auto (float32 for photons, uint16 for 16-bit "
          "counts, int32 for 32-bit counts), float32, uint16, uint32 or "
          "int32 (integers rounded and clipped)",
          GST_TYPE_NB_TIFF_SAMPLE, GST_NB_TIFF_SAMPLE_AUTO,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_type_mark_as_plugin_api (GST_TYPE_NB_TIFF_SAMPLE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg TIFF encoder", "Codec/Encoder/Image",
      "Encodes diffraction frames as TIFF (float32, uint16, uint32 or int32) "
      "with "
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
