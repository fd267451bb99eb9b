/* test_element.c - nanobraggsrc: golden parity through the element, caps
 * negotiation on both pads, traces, seeking, EOS, live mode, errors, state
 * cycling and property documentation. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <string.h>

#include "golden_compare.h"

/* the plugin registers it; look it up by name */
static const GstStructure *
frame_meta (GstBuffer * b)
{
  GstCustomMeta *m = gst_buffer_get_custom_meta (b, "NbFrameMeta");
  return m ? gst_custom_meta_get_structure (m) : NULL;
}

static gchar *
golden_file (const char *c, const char *f)
{
  return g_build_filename (golden_dir (), c, f, NULL);
}

static gchar *
golden_args (const char *c, const char *f)
{
  gchar *path = golden_file (c, f), *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_free (path);
  return g_strstrip (text);
}

/* Runs @desc (a pipeline with appsinks named "frames" and, optionally,
 * "trace") to EOS or error; returns the samples of "frames" and fills
 * @trace_out with those of "trace".  @error_out gets the bus error. */
static GPtrArray *
run_pipeline (const char *desc, GPtrArray ** trace_out, gchar ** error_out)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *frames, *trace;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  GstBus *bus;
  GstMessage *msg;

  g_assert_no_error (err);
  frames = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  trace = gst_bin_get_by_name (GST_BIN (pipe), "trace");
  if (trace_out)
    *trace_out = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_sample_unref);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error (msg, &e, NULL);
    if (error_out)
      *error_out = g_strdup (e->message);
    else
      g_error ("pipeline error: %s", e->message);
    g_error_free (e);
  } else if (error_out) {
    *error_out = NULL;
  }
  gst_message_unref (msg);
  if (frames) {
    GstSample *s;
    while ((s = gst_app_sink_try_pull_sample (GST_APP_SINK (frames), 0)))
      g_ptr_array_add (out, s);
    gst_object_unref (frames);
  }
  if (trace) {
    GstSample *s;
    while ((s = gst_app_sink_try_pull_sample (GST_APP_SINK (trace), 0)))
      g_ptr_array_add (*trace_out, s);
    gst_object_unref (trace);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return out;
}

static void
compare_with_golden (GstSample * sample, const char *c, const char *file)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;
  gchar *path = golden_file (c, file);
  float *ref;
  gchar *why;
  gsize n;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  n = map.size / sizeof (float);
  ref = golden_read_floats (path, n);
  why = golden_compare_images ((const float *) map.data, ref, n,
      &golden_float64);
  if (why)
    g_test_fail_printf ("%s (%s) through nanobraggsrc: %s", c, file, why);
  g_free (why);
  g_free (ref);
  g_free (path);
  gst_buffer_unmap (buf, &map);
}

static gchar *
inputs (void)
{
  return g_build_filename (golden_dir (), "inputs", NULL);
}

/* The element runs in the inputs directory (the args name files there). */
static void
enter_inputs (void)
{
  gchar *in = inputs ();
  g_assert_cmpint (g_chdir (in), ==, 0);
  g_free (in);
}

static void
test_golden_cases (gconstpointer data)
{
  const char *c = data;
  gchar *args = golden_args (c, "args");
  gchar *desc = g_strdup_printf ("nanobraggsrc nanobragg-args=\"%s\" "
      "num-frames=1 ! appsink wait-on-eos=false name=frames sync=false", args);
  GPtrArray *s;

  enter_inputs ();
  s = run_pipeline (desc, NULL, NULL);
  g_assert_cmpuint (s->len, ==, 1);
  compare_with_golden (g_ptr_array_index (s, 0), c, "float.bin");
  g_ptr_array_unref (s);
  g_free (desc);
  g_free (args);
}

static void
test_rotation_series (void)
{
  gchar *args = golden_args ("rotation_series", "args.0");
  gchar *desc = g_strdup_printf ("nanobraggsrc nanobragg-args=\"%s\" "
      "num-frames=3 ! appsink wait-on-eos=false name=frames sync=false", args);
  GPtrArray *s;

  enter_inputs ();
  s = run_pipeline (desc, NULL, NULL);
  g_assert_cmpuint (s->len, ==, 3);
  for (guint i = 0; i < 3; i++) {
    GstSample *sample = g_ptr_array_index (s, i);
    GstBuffer *b = gst_sample_get_buffer (sample);
    gchar *f = g_strdup_printf ("frame_%03u.bin", i);
    const GstStructure *st = frame_meta (b);
    double phi;
    g_assert_cmpuint (GST_BUFFER_OFFSET (b), ==, i);
    g_assert_cmpuint (GST_BUFFER_PTS (b), ==, i * GST_SECOND / 10);
    g_assert_cmpuint (GST_BUFFER_DURATION (b), ==, GST_SECOND / 10);
    g_assert_nonnull (st);
    g_assert_true (gst_structure_get_double (st, "phi-start", &phi));
    g_assert_cmpfloat_with_epsilon (phi, 0.5 + 0.1 * i, 1e-9);
    compare_with_golden (sample, "rotation_series", f);
    g_free (f);
  }
  g_ptr_array_unref (s);
  g_free (desc);
  g_free (args);
}

