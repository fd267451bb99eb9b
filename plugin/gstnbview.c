/**
 * SECTION:element-nbview
 * @title: nbview
 *
 * Turns photon frames (`video/x-diffraction,format=F32LE`) or detector
 * counts (`video/x-raw,format=GRAY16_LE`, or 32-bit
 * `video/x-diffraction,format=S32LE`) into `GRAY8` or `GRAY16_LE` images
 * for displays and PNG snapshots.  Masked pixels of 32-bit counts
 * (negative) are left out of the percentiles and drawn black (0), also
 * with `invert`.  The range is either automatic, from
 * percentiles of each frame (`low-percentile`, `high-percentile`), or fixed
 * (`auto-range=false`, `min`, `max`); the black end of the range in use
 * must be below its white end (`low-percentile` < `high-percentile`,
 * `min` < `max`), else streaming stops with an error naming both
 * properties, when it starts or at the next frame.  Values in the range
 * are mapped linearly, by square root or logarithmically (`scale`);
 * `invert` gives dark spots on white, as adxv shows them.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     num-frames=50 ! nbview scale=log invert=true ! videoconvert ! autovideosink
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     num-frames=5 ! nbview ! pngenc ! multifilesink location=snap_%03d.png
 * ]|
 */
#include "gstnbview.h"
#include "gstnbrank.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_view_debug);
#define GST_CAT_DEFAULT gst_nb_view_debug

enum
{
  PROP_0,
  PROP_SCALE,
  PROP_AUTO_RANGE,
  PROP_LOW_PERCENTILE,
  PROP_HIGH_PERCENTILE,
  PROP_MIN,
  PROP_MAX,
  PROP_INVERT
};

#define OUT_CAPS "video/x-raw, format=(string){GRAY8,GRAY16_LE}, " \
  "width=(int)[1,65536], height=(int)[1,65536], " \
  "framerate=(fraction)[0/1,1000/1]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (OUT_CAPS));

#define GST_TYPE_NB_VIEW_SCALE (gst_nb_view_scale_get_type ())
static GType
gst_nb_view_scale_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NB_VIEW_LINEAR, "Linear", "linear"},
    {GST_NB_VIEW_SQRT, "Square root", "sqrt"},
    {GST_NB_VIEW_LOG, "Logarithmic (3 decades across the range)", "log"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstNbViewScale",
            values));
  return type;
}

G_DEFINE_TYPE (GstNbView, gst_nb_view, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (nbview, "nbview", GST_RANK_NONE,
    GST_TYPE_NB_VIEW);

static void
copy_geometry (const GstStructure * from, GstStructure * to)
{
  const char *fields[] = { "width", "height", "framerate" };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    const GValue *v = gst_structure_get_value (from, fields[i]);
    if (v)
      gst_structure_set_value (to, fields[i], v);
  }
}

static GstCaps *
gst_nb_view_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstCaps *out = gst_caps_new_empty ();

  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    if (direction == GST_PAD_SINK) {
      GstStructure *o = gst_structure_from_string ("video/x-raw, "
          "format=(string){GRAY8,GRAY16_LE}", NULL);
      copy_geometry (s, o);
      gst_caps_append_structure (out, o);
    } else {
      GstStructure *f = gst_structure_new ("video/x-diffraction", "format",
          G_TYPE_STRING, "F32LE", NULL);
      GstStructure *g = gst_structure_new ("video/x-raw", "format",
          G_TYPE_STRING, "GRAY16_LE", NULL);
      GstStructure *c = gst_structure_new ("video/x-diffraction", "format",
          G_TYPE_STRING, "S32LE", NULL);
      copy_geometry (s, f);
      copy_geometry (s, g);
      copy_geometry (s, c);
      gst_caps_append_structure (out, f);
      gst_caps_append_structure (out, g);
      gst_caps_append_structure (out, c);
    }
  }
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, out,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (out);
    out = tmp;
  }
  return out;
}

