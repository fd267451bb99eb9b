/* nb_nxs.c - NXmx files with libhdf5 (see nb_nxs.h). */
#include "nb_nxs.h"
#include "nb_bslz4.h"
#include "nb_error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define DATA_PATH "/entry/data/data"
#define DETECTOR "/entry/instrument/detector"
#define DETECTOR_Z DETECTOR "/transformations/detector_z"
#define MODULE DETECTOR "/module"

struct _NbNxsWriter
{
  gchar *path, *tmp_path;
  gboolean with_geometry;       /* an NXmx file, not a data file */
  NbNxsSeries series;           /* its strings are ours: */
  gchar *material, *axis_name;
  hid_t file, data;
  NbBslz4 *bslz4;               /* NULL for compression none */
  NbWorkers *pool;
  guint64 frames, bytes;
  GArray *angle_start, *angle_end;      /* doubles */
  guint32 *mask;                /* from the first frame */
};

/* ---- errors ---- */

/* Collects the innermost description of the HDF5 error stack. */
static herr_t
last_message (unsigned n, const H5E_error2_t * e, void *data)
{
  gchar **msg = data;

  if (e->desc != NULL && *e->desc != '\0') {
    g_free (*msg);
    *msg = g_strdup (e->desc);
  }
  (void) n;
  return 0;
}

/* Sets @error to "@what: <HDF5's reason>" and clears HDF5's stack. */
static void
set_h5_error (GError ** error, const char *what, const char *path)
{
  gchar *msg = NULL;

  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_DOWNWARD, last_message, &msg);
  H5Eclear2 (H5E_DEFAULT);
  g_set_error (error, NB_ERROR, NB_ERROR_FILE, "%s %s: %s", what, path,
      msg ? msg : "libhdf5 failed");
  g_free (msg);
}

/* HDF5 prints its error stack unless told not to; the errors here become
 * GErrors instead.  The setting is the calling thread's (thread-safe
 * libhdf5) and is put back after each call. */
typedef struct
{
  H5E_auto2_t func;
  void *data;
} Quiet;

