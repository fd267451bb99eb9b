/* nb_rng.c - uniform, Poisson and Gaussian deviates and random rotations,
 * following the algorithms (and float arithmetic) nanoBragg.c uses.
 *
 * The Poisson and Gaussian deviates reproduce the reference binary, which
 * was built for an FMA-capable x86-64 target: its compiler fused a few
 * multiply-adds (listed in docs/cli.md, "Noise images").  Those, and only
 * those, are written here as explicit fma()/fmaf() calls, so the deviates
 * are the same on every machine and with every compiler flag; everywhere
 * else in this file a product is rounded before it is added, as in a build
 * without FMA. */
#include "nb_rng.h"

#include <math.h>
#include <string.h>

/* Park-Miller "minimal standard" constants (Schrage's factorisation). */
#define RNG_IA 16807
#define RNG_IM 2147483647
#define RNG_AM (1.0 / RNG_IM)
#define RNG_IQ 127773
#define RNG_IR 2836
#define RNG_NDIV (1 + (RNG_IM - 1) / NB_RNG_NTAB)
#define RNG_EPS 1.2e-7
#define RNG_RNMX (1.0 - RNG_EPS)

void
nb_rng_init (NbRng * rng, long seed)
{
  memset (rng, 0, sizeof (*rng));
  rng->idum = seed;
  rng->pois_oldm = -1.0f;
}

long
nb_rng_lcg_step (long idum)
{
  long k = idum / RNG_IQ;
  idum = RNG_IA * (idum - k * RNG_IQ) - RNG_IR * k;
  if (idum < 0)
    idum += RNG_IM;
  return idum;
}

float
nb_rng_uniform (NbRng * rng)
{
  int j;
  float temp;

  if (rng->idum <= 0 || !rng->iy) {
    /* (re)seed: never let the state be 0, then warm up the shuffle table */
    if (-(rng->idum) < 1)
      rng->idum = 1;
    else
      rng->idum = -(rng->idum);
    for (j = NB_RNG_NTAB + 7; j >= 0; j--) {
      rng->idum = nb_rng_lcg_step (rng->idum);
      if (j < NB_RNG_NTAB)
        rng->iv[j] = rng->idum;
    }
    rng->iy = rng->iv[0];
  }
  rng->idum = nb_rng_lcg_step (rng->idum);
  j = rng->iy / RNG_NDIV;
  rng->iy = rng->iv[j];
  rng->iv[j] = rng->idum;
  if ((temp = RNG_AM * rng->iy) > RNG_RNMX)
    return RNG_RNMX;
  return temp;
}

float
nb_rng_gauss (NbRng * rng)
{
  float fac, rsq, v1, v2;

  if (rng->gauss_iset) {
    rng->gauss_iset = 0;
    return rng->gauss_gset;
  }
  /* Box-Muller on a point drawn uniformly inside the unit circle */
  do {
    /* 2u - 1 is exact with or without fusing (2u is exact) */
    v1 = 2.0 * nb_rng_uniform (rng) - 1.0;
    v2 = 2.0 * nb_rng_uniform (rng) - 1.0;
    rsq = fmaf (v1, v1, v2 * v2);       /* fused in the reference build */
  } while (rsq >= 1.0 || rsq == 0);
  fac = sqrt (-2.0 * log (rsq) / rsq);
  rng->gauss_gset = v1 * fac;
  rng->gauss_iset = 1;
  return v2 * fac;
}

/* ln Gamma(xx), Lanczos series as in Numerical Recipes. */
static float
log_gamma (float xx)
{
  static const double cof[6] = { 76.18009172947146, -86.50532032941677,
    24.01409824083091, -1.231739572450155,
    0.1208650973866179e-2, -0.5395239384953e-5
  };
  double x, y, tmp, ser;

  y = x = xx;
  tmp = x + 5.5;
  tmp = fma (-(x + 0.5), log (tmp), tmp);       /* fused in the reference */
  ser = 1.000000000190015;
  for (int j = 0; j <= 5; ++j)
    ser += cof[j] / ++y;
  return -tmp + log (2.5066282746310005 * ser / x);
}

