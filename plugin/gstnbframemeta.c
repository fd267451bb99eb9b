/* gstnbframemeta.c - registration and (de)serialisation of NbFrameMeta. */
#include "gstnbframemeta.h"
#include "nb_image.h"

#include <math.h>
#include <string.h>

void
gst_nb_frame_meta_register (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    static const gchar *tags[] = { "video", "size", NULL };
    gst_meta_register_custom (GST_NB_FRAME_META_NAME, tags, NULL, NULL,
        NULL);
    g_once_init_leave (&done, 1);
  }
}

static void
set_vector (GstStructure * s, const char *name, const double v[3])
{
  static const char *const axis[3] = { "x", "y", "z" };

  for (int i = 0; i < 3; i++) {
    gchar *key = g_strdup_printf ("%s-%s", name, axis[i]);
    gst_structure_set (s, key, G_TYPE_DOUBLE, v[i], NULL);
    g_free (key);
  }
}

/* The detector in the lab frame, as the renderer places its pixels: what
 * an analysis element needs for the scattering angle of any pixel of a
 * rotated or two-theta detector (the header values above describe only
 * the beam spot and the close distance). */
static void
add_detector_vectors (GstStructure * s, const NbDetector * d)
{
  set_vector (s, "pix0", d->pix0);
  set_vector (s, "fast-axis", d->fdet);
  set_vector (s, "slow-axis", d->sdet);
  set_vector (s, "beam-vector", d->beam);
  set_vector (s, "spindle-axis", d->spindle);
  gst_structure_set (s, "curved-detector", G_TYPE_BOOLEAN, d->curved, NULL);
}

void
gst_nb_frame_meta_add (GstBuffer * buffer, const NbModel * m, gint64 frame,
    double scale, double adc_offset)
{
  double phi = nb_model_frame_phi_deg (m, frame);
  GstCustomMeta *meta;
  GstStructure *s;
  NbSmvHeader h;

  gst_nb_frame_meta_register ();
  nb_image_smv_header (m, phi, &h);
  meta = gst_buffer_add_custom_meta (buffer, GST_NB_FRAME_META_NAME);
  s = gst_custom_meta_get_structure (meta);
  gst_structure_set (s,
      "frame", G_TYPE_UINT64, (guint64) frame,
      "phi-start", G_TYPE_DOUBLE, phi,
      "osc", G_TYPE_DOUBLE, h.osc_range,
      "wavelength", G_TYPE_DOUBLE, h.wavelength,
      "distance", G_TYPE_DOUBLE, h.distance,
      "close-distance", G_TYPE_DOUBLE, h.close_distance,
      "pixel-size", G_TYPE_DOUBLE, h.pixel_size,
      "sensor-thickness", G_TYPE_DOUBLE, m->det.thick * 1000.0,
      "twotheta", G_TYPE_DOUBLE, h.twotheta,
      "convention", G_TYPE_STRING, nb_convention_name (m->det.convention),
      "beam-center-x", G_TYPE_DOUBLE, h.beam_center_x,
      "beam-center-y", G_TYPE_DOUBLE, h.beam_center_y,
      "adxv-center-x", G_TYPE_DOUBLE, h.adxv_center_x,
      "adxv-center-y", G_TYPE_DOUBLE, h.adxv_center_y,
      "mosflm-center-x", G_TYPE_DOUBLE, h.mosflm_center_x,
      "mosflm-center-y", G_TYPE_DOUBLE, h.mosflm_center_y,
      "denzo-x-beam", G_TYPE_DOUBLE, h.denzo_x_beam,
      "denzo-y-beam", G_TYPE_DOUBLE, h.denzo_y_beam,
      "dials-origin-x", G_TYPE_DOUBLE, h.dials_origin[0],
      "dials-origin-y", G_TYPE_DOUBLE, h.dials_origin[1],
      "dials-origin-z", G_TYPE_DOUBLE, h.dials_origin[2],
      "xds-orgx", G_TYPE_DOUBLE, h.xds_orgx,
      "xds-orgy", G_TYPE_DOUBLE, h.xds_orgy,
      "scale", G_TYPE_DOUBLE, scale,
      "adc-offset", G_TYPE_DOUBLE, adc_offset,
      "scale-automatic", G_TYPE_BOOLEAN, FALSE,
      "width", G_TYPE_INT, h.width, "height", G_TYPE_INT, h.height, NULL);
  add_detector_vectors (s, &m->det);
}

void
gst_nb_frame_meta_add_readout (GstBuffer * buffer, const NbReadout * r,
    NbNoiseRng rng, const char *format, gboolean scale_automatic)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer,
      GST_NB_FRAME_META_NAME);
  GstStructure *s;

  g_return_if_fail (meta != NULL);
  s = gst_custom_meta_get_structure (meta);
  gst_structure_set (s,
      "scale-automatic", G_TYPE_BOOLEAN, scale_automatic,
      "counts-format", G_TYPE_STRING, format,
      "noise-rng", G_TYPE_STRING,
      rng == NB_NOISE_RNG_COUNTER ? "counter" : "nanobragg",
      "poisson", G_TYPE_BOOLEAN, r->poisson,
      "seed", G_TYPE_UINT64, (guint64) r->seed,
      "gain", G_TYPE_DOUBLE, r->gain,
      "read-noise", G_TYPE_DOUBLE, r->read_noise,
      "psf-fwhm", G_TYPE_DOUBLE, r->psf_fwhm,
      "calibration-error", G_TYPE_DOUBLE, r->calibration_error,
      "calibration-seed", G_TYPE_UINT64, (guint64) r->calibration_seed,
      "count-cutoff", G_TYPE_DOUBLE, r->cutoff,
      "masked-value", G_TYPE_INT, (gint) r->masked_value, NULL);
}

