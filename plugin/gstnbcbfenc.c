/**
 * SECTION:element-nbcbfenc
 * @title: nbcbfenc
 *
 * Encodes each frame as a CBF file (one `image/x-cbf` buffer per frame):
 * 32-bit signed counts, byte-offset compressed, with the text header of a
 * Pilatus miniCBF (`_array_data.header_contents`: Pixel_size, sensor
 * thickness, Exposure_time/period, Count_cutoff, Wavelength,
 * Detector_distance, Beam_xy, Start_angle, Angle_increment,
 * Detector_2theta) and the full imgCIF geometry (`_axis` and friends), so
 * that DIALS imports the exact detector, beam and rotation axis, rotated
 * and two-theta detectors included.  fabio, DIALS (dxtbx's FormatCBFFull)
 * and CBFlib read the files; docs/formats.md describes them.
 *
 * Header values come from the frame's NbFrameMeta: the detector vectors
 * (pix0, fast, slow, beam), phi-start, osc, wavelength, pixel-size,
 * twotheta, frame, and from count frames' readout fields count-cutoff
 * and masked-value.  The rotation axis is the meta's spindle-axis-x/y/z
 * when present, otherwise the default axis of the meta's convention (a
 * custom convention's own axis is not in the meta: the element then
 * warns once and writes nanoBragg's default, +z).  Exposure time and
 * period are the buffer's duration, or the exposure-time property.  The
 * file's date is the buffer's PTS after 1970-01-01T00:00:00 UTC, so the
 * files of a run are the same bytes every time.  Without the meta: the
 * pixel-size, distance and wavelength properties, the beam at the
 * detector centre, normal to it, MOSFLM's axes, rotation about +z of that
 * frame (+x of DIALS'), count-cutoff from the property.
 *
 * Counts: `video/x-diffraction,format=S32LE` as they are (masked pixels,
 * negative, stay as they are: the file's undefined value is the meta's
 * masked-value, -1 without it); `video/x-raw,format=GRAY16_LE` as they
 * are.  Photons (`video/x-diffraction,format=F32LE`) become
 * round(photons * scale + adc-offset) clipped to 0 .. count-cutoff (the
 * count cutoff of the header).
 *
 * ## Example launch line (DIALS-friendly 1-based names)
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     osc=0.5 num-frames=90 noise=true \
 *     ! video/x-diffraction,format=S32LE \
 *     ! nbcbfenc ! multifilesink location=frame_%05d.cbf index=1
 * ]|
 */
#include "gstnbcbfenc.h"
#include "gstnbframemeta.h"
#include "nb_cbf.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_cbf_enc_debug);
#define GST_CAT_DEFAULT gst_nb_cbf_enc_debug

enum
{
  PROP_0,
  PROP_SCALE,
  PROP_ADC_OFFSET,
  PROP_COUNT_CUTOFF,
  PROP_EXPOSURE_TIME,
  PROP_SENSOR_THICKNESS,
  PROP_PIXEL_SIZE,
  PROP_DISTANCE,
  PROP_WAVELENGTH
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/x-cbf"));

G_DEFINE_TYPE (GstNbCbfEnc, gst_nb_cbf_enc, GST_TYPE_NB_FRAME_ENC);
GST_ELEMENT_REGISTER_DEFINE (nbcbfenc, "nbcbfenc", GST_RANK_NONE,
    GST_TYPE_NB_CBF_ENC);

static GstCaps *
gst_nb_cbf_enc_output_caps (GstNbFrameEnc * enc, const GstNbFrameInfo * info)
{
  return gst_caps_new_simple ("image/x-cbf", "framerate", GST_TYPE_FRACTION,
      info->fps_n, info->fps_d, NULL);
}

/* Geometry and readout values from the meta over @out's defaults; FALSE,
 * @out untouched, if one is missing.  Warns once when the meta does not
 * say the rotation axis. */
static gboolean
meta_geometry (GstNbCbfEnc * self, const GstStructure * s, NbCbfHeader * out)
{
  gboolean axis_known = TRUE;

  if (!gst_nb_frame_meta_to_cbf_header (s, out, &axis_known))
    return FALSE;
  if (!axis_known && !self->warned_custom_axis) {
    const char *convention = gst_structure_get_string (s, "convention");
    self->warned_custom_axis = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("rotation axis unknown"),
        ("the frames' NbFrameMeta has convention '%s' but no spindle-axis: "
            "the CBF files say nanoBragg's default rotation axis, +z",
            convention ? convention : "(none)"));
  }
  return TRUE;
}

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *src;
  gint32 *dst;
  double scale, adc, cutoff;
  guint tasks;
} PhotonJob;

/* Counts of the photon frame's rows of @task: round(v * scale + adc),
 * clipped to 0 .. cutoff. */