static gboolean
gst_nb_view_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstNbView *self = GST_NB_VIEW (trans);
  const gchar *format;

  if (!gst_nb_frame_info_from_caps (incaps, &self->in))
    return FALSE;
  format = gst_structure_get_string (gst_caps_get_structure (outcaps, 0),
      "format");
  self->out16 = format && g_str_equal (format, "GRAY16_LE");
  return TRUE;
}

static gboolean
gst_nb_view_get_unit_size (GstBaseTransform * trans, GstCaps * caps,
    gsize * size)
{
  GstNbFrameInfo info;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *format = gst_structure_get_string (s, "format");
  gint w, h;

  if (gst_nb_frame_info_from_caps (caps, &info)) {
    *size = gst_nb_frame_size (&info);
    return TRUE;
  }
  if (!format || !gst_structure_get_int (s, "width", &w)
      || !gst_structure_get_int (s, "height", &h))
    return FALSE;
  *size = (gsize) w * h * (g_str_equal (format, "GRAY8") ? 1 : 2);
  return TRUE;
}

/* ---- the range from percentiles ---- */

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *data;
  gsize stride, samples;
  guint tasks;
  guint64 *keys;                /* samples */
  gsize *masked;                /* per task */
} SampleJob;

/* Keys of the samples of @task (masked pixels: GST_NB_RANK_KEY_NONE). */
static void
sample_part (gpointer data, guint task)
{
  SampleJob *job = data;
  gsize begin, end, masked = 0;

  nb_workers_part (job->samples, job->tasks, task, &begin, &end);
  for (gsize k = begin; k < end; k++) {
    gsize i = k * job->stride;
    if (gst_nb_frame_masked (job->info, job->data, i)) {
      job->keys[k] = GST_NB_RANK_KEY_NONE;
      masked++;
    } else {
      job->keys[k] = gst_nb_rank_key (gst_nb_frame_pixel (job->info,
              job->data, i));
    }
  }
  job->masked[task] = masked;
}

/* Percentiles of a strided sample of the frame (at most about 2^18
 * pixels, masked ones left out): the values at ranks floor(p/100 (k-1))
 * of the k sampled values, as a sort would give them, by radix selection
 * (gstnbrank.h). */
static void
percentile_range (GstNbView * self, const guint8 * data, double lo_pc,
    double hi_pc, double *lo, double *hi)
{
  const GstNbFrameInfo *info = &self->in;
  gsize n = (gsize) info->width * info->height;
  gsize stride = MAX ((gsize) 1, n / 262144), m = (n + stride - 1) / stride;
  /* strided reads: one part per thread */
  SampleJob job = { info, data, stride, m,
    nb_workers_get_threads (self->parallel)
  };
  gsize k = m;

  if (self->samples != m) {
    g_free (self->keys);
    g_free (self->scratch);
    self->keys = g_new (guint64, m);
    self->scratch = g_new (guint64, m);
    self->samples = m;
  }
  job.keys = self->keys;
  job.masked = g_new (gsize, job.tasks);
  nb_workers_run (self->parallel, job.tasks, sample_part, &job);
  for (guint t = 0; t < job.tasks; t++)
    k -= job.masked[t];
  g_free (job.masked);
  if (k == 0) {
    /* every sampled pixel masked: nothing to range over */
    *lo = *hi = 0.0;
    return;
  }
  /* the masked keys are the largest: ranks below k never reach them */
  *lo = gst_nb_rank_value (gst_nb_rank_select (self->keys, m,
          (gsize) floor (CLAMP (lo_pc, 0, 100) / 100.0 * (k - 1)),
          self->scratch, self->hist));
  *hi = gst_nb_rank_value (gst_nb_rank_select (self->keys, m,
          (gsize) floor (CLAMP (hi_pc, 0, 100) / 100.0 * (k - 1)),
          self->scratch, self->hist));
}

/* ---- the mapping ---- */

