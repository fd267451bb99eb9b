/* nb_nonbragg_pixel.h - the per-pixel sum of the amorphous background,
 * shared by the CPU (nb_nonbragg.c) and the CUDA backend
 * (cuda/nb_cuda_background.cu), so both evaluate the same formulas in the
 * same order.
 *
 * nonBragg.c's order: sub-pixels (slow, fast) x sensor layers x sources;
 * per visit the solid angle pixel_size^2 / R^2 * close_distance / R (or
 * 1 / R^2 with point_pixel) and the layer's capture fraction, per source
 * the polarization factor and F(stol) by four-point interpolation.  Each
 * component sums sign(F) F^2 polar omega weight capture; the pixel is
 * sum over components of I_c r_e^2 fluence molecules_c / steps.
 */
#ifndef NB_NONBRAGG_PIXEL_H
#define NB_NONBRAGG_PIXEL_H

#include "nb_nonbragg.h"
#include "nb_physics.h"
#include "nb_vec.h"

/* Index of the last point of @stol (n points, strictly increasing, the
 * guards included) that is <= @x, clamped to [1, n - 3]: the point
 * nonBragg's walk of its "nearest" index ends on (independent of where
 * the walk starts for an increasing table). */
static inline NB_HD int
nb_stol_nearest (const double *stol, int n, double x)
{
  int lo = 1, hi = n - 3;       /* stol[1] = -1e98 <= x < stol[n - 2] */

  if (!(x >= stol[hi]))
    while (hi - lo > 1) {
      int mid = lo + (hi - lo) / 2;
      if (stol[mid] <= x)
        lo = mid;
      else
        hi = mid;
    }
  else
    lo = hi;
  return lo;
}

/* nonBragg's four-point polynomial through (xa[0..3], ya[0..3]) at @x,
 * term by term in its order. */
static inline NB_HD double
nb_stol_polint (const double *xa, const double *ya, double x)
{
  double x0, x1, x2, x3;
  x0 = (x - xa[1]) * (x - xa[2]) * (x - xa[3]) * ya[0]
      / ((xa[0] - xa[1]) * (xa[0] - xa[2]) * (xa[0] - xa[3]));
  x1 = (x - xa[0]) * (x - xa[2]) * (x - xa[3]) * ya[1]
      / ((xa[1] - xa[0]) * (xa[1] - xa[2]) * (xa[1] - xa[3]));
  x2 = (x - xa[0]) * (x - xa[1]) * (x - xa[3]) * ya[2]
      / ((xa[2] - xa[0]) * (xa[2] - xa[1]) * (xa[2] - xa[3]));
  x3 = (x - xa[0]) * (x - xa[1]) * (x - xa[2]) * ya[3]
      / ((xa[3] - xa[0]) * (xa[3] - xa[1]) * (xa[3] - xa[2]));
  return x0 + x1 + x2 + x3;
}

static inline NB_HD double
nb_stol_interpolate (const double *stol, const double *F, int n, double x)
{
  int nearest = nb_stol_nearest (stol, n, x);
  return nb_stol_polint (stol + nearest - 1, F + nearest - 1, x);
}

/* Background photons of pixel (@fpixel, @spixel); adds the solid angles
 * visited to *@omega_sum.  The caller skips ROI/mask pixels. */
static inline NB_HD double
nb_background_pixel (const NbBgKernel * k, const NbDetector * d,
    int fpixel, int spixel, double *omega_sum)
{
  double I[NB_BG_MAX_COMPONENTS];
  double axis[3];
  double total = 0.0;
  const int os = d->oversample;

  for (int c = 0; c < k->n_components; c++)
    I[c] = 0.0;
  nb_vec_copy (d->polar_vector, axis);
  for (int subS = 0; subS < os; subS++) {
    for (int subF = 0; subF < os; subF++) {
      for (int thick_tic = 0; thick_tic < d->thicksteps; thick_tic++) {
        double pos[3], diffracted[3], airpath, omega, capture;

        nb_subpixel_position (d, fpixel, spixel, subF, subS,
            thick_tic * d->thickstep, pos);
        airpath = nb_vec_unitize (pos, diffracted);
        omega = d->pixel_size * d->pixel_size / airpath / airpath
            * d->close_distance / airpath;
        if (d->point_pixel)
          omega = 1.0 / airpath / airpath;
        *omega_sum += omega;
        if (d->thick > 0.0) {
          double parallax = nb_vec_dot (diffracted, d->odet);
          capture = exp (-thick_tic * d->thickstep * d->mu / parallax)
              - exp (-(thick_tic + 1) * d->thickstep * d->mu / parallax);
        } else {
          capture = 1.0;
        }
        for (int s = 0; s < k->n_sources; s++) {
          const NbSource *src = &k->sources[s];
          double incident[3], scattering[3], stol, polar = 1.0;
          double weight = k->source_weights ? src->weight : src->share;

          stol = nb_scattering_vector (src, diffracted, incident,
              scattering);
          if (!k->nopolar)
            polar = nb_polarization_factor (k->polarization, incident,
                diffracted, axis);
          for (int c = 0; c < k->n_components; c++) {
            double F = nb_stol_interpolate (k->stol[c], k->F[c],
                k->n_points[c], stol);
            /* negative F gives negative intensity, as in nonBragg */
            double sign = F < 0.0 ? -1.0 : 1.0;
            I[c] += sign * F * F * polar * omega * weight * capture;
          }
        }
      }
    }
  }
  for (int c = 0; c < k->n_components; c++)
    total += I[c] * k->r_e_sqr * k->fluence * k->molecules[c] / k->steps;
  return total;
}

#endif /* NB_NONBRAGG_PIXEL_H */
