/* test_crng.c - the readout's counter-based generator: Philox known
 * answers, the deterministic log/exp against libm, and the Poisson and
 * Gaussian samplers' distributions (mean, variance, chi-square against
 * the exact probabilities computed here with libm's lgamma). */
#include "nb_crng.h"

#include <glib.h>
#include <math.h>
#include <float.h>

static void
test_philox_known_answers (void)
{
  /* Random123's published known-answer vectors for Philox4x32-10 */
  static const uint32_t ctr[3][4] = {
    {0, 0, 0, 0},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
  };
  static const uint32_t key[3][2] = {
    {0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0},
  };
  static const uint32_t expect[3][4] = {
    {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
  };

  for (int i = 0; i < 3; i++) {
    uint32_t out[4];
    nb_philox4x32_10 (ctr[i], key[i], out);
    for (int j = 0; j < 4; j++)
      g_assert_cmphex (out[j], ==, expect[i][j]);
  }
}

/* |got - want| in units of the last place of want */
static double
ulps (double got, double want)
{
  double ulp = nextafter (fabs (want), INFINITY) - fabs (want);
  if (want == 0.0)
    return got == 0.0 ? 0.0 : INFINITY;
  return fabs (got - want) / ulp;
}

static void
test_detmath_against_libm (void)
{
  double worst_log = 0, worst_log1p = 0, worst_exp = 0;

  for (double e = -300; e <= 300; e += 0.0137) {
    double x = pow (10.0, e);
    worst_log = MAX (worst_log, ulps (nb_dm_log (x), log (x)));
  }
  for (double x = 0.5; x < 2.0; x += 1.3e-5)
    worst_log = MAX (worst_log, ulps (nb_dm_log (x), log (x)));
  for (double x = -0.99; x < 10.0; x += 3.1e-5)
    worst_log1p = MAX (worst_log1p, ulps (nb_dm_log1p (x), log1p (x)));
  for (double e = -300; e < -1; e += 0.05)
    worst_log1p = MAX (worst_log1p, ulps (nb_dm_log1p (pow (10, e)),
            log1p (pow (10, e))));
  for (double x = -708; x < 709; x += 0.00731)
    worst_exp = MAX (worst_exp, ulps (nb_dm_exp (x), exp (x)));
  g_test_message ("worst ulps: log %.2f log1p %.2f exp %.2f", worst_log,
      worst_log1p, worst_exp);
  g_assert_cmpfloat (worst_log, <=, 4.0);
  g_assert_cmpfloat (worst_log1p, <=, 4.0);
  g_assert_cmpfloat (worst_exp, <=, 4.0);
}

static void
test_log_factorial_against_lgamma (void)
{
  for (double k = 0; k < 2e7; k = k < 40 ? k + 1 : floor (k * 1.37)) {
    double want = lgamma (k + 1.0), got = nb_crng_log_factorial (k);
    g_assert_cmpfloat (fabs (got - want), <=, 1e-14 * MAX (1.0, want));
  }
}

static void
test_stream_is_a_pure_function (void)
{
  NbCrng a, b, c;
  nb_crng_init (&a, 1234, 7, 99999, NB_CRNG_POISSON);
  nb_crng_init (&b, 1234, 7, 99999, NB_CRNG_POISSON);
  nb_crng_init (&c, 1234, 8, 99999, NB_CRNG_POISSON);
  for (int i = 0; i < 100; i++) {
    uint32_t x = nb_crng_u32 (&a);
    g_assert_cmphex (x, ==, nb_crng_u32 (&b));
    g_assert_cmphex (x, !=, nb_crng_u32 (&c));
  }
  /* another purpose, another pixel, another seed: other numbers */
  nb_crng_init (&a, 1234, 7, 99999, NB_CRNG_POISSON);
  nb_crng_init (&b, 1234, 7, 99999, NB_CRNG_READ_NOISE);
  nb_crng_init (&c, 1234, 7, 99999 + (G_GUINT64_CONSTANT (1) << 32),
      NB_CRNG_POISSON);
  {
    uint32_t x = nb_crng_u32 (&a);
    g_assert_cmphex (x, !=, nb_crng_u32 (&b));
    g_assert_cmphex (x, !=, nb_crng_u32 (&c));
  }
  nb_crng_init (&b, 1235, 7, 99999, NB_CRNG_POISSON);
  nb_crng_init (&a, 1234, 7, 99999, NB_CRNG_POISSON);
  g_assert_cmphex (nb_crng_u32 (&a), !=, nb_crng_u32 (&b));
}

static void
test_uniform_range (void)
{
  NbCrng g;
  double lo = 1, hi = 0, sum = 0;
  const int n = 1000000;
  nb_crng_init (&g, 5, 0, 0, NB_CRNG_POISSON);
  for (int i = 0; i < n; i++) {
    double u = nb_crng_uniform (&g);
    g_assert_cmpfloat (u, >, 0.0);
    g_assert_cmpfloat (u, <, 1.0);
    lo = MIN (lo, u);
    hi = MAX (hi, u);
    sum += u;
  }
  g_assert_cmpfloat (lo, <, 1e-5);
  g_assert_cmpfloat (hi, >, 1 - 1e-5);
  g_assert_cmpfloat (fabs (sum / n - 0.5), <, 5 * sqrt (1.0 / 12 / n));
}

/* upper 1e-6 tail quantile of chi-square with @dof degrees of freedom
 * (Wilson-Hilferty); a correct sampler fails with probability 1e-6 */
static double
chi2_critical (int dof)
{
  const double z = 4.753;
  double h = 2.0 / (9.0 * dof);
  return dof * pow (1.0 - h + z * sqrt (h), 3.0);
}

typedef struct {
  double mean;
  int draws;
} PoissonCase;

/* One draw per "pixel" (its own stream), as the readout draws them. */
static void
test_poisson_distribution (gconstpointer data)
{
  const PoissonCase *pc = data;
  const double lam = pc->mean;
  const int n = pc->draws;
  GHashTable *hist = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 *keys = g_new (gint64, n);
  double sum = 0, sum2 = 0, var, mean, chi2 = 0;
  int dof = -1;

  for (int i = 0; i < n; i++) {
    NbCrng g;
    double k;
    gpointer old;
    nb_crng_init (&g, 20261202, 3, (uint64_t) i, NB_CRNG_POISSON);
    k = nb_crng_poisson (&g, lam);
    g_assert_cmpfloat (k, ==, floor (k));
    g_assert_cmpfloat (k, >=, 0);
    sum += k - lam;
    sum2 += (k - lam) * (k - lam);
    keys[i] = (gint64) k;
    old = g_hash_table_lookup (hist, &keys[i]);
    g_hash_table_insert (hist, &keys[i], GINT_TO_POINTER (GPOINTER_TO_INT (old)
            + 1));
  }
  mean = lam + sum / n;
  var = sum2 / n - (sum / n) * (sum / n);
  g_test_message ("mean %.6g: sample mean %.6g variance %.6g", lam, mean, var);
  /* 5 standard errors; Var(sample variance) ~ (lam + 2 lam^2) / n */
  g_assert_cmpfloat (fabs (mean - lam), <, 5 * sqrt (lam / n));
  g_assert_cmpfloat (fabs (var - lam), <, 5 * sqrt ((lam + 2 * lam * lam) / n));

  if (lam <= 1e7) {
    /* chi-square over the central counts, each tail merged into one bin
     * until the bins expect at least 20 draws */
    gint64 k0 = (gint64) floor (lam), lo, hi;
    double observed_in = 0, expected_in = 0;
#define PMF(k) exp ((k) * log (lam) - lam - lgamma ((k) + 1.0))
    for (lo = k0; lo > 0 && n * PMF ((double) lo - 1) >= 20; lo--);
    for (hi = k0; n * PMF ((double) hi + 1) >= 20; hi++);
    for (gint64 k = lo; k <= hi; k++) {
      double e = n * PMF ((double) k);
      double o = GPOINTER_TO_INT (g_hash_table_lookup (hist, &k));
      chi2 += (o - e) * (o - e) / e;
      observed_in += o;
      expected_in += e;
      dof++;
    }
    /* the two tails together as one more bin */
    if (n - expected_in > 5) {
      double e = n - expected_in, o = n - observed_in;
      chi2 += (o - e) * (o - e) / e;
      dof++;
    }
#undef PMF
    g_test_message ("chi-square %.1f for %d degrees of freedom (critical %.1f)",
        chi2, dof, chi2_critical (dof));
    g_assert_cmpint (dof, >=, 1);
    g_assert_cmpfloat (chi2, <, chi2_critical (dof));
  }
  g_hash_table_destroy (hist);
  g_free (keys);
}

static void
test_poisson_edge_means (void)
{
  NbCrng g;
  nb_crng_init (&g, 1, 0, 0, NB_CRNG_POISSON);
  g_assert_cmpfloat (nb_crng_poisson (&g, 0.0), ==, 0.0);
  g_assert_cmpfloat (nb_crng_poisson (&g, -3.0), ==, 0.0);
  g_assert_cmpfloat (nb_crng_poisson (&g, NAN), ==, 0.0);
  g_assert_cmpfloat (nb_crng_poisson (&g, 1e300), ==, 1e300);
  /* just below and above the inversion / rejection boundary */
  for (int i = 0; i < 1000; i++) {
    g_assert_cmpfloat (nb_crng_poisson (&g, nextafter (10.0, 0)), <, 60);
    g_assert_cmpfloat (nb_crng_poisson (&g, 10.0), <, 60);
  }
}

static void
test_gauss_moments (void)
{
  const int n = 400000;
  double s1 = 0, s2 = 0, s4 = 0, within1 = 0;
  for (int i = 0; i < n; i++) {
    NbCrng g;
    double z;
    nb_crng_init (&g, 77, 0, (uint64_t) i, NB_CRNG_READ_NOISE);
    z = nb_crng_gauss (&g);
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
    within1 += fabs (z) < 1.0;
  }
  s1 /= n;
  s2 /= n;
  s4 /= n;
  within1 /= n;
  g_test_message ("gauss: mean %.5f var %.5f 4th %.4f P(|z|<1) %.5f", s1, s2,
      s4, within1);
  g_assert_cmpfloat (fabs (s1), <, 5 * sqrt (1.0 / n));
  g_assert_cmpfloat (fabs (s2 - 1), <, 5 * sqrt (2.0 / n));
  g_assert_cmpfloat (fabs (s4 - 3), <, 5 * sqrt (96.0 / n));
  g_assert_cmpfloat (fabs (within1 - erf (M_SQRT1_2)), <,
      5 * sqrt (0.6827 * 0.3173 / n));
}

int
main (int argc, char **argv)
{
  static const PoissonCase cases[] = {
    {0.01, 400000}, {3.0, 400000}, {9.999, 400000}, {10.0, 400000},
    {30.0, 400000}, {1e3, 400000}, {1e6, 400000}, {1e9, 200000},
  };
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crng/philox-known-answers", test_philox_known_answers);
  g_test_add_func ("/crng/detmath-vs-libm", test_detmath_against_libm);
  g_test_add_func ("/crng/log-factorial", test_log_factorial_against_lgamma);
  g_test_add_func ("/crng/pure-function", test_stream_is_a_pure_function);
  g_test_add_func ("/crng/uniform", test_uniform_range);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *name = g_strdup_printf ("/crng/poisson/mean-%g", cases[i].mean);
    g_test_add_data_func (name, &cases[i], test_poisson_distribution);
    g_free (name);
  }
  g_test_add_func ("/crng/poisson-edges", test_poisson_edge_means);
  g_test_add_func ("/crng/gauss", test_gauss_moments);
  return g_test_run ();
}
