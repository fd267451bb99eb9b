/* nb_readout_pixel.h - one pixel of the detector readout (photons ->
 * counts) and one tap sum of the point-spread function, shared by the CPU
 * readout (nb_readout.c) and the CUDA one so that both give the same bits.
 *
 * Order of the readout, per pixel (docs/readout.md):
 *   photons (after the PSF) -> Poisson deviate (if enabled)
 *   -> x gain x (1 + calibration error, a static per-pixel Gaussian)
 *   -> + ADC offset + Gaussian read noise (counts)
 *   -> rounded to the nearest count, clipped to 0 .. count cutoff.
 * Masked pixels (outside the ROI or zero in the mask) read as the masked
 * value instead.  Every random number comes from the counter-based
 * generator (nb_crng.h), keyed by the seed and addressed by frame and
 * pixel, so the result does not depend on threads, tiles or devices.
 *
 * Host translation units must be compiled with -ffp-contract=off (see
 * nb_detmath.h).
 */
#ifndef NB_READOUT_PIXEL_H
#define NB_READOUT_PIXEL_H

#include "nb_crng.h"

#include <stddef.h>

/* Largest PSF radius in pixels (taps each side); the PSF's FWHM is
 * limited so that its Gaussian is negligible beyond it. */
#define NB_READOUT_MAX_PSF_RADIUS 64

typedef struct {
  double gain;                  /* counts per photon, > 0 */
  double adc_offset;            /* counts added to every pixel, >= 0 */
  int poisson;                  /* Poisson photon noise on/off */
  double read_noise;            /* Gaussian read noise sigma, counts, >= 0 */
  double calibration_error;     /* relative sigma of the static per-pixel
                                 * gain error, >= 0 (0.01 = 1 %) */
  uint64_t seed;                /* noise seed (frame and pixel are mixed in) */
  uint64_t calibration_seed;    /* seed of the static gain error map */
  double psf_fwhm;              /* Gaussian PSF FWHM in pixels, 0 = none */
  double cutoff;                /* count cutoff (saturation), whole, >=
                                 * adc_offset */
  int32_t masked_value;         /* what masked/gap pixels read as */
} NbReadout;

/* The Poisson deviate of @photons in @pixel's stream (see
 * nb_readout_counts_from for @shared). */
static inline NB_HD double
nb_readout_poisson (const NbReadout * r, uint32_t frame, uint64_t pixel,
    double photons, const uint32_t * shared)
{
  NbCrng g;
  if (shared != NULL)
    nb_crng_init_with_block (&g, r->seed, frame, pixel, NB_CRNG_POISSON,
        shared);
  else
    nb_crng_init (&g, r->seed, frame, pixel, NB_CRNG_POISSON);
  return nb_crng_poisson (&g, photons);
}

/* Gain (with the calibration error), offset, read noise, rounding and
 * clipping of @detected photons. */
static inline NB_HD double
nb_readout_finish (const NbReadout * r, uint32_t frame, uint64_t pixel,
    double detected)
{
  double gain = r->gain, counts;

  if (r->calibration_error > 0.0) {
    /* frame 0 for every frame: the error map is a property of the
     * detector, not of the exposure */
    NbCrng g;
    double factor;
    nb_crng_init (&g, r->calibration_seed, 0, pixel, NB_CRNG_CALIBRATION);
    factor = 1.0 + NB_DM_MUL (r->calibration_error, nb_crng_gauss (&g));
    gain = NB_DM_MUL (gain, factor > 0.0 ? factor : 0.0);
  }
  counts = NB_DM_MUL (detected, gain) + r->adc_offset;
  if (r->read_noise > 0.0) {
    NbCrng g;
    nb_crng_init (&g, r->seed, frame, pixel, NB_CRNG_READ_NOISE);
    counts += NB_DM_MUL (r->read_noise, nb_crng_gauss (&g));
  }
  /* clipping before rounding gives the same result (the cutoff is whole)
   * and keeps the rounding's argument small */
  if (!(counts > 0.0))          /* also a NaN input */
    return 0.0;
  if (counts >= r->cutoff)
    return r->cutoff;
  return nb_dm_floor (counts + 0.5);
}

/* The counts of one unmasked pixel of frame @frame (row-major index
 * @pixel) that received @photons (after the PSF); a whole number in
 * 0 .. cutoff.  @shared: the block the pixel's Poisson stream shares with
 * its neighbour (nb_crng.h) when the caller has it (the CPU computes them
 * for many pixels at once), or NULL.  Inlined whole into the caller's
 * loop: most pixels of a frame are dim and take the first branch. */
static inline NB_HD NB_FORCE_INLINE double
nb_readout_counts_from (const NbReadout * r, uint32_t frame, uint64_t pixel,
    double photons, const uint32_t * shared)
{
  double detected = photons;

  if (r->poisson) {
    if (shared != NULL && photons < NB_CRNG_POISSON_SMALL
        && nb_crng_first_uniform (shared, pixel) <= 1.0 - photons)
      /* a dim pixel's deviate is 0, as nb_crng_poisson finds from the
       * same first uniform, without setting up its stream */
      detected = 0.0;
    else
      detected = nb_readout_poisson (r, frame, pixel, photons, shared);
  }
  if (detected == 0.0 && r->calibration_error == 0.0 && r->read_noise == 0.0
      && r->adc_offset < r->cutoff)
    return nb_dm_floor (r->adc_offset + 0.5);   /* what finish gives */
  return nb_readout_finish (r, frame, pixel, detected);
}

static inline NB_HD double
nb_readout_counts (const NbReadout * r, uint32_t frame, uint64_t pixel,
    double photons)
{
  return nb_readout_counts_from (r, frame, pixel, photons, NULL);
}

/* One output sample of the PSF along a line: sum over taps t = -radius ..
 * radius of weights[t + radius] * line[pos + t * stride], taps outside
 * 0 .. n-1 skipped (those photons leave the detector).  Accumulated in
 * double, in tap order. */
static inline NB_HD double
nb_readout_psf_tap_sum (const float *line, int pos, int n, size_t stride,
    const double *weights, int radius)
{
  double sum = 0.0;
  int t0 = pos - radius < 0 ? radius - pos : 0;
  int t1 = pos + radius >= n ? radius + (n - 1 - pos) : 2 * radius;
  for (int t = t0; t <= t1; t++)
    sum += NB_DM_MUL (weights[t], (double) line[(size_t) (pos - radius + t)
            * stride]);
  return sum;
}

#endif /* NB_READOUT_PIXEL_H */
