/* nb_smv.c - reading SMV images (masks and -img headers). */
#include "nb_smv.h"
#include "nb_error.h"
#include "nb_fileio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
nb_smv_image_free (NbSmvImage * img)
{
  if (img == NULL)
    return;
  g_free (img->header);
  g_free (img->data);
  g_free (img);
}

double
nb_smv_header_value (const NbSmvImage * img, const char *key)
{
  gsize klen = strlen (key);
  const char *p = img->header;

  while ((p = strstr (p, key)) != NULL) {
    /* whole key at a line start, followed by '=' */
    if ((p == img->header || p[-1] == '\n' || p[-1] == '{')
        && p[klen] == '=') {
      char *end;
      double v = g_ascii_strtod (p + klen + 1, &end);
      return end == p + klen + 1 ? NAN : v;
    }
    p += klen;
  }
  return NAN;
}

NbSmvImage *
nb_smv_read (const char *path, GError ** error)
{
  gchar *contents = NULL;
  gsize length = 0;
  GError *io_error = NULL;
  NbSmvImage *img;
  double header_bytes, w, h;
  gboolean big_endian;
  gsize pixels;

  if (!g_file_get_contents (path, &contents, &length, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "cannot read SMV image: %s",
        io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  img = g_new0 (NbSmvImage, 1);
  if (length < 16 || contents[0] != '{') {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: not an SMV image (no '{' header)", path);
    goto fail;
  }
  img->header = g_strndup (contents, MIN (length, 8192));
  header_bytes = nb_smv_header_value (img, "HEADER_BYTES");
  w = nb_smv_header_value (img, "SIZE1");
  h = nb_smv_header_value (img, "SIZE2");
  if (isnan (header_bytes) || isnan (w) || isnan (h) || w < 1 || h < 1
      || w > 65536 || h > 65536 || header_bytes < 1
      || header_bytes > 1 << 20) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: SMV header lacks a valid HEADER_BYTES, SIZE1 or SIZE2", path);
    goto fail;
  }
  img->width = (int) w;
  img->height = (int) h;
  pixels = (gsize) img->width * img->height;
  if (length < (gsize) header_bytes + 2 * pixels) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: truncated SMV image (%" G_GSIZE_FORMAT " bytes, needs %"
        G_GSIZE_FORMAT ")", path, length, (gsize) header_bytes + 2 * pixels);
    goto fail;
  }
  big_endian = strstr (img->header, "BYTE_ORDER=big_endian") != NULL;
  img->data = g_new (guint16, pixels);
  memcpy (img->data, contents + (gsize) header_bytes, 2 * pixels);
  for (gsize i = 0; i < pixels; i++)
    img->data[i] = big_endian ? GUINT16_FROM_BE (img->data[i])
        : GUINT16_FROM_LE (img->data[i]);
  g_free (contents);
  return img;

fail:
  g_free (contents);
  nb_smv_image_free (img);
  return NULL;
}

void
nb_smv_apply_header (const NbSmvImage * img, NbParams * p, gboolean is_mask)
{
  double v;

  p->fpixels = img->width;
  p->spixels = img->height;
  if (!isnan (v = nb_smv_header_value (img, "PIXEL_SIZE")))
    p->pixel_size = v;
  p->detsize_f = p->pixel_size * p->fpixels;
  p->detsize_s = p->pixel_size * p->spixels;
  if (!isnan (v = nb_smv_header_value (img, "DISTANCE")))
    p->distance = v;
  if (!isnan (v = nb_smv_header_value (img, "CLOSE_DISTANCE")))
    p->close_distance = v;
  if (!isnan (v = nb_smv_header_value (img, "WAVELENGTH")))
    p->wavelength = v;
  if (!isnan (v = nb_smv_header_value (img, "BEAM_CENTER_X")))
    p->Xbeam = v;
  /* nanoBragg flips Y for a mask header but not for an -img header */
  if (!isnan (v = nb_smv_header_value (img, "BEAM_CENTER_Y")))
    p->Ybeam = is_mask ? p->detsize_s - v : v;
  if (!isnan (v = nb_smv_header_value (img, "ORGX")))
    p->ORGX = v;
  if (!isnan (v = nb_smv_header_value (img, "ORGY")))
    p->ORGY = v;
  if (!isnan (v = nb_smv_header_value (img, "PHI")))
    p->phi = v;
  if (!isnan (v = nb_smv_header_value (img, "OSC_RANGE")))
    p->osc = v;
}

void
nb_smv_format_header (const NbSmvHeader * h, char out[512])
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "{\nHEADER_BYTES=512;\nDIM=2;\n"
      "BYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n");
  g_string_append_printf (s, "SIZE1=%d;\nSIZE2=%d;\nPIXEL_SIZE=%g;\n"
      "DISTANCE=%g;\n", h->width, h->height, h->pixel_size, h->distance);
  g_string_append_printf (s, "WAVELENGTH=%g;\n", h->wavelength);
  g_string_append_printf (s, "BEAM_CENTER_X=%g;\nBEAM_CENTER_Y=%g;\n",
      h->beam_center_x, h->beam_center_y);
  g_string_append_printf (s, "ADXV_CENTER_X=%g;\nADXV_CENTER_Y=%g;\n",
      h->adxv_center_x, h->adxv_center_y);
  g_string_append_printf (s, "MOSFLM_CENTER_X=%g;\nMOSFLM_CENTER_Y=%g;\n",
      h->mosflm_center_x, h->mosflm_center_y);
  g_string_append_printf (s, "DENZO_X_BEAM=%g;\nDENZO_Y_BEAM=%g;\n",
      h->denzo_x_beam, h->denzo_y_beam);
  g_string_append_printf (s, "DIALS_ORIGIN=%g,%g,%g\n", h->dials_origin[0],
      h->dials_origin[1], h->dials_origin[2]);
  g_string_append_printf (s, "XDS_ORGX=%g;\nXDS_ORGY=%g;\n", h->xds_orgx,
      h->xds_orgy);
  g_string_append_printf (s, "CLOSE_DISTANCE=%g;\n", h->close_distance);
  g_string_append_printf (s, "PHI=%g;\nOSC_START=%g;\nOSC_RANGE=%g;\n",
      h->phi, h->osc_start, h->osc_range);
  g_string_append_printf (s, "TWOTHETA=%g;\n", h->twotheta);
  if (h->scale > 0.0)
    /* all digits: readers rebuild photons from the counts with it */
    g_string_append_printf (s, "SCALE=%.17g;\n", h->scale);
  g_string_append (s, "DETECTOR_SN=000;\nBEAMLINE=fake;\n}\f");
  memset (out, ' ', 512);
  memcpy (out, s->str, MIN (s->len, 512));
  g_string_free (s, TRUE);
}

gboolean
nb_smv_write (const char *path, const NbSmvHeader * h,
    const guint16 * pixels, GError ** error)
{
  gsize n = (gsize) h->width * h->height;
  guint8 *buf = g_malloc (512 + 2 * n);
  gboolean ok;

  nb_smv_format_header (h, (char *) buf);
  for (gsize i = 0; i < n; i++) {
    guint16 le = GUINT16_TO_LE (pixels[i]);
    memcpy (buf + 512 + 2 * i, &le, 2);
  }
  ok = nb_file_write_atomic (path, buf, 512 + 2 * n, error);
  g_free (buf);
  return ok;
}
