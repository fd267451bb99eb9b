/* nb_bench_element - frames per second of `nanobraggsrc ! fakesink`,
 * or of `nanobraggsrc PROPS ! CAPS ! DOWNSTREAM ! fakesink`, timed inside
 * the pipeline from the first frame to the last, so plugin loading, model
 * set-up and device start-up stay out of the figure (the engine-alone
 * figure of nb_bench --frames is timed the same way).
 *
 *   nb_bench_element [--device auto|cpu|cuda] [--precision float64|float32]
 *                    [--frames F] [--set PROPS] [--caps CAPS]
 *                    [--downstream ELEMENTS] [--sink SINK]
 *                    [--detector NAME] ARGS_FILE INPUTS_DIR
 *
 * PROPS: more nanobraggsrc properties ("noise=true read-noise=2");
 * CAPS: the src pad's caps ("video/x-diffraction,format=S32LE");
 * ELEMENTS: a gst-launch chain after them ("nbsmvenc", "nbview ! ...");
 * SINK: the sink that ends the pipeline instead of fakesink ("nbnxsink
 * location=x.nxs"), timed from the frames its sink pad takes, so the time
 * after its last frame (closing the file) stays out, as for fakesink;
 * NAME: a detector preset whose pixel array (pixel counts, pixel size,
 * module gaps) replaces the argument list's, e.g. eiger2-16m.
 *
 * ARGS_FILE holds one nanoBragg command line, given to the element's
 * nanobragg-args; file names in it are resolved in INPUTS_DIR.  The
 * element's plugin is found through GST_PLUGIN_PATH as usual. */
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "nb_bench_count.h"
#include "nb_presets.h"

int
main (int argc, char **argv)
{
  int frames = 100;
  const char *precision = "float32", *device = "cuda";
  const char *props = "", *caps = NULL, *downstream = NULL;
  const char *detector = NULL, *sink_desc = NULL;
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &device, "auto, cpu or cuda",
        "D"},
    {"precision", 'p', 0, G_OPTION_ARG_STRING, &precision,
        "float64 or float32", "P"},
    {"frames", 'f', 0, G_OPTION_ARG_INT, &frames, "frames to stream", "F"},
    {"set", 's', 0, G_OPTION_ARG_STRING, &props, "more nanobraggsrc "
          "properties", "PROPS"},
    {"caps", 'c', 0, G_OPTION_ARG_STRING, &caps, "caps of the src pad",
        "CAPS"},
    {"downstream", 'e', 0, G_OPTION_ARG_STRING, &downstream, "elements "
          "between the source and fakesink", "ELEMENTS"},
    {"sink", 'k', 0, G_OPTION_ARG_STRING, &sink_desc, "the sink to end "
          "with instead of fakesink", "SINK"},
    {"detector", 'D', 0, G_OPTION_ARG_STRING, &detector, "a detector "
          "preset's pixel array (eiger2-16m, pilatus6m, ...)", "NAME"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("ARGS_FILE INPUTS_DIR");
  GError *error = NULL;
  gchar *line = NULL;
  GstElement *pipe, *src, *sink;
  GstMessage *msg;
  gchar *desc;
  Count count = { 0 };
  int status = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 3
      || frames < 2) {
    fprintf (stderr, "nb_bench_element: %s\n", error ? error->message
        : "usage: nb_bench_element [options] ARGS_FILE INPUTS_DIR (F >= 2)");
    return 2;
  }
  if (!g_file_get_contents (argv[1], &line, NULL, &error)
      || g_chdir (argv[2]) != 0) {
    fprintf (stderr, "nb_bench_element: %s\n", error ? error->message
        : argv[2]);
    return 2;
  }

  if (detector != NULL) {
    gchar *flags = nb_detector_preset_flags (detector), *both;
    if (flags == NULL) {
      fprintf (stderr, "nb_bench_element: --detector %s: not a preset "
          "(%s)\n", detector, nb_detector_preset_names ());
      return 2;
    }
    both = g_strdup_printf ("%s %s", g_strstrip (line), flags);
    g_free (line);
    g_free (flags);
    line = both;
  }
  desc = g_strdup_printf ("nanobraggsrc name=src %s %s%s %s%s ! %s "
      "name=sink", props, caps ? "! " : "", caps ? caps : "",
      downstream ? "! " : "", downstream ? downstream : "",
      sink_desc ? sink_desc : "fakesink");
  pipe = gst_parse_launch (desc, &error);
  if (pipe == NULL || error != NULL) {
    fprintf (stderr, "nb_bench_element: %s: %s (is GST_PLUGIN_PATH set?)\n",
        desc, error ? error->message : "cannot build");
    return 2;
  }
  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_object_set (src, "nanobragg-args", g_strstrip (line), "num-frames",
      frames, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "device", device);
  gst_util_set_object_arg (G_OBJECT (src), "precision", precision);
  if (sink_desc == NULL) {
    g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &count);
  } else {
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer,
        &count, NULL);
    gst_object_unref (pad);
  }
  gst_object_unref (src);
  gst_object_unref (sink);

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *debug = NULL;
    gst_message_parse_error (msg, &error, &debug);
    fprintf (stderr, "nb_bench_element: %s\n", error->message);
    g_clear_error (&error);
    g_free (debug);
    status = 1;
  } else if (count.frames < 2) {
    fprintf (stderr, "nb_bench_element: only %d frame(s) arrived\n",
        count.frames);
    status = 1;
  } else {
    double secs = (count.last - count.first) / 1e6;
    printf ("element: %d frames; frames 2..%d in %.3f s = %.3g frames/s\n",
        count.frames, count.frames, secs, (count.frames - 1) / secs);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_free (line);
  g_option_context_free (ctx);
  return status;
}
