/* nb_bench - renders a nanoBragg argument list and prints pixel-steps per
 * second and frames per second.
 *
 *   nb_bench [--device cpu|cuda] [--threads N] [--repeat R]
 *            [--precision double|float] [--frames F] [--copy] [--size S]
 *            [--detector NAME] ARGS_FILE INPUTS_DIR
 *
 * --frames F (>= 2) also streams a series of F frames the way the element
 * does (submit the frames the backend can queue, then take frame N) and
 * reports its frame rate
 * from the first frame out to the last, lending frames where the backend
 * can (as the element does) unless --copy is given;
 * --size S overrides the detector size (S x S pixels);
 * --detector NAME renders preset NAME's pixel array instead of the
 * argument list's (pixel counts, pixel size, module gaps; its sensor
 * thickness unless the list gives one), e.g. eiger2-16m.
 *
 * ARGS_FILE holds one nanoBragg command line (tests/golden/bench/args);
 * file names in it are resolved in INPUTS_DIR.  Output flags are ignored:
 * nothing is written.  The figure is the best of R renders (model build
 * excluded, it is a one-time cost per series). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb_args.h"
#include "nb_backend_select.h"
#include "nb_presets.h"
#include "nb_render.h"

int
main (int argc, char **argv)
{
  int threads = 0, repeat = 3, frames = 0, size = 0;
  gboolean copy = FALSE;
  const char *precision = NULL, *device = "cpu", *detector = NULL;
  GOptionEntry entries[] = {
    {"threads", 't', 0, G_OPTION_ARG_INT, &threads, "CPU threads (0 = all)",
        "N"},
    {"repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "renders to time", "R"},
    {"precision", 'p', 0, G_OPTION_ARG_STRING, &precision,
        "double or float", "P"},
    {"device", 'd', 0, G_OPTION_ARG_STRING, &device, "cpu or cuda", "D"},
    {"frames", 'f', 0, G_OPTION_ARG_INT, &frames, "stream F frames", "F"},
    {"size", 's', 0, G_OPTION_ARG_INT, &size, "detector S x S pixels", "S"},
    {"detector", 'D', 0, G_OPTION_ARG_STRING, &detector, "a detector "
          "preset's pixel array (eiger2-16m, pilatus6m, ...)", "NAME"},
    {"copy", 'c', 0, G_OPTION_ARG_NONE, &copy,
        "stream by copying frames out even where the backend lends them",
        NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("ARGS_FILE INPUTS_DIR");
  GError *error = NULL;
  gchar *line = NULL;
  NbParams p;
  NbModel *m;
  NbBackend *b;
  float *img;
  double best = 1e300, steps;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 3) {
    fprintf (stderr, "nb_bench: %s\n", error ? error->message
        : "usage: nb_bench [options] ARGS_FILE INPUTS_DIR");
    return 2;
  }
  if (!g_file_get_contents (argv[1], &line, NULL, &error)) {
    fprintf (stderr, "nb_bench: %s\n", error->message);
    return 2;
  }
  nb_params_init (&p);
  if (g_chdir (argv[2]) != 0 || !nb_args_apply_string (&p, g_strstrip (line),
          &error)) {
    fprintf (stderr, "nb_bench: %s\n", error ? error->message : argv[2]);
    return 2;
  }
  if (precision && !nb_args_apply_string (&p, g_strdup_printf
          ("-precision %s", precision), &error)) {
    fprintf (stderr, "nb_bench: %s\n", error->message);
    return 2;
  }
  if (size > 0) {
    gchar *flag = g_strdup_printf ("-detpixels %d", size);
    nb_args_apply_string (&p, flag, &error);
    g_free (flag);
  }
  if (detector != NULL) {
    gchar *flags = nb_detector_preset_flags (detector);
    if (flags == NULL || !nb_args_apply_string (&p, flags, &error)) {
      fprintf (stderr, "nb_bench: --detector %s: not a preset (%s)\n",
          detector, nb_detector_preset_names ());
      return 2;
    }
    g_free (flags);
  }
  m = nb_model_new (&p, NULL, &error);
  if (m == NULL) {
    fprintf (stderr, "nb_bench: %s\n", error->message);
    return 2;
  }
  /* -gpu_id in the argument list may list several devices (fan-out) */
  b = nb_backend_select_gpus (m, g_str_equal (device, "cuda")
      ? NB_DEVICE_CUDA : NB_DEVICE_CPU, p.gpu_ids, threads, p.precision,
      NULL, &error);
  if (b == NULL) {
    fprintf (stderr, "nb_bench: %s\n", error->message);
    return 2;
  }
  img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  for (int r = 0; r < repeat; r++) {
    gint64 t0 = g_get_monotonic_time ();
    if (!nb_backend_render (b, 0, img, NULL, &error)) {
      fprintf (stderr, "nb_bench: %s\n", error->message);
      return 1;
    }
    best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
  }
  steps = (double) m->det.fpixels * m->det.spixels * m->steps
      * m->det.thicksteps;
  printf ("device: %s, %d host threads, precision %s\n", b->ops->name,
      threads > 0 ? threads : (int) g_get_num_processors (),
      p.precision == NB_PRECISION_FLOAT32 ? "float32" : "float64");
  printf ("image: %dx%d pixels, %d steps/pixel, %.3g pixel-steps\n",
      m->det.fpixels, m->det.spixels, m->steps, steps);
  if (detector != NULL)
    printf ("detector: %s, gaps between modules not rendered\n", detector);
  printf ("render: best of %d = %.3f s\n", repeat, best);
  printf ("rate: %.3g pixel-steps/s, %.3g frames/s\n", steps / best,
      1.0 / best);
  if (frames > 1) {
    gint64 t0 = 0;
    double secs;
    gboolean lend = !copy && nb_backend_can_lend (b);
    /* timed from the first frame out to the last, as nb_bench_element
     * times the element */
    for (int f = 0; f < frames; f++) {
      /* the frames after f render while f goes out */
      if (!nb_backend_submit_ahead (b, f, frames, &error))
        break;
      if (lend) {
        /* the zero-copy path the element takes: lent, then dropped */
        NbLentFrame *lent = nb_backend_lend (b, f, NULL, &error);
        if (lent != NULL)
          nb_lent_frame_release (lent);
        else if (error != NULL || !nb_backend_fetch (b, f, img, NULL,
                &error))
          break;
      } else if (!nb_backend_fetch (b, f, img, NULL, &error)) {
        break;
      }
      if (f == 0)
        t0 = g_get_monotonic_time ();
    }
    if (error) {
      fprintf (stderr, "nb_bench: %s\n", error->message);
      return 1;
    }
    secs = (g_get_monotonic_time () - t0) / 1e6;
    printf ("stream (%s): %d frames; frames 2..%d in %.3f s = %.3g frames/s, "
        "%.3g pixel-steps/s\n", lend ? "frames lent" : "frames copied out",
        frames, frames, secs, (frames - 1) / secs, steps * (frames - 1) / secs);
  }
  nb_backend_free (b);
  nb_model_free (m);
  nb_params_clear (&p);
  g_free (img);
  g_free (line);
  g_option_context_free (ctx);
  return 0;
}
