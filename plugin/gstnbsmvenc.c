/**
 * SECTION:element-nbsmvenc
 * @title: nbsmvenc
 *
 * Encodes each frame as an SMV ("ADSC") image: nanoBragg's 512-byte
 * header, then unsigned 16-bit little-endian pixels.  DIALS, XDS, adxv and
 * fabio read these.  The header keys (PIXEL_SIZE, DISTANCE, WAVELENGTH,
 * BEAM_CENTER_X/Y, ADXV/MOSFLM/DENZO centres, DIALS_ORIGIN, XDS_ORGX/Y,
 * CLOSE_DISTANCE, PHI, OSC_START, OSC_RANGE, TWOTHETA ...) come from the
 * frame's NbFrameMeta; without it, from the caps (size) and the
 * pixel-size, distance and wavelength properties, with the beam at the
 * detector centre.
 *
 * Counts frames (`video/x-raw,format=GRAY16_LE`) are written as they are;
 * 32-bit counts (`video/x-diffraction,format=S32LE`) too, except that
 * masked pixels (negative counts) become 0 and counts above 65535 become
 * 65535.
 * Photon frames (`video/x-diffraction`) become round(photons * scale +
 * adc-offset) clipped to 0..65535, as nanoBragg's -intfile.  With scale=0
 * the scale is automatic as in nanoBragg (the maximum becomes 55000), but
 * for the series: chosen from the first frame after the element starts
 * and kept until it goes back to READY, so the frames of a rotation
 * series share one intensity scale.
 *
 * An automatic scale is recorded in the header as `SCALE=` (counts per
 * photon, all digits; not a nanoBragg key): the one chosen here, or for
 * counts from nanobraggsrc scale=0 the one the source chose (the meta's
 * `scale`).  With an explicit scale the header is nanoBragg's, byte for
 * byte.
 *
 * ## Example launch line (DIALS-friendly 1-based names)
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     osc=0.5 num-frames=90 noise=true ! video/x-raw,format=GRAY16_LE ! \
 *     nbsmvenc ! multifilesink location=series_%05d.img index=1
 * ]|
 */
#include "gstnbsmvenc.h"
#include "gstnbframemeta.h"
#include "nb_smv.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_smv_enc_debug);
#define GST_CAT_DEFAULT gst_nb_smv_enc_debug

enum
{
  PROP_0,
  PROP_SCALE,
  PROP_ADC_OFFSET,
  PROP_PIXEL_SIZE,
  PROP_DISTANCE,
  PROP_WAVELENGTH
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/x-smv"));

G_DEFINE_TYPE (GstNbSmvEnc, gst_nb_smv_enc, GST_TYPE_NB_FRAME_ENC);
GST_ELEMENT_REGISTER_DEFINE (nbsmvenc, "nbsmvenc", GST_RANK_NONE,
    GST_TYPE_NB_SMV_ENC);

static GstCaps *
gst_nb_smv_enc_output_caps (GstNbFrameEnc * enc, const GstNbFrameInfo * info)
{
  return gst_caps_new_simple ("image/x-smv", "framerate", GST_TYPE_FRACTION,
      info->fps_n, info->fps_d, NULL);
}

/* A header for frames without NbFrameMeta: beam at the centre. */
static void
default_header (GstNbSmvEnc * self, const GstNbFrameInfo * info,
    GstBuffer * in, NbSmvHeader * h)
{
  double p = self->pixel_size;
  double cf = info->width * p / 2.0, cs = info->height * p / 2.0;

  memset (h, 0, sizeof (*h));
  h->pixel_size = p;
  h->distance = self->distance;
  h->close_distance = self->distance;
  h->wavelength = self->wavelength;
  h->beam_center_x = cs;
  h->beam_center_y = cf;
  h->adxv_center_x = cf;
  h->adxv_center_y = cs;
  h->mosflm_center_x = cs - p / 2;
  h->mosflm_center_y = cf - p / 2;
  h->denzo_x_beam = cs;
  h->denzo_y_beam = cf;
  h->dials_origin[0] = -cf;
  h->dials_origin[1] = cs;
  h->dials_origin[2] = -self->distance;
  h->xds_orgx = cf / p + 0.5;
  h->xds_orgy = cs / p + 0.5;
  (void) in;
}

/* The rows of one task of a frame loop. */
static void
task_pixels (const GstNbFrameInfo * info, guint tasks, guint task,
    gsize * begin, gsize * end)
{
  gsize row_begin, row_end;

  nb_workers_part (info->height, tasks, task, &row_begin, &row_end);
  *begin = row_begin * info->width;
  *end = row_end * info->width;
}

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *src;
  guint tasks;
  double *max;                  /* per task */
} MaxJob;

