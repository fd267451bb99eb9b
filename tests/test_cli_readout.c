/* test_cli_readout.c - the CLI's -noisefile with both generators:
 * nanoBragg's (the default) still writes the golden noise.img byte for
 * byte; -noise_rng counter writes the engine's readout (nb_readout_frame,
 * frame 0) of the CLI's own -floatfile, bit for bit, with every readout
 * flag; its counts have Poisson statistics around the photons; and the
 * new flags are listed by --help.  Flag errors: tests/test_bad_input.sh.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_readout.h"

#define SMV_HEADER 512

static gchar *
case_file (const char *file)
{
  return g_build_filename (golden_dir (), "noise_seed", file, NULL);
}

/* The golden noise_seed command line (-seed 98765, -adc 25, -scale 20,
 * 128 x 128 pixels), as its reference run took it. */
static gchar *
noise_seed_args (void)
{
  gchar *path = case_file ("args"), *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_strstrip (text);
  g_free (path);
  return text;
}

/* A scratch directory holding the inputs the golden args name. */
static gchar *
work_dir (void)
{
  gchar *dir = g_dir_make_tmp ("nb-cli-readout-XXXXXX", NULL);
  gchar *from = g_build_filename (golden_dir (), "inputs", "dense.hkl", NULL);
  gchar *to = g_build_filename (dir, "dense.hkl", NULL);
  gchar *text = NULL;
  gsize len = 0;

  g_assert_nonnull (dir);
  g_assert_true (g_file_get_contents (from, &text, &len, NULL));
  g_assert_true (g_file_set_contents (to, text, (gssize) len, NULL));
  g_free (text);
  g_free (from);
  g_free (to);
  return dir;
}

static void
remove_dir (gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);
    g_remove (path);
    g_free (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

static gchar *
read_file (const char *dir, const char *name, gsize * len)
{
  gchar *path = g_build_filename (dir, name, NULL), *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, len, NULL));
  g_free (path);
  return text;
}

/* The pixels of an SMV file of @n 16-bit pixels (host order: the test
 * machine is little-endian, as the files say). */
static guint16 *
smv_pixels (const char *dir, const char *name, gsize n, gchar ** header)
{
  gsize len = 0;
  gchar *text = read_file (dir, name, &len);
  guint16 *pixels = g_new (guint16, n);

  g_assert_cmpuint (len, ==, SMV_HEADER + 2 * n);
  memcpy (pixels, text + SMV_HEADER, 2 * n);
  if (header != NULL)
    *header = g_strndup (text, SMV_HEADER);
  g_free (text);
  return pixels;
}

/* ---- the default generator: nanoBragg's, byte for byte ---- */

static void
test_default_is_golden (gconstpointer data)
{
  const char *extra = data;
  gchar *dir = work_dir (), *args = noise_seed_args ();
  gchar *line = g_strdup_printf ("%s %s", args, extra);
  gchar *out = golden_run_cli (dir, line);
  const char *const names[] = { "noise.img", "int.img" };

  for (guint k = 0; k < G_N_ELEMENTS (names); k++) {
    gchar *golden = case_file (names[k]), *ref = NULL, *ours;
    gsize ref_len = 0, len = 0;
    g_assert_true (g_file_get_contents (golden, &ref, &ref_len, NULL));
    ours = read_file (dir, names[k], &len);
    g_assert_cmpmem (ours, len, ref, ref_len);
    g_free (ours);
    g_free (ref);
    g_free (golden);
  }
  g_assert_nonnull (strstr (out, "photons on noise image"));
  g_free (out);
  g_free (line);
  g_free (args);
  remove_dir (dir);
}

/* ---- -noise_rng counter: the engine's readout of the CLI's photons ---- */

typedef struct {
  const char *flags;            /* after the golden args */
  NbReadout readout;            /* what they mean, written out by hand */
  const char *roi;              /* the -roi among @flags, or NULL */
} CounterCase;

#define GOLDEN_SEED ((uint64_t) 98765)       /* -seed 98765: the key */

