/* nb_bench_downstream - frames per second of each downstream element
 * alone: one prepared frame pushed again and again through
 * `appsrc ! ELEMENT ! fakesink` (nbview, nbradial, nbsmvenc, nbtiffenc,
 * nbcbfenc, at their default properties), or `appsrc ! SINK` for a sink
 * (nbnxsink, writing one file of all frames to --dir, /dev/shm by
 * default, removed after; its frames/s include the compression and the
 * HDF5 writes, and the file's size over the raw counts is printed as its
 * compression ratio), for photons (F32LE), 16-bit counts
 * (GRAY16_LE) and 32-bit counts (S32LE, with masked gaps).  Timed from
 * the first frame that reaches the sink to the last, so start-up (and
 * nbradial's pixel -> shell map, built once per geometry) stays out of
 * the rate; the first frame's time from its push to the sink, which
 * includes that, is printed apart.
 *
 *   nb_bench_downstream [--width W] [--height H] [--frames F]
 *                       [--elements nbview,nbradial,...] [--dir DIR]
 *                       [--formats F32LE,GRAY16_LE,S32LE]
 *
 * The frame is diffraction-like: a background of a few photons or counts
 * per pixel, brighter towards the centre, with 2000 bright spots, and for
 * S32LE the module gaps of an Eiger-like detector masked (-1).  The
 * elements' thread count is NB_THREADS if set, else all cores; the plugin
 * is found through GST_PLUGIN_PATH as usual. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nb_bench_count.h"

/* Photons of pixel (f, s) (before the format's conversion). */
static void
fill_photons (float *photons, int width, int height)
{
  GRand *rand = g_rand_new_with_seed (12345);
  double cf = width / 2.0, cs = height / 2.0, r0 = hypot (cf, cs);

  for (int s = 0; s < height; s++)
    for (int f = 0; f < width; f++) {
      /* a water-ring-like background falling off towards the edges */
      double r = hypot (f - cf, s - cs) / r0;
      double mean = 0.5 + 4.0 * exp (-(r - 0.3) * (r - 0.3) / 0.02);
      photons[(gsize) s * width + f] = (float) (mean
          * g_rand_double_range (rand, 0.5, 1.5));
    }
  for (int spot = 0; spot < 2000; spot++) {
    int f0 = g_rand_int_range (rand, 2, MAX (3, width - 2));
    int s0 = g_rand_int_range (rand, 2, MAX (3, height - 2));
    double peak = g_rand_double_range (rand, 50, 60000);
    for (int ds = -2; ds <= 2; ds++)
      for (int df = -2; df <= 2; df++) {
        int f = f0 + df, s = s0 + ds;
        if (f >= 0 && f < width && s >= 0 && s < height)
          photons[(gsize) s * width + f] += (float) (peak
              * exp (-(df * df + ds * ds) / 1.5));
      }
  }
  g_rand_free (rand);
}

/* Eiger-like module gaps: 10 columns after every 1030, 37 rows after
 * every 514. */
static gboolean
in_gap (int f, int s)
{
  return f % 1040 >= 1030 || s % 551 >= 514;
}

