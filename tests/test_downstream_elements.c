/* test_downstream_elements.c - nbview, nbradial, nbsmvenc, nbtiffenc and
 * the plugin's metadata: contradictory nbview ranges are errors naming the
 * properties; nbradial's shells on a two-theta, rotated detector against d
 * computed here from the engine's detector vectors; nbsmvenc records the
 * automatic scale it (or nanobraggsrc) used; authors, origin and doc-uri
 * are real; 32-bit counts (S32LE, masked pixels negative) in every
 * element against computations here; nbview's percentiles equal those of
 * a sorted sample; every element's output is the same with 1 and with
 * several threads (NB_THREADS). */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_model.h"

#define SMALL "nanobraggsrc hkl-file=dense.hkl cell=\"79 79 38 90 90 90\" " \
  "misset=\"10 20 30\" n-cells=5 width=48 height=40 distance=100 osc=0.2 "

/* The element runs in the inputs directory (the args name files there). */
static void
enter_inputs (void)
{
  gchar *in = g_build_filename (golden_dir (), "inputs", NULL);
  g_assert_cmpint (g_chdir (in), ==, 0);
  g_free (in);
}

/* Runs @pipe to EOS or error; returns the error text (message and debug)
 * or NULL at EOS.  Element messages and warnings go to @on_message. */
static gchar *
run_to_end (GstElement * pipe, void (*on_message) (GstMessage *, gpointer),
    gpointer data)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gchar *error_text = NULL;
  GstMessage *msg;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT
              | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    if (type == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gchar *debug = NULL;
      gst_message_parse_error (msg, &e, &debug);
      error_text = g_strdup_printf ("%s (%s)", e->message, debug ? debug :
          "");
      g_error_free (e);
      g_free (debug);
    } else if (type != GST_MESSAGE_EOS && on_message) {
      on_message (msg, data);
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_EOS)
      break;
  }
  g_assert_nonnull (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  return error_text;
}

static gchar *
launch_for_error (const char *desc)
{
  GError *err = NULL;
  GstElement *pipe;
  gchar *text;

  enter_inputs ();
  pipe = gst_parse_launch (desc, &err);
  g_assert_no_error (err);
  text = run_to_end (pipe, NULL, NULL);
  gst_object_unref (pipe);
  return text;
}

/* ---- plugin and element metadata (gst-inspect shows these) ---- */

static void
test_plugin_origin (void)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (),
      "nanobragg");
  const gchar *origin;

  g_assert_nonnull (plugin);
  origin = gst_plugin_get_origin (plugin);
  /* no public project URL exists: GStreamer's own wording for that */
  g_assert_cmpstr (origin, ==, "Unknown package origin");
  gst_object_unref (plugin);
}

static void
test_element_metadata (void)
{
  const char *elements[] = { "nanobraggsrc", "nbtiffenc", "nbsmvenc",
    "nbview", "nbradial"
  };

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElementFactory *f = gst_element_factory_find (elements[i]);
    const gchar *author, *doc;
    GUri *uri;
    GError *err = NULL;
    gchar *anchor;

    g_assert_nonnull (f);
    author = gst_element_factory_get_metadata (f,
        GST_ELEMENT_METADATA_AUTHOR);
    g_assert_cmpstr (author, ==, "The nanobragg developers");
    doc = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_DOC_URI);
    g_assert_nonnull (doc);
    uri = g_uri_parse (doc, G_URI_FLAGS_NONE, &err);
    g_assert_no_error (err);
    /* the installed docs/elements.md, at the element's section */
    g_assert_cmpstr (g_uri_get_scheme (uri), ==, "file");
    g_assert_true (g_path_is_absolute (g_uri_get_path (uri)));
    g_assert_true (g_str_has_suffix (g_uri_get_path (uri),
            "/doc/nanobragg/elements.md"));
    anchor = g_strdup (elements[i]);
    g_assert_cmpstr (g_uri_get_fragment (uri), ==, anchor);
    g_free (anchor);
    g_uri_unref (uri);
    gst_object_unref (f);
  }
}

/* ---- nbview: contradictory ranges ---- */

static void
assert_names_both (const gchar * text, const char *a, const char *b)
{
  g_assert_nonnull (text);
  if (!strstr (text, a) || !strstr (text, b))
    g_test_fail_printf ("error '%s' does not name %s and %s", text, a, b);
}

static void
test_view_bad_ranges_at_start (void)
{
  gchar *err;

  err = launch_for_error (SMALL "num-frames=2 ! nbview low-percentile=90 "
      "high-percentile=10 ! fakesink");
  assert_names_both (err, "low-percentile", "high-percentile");
  g_free (err);
  err = launch_for_error (SMALL "num-frames=2 ! nbview auto-range=false "
      "min=50 max=10 ! fakesink");
  assert_names_both (err, "min", "max");
  g_free (err);
  /* equal ends: no range to map either */
  err = launch_for_error (SMALL "num-frames=2 ! nbview auto-range=false "
      "min=7 max=7 ! fakesink");
  assert_names_both (err, "min", "max");
  g_free (err);
  /* the pair not in use is not checked; a valid range runs */
  err = launch_for_error (SMALL "num-frames=2 ! nbview min=50 max=10 ! "
      "fakesink");
  g_assert_null (err);
  err = launch_for_error (SMALL "num-frames=2 ! nbview auto-range=false "
      "min=0 max=10 ! fakesink");
  g_assert_null (err);
}

static GstBuffer *
ramp_frame (int n)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, n * sizeof (float), NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (int i = 0; i < n; i++)
    ((float *) map.data)[i] = (float) i;
  gst_buffer_unmap (b, &map);
  return b;
}

/* Set while streaming (the properties are controllable): the next frame
 * is refused rather than rendered black. */
