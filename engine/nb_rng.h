/* nb_rng.h - nanoBragg's random numbers, with explicit state.
 *
 * nanoBragg.c uses the Numerical Recipes ran1() (Park-Miller minimal
 * standard with a Bays-Durham shuffle, single-precision output) and keeps
 * its state in static variables.  Here the state is a struct, so that
 * mosaic domains, random missets and noise images are reproducible and
 * independent of each other.  The arithmetic (float vs double) matches the
 * reference so that seeds give the reference's domains and noise images.
 */
#ifndef NB_RNG_H
#define NB_RNG_H

#include <glib.h>

G_BEGIN_DECLS

#define NB_RNG_NTAB 32

typedef struct {
  long idum;                    /* seed / current state; <= 0 reinitialises */
  long iy;
  long iv[NB_RNG_NTAB];
  /* Poisson sampler cache (poidev's statics) */
  float pois_sq, pois_alxm, pois_g, pois_oldm;
  /* spare Gaussian deviate (gaussdev's statics) */
  int gauss_iset;
  float gauss_gset;
} NbRng;

/* @seed is used as nanoBragg uses its "long" seeds: pass the negative of
 * the user's -seed / -mosaic_seed value. */
void nb_rng_init (NbRng * rng, long seed);

/* One step of the Park-Miller "minimal standard" generator behind ran1():
 * state * 16807 mod (2^31 - 1), by Schrage's method. */
long nb_rng_lcg_step (long state);

/* Uniform deviate in (0, 1), as ran1(). */
float nb_rng_uniform (NbRng * rng);

/* Poisson deviate of mean @mean, as poidev() (Gaussian above 1e6). */
float nb_rng_poisson (NbRng * rng, float mean);

/* Unit Gaussian deviate, as gaussdev(). */
float nb_rng_gauss (NbRng * rng);

/* Random rotation inside a spherical cap of @spread radians (90 deg = a
 * full sphere), as mosaic_rotation_umat(); row-major 3x3. */
void nb_rng_mosaic_umat (NbRng * rng, float spread, double umat[9]);

/* Misset angles (x, y, z; radians) of a rotation matrix, as umat2misset(). */
void nb_umat_to_misset (const double umat[9], double misset[3]);

G_END_DECLS

#endif /* NB_RNG_H */
