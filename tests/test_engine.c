/* test_engine.c - unit tests of engine modules: random numbers, mosaic
 * rotations, HKL/Fdump, SMV round trip, flag parsing. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nb_args.h"
#include "nb_error.h"
#include "nb_hkl.h"
#include "nb_parallel_copy.h"
#include "nb_rng.h"
#include "nb_smv.h"

/* Park & Miller (1988): from seed 1, the 10000th state is 1043618065. */
static void
test_lcg_check_value (void)
{
  long s = 1;
  for (int i = 0; i < 10000; i++)
    s = nb_rng_lcg_step (s);
  g_assert_cmpint (s, ==, 1043618065);
}

static void
test_uniform_and_poisson (void)
{
  NbRng rng;
  double sum = 0, psum5 = 0, psum100 = 0;
  const int n = 20000;

  nb_rng_init (&rng, -12345);
  for (int i = 0; i < n; i++) {
    float u = nb_rng_uniform (&rng);
    g_assert_true (u > 0.0f && u < 1.0f);
    sum += u;
  }
  g_assert_cmpfloat_with_epsilon (sum / n, 0.5, 0.01);
  for (int i = 0; i < n; i++)
    psum5 += nb_rng_poisson (&rng, 5.0f);
  g_assert_cmpfloat_with_epsilon (psum5 / n, 5.0, 0.1);
  for (int i = 0; i < n; i++)
    psum100 += nb_rng_poisson (&rng, 100.0f);
  g_assert_cmpfloat_with_epsilon (psum100 / n, 100.0, 0.5);
  /* same seed, same sequence */
  {
    NbRng a, b;
    nb_rng_init (&a, -777);
    nb_rng_init (&b, -777);
    for (int i = 0; i < 100; i++)
      g_assert_cmpfloat (nb_rng_uniform (&a), ==, nb_rng_uniform (&b));
  }
}

static void
test_mosaic_umat_is_rotation (void)
{
  NbRng rng;
  const float spread = 0.5 * G_PI / 180.0;

  nb_rng_init (&rng, -12345678);
  for (int t = 0; t < 200; t++) {
    double u[9], det, trace, angle;
    nb_rng_mosaic_umat (&rng, spread, u);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double d = u[3 * i] * u[3 * j] + u[3 * i + 1] * u[3 * j + 1]
            + u[3 * i + 2] * u[3 * j + 2];
        g_assert_cmpfloat_with_epsilon (d, i == j ? 1.0 : 0.0, 1e-12);
      }
    det = u[0] * (u[4] * u[8] - u[5] * u[7]) - u[1] * (u[3] * u[8] -
        u[5] * u[6]) + u[2] * (u[3] * u[7] - u[4] * u[6]);
    g_assert_cmpfloat_with_epsilon (det, 1.0, 1e-12);
    trace = u[0] + u[4] + u[8];
    angle = acos (CLAMP ((trace - 1) / 2, -1.0, 1.0));
    g_assert_cmpfloat (angle, <=, spread * 1.000001);
  }
}

static void
test_hkl_dump_round_trip (void)
{
  gchar *dir = g_dir_make_tmp ("nbtest-XXXXXX", NULL);
  gchar *hkl_path = g_build_filename (dir, "s.hkl", NULL);
  gchar *dump_path = g_build_filename (dir, "Fdump.bin", NULL);
  GError *error = NULL;
  NbHkl *a, *b;
  const char *text = "# sparse\n-2 0 1 10.5\n3 1 -1 7\n\n0 0 0 100\n";

  g_assert_true (g_file_set_contents (hkl_path, text, -1, NULL));
  a = nb_hkl_read_text (hkl_path, 2.5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->count, ==, 3);
  g_assert_cmpint (a->h_min, ==, -2);
  g_assert_cmpint (a->h_max, ==, 3);
  g_assert_cmpint (a->l_min, ==, -1);
  g_assert_cmpfloat (nb_hkl_get (a, -2, 0, 1), ==, 10.5);
  g_assert_cmpfloat (nb_hkl_get (a, 0, 0, 0), ==, 100);
  g_assert_cmpfloat (nb_hkl_get (a, 1, 1, 0), ==, 2.5);      /* default_F */
  g_assert_true (nb_hkl_write_dump (a, dump_path, &error));
  g_assert_no_error (error);
  b = nb_hkl_read_dump (dump_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->h_range, ==, a->h_range);
  g_assert_cmpint (b->k_range, ==, a->k_range);
  g_assert_cmpint (b->l_range, ==, a->l_range);
  g_assert_cmpmem (a->F, sizeof (double) * a->h_range * a->k_range *
      a->l_range, b->F, sizeof (double) * b->h_range * b->k_range *
      b->l_range);
  nb_hkl_free (a);
  nb_hkl_free (b);
  g_unlink (hkl_path);
  g_unlink (dump_path);
  g_rmdir (dir);
  g_free (hkl_path);
  g_free (dump_path);
  g_free (dir);
}

