/* gstnbframemeta.h - the per-frame meta of nanobragg frames.
 *
 * A GstCustomMeta named "NbFrameMeta" carrying a GstStructure with the
 * frame's geometry (all lengths in mm, angles in degrees):
 *   frame (guint64), phi-start, osc, wavelength (Angstrom), distance,
 *   close-distance, pixel-size, twotheta, convention (string),
 *   beam-center-x/y (the convention's header values), adxv-center-x/y,
 *   mosflm-center-x/y, denzo-x-beam/denzo-y-beam, dials-origin-x/y/z,
 *   xds-orgx/xds-orgy (pixels), scale (counts per photon, GRAY16 only),
 *   scale-automatic (gboolean, count frames: the source's scale was 0, so
 *   `scale` was chosen automatically; FALSE on photon frames), adc-offset (counts), width, height (pixels);
 * and the detector in nanoBragg's lab frame, in the engine's SI units:
 *   pix0-x/y/z (m, sample -> outer corner of the first pixel),
 *   fast-axis-x/y/z, slow-axis-x/y/z (unit vectors along the pixel rows
 *   and columns), beam-vector-x/y/z (unit, the direction the beam
 *   travels), spindle-axis-x/y/z (unit, the rotation axis),
 *   curved-detector (gboolean); sensor-thickness (mm).  Pixel (f, s) has its centre at
 *   pix0 + (f + 0.5) p fast + (s + 0.5) p slow, p = pixel-size / 1000.
 * Count frames also carry the readout that made them
 * (gst_nb_frame_meta_add_readout): counts-format (string), noise-rng
 * (string: counter or nanobragg), poisson (gboolean), seed (guint64),
 * gain (counts per photon), read-noise (counts), psf-fwhm (pixels),
 * calibration-error, calibration-seed (guint64), count-cutoff (counts),
 * masked-value (gint).
 * Tagged "video" and "size": elements that scale or crop drop it. */
#ifndef GST_NB_FRAME_META_H
#define GST_NB_FRAME_META_H

#include <gst/gst.h>
#include "nb_smv.h"
#include "nb_model.h"
#include "nb_readout.h"
#include "nb_cbf.h"

G_BEGIN_DECLS

#define GST_NB_FRAME_META_NAME "NbFrameMeta"

void gst_nb_frame_meta_register (void);

/* Adds the meta for frame @frame of @model to @buffer. */
void gst_nb_frame_meta_add (GstBuffer * buffer, const NbModel * model,
    gint64 frame, double scale, double adc_offset);

/* Records in @buffer's meta (added first) the readout that made its
 * counts of @format ("S32LE", "GRAY16_LE"), and whether its gain (the
 * meta's scale) was chosen automatically (scale=0). */
void gst_nb_frame_meta_add_readout (GstBuffer * buffer,
    const NbReadout * readout, NbNoiseRng rng, const char *format,
    gboolean scale_automatic);

/* The meta's structure, or NULL. */
const GstStructure *gst_nb_frame_meta_get (GstBuffer * buffer);

/* SMV header values from the meta (FALSE if a field is missing). */
gboolean gst_nb_frame_meta_to_smv_header (const GstStructure * s,
    NbSmvHeader * h);

/* Geometry and readout values of the meta (detector vectors, phi-start,
 * osc, wavelength, pixel-size, twotheta, frame; sensor-thickness if @h
 * has none; count-cutoff, masked-value if present) over @h's; FALSE, @h
 * untouched, if a geometry field is missing.  The rotation axis is the
 * meta's spindle-axis, else the default axis of its convention;
 * *@axis_known FALSE (axis +z) for a custom convention without one. */
gboolean gst_nb_frame_meta_to_cbf_header (const GstStructure * s,
    NbCbfHeader * h, gboolean * axis_known);

/* @h's geometry for frames without the meta: MOSFLM's axes, the beam
 * normal to the detector at its centre, @distance mm away, @pixel_size
 * mm pixels, @wavelength Angstrom. */
void gst_nb_frame_default_cbf_geometry (NbCbfHeader * h, int width,
    int height, double pixel_size, double distance, double wavelength);

G_END_DECLS

#endif