static void
test_view_bad_ranges_while_streaming (void)
{
  GstHarness *h = gst_harness_new ("nbview");

  gst_harness_set_src_caps_str (h, "video/x-diffraction, format=F32LE, "
      "width=4, height=4, framerate=0/1");
  g_assert_cmpint (gst_harness_push (h, ramp_frame (16)), ==, GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  g_object_set (h->element, "low-percentile", 80.0, "high-percentile", 20.0,
      NULL);
  g_assert_cmpint (gst_harness_push (h, ramp_frame (16)), ==,
      GST_FLOW_ERROR);
  gst_harness_teardown (h);
}

/* ---- nbradial: shells on a two-theta, rotated detector ---- */

#define TILTED "-hkl dense.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 " \
  "-lambda 1.0 -distance 100 -pixel 0.1 -detpixels_f 48 -detpixels_s 40 " \
  "-N 2 -oversample 1 -osc 0.1 "
#define GEOMETRY_A "-xds -twotheta 20 -detector_rotx 4 -detector_roty -3 " \
  "-detector_rotz 6"
#define GEOMETRY_B "-twotheta -12 -detector_rotx -2 -detector_roty 5"
#define BINS 100

static NbModel *
load_model (const char *flags)
{
  NbParams p;
  GError *err = NULL;
  NbModel *m;

  enter_inputs ();
  nb_params_init (&p);
  g_assert_true (nb_args_apply_string (&p, flags, &err));
  g_assert_no_error (err);
  m = nb_model_new (&p, NULL, &err);
  g_assert_no_error (err);
  nb_params_clear (&p);
  return m;
}

/* d (Angstrom) of the centre of pixel (f, s): the angle between the beam
 * and the ray to the pixel, in plain vector algebra. */
static double
pixel_d (const NbModel * m, int f, int s)
{
  const NbDetector *d = &m->det;
  double pos[3], dot = 0, len = 0, two_theta;

  for (int i = 0; i < 3; i++) {
    pos[i] = d->pix0[i] + (f + 0.5) * d->pixel_size * d->fdet[i]
        + (s + 0.5) * d->pixel_size * d->sdet[i];
    dot += pos[i] * d->beam[i];
    len += pos[i] * pos[i];
  }
  two_theta = acos (dot / sqrt (len));
  return m->lambda0 * 1e10 / (2 * sin (two_theta / 2));
}

/* d of the same pixel for a flat detector normal to the beam through the
 * beam spot at the close distance (what nbradial did before). */
static double
flat_pixel_d (const NbModel * m, int f, int s)
{
  const NbDetector *d = &m->det;
  double r = hypot ((f + 0.5) * d->pixel_size - d->Fbeam,
      (s + 0.5) * d->pixel_size - d->Sbeam);
  return m->lambda0 * 1e10 / (2 * sin (atan2 (r, d->close_distance) / 2));
}

typedef struct
{
  int f, s;
} Pixel;

/* frame i lights pixel hot[i % N] only */
static const Pixel hot[] = { {0, 0}, {47, 0}, {24, 20}, {3, 38}, {47, 39},
{11, 29}
};

typedef struct
{
  const NbModel *a, *b;         /* b: frames whose meta the probe rewrites */
  guint64 b_frames;             /* bit i: frame i gets b's vectors */
  gboolean strip_vectors;       /* remove the vectors (fallback path) */
  /* results */
  guint frames, warnings;
  gboolean failed;
} RadialRun;

static void
set_vector (GstStructure * s, const char *name, const double v[3])
{
  const char *axis[3] = { "x", "y", "z" };
  for (int i = 0; i < 3; i++) {
    gchar *key = g_strdup_printf ("%s-%s", name, axis[i]);
    gst_structure_set (s, key, G_TYPE_DOUBLE, v[i], NULL);
    g_free (key);
  }
}

static GstPadProbeReturn
light_one_pixel (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RadialRun *run = data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
      (info));
  GstCustomMeta *cm = gst_buffer_get_custom_meta (buf, "NbFrameMeta");
  GstStructure *s;
  guint64 frame;
  const Pixel *p;
  GstMapInfo map;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  g_assert_nonnull (cm);
  s = gst_custom_meta_get_structure (cm);
  g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
  p = &hot[frame % G_N_ELEMENTS (hot)];
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  memset (map.data, 0, map.size);
  ((float *) map.data)[p->s * 48 + p->f] = 1.0f;
  gst_buffer_unmap (buf, &map);
  if (run->strip_vectors) {
    gst_structure_remove_fields (s, "pix0-x", "pix0-y", "pix0-z",
        "fast-axis-x", "fast-axis-y", "fast-axis-z", "slow-axis-x",
        "slow-axis-y", "slow-axis-z", "beam-vector-x", "beam-vector-y",
        "beam-vector-z", NULL);
  } else if (run->b_frames & (G_GUINT64_CONSTANT (1) << frame)) {
    const NbDetector *d = &run->b->det;
    set_vector (s, "pix0", d->pix0);
    set_vector (s, "fast-axis", d->fdet);
    set_vector (s, "slow-axis", d->sdet);
    set_vector (s, "beam-vector", d->beam);
  }
  return GST_PAD_PROBE_OK;
}

static double
array_double (const GstStructure * s, const char *field, guint i)
{
  const GValue *a = gst_structure_get_value (s, field);
  g_assert_nonnull (a);
  g_assert_true (GST_VALUE_HOLDS_ARRAY (a));
  g_assert_cmpuint (gst_value_array_get_size (a), ==, BINS);
  return g_value_get_double (gst_value_array_get_value (a, i));
}

/* The only non-empty shell of the message must contain the lit pixel's d
 * for the geometry the frame carried (and, with the vectors, not the flat
 * detector's d: the check tells the two apart). */
