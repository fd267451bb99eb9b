/* golden_compare.h - helpers shared by the tests that compare with the
 * reference outputs in tests/golden/. */
#ifndef NB_GOLDEN_COMPARE_H
#define NB_GOLDEN_COMPARE_H

#include <glib.h>
#include "nb_render.h"

/* Tolerance policy of tests/golden/README-reference.md (float64 engines). */
typedef struct {
  double rel_bright;            /* relative error on pixels > bright_frac * max */
  double bright_frac;
  double abs_dim;               /* absolute error / max elsewhere */
  double min_correlation;
} GoldenTolerance;

extern const GoldenTolerance golden_float64;

/* Reads a raw float32 file of @n values (fails the test otherwise). */
float *golden_read_floats (const char *path, gsize n);

/* Compares @ours with @ref; returns a failure description or NULL. */
gchar *golden_compare_images (const float *ours, const float *ref, gsize n,
    const GoldenTolerance * tol);

/* Parses @args_path and builds the model; inputs are resolved against
 * @inputs_dir (the args name files relative to it). */
NbModel *golden_load_model (const char *args_path, const char *inputs_dir,
    int threads_override, NbParams * params_out);

/* The same with @extra flags applied after the file's (may be NULL), and
 * every occurrence of @from in the argument line replaced by @to. */
NbModel *golden_load_model_edited (const char *args_path,
    const char *inputs_dir, const char *from, const char *to,
    const char *extra);

/* Golden case @c as the reference ran it (args.0 for rotation_series,
 * with -phi_carryover for phi_carryover), @extra flags (or NULL) after. */
NbModel *golden_load_case (const char *c, const char *extra);

/* The pixel traced in case @c (trace_pixel.txt: "slow fast"). */
void golden_trace_pixel (const char *c, int *spixel, int *fpixel);

/* Renders frame @frame of @m with the CPU backend. */
float *golden_render (const NbModel * m, int threads, gint64 frame,
    double *omega_sum);

const char *golden_dir (void);

/* The 20 golden cases; the first GOLDEN_N_STILLS are single stills with
 * an "args" file (rotation_series and phi_carryover come last). */
#define GOLDEN_N_CASES 20
#define GOLDEN_N_STILLS 18
extern const char *const golden_cases[GOLDEN_N_CASES];

/* Adds the test "@prefix/<case>" running @func on each of the first @n
 * golden cases (the case name is the test data). */
void golden_add_case_tests (const char *prefix, guint n, GTestDataFunc func);

/* A @width x @height detector with nothing masked (the whole frame is
 * the ROI, no mask), for readout tests that need no geometry. */
NbDetector golden_plain_detector (int width, int height);

/* Runs the CLI ($NB_CLI) in @dir with @args (a shell-quoted line); fails
 * the test unless it exits 0.  Returns its stdout (free it). */
gchar *golden_run_cli (const char *dir, const char *args);

#endif
