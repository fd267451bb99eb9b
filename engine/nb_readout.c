/* nb_readout.c - the CPU readout: the PSF in two separable passes, then
 * the per-pixel counts, each pass over bands of rows on all cores.
 * Compiled with -ffp-contract=off so that the arithmetic of
 * nb_readout_pixel.h rounds as it does on the GPU. */
#include "nb_readout.h"
#include "nb_error.h"
#include "nb_render.h"
#include "nb_workers.h"

#include <math.h>
#include <string.h>

const char *const nb_readout_property_names[NB_READOUT_N_FIELDS] = {
  [NB_READOUT_FIELD_GAIN] = "gain",
  [NB_READOUT_FIELD_ADC_OFFSET] = "adc-offset",
  [NB_READOUT_FIELD_READ_NOISE] = "read-noise",
  [NB_READOUT_FIELD_CALIBRATION_ERROR] = "calibration-error",
  [NB_READOUT_FIELD_PSF_FWHM] = "psf-fwhm",
  [NB_READOUT_FIELD_CUTOFF] = "count-cutoff",
};

/* FWHM of a Gaussian in units of its sigma: 2 sqrt(2 ln 2) */
#define NB_FWHM_PER_SIGMA 2.3548200450309493
/* taps reach 4 sigma: the Gaussian's mass beyond is 6e-5 */
#define NB_PSF_SIGMAS 4.0
#define NB_MAX_PSF_FWHM \
  (NB_READOUT_MAX_PSF_RADIUS / NB_PSF_SIGMAS * NB_FWHM_PER_SIGMA)

void
nb_readout_init_defaults (NbReadout * r)
{
  memset (r, 0, sizeof (*r));
  r->gain = 1.0;
  r->seed = 1;
  r->calibration_seed = 1;
  r->cutoff = (double) G_MAXINT32;
  r->masked_value = -1;
}

void
nb_readout_from_params (const NbParams * p, double gain,
    NbCountsFormat format, NbReadout * r)
{
  nb_readout_init_defaults (r);
  r->gain = gain;
  r->adc_offset = p->adc_offset;
  r->poisson = p->calculate_noise;
  r->read_noise = p->read_noise;
  r->calibration_error = p->calibration_error;
  r->calibration_seed = (uint64_t) p->calibration_seed;
  /* NbParams keeps nanoBragg's negated seed; the key is the user's */
  r->seed = (uint64_t) (-p->seed);
  r->psf_fwhm = p->psf_fwhm;
  r->masked_value = p->masked_value;
  /* only -1 means "the format's maximum": any other negative cutoff is
   * left for nb_readout_check to refuse */
  if (p->count_cutoff == -1.0)
    r->cutoff = format == NB_COUNTS_U16 ? 65535.0 : (double) G_MAXINT32;
  else
    r->cutoff = p->count_cutoff;
}

static gboolean
check_nonnegative (double value, NbReadoutField field,
    const char *const *names, GError ** error)
{
  if (isfinite (value) && value >= 0.0)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
      "%s must be a finite value >= 0 (got %g)", names[field], value);
  return FALSE;
}

gboolean
nb_readout_check (const NbReadout * r, const char *const *names,
    GError ** error)
{
  if (names == NULL)
    names = nb_readout_property_names;
  if (!(isfinite (r->gain) && r->gain > 0.0)) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s must be > 0 counts per photon (got %g)",
        names[NB_READOUT_FIELD_GAIN], r->gain);
    return FALSE;
  }
  if (!check_nonnegative (r->adc_offset, NB_READOUT_FIELD_ADC_OFFSET, names,
          error)
      || !check_nonnegative (r->read_noise, NB_READOUT_FIELD_READ_NOISE,
          names, error)
      || !check_nonnegative (r->calibration_error,
          NB_READOUT_FIELD_CALIBRATION_ERROR, names, error)
      || !check_nonnegative (r->psf_fwhm, NB_READOUT_FIELD_PSF_FWHM, names,
          error))
    return FALSE;
  if (r->psf_fwhm > NB_MAX_PSF_FWHM) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s must be at most %.1f pixels (got %g)",
        names[NB_READOUT_FIELD_PSF_FWHM], NB_MAX_PSF_FWHM, r->psf_fwhm);
    return FALSE;
  }
  if (!(r->cutoff == floor (r->cutoff) && r->cutoff <= (double) G_MAXINT32)) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s must be a whole number of counts up to %d (got %g)",
        names[NB_READOUT_FIELD_CUTOFF], G_MAXINT32, r->cutoff);
    return FALSE;
  }
  if (r->cutoff < r->adc_offset) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s (%g) is below %s (%g): every pixel would saturate",
        names[NB_READOUT_FIELD_CUTOFF], r->cutoff,
        names[NB_READOUT_FIELD_ADC_OFFSET], r->adc_offset);
    return FALSE;
  }
  return TRUE;
}