static GstBuffer *
make_frame (const char *format, const float *photons, int width, int height)
{
  gsize n = (gsize) width * height;
  gboolean gray16 = g_str_equal (format, "GRAY16_LE");
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * (gray16 ? 2 : 4),
      NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < n; i++) {
    double c = floor (photons[i] + 0.5);
    if (g_str_equal (format, "F32LE")) {
      guint32 bits;
      memcpy (&bits, &photons[i], 4);
      GST_WRITE_UINT32_LE (map.data + 4 * i, bits);
    } else if (gray16) {
      GST_WRITE_UINT16_LE (map.data + 2 * i, (guint16) MIN (c, 65535));
    } else {
      gint32 v = in_gap ((int) (i % width), (int) (i / width)) ? -1
          : (gint32) c;
      GST_WRITE_UINT32_LE (map.data + 4 * i, (guint32) v);
    }
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

static void
set_vector (GstStructure * s, const char *name, double x, double y,
    double z)
{
  gchar *kx = g_strdup_printf ("%s-x", name), *ky = g_strdup_printf
      ("%s-y", name), *kz = g_strdup_printf ("%s-z", name);
  gst_structure_set (s, kx, G_TYPE_DOUBLE, x, ky, G_TYPE_DOUBLE, y, kz,
      G_TYPE_DOUBLE, z, NULL);
  g_free (kx);
  g_free (ky);
  g_free (kz);
}

/* The geometry nbradial and the encoders read: a flat detector 200 mm
 * from the sample, normal to the beam, beam at the centre, 75 um pixels,
 * as NbFrameMeta holds it (the plugin registered the meta on loading). */
static void
add_meta (GstBuffer * buf, int width, int height)
{
  GstCustomMeta *cm = gst_buffer_add_custom_meta (buf, "NbFrameMeta");
  GstStructure *s = gst_custom_meta_get_structure (cm);
  double p = 0.075, d = 200.0;

  gst_structure_set (s, "frame", G_TYPE_UINT64, (guint64) 0, "phi-start",
      G_TYPE_DOUBLE, 0.0, "osc", G_TYPE_DOUBLE, 0.1, "wavelength",
      G_TYPE_DOUBLE, 1.0, "distance", G_TYPE_DOUBLE, d, "close-distance",
      G_TYPE_DOUBLE, d, "pixel-size", G_TYPE_DOUBLE, p, "twotheta",
      G_TYPE_DOUBLE, 0.0, "convention", G_TYPE_STRING, "ADXV",
      "beam-center-x", G_TYPE_DOUBLE, width * p / 2, "beam-center-y",
      G_TYPE_DOUBLE, height * p / 2, "adxv-center-x", G_TYPE_DOUBLE,
      width * p / 2, "adxv-center-y", G_TYPE_DOUBLE, height * p / 2,
      "scale", G_TYPE_DOUBLE, 1.0, "adc-offset", G_TYPE_DOUBLE, 0.0,
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
      "curved-detector", G_TYPE_BOOLEAN, FALSE, NULL);
  /* the beam along +x through the middle of the detector */
  set_vector (s, "pix0", d / 1000, height * p / 2000, width * p / 2000);
  set_vector (s, "fast-axis", 0, 0, -1);
  set_vector (s, "slow-axis", 0, -1, 0);
  set_vector (s, "beam-vector", 1, 0, 0);
}

static GstCaps *
frame_caps (const char *format, int width, int height)
{
  return gst_caps_new_simple (g_str_equal (format, "GRAY16_LE") ?
      "video/x-raw" : "video/x-diffraction", "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, "framerate",
      GST_TYPE_FRACTION, 0, 1, NULL);
}

/* A sink's frame clock: a frame is done when the next one (or the EOS)
 * reaches the sink, so the first hit starts the clock and each further
 * one counts a frame. */
static GstPadProbeReturn
on_sink_pad (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER)
      || GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    on_handoff (NULL, NULL, pad, data);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_sink (GstElement * el)
{
  const char *klass = gst_element_class_get_metadata (GST_ELEMENT_GET_CLASS
      (el), GST_ELEMENT_METADATA_KLASS);
  return klass != NULL && strstr (klass, "Sink") != NULL;
}

/* Frames per second of @element on @frame, or a negative number after
 * printing why.  A sink writes to a file in @dir, whose size it returns
 * in *@file_bytes (removed after). */
static double
run_element (const char *element, const char *format, GstBuffer * frame,
    int width, int height, int frames, const char *dir, double *first_ms,
    double *file_bytes)
{
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("appsrc", NULL);
  GstElement *el = gst_element_factory_make (element, NULL);
  GstElement *sink = NULL;
  GstCaps *caps = frame_caps (format, width, height);
  Count count = { 0 };
  GstMessage *msg;
  double fps = -1;
  gint64 start;
  gchar *file = NULL;

  if (el == NULL) {
    fprintf (stderr, "nb_bench_downstream: no element %s (is "
        "GST_PLUGIN_PATH set?)\n", element);
    gst_object_unref (pipe);
    gst_caps_unref (caps);
    return -1;
  }
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "block", TRUE,
      "max-buffers", (guint64) 2, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, el, NULL);
  if (is_sink (el)) {
    GstPad *pad = gst_element_get_static_pad (el, "sink");
    file = g_strdup_printf ("%s/nb_bench_downstream_%d.nxs", dir,
        (int) getpid ());
    g_object_set (el, "location", file, NULL);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER
        | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_pad, &count, NULL);
    gst_object_unref (pad);
  } else {
    sink = gst_element_factory_make ("fakesink", NULL);
    g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &count);
    gst_bin_add (GST_BIN (pipe), sink);
  }
  if (!gst_element_link_many (src, el, sink, NULL)) {
    fprintf (stderr, "nb_bench_downstream: cannot link %s\n", element);
    gst_object_unref (pipe);
    gst_caps_unref (caps);
    return -1;
  }
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  start = g_get_monotonic_time ();
  for (int i = 0; i < frames; i++) {
    /* shares the frame's memory; only the timestamps are its own */
    GstBuffer *b = gst_buffer_copy (frame);
    GstFlowReturn ret;
    GST_BUFFER_PTS (b) = i * GST_SECOND / 10;
    GST_BUFFER_DURATION (b) = GST_SECOND / 10;
    GST_BUFFER_OFFSET (b) = i;
    g_signal_emit_by_name (src, "push-buffer", b, &ret);
    gst_buffer_unref (b);
    if (ret != GST_FLOW_OK)
      break;
  }
  {
    GstFlowReturn ret;
    g_signal_emit_by_name (src, "end-of-stream", &ret);
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;
    gst_message_parse_error (msg, &error, NULL);
    fprintf (stderr, "nb_bench_downstream: %s %s: %s\n", element, format,
        error->message);
    g_error_free (error);
  } else if (count.frames < 2) {
    fprintf (stderr, "nb_bench_downstream: %s %s: %d frame(s) arrived\n",
        element, format, count.frames);
  } else {
    fps = (count.frames - 1) / ((count.last - count.first) / 1e6);
    *first_ms = (count.first - start) / 1e3;
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  gst_caps_unref (caps);
  if (file != NULL) {
    GStatBuf st;
    *file_bytes = g_stat (file, &st) == 0 ? (double) st.st_size : -1;
    g_unlink (file);
    g_free (file);
  }
  return fps;
}

