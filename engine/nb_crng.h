/* nb_crng.h - counter-based random deviates for the readout: uniform,
 * Gaussian and Poisson, each a pure function of (seed, frame, pixel,
 * purpose), identical on the CPU and the GPU.
 *
 * Stream layout: the Philox key is the 64-bit seed.  A pixel's first two
 * words (its first uniform: all that a dim pixel needs) are half of the
 * block it shares with its neighbour: counter (pair low 32 bits, frame,
 * purpose << 16 | pair bits 32..47, 0) with pair = pixel / 2, words 0-1
 * for even pixels and 2-3 for odd ones, so one Philox call serves two
 * pixels.  Its further words come from its own counter (pixel low 32
 * bits, frame, (purpose | 0x80) << 16 | pixel bits 32..47, block), the
 * block word walking upwards, so rejection loops of any length never
 * reach another pixel's or another purpose's numbers.
 *
 * Poisson sampling is exact in distribution (up to double rounding in
 * the acceptance tests) for every mean:
 * - mean < 10: inversion of the cumulative distribution, one uniform
 *   (u <= 1 - mean reads 0 without forming e^-mean);
 * - 10 <= mean < 2^52: PTRS, Hormann's transformed rejection with
 *   squeeze ("The transformed rejection method for generating Poisson
 *   random variables", Insurance: Mathematics and Economics 12, 1993),
 *   with the log-probability formed without cancellation (Stirling with
 *   eight correction terms) so huge means keep their accuracy;
 * - mean >= 2^52: the mean itself, a whole number there (its relative
 *   spread, 1.5e-8, is below the resolution of a double at that size).
 * Gaussian deviates come from Marsaglia's polar method.
 *
 * Host translation units must be compiled with -ffp-contract=off (see
 * nb_detmath.h).
 */
#ifndef NB_CRNG_H
#define NB_CRNG_H

#include "nb_detmath.h"
#include "nb_philox.h"

/* what a pixel's stream is drawn for; distinct purposes never share
 * counters */
typedef enum {
  NB_CRNG_POISSON = 1,
  NB_CRNG_READ_NOISE = 2,
  NB_CRNG_CALIBRATION = 3,
} NbCrngPurpose;

typedef struct {
  uint32_t key[2];
  uint32_t ctr[4];              /* the pixel's own counter */
  uint32_t buf[4];
  int used, end;                /* buf[used .. end) is still to hand out */
} NbCrng;

/* The counter of the block pixels 2 @pair and 2 @pair + 1 share. */
static inline NB_HD void
nb_crng_shared_counter (uint32_t frame, uint64_t pair, NbCrngPurpose purpose,
    uint32_t ctr[4])
{
  ctr[0] = (uint32_t) pair;
  ctr[1] = frame;
  ctr[2] = ((uint32_t) purpose << 16) | ((uint32_t) (pair >> 32) & 0xFFFFu);
  ctr[3] = 0;
}

/* The stream of @pixel, given the block it shares with its neighbour
 * (Philox of nb_crng_shared_counter, e.g. computed for many pixels at
 * once). */
static inline NB_HD void
nb_crng_init_with_block (NbCrng * g, uint64_t seed, uint32_t frame,
    uint64_t pixel, NbCrngPurpose purpose, const uint32_t shared[4])
{
  g->key[0] = (uint32_t) seed;
  g->key[1] = (uint32_t) (seed >> 32);
  g->ctr[0] = (uint32_t) pixel;
  g->ctr[1] = frame;
  g->ctr[2] = ((uint32_t) (purpose | 0x80) << 16)
      | ((uint32_t) (pixel >> 32) & 0xFFFFu);
  g->ctr[3] = 0;
  for (int i = 0; i < 4; i++)
    g->buf[i] = shared[i];
  g->used = 2 * (int) (pixel & 1);
  g->end = g->used + 2;
}

