/* test_physics.c - unit tests of the per-step formulas in nb_physics.h
 * near their removable singularities, against high-accuracy reference
 * values (long double Taylor series with exact coefficients, or long
 * double libm where the formula has no cancellation).
 *
 * The lattice factors of the crystal shapes are 0/0 at a reciprocal
 * lattice node: the round shape's sinc3(x) = 3 (sin x - x cos x) / x^3
 * at x = 0, the parallelepiped's sin(N pi h) / sin(pi h) at whole h.  At
 * the direct beam the scattering vector is 0 or, under FMA contraction,
 * within rounding of 0 (~1e-17), so both must be accurate there, not only
 * at exactly 0.  (The gauss and tophat shapes, exp(-r) and a step, have
 * no such cancellation.) */
#include <glib.h>
#include <float.h>
#include <math.h>

#include "nb_physics.h"

/* the points the tests visit: exact 0, within rounding of 0, and up to
 * and across the sinc3 series threshold (1) */
static const double near_zero[] = {
  0.0, 1e-300, 1e-17, 1e-8, 1e-4, 1e-2, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 5.0,
};

/* sinc3 to long double accuracy: its Taylor series
 * sum_k>=1 (-1)^(k+1) 6k x^(2k-2) / (2k+1)! below 1.5 (30 terms:
 * truncation < 1e-60), the direct formula in long double above (its
 * cancellation costs at most 1e-19 / x^2 relative there). */
static long double
sinc3_reference (long double x)
{
  if (fabsl (x) < 1.5L) {
    long double x2 = x * x, power = 1.0L, factorial = 6.0L, sum = 0.0L;
    for (int k = 1; k <= 30; k++) {
      if (k > 1) {
        power *= x2;
        factorial *= (long double) (2 * k) * (2 * k + 1);
      }
      sum += (k % 2 ? 1.0L : -1.0L) * 6.0L * k * power / factorial;
    }
    return sum;
  }
  return 3.0L * (sinl (x) / x - cosl (x)) / (x * x);
}

/* The reference itself: its two formulas agree where both are accurate. */
static void
test_sinc3_reference_consistent (void)
{
  for (long double x = 0.8L; x < 1.5L; x += 0.05L) {
    long double series = sinc3_reference (x);
    long double direct = 3.0L * (sinl (x) / x - cosl (x)) / (x * x);
    g_assert_cmpfloat (fabsl (series - direct), <=, 1e-17L * fabsl (series));
  }
}

/* nb_sinc3 (double; the float32 renderer evaluates the shapes in double
 * too, see docs/precision.md) within 4 DBL_EPSILON relative of the
 * reference: measured worst 2.4 ulp, at x just above 1 where the direct
 * formula takes over.  Before the series, x = 1e-8 gave 1.5 or 0 instead
 * of 1, and x = 1e-2 was 2e4 ulp off. */
static void
test_sinc3_near_zero (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (near_zero); i++) {
    double x = near_zero[i];
    long double ref = sinc3_reference (x);
    double ours = nb_sinc3 (x);
    double err = (double) (fabsl (ours - ref) / fabsl (ref));
    g_test_message ("sinc3(%g) = %.17g, reference %.20Lg, %.2g eps", x, ours,
        ref, err / DBL_EPSILON);
    if (!(err <= 4 * DBL_EPSILON))
      g_test_fail_printf ("sinc3(%g) = %.17g, reference %.20Lg (%.3g "
          "relative, tolerance 4 DBL_EPSILON)", x, ours, ref, err);
  }
  g_assert_cmpfloat (nb_sinc3 (0.0), ==, 1.0);
  g_assert_cmpfloat (nb_sinc3 (1e-17), ==, 1.0);
}

/* Across the whole range around the series threshold, and on both sides
 * of it at adjacent doubles: the two branches agree to rounding. */
