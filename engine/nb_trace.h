/* nb_trace.h - per-pixel diagnostics ("traces").
 *
 * A backend fills plain records for the traced pixels (no printing from
 * the render loop, so a GPU kernel can fill the same records); the host
 * formats them with nanoBragg's instrumented trace keys ("TRACE_C: key
 * values"), so our traces can be diffed against the reference's line by
 * line, plus "TRACE_PHI:" lines, one per phi sub-step. */
#ifndef NB_TRACE_H
#define NB_TRACE_H

#include "nb_model.h"

G_BEGIN_DECLS

/* One sub-pixel (and sensor layer) visit, with source 0 and its first
 * phi step / mosaic domain, as nanoBragg's trace prints them. */
typedef struct {
  double pixel_pos[3];          /* m */
  double R;                     /* m */
  double omega;                 /* sr, current value */
  double obliquity;             /* close distance / R */
  double diffracted[3];
  gboolean have_source;         /* source 0 not cut by dmin */
  double incident[3];
  double lambda;                /* m */
  double scattering[3];         /* 1/m */
  gboolean have_step;           /* the first phi step / domain was reached */
  double rot[9];                /* a b c, Angstrom */
  double hkl[3];
  int hkl0[3];
  double F_latt_axes[3];
  double F_latt;
  double F_cell;
} NbTraceVisit;

/* One phi sub-step of source 0, mosaic domain 0, in a sub-pixel visit. */
typedef struct {
  int visit;                    /* index into visits */
  int phi_tic;
  double phi;                   /* deg */
  double rot[9];                /* Angstrom */
  double hkl[3];
  double F_latt, F_cell;
  double contribution;          /* F_cell^2 F_latt^2 */
} NbTracePhiStep;

typedef struct {
  int spixel, fpixel;
  double phi_start;             /* deg, spindle start of the traced frame */
  gboolean inside;              /* FALSE: outside the detector, ROI or mask */
  GArray *visits;               /* NbTraceVisit */
  GArray *phi_steps;            /* NbTracePhiStep */
  double I_before_scaling;
  double capture_fraction, polar, omega, cos_2theta;
  double I_final;
  float value;
  NbPrecision precision;
  gboolean truncated;           /* the device's fixed records overflowed */
} NbTracePixel;

/* Per-pixel diagnostic maps (the first sub-pixel's source 0, phi step 0,
 * domain 0 for the per-step quantities; the final value otherwise). */
typedef enum {
  NB_TRACE_MAP_NONE,
  NB_TRACE_MAP_OMEGA,           /* solid angle, sr */
  NB_TRACE_MAP_POLAR,           /* polarization factor */
  NB_TRACE_MAP_CAPTURE,         /* capture fraction */
  NB_TRACE_MAP_F_CELL,
  NB_TRACE_MAP_F_LATT,
  NB_TRACE_MAP_H,
  NB_TRACE_MAP_K,
  NB_TRACE_MAP_L,
  NB_TRACE_MAP_I                /* sum before scaling */
} NbTraceMap;

/* The map value of a traced pixel (0 for pixels not rendered). */
float nb_trace_map_value (const NbTracePixel * t, NbTraceMap kind);

NbTracePixel *nb_trace_pixel_new (int spixel, int fpixel);
void nb_trace_pixel_free (NbTracePixel * t);

/* Appends the trace lines of @t to @out. */
void nb_trace_format (const NbModel * m, const NbTracePixel * t,
    GString * out);

G_END_DECLS

#endif /* NB_TRACE_H */
