/* nb_geom.c - lab frame -> file frame (see nb_geom.h). */
#include "nb_geom.h"

#include <math.h>

gboolean
nb_geom_unitize (double v[3])
{
  double n = sqrt (nb_geom_dot (v, v));

  if (!(n > 1e-12))
    return FALSE;
  for (int i = 0; i < 3; i++)
    v[i] /= n;
  return TRUE;
}

/* @v minus its part along unit @u, made unit; FALSE if nothing is left. */
static gboolean
perpendicular_part (const double v[3], const double u[3], double out[3])
{
  double d = nb_geom_dot (v, u);

  for (int i = 0; i < 3; i++)
    out[i] = v[i] - d * u[i];
  return nb_geom_unitize (out);
}

void
nb_geom_imgcif_rotation (const NbLabGeometry * g, double m[3][3])
{
  double b[3] = { g->beam[0], g->beam[1], g->beam[2] };
  static const double lab_axes[3][3] = { {0, 0, 1}, {0, 1, 0}, {1, 0, 0} };

  if (!nb_geom_unitize (b))
    b[0] = 1.0;
  /* z: against the beam (toward the source) */
  for (int i = 0; i < 3; i++)
    m[2][i] = -b[i];
  /* x: the rotation axis as seen across the beam; for a spindle along
   * the beam (no rotation to speak of) the detector's fast axis, then any
   * lab axis, so that the frame is always defined */
  if (!perpendicular_part (g->spindle, b, m[0])
      && !perpendicular_part (g->fdet, b, m[0])) {
    for (int k = 0; k < 3 && !perpendicular_part (lab_axes[k], b, m[0]); k++);
  }
  /* y = z x x: a right-handed frame */
  nb_geom_cross (m[2], m[0], m[1]);
}

void
nb_geom_normal (const NbLabGeometry * g, double n[3])
{
  nb_geom_cross (g->fdet, g->sdet, n);
  if (!nb_geom_unitize (n))
    n[0] = 1.0;
  if (nb_geom_dot (g->pix0, n) < 0)
    for (int i = 0; i < 3; i++)
      n[i] = -n[i];
}

gboolean
nb_geom_beam_xy (const NbLabGeometry * g, double *x, double *y,
    double *distance)
{
  double n[3], p = g->pixel_size / 1000.0, along, t, hit[3];

  nb_geom_normal (g, n);
  *distance = 1000.0 * nb_geom_dot (g->pix0, n);
  along = nb_geom_dot (g->beam, n);
  *x = *y = 0.0;
  if (!(fabs (along) > 1e-12))
    return FALSE;
  t = nb_geom_dot (g->pix0, n) / along;
  for (int i = 0; i < 3; i++)
    hit[i] = t * g->beam[i] - g->pix0[i];
  *x = nb_geom_dot (hit, g->fdet) / p;
  *y = nb_geom_dot (hit, g->sdet) / p;
  return TRUE;
}
