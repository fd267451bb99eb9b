/* nb_physics.c - lattice factors, polarization, structure-factor
 * interpolation (formulas of nanoBragg.c, see docs/physics.md). */
#include "nb_physics.h"

double
nb_polarization_factor (double kahn, double incident[3], double diffracted[3],
    double axis[3])
{
  double cos2theta, cos2theta_sqr, sin2theta_sqr, psi = 0;
  double B_in[3], E_in[3];

  nb_vec_unitize (incident, incident);
  nb_vec_unitize (diffracted, diffracted);
  nb_vec_unitize (axis, axis);
  cos2theta = nb_vec_dot (incident, diffracted);
  cos2theta_sqr = cos2theta * cos2theta;
  sin2theta_sqr = 1 - cos2theta_sqr;
  if (kahn != 0.0) {
    /* the E-vector is taken closest to @axis; psi is the azimuth of the
     * diffracted ray in the E-B plane */
    nb_vec_cross (axis, incident, B_in);
    nb_vec_unitize (B_in, B_in);
    nb_vec_cross (incident, B_in, E_in);
    nb_vec_unitize (E_in, E_in);
    psi = -atan2 (nb_vec_dot (diffracted, B_in), nb_vec_dot (diffracted,
            E_in));
  }
  return 0.5 * (1.0 + cos2theta_sqr - kahn * cos (2 * psi) * sin2theta_sqr);
}

/* Lagrange polynomial through 4 points, evaluated at @x. */
static double
lagrange4 (const double xa[4], const double ya[4], double x)
{
  double x0 = (x - xa[1]) * (x - xa[2]) * (x - xa[3]) * ya[0]
      / ((xa[0] - xa[1]) * (xa[0] - xa[2]) * (xa[0] - xa[3]));
  double x1 = (x - xa[0]) * (x - xa[2]) * (x - xa[3]) * ya[1]
      / ((xa[1] - xa[0]) * (xa[1] - xa[2]) * (xa[1] - xa[3]));
  double x2 = (x - xa[0]) * (x - xa[1]) * (x - xa[3]) * ya[2]
      / ((xa[2] - xa[0]) * (xa[2] - xa[1]) * (xa[2] - xa[3]));
  double x3 = (x - xa[0]) * (x - xa[1]) * (x - xa[2]) * ya[3]
      / ((xa[3] - xa[0]) * (xa[3] - xa[1]) * (xa[3] - xa[2]));
  return x0 + x1 + x2 + x3;
}

double
nb_interpolate_F (const NbHkl * t, double h, double k, double l)
{
  int hf = (int) floor (h), kf = (int) floor (k), lf = (int) floor (l);
  double hd[4], kd[4], ld[4], along_h[4];

  for (int i = 0; i < 4; i++) {
    hd[i] = hf - 1 + i;
    kd[i] = kf - 1 + i;
    ld[i] = lf - 1 + i;
  }
  /* innermost along l, then k, then h (nanoBragg's polin3 order) */
  for (int i = 0; i < 4; i++) {
    double along_k[4];
    for (int j = 0; j < 4; j++) {
      double ys[4];
      for (int q = 0; q < 4; q++)
        ys[q] = nb_hkl_get (t, hf - 1 + i, kf - 1 + j, lf - 1 + q);
      along_k[j] = lagrange4 (ld, ys, l);
    }
    along_h[i] = lagrange4 (kd, along_k, k);
  }
  return lagrange4 (hd, along_h, h);
}
