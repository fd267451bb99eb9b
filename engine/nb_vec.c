/* nb_vec.c - rotations of 3-vectors. */
#include "nb_vec.h"

void
nb_vec_rotate_xyz (const double v[3], double rx, double ry, double rz,
    double out[3])
{
  double x = v[0], y = v[1], z = v[2];

  if (rx != 0) {
    double c = cos (rx), s = sin (rx);
    double ny = y * c + z * -s;
    double nz = y * s + z * c;
    y = ny;
    z = nz;
  }
  if (ry != 0) {
    double c = cos (ry), s = sin (ry);
    double nx = x * c + y * 0 + z * s;
    double nz = x * -s + y * 0 + z * c;
    x = nx;
    z = nz;
  }
  if (rz != 0) {
    double c = cos (rz), s = sin (rz);
    double nx = x * c + y * -s;
    double ny = x * s + y * c;
    x = nx;
    y = ny;
  }
  out[0] = x;
  out[1] = y;
  out[2] = z;
}