static void
quiet_begin (Quiet * q)
{
  H5Eget_auto2 (H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static void
quiet_end (const Quiet * q)
{
  H5Eset_auto2 (H5E_DEFAULT, q->func, q->data);
}

/* ---- names and checks ---- */

gboolean
nb_nxs_compression_from_string (const char *name, NbNxsCompression * out)
{
  if (g_strcmp0 (name, "bslz4") == 0)
    *out = NB_NXS_COMPRESSION_BSLZ4;
  else if (g_strcmp0 (name, "none") == 0)
    *out = NB_NXS_COMPRESSION_NONE;
  else
    return FALSE;
  return TRUE;
}

const char *
nb_nxs_compression_name (NbNxsCompression c)
{
  return c == NB_NXS_COMPRESSION_NONE ? "none" : "bslz4";
}

/* What nb_nxs_bitshuffle_available finds, once per process. */
typedef enum
{
  BITSHUFFLE_PLUGIN = 1,        /* the filter's plugin is loaded */
  BITSHUFFLE_STAND_IN = 2,      /* ours: no plugin */
} BitshuffleFilter;

/* The stand-in's filter function: it refuses to run, and the class says
 * it cannot decode, as a missing plugin does for a reader.  Writes never
 * call it: the chunks are compressed here and written as they are
 * (H5Dwrite_chunk). */
static size_t
bitshuffle_stand_in (unsigned int flags, size_t n_values,
    const unsigned int values[], size_t bytes, size_t *buffer_size,
    void **buffer)
{
  (void) flags, (void) n_values, (void) values, (void) bytes;
  (void) buffer_size, (void) buffer;
  return 0;
}

/* Without the plugin, libhdf5 1.10 (Debian 12's thread-safe build)
 * searches for it again at every dataset create with the optional filter;
 * done from a thread other than the main one (a GStreamer streaming
 * thread), that failed search leaves the library unable to close at exit
 * ("HDF5: infinite loop closing library").  A stand-in class registered
 * under the filter's id ends the searches; it stays registered for the
 * process, as a loaded plugin would. */
static gpointer
find_bitshuffle (gpointer unused)
{
  const H5Z_class2_t stand_in = {
    H5Z_CLASS_T_VERS, NB_NXS_BITSHUFFLE_FILTER, 1, 0,
    "bitshuffle (not installed: nanobragg writes its chunks itself)",
    NULL, NULL, bitshuffle_stand_in
  };
  Quiet q;
  htri_t avail;

  (void) unused;
  quiet_begin (&q);
  avail = H5Zfilter_avail (NB_NXS_BITSHUFFLE_FILTER);
  H5Eclear2 (H5E_DEFAULT);
  if (avail <= 0)
    H5Zregister (&stand_in);
  H5Eclear2 (H5E_DEFAULT);
  quiet_end (&q);
  return GINT_TO_POINTER (avail > 0 ? BITSHUFFLE_PLUGIN
      : BITSHUFFLE_STAND_IN);
}

gboolean
nb_nxs_bitshuffle_available (void)
{
  /* process-wide, as libhdf5's filter registry is */
  static GOnce once = G_ONCE_INIT;
  return GPOINTER_TO_INT (g_once (&once, find_bitshuffle, NULL))
      == BITSHUFFLE_PLUGIN;
}

void
nb_nxs_series_init (NbNxsSeries * s)
{
  memset (s, 0, sizeof (*s));
  s->width = s->height = 1;
  s->geometry.pixel_size = 0.1;
  s->geometry.beam[0] = 1.0;
  s->geometry.fdet[2] = 1.0;
  s->geometry.sdet[1] = -1.0;
  s->geometry.spindle[2] = 1.0;
  s->geometry.pix0[0] = 0.1;
  s->count_time = s->frame_time = 1.0;
  s->saturation = G_MAXINT32;
  s->underload = 0.0;
  s->masked_value = -1;
  s->wavelength = 1.0;
  s->compression = NB_NXS_COMPRESSION_BSLZ4;
}

void
nb_nxs_series_from_cbf (NbNxsSeries * s, const NbCbfHeader * h)
{
  nb_nxs_series_init (s);
  s->width = h->width;
  s->height = h->height;
  nb_cbf_lab_geometry (h, &s->geometry);
  s->thickness = h->thickness;
  s->count_time = h->exposure_time;
  s->frame_time = h->exposure_period;
  s->saturation = h->count_cutoff;
  s->masked_value = h->undefined_value;
  s->wavelength = h->wavelength;
  s->axis_name = "phi";
}

static gboolean
check_size (int width, int height, GError ** error)
{
  if (width >= 1 && height >= 1 && width <= 65536 && height <= 65536
      && (guint64) width * height * 4 < G_MAXUINT32)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "NXmx: bad width/height "
      "%d x %d (1 .. 65536 pixels, a frame under 4 GiB)", width, height);
  return FALSE;
}

static gboolean
valid_axis_name (const char *name)
{
  if (name == NULL)
    return TRUE;
  if (!g_ascii_isalpha (*name) && *name != '_')
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_')
      return FALSE;
  return TRUE;
}

static gboolean
check_series (const NbNxsSeries * s, GError ** error)
{
  const NbLabGeometry *g = &s->geometry;
  const char *bad = NULL;

  if (!check_size (s->width, s->height, error))
    return FALSE;
  if (!(isfinite (g->pixel_size) && g->pixel_size > 0))
    bad = "pixel size (finite, > 0 mm)";
  else if (!(isfinite (s->wavelength) && s->wavelength > 0))
    bad = "wavelength (finite, > 0 Angstrom)";
  else if (!(isfinite (s->thickness) && s->thickness >= 0))
    bad = "sensor thickness (finite, >= 0 mm)";
  else if (!(isfinite (s->count_time) && s->count_time >= 0
          && isfinite (s->frame_time) && s->frame_time >= 0))
    bad = "count/frame time (finite, >= 0 s)";
  else if (!(isfinite (s->saturation) && isfinite (s->underload)
          && s->underload <= s->saturation && s->saturation <= G_MAXINT32
          && s->underload >= G_MININT32))
    bad = "saturation/underload (int32 counts, underload <= saturation)";
  else if (!valid_axis_name (s->axis_name))
    bad = "axis name (letters, digits, _)";
  else if (s->material != NULL && strcmp (s->material, "Si") != 0
      && strcmp (s->material, "Silicon") != 0 && strcmp (s->material,
          "CdTe") != 0 && strcmp (s->material, "GaAs") != 0)
    bad = "sensor material (Si, Silicon, CdTe or GaAs: what dxtbx knows)";
  else {
    const double *vecs[] = { g->pix0, g->fdet, g->sdet, g->beam, g->spindle };
    for (guint k = 0; k < G_N_ELEMENTS (vecs) && bad == NULL; k++) {
      double t[3] = { vecs[k][0], vecs[k][1], vecs[k][2] };
      if (!(isfinite (t[0]) && isfinite (t[1]) && isfinite (t[2]))
          || (k > 0 && !nb_geom_unitize (t)))
        bad = "geometry vectors (finite; axes not 0)";
    }
  }
  if (bad == NULL)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "NXmx: bad %s", bad);
  return FALSE;
}

/* ---- small HDF5 writers; each returns FALSE on failure (the HDF5 error
 * stack says why) ---- */

static hid_t
string_type (void)
{
  hid_t t = H5Tcopy (H5T_C_S1);

  H5Tset_size (t, H5T_VARIABLE);
  H5Tset_cset (t, H5T_CSET_UTF8);
  return t;
}

