/* nb_image.h - post-processing of float frames into the reference's output
 * images: integer counts (scale + ADC), Poisson noise, 8-bit PGM. */
#ifndef NB_IMAGE_H
#define NB_IMAGE_H

#include "nb_render.h"
#include "nb_smv.h"

G_BEGIN_DECLS

/* The SMV header of frame @phi_deg (deg) of @model. */
void nb_image_smv_header (const NbModel * model, double phi_deg,
    NbSmvHeader * h);

/* round(float * scale + adc) clipped to 0..65535, over the ROI (0 outside). */
void nb_image_to_counts (const NbModel * model, const float *image,
    double scale, double adc, guint16 * out);

/* Poisson deviate of every ROI pixel, times @scale (nanoBragg: 1), + adc,
 * clipped at 65535 (and 0); returns the photon total, and the number of
 * clipped pixels in @overloads. */
double nb_image_to_noise (const NbModel * model, const float *image,
    long seed, double scale, double adc, guint16 * out, int *overloads);

/* 8-bit PGM (P5) with nanoBragg's "# pixels scaled by" comment. */
gboolean nb_image_write_pgm (const NbModel * model, const float *image,
    double scale, const char *path, GError ** error);

/* Raw little-endian float32, fast-major. */
gboolean nb_image_write_float (const char *path, const float *image,
    gsize n, GError ** error);

G_END_DECLS

#endif /* NB_IMAGE_H */