static void
max_of_rows (gpointer data, guint task)
{
  MaxJob *job = data;
  gsize begin, end;
  double max = 0.0;

  task_pixels (job->info, job->tasks, task, &begin, &end);
  for (gsize i = begin; i < end; i++)
    max = MAX (max, gst_nb_frame_pixel (job->info, job->src, i));
  job->max[task] = max;
}

/* nanoBragg's automatic scale for @src: its maximum becomes 55000. */
static double
automatic_scale (NbWorkers * par, const GstNbFrameInfo * info,
    const guint8 * src)
{
  MaxJob job = { info, src, nb_workers_tasks_for (par, info->height,
        info->width)
  };
  double max = 0.0;

  job.max = g_new (double, job.tasks);
  nb_workers_run (par, job.tasks, max_of_rows, &job);
  /* the maximum does not depend on the order */
  for (guint t = 0; t < job.tasks; t++)
    max = MAX (max, job.max[t]);
  g_free (job.max);
  return max > 0.0 ? 55000.0 / max : 1.0;
}

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *src;
  guint8 *dst;                  /* the first pixel after the header */
  double scale, adc;            /* photon frames */
  guint tasks;
} PixelJob;

/* SMV pixels (unsigned 16-bit little-endian) of the rows of @task. */
static void
convert_rows (gpointer data, guint task)
{
  const PixelJob *job = data;
  gsize begin, end;

  task_pixels (job->info, job->tasks, task, &begin, &end);
  switch (job->info->format) {
    case GST_NB_FRAME_F32:
      for (gsize i = begin; i < end; i++) {
        double v = gst_nb_frame_read_f32 (job->src, i);
        /* nanoBragg's -intfile rounding (single precision): floorf of
         * t + 0.5 >= 0.5, i.e. its truncation */
        double t = CLAMP (v * job->scale + job->adc, 0.0, 65535.0);
        GST_WRITE_UINT16_LE (job->dst + 2 * i,
            (guint16) (gint32) (float) (t + 0.5));
      }
      break;
    case GST_NB_FRAME_GRAY16:
      /* counts as they are: little-endian in, little-endian out */
      memcpy (job->dst + 2 * begin, job->src + 2 * begin, 2 * (end - begin));
      break;
    case GST_NB_FRAME_S32:
      /* counts as they are; masked (negative) pixels read 0, counts
       * beyond 16 bits saturate */
      for (gsize i = begin; i < end; i++) {
        gint32 c = gst_nb_frame_read_s32 (job->src, i);
        GST_WRITE_UINT16_LE (job->dst + 2 * i, (guint16) CLAMP (c, 0,
                65535));
      }
      break;
  }
}

/* The counts per photon for photon frame @src: the scale property, or
 * with scale=0 one automatic scale for the whole series, chosen from its
 * first frame (rescaling each frame alone would break the intensity scale
 * between the frames of a rotation series). */
static double
photon_scale (GstNbSmvEnc * self, double scale_property,
    const GstNbFrameInfo * info, const guint8 * src, gboolean * automatic)
{
  *automatic = scale_property <= 0.0;
  if (!*automatic)
    return scale_property;
  if (self->series_scale <= 0.0) {
    self->series_scale = automatic_scale (gst_nb_frame_enc_get_parallel
        (GST_NB_FRAME_ENC (self)), info, src);
    GST_INFO_OBJECT (self, "automatic scale %.17g counts per photon for "
        "this series (55000 / maximum of its first frame)",
        self->series_scale);
  }
  return self->series_scale;
}

static GstBuffer *
gst_nb_smv_enc_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbSmvEnc *self = GST_NB_SMV_ENC (enc);
  const GstStructure *meta = gst_nb_frame_meta_get (in);
  gsize npix = (gsize) info->width * info->height, header_bytes;
  GstBuffer *out;
  GstMapInfo src, dst;
  NbSmvHeader h;
  double scale, adc;
  gboolean automatic = FALSE;

  GST_OBJECT_LOCK (self);
  scale = self->scale;
  adc = self->adc_offset;
  if (meta == NULL || !gst_nb_frame_meta_to_smv_header (meta, &h))
    default_header (self, info, in, &h);
  GST_OBJECT_UNLOCK (self);
  if (meta == NULL)
    GST_LOG_OBJECT (self, "frame without NbFrameMeta: default header");
  h.width = info->width;
  h.height = info->height;

  header_bytes = nb_smv_header_size (&h);
  out = gst_nb_frame_enc_alloc (enc, header_bytes + 2 * npix);
  gst_buffer_map (in, &src, GST_MAP_READ);
  gst_buffer_map (out, &dst, GST_MAP_WRITE);
  if (info->is_float) {
    scale = photon_scale (self, scale, info, src.data, &automatic);
  } else if (meta != NULL) {
    /* counts (16- or 32-bit): the scale the source used, as its meta
     * says */
    gst_structure_get_boolean (meta, "scale-automatic", &automatic);
    if (!gst_structure_get_double (meta, "scale", &scale))
      automatic = FALSE;
  }
  /* Only an automatic scale goes into the header (SCALE=): an explicit
   * one is the user's own number, and the header stays nanoBragg's. */
  h.scale = automatic ? scale : 0.0;
  nb_smv_format_header (&h, (char *) dst.data);
  {
    NbWorkers *par = gst_nb_frame_enc_get_parallel (enc);
    PixelJob job = { info, src.data, dst.data + header_bytes, scale, adc,
      nb_workers_tasks_for (par, info->height, info->width)
    };
    nb_workers_run (par, job.tasks, convert_rows, &job);
  }
  gst_buffer_unmap (out, &dst);
  gst_buffer_unmap (in, &src);
  (void) error;
  return out;
}