/* What the elements use: NB_THREADS, else all cores. */
static const char *
thread_count (void)
{
  static char text[64];
  const char *env = g_getenv ("NB_THREADS");

  if (env && *env)
    g_snprintf (text, sizeof text, "%s (NB_THREADS)", env);
  else
    g_snprintf (text, sizeof text, "%u (all cores)", g_get_num_processors ());
  return text;
}

int
main (int argc, char **argv)
{
  int width = 4148, height = 4362, frames = 20;
  gchar *elements = NULL, *formats = NULL, *dir = NULL;
  GOptionEntry entries[] = {
    {"width", 'w', 0, G_OPTION_ARG_INT, &width, "frame width (pixels)", "W"},
    {"height", 'h', 0, G_OPTION_ARG_INT, &height, "frame height (pixels)",
        "H"},
    {"frames", 'f', 0, G_OPTION_ARG_INT, &frames, "frames per run", "F"},
    {"elements", 'e', 0, G_OPTION_ARG_STRING, &elements, "elements, "
          "comma-separated (default nbview,nbradial,nbsmvenc,nbtiffenc,"
          "nbcbfenc; also nbnxsink)", "E"},
    {"formats", 'F', 0, G_OPTION_ARG_STRING, &formats, "formats, "
          "comma-separated (default F32LE,GRAY16_LE,S32LE)", "L"},
    {"dir", 'd', 0, G_OPTION_ARG_STRING, &dir, "where sinks write their "
          "files (default /dev/shm, else the temporary directory)", "DIR"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new (NULL);
  GError *error = NULL;
  gchar **el_list, **fmt_list;
  float *photons;
  const char *out_dir;
  int status = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 1
      || width < 1 || height < 1 || width > 65536 || height > 65536
      || frames < 2) {
    fprintf (stderr, "nb_bench_downstream: %s\n", error ? error->message :
        "width and height 1..65536, frames >= 2, no other arguments");
    return 2;
  }
  el_list = g_strsplit (elements ? elements :
      "nbview,nbradial,nbsmvenc,nbtiffenc,nbcbfenc", ",", -1);
  fmt_list = g_strsplit (formats ? formats : "F32LE,GRAY16_LE,S32LE", ",",
      -1);
  for (int i = 0; fmt_list[i]; i++)
    if (!g_str_equal (fmt_list[i], "F32LE")
        && !g_str_equal (fmt_list[i], "GRAY16_LE")
        && !g_str_equal (fmt_list[i], "S32LE")) {
      fprintf (stderr, "nb_bench_downstream: --formats: unknown format "
          "'%s' (F32LE, GRAY16_LE or S32LE)\n", fmt_list[i]);
      return 2;
    }
  /* loads the plugin, which registers NbFrameMeta */
  {
    GstElement *probe = gst_element_factory_make ("nbview", NULL);
    if (probe == NULL) {
      fprintf (stderr, "nb_bench_downstream: the nanobragg plugin is not "
          "found (set GST_PLUGIN_PATH)\n");
      return 2;
    }
    gst_object_unref (probe);
  }
  out_dir = dir ? dir : g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)
      ? "/dev/shm" : g_get_tmp_dir ();
  photons = g_new (float, (gsize) width * height);
  fill_photons (photons, width, height);
  printf ("# nb_bench_downstream: %dx%d frames, %d per run, threads %s\n",
      width, height, frames, thread_count ());
  printf ("%-10s %-10s %12s %12s %14s\n", "element", "format", "frames/s",
      "ms/frame", "first frame ms");
  for (int f = 0; fmt_list[f]; f++) {
    GstBuffer *frame = make_frame (fmt_list[f], photons, width, height);
    add_meta (frame, width, height);
    for (int e = 0; el_list[e]; e++) {
      double first_ms = 0, file_bytes = 0;
      double fps = run_element (el_list[e], fmt_list[f], frame, width,
          height, frames, out_dir, &first_ms, &file_bytes);
      if (fps < 0) {
        status = 1;
        continue;
      }
      printf ("%-10s %-10s %12.1f %12.2f %14.1f\n", el_list[e], fmt_list[f],
          fps, 1000.0 / fps, first_ms);
      if (file_bytes > 0)
        printf ("# %s %s: file %.0f bytes for %d frames, %.2f x smaller "
            "than the 32-bit counts\n", el_list[e], fmt_list[f], file_bytes,
            frames, (double) frames * width * height * 4 / file_bytes);
      fflush (stdout);
    }
    gst_buffer_unref (frame);
  }
  g_free (photons);
  g_strfreev (el_list);
  g_strfreev (fmt_list);
  g_free (elements);
  g_free (formats);
  g_free (dir);
  g_option_context_free (ctx);
  return status;
}