static const CounterCase counter_cases[] = {
  /* defaults: 1 count per photon (not -scale 20), -adc 25, Poisson only,
   * cutoff 65535, calibration seed 1, nothing masked */
  {"-noise_rng counter",
      {.gain = 1.0, .adc_offset = 25.0, .poisson = 1, .seed = GOLDEN_SEED,
          .calibration_seed = 1, .cutoff = 65535.0, .masked_value = -1},
      NULL},
  /* every flag, the ROI's outside reading the masked value */
  {"-noise_rng counter -readout_noise 1.5 -psf_fwhm 1.2 "
        "-calibration_error 0.02 -calibration_seed 7 -count_cutoff 1000 "
        "-masked_value 3 -roi 4 120 2 125 -adc 30 -threads 2",
        {.gain = 1.0, .adc_offset = 30.0, .poisson = 1, .read_noise = 1.5,
          .calibration_error = 0.02, .seed = GOLDEN_SEED,
          .calibration_seed = 7, .psf_fwhm = 1.2, .cutoff = 1000.0,
          .masked_value = 3},
      "-roi 4 120 2 125"},
  /* the readout flags before -noise_rng, a new seed, PSF alone */
  {"-psf_fwhm 2.5 -noise_rng counter -seed 4242 -threads 1",
        {.gain = 1.0, .adc_offset = 25.0, .poisson = 1,
          .seed = 4242, .calibration_seed = 1,
          .psf_fwhm = 2.5, .cutoff = 65535.0, .masked_value = -1}, NULL},
};

static void
test_counter_is_engine_readout (gconstpointer data)
{
  const CounterCase *c = data;
  gchar *dir = work_dir (), *args = noise_seed_args ();
  gchar *line = g_strdup_printf ("%s %s", args, c->flags);
  gchar *out = golden_run_cli (dir, line);
  gchar *args_path = case_file ("args");
  gchar *inputs = g_build_filename (golden_dir (), "inputs", NULL);
  NbModel *m = golden_load_model_edited (args_path, inputs, NULL, NULL,
      c->roi);
  gsize n = (gsize) m->det.fpixels * m->det.spixels;
  gchar *float_path = g_build_filename (dir, "float.bin", NULL);
  float *photons = golden_read_floats (float_path, n);
  gchar *noise_header = NULL, *int_header = NULL;
  guint16 *noise = smv_pixels (dir, "noise.img", n, &noise_header);
  guint16 *golden_noise, *want = g_new (guint16, n),
      *frame1 = g_new (guint16, n);
  guint16 *ints = smv_pixels (dir, "int.img", n, &int_header);
  NbReadoutWork *w = nb_readout_work_new (1);
  gchar *golden_dir_noise = g_build_filename (golden_dir (), "noise_seed",
      NULL);
  gsize outside = 0;

  g_assert_true (nb_readout_check (&c->readout, NULL, NULL));
  nb_readout_frame (w, &c->readout, &m->det, 0, photons, NB_COUNTS_U16,
      want, NULL);
  g_assert_cmpmem (noise, 2 * n, want, 2 * n);
  /* the same header as the int image, as nanoBragg writes both */
  g_assert_cmpstr (noise_header, ==, int_header);
  /* a CLI run is frame 0: frame 1's counts are others */
  nb_readout_frame (w, &c->readout, &m->det, 1, photons, NB_COUNTS_U16,
      frame1, NULL);
  g_assert_true (memcmp (noise, frame1, 2 * n) != 0);
  /* and not nanoBragg's generator's */
  golden_noise = smv_pixels (golden_dir_noise, "noise.img", n, NULL);
  g_assert_true (memcmp (noise, golden_noise, 2 * n) != 0);
  for (int s = 0; s < m->det.spixels; s++)
    for (int f = 0; f < m->det.fpixels; f++)
      if (!nb_pixel_in_roi (&m->det, f, s)) {
        g_assert_cmpuint (noise[(gsize) s * m->det.fpixels + f], ==,
            (guint) MAX (c->readout.masked_value, 0));
        outside++;
      }
  g_assert_cmpuint (outside > 0, ==, c->roi != NULL);
  g_assert_nonnull (strstr (out, "counts on noise image (counter readout"));

  nb_readout_work_free (w);
  g_free (golden_dir_noise);
  g_free (golden_noise);
  g_free (ints);
  g_free (frame1);
  g_free (want);
  g_free (noise);
  g_free (noise_header);
  g_free (int_header);
  g_free (photons);
  g_free (float_path);
  nb_model_free (m);
  g_free (inputs);
  g_free (args_path);
  g_free (out);
  g_free (line);
  g_free (args);
  remove_dir (dir);
}

