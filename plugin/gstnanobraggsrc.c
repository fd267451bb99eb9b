/**
 * SECTION:element-nanobraggsrc
 * @title: nanobraggsrc
 *
 * Renders X-ray diffraction frames of a small crystal through a rotation
 * series, with the physics of nanoBragg.c.  Frame i covers the spindle
 * from phi-start + i * osc over osc, in phi-steps sub-steps.
 *
 * The `src` pad carries the frames: `video/x-diffraction,format=F32LE`
 * (photons per pixel) or `video/x-raw,format=GRAY16_LE` (counts: photons x
 * scale + adc-offset, optionally with Poisson noise, clipped), whichever
 * downstream accepts (F32LE first).  Every frame carries an "NbFrameMeta"
 * custom meta with its geometry.  The `trace` pad carries, per frame, the
 * trace of the pixels listed in trace-pixels (`text/x-raw,format=utf8`, a
 * GAP event when there is nothing to trace) or, with trace-map set, a
 * per-pixel diagnostic map as `video/x-diffraction`.  When nothing is
 * linked to `trace`, no trace work is done.
 *
 * Property changes take effect at the next READY->PAUSED transition (a
 * change while running is accepted and logged as a warning).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 nanobraggsrc hkl-file=P1.hkl cell="79 79 38 90 90 90" \
 *     misset="10 20 30" n-cells=10 width=512 height=512 osc=0.1 \
 *     phi-steps=10 num-frames=20 ! queue ! fakesink
 * gst-launch-1.0 nanobraggsrc nanobragg-args="-hkl P1.hkl -cell 79 79 38 90 90 90 -N 10" \
 *     num-frames=5 noise=true ! video/x-raw,format=GRAY16_LE ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnanobraggsrc.h"
#include "gstnbframemeta.h"
#include <gst/base/gstaggregator.h>
#include <gst/base/gstbasesink.h>
#include "nb_error.h"
#include "nb_image.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_nanobragg_src_debug);
#define GST_CAT_DEFAULT gst_nanobragg_src_debug

#define DIFFRACTION_CAPS "video/x-diffraction, format=(string)F32LE, " \
  "width=(int)[1,65536], height=(int)[1,65536], " \
  "framerate=(fraction)[1/1000,1000/1]"
#define COUNTS_CAPS "video/x-diffraction, format=(string)S32LE, " \
  "width=(int)[1,65536], height=(int)[1,65536], " \
  "framerate=(fraction)[1/1000,1000/1]"
#define GRAY16_CAPS "video/x-raw, format=(string)GRAY16_LE, " \
  "width=(int)[1,65536], height=(int)[1,65536], " \
  "framerate=(fraction)[1/1000,1000/1]"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (DIFFRACTION_CAPS "; " COUNTS_CAPS "; " GRAY16_CAPS));

static GstStaticPadTemplate trace_template = GST_STATIC_PAD_TEMPLATE ("trace",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8; " DIFFRACTION_CAPS));

enum
{
  PROP_0,
  PROP_NANOBRAGG_ARGS,
  PROP_NUM_FRAMES,
  PROP_FRAMERATE,
  PROP_IS_LIVE,
  PROP_DEVICE,
  PROP_GPU_ID,
  PROP_TRACE_PIXELS,
  PROP_TRACE_MAP,
  PROP_BACKGROUND_FIRST,        /* the background properties follow */
  PROP_SETTINGS_FIRST = PROP_BACKGROUND_FIRST + GST_NB_BG_N_PROPS
      /* the simulation properties follow */
};

#define DEFAULT_NUM_FRAMES -1
#define DEFAULT_FPS_N 10
#define DEFAULT_FPS_D 1

GType
gst_nb_device_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {NB_DEVICE_AUTO, "CUDA if a GPU answers, else the CPU", "auto"},
    {NB_DEVICE_CPU, "CPU, all cores", "cpu"},
    {NB_DEVICE_CUDA, "CUDA GPU (fails without one)", "cuda"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstNbDevice",
            values));
  return type;
}

GType
gst_nb_trace_map_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {NB_TRACE_MAP_NONE, "Text traces of trace-pixels", "none"},
    {NB_TRACE_MAP_OMEGA, "Solid angle (sr)", "omega"},
    {NB_TRACE_MAP_POLAR, "Polarization factor", "polar"},
    {NB_TRACE_MAP_CAPTURE, "Capture fraction", "capture-fraction"},
    {NB_TRACE_MAP_F_CELL, "F_cell of the first step", "f-cell"},
    {NB_TRACE_MAP_F_LATT, "F_latt of the first step", "f-latt"},
    {NB_TRACE_MAP_H, "Fractional h of the first step", "h"},
    {NB_TRACE_MAP_K, "Fractional k of the first step", "k"},
    {NB_TRACE_MAP_L, "Fractional l of the first step", "l"},
    {NB_TRACE_MAP_I, "Sum before scaling", "intensity"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstNbTraceMap",
            values));
  return type;
}

#define gst_nanobragg_src_parent_class parent_class
G_DEFINE_TYPE (GstNanoBraggSrc, gst_nanobragg_src, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (nanobraggsrc, "nanobraggsrc", GST_RANK_NONE,
    GST_TYPE_NANOBRAGG_SRC);

static void gst_nanobragg_src_loop (GstNanoBraggSrc * self);

/* ------------------------------------------------------------------ */
/* time <-> frame                                                      */

static GstClockTime
frame_to_time (GstNanoBraggSrc * self, gint64 frame)
{
  return gst_util_uint64_scale (frame, (guint64) self->run_fps_d * GST_SECOND,
      self->run_fps_n);
}

/* The frame whose interval contains @t. */
static gint64
time_to_frame (GstNanoBraggSrc * self, GstClockTime t)
{
  gint64 f = gst_util_uint64_scale (t, self->run_fps_n,
      (guint64) self->run_fps_d * GST_SECOND);
  while (frame_to_time (self, f + 1) <= t)
    f++;
  return f;
}

/* ------------------------------------------------------------------ */
/* properties                                                          */

static void
gst_nanobragg_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (object);

  GST_OBJECT_LOCK (self);
  if (self->model != NULL)
    GST_WARNING_OBJECT (self, "'%s' changed while running: it takes effect "
        "at the next READY->PAUSED", pspec->name);
  switch (prop_id) {
    case PROP_NANOBRAGG_ARGS:
      g_free (self->nanobragg_args);
      self->nanobragg_args = g_value_dup_string (value);
      break;
    case PROP_NUM_FRAMES:
      self->num_frames = g_value_get_int64 (value);
      break;
    case PROP_FRAMERATE:
      self->fps_n = gst_value_get_fraction_numerator (value);
      self->fps_d = gst_value_get_fraction_denominator (value);
      break;
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean (value);
      break;
    case PROP_DEVICE:
      self->device = g_value_get_enum (value);
      break;
    case PROP_GPU_ID:
      g_free (self->gpu_ids);
      self->gpu_ids = g_value_dup_string (value);
      break;
    case PROP_TRACE_PIXELS:
      g_free (self->trace_pixels);
      self->trace_pixels = g_value_dup_string (value);
      break;
    case PROP_TRACE_MAP:
      self->trace_map = g_value_get_enum (value);
      break;
    default:
      if (!gst_nb_background_set (&self->background, PROP_BACKGROUND_FIRST,
              prop_id, value)
          && !gst_nb_src_settings_set (&self->settings, PROP_SETTINGS_FIRST,
              prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nanobragg_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NANOBRAGG_ARGS:
      g_value_set_string (value, self->nanobragg_args);
      break;
    case PROP_NUM_FRAMES:
      g_value_set_int64 (value, self->num_frames);
      break;
    case PROP_FRAMERATE:
      gst_value_set_fraction (value, self->fps_n, self->fps_d);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, self->is_live);
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, self->device);
      break;
    case PROP_GPU_ID:
      g_value_set_string (value, self->gpu_ids);
      break;
    case PROP_TRACE_PIXELS:
      g_value_set_string (value, self->trace_pixels);
      break;
    case PROP_TRACE_MAP:
      g_value_set_enum (value, self->trace_map);
      break;
    default:
      if (!gst_nb_background_get (&self->background, PROP_BACKGROUND_FIRST,
              prop_id, value)
          && !gst_nb_src_settings_get (&self->settings, PROP_SETTINGS_FIRST,
              prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* "slow,fast;slow,fast ..." (also spaces) -> pairs of ints */
static gboolean
parse_trace_pixels (const gchar * text, GArray * out, GError ** error)
{
  gchar **items;
  gboolean ok = TRUE;

  if (text == NULL)
    return TRUE;
  items = g_strsplit_set (text, ";", -1);
  for (int i = 0; ok && items[i]; i++) {
    int s, f;
    char extra;
    if (g_strstrip (items[i])[0] == '\0')
      continue;
    if (sscanf (items[i], "%d%*[ ,]%d %c", &s, &f, &extra) != 2) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "property 'trace-pixels': '%s' is not 'slow,fast'", items[i]);
      ok = FALSE;
      break;
    }
    g_array_append_val (out, s);
    g_array_append_val (out, f);
  }
  g_strfreev (items);
  return ok;
}

/* ------------------------------------------------------------------ */
/* start / stop                                                        */

static void
post_model_error (GstNanoBraggSrc * self, GError * error)
{
  if (error->domain == NB_ERROR && error->code == NB_ERROR_FILE)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
        (NULL));
  else if (error->domain == NB_ERROR && error->code == NB_ERROR_BACKEND)
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("%s", error->message), (NULL));
  else
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        (NULL));
}

