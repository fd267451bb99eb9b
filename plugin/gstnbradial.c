/**
 * SECTION:element-nbradial
 * @title: nbradial
 *
 * A model analysis element: for every frame, the azimuthal average of the
 * pixels in `bins` shells of equal width in 1/d (1/Angstrom), from the
 * direct beam up to the largest 1/d on the detector.  Output: CSV text
 * (`frame,bin,d_max_A,d_min_A,mean,pixels`, a header line first) and, with
 * post-messages, an element message "nbradial" on the bus with fields
 * frame (guint64) and, one entry per shell (GstValueArray), d-min and
 * d-max (the shell's limits, Angstrom; d-max of the first shell is
 * infinite), d-centre (d at the middle of the shell in 1/d,
 * 2 / (1/d-max + 1/d-min)), d (the same as d-centre, the name of earlier
 * versions), mean (mean pixel value) and pixels (guint64, pixel centres
 * in the shell, masked pixels not counted).  Masked pixels (negative
 * 32-bit counts, `video/x-diffraction,format=S32LE`) are left out of the
 * shells.
 *
 * The scattering angle of each pixel centre comes from the detector
 * vectors of NbFrameMeta (pix0, fast and slow axes, beam direction in the
 * lab frame): rotated, two-theta and curved detectors are binned by their
 * true d.  The pixel -> shell map is computed once and kept until the
 * geometry in the meta (or `bins`) changes.  A meta without the vectors
 * falls back to a flat detector normal to the beam through the beam spot
 * at the close distance, with one warning per stream; frames without the
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
#include "nb_physics.h"
#include "nb_vec.h"

#include <math.h>
#include <string.h>

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

static gboolean
get_vector (const GstStructure * meta, const char *name, double v[3])
{
  static const char *const axis[3] = { "x", "y", "z" };
  gboolean ok = TRUE;

  for (int i = 0; i < 3; i++) {
    gchar *key = g_strdup_printf ("%s-%s", name, axis[i]);
    ok &= gst_structure_get_double (meta, key, &v[i]);
    g_free (key);
  }
  return ok;
}

/* The geometry of @meta for @info; FALSE if the meta lacks the flat
 * detector's values (a stream error).  Without the lab-frame vectors
 * @geom->have_vectors is FALSE: the flat-detector fallback. */
static gboolean
geometry_from_meta (const GstStructure * meta, const GstNbFrameInfo * info,
    gint bins, GstNbRadialGeometry * geom)
{
  double pixel_mm, distance_mm;
  gboolean ok;

  /* zeroed: geometries are compared with memcmp */
  memset (geom, 0, sizeof (*geom));
  geom->width = info->width;
  geom->height = info->height;
  geom->bins = bins;
  ok = meta != NULL
      && gst_structure_get_double (meta, "pixel-size", &pixel_mm)
      && gst_structure_get_double (meta, "close-distance", &geom->close)
      && gst_structure_get_double (meta, "wavelength", &geom->lambda)
      && gst_structure_get_double (meta, "adxv-center-x", &geom->fbeam)
      && gst_structure_get_double (meta, "adxv-center-y", &geom->sbeam);
  if (!ok)
    return FALSE;
  geom->pixel = pixel_mm / 1000.0;
  geom->close /= 1000.0;
  /* beam spot (m) from the first pixel's corner, fast and slow */
  geom->fbeam /= 1000.0;
  geom->sbeam = info->height * geom->pixel - geom->sbeam / 1000.0;
  geom->have_vectors = get_vector (meta, "pix0", geom->pix0)
      && get_vector (meta, "fast-axis", geom->fast)
      && get_vector (meta, "slow-axis", geom->slow)
      && get_vector (meta, "beam-vector", geom->beam)
      && gst_structure_get_double (meta, "distance", &distance_mm);
  if (geom->have_vectors) {
    geom->distance = distance_mm / 1000.0;
    gst_structure_get_boolean (meta, "curved-detector", &geom->curved);
  }
  return TRUE;
}

/* 1/d = 2 sin(theta) / lambda (1/Angstrom) of the ray from the sample to
 * @pos: the angle between it and the beam is 2 theta. */
static double
inverse_d_of_ray (const GstNbRadialGeometry * g, const double pos[3])
{
  double cross[3];
  double two_theta;

  nb_vec_cross (g->beam, pos, cross);
  two_theta = atan2 (nb_vec_norm (cross), nb_vec_dot (g->beam, pos));
  return 2 * sin (two_theta / 2) / g->lambda;
}

