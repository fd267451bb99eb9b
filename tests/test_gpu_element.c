/* test_gpu_element.c - nanobraggsrc on the GPU: frames equal the CPU
 * engine's (float64, 1e-9 relative above 1e-3 of the maximum), come as
 * lent read-only page-locked memory with their NbFrameMeta, and when
 * downstream holds more frames than the backend lends (six), the rest are
 * copied into pool buffers and are just as right.
 * Exits 77 (skipped) when this build has no CUDA or no GPU answers. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "golden_compare.h"
#include "nb_backend_select.h"

#define CASE "rotation_series"

/* Frames of the rotation series' args.0 through `nanobraggsrc
 * device=cuda ! appsink`; the appsink keeps every sample until the end,
 * so all frames are held at once (it must not wait for them at EOS). */
static GPtrArray *
pull_frames (int n_frames, const char *precision)
{
  gchar *path = g_build_filename (golden_dir (), CASE, "args.0", NULL);
  gchar *args = NULL, *desc;
  GstElement *pipe, *sink;
  GstMessage *msg;
  GError *error = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  GstSample *s;

  g_assert_true (g_file_get_contents (path, &args, NULL, NULL));
  desc = g_strdup_printf ("nanobraggsrc nanobragg-args=\"%s\" device=cuda "
      "precision=%s num-frames=%d ! video/x-diffraction "
      "! appsink name=frames sync=false wait-on-eos=false",
      g_strstrip (args), precision, n_frames);
  pipe = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "frames");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  while ((s = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0)))
    g_ptr_array_add (out, s);
  gst_object_unref (sink);
  /* the samples outlive the element: lent frames must stay valid */
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (args);
  g_free (path);
  return out;
}

/* Checks every frame against the CPU; returns how many were lent
 * (read-only memory). */
static int
check_frames (GPtrArray * samples, int n_frames, const GoldenTolerance * tol)
{
  NbModel *m = golden_load_case (CASE, NULL);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  int lent = 0;

  g_assert_cmpuint (samples->len, ==, n_frames);
  for (int i = 0; i < n_frames; i++) {
    GstBuffer *buf = gst_sample_get_buffer (g_ptr_array_index (samples, i));
    GstMemory *mem = gst_buffer_peek_memory (buf, 0);
    float *cpu = golden_render (m, 0, i, NULL);
    GstMapInfo map;
    gchar *why;

    g_assert_nonnull (gst_buffer_get_custom_meta (buf, "NbFrameMeta"));
    if (GST_MEMORY_IS_READONLY (mem))
      lent++;
    g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
    g_assert_cmpuint (map.size, ==, n * sizeof (float));
    why = golden_compare_images ((const float *) map.data, cpu, n, tol);
    if (why)
      g_test_fail_printf ("frame %d (%s): %s", i, GST_MEMORY_IS_READONLY
          (mem) ? "lent" : "copied", why);
    g_free (why);
    gst_buffer_unmap (buf, &map);
    g_free (cpu);
  }
  nb_model_free (m);
  return lent;
}

static const GoldenTolerance f64 = { 1e-9, 1e-3, 1e-9, 0.999999999 };
static const GoldenTolerance f32 = { 1e-3, 1e-2, 1e-3, 0.99999 };

static void
test_lent_frames (void)
{
  GPtrArray *samples = pull_frames (3, "float64");
  g_assert_cmpint (check_frames (samples, 3, &f64), ==, 3);
  g_ptr_array_unref (samples);
}

static void
test_more_frames_held_than_lent (void)
{
  GPtrArray *samples = pull_frames (10, "float64");
  /* six lent (the backend's limit), the four later ones copied */
  g_assert_cmpint (check_frames (samples, 10, &f64), ==, 6);
  g_ptr_array_unref (samples);
}

/* The kernels issue's pipeline, `nanobraggsrc device=cuda
 * precision=float32 ! video/x-diffraction ! ...`, for 22 frames: every
 * one is its own rotation step, equal to the CPU's frame N (float32
 * tolerance), not a repeat of an earlier frame. */
static void
test_float32_series (void)
{
  GPtrArray *samples = pull_frames (22, "float32");
  check_frames (samples, 22, &f32);
  g_ptr_array_unref (samples);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  NbModel *probe;
  NbBackend *b;
  gchar *inputs;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  if (!nb_backend_have_cuda ()) {
    printf ("1..0 # SKIP built without CUDA\n");
    return 77;
  }
  probe = golden_load_case (CASE, NULL);
  b = nb_backend_select (probe, NB_DEVICE_CUDA, 0, 0, NB_PRECISION_FLOAT64,
      NULL, &error);
  nb_model_free (probe);
  if (b == NULL) {
    printf ("1..0 # SKIP %s\n", error->message);
    g_error_free (error);
    return 77;
  }
  nb_backend_free (b);
  /* the element resolves the argument line's files here */
  inputs = g_build_filename (golden_dir (), "inputs", NULL);
  g_assert_cmpint (g_chdir (inputs), ==, 0);
  g_free (inputs);

  g_test_add_func ("/gpu-element/lent-frames", test_lent_frames);
  g_test_add_func ("/gpu-element/more-frames-held-than-lent",
      test_more_frames_held_than_lent);
  g_test_add_func ("/gpu-element/float32-series-22", test_float32_series);
  return g_test_run ();
}
