/* nb_detector.c - detector geometry: size, convention, pivot, rotations.
 *
 * Follows nanoBragg's order of derivation exactly: beam centre defaults,
 * the convention's axes, then either the near point (sample pivot) or the
 * beam spot (beam pivot) fixes pix0 before/after the detector rotations,
 * and the other centre is recomputed from pix0.  Quirks kept on purpose:
 * -pix0_vector is ignored; conventions other than CUSTOM force their pivot;
 * close_distance comes from odet rotated without two-theta.
 */
#include "nb_model.h"
#include "nb_error.h"
#include "nb_vec.h"

#include <float.h>
#include <math.h>
#include <string.h>

static void
set3 (double v[3], double x, double y, double z)
{
  v[0] = x;
  v[1] = y;
  v[2] = z;
}

/* Axes of the conventions, as (beam, fdet, sdet, odet, twotheta, polar, spindle). */
static void
apply_convention_axes (NbDetector * d)
{
  switch (d->convention) {
    case NB_CONVENTION_ADXV:
      set3 (d->beam, 0, 0, 1);
      set3 (d->fdet, 1, 0, 0);
      set3 (d->sdet, 0, -1, 0);
      set3 (d->odet, 0, 0, 1);
      set3 (d->twotheta_axis, -1, 0, 0);
      set3 (d->polar_vector, 1, 0, 0);
      set3 (d->spindle, 1, 0, 0);
      break;
    case NB_CONVENTION_MOSFLM:
    case NB_CONVENTION_DENZO:
      set3 (d->beam, 1, 0, 0);
      set3 (d->odet, 1, 0, 0);
      set3 (d->fdet, 0, 0, 1);
      set3 (d->sdet, 0, -1, 0);
      set3 (d->twotheta_axis, 0, 0, -1);
      set3 (d->polar_vector, 0, 0, 1);
      set3 (d->spindle, 0, 0, 1);
      break;
    case NB_CONVENTION_XDS:
      set3 (d->beam, 0, 0, 1);
      set3 (d->fdet, 1, 0, 0);
      set3 (d->sdet, 0, 1, 0);
      set3 (d->odet, 0, 0, 1);
      set3 (d->twotheta_axis, 1, 0, 0);
      set3 (d->polar_vector, 1, 0, 0);
      set3 (d->spindle, 1, 0, 0);
      break;
    case NB_CONVENTION_DIALS:
      set3 (d->beam, 0, 0, 1);
      set3 (d->fdet, 1, 0, 0);
      set3 (d->sdet, 0, 1, 0);
      set3 (d->odet, 0, 0, 1);
      set3 (d->twotheta_axis, 0, 1, 0);
      set3 (d->polar_vector, 0, 1, 0);
      set3 (d->spindle, 0, 1, 0);
      break;
    case NB_CONVENTION_CUSTOM:
      break;
  }
}

/* nanoBragg's rules for the layer count and spacing of a thick sensor. */
static void
init_thickness (NbDetector * d, const NbParams * p)
{
  double thick = p->detector_thick * 1e-6;
  double thickstep = -1.0;
  int thicksteps = p->detector_thicksteps;

  if (thicksteps <= 0) {
    thicksteps = 2;
    thickstep = thick / thicksteps;
  } else {
    if (thicksteps <= 1)
      thicksteps = 2;
    thickstep = thick / (thicksteps - 1);
  }
  if (p->detector_abs < 0)
    d->mu = -1.0;
  else if (p->detector_abs == 0)
    d->mu = 0.0;
  else
    d->mu = 1.0 / (p->detector_abs * 1e-6);
  if (thick > 0.0 && d->mu < 0.0)
    d->mu = 1.0 / thick;
  if (thick <= 0.0 || thickstep <= 0.0 || thicksteps <= 0) {
    thicksteps = 1;
    thick = 0.0;
    thickstep = 0.0;
  }
  d->thick = thick;
  d->thickstep = thickstep;
  d->thicksteps = thicksteps;
}

