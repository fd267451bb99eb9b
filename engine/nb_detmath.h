/* nb_detmath.h - log, log1p and exp that give the same bits on the CPU and
 * on the GPU.
 *
 * The readout's random deviates must be bit-identical on every backend.
 * libm's and CUDA's log/exp are both accurate but not identical (they may
 * differ in the last bit), and one bit is enough to flip a rejection
 * sampler's accept/reject test.  These versions use only operations that
 * IEEE 754 rounds correctly (+, -, *, /, sqrt, and exact bit and integer
 * operations for frexp, ldexp and floor), in a
 * fixed order, so both compilers evaluate them identically.  Accuracy is
 * a few ulp, which is all the samplers need.
 *
 * Contraction: a multiply followed by an add may be fused into one FMA by
 * the compiler, which changes the rounding.  Device code multiplies with
 * __dmul_rn (never fused); host translation units that include this header
 * must be compiled with -ffp-contract=off (the engine's readout library
 * is; see engine/meson.build).
 */
#ifndef NB_DETMATH_H
#define NB_DETMATH_H

#include "nb_hd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDA_ARCH__
#define NB_DM_MUL(a, b) __dmul_rn ((a), (b))
#else
#define NB_DM_MUL(a, b) ((a) * (b))
#endif

/* The bits of a double and back (exact). */
static inline NB_HD uint64_t
nb_dm_bits (double x)
{
#ifdef __CUDA_ARCH__
  return (uint64_t) __double_as_longlong (x);
#else
  uint64_t b;
  memcpy (&b, &x, sizeof (b));
  return b;
#endif
}

static inline NB_HD double
nb_dm_from_bits (uint64_t b)
{
#ifdef __CUDA_ARCH__
  return __longlong_as_double ((long long) b);
#else
  double x;
  memcpy (&x, &b, sizeof (x));
  return x;
#endif
}

/* floor(x), exact: by truncation below 2^52, where larger doubles are
 * whole already (NaN stays NaN).  libm's floor is a call on baseline
 * x86-64, which has no rounding instruction. */
static inline NB_HD double
nb_dm_floor (double x)
{
  double t;
  if (!(fabs (x) < 4503599627370496.0))
    return x;
  t = (double) (int64_t) x;
  return t > x ? t - 1.0 : t;
}

/* 2^k for -1022 <= k <= 1023, built from its bits. */
static inline NB_HD double
nb_dm_pow2 (int k)
{
  return nb_dm_from_bits ((uint64_t) (k + 1023) << 52);
}

/* ln 2 split so that k * NB_DM_LN2_HI is exact for |k| < 2^11 */
#define NB_DM_LN2_HI 6.93147180369123816490e-01
#define NB_DM_LN2_LO 1.90821492927058770002e-10

/* 2 atanh(s) = ln((1 + s) / (1 - s)) for |s| <= 0.1716, by its odd series
 * 2 s (1 + s^2/3 + s^4/5 + ...): twelve terms leave a truncation error
 * below 1e-18. */
static inline NB_HD double
nb_dm_atanh2 (double s)
{
  double z = NB_DM_MUL (s, s);
  double p = 1.0 / 25.0;
  p = NB_DM_MUL (p, z) + 1.0 / 23.0;
  p = NB_DM_MUL (p, z) + 1.0 / 21.0;
  p = NB_DM_MUL (p, z) + 1.0 / 19.0;
  p = NB_DM_MUL (p, z) + 1.0 / 17.0;
  p = NB_DM_MUL (p, z) + 1.0 / 15.0;
  p = NB_DM_MUL (p, z) + 1.0 / 13.0;
  p = NB_DM_MUL (p, z) + 1.0 / 11.0;
  p = NB_DM_MUL (p, z) + 1.0 / 9.0;
  p = NB_DM_MUL (p, z) + 1.0 / 7.0;
  p = NB_DM_MUL (p, z) + 1.0 / 5.0;
  p = NB_DM_MUL (p, z) + 1.0 / 3.0;
  p = NB_DM_MUL (p, z);
  return NB_DM_MUL (2.0, s) + NB_DM_MUL (NB_DM_MUL (2.0, s), p);
}

