/**
 * SECTION:element-nbnxsink
 * @title: nbnxsink
 *
 * Writes a whole series of frames as one NeXus/NXmx HDF5 file, the layout
 * DIALS (dxtbx's FormatNXmx) and Eiger readers take: `/entry/data/data`
 * [frame, slow, fast] 32-bit signed counts, one chunk per frame,
 * bitshuffle + LZ4 compressed as Eiger files are (HDF5 filter 32008,
 * compressed here on all cores and stored with direct chunk writes), and
 * the full geometry as NXmx transformations: the detector module's fast
 * and slow pixel directions and offset, the goniometer axis with one
 * angle per frame, wavelength, sensor, saturation, the pixel mask.
 * docs/formats.md describes the file.
 *
 * The file is written under a temporary name beside @location
 * (`LOCATION.XXXXXX.part`) and renamed to @location at EOS; an error, or
 * a state change to READY or NULL before EOS, removes it, so no file that
 * looks complete is ever left.
 *
 * Values come from the first frame's NbFrameMeta (detector vectors,
 * pixel-size, wavelength, sensor-thickness, count-cutoff, masked-value;
 * the rotation axis as in nbcbfenc), the angles from each frame's
 * phi-start and osc.  Without the meta: the pixel-size, distance and
 * wavelength properties, the beam at the detector centre, normal to it,
 * MOSFLM's axes, all angles 0.  Exposure (count_time, frame_time): the
 * first buffer's duration, or the exposure-time property.
 *
 * Frames: `video/x-diffraction,format=S32LE` as they are; the pixel mask
 * is set where the first frame reads the meta's masked-value (-1 without
 * meta).  `video/x-raw,format=GRAY16_LE` is stored as int32 (the same
 * counts; no pixel mask: 16-bit frames have no masked value apart from a
 * count).  Photons (F32LE) are refused: put the readout of nanobraggsrc
 * (S32LE caps) in front.  All frames of a series must have the same size.
 *
 * Compression: bslz4 (default) needs the bitshuffle filter plugin to be
 * read (Debian's `bitshuffle` package installs libh5bshuf.so where
 * libhdf5 looks); compression=none writes plain chunks that any libhdf5
 * reads, at 4 bytes a pixel.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38" n-cells=10 \
 *     osc=0.5 num-frames=90 noise=true \
 *     ! video/x-diffraction,format=S32LE ! nbnxsink location=series.nxs
 * ]|
 */
#include "gstnbnxsink.h"
#include "gstnbframemeta.h"
#include "gstnbparallel.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_nb_nxs_sink_debug);
#define GST_CAT_DEFAULT gst_nb_nxs_sink_debug

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_COMPRESSION,
  PROP_AXIS_NAME,
  PROP_EXPOSURE_TIME,
  PROP_COUNT_CUTOFF,
  PROP_SENSOR_THICKNESS,
  PROP_PIXEL_SIZE,
  PROP_DISTANCE,
  PROP_WAVELENGTH
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_NB_FRAME_CAPS));

G_DEFINE_TYPE (GstNbNxsSink, gst_nb_nxs_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (nbnxsink, "nbnxsink", GST_RANK_NONE,
    GST_TYPE_NB_NXS_SINK);

GType
gst_nb_nxs_compression_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {NB_NXS_COMPRESSION_BSLZ4, "bitshuffle + LZ4 (HDF5 filter 32008, as "
          "Eiger files)", "bslz4"},
    {NB_NXS_COMPRESSION_NONE, "none: plain chunks any libhdf5 reads",
        "none"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstNbNxsCompression", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- start, stop ---- */

static gboolean
valid_axis_name (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (*name) || *name == '_'))
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!(g_ascii_isalnum (*c) || *c == '_'))
      return FALSE;
  return TRUE;
}


