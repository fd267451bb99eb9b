/* nb_presets.h - detector presets: the pixel arrays of common pixel-array
 * detectors (pixel counts and size, module layout with its gaps, sensor
 * thickness, count cutoff).  Sources of the numbers: docs/physics.md,
 * "Detector presets". */
#ifndef NB_PRESETS_H
#define NB_PRESETS_H

#include "nb_params.h"

G_BEGIN_DECLS

typedef struct {
  NbDetectorPreset preset;
  const char *name;             /* "pilatus6m", "eiger2-16m", ... */
  const char *description;      /* for --help and gst-inspect */
  int fpixels, spixels;         /* the whole array */
  double pixel_size;            /* mm */
  int module_f, module_s;       /* pixels of one module */
  int gap_f, gap_s;             /* pixels between modules along fast / slow */
  double thickness;             /* sensor thickness, micrometres (silicon) */
  double count_cutoff;          /* counts; -1 = the counts format's maximum */
} NbDetectorLayout;

/* The layout of @preset; NULL for NB_DETECTOR_NONE. */
const NbDetectorLayout *nb_detector_layout (NbDetectorPreset preset);

/* The preset called @name ("none" included); FALSE if there is none. */
gboolean nb_detector_preset_from_name (const char *name,
    NbDetectorPreset * preset);

/* "pilatus6m|eiger2-16m|...": the names, for messages and --help. */
const char *nb_detector_preset_names (void);

/* TRUE where pixel (@fpixel, @spixel) lies in a gap between modules.  The
 * module pitch starts at pixel 0, so a detector cut smaller (or grown
 * larger) than the preset keeps the same pattern. */
static inline gboolean
nb_detector_layout_is_gap (const NbDetectorLayout * l, int fpixel,
    int spixel)
{
  return fpixel % (l->module_f + l->gap_f) >= l->module_f
      || spixel % (l->module_s + l->gap_s) >= l->module_s;
}

/* The flags that impose the whole pixel array of preset @name on any
 * argument list they follow ("-detector NAME -detpixels_f W -detpixels_s
 * H -pixel P": its -detpixels and -pixel then lose); NULL when @name is
 * not a preset.  For benchmarks of a preset detector. */
gchar *nb_detector_preset_flags (const char *name);

/* Fills in what p->detector supplies and the user did not set
 * (p->detector_explicit): detector pixels, pixel size, sensor thickness,
 * count cutoff.  Whatever the order, values set explicitly win.  Does
 * nothing without a preset; may be called again. */
void nb_params_apply_detector_preset (NbParams * p);

G_END_DECLS

#endif /* NB_PRESETS_H */