static gboolean
attr_string (hid_t obj, const char *name, const char *value)
{
  hid_t t = string_type (), sp = H5Screate (H5S_SCALAR);
  hid_t a = H5Acreate2 (obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  gboolean ok = a >= 0 && H5Awrite (a, t, &value) >= 0;

  if (a >= 0)
    H5Aclose (a);
  H5Sclose (sp);
  H5Tclose (t);
  return ok;
}

static gboolean
attr_doubles (hid_t obj, const char *name, const double *v, hsize_t n)
{
  hid_t sp = H5Screate_simple (1, &n, NULL);
  hid_t a = H5Acreate2 (obj, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT,
      H5P_DEFAULT);
  gboolean ok = a >= 0 && H5Awrite (a, H5T_NATIVE_DOUBLE, v) >= 0;

  if (a >= 0)
    H5Aclose (a);
  H5Sclose (sp);
  return ok;
}

static hid_t
group (hid_t parent, const char *name, const char *nx_class)
{
  hid_t g = H5Gcreate2 (parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

  if (g >= 0 && !attr_string (g, "NX_class", nx_class)) {
    H5Gclose (g);
    return -1;
  }
  return g;
}

/* A dataset of @rank dims @dims of @file_type from @mem_type @data;
 * returns it open (the caller adds attributes) or -1. */
static hid_t
dataset (hid_t parent, const char *name, hid_t file_type, hid_t mem_type,
    int rank, const hsize_t * dims, const void *data)
{
  hid_t sp = rank == 0 ? H5Screate (H5S_SCALAR)
      : H5Screate_simple (rank, dims, NULL);
  hid_t d = H5Dcreate2 (parent, name, file_type, sp, H5P_DEFAULT,
      H5P_DEFAULT, H5P_DEFAULT);

  if (d >= 0 && H5Dwrite (d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
          data) < 0) {
    H5Dclose (d);
    d = -1;
  }
  H5Sclose (sp);
  return d;
}

/* A scalar string dataset. */
static gboolean
put_string (hid_t parent, const char *name, const char *value)
{
  hid_t t = string_type ();
  hid_t d = dataset (parent, name, t, t, 0, NULL, &value);

  H5Tclose (t);
  if (d < 0)
    return FALSE;
  H5Dclose (d);
  return TRUE;
}

/* A scalar or 1-d double dataset with units (NULL: none). */
static gboolean
put_doubles (hid_t parent, const char *name, const double *v, hsize_t n,
    gboolean scalar, const char *units)
{
  hid_t d = dataset (parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
      scalar ? 0 : 1, &n, v);
  gboolean ok = d >= 0 && (units == NULL || attr_string (d, "units", units));

  if (d >= 0)
    H5Dclose (d);
  return ok;
}

static gboolean
put_double (hid_t parent, const char *name, double v, const char *units)
{
  return put_doubles (parent, name, &v, 1, TRUE, units);
}

static gboolean
put_int (hid_t parent, const char *name, gint32 v)
{
  hid_t d = dataset (parent, name, H5T_STD_I32LE, H5T_NATIVE_INT32, 0,
      NULL, &v);

  if (d < 0)
    return FALSE;
  H5Dclose (d);
  return TRUE;
}

/* The pixel mask: 4 bytes a pixel and nearly all 0, so deflated (libhdf5's
 * own zlib filter: any libhdf5 reads it; written once, at the end), in
 * bands of rows so that readers need not hold it whole. */
static gboolean
put_mask (hid_t parent, const hsize_t dims[2], const guint32 * mask)
{
  hsize_t chunk[2] = { MIN (dims[0], 256), dims[1] };
  hid_t sp = H5Screate_simple (2, dims, NULL);
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE), d;
  gboolean ok;

  H5Pset_chunk (dcpl, 2, chunk);
  H5Pset_deflate (dcpl, 1);
  d = H5Dcreate2 (parent, "pixel_mask", H5T_STD_U32LE, sp, H5P_DEFAULT,
      dcpl, H5P_DEFAULT);
  ok = d >= 0 && H5Dwrite (d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL,
      H5P_DEFAULT, mask) >= 0;
  if (d >= 0)
    H5Dclose (d);
  H5Pclose (dcpl);
  H5Sclose (sp);
  return ok;
}

/* An NXtransformations axis: @values (n) along/about @vector, after
 * @offset (mm; NULL: none), depending on @depends_on. */
static gboolean
put_axis (hid_t parent, const char *name, const double *values, hsize_t n,
    gboolean scalar, const char *units, const char *type,
    const double vector[3], const double *offset, const char *depends_on)
{
  hid_t d = dataset (parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
      scalar ? 0 : 1, &n, values);
  gboolean ok = d >= 0 && attr_string (d, "units", units)
      && attr_string (d, "transformation_type", type)
      && attr_doubles (d, "vector", vector, 3)
      && attr_string (d, "depends_on", depends_on);

  if (ok && offset != NULL)
    ok = attr_doubles (d, "offset", offset, 3)
        && attr_string (d, "offset_units", "mm");
  if (d >= 0)
    H5Dclose (d);
  return ok;
}

/* ---- the geometry ---- */

/* nanoBragg's lab frame -> NeXus' (McStas: z along the beam, x
 * horizontal, y = z x x): imgCIF's frame (nb_geom.h) turned by 180 deg
 * about y, which is how dxtbx maps NeXus back (diag (-1, 1, -1)). */
static void
mcstas_rotation (const NbLabGeometry * g, double m[3][3])
{
  nb_geom_imgcif_rotation (g, m);
  for (int i = 0; i < 3; i++) {
    m[0][i] = -m[0][i];
    m[2][i] = -m[2][i];
  }
}

/* The detector: detector_z, a translation of the distance along the
 * plane's normal, then the module's offset within the plane (to the
 * outer corner of pixel 0), then its fast and slow pixel directions. */
static gboolean
write_detector (hid_t det, const NbNxsSeries * s, guint64 n_frames,
    const guint32 * mask)
{
  const NbLabGeometry *g = &s->geometry;
  double m[3][3], n_lab[3], normal[3], fast[3], slow[3], origin[3], pix0[3];
  double in_plane[3], bx, by, dist, p = g->pixel_size, zero = 0.0, thickness;
  hsize_t dims[2] = { (hsize_t) s->height, (hsize_t) s->width };
  gint32 origin0[2] = { 0, 0 }, size[2] = { s->height, s->width };
  gint32 stride[2] = { 1, 1 };
  hid_t t, mod, d;
  gboolean ok;

  mcstas_rotation (g, m);
  nb_geom_normal (g, n_lab);
  nb_geom_rotate (m, n_lab, normal);
  nb_geom_rotate (m, g->fdet, fast);
  nb_geom_rotate (m, g->sdet, slow);
  nb_geom_unitize (fast);
  nb_geom_unitize (slow);
  for (int i = 0; i < 3; i++)
    pix0[i] = 1000.0 * g->pix0[i];
  nb_geom_rotate (m, pix0, origin);
  nb_geom_beam_xy (g, &bx, &by, &dist);
  for (int i = 0; i < 3; i++)
    in_plane[i] = origin[i] - dist * normal[i];
  /* dxtbx's parallax model refuses a sensor of no thickness (nanoBragg's
   * default, no parallax): 1 nm of silicon shifts nothing measurable */
  thickness = s->thickness > 0 ? s->thickness : NB_NXS_THIN_SENSOR;

  ok = put_string (det, "depends_on", DETECTOR_Z)
      && put_string (det, "description", "nanoBragg simulated photon "
      "counter") && put_string (det, "type", "pixel")
      && put_string (det, "sensor_material", s->material ? s->material
      : "Si") && put_double (det, "sensor_thickness", thickness, "mm")
      && put_int (det, "saturation_value", (gint32) s->saturation)
      && put_int (det, "underload_value", (gint32) s->underload)
      && put_double (det, "count_time", s->count_time, "s")
      && put_double (det, "frame_time", s->frame_time, "s")
      && put_double (det, "beam_center_x", bx, "pixels")
      && put_double (det, "beam_center_y", by, "pixels")
      && put_double (det, "distance", dist, "mm")
      && put_double (det, "x_pixel_size", p, "mm")
      && put_double (det, "y_pixel_size", p, "mm");
  if (!ok)
    return FALSE;
  if (!put_mask (det, dims, mask))
    return FALSE;
  if ((t = group (det, "transformations", "NXtransformations")) < 0)
    return FALSE;
  ok = put_axis (t, "detector_z", &dist, 1, FALSE, "mm", "translation",
      normal, NULL, ".");
  H5Gclose (t);
  if (!ok || (mod = group (det, "module", "NXdetector_module")) < 0)
    return FALSE;
  dims[0] = 2;
  ok = (d = dataset (mod, "data_origin", H5T_STD_I32LE, H5T_NATIVE_INT32,
          1, dims, origin0)) >= 0 && H5Dclose (d) >= 0
      && (d = dataset (mod, "data_size", H5T_STD_I32LE, H5T_NATIVE_INT32,
          1, dims, size)) >= 0 && H5Dclose (d) >= 0
      && (d = dataset (mod, "data_stride", H5T_STD_I32LE, H5T_NATIVE_INT32,
          1, dims, stride)) >= 0 && H5Dclose (d) >= 0
      && put_axis (mod, "module_offset", &zero, 1, FALSE, "mm",
      "translation", fast, in_plane, DETECTOR_Z)
      && put_axis (mod, "fast_pixel_direction", &p, 1, FALSE, "mm",
      "translation", fast, NULL, MODULE "/module_offset")
      && put_axis (mod, "slow_pixel_direction", &p, 1, FALSE, "mm",
      "translation", slow, NULL, MODULE "/fast_pixel_direction");
  H5Gclose (mod);
  (void) n_frames;
  return ok;
}

/* The goniometer: one rotation axis, its angle at each frame's start
 * (@axis), end (@axis_end) and the difference (@axis_increment_set). */
static gboolean
write_sample (hid_t sample, const NbNxsSeries * s, guint64 n,
    const double *start, const double *end)
{
  const char *axis = s->axis_name ? s->axis_name : "phi";
  gchar *path = g_strdup_printf ("/entry/sample/transformations/%s", axis);
  gchar *end_name = g_strdup_printf ("%s_end", axis);
  gchar *inc_name = g_strdup_printf ("%s_increment_set", axis);
  double m[3][3], vector[3], *inc = g_new (double, n);
  hid_t t;
  gboolean ok;

  for (guint64 i = 0; i < n; i++)
    inc[i] = end[i] - start[i];
  mcstas_rotation (&s->geometry, m);
  nb_geom_rotate (m, s->geometry.spindle, vector);
  nb_geom_unitize (vector);
  ok = put_string (sample, "name", "simulated crystal")
      && put_string (sample, "depends_on", path)
      && (t = group (sample, "transformations", "NXtransformations")) >= 0;
  if (ok) {
    ok = put_axis (t, axis, start, n, FALSE, "deg", "rotation", vector,
        NULL, ".") && put_doubles (t, end_name, end, n, FALSE, "deg")
        && put_doubles (t, inc_name, inc, n, FALSE, "deg");
    H5Gclose (t);
  }
  g_free (inc);
  g_free (inc_name);
  g_free (end_name);
  g_free (path);
  return ok;
}

/* Everything of /entry but /entry/data/data (which @entry's data group
 * @data holds already). */
static gboolean
write_nxmx (hid_t file, hid_t entry, hid_t data, const NbNxsSeries * s,
    guint64 n, const double *start, const double *end,
    const guint32 * mask)
{
  hid_t inst, g;
  gboolean ok;

  ok = attr_string (file, "default", "entry")
      && attr_string (entry, "default", "data")
      && attr_string (data, "signal", "data")
      && put_string (entry, "definition", "NXmx");
  if (!ok || (inst = group (entry, "instrument", "NXinstrument")) < 0)
    return FALSE;
  ok = put_string (inst, "name", "nanoBragg simulation");
  if (ok && (g = group (inst, "beam", "NXbeam")) >= 0) {
    ok = put_double (g, "incident_wavelength", s->wavelength, "angstrom");
    H5Gclose (g);
  } else
    ok = FALSE;
  if (ok && (g = group (inst, "detector", "NXdetector")) >= 0) {
    ok = write_detector (g, s, n, mask);
    H5Gclose (g);
  } else
    ok = FALSE;
  H5Gclose (inst);
  if (ok && (g = group (entry, "source", "NXsource")) >= 0) {
    ok = put_string (g, "name", "nanoBragg simulation");
    H5Gclose (g);
  } else
    ok = FALSE;
  if (ok && (g = group (entry, "sample", "NXsample")) >= 0) {
    ok = write_sample (g, s, n, start, end);
    H5Gclose (g);
  } else
    ok = FALSE;
  return ok;
}

/* ---- files ---- */

/* A new HDF5 file at a fresh temporary name beside @path (*@tmp_path). */
static hid_t
create_temporary (const char *path, gchar ** tmp_path, GError ** error)
{
  gchar *tmpl = g_strdup_printf ("%s.XXXXXX.part", path);
  /* 0666 less the umask, as any new file (g_mkstemp would make it 0600) */
  int fd = g_mkstemp_full (tmpl, O_RDWR, 0666);
  hid_t fapl, file;

  if (fd < 0) {
    int e = errno;
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "cannot write %s: %s", path,
        g_strerror (e));
    g_free (tmpl);
    return -1;
  }
  close (fd);
  /* the 1.10 file format: virtual datasets and the readers' SWMR opens */
  fapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_libver_bounds (fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  file = H5Fcreate (tmpl, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose (fapl);
  if (file < 0) {
    set_h5_error (error, "cannot create", path);
    g_unlink (tmpl);
    g_free (tmpl);
    return -1;
  }
  *tmp_path = tmpl;
  return file;
}

/* /entry and /entry/data, both NeXus groups; the entry is returned open,
 * *@data too. */
static hid_t
create_entry (hid_t file, hid_t * data)
{
  hid_t entry = group (file, "entry", "NXentry");

  if (entry < 0)
    return -1;
  if ((*data = group (entry, "data", "NXdata")) < 0) {
    H5Gclose (entry);
    return -1;
  }
  return entry;
}

/* The frames' dataset: [0, height, width] growing along frames, one chunk
 * a frame, with the bitshuffle filter in its pipeline for bslz4 (the
 * chunks are written compressed, the filter only reads them). */
static hid_t
create_frames (hid_t data, int width, int height, NbNxsCompression c)
{
  hsize_t dims[3] = { 0, (hsize_t) height, (hsize_t) width };
  hsize_t max[3] = { H5S_UNLIMITED, (hsize_t) height, (hsize_t) width };
  hsize_t chunk[3] = { 1, (hsize_t) height, (hsize_t) width };
  hid_t sp = H5Screate_simple (3, dims, max), dcpl = H5Pcreate
      (H5P_DATASET_CREATE), d;

  H5Pset_chunk (dcpl, 3, chunk);
  H5Pset_fill_time (dcpl, H5D_FILL_TIME_NEVER);
  if (c == NB_NXS_COMPRESSION_BSLZ4) {
    /* block size 0 (the filter's default), 2 = LZ4.  The filter's
     * set_local, when its plugin is loaded, puts its version and the
     * element size first; without the plugin nothing does, so the full
     * five values are written here (checked after the create). */
    unsigned user[2] = { 0, 2 };
    unsigned full[5] = { 0, 3, 4, 0, 2 };
    if (nb_nxs_bitshuffle_available ())
      H5Pset_filter (dcpl, NB_NXS_BITSHUFFLE_FILTER, H5Z_FLAG_OPTIONAL, 2,
          user);
    else
      H5Pset_filter (dcpl, NB_NXS_BITSHUFFLE_FILTER, H5Z_FLAG_OPTIONAL, 5,
          full);
  }
  d = H5Dcreate2 (data, "data", H5T_STD_I32LE, sp, H5P_DEFAULT, dcpl,
      H5P_DEFAULT);
  H5Pclose (dcpl);
  H5Sclose (sp);
  return d;
}

/* Whether @d's bitshuffle parameters are element size 4, default blocks,
 * LZ4: what the chunks are. */
static gboolean
check_filter (hid_t d, GError ** error, const char *path)
{
  hid_t dcpl = H5Dget_create_plist (d);
  unsigned flags, cd[8] = { 0 };
  size_t n = G_N_ELEMENTS (cd);
  gboolean ok = H5Pget_filter_by_id2 (dcpl, NB_NXS_BITSHUFFLE_FILTER,
      &flags, &n, cd, 0, NULL, NULL) >= 0 && n >= 5 && cd[2] == 4
      && cd[3] == 0 && cd[4] == 2;

  H5Pclose (dcpl);
  if (!ok) {
    H5Eclear2 (H5E_DEFAULT);
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "%s: the bitshuffle "
        "filter's parameters came out as %u values (%u %u %u %u %u), not "
        "the 5 of LZ4 on 4-byte elements", path, (unsigned) n, cd[0], cd[1],
        cd[2], cd[3], cd[4]);
  }
  return ok;
}

static NbNxsWriter *
writer_new (const char *path, int width, int height, NbNxsCompression c,
    NbWorkers * pool, GError ** error)
{
  NbNxsWriter *w;
  hid_t entry, data;
  Quiet q;

  if (!check_size (width, height, error))
    return NULL;
  if (path == NULL || *path == '\0') {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "no file name");
    return NULL;
  }
  w = g_new0 (NbNxsWriter, 1);
  w->path = g_strdup (path);
  w->pool = pool;
  w->file = w->data = -1;
  w->angle_start = g_array_new (FALSE, FALSE, sizeof (double));
  w->angle_end = g_array_new (FALSE, FALSE, sizeof (double));
  nb_nxs_series_init (&w->series);
  w->series.width = width;
  w->series.height = height;
  w->series.compression = c;
  quiet_begin (&q);
  w->file = create_temporary (path, &w->tmp_path, error);
  if (w->file >= 0 && (entry = create_entry (w->file, &data)) >= 0) {
    w->data = create_frames (data, width, height, c);
    H5Gclose (data);
    H5Gclose (entry);
  }
  if (w->file >= 0 && w->data < 0)
    set_h5_error (error, "cannot create the frames of", path);
  else if (w->data >= 0 && c == NB_NXS_COMPRESSION_BSLZ4
      && !check_filter (w->data, error, path)) {
    H5Dclose (w->data);
    w->data = -1;
  }
  quiet_end (&q);
  if (w->data < 0) {
    nb_nxs_writer_abort (w);
    return NULL;
  }
  if (c == NB_NXS_COMPRESSION_BSLZ4)
    w->bslz4 = nb_bslz4_new ((gsize) width * height, 4,
        nb_workers_get_threads (pool) * 4);
  return w;
}