/* 1/d of the point (f, s), in pixels from the outer corner of the first
 * pixel, of a flat detector. */
static double
inverse_d_flat (const GstNbRadialGeometry * g, double f, double s)
{
  double pos[3];

  if (!g->have_vectors) {
    /* fallback: normal to the beam through the beam spot */
    double r = hypot (f * g->pixel - g->fbeam, s * g->pixel - g->sbeam);
    return 2 * sin (atan2 (r, g->close) / 2) / g->lambda;
  }
  for (int i = 0; i < 3; i++)
    pos[i] = g->pix0[i] + f * g->pixel * g->fast[i]
        + s * g->pixel * g->slow[i];
  return inverse_d_of_ray (g, pos);
}

/* 1/d of the centre of pixel (f, s), where the renderer puts it. */
static double
inverse_d_of_pixel (const GstNbRadialGeometry * g, int f, int s)
{
  NbDetector d = { 0 };
  double pos[3];

  if (!g->curved)
    return inverse_d_flat (g, f + 0.5, s + 0.5);
  /* a curved detector: the engine's own placement on the sphere */
  nb_vec_copy (g->fast, d.fdet);
  nb_vec_copy (g->slow, d.sdet);
  nb_vec_copy (g->beam, d.beam);
  nb_vec_copy (g->pix0, d.pix0);
  d.distance = g->distance;
  d.curved = TRUE;
  d.oversample = 1;
  d.subpixel_size = g->pixel;
  nb_subpixel_position (&d, f, s, 0, 0, 0.0, pos);
  return inverse_d_of_ray (g, pos);
}

typedef struct
{
  const GstNbRadialGeometry *g;
  guint tasks;
  double *q;                    /* 1/d of every pixel centre */
  double *qmax;                 /* per task */
  double qmax_all;
  gint *shell;
} ShellMapJob;

static void
inverse_d_of_rows (gpointer data, guint task)
{
  ShellMapJob *job = data;
  const GstNbRadialGeometry *g = job->g;
  gsize begin, end;
  double qmax = 0;

  nb_workers_part (g->height, job->tasks, task, &begin, &end);
  for (gsize s = begin; s < end; s++)
    for (int f = 0; f < g->width; f++) {
      gsize i = s * g->width + f;
      job->q[i] = inverse_d_of_pixel (g, f, (int) s);
      qmax = MAX (qmax, job->q[i]);
    }
  job->qmax[task] = qmax;
}

static void
shells_of_rows (gpointer data, guint task)
{
  ShellMapJob *job = data;
  const GstNbRadialGeometry *g = job->g;
  gsize begin, end;

  nb_workers_part (g->height, job->tasks, task, &begin, &end);
  for (gsize i = begin * g->width; i < end * g->width; i++) {
    int b = job->qmax_all > 0 ? (int) (job->q[i] / job->qmax_all * g->bins)
        : 0;
    job->shell[i] = MIN (b, g->bins - 1);
  }
}

/* The pixel -> shell map of @g: 1/d of every pixel centre, shells of
 * equal width in 1/d up to the largest 1/d on the detector (the corners of
 * a flat one). */
static void
build_shell_map (GstNbRadial * self, const GstNbRadialGeometry * g)
{
  NbWorkers *par = gst_nb_frame_enc_get_parallel (GST_NB_FRAME_ENC
      (self));
  gsize n = (gsize) g->width * g->height;
  ShellMapJob job = { g, nb_workers_tasks_for (par, g->height,
        g->width)
  };
  double qmax = 0;

  if (!g->curved) {
    const double corners[4][2] = { {0, 0}, {g->width, 0}, {0, g->height},
    {g->width, g->height}
    };
    for (int c = 0; c < 4; c++)
      qmax = MAX (qmax, inverse_d_flat (g, corners[c][0], corners[c][1]));
  }
  job.q = g_new (double, n);
  job.qmax = g_new (double, job.tasks);
  nb_workers_run (par, job.tasks, inverse_d_of_rows, &job);
  /* a maximum does not depend on the order */
  for (guint t = 0; t < job.tasks; t++)
    qmax = MAX (qmax, job.qmax[t]);
  g_free (self->shell_of_pixel);
  self->shell_of_pixel = g_new (gint, n);
  job.qmax_all = qmax;
  job.shell = self->shell_of_pixel;
  nb_workers_run (par, job.tasks, shells_of_rows, &job);
  self->qmax = qmax;
  self->geometry = *g;
  g_free (job.q);
  g_free (job.qmax);
  GST_DEBUG_OBJECT (self, "shell map for %dx%d pixels, %d shells up to "
      "1/d = %g 1/A (%s)", g->width, g->height, g->bins, qmax,
      g->have_vectors ? (g->curved ? "curved detector" : "lab-frame "
          "detector vectors") : "flat detector normal to the beam");
}