/* The place of @v in the range, 0..1. */
static inline double
view_ratio (double v, double lo, double span)
{
  double x = (v - lo) / span;
  return CLAMP (x, 0.0, 1.0);
}

/* The gray level (0..1) of ratio @x. */
static inline double
view_shade (double x, GstNbViewScale scale, gboolean invert)
{
  const double log_decades = 1000.0;

  if (scale == GST_NB_VIEW_SQRT)
    x = sqrt (x);
  else if (scale == GST_NB_VIEW_LOG)
    x = log1p (log_decades * x) / log1p (log_decades);
  if (invert)
    x = 1.0 - x;
  return x;
}

static inline guint16
view_quantize (double x, gboolean out16)
{
  return out16 ? (guint16) (x * 65535.0 + 0.5) : (guint8) (x * 255.0 + 0.5);
}

/* A table of the output levels of the whole numbers first..last, for
 * counts: every pixel below first is below the range (level @below),
 * every one after last above it (level @above). */
typedef struct
{
  gint64 first, last;
  guint16 below, above;
  guint16 *level;               /* last - first + 1 */
} LevelTable;

typedef struct
{
  const GstNbFrameInfo *info;
  const guint8 *src;
  guint8 *dst;
  gboolean out16, invert;
  GstNbViewScale scale;
  double lo, span;
  const LevelTable *table;      /* counts with a table, else NULL */
  const struct _PhotonSteps *steps;     /* photons to GRAY8, or NULL */
  guint16 *fill;                /* while building the table */
  guint tasks;
} MapJob;

static void
fill_table_part (gpointer data, guint task)
{
  const MapJob *job = data;
  const LevelTable *t = job->table;
  gsize begin, end;

  nb_workers_part (t->last - t->first + 1, job->tasks, task, &begin,
      &end);
  for (gsize j = begin; j < end; j++)
    job->fill[j] = view_quantize (view_shade (view_ratio (t->first + j,
                job->lo, job->span), job->scale, job->invert), job->out16);
}

static inline void
put_level (const MapJob * job, gsize i, guint16 level)
{
  if (job->out16)
    GST_WRITE_UINT16_LE (job->dst + 2 * i, level);
  else
    job->dst[i] = (guint8) level;
}

static inline guint16
table_level (const LevelTable * t, gint64 v)
{
  if (v < t->first)
    return t->below;
  if (v > t->last)
    return t->above;
  return t->level[v - t->first];
}

/* Photons of pixels @begin..@end-1 to gray levels: one loop per mapping,
 * so that none tests the properties per pixel. */
static inline void
map_photons_as (const MapJob * job, gsize begin, gsize end,
    GstNbViewScale scale, gboolean invert, gboolean out16)
{
  for (gsize i = begin; i < end; i++) {
    guint16 level = view_quantize (view_shade (view_ratio
            (gst_nb_frame_read_f32 (job->src, i), job->lo, job->span),
            scale, invert), out16);
    if (out16)
      GST_WRITE_UINT16_LE (job->dst + 2 * i, level);
    else
      job->dst[i] = (guint8) level;
  }
}

#define MAP_PHOTONS(scale) \
  (job->invert ? (job->out16 ? map_photons_as (job, begin, end, scale, \
        TRUE, TRUE) : map_photons_as (job, begin, end, scale, TRUE, FALSE)) \
   : (job->out16 ? map_photons_as (job, begin, end, scale, FALSE, TRUE) \
        : map_photons_as (job, begin, end, scale, FALSE, FALSE)))

static void
map_photons (const MapJob * job, gsize begin, gsize end)
{
  switch (job->scale) {
    case GST_NB_VIEW_LINEAR:
      MAP_PHOTONS (GST_NB_VIEW_LINEAR);
      break;
    case GST_NB_VIEW_SQRT:
      MAP_PHOTONS (GST_NB_VIEW_SQRT);
      break;
    default:
      MAP_PHOTONS (GST_NB_VIEW_LOG);
      break;
  }
}

