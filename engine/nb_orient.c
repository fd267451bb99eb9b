/* nb_orient.c - per-frame tables shared by the backends: crystal
 * orientations of every phi step and mosaic domain, and which pixels are
 * rendered. */
#include "nb_render.h"
#include "nb_vec.h"

/* Orientation of every (phi step, domain) of a frame starting at @phi.
 *
 * With phi_carryover, a step at exactly phi == 0 is not rotated and keeps
 * the orientation of the previous step nanoBragg computed: the last
 * nonzero phi of the previous phi loop, or the unrotated crystal for the
 * first phi loop of the image (@first).  This is nanoBragg's single-thread
 * behaviour, reproduced independently of our thread count. */
void
nb_orientations_build (const NbModel * m, double phi_start, gboolean first,
    double *orient)
{
  const NbCrystal *x = &m->xtal;
  gboolean carryover = m->params.phi_carryover;
  double ap[3], bp[3], cp[3];

  nb_vec_copy (x->a0, ap);
  nb_vec_copy (x->b0, bp);
  nb_vec_copy (x->c0, cp);
  if (carryover && !first) {
    /* carried in: the last step of a phi loop that rotated */
    for (int t = m->phisteps - 1; t >= 0; t--) {
      double phi = phi_start + m->phistep * t;
      if (phi != 0.0) {
        nb_vec_rotate_axis (x->a0, m->det.spindle, phi, ap);
        nb_vec_rotate_axis (x->b0, m->det.spindle, phi, bp);
        nb_vec_rotate_axis (x->c0, m->det.spindle, phi, cp);
        break;
      }
    }
  }

  for (int t = 0; t < m->phisteps; t++) {
    double phi = phi_start + m->phistep * t;
    if (!carryover || phi != 0.0) {
      nb_vec_rotate_axis (x->a0, m->det.spindle, phi, ap);
      nb_vec_rotate_axis (x->b0, m->det.spindle, phi, bp);
      nb_vec_rotate_axis (x->c0, m->det.spindle, phi, cp);
    }
    for (int d = 0; d < m->n_mosaic; d++) {
      double *o = &orient[((gsize) t * m->n_mosaic + d) * 9];
      if (m->mosaic_spread > 0.0) {
        const double *u = &m->mosaic_umats[9 * d];
        nb_vec_rotate_umat (ap, u, o);
        nb_vec_rotate_umat (bp, u, o + 3);
        nb_vec_rotate_umat (cp, u, o + 6);
      } else {
        nb_vec_copy (ap, o);
        nb_vec_copy (bp, o + 3);
        nb_vec_copy (cp, o + 6);
      }
    }
  }
}

gint64
nb_first_rendered_pixel (const NbDetector * d)
{
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++)
      if (!nb_pixel_skipped (d, f, s))
        return (gint64) s * d->fpixels + f;
  return -1;
}