gboolean
nb_detector_init (NbDetector * d, const NbParams * p, GError ** error)
{
  const double RTD = 180.0 * M_1_PI;
  double Fclose, Sclose, Fbeam, Sbeam, Xbeam, Ybeam, Xclose, Yclose;
  double distance, close_distance, ratio;
  double v[3], nv[3];

  memset (d, 0, sizeof (*d));
  d->convention = p->convention;
  d->pivot = p->pivot;
  d->pixel_size = p->pixel_size / 1000.0;
  d->detsize_f = p->detsize_f / 1000.0;
  d->detsize_s = p->detsize_s / 1000.0;
  if (p->fpixels)
    d->detsize_f = d->pixel_size * p->fpixels;
  if (p->spixels)
    d->detsize_s = d->pixel_size * p->spixels;
  d->fpixels = (int) ceil (d->detsize_f / d->pixel_size - 0.5);
  d->spixels = (int) ceil (d->detsize_s / d->pixel_size - 0.5);
  if (d->fpixels <= 0 || d->spixels <= 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "-detpixels/-detsize: the detector has no pixels (%d x %d)",
        d->fpixels, d->spixels);
    return FALSE;
  }

  /* defaults of the two "beam centres" */
  Fclose = Sclose = Fbeam = Sbeam = NAN;
  Xbeam = p->Xbeam / 1000.0;
  Ybeam = p->Ybeam / 1000.0;
  Xclose = p->Xclose / 1000.0;
  Yclose = p->Yclose / 1000.0;
  if (!isnan (p->ORGX))
    Fclose = (p->ORGX - 0.5) * d->pixel_size;
  if (!isnan (p->ORGY))
    Sclose = (p->ORGY - 0.5) * d->pixel_size;
  if (isnan (Fclose))
    Fclose = (d->detsize_f - 0 * d->pixel_size) / 2.0;
  if (isnan (Sclose))
    Sclose = (d->detsize_s + 0 * d->pixel_size) / 2.0;
  if (isnan (Xclose))
    Xclose = Fclose;
  if (isnan (Yclose))
    Yclose = Sclose;
  Fbeam = Fclose;
  Sbeam = Sclose;

  d->roi_xmin = p->roi[0] < 0 ? 0 : p->roi[0];
  d->roi_xmax = p->roi[1] < 0 ? d->fpixels : p->roi[1];
  d->roi_ymin = p->roi[2] < 0 ? 0 : p->roi[2];
  d->roi_ymax = p->roi[3] < 0 ? d->spixels : p->roi[3];

  /* CUSTOM keeps the user's vectors; the others replace them */
  nb_vec_copy (p->beam, d->beam);
  nb_vec_copy (p->fdet, d->fdet);
  nb_vec_copy (p->sdet, d->sdet);
  nb_vec_copy (p->odet, d->odet);
  nb_vec_copy (p->twotheta_axis, d->twotheta_axis);
  nb_vec_copy (p->polar_vector, d->polar_vector);
  nb_vec_copy (p->spindle, d->spindle);
  apply_convention_axes (d);

  switch (d->convention) {
    case NB_CONVENTION_ADXV:
      if (isnan (Xbeam))
        Xbeam = (d->detsize_f + d->pixel_size) / 2.0;
      if (isnan (Ybeam))
        Ybeam = (d->detsize_s - d->pixel_size) / 2.0;
      Fbeam = Xbeam;
      Sbeam = d->detsize_s - Ybeam;
      d->pivot = NB_PIVOT_BEAM;
      break;
    case NB_CONVENTION_MOSFLM:
    case NB_CONVENTION_DENZO:
      if (isnan (Xbeam))
        Xbeam = (d->detsize_s + d->pixel_size) / 2.0;
      if (isnan (Ybeam))
        Ybeam = (d->detsize_f + d->pixel_size) / 2.0;
      /* MOSFLM measures to pixel centres, DENZO to pixel corners */
      if (d->convention == NB_CONVENTION_MOSFLM) {
        Fbeam = Ybeam + 0.5 * d->pixel_size;
        Sbeam = Xbeam + 0.5 * d->pixel_size;
      } else {
        Fbeam = Ybeam + 0.0 * d->pixel_size;
        Sbeam = Xbeam + 0.0 * d->pixel_size;
      }
      d->pivot = NB_PIVOT_BEAM;
      break;
    case NB_CONVENTION_XDS:
    case NB_CONVENTION_DIALS:
      if (isnan (Xbeam))
        Xbeam = Xclose;
      if (isnan (Ybeam))
        Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      d->pivot = NB_PIVOT_SAMPLE;
      break;
    case NB_CONVENTION_CUSTOM:
      if (isnan (Xbeam))
        Xbeam = Xclose;
      if (isnan (Ybeam))
        Ybeam = Yclose;
      Fbeam = Xbeam;
      Sbeam = Ybeam;
      Fclose = Xbeam;
      Sclose = Ybeam;
      break;
  }

  /* unit vectors; a missing normal is made from the two pixel axes */
  nb_vec_unitize (d->beam, d->beam);
  nb_vec_unitize (d->fdet, d->fdet);
  nb_vec_unitize (d->sdet, d->sdet);
  if (nb_vec_unitize (d->odet, d->odet) != 1.0) {
    nb_vec_cross (d->fdet, d->sdet, d->odet);
    nb_vec_unitize (d->odet, d->odet);
  }
  nb_vec_unitize (d->polar_vector, d->polar_vector);
  nb_vec_unitize (d->spindle, d->spindle);
  nb_vec_cross (d->beam, d->polar_vector, d->vert_vector);
  nb_vec_unitize (d->vert_vector, d->vert_vector);
  if (nb_vec_norm (d->beam) == 0 || nb_vec_norm (d->fdet) == 0
      || nb_vec_norm (d->sdet) == 0 || nb_vec_norm (d->spindle) == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "-beam_vector/-fdet_vector/-sdet_vector/-spindle_axis: "
        "a direction vector is zero");
    return FALSE;
  }

  init_thickness (d, p);

  d->rot[0] = p->detector_rot[0] / RTD;
  d->rot[1] = p->detector_rot[1] / RTD;
  d->rot[2] = p->detector_rot[2] / RTD;
  d->twotheta = p->twotheta / RTD;
  distance = p->distance / 1000.0;
  close_distance = p->close_distance / 1000.0;

  /* relation of the two distances: odet rotated, without two-theta */
  nb_vec_rotate_xyz (d->odet, d->rot[0], d->rot[1], d->rot[2], v);
  ratio = nb_vec_dot (d->beam, v);
  if (ratio == 0.0)
    ratio = DBL_MIN;
  if (isnan (close_distance))
    close_distance = fabs (ratio * distance);
  distance = close_distance / ratio;

  if (d->pivot == NB_PIVOT_SAMPLE) {
    for (int i = 0; i < 3; i++)
      d->pix0[i] = -Fclose * d->fdet[i] - Sclose * d->sdet[i]
          + close_distance * d->odet[i];
    nb_vec_rotate_xyz (d->pix0, d->rot[0], d->rot[1], d->rot[2], d->pix0);
    nb_vec_rotate_axis (d->pix0, d->twotheta_axis, d->twotheta, d->pix0);
  }
  nb_vec_rotate_xyz (d->fdet, d->rot[0], d->rot[1], d->rot[2], d->fdet);
  nb_vec_rotate_xyz (d->sdet, d->rot[0], d->rot[1], d->rot[2], d->sdet);
  nb_vec_rotate_xyz (d->odet, d->rot[0], d->rot[1], d->rot[2], d->odet);
  nb_vec_rotate_axis (d->fdet, d->twotheta_axis, d->twotheta, d->fdet);
  nb_vec_rotate_axis (d->sdet, d->twotheta_axis, d->twotheta, d->sdet);
  nb_vec_rotate_axis (d->odet, d->twotheta_axis, d->twotheta, d->odet);
  if (d->pivot == NB_PIVOT_BEAM) {
    for (int i = 0; i < 3; i++)
      d->pix0[i] = -Fbeam * d->fdet[i] - Sbeam * d->sdet[i]
          + distance * d->beam[i];
  }

  /* recompute both centres from the final pix0 */
  Fclose = -nb_vec_dot (d->pix0, d->fdet);
  Sclose = -nb_vec_dot (d->pix0, d->sdet);
  close_distance = nb_vec_dot (d->pix0, d->odet);
  for (int i = 0; i < 3; i++)
    nv[i] = close_distance / ratio * d->beam[i] - d->pix0[i];
  Fbeam = nb_vec_dot (d->fdet, nv);
  Sbeam = nb_vec_dot (d->sdet, nv);
  distance = close_distance / ratio;
  if (!(close_distance > 0) || !isfinite (distance)) {
    g_set_error (error, NB_ERROR, NB_ERROR_MODEL,
        "detector geometry: the detector plane does not face the sample "
        "(close distance %g mm)", close_distance * 1000.0);
    return FALSE;
  }

  d->ORGX = Fclose / d->pixel_size + 0.5;
  d->ORGY = Sclose / d->pixel_size + 0.5;
  d->dials_origin[0] = 1000.0 * d->pix0[2];
  d->dials_origin[1] = 1000.0 * d->pix0[1];
  d->dials_origin[2] = 1000.0 * -d->pix0[0];

  d->distance = distance;
  d->close_distance = close_distance;
  d->Xbeam = Xbeam;
  d->Ybeam = Ybeam;
  d->Fbeam = Fbeam;
  d->Sbeam = Sbeam;
  d->Xclose = Xclose;
  d->Yclose = Yclose;
  d->Fclose = Fclose;
  d->Sclose = Sclose;
  d->curved = p->curved_det;
  d->point_pixel = p->point_pixel;
  d->oversample_thick = p->oversample_thick;
  d->oversample_polar = p->oversample_polar;
  d->oversample_omega = p->oversample_omega;
  return TRUE;
}