static inline NB_HD void
nb_crng_init (NbCrng * g, uint64_t seed, uint32_t frame, uint64_t pixel,
    NbCrngPurpose purpose)
{
  uint32_t ctr[4], key[2] = { (uint32_t) seed, (uint32_t) (seed >> 32) };
  uint32_t shared[4];
  nb_crng_shared_counter (frame, pixel >> 1, purpose, ctr);
  nb_philox4x32_10 (ctr, key, shared);
  nb_crng_init_with_block (g, seed, frame, pixel, purpose, shared);
}

static inline NB_HD uint32_t
nb_crng_u32 (NbCrng * g)
{
  if (g->used == g->end) {
    nb_philox4x32_10 (g->ctr, g->key, g->buf);
    g->ctr[3]++;
    g->used = 0;
    g->end = 4;
  }
  return g->buf[g->used++];
}

/* Uniform in the open interval (0, 1) from two words, 53 random bits. */
static inline NB_HD double
nb_crng_uniform_of (uint32_t w0, uint32_t w1)
{
  double n = (double) (w0 >> 5) * 67108864.0 + (double) (w1 >> 6);
  return (n + 0.5) * (1.0 / 9007199254740992.0);        /* n < 2^53: exact */
}

static inline NB_HD double
nb_crng_uniform (NbCrng * g)
{
  uint32_t w0 = nb_crng_u32 (g);
  return nb_crng_uniform_of (w0, nb_crng_u32 (g));
}

/* The first uniform of @pixel's stream, straight from the block it
 * shares with its neighbour (what nb_crng_uniform would return first). */
static inline NB_HD double
nb_crng_first_uniform (const uint32_t shared[4], uint64_t pixel)
{
  int w = 2 * (int) (pixel & 1);
  return nb_crng_uniform_of (shared[w], shared[w + 1]);
}

/* Unit normal deviate (Marsaglia's polar method). */
static inline NB_HD double
nb_crng_gauss (NbCrng * g)
{
  for (;;) {
    double u = NB_DM_MUL (2.0, nb_crng_uniform (g)) - 1.0;
    double v = NB_DM_MUL (2.0, nb_crng_uniform (g)) - 1.0;
    double s = NB_DM_MUL (u, u) + NB_DM_MUL (v, v);
    if (s < 1.0 && s > 0.0)
      return NB_DM_MUL (u, sqrt (NB_DM_MUL (-2.0, nb_dm_log (s)) / s));
  }
}

/* c(k) = ln k! - (k ln k - k + ln(2 pi k)/2), Stirling's correction, by
 * its asymptotic series in 1/k; for k >= 10 the first omitted term is
 * below 3e-17. */
static inline NB_HD double
nb_crng_stirling_correction (double k)
{
  double r = 1.0 / k, r2 = NB_DM_MUL (r, r);
  double c = -3617.0 / 122400.0;
  c = NB_DM_MUL (c, r2) + 1.0 / 156.0;
  c = NB_DM_MUL (c, r2) - 691.0 / 360360.0;
  c = NB_DM_MUL (c, r2) + 1.0 / 1188.0;
  c = NB_DM_MUL (c, r2) - 1.0 / 1680.0;
  c = NB_DM_MUL (c, r2) + 1.0 / 1260.0;
  c = NB_DM_MUL (c, r2) - 1.0 / 360.0;
  c = NB_DM_MUL (c, r2) + 1.0 / 12.0;
  return NB_DM_MUL (c, r);
}

/* ln(k!) for a whole k >= 0: exact products below 10, Stirling above. */
static inline NB_HD double
nb_crng_log_factorial (double k)
{
  if (k < 10.0) {
    double f = 1.0;
    for (double i = 2.0; i <= k; i += 1.0)
      f = NB_DM_MUL (f, i);
    return nb_dm_log (f);
  }
  return NB_DM_MUL (k, nb_dm_log (k)) - k
      + NB_DM_MUL (0.5, nb_dm_log (NB_DM_MUL (6.283185307179586477, k)))
      + nb_crng_stirling_correction (k);
}