/* The errors of the readout name the element's properties. */
static const char *const readout_property_names[NB_READOUT_N_FIELDS] = {
  [NB_READOUT_FIELD_GAIN] = "property 'scale'",
  [NB_READOUT_FIELD_ADC_OFFSET] = "property 'adc-offset'",
  [NB_READOUT_FIELD_READ_NOISE] = "property 'read-noise'",
  [NB_READOUT_FIELD_CALIBRATION_ERROR] = "property 'calibration-error'",
  [NB_READOUT_FIELD_PSF_FWHM] = "property 'psf-fwhm'",
  [NB_READOUT_FIELD_CUTOFF] = "property 'count-cutoff'",
};

/* The readout's properties, checked when the element starts: the counter
 * generator's values must pass nb_readout_check (named by property), and
 * the properties only the counter readout honours are refused with
 * nanoBragg's generator rather than ignored. */
static gboolean
check_readout_settings (GstNanoBraggSrc * self, GError ** error)
{
  const NbParams *p = &self->params;
  NbReadout r;

  if (p->noise_rng == NB_NOISE_RNG_NANOBRAGG) {
    /* (a detector preset's own cutoff is for the counter readout) */
    const char *set = p->read_noise != 0.0 ? "read-noise"
        : p->psf_fwhm != 0.0 ? "psf-fwhm"
        : p->calibration_error != 0.0 ? "calibration-error"
        : p->count_cutoff != -1.0 && (p->detector == NB_DETECTOR_NONE
        || (p->detector_explicit & NB_PRESET_FIELD_CUTOFF)) ? "count-cutoff"
        : p->masked_value != -1 ? "masked-value" : NULL;
    if (set != NULL) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "property '%s' needs "
          "noise-rng=counter (nanoBragg's generator has no such stage)",
          set);
      return FALSE;
    }
    return TRUE;
  }
  /* the gain is checked with the scale it will have (0 = automatic) */
  nb_readout_from_params (p, p->int_scale > 0.0 ? p->int_scale : 1.0,
      NB_COUNTS_S32, &r);
  return nb_readout_check (&r, readout_property_names, error);
}

/* TRUE when the backend's own (pinned) frames go downstream as they are:
 * float samples in the host's order, little-endian like the caps */
static gboolean
frames_lent (GstNanoBraggSrc * self)
{
  return G_BYTE_ORDER == G_LITTLE_ENDIAN
      && nb_backend_can_lend (self->backend);
}

/* The pixels nanobragg-args lists with -trace_pixel SLOW FAST are traced
 * like those of trace-pixels (after them). */
static void
add_flag_trace_pixels (GstNanoBraggSrc * self)
{
  for (int i = 0; i < self->params.num_trace_pixels; i++) {
    g_array_append_val (self->trace_coords, self->params.trace_pixels[i][0]);
    g_array_append_val (self->trace_coords, self->params.trace_pixels[i][1]);
  }
}

/* What can only be checked once the detector size is known: traced pixels
 * and the ROI must lie on the detector. */
static gboolean
check_against_detector (GstNanoBraggSrc * self, GError ** error)
{
  const NbDetector *d = &self->model->det;
  int n_prop = self->trace_coords->len / 2 - self->params.num_trace_pixels;

  for (guint i = 0; i < self->trace_coords->len / 2; i++) {
    int slow = g_array_index (self->trace_coords, int, 2 * i);
    int fast = g_array_index (self->trace_coords, int, 2 * i + 1);
    if (slow < 0 || slow >= d->spixels || fast < 0 || fast >= d->fpixels) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "%s: pixel (slow %d, "
          "fast %d) is outside the %d x %d detector (slow 0..%d, fast "
          "0..%d)", (int) i < n_prop ? "property 'trace-pixels'" :
          "property 'nanobragg-args' (-trace_pixel)", slow, fast,
          d->fpixels, d->spixels, d->spixels - 1, d->fpixels - 1);
      return FALSE;
    }
  }
  if (d->roi_xmin >= d->fpixels || d->roi_ymin >= d->spixels) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "property 'roi' (or "
        "-roi): the region starts at pixel (x %d, y %d), outside the %d x "
        "%d detector: no pixel would be rendered", d->roi_xmin,
        d->roi_ymin, d->fpixels, d->spixels);
    return FALSE;
  }
  return TRUE;
}

/* Builds the model and backend from the properties (READY->PAUSED). */
static gboolean
gst_nanobragg_src_start (GstNanoBraggSrc * self)
{
  GError *error = NULL;
  gchar *note = NULL;
  NbDevice device;
  g_autofree gchar *gpu_ids = NULL;
  gsize npix;
  NbBackground *background = NULL;

  self->trace_coords = g_array_new (FALSE, FALSE, sizeof (int));
  GST_OBJECT_LOCK (self);
  device = self->device;
  gpu_ids = g_strdup (self->gpu_ids);
  if (!gst_nb_src_settings_to_params (&self->settings, self->nanobragg_args,
          &self->params, &error)
      || !parse_trace_pixels (self->trace_pixels, self->trace_coords,
          &error)
      || ((background = gst_nb_background_build (&self->background,
                  &error)) == NULL && error != NULL)) {
    GST_OBJECT_UNLOCK (self);
    post_model_error (self, error);
    g_error_free (error);
    return FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  add_flag_trace_pixels (self);

  {
    /* the model is published under the object lock: event and query
     * handlers of other threads test it there */
    NbModel *model = nb_model_new (&self->params, NULL, &error);
    GST_OBJECT_LOCK (self);
    self->model = model;
    GST_OBJECT_UNLOCK (self);
  }
  if (self->model == NULL) {
    nb_background_free (background);
    post_model_error (self, error);
    g_error_free (error);
    return FALSE;
  }
  if (!check_against_detector (self, &error)
      || !check_readout_settings (self, &error)) {
    nb_background_free (background);
    post_model_error (self, error);
    g_error_free (error);
    return FALSE;
  }
  /* -gpu_id in nanobragg-args wins, as its flags win over properties */
  if (self->params.gpu_ids != NULL) {
    g_free (gpu_ids);
    gpu_ids = g_strdup (self->params.gpu_ids);
  }
  self->backend = nb_backend_select_gpus (self->model, device, gpu_ids,
      self->params.num_threads, self->params.precision, &note, &error);
  if (self->backend == NULL) {
    /* the device was asked for by name: say so, whatever the backend's
     * own words are (no GPU, no driver, a build without CUDA) */
    if (device == NB_DEVICE_CUDA)
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("property 'device' is cuda "
              "(gpu-id %s), but no CUDA backend could be started: %s",
              gpu_ids ? gpu_ids : "0", error->message), (NULL));
    else
      post_model_error (self, error);
    g_error_free (error);
    nb_background_free (background);
    return FALSE;
  }
  /* rendered once per geometry, kept on the backend's device and added
   * to every frame before the readout */
  if (!gst_nb_background_attach (&self->background, background,
          self->backend, &error)) {
    nb_background_free (background);
    post_model_error (self, error);
    g_error_free (error);
    return FALSE;
  }
  nb_background_free (background);
  if (note) {
    GST_INFO_OBJECT (self, "%s", note);
    g_free (note);
  }
  GST_INFO_OBJECT (self, "%dx%d pixels, %d steps per pixel, backend %s (%s)",
      self->model->det.fpixels, self->model->det.spixels, self->model->steps,
      self->backend->ops->name, self->backend->kernel);

  npix = (gsize) self->model->det.fpixels * self->model->det.spixels;
  if (npix * sizeof (float) > G_MAXUINT) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("a %dx%d frame (%" G_GSIZE_FORMAT " bytes) is larger than a buffer "
            "pool can hold (4 GiB)", self->model->det.fpixels,
            self->model->det.spixels, npix * sizeof (float)), (NULL));
    return FALSE;
  }
  /* a float frame for the series scale and nanoBragg's generator; 16-bit
   * counts only for the latter */
  self->scratch = g_try_new (float, npix);
  if (self->params.noise_rng == NB_NOISE_RNG_NANOBRAGG)
    self->counts = g_try_new (guint16, npix);
  if (self->scratch == NULL || (self->params.noise_rng
          == NB_NOISE_RNG_NANOBRAGG && self->counts == NULL)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("out of memory for %dx%d frames", self->model->det.fpixels,
            self->model->det.spixels), (NULL));
    return FALSE;
  }
  /* frame buffers are recycled, not allocated per frame; none is made
   * before it is needed (a backend that lends its frames needs the pool
   * only while downstream holds all of them) */
  {
    GstStructure *config;
    self->pool = gst_buffer_pool_new ();
    config = gst_buffer_pool_get_config (self->pool);
    gst_buffer_pool_config_set_params (config, NULL, npix * sizeof (float),
        0, 0);
    if (!gst_buffer_pool_set_config (self->pool, config)
        || !gst_buffer_pool_set_active (self->pool, TRUE)) {
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          ("cannot set up a pool of %dx%d frame buffers",
              self->model->det.fpixels, self->model->det.spixels), (NULL));
      return FALSE;
    }
  }
  GST_OBJECT_LOCK (self);
  self->num_frames_cached = self->num_frames;
  self->run_fps_n = self->fps_n;
  self->run_fps_d = self->fps_d;
  self->run_live = self->is_live;
  self->run_trace_map = self->trace_map;
  GST_OBJECT_UNLOCK (self);

  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->next_frame = 0;
  self->stop_frame = -1;
  self->started = FALSE;
  self->need_segment = TRUE;
  self->discont[0] = self->discont[1] = TRUE;
  self->frames_pushed = self->frames_dropped = 0;
  self->series_scale = 0.0;
  self->readout_ready = FALSE;
  self->frame_format = GST_NB_SRC_PHOTONS;
  self->segment_seqnum = gst_util_seqnum_next ();
  self->last_seek_seqnum = GST_SEQNUM_INVALID;
  g_free (self->stream_id_base);
  self->stream_id_base = g_strdup_printf ("%08x%08x", g_random_int (),
      g_random_int ());
  self->group_id = gst_util_group_id_next ();
  gst_flow_combiner_reset (self->flow_combiner);
  return TRUE;
}