NbNxsWriter *
nb_nxs_data_writer_new (const char *path, int width, int height,
    NbNxsCompression compression, NbWorkers * pool, GError ** error)
{
  return writer_new (path, width, height, compression, pool, error);
}

NbNxsWriter *
nb_nxs_writer_new (const char *path, const NbNxsSeries * series,
    NbWorkers * pool, GError ** error)
{
  NbNxsWriter *w;

  if (!check_series (series, error))
    return NULL;
  w = writer_new (path, series->width, series->height, series->compression,
      pool, error);
  if (w == NULL)
    return NULL;
  w->with_geometry = TRUE;
  w->series = *series;
  w->material = g_strdup (series->material);
  w->axis_name = g_strdup (series->axis_name);
  w->series.material = w->material;
  w->series.axis_name = w->axis_name;
  return w;
}

guint32 *
nb_nxs_pixel_mask_of (const void *counts, gsize n, gint32 masked)
{
  const guint8 *bytes = counts;
  guint32 *mask = g_new (guint32, n);

  for (gsize i = 0; i < n; i++) {
    gint32 v;
    memcpy (&v, bytes + 4 * i, 4);
    mask[i] = GINT32_FROM_LE (v) == masked ? 1u : 0u;
  }
  return mask;
}

gboolean
nb_nxs_writer_add_frame (NbNxsWriter * w, const void *counts,
    double angle_start, double angle_end, GError ** error)
{
  gsize n = (gsize) w->series.width * w->series.height, len = n * 4;
  hsize_t dims[3] = { w->frames + 1, (hsize_t) w->series.height,
    (hsize_t) w->series.width
  };
  hsize_t offset[3] = { w->frames, 0, 0 };
  const void *chunk = counts;
  gboolean ok;
  Quiet q;

  if (!(isfinite (angle_start) && isfinite (angle_end))) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "NXmx: frame %"
        G_GUINT64_FORMAT ": bad angles (finite degrees)", w->frames);
    return FALSE;
  }
  if (w->bslz4 != NULL)
    chunk = nb_bslz4_compress (w->bslz4, counts, w->pool, &len);
  quiet_begin (&q);
  ok = H5Dset_extent (w->data, dims) >= 0
      && H5Dwrite_chunk (w->data, H5P_DEFAULT, 0, offset, len, chunk) >= 0;
  if (!ok)
    set_h5_error (error, "cannot write a frame to", w->path);
  quiet_end (&q);
  if (!ok)
    return FALSE;
  if (w->with_geometry && w->frames == 0)
    w->mask = nb_nxs_pixel_mask_of (counts, n, w->series.masked_value);
  g_array_append_val (w->angle_start, angle_start);
  g_array_append_val (w->angle_end, angle_end);
  w->frames++;
  w->bytes += len;
  return TRUE;
}