static void
check_radial_message (GstMessage * msg, gpointer data)
{
  RadialRun *run = data;
  const GstStructure *s = gst_message_get_structure (msg);
  guint64 frame;
  const Pixel *p;
  const NbModel *m;
  double want, flat;
  int lit = -1;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *e = NULL;
    gst_message_parse_warning (msg, &e, NULL);
    g_test_message ("warning: %s", e->message);
    g_assert_nonnull (strstr (e->message, "flat"));
    g_error_free (e);
    run->warnings++;
    return;
  }
  if (!gst_structure_has_name (s, "nbradial"))
    return;
  g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
  p = &hot[frame % G_N_ELEMENTS (hot)];
  m = !run->strip_vectors && (run->b_frames & (G_GUINT64_CONSTANT (1) <<
          frame)) ? run->b : run->a;
  want = run->strip_vectors ? flat_pixel_d (m, p->f, p->s)
      : pixel_d (m, p->f, p->s);
  flat = flat_pixel_d (m, p->f, p->s);
  for (guint b = 0; b < BINS; b++) {
    if (array_double (s, "mean", b) > 0) {
      g_assert_cmpint (lit, ==, -1);
      lit = b;
    }
    /* the centre is the shell's middle in 1/d; "d" is the same value */
    g_assert_cmpfloat_with_epsilon (array_double (s, "d-centre", b),
        2.0 / (1.0 / array_double (s, "d-max", b)
            + 1.0 / array_double (s, "d-min", b)), 1e-9);
    g_assert_cmpfloat (array_double (s, "d", b), ==,
        array_double (s, "d-centre", b));
  }
  g_assert_cmpint (lit, >=, 0);
  {
    double lo = array_double (s, "d-min", lit), hi = array_double (s,
        "d-max", lit);
    g_test_message ("frame %" G_GUINT64_FORMAT " pixel (%d,%d): d %.6f in "
        "shell %d [%.6f, %.6f]; flat detector d %.6f", frame, p->f, p->s,
        want, lit, lo, hi, flat);
    if (!(want >= lo * (1 - 1e-12) && want <= hi * (1 + 1e-12))) {
      g_test_fail_printf ("frame %" G_GUINT64_FORMAT ": pixel (%d,%d) d=%.6f "
          "is not in its shell %d [%.6f, %.6f]", frame, p->f, p->s, want,
          lit, lo, hi);
      run->failed = TRUE;
    }
    if (!run->strip_vectors)
      g_assert_false (flat >= lo && flat <= hi);
  }
  run->frames++;
}

static void
run_radial (RadialRun * run, int frames)
{
  gchar *desc = g_strdup_printf ("nanobraggsrc nanobragg-args=\"" TILTED
      GEOMETRY_A "\" num-frames=%d ! nbradial name=r bins=%d ! fakesink",
      frames, BINS);
  GstElement *pipe, *r;
  GstPad *sink;
  GError *err = NULL;
  gchar *error_text;

  enter_inputs ();
  pipe = gst_parse_launch (desc, &err);
  g_assert_no_error (err);
  r = gst_bin_get_by_name (GST_BIN (pipe), "r");
  sink = gst_element_get_static_pad (r, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, light_one_pixel, run,
      NULL);
  error_text = run_to_end (pipe, check_radial_message, run);
  g_assert_null (error_text);
  g_assert_cmpuint (run->frames, ==, frames);
  g_assert_false (run->failed);
  gst_object_unref (sink);
  gst_object_unref (r);
  gst_object_unref (pipe);
  g_free (desc);
}

/* The meta from nanobraggsrc: every lit pixel in the shell of its d. */
static void
test_radial_tilted_detector (void)
{
  NbModel *a = load_model (TILTED GEOMETRY_A);
  RadialRun run = { a, NULL, 0, FALSE };

  run_radial (&run, 6);
  g_assert_cmpuint (run.warnings, ==, 0);
  nb_model_free (a);
}

/* A geometry that changes between frames is followed (the pixel -> shell
 * map is cached per geometry, not kept for the stream). */
static void
test_radial_geometry_change (void)
{
  NbModel *a = load_model (TILTED GEOMETRY_A);
  NbModel *b = load_model (TILTED GEOMETRY_B);
  RadialRun run = { a, b, (1 << 2) | (1 << 3) | (1 << 5), FALSE };

  run_radial (&run, 6);
  nb_model_free (a);
  nb_model_free (b);
}

/* A meta without the detector vectors: the flat-detector shells, and one
 * warning for the stream, not one per frame. */
static void
test_radial_flat_fallback (void)
{
  NbModel *a = load_model (TILTED GEOMETRY_A);
  RadialRun run = { a, NULL, 0, TRUE };

  run_radial (&run, 3);
  g_assert_cmpuint (run.warnings, ==, 1);
  nb_model_free (a);
}

/* ---- nbsmvenc: the scale of counts from nanobraggsrc ---- */

typedef struct
{
  GArray *meta_scales;
} ScaleProbe;

static GstPadProbeReturn
record_meta_scale (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ScaleProbe *probe = data;
  GstCustomMeta *cm = gst_buffer_get_custom_meta (GST_PAD_PROBE_INFO_BUFFER
      (info), "NbFrameMeta");
  double scale;

  g_assert_nonnull (cm);
  g_assert_true (gst_structure_get_double (gst_custom_meta_get_structure
          (cm), "scale", &scale));
  g_array_append_val (probe->meta_scales, scale);
  return GST_PAD_PROBE_OK;
}

/* The SCALE= value of an SMV header, or NAN without the key. */
static double
header_scale (GstBuffer * b)
{
  GstMapInfo map;
  gchar *header;
  const gchar *key;
  double v = NAN;

  gst_buffer_map (b, &map, GST_MAP_READ);
  header = g_strndup ((const gchar *) map.data, 512);
  gst_buffer_unmap (b, &map);
  g_assert_nonnull (strstr (header, "\n}"));
  key = strstr (header, "\nSCALE=");
  if (key)
    v = g_ascii_strtod (key + 7, NULL);
  g_free (header);
  return v;
}

static void
run_counts_to_smv (const char *source_scale, GArray * meta_scales,
    GArray * header_scales)
{
  gchar *desc = g_strdup_printf (SMALL "num-frames=2 %s ! "
      "video/x-raw,format=GRAY16_LE ! nbsmvenc name=e ! appsink name=out "
      "sync=false", source_scale);
  GError *err = NULL;
  GstElement *pipe, *e, *out;
  GstPad *sink;
  ScaleProbe probe = { meta_scales };
  GstSample *sample;
  gchar *error_text;

  enter_inputs ();
  pipe = gst_parse_launch (desc, &err);
  g_assert_no_error (err);
  e = gst_bin_get_by_name (GST_BIN (pipe), "e");
  out = gst_bin_get_by_name (GST_BIN (pipe), "out");
  sink = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, record_meta_scale,
      &probe, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (out)))) {
    double v = header_scale (gst_sample_get_buffer (sample));
    g_array_append_val (header_scales, v);
    gst_sample_unref (sample);
  }
  error_text = run_to_end (pipe, NULL, NULL);
  g_assert_null (error_text);
  gst_object_unref (sink);
  gst_object_unref (e);
  gst_object_unref (out);
  gst_object_unref (pipe);
  g_free (desc);
}

