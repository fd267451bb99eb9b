/* nb_cbf.c - CBF files: the imgCIF text, the Pilatus header and threaded
 * byte-offset compression (see nb_cbf.h). */
#include "nb_cbf.h"
#include "nb_error.h"
#include "nb_fileio.h"
#include "nb_geom.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* The four bytes that start CBF binary data. */
static const guint8 cbf_binary_start[4] = { 0x0c, 0x1a, 0x04, 0xd5 };

#define CBF_TRAILER "\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n"

void
nb_cbf_header_init (NbCbfHeader * h)
{
  memset (h, 0, sizeof (*h));
  h->width = h->height = 1;
  h->pixel_size = 0.1;
  h->exposure_time = h->exposure_period = 1.0;
  h->count_cutoff = G_MAXINT32;
  h->undefined_value = -1;
  h->wavelength = 1.0;
  h->frame_number = 1;
  /* nanoBragg's MOSFLM defaults: beam along +x, detector at 100 mm */
  h->beam[0] = 1.0;
  h->fdet[2] = 1.0;
  h->sdet[1] = -1.0;
  h->spindle[2] = 1.0;
  h->pix0[0] = 0.1;
}

/* ---- geometry (nb_geom.h) ---- */

void
nb_cbf_lab_geometry (const NbCbfHeader * h, NbLabGeometry * g)
{
  memcpy (g->pix0, h->pix0, sizeof (g->pix0));
  memcpy (g->fdet, h->fdet, sizeof (g->fdet));
  memcpy (g->sdet, h->sdet, sizeof (g->sdet));
  memcpy (g->beam, h->beam, sizeof (g->beam));
  memcpy (g->spindle, h->spindle, sizeof (g->spindle));
  g->pixel_size = h->pixel_size;
}

void
nb_cbf_lab_rotation (const NbCbfHeader * h, double m[3][3])
{
  NbLabGeometry g;

  nb_cbf_lab_geometry (h, &g);
  nb_geom_imgcif_rotation (&g, m);
}

gboolean
nb_cbf_beam_xy (const NbCbfHeader * h, double *x, double *y,
    double *distance)
{
  NbLabGeometry g;

  nb_cbf_lab_geometry (h, &g);
  return nb_geom_beam_xy (&g, x, y, distance);
}

/* ---- text ---- */

/* @v with all the digits a double needs, C locale. */
static void
append_number (GString * s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, g_ascii_formatd (buf, sizeof (buf), "%.17g", v));
}

/* @v with printf format @fmt (one double), C locale. */
static void
append_fixed (GString * s, const char *fmt, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, g_ascii_formatd (buf, sizeof (buf), fmt, v));
}

static void
append_vector (GString * s, const double v[3])
{
  for (int i = 0; i < 3; i++) {
    g_string_append_c (s, ' ');
    append_number (s, v[i]);
  }
}

/* ISO 8601 UTC time of @t seconds since the epoch, milliseconds. */
static void
append_timestamp (GString * s, double t)
{
  GDateTime *dt;
  gchar *text;
  double whole = floor (t);
  int ms = (int) floor ((t - whole) * 1000.0 + 0.5);

  if (ms >= 1000) {
    whole += 1.0;
    ms -= 1000;
  }
  dt = g_date_time_new_from_unix_utc ((gint64) whole);
  text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  g_string_append_printf (s, "%s.%03d", text, ms);
  g_free (text);
  g_date_time_unref (dt);
}