static void
gst_nanobragg_src_stop (GstNanoBraggSrc * self)
{
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  nb_backend_free (self->backend);
  self->backend = NULL;
  {
    NbModel *model;
    GST_OBJECT_LOCK (self);
    model = self->model;
    self->model = NULL;
    GST_OBJECT_UNLOCK (self);
    nb_model_free (model);
  }
  nb_params_clear (&self->params);
  memset (&self->params, 0, sizeof (self->params));
  g_clear_pointer (&self->scratch, g_free);
  g_clear_pointer (&self->counts, g_free);
  self->readout_ready = FALSE;
  if (self->trace_coords) {
    g_array_free (self->trace_coords, TRUE);
    self->trace_coords = NULL;
  }
  g_clear_pointer (&self->stream_id_base, g_free);
}

/* Wakes a task waiting for PLAYING or for the clock. */
static void
gst_nanobragg_src_unblock (GstNanoBraggSrc * self, gboolean flushing)
{
  GST_OBJECT_LOCK (self);
  self->flushing = flushing;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  g_cond_broadcast (&self->playing_cond);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_nanobragg_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    /* the task pushes on both pads: activate trace before it starts */
    gst_pad_set_active (self->tracepad, TRUE);
    gst_nanobragg_src_unblock (self, FALSE);
    return gst_pad_start_task (pad, (GstTaskFunction) gst_nanobragg_src_loop,
        self, NULL);
  }
  gst_nanobragg_src_unblock (self, TRUE);
  return gst_pad_stop_task (pad);
}

static GstStateChangeReturn
gst_nanobragg_src_change_state (GstElement * element,
    GstStateChange transition)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (element);
  GstStateChangeReturn ret;
  gboolean live;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_nanobragg_src_start (self)) {
        gst_nanobragg_src_stop (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      GST_OBJECT_LOCK (self);
      self->playing = TRUE;
      g_cond_broadcast (&self->playing_cond);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      GST_OBJECT_LOCK (self);
      self->playing = FALSE;
      if (self->clock_id)
        gst_clock_id_unschedule (self->clock_id);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_nanobragg_src_unblock (self, TRUE);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      gst_nanobragg_src_stop (self);
    return ret;
  }

  /* is-live as the stream started (set in start): changing the property
   * while running cannot change what the running stream is */
  GST_OBJECT_LOCK (self);
  live = self->run_live;
  GST_OBJECT_UNLOCK (self);
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* a live source produces nothing before PLAYING */
      if (live)
        ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_nanobragg_src_stop (self);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------------ */
/* events and queries                                                  */

static gboolean
gst_nanobragg_src_do_seek (GstNanoBraggSrc * self, GstEvent * event)
{
  gdouble rate;
  GstFormat format;
  GstSeekFlags flags;
  GstSeekType start_type, stop_type;
  gint64 start, stop;
  guint32 seqnum = gst_event_get_seqnum (event);
  gboolean flush, update;
  GstSegment seg;
  gint64 start_frame, stop_frame = -1;

  gst_event_parse_seek (event, &rate, &format, &flags, &start_type, &start,
      &stop_type, &stop);
  if (rate <= 0.0) {
    GST_WARNING_OBJECT (self, "only forward playback is supported");
    return FALSE;
  }
  if (format != GST_FORMAT_TIME && format != GST_FORMAT_DEFAULT) {
    GST_WARNING_OBJECT (self, "seeks in %s are not supported",
        gst_format_get_name (format));
    return FALSE;
  }

  /* a seek arrives once per linked branch: handle each seqnum once */
  GST_OBJECT_LOCK (self);
  if (seqnum == self->last_seek_seqnum) {
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  self->last_seek_seqnum = seqnum;
  GST_OBJECT_UNLOCK (self);

  if (format == GST_FORMAT_DEFAULT) {
    if (start_type != GST_SEEK_TYPE_NONE && start >= 0)
      start = frame_to_time (self, start);
    if (stop_type != GST_SEEK_TYPE_NONE && stop >= 0)
      stop = frame_to_time (self, stop);
  }

  flush = (flags & GST_SEEK_FLAG_FLUSH) != 0;
  /* validate before disturbing the stream */
  seg = self->segment;
  if (!gst_segment_do_seek (&seg, rate, GST_FORMAT_TIME, flags, start_type,
          start, stop_type, stop, &update)) {
    GST_WARNING_OBJECT (self, "invalid seek");
    return FALSE;
  }
  if (flush) {
    GstEvent *fs = gst_event_new_flush_start ();
    gst_event_set_seqnum (fs, seqnum);
    gst_pad_push_event (self->srcpad, gst_event_ref (fs));
    gst_pad_push_event (self->tracepad, fs);
  }
  gst_nanobragg_src_unblock (self, TRUE);
  gst_pad_pause_task (self->srcpad);

  /* the task is paused: we hold the stream */
  GST_PAD_STREAM_LOCK (self->srcpad);
  if (!gst_pad_is_active (self->srcpad) || self->model == NULL) {
    /* the element is stopping: no new task */
    GST_PAD_STREAM_UNLOCK (self->srcpad);
    return FALSE;
  }
  if (flush) {
    GstEvent *fs = gst_event_new_flush_stop (TRUE);
    gst_event_set_seqnum (fs, seqnum);
    gst_pad_push_event (self->srcpad, gst_event_ref (fs));
    gst_pad_push_event (self->tracepad, fs);
  }
  /* recompute from the segment as the stream left it */
  seg = self->segment;
  gst_segment_do_seek (&seg, rate, GST_FORMAT_TIME, flags, start_type, start,
      stop_type, stop, &update);
  start_frame = start_type == GST_SEEK_TYPE_NONE ? self->next_frame
      : time_to_frame (self, seg.start);
  if (GST_CLOCK_TIME_IS_VALID (seg.stop))
    stop_frame = gst_util_uint64_scale_ceil (seg.stop, self->run_fps_n,
        (guint64) self->run_fps_d * GST_SECOND);
  if (start_type != GST_SEEK_TYPE_NONE) {
    /* frame-accurate: the segment starts on the frame's timestamp */
    seg.start = frame_to_time (self, start_frame);
    seg.time = seg.start;
    seg.position = seg.start;
  }
  self->segment = seg;
  self->next_frame = start_frame;
  self->stop_frame = stop_frame;
  self->need_segment = TRUE;
  /* the next buffers do not follow the last ones (as basesrc marks) */
  if (flush || start_type != GST_SEEK_TYPE_NONE)
    self->discont[0] = self->discont[1] = TRUE;
  if (seg.flags & GST_SEGMENT_FLAG_SEGMENT) {
    GstMessage *m = gst_message_new_segment_start (GST_OBJECT (self),
        GST_FORMAT_TIME, seg.start);
    gst_message_set_seqnum (m, seqnum);
    gst_element_post_message (GST_ELEMENT (self), m);
  }
  self->segment_seqnum = seqnum;
  self->seek_gen++;
  gst_flow_combiner_reset (self->flow_combiner);
  gst_nanobragg_src_unblock (self, FALSE);
  gst_pad_start_task (self->srcpad, (GstTaskFunction) gst_nanobragg_src_loop,
      self, NULL);
  GST_PAD_STREAM_UNLOCK (self->srcpad);
  GST_DEBUG_OBJECT (self, "seek to frame %" G_GINT64_FORMAT, start_frame);
  return TRUE;
}

static gboolean
gst_nanobragg_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (parent);
  gboolean ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEEK:{
      gboolean running, live;
      GST_OBJECT_LOCK (self);
      running = self->model != NULL;
      live = self->run_live;
      GST_OBJECT_UNLOCK (self);
      /* a live detector cannot go back in time: the SEEKING query says
       * not seekable, and every seek is refused alike */
      if (running && live) {
        GST_DEBUG_OBJECT (self, "live: seek refused");
        ret = FALSE;
      } else {
        ret = running && gst_nanobragg_src_do_seek (self, event);
      }
      break;
    }
    case GST_EVENT_LATENCY:
      /* nothing to configure: frames are stamped, not delayed (basesrc
       * answers TRUE too) */
      ret = TRUE;
      break;
    case GST_EVENT_RECONFIGURE:
    case GST_EVENT_QOS:
    case GST_EVENT_NAVIGATION:
      ret = TRUE;
      break;
    default:
      ret = FALSE;
      break;
  }
  gst_event_unref (event);
  return ret;
}