guint64
nb_nxs_writer_get_frames (const NbNxsWriter * w)
{
  return w->frames;
}

guint64
nb_nxs_writer_get_bytes (const NbNxsWriter * w)
{
  return w->bytes;
}

static void
writer_free (NbNxsWriter * w)
{
  nb_bslz4_free (w->bslz4);
  g_array_unref (w->angle_start);
  g_array_unref (w->angle_end);
  g_free (w->mask);
  g_free (w->material);
  g_free (w->axis_name);
  g_free (w->path);
  g_free (w->tmp_path);
  g_free (w);
}

void
nb_nxs_writer_abort (NbNxsWriter * w)
{
  Quiet q;

  if (w == NULL)
    return;
  quiet_begin (&q);
  if (w->data >= 0)
    H5Dclose (w->data);
  if (w->file >= 0)
    H5Fclose (w->file);
  H5Eclear2 (H5E_DEFAULT);
  quiet_end (&q);
  if (w->tmp_path != NULL)
    g_unlink (w->tmp_path);
  writer_free (w);
}

/* Closes @file (FALSE with @error if that fails) and renames @tmp to
 * @path. */
static gboolean
close_and_rename (hid_t file, const char *tmp, const char *path,
    GError ** error)
{
  if (H5Fclose (file) < 0) {
    set_h5_error (error, "cannot close", path);
    return FALSE;
  }
  if (g_rename (tmp, path) != 0) {
    int e = errno;
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "cannot rename %s to %s: "
        "%s", tmp, path, g_strerror (e));
    return FALSE;
  }
  return TRUE;
}