static void
gst_nb_smv_enc_reset (GstNbFrameEnc * enc)
{
  GST_NB_SMV_ENC (enc)->series_scale = 0.0;
}

static void
gst_nb_smv_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbSmvEnc *self = GST_NB_SMV_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      self->scale = g_value_get_double (value);
      break;
    case PROP_ADC_OFFSET:
      self->adc_offset = g_value_get_double (value);
      break;
    case PROP_PIXEL_SIZE:
      self->pixel_size = g_value_get_double (value);
      break;
    case PROP_DISTANCE:
      self->distance = g_value_get_double (value);
      break;
    case PROP_WAVELENGTH:
      self->wavelength = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_smv_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNbSmvEnc *self = GST_NB_SMV_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    case PROP_ADC_OFFSET:
      g_value_set_double (value, self->adc_offset);
      break;
    case PROP_PIXEL_SIZE:
      g_value_set_double (value, self->pixel_size);
      break;
    case PROP_DISTANCE:
      g_value_set_double (value, self->distance);
      break;
    case PROP_WAVELENGTH:
      g_value_set_double (value, self->wavelength);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_smv_enc_class_init (GstNbSmvEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstNbFrameEncClass *enc_class = GST_NB_FRAME_ENC_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_nb_smv_enc_debug, "nbsmvenc", 0,
      "nanobragg SMV encoder");
  gobject_class->set_property = gst_nb_smv_enc_set_property;
  gobject_class->get_property = gst_nb_smv_enc_get_property;
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_double ("scale", "Scale", "Counts per photon for photon "
          "frames (0 = automatic: 55000 / maximum of the series' first "
          "frame, kept for the series and written as SCALE= in the "
          "headers)", 0,
          G_MAXDOUBLE, 1.0, flags));
  g_object_class_install_property (gobject_class, PROP_ADC_OFFSET,
      g_param_spec_double ("adc-offset", "ADC offset", "Counts added to "
          "photon frames", -65535, 65535, 40.0, flags));
  g_object_class_install_property (gobject_class, PROP_PIXEL_SIZE,
      g_param_spec_double ("pixel-size", "Pixel size", "Header PIXEL_SIZE "
          "(mm) for frames without NbFrameMeta", 1e-6, 1e3, 0.1, flags));
  g_object_class_install_property (gobject_class, PROP_DISTANCE,
      g_param_spec_double ("distance", "Distance", "Header DISTANCE (mm) for "
          "frames without NbFrameMeta", 1e-6, 1e6, 100.0, flags));
  g_object_class_install_property (gobject_class, PROP_WAVELENGTH,
      g_param_spec_double ("wavelength", "Wavelength", "Header WAVELENGTH "
          "(Angstrom) for frames without NbFrameMeta", 1e-6, 1e6, 1.0,
          flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg SMV encoder", "Codec/Encoder/Image",
      "Encodes diffraction frames as SMV/ADSC images with nanoBragg's header. "
      "Example: nanobraggsrc ... ! nbsmvenc ! multifilesink "
      "location=series_%05d.img index=1",
      "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbsmvenc");
  enc_class->output_caps = gst_nb_smv_enc_output_caps;
  enc_class->convert = gst_nb_smv_enc_convert;
  enc_class->reset = gst_nb_smv_enc_reset;
}

static void
gst_nb_smv_enc_init (GstNbSmvEnc * self)
{
  gst_nb_frame_enc_add_pads (GST_NB_FRAME_ENC (self));
  self->scale = 1.0;
  self->adc_offset = 40.0;
  self->pixel_size = 0.1;
  self->distance = 100.0;
  self->wavelength = 1.0;
}
