/* nb_model.c - assembles the derived model from the parameters. */
#include "nb_model.h"
#include "nb_error.h"
#include "nb_args.h"
#include "nb_presets.h"
#include "nb_smv.h"
#include "nb_vec.h"

#include <math.h>
#include <string.h>

#define AVOGADRO 6.02214179e23
#define R_E_SQR 7.94079248018965e-30    /* Thomson cross section, m^2 */

static gboolean
load_structure_factors (NbModel * m, const NbParams * p, GError ** error)
{
  if (p->hkl_file != NULL) {
    m->xtal.hkl = nb_hkl_read_text (p->hkl_file, p->default_F, error);
    return m->xtal.hkl != NULL;
  }
  if (p->dump_file != NULL && g_file_test (p->dump_file, G_FILE_TEST_EXISTS)) {
    m->xtal.hkl = nb_hkl_read_dump (p->dump_file, error);
    return m->xtal.hkl != NULL;
  }
  if (p->default_F == 0.0) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "-hkl (hkl-file): no structure factors: no HKL file, no %s cache "
        "and -default_F is 0", p->dump_file ? p->dump_file : "Fdump");
    return FALSE;
  }
  m->xtal.hkl = nb_hkl_new_empty ();
  return TRUE;
}

/* Crystal size from -samplesize (clipped by the beam), else N cells. */
static void
init_crystal_size (NbModel * m, const NbParams * p)
{
  NbCrystal *x = &m->xtal;
  double sx = p->sample_x / 1000, sy = p->sample_y / 1000;
  double sz = p->sample_z / 1000;
  double beamsize = p->beamsize / 1000;
  double reciprocal_pixel_size;

  if (beamsize >= 0) {
    if (beamsize < sy)
      sy = beamsize;
    if (beamsize < sz)
      sz = beamsize;
  }
  if (sx > 0)
    x->Na = ceil (sx / nb_vec_norm (x->a0));
  if (sy > 0)
    x->Nb = ceil (sy / nb_vec_norm (x->b0));
  if (sz > 0)
    x->Nc = ceil (sz / nb_vec_norm (x->c0));
  if (x->Na <= 1.0)
    x->Na = 1.0;
  if (x->Nb <= 1.0)
    x->Nb = 1.0;
  if (x->Nc <= 1.0)
    x->Nc = 1.0;
  x->xtalsize_max = MAX (MAX (nb_vec_norm (x->a0) * x->Na,
          nb_vec_norm (x->b0) * x->Nb), nb_vec_norm (x->c0) * x->Nc);
  reciprocal_pixel_size = m->lambda0 * m->det.distance / m->det.pixel_size;
  x->recommended_oversample =
      (int) ceil (3.0 * x->xtalsize_max / reciprocal_pixel_size);
  if (x->recommended_oversample <= 0)
    x->recommended_oversample = 1;
}

static gboolean
load_mask (NbModel * m, const NbParams * p, GError ** error)
{
  NbSmvImage *img;

  if (p->mask_file == NULL)
    return TRUE;
  img = nb_smv_read (p->mask_file, error);
  if (img == NULL)
    return FALSE;
  if (img->width != m->det.fpixels || img->height != m->det.spixels) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "-mask (mask-file): %s is %dx%d pixels but the detector is %dx%d",
        p->mask_file, img->width, img->height, m->det.fpixels,
        m->det.spixels);
    nb_smv_image_free (img);
    return FALSE;
  }
  m->det.mask = img->data;
  img->data = NULL;
  nb_smv_image_free (img);
  return TRUE;
}

/* A preset's gaps between modules join the mask: they are not rendered
 * and read out as the masked value, as pixels 0 in -mask are. */
static void
mask_module_gaps (NbDetector * d, const NbParams * p)
{
  const NbDetectorLayout *l = nb_detector_layout (p->detector);

  if (l == NULL)
    return;
  if (d->mask == NULL) {
    d->mask = g_new (guint16, (gsize) d->fpixels * d->spixels);
    for (gsize i = 0; i < (gsize) d->fpixels * d->spixels; i++)
      d->mask[i] = 1;
  }
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++)
      if (nb_detector_layout_is_gap (l, f, s))
        d->mask[(gsize) s * d->fpixels + f] = 0;
}