#define SMALL "nanobraggsrc name=s hkl-file=dense.hkl cell=\"79 79 38 90 90 90\" " \
  "misset=\"10 20 30\" n-cells=5 width=48 height=40 distance=100 osc=0.2 " \
  "phi-steps=2 "

/* src: F32LE by default, GRAY16_LE when downstream asks; trace: text, or a
 * map when trace-map is set; an unlinked trace pad is fine. */
static void
test_caps (void)
{
  struct {
    const char *props, *src_filter, *src_name, *src_format, *trace_name;
  } cases[] = {
    {"", "", "video/x-diffraction", "F32LE", "text/x-raw"},
    {"", "! video/x-raw,format=GRAY16_LE ", "video/x-raw", "GRAY16_LE",
        "text/x-raw"},
    {"trace-map=omega ", "", "video/x-diffraction", "F32LE",
        "video/x-diffraction"},
    {"trace-map=h ", "! video/x-raw ", "video/x-raw", "GRAY16_LE",
        "video/x-diffraction"},
  };

  enter_inputs ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *desc = g_strdup_printf (SMALL "num-frames=2 %s %s! queue ! "
        "appsink wait-on-eos=false name=frames sync=false s.trace ! queue ! appsink wait-on-eos=false name=trace "
        "sync=false", cases[i].props, cases[i].src_filter);
    GPtrArray *t, *s = run_pipeline (desc, &t, NULL);
    GstCaps *caps;
    GstStructure *st;
    g_assert_cmpuint (s->len, ==, 2);
    caps = gst_sample_get_caps (g_ptr_array_index (s, 0));
    st = gst_caps_get_structure (caps, 0);
    g_assert_cmpstr (gst_structure_get_name (st), ==, cases[i].src_name);
    g_assert_cmpstr (gst_structure_get_string (st, "format"), ==,
        cases[i].src_format);
    g_assert_true (gst_structure_has_field (st, "framerate"));
    if (strcmp (cases[i].trace_name, "video/x-diffraction") == 0) {
      GstBuffer *b;
      g_assert_cmpuint (t->len, ==, 2);
      caps = gst_sample_get_caps (g_ptr_array_index (t, 0));
      g_assert_cmpstr (gst_structure_get_name (gst_caps_get_structure (caps,
                  0)), ==, cases[i].trace_name);
      b = gst_sample_get_buffer (g_ptr_array_index (t, 0));
      g_assert_cmpuint (gst_buffer_get_size (b), ==, 48 * 40 * 4);
    } else {
      /* no trace-pixels: GAP events only, no buffers */
      g_assert_cmpuint (t->len, ==, 0);
    }
    g_ptr_array_unref (s);
    g_ptr_array_unref (t);
    g_free (desc);
  }
  /* trace pad left unlinked */
  {
    GPtrArray *s = run_pipeline (SMALL "num-frames=3 ! appsink wait-on-eos=false name=frames "
        "sync=false", NULL, NULL);
    g_assert_cmpuint (s->len, ==, 3);
    g_ptr_array_unref (s);
  }
}

/* GstHarness on both pads of one element. */
static void
test_harness_two_pads (void)
{
  GstHarness *h, *ht;
  GstBuffer *b;
  GstEvent *ev;
  gboolean saw_gap = FALSE;

  enter_inputs ();
  h = gst_harness_new_with_padnames ("nanobraggsrc", NULL, "src");
  ht = gst_harness_new_with_element (h->element, NULL, "trace");
  g_object_set (h->element, "hkl-file", "dense.hkl", "cell", "79 79 38",
      "n-cells", "5", "width", 32, "height", 24, "num-frames", (gint64) 2,
      NULL);
  gst_harness_set_sink_caps_str (h, "video/x-raw,format=GRAY16_LE");
  gst_harness_play (h);
  b = gst_harness_pull (h);
  g_assert_cmpuint (gst_buffer_get_size (b), ==, 32 * 24 * 2);
  g_assert_cmpuint (GST_BUFFER_OFFSET (b), ==, 0);
  gst_buffer_unref (b);
  b = gst_harness_pull (h);
  g_assert_cmpuint (GST_BUFFER_OFFSET (b), ==, 1);
  gst_buffer_unref (b);
  while ((ev = gst_harness_pull_event (ht))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP)
      saw_gap = TRUE;
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      gst_event_unref (ev);
      break;
    }
    gst_event_unref (ev);
  }
  g_assert_true (saw_gap);
  gst_harness_teardown (ht);
  gst_harness_teardown (h);
}

