/* test_cli.c - the drop-in command line against nanoBragg.c: SMV headers
 * read with -img/-mask (keys matched as nanoBragg matches them), SMV
 * headers too long for 512 bytes, the flag spellings nanoBragg honours,
 * -misset rand, and Poisson deviates in both of poidev's regimes.
 *
 * The expected numbers were measured with nanoBragg.c (bl831/nanoBragg,
 * header dated 8-10-25) built privately with gcc 12.2
 * `-O3 -fopenmp -mavx2 -mfma` (the build of the golden data, which uses FMA)
 * and, where noted, `-O3 -fopenmp` (x86-64 baseline, no FMA); runs with
 * OMP_NUM_THREADS=1.  Nothing of that code is in this repository.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_model.h"
#include "nb_rng.h"
#include "nb_smv.h"

static gchar *
dense_hkl (void)
{
  return g_build_filename (golden_dir (), "inputs", "dense.hkl", NULL);
}

/* Params from a command line (no validation, no model). */
static gboolean
params_from_line (NbParams * p, const char *line, GError ** error)
{
  nb_params_init (p);
  p->seed = -1;                 /* not the clock: params compare equal */
  return nb_args_apply_string (p, line, error);
}

static NbModel *
model_from_line (const char *line, GString * log)
{
  NbParams p;
  GError *error = NULL;
  NbModel *m;

  g_assert_true (params_from_line (&p, line, &error));
  g_assert_no_error (error);
  g_assert_true (nb_params_validate (&p, &error));
  m = nb_model_new (&p, log, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  nb_params_clear (&p);
  return m;
}

/* %g printed values of nanoBragg's stdout: 6 significant digits. */
static void
assert_close_g (double ours, double ref)
{
  if (!(fabs (ours - ref) <= 5e-6 * fabs (ref) + 1e-12))
    g_error ("%.9g differs from the reference's %.6g", ours, ref);
}

/* ---- C1: header keys as nanoBragg.c's ValueOf() finds them ---- */

static void
test_header_lookup (void)
{
  double v = 0;

  /* last occurrence wins, and it may sit inside a longer key */
  g_assert_cmpint (nb_smv_header_lookup ("{\nXDS_ORGX=1.5;\nORGX=2;\n}",
          "ORGX", &v), ==, NB_SMV_KEY_NUMBER);
  g_assert_cmpfloat (v, ==, 2.0);
  g_assert_cmpint (nb_smv_header_lookup ("{\nORGX=2;\nXDS_ORGX=1.5;\n}",
          "ORGX", &v), ==, NB_SMV_KEY_NUMBER);
  g_assert_cmpfloat (v, ==, 1.5);
  /* nanoBragg's own header: "DISTANCE" finds CLOSE_DISTANCE's value */
  g_assert_cmpint (nb_smv_header_lookup ("{\nDISTANCE=120;\n"
          "CLOSE_DISTANCE=119.544;\n}", "DISTANCE", &v), ==,
      NB_SMV_KEY_NUMBER);
  g_assert_cmpfloat (v, ==, 119.544);
  /* blanks after '=' as in ADSC headers ("HEADER_BYTES=  512;") */
  g_assert_cmpint (nb_smv_header_lookup ("{\nHEADER_BYTES=  512;\n",
          "HEADER_BYTES", &v), ==, NB_SMV_KEY_NUMBER);
  g_assert_cmpfloat (v, ==, 512.0);
  g_assert_cmpint (nb_smv_header_lookup ("{\nPHI=1;\n}", "ORGX", &v), ==,
      NB_SMV_KEY_ABSENT);
  /* nanoBragg skips a NaN value; without '=' or number it would take 0 */
  g_assert_cmpint (nb_smv_header_lookup ("{\nPHI=nan;\n}", "PHI", &v), ==,
      NB_SMV_KEY_ABSENT);
  g_assert_cmpint (nb_smv_header_lookup ("{\nPHI=x;\n}", "PHI", &v), ==,
      NB_SMV_KEY_MALFORMED);
  g_assert_cmpint (nb_smv_header_lookup ("{\nPHI;\n}", "PHI", &v), ==,
      NB_SMV_KEY_MALFORMED);
}

typedef struct {
  const char *make;             /* flags of the run that writes h.img */
  const char *read;             /* flags of the run that reads it */
  double Fclose, Sclose;        /* reference stdout, m */
  double Fbeam, Sbeam;
  double dials_origin[3];       /* reference "dials origin=", mm */
} HeaderCase;

/* The headers are written by our CLI; for these flags they are byte for
 * byte the headers nanoBragg.c writes (checked against the reference).
 * The numbers are nanoBragg.c's stdout for the reading run. */
static const HeaderCase header_cases[] = {
  {"-xds -cell 60 70 80 90 90 90 -misset -5 15 40 -lambda 1.2 "
        "-close_distance 90 -ORGX 70.5 -ORGY 40.25 -twotheta 5 -pixel 0.1 "
        "-detpixels_f 128 -detpixels_s 112 -N 6",
        "-img h.img -xds -cell 60 70 80 90 90 90 -misset -5 15 40 -N 6",
      0.007, 0.003975, 0.007, 0.003975, {90, -3.975, 7}},
  {"-dials -cell 60 70 80 90 90 90 -N 6 -lambda 1.1 -distance 120 "
        "-detector_rotx 4 -detector_roty -3 -ORGX 30.5 -ORGY 50.25 "
        "-pixel 0.12 -detpixels_f 96 -detpixels_s 80 -phi 3 -osc 0.5",
        "-img h.img -dials -detector_rotx 4 -detector_roty -3 "
        "-cell 60 70 80 90 90 90 -misset 5 10 15 -N 6",
      0.0036, 0.00597, 0.00988033, 0.0143293, {118.485, -14.2944, 9.81448}},
  {"-dials -cell 60 70 80 90 90 90 -N 6 -lambda 1.1 -distance 120 "
        "-detector_rotx 4 -detector_roty -3 -ORGX 30.5 -ORGY 50.25 "
        "-pixel 0.12 -detpixels_f 96 -detpixels_s 80 -phi 3 -osc 0.5",
        "-mask h.img -xds -cell 60 70 80 90 90 90 -misset 5 10 15 -N 6",
      0.0036, 0.00597, 0.0036, 0.00597, {119.544, -5.97, 3.6}},
};

static void
test_img_header_geometry (gconstpointer data)
{
  const HeaderCase *c = data;
  gchar *dir = g_dir_make_tmp ("nbcli-XXXXXX", NULL);
  gchar *hkl = dense_hkl (), *args, *img, *line;
  NbModel *m;

  args = g_strdup_printf ("-hkl '%s' %s -oversample 1 -nonoise -nopgm "
      "-floatfile f.bin -intfile h.img", hkl, c->make);
  g_free (golden_run_cli (dir, args));
  img = g_build_filename (dir, "h.img", NULL);
  {
    /* the flags name "h.img": point them at the file in dir */
    gchar *quoted = g_strdup_printf ("'%s'", img);
    gchar **parts = g_strsplit (c->read, "h.img", 2);
    gchar *read = g_strjoinv (quoted, parts);
    line = g_strdup_printf ("-hkl '%s' %s -oversample 1", hkl, read);
    g_free (read);
    g_strfreev (parts);
    g_free (quoted);
  }
  m = model_from_line (line, NULL);
  assert_close_g (m->det.Fclose, c->Fclose);
  assert_close_g (m->det.Sclose, c->Sclose);
  assert_close_g (m->det.Fbeam, c->Fbeam);
  assert_close_g (m->det.Sbeam, c->Sbeam);
  for (int i = 0; i < 3; i++)
    assert_close_g (m->det.dials_origin[i], c->dials_origin[i]);
  nb_model_free (m);

  g_unlink (img);
  {
    gchar *f = g_build_filename (dir, "f.bin", NULL);
    g_unlink (f);
    g_free (f);
  }
  g_rmdir (dir);
  g_free (line);
  g_free (img);
  g_free (args);
  g_free (hkl);
  g_free (dir);
}

/* A key that is there without a number is an error naming flag and key. */
static void
test_img_header_malformed (void)
{
  gchar *dir = g_dir_make_tmp ("nbcli-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "bad.img", NULL), *line;
  NbSmvHeader h = { 0 };
  guint16 px[4] = { 0 };
  gchar *contents = NULL;
  gsize len = 0;
  char *key;
  NbParams p;
  GError *error = NULL;

  h.width = h.height = 2;
  h.pixel_size = 0.1;
  h.distance = h.close_distance = 100;
  h.wavelength = 1;
  g_assert_true (nb_smv_write (path, &h, px, &error));
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  key = strstr (contents, "WAVELENGTH=1;");
  g_assert_nonnull (key);
  memcpy (key, "WAVELENGTH=?;", 13);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  line = g_strdup_printf ("-img '%s' -cell 50 -default_F 1", path);
  g_assert_false (params_from_line (&p, line, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "-img"));
  g_assert_nonnull (strstr (error->message, "WAVELENGTH"));
  g_clear_error (&error);
  nb_params_clear (&p);
  g_unlink (path);
  g_rmdir (dir);
  g_free (line);
  g_free (contents);
  g_free (path);
  g_free (dir);
}

/* ---- C4: headers longer than 512 bytes ---- */

static void
long_header (NbSmvHeader * h)
{
  memset (h, 0, sizeof (*h));
  h->width = 5;
  h->height = 3;
  h->pixel_size = 0.0732421875;
  h->distance = -122.196123;
  h->wavelength = 0.987654321;
  h->beam_center_x = -1.23456789;
  h->beam_center_y = -0.0123456789;
  h->adxv_center_x = -0.0224823;
  h->adxv_center_y = -1.88104e-05;
  h->mosflm_center_x = -1.03876e-05;
  h->mosflm_center_y = -0.0591034;
  h->denzo_x_beam = -1.00214e-05;
  h->denzo_y_beam = -0.0224823;
  h->dials_origin[0] = -0.0500381;
  h->dials_origin[1] = -1.18245e-05;
  h->dials_origin[2] = -123.27e-05;
  h->xds_orgx = -61.6990001;
  h->xds_orgy = -246.009001;
  h->close_distance = -121.872001;
  h->phi = -123.456789;
  h->osc_start = -123.456789;
  h->osc_range = -0.0123456789;
  h->twotheta = -12.3456789;
}

static void
test_long_header (void)
{
  gchar *dir = g_dir_make_tmp ("nbcli-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "long.img", NULL);
  NbSmvHeader h;
  guint16 px[15];
  gchar *contents = NULL, *close;
  gsize len = 0, size;
  NbSmvImage *img;
  GError *error = NULL;

  for (int i = 0; i < 15; i++)
    px[i] = (guint16) (1000 * i + 7);
  long_header (&h);
  size = nb_smv_header_size (&h);
  g_assert_cmpuint (size, ==, 1024);
  g_assert_true (nb_smv_write (path, &h, px, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, size + sizeof (px));
  g_assert_true (g_str_has_prefix (contents, "{\nHEADER_BYTES=1024;\nDIM=2;"));
  /* the whole text, closed, then spaces up to HEADER_BYTES */
  close = g_strstr_len (contents, size, "BEAMLINE=fake;\n}\f");
  g_assert_nonnull (close);
  g_assert_cmpuint (close - contents + 17, >, 512);
  for (gchar * q = close + 17; q < contents + size; q++)
    g_assert_cmpint (*q, ==, ' ');
  g_assert_cmpmem (contents + size, sizeof (px), px, sizeof (px));

  img = nb_smv_read (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->width, ==, 5);
  g_assert_cmpint (img->height, ==, 3);
  g_assert_cmpmem (img->data, sizeof (px), px, sizeof (px));
  g_assert_cmpfloat (nb_smv_header_value (img, "TWOTHETA"), ==, -12.3457);
  g_assert_cmpfloat (nb_smv_header_value (img, "OSC_RANGE"), ==,
      -0.0123457);
  nb_smv_image_free (img);

  /* a header that fits keeps nanoBragg's 512 bytes */
  memset (&h, 0, sizeof (h));
  h.width = 5;
  h.height = 3;
  g_assert_cmpuint (nb_smv_header_size (&h), ==, 512);

  g_unlink (path);
  g_rmdir (dir);
  g_free (contents);
  g_free (path);
  g_free (dir);
}

/* ---- C5: the spellings nanoBragg.c honours ---- */

/* Every field equal: the strings by value, the rest byte for byte. */
static gboolean
params_equal (const NbParams * a, const NbParams * b)
{
  NbParams x, y;
  gchar **sx[] = { &x.hkl_file, &x.mat_file, &x.dump_file, &x.source_file,
    &x.mask_file, &x.img_file, &x.stol_file, &x.stolout_file, &x.float_file,
    &x.int_file, &x.pgm_file, &x.noise_file
  };
  gchar **sy[] = { &y.hkl_file, &y.mat_file, &y.dump_file, &y.source_file,
    &y.mask_file, &y.img_file, &y.stol_file, &y.stolout_file, &y.float_file,
    &y.int_file, &y.pgm_file, &y.noise_file
  };
  gboolean same = TRUE;

  memcpy (&x, a, sizeof (x));
  memcpy (&y, b, sizeof (y));
  for (guint i = 0; i < G_N_ELEMENTS (sx); i++) {
    same = same && g_strcmp0 (*sx[i], *sy[i]) == 0;
    *sx[i] = *sy[i] = NULL;
  }
  return same && memcmp (&x, &y, sizeof (x)) == 0;
}

/* alias line, canonical line, a line the alias must change: nanoBragg.c's
 * argument loop gives each alias exactly the canonical flag's effect (it
 * matches that flag's pattern and no other). */
static const char *const aliases[][3] = {
  {"-matrix A.mat", "-mat A.mat", ""},
  {"-hklin P1.hkl", "-hkl P1.hkl", ""},
  {"-hklfile P1.hkl", "-hkl P1.hkl", ""},
  {"-pixel_size 0.172", "-pixel 0.172", ""},
  {"-pixelsize 0.172", "-pixel 0.172", ""},
  {"-oscillation 0.25", "-osc 0.25", ""},
  {"-mosaic_domain 7", "-mosaic_domains 7", ""},
  {"-adc_offset 12", "-adc 12", ""},
  {"-water_size 3.5", "-water 3.5", ""},
  {"-curved_detector", "-curved_det", ""},
  {"-detector_absorption 250", "-detector_abs 250", ""},
  {"-detector_thick 100 -detector_absorption inf",
      "-detector_thick 100 -detector_abs inf", "-detector_thick 100"},
  {"-sample_thickness 0.05", "-sample_thick 0.05", ""},
  {"-xtal_thickness 0.05", "-xtal_thick 0.05", ""},
  {"-exposure_time 2", "-exposure 2", ""},
  {"-dumpfile my.bin", "-dump my.bin", ""},
  {"-polar 0.5 -nopolarization", "-polar 0.5 -nopolar", "-polar 0.5"},
  {"-misset rand", "-misset random", ""},
};

static void
test_aliases (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++) {
    NbParams a, b, d;
    GError *error = NULL;

    if (!params_from_line (&a, aliases[i][0], &error))
      g_error ("'%s' refused: %s", aliases[i][0], error->message);
    g_assert_true (params_from_line (&b, aliases[i][1], &error));
    g_assert_true (params_from_line (&d, aliases[i][2], &error));
    g_assert_no_error (error);
    if (!params_equal (&a, &b))
      g_error ("'%s' differs from '%s'", aliases[i][0], aliases[i][1]);
    if (params_equal (&a, &d))
      g_error ("'%s' had no effect", aliases[i][0]);
    nb_params_clear (&a);
    nb_params_clear (&b);
    nb_params_clear (&d);
  }
}

/* Spellings nanoBragg.c silently ignores (its length checks or no pattern
 * match): refused here, with the flag named. */
static void
test_ignored_spellings_refused (void)
{
  const char *ignored[] = { "-detector_thickness 100", "-polarization 0.5",
    "-source_distance 100", "-phi_start 5", "-detsize_x 50"
  };

  for (guint i = 0; i < G_N_ELEMENTS (ignored); i++) {
    NbParams p;
    GError *error = NULL;
    gchar *flag = g_strndup (ignored[i], strcspn (ignored[i], " "));

    g_assert_false (params_from_line (&p, ignored[i], &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, flag));
    g_clear_error (&error);
    nb_params_clear (&p);
    g_free (flag);
  }
}

/* -misset rand draws the orientation from -misset_seed as nanoBragg does.
 * The reference prints "random orientation misset angles: ..." (the same
 * from its FMA and baseline builds); its images for these runs are
 * byte-identical to ours.  (With -misset_seed AFTER -misset rand the
 * reference parses -misset_seed as a fixed -misset: see docs/cli.md.) */
static void
test_misset_rand (void)
{
  const char *cases[][2] = {
    {"-misset_seed 5 -misset rand",
        "random orientation misset angles: 142.144470 55.074207 35.266329 deg"},
    {"-misset_seed 123456 -misset random",
        "random orientation misset angles: 179.532495 -60.502419 -122.982274 deg"},
    {"-misset_seed 77 -misset rand",
        "random orientation misset angles: -50.433049 15.844024 15.618692 deg"},
  };
  gchar *hkl = dense_hkl ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GString *log = g_string_new (NULL);
    gchar *line = g_strdup_printf ("-hkl '%s' -cell 60 70 80 90 90 90 -N 3 "
        "-detpixels 16 -oversample 1 %s", hkl, cases[i][0]);
    NbModel *m = model_from_line (line, log);
    if (strstr (log->str, cases[i][1]) == NULL)
      g_error ("%s: expected '%s' in:\n%s", cases[i][0], cases[i][1],
          log->str);
    nb_model_free (m);
    g_string_free (log, TRUE);
    g_free (line);
  }
  g_free (hkl);
}

/* ---- C6: Poisson deviates, both regimes of poidev ---- */

typedef struct {
  long seed;                    /* the -seed value */
  int n;                        /* deviates drawn */
  float mean[2];                /* alternating means (as in an image) */
  double sum;                   /* sum of the n deviates (double) */
  float last;                   /* the n-th deviate */
} PoissonRow;

/* Measured with the reference's poidev() and ran1(), FMA build; the
 * column "no-FMA build" is the same measurement with the baseline build,
 * kept to show which rows tell the two apart (mean >= 12 only: the direct
 * method below 12 has no multiply-add to fuse). */
static const PoissonRow poisson_rows[] = {
  /* direct method: both builds agree */
  {98765, 1000, {3.7f, 3.7f}, 3689, 0},
  {98765, 1000, {11.99f, 11.99f}, 11965, 12},
  {4242, 3000, {5.25f, 1500}, 2257044, 1469},
  /* rejection method: no-FMA build gives 94352 / 11 */
  {98765, 7000, {13.5f, 13.5f}, 94349, 10},
  /* no-FMA: 15003540 / 105 */
  {98765, 150000, {100, 100}, 15003516, 94},
  /* no-FMA: 11996942 / 5974 */
  {98765, 2000, {6000, 6000}, 11996969, 6020},
  /* no-FMA: 2468023 / 122637 */
  {98765, 20, {123456.7f, 123456.7f}, 2469551, 123316},
  /* no-FMA: 1439788 / 733 */
  {4242, 4000, {20.5f, 700}, 1439709, 733},
  /* Gaussian above 1e6; no-FMA: 41999716068.75 */
  {98765, 21000, {2e6f, 2e6f}, 41999716068.875, 1999425.12f},
};

static void
test_poisson_regimes (void)
{
  for (guint r = 0; r < G_N_ELEMENTS (poisson_rows); r++) {
    const PoissonRow *row = &poisson_rows[r];
    NbRng rng;
    double sum = 0;
    float v = 0;

    nb_rng_init (&rng, -row->seed);
    for (int i = 0; i < row->n; i++) {
      v = nb_rng_poisson (&rng, row->mean[i & 1]);
      sum += v;
    }
    if (sum != row->sum || v != row->last)
      g_error ("seed %ld means %g/%g: sum %.17g last %.9g, reference "
          "%.17g %.9g", row->seed, row->mean[0], row->mean[1], sum, v,
          row->sum, row->last);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/header-lookup", test_header_lookup);
  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++) {
    gchar *name = g_strdup_printf ("/cli/img-header-geometry/%u", i);
    g_test_add_data_func (name, &header_cases[i], test_img_header_geometry);
    g_free (name);
  }
  g_test_add_func ("/cli/img-header-malformed", test_img_header_malformed);
  g_test_add_func ("/cli/long-header", test_long_header);
  g_test_add_func ("/cli/aliases", test_aliases);
  g_test_add_func ("/cli/ignored-spellings-refused",
      test_ignored_spellings_refused);
  g_test_add_func ("/cli/misset-rand", test_misset_rand);
  g_test_add_func ("/cli/poisson-regimes", test_poisson_regimes);
  return g_test_run ();
}
