/* nb_cbf.h - diffraction frames as CBF files (imgCIF with a Pilatus-style
 * header), 32-bit counts, byte-offset compressed.
 *
 * One file holds one frame:
 *  - `_array_data.header_contents`: the text block of a Pilatus miniCBF
 *    (PILATUS 1.2 lines: Pixel_size, sensor, Exposure_time/period,
 *    Count_cutoff, Wavelength, Detector_distance, Beam_xy, Start_angle,
 *    Angle_increment, Detector_2theta, Oscillation_axis ...), which fabio,
 *    XDS-style and Pilatus readers take;
 *  - full imgCIF geometry (`_axis`, `_diffrn_detector_axis`,
 *    `_array_structure_list_axis`, `_diffrn_scan_axis`, ...), so that the
 *    exact detector, beam and rotation axis reach DIALS (dxtbx's
 *    FormatCBFFull) for any detector orientation, including rotated and
 *    two-theta detectors, which a miniCBF cannot express;
 *  - the counts, "signed 32-bit integer", x-CBF_BYTE_OFFSET.
 * docs/formats.md describes the file and the geometry mapping.
 *
 * The byte-offset compression is ours, not CBFlib's: CBFlib compresses on
 * one thread and writes only to a FILE, and a 4148 x 4362 frame must be
 * compressed in a few milliseconds.  Each task compresses whole rows (the
 * delta of a row's first pixel is from the pixel before it, which is
 * known), so the result does not depend on the task count; a first pass
 * sizes each task's output so the second writes in place.
 */
#ifndef NB_CBF_H
#define NB_CBF_H

#include <glib.h>
#include "nb_geom.h"

G_BEGIN_DECLS

/* What the pixels are (little-endian, as the frames are). */
typedef enum {
  NB_CBF_PIXELS_S32,            /* gint32 counts; < 0: masked */
  NB_CBF_PIXELS_U16             /* guint16 counts */
} NbCbfPixels;

typedef struct {
  int width, height;            /* pixels along fast, slow */
  double pixel_size;            /* mm */
  double thickness;             /* sensor thickness, mm */
  const char *material;         /* sensor, as Pilatus names it ("Silicon");
                                 * NULL: "Silicon" */
  const char *detector;         /* "# Detector:" text; NULL: a default */
  double exposure_time;         /* s */
  double exposure_period;       /* s */
  double count_cutoff;          /* counts: the saturation level */
  gint32 undefined_value;       /* what masked pixels read (-1) */
  double wavelength;            /* Angstrom */
  double start_angle;           /* deg: rotation at the frame's start */
  double angle_increment;       /* deg: the frame's oscillation */
  double twotheta;              /* deg, for the Detector_2theta line */
  double timestamp;             /* s since 1970-01-01T00:00:00 UTC */
  int frame_number;             /* 1-based, names the data block */
  /* The geometry in nanoBragg's lab frame, the engine's units
   * (NbDetector): */
  double pix0[3];               /* m: sample -> outer corner of pixel 0 */
  double fdet[3], sdet[3];      /* unit: along the rows, the columns */
  double beam[3];               /* unit: the direction the beam travels */
  double spindle[3];            /* unit: the rotation axis */
} NbCbfHeader;

/* Sets @h to a 1 x 1 frame of 0.1 mm pixels, beam along +x of the MOSFLM
 * frame at 100 mm, 1 Angstrom, 1 s exposures, cutoff 2^31 - 1, masked
 * pixels -1: callers fill in what they know. */
void nb_cbf_header_init (NbCbfHeader * h);

/* @h's detector, beam and rotation axis as nb_geom.h has them. */
void nb_cbf_lab_geometry (const NbCbfHeader * h, NbLabGeometry * g);

/* nanoBragg's lab frame -> the frame of the file (DIALS' / imgCIF's):
 * the beam travels along -z, and the rotation axis's part perpendicular
 * to the beam is +x (for MOSFLM's frame: (x, y, z) -> (z, y, -x), the
 * "dials origin" nanoBragg prints).  @m receives the rows of the
 * rotation; v_file = m v_nanobragg. */
void nb_cbf_lab_rotation (const NbCbfHeader * h, double m[3][3]);

/* Where the beam meets the detector, in pixels from the outer corner of
 * pixel 0 along fast and slow (Pilatus' Beam_xy), and the sample-detector
 * distance along the detector normal (Detector_distance), mm.  FALSE when
 * the beam runs parallel to the detector plane (then *x = *y = 0). */
gboolean nb_cbf_beam_xy (const NbCbfHeader * h, double *x, double *y,
    double *distance);

/* Runs tasks 0 .. @n_tasks - 1 of @func on @data and returns when all are
 * done (e.g. on a thread pool); NULL runs them in order. */
typedef void (*NbCbfTaskFunc) (gpointer data, guint task);
typedef void (*NbCbfRunFunc) (gpointer runner, guint n_tasks,
    NbCbfTaskFunc func, gpointer data);

/* A runner for nb_cbf_plan that starts one thread per task (for one-off
 * writes such as the CLI's; @runner unused). */
void nb_cbf_run_threads (gpointer runner, guint n_tasks, NbCbfTaskFunc func,
    gpointer data);

typedef struct _NbCbfPlan NbCbfPlan;

/* First pass over a frame: the header text and the compressed size of
 * each of @n_tasks row ranges (run on @run).  @pixels must stay valid
 * until nb_cbf_plan_write.  FALSE with @error (NB_ERROR_VALUE, naming the
 * field) for a header nothing can read back (sizes, non-finite values). */
NbCbfPlan *nb_cbf_plan_new (const NbCbfHeader * h, const void *pixels,
    NbCbfPixels type, guint n_tasks, NbCbfRunFunc run, gpointer runner,
    GError ** error);
/* Bytes of the whole file. */
gsize nb_cbf_plan_size (const NbCbfPlan * plan);
/* Writes the file, nb_cbf_plan_size () bytes, to @out (on @run). */
void nb_cbf_plan_write (NbCbfPlan * plan, guint8 * out);
void nb_cbf_plan_free (NbCbfPlan * plan);

/* The whole file in memory (g_free), its size in *@length. */
guint8 *nb_cbf_encode (const NbCbfHeader * h, const void *pixels,
    NbCbfPixels type, guint n_tasks, NbCbfRunFunc run, gpointer runner,
    gsize * length, GError ** error);

/* Encodes and writes @path atomically (temporary name, then rename). */
gboolean nb_cbf_write (const char *path, const NbCbfHeader * h,
    const void *pixels, NbCbfPixels type, guint n_tasks, GError ** error);

G_END_DECLS

#endif /* NB_CBF_H */