NbModel *
nb_model_new (const NbParams * params, GString * log, GError ** error)
{
  NbModel *m;
  NbParams *p;

  if (!nb_params_validate (params, error))
    return NULL;

  m = g_new0 (NbModel, 1);
  nb_params_copy (&m->params, params);
  p = &m->params;
  /* callers that fill NbParams by hand get the preset too */
  nb_params_apply_detector_preset (p);
  m->r_e_sqr = R_E_SQR;
  m->lambda0 = p->wavelength / 1.0e10;

  if (!nb_detector_init (&m->det, p, error))
    goto fail;
  if (log) {
    g_string_append_printf (log, "%s convention selected.\n",
        nb_convention_name (m->det.convention));
    g_string_append_printf (log, "pivoting detector around %s\n",
        m->det.pivot == NB_PIVOT_SAMPLE ? "sample" : "direct beam spot");
  }

  m->flux = p->flux;
  m->exposure = p->exposure;
  m->beamsize = p->beamsize / 1000;
  m->fluence = p->fluence;
  if (m->flux != 0.0 && m->exposure > 0.0 && m->beamsize >= 0)
    m->fluence = m->flux * m->exposure / m->beamsize / m->beamsize;
  if (m->exposure > 0.0)
    m->flux = m->fluence / m->exposure * m->beamsize * m->beamsize;

  if (!nb_crystal_init (&m->xtal, p, m->lambda0, log, error))
    goto fail;
  init_crystal_size (m, p);
  m->det.oversample = p->oversample;
  if (m->det.oversample <= 0) {
    m->det.oversample = m->xtal.recommended_oversample;
    if (log)
      g_string_append_printf (log, "auto-selected %d-fold oversampling\n",
          m->det.oversample);
  }
  m->det.subpixel_size = m->det.pixel_size / m->det.oversample;

  if (!load_structure_factors (m, p, error))
    goto fail;
  if (m->xtal.hkl->count == 0)
    m->xtal.interpolate = FALSE;
  if (!load_mask (m, p, error))
    goto fail;
  mask_module_gaps (&m->det, p);

  if (!nb_sources_init (m, p, error))
    goto fail;
  if (!nb_mosaic_init (m, p, error))
    goto fail;
  nb_spindle_init (m, p);

  m->polarization = p->polarization;
  m->nopolar = p->nopolar;
  m->dmin = p->dmin * 1e-10;
  m->water_size = p->water / 1e6;
  /* nanoBragg's water term (F = 2.57 forward scattering, MW 18, 1 g/cm^3);
   * it is scaled by r_e^2 fluence again with the Bragg term */
  m->I_bg = 2.57 * 2.57 * m->r_e_sqr * m->fluence * m->water_size
      * m->water_size * m->water_size * 1e6 * AVOGADRO / 18.0;
  {
    double steps = (double) m->n_sources * m->n_mosaic * m->phisteps
        * m->det.oversample * m->det.oversample;
    if (steps > G_MAXINT) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
          "sources x mosaic domains x phi steps x oversample^2 = %.3g steps "
          "per pixel is more than this engine counts (2^31)", steps);
      goto fail;
    }
    m->steps = (int) steps;
  }
  return m;

fail:
  nb_model_free (m);
  return NULL;
}

void
nb_model_free (NbModel * m)
{
  if (m == NULL)
    return;
  nb_hkl_free (m->xtal.hkl);
  g_free (m->det.mask);
  g_free (m->sources);
  g_free (m->mosaic_umats);
  nb_params_clear (&m->params);
  g_free (m);
}

double
nb_model_frame_phi_deg (const NbModel * m, gint64 index)
{
  const double RTD = 180.0 * M_1_PI;
  double osc_deg = m->params.osc >= 0 ? m->params.osc : m->osc * RTD;
  return m->params.phi + (double) index * osc_deg;
}

double
nb_model_frame_phi (const NbModel * m, gint64 index)
{
  /* in degrees first, so that frame i is bit-identical to a run with
   * -phi (phi + i * osc) */
  return nb_model_frame_phi_deg (m, index) / (180.0 * M_1_PI);
}
