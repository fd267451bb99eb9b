/* test_element.c - nanobraggsrc: golden parity through the element, caps
 * negotiation on both pads, traces, seeking, EOS, live mode, errors, state
 * cycling and property documentation. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_readout.h"

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
  /* nanoBragg's unweighted sum over sources, for parity (the element's
   * default weighs them: custom_pivot_beam_sources' weights differ) */
  gchar *desc = g_strdup_printf ("nanobraggsrc nanobragg-args=\"%s\" "
      "source-weights=off num-frames=1 ! appsink wait-on-eos=false "
      "name=frames sync=false", args);
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

/* The highest "dropped" total of the QoS messages in @msg (if it is one). */
static void
note_dropped (GstMessage * msg, guint64 * dropped)
{
  GstFormat fmt;
  guint64 processed, total;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_QOS)
    return;
  gst_message_parse_qos_stats (msg, &fmt, &processed, &total);
  g_assert_cmpint (fmt, ==, GST_FORMAT_DEFAULT);
  *dropped = MAX (*dropped, total);
}

/* Waits for EOS on @bus, counting the frames QoS messages say were
 * dropped on the way. */
static void
wait_eos_counting_drops (GstBus * bus, guint64 * dropped)
{
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS);
    GstMessageType type;
    g_assert_nonnull (msg);
    type = GST_MESSAGE_TYPE (msg);
    g_assert_cmpint (type, !=, GST_MESSAGE_ERROR);
    note_dropped (msg, dropped);
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      return;
  }
}

/* Runs a live @pipe (appsink "frames") to EOS; returns the frame offsets
 * and the number of frames dropped as late. */