/* ---- photons to GRAY8 by thresholds ----
 *
 * The level of a photon value is a non-decreasing function of it (or
 * non-increasing with invert): every step (subtraction, division, clamp,
 * sqrt, the products and the rounding) is a correctly rounded IEEE
 * operation, hence monotonic, and so is libm's log1p wherever it matters
 * (checked per frame, below).  So 255 thresholds, the smallest float32
 * value of each level, found by bisection on the values, give every
 * pixel its level by comparisons: the same level as computed per pixel,
 * without a logarithm and two divisions per pixel.  A table over the top
 * 16 bits of the value's order key says how many thresholds lie below
 * each bucket of values and how many inside it. */

#define STEP_BUCKETS 65536
#define LEVELS 255
/* libm's log1p is checked this many ulps either side of each level
 * boundary; its error (< 1 ulp) can move a boundary by a few ulps only */
#define LOG1P_CHECK_ULPS 64

typedef struct _PhotonSteps
{
  guint n;                      /* thresholds: the levels above the lowest */
  guint32 key[LEVELS];          /* order keys of the thresholds, sorted */
  guint16 first[STEP_BUCKETS];  /* thresholds below each bucket */
  guint8 inside[STEP_BUCKETS];  /* thresholds in it */
} PhotonSteps;

/* An order key of float32 values: -inf < ... < -0 < +0 < ... < +inf. */
static inline guint32
float_key (float v)
{
  guint32 u;

  memcpy (&u, &v, 4);
  return (u >> 31) ? ~u : u | 0x80000000u;
}

static inline float
float_of_key (guint32 k)
{
  guint32 u = (k >> 31) ? k & 0x7fffffffu : ~k;
  float v;

  memcpy (&v, &u, 4);
  return v;
}

#define KEY_MINUS_INF 0x007fffffu
#define KEY_PLUS_INF 0xff800000u

/* The GRAY8 level of photon value @v, as map_photons computes it. */
static inline guint
photon_level (const MapJob * job, float v)
{
  return view_quantize (view_shade (view_ratio (v, job->lo, job->span),
          job->scale, job->invert), FALSE);
}

/* The level made non-decreasing in @v. */
static inline guint
photon_rank (const MapJob * job, float v)
{
  guint level = photon_level (job, v);
  return job->invert ? LEVELS - level : level;
}

/* The same from z = 1000 x, the argument of log1p (scale=log only). */
static inline guint
log_rank_of_z (const MapJob * job, double z)
{
  const double log_decades = 1000.0;
  double x = log1p (z) / log1p (log_decades);
  guint level;

  if (job->invert)
    x = 1.0 - x;
  level = view_quantize (x, FALSE);
  return job->invert ? LEVELS - level : level;
}

static inline double
double_of_bits (guint64 u)
{
  double v;
  memcpy (&v, &u, 8);
  return v;
}

static inline guint64
bits_of_double (double v)
{
  guint64 u;
  memcpy (&u, &v, 8);
  return u;
}

typedef struct
{
  const MapJob *map;
  PhotonSteps *steps;
  guint low;                    /* rank of -inf */
  guint tasks;
  gboolean *monotonic;          /* per task */
} StepsJob;

/* Whether log1p gives rank @j a single boundary near the one between the
 * photon values @below and @at (rank < j at one, >= j at the other). */
static gboolean
log_boundary_is_clean (const MapJob * job, float below, float at, guint j)
{
  const double log_decades = 1000.0;
  guint64 lo = bits_of_double (log_decades * view_ratio (below, job->lo,
          job->span));
  guint64 hi = bits_of_double (log_decades * view_ratio (at, job->lo,
          job->span));
  guint64 top = bits_of_double (log_decades);

  if (log_rank_of_z (job, double_of_bits (lo)) >= j
      || log_rank_of_z (job, double_of_bits (hi)) < j)
    return FALSE;
  /* z >= 0: the bits are in the order of the values */
  while (hi - lo > 1) {
    guint64 mid = lo + (hi - lo) / 2;
    if (log_rank_of_z (job, double_of_bits (mid)) >= j)
      hi = mid;
    else
      lo = mid;
  }
  for (guint64 d = 1; d <= LOG1P_CHECK_ULPS; d++) {
    if (hi >= d && log_rank_of_z (job, double_of_bits (hi - d)) >= j)
      return FALSE;
    if (hi + d - 1 <= top && log_rank_of_z (job, double_of_bits (hi + d -
                1)) < j)
      return FALSE;
  }
  return TRUE;
}

