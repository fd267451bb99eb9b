/* test_element_background.c - nanobraggsrc's amorphous background
 * (background-stol ..., background): frames with it are the frames
 * without it plus the engine's background image, the background is
 * rendered once per geometry (counted by background-renders), and noisy
 * counts are the readout of Bragg + background photons. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_nonbragg.h"
#include "nb_readout.h"

#define GEOMETRY "-hkl dense.hkl -cell 79 79 38 90 90 90 -misset 10 20 30 " \
  "-N 5 -detpixels_f 48 -detpixels_s 40 -distance 100 -osc 0.2 -phisteps 2"
#define SRC "nanobraggsrc name=s nanobragg-args=\"" GEOMETRY "\" "
#define NPIX (48 * 40)

static gchar *
stol_path (const char *name)
{
  const char *d = g_getenv ("NB_NONBRAGG_DIR");
  g_assert_nonnull (d);
  return g_build_filename (d, name, NULL);
}

static void
enter_inputs (void)
{
  gchar *in = g_build_filename (golden_dir (), "inputs", NULL);
  g_assert_cmpint (g_chdir (in), ==, 0);
  g_free (in);
}

/* The frames of @desc (appsink "frames"), or the bus error in @error_out
 * (NULL: an error fails the test). */
static GPtrArray *
run (const char *desc, gchar ** error_out)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *sink;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  GstMessage *msg;
  GstBus *bus;
  GstSample *s;

  g_assert_no_error (err);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (error_out)
    *error_out = NULL;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error (msg, &e, NULL);
    if (error_out == NULL)
      g_error ("pipeline error: %s", e->message);
    *error_out = g_strdup (e->message);
    g_error_free (e);
  }
  gst_message_unref (msg);
  while (sink && (s = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0)))
    g_ptr_array_add (out, s);
  gst_clear_object (&sink);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return out;
}

static GPtrArray *
frames_of (const char *props, const char *caps, guint n)
{
  gchar *desc = g_strdup_printf (SRC "num-frames=%u %s ! %s appsink "
      "wait-on-eos=false name=frames sync=false", n, props, caps);
  GPtrArray *s = run (desc, NULL);
  g_assert_cmpuint (s->len, ==, n);
  g_free (desc);
  return s;
}

/* The engine's background of GEOMETRY: air (25 mm) + water (0.1 mm). */
static float *
engine_background (void)
{
  NbParams p;
  NbModel *m;
  NbBackground *bg = nb_background_new ();
  NbAmorphousSpec air, water;
  GError *error = NULL;
  double *img = g_new (double, NPIX);
  float *out = g_new (float, NPIX);

  nb_params_init (&p);
  g_assert_true (nb_args_apply_string (&p, GEOMETRY, &error));
  m = nb_model_new (&p, NULL, &error);
  g_assert_no_error (error);
  nb_amorphous_spec_init (&air);
  air.stol_file = stol_path ("air.stol");
  air.thickness = 25;
  air.density = 1.2e-3;
  air.molecular_weight = 28.8;
  nb_amorphous_spec_init (&water);
  water.stol_file = stol_path ("water.stol");
  water.thickness = 0.1;
  g_assert_true (nb_background_add (bg, &air, "test", &error));
  g_assert_true (nb_background_add (bg, &water, "test", &error));
  g_assert_true (nb_background_render (bg, m, 0, img, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < NPIX; i++)
    out[i] = (float) img[i];
  g_free (img);
  g_free (air.stol_file);
  g_free (water.stol_file);
  nb_background_free (bg);
  nb_model_free (m);
  nb_params_clear (&p);
  return out;
}

/* air via the single-component properties, water via the list */
static gchar *
background_props (void)
{
  gchar *air = stol_path ("air.stol"), *water = stol_path ("water.stol");
  gchar *props = g_strdup_printf ("background-stol=\"%s\" "
      "background-thickness=25 background-density=1.2e-3 "
      "background-molecular-weight=28.8 "
      "background=\"water, stol=(string)\\\"%s\\\", thickness=0.1\"", air,
      water);
  g_free (air);
  g_free (water);
  return props;
}

static const float *
map_floats (GstSample * s, GstMapInfo * map)
{
  GstBuffer *b = gst_sample_get_buffer (s);
  g_assert_true (gst_buffer_map (b, map, GST_MAP_READ));
  g_assert_cmpuint (map->size, ==, NPIX * sizeof (float));
  return (const float *) map->data;
}

static void
unmap (GstSample * s, GstMapInfo * map)
{
  gst_buffer_unmap (gst_sample_get_buffer (s), map);
}

/* Frames with the background are the frames without it plus the
 * engine's background image, bit for bit, for every frame (phi). */
static void
test_frames_plus_background (void)
{
  gchar *props = background_props ();
  GPtrArray *plain, *with;
  float *bg;
  double bg_max = 0;

  enter_inputs ();
  bg = engine_background ();
  plain = frames_of ("", "", 3);
  with = frames_of (props, "", 3);
  for (int i = 0; i < NPIX; i++)
    bg_max = MAX (bg_max, bg[i]);
  g_assert_cmpfloat (bg_max, >, 0.0);
  for (guint f = 0; f < 3; f++) {
    GstMapInfo ma, mb;
    const float *a = map_floats (g_ptr_array_index (plain, f), &ma);
    const float *b = map_floats (g_ptr_array_index (with, f), &mb);
    for (int i = 0; i < NPIX; i++)
      if (b[i] != a[i] + bg[i])
        g_error ("frame %u pixel %d: %.9g != %.9g + %.9g", f, i, b[i], a[i],
            bg[i]);
    unmap (g_ptr_array_index (plain, f), &ma);
    unmap (g_ptr_array_index (with, f), &mb);
  }
  g_ptr_array_unref (plain);
  g_ptr_array_unref (with);
  g_free (bg);
  g_free (props);
}

static guint
renders_of (GstElement * pipe)
{
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  guint n = 0;
  g_object_get (s, "background-renders", &n, NULL);
  gst_object_unref (s);
  return n;
}

static void
play_to_eos (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_READY), ==,
      GST_STATE_CHANGE_SUCCESS);
}

