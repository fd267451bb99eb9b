/* nb_bench_background - the amorphous background rendered once per
 * geometry against once per frame.
 *
 *   nb_bench_background [--device cpu|cuda] [--frames F] [--size S]
 *                       ARGS_FILE INPUTS_DIR STOL_FILE
 *
 * Renders the background of STOL_FILE (0.1 mm of it, 1 g/cm^3, 18 g/mol)
 * with the geometry of ARGS_FILE (a nanoBragg command line, files in
 * INPUTS_DIR), then F frames with it kept on the backend, and prints the
 * milliseconds of one background render, the frame rate with it kept
 * (what nanobraggsrc does) and the rate a render per frame would give. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "nb_args.h"
#include "nb_backend_select.h"
#include "nb_render.h"

int
main (int argc, char **argv)
{
  int frames = 10, size = 0;
  const char *device = "cpu";
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &device, "cpu or cuda", "D"},
    {"frames", 'f', 0, G_OPTION_ARG_INT, &frames, "frames to time", "F"},
    {"size", 's', 0, G_OPTION_ARG_INT, &size, "detector S x S pixels", "S"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("ARGS_FILE INPUTS_DIR STOL");
  GError *error = NULL;
  gchar *line = NULL, *stol;
  NbParams p;
  NbModel *m = NULL;
  NbBackend *b = NULL;
  NbBackground *bg = nb_background_new ();
  NbAmorphousSpec spec;
  float *img = NULL, *kept = NULL;
  double t_bg, t_frames;
  gint64 t0;
  int status = 1;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 4
      || frames < 1) {
    fprintf (stderr, "nb_bench_background: %s\n", error ? error->message
        : "usage: nb_bench_background ARGS_FILE INPUTS_DIR STOL");
    return 2;
  }
  stol = g_canonicalize_filename (argv[3], NULL);
  nb_params_init (&p);
  if (!g_file_get_contents (argv[1], &line, NULL, &error)
      || g_chdir (argv[2]) != 0
      || !nb_args_apply_string (&p, g_strstrip (line), &error))
    goto out;
  if (size > 0)
    p.fpixels = p.spixels = size;
  nb_amorphous_spec_init (&spec);
  spec.stol_file = stol;
  if (!nb_background_add (bg, &spec, "STOL", &error)
      || (m = nb_model_new (&p, NULL, &error)) == NULL
      || (b = nb_backend_select (m, g_strcmp0 (device, "cuda") == 0
              ? NB_DEVICE_CUDA : NB_DEVICE_CPU, 0, 0, NB_PRECISION_FLOAT64,
              NULL, &error)) == NULL)
    goto out;
  img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  kept = g_new (float, (gsize) m->det.fpixels * m->det.spixels);
  t0 = g_get_monotonic_time ();
  if (!nb_backend_render_background (b, bg, kept, &error))
    goto out;
  t_bg = (g_get_monotonic_time () - t0) / 1e6;
  t0 = g_get_monotonic_time ();
  for (int f = 0; f < frames; f++)
    if (!nb_backend_render (b, f, img, NULL, &error))
      goto out;
  t_frames = (g_get_monotonic_time () - t0) / 1e6 / frames;
  printf ("%s, %dx%d pixels, %d sources, oversample %d: background %.1f ms "
      "to render once; frames with it kept %.2f fps; rendered per frame "
      "%.2f fps\n", b->ops->name, m->det.fpixels, m->det.spixels,
      m->n_sources, m->det.oversample, 1e3 * t_bg, 1.0 / t_frames,
      1.0 / (t_frames + t_bg));
  status = 0;
out:
  if (error)
    fprintf (stderr, "nb_bench_background: %s\n", error->message);
  g_clear_error (&error);
  g_free (img);
  g_free (kept);
  g_free (line);
  g_free (stol);
  nb_backend_free (b);
  nb_model_free (m);
  nb_background_free (bg);
  nb_params_clear (&p);
  g_option_context_free (ctx);
  return status;
}