/* Thresholds of the ranks of @task's share: for rank j the smallest key
 * whose rank is >= j. */
static void
find_thresholds (gpointer data, guint task)
{
  StepsJob *job = data;
  PhotonSteps *steps = job->steps;
  gsize begin, end;
  gboolean ok = TRUE;

  nb_workers_part (steps->n, job->tasks, task, &begin, &end);
  for (gsize t = begin; t < end; t++) {
    guint j = (guint) t + 1;
    guint32 lo = KEY_MINUS_INF, hi = KEY_PLUS_INF;

    if (j <= job->low) {
      steps->key[t] = KEY_MINUS_INF;
      continue;
    }
    /* rank(lo) < j <= rank(hi) */
    while (hi - lo > 1) {
      guint32 mid = lo + (hi - lo) / 2;
      if (photon_rank (job->map, float_of_key (mid)) >= j)
        hi = mid;
      else
        lo = mid;
    }
    steps->key[t] = hi;
    if (job->map->scale == GST_NB_VIEW_LOG)
      ok = ok && log_boundary_is_clean (job->map, float_of_key (lo),
          float_of_key (hi), j);
  }
  job->monotonic[task] = ok;
}

/* The thresholds for @map, or FALSE (map every pixel) when libm's log1p
 * is not monotonic near a level boundary of this range. */
static gboolean
make_photon_steps (GstNbView * self, MapJob * map, PhotonSteps * steps)
{
  StepsJob job = { map, steps, photon_rank (map, float_of_key
          (KEY_MINUS_INF)), nb_workers_get_threads (self->parallel)
  };
  gboolean ok = TRUE;
  guint t = 0;

  steps->n = photon_rank (map, float_of_key (KEY_PLUS_INF));
  job.monotonic = g_new (gboolean, job.tasks);
  nb_workers_run (self->parallel, job.tasks, find_thresholds, &job);
  for (guint i = 0; i < job.tasks; i++)
    ok = ok && job.monotonic[i];
  g_free (job.monotonic);
  for (guint i = 1; i < steps->n; i++)
    ok = ok && steps->key[i - 1] <= steps->key[i];
  if (!ok) {
    GST_INFO_OBJECT (self, "log1p not monotonic near a level boundary: "
        "every pixel mapped");
    return FALSE;
  }
  for (guint b = 0; b < STEP_BUCKETS; b++) {
    guint in = 0;
    while (t < steps->n && steps->key[t] >> 16 < b)
      t++;
    steps->first[b] = t;
    while (t + in < steps->n && steps->key[t + in] >> 16 == b)
      in++;
    steps->inside[b] = in;
  }
  map->steps = steps;
  return TRUE;
}

static void
map_photons_by_steps (const MapJob * job, gsize begin, gsize end)
{
  const PhotonSteps *steps = job->steps;

  for (gsize i = begin; i < end; i++) {
    float v = gst_nb_frame_read_f32 (job->src, i);
    guint32 k;
    guint rank, last;

    if (G_UNLIKELY (v != v)) {
      job->dst[i] = (guint8) photon_level (job, v);
      continue;
    }
    k = float_key (v);
    rank = steps->first[k >> 16];
    last = rank + steps->inside[k >> 16];
    while (rank < last && steps->key[rank] <= k)
      rank++;
    job->dst[i] = (guint8) (job->invert ? LEVELS - rank : rank);
  }
}