/* The trace pad's text equals the CLI's trace lines. */
static void
test_trace_text_matches_cli (void)
{
  gchar *args = golden_args ("mosflm_basic", "args");
  gchar *desc = g_strdup_printf ("nanobraggsrc name=s nanobragg-args=\"%s\" "
      "num-frames=1 trace-pixels=\"36,65;3,4\" ! queue ! appsink wait-on-eos=false "
      "name=frames sync=false s.trace ! queue ! appsink wait-on-eos=false name=trace "
      "sync=false", args);
  gchar *cli = g_strdup_printf ("%s %s -trace_pixel 36 65 -trace_pixel 3 4 "
      "-floatfile /dev/null -intfile /dev/null -nopgm -nonoise -dump "
      "/dev/null", g_getenv ("NB_CLI"), args);
  gchar *cli_out = NULL, **lines, *trace_text;
  GString *cli_trace = g_string_new (NULL);
  GPtrArray *t, *s;
  GstMapInfo map;
  GstBuffer *b;
  int status;

  enter_inputs ();
  s = run_pipeline (desc, &t, NULL);
  g_assert_cmpuint (t->len, ==, 1);
  b = gst_sample_get_buffer (g_ptr_array_index (t, 0));
  gst_buffer_map (b, &map, GST_MAP_READ);
  trace_text = g_strndup ((const char *) map.data, map.size);
  gst_buffer_unmap (b, &map);

  g_assert_true (g_spawn_command_line_sync (cli, &cli_out, NULL, &status,
          NULL));
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (cli_out, "\n", -1);
  for (int i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "TRACE"))
      g_string_append_printf (cli_trace, "%s\n", lines[i]);
  g_assert_cmpuint (cli_trace->len, >, 1000);
  g_assert_cmpstr (trace_text, ==, cli_trace->str);

  g_strfreev (lines);
  g_string_free (cli_trace, TRUE);
  g_free (cli_out);
  g_free (trace_text);
  g_ptr_array_unref (s);
  g_ptr_array_unref (t);
  g_free (cli);
  g_free (desc);
  g_free (args);
}

static GstSample *
pull (GstElement * sink)
{
  return gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 60 * GST_SECOND);
}

/* A flushing seek to frame 7 of 10 (in TIME and in DEFAULT format) gives
 * frame 7, bit-identical to frame 7 of an unseeked run. */
static void
test_seek (void)
{
  GstFormat formats[] = { GST_FORMAT_TIME, GST_FORMAT_DEFAULT };
  GPtrArray *all;
  GstBuffer *ref7;

  enter_inputs ();
  all = run_pipeline (SMALL "num-frames=10 ! appsink wait-on-eos=false name=frames "
      "sync=false", NULL, NULL);
  g_assert_cmpuint (all->len, ==, 10);
  ref7 = gst_sample_get_buffer (g_ptr_array_index (all, 7));

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstElement *pipe = gst_parse_launch (SMALL "num-frames=10 ! appsink wait-on-eos=false "
        "name=frames sync=false max-buffers=1", NULL);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
    GstSample *smp;
    GstBuffer *b;
    gint64 pos = formats[i] == GST_FORMAT_TIME ? 7 * GST_SECOND / 10 : 7;
    GstMapInfo m1, m2;
    guint n = 0;

    gst_element_set_state (pipe, GST_STATE_PAUSED);
    g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
            60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
    g_assert_true (gst_element_seek_simple (pipe, formats[i],
            GST_SEEK_FLAG_FLUSH, pos));
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    smp = pull (sink);
    g_assert_nonnull (smp);
    b = gst_sample_get_buffer (smp);
    g_assert_cmpuint (GST_BUFFER_OFFSET (b), ==, 7);
    g_assert_cmpuint (GST_BUFFER_PTS (b), ==, 7 * GST_SECOND / 10);
    gst_buffer_map (b, &m1, GST_MAP_READ);
    gst_buffer_map (ref7, &m2, GST_MAP_READ);
    g_assert_cmpmem (m1.data, m1.size, m2.data, m2.size);
    gst_buffer_unmap (b, &m1);
    gst_buffer_unmap (ref7, &m2);
    gst_sample_unref (smp);
    /* then 8, 9 and EOS */
    while ((smp = pull (sink))) {
      n++;
      gst_sample_unref (smp);
    }
    g_assert_cmpuint (n, ==, 2);
    g_assert_true (gst_app_sink_is_eos (GST_APP_SINK (sink)));
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (sink);
    gst_object_unref (pipe);
  }
  g_ptr_array_unref (all);
}

