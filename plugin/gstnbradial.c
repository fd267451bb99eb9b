/**
 * SECTION:element-nbradial
 * @title: nbradial
 *
 * A model analysis element: for every frame, the azimuthal average of the
 * pixels around the direct beam in `bins` shells of equal width in
 * 1/d (1/Angstrom), up to the detector corner.  Output: CSV text
 * (`frame,bin,d_max_A,d_min_A,mean,pixels`, a header line first) and, with
 * post-messages, an element message "nbradial" on the bus with fields
 * frame (guint64), d (GstValueArray of bin-centre d spacings, Angstrom)
 * and mean (GstValueArray of mean pixel values).
 *
 * The geometry comes from NbFrameMeta (beam spot, close distance, pixel
 * size, wavelength) for a flat detector normal to the beam (a rotated or
 * two-theta detector is averaged as if it were not); frames without the
 * meta are an error.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     water=10 num-frames=5 ! nbradial bins=40 ! filesink location=radial.csv
 * ]|
 */
#include "gstnbradial.h"
#include "gstnbframemeta.h"

#include <math.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_radial_debug);
#define GST_CAT_DEFAULT gst_nb_radial_debug

enum
{
  PROP_0,
  PROP_BINS,
  PROP_POST_MESSAGES
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));

G_DEFINE_TYPE (GstNbRadial, gst_nb_radial, GST_TYPE_NB_FRAME_ENC);
GST_ELEMENT_REGISTER_DEFINE (nbradial, "nbradial", GST_RANK_NONE,
    GST_TYPE_NB_RADIAL);

static GstCaps *
gst_nb_radial_output_caps (GstNbFrameEnc * enc, const GstNbFrameInfo * info)
{
  return gst_caps_new_simple ("text/x-raw", "format", G_TYPE_STRING, "utf8",
      NULL);
}

static void
append_double (GValue * array, double v)
{
  GValue item = G_VALUE_INIT;
  g_value_init (&item, G_TYPE_DOUBLE);
  g_value_set_double (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

static GstBuffer *
gst_nb_radial_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbRadial *self = GST_NB_RADIAL (enc);
  const GstStructure *meta = gst_nb_frame_meta_get (in);
  double p, close, lambda, adxv_x, adxv_y, fbeam, sbeam, qmax = 0;
  guint64 frame = 0;
  gint bins;
  gboolean post;
  double *sum;
  gsize *count;
  GstMapInfo map;
  GString *csv = g_string_new (NULL);
  GValue d_arr = G_VALUE_INIT, m_arr = G_VALUE_INIT;

  if (meta == NULL || !gst_structure_get_double (meta, "pixel-size", &p)
      || !gst_structure_get_double (meta, "close-distance", &close)
      || !gst_structure_get_double (meta, "wavelength", &lambda)
      || !gst_structure_get_double (meta, "adxv-center-x", &adxv_x)
      || !gst_structure_get_double (meta, "adxv-center-y", &adxv_y)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "nbradial needs the frame geometry (NbFrameMeta: beam centre, "
        "distance, wavelength), which this frame lacks; frames straight "
        "from nanobraggsrc carry it");
    g_string_free (csv, TRUE);
    return NULL;
  }
  gst_structure_get_uint64 (meta, "frame", &frame);
  GST_OBJECT_LOCK (self);
  bins = self->bins;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  /* beam spot in mm from the first pixel's corner, fast and slow */
  fbeam = adxv_x;
  sbeam = info->height * p - adxv_y;
  /* q = 1/d = 2 sin(theta) / lambda for every pixel centre */
  {
    double corners[4][2] = { {0, 0}, {info->width, 0}, {0, info->height},
    {info->width, info->height}
    };
    for (int c = 0; c < 4; c++) {
      double r = hypot (corners[c][0] * p - fbeam, corners[c][1] * p - sbeam);
      qmax = MAX (qmax, 2 * sin (atan2 (r, close) / 2) / lambda);
    }
  }
  sum = g_new0 (double, bins);
  count = g_new0 (gsize, bins);
  gst_buffer_map (in, &map, GST_MAP_READ);
  for (int s = 0; s < info->height; s++)
    for (int f = 0; f < info->width; f++) {
      double r = hypot ((f + 0.5) * p - fbeam, (s + 0.5) * p - sbeam);
      double q = 2 * sin (atan2 (r, close) / 2) / lambda;
      int b = (int) (q / qmax * bins);
      if (b >= bins)
        b = bins - 1;
      sum[b] += gst_nb_frame_pixel (info, map.data,
          (gsize) s * info->width + f);
      count[b]++;
    }
  gst_buffer_unmap (in, &map);

  if (!self->header_sent) {
    g_string_append (csv, "frame,bin,d_max_A,d_min_A,mean,pixels\n");
    self->header_sent = TRUE;
  }
  g_value_init (&d_arr, GST_TYPE_ARRAY);
  g_value_init (&m_arr, GST_TYPE_ARRAY);
  for (int b = 0; b < bins; b++) {
    double q0 = qmax * b / bins, q1 = qmax * (b + 1) / bins;
    double mean = count[b] ? sum[b] / count[b] : 0.0;
    g_string_append_printf (csv, "%" G_GUINT64_FORMAT ",%d,%.6g,%.6g,%.9g,%"
        G_GSIZE_FORMAT "\n", frame, b, q0 > 0 ? 1.0 / q0 : INFINITY,
        1.0 / q1, mean, count[b]);
    append_double (&d_arr, 2.0 / (q0 + q1));
    append_double (&m_arr, mean);
  }
  if (post) {
    GstStructure *st = gst_structure_new ("nbradial", "frame", G_TYPE_UINT64,
        frame, NULL);
    gst_structure_take_value (st, "d", &d_arr);
    gst_structure_take_value (st, "mean", &m_arr);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), st));
  } else {
    g_value_unset (&d_arr);
    g_value_unset (&m_arr);
  }
  g_free (sum);
  g_free (count);
  {
    gsize len = csv->len;
    return gst_buffer_new_wrapped (g_string_free (csv, FALSE), len);
  }
}