/* The counts do not depend on the CLI's thread count. */
static void
test_counter_thread_independent (void)
{
  gchar *dir = work_dir (), *args = noise_seed_args ();
  gsize n = 128 * 128;
  guint16 *one, *three;
  gchar *line, *out;

  line = g_strdup_printf ("%s -noise_rng counter -psf_fwhm 1.5 "
      "-readout_noise 2 -threads 1 -noisefile one.img", args);
  out = golden_run_cli (dir, line);
  g_free (out);
  g_free (line);
  line = g_strdup_printf ("%s -noise_rng counter -psf_fwhm 1.5 "
      "-readout_noise 2 -threads 3 -noisefile three.img", args);
  out = golden_run_cli (dir, line);
  g_free (out);
  g_free (line);
  one = smv_pixels (dir, "one.img", n, NULL);
  three = smv_pixels (dir, "three.img", n, NULL);
  g_assert_cmpmem (one, 2 * n, three, 2 * n);
  g_free (one);
  g_free (three);
  g_free (args);
  remove_dir (dir);
}

/* Counts minus the ADC offset are Poisson deviates k of the photons m:
 * over the pixels of at least @min_photons, sum(k - m) is 0 within 5
 * standard errors (sqrt(sum m)), and z^2 = (k - m)^2 / m sums to the
 * pixel count within 5 standard errors (var z^2 = 2 + 1/m for Poisson). */
static void
check_poisson (const float *photons, const guint16 *counts, gsize n,
    double adc, double min_photons, const char *what)
{
  double sum_ph = 0, sum_d = 0, sum_z2 = 0, var_z2 = 0;
  gsize used = 0;

  g_assert_cmpfloat (min_photons, >, 0.0);
  for (gsize i = 0; i < n; i++) {
    double m = photons[i], d;
    if (m < min_photons)
      continue;
    d = (double) counts[i] - adc - m;
    sum_ph += m;
    sum_d += d;
    sum_z2 += d * d / m;
    var_z2 += 2 + 1 / m;
    used++;
  }
  g_test_message ("%s: %" G_GSIZE_FORMAT " pixels, %.0f photons, sum of "
      "counts - adc - photons %.1f (sd %.1f), sum of z^2 %.1f (sd %.1f)",
      what, used, sum_ph, sum_d, sqrt (sum_ph), sum_z2, sqrt (var_z2));
  g_assert_cmpuint (used, >=, 50);
  g_assert_cmpfloat (fabs (sum_d), <=, 5 * sqrt (sum_ph));
  g_assert_cmpfloat (fabs (sum_z2 - (double) used), <=, 5 * sqrt (var_z2));
}

static void
test_counter_statistics (void)
{
  gchar *dir = work_dir (), *args = noise_seed_args ();
  gchar *line = g_strdup_printf ("%s -noise_rng counter", args);
  gchar *out = golden_run_cli (dir, line);
  gsize n = 128 * 128;
  gchar *float_path = g_build_filename (dir, "float.bin", NULL);
  float *photons = golden_read_floats (float_path, n);
  guint16 *counts = smv_pixels (dir, "noise.img", n, NULL);

  check_poisson (photons, counts, n, 25, 1.0, "pixels of >= 1 photon");
  check_poisson (photons, counts, n, 25, 30.0, "pixels of >= 30 photons");
  g_free (counts);
  g_free (photons);
  g_free (float_path);
  g_free (out);
  g_free (line);
  g_free (args);
  remove_dir (dir);
}

static void
test_help_lists_flags (void)
{
  gchar *dir = work_dir ();
  gchar *out = golden_run_cli (dir, "--help");
  const char *const flags[] = { "-noise_rng", "-readout_noise", "-psf_fwhm",
    "-calibration_error", "-calibration_seed", "-count_cutoff",
    "-masked_value"
  };

  for (guint k = 0; k < G_N_ELEMENTS (flags); k++) {
    gchar *want = g_strdup_printf ("\n  %s ", flags[k]);
    if (strstr (out, want) == NULL)
      g_error ("--help does not list %s", flags[k]);
    g_free (want);
  }
  g_free (out);
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/cli-readout/default-is-golden", "",
      test_default_is_golden);
  g_test_add_data_func ("/cli-readout/nanobragg-is-golden",
      "-noise_rng nanobragg", test_default_is_golden);
  for (guint i = 0; i < G_N_ELEMENTS (counter_cases); i++) {
    gchar *name = g_strdup_printf ("/cli-readout/counter-is-engine/%u", i);
    g_test_add_data_func (name, &counter_cases[i],
        test_counter_is_engine_readout);
    g_free (name);
  }
  g_test_add_func ("/cli-readout/counter-thread-independent",
      test_counter_thread_independent);
  g_test_add_func ("/cli-readout/counter-statistics",
      test_counter_statistics);
  g_test_add_func ("/cli-readout/help", test_help_lists_flags);
  return g_test_run ();
}