/* The Pilatus 1.2 header lines (the header_contents text field). */
static void
append_pilatus_header (GString * s, const NbCbfHeader * h)
{
  double bx, by, dist;
  const char *material = h->material ? h->material : "Silicon";

  nb_cbf_beam_xy (h, &bx, &by, &dist);
  g_string_append_printf (s, "# Detector: %s\r\n",
      h->detector ? h->detector : "nanoBragg simulated photon counter");
  g_string_append (s, "# ");
  append_timestamp (s, h->timestamp);
  g_string_append (s, "\r\n# Pixel_size ");
  append_fixed (s, "%.6g", h->pixel_size * 1000.0);
  g_string_append (s, "e-6 m x ");
  append_fixed (s, "%.6g", h->pixel_size * 1000.0);
  g_string_append_printf (s, "e-6 m\r\n# %s sensor, thickness ", material);
  append_fixed (s, "%.6f", h->thickness / 1000.0);
  g_string_append (s, " m\r\n# Exposure_time ");
  append_fixed (s, "%.7f", h->exposure_time);
  g_string_append (s, " s\r\n# Exposure_period ");
  append_fixed (s, "%.7f", h->exposure_period);
  g_string_append (s, " s\r\n# Tau = 0 s\r\n# Count_cutoff ");
  append_fixed (s, "%.0f", h->count_cutoff);
  g_string_append (s, " counts\r\n# Threshold_setting: 0 eV\r\n"
      "# Gain_setting: not implemented (vrf = 0.000)\r\n"
      "# N_excluded_pixels = 0\r\n# Excluded_pixels: (nil)\r\n"
      "# Flat_field: (nil)\r\n# Trim_file: (nil)\r\n# Image_path: /\r\n"
      "# Wavelength ");
  append_fixed (s, "%.6f", h->wavelength);
  g_string_append (s, " A\r\n# Detector_distance ");
  append_fixed (s, "%.8f", dist / 1000.0);
  g_string_append (s, " m\r\n# Beam_xy (");
  append_fixed (s, "%.4f", bx);
  g_string_append (s, ", ");
  append_fixed (s, "%.4f", by);
  g_string_append (s, ") pixels\r\n# Start_angle ");
  append_fixed (s, "%.6f", h->start_angle);
  g_string_append (s, " deg.\r\n# Angle_increment ");
  append_fixed (s, "%.6f", h->angle_increment);
  g_string_append (s, " deg.\r\n# Detector_2theta ");
  append_fixed (s, "%.6f", h->twotheta);
  g_string_append (s, " deg.\r\n# Phi ");
  append_fixed (s, "%.6f", h->start_angle);
  g_string_append (s, " deg.\r\n# Phi_increment ");
  append_fixed (s, "%.6f", h->angle_increment);
  g_string_append (s, " deg.\r\n# Oscillation_axis SPINDLE (the _axis "
      "GONIOMETER_PHI below)\r\n# N_oscillations 1\r\n");
}

/* The imgCIF categories that carry the exact geometry (dxtbx's
 * FormatCBFFull builds its models from these through CBFlib). */