/* is-live paces frames at the frame rate and reports latency. */
static void
test_live (void)
{
  GstElement *pipe, *src;
  GstQuery *q;
  gboolean live;
  GstClockTime min, max;
  GPtrArray *s;
  gint64 t0, elapsed;

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "is-live=true framerate=20/1 num-frames=6 "
      "! appsink wait-on-eos=false name=frames sync=false", NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "s");
  g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_NO_PREROLL);
  q = gst_query_new_latency ();
  g_assert_true (gst_element_query (src, q));
  gst_query_parse_latency (q, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, GST_SECOND / 20);
  gst_query_unref (q);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipe);

  t0 = g_get_monotonic_time ();
  s = run_pipeline (SMALL "is-live=true framerate=20/1 num-frames=6 ! "
      "appsink wait-on-eos=false name=frames sync=false", NULL, NULL);
  elapsed = g_get_monotonic_time () - t0;
  g_assert_cmpuint (s->len, ==, 6);
  /* six 50 ms exposures cannot arrive in less than 300 ms */
  g_assert_cmpint (elapsed, >=, 290000);
  g_ptr_array_unref (s);
}

/* A live stream paused and resumed carries on to EOS. */
static void
test_live_pause_resume (void)
{
  GstElement *pipe, *sink;
  GstBus *bus;
  GstMessage *msg;
  guint n = 0;
  GstSample *smp;

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "is-live=true framerate=20/1 num-frames=8 "
      "! appsink wait-on-eos=false name=frames sync=false", NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
  g_assert_nonnull (smp);
  gst_sample_unref (smp);
  n++;
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  g_usleep (150000);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  while ((smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    gst_sample_unref (smp);
    n++;
  }
  g_assert_cmpuint (n, ==, 8);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

/* Downstream returning EOS (identity eos-after) ends an unbounded series
 * with an EOS event, as basesrc does. */
static void
test_downstream_eos (void)
{
  GPtrArray *s;

  enter_inputs ();
  s = run_pipeline (SMALL "num-frames=-1 ! identity eos-after=3 ! appsink "
      "wait-on-eos=false name=frames sync=false", NULL, NULL);
  /* identity passes 2 buffers and answers EOS to the 3rd; the pipeline
   * only reaches EOS (instead of hanging) if the source sends it */
  g_assert_cmpuint (s->len, ==, 2);
  g_ptr_array_unref (s);
}

static void
expect_error (const char *props, const char *needle)
{
  gchar *desc = g_strdup_printf ("nanobraggsrc %s num-frames=1 ! appsink wait-on-eos=false "
      "name=frames sync=false", props);
  gchar *err = NULL;
  GPtrArray *s;

  enter_inputs ();
  s = run_pipeline (desc, NULL, &err);
  if (err == NULL || strstr (err, needle) == NULL)
    g_test_fail_printf ("%s: expected an error containing '%s', got '%s'",
        props, needle, err ? err : "(no error)");
  g_assert_cmpuint (s->len, ==, 0);
  g_free (err);
  g_ptr_array_unref (s);
  g_free (desc);
}

static void
test_bad_properties (void)
{
  expect_error ("hkl-file=nosuch.hkl cell=79", "nosuch.hkl");
  expect_error ("cell=79", "hkl-file");
  expect_error ("hkl-file=dense.hkl", "cell");
  expect_error ("hkl-file=dense.hkl cell=\"79 x\"", "cell");
  expect_error ("hkl-file=dense.hkl cell=\"50 50 50 20 20 120\"",
      "no unit cell");
  expect_error ("hkl-file=dense.hkl cell=79 n-cells=\"2 3\"", "n-cells");
  expect_error ("hkl-file=dense.hkl cell=79 mask-file=nosuch.img",
      "nosuch.img");
  expect_error ("hkl-file=dense.hkl cell=79 trace-pixels=\"1;2\"",
      "trace-pixels");
  expect_error ("hkl-file=dense.hkl cell=79 nanobragg-args=\"-frob 1\"",
      "-frob");
  expect_error ("hkl-file=dense.hkl cell=79 device=cuda", "CUDA");
}

static void
test_state_cycling (void)
{
  enter_inputs ();
  for (int i = 0; i < 5; i++) {
    GstElement *pipe = gst_parse_launch (SMALL "! queue ! fakesink sync=false "
        "s.trace ! queue ! fakesink sync=false", NULL);
    g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
    g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
            60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
    g_usleep (20000);
    g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_READY), ==,
        GST_STATE_CHANGE_SUCCESS);
    g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
    g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
            60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
    g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_NULL), ==,
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (pipe);
  }
}