/* Counts from nanobraggsrc scale=0: the header says the scale the source
 * chose (the meta's); an explicit scale leaves nanoBragg's header as it is. */
static void
test_smv_records_source_scale (void)
{
  GArray *meta = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *header = g_array_new (FALSE, FALSE, sizeof (double));

  run_counts_to_smv ("scale=0", meta, header);
  g_assert_cmpuint (meta->len, ==, 2);
  g_assert_cmpuint (header->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    double m = g_array_index (meta, double, i);
    g_assert_cmpfloat (m, >, 0);
    g_assert_cmpfloat (m, !=, 1.0);
    g_assert_cmpfloat (g_array_index (header, double, i), ==, m);
  }
  g_array_set_size (meta, 0);
  g_array_set_size (header, 0);
  run_counts_to_smv ("scale=2.5", meta, header);
  g_assert_cmpuint (header->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (isnan (g_array_index (header, double, i)));
  g_array_unref (meta);
  g_array_unref (header);
}

static GstBuffer *
photon_frame (const float *values, int n)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, n * sizeof (float), NULL);
  gst_buffer_fill (b, 0, values, n * sizeof (float));
  return b;
}

/* Pushes @values through the harness' nbsmvenc (adc-offset 0), checks
 * the pixels are round(photons * @pixel_scale), clipped; returns the
 * header's SCALE (NAN without it). */
