/* nb_physics.h - the per-step formulas shared by the CPU renderer and the
 * trace: lattice transforms, polarization, tricubic interpolation. */
#ifndef NB_PHYSICS_H
#define NB_PHYSICS_H

#include "nb_model.h"
#include "nb_vec.h"

/* Fourier transform of a row of N unit cells: sin(N x) / sin(x). */
static inline double
nb_sincg (double x, double N)
{
  if (x == 0.0)
    return N;
  return sin (x * N) / sin (x);
}

/* Fourier transform of a sphere. */
static inline double
nb_sinc3 (double x)
{
  if (x == 0.0)
    return 1.0;
  return 3.0 * (sin (x) / x - cos (x)) / (x * x);
}

/* Kahn polarization factor.  Like nanoBragg it normalises its three
 * vectors in place (the renderer relies on that for bitwise parity). */
double nb_polarization_factor (double kahn, double incident[3],
    double diffracted[3], double axis[3]);

/* Lattice factor F_latt of fractional index (h, k, l) whose nearest whole
 * index is (h0, k0, l0), for the crystal's shape. */
double nb_lattice_factor (const NbCrystal * x, double h, double k, double l,
    int h0, int k0, int l0, double out_axes[3]);

/* Tricubic (Lagrange, 4 points per axis) interpolation of F at (h, k, l);
 * the caller has checked that the 4x4x4 neighbourhood is inside the box. */
double nb_interpolate_F (const NbHkl * hkl, double h, double k, double l);

/* TRUE when (h, k, l) is too close to the box edge to interpolate. */
static inline gboolean
nb_interpolation_out_of_range (const NbHkl * t, double h, double k, double l)
{
  return ((h - t->h_min + 3) > t->h_range) || (h - 2 < t->h_min)
      || ((k - t->k_min + 3) > t->k_range) || (k - 2 < t->k_min)
      || ((l - t->l_min + 3) > t->l_range) || (l - 2 < t->l_min);
}

/* Nearest-neighbour F: the box value, or default_F outside it. */
static inline double
nb_nearest_F (const NbCrystal * x, int h0, int k0, int l0)
{
  if (nb_hkl_contains (x->hkl, h0, k0, l0))
    return nb_hkl_get (x->hkl, h0, k0, l0);
  return x->default_F;
}

#endif /* NB_PHYSICS_H */