/* The location, refused up front if its directory cannot be written. */
static gboolean
gst_nb_nxs_sink_start (GstBaseSink * sink)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (sink);
  GError *error = NULL;
  gchar *location, *dir, *axis;
  guint threads;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  axis = g_strdup (self->axis_name);
  GST_OBJECT_UNLOCK (self);
  ok = valid_axis_name (axis);
  if (!ok)
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("axis-name: '%s' is not "
            "a NeXus name (a letter or _, then letters, digits, _)",
            axis ? axis : "(null)"), (NULL));
  g_free (axis);
  if (!ok) {
    g_free (location);
    return FALSE;
  }
  if (location == NULL || *location == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("location: no file name "
            "given"), (NULL));
    g_free (location);
    return FALSE;
  }
  dir = g_path_get_dirname (location);
  ok = access (dir, W_OK) == 0;
  if (!ok)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("location: cannot write "
            "%s: %s", location, g_strerror (errno)), (NULL));
  else if (g_file_test (location, G_FILE_TEST_IS_DIR)) {
    ok = FALSE;
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("location: %s is a "
            "directory", location), (NULL));
  }
  g_free (dir);
  if (!ok) {
    g_free (location);
    return FALSE;
  }
  threads = gst_nb_parallel_threads_from_env (&error);
  if (threads == 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        (NULL));
    g_error_free (error);
    g_free (location);
    return FALSE;
  }
  /* the threads live while the element streams: none per frame */
  self->parallel = nb_workers_new (threads);
  self->writing = location;
  GST_DEBUG_OBJECT (self, "writing %s on %u threads", location, threads);
  return TRUE;
}

/* Drops the unfinished file (no EOS came) and the stream's state. */
static gboolean
gst_nb_nxs_sink_stop (GstBaseSink * sink)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (sink);

  if (self->writer != NULL)
    GST_INFO_OBJECT (self, "stopped before EOS: %s not written",
        self->writing);
  nb_nxs_writer_abort (self->writer);
  self->writer = NULL;
  nb_workers_free (self->parallel);
  self->parallel = NULL;
  g_clear_pointer (&self->writing, g_free);
  g_clear_pointer (&self->counts, g_free);
  self->have_info = FALSE;
  self->width = self->height = 0;
  self->warned_custom_axis = FALSE;
  self->broken = FALSE;
  return TRUE;
}

/* After an error the series is broken until the element stops: its file
 * is removed, and frames and caps that still come (upstream may renegotiate
 * and go on), or an EOS, must not start or complete another one. */
static void
fail_series (GstNbNxsSink * self)
{
  nb_nxs_writer_abort (self->writer);
  self->writer = NULL;
  self->broken = TRUE;
}

/* ---- caps ---- */

static gboolean
gst_nb_nxs_sink_set_caps (GstBaseSink * sink, GstCaps * caps)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (sink);
  GstNbFrameInfo info;

  if (self->broken)
    return FALSE;
  if (!gst_nb_frame_info_from_caps (caps, &info)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("caps: not diffraction "
            "frames: %" GST_PTR_FORMAT, caps), (NULL));
    return FALSE;
  }
  if (info.format == GST_NB_FRAME_F32) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("caps: photons (F32LE) "
            "cannot be stored: nbnxsink writes counts "
            "(video/x-diffraction,format=S32LE or GRAY16_LE)"), (NULL));
    return FALSE;
  }
  if (self->writer != NULL && (info.width != self->width
          || info.height != self->height)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("caps: the frame size "
            "changed mid-series, %d x %d -> %d x %d: one file holds frames "
            "of one size", self->width, self->height, info.width,
            info.height), (NULL));
    fail_series (self);
    return FALSE;
  }
  self->info = info;
  self->have_info = TRUE;
  return TRUE;
}

/* ---- frames ---- */