static double
encode_photons (GstHarness * h, const float *values, int n,
    double pixel_scale)
{
  GstBuffer *out;
  GstMapInfo map;
  double scale;

  g_assert_cmpint (gst_harness_push (h, photon_frame (values, n)), ==,
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  scale = header_scale (out);
  gst_buffer_map (out, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, 512 + 2 * n);
  for (int i = 0; i < n; i++)
    g_assert_cmpuint (GST_READ_UINT16_LE (map.data + 512 + 2 * i), ==,
        (guint) MIN (floor (values[i] * pixel_scale + 0.5), 65535));
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  return scale;
}

/* scale=0: one scale from the first frame for the series, recorded in
 * every header; a new one after READY. */
static void
test_smv_series_scale (void)
{
  const char *caps = "video/x-diffraction, format=F32LE, width=2, "
      "height=2, framerate=0/1";
  const float dim[4] = { 0, 1, 5, 10 }, bright[4] = { 0, 2, 10, 20 };
  GstHarness *h = gst_harness_new ("nbsmvenc");

  g_object_set (h->element, "scale", 0.0, "adc-offset", 0.0, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpfloat (encode_photons (h, dim, 4, 5500), ==, 5500);
  /* a brighter frame keeps the series' scale (and clips) */
  g_assert_cmpfloat (encode_photons (h, bright, 4, 5500), ==, 5500);
  /* a new series */
  gst_element_set_state (h->element, GST_STATE_READY);
  gst_element_set_state (h->element, GST_STATE_PLAYING);
  gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpfloat (encode_photons (h, bright, 4, 2750), ==, 2750);
  /* an explicit scale: no SCALE key, the header stays nanoBragg's */
  g_object_set (h->element, "scale", 3.0, NULL);
  g_assert_true (isnan (encode_photons (h, bright, 4, 3.0)));
  gst_harness_teardown (h);
}

/* ---- frames made here ---- */

static const char *const format_caps[] = {
  "video/x-diffraction, format=F32LE", "video/x-raw, format=GRAY16_LE",
  "video/x-diffraction, format=S32LE"
};

enum
{ F32, GRAY16, S32 };

static gchar *
frame_caps (int format, int width, int height)
{
  return g_strdup_printf ("%s, width=%d, height=%d, framerate=0/1",
      format_caps[format], width, height);
}

/* A frame of @values (photons or counts) in @format. */
static GstBuffer *
frame_of (int format, const double *values, gsize n)
{
  gsize bpp = format == GRAY16 ? 2 : 4;
  GstBuffer *b = gst_buffer_new_allocate (NULL, n * bpp, NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < n; i++) {
    if (format == F32) {
      float f = (float) values[i];
      guint32 bits;
      memcpy (&bits, &f, 4);
      GST_WRITE_UINT32_LE (map.data + 4 * i, bits);
    } else if (format == GRAY16) {
      GST_WRITE_UINT16_LE (map.data + 2 * i, (guint16) values[i]);
    } else {
      GST_WRITE_UINT32_LE (map.data + 4 * i, (guint32) (gint32) values[i]);
    }
  }
  gst_buffer_unmap (b, &map);
  return b;
}

/* Diffraction-like values: mostly a few photons or counts, a wide range
 * of magnitudes (so that sums in another order round differently), some
 * bright pixels, ties; for S32 a fifth of the pixels masked (-1 or other
 * negative values) and some counts beyond 16 bits. */
static double *
random_values (int format, gsize n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  double *v = g_new (double, n);

  for (gsize i = 0; i < n; i++) {
    double x = exp (g_rand_double_range (r, -6, 6));
    if (g_rand_int_range (r, 0, 100) == 0)
      x *= 1000;
    if (format != F32)
      x = floor (x);
    if (format == GRAY16)
      x = MIN (x, 65535);
    if (format == S32 && g_rand_int_range (r, 0, 5) == 0)
      x = g_rand_boolean (r) ? -1 : -g_rand_int_range (r, 2, 1 << 30);
    if (format == S32 && g_rand_int_range (r, 0, 50) == 0)
      x = g_rand_int_range (r, 65536, G_MAXINT32);
    v[i] = format == F32 ? (float) x : x;
  }
  g_rand_free (r);
  return v;
}

/* The output of @element (with @props, a gst_util_set_object_arg list
 * "name=value ...") for @frame, run with @threads threads (NB_THREADS);
 * the element's bus messages, as text, appended to @messages. */
static GBytes *
run_harness (const char *element, const char *props, int threads,
    const gchar * caps, GstBuffer * frame, GString * messages)
{
  gchar *nthreads = g_strdup_printf ("%d", threads);
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstBuffer *out;
  GstMessage *msg;
  GBytes *bytes;
  gsize size;
  gpointer data;

  g_setenv ("NB_THREADS", nthreads, TRUE);
  h = gst_harness_new (element);
  g_unsetenv ("NB_THREADS");
  gst_element_set_bus (h->element, bus);
  if (props) {
    gchar **kv = g_strsplit (props, " ", -1);
    for (int i = 0; kv[i]; i++) {
      gchar **pair = g_strsplit (kv[i], "=", 2);
      gst_util_set_object_arg (G_OBJECT (h->element), pair[0], pair[1]);
      g_strfreev (pair);
    }
    g_strfreev (kv);
  }
  gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (frame)), ==,
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_nonnull (out);
  size = gst_buffer_get_size (out);
  data = g_malloc (size);
  gst_buffer_extract (out, 0, data, size);
  bytes = g_bytes_new_take (data, size);
  gst_buffer_unref (out);
  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    if (messages && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && st) {
      gchar *text = gst_structure_to_string (st);
      g_string_append_printf (messages, "%s\n", text);
      g_free (text);
    }
    gst_message_unref (msg);
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (nthreads);
  return bytes;
}

/* NbFrameMeta of a flat detector 100 mm away, normal to the beam, beam
 * off-centre, 0.1 mm pixels: what nbradial needs. */
static void
add_frame_meta (GstBuffer * b, int width, int height)
{
  GstCustomMeta *cm = gst_buffer_add_custom_meta (b, "NbFrameMeta");
  GstStructure *s;
  const double pix0[3] = { 0.1, 0.0021, 0.0037 }, fast[3] = { 0, 0, -1 },
      slow[3] = { 0, -1, 0 }, beam[3] = { 1, 0, 0 };

  g_assert_nonnull (cm);
  s = gst_custom_meta_get_structure (cm);
  gst_structure_set (s, "frame", G_TYPE_UINT64, (guint64) 7, "wavelength",
      G_TYPE_DOUBLE, 1.0, "distance", G_TYPE_DOUBLE, 100.0,
      "close-distance", G_TYPE_DOUBLE, 100.0, "pixel-size", G_TYPE_DOUBLE,
      0.1, "adxv-center-x", G_TYPE_DOUBLE, 3.7, "adxv-center-y",
      G_TYPE_DOUBLE, height * 0.1 - 2.1, "width", G_TYPE_INT, width,
      "height", G_TYPE_INT, height, NULL);
  set_vector (s, "pix0", pix0);
  set_vector (s, "fast-axis", fast);
  set_vector (s, "slow-axis", slow);
  set_vector (s, "beam-vector", beam);
}

/* ---- every element: the same output with 1 and with N threads ---- */

typedef struct
{
  const char *element, *props;
} ElementCase;

static const ElementCase thread_cases[] = {
  {"nbview", NULL}, {"nbview", "scale=linear invert=true"},
  {"nbview", "scale=sqrt low-percentile=5 high-percentile=95"},
  {"nbview", "auto-range=false min=3 max=70000"},
  {"nbradial", "bins=37"}, {"nbradial", "bins=5000"},
  {"nbsmvenc", NULL}, {"nbsmvenc", "scale=0"}, {"nbtiffenc", NULL},
  {"nbtiffenc", "sample-format=uint32"}, {"nbtiffenc", "sample-format=int32"},
  {"nbtiffenc", "sample-format=uint16"},
};

static void
test_threads_same_output (void)
{
  const int width = 613, height = 457;  /* rows in no even split */
  const gsize n = (gsize) width * height;

  for (int format = F32; format <= S32; format++) {
    double *v = random_values (format, n, 17 + format);
    GstBuffer *frame = frame_of (format, v, n);
    gchar *caps = frame_caps (format, width, height);

    add_frame_meta (frame, width, height);
    for (guint c = 0; c < G_N_ELEMENTS (thread_cases); c++) {
      const ElementCase *ec = &thread_cases[c];
      GString *msg1 = g_string_new (NULL);
      GBytes *one = run_harness (ec->element, ec->props, 1, caps, frame,
          msg1);
      for (int threads = 2; threads <= 7; threads += 5) {
        GString *msgn = g_string_new (NULL);
        GBytes *many = run_harness (ec->element, ec->props, threads, caps,
            frame, msgn);
        if (!g_bytes_equal (one, many) || !g_str_equal (msg1->str,
                msgn->str))
          g_test_fail_printf ("%s %s, %s: the output with %d threads differs "
              "from that with 1", ec->element, ec->props ? ec->props : "",
              format_caps[format], threads);
        g_bytes_unref (many);
        g_string_free (msgn, TRUE);
      }
      if (g_str_equal (ec->element, "nbradial"))
        g_assert_nonnull (strstr (msg1->str, "nbradial"));
      g_bytes_unref (one);
      g_string_free (msg1, TRUE);
    }
    gst_buffer_unref (frame);
    g_free (caps);
    g_free (v);
  }
}

static void
test_threads_bad_env (void)
{
  gchar *err;

  g_setenv ("NB_THREADS", "many", TRUE);
  err = launch_for_error (SMALL "num-frames=1 ! nbview ! fakesink");
  g_unsetenv ("NB_THREADS");
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "NB_THREADS"));
  g_free (err);
  g_setenv ("NB_THREADS", "0", TRUE);
  err = launch_for_error (SMALL "num-frames=1 ! nbsmvenc ! fakesink");
  g_unsetenv ("NB_THREADS");
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "NB_THREADS"));
  g_free (err);
}

/* ---- nbview: percentiles and levels against a sorted sample ---- */

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* nbview's documented rule, computed with a sort: the strided sample of
 * at most ~2^18 pixels (stride max(1, n / 2^18)), masked pixels left out,
 * values at ranks floor(p/100 (k-1)). */
