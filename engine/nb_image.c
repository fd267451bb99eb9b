/* nb_image.c - integer, noise and PGM images from float frames. */
#include "nb_image.h"
#include "nb_fileio.h"
#include "nb_rng.h"

#include <math.h>
#include <string.h>

void
nb_image_smv_header (const NbModel * m, double phi_deg, NbSmvHeader * h)
{
  const NbDetector *d = &m->det;
  const double RTD = 180.0 * M_1_PI;

  memset (h, 0, sizeof (*h));
  h->width = d->fpixels;
  h->height = d->spixels;
  h->pixel_size = d->pixel_size * 1000.0;
  h->distance = d->distance * 1000.0;
  h->wavelength = m->lambda0 * 1e10;
  h->beam_center_x = d->Xbeam * 1000.0;
  h->beam_center_y = d->Ybeam * 1000;
  h->adxv_center_x = d->Fbeam * 1000.0;
  h->adxv_center_y = (d->detsize_s - d->Sbeam) * 1000;
  h->mosflm_center_x = (d->Sbeam - 0.5 * d->pixel_size) * 1000.0;
  h->mosflm_center_y = (d->Fbeam - 0.5 * d->pixel_size) * 1000;
  h->denzo_x_beam = (d->Sbeam - 0.0 * d->pixel_size) * 1000.0;
  h->denzo_y_beam = (d->Fbeam - 0.0 * d->pixel_size) * 1000;
  memcpy (h->dials_origin, d->dials_origin, sizeof (h->dials_origin));
  h->xds_orgx = d->ORGX;
  h->xds_orgy = d->ORGY;
  h->close_distance = d->close_distance * 1000.0;
  h->phi = phi_deg;
  h->osc_start = phi_deg;
  h->osc_range = m->osc * RTD;
  h->twotheta = d->twotheta * RTD;
}

void
nb_image_to_counts (const NbModel * m, const float *image, double scale,
    double adc, guint16 * out)
{
  const NbDetector *d = &m->det;

  memset (out, 0, sizeof (guint16) * d->fpixels * d->spixels);
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++) {
      gsize i = (gsize) s * d->fpixels + f;
      double test;
      if (!nb_pixel_in_roi (d, f, s))
        continue;
      test = image[i] * scale + adc;
      if (test > 65535.0)
        test = 65535.0;
      if (test < 0.0)
        test = 0.0;
      /* nanoBragg rounds in single precision */
      out[i] = (guint16) floorf ((float) (test + 0.5));
    }
}

double
nb_image_to_noise (const NbModel * m, const float *image, long seed,
    double scale, double adc, guint16 * out, int *overloads)
{
  const NbDetector *d = &m->det;
  NbRng rng;
  double sum = 0.0;

  nb_rng_init (&rng, seed);
  *overloads = 0;
  memset (out, 0, sizeof (guint16) * d->fpixels * d->spixels);
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++) {
      gsize i = (gsize) s * d->fpixels + f;
      double test;
      if (!nb_pixel_in_roi (d, f, s))
        continue;
      test = nb_rng_poisson (&rng, image[i]);
      sum += test;
      test = test * scale + adc;
      if (test > 65535.0) {
        test = 65535.0;
        ++*overloads;
      }
      if (test < 0.0)
        test = 0.0;
      out[i] = (guint16) test;
    }
  return sum;
}

gboolean
nb_image_write_pgm (const NbModel * m, const float *image, double scale,
    const char *path, GError ** error)
{
  const NbDetector *d = &m->det;
  GString *buf = g_string_new (NULL);
  gsize header;
  gboolean ok;

  g_string_append_printf (buf, "P5\n%d %d\n", d->fpixels, d->spixels);
  g_string_append_printf (buf, "# pixels scaled by %lg\n", scale);
  g_string_append (buf, "255\n");
  header = buf->len;
  g_string_set_size (buf, header + (gsize) d->fpixels * d->spixels);
  for (int s = 0; s < d->spixels; s++)
    for (int f = 0; f < d->fpixels; f++) {
      gsize i = (gsize) s * d->fpixels + f;
      double test = 0.0;
      if (nb_pixel_in_roi (d, f, s)) {
        test = image[i] * scale;
        if (test > 255.0)
          test = 255.0;
        if (test < 0.0)
          test = 0.0;
      }
      buf->str[header + i] = (char) (unsigned char) test;
    }
  ok = nb_file_write_atomic (path, buf->str, buf->len, error);
  g_string_free (buf, TRUE);
  return ok;
}

gboolean
nb_image_write_float (const char *path, const float *image, gsize n,
    GError ** error)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return nb_file_write_atomic (path, image, n * sizeof (float), error);
#else
  guint32 *swapped = g_new (guint32, n);
  gboolean ok;
  memcpy (swapped, image, n * sizeof (float));
  for (gsize i = 0; i < n; i++)
    swapped[i] = GUINT32_SWAP_LE_BE (swapped[i]);
  ok = nb_file_write_atomic (path, swapped, n * sizeof (float), error);
  g_free (swapped);
  return ok;
#endif
}