static void
photon_rows (gpointer data, guint task)
{
  const PhotonJob *job = data;
  gsize r0, r1, w = (gsize) job->info->width;

  nb_workers_part (job->info->height, job->tasks, task, &r0, &r1);
  for (gsize i = r0 * w; i < r1 * w; i++) {
    double v = gst_nb_frame_read_f32 (job->src, i) * job->scale + job->adc;
    /* NaN photons read 0 */
    v = v > 0.0 ? floor (v + 0.5) : 0.0;
    job->dst[i] = GINT32_TO_LE ((gint32) MIN (v, job->cutoff));
  }
}

static void
run_on_pool (gpointer runner, guint n_tasks, NbCbfTaskFunc func,
    gpointer data)
{
  nb_workers_run (runner, n_tasks, func, data);
}

/* The photon frame @src as 32-bit counts, in the element's scratch. */
static const gint32 *
photon_counts (GstNbCbfEnc * self, const GstNbFrameInfo * info,
    const guint8 * src, double scale, double adc, double cutoff)
{
  NbWorkers *par = gst_nb_frame_enc_get_parallel (GST_NB_FRAME_ENC
      (self));
  gsize n = (gsize) info->width * info->height;
  PhotonJob job = { info, src, NULL, scale, adc, cutoff,
    nb_workers_tasks_for (par, info->height, info->width)
  };

  if (self->photon_counts_len != n) {
    g_free (self->photon_counts);
    self->photon_counts = g_new (gint32, n);
    self->photon_counts_len = n;
  }
  job.dst = self->photon_counts;
  nb_workers_run (par, job.tasks, photon_rows, &job);
  return self->photon_counts;
}

/* An output buffer of @size bytes.  The compressed size changes every
 * frame, so the pool's buffers are made a little larger than needed and
 * cut down (the pool restores their size when they come back); the pool
 * is made again only when a frame outgrows them. */
static GstBuffer *
output_buffer (GstNbCbfEnc * self, gsize size)
{
  GstBuffer *out;

  if (size > self->capacity)
    self->capacity = (size + size / 8 + 65535) / 65536 * 65536;
  out = gst_nb_frame_enc_alloc (GST_NB_FRAME_ENC (self), self->capacity);
  gst_buffer_resize (out, 0, size);
  return out;
}

static GstBuffer *
gst_nb_cbf_enc_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbCbfEnc *self = GST_NB_CBF_ENC (enc);
  const GstStructure *meta = gst_nb_frame_meta_get (in);
  NbWorkers *par = gst_nb_frame_enc_get_parallel (enc);
  GstBuffer *out = NULL;
  GstMapInfo src, dst;
  NbCbfHeader h;
  NbCbfPlan *plan;
  const void *pixels;
  NbCbfPixels type = NB_CBF_PIXELS_S32;
  double scale, adc;
  gboolean have_meta;

  nb_cbf_header_init (&h);
  h.width = info->width;
  h.height = info->height;
  GST_OBJECT_LOCK (self);
  scale = self->scale;
  adc = self->adc_offset;
  h.count_cutoff = self->count_cutoff;
  h.exposure_time = self->exposure_time;
  h.thickness = self->sensor_thickness;
  gst_nb_frame_default_cbf_geometry (&h, info->width, info->height,
      self->pixel_size, self->distance, self->wavelength);
  GST_OBJECT_UNLOCK (self);
  /* outside the object lock: it may post a warning, and posting takes
   * the lock */
  have_meta = meta != NULL && meta_geometry (self, meta, &h);
  if (!have_meta)
    GST_LOG_OBJECT (self, "frame without (complete) NbFrameMeta: default "
        "geometry");
  if (GST_BUFFER_DURATION_IS_VALID (in))
    h.exposure_time = (double) GST_BUFFER_DURATION (in) / GST_SECOND;
  h.exposure_period = h.exposure_time;
  if (GST_BUFFER_PTS_IS_VALID (in))
    h.timestamp = (double) GST_BUFFER_PTS (in) / GST_SECOND;

  gst_buffer_map (in, &src, GST_MAP_READ);
  switch (info->format) {
    case GST_NB_FRAME_F32:
      pixels = photon_counts (self, info, src.data, scale, adc,
          h.count_cutoff);
      break;
    case GST_NB_FRAME_GRAY16:
      type = NB_CBF_PIXELS_U16;
      pixels = src.data;
      break;
    default:
      pixels = src.data;
      break;
  }
  plan = nb_cbf_plan_new (&h, pixels, type, nb_workers_tasks_for (par,
          info->height, info->width), run_on_pool, par, error);
  if (plan != NULL) {
    out = output_buffer (self, nb_cbf_plan_size (plan));
    gst_buffer_map (out, &dst, GST_MAP_WRITE);
    nb_cbf_plan_write (plan, dst.data);
    gst_buffer_unmap (out, &dst);
    nb_cbf_plan_free (plan);
  }
  gst_buffer_unmap (in, &src);
  return out;
}

static void
gst_nb_cbf_enc_reset (GstNbFrameEnc * enc)
{
  GstNbCbfEnc *self = GST_NB_CBF_ENC (enc);

  g_clear_pointer (&self->photon_counts, g_free);
  self->photon_counts_len = 0;
  self->capacity = 0;
  self->warned_custom_axis = FALSE;
}