static gboolean
gst_nanobragg_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (parent);
  gint64 num_frames;
  gboolean live;

  GST_OBJECT_LOCK (self);
  num_frames = self->model ? self->num_frames_cached : self->num_frames;
  live = self->model ? self->run_live : self->is_live;
  GST_OBJECT_UNLOCK (self);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_POSITION:{
      GstFormat format;
      gst_query_parse_position (query, &format, NULL);
      if (format == GST_FORMAT_TIME)
        gst_query_set_position (query, format, frame_to_time (self,
                self->next_frame));
      else if (format == GST_FORMAT_DEFAULT)
        gst_query_set_position (query, format, self->next_frame);
      else
        return FALSE;
      return TRUE;
    }
    case GST_QUERY_DURATION:{
      GstFormat format;
      gst_query_parse_duration (query, &format, NULL);
      if (num_frames < 0)
        return FALSE;
      if (format == GST_FORMAT_TIME)
        gst_query_set_duration (query, format, frame_to_time (self,
                num_frames));
      else if (format == GST_FORMAT_DEFAULT)
        gst_query_set_duration (query, format, num_frames);
      else
        return FALSE;
      return TRUE;
    }
    case GST_QUERY_SEEKING:{
      GstFormat format;
      gst_query_parse_seeking (query, &format, NULL, NULL, NULL);
      if (format != GST_FORMAT_TIME && format != GST_FORMAT_DEFAULT)
        return FALSE;
      gst_query_set_seeking (query, format, !live, 0, num_frames < 0 ? -1
          : format == GST_FORMAT_TIME ? (gint64) frame_to_time (self,
              num_frames) : num_frames);
      return TRUE;
    }
    case GST_QUERY_LATENCY:{
      /* a live frame is complete one frame duration after it starts; a
       * late frame is dropped rather than buffered, so there is no
       * maximum (as videotestsrc) */
      GstClockTime frame_time = frame_to_time (self, 1);
      gst_query_set_latency (query, live, live ? frame_time : 0,
          live ? GST_CLOCK_TIME_NONE : 0);
      return TRUE;
    }
    case GST_QUERY_CONVERT:{
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;
      gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, NULL);
      if (src_fmt == dest_fmt)
        dest_val = src_val;
      else if (src_fmt == GST_FORMAT_DEFAULT && dest_fmt == GST_FORMAT_TIME)
        dest_val = frame_to_time (self, src_val);
      else if (src_fmt == GST_FORMAT_TIME && dest_fmt == GST_FORMAT_DEFAULT)
        dest_val = time_to_frame (self, src_val);
      else
        return FALSE;
      gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
      return TRUE;
    }
    case GST_QUERY_SCHEDULING:
      gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEQUENTIAL, 1, -1,
          0);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
      return TRUE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* ------------------------------------------------------------------ */
/* streaming                                                           */

static GstCaps *
frame_caps (GstNanoBraggSrc * self, const char *media, const char *format)
{
  return gst_caps_new_simple (media, "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, self->model->det.fpixels,
      "height", G_TYPE_INT, self->model->det.spixels,
      "framerate", GST_TYPE_FRACTION, self->run_fps_n, self->run_fps_d, NULL);
}

/* The property behind a caps field of ours. */
static const char *
field_property (const char *field)
{
  if (strcmp (field, "framerate") == 0)
    return "framerate";
  if (strcmp (field, "width") == 0)
    return "width";
  if (strcmp (field, "height") == 0)
    return "height";
  return NULL;
}

/* Why downstream of @pad takes none of @ours: the one field (framerate,
 * width, height) it refuses, with the property that sets it, or else the
 * media types it does accept.  @what names the pad's content. */
static gchar *
explain_refusal (GstNanoBraggSrc * self, GstPad * pad, GstCaps * ours,
    const char *what)
{
  GstCaps *peer = gst_pad_peer_query_caps (pad, NULL);
  gchar *why = NULL;

  for (guint i = 0; why == NULL && i < gst_caps_get_size (ours); i++) {
    const GstStructure *st = gst_caps_get_structure (ours, i);
    GstCaps *media = gst_caps_new_simple (gst_structure_get_name (st),
        "format", G_TYPE_STRING, gst_structure_get_string (st, "format"),
        NULL);
    gboolean media_ok = gst_caps_can_intersect (media, peer);
    gst_caps_unref (media);
    if (!media_ok)
      continue;
    for (gint f = 0; why == NULL && f < gst_structure_n_fields (st); f++) {
      const char *field = gst_structure_nth_field_name (st, f);
      const char *prop = field_property (field);
      GstCaps *without;
      if (prop == NULL)
        continue;
      without = gst_caps_new_full (gst_structure_copy (st), NULL);
      gst_structure_remove_field (gst_caps_get_structure (without, 0),
          field);
      if (gst_caps_can_intersect (without, peer)) {
        gchar *ours_v = gst_value_serialize (gst_structure_get_value (st,
                field));
        GstCaps *theirs = gst_caps_intersect (without, peer);
        const GValue *tv = gst_structure_get_value (gst_caps_get_structure
            (theirs, 0), field);
        gchar *theirs_v = tv ? gst_value_serialize (tv) : g_strdup ("?");
        why = g_strdup_printf ("%s: property '%s' gives %s=%s, but "
            "downstream of pad '%s' accepts %s=%s only (%s)", what, prop,
            field, ours_v, GST_PAD_NAME (pad), field, theirs_v,
            gst_structure_get_name (st));
        g_free (ours_v);
        g_free (theirs_v);
        gst_caps_unref (theirs);
      }
      gst_caps_unref (without);
    }
  }
  if (why == NULL) {
    gchar *o = gst_caps_to_string (ours), *p = gst_caps_to_string (peer);
    why = g_strdup_printf ("%s: pad '%s' sends %s, but downstream accepts "
        "only %s", what, GST_PAD_NAME (pad), o, p);
    g_free (o);
    g_free (p);
  }
  gst_caps_unref (peer);
  return why;
}

/* Frame buffers of @bytes each: the pool made at start holds float
 * frames; 16-bit counts need a pool of their own size. */
static gboolean
resize_pool (GstNanoBraggSrc * self, gsize bytes)
{
  GstStructure *config;
  guint size;

  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_get_params (config, NULL, &size, NULL, NULL);
  gst_structure_free (config);
  if (size == bytes)
    return TRUE;
  gst_buffer_pool_set_active (self->pool, FALSE);
  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_set_params (config, NULL, (guint) bytes, 0, 0);
  return gst_buffer_pool_set_config (self->pool, config)
      && gst_buffer_pool_set_active (self->pool, TRUE);
}

/* F32LE first, then S32LE counts, then GRAY16_LE; whatever downstream
 * takes.  nanoBragg's generator makes 16-bit counts only. */
static gboolean
negotiate_src (GstNanoBraggSrc * self)
{
  GstCaps *ours = frame_caps (self, "video/x-diffraction", "F32LE");
  GstCaps *peer, *caps;
  GstStructure *st;
  gboolean ok;

  if (self->params.noise_rng == NB_NOISE_RNG_COUNTER)
    gst_caps_append (ours, frame_caps (self, "video/x-diffraction", "S32LE"));
  gst_caps_append (ours, frame_caps (self, "video/x-raw", "GRAY16_LE"));
  peer = gst_pad_peer_query_caps (self->srcpad, ours);
  if (gst_caps_is_empty (peer)) {
    gchar *why = explain_refusal (self, self->srcpad, ours, "frames");
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", why), (NULL));
    g_free (why);
    gst_caps_unref (peer);
    gst_caps_unref (ours);
    return FALSE;
  }
  caps = gst_caps_copy_nth (peer, 0);
  caps = gst_caps_fixate (caps);
  st = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (st, "video/x-raw"))
    self->frame_format = GST_NB_SRC_COUNTS_GRAY16;
  else if (g_strcmp0 (gst_structure_get_string (st, "format"), "S32LE") == 0)
    self->frame_format = GST_NB_SRC_COUNTS_S32;
  else
    self->frame_format = GST_NB_SRC_PHOTONS;
  if (!resize_pool (self, (gsize) self->model->det.fpixels
          * self->model->det.spixels * (self->frame_format
              == GST_NB_SRC_COUNTS_GRAY16 ? 2 : 4))) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("cannot set up a pool of %dx%d count buffers",
            self->model->det.fpixels, self->model->det.spixels), (NULL));
    gst_caps_unref (caps);
    gst_caps_unref (peer);
    gst_caps_unref (ours);
    return FALSE;
  }
  ok = gst_pad_set_caps (self->srcpad, caps);
  if (!ok)
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("downstream of pad 'src' "
            "refused %" GST_PTR_FORMAT, caps), (NULL));
  gst_caps_unref (caps);
  gst_caps_unref (peer);
  gst_caps_unref (ours);
  return ok;
}