/* nanoBragg's Fdump layout: "hmin hmax kmin kmax lmin lmax\n\f", then
 * (h_range+1) x (k_range+1) x (l_range+1) doubles, the extra slots 0. */
static void
test_hkl_dump_layout (void)
{
  gchar *dir = g_dir_make_tmp ("nbtest-XXXXXX", NULL);
  gchar *hkl_path = g_build_filename (dir, "s.hkl", NULL);
  gchar *dump_path = g_build_filename (dir, "Fdump.bin", NULL);
  const char *header = "-1 1 0 1 2 2\n\f";
  GError *error = NULL;
  gchar *bytes = NULL;
  gsize len = 0, hl = strlen (header);
  NbHkl *a;
  double v[3 + 1][2 + 1][1 + 1];

  g_assert_true (g_file_set_contents (hkl_path,
          "-1 0 2 1.5\n1 1 2 -3\n", -1, NULL));
  a = nb_hkl_read_text (hkl_path, 0.0, &error);
  g_assert_no_error (error);
  g_assert_true (nb_hkl_write_dump (a, dump_path, &error));
  g_assert_true (g_file_get_contents (dump_path, &bytes, &len, NULL));
  g_assert_cmpuint (len, ==, hl + sizeof (v));
  g_assert_cmpmem (bytes, hl, header, hl);
  memcpy (v, bytes + hl, sizeof (v));
  for (int h = 0; h <= 3; h++)
    for (int k = 0; k <= 2; k++)
      for (int l = 0; l <= 1; l++) {
        double want = 0.0;
        if (h == 0 && k == 0 && l == 0)
          want = 1.5;
        if (h == 2 && k == 1 && l == 0)
          want = -3;
        g_assert_cmpfloat (v[h][k][l], ==, want);
      }
  nb_hkl_free (a);
  g_free (bytes);
  g_unlink (hkl_path);
  g_unlink (dump_path);
  g_rmdir (dir);
  g_free (hkl_path);
  g_free (dump_path);
  g_free (dir);
}