/* Partial sums of the shells are kept for this many row bands at most,
 * and for at most this many (band, shell) pairs: the bands depend only on
 * the frame height and the shell count, never on the thread count, so
 * the sums (added band by band in band order) do not either. */
#define MAX_BANDS 64
#define MAX_BAND_ENTRIES (1 << 20)

static guint
shell_sum_bands (gint height, gint bins)
{
  guint bands = MIN (MAX_BANDS, MAX_BAND_ENTRIES / bins);
  return CLAMP (bands, 1, (guint) height);
}

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *data;
  const gint *shell;
  gint bins;
  guint bands;
  double *sum;                  /* bands x bins */
  guint64 *count;               /* bands x bins */
} ShellSumJob;

/* The shells' sums and pixel counts over the rows of band @band; masked
 * pixels (negative 32-bit counts) are left out. */
static void
sum_band (gpointer data, guint band)
{
  const ShellSumJob *job = data;
  const guint8 *px = job->data;
  const gint *shell = job->shell;
  double *sum = job->sum + (gsize) band * job->bins;
  guint64 *count = job->count + (gsize) band * job->bins;
  gsize row_begin, row_end, begin, end;

  nb_workers_part (job->info->height, job->bands, band, &row_begin,
      &row_end);
  begin = row_begin * job->info->width;
  end = row_end * job->info->width;
  memset (sum, 0, job->bins * sizeof (*sum));
  memset (count, 0, job->bins * sizeof (*count));
  switch (job->info->format) {
    case GST_NB_FRAME_F32:
      for (gsize i = begin; i < end; i++) {
        sum[shell[i]] += gst_nb_frame_read_f32 (px, i);
        count[shell[i]]++;
      }
      break;
    case GST_NB_FRAME_GRAY16:
      for (gsize i = begin; i < end; i++) {
        sum[shell[i]] += GST_READ_UINT16_LE (px + 2 * i);
        count[shell[i]]++;
      }
      break;
    case GST_NB_FRAME_S32:
      for (gsize i = begin; i < end; i++) {
        gint32 v = gst_nb_frame_read_s32 (px, i);
        if (v < 0)
          continue;
        sum[shell[i]] += v;
        count[shell[i]]++;
      }
      break;
  }
}

/* The mean and pixel count of every shell of the frame in @data. */
static void
shell_means (GstNbRadial * self, const GstNbFrameInfo * info,
    const guint8 * data, double *mean, gsize * count)
{
  const gint bins = self->geometry.bins;
  ShellSumJob job = { info, data, self->shell_of_pixel, bins,
    shell_sum_bands (info->height, bins)
  };

  job.sum = g_new (double, (gsize) job.bands * bins);
  job.count = g_new (guint64, (gsize) job.bands * bins);
  nb_workers_run (gst_nb_frame_enc_get_parallel (GST_NB_FRAME_ENC
          (self)), job.bands, sum_band, &job);
  for (int b = 0; b < bins; b++) {
    double sum = 0;
    guint64 n = 0;
    /* in band order, whichever thread summed which band */
    for (guint band = 0; band < job.bands; band++) {
      sum += job.sum[(gsize) band * bins + b];
      n += job.count[(gsize) band * bins + b];
    }
    mean[b] = n ? sum / n : 0.0;
    count[b] = n;
  }
  g_free (job.sum);
  g_free (job.count);
}