static void
append_geometry (GString * s, const NbCbfHeader * h)
{
  double m[3][3], fast[3], slow[3], origin[3], source[3], axis[3], bx, by;
  double dist, mm_pix0[3];
  double p = h->pixel_size;

  nb_cbf_lab_rotation (h, m);
  nb_geom_rotate (m, h->fdet, fast);
  nb_geom_rotate (m, h->sdet, slow);
  nb_geom_rotate (m, h->spindle, axis);
  nb_geom_rotate (m, h->beam, source);
  for (int i = 0; i < 3; i++) {
    source[i] = -source[i];
    mm_pix0[i] = 1000.0 * h->pix0[i];
  }
  nb_geom_rotate (m, mm_pix0, origin);
  nb_cbf_beam_xy (h, &bx, &by, &dist);

  g_string_append (s, "_diffrn.id DS1\r\n"
      "_diffrn_source.diffrn_id DS1\r\n"
      "_diffrn_source.source simulation\r\n"
      "_diffrn_source.type 'nanoBragg simulation'\r\n"
      "_diffrn_radiation.diffrn_id DS1\r\n"
      "_diffrn_radiation.wavelength_id WAVELENGTH1\r\n"
      "_diffrn_radiation_wavelength.id WAVELENGTH1\r\n"
      "_diffrn_radiation_wavelength.wavelength ");
  append_number (s, h->wavelength);
  g_string_append (s, "\r\n_diffrn_radiation_wavelength.wt 1.0\r\n"
      "_diffrn_detector.diffrn_id DS1\r\n"
      "_diffrn_detector.id DETECTOR1\r\n"
      "_diffrn_detector.type 'nanoBragg simulated photon counter'\r\n"
      "_diffrn_detector.number_of_axes 1\r\n"
      "_diffrn_detector_axis.detector_id DETECTOR1\r\n"
      "_diffrn_detector_axis.axis_id DETECTOR_PLACEMENT\r\n"
      "_diffrn_detector_element.id ELEMENT1\r\n"
      "_diffrn_detector_element.detector_id DETECTOR1\r\n"
      "_diffrn_data_frame.id FRAME1\r\n"
      "_diffrn_data_frame.detector_element_id ELEMENT1\r\n"
      "_diffrn_data_frame.array_id IMAGE1\r\n"
      "_diffrn_data_frame.binary_id 1\r\n"
      "_diffrn_measurement.diffrn_id DS1\r\n"
      "_diffrn_measurement.id GONIOMETER\r\n"
      "_diffrn_measurement.number_of_axes 1\r\n"
      "_diffrn_measurement.method rotation\r\n"
      "_diffrn_measurement.sample_detector_distance ");
  append_number (s, dist);
  g_string_append (s, "\r\n_diffrn_measurement_axis.measurement_id GONIOMETER\r\n"
      "_diffrn_measurement_axis.axis_id GONIOMETER_PHI\r\n"
      "_diffrn_scan.id SCAN1\r\n"
      "_diffrn_scan.frame_id_start FRAME1\r\n"
      "_diffrn_scan.frame_id_end FRAME1\r\n"
      "_diffrn_scan.frames 1\r\n"
      "loop_\r\n_diffrn_scan_axis.scan_id\r\n_diffrn_scan_axis.axis_id\r\n"
      "_diffrn_scan_axis.angle_start\r\n_diffrn_scan_axis.angle_range\r\n"
      "_diffrn_scan_axis.angle_increment\r\n"
      "_diffrn_scan_axis.displacement_start\r\n"
      "_diffrn_scan_axis.displacement_range\r\n"
      "_diffrn_scan_axis.displacement_increment\r\n"
      "SCAN1 GONIOMETER_PHI ");
  append_number (s, h->start_angle);
  g_string_append_c (s, ' ');
  append_number (s, h->angle_increment);
  g_string_append_c (s, ' ');
  append_number (s, h->angle_increment);
  g_string_append (s, " 0 0 0\r\nSCAN1 DETECTOR_PLACEMENT 0 0 0 0 0 0\r\n"
      "_diffrn_scan_frame.frame_id FRAME1\r\n"
      "_diffrn_scan_frame.scan_id SCAN1\r\n"
      "_diffrn_scan_frame.frame_number ");
  g_string_append_printf (s, "%d\r\n_diffrn_scan_frame.integration_time ",
      h->frame_number);
  append_number (s, h->exposure_time);
  g_string_append (s, "\r\n_diffrn_scan_frame.exposure_time ");
  append_number (s, h->exposure_time);
  g_string_append (s, "\r\n_diffrn_scan_frame.date ");
  append_timestamp (s, h->timestamp);
  g_string_append (s, "\r\nloop_\r\n_diffrn_scan_frame_axis.frame_id\r\n"
      "_diffrn_scan_frame_axis.axis_id\r\n_diffrn_scan_frame_axis.angle\r\n"
      "_diffrn_scan_frame_axis.displacement\r\nFRAME1 GONIOMETER_PHI ");
  append_number (s, h->start_angle);
  g_string_append (s, " 0\r\nFRAME1 DETECTOR_PLACEMENT 0 0\r\n");

  /* The detector: ELEMENT_X runs along the rows (fast) from the outer
   * corner of pixel 0 (its offset), ELEMENT_Y along the columns.  The
   * displacement of the first pixel is 0: dxtbx takes CBFlib's coordinate
   * of pixel (0, 0) as the panel origin, the corner (checked against
   * dxtbx in tests/check_cbf.py). */
  g_string_append (s, "loop_\r\n_axis.id\r\n_axis.type\r\n_axis.equipment\r\n"
      "_axis.depends_on\r\n_axis.vector[1]\r\n_axis.vector[2]\r\n"
      "_axis.vector[3]\r\n_axis.offset[1]\r\n_axis.offset[2]\r\n"
      "_axis.offset[3]\r\nSOURCE general source .");
  append_vector (s, source);
  g_string_append (s, " . . .\r\nGONIOMETER_PHI rotation goniometer .");
  append_vector (s, axis);
  g_string_append (s, " . . .\r\nDETECTOR_PLACEMENT translation detector . "
      "0 0 1 0 0 0\r\nELEMENT_X translation detector DETECTOR_PLACEMENT");
  append_vector (s, fast);
  append_vector (s, origin);
  g_string_append (s, "\r\nELEMENT_Y translation detector ELEMENT_X");
  append_vector (s, slow);
  g_string_append (s, " 0 0 0\r\n");

  g_string_append (s, "loop_\r\n_array_structure_list.array_id\r\n"
      "_array_structure_list.index\r\n_array_structure_list.dimension\r\n"
      "_array_structure_list.precedence\r\n"
      "_array_structure_list.direction\r\n"
      "_array_structure_list.axis_set_id\r\n");
  g_string_append_printf (s, "IMAGE1 1 %d 1 increasing ELEMENT_X\r\n"
      "IMAGE1 2 %d 2 increasing ELEMENT_Y\r\n", h->width, h->height);
  g_string_append (s, "loop_\r\n_array_structure_list_axis.axis_set_id\r\n"
      "_array_structure_list_axis.axis_id\r\n"
      "_array_structure_list_axis.displacement\r\n"
      "_array_structure_list_axis.displacement_increment\r\n"
      "ELEMENT_X ELEMENT_X 0 ");
  append_number (s, p);
  g_string_append (s, "\r\nELEMENT_Y ELEMENT_Y 0 ");
  append_number (s, p);
  g_string_append (s, "\r\nloop_\r\n_array_element_size.array_id\r\n"
      "_array_element_size.index\r\n_array_element_size.size\r\n"
      "IMAGE1 1 ");
  append_number (s, p / 1000.0);
  g_string_append (s, "\r\nIMAGE1 2 ");
  append_number (s, p / 1000.0);
  g_string_append (s, "\r\n_array_intensities.array_id IMAGE1\r\n"
      "_array_intensities.binary_id 1\r\n"
      "_array_intensities.linearity linear\r\n"
      "_array_intensities.gain 1.0\r\n"
      "_array_intensities.gain_esd 0.0\r\n"
      "_array_intensities.overload ");
  append_fixed (s, "%.0f", h->count_cutoff);
  g_string_append_printf (s, "\r\n_array_intensities.undefined_value %d\r\n"
      "_array_structure.id IMAGE1\r\n"
      "_array_structure.encoding_type \"signed 32-bit integer\"\r\n"
      "_array_structure.compression_type \"x-CBF_BYTE_OFFSET\"\r\n"
      "_array_structure.byte_order little_endian\r\n\r\n",
      (int) h->undefined_value);
}