gboolean
nb_nxs_writer_finish (NbNxsWriter * w, GError ** error)
{
  gboolean ok = TRUE;
  hid_t entry = -1, data = -1;
  Quiet q;

  if (w->frames == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "%s: no frames: no file "
        "written", w->path);
    nb_nxs_writer_abort (w);
    return FALSE;
  }
  quiet_begin (&q);
  H5Dclose (w->data);
  w->data = -1;
  if (w->with_geometry) {
    ok = (entry = H5Gopen2 (w->file, "/entry", H5P_DEFAULT)) >= 0
        && (data = H5Gopen2 (entry, "data", H5P_DEFAULT)) >= 0
        && write_nxmx (w->file, entry, data, &w->series, w->frames,
        (const double *) w->angle_start->data,
        (const double *) w->angle_end->data, w->mask);
    if (data >= 0)
      H5Gclose (data);
    if (entry >= 0)
      H5Gclose (entry);
    if (!ok)
      set_h5_error (error, "cannot write the NXmx geometry of", w->path);
  }
  if (ok) {
    ok = close_and_rename (w->file, w->tmp_path, w->path, error);
    w->file = -1;
  }
  quiet_end (&q);
  if (!ok) {
    nb_nxs_writer_abort (w);
    return FALSE;
  }
  writer_free (w);
  return TRUE;
}