/* The series of the first frame @buf (meta, properties). */
static void
series_of (GstNbNxsSink * self, GstBuffer * buf, NbNxsSeries * s)
{
  const GstStructure *meta = gst_nb_frame_meta_get (buf);
  NbCbfHeader h;
  gboolean axis_known = TRUE, have_meta;
  NbNxsCompression compression;
  gchar *axis;

  nb_cbf_header_init (&h);
  h.width = self->info.width;
  h.height = self->info.height;
  GST_OBJECT_LOCK (self);
  h.count_cutoff = self->count_cutoff;
  h.exposure_time = self->exposure_time;
  h.thickness = self->sensor_thickness;
  gst_nb_frame_default_cbf_geometry (&h, h.width, h.height,
      self->pixel_size, self->distance, self->wavelength);
  compression = self->compression;
  axis = g_strdup (self->axis_name);
  GST_OBJECT_UNLOCK (self);
  have_meta = meta != NULL && gst_nb_frame_meta_to_cbf_header (meta, &h,
      &axis_known);
  if (!have_meta)
    GST_INFO_OBJECT (self, "first frame without (complete) NbFrameMeta: "
        "default geometry");
  /* outside the object lock: posting takes it */
  if (!axis_known && !self->warned_custom_axis) {
    self->warned_custom_axis = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("rotation axis unknown"),
        ("the frames' NbFrameMeta has a custom convention but no "
            "spindle-axis: the file says nanoBragg's default axis, +z"));
  }
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    h.exposure_time = (double) GST_BUFFER_DURATION (buf) / GST_SECOND;
  h.exposure_period = h.exposure_time;
  nb_nxs_series_from_cbf (s, &h);
  /* 16-bit frames: no count marks a masked pixel */
  if (self->info.format == GST_NB_FRAME_GRAY16)
    s->masked_value = -1;
  s->compression = compression;
  /* the caller frees it once the writer has its copy */
  s->axis_name = axis;
}

/* The angles of frame @buf: its meta's phi-start and phi-start + osc, 0
 * without meta. */
static void
angles_of (GstBuffer * buf, double *start, double *end)
{
  const GstStructure *meta = gst_nb_frame_meta_get (buf);
  double osc = 0.0;

  *start = 0.0;
  if (meta != NULL && gst_structure_get_double (meta, "phi-start", start))
    gst_structure_get_double (meta, "osc", &osc);
  *end = *start + osc;
}

static gboolean
open_writer (GstNbNxsSink * self, GstBuffer * buf)
{
  NbNxsSeries s;
  GError *error = NULL;

  series_of (self, buf, &s);
  self->writer = nb_nxs_writer_new (self->writing, &s, self->parallel,
      &error);
  g_free ((gchar *) s.axis_name);
  if (self->writer == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("location: %s",
            error->message), (NULL));
    g_error_free (error);
    return FALSE;
  }
  self->width = self->info.width;
  self->height = self->info.height;
  GST_DEBUG_OBJECT (self, "series of %d x %d frames, %s", self->width,
      self->height, nb_nxs_compression_name (s.compression));
  return TRUE;
}

/* The frame as little-endian int32 (GRAY16 widened into our scratch). */
static const void *
frame_counts (GstNbNxsSink * self, const guint8 * data)
{
  gsize n = (gsize) self->width * self->height;

  if (self->info.format != GST_NB_FRAME_GRAY16)
    return data;
  if (self->counts == NULL)
    self->counts = g_new (gint32, n);
  for (gsize i = 0; i < n; i++)
    self->counts[i] = GINT32_TO_LE ((gint32) GST_READ_UINT16_LE (data
            + 2 * i));
  return self->counts;
}