/* Everything before the binary data, ending with its 4 start bytes. */
static GString *
header_text (const NbCbfHeader * h, gsize binary_size)
{
  GString *s = g_string_new (NULL);
  gsize n = (gsize) h->width * h->height;

  g_string_append_printf (s, "###CBF: VERSION 1.5, nanobragg\r\n\r\n"
      "data_frame_%05d\r\n\r\n", h->frame_number);
  /* not "PILATUS_1.2": dxtbx would then take the file for a real Pilatus
   * and insist on its module sizes (docs/formats.md) */
  g_string_append (s, "_array_data.header_convention \"GENERIC_MINI\"\r\n"
      "_array_data.header_contents\r\n;\r\n");
  append_pilatus_header (s, h);
  g_string_append (s, ";\r\n\r\n");
  append_geometry (s, h);
  g_string_append_printf (s, "_array_data.array_id IMAGE1\r\n"
      "_array_data.binary_id 1\r\n_array_data.data\r\n;\r\n"
      "--CIF-BINARY-FORMAT-SECTION--\r\n"
      "Content-Type: application/octet-stream;\r\n"
      "     conversions=\"x-CBF_BYTE_OFFSET\"\r\n"
      "Content-Transfer-Encoding: BINARY\r\n"
      "X-Binary-Size: %" G_GSIZE_FORMAT "\r\n"
      "X-Binary-ID: 1\r\n"
      "X-Binary-Element-Type: \"signed 32-bit integer\"\r\n"
      "X-Binary-Element-Byte-Order: LITTLE_ENDIAN\r\n"
      "X-Binary-Number-of-Elements: %" G_GSIZE_FORMAT "\r\n"
      "X-Binary-Size-Fastest-Dimension: %d\r\n"
      "X-Binary-Size-Second-Dimension: %d\r\n"
      "X-Binary-Size-Padding: 0\r\n\r\n", binary_size, n, h->width,
      h->height);
  g_string_append_len (s, (const char *) cbf_binary_start, 4);
  return s;
}

