/* nb_nonbragg.h - amorphous (non-Bragg) background, as James Holton's
 * nonBragg.c renders it: water, air, ice... described by a ".stol" table
 * of F per molecule against sin(theta)/lambda.
 *
 * A background is a list of components (stol table, thickness, density,
 * molecular weight, illuminated width and height), rendered with a
 * model's detector, sources, fluence and polarization into photons per
 * pixel.  It does not depend on the crystal or on phi, so callers render
 * it once per geometry and add it to every frame (nanobraggsrc does).
 * Formulas and units: docs/physics.md, "Amorphous background".
 */
#ifndef NB_NONBRAGG_H
#define NB_NONBRAGG_H

#include "nb_model.h"

G_BEGIN_DECLS

/* At most this many components are summed in one background. */
#define NB_BG_MAX_COMPONENTS 8

/* Units of a table's first column (nonBragg's -stol, -4stol, -Q). */
typedef enum {
  NB_STOL_UNITS_STOL,           /* sin(theta)/lambda, 1/Angstrom */
  NB_STOL_UNITS_4STOL,          /* 4 sin(theta)/lambda, 1/Angstrom */
  NB_STOL_UNITS_Q               /* 4 pi sin(theta)/lambda, 1/Angstrom */
} NbStolUnits;

/* An F(stol) table as nonBragg interpolates it: the file's points (stol
 * in 1/m) with two guard points at each end (stol -1e99, -1e98 with the
 * lowest-angle F; 1e98, 1e99 with the highest-angle F). */
typedef struct {
  gchar *path;
  int n;                        /* points including the 4 guards */
  double *stol;                 /* strictly increasing, 1/m */
  double *F;                    /* electrons per molecule */
} NbStolTable;

/* Reads "stol F" lines (separated by blanks or any of ,;:!; further
 * columns ignored; blank and '#' lines skipped; F "nan" = missing = 0,
 * as nonBragg).  Errors name the file and line: a token that is no
 * number, a line without F, stol not strictly increasing, no F at all. */
NbStolTable *nb_stol_table_read (const char *path, NbStolUnits units,
    GError ** error);
NbStolTable *nb_stol_table_copy (const NbStolTable * t);
void nb_stol_table_free (NbStolTable * t);

/* One amorphous component, in the units people type. */
typedef struct {
  gchar *stol_file;
  NbStolUnits units;
  double thickness;             /* mm along the beam (nonBragg -thickness) */
  double width, height;         /* mm across the beam, clipped by the
                                 * beam size; nonBragg's default 0.1 */
  double density;               /* g/cm^3 */
  double molecular_weight;      /* g/mol (Da) */
  double molecules;             /* > 0: given instead of the density
                                 * (nonBragg -molecules); 0 = from density */
} NbAmorphousSpec;

/* nonBragg's defaults: 0.1 mm cube of water (1 g/cm^3, 18 g/mol). */
void nb_amorphous_spec_init (NbAmorphousSpec * spec);

typedef struct _NbBackground NbBackground;

NbBackground *nb_background_new (void);
void nb_background_free (NbBackground * bg);
/* Reads the component's table and adds it.  FALSE (naming @what, e.g.
 * "-stol" or "background") on a bad value or file. */
gboolean nb_background_add (NbBackground * bg, const NbAmorphousSpec * spec,
    const char *what, GError ** error);
int nb_background_n_components (const NbBackground * bg);
/* How the sources are weighed.  Default (nanobraggsrc): each source
 * counts its share of the fluence (NbSource.share: 1 each, or its weight
 * over the mean weight when the model weighs its sources, -source_weights
 * / source-weights), as the Bragg sum counts it, so Bragg and background
 * see the same beam.  @raw TRUE (the nonbragg command line, for parity):
 * nonBragg's rule, a -sourcefile's weights multiply each source's term
 * as read (not normalised), generated sources count 1 each. */
void nb_background_set_raw_source_weights (NbBackground * bg,
    gboolean raw);
const NbStolTable *nb_background_table (const NbBackground * bg, int i);
/* Molecules of component @i in the beam of @m (the illuminated volume
 * thickness x width x height, width and height clipped by the beam). */
double nb_background_molecules (const NbBackground * bg, int i,
    const NbModel * m);
/* The spec of component @i, as added. */
const NbAmorphousSpec *nb_background_spec (const NbBackground * bg, int i);

/* F of @t at @stol (1/m): nonBragg's four-point (Lagrange cubic)
 * interpolation around the last table point <= @stol. */
double nb_stol_table_F (const NbStolTable * t, double stol);

/* Everything the per-pixel sum needs, flat (engine/nb_nonbragg_pixel.h):
 * the CPU fills it with host pointers, the CUDA backend with device ones. */
typedef struct {
  int n_components;
  int n_points[NB_BG_MAX_COMPONENTS];
  const double *stol[NB_BG_MAX_COMPONENTS];
  const double *F[NB_BG_MAX_COMPONENTS];
  double molecules[NB_BG_MAX_COMPONENTS];
  const NbSource *sources;
  int n_sources;
  gboolean source_weights;      /* TRUE: a source file's weights as read
                                 * (nonBragg); FALSE: NbSource.share */
  double polarization;          /* Kahn factor */
  gboolean nopolar;
  double r_e_sqr;               /* m^2 */
  double fluence;               /* photons/m^2 */
  int steps;                    /* sources x oversample^2 */
} NbBgKernel;

/* Fills @k for @bg rendered with @m (host pointers). */
void nb_background_kernel (const NbBackground * bg, const NbModel * m,
    NbBgKernel * k);

/* Renders the background of @m into @image (fpixels x spixels photons;
 * pixels outside the ROI or masked are 0) on @threads threads (0 = all
 * cores).  @omega_sum (may be NULL): the summed solid angle of every
 * sub-pixel and sensor layer visited, as nonBragg prints it. */
gboolean nb_background_render (const NbBackground * bg, const NbModel * m,
    int threads, double *image, double *omega_sum, GError ** error);

G_END_DECLS

#endif /* NB_NONBRAGG_H */