int
nb_readout_psf_weights (double fwhm,
    double weights[2 * NB_READOUT_MAX_PSF_RADIUS + 1])
{
  double sigma = fwhm / NB_FWHM_PER_SIGMA;
  int radius;

  if (!(fwhm > 0.0)) {
    weights[0] = 1.0;
    return 0;
  }
  radius = (int) ceil (NB_PSF_SIGMAS * sigma);
  radius = CLAMP (radius, 1, NB_READOUT_MAX_PSF_RADIUS);
  /* the Gaussian integrated over each pixel (not sampled at its centre),
   * so narrow PSFs keep their width; the taps sum to the mass within the
   * radius, i.e. the far tails are dropped rather than folded in */
  for (int t = -radius; t <= radius; t++) {
    double lo = (t - 0.5) / (sigma * M_SQRT2), hi = (t + 0.5) / (sigma * M_SQRT2);
    weights[t + radius] = 0.5 * (erf (hi) - erf (lo));
  }
  return radius;
}

/* The work's helper threads (engine/nb_workers.h) live as long as it: a
 * frame's passes wake them instead of creating threads. */
struct _NbReadoutWork {
  NbWorkers *workers;
  float *rows_blurred;          /* after the horizontal pass */
  float *blurred;               /* after both passes */
  gsize pixels;
};

NbReadoutWork *
nb_readout_work_new (int threads)
{
  NbReadoutWork *w = g_new0 (NbReadoutWork, 1);
  if (threads <= 0)
    threads = (int) g_get_num_processors ();
  w->workers = nb_workers_new ((guint) CLAMP (threads, 1, 64));
  return w;
}

void
nb_readout_work_free (NbReadoutWork * w)
{
  if (w == NULL)
    return;
  nb_workers_free (w->workers);
  g_free (w->rows_blurred);
  g_free (w->blurred);
  g_free (w);
}

typedef struct {
  const NbReadout *readout;
  const NbDetector *det;
  guint32 frame;
  const float *photons;         /* input of the pass */
  float *psf_out;               /* output of a PSF pass */
  double weights[2 * NB_READOUT_MAX_PSF_RADIUS + 1];
  int radius;
  NbCountsFormat format;
  void *out;
  int band_rows, bands;         /* the current pass's bands of rows */
  GMutex lock;
  NbReadoutStats stats;
} ReadoutJob;

typedef void (*BandFunc) (ReadoutJob * job, int row0, int row1);

typedef struct {
  ReadoutJob *job;
  BandFunc func;
} BandRunner;

static void
band_task (gpointer data, guint band)
{
  BandRunner *runner = data;
  ReadoutJob *job = runner->job;
  int row0 = (int) band * job->band_rows;
  runner->func (job, row0, MIN (row0 + job->band_rows, job->det->spixels));
}

/* @func over every band of rows, on the caller's thread and the work's
 * helpers; returns when all bands are done. */
static void
run_bands (NbReadoutWork * w, ReadoutJob * job, BandFunc func)
{
  BandRunner runner = { job, func };

  /* small bands balance the load; 4 rows keep a PSF pass's reads local */
  job->band_rows = 4;
  job->bands = (job->det->spixels + job->band_rows - 1) / job->band_rows;
  nb_workers_run (w->workers, (guint) job->bands, band_task, &runner);
}