static GArray *
run_live_pipeline (GstElement * pipe, guint64 * dropped)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  GstBus *bus = gst_element_get_bus (pipe);
  GArray *offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  GstSample *smp;

  *dropped = 0;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  wait_eos_counting_drops (bus, dropped);
  while ((smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    guint64 o = GST_BUFFER_OFFSET (gst_sample_get_buffer (smp));
    g_array_append_val (offsets, o);
    gst_sample_unref (smp);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  return offsets;
}

/* A live series of @n frames: offsets increase and end at n - 1, and the
 * frames that did not arrive are those QoS said were dropped. */
static void
check_live_frames (GArray * offsets, guint64 dropped, guint n)
{
  g_assert_cmpuint (offsets->len, >, 0);
  for (guint i = 1; i < offsets->len; i++)
    g_assert_cmpuint (g_array_index (offsets, guint64, i), >,
        g_array_index (offsets, guint64, i - 1));
  g_assert_cmpuint (g_array_index (offsets, guint64, offsets->len - 1), ==,
      n - 1);
  g_assert_cmpuint (offsets->len + dropped, ==, n);
}

/* is-live paces frames at the frame rate and reports latency. */
static void
test_live (void)
{
  GstElement *pipe, *src;
  GstQuery *q;
  gboolean live;
  GstClockTime min, max;
  GArray *s;
  guint64 dropped;
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
  pipe = gst_parse_launch (SMALL "is-live=true framerate=20/1 num-frames=6 "
      "! appsink wait-on-eos=false name=frames sync=false", NULL);
  s = run_live_pipeline (pipe, &dropped);
  elapsed = g_get_monotonic_time () - t0;
  /* every frame arrives, unless this machine renders slower than 20/s
   * (valgrind): then the late ones are dropped and counted */
  check_live_frames (s, dropped, 6);
  /* six 50 ms exposures cannot arrive in less than 300 ms */
  g_assert_cmpint (elapsed, >=, 290000);
  g_array_unref (s);
  gst_object_unref (pipe);
}

/* A live stream paused and resumed carries on to EOS. */
static void
test_live_pause_resume (void)
{
  GstElement *pipe, *sink;
  GstBus *bus;
  guint n = 0;
  guint64 dropped = 0;
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
  wait_eos_counting_drops (bus, &dropped);
  while ((smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    gst_sample_unref (smp);
    n++;
  }
  /* all 8, less those a slow machine (valgrind) dropped as late */
  g_assert_cmpuint (n + dropped, ==, 8);
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
  expect_error ("hkl-file=dense.hkl cell=79 device=cuda", "property 'device'");
  /* E5: values that used to be accepted silently */
  expect_error ("hkl-file=dense.hkl cell=\"79 79 38 0 90 90\"",
      "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=\"79 0 38 90 90 90\"",
      "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=\"79 79 38 90 90 180\"",
      "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=\"79 38\"", "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=\"79 79 38 90 90\"",
      "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=\"-79\"", "property 'cell'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=64 "
      "roi=\"10 5 0 63\"", "roi");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=64 "
      "roi=\"0 63 0 -2\"", "property 'roi'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=64 "
      "roi=\"100 200 0 63\"", "property 'roi'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=64 "
      "nanobragg-args=\"-roi 10 5 0 63\"", "roi");
  expect_error ("hkl-file=dense.hkl cell=79 divergence-steps=\"-3 2\"",
      "property 'divergence-steps'");
  expect_error ("hkl-file=dense.hkl cell=79 divergence-steps=\"0 2\"",
      "property 'divergence-steps'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=32 "
      "trace-pixels=\"40,10\"", "property 'trace-pixels'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=32 "
      "trace-pixels=\"10,-1\"", "property 'trace-pixels'");
  expect_error ("hkl-file=dense.hkl cell=79 width=64 height=32 "
      "nanobragg-args=\"-trace_pixel 40 10\"", "trace");
}

/* E5: the documented forms still work: 1 or 3 numbers, automatic
 * divergence steps (-1), an ROI inside the detector. */
static void
test_good_composite_values (void)
{
  const char *props[] = { "cell=79", "cell=\"79 79 38\"",
    "cell=\"79 79 38 90 90 120\"", "divergence=\"1 1\" "
        "divergence-steps=\"-1 3\"", "roi=\"0 10 5 20\"",
  };

  enter_inputs ();
  for (guint i = 0; i < G_N_ELEMENTS (props); i++) {
    gchar *desc = g_strdup_printf ("nanobraggsrc hkl-file=dense.hkl cell=79 "
        "width=32 height=32 %s num-frames=1 ! appsink wait-on-eos=false name=frames "
        "sync=false", props[i]);
    gchar *err = NULL;
    GPtrArray *s = run_pipeline (desc, NULL, &err);
    if (err != NULL)
      g_test_fail_printf ("%s: %s", props[i], err);
    g_assert_cmpuint (s->len, ==, 1);
    g_free (err);
    g_ptr_array_unref (s);
    g_free (desc);
  }
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

/* ---- conventions (issue 12) ---------------------------------------- */

/* The text of every trace buffer of @desc, concatenated. */
static gchar *
trace_text_of (const char *desc)
{
  GPtrArray *t, *s = run_pipeline (desc, &t, NULL);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < t->len; i++) {
    GstBuffer *b = gst_sample_get_buffer (g_ptr_array_index (t, i));
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    g_string_append_len (text, (const char *) map.data, map.size);
    gst_buffer_unmap (b, &map);
  }
  g_ptr_array_unref (s);
  g_ptr_array_unref (t);
  return g_string_free (text, FALSE);
}

/* E1: -trace_pixel SLOW FAST inside nanobragg-args traces like
 * trace-pixels="SLOW,FAST". */
static void
test_trace_pixel_flag (void)
{
  const char *tail = "num-frames=1 ! queue ! appsink wait-on-eos=false name=frames sync=false "
      "s.trace ! queue ! appsink wait-on-eos=false name=trace sync=false";
  gchar *by_prop = g_strdup_printf (SMALL "trace-pixels=\"20,30\" %s", tail);
  gchar *by_flag = g_strdup_printf (SMALL "nanobragg-args=\"-trace_pixel 20 "
      "30\" %s", tail);
  gchar *a, *b;

  enter_inputs ();
  a = trace_text_of (by_prop);
  b = trace_text_of (by_flag);
  g_assert_nonnull (strstr (a, "TRACE_C"));
  g_assert_cmpstr (a, ==, b);
  g_free (a);
  g_free (b);
  g_free (by_prop);
  g_free (by_flag);
}

typedef struct
{
  gint segment_done[2];         /* events seen on s.src, s.trace */
  gint eos[2];
  gint discont[2];              /* buffers flagged DISCONT */
  gint buffers[2];
} PadCounts;

static GstPadProbeReturn
count_downstream (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  PadCounts *c = data;
  int i = strcmp (GST_PAD_NAME (pad), "src") == 0 ? 0 : 1;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    g_atomic_int_inc (&c->buffers[i]);
    if (GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
            GST_BUFFER_FLAG_DISCONT))
      g_atomic_int_inc (&c->discont[i]);
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT_DONE)
      g_atomic_int_inc (&c->segment_done[i]);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS)
      g_atomic_int_inc (&c->eos[i]);
  }
  return GST_PAD_PROBE_OK;
}