/* ---- byte-offset compression ---- */

static inline gint64
pixel_at (const void *pixels, NbCbfPixels type, gsize i)
{
  if (type == NB_CBF_PIXELS_S32) {
    gint32 v;
    memcpy (&v, (const guint8 *) pixels + 4 * i, 4);
    return GINT32_FROM_LE (v);
  } else {
    guint16 v;
    memcpy (&v, (const guint8 *) pixels + 2 * i, 2);
    return GUINT16_FROM_LE (v);
  }
}

/* Bytes of one delta: 1, else 0x80 + 2, else 0x80 0x0080 + 4, else
 * 0x80 0x0080 0x00000080 + 8 (the CBF byte-offset rules).  Branches, as
 * most deltas of a diffraction frame fit in one byte: measured faster
 * here than branch-free 64- or 32-bit forms, which GCC -O2 does not
 * vectorise anyway. */
static inline gsize
delta_bytes (gint64 d)
{
  if (G_LIKELY (d >= -127 && d <= 127))
    return 1;
  if (d >= -32767 && d <= 32767)
    return 3;
  if (d >= -2147483647 && d <= 2147483647)
    return 7;
  return 15;
}

#define PACKED_SIZE_LOOP(READ) \
  for (gsize i = begin; i < end; i++) { \
    gint64 v = READ; \
    size += delta_bytes (v - prev); \
    prev = v; \
  }

/* Bytes of the compressed pixels begin .. end-1; the first delta is from
 * the pixel before @begin (0 before the first). */
static gsize
packed_size (const void *pixels, NbCbfPixels type, gsize begin, gsize end)
{
  gint64 prev = begin > 0 ? pixel_at (pixels, type, begin - 1) : 0;
  gsize size = 0;

  /* one loop per type: the switch stays out of the pixel loop */
  if (type == NB_CBF_PIXELS_S32) {
    PACKED_SIZE_LOOP (pixel_at (pixels, NB_CBF_PIXELS_S32, i));
  } else {
    PACKED_SIZE_LOOP (pixel_at (pixels, NB_CBF_PIXELS_U16, i));
  }
  return size;
}

/* The escaped forms of a delta that does not fit in one byte. */
static guint8 *
pack_wide_delta (guint8 * out, gint64 d)
{
  *out++ = 0x80;
  if (d >= -32767 && d <= 32767) {
    guint16 le = GUINT16_TO_LE ((guint16) (gint16) d);
    memcpy (out, &le, 2);
    return out + 2;
  }
  *out++ = 0x00;
  *out++ = 0x80;
  if (d >= -2147483647 && d <= 2147483647) {
    guint32 le = GUINT32_TO_LE ((guint32) (gint32) d);
    memcpy (out, &le, 4);
    return out + 4;
  }
  memcpy (out, "\x00\x00\x00\x80", 4);
  out += 4;
  {
    guint64 le = GUINT64_TO_LE ((guint64) d);
    memcpy (out, &le, 8);
  }
  return out + 8;
}

static inline guint8 *
pack_delta (guint8 * out, gint64 d)
{
  /* most deltas of diffraction frames fit in one byte */
  if (G_LIKELY (d >= -127 && d <= 127)) {
    *out = (guint8) (gint8) d;
    return out + 1;
  }
  return pack_wide_delta (out, d);
}

#define PACK_LOOP(READ) \
  for (gsize i = begin; i < end; i++) { \
    gint64 v = READ; \
    out = pack_delta (out, v - prev); \
    prev = v; \
  }