static void
psf_rows (ReadoutJob * job, int row0, int row1)
{
  int width = job->det->fpixels;
  for (int s = row0; s < row1; s++) {
    const float *line = job->photons + (gsize) s * width;
    float *dst = job->psf_out + (gsize) s * width;
    for (int f = 0; f < width; f++)
      dst[f] = (float) nb_readout_psf_tap_sum (line, f, width, 1,
          job->weights, job->radius);
  }
}

static void
psf_columns (ReadoutJob * job, int row0, int row1)
{
  int width = job->det->fpixels, height = job->det->spixels;
  for (int s = row0; s < row1; s++)
    for (int f = 0; f < width; f++)
      job->psf_out[(gsize) s * width + f] =
          (float) nb_readout_psf_tap_sum (job->photons + f, s, height,
          (gsize) width, job->weights, job->radius);
}

/* ---- the shared first blocks of many pixels at once ----
 * Philox is integer arithmetic, so the 8-lane AVX2 version gives the same
 * words as nb_philox4x32_10, in about a third of the time; with one block
 * for two pixels that is most of the readout of a dim pixel. */

#define BATCH 256               /* pixels; BATCH / 2 + 1 pairs */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* the high and low 32 bits of the lane-wise products @m * @c (8 lanes) */
__attribute__ ((target ("avx2")))
static inline void
mulhilo8 (__m256i m, __m256i c, __m256i * hi, __m256i * lo)
{
  __m256i even = _mm256_mul_epu32 (m, c);
  __m256i odd = _mm256_mul_epu32 (m, _mm256_srli_epi64 (c, 32));
  *lo = _mm256_blend_epi32 (even, _mm256_slli_epi64 (odd, 32), 0xAA);
  *hi = _mm256_blend_epi32 (_mm256_srli_epi64 (even, 32), odd, 0xAA);
}

/* Pairs @first .. : returns how many it did (a multiple of 8; it stops
 * where the pair index's low word would wrap inside a group). */
__attribute__ ((target ("avx2")))
static int
shared_blocks_avx2 (const uint32_t key[2], uint32_t frame, uint64_t first,
    int n, NbCrngPurpose purpose, uint32_t (*out)[4])
{
  const __m256i m0 = _mm256_set1_epi32 ((int) NB_PHILOX_M0);
  const __m256i m1 = _mm256_set1_epi32 ((int) NB_PHILOX_M1);
  const __m256i step = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  int i = 0;

  for (; i + 8 <= n; i += 8) {
    uint64_t p = first + (uint64_t) i;
    uint32_t ctr[4], w[4][8];
    __m256i c0, c1, c2, c3;
    uint32_t k0 = key[0], k1 = key[1];
    if ((uint32_t) p > UINT32_MAX - 7)
      break;
    nb_crng_shared_counter (frame, p, purpose, ctr);
    c0 = _mm256_add_epi32 (_mm256_set1_epi32 ((int) ctr[0]), step);
    c1 = _mm256_set1_epi32 ((int) ctr[1]);
    c2 = _mm256_set1_epi32 ((int) ctr[2]);
    c3 = _mm256_setzero_si256 ();
    for (int round = 0; round < 10; round++) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo8 (m0, c0, &hi0, &lo0);
      mulhilo8 (m1, c2, &hi1, &lo1);
      c0 = _mm256_xor_si256 (_mm256_xor_si256 (hi1, c1),
          _mm256_set1_epi32 ((int) k0));
      c1 = lo1;
      c2 = _mm256_xor_si256 (_mm256_xor_si256 (hi0, c3),
          _mm256_set1_epi32 ((int) k1));
      c3 = lo0;
      k0 += NB_PHILOX_W0;
      k1 += NB_PHILOX_W1;
    }
    _mm256_storeu_si256 ((__m256i *) w[0], c0);
    _mm256_storeu_si256 ((__m256i *) w[1], c1);
    _mm256_storeu_si256 ((__m256i *) w[2], c2);
    _mm256_storeu_si256 ((__m256i *) w[3], c3);
    for (int l = 0; l < 8; l++)
      for (int j = 0; j < 4; j++)
        out[i + l][j] = w[j][l];
  }
  return i;
}
#endif