static void
test_smv_round_trip (void)
{
  gchar *dir = g_dir_make_tmp ("nbtest-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "x.img", NULL);
  NbSmvHeader h = { 0 };
  guint16 px[6] = { 0, 1, 2, 65535, 40, 7 };
  NbSmvImage *img;
  GError *error = NULL;

  h.width = 3;
  h.height = 2;
  h.pixel_size = 0.172;
  h.distance = 250;
  h.wavelength = 0.9795;
  h.phi = 12.5;
  g_assert_true (nb_smv_write (path, &h, px, &error));
  img = nb_smv_read (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->width, ==, 3);
  g_assert_cmpint (img->height, ==, 2);
  g_assert_cmpmem (img->data, sizeof (px), px, sizeof (px));
  g_assert_cmpfloat (nb_smv_header_value (img, "PIXEL_SIZE"), ==, 0.172);
  g_assert_cmpfloat (nb_smv_header_value (img, "WAVELENGTH"), ==, 0.9795);
  g_assert_cmpfloat (nb_smv_header_value (img, "PHI"), ==, 12.5);
  g_assert_true (isnan (nb_smv_header_value (img, "NO_SUCH_KEY")));
  nb_smv_image_free (img);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

static void
test_args_aliases_and_side_effects (void)
{
  NbParams p;
  GError *error = NULL;

  nb_params_init (&p);
  g_assert_true (nb_args_apply_string (&p, "-detpixels_x 10 -detpixels_y 20 "
          "-energy 12398.42 -xds -Xbeam 5 -N 4 -Nc 7 -mosaic 0.3 "
          "-mosaic_dom 5 -pivot sample", &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.fpixels, ==, 10);
  g_assert_cmpint (p.spixels, ==, 20);
  g_assert_cmpfloat_with_epsilon (p.wavelength, 1.0, 1e-15);
  g_assert_cmpint (p.convention, ==, NB_CONVENTION_XDS);
  g_assert_cmpint (p.pivot, ==, NB_PIVOT_SAMPLE);
  g_assert_cmpfloat (p.Na, ==, 4);
  g_assert_cmpfloat (p.Nc, ==, 7);
  g_assert_cmpfloat (p.mosaic_spread, ==, 0.3);
  g_assert_cmpint (p.mosaic_domains, ==, 5);
  /* -distance selects the beam pivot, -twotheta the sample pivot */
  g_assert_true (nb_args_apply_string (&p, "-distance 80", &error));
  g_assert_cmpint (p.pivot, ==, NB_PIVOT_BEAM);
  g_assert_true (nb_args_apply_string (&p, "-twotheta 10", &error));
  g_assert_cmpint (p.pivot, ==, NB_PIVOT_SAMPLE);
  /* a vector flag selects CUSTOM */
  g_assert_true (nb_args_apply_string (&p, "-fdet_vector 0 0 1", &error));
  g_assert_cmpint (p.convention, ==, NB_CONVENTION_CUSTOM);
  /* -cell with fewer numbers */
  g_assert_true (nb_args_apply_string (&p, "-cell 50 -N 3", &error));
  g_assert_cmpfloat (p.cell[0], ==, 50);
  g_assert_cmpfloat (p.cell[1], ==, 0);
  nb_params_clear (&p);
}

static void
test_args_errors_name_the_flag (void)
{
  const char *bad[][2] = {
    {"-lambda one", "-lambda"},
    {"-phisteps 2.5", "-phisteps"},
    {"-roi 1 2 3", "-roi"},
    {"-pivot middle", "-pivot"},
    {"-misset 1 2", "-misset"},
    {"-oversample_thickness", "-oversample_thickness"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    NbParams p;
    GError *error = NULL;
    nb_params_init (&p);
    g_assert_false (nb_args_apply_string (&p, bad[i][0], &error));
    g_assert_error (error, NB_ERROR, NB_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, bad[i][1]));
    g_error_free (error);
    nb_params_clear (&p);
  }
}

/* Threaded copies equal memcpy for odd sizes and any thread count. */
static void
test_parallel_copy (void)
{
  const gsize sizes[] = { 0, 13, ((gsize) 4 << 20) - 1, ((gsize) 17 << 20) + 13 };
  const int threads[] = { 1, 3, 16, 99 };
  gsize max = sizes[G_N_ELEMENTS (sizes) - 1];
  guint8 *src = g_malloc (max), *dst = g_malloc (max + 1);
  GRand *rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < max; i++)
    src[i] = (guint8) g_rand_int (rand);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++) {
    NbParallelCopy *c = nb_parallel_copy_new (threads[t]);
    for (guint k = 0; k < G_N_ELEMENTS (sizes); k++) {
      memset (dst, 0xA5, max + 1);
      nb_parallel_copy (c, dst, src, sizes[k]);
      g_assert_cmpmem (dst, sizes[k], src, sizes[k]);
      g_assert_cmpuint (dst[sizes[k]], ==, 0xA5);       /* nothing beyond */
    }
    nb_parallel_copy_free (c);
  }
  g_rand_free (rand);
  g_free (src);
  g_free (dst);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rng/lcg-check-value", test_lcg_check_value);
  g_test_add_func ("/rng/uniform-and-poisson", test_uniform_and_poisson);
  g_test_add_func ("/rng/mosaic-umat-is-rotation",
      test_mosaic_umat_is_rotation);
  g_test_add_func ("/hkl/dump-round-trip", test_hkl_dump_round_trip);
  g_test_add_func ("/hkl/dump-layout", test_hkl_dump_layout);
  g_test_add_func ("/smv/round-trip", test_smv_round_trip);
  g_test_add_func ("/parallel-copy/equals-memcpy", test_parallel_copy);
  g_test_add_func ("/args/aliases-and-side-effects",
      test_args_aliases_and_side_effects);
  g_test_add_func ("/args/errors-name-the-flag",
      test_args_errors_name_the_flag);
  return g_test_run ();
}