static void
probe_both_pads (GstElement * src, PadCounts * c)
{
  const char *names[] = { "src", "trace" };
  for (int i = 0; i < 2; i++) {
    GstPad *pad = gst_element_get_static_pad (src, names[i]);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_downstream, c, NULL);
    gst_object_unref (pad);
  }
}

/* E2: a FLUSH|SEGMENT seek ends with SEGMENT_DONE (bus message and event
 * on both pads), not EOS; a non-flushing SEGMENT seek from the message
 * loops the segment. */
static void
test_segment_seek_loop (void)
{
  GstElement *pipe, *src, *sink;
  GstBus *bus;
  PadCounts c = { 0 };
  guint64 offsets[4];
  guint n = 0;

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "num-frames=10 trace-pixels=\"3,4\" ! "
      "queue ! appsink wait-on-eos=false name=frames sync=false s.trace ! queue ! "
      "fakesink sync=false", NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  bus = gst_element_get_bus (pipe);
  probe_both_pads (src, &c);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
          60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
  g_assert_true (gst_element_seek (pipe, 1.0, GST_FORMAT_DEFAULT,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_SEGMENT, GST_SEEK_TYPE_SET, 2,
          GST_SEEK_TYPE_SET, 4));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (int loop = 0; loop < 2; loop++) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        GST_MESSAGE_SEGMENT_DONE | GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    GstFormat fmt;
    gint64 pos;
    g_assert_nonnull (msg);
    g_assert_cmpstr (GST_MESSAGE_TYPE_NAME (msg), ==, "segment-done");
    gst_message_parse_segment_done (msg, &fmt, &pos);
    g_assert_cmpint (fmt, ==, GST_FORMAT_TIME);
    g_assert_cmpint (pos, ==, 4 * GST_SECOND / 10);
    gst_message_unref (msg);
    if (loop == 0)
      g_assert_true (gst_element_seek (pipe, 1.0, GST_FORMAT_DEFAULT,
              GST_SEEK_FLAG_SEGMENT, GST_SEEK_TYPE_SET, 2, GST_SEEK_TYPE_SET,
              4));
  }
  for (;;) {
    GstSample *smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        GST_SECOND / 2);
    if (smp == NULL)
      break;
    g_assert_cmpuint (n, <, 4);
    offsets[n++] = GST_BUFFER_OFFSET (gst_sample_get_buffer (smp));
    gst_sample_unref (smp);
  }
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (offsets[0], ==, 2);
  g_assert_cmpuint (offsets[1], ==, 3);
  g_assert_cmpuint (offsets[2], ==, 2);
  g_assert_cmpuint (offsets[3], ==, 3);
  g_assert_cmpint (g_atomic_int_get (&c.segment_done[0]), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&c.segment_done[1]), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&c.eos[0]), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&c.eos[1]), ==, 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

/* E3: live, rendering slower than the frame rate: late frames are
 * dropped (with a QoS message) so the lag stays bounded; the live latency
 * has no maximum (as videotestsrc). */