static void
gst_nb_radial_reset (GstNbFrameEnc * enc)
{
  GST_NB_RADIAL (enc)->header_sent = FALSE;
}

static void
gst_nb_radial_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbRadial *self = GST_NB_RADIAL (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_BINS)
    self->bins = g_value_get_int (value);
  else if (prop_id == PROP_POST_MESSAGES)
    self->post_messages = g_value_get_boolean (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_radial_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstNbRadial *self = GST_NB_RADIAL (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_BINS)
    g_value_set_int (value, self->bins);
  else if (prop_id == PROP_POST_MESSAGES)
    g_value_set_boolean (value, self->post_messages);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_radial_class_init (GstNbRadialClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstNbFrameEncClass *enc_class = GST_NB_FRAME_ENC_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_nb_radial_debug, "nbradial", 0,
      "nanobragg radial profile");
  gobject_class->set_property = gst_nb_radial_set_property;
  gobject_class->get_property = gst_nb_radial_get_property;
  g_object_class_install_property (gobject_class, PROP_BINS,
      g_param_spec_int ("bins", "Bins", "Resolution shells, equal width in "
          "1/d (1/Angstrom)", 1, 100000, 50, flags));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages", "Post an "
          "\"nbradial\" element message per frame", TRUE, flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg radial profile", "Filter/Analyzer/Video",
      "Azimuthal average of diffraction frames in resolution shells, as CSV "
      "and bus messages. Example: nanobraggsrc ... ! nbradial bins=40 ! "
      "filesink location=radial.csv",
      "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbradial");
  enc_class->output_caps = gst_nb_radial_output_caps;
  enc_class->convert = gst_nb_radial_convert;
  enc_class->reset = gst_nb_radial_reset;
}

static void
gst_nb_radial_init (GstNbRadial * self)
{
  gst_nb_frame_enc_add_pads (GST_NB_FRAME_ENC (self));
  self->bins = 50;
  self->post_messages = TRUE;
}