/* The gray levels of the rows of @task: masked pixels black (0) */
static void
map_rows (gpointer data, guint task)
{
  const MapJob *job = data;
  const GstNbFrameInfo *info = job->info;
  const LevelTable *t = job->table;
  gsize row_begin, row_end, begin, end;

  nb_workers_part (info->height, job->tasks, task, &row_begin,
      &row_end);
  begin = row_begin * info->width;
  end = row_end * info->width;
  if (info->format == GST_NB_FRAME_GRAY16 && t) {
    for (gsize i = begin; i < end; i++)
      put_level (job, i, table_level (t, GST_READ_UINT16_LE (job->src +
                  2 * i)));
  } else if (info->format == GST_NB_FRAME_S32) {
    for (gsize i = begin; i < end; i++) {
      gint32 v = gst_nb_frame_read_s32 (job->src, i);
      guint16 level;
      if (v < 0)
        level = 0;
      else if (t)
        level = table_level (t, v);
      else
        level = view_quantize (view_shade (view_ratio (v, job->lo,
                    job->span), job->scale, job->invert), job->out16);
      put_level (job, i, level);
    }
  } else if (info->format == GST_NB_FRAME_F32 && job->steps) {
    map_photons_by_steps (job, begin, end);
  } else if (info->format == GST_NB_FRAME_F32) {
    map_photons (job, begin, end);
  } else {
    for (gsize i = begin; i < end; i++)
      put_level (job, i, view_quantize (view_shade (view_ratio
                  (gst_nb_frame_pixel (info, job->src, i), job->lo,
                      job->span), job->scale, job->invert), job->out16));
  }
}

/* For counts: the table of the whole numbers that can fall inside the
 * range, if it is small next to the frame (it then costs little and
 * saves a logarithm per pixel); the levels are the same as computed per
 * pixel.  FALSE: map every pixel. */
static gboolean
make_level_table (MapJob * job, LevelTable * t, gsize pixels)
{
  double top = job->info->format == GST_NB_FRAME_GRAY16 ? 65535.0
      : 2147483647.0;
  /* below floor(lo) the ratio is < 0; beyond lo + span + 1 it is > 1 */
  double first = CLAMP (floor (job->lo), 0.0, top);
  double last = CLAMP (ceil (job->lo + job->span) + 1.0, 0.0, top);
  gsize size = (gsize) (last - first) + 1;

  if (job->info->format == GST_NB_FRAME_F32
      || size > MAX ((gsize) 65536, pixels / 8))
    return FALSE;
  t->first = (gint64) first;
  t->last = (gint64) last;
  t->below = view_quantize (view_shade (0.0, job->scale, job->invert),
      job->out16);
  t->above = view_quantize (view_shade (1.0, job->scale, job->invert),
      job->out16);
  t->level = g_new (guint16, size);
  job->table = t;
  job->fill = t->level;
  return TRUE;
}

typedef struct {
  gboolean auto_range;
  double low_percentile, high_percentile, min, max;
} RangeSettings;

/* The range in use must have its black end below its white end; NULL if
 * it does, else what is wrong, naming both properties (free it). */
static gchar *
range_problem (const RangeSettings * r)
{
  if (r->auto_range && !(r->low_percentile < r->high_percentile))
    return g_strdup_printf ("low-percentile (%g) must be below "
        "high-percentile (%g)", r->low_percentile, r->high_percentile);
  if (!r->auto_range && !(r->min < r->max))
    return g_strdup_printf ("min (%g) must be below max (%g) with "
        "auto-range=false", r->min, r->max);
  return NULL;
}

/* The range properties, read together under the object lock: a frame is
 * checked and mapped with the same values even while the application
 * changes them. */
static void
range_settings (GstNbView * self, RangeSettings * r)
{
  GST_OBJECT_LOCK (self);
  r->auto_range = self->auto_range;
  r->low_percentile = self->low_percentile;
  r->high_percentile = self->high_percentile;
  r->min = self->min;
  r->max = self->max;
  GST_OBJECT_UNLOCK (self);
}

