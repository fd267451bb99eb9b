/* nb_vec.h - 3-vector helpers used by the geometry and the renderers.
 *
 * Vectors are plain double[3] (x, y, z).  The arithmetic order of every
 * helper matches the textbook formulas nanoBragg.c uses, so that a float64
 * render reproduces the reference images to the last few ulps.
 */
#ifndef NB_VEC_H
#define NB_VEC_H

#include <math.h>
#include "nb_hd.h"

static inline NB_HD double
nb_vec_dot (const double a[3], const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline NB_HD double
nb_vec_norm (const double v[3])
{
  return sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static inline NB_HD void
nb_vec_cross (const double a[3], const double b[3], double out[3])
{
  double x = a[1] * b[2] - a[2] * b[1];
  double y = a[2] * b[0] - a[0] * b[2];
  double z = a[0] * b[1] - a[1] * b[0];
  out[0] = x;
  out[1] = y;
  out[2] = z;
}

static inline NB_HD void
nb_vec_scale (const double v[3], double s, double out[3])
{
  out[0] = s * v[0];
  out[1] = s * v[1];
  out[2] = s * v[2];
}

static inline NB_HD void
nb_vec_copy (const double v[3], double out[3])
{
  out[0] = v[0];
  out[1] = v[1];
  out[2] = v[2];
}

/* Normalises @v into @out (they may alias) and returns the old length.
 * A zero vector stays zero. */
static inline NB_HD double
nb_vec_unitize (const double v[3], double out[3])
{
  double mag = nb_vec_norm (v);
  if (mag != 0.0) {
    out[0] = v[0] / mag;
    out[1] = v[1] / mag;
    out[2] = v[2] / mag;
  } else {
    out[0] = out[1] = out[2] = 0.0;
  }
  return mag;
}

/* Scales @v to length @len; a zero vector is treated as having length 1. */
static inline NB_HD void
nb_vec_set_length (const double v[3], double len, double out[3])
{
  double old = nb_vec_norm (v);
  if (old <= 0.0)
    old = 1.0;
  out[0] = len / old * v[0];
  out[1] = len / old * v[1];
  out[2] = len / old * v[2];
}

/* Rotation about x, then y, then z (radians); zero angles are skipped. */
void nb_vec_rotate_xyz (const double v[3], double rx, double ry, double rz,
    double out[3]);

/* Right-handed rotation by @angle (radians) about the unit vector @axis. */
static inline NB_HD void
nb_vec_rotate_axis (const double v[3], const double axis[3], double angle,
    double out[3])
{
  double s = sin (angle);
  double c = cos (angle);
  double dot = (axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2]) * (1.0 - c);
  double x = axis[0] * dot + v[0] * c + (-axis[2] * v[1] + axis[1] * v[2]) * s;
  double y = axis[1] * dot + v[1] * c + (+axis[2] * v[0] - axis[0] * v[2]) * s;
  double z = axis[2] * dot + v[2] * c + (-axis[1] * v[0] + axis[0] * v[1]) * s;
  out[0] = x;
  out[1] = y;
  out[2] = z;
}

/* out = U v for a row-major 3x3 matrix. */
static inline NB_HD void
nb_vec_rotate_umat (const double v[3], const double u[9], double out[3])
{
  double x = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  double y = u[3] * v[0] + u[4] * v[1] + u[5] * v[2];
  double z = u[6] * v[0] + u[7] * v[1] + u[8] * v[2];
  out[0] = x;
  out[1] = y;
  out[2] = z;
}

#endif /* NB_VEC_H */
