/* nb_geom.h - the detector geometry the file writers share: nanoBragg's
 * lab frame -> the frame of the files (imgCIF / DIALS'), and the beam
 * centre and distance that the files' headers quote.
 *
 * nb_cbf.c (imgCIF) and nb_nxs.c (NeXus/McStas, which is imgCIF turned
 * by 180 degrees about y) both take the frame from here, so that a CBF
 * and an NXmx file of the same frame give DIALS the same models. */
#ifndef NB_GEOM_H
#define NB_GEOM_H

#include <glib.h>

G_BEGIN_DECLS

/* A flat detector, the beam and the rotation axis in nanoBragg's lab
 * frame, the engine's units (NbDetector). */
typedef struct {
  double pix0[3];               /* m: sample -> outer corner of pixel 0 */
  double fdet[3], sdet[3];      /* unit: along the rows, the columns */
  double beam[3];               /* unit: the direction the beam travels */
  double spindle[3];            /* unit: the rotation axis */
  double pixel_size;            /* mm */
} NbLabGeometry;

/* nanoBragg's lab frame -> imgCIF's (DIALS'): the beam travels along -z,
 * and the rotation axis's part perpendicular to the beam is +x (for
 * MOSFLM's frame: (x, y, z) -> (z, y, -x), the "dials origin" nanoBragg
 * prints).  @m receives the rows of the rotation; v_file = m v_lab. */
void nb_geom_imgcif_rotation (const NbLabGeometry * g, double m[3][3]);

/* Where the beam meets the detector plane, in pixels from the outer
 * corner of pixel 0 along fast and slow, and the sample-detector distance
 * along the detector normal, mm.  FALSE when the beam runs parallel to
 * the detector plane (then *x = *y = 0). */
gboolean nb_geom_beam_xy (const NbLabGeometry * g, double *x, double *y,
    double *distance);

/* The unit normal of the detector plane that points away from the
 * sample. */
void nb_geom_normal (const NbLabGeometry * g, double n[3]);

static inline double
nb_geom_dot (const double a[3], const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void
nb_geom_cross (const double a[3], const double b[3], double out[3])
{
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

/* out = m v (@out may not be @v). */
static inline void
nb_geom_rotate (double m[3][3], const double v[3], double out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = nb_geom_dot (m[i], v);
}

/* Makes @v unit; FALSE (v untouched) if it is (nearly) zero. */
gboolean nb_geom_unitize (double v[3]);

G_END_DECLS

#endif /* NB_GEOM_H */