static void
post_shells (GstNbRadial * self, guint64 frame, const double *mean,
    const gsize * count)
{
  const gint bins = self->geometry.bins;
  GValue d_min = G_VALUE_INIT, d_max = G_VALUE_INIT, d_centre = G_VALUE_INIT,
      d_alias = G_VALUE_INIT, m_arr = G_VALUE_INIT, n_arr = G_VALUE_INIT;
  GstStructure *st;

  g_value_init (&d_min, GST_TYPE_ARRAY);
  g_value_init (&d_max, GST_TYPE_ARRAY);
  g_value_init (&d_centre, GST_TYPE_ARRAY);
  g_value_init (&m_arr, GST_TYPE_ARRAY);
  g_value_init (&n_arr, GST_TYPE_ARRAY);
  for (int b = 0; b < bins; b++) {
    double q0 = self->qmax * b / bins, q1 = self->qmax * (b + 1) / bins;
    GValue pixels = G_VALUE_INIT;
    append_double (&d_max, q0 > 0 ? 1.0 / q0 : INFINITY);
    append_double (&d_min, 1.0 / q1);
    append_double (&d_centre, 2.0 / (q0 + q1));
    append_double (&m_arr, mean[b]);
    g_value_init (&pixels, G_TYPE_UINT64);
    g_value_set_uint64 (&pixels, count[b]);
    gst_value_array_append_and_take_value (&n_arr, &pixels);
  }
  g_value_init (&d_alias, GST_TYPE_ARRAY);
  g_value_copy (&d_centre, &d_alias);
  st = gst_structure_new ("nbradial", "frame", G_TYPE_UINT64, frame, NULL);
  gst_structure_take_value (st, "d-min", &d_min);
  gst_structure_take_value (st, "d-max", &d_max);
  gst_structure_take_value (st, "d-centre", &d_centre);
  /* "d": the shell centre, the name earlier versions posted */
  gst_structure_take_value (st, "d", &d_alias);
  gst_structure_take_value (st, "mean", &m_arr);
  gst_structure_take_value (st, "pixels", &n_arr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

static GstBuffer *
gst_nb_radial_convert (GstNbFrameEnc * enc, const GstNbFrameInfo * info,
    GstBuffer * in, GError ** error)
{
  GstNbRadial *self = GST_NB_RADIAL (enc);
  const GstStructure *meta = gst_nb_frame_meta_get (in);
  GstNbRadialGeometry geom;
  guint64 frame = 0;
  gint bins;
  gboolean post;
  double *mean;
  gsize *count;
  GstMapInfo map;
  GString *csv;

  GST_OBJECT_LOCK (self);
  bins = self->bins;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (!geometry_from_meta (meta, info, bins, &geom)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "nbradial needs the frame geometry (NbFrameMeta: beam centre, "
        "distance, wavelength), which this frame lacks; frames straight "
        "from nanobraggsrc carry it");
    return NULL;
  }
  if (!geom.have_vectors && !self->warned_flat) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("NbFrameMeta without the "
            "detector vectors (pix0, fast-axis, slow-axis, beam-vector): "
            "shells computed for a flat detector normal to the beam, wrong "
            "for a rotated or two-theta detector"), (NULL));
    self->warned_flat = TRUE;
  }
  if (self->shell_of_pixel == NULL
      || memcmp (&geom, &self->geometry, sizeof (geom)) != 0)
    build_shell_map (self, &geom);
  gst_structure_get_uint64 (meta, "frame", &frame);

  mean = g_new0 (double, bins);
  count = g_new0 (gsize, bins);
  gst_buffer_map (in, &map, GST_MAP_READ);
  shell_means (self, info, map.data, mean, count);
  gst_buffer_unmap (in, &map);

  csv = g_string_new (NULL);
  if (!self->header_sent) {
    g_string_append (csv, "frame,bin,d_max_A,d_min_A,mean,pixels\n");
    self->header_sent = TRUE;
  }
  for (int b = 0; b < bins; b++) {
    double q0 = self->qmax * b / bins, q1 = self->qmax * (b + 1) / bins;
    g_string_append_printf (csv, "%" G_GUINT64_FORMAT ",%d,%.6g,%.6g,%.9g,%"
        G_GSIZE_FORMAT "\n", frame, b, q0 > 0 ? 1.0 / q0 : INFINITY,
        1.0 / q1, mean[b], count[b]);
  }
  if (post)
    post_shells (self, frame, mean, count);
  g_free (mean);
  g_free (count);
  {
    gsize len = csv->len;
    return gst_buffer_new_wrapped (g_string_free (csv, FALSE), len);
  }
}

static void
gst_nb_radial_reset (GstNbFrameEnc * enc)
{
  GstNbRadial *self = GST_NB_RADIAL (enc);

  self->header_sent = FALSE;
  self->warned_flat = FALSE;
  g_clear_pointer (&self->shell_of_pixel, g_free);
}

static void
gst_nb_radial_finalize (GObject * object)
{
  g_free (GST_NB_RADIAL (object)->shell_of_pixel);
  G_OBJECT_CLASS (gst_nb_radial_parent_class)->finalize (object);
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
  gobject_class->finalize = gst_nb_radial_finalize;
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