/* Natural logarithm of a positive finite @x. */
static inline NB_HD double
nb_dm_log (double x)
{
  int e = 0;
  double m, f, s, k;
  uint64_t b;

  if (x < 2.2250738585072014e-308) {    /* subnormal: scale up by 2^54 */
    x = NB_DM_MUL (x, 18014398509481984.0);
    e = -54;
  }
  /* x = m 2^e with m in [1/2, 1): the exponent field read directly */
  b = nb_dm_bits (x);
  e += (int) ((b >> 52) & 0x7FF) - 1022;
  m = nb_dm_from_bits ((b & UINT64_C (0x800FFFFFFFFFFFFF))
      | UINT64_C (0x3FE0000000000000));

  if (m < 0.70710678118654752440) {
    m = NB_DM_MUL (m, 2.0);
    e -= 1;
  }
  f = m - 1.0;                  /* exact: m is within a factor 2 of 1 */
  s = f / (2.0 + f);
  k = (double) e;
  return NB_DM_MUL (k, NB_DM_LN2_HI) + (NB_DM_MUL (k, NB_DM_LN2_LO)
      + nb_dm_atanh2 (s));
}

/* ln(1 + x) for x > -1, accurate for small |x|. */
static inline NB_HD double
nb_dm_log1p (double x)
{
  if (x > -0.29 && x < 0.41)
    return nb_dm_atanh2 (x / (2.0 + x));
  return nb_dm_log (1.0 + x);
}

/* e^x for -708 <= x <= 709 (the readout only needs -10 <= x <= 0). */
static inline NB_HD double
nb_dm_exp (double x)
{
  double k = nb_dm_floor (NB_DM_MUL (x, 1.44269504088896340736) + 0.5);
  double r = (x - NB_DM_MUL (k, NB_DM_LN2_HI)) - NB_DM_MUL (k, NB_DM_LN2_LO);
  /* Taylor series of e^r, |r| <= ln2/2: degree 14 leaves < 1e-18.
   * Estrin's scheme (pairs, then pairs of pairs) rather than Horner's: a
   * quarter of the dependent multiply-adds, the same tree on every
   * device */
  double r2 = NB_DM_MUL (r, r), r4 = NB_DM_MUL (r2, r2);
  double r8 = NB_DM_MUL (r4, r4);
  double q0 = 1.0 + r;
  double q1 = 0.5 + NB_DM_MUL (1.0 / 6.0, r);
  double q2 = 1.0 / 24.0 + NB_DM_MUL (1.0 / 120.0, r);
  double q3 = 1.0 / 720.0 + NB_DM_MUL (1.0 / 5040.0, r);
  double q4 = 1.0 / 40320.0 + NB_DM_MUL (1.0 / 362880.0, r);
  double q5 = 1.0 / 3628800.0 + NB_DM_MUL (1.0 / 39916800.0, r);
  double q6 = 1.0 / 479001600.0 + NB_DM_MUL (1.0 / 6227020800.0, r);
  double q7 = 1.0 / 87178291200.0;
  double s0 = q0 + NB_DM_MUL (q1, r2), s1 = q2 + NB_DM_MUL (q3, r2);
  double s2 = q4 + NB_DM_MUL (q5, r2), s3 = q6 + NB_DM_MUL (q7, r2);
  double p = (s0 + NB_DM_MUL (s1, r4)) + NB_DM_MUL (s2 + NB_DM_MUL (s3, r4),
      r8);
  /* p 2^k in two exact steps where 2^k alone would not be normal (the
   * second multiply rounds once, as ldexp does) */
  if (k < -1021.0)
    return NB_DM_MUL (NB_DM_MUL (p, nb_dm_pow2 ((int) k + 54)),
        5.5511151231257827e-17);
  return NB_DM_MUL (p, nb_dm_pow2 ((int) k));
}

#endif /* NB_DETMATH_H */