/* gst-inspect documentation: every property has a blurb, and numeric ones
 * state their unit or meaning; the enums are registered types. */
static void
test_properties_documented (void)
{
  GstElement *e = gst_element_factory_make ("nanobraggsrc", NULL);
  guint n;
  GParamSpec **specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e),
      &n);
  GstElementFactory *f = gst_element_get_factory (e);

  g_assert_cmpuint (n, >, 60);
  for (guint i = 0; i < n; i++) {
    const char *blurb = g_param_spec_get_blurb (specs[i]);
    if (specs[i]->owner_type != G_TYPE_FROM_INSTANCE (e))
      continue;
    if (blurb == NULL || strlen (blurb) < 12)
      g_test_fail_printf ("property '%s' has no useful description",
          specs[i]->name);
    if (G_IS_PARAM_SPEC_ENUM (specs[i]))
      g_assert_true (G_TYPE_IS_ENUM (specs[i]->value_type));
  }
  g_assert_nonnull (strstr (gst_element_factory_get_metadata (f,
              GST_ELEMENT_METADATA_DESCRIPTION), "diffraction"));
  g_free (specs);
  gst_object_unref (e);
}

/* nbradial posts one "nbradial" element message per frame. */
static void
test_radial_messages (void)
{
  GstElement *pipe;
  GstBus *bus;
  GstMessage *msg;
  guint n = 0;

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "num-frames=3 ! nbradial bins=8 ! "
      "fakesink", NULL);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    const GstStructure *s = gst_message_get_structure (msg);
    gboolean stop = GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT;
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), !=, GST_MESSAGE_ERROR);
    if (!stop && gst_structure_has_name (s, "nbradial")) {
      const GValue *d = gst_structure_get_value (s, "d");
      const GValue *mean = gst_structure_get_value (s, "mean");
      guint64 frame;
      g_assert_true (gst_structure_get_uint64 (s, "frame", &frame));
      g_assert_cmpuint (frame, ==, n);
      g_assert_cmpuint (gst_value_array_get_size (d), ==, 8);
      g_assert_cmpuint (gst_value_array_get_size (mean), ==, 8);
      /* d spacings decrease outwards */
      g_assert_cmpfloat (g_value_get_double (gst_value_array_get_value (d,
                  0)), >, g_value_get_double (gst_value_array_get_value (d,
                  7)));
      n++;
    }
    gst_message_unref (msg);
    if (stop)
      break;
  }
  g_assert_cmpuint (n, ==, 3);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

int
main (int argc, char **argv)
{
  static const char *cases[] = { "mosflm_basic", "xds_orgxy_twotheta",
    "custom_pivot_beam_sources", "mosaic_rotation", "oversample2_thick_polar",
    "water_sparse_defaultF", "roi_flux_exposure",
  };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *name = g_strdup_printf ("/nanobraggsrc/golden/%s", cases[i]);
    g_test_add_data_func (name, cases[i], test_golden_cases);
    g_free (name);
  }
  g_test_add_func ("/nanobraggsrc/golden/rotation_series",
      test_rotation_series);
  g_test_add_func ("/nanobraggsrc/caps", test_caps);
  g_test_add_func ("/nanobraggsrc/harness-two-pads", test_harness_two_pads);
  g_test_add_func ("/nanobraggsrc/trace-text-matches-cli",
      test_trace_text_matches_cli);
  g_test_add_func ("/nanobraggsrc/seek", test_seek);
  g_test_add_func ("/nanobraggsrc/live", test_live);
  g_test_add_func ("/nanobraggsrc/live-pause-resume", test_live_pause_resume);
  g_test_add_func ("/nanobraggsrc/downstream-eos", test_downstream_eos);
  g_test_add_func ("/nanobraggsrc/bad-properties", test_bad_properties);
  g_test_add_func ("/nanobraggsrc/state-cycling", test_state_cycling);
  g_test_add_func ("/nanobraggsrc/properties-documented",
      test_properties_documented);
  g_test_add_func ("/nbradial/messages", test_radial_messages);
  return g_test_run ();
}