static void
sorted_percentiles_unmasked (const double *v, gsize n, gboolean masks,
    double lo_pc, double hi_pc, double *lo, double *hi)
{
  gsize stride = MAX ((gsize) 1, n / 262144), k = 0;
  double *kept = g_new (double, n);

  /* the stride is that of the whole frame; masked samples are dropped */
  for (gsize i = 0; i < n; i += stride)
    if (!masks || v[i] >= 0)
      kept[k++] = v[i];
  if (k == 0) {
    *lo = *hi = 0;
    g_free (kept);
    return;
  }
  qsort (kept, k, sizeof (double), compare_doubles);
  *lo = kept[(gsize) floor (lo_pc / 100.0 * (k - 1))];
  *hi = kept[(gsize) floor (hi_pc / 100.0 * (k - 1))];
  g_free (kept);
}

/* The GRAY16 levels nbview must give for @v with scale=linear or sqrt. */
static guint16
expected_level (double v, gboolean masks, double lo, double hi,
    gboolean use_sqrt, gboolean invert)
{
  double span = hi > lo ? hi - lo : 1.0, x;

  if (masks && v < 0)
    return 0;
  x = CLAMP ((v - lo) / span, 0.0, 1.0);
  if (use_sqrt)
    x = sqrt (x);
  if (invert)
    x = 1.0 - x;
  return (guint16) (x * 65535.0 + 0.5);
}

static void
check_view_levels (int format, const double *v, int width, int height,
    double lo_pc, double hi_pc, gboolean use_sqrt, gboolean invert)
{
  gsize n = (gsize) width * height, wrong = 0;
  gchar *caps = frame_caps (format, width, height);
  gchar *props = g_strdup_printf ("scale=%s invert=%d low-percentile=%g "
      "high-percentile=%g", use_sqrt ? "sqrt" : "linear", invert, lo_pc,
      hi_pc);
  GstBuffer *frame = frame_of (format, v, n);
  GstHarness *h;
  GstBuffer *out;
  GstMapInfo map;
  double lo, hi;

  sorted_percentiles_unmasked (v, n, format == S32, lo_pc, hi_pc, &lo, &hi);
  h = gst_harness_new ("nbview");
  {
    gchar **kv = g_strsplit (props, " ", -1);
    for (int i = 0; kv[i]; i++) {
      gchar **pair = g_strsplit (kv[i], "=", 2);
      gst_util_set_object_arg (G_OBJECT (h->element), pair[0], pair[1]);
      g_strfreev (pair);
    }
    g_strfreev (kv);
  }
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_set_sink_caps_str (h, "video/x-raw, format=GRAY16_LE");
  g_assert_cmpint (gst_harness_push (h, frame), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  gst_buffer_map (out, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, 2 * n);
  for (gsize i = 0; i < n; i++)
    if (GST_READ_UINT16_LE (map.data + 2 * i) != expected_level (v[i],
            format == S32, lo, hi, use_sqrt, invert))
      wrong++;
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_test_message ("%s %dx%d %s: range [%.9g, %.9g] from the sorted sample, "
      "%" G_GSIZE_FORMAT " pixels differ", format_caps[format], width,
      height, props, lo, hi, wrong);
  if (wrong)
    g_test_fail_printf ("%s %dx%d %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
        " levels are not those of the sorted sample's percentiles",
        format_caps[format], width, height, props, wrong, n);
  g_free (props);
  g_free (caps);
}

/* Random frames: small (every pixel sampled) and large (strided), every
 * format, percentiles at the ends and inside. */
static void
test_view_percentiles_random (void)
{
  const int sizes[][2] = { {7, 5}, {301, 257}, {1031, 777} };
  const double pcs[][2] = { {1, 99.9}, {0, 100}, {37.3, 62.1}, {50, 50.5} };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int format = F32; format <= S32; format++) {
      gsize n = (gsize) sizes[s][0] * sizes[s][1];
      double *v = random_values (format, n, 1000 + 10 * s + format);
      for (guint p = 0; p < G_N_ELEMENTS (pcs); p++)
        check_view_levels (format, v, sizes[s][0], sizes[s][1], pcs[p][0],
            pcs[p][1], p % 2, p == 2);
      g_free (v);
    }
}

/* Real frames: the golden rotation series (photons), as counts and as
 * 32-bit counts with a masked gap; and an S32 frame all masked. */
static void
test_view_percentiles_real (void)
{
  for (int i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("frame_%03d.bin", i);
    gchar *path = g_build_filename (golden_dir (), "rotation_series", name,
        NULL);
    float *photons = golden_read_floats (path, 128 * 128);
    double v[128 * 128], c[128 * 128];

    g_assert_nonnull (photons);
    for (int k = 0; k < 128 * 128; k++) {
      v[k] = photons[k];
      c[k] = MIN (floor (photons[k] * 50 + 0.5), 65535);
    }
    check_view_levels (F32, v, 128, 128, 1, 99.9, FALSE, FALSE);
    check_view_levels (F32, v, 128, 128, 10, 90, TRUE, TRUE);
    check_view_levels (GRAY16, c, 128, 128, 1, 99.9, TRUE, FALSE);
    /* a gap of 9 rows, and the first column */
    for (int k = 0; k < 128 * 128; k++)
      if ((k / 128 >= 60 && k / 128 < 69) || k % 128 == 0)
        c[k] = -1;
    check_view_levels (S32, c, 128, 128, 1, 99.9, FALSE, FALSE);
    check_view_levels (S32, c, 128, 128, 0, 100, FALSE, TRUE);
    for (int k = 0; k < 128 * 128; k++)
      c[k] = -1;
    check_view_levels (S32, c, 128, 128, 1, 99.9, FALSE, TRUE);
    g_free (photons);
    g_free (path);
    g_free (name);
  }
}

/* The GRAY8 level nbview must give photon value @v (its documented
 * mapping, computed here per pixel). */
static guint8
expected_gray8 (double v, double lo, double hi, int scale, gboolean invert)
{
  const double log_decades = 1000.0;
  double span = hi > lo ? hi - lo : 1.0;
  double x = CLAMP ((v - lo) / span, 0.0, 1.0);

  if (scale == 1)
    x = sqrt (x);
  else if (scale == 2)
    x = log1p (log_decades * x) / log1p (log_decades);
  if (invert)
    x = 1.0 - x;
  return (guint8) (x * 255.0 + 0.5);
}