/* The trace pad's caps follow trace-map; a linked branch that refuses them
 * is an error naming trace-map (instead of a bare not-negotiated). */
static gboolean
negotiate_trace (GstNanoBraggSrc * self)
{
  GstCaps *caps;
  gboolean ok = TRUE;

  if (self->run_trace_map != NB_TRACE_MAP_NONE)
    caps = frame_caps (self, "video/x-diffraction", "F32LE");
  else
    caps = gst_caps_new_simple ("text/x-raw", "format", G_TYPE_STRING,
        "utf8", NULL);
  if (gst_pad_is_linked (self->tracepad)) {
    GstCaps *peer = gst_pad_peer_query_caps (self->tracepad, caps);
    if (gst_caps_is_empty (peer)) {
      GEnumValue *v = g_enum_get_value (g_type_class_peek
          (GST_TYPE_NB_TRACE_MAP), self->run_trace_map);
      gchar *what = g_strdup_printf ("traces (property 'trace-map' is %s: "
          "%s)", v->value_nick, self->run_trace_map == NB_TRACE_MAP_NONE ?
          "text; set trace-map for a video branch" :
          "a video/x-diffraction map; use trace-map=none for a text branch");
      gchar *why = explain_refusal (self, self->tracepad, caps, what);
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", why), (NULL));
      g_free (why);
      g_free (what);
      ok = FALSE;
    }
    gst_caps_unref (peer);
  }
  if (ok)
    gst_pad_set_caps (self->tracepad, caps);
  gst_caps_unref (caps);
  return ok;
}

/* A thread boundary: buffers pushed into it do not block the pusher in a
 * sink's preroll. */
static gboolean
is_thread_boundary (GstElement * e)
{
  GstElementFactory *f = gst_element_get_factory (e);
  const char *name = f ? GST_OBJECT_NAME (f) : "";

  return GST_IS_AGGREGATOR (e) || strcmp (name, "queue") == 0
      || strcmp (name, "queue2") == 0 || strcmp (name, "multiqueue") == 0;
}

/* TRUE when what is pushed on @pad reaches, in the pushing thread, a sink
 * that waits in preroll (a GstBaseSink with async=true): elements are
 * followed through their src pads and into bins, up to a queue. */
static gboolean
reaches_preroll_sink (GstPad * pad, int depth)
{
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *e;
  gboolean blocks = FALSE;

  if (peer == NULL || depth > 64) {
    gst_clear_object (&peer);
    return FALSE;
  }
  /* into a bin: its sink ghost pad's target */
  while (GST_IS_GHOST_PAD (peer)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    gst_object_unref (peer);
    if (target == NULL)
      return FALSE;
    peer = target;
  }
  /* out of a bin: the internal side of its src ghost pad */
  if (GST_IS_PROXY_PAD (peer)) {
    GstProxyPad *ghost = gst_proxy_pad_get_internal (GST_PROXY_PAD (peer));
    gst_object_unref (peer);
    if (ghost == NULL)
      return FALSE;
    blocks = reaches_preroll_sink (GST_PAD (ghost), depth + 1);
    gst_object_unref (ghost);
    return blocks;
  }
  e = gst_pad_get_parent_element (peer);
  gst_object_unref (peer);
  if (e == NULL)
    return FALSE;
  if (GST_IS_BASE_SINK (e)) {
    blocks = gst_base_sink_is_async_enabled (GST_BASE_SINK (e));
  } else if (!is_thread_boundary (e)) {
    GstIterator *it = gst_element_iterate_src_pads (e);
    GValue item = G_VALUE_INIT;
    while (!blocks && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
      blocks = reaches_preroll_sink (g_value_get_object (&item), depth + 1);
      g_value_reset (&item);
    }
    g_value_unset (&item);
    gst_iterator_free (it);
  }
  gst_object_unref (e);
  return blocks;
}

/* One task pushes on both pads, and a sink blocks the thread that hands it
 * its preroll buffer until PLAYING.  If both branches lead to such sinks
 * without a queue, the first frame blocks in one and the other never
 * prerolls: an error saying what to add, instead of a silent hang.  If
 * only the src branch does, the trace goes first.  Live sources do not
 * preroll. */
static gboolean
check_branches (GstNanoBraggSrc * self)
{
  gboolean src_blocks, trace_blocks;

  self->trace_first = FALSE;
  if (self->run_live || !gst_pad_is_linked (self->tracepad))
    return TRUE;
  src_blocks = reaches_preroll_sink (self->srcpad, 0);
  trace_blocks = reaches_preroll_sink (self->tracepad, 0);
  if (src_blocks && trace_blocks) {
    GST_ELEMENT_ERROR (self, CORE, PAD, ("both pads, 'src' and 'trace', "
            "lead to sinks without a queue: one streaming thread cannot "
            "preroll two sinks, the pipeline would hang; add a queue after "
            "each branch: nanobraggsrc name=s ! queue ! ... s.trace ! "
            "queue ! ..."), (NULL));
    return FALSE;
  }
  self->trace_first = src_blocks;
  if (src_blocks)
    GST_DEBUG_OBJECT (self, "src branch has no queue: pushing the trace "
        "first");
  return TRUE;
}

static void
push_stream_start (GstNanoBraggSrc * self, GstPad * pad, const char *name)
{
  gchar *id = g_strdup_printf ("%s/%s", self->stream_id_base, name);
  GstEvent *ev = gst_event_new_stream_start (id);
  gst_event_set_group_id (ev, self->group_id);
  gst_pad_push_event (pad, ev);
  g_free (id);
}

/* FALSE after posting an error. */
static gboolean
start_streams (GstNanoBraggSrc * self)
{
  push_stream_start (self, self->srcpad, "frames");
  push_stream_start (self, self->tracepad, "trace");
  if (!negotiate_src (self) || !negotiate_trace (self)
      || !check_branches (self))
    return FALSE;
  self->started = TRUE;
  return TRUE;
}

static void
push_segments (GstNanoBraggSrc * self)
{
  GstEvent *ev = gst_event_new_segment (&self->segment);
  gst_event_set_seqnum (ev, self->segment_seqnum);
  gst_pad_push_event (self->srcpad, gst_event_ref (ev));
  gst_pad_push_event (self->tracepad, ev);
  self->need_segment = FALSE;
}

/* The end of a SEGMENT seek's segment: a SEGMENT_DONE message and event
 * instead of EOS, so that the application can loop (as basesrc). */
static void
push_segment_done (GstNanoBraggSrc * self, gint64 last)
{
  gint64 position = GST_CLOCK_TIME_IS_VALID (self->segment.stop) ?
      (gint64) self->segment.stop : (gint64) frame_to_time (self, last);
  GstMessage *msg = gst_message_new_segment_done (GST_OBJECT (self),
      GST_FORMAT_TIME, position);
  GstEvent *ev = gst_event_new_segment_done (GST_FORMAT_TIME, position);

  gst_message_set_seqnum (msg, self->segment_seqnum);
  gst_element_post_message (GST_ELEMENT (self), msg);
  gst_event_set_seqnum (ev, self->segment_seqnum);
  gst_pad_push_event (self->srcpad, gst_event_ref (ev));
  gst_pad_push_event (self->tracepad, ev);
}

static void
push_eos (GstNanoBraggSrc * self)
{
  GstEvent *ev = gst_event_new_eos ();
  gst_event_set_seqnum (ev, self->segment_seqnum);
  gst_pad_push_event (self->srcpad, gst_event_ref (ev));
  gst_pad_push_event (self->tracepad, ev);
}

/* Live mode: wait for PLAYING, then for the frame's end on the clock.
 * A pause (PLAYING->PAUSED) unschedules the wait: wait for PLAYING again.
 * FALSE only when flushing or stopping. */