static void
test_sinc3_branches_agree (void)
{
  double below = nextafter (1.0, 0.0), worst = 0.0;
  for (int i = 0; i <= 20000; i++) {
    double x = 1e-6 + i * (3.0 / 20000);
    long double ref = sinc3_reference (x);
    worst = MAX (worst, (double) (fabsl (nb_sinc3 (x) - ref) / fabsl (ref)));
  }
  g_test_message ("worst relative error on (0, 3]: %.2g DBL_EPSILON",
      worst / DBL_EPSILON);
  g_assert_cmpfloat (worst, <=, 4 * DBL_EPSILON);
  g_assert_cmpfloat (fabs (nb_sinc3 (below) - nb_sinc3 (1.0)), <=,
      4 * DBL_EPSILON * nb_sinc3 (1.0));
}

/* The round shape's F_latt within rounding of a node is the peak value
 * Na Nb Nc 0.723601254558268, for fractional indices in double and as
 * the float32 renderer passes them (rounded to float). */
static void
test_round_lattice_factor_at_node (void)
{
  NbCrystal x = { 0 };
  double axes[3];
  const double peak = 5 * 5 * 5 * 0.723601254558268;
  const double offsets[] = { 0.0, 1e-17, -3e-17, 1e-12, 1e-9 };

  x.shape = NB_SHAPE_ROUND;
  x.Na = x.Nb = x.Nc = 5;
  x.fudge = 1.0;
  x.a_star[0] = x.b_star[1] = x.c_star[2] = 1.0 / 79;
  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++) {
    double d = offsets[i];
    double f64 = nb_lattice_factor (&x, 3 + d, -2 + d, 7 - d, 3, -2, 7, axes);
    double f32 = nb_lattice_factor (&x, (float) d, (float) (2 * d),
        (float) -d, 0, 0, 0, axes);
    g_assert_cmpfloat (fabs (f64 - peak), <=, 1e-12 * peak);
    g_assert_cmpfloat (fabs (f32 - peak), <=, 1e-12 * peak);
  }
}

/* sin(N pi h) / sin(pi h) at and near whole h: the ratio of the reduced
 * fractions has no cancellation: within 8 DBL_EPSILON N (double) and
 * 8 FLT_EPSILON N (float) of the reference, i.e. relative to the peak
 * value N (the ratio also passes through zeros, at N f whole).
 * Reference: long double libm on the fraction the function sees (h - 6
 * is exact). */
static long double
sincg_reference (long double f, double N)
{
  long double pf = 3.14159265358979323846264338327950288L * f;
  return f == 0.0L ? N : sinl (N * pf) / sinl (pf);
}

static void
test_sincg_near_node (void)
{
  const double N[] = { 2, 5, 10, 47 };
  for (guint j = 0; j < G_N_ELEMENTS (N); j++) {
    for (guint i = 0; i < G_N_ELEMENTS (near_zero); i++) {
      /* h = 6 + f: the sign of a whole h's term is (-1)^(6 (N - 1)) = 1 */
      double h = 6.0 + near_zero[i];
      float h_f = (float) near_zero[i];
      long double ref = sincg_reference (h - 6.0, N[j]);
      long double ref_f = sincg_reference (h_f, N[j]);
      double ours = nb_sincg_pi (h, N[j]);
      float ours_f = nb_sincg_pi_f (h_f, (float) N[j]);
      if (near_zero[i] > 0.3)
        continue;               /* the near-node range only */
      if (!(fabsl (ours - ref) <= 8 * DBL_EPSILON * N[j]))
        g_test_fail_printf ("sincg(pi (6 + %g), %g) = %.17g, reference "
            "%.20Lg", near_zero[i], N[j], ours, ref);
      if (!(fabsl (ours_f - ref_f) <= 8 * FLT_EPSILON * N[j]))
        g_test_fail_printf ("float sincg(pi %g, %g) = %.9g, reference "
            "%.20Lg", (double) h_f, N[j], ours_f, ref_f);
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/physics/sinc3/reference-consistent",
      test_sinc3_reference_consistent);
  g_test_add_func ("/physics/sinc3/near-zero", test_sinc3_near_zero);
  g_test_add_func ("/physics/sinc3/branches-agree",
      test_sinc3_branches_agree);
  g_test_add_func ("/physics/round/lattice-factor-at-node",
      test_round_lattice_factor_at_node);
  g_test_add_func ("/physics/square/sincg-near-node", test_sincg_near_node);
  return g_test_run ();
}
