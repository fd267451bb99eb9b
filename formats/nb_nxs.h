/* nb_nxs.h - diffraction series as NeXus/NXmx HDF5 files, the layout
 * DIALS (dxtbx's FormatNXmx) and Eiger readers take.
 *
 * One file holds a whole series: /entry/data/data [frame, slow, fast]
 * 32-bit signed counts, one chunk per frame, bitshuffle + LZ4 compressed
 * as Eiger files are (HDF5 filter 32008; the chunks are made here on a
 * thread pool, nb_bslz4.h, and stored with direct chunk writes), or
 * uncompressed; and the geometry as NXmx transformations (detector
 * module axes and offsets, the goniometer axis with one angle per frame,
 * wavelength, sensor, saturation, pixel mask).  docs/formats.md describes
 * the file and how nanoBragg's lab frame maps onto NeXus' (McStas).
 *
 * A file is written under a temporary name beside its final one and
 * renamed when complete (nb_nxs_writer_finish); nb_nxs_writer_abort, or
 * any failure, removes it, so no file that looks complete is left.
 *
 * For writers spread over several processes (one file per rank):
 * nb_nxs_data_writer_new writes a file that holds only frames, and
 * nb_nxs_write_master a master file whose /entry/data/data is a virtual
 * dataset over R such files, frame i being frame i / R of file i mod R.
 *
 * This is the only part of the project that includes hdf5.h. */
#ifndef NB_NXS_H
#define NB_NXS_H

#include <glib.h>
#include "nb_cbf.h"
#include "nb_geom.h"
#include "nb_workers.h"

G_BEGIN_DECLS

/* The HDF5 filter id of bitshuffle. */
#define NB_NXS_BITSHUFFLE_FILTER 32008

/* The sensor_thickness (mm) written for a thickness of 0: DIALS cannot
 * take 0 (docs/formats.md). */
#define NB_NXS_THIN_SENSOR 1e-6

typedef enum {
  NB_NXS_COMPRESSION_BSLZ4,     /* bitshuffle + LZ4 (filter 32008) */
  NB_NXS_COMPRESSION_NONE       /* plain chunks: any libhdf5 reads them */
} NbNxsCompression;

/* "bslz4" / "none" -> the value; FALSE for anything else. */
gboolean nb_nxs_compression_from_string (const char *name,
    NbNxsCompression * out);
const char *nb_nxs_compression_name (NbNxsCompression c);

/* Whether this process's libhdf5 finds the bitshuffle filter plugin
 * (HDF5_PLUGIN_PATH, else libhdf5's default plugin directory): without
 * it, files with bslz4 chunks are written but cannot be read back here. */
gboolean nb_nxs_bitshuffle_available (void);

/* What does not change over a series. */
typedef struct {
  int width, height;            /* pixels along fast, slow */
  NbLabGeometry geometry;       /* nanoBragg's lab frame (nb_geom.h) */
  double thickness;             /* sensor thickness, mm */
  const char *material;         /* sensor: "Si" (NULL), dxtbx's names */
  double count_time;            /* s, each frame's exposure */
  double frame_time;            /* s, start to start */
  double saturation;            /* counts: the highest trusted count */
  double underload;             /* counts: the lowest trusted count */
  gint32 masked_value;          /* what masked pixels read */
  double wavelength;            /* Angstrom */
  const char *axis_name;        /* the goniometer axis: NULL = "phi" */
  NbNxsCompression compression;
} NbNxsSeries;

/* A 1 x 1 series of 0.1 mm pixels, MOSFLM's frame (beam along +x,
 * detector at 100 mm, rotation about +z), 1 Angstrom, 1 s frames,
 * saturation 2^31 - 1, underload 0, masked pixels -1, bslz4: callers fill
 * in what they know. */
void nb_nxs_series_init (NbNxsSeries * s);

/* @s from the CBF header of the series' first frame (nb_cbf.h), so that
 * both files say the same geometry: nb_nxs_series_init, then size,
 * geometry, sensor thickness, exposure time (count_time) and period
 * (frame_time), count cutoff (saturation), undefined value
 * (masked_value), wavelength; the axis "phi". */
void nb_nxs_series_from_cbf (NbNxsSeries * s, const NbCbfHeader * h);

typedef struct _NbNxsWriter NbNxsWriter;

/* Starts the NXmx file @path (under a temporary name beside it) for
 * @series; chunks are compressed on @pool (NULL: the calling thread).
 * NULL with @error (NB_ERROR_VALUE naming the field, NB_ERROR_FILE) if
 * @series is not one a reader can take or the file cannot be made. */
NbNxsWriter *nb_nxs_writer_new (const char *path, const NbNxsSeries * series,
    NbWorkers * pool, GError ** error);

/* Starts a file of frames only (/entry/data/data), e.g. one rank's part
 * of a series whose master nb_nxs_write_master makes. */
NbNxsWriter *nb_nxs_data_writer_new (const char *path, int width,
    int height, NbNxsCompression compression, NbWorkers * pool,
    GError ** error);

/* Appends one frame: @counts, width x height signed 32-bit little-endian
 * counts, and the goniometer angle at its start and end, degrees (a data
 * file ignores them).  The pixel mask of an NXmx file is that of the
 * first frame: pixels that read the series' masked_value. */
gboolean nb_nxs_writer_add_frame (NbNxsWriter * w, const void *counts,
    double angle_start, double angle_end, GError ** error);

/* The NeXus pixel mask (uint32, bit 0 "gap") of @n signed 32-bit
 * little-endian @counts: 1 where they read @masked.  The mask
 * nb_nxs_writer_add_frame takes from a file's first frame, and a master's
 * (nb_nxs_write_master). */
guint32 *nb_nxs_pixel_mask_of (const void *counts, gsize n, gint32 masked);

/* Frames appended so far. */
guint64 nb_nxs_writer_get_frames (const NbNxsWriter * w);
/* Bytes of chunk data written so far (compressed). */
guint64 nb_nxs_writer_get_bytes (const NbNxsWriter * w);

/* Writes what only the end knows (per-frame angles, the mask), closes
 * the file and renames it to its name; frees @w.  A series without
 * frames is an error and leaves no file. */
gboolean nb_nxs_writer_finish (NbNxsWriter * w, GError ** error);

/* Closes and removes the unfinished file; frees @w (NULL ignored). */
void nb_nxs_writer_abort (NbNxsWriter * w);

/* Writes the NXmx master @path (atomically) of a series of @n_frames
 * frames held by @n_files data files (nb_nxs_data_writer_new): frame i is
 * frame i / n_files of @data_files[i mod n_files] (names as the master's
 * reader resolves them: absolute, or relative to the master's directory).
 * @angle_start, @angle_end: n_frames degrees; @pixel_mask: width x height
 * NeXus mask bits (NULL: none masked). */
gboolean nb_nxs_write_master (const char *path, const NbNxsSeries * series,
    const char *const *data_files, guint n_files, guint64 n_frames,
    const double *angle_start, const double *angle_end,
    const guint32 * pixel_mask, GError ** error);

G_END_DECLS

#endif /* NB_NXS_H */