static gboolean
wait_live (GstNanoBraggSrc * self, GstClockTime pts, GstClockTime duration,
    GstClockTime * now)
{
  *now = GST_CLOCK_TIME_NONE;
  for (;;) {
    GstClock *clock;
    GstClockTime base, running;
    GstClockReturn cret;

    GST_OBJECT_LOCK (self);
    while (!self->playing && !self->flushing)
      g_cond_wait (&self->playing_cond, GST_OBJECT_GET_LOCK (self));
    if (self->flushing) {
      GST_OBJECT_UNLOCK (self);
      return FALSE;
    }
    clock = GST_ELEMENT_CLOCK (self) ?
        gst_object_ref (GST_ELEMENT_CLOCK (self)) : NULL;
    base = GST_ELEMENT_CAST (self)->base_time;
    running = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME,
        pts);
    if (clock == NULL || !GST_CLOCK_TIME_IS_VALID (running)) {
      GST_OBJECT_UNLOCK (self);
      if (clock)
        gst_object_unref (clock);
      return TRUE;
    }
    /* like a detector, a frame exists once its exposure is over */
    self->clock_id = gst_clock_new_single_shot_id (clock,
        base + running + duration);
    GST_OBJECT_UNLOCK (self);
    cret = gst_clock_id_wait (self->clock_id, NULL);
    GST_OBJECT_LOCK (self);
    gst_clock_id_unref (self->clock_id);
    self->clock_id = NULL;
    GST_OBJECT_UNLOCK (self);
    if (cret != GST_CLOCK_UNSCHEDULED) {
      GstClockTime t = gst_clock_get_time (clock);
      *now = t > base ? t - base : 0;
      gst_object_unref (clock);
      return TRUE;
    }
    gst_object_unref (clock);
  }
}

/* Live: when the exposure of the frame after @frame has ended too (the
 * renderer fell behind the frame rate), a detector would have lost the
 * frames its readout could not take.  Returns the newest frame whose
 * exposure is over at running time @now (at most @last - 1); the frames
 * from @frame up to it are dropped and reported with a QoS message. */
static gint64
skip_late_frames (GstNanoBraggSrc * self, gint64 frame, gint64 last,
    GstClockTime now)
{
  GstClockTime stream_now, first_pts, first_end;
  gint64 newest;
  GstMessage *qos;

  if (!GST_CLOCK_TIME_IS_VALID (now))
    return frame;
  stream_now = gst_segment_position_from_running_time (&self->segment,
      GST_FORMAT_TIME, now);
  if (!GST_CLOCK_TIME_IS_VALID (stream_now))
    return frame;
  /* the frame whose interval holds "now" is still being exposed */
  newest = time_to_frame (self, stream_now) - 1;
  if (last >= 0)
    newest = MIN (newest, last - 1);
  if (newest <= frame)
    return frame;

  first_pts = frame_to_time (self, frame);
  first_end = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME,
      frame_to_time (self, frame + 1));
  self->frames_dropped += newest - frame;
  GST_DEBUG_OBJECT (self, "live: %" G_GINT64_FORMAT " late frame(s) dropped "
      "(%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", newest - frame, frame,
      newest - 1);
  qos = gst_message_new_qos (GST_OBJECT (self), TRUE,
      gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME,
          first_pts), first_pts, first_pts,
      frame_to_time (self, newest) - first_pts);
  gst_message_set_qos_values (qos, GST_CLOCK_DIFF (first_end, now), 1.0,
      1000000);
  gst_message_set_qos_stats (qos, GST_FORMAT_DEFAULT, self->frames_pushed,
      self->frames_dropped);
  gst_element_post_message (GST_ELEMENT (self), qos);
  self->discont[0] = self->discont[1] = TRUE;
  return newest;
}

/* scale=0: one scale for the whole series, 55000 / the maximum of frame 0
 * (nanoBragg's rule for its one image), whatever frame comes first, so
 * counts of different frames compare.  Posted once as an element message
 * "nanobraggsrc-scale" (scale, frame, max-photons). */
static void
set_series_scale (GstNanoBraggSrc * self, const float *frame0)
{
  gsize npix = (gsize) self->model->det.fpixels * self->model->det.spixels;
  float max = 0.0f;

  for (gsize i = 0; i < npix; i++)
    max = MAX (max, frame0[i]);
  self->series_scale = max > 0.0f ? 55000.0 / max : 1.0;
  GST_INFO_OBJECT (self, "scale=0: %g counts per photon for the series "
      "(frame 0 maximum %g photons)", self->series_scale, max);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("nanobraggsrc-scale", "scale", G_TYPE_DOUBLE,
              self->series_scale, "frame", G_TYPE_INT64, (gint64) 0,
              "max-photons", G_TYPE_DOUBLE, (double) max, NULL)));
}

/* The series scale when the first frame rendered is not frame 0: frame 0
 * is rendered once more, before anything is submitted to the backend. */
static gboolean
series_scale_from_frame0 (GstNanoBraggSrc * self, GError ** error)
{
  if (!nb_backend_render (self->backend, 0, self->scratch, NULL, error))
    return FALSE;
  set_series_scale (self, self->scratch);
  return TRUE;
}

static NbCountsFormat
counts_format (GstNanoBraggSrc * self)
{
  return self->frame_format == GST_NB_SRC_COUNTS_S32 ? NB_COUNTS_S32
      : NB_COUNTS_U16;
}

/* Frames after nb_backend_submit_ahead: as many as the backend queues,
 * up to the segment's stop and the series' end. */
static gboolean
submit_ahead (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  gint64 end = self->stop_frame;

  /* keep the device busy: the next frames render while this one goes out */
  if (self->num_frames_cached >= 0 && (end < 0
          || self->num_frames_cached < end))
    end = self->num_frames_cached;
  return nb_backend_submit_ahead (self->backend, frame, end, error);
}

/* A buffer from the pool (sized for the negotiated format), or NULL. */
static GstBuffer *
acquire_frame_buffer (GstNanoBraggSrc * self, GError ** error)
{
  GstBuffer *buf = NULL;
  if (gst_buffer_pool_acquire_buffer (self->pool, &buf, NULL) != GST_FLOW_OK) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "no frame buffer available");
    return NULL;
  }
  return buf;
}

/* Little-endian samples of @bytes per pixel, in place, on a big-endian
 * host. */
static void
to_little_endian (guint8 * data, gsize npix, gsize bytes)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < npix; i++)
    if (bytes == 4)
      ((guint32 *) data)[i] = GUINT32_SWAP_LE_BE (((guint32 *) data)[i]);
    else
      ((guint16 *) data)[i] = GUINT16_SWAP_LE_BE (((guint16 *) data)[i]);
#else
  (void) data;
  (void) npix;
  (void) bytes;
#endif
}

/* The counter readout's first frame: the backend starts reading out
 * (with scale=0, at the series scale from frame 0's photons).  Returns
 * frame 0's counts when @frame is 0 and its photons were rendered for the
 * scale (read out here, the same bits as the backend's readout), so that
 * frame 0 is not rendered twice; NULL otherwise (also on error). */
static GstBuffer *
start_readout (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  const NbModel *m = self->model;
  double gain = self->params.int_scale;
  gboolean have_frame0 = FALSE;
  GstBuffer *buf = NULL;

  if (gain <= 0.0) {
    if (self->series_scale <= 0.0) {
      if (!series_scale_from_frame0 (self, error))
        return NULL;
      have_frame0 = TRUE;
    }
    gain = self->series_scale;
  }
  nb_readout_from_params (&self->params, gain, counts_format (self),
      &self->readout);
  if (!nb_readout_check (&self->readout, readout_property_names, error)
      || !nb_backend_set_readout (self->backend, &self->readout,
          counts_format (self), error))
    return NULL;
  self->readout_ready = TRUE;
  GST_INFO_OBJECT (self, "counts read out by the %s backend%s",
      self->backend->ops->name, self->backend->host_readout ?
      " on the host" : " on its device");
  if (have_frame0 && frame == 0) {
    GstMapInfo map;
    NbReadoutWork *work;
    buf = acquire_frame_buffer (self, error);
    if (buf == NULL)
      return NULL;
    /* needed for this one frame only */
    work = nb_readout_work_new (self->params.num_threads);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    nb_readout_frame (work, &self->readout, &m->det, 0, self->scratch,
        counts_format (self), map.data, NULL);
    to_little_endian (map.data, (gsize) m->det.fpixels * m->det.spixels,
        nb_backend_pixel_bytes (self->backend));
    gst_buffer_unmap (buf, &map);
    nb_readout_work_free (work);
  }
  return buf;
}

/* Frame @frame as the backend delivers it (photons, or counts once it
 * reads out), after submitting the frames that follow: zero copy where
 * the backend lends its (pinned) frame, which goes downstream read-only
 * and returns to the backend when the buffer is freed; else fetched
 * straight into a pool buffer. */
static GstBuffer *
take_backend_frame (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  const NbModel *m = self->model;
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  gsize pixel_bytes = nb_backend_pixel_bytes (self->backend);
  gsize bytes = npix * pixel_bytes;
  GstBuffer *buf;
  GstMapInfo map;

  if (!submit_ahead (self, frame, error))
    return NULL;
  if (frames_lent (self)) {
    GError *why = NULL;
    NbLentFrame *lent = nb_backend_lend (self->backend, frame, NULL, &why);
    if (lent != NULL)
      return gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
          (gpointer) lent->image, bytes, 0, bytes, lent,
          (GDestroyNotify) nb_lent_frame_release);
    if (why != NULL) {
      g_propagate_error (error, why);
      return NULL;
    }
    GST_LOG_OBJECT (self, "downstream holds every lent frame: copying");
  }
  buf = acquire_frame_buffer (self, error);
  if (buf == NULL)
    return NULL;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  if (!nb_backend_fetch (self->backend, frame, (float *) map.data, NULL,
          error)) {
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    return NULL;
  }
  to_little_endian (map.data, npix, pixel_bytes);
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Counts of the counter readout, made by the backend (on its device where
 * it has one). */