/* Photons to GRAY8 on large frames (where nbview maps by level
 * thresholds) equal the per-pixel mapping, for every scale, both
 * directions, automatic and fixed ranges, narrow and wide, negative
 * values, zeros and infinities included. */
static void
test_view_gray8_photons (void)
{
  const char *scales[] = { "linear", "sqrt", "log" };
  const int width = 400, height = 300;
  const gsize n = (gsize) width * height;
  const double fixed[][2] = { {0, 100}, {-3, 5}, {1000, 1000.01},
  {1e-6, 2e-6}, {-1e30, 1e30}
  };
  double *v = random_values (F32, n, 99);
  gchar *caps = frame_caps (F32, width, height);
  GRand *r = g_rand_new_with_seed (4);

  for (gsize i = 0; i < n; i += 97)
    v[i] = -v[i];
  v[5] = 0;
  v[6] = -0.0;
  v[7] = INFINITY;
  v[8] = -INFINITY;
  for (gsize i = 10; i < 200; i++)
    v[i] = (float) (1000 + g_rand_double_range (r, 0, 0.01));
  for (int sc = 0; sc < 3; sc++)
    for (int inv = 0; inv < 2; inv++)
      for (int range = -1; range < (int) G_N_ELEMENTS (fixed); range++) {
        GstHarness *h = gst_harness_new ("nbview");
        GstBuffer *out;
        GstMapInfo map;
        double lo, hi;
        gsize wrong = 0;

        gst_util_set_object_arg (G_OBJECT (h->element), "scale",
            scales[sc]);
        g_object_set (h->element, "invert", inv, NULL);
        if (range < 0) {
          sorted_percentiles_unmasked (v, n, FALSE, 1, 99.9, &lo, &hi);
        } else {
          lo = fixed[range][0];
          hi = fixed[range][1];
          g_object_set (h->element, "auto-range", FALSE, "min", lo, "max",
              hi, NULL);
        }
        gst_harness_set_src_caps_str (h, caps);
        gst_harness_set_sink_caps_str (h, "video/x-raw, format=GRAY8");
        g_assert_cmpint (gst_harness_push (h, frame_of (F32, v, n)), ==,
            GST_FLOW_OK);
        out = gst_harness_pull (h);
        gst_buffer_map (out, &map, GST_MAP_READ);
        g_assert_cmpuint (map.size, ==, n);
        for (gsize i = 0; i < n; i++)
          wrong += map.data[i] != expected_gray8 ((float) v[i], lo, hi, sc,
              inv);
        gst_buffer_unmap (out, &map);
        gst_buffer_unref (out);
        gst_harness_teardown (h);
        if (wrong)
          g_test_fail_printf ("scale=%s invert=%d range [%g, %g]: %"
              G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " GRAY8 levels differ "
              "from the per-pixel mapping", scales[sc], inv, lo, hi, wrong,
              n);
      }
  g_rand_free (r);
  g_free (caps);
  g_free (v);
}

/* ---- 32-bit counts in the encoders and nbradial ---- */