static void
test_live_drops_late_frames (void)
{
  GstElement *pipe, *src, *sink;
  GstBus *bus;
  GstMessage *msg;
  GstQuery *q;
  gboolean live;
  GstClockTime min, max, lag = 0, max_gap = 0, last_now = 0;
  guint64 last_offset = 0, dropped = 0, processed = 0;
  guint n = 0, gaps = 0;
  gint64 t_end;

  enter_inputs ();
  /* 96 x 96 pixels, 20 x 20 x 20 cells, 4 phi steps: far more than the
   * 1 ms a frame may take at 1000/1 */
  pipe = gst_parse_launch ("nanobraggsrc name=s hkl-file=dense.hkl "
      "cell=\"79 79 38 90 90 90\" n-cells=20 width=96 height=96 osc=0.2 "
      "phi-steps=4 threads=1 is-live=true framerate=1000/1 ! appsink wait-on-eos=false "
      "name=frames sync=false max-buffers=1 drop=false", NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  t_end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < t_end || n < 3) {
    GstSample *smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        60 * GST_SECOND);
    GstBuffer *b;
    GstClock *clock;
    GstClockTime now;
    g_assert_nonnull (smp);
    b = gst_sample_get_buffer (smp);
    clock = gst_element_get_clock (pipe);
    now = gst_clock_get_time (clock) - gst_element_get_base_time (pipe);
    gst_object_unref (clock);
    /* the frame's exposure ended at PTS + duration */
    lag = now - (GST_BUFFER_PTS (b) + GST_BUFFER_DURATION (b));
    /* frames come as fast as they render: the longest gap bounds a
     * render */
    if (n > 0)
      max_gap = MAX (max_gap, now - last_now);
    last_now = now;
    if (n > 0 && GST_BUFFER_OFFSET (b) != last_offset + 1)
      gaps++;
    last_offset = GST_BUFFER_OFFSET (b);
    n++;
    gst_sample_unref (smp);
  }
  /* without dropping, the source falls one render behind per frame (n
   * >= 3 renders: ~1 s after a second at 1000/1); with it, the newest
   * frame is at most one render (plus a frame) old */
  g_assert_cmpuint (lag, <, 2 * max_gap + GST_SECOND / 50);
  g_assert_cmpuint (gaps, >, 0);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_QOS);
  g_assert_nonnull (msg);
  {
    GstFormat fmt;
    gboolean msg_live;
    gst_message_parse_qos (msg, &msg_live, NULL, NULL, NULL, NULL);
    g_assert_true (msg_live);
    gst_message_parse_qos_stats (msg, &fmt, &processed, &dropped);
    g_assert_cmpint (fmt, ==, GST_FORMAT_DEFAULT);
    g_assert_cmpuint (dropped, >, 0);
  }
  gst_message_unref (msg);

  q = gst_query_new_latency ();
  g_assert_true (gst_element_query (src, q));
  gst_query_parse_latency (q, &live, &min, &max);
  g_assert_true (live);
  g_assert_cmpuint (min, ==, GST_SECOND / 1000);
  g_assert_true (max == GST_CLOCK_TIME_NONE || max > min);
  gst_query_unref (q);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

/* E4: the LATENCY event is answered; the first buffer and the first after
 * a flushing seek are DISCONT on both pads. */
static void
test_latency_event_and_discont (void)
{
  GstElement *pipe, *src;
  GstBus *bus;
  GstMessage *msg;
  GstPad *pad;
  PadCounts c = { 0 };

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "num-frames=6 trace-pixels=\"3,4\" ! "
      "queue ! fakesink sync=false s.trace ! queue ! fakesink sync=false",
      NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "s");
  bus = gst_element_get_bus (pipe);
  probe_both_pads (src, &c);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
          60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
  pad = gst_element_get_static_pad (src, "src");
  g_assert_true (gst_pad_send_event (pad, gst_event_new_latency (0)));
  gst_object_unref (pad);
  g_assert_true (gst_element_seek_simple (pipe, GST_FORMAT_DEFAULT,
          GST_SEEK_FLAG_FLUSH, 3));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  g_assert_cmpint (g_atomic_int_get (&c.discont[0]), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&c.discont[1]), ==, 2);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

/* E4: is-live changed while running does not change what PLAYING->PAUSED
 * returns; a live source refuses seeks, as its SEEKING answer says. */