/* /entry/data/data of the master: frame i of the series is frame
 * i / n_files of data file i mod n_files. */
static hid_t
create_virtual_frames (hid_t data, const NbNxsSeries * s,
    const char *const *files, guint n_files, guint64 n_frames)
{
  hsize_t dims[3] = { n_frames, (hsize_t) s->height, (hsize_t) s->width };
  hid_t vspace = H5Screate_simple (3, dims, NULL);
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE), d = -1;
  gboolean ok = TRUE;

  for (guint r = 0; r < n_files && ok && r < n_frames; r++) {
    hsize_t count = (n_frames - r + n_files - 1) / n_files;
    hsize_t src_dims[3] = { count, dims[1], dims[2] };
    hsize_t start[3] = { r, 0, 0 }, stride[3] = { n_files, 1, 1 };
    hsize_t cnt[3] = { count, 1, 1 }, block[3] = { 1, dims[1], dims[2] };
    hid_t src = H5Screate_simple (3, src_dims, NULL);
    ok = H5Sselect_hyperslab (vspace, H5S_SELECT_SET, start, stride, cnt,
        block) >= 0 && H5Pset_virtual (dcpl, vspace, files[r], DATA_PATH,
        src) >= 0;
    H5Sclose (src);
  }
  H5Sselect_all (vspace);
  if (ok)
    d = H5Dcreate2 (data, "data", H5T_STD_I32LE, vspace, H5P_DEFAULT, dcpl,
        H5P_DEFAULT);
  H5Pclose (dcpl);
  H5Sclose (vspace);
  return d;
}