static void
test_smv_s32_counts (void)
{
  const int width = 37, height = 23;
  const gsize n = (gsize) width * height;
  double *v = random_values (S32, n, 5);
  GstBuffer *frame = frame_of (S32, v, n);
  gchar *caps = frame_caps (S32, width, height);
  GBytes *out = run_harness ("nbsmvenc", "scale=7 adc-offset=100", 1, caps,
      frame, NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (out, &size);
  gsize masked = 0, high = 0;

  g_assert_cmpuint (size, ==, 512 + 2 * n);
  for (gsize i = 0; i < n; i++) {
    /* counts as they are: no scale, no offset; masked 0, saturated */
    guint want = (guint) CLAMP (v[i], 0, 65535);
    masked += v[i] < 0;
    high += v[i] > 65535;
    g_assert_cmpuint (GST_READ_UINT16_LE (data + 512 + 2 * i), ==, want);
  }
  g_assert_cmpuint (masked, >, 0);
  g_assert_cmpuint (high, >, 0);
  g_bytes_unref (out);
  gst_buffer_unref (frame);
  g_free (caps);
  g_free (v);
}

/* 32-bit counts as int32 samples, masked values included. */
static void
test_tiff_s32_counts (void)
{
  const int width = 41, height = 19;
  const gsize n = (gsize) width * height;
  double *v = random_values (S32, n, 6);
  GstBuffer *frame = frame_of (S32, v, n);
  gchar *caps = frame_caps (S32, width, height);
  GBytes *out = run_harness ("nbtiffenc", NULL, 3, caps, frame, NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (out, &size);
  gchar *header;

  /* a TIFF whose 32-bit signed samples follow the 8-byte header (an
   * independent reader, tifffile, checks the file in
   * tests/test_downstream.sh) */
  header = g_strndup ((const gchar *) data, 2);
  g_assert_true (g_str_equal (header, "II") || g_str_equal (header, "MM"));
  g_assert_cmpuint (size, >, 8 + 4 * n);
  for (gsize i = 0; i < n; i++) {
    gint32 c;
    memcpy (&c, data + 8 + 4 * i, 4);
    g_assert_cmpint (c, ==, (gint32) v[i]);
  }
  g_free (header);
  g_bytes_unref (out);
  gst_buffer_unref (frame);
  g_free (caps);
  g_free (v);
}

/* A TIFF larger than the room nbtiffenc reserves after the strip (a
 * 20000-character ImageDescription): the file is still whole. */
static void
test_tiff_long_description (void)
{
  const int width = 16, height = 9;
  const gsize n = (gsize) width * height;
  double *v = random_values (S32, n, 12);
  GstBuffer *frame = frame_of (S32, v, n);
  gchar *caps = frame_caps (S32, width, height);
  gchar *convention = g_strnfill (20000, 'x');
  GstCustomMeta *cm;
  GBytes *out;
  gsize size;
  const guint8 *data;

  add_frame_meta (frame, width, height);
  cm = gst_buffer_get_custom_meta (frame, "NbFrameMeta");
  gst_structure_set (gst_custom_meta_get_structure (cm), "convention",
      G_TYPE_STRING, convention, NULL);
  out = run_harness ("nbtiffenc", NULL, 2, caps, frame, NULL);
  data = g_bytes_get_data (out, &size);
  g_assert_cmpuint (size, >, 8 + 4 * n + 20000);
  for (gsize i = 0; i < n; i++) {
    gint32 c;
    memcpy (&c, data + 8 + 4 * i, 4);
    g_assert_cmpint (c, ==, (gint32) v[i]);
  }
  /* the whole description is in the file */
  {
    const gchar *key = "convention=";
    gsize at = 0;
    while (at + 11 <= size && memcmp (data + at, key, 11) != 0)
      at++;
    g_assert_cmpuint (at + 11 + 20000, <=, size);
    g_assert_cmpuint (strspn ((const gchar *) data + at + 11, "x"), ==,
        20000);
  }
  g_bytes_unref (out);
  gst_buffer_unref (frame);
  g_free (convention);
  g_free (caps);
  g_free (v);
}

/* Shell means and counts from nbradial's message. */
static void
radial_shells (const GString * messages, int bins, double *mean,
    guint64 * count)
{
  gchar *end = NULL;
  GstStructure *s = gst_structure_from_string (messages->str, &end);
  const GValue *m, *c;

  g_assert_nonnull (s);
  m = gst_structure_get_value (s, "mean");
  c = gst_structure_get_value (s, "pixels");
  g_assert_cmpuint (gst_value_array_get_size (m), ==, bins);
  for (int b = 0; b < bins; b++) {
    mean[b] = g_value_get_double (gst_value_array_get_value (m, b));
    count[b] = g_value_get_uint64 (gst_value_array_get_value (c, b));
  }
  gst_structure_free (s);
}

/* Masked pixels are not in the shells: the S32 frame's shells against
 * two GRAY16 frames of the same geometry, one with the counts (masked
 * pixels 0: the sums) and one with 1 at the masked pixels (how many of
 * them each shell holds). */
static void
test_radial_s32_masked (void)
{
  enum
  { S32_BINS = 23 };
  const int width = 211, height = 173;
  const gsize n = (gsize) width * height;
  double *v = random_values (S32, n, 8);
  double *sums = g_new (double, n), *marks = g_new (double, n);
  double mean[S32_BINS], sum_mean[S32_BINS], mark_mean[S32_BINS];
  guint64 count[S32_BINS], all[S32_BINS], all2[S32_BINS];
  GstBuffer *frames[3];
  gchar *caps32 = frame_caps (S32, width, height);
  gchar *caps16 = frame_caps (GRAY16, width, height);
  GString *msg[3];
  guint64 masked_total = 0;

  for (gsize i = 0; i < n; i++) {
    /* GRAY16 holds at most 65535: keep the counts in range */
    if (v[i] > 60000)
      v[i] = 60000;
    sums[i] = MAX (v[i], 0);
    marks[i] = v[i] < 0;
    masked_total += v[i] < 0;
  }
  frames[0] = frame_of (S32, v, n);
  frames[1] = frame_of (GRAY16, sums, n);
  frames[2] = frame_of (GRAY16, marks, n);
  for (int f = 0; f < 3; f++) {
    GBytes *csv;
    add_frame_meta (frames[f], width, height);
    msg[f] = g_string_new (NULL);
    csv = run_harness ("nbradial", "bins=23", 4, f ? caps16 : caps32,
        frames[f], msg[f]);
    g_bytes_unref (csv);
    gst_buffer_unref (frames[f]);
  }
  radial_shells (msg[0], S32_BINS, mean, count);
  radial_shells (msg[1], S32_BINS, sum_mean, all);
  radial_shells (msg[2], S32_BINS, mark_mean, all2);
  g_assert_cmpuint (masked_total, >, n / 10);
  for (int b = 0; b < S32_BINS; b++) {
    double masked = mark_mean[b] * all[b], sum = sum_mean[b] * all[b];
    g_assert_cmpuint (all[b], ==, all2[b]);
    g_assert_cmpfloat (fabs (masked - round (masked)), <, 1e-6);
    g_assert_cmpuint (count[b], ==, all[b] - (guint64) round (masked));
    if (count[b])
      g_assert_cmpfloat (fabs (mean[b] - sum / count[b]), <=,
          1e-12 * fabs (mean[b]) + 1e-12);
  }
  for (int f = 0; f < 3; f++)
    g_string_free (msg[f], TRUE);
  g_free (caps32);
  g_free (caps16);
  g_free (sums);
  g_free (marks);
  g_free (v);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* loading the plugin registers NbFrameMeta, which frames made here
   * carry */
  {
    GstPlugin *plugin = gst_plugin_load_by_name ("nanobragg");
    g_assert_nonnull (plugin);
    gst_object_unref (plugin);
  }
  g_test_add_func ("/plugin/origin", test_plugin_origin);
  g_test_add_func ("/plugin/element-metadata", test_element_metadata);
  g_test_add_func ("/nbview/bad-ranges-at-start",
      test_view_bad_ranges_at_start);
  g_test_add_func ("/nbview/bad-ranges-while-streaming",
      test_view_bad_ranges_while_streaming);
  g_test_add_func ("/nbradial/tilted-detector", test_radial_tilted_detector);
  g_test_add_func ("/nbradial/geometry-change", test_radial_geometry_change);
  g_test_add_func ("/nbradial/flat-fallback", test_radial_flat_fallback);
  g_test_add_func ("/nbsmvenc/series-scale", test_smv_series_scale);
  g_test_add_func ("/nbsmvenc/records-source-scale",
      test_smv_records_source_scale);
  g_test_add_func ("/nbsmvenc/s32-counts", test_smv_s32_counts);
  g_test_add_func ("/nbtiffenc/s32-counts", test_tiff_s32_counts);
  g_test_add_func ("/nbtiffenc/long-description",
      test_tiff_long_description);
  g_test_add_func ("/nbradial/s32-masked", test_radial_s32_masked);
  g_test_add_func ("/nbview/percentiles-random", test_view_percentiles_random);
  g_test_add_func ("/nbview/percentiles-real", test_view_percentiles_real);
  g_test_add_func ("/nbview/gray8-photons", test_view_gray8_photons);
  g_test_add_func ("/threads/same-output", test_threads_same_output);
  g_test_add_func ("/threads/bad-env", test_threads_bad_env);
  return g_test_run ();
}