/* An element error for a contradictory range: black and white frames
 * would hide the mistake. */
static gboolean
check_range (GstNbView * self, const RangeSettings * r)
{
  gchar *why = range_problem (r);

  if (why == NULL)
    return TRUE;
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", why), (NULL));
  g_free (why);
  return FALSE;
}

static gboolean
gst_nb_view_start (GstBaseTransform * trans)
{
  GstNbView *self = GST_NB_VIEW (trans);
  GError *error = NULL;
  RangeSettings range;
  guint threads;

  range_settings (self, &range);
  if (!check_range (self, &range))
    return FALSE;
  threads = gst_nb_parallel_threads_from_env (&error);
  if (threads == 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        (NULL));
    g_error_free (error);
    return FALSE;
  }
  /* the threads live while the element streams: none per frame */
  self->parallel = nb_workers_new (threads);
  self->hist = g_new (guint32, GST_NB_RANK_BINS);
  GST_DEBUG_OBJECT (self, "%u threads", threads);
  return TRUE;
}

static gboolean
gst_nb_view_stop (GstBaseTransform * trans)
{
  GstNbView *self = GST_NB_VIEW (trans);

  g_clear_pointer (&self->parallel, nb_workers_free);
  g_clear_pointer (&self->hist, g_free);
  g_clear_pointer (&self->keys, g_free);
  g_clear_pointer (&self->scratch, g_free);
  self->samples = 0;
  return TRUE;
}

static GstFlowReturn
gst_nb_view_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstNbView *self = GST_NB_VIEW (trans);
  GstMapInfo in, out;
  gsize n = (gsize) self->in.width * self->in.height;
  double lo, hi;
  MapJob job = { &self->in };
  LevelTable table;
  PhotonSteps *steps = NULL;
  RangeSettings range;

  /* the properties are controllable: checked again for every frame */
  range_settings (self, &range);
  if (!check_range (self, &range))
    return GST_FLOW_ERROR;
  gst_buffer_map (inbuf, &in, GST_MAP_READ);
  gst_buffer_map (outbuf, &out, GST_MAP_WRITE);
  GST_OBJECT_LOCK (self);
  job.scale = self->scale;
  job.invert = self->invert;
  GST_OBJECT_UNLOCK (self);
  if (range.auto_range) {
    percentile_range (self, in.data, range.low_percentile,
        range.high_percentile, &lo, &hi);
  } else {
    lo = range.min;
    hi = range.max;
  }
  job.src = in.data;
  job.dst = out.data;
  job.out16 = self->out16;
  job.lo = lo;
  job.span = hi > lo ? hi - lo : 1.0;
  if (make_level_table (&job, &table, n)) {
    job.tasks = nb_workers_tasks_for (self->parallel,
        table.last - table.first + 1, 1);
    nb_workers_run (self->parallel, job.tasks, fill_table_part, &job);
  }
  if (self->in.format == GST_NB_FRAME_F32 && !job.out16
      && n >= STEP_BUCKETS) {
    /* worth its set-up (about 8000 levels computed) on large frames */
    steps = g_new (PhotonSteps, 1);
    make_photon_steps (self, &job, steps);
  }
  job.tasks = nb_workers_tasks_for (self->parallel, self->in.height,
      self->in.width);
  nb_workers_run (self->parallel, job.tasks, map_rows, &job);
  g_free (steps);
  if (job.table)
    g_free (table.level);
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (inbuf, &in);
  return GST_FLOW_OK;
}