static GstFlowReturn
gst_nb_nxs_sink_render (GstBaseSink * sink, GstBuffer * buf)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (sink);
  GError *error = NULL;
  GstMapInfo map;
  double start, end;
  gboolean ok;

  if (self->broken)
    return GST_FLOW_ERROR;
  if (!self->have_info) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("caps: a frame before "
            "caps"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (self->writer == NULL && !open_writer (self, buf)) {
    self->broken = TRUE;
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  if (map.size < gst_nb_frame_size (&self->info)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("frame of %" G_GSIZE_FORMAT
            " bytes, caps say %" G_GSIZE_FORMAT, map.size,
            gst_nb_frame_size (&self->info)), (NULL));
    gst_buffer_unmap (buf, &map);
    return GST_FLOW_ERROR;
  }
  angles_of (buf, &start, &end);
  ok = nb_nxs_writer_add_frame (self->writer, frame_counts (self, map.data),
      start, end, &error);
  gst_buffer_unmap (buf, &map);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("location: %s",
            error->message), (NULL));
    g_error_free (error);
    /* no file is left, whatever the application does next */
    fail_series (self);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* EOS: the file is completed and renamed before the EOS goes on (so the
 * application's EOS message means the file is there). */
static gboolean
gst_nb_nxs_sink_event (GstBaseSink * sink, GstEvent * event)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (sink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->writer != NULL) {
    GError *error = NULL;
    guint64 frames = nb_nxs_writer_get_frames (self->writer);
    guint64 bytes = nb_nxs_writer_get_bytes (self->writer);
    gboolean ok = nb_nxs_writer_finish (self->writer, &error);

    self->writer = NULL;
    if (!ok) {
      self->broken = TRUE;
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("location: %s",
              error->message), (NULL));
      g_error_free (error);
      gst_event_unref (event);
      return FALSE;
    }
    GST_INFO_OBJECT (self, "wrote %s: %" G_GUINT64_FORMAT " frames, %"
        G_GUINT64_FORMAT " bytes of chunks", self->writing, frames, bytes);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && !self->broken)
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("no frames before EOS: %s "
            "not written", self->writing), (NULL));
  return GST_BASE_SINK_CLASS (gst_nb_nxs_sink_parent_class)->event (sink,
      event);
}

/* ---- properties ---- */

static gdouble *
double_field (GstNbNxsSink * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_EXPOSURE_TIME:
      return &self->exposure_time;
    case PROP_COUNT_CUTOFF:
      return &self->count_cutoff;
    case PROP_SENSOR_THICKNESS:
      return &self->sensor_thickness;
    case PROP_PIXEL_SIZE:
      return &self->pixel_size;
    case PROP_DISTANCE:
      return &self->distance;
    case PROP_WAVELENGTH:
      return &self->wavelength;
    default:
      return NULL;
  }
}

static void
gst_nb_nxs_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (object);
  gdouble *field = double_field (self, prop_id);

  GST_OBJECT_LOCK (self);
  if (field != NULL)
    *field = g_value_get_double (value);
  else if (prop_id == PROP_LOCATION) {
    g_free (self->location);
    self->location = g_value_dup_string (value);
  } else if (prop_id == PROP_COMPRESSION)
    self->compression = g_value_get_enum (value);
  else if (prop_id == PROP_AXIS_NAME) {
    g_free (self->axis_name);
    self->axis_name = g_value_dup_string (value);
  } else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_nxs_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (object);
  gdouble *field = double_field (self, prop_id);

  GST_OBJECT_LOCK (self);
  if (field != NULL)
    g_value_set_double (value, *field);
  else if (prop_id == PROP_LOCATION)
    g_value_set_string (value, self->location);
  else if (prop_id == PROP_COMPRESSION)
    g_value_set_enum (value, self->compression);
  else if (prop_id == PROP_AXIS_NAME)
    g_value_set_string (value, self->axis_name);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nb_nxs_sink_finalize (GObject * object)
{
  GstNbNxsSink *self = GST_NB_NXS_SINK (object);

  g_free (self->location);
  g_free (self->axis_name);
  G_OBJECT_CLASS (gst_nb_nxs_sink_parent_class)->finalize (object);
}