float
nb_rng_poisson (NbRng * rng, float xm)
{
  float em, t, y;

  if (xm > 1.0e6)
    return fma (sqrt (xm), nb_rng_gauss (rng), xm);

  if (xm < 12.0) {
    /* direct method: multiply uniform deviates until below exp(-mean) */
    if (xm != rng->pois_oldm) {
      rng->pois_oldm = xm;
      rng->pois_g = exp (-xm);
    }
    em = -1;
    t = 1.0;
    do {
      ++em;
      t *= nb_rng_uniform (rng);
    } while (t > rng->pois_g);
  } else {
    /* rejection method with a Lorentzian comparison function */
    if (xm != rng->pois_oldm) {
      rng->pois_oldm = xm;
      rng->pois_sq = sqrt (2.0 * xm);
      rng->pois_alxm = log (xm);
      rng->pois_g = fmaf (xm, rng->pois_alxm, -log_gamma (xm + 1.0));
    }
    do {
      do {
        y = tan (G_PI * nb_rng_uniform (rng));
        em = fmaf (rng->pois_sq, y, xm);
      } while (em < 0.0);
      em = floor (em);
      /* y * y is a float product widened before the add: never fused */
      t = 0.9 * (1.0 + y * y) * exp (fmaf (em, rng->pois_alxm,
              -log_gamma (em + 1.0)) - rng->pois_g);
    } while (nb_rng_uniform (rng) > t);
  }
  return em;
}

void
nb_rng_mosaic_umat (NbRng * rng, float spread, double umat[9])
{
  double r1, r2, r3, xyrad, rot, v1, v2, v3;
  double c, omc, s;

  /* a random axis (uniform on the sphere) and an angle whose distribution
   * fills the cap of radius @spread uniformly in volume */
  r1 = (double) 2.0 * nb_rng_uniform (rng) - 1.0;
  r2 = (double) 2.0 * nb_rng_uniform (rng) - 1.0;
  r3 = (double) 2.0 * nb_rng_uniform (rng) - 1.0;

  xyrad = sqrt (1.0 - r2 * r2);
  rot = spread * powf ((1.0 - r3 * r3), (1.0 / 3.0));

  v1 = xyrad * sin (G_PI * r1);
  v2 = xyrad * cos (G_PI * r1);
  v3 = r2;

  /* Rodrigues' rotation matrix about (v1, v2, v3) by rot */
  c = cos (rot);
  omc = 1.0 - c;
  s = sin (rot);
  umat[0] = c + omc * (v1 * v1);
  umat[1] = omc * v1 * v2 - s * v3;
  umat[2] = omc * v1 * v3 + s * v2;
  umat[3] = omc * v1 * v2 + s * v3;
  umat[4] = c + omc * (v2 * v2);
  umat[5] = omc * v2 * v3 - s * v1;
  umat[6] = omc * v1 * v3 - s * v2;
  umat[7] = omc * v2 * v3 + s * v1;
  umat[8] = c + omc * (v3 * v3);
}

void
nb_umat_to_misset (const double u[9], double misset[3])
{
  /* inverse of nb_vec_rotate_xyz: U = Rz Ry Rx */
  if (u[6] * u[6] < 1.0) {
    misset[0] = atan2 (u[7], u[8]);
    misset[1] = atan2 (-u[6], sqrt (u[7] * u[7] + u[8] * u[8]));
    misset[2] = atan2 (u[3], u[0]);
  } else {
    /* gimbal lock: the reference's fallback */
    misset[0] = atan2 (1, 1) * 4;
    misset[1] = atan2 (1, 1) * 2;
    misset[2] = atan2 (u[1], -u[4]);
  }
}