static void
test_live_snapshot_and_seek (void)
{
  GstElement *pipe, *src, *sink;
  GstQuery *q;
  gboolean seekable;
  GstSample *smp;

  enter_inputs ();
  pipe = gst_parse_launch (SMALL "is-live=true framerate=50/1 num-frames=-1 "
      "! appsink wait-on-eos=false name=frames sync=false", NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
  g_assert_nonnull (smp);
  gst_sample_unref (smp);

  q = gst_query_new_seeking (GST_FORMAT_TIME);
  g_assert_true (gst_element_query (src, q));
  gst_query_parse_seeking (q, NULL, &seekable, NULL, NULL);
  g_assert_false (seekable);
  gst_query_unref (q);
  g_assert_false (gst_element_seek_simple (pipe, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 0));
  smp = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
  g_assert_nonnull (smp);
  gst_sample_unref (smp);

  g_object_set (src, "is-live", FALSE, NULL);
  g_assert_cmpint (gst_element_set_state (pipe, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_NO_PREROLL);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

/* E6: both pads linked straight to sinks (no queue): an error that says
 * to add queues, instead of a preroll that never ends; a queue on the
 * trace branch only is enough. */
static void
test_two_branches_without_queue (void)
{
  gchar *err = NULL;
  GPtrArray *t, *s;

  enter_inputs ();
  s = run_pipeline (SMALL "num-frames=2 ! appsink wait-on-eos=false name=frames sync=false "
      "s.trace ! appsink wait-on-eos=false name=trace sync=false", NULL, &err);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "queue"));
  g_free (err);
  g_ptr_array_unref (s);

  s = run_pipeline (SMALL "num-frames=2 trace-pixels=\"3,4\" ! appsink wait-on-eos=false "
      "name=frames sync=false s.trace ! queue ! appsink wait-on-eos=false name=trace "
      "sync=false", &t, NULL);
  g_assert_cmpuint (s->len, ==, 2);
  g_assert_cmpuint (t->len, ==, 2);
  g_ptr_array_unref (s);
  g_ptr_array_unref (t);
}

/* E7: a refused trace map or frame rate is reported with the property and
 * the caps field at fault. */
static void
test_negotiation_errors (void)
{
  gchar *err = NULL;
  GPtrArray *s;

  enter_inputs ();
  s = run_pipeline (SMALL "num-frames=1 trace-map=h ! queue ! appsink wait-on-eos=false "
      "name=frames sync=false s.trace ! queue ! text/x-raw ! fakesink",
      NULL, &err);
  g_assert_nonnull (err);
  if (strstr (err, "trace-map") == NULL || strstr (err, "text/x-raw") == NULL)
    g_test_fail_printf ("trace-map into text: '%s'", err);
  g_free (err);
  g_ptr_array_unref (s);

  s = run_pipeline (SMALL "num-frames=1 framerate=10/1 ! "
      "video/x-diffraction,framerate=5/1 ! appsink wait-on-eos=false name=frames sync=false",
      NULL, &err);
  g_assert_nonnull (err);
  if (strstr (err, "'framerate'") == NULL || strstr (err, "10/1") == NULL)
    g_test_fail_printf ("framerate mismatch: '%s'", err);
  g_free (err);
  g_ptr_array_unref (s);
}

/* E9: enum values are listed in numeric order; real author metadata. */
static void
test_enums_and_metadata (void)
{
  const char *enums[] = { "GstNbConvention", "GstNbPivot", "GstNbShape",
    "GstNbInterpolate", "GstNbPrecision", "GstNbDevice", "GstNbTraceMap",
    "GstNbNoiseRng"
  };
  GstElementFactory *f = gst_element_factory_find ("nanobraggsrc");
  const char *author, *uri;
  GstElement *e;

  g_assert_nonnull (f);
  e = gst_element_factory_create (f, NULL);       /* registers the enums */
  for (guint i = 0; i < G_N_ELEMENTS (enums); i++) {
    GType t = g_type_from_name (enums[i]);
    GEnumClass *k;
    g_assert_true (G_TYPE_IS_ENUM (t));
    k = g_type_class_ref (t);
    for (guint v = 1; v < k->n_values; v++)
      if (k->values[v].value < k->values[v - 1].value)
        g_test_fail_printf ("%s lists %s (%d) after %s (%d)", enums[i],
            k->values[v].value_nick, k->values[v].value,
            k->values[v - 1].value_nick, k->values[v - 1].value);
    g_type_class_unref (k);
  }
  author = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_AUTHOR);
  g_assert_cmpstr (author, ==, "The nanobragg developers");
  uri = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_DOC_URI);
  /* none, or a real URI */
  if (uri != NULL)
    g_assert_true (g_uri_is_valid (uri, G_URI_FLAGS_NONE, NULL));
  gst_object_unref (e);
  gst_object_unref (f);
}

/* Photon frames and count frames (scale=0) of @extra; returns the count
 * frames' meta scales in @scales. */
static void
auto_scale_run (const char *extra, gint64 seek_to, double *scales, guint n,
    guint64 * first_offset)
{
  gchar *desc = g_strdup_printf (SMALL "num-frames=4 scale=0 adc-offset=0 %s "
      "! video/x-raw,format=GRAY16_LE ! appsink wait-on-eos=false name=frames sync=false",
      extra);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");

  gst_element_set_state (pipe, GST_STATE_PAUSED);
  g_assert_cmpint (gst_element_get_state (pipe, NULL, NULL,
          60 * GST_SECOND), ==, GST_STATE_CHANGE_SUCCESS);
  if (seek_to > 0)
    g_assert_true (gst_element_seek_simple (pipe, GST_FORMAT_DEFAULT,
            GST_SEEK_FLAG_FLUSH, seek_to));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (guint i = 0; i < n; i++) {
    GstSample *smp = pull (sink);
    const GstStructure *st;
    g_assert_nonnull (smp);
    st = frame_meta (gst_sample_get_buffer (smp));
    g_assert_nonnull (st);
    g_assert_true (gst_structure_get_double (st, "scale", &scales[i]));
    if (i == 0)
      *first_offset = GST_BUFFER_OFFSET (gst_sample_get_buffer (smp));
    gst_sample_unref (smp);
  }
  /* the scale is announced once, on the bus */
  {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg;
    guint n_msg = 0;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
      const GstStructure *st = gst_message_get_structure (msg);
      double announced;
      if (gst_structure_has_name (st, "nanobraggsrc-scale")) {
        g_assert_true (gst_structure_get_double (st, "scale", &announced));
        g_assert_cmpfloat (announced, ==, scales[0]);
        n_msg++;
      }
      gst_message_unref (msg);
    }
    g_assert_cmpuint (n_msg, ==, 1);
    gst_object_unref (bus);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
}