static GstBuffer *
render_counts (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  GstBuffer *buf = NULL;

  if (!self->readout_ready) {
    GError *why = NULL;
    buf = start_readout (self, frame, &why);
    if (why != NULL) {
      g_propagate_error (error, why);
      return NULL;
    }
  }
  if (buf == NULL)
    buf = take_backend_frame (self, frame, error);
  if (buf == NULL)
    return NULL;
  gst_nb_frame_meta_add (buf, self->model, frame, self->readout.gain,
      self->readout.adc_offset);
  gst_nb_frame_meta_add_readout (buf, &self->readout, NB_NOISE_RNG_COUNTER,
      self->frame_format == GST_NB_SRC_COUNTS_S32 ? "S32LE" : "GRAY16_LE",
      self->params.int_scale <= 0.0);
  return buf;
}

/* 16-bit counts from nanoBragg's serial generator, on the CPU: frame i
 * seeded with seed + i, so frame 0 is nanoBragg's -noisefile. */
static GstBuffer *
render_nanobragg_counts (GstNanoBraggSrc * self, gint64 frame,
    GError ** error)
{
  const NbModel *m = self->model;
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  double scale = self->params.int_scale, adc = self->params.adc_offset;
  NbReadout legacy;
  GstBuffer *buf;
  GstMapInfo map;

  if (scale <= 0.0 && self->series_scale <= 0.0 && frame != 0
      && !series_scale_from_frame0 (self, error))
    return NULL;
  if (!submit_ahead (self, frame, error)
      || !nb_backend_fetch (self->backend, frame, self->scratch, NULL, error))
    return NULL;
  if (scale <= 0.0) {
    if (self->series_scale <= 0.0)
      set_series_scale (self, self->scratch);   /* this is frame 0 */
    scale = self->series_scale;
  }
  if (self->params.calculate_noise) {
    int overloads;
    nb_image_to_noise (m, self->scratch, (long) (self->params.seed - frame),
        scale, adc, self->counts, &overloads);
  } else {
    nb_image_to_counts (m, self->scratch, scale, adc, self->counts);
  }
  buf = acquire_frame_buffer (self, error);
  if (buf == NULL)
    return NULL;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < npix; i++)
    GST_WRITE_UINT16_LE (map.data + 2 * i, self->counts[i]);
  gst_buffer_unmap (buf, &map);
  gst_nb_frame_meta_add (buf, m, frame, scale, adc);
  /* what nanoBragg's generator applies: clipping to 0..65535, 0 outside
   * the ROI and mask */
  nb_readout_from_params (&self->params, scale, NB_COUNTS_U16, &legacy);
  legacy.masked_value = 0;
  gst_nb_frame_meta_add_readout (buf, &legacy, NB_NOISE_RNG_NANOBRAGG,
      "GRAY16_LE", self->params.int_scale <= 0.0);
  return buf;
}

static GstBuffer *
render_frame (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  GstBuffer *buf;

  if (self->frame_format == GST_NB_SRC_PHOTONS) {
    buf = take_backend_frame (self, frame, error);
    if (buf != NULL)
      gst_nb_frame_meta_add (buf, self->model, frame, 1.0, 0.0);
    return buf;
  }
  if (self->params.noise_rng == NB_NOISE_RNG_COUNTER)
    return render_counts (self, frame, error);
  return render_nanobragg_counts (self, frame, error);
}

/* A trace line saying which readout makes the counts of @frame (before
 * the pixels' lines, so that a trace says how its frame was read out). */
static void
append_readout_line (GstNanoBraggSrc * self, gint64 frame, GString * text)
{
  const NbParams *p = &self->params;
  double gain = p->int_scale > 0.0 ? p->int_scale : self->series_scale;
  gchar gain_text[G_ASCII_DTOSTR_BUF_SIZE] = "auto";
  NbReadout r;

  if (self->readout_ready)
    r = self->readout;
  else
    nb_readout_from_params (p, gain, counts_format (self), &r);
  /* a trace pushed before frame 0 of scale=0 precedes its scale */
  if (r.gain > 0.0)
    g_ascii_formatd (gain_text, sizeof (gain_text), "%.17g", r.gain);
  g_string_append_printf (text, "TRACE_READOUT frame=%" G_GINT64_FORMAT
      " format=%s noise-rng=%s poisson=%d seed=%" G_GUINT64_FORMAT
      " gain=%s adc-offset=%.17g read-noise=%.17g psf-fwhm=%.17g "
      "calibration-error=%.17g calibration-seed=%" G_GUINT64_FORMAT
      " count-cutoff=%.17g masked-value=%d\n", frame,
      self->frame_format == GST_NB_SRC_COUNTS_S32 ? "S32LE" : "GRAY16_LE",
      p->noise_rng == NB_NOISE_RNG_COUNTER ? "counter" : "nanobragg",
      r.poisson, (guint64) r.seed, gain_text, r.adc_offset, r.read_noise,
      r.psf_fwhm, r.calibration_error, (guint64) r.calibration_seed,
      r.cutoff, (int) r.masked_value);
}

/* The trace pad's content for @frame: text, a map, or NULL (send a GAP). */
static GstBuffer *
render_trace (GstNanoBraggSrc * self, gint64 frame, GError ** error)
{
  const NbModel *m = self->model;

  if (self->run_trace_map != NB_TRACE_MAP_NONE) {
    gsize npix = (gsize) m->det.fpixels * m->det.spixels;
    GstBuffer *buf = gst_buffer_new_allocate (NULL, npix * sizeof (float),
        NULL);
    GstMapInfo map;
    gboolean ok;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    ok = nb_backend_trace_map (self->backend, frame, self->run_trace_map,
        (float *) map.data, error);
    gst_buffer_unmap (buf, &map);
    if (!ok) {
      gst_buffer_unref (buf);
      return NULL;
    }
    gst_nb_frame_meta_add (buf, m, frame, 1.0, 0.0);
    return buf;
  } else if (self->trace_coords->len > 0) {
    int n = self->trace_coords->len / 2;
    NbTracePixel **t = g_new (NbTracePixel *, n);
    GString *text = g_string_new (NULL);
    gboolean ok;
    for (int i = 0; i < n; i++)
      t[i] = nb_trace_pixel_new (g_array_index (self->trace_coords, int,
              2 * i), g_array_index (self->trace_coords, int, 2 * i + 1));
    ok = nb_backend_trace (self->backend, frame, t, n, error);
    if (ok && self->frame_format != GST_NB_SRC_PHOTONS)
      append_readout_line (self, frame, text);
    for (int i = 0; ok && i < n; i++)
      nb_trace_format (m, t[i], text);
    for (int i = 0; i < n; i++)
      nb_trace_pixel_free (t[i]);
    g_free (t);
    if (!ok) {
      g_string_free (text, TRUE);
      return NULL;
    }
    {
      gsize len = text->len;
      return gst_buffer_new_wrapped (g_string_free (text, FALSE), len);
    }
  }
  return NULL;
}

static void
stamp (GstBuffer * buf, gint64 frame, GstClockTime pts, GstClockTime dur)
{
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = dur;
  GST_BUFFER_OFFSET (buf) = frame;
  GST_BUFFER_OFFSET_END (buf) = frame + 1;
}

/* These return the combined flow of both pads. */
static GstFlowReturn
push_frame (GstNanoBraggSrc * self, GstBuffer * buf)
{
  GstFlowReturn ret;

  if (self->discont[0]) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    self->discont[0] = FALSE;
  }
  self->frames_pushed++;
  ret = gst_pad_push (self->srcpad, buf);
  return gst_flow_combiner_update_pad_flow (self->flow_combiner,
      self->srcpad, ret);
}

static GstFlowReturn
push_trace (GstNanoBraggSrc * self, gboolean linked, GstBuffer * tbuf,
    GstClockTime pts, GstClockTime dur)
{
  GstFlowReturn ret;

  if (!linked) {
    ret = GST_FLOW_NOT_LINKED;
  } else if (tbuf != NULL) {
    if (self->discont[1]) {
      GST_BUFFER_FLAG_SET (tbuf, GST_BUFFER_FLAG_DISCONT);
      self->discont[1] = FALSE;
    }
    ret = gst_pad_push (self->tracepad, tbuf);
  } else {
    /* a refused GAP (a branch at EOS) must not stop the frames */
    gst_pad_push_event (self->tracepad, gst_event_new_gap (pts, dur));
    ret = GST_FLOW_OK;
  }
  return gst_flow_combiner_update_pad_flow (self->flow_combiner,
      self->tracepad, ret);
}

