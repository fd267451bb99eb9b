/* nb_readout.h - the detector readout on the CPU: photons -> counts with
 * gain, ADC offset, Poisson and read noise, a static calibration error, a
 * Gaussian point-spread function, a count cutoff and a masked value, on
 * all cores.  The per-pixel arithmetic is nb_readout_pixel.h, which the
 * CUDA readout shares, so the counts are the same bits on every backend
 * and for any thread count.
 *
 * This is the counter-based readout; nanoBragg's own serial generator
 * (-noisefile parity) stays in nb_image.h.
 */
#ifndef NB_READOUT_H
#define NB_READOUT_H

#include "nb_model.h"
#include "nb_readout_pixel.h"

#include <glib.h>

G_BEGIN_DECLS

/* The readout's parameters, for the names errors give them. */
typedef enum {
  NB_READOUT_FIELD_GAIN,
  NB_READOUT_FIELD_ADC_OFFSET,
  NB_READOUT_FIELD_READ_NOISE,
  NB_READOUT_FIELD_CALIBRATION_ERROR,
  NB_READOUT_FIELD_PSF_FWHM,
  NB_READOUT_FIELD_CUTOFF,
  NB_READOUT_N_FIELDS
} NbReadoutField;

/* The element's property names, one per NbReadoutField. */
extern const char *const nb_readout_property_names[NB_READOUT_N_FIELDS];

typedef enum {
  NB_COUNTS_S32,                /* gint32; masked pixels read masked_value */
  NB_COUNTS_U16,                /* guint16, clipped to 65535; masked
                                 * pixels read masked_value clipped to
                                 * 0 .. 65535 */
} NbCountsFormat;

typedef struct {
  gint64 overloads;             /* pixels at the count cutoff (or 65535) */
  gint64 masked;                /* pixels that read the masked value */
  double total;                 /* sum of the unmasked counts */
} NbReadoutStats;

/* gain 1, no offset, no noise of any kind, no PSF, cutoff 2^31 - 1,
 * masked value -1, seeds 1. */
void nb_readout_init_defaults (NbReadout * readout);

/* FALSE with an NB_ERROR_VALUE naming the parameter by @names (indexed
 * by NbReadoutField; NULL: nb_readout_property_names) when a value is out
 * of range: negative or non-finite gain, offset, read noise, calibration
 * error or FWHM, a FWHM wider than the PSF radius allows, a cutoff that
 * is not whole, above 2^31 - 1 or below the offset. */
gboolean nb_readout_check (const NbReadout * readout,
    const char *const *names, GError ** error);

/* The readout @p describes, with @gain counts per photon, for counts of
 * @format: Poisson noise when p->calculate_noise, p->adc_offset,
 * p->read_noise, p->psf_fwhm, p->calibration_error and _seed, the user's
 * seed (-p->seed: NbParams holds it negated, as nanoBragg does),
 * p->masked_value, and p->count_cutoff (-1: the format's maximum). */
void nb_readout_from_params (const NbParams * p, double gain,
    NbCountsFormat format, NbReadout * readout);

typedef struct _NbReadoutWork NbReadoutWork;

/* Scratch (PSF buffers) and threads (1 .. 64; <= 0: all cores) for
 * reading out frames; one frame at a time per work. */
NbReadoutWork *nb_readout_work_new (int threads);
void nb_readout_work_free (NbReadoutWork * work);

/* Reads out frame @frame: @photons (fpixels x spixels floats, as
 * rendered) -> @out (fpixels x spixels counts of @format).  @readout must
 * have passed nb_readout_check.  @stats may be NULL. */
void nb_readout_frame (NbReadoutWork * work, const NbReadout * readout,
    const NbDetector * det, guint32 frame, const float *photons,
    NbCountsFormat format, void *out, NbReadoutStats * stats);

/* The PSF's taps (2 * radius + 1 pixel-integrated Gaussian weights) for
 * @fwhm pixels; returns the radius (0: no PSF, weights[0] = 1). */
int nb_readout_psf_weights (double fwhm,
    double weights[2 * NB_READOUT_MAX_PSF_RADIUS + 1]);

/* out[i] = the block pixels 2 (first_pair + i) and 2 (first_pair + i) + 1
 * of frame @frame share for @purpose (nb_crng.h), for @n pairs at once:
 * with AVX2 where the CPU has it. */
void nb_readout_shared_blocks (uint64_t seed, uint32_t frame,
    uint64_t first_pair, int n, NbCrngPurpose purpose, uint32_t (*out)[4]);

G_END_DECLS

#endif /* NB_READOUT_H */