/* E10: scale=0 is one scale for the whole series, 55000 / the maximum of
 * frame 0, whichever frame is rendered first. */
static void
test_auto_scale_series (void)
{
  GPtrArray *photons;
  double expected, max0 = 0, max3 = 0, scales[4];
  guint64 first;
  GstMapInfo map;
  GstBuffer *b;

  enter_inputs ();
  photons = run_pipeline (SMALL "num-frames=4 ! appsink wait-on-eos=false name=frames "
      "sync=false", NULL, NULL);
  g_assert_cmpuint (photons->len, ==, 4);
  b = gst_sample_get_buffer (g_ptr_array_index (photons, 0));
  gst_buffer_map (b, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / 4; i++)
    max0 = MAX (max0, ((const float *) map.data)[i]);
  gst_buffer_unmap (b, &map);
  b = gst_sample_get_buffer (g_ptr_array_index (photons, 3));
  gst_buffer_map (b, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / 4; i++)
    max3 = MAX (max3, ((const float *) map.data)[i]);
  gst_buffer_unmap (b, &map);
  /* the frames differ, so a per-frame scale would show */
  g_assert_cmpfloat (fabs (max0 - max3), >, 1e-5 * max0);
  expected = 55000.0 / max0;

  auto_scale_run ("", 0, scales, 4, &first);
  g_assert_cmpuint (first, ==, 0);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (scales[i], expected, 1e-9 * expected);
  /* first frame rendered is frame 3: still frame 0's scale */
  auto_scale_run ("", 3, scales, 1, &first);
  g_assert_cmpuint (first, ==, 3);
  g_assert_cmpfloat_with_epsilon (scales[0], expected, 1e-9 * expected);
  g_ptr_array_unref (photons);
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

/* ---- counts from the counter readout (docs/readout.md) ---- */

/* The element's photon frames 0 .. n-1 of SMALL @extra. */
static GPtrArray *
photon_frames (const char *extra, guint n)
{
  gchar *desc = g_strdup_printf (SMALL "num-frames=%u %s ! appsink "
      "wait-on-eos=false name=frames sync=false", n, extra);
  GPtrArray *s = run_pipeline (desc, NULL, NULL);
  g_assert_cmpuint (s->len, ==, n);
  g_free (desc);
  return s;
}

/* The counts the readout @r gives frame @frame of @photons (48 x 40, the
 * whole detector rendered), by the engine's readout directly. */
static void *
expected_counts (GstSample * photons, const NbReadout * r, guint32 frame,
    NbCountsFormat format)
{
  NbDetector d = golden_plain_detector (48, 40);
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer (photons);
  NbReadoutWork *w = nb_readout_work_new (1);
  void *out = g_malloc (48 * 40 * 4);

  gst_buffer_map (b, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, 48 * 40 * sizeof (float));
  nb_readout_frame (w, r, &d, frame, (const float *) map.data, format, out,
      NULL);
  gst_buffer_unmap (b, &map);
  nb_readout_work_free (w);
  return out;
}

static void
assert_counts_equal (GstSample * got, const void *want, gsize bytes)
{
  GstBuffer *b = gst_sample_get_buffer (got);
  GstMapInfo map;
  gst_buffer_map (b, &map, GST_MAP_READ);
  g_assert_cmpmem (map.data, map.size, want, bytes);
  gst_buffer_unmap (b, &map);
}

#define READOUT_PROPS "noise=true seed=7 scale=2 adc-offset=10 " \
  "read-noise=1.5 psf-fwhm=1.0 calibration-error=0.02 "

static void
readout_of_props (NbReadout * r, double cutoff)
{
  nb_readout_init_defaults (r);
  r->poisson = TRUE;
  r->seed = 7;
  r->gain = 2;
  r->adc_offset = 10;
  r->read_noise = 1.5;
  r->psf_fwhm = 1.0;
  r->calibration_error = 0.02;
  r->calibration_seed = 1;
  r->cutoff = cutoff;
}

/* S32LE and GRAY16_LE counts are the engine's readout of the element's own
 * photons, frame by frame (seed, frame index, gain, offset, noise, PSF and
 * calibration as the properties say), and the meta and the trace say so. */
static void
test_counts_readout (void)
{
  GPtrArray *photons, *counts, *counts16, *trace = NULL;
  NbReadout r;
  gchar *desc;

  enter_inputs ();
  photons = photon_frames ("", 3);
  desc = g_strdup_printf (SMALL "num-frames=3 " READOUT_PROPS
      "trace-pixels=\"10,10\" ! video/x-diffraction,format=S32LE ! appsink "
      "wait-on-eos=false name=frames sync=false s.trace ! queue ! appsink "
      "wait-on-eos=false name=trace sync=false");
  counts = run_pipeline (desc, &trace, NULL);
  g_free (desc);
  g_assert_cmpuint (counts->len, ==, 3);
  readout_of_props (&r, G_MAXINT32);
  for (guint i = 0; i < 3; i++) {
    GstSample *smp = g_ptr_array_index (counts, i);
    const GstStructure *st = frame_meta (gst_sample_get_buffer (smp));
    GstCaps *caps = gst_sample_get_caps (smp);
    void *want = expected_counts (g_ptr_array_index (photons, i), &r, i,
        NB_COUNTS_S32);
    double gain;
    guint64 seed;
    assert_counts_equal (smp, want, 48 * 40 * 4);
    g_free (want);
    g_assert_cmpstr (gst_structure_get_string (gst_caps_get_structure (caps,
                0), "format"), ==, "S32LE");
    g_assert_cmpstr (gst_structure_get_string (st, "noise-rng"), ==,
        "counter");
    g_assert_cmpstr (gst_structure_get_string (st, "counts-format"), ==,
        "S32LE");
    g_assert_true (gst_structure_get_double (st, "gain", &gain));
    g_assert_cmpfloat (gain, ==, 2.0);
    g_assert_true (gst_structure_get_uint64 (st, "seed", &seed));
    g_assert_cmpuint (seed, ==, 7);
  }
  g_assert_cmpuint (trace->len, ==, 3);
  {
    GstBuffer *b = gst_sample_get_buffer (g_ptr_array_index (trace, 1));
    GstMapInfo map;
    gchar *text;
    gst_buffer_map (b, &map, GST_MAP_READ);
    text = g_strndup ((const char *) map.data, map.size);
    gst_buffer_unmap (b, &map);
    g_assert_nonnull (strstr (text, "TRACE_READOUT frame=1 format=S32LE "
            "noise-rng=counter poisson=1 seed=7 gain=2 adc-offset=10 "
            "read-noise=1.5 psf-fwhm=1 calibration-error=0.02"));
    g_free (text);
  }

  desc = g_strdup_printf (SMALL "num-frames=3 " READOUT_PROPS
      "! video/x-raw,format=GRAY16_LE ! appsink wait-on-eos=false "
      "name=frames sync=false");
  counts16 = run_pipeline (desc, NULL, NULL);
  g_free (desc);
  readout_of_props (&r, 65535);
  for (guint i = 0; i < 3; i++) {
    void *want = expected_counts (g_ptr_array_index (photons, i), &r, i,
        NB_COUNTS_U16);
    assert_counts_equal (g_ptr_array_index (counts16, i), want, 48 * 40 * 2);
    g_free (want);
  }
  g_ptr_array_unref (photons);
  g_ptr_array_unref (counts);
  g_ptr_array_unref (counts16);
  g_ptr_array_unref (trace);
}

/* scale=0 with the counter readout: the gain is the series scale from
 * frame 0 in every frame; frame 0 (read out from the photons rendered for
 * the scale) and later frames (read out by the backend) are both the
 * engine's readout at that gain. */
static void
test_counts_auto_scale (void)
{
  GPtrArray *photons, *counts;
  NbReadout r;
  GstMapInfo map;
  double max0 = 0;
  GstBuffer *b;

  enter_inputs ();
  photons = photon_frames ("", 3);
  b = gst_sample_get_buffer (g_ptr_array_index (photons, 0));
  gst_buffer_map (b, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / 4; i++)
    max0 = MAX (max0, ((const float *) map.data)[i]);
  gst_buffer_unmap (b, &map);
  counts = run_pipeline (SMALL "num-frames=3 noise=true seed=3 scale=0 "
      "! video/x-diffraction,format=S32LE ! appsink wait-on-eos=false "
      "name=frames sync=false", NULL, NULL);
  g_assert_cmpuint (counts->len, ==, 3);
  nb_readout_init_defaults (&r);
  r.poisson = TRUE;
  r.seed = 3;
  r.adc_offset = 40;            /* nanoBragg's default -adc */
  r.gain = 55000.0 / max0;
  for (guint i = 0; i < 3; i++) {
    GstSample *smp = g_ptr_array_index (counts, i);
    void *want = expected_counts (g_ptr_array_index (photons, i), &r, i,
        NB_COUNTS_S32);
    double gain;
    g_assert_true (gst_structure_get_double (frame_meta
            (gst_sample_get_buffer (smp)), "gain", &gain));
    g_assert_cmpfloat (gain, ==, r.gain);
    assert_counts_equal (smp, want, 48 * 40 * 4);
    g_free (want);
  }
  g_ptr_array_unref (photons);
  g_ptr_array_unref (counts);
}

/* Bad readout values, and readout stages nanoBragg's generator lacks, are
 * errors naming the property; nanoBragg's generator offers no S32LE. */
static void
test_readout_errors (void)
{
  gchar *err = NULL;
  GPtrArray *s;

  /* (negative sigmas are outside the properties' GParamSpec ranges) */
  expect_error ("hkl-file=dense.hkl cell=79 psf-fwhm=1000", "psf-fwhm");
  expect_error ("hkl-file=dense.hkl cell=79 adc-offset=-5", "adc-offset");
  expect_error ("hkl-file=dense.hkl cell=79 adc-offset=50 count-cutoff=20",
      "count-cutoff");
  expect_error ("hkl-file=dense.hkl cell=79 count-cutoff=10.5",
      "count-cutoff");
  /* only -1 means the format's maximum */
  expect_error ("hkl-file=dense.hkl cell=79 count-cutoff=-0.5",
      "count-cutoff");
  expect_error ("hkl-file=dense.hkl cell=79 noise-rng=nanobragg "
      "read-noise=1", "read-noise");
  expect_error ("hkl-file=dense.hkl cell=79 noise-rng=nanobragg "
      "psf-fwhm=1", "psf-fwhm");
  enter_inputs ();
  s = run_pipeline (SMALL "num-frames=1 noise-rng=nanobragg "
      "! video/x-diffraction,format=S32LE ! appsink name=frames sync=false",
      NULL, &err);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "S32LE"));
  g_assert_cmpuint (s->len, ==, 0);
  g_free (err);
  g_ptr_array_unref (s);
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
  g_test_add_func ("/nanobraggsrc/good-composite-values",
      test_good_composite_values);
  g_test_add_func ("/nanobraggsrc/state-cycling", test_state_cycling);
  g_test_add_func ("/nanobraggsrc/properties-documented",
      test_properties_documented);
  g_test_add_func ("/nanobraggsrc/trace-pixel-flag", test_trace_pixel_flag);
  g_test_add_func ("/nanobraggsrc/segment-seek-loop", test_segment_seek_loop);
  g_test_add_func ("/nanobraggsrc/live-drops-late-frames",
      test_live_drops_late_frames);
  g_test_add_func ("/nanobraggsrc/latency-event-and-discont",
      test_latency_event_and_discont);
  g_test_add_func ("/nanobraggsrc/live-snapshot-and-seek",
      test_live_snapshot_and_seek);
  g_test_add_func ("/nanobraggsrc/two-branches-without-queue",
      test_two_branches_without_queue);
  g_test_add_func ("/nanobraggsrc/negotiation-errors",
      test_negotiation_errors);
  g_test_add_func ("/nanobraggsrc/enums-and-metadata",
      test_enums_and_metadata);
  g_test_add_func ("/nanobraggsrc/auto-scale-series", test_auto_scale_series);
  g_test_add_func ("/nanobraggsrc/counts-readout", test_counts_readout);
  g_test_add_func ("/nanobraggsrc/counts-auto-scale", test_counts_auto_scale);
  g_test_add_func ("/nanobraggsrc/readout-errors", test_readout_errors);
  g_test_add_func ("/nbradial/messages", test_radial_messages);
  return g_test_run ();
}
