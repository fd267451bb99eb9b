/* nb_params.c - defaults of the user inputs (nanoBragg.c's). */
#include "nb_params.h"
#include "nb_error.h"

#include <math.h>
#include <string.h>

static void
set3 (double v[3], double x, double y, double z)
{
  v[0] = x;
  v[1] = y;
  v[2] = z;
}

void
nb_params_init (NbParams * p)
{
  memset (p, 0, sizeof (*p));

  p->dump_file = g_strdup ("Fdump.bin");
  p->stol_file_mult = 1.0e10;
  p->float_file = g_strdup ("floatimage.bin");
  p->int_file = g_strdup ("intimage.img");
  p->pgm_file = g_strdup ("image.pgm");
  p->noise_file = g_strdup ("noiseimage.img");
  p->write_pgm = TRUE;
  p->calculate_noise = TRUE;
  p->noise_rng = NB_NOISE_RNG_NANOBRAGG;
  p->calibration_seed = 1;
  p->count_cutoff = -1.0;
  p->masked_value = -1;
  p->adc_offset = 40.0;

  p->Na = p->Nb = p->Nc = 1.0;
  p->density = 1.0;
  p->molecular_weight = 18.0;
  p->shape = NB_SHAPE_SQUARE;
  p->fudge = 1.0;
  p->interpolate = NB_INTERPOLATE_AUTO;

  p->wavelength = 1.0;
  p->dispsteps = -1;
  p->hdivrange = p->vdivrange = -1.0;
  p->hdivstep = p->vdivstep = -1.0;
  p->hdivsteps = p->vdivsteps = -1;
  p->round_div = TRUE;
  p->fluence = 125932015286227086360700780544.0;
  p->exposure = 1.0;
  p->beamsize = 0.1;

  p->convention = NB_CONVENTION_MOSFLM;
  p->pivot = NB_PIVOT_BEAM;
  p->distance = 100.0;
  p->close_distance = NAN;
  p->detsize_f = p->detsize_s = 102.4;
  p->pixel_size = 0.1;
  p->Xbeam = p->Ybeam = NAN;
  p->Xclose = p->Yclose = NAN;
  p->ORGX = p->ORGY = NAN;
  /* nanoBragg's initial vectors, used as they are by CUSTOM */
  set3 (p->fdet, 0, 0, 1);
  set3 (p->sdet, 0, -1, 0);
  set3 (p->odet, 1, 0, 0);
  set3 (p->beam, 1, 0, 0);
  set3 (p->polar_vector, 0, 0, 1);
  set3 (p->spindle, 0, 0, 1);
  set3 (p->twotheta_axis, 0, 1, 0);
  p->detector_abs = -1.0;
  p->detector_thicksteps = -1;
  p->oversample = -1;
  p->roi[0] = p->roi[1] = p->roi[2] = p->roi[3] = -1;

  p->osc = -1.0;
  p->phistep = -1.0;
  p->phisteps = -1;
  p->mosaic_spread = -1.0;
  p->mosaic_domains = -1;
  p->mosaic_seed = 12345678;
  p->seed = -(gint64) (g_get_real_time () / G_USEC_PER_SEC);

  p->printout_fpixel = p->printout_spixel = -1;
  p->progress = TRUE;
  p->precision = NB_PRECISION_FLOAT64;
}

void
nb_params_clear (NbParams * p)
{
  gchar **strings[] = { &p->hkl_file, &p->mat_file, &p->dump_file,
    &p->source_file, &p->spectrum_file, &p->mask_file, &p->img_file,
    &p->stol_file, &p->stolout_file, &p->float_file, &p->int_file, &p->pgm_file,
    &p->noise_file, &p->gpu_ids
  };
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
}

void
nb_params_copy (NbParams * dst, const NbParams * src)
{
  *dst = *src;
  dst->hkl_file = g_strdup (src->hkl_file);
  dst->gpu_ids = g_strdup (src->gpu_ids);
  dst->mat_file = g_strdup (src->mat_file);
  dst->dump_file = g_strdup (src->dump_file);
  dst->source_file = g_strdup (src->source_file);
  dst->spectrum_file = g_strdup (src->spectrum_file);
  dst->mask_file = g_strdup (src->mask_file);
  dst->img_file = g_strdup (src->img_file);
  dst->stol_file = g_strdup (src->stol_file);
  dst->stolout_file = g_strdup (src->stolout_file);
  dst->float_file = g_strdup (src->float_file);
  dst->int_file = g_strdup (src->int_file);
  dst->pgm_file = g_strdup (src->pgm_file);
  dst->noise_file = g_strdup (src->noise_file);
}

const gchar *
nb_convention_name (NbConvention c)
{
  switch (c) {
    case NB_CONVENTION_CUSTOM:
      return "custom";
    case NB_CONVENTION_ADXV:
      return "adxv";
    case NB_CONVENTION_MOSFLM:
      return "mosflm";
    case NB_CONVENTION_XDS:
      return "xds";
    case NB_CONVENTION_DIALS:
      return "dials";
    case NB_CONVENTION_DENZO:
      return "denzo";
  }
  return NULL;
}

gboolean
nb_params_check_roi (const NbParams * p, GError ** error)
{
  /* a negative bound means "the detector edge" (nanoBragg's); two given
   * bounds in the wrong order select no pixel at all: the image would be
   * all zeros, which no one asks for on purpose */
  static const char *axis[2] = { "x (fast)", "y (slow)" };
  for (int k = 0; k < 2; k++) {
    int lo = p->roi[2 * k], hi = p->roi[2 * k + 1];
    if (lo >= 0 && hi >= 0 && lo > hi) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
          "-roi (roi): %s range %d..%d is empty (min > max): no pixel "
          "would be rendered", axis[k], lo, hi);
      return FALSE;
    }
  }
  return TRUE;
}