/* ln P(k; lambda) = k ln(lambda) - lambda - ln k!, formed for k >= 10 as
 * -k ln(1 + d/lambda) + d - ln(2 pi k)/2 - c(k) with d = k - lambda, so
 * that the large terms cancel analytically rather than in rounding. */
static inline NB_HD double
nb_crng_log_poisson_pmf (double k, double lambda, double log_lambda)
{
  if (k < 10.0)
    return NB_DM_MUL (k, log_lambda) - lambda - nb_crng_log_factorial (k);
  {
    double d = k - lambda, x = d / lambda, lead;
    if (x > -0.29 && x < 0.41)
      lead = -NB_DM_MUL (k, nb_dm_log1p (x)) + d;
    else
      lead = -NB_DM_MUL (k, nb_dm_log (k / lambda)) + d;
    return lead - NB_DM_MUL (0.5, nb_dm_log (NB_DM_MUL (6.283185307179586477,
                k))) - nb_crng_stirling_correction (k);
  }
}

#define NB_CRNG_POISSON_SMALL 10.0
#define NB_CRNG_POISSON_HUGE 4503599627370496.0 /* 2^52 */

/* Poisson deviate of @lambda (<= 0 or NaN gives 0). */
static inline NB_HD double
nb_crng_poisson (NbCrng * g, double lambda)
{
  if (!(lambda > 0.0))
    return 0.0;
  if (lambda < NB_CRNG_POISSON_SMALL) {
    double u = nb_crng_uniform (g);
    double p, cdf, k = 0.0;
    /* e^-lambda > 1 - lambda: most pixels of a diffraction frame are dim
     * and read 0 without the exponential */
    if (u <= 1.0 - lambda)      /* nb_readout_counts_from tests it too */
      return 0.0;
    p = nb_dm_exp (-lambda);
    cdf = p;
    /* past k = 100 the terms of a mean below 10 are under 1e-60: the
     * bound only stops a cumulative sum that rounding left below u.
     * p_k = p_(k-1) lambda (1 / k): the reciprocal does not depend on p,
     * so it is formed while the previous term is, and the chain from one
     * term to the next is two multiplications, not a division. */
    while (u > cdf && k < 100.0) {
      k += 1.0;
      p = NB_DM_MUL (NB_DM_MUL (p, lambda), 1.0 / k);
      cdf += p;
    }
    return k;
  }
  if (lambda >= NB_CRNG_POISSON_HUGE)
    return lambda;              /* doubles from 2^52 up are whole */
  {
    double slam = sqrt (lambda);
    double b = 0.931 + NB_DM_MUL (2.53, slam);
    double a = -0.059 + NB_DM_MUL (0.02483, b);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    /* the logs are needed only past the squeeze (about one draw in
     * eight): formed on first use */
    double loglam = 0.0, log_inv_alpha = 0.0;
    int have_logs = 0;
    for (;;) {
      double u = nb_crng_uniform (g) - 0.5;
      double v = nb_crng_uniform (g);
      double us = 0.5 - fabs (u);
      double k = nb_dm_floor (NB_DM_MUL (NB_DM_MUL (2.0, a) / us + b, u)
          + lambda + 0.43);
      if (us >= 0.07 && v <= vr)
        return k;
      if (k < 0.0 || (us < 0.013 && v > us))
        continue;
      if (!have_logs) {
        loglam = nb_dm_log (lambda);
        log_inv_alpha = nb_dm_log (1.1239 + 1.1328 / (b - 3.4));
        have_logs = 1;
      }
      if (nb_dm_log (v) + log_inv_alpha
          - nb_dm_log (a / NB_DM_MUL (us, us) + b)
          <= nb_crng_log_poisson_pmf (k, lambda, loglam))
        return k;
    }
  }
}

#endif /* NB_CRNG_H */