void
nb_readout_shared_blocks (uint64_t seed, uint32_t frame, uint64_t first_pair,
    int n, NbCrngPurpose purpose, uint32_t (*out)[4])
{
  const uint32_t key[2] = { (uint32_t) seed, (uint32_t) (seed >> 32) };
  int done = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports ("avx2"))
    done = shared_blocks_avx2 (key, frame, first_pair, n, purpose, out);
#endif
  for (int i = done; i < n; i++) {
    uint32_t ctr[4];
    nb_crng_shared_counter (frame, first_pair + (uint64_t) i, purpose, ctr);
    nb_philox4x32_10 (ctr, key, out[i]);
  }
}

/* Stores the counts @c of pixel @i in the job's format. */
static inline void
store_count (ReadoutJob * job, gsize i, double c, NbReadoutStats * local)
{
  const NbReadout *r = job->readout;
  if (job->format == NB_COUNTS_S32) {
    ((gint32 *) job->out)[i] = (gint32) c;
    local->overloads += c >= r->cutoff;
  } else {
    if (c > 65535.0)
      c = 65535.0;
    ((guint16 *) job->out)[i] = (guint16) c;
    local->overloads += c >= MIN (r->cutoff, 65535.0);
  }
  local->total += c;
}

/* The count @c into the 8 pixels from @i, and into the statistics as
 * store_count would count it for @n of them (the others are stored again
 * after). */
