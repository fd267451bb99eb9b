/* test_downstream_elements.c - nbview, nbradial, nbsmvenc and the plugin's
 * metadata: contradictory nbview ranges are errors naming the properties;
 * nbradial's shells on a two-theta, rotated detector against d computed
 * here from the engine's detector vectors; nbsmvenc records the automatic
 * scale it (or nanobraggsrc) used; authors, origin and doc-uri are real. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
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
  const char *elements[] = { "nbtiffenc", "nbsmvenc", "nbview", "nbradial" };

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

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
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
  return g_test_run ();
}