static void
gst_nb_cbf_enc_finalize (GObject * object)
{
  g_free (GST_NB_CBF_ENC (object)->photon_counts);
  G_OBJECT_CLASS (gst_nb_cbf_enc_parent_class)->finalize (object);
}

static gdouble *
property_field (GstNbCbfEnc * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_SCALE:
      return &self->scale;
    case PROP_ADC_OFFSET:
      return &self->adc_offset;
    case PROP_COUNT_CUTOFF:
      return &self->count_cutoff;
    case PROP_EXPOSURE_TIME:
      return &self->exposure_time;
    case PROP_SENSOR_THICKNESS:
      return &self->sensor_thickness;
    case PROP_PIXEL_SIZE:
      return &self->pixel_size;
    case PROP_DISTANCE:
      return &self->distance;
    case PROP_WAVELENGTH:
      return &self->wavelength;
    default:
      return NULL;
  }
}

static void
gst_nb_cbf_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbCbfEnc *self = GST_NB_CBF_ENC (object);
  gdouble *field = property_field (self, prop_id);

  if (field == NULL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (self);
  *field = g_value_get_double (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_cbf_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNbCbfEnc *self = GST_NB_CBF_ENC (object);
  gdouble *field = property_field (self, prop_id);

  if (field == NULL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (self);
  g_value_set_double (value, *field);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_cbf_enc_class_init (GstNbCbfEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstNbFrameEncClass *enc_class = GST_NB_FRAME_ENC_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_nb_cbf_enc_debug, "nbcbfenc", 0,
      "nanobragg CBF encoder");
  gobject_class->set_property = gst_nb_cbf_enc_set_property;
  gobject_class->get_property = gst_nb_cbf_enc_get_property;
  gobject_class->finalize = gst_nb_cbf_enc_finalize;
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_double ("scale", "Scale", "Counts per photon for photon "
          "frames (F32LE)", 1e-300, G_MAXDOUBLE, 1.0, flags));
  g_object_class_install_property (gobject_class, PROP_ADC_OFFSET,
      g_param_spec_double ("adc-offset", "ADC offset", "Counts added to "
          "photon frames (F32LE)", -G_MAXINT32, G_MAXINT32, 0.0, flags));
  g_object_class_install_property (gobject_class, PROP_COUNT_CUTOFF,
      g_param_spec_double ("count-cutoff", "Count cutoff", "Saturation "
          "(counts) written as Count_cutoff and the overload level, and "
          "the clip of photon frames, for frames whose NbFrameMeta has no "
          "count-cutoff", 0, G_MAXINT32, G_MAXINT32, flags));
  g_object_class_install_property (gobject_class, PROP_EXPOSURE_TIME,
      g_param_spec_double ("exposure-time", "Exposure time", "Exposure_time "
          "and Exposure_period (s) for frames without a duration", 0, 1e9,
          1.0, flags));
  g_object_class_install_property (gobject_class, PROP_SENSOR_THICKNESS,
      g_param_spec_double ("sensor-thickness", "Sensor thickness",
          "Thickness of the Silicon sensor (mm) in the header; 0 = the "
          "simulated one from the frames' meta (detector-thickness)", 0, 1e3,
          0.0, flags));
  g_object_class_install_property (gobject_class, PROP_PIXEL_SIZE,
      g_param_spec_double ("pixel-size", "Pixel size", "Pixel size (mm) for "
          "frames without NbFrameMeta", 1e-6, 1e3, 0.1, flags));
  g_object_class_install_property (gobject_class, PROP_DISTANCE,
      g_param_spec_double ("distance", "Distance", "Detector distance (mm) "
          "for frames without NbFrameMeta", 1e-6, 1e6, 100.0, flags));
  g_object_class_install_property (gobject_class, PROP_WAVELENGTH,
      g_param_spec_double ("wavelength", "Wavelength", "Wavelength "
          "(Angstrom) for frames without NbFrameMeta", 1e-6, 1e6, 1.0,
          flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg CBF encoder", "Codec/Encoder/Image",
      "Encodes diffraction frames as CBF files (32-bit counts, byte-offset, "
      "Pilatus-style header, full imgCIF geometry). Example: nanobraggsrc "
      "... ! nbcbfenc ! multifilesink location=frame_%05d.cbf index=1",
      "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbcbfenc");
  enc_class->output_caps = gst_nb_cbf_enc_output_caps;
  enc_class->convert = gst_nb_cbf_enc_convert;
  enc_class->reset = gst_nb_cbf_enc_reset;
}

static void
gst_nb_cbf_enc_init (GstNbCbfEnc * self)
{
  gst_nb_frame_enc_add_pads (GST_NB_FRAME_ENC (self));
  self->scale = 1.0;
  self->adc_offset = 0.0;
  self->count_cutoff = G_MAXINT32;
  self->exposure_time = 1.0;
  self->sensor_thickness = 0.0;
  self->pixel_size = 0.1;
  self->distance = 100.0;
  self->wavelength = 1.0;
}
