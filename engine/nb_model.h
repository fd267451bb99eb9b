/* nb_model.h - everything derived once from NbParams and shared by all
 * frames of a series: detector geometry, crystal lattice, beam sources,
 * mosaic domains, spindle sampling and the F(hkl) box.  All in SI units
 * (metres, radians) except where noted. */
#ifndef NB_MODEL_H
#define NB_MODEL_H

#include "nb_params.h"
#include "nb_hkl.h"

G_BEGIN_DECLS

typedef struct {
  NbConvention convention;
  NbPivot pivot;
  int fpixels, spixels;
  double pixel_size;            /* m */
  double detsize_f, detsize_s;  /* m */
  double fdet[3], sdet[3], odet[3];     /* final (rotated) axes */
  double pix0[3];               /* sample -> corner of the first pixel, m */
  double beam[3];               /* beam direction (unit) */
  double polar_vector[3];       /* E-vector (unit) */
  double vert_vector[3];        /* beam x polar */
  double spindle[3];            /* rotation axis (unit) */
  double twotheta_axis[3];
  double twotheta;              /* rad */
  double rot[3];                /* rad */
  double distance;              /* sample -> beam spot along the beam, m */
  double close_distance;        /* sample -> detector plane, m */
  double Xbeam, Ybeam;          /* header beam centre (convention), m */
  double Fbeam, Sbeam;          /* beam spot on the fast/slow axes, m */
  double Xclose, Yclose;        /* m */
  double Fclose, Sclose;        /* near point on fast/slow axes, m */
  double ORGX, ORGY;            /* XDS origin, pixels */
  double dials_origin[3];       /* pix0 in the DIALS frame, mm */
  gboolean curved;
  gboolean point_pixel;
  int oversample;
  double subpixel_size;         /* m */
  gboolean oversample_thick, oversample_polar, oversample_omega;
  double thick;                 /* sensor thickness, m */
  double thickstep;             /* layer spacing, m */
  int thicksteps;
  double mu;                    /* attenuation coefficient, 1/m */
  int roi_xmin, roi_xmax, roi_ymin, roi_ymax;   /* inclusive */
  guint16 *mask;                /* fpixels x spixels, 0 = skip; or NULL */
} NbDetector;

typedef struct {
  double a0[3], b0[3], c0[3];   /* real-space axes at phi = 0, m */
  double a_star[3], b_star[3], c_star[3];       /* reciprocal axes, 1/Angstrom */
  double cell[6];               /* a b c (A), alpha beta gamma (deg) */
  double rcell[6];              /* reciprocal lengths (1/A), angles (deg) */
  double volume;                /* A^3 */
  double Na, Nb, Nc;
  double xtalsize_max;          /* m */
  int recommended_oversample;
  NbShape shape;
  double fudge;
  gboolean interpolate;
  double default_F;
  NbHkl *hkl;
} NbCrystal;

typedef struct {
  double dir[3];                /* unit vector sample -> source (incident = -dir) */
  double lambda;                /* m */
  double weight;                /* as read (generated: 1/n, as nanoBragg
                                 * prints it) */
  double share;                 /* weight over the mean weight: the sum
                                 * multiplies by it when the model is
                                 * weighted (1 otherwise) */
} NbSource;

typedef struct {
  NbParams params;              /* private copy of the inputs */
  NbDetector det;
  NbCrystal xtal;

  NbSource *sources;
  int n_sources;
  gboolean weighted;            /* the sources' weights differ and count:
                                 * each source's steps are summed alone,
                                 * then added times its weight */
  int divsteps;                 /* divergence points kept after the round cut */
  double hdivrange, hdivstep, vdivrange, vdivstep;      /* rad */
  int hdivsteps, vdivsteps, dispsteps;
  double dispersion, dispstep;  /* fractions */
  double lambda0;               /* m */

  double *mosaic_umats;         /* 9 per domain, row-major; domain 0 = I */
  int n_mosaic;
  double mosaic_spread;         /* rad */

  double phi0, phistep, osc;    /* rad */
  int phisteps;

  double fluence;               /* photons/m^2 */
  double flux, exposure, beamsize;
  double polarization;          /* Kahn factor */
  gboolean nopolar;
  double dmin;                  /* m */
  double water_size;            /* m */
  double I_bg;                  /* water term added to every pixel sum */
  int steps;                    /* sources x domains x phi steps x oversample^2 */
  double r_e_sqr;               /* m^2 */
} NbModel;

/* Builds the model: reads the HKL/matrix/source/mask files, derives every
 * quantity.  @log, if not NULL, receives nanoBragg-style setup lines. */
NbModel *nb_model_new (const NbParams * params, GString * log,
    GError ** error);
void nb_model_free (NbModel * model);

/* Spindle start of frame @index of a series: phi0 + index * osc (rad). */
double nb_model_frame_phi (const NbModel * model, gint64 index);
/* The same in degrees, as the user gave it: -phi + index * -osc (exactly
 * -phi for frame 0), for headers and meta. */
double nb_model_frame_phi_deg (const NbModel * model, gint64 index);

/* ---- the pieces, one file each ---- */
gboolean nb_detector_init (NbDetector * det, const NbParams * p,
    GError ** error);
gboolean nb_crystal_init (NbCrystal * xtal, const NbParams * p,
    double lambda0, GString * log, GError ** error);
gboolean nb_sources_init (NbModel * m, const NbParams * p, GError ** error);
gboolean nb_mosaic_init (NbModel * m, const NbParams * p, GError ** error);
void nb_spindle_init (NbModel * m, const NbParams * p);

G_END_DECLS

#endif /* NB_MODEL_H */