static void
gst_nanobragg_src_loop (GstNanoBraggSrc * self)
{
  GstFlowReturn ret;
  GstBuffer *buf, *tbuf = NULL;
  GError *error = NULL;
  gint64 frame = self->next_frame, last;
  GstClockTime pts, dur;
  gboolean live, trace_linked;
  guint gen;

  if (!self->started && !start_streams (self)) {
    /* start_streams posted the error, naming what is at fault */
    push_eos (self);
    goto pause_quiet;
  }
  if (self->need_segment)
    push_segments (self);

  gen = self->seek_gen;
  last = self->num_frames_cached;
  live = self->run_live;
  if (self->stop_frame >= 0 && (last < 0 || self->stop_frame < last))
    last = self->stop_frame;
  if (last >= 0 && frame >= last) {
    GST_DEBUG_OBJECT (self, "frame %" G_GINT64_FORMAT ": end of %s", frame,
        self->segment.flags & GST_SEGMENT_FLAG_SEGMENT ? "segment" :
        "series");
    if (self->segment.flags & GST_SEGMENT_FLAG_SEGMENT)
      push_segment_done (self, last);
    else
      push_eos (self);
    ret = GST_FLOW_EOS;
    goto pause_quiet;
  }

  pts = frame_to_time (self, frame);
  dur = frame_to_time (self, frame + 1) - pts;
  if (live) {
    GstClockTime now;
    if (!wait_live (self, pts, dur, &now)) {
      ret = GST_FLOW_FLUSHING;
      goto pause_quiet;
    }
    frame = skip_late_frames (self, frame, last, now);
    pts = frame_to_time (self, frame);
    dur = frame_to_time (self, frame + 1) - pts;
  }

  buf = render_frame (self, frame, &error);
  if (buf == NULL)
    goto render_error;
  stamp (buf, frame, pts, dur);

  /* nothing is traced for an unlinked trace pad */
  trace_linked = gst_pad_is_linked (self->tracepad);
  if (trace_linked) {
    tbuf = render_trace (self, frame, &error);
    if (tbuf == NULL && error != NULL) {
      gst_buffer_unref (buf);
      goto render_error;
    }
  }

  self->segment.position = pts;
  if (tbuf != NULL)
    stamp (tbuf, frame, pts, dur);
  /* a src branch without a queue blocks this thread in preroll: then the
   * trace (queued) goes first (see check_branches) */
  if (self->trace_first) {
    push_trace (self, trace_linked, tbuf, pts, dur);
    ret = push_frame (self, buf);
  } else {
    push_frame (self, buf);
    ret = push_trace (self, trace_linked, tbuf, pts, dur);
  }
  if (gen != self->seek_gen)
    return;                     /* a seek from inside a push took over */
  self->next_frame = frame + 1;
  if (ret != GST_FLOW_OK)
    goto pause;
  return;

render_error:
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("rendering frame %"
          G_GINT64_FORMAT " failed: %s", frame, error->message), (NULL));
  g_error_free (error);
  push_eos (self);
  ret = GST_FLOW_ERROR;
  goto pause_quiet;

pause:
  GST_DEBUG_OBJECT (self, "pausing: %s", gst_flow_get_name (ret));
  if (ret == GST_FLOW_EOS) {
    /* downstream wants no more: end the stream as basesrc does */
    push_eos (self);
  } else if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    push_eos (self);
  }
pause_quiet:
  gst_pad_pause_task (self->srcpad);
}

/* ------------------------------------------------------------------ */
/* class                                                               */

static void
gst_nanobragg_src_finalize (GObject * object)
{
  GstNanoBraggSrc *self = GST_NANOBRAGG_SRC (object);

  gst_nanobragg_src_stop (self);
  gst_nb_src_settings_clear (&self->settings);
  gst_nb_background_clear (&self->background);
  g_free (self->nanobragg_args);
  g_free (self->gpu_ids);
  g_free (self->trace_pixels);
  gst_flow_combiner_free (self->flow_combiner);
  g_cond_clear (&self->playing_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_nanobragg_src_class_init (GstNanoBraggSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_nanobragg_src_debug, "nanobraggsrc", 0,
      "nanoBragg diffraction source");

  gobject_class->set_property = gst_nanobragg_src_set_property;
  gobject_class->get_property = gst_nanobragg_src_get_property;
  gobject_class->finalize = gst_nanobragg_src_finalize;

  g_object_class_install_property (gobject_class, PROP_NANOBRAGG_ARGS,
      g_param_spec_string ("nanobragg-args", "nanoBragg arguments",
          "A nanoBragg command line applied over the other properties at "
          "start (e.g. \"-hkl P1.hkl -cell 79 79 38 90 90 90 -N 10\")", NULL,
          flags));
  g_object_class_install_property (gobject_class, PROP_NUM_FRAMES,
      g_param_spec_int64 ("num-frames", "Number of frames",
          "Frames in the series (-1 = unbounded: phi keeps going)", -1,
          G_MAXINT64, DEFAULT_NUM_FRAMES, flags));
  g_object_class_install_property (gobject_class, PROP_FRAMERATE,
      gst_param_spec_fraction ("framerate", "Frame rate",
          "Frames per second (sets timestamps, and the pace when live)", 1,
          1000, 1000, 1, DEFAULT_FPS_N, DEFAULT_FPS_D, flags));
  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Live",
          "Deliver frames at the frame rate like a detector (no preroll)",
          FALSE, flags));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_enum ("device", "Device", "Where frames are rendered",
          GST_TYPE_NB_DEVICE, NB_DEVICE_AUTO, flags));
  g_object_class_install_property (gobject_class, PROP_GPU_ID,
      g_param_spec_string ("gpu-id", "GPU ids", "CUDA device index, or a "
          "list \"0,1,2\" or \"all\": frame i renders on the (i mod n)-th "
          "listed device and frames leave in order (a device may be "
          "listed twice)", "0", flags));
  g_object_class_install_property (gobject_class, PROP_TRACE_PIXELS,
      g_param_spec_string ("trace-pixels", "Traced pixels",
          "Pixels traced on the trace pad: 'slow,fast;slow,fast...'", NULL,
          flags));
  g_object_class_install_property (gobject_class, PROP_TRACE_MAP,
      g_param_spec_enum ("trace-map", "Trace map",
          "Send a per-pixel map of this quantity on the trace pad instead of "
          "text", GST_TYPE_NB_TRACE_MAP, NB_TRACE_MAP_NONE, flags));
  gst_nb_background_install (gobject_class, PROP_BACKGROUND_FIRST, flags);
  gst_nb_src_settings_install (gobject_class, PROP_SETTINGS_FIRST);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &trace_template);
  gst_element_class_set_static_metadata (element_class,
      "nanoBragg diffraction source", "Source/Video",
      "Renders X-ray diffraction frames of a rotating nanocrystal "
      "(nanoBragg physics) and per-pixel traces. Example: gst-launch-1.0 "
      "nanobraggsrc hkl-file=P1.hkl cell=\"79 79 38 90 90 90\" n-cells=10 "
      "osc=0.1 phi-steps=10 num-frames=20 ! queue ! "
      "multifilesink location=frame_%05d.f32",
      "The nanobragg developers");
  /* the installed docs/elements.md at this element's section, as for the
   * other elements (docs/elements.md) */
  gst_element_class_add_metadata (element_class,
      GST_ELEMENT_METADATA_DOC_URI, PACKAGE_DOC_URI "#nanobraggsrc");
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_nanobragg_src_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_NB_DEVICE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_TRACE_MAP, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_CONVENTION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_PIVOT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_SHAPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_INTERPOLATE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NB_PRECISION, 0);
}

static void
gst_nanobragg_src_init (GstNanoBraggSrc * self)
{
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (self->srcpad,
      gst_nanobragg_src_activate_mode);
  gst_pad_set_event_function (self->srcpad, gst_nanobragg_src_event);
  gst_pad_set_query_function (self->srcpad, gst_nanobragg_src_query);
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->tracepad = gst_pad_new_from_static_template (&trace_template,
      "trace");
  gst_pad_set_event_function (self->tracepad, gst_nanobragg_src_event);
  gst_pad_set_query_function (self->tracepad, gst_nanobragg_src_query);
  gst_pad_use_fixed_caps (self->tracepad);
  gst_element_add_pad (GST_ELEMENT (self), self->tracepad);

  self->flow_combiner = gst_flow_combiner_new ();
  gst_flow_combiner_add_pad (self->flow_combiner, self->srcpad);
  gst_flow_combiner_add_pad (self->flow_combiner, self->tracepad);

  gst_nb_src_settings_init (&self->settings);
  gst_nb_background_init (&self->background);
  self->num_frames = DEFAULT_NUM_FRAMES;
  self->fps_n = DEFAULT_FPS_N;
  self->fps_d = DEFAULT_FPS_D;
  self->device = NB_DEVICE_AUTO;
  self->gpu_ids = g_strdup ("0");
  self->trace_map = NB_TRACE_MAP_NONE;
  self->last_seek_seqnum = GST_SEQNUM_INVALID;
  self->run_fps_n = DEFAULT_FPS_N;
  self->run_fps_d = DEFAULT_FPS_D;
  g_cond_init (&self->playing_cond);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}