gboolean
nb_nxs_write_master (const char *path, const NbNxsSeries * series,
    const char *const *data_files, guint n_files, guint64 n_frames,
    const double *angle_start, const double *angle_end,
    const guint32 * pixel_mask, GError ** error)
{
  gsize n_pix = (gsize) series->width * series->height;
  guint32 *no_mask = NULL;
  gchar *tmp = NULL;
  hid_t file, entry = -1, data = -1, d = -1;
  gboolean ok;
  Quiet q;

  if (!check_series (series, error))
    return FALSE;
  if (n_files < 1 || n_frames < 1 || data_files == NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "NXmx master %s: needs "
        ">= 1 data file and >= 1 frame (%u files, %" G_GUINT64_FORMAT
        " frames)", path, n_files, n_frames);
    return FALSE;
  }
  for (guint64 i = 0; i < n_frames; i++)
    if (!(isfinite (angle_start[i]) && isfinite (angle_end[i]))) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "NXmx master %s: frame "
          "%" G_GUINT64_FORMAT ": bad angles (finite degrees)", path, i);
      return FALSE;
    }
  if (pixel_mask == NULL)
    pixel_mask = no_mask = g_new0 (guint32, n_pix);
  quiet_begin (&q);
  file = create_temporary (path, &tmp, error);
  ok = file >= 0;
  if (ok) {
    ok = (entry = create_entry (file, &data)) >= 0
        && (d = create_virtual_frames (data, series, data_files, n_files,
            n_frames)) >= 0 && write_nxmx (file, entry, data, series,
        n_frames, angle_start, angle_end, pixel_mask);
    if (!ok)
      set_h5_error (error, "cannot write the NXmx master", path);
    if (d >= 0)
      H5Dclose (d);
    if (data >= 0)
      H5Gclose (data);
    if (entry >= 0)
      H5Gclose (entry);
    if (ok)
      ok = close_and_rename (file, tmp, path, error);
    else
      H5Fclose (file);
    if (!ok)
      g_unlink (tmp);
  }
  quiet_end (&q);
  g_free (tmp);
  g_free (no_mask);
  return ok;
}
