/* nonbragg_cases.h - the golden nonBragg cases (tests/golden-nonbragg/)
 * for the CPU and GPU tests: their data, their geometry as nanobragg
 * flags (the element's way of giving it), their samples. */
#ifndef NB_NONBRAGG_CASES_H
#define NB_NONBRAGG_CASES_H

#include "nb_nonbragg.h"

#define NONBRAGG_N_CASES 3
extern const char *const cases[NONBRAGG_N_CASES];
extern const char *const engine_flags[NONBRAGG_N_CASES];
typedef struct {
  const char *stol;
  double thickness, density, mw;
} NonbraggSample;
extern const NonbraggSample samples[NONBRAGG_N_CASES];

/* $NB_NONBRAGG_DIR (tests/golden-nonbragg) and a file in it. */
const char *data_dir (void);
gchar *data_path (const char *name);
gsize case_pixels (const char *c);
/* The largest relative error over pixels above 1e-3 of @ref's maximum
 * (INFINITY if @ours has a NaN or infinity); @bright: how many. */
double max_rel_error (const float *ours, const float *ref, gsize n,
    gsize * bright);
/* The same for doubles. */
double max_rel_error_d (const double *ours, const double *ref, gsize n,
    gsize * bright);
/* A model of nanobragg @flags with nonBragg's axes (CUSTOM). */
NbModel *engine_model (const char *flags);
/* One component of @stol (a file of data_dir). */
NbBackground *background_of (const char *stol, double thickness,
    double density, double mw);

#endif