static inline void
store_dim8 (ReadoutJob * job, gsize i, double c, NbReadoutStats * local,
    int n)
{
  const NbReadout *r = job->readout;
  if (job->format == NB_COUNTS_S32) {
    gint32 *out = (gint32 *) job->out + i;
    for (int l = 0; l < 8; l++)
      out[l] = (gint32) c;
    local->overloads += c >= r->cutoff ? n : 0;
  } else {
    guint16 *out = (guint16 *) job->out + i;
    c = MIN (c, 65535.0);
    for (int l = 0; l < 8; l++)
      out[l] = (guint16) c;
    local->overloads += c >= MIN (r->cutoff, 65535.0) ? n : 0;
  }
  local->total += n * c;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Of 8 pixels with the 8 word pairs @words (pixel k: words 2k, 2k + 1,
 * as nb_crng_first_uniform reads them) and @photons, the lanes whose
 * first uniform u <= 1 - photons: dim pixels whose deviate is 0.  The
 * same doubles as the scalar test: w0 >> 5 and w1 >> 6 turned into
 * doubles by the 2^52 trick, n = a 2^26 + b (exact), (n + 0.5) 2^-53. */
__attribute__ ((target ("avx2")))
static int
dim_lanes8 (const uint32_t * words, const float *photons)
{
  const __m256i magic_bits = _mm256_set1_epi64x (0x4330000000000000LL);
  const __m256d magic = _mm256_set1_pd (4503599627370496.0);
  const __m256i low27 = _mm256_set1_epi64x (0x7FFFFFF);     /* w0 >> 5 */
  int mask = 0;
  for (int h = 0; h < 2; h++) {
    __m256i w = _mm256_loadu_si256 ((const __m256i *) (words + 8 * h));
    /* per 64-bit lane: low word w0, high word w1 */
    __m256i a = _mm256_and_si256 (_mm256_srli_epi64 (w, 5), low27);
    __m256i b = _mm256_srli_epi64 (w, 38);
    /* a < 2^27 and b < 2^26 become doubles exactly (the trick needs
     * < 2^52), then n = a 2^26 + b as the scalar code forms it */
    __m256d ad = _mm256_sub_pd (_mm256_castsi256_pd (_mm256_or_si256 (a,
                magic_bits)), magic);
    __m256d bd = _mm256_sub_pd (_mm256_castsi256_pd (_mm256_or_si256 (b,
                magic_bits)), magic);
    __m256d nd = _mm256_add_pd (_mm256_mul_pd (ad,
            _mm256_set1_pd (67108864.0)), bd);
    __m256d u = _mm256_mul_pd (_mm256_add_pd (nd, _mm256_set1_pd (0.5)),
        _mm256_set1_pd (1.0 / 9007199254740992.0));
    __m256d lam = _mm256_cvtps_pd (_mm_loadu_ps (photons + 4 * h));
    __m256d limit = _mm256_sub_pd (_mm256_set1_pd (1.0), lam);
    mask |= _mm256_movemask_pd (_mm256_cmp_pd (u, limit, _CMP_LE_OQ)) << (4
        * h);
  }
  return mask;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The noiseless counts of 8 pixels, as nb_readout_finish forms them for
 * a readout of gain and offset alone: photons x gain + offset (multiply,
 * then add), 0 for values that are not > 0 (NaN too: max_pd returns its
 * second operand then), rounded, then the cutoff (whole, so clipping
 * after rounding is the same as before). */
__attribute__ ((target ("avx2")))
static void
plain_lanes8 (const float *photons, double gain, double adc, double cutoff,
    double out[8])
{
  for (int h = 0; h < 2; h++) {
    __m256d p = _mm256_cvtps_pd (_mm_loadu_ps (photons + 4 * h));
    __m256d c = _mm256_add_pd (_mm256_mul_pd (p, _mm256_set1_pd (gain)),
        _mm256_set1_pd (adc));
    c = _mm256_max_pd (c, _mm256_setzero_pd ());
    c = _mm256_floor_pd (_mm256_add_pd (c, _mm256_set1_pd (0.5)));
    c = _mm256_min_pd (c, _mm256_set1_pd (cutoff));
    _mm256_storeu_pd (out + 4 * h, c);
  }
}
#endif

/* TRUE when one of the 8 pixels from (@f, @s) is 0 in the mask (-mask,
 * a preset's module gaps). */
static inline gboolean
any_masked8 (const NbDetector * d, int f, int s)
{
  const guint16 *m;

  if (d->mask == NULL)
    return FALSE;
  m = d->mask + (gsize) s * d->fpixels + f;
  return !(m[0] && m[1] && m[2] && m[3] && m[4] && m[5] && m[6] && m[7]);
}

/* The pixels [@i, @i + @n) of row @s, from column @f, whose shared blocks
 * start at pair @first_pair: 8 at a time through dim_lanes8 where the
 * readout has nothing but Poisson noise, gain and offset and the 8 pixels
 * are all unmasked; the rest one by one. */
static void
counts_span (ReadoutJob * job, int s, int f, gsize i, int n,
    const uint32_t (*blocks)[4], uint64_t first_pair, NbReadoutStats * local)
{
  const NbDetector *d = job->det;
  const NbReadout *r = job->readout;
  const uint32_t *words = &blocks[0][0];
  gboolean vector = FALSE;
  double dim_count = 0.0;
  int k = 0;

#if defined(__x86_64__) && defined(__GNUC__)
  /* gain and offset, with or without Poisson noise, on unmasked rows */
  vector = r->calibration_error == 0.0 && r->read_noise == 0.0
      && r->adc_offset < r->cutoff
      && s >= d->roi_ymin && s <= d->roi_ymax
      && __builtin_cpu_supports ("avx2");
  /* what nb_readout_counts_from gives a pixel of deviate 0 */
  dim_count = nb_dm_floor (r->adc_offset + 0.5);
#endif
  while (k < n) {
    int dim = 0, lanes = 1;
#if defined(__x86_64__) && defined(__GNUC__)
    if (vector && k + 8 <= n && f + k >= d->roi_xmin
        && f + k + 7 <= d->roi_xmax && !any_masked8 (d, f + k, s)) {
      if (!r->poisson) {
        double c[8];
        plain_lanes8 (job->photons + i + k, r->gain, r->adc_offset,
            r->cutoff, c);
        for (int l = 0; l < 8; l++)
          store_count (job, i + k + l, c[l], local);
        k += 8;
        continue;
      }
      dim = dim_lanes8 (words + 2 * (i + k - 2 * first_pair),
          job->photons + i + k);
      /* the dim lanes' count for all 8 (the total stays exact: whole
       * numbers below 2^53), then the others over their bits: no branch
       * per lane to mispredict in the groups where dim and bright mix */
      store_dim8 (job, i + k, dim_count, local, __builtin_popcount (dim));
      for (int rest = ~dim & 0xFF; rest != 0; rest &= rest - 1) {
        gsize p = i + k + (gsize) __builtin_ctz (rest);
        store_count (job, p, nb_readout_counts_from (r, job->frame, p,
                job->photons[p], blocks[(p >> 1) - first_pair]), local);
      }
      k += 8;
      continue;
    }
#endif
    for (int l = 0; l < lanes; l++, k++) {
      gsize p = i + k;
      if (dim & (1 << l)) {
        store_count (job, p, dim_count, local);
        continue;
      }
      if (nb_pixel_skipped (d, f + k, s)) {
        local->masked++;
        if (job->format == NB_COUNTS_S32)
          ((gint32 *) job->out)[p] = r->masked_value;
        else
          ((guint16 *) job->out)[p] = (guint16) CLAMP (r->masked_value, 0,
              65535);
        continue;
      }
      store_count (job, p, nb_readout_counts_from (r, job->frame, p,
              job->photons[p], r->poisson ? blocks[(p >> 1) - first_pair]
              : NULL), local);
    }
  }
}

static void
counts_rows (ReadoutJob * job, int row0, int row1)
{
  const NbDetector *d = job->det;
  const NbReadout *r = job->readout;
  NbReadoutStats local = { 0, 0, 0.0 };
  uint32_t blocks[BATCH / 2 + 1][4];

  for (int s = row0; s < row1; s++)
    for (int f = 0; f < d->fpixels; f += BATCH) {
      gsize i = (gsize) s * d->fpixels + f;
      int n = MIN (BATCH, d->fpixels - f);
      uint64_t first_pair = i >> 1;
      if (r->poisson)
        nb_readout_shared_blocks (r->seed, job->frame, first_pair,
            (int) (((i + n - 1) >> 1) - first_pair + 1), NB_CRNG_POISSON,
            blocks);
      counts_span (job, s, f, i, n, (const uint32_t (*)[4]) blocks,
          first_pair, &local);
    }
  g_mutex_lock (&job->lock);
  job->stats.overloads += local.overloads;
  job->stats.masked += local.masked;
  job->stats.total += local.total;
  g_mutex_unlock (&job->lock);
}

void
nb_readout_frame (NbReadoutWork * w, const NbReadout * r,
    const NbDetector * d, guint32 frame, const float *photons,
    NbCountsFormat format, void *out, NbReadoutStats * stats)
{
  ReadoutJob job;
  gsize pixels = (gsize) d->fpixels * d->spixels;

  memset (&job, 0, sizeof (job));
  g_mutex_init (&job.lock);
  job.readout = r;
  job.det = d;
  job.frame = frame;
  job.format = format;
  job.out = out;
  job.radius = nb_readout_psf_weights (r->psf_fwhm, job.weights);
  job.photons = photons;

  if (job.radius > 0) {
    if (w->pixels != pixels) {
      g_free (w->rows_blurred);
      g_free (w->blurred);
      w->rows_blurred = g_new (float, pixels);
      w->blurred = g_new (float, pixels);
      w->pixels = pixels;
    }
    job.psf_out = w->rows_blurred;
    run_bands (w, &job, psf_rows);
    job.photons = w->rows_blurred;
    job.psf_out = w->blurred;
    run_bands (w, &job, psf_columns);
    job.photons = w->blurred;
  }
  run_bands (w, &job, counts_rows);
  g_mutex_clear (&job.lock);
  if (stats != NULL)
    *stats = job.stats;
}