static void
gst_nb_nxs_sink_class_init (GstNbNxsSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_nb_nxs_sink_debug, "nbnxsink", 0,
      "nanobragg NeXus/NXmx sink");
  gobject_class->set_property = gst_nb_nxs_sink_set_property;
  gobject_class->get_property = gst_nb_nxs_sink_get_property;
  gobject_class->finalize = gst_nb_nxs_sink_finalize;
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location", "The NXmx file of the "
          "series (written as LOCATION.XXXXXX.part, renamed at EOS)", NULL,
          flags));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION,
      g_param_spec_enum ("compression", "Compression", "Chunks: bslz4 "
          "(bitshuffle + LZ4, needs the bitshuffle filter plugin to read) "
          "or none (any libhdf5 reads them)", GST_TYPE_NB_NXS_COMPRESSION,
          NB_NXS_COMPRESSION_BSLZ4, flags));
  g_object_class_install_property (gobject_class, PROP_AXIS_NAME,
      g_param_spec_string ("axis-name", "Axis name", "Name of the "
          "goniometer axis in /entry/sample/transformations (e.g. phi, "
          "omega)", "phi", flags));
  g_object_class_install_property (gobject_class, PROP_EXPOSURE_TIME,
      g_param_spec_double ("exposure-time", "Exposure time", "count_time "
          "and frame_time (s) when the first frame has no duration", 0, 1e9,
          1.0, flags));
  g_object_class_install_property (gobject_class, PROP_COUNT_CUTOFF,
      g_param_spec_double ("count-cutoff", "Count cutoff", "saturation_value "
          "(counts) when the first frame's NbFrameMeta has no count-cutoff",
          0, G_MAXINT32, G_MAXINT32, flags));
  g_object_class_install_property (gobject_class, PROP_SENSOR_THICKNESS,
      g_param_spec_double ("sensor-thickness", "Sensor thickness",
          "sensor_thickness (mm) of the Si sensor; 0 = the simulated one "
          "from the frames' meta", 0, 1e3, 0.0, flags));
  g_object_class_install_property (gobject_class, PROP_PIXEL_SIZE,
      g_param_spec_double ("pixel-size", "Pixel size", "Pixel size (mm) for "
          "frames without NbFrameMeta", 1e-6, 1e3, 0.1, flags));
  g_object_class_install_property (gobject_class, PROP_DISTANCE,
      g_param_spec_double ("distance", "Distance", "Detector distance (mm) "
          "for frames without NbFrameMeta", 1e-6, 1e6, 100.0, flags));
  g_object_class_install_property (gobject_class, PROP_WAVELENGTH,
      g_param_spec_double ("wavelength", "Wavelength", "Wavelength "
          "(Angstrom) for frames without NbFrameMeta", 1e-6, 1e6, 1.0,
          flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg NeXus/NXmx sink", "Sink/File",
      "Writes a series of diffraction frames as one NeXus/NXmx HDF5 file "
      "(32-bit counts, bitshuffle+LZ4 chunks, full geometry). Example: "
      "nanobraggsrc ... ! video/x-diffraction,format=S32LE ! nbnxsink "
      "location=series.nxs", "The nanobragg developers");
  gst_element_class_add_static_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nbnxsink");
  sink_class->start = gst_nb_nxs_sink_start;
  sink_class->stop = gst_nb_nxs_sink_stop;
  sink_class->set_caps = gst_nb_nxs_sink_set_caps;
  sink_class->render = gst_nb_nxs_sink_render;
  sink_class->event = gst_nb_nxs_sink_event;
  gst_type_mark_as_plugin_api (GST_TYPE_NB_NXS_COMPRESSION, 0);
}

static void
gst_nb_nxs_sink_init (GstNbNxsSink * self)
{
  /* a file sink: frames are written as fast as they come */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  self->compression = NB_NXS_COMPRESSION_BSLZ4;
  self->axis_name = g_strdup ("phi");
  self->exposure_time = 1.0;
  self->count_cutoff = G_MAXINT32;
  self->sensor_thickness = 0.0;
  self->pixel_size = 0.1;
  self->distance = 100.0;
  self->wavelength = 1.0;
}