const GstStructure *
gst_nb_frame_meta_get (GstBuffer * buffer)
{
  GstCustomMeta *meta;

  gst_nb_frame_meta_register ();
  meta = gst_buffer_get_custom_meta (buffer, GST_NB_FRAME_META_NAME);
  return meta ? gst_custom_meta_get_structure (meta) : NULL;
}

gboolean
gst_nb_frame_meta_to_smv_header (const GstStructure * s, NbSmvHeader * h)
{
  gboolean ok = TRUE;

  memset (h, 0, sizeof (*h));
#define GETD(field, key) ok &= gst_structure_get_double (s, key, &h->field)
  GETD (pixel_size, "pixel-size");
  GETD (distance, "distance");
  GETD (wavelength, "wavelength");
  GETD (beam_center_x, "beam-center-x");
  GETD (beam_center_y, "beam-center-y");
  GETD (adxv_center_x, "adxv-center-x");
  GETD (adxv_center_y, "adxv-center-y");
  GETD (mosflm_center_x, "mosflm-center-x");
  GETD (mosflm_center_y, "mosflm-center-y");
  GETD (denzo_x_beam, "denzo-x-beam");
  GETD (denzo_y_beam, "denzo-y-beam");
  GETD (dials_origin[0], "dials-origin-x");
  GETD (dials_origin[1], "dials-origin-y");
  GETD (dials_origin[2], "dials-origin-z");
  GETD (xds_orgx, "xds-orgx");
  GETD (xds_orgy, "xds-orgy");
  GETD (close_distance, "close-distance");
  GETD (phi, "phi-start");
  GETD (osc_range, "osc");
  GETD (twotheta, "twotheta");
#undef GETD
  h->osc_start = h->phi;
  ok &= gst_structure_get_int (s, "width", &h->width);
  ok &= gst_structure_get_int (s, "height", &h->height);
  return ok;
}

/* ---- CBF/NXmx header values (nbcbfenc, nbnxsink) ---- */

static void
set3 (double v[3], double x, double y, double z)
{
  v[0] = x;
  v[1] = y;
  v[2] = z;
}

static gboolean
meta_vector (const GstStructure * s, const char *name, double v[3])
{
  static const char *const axis[3] = { "x", "y", "z" };
  gboolean ok = TRUE;

  for (int i = 0; i < 3; i++) {
    gchar *key = g_strdup_printf ("%s-%s", name, axis[i]);
    ok &= gst_structure_get_double (s, key, &v[i]);
    g_free (key);
  }
  return ok;
}

/* The rotation axis of nanoBragg's conventions (docs/physics.md); FALSE
 * for a custom convention, whose axis only the source knows. */
static gboolean
convention_spindle (const char *convention, double v[3])
{
  if (g_strcmp0 (convention, "mosflm") == 0
      || g_strcmp0 (convention, "denzo") == 0)
    set3 (v, 0, 0, 1);
  else if (g_strcmp0 (convention, "adxv") == 0
      || g_strcmp0 (convention, "xds") == 0)
    set3 (v, 1, 0, 0);
  else if (g_strcmp0 (convention, "dials") == 0)
    set3 (v, 0, 1, 0);
  else {
    set3 (v, 0, 0, 1);
    return FALSE;
  }
  return TRUE;
}

/* The header of a frame without NbFrameMeta: MOSFLM's axes, the beam
 * normal to the detector at its centre. */
void
gst_nb_frame_default_cbf_geometry (NbCbfHeader * h, int width, int height,
    double pixel_size, double distance, double wavelength)
{
  double p = pixel_size / 1000.0, d = distance / 1000.0;

  h->pixel_size = pixel_size;
  h->wavelength = wavelength;
  set3 (h->beam, 1, 0, 0);
  set3 (h->fdet, 0, 0, 1);
  set3 (h->sdet, 0, -1, 0);
  set3 (h->spindle, 0, 0, 1);
  set3 (h->pix0, d, height * p / 2, -width * p / 2);
}

gboolean
gst_nb_frame_meta_to_cbf_header (const GstStructure * s, NbCbfHeader * out,
    gboolean * axis_known)
{
  NbCbfHeader copy = *out, *h = &copy;
  gboolean ok = TRUE;
  guint64 frame = 0;
  gint masked;
  const char *convention = gst_structure_get_string (s, "convention");

  ok &= gst_structure_get_double (s, "pixel-size", &h->pixel_size);
  ok &= gst_structure_get_double (s, "wavelength", &h->wavelength);
  ok &= gst_structure_get_double (s, "phi-start", &h->start_angle);
  ok &= gst_structure_get_double (s, "osc", &h->angle_increment);
  ok &= gst_structure_get_double (s, "twotheta", &h->twotheta);
  ok &= meta_vector (s, "pix0", h->pix0);
  ok &= meta_vector (s, "fast-axis", h->fdet);
  ok &= meta_vector (s, "slow-axis", h->sdet);
  ok &= meta_vector (s, "beam-vector", h->beam);
  if (!ok)
    return FALSE;
  if (gst_structure_get_uint64 (s, "frame", &frame))
    h->frame_number = (int) MIN (frame + 1, (guint64) G_MAXINT);
  *axis_known = meta_vector (s, "spindle-axis", h->spindle)
      || convention_spindle (convention, h->spindle);
  /* the simulated sensor, unless the caller set one */
  if (h->thickness <= 0.0)
    gst_structure_get_double (s, "sensor-thickness", &h->thickness);
  /* count frames: the readout's own saturation and masked value */
  gst_structure_get_double (s, "count-cutoff", &h->count_cutoff);
  if (gst_structure_get_int (s, "masked-value", &masked))
    h->undefined_value = masked;
  *out = copy;
  return TRUE;
}