/* Rendered once for a series of frames, kept when only phi or the
 * crystal changes, rendered again when the geometry changes. */
static void
test_rendered_once_per_geometry (void)
{
  gchar *props = background_props ();
  gchar *desc = g_strdup_printf ("nanobraggsrc name=s hkl-file=dense.hkl "
      "cell=\"79 79 38 90 90 90\" n-cells=5 width=48 height=40 "
      "distance=100 osc=0.2 num-frames=5 %s ! fakesink sync=false", props);
  GstElement *pipe, *s;

  enter_inputs ();
  pipe = gst_parse_launch (desc, NULL);
  g_assert_nonnull (pipe);
  g_assert_cmpuint (renders_of (pipe), ==, 0);
  play_to_eos (pipe);
  g_assert_cmpuint (renders_of (pipe), ==, 1);  /* 5 frames, one render */
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  g_object_set (s, "phi-start", 30.0, "n-cells", "7", NULL);
  play_to_eos (pipe);
  g_assert_cmpuint (renders_of (pipe), ==, 1);  /* same geometry: kept */
  g_object_set (s, "distance", 120.0, NULL);
  play_to_eos (pipe);
  g_assert_cmpuint (renders_of (pipe), ==, 2);  /* new geometry */
  g_object_set (s, "background-thickness", 50.0, NULL);
  play_to_eos (pipe);
  g_assert_cmpuint (renders_of (pipe), ==, 3);  /* new component */
  gst_object_unref (s);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (props);
}

/* Noisy counts are the readout of the Bragg + background photons (a
 * fluence that gives a few photons a pixel: the counts neither saturate
 * nor vanish). */
static void
test_noise_follows_background (void)
{
  gchar *bg_props = background_props ();
  gchar *props = g_strdup_printf ("%s fluence=1e18", bg_props);
  gchar *with_noise = g_strdup_printf ("%s noise=true seed=7 scale=1 "
      "adc-offset=10", props);
  GPtrArray *photons, *counts;
  NbReadout r;
  NbDetector d = golden_plain_detector (48, 40);
  NbReadoutWork *w = nb_readout_work_new (1);

  enter_inputs ();
  photons = frames_of (props, "", 2);
  counts = frames_of (with_noise, "video/x-diffraction,format=S32LE !", 2);
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.seed = 7;
  r.gain = 1;
  r.adc_offset = 10;
  for (guint f = 0; f < 2; f++) {
    GstMapInfo mp, mc;
    const float *ph = map_floats (g_ptr_array_index (photons, f), &mp);
    gint32 *want = g_new (gint32, NPIX);
    GstBuffer *cb = gst_sample_get_buffer (g_ptr_array_index (counts, f));

    double sum = 0;
    nb_readout_frame (w, &r, &d, f, ph, NB_COUNTS_S32, want, NULL);
    for (int i = 0; i < NPIX; i++)
      sum += ph[i];
    /* mostly background: a few photons in every pixel */
    g_assert_cmpfloat (sum / NPIX, >, 2.0);
    g_assert_cmpfloat (sum / NPIX, <, 1e4);
    gst_buffer_map (cb, &mc, GST_MAP_READ);
    g_assert_cmpmem (mc.data, mc.size, want, NPIX * sizeof (gint32));
    gst_buffer_unmap (cb, &mc);
    unmap (g_ptr_array_index (photons, f), &mp);
    g_free (want);
  }
  nb_readout_work_free (w);
  g_ptr_array_unref (photons);
  g_ptr_array_unref (counts);
  g_free (with_noise);
  g_free (props);
  g_free (bg_props);
}

static void
expect_error (const char *props, const char *needle)
{
  gchar *desc = g_strdup_printf (SRC "num-frames=1 %s ! appsink name=frames "
      "sync=false", props);
  gchar *err = NULL;
  GPtrArray *s = run (desc, &err);

  if (err == NULL || strstr (err, needle) == NULL)
    g_error ("%s: error '%s' lacks '%s'", props, err ? err : "(none)",
        needle);
  g_free (err);
  g_ptr_array_unref (s);
  g_free (desc);
}

static void
test_bad_background (void)
{
  gchar *air = stol_path ("air.stol"), *p;

  enter_inputs ();
  expect_error ("background-stol=/nonexistent/x.stol",
      "background-stol: cannot read stol file");
  expect_error ("background=\"water, thickness=1\"",
      "background: component 1 (water): no stol file");
  p = g_strdup_printf ("background=\"air, stol=(string)\\\"%s\\\"\"", air);
  expect_error (p, "background: component 1 (air): no thickness");
  g_free (p);
  p = g_strdup_printf ("background=\"air, stol=(string)\\\"%s\\\", "
      "thickness=1, colour=5\"", air);
  expect_error (p, "unknown field 'colour'");
  g_free (p);
  p = g_strdup_printf ("background=\"air, stol=(string)\\\"%s\\\", "
      "thickness=abc\"", air);
  expect_error (p, "'thickness' must be a number");
  g_free (p);
  g_free (air);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/element-background/frames-plus-background",
      test_frames_plus_background);
  g_test_add_func ("/element-background/rendered-once-per-geometry",
      test_rendered_once_per_geometry);
  g_test_add_func ("/element-background/noise-follows-background",
      test_noise_follows_background);
  g_test_add_func ("/element-background/bad-background",
      test_bad_background);
  return g_test_run ();
}