static void
pack (const void *pixels, NbCbfPixels type, gsize begin, gsize end,
    guint8 * out)
{
  gint64 prev = begin > 0 ? pixel_at (pixels, type, begin - 1) : 0;

  if (type == NB_CBF_PIXELS_S32) {
    PACK_LOOP (pixel_at (pixels, NB_CBF_PIXELS_S32, i));
  } else {
    PACK_LOOP (pixel_at (pixels, NB_CBF_PIXELS_U16, i));
  }
}

/* ---- plan and write ---- */

struct _NbCbfPlan
{
  const void *pixels;
  NbCbfPixels type;
  int width, height;
  guint n_tasks;
  gsize *task_size, *task_offset;       /* per task, bytes */
  gsize binary_size;
  GString *header;
  guint8 *out;                  /* during nb_cbf_plan_write */
  NbCbfRunFunc run;
  gpointer runner;
};

static void
task_pixels (const NbCbfPlan * plan, guint task, gsize * begin, gsize * end)
{
  gsize rows = (gsize) plan->height;
  gsize r0 = (gsize) ((guint64) rows * task / plan->n_tasks);
  gsize r1 = (gsize) ((guint64) rows * (task + 1) / plan->n_tasks);

  *begin = r0 * plan->width;
  *end = r1 * plan->width;
}

static void
size_task (gpointer data, guint task)
{
  NbCbfPlan *plan = data;
  gsize begin, end;

  task_pixels (plan, task, &begin, &end);
  plan->task_size[task] = packed_size (plan->pixels, plan->type, begin, end);
}

static void
pack_task (gpointer data, guint task)
{
  NbCbfPlan *plan = data;
  gsize begin, end;

  task_pixels (plan, task, &begin, &end);
  pack (plan->pixels, plan->type, begin, end,
      plan->out + plan->header->len + plan->task_offset[task]);
}

static void
run_tasks (NbCbfRunFunc run, gpointer runner, guint n, NbCbfTaskFunc func,
    gpointer data)
{
  if (run != NULL) {
    run (runner, n, func, data);
    return;
  }
  for (guint t = 0; t < n; t++)
    func (data, t);
}

/* One task of nb_cbf_run_threads, on its own thread. */
typedef struct
{
  NbCbfTaskFunc func;
  gpointer data;
  guint task;
} ThreadTask;

static gpointer
thread_task (gpointer data)
{
  ThreadTask *t = data;

  t->func (t->data, t->task);
  return NULL;
}

void
nb_cbf_run_threads (gpointer runner, guint n_tasks, NbCbfTaskFunc func,
    gpointer data)
{
  ThreadTask *tasks = g_new (ThreadTask, n_tasks);
  GThread **threads = g_new0 (GThread *, n_tasks);

  for (guint t = 0; t < n_tasks; t++) {
    tasks[t].func = func;
    tasks[t].data = data;
    tasks[t].task = t;
  }
  /* task 0 on the calling thread; a thread that cannot start runs its
   * task here too */
  for (guint t = 1; t < n_tasks; t++)
    threads[t] = g_thread_try_new ("nb-cbf", thread_task, &tasks[t], NULL);
  thread_task (&tasks[0]);
  for (guint t = 1; t < n_tasks; t++) {
    if (threads[t] != NULL)
      g_thread_join (threads[t]);
    else
      thread_task (&tasks[t]);
  }
  g_free (threads);
  g_free (tasks);
  (void) runner;
}