static void
gst_nb_view_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbView *self = GST_NB_VIEW (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      self->scale = g_value_get_enum (value);
      break;
    case PROP_AUTO_RANGE:
      self->auto_range = g_value_get_boolean (value);
      break;
    case PROP_LOW_PERCENTILE:
      self->low_percentile = g_value_get_double (value);
      break;
    case PROP_HIGH_PERCENTILE:
      self->high_percentile = g_value_get_double (value);
      break;
    case PROP_MIN:
      self->min = g_value_get_double (value);
      break;
    case PROP_MAX:
      self->max = g_value_get_double (value);
      break;
    case PROP_INVERT:
      self->invert = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_view_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstNbView *self = GST_NB_VIEW (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      g_value_set_enum (value, self->scale);
      break;
    case PROP_AUTO_RANGE:
      g_value_set_boolean (value, self->auto_range);
      break;
    case PROP_LOW_PERCENTILE:
      g_value_set_double (value, self->low_percentile);
      break;
    case PROP_HIGH_PERCENTILE:
      g_value_set_double (value, self->high_percentile);
      break;
    case PROP_MIN:
      g_value_set_double (value, self->min);
      break;
    case PROP_MAX:
      g_value_set_double (value, self->max);
      break;
    case PROP_INVERT:
      g_value_set_boolean (value, self->invert);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_view_class_init (GstNbViewClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_CONTROLLABLE;

  GST_DEBUG_CATEGORY_INIT (gst_nb_view_debug, "nbview", 0,
      "nanobragg display converter");
  gobject_class->set_property = gst_nb_view_set_property;
  gobject_class->get_property = gst_nb_view_get_property;
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_enum ("scale", "Scale", "Mapping of values in the range "
          "to gray levels", GST_TYPE_NB_VIEW_SCALE, GST_NB_VIEW_LOG, flags));
  g_object_class_install_property (gobject_class, PROP_AUTO_RANGE,
      g_param_spec_boolean ("auto-range", "Automatic range", "Range from "
          "percentiles of each frame (else min/max)", TRUE, flags));
  g_object_class_install_property (gobject_class, PROP_LOW_PERCENTILE,
      g_param_spec_double ("low-percentile", "Low percentile", "Percentile "
          "(0-100) shown black with auto-range", 0, 100, 1.0, flags));
  g_object_class_install_property (gobject_class, PROP_HIGH_PERCENTILE,
      g_param_spec_double ("high-percentile", "High percentile",
          "Percentile (0-100) shown white with auto-range", 0, 100, 99.9,
          flags));
  g_object_class_install_property (gobject_class, PROP_MIN,
      g_param_spec_double ("min", "Minimum", "Value shown black without "
          "auto-range (photons or counts)", -G_MAXDOUBLE, G_MAXDOUBLE, 0,
          flags));
  g_object_class_install_property (gobject_class, PROP_MAX,
      g_param_spec_double ("max", "Maximum", "Value shown white without "
          "auto-range (photons or counts)", -G_MAXDOUBLE, G_MAXDOUBLE, 100,
          flags));
  g_object_class_install_property (gobject_class, PROP_INVERT,
      g_param_spec_boolean ("invert", "Invert", "Dark spots on white (as "
          "adxv)", FALSE, flags));
  gst_type_mark_as_plugin_api (GST_TYPE_NB_VIEW_SCALE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg display converter", "Filter/Converter/Video",
      "Maps diffraction frames to GRAY8/GRAY16_LE (linear, sqrt or log; "
      "percentile or fixed range; optional invert). Example: nanobraggsrc "
      "... ! nbview scale=log ! videoconvert ! autovideosink",
      "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbview");
  trans_class->start = gst_nb_view_start;
  trans_class->stop = gst_nb_view_stop;
  trans_class->transform_caps = gst_nb_view_transform_caps;
  trans_class->set_caps = gst_nb_view_set_caps;
  trans_class->get_unit_size = gst_nb_view_get_unit_size;
  trans_class->transform = gst_nb_view_transform;
}

static void
gst_nb_view_init (GstNbView * self)
{
  self->scale = GST_NB_VIEW_LOG;
  self->auto_range = TRUE;
  self->low_percentile = 1.0;
  self->high_percentile = 99.9;
  self->min = 0;
  self->max = 100;
}