static gboolean
check_header (const NbCbfHeader * h, GError ** error)
{
  const char *bad = NULL;

  if (h->width < 1 || h->height < 1 || h->width > 65536 || h->height > 65536)
    bad = "width/height (1 .. 65536 pixels)";
  else if (!(isfinite (h->pixel_size) && h->pixel_size > 0))
    bad = "pixel size (finite, > 0 mm)";
  else if (!(isfinite (h->wavelength) && h->wavelength > 0))
    bad = "wavelength (finite, > 0 Angstrom)";
  else if (!(isfinite (h->thickness) && h->thickness >= 0))
    bad = "sensor thickness (finite, >= 0 mm)";
  else if (!(isfinite (h->exposure_time) && h->exposure_time >= 0
          && isfinite (h->exposure_period) && h->exposure_period >= 0))
    bad = "exposure time/period (finite, >= 0 s)";
  else if (!(isfinite (h->count_cutoff) && h->count_cutoff >= 0
          && h->count_cutoff <= G_MAXINT32))
    bad = "count cutoff (0 .. 2^31 - 1 counts)";
  else if (!(isfinite (h->start_angle) && isfinite (h->angle_increment)
          && isfinite (h->twotheta)))
    bad = "angles (finite)";
  else if (!(isfinite (h->timestamp) && h->timestamp >= 0
          && h->timestamp < 253402300800.0))
    bad = "timestamp (0 .. year 9999)";
  else {
    double t[3];
    const double *vecs[] = { h->pix0, h->fdet, h->sdet, h->beam, h->spindle };
    for (guint k = 0; k < G_N_ELEMENTS (vecs) && bad == NULL; k++) {
      memcpy (t, vecs[k], sizeof (t));
      if (!(isfinite (t[0]) && isfinite (t[1]) && isfinite (t[2]))
          || (k > 0 && !nb_geom_unitize (t)))
        bad = "geometry vectors (finite; axes not 0)";
    }
  }
  if (bad == NULL)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "CBF header: bad %s", bad);
  return FALSE;
}

NbCbfPlan *
nb_cbf_plan_new (const NbCbfHeader * h, const void *pixels, NbCbfPixels type,
    guint n_tasks, NbCbfRunFunc run, gpointer runner, GError ** error)
{
  NbCbfPlan *plan;
  gsize offset = 0;

  if (!check_header (h, error))
    return NULL;
  plan = g_new0 (NbCbfPlan, 1);
  plan->pixels = pixels;
  plan->type = type;
  plan->width = h->width;
  plan->height = h->height;
  plan->n_tasks = CLAMP (n_tasks, 1, (guint) h->height);
  plan->run = run;
  plan->runner = runner;
  plan->task_size = g_new0 (gsize, plan->n_tasks);
  plan->task_offset = g_new0 (gsize, plan->n_tasks);
  run_tasks (run, runner, plan->n_tasks, size_task, plan);
  for (guint t = 0; t < plan->n_tasks; t++) {
    plan->task_offset[t] = offset;
    offset += plan->task_size[t];
  }
  plan->binary_size = offset;
  plan->header = header_text (h, plan->binary_size);
  return plan;
}

gsize
nb_cbf_plan_size (const NbCbfPlan * plan)
{
  return plan->header->len + plan->binary_size + strlen (CBF_TRAILER);
}

void
nb_cbf_plan_write (NbCbfPlan * plan, guint8 * out)
{
  memcpy (out, plan->header->str, plan->header->len);
  plan->out = out;
  run_tasks (plan->run, plan->runner, plan->n_tasks, pack_task, plan);
  plan->out = NULL;
  memcpy (out + plan->header->len + plan->binary_size, CBF_TRAILER,
      strlen (CBF_TRAILER));
}

void
nb_cbf_plan_free (NbCbfPlan * plan)
{
  if (plan == NULL)
    return;
  g_free (plan->task_size);
  g_free (plan->task_offset);
  g_string_free (plan->header, TRUE);
  g_free (plan);
}

guint8 *
nb_cbf_encode (const NbCbfHeader * h, const void *pixels, NbCbfPixels type,
    guint n_tasks, NbCbfRunFunc run, gpointer runner, gsize * length,
    GError ** error)
{
  NbCbfPlan *plan = nb_cbf_plan_new (h, pixels, type, n_tasks, run, runner,
      error);
  guint8 *out;

  if (plan == NULL)
    return NULL;
  *length = nb_cbf_plan_size (plan);
  out = g_malloc (*length);
  nb_cbf_plan_write (plan, out);
  nb_cbf_plan_free (plan);
  return out;
}

gboolean
nb_cbf_write (const char *path, const NbCbfHeader * h, const void *pixels,
    NbCbfPixels type, guint n_tasks, GError ** error)
{
  gsize length = 0;
  guint8 *bytes = nb_cbf_encode (h, pixels, type, n_tasks,
      n_tasks > 1 ? nb_cbf_run_threads : NULL, NULL, &length, error);
  gboolean ok;

  if (bytes == NULL)
    return FALSE;
  ok = nb_file_write_atomic (path, bytes, length, error);
  g_free (bytes);
  return ok;
}
