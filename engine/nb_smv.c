/* nb_smv.c - SMV images: reading masks and -img headers, writing frames. */
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

/* nanoBragg reads a header value as follows: the LAST occurrence of the
 * key anywhere in the header text, as a substring (so "ORGX" also matches
 * "XDS_ORGX", and "DISTANCE" the "CLOSE_DISTANCE" that follows it in its own
 * headers), then the first '=' after it, then the number there (C locale,
 * leading blanks skipped).  The text ends at the header's first NUL. */
NbSmvKey
nb_smv_header_lookup (const char *header, const char *key, double *value)
{
  gsize klen = strlen (key);
  const char *after = NULL, *p = header, *eq;
  char *end;

  while ((p = strstr (p, key)) != NULL) {
    p += klen;
    after = p;
  }
  if (after == NULL)
    return NB_SMV_KEY_ABSENT;
  eq = strchr (after, '=');
  if (eq == NULL)
    return NB_SMV_KEY_MALFORMED;
  *value = g_ascii_strtod (eq + 1, &end);
  if (end == eq + 1 || isinf (*value))
    return NB_SMV_KEY_MALFORMED;
  /* nanoBragg skips a value that reads as NaN, as if the key were absent */
  return isnan (*value) ? NB_SMV_KEY_ABSENT : NB_SMV_KEY_NUMBER;
}

double
nb_smv_header_value (const NbSmvImage * img, const char *key)
{
  double v = NAN;

  return nb_smv_header_lookup (img->header, key, &v) == NB_SMV_KEY_NUMBER
      ? v : NAN;
}

/* The byte order of the pixels: the last BYTE_ORDER= of the header. */
static gboolean
read_byte_order (const char *path, const char *header, gboolean * big,
    GError ** error)
{
  const char *p = header, *value = NULL;

  while ((p = strstr (p, "BYTE_ORDER=")) != NULL) {
    p += strlen ("BYTE_ORDER=");
    value = p;
  }
  if (value != NULL && g_str_has_prefix (value, "little_endian"))
    *big = FALSE;
  else if (value != NULL && g_str_has_prefix (value, "big_endian"))
    *big = TRUE;
  else {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: SMV header has no BYTE_ORDER=little_endian or big_endian", path);
    return FALSE;
  }
  return TRUE;
}

NbSmvImage *
nb_smv_read (const char *path, GError ** error)
{
  gchar *contents = NULL, *first_block;
  gsize length = 0;
  GError *io_error = NULL;
  NbSmvImage *img;
  double header_bytes = NAN, w, h;
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
  /* HEADER_BYTES comes from the first 512 bytes, the other keys from the
   * whole header (as nanoBragg reads it); never from the pixels after it */
  first_block = g_strndup (contents, MIN (length, 512));
  if (nb_smv_header_lookup (first_block, "HEADER_BYTES", &header_bytes)
      != NB_SMV_KEY_NUMBER)
    header_bytes = NAN;
  g_free (first_block);
  if (!(header_bytes >= 1 && header_bytes <= 1 << 20)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: SMV header lacks a valid HEADER_BYTES", path);
    goto fail;
  }
  img->header = g_strndup (contents, MIN (length, (gsize) header_bytes));
  w = nb_smv_header_value (img, "SIZE1");
  h = nb_smv_header_value (img, "SIZE2");
  if (isnan (w) || isnan (h) || w < 1 || h < 1 || w > 65536 || h > 65536) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: SMV header lacks a valid SIZE1 or SIZE2", path);
    goto fail;
  }
  if (!read_byte_order (path, img->header, &big_endian, error))
    goto fail;
  img->width = (int) w;
  img->height = (int) h;
  pixels = (gsize) img->width * img->height;
  if (length < (gsize) header_bytes + 2 * pixels) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: truncated SMV image (%" G_GSIZE_FORMAT " bytes, needs %"
        G_GSIZE_FORMAT ")", path, length, (gsize) header_bytes + 2 * pixels);
    goto fail;
  }
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

/* Looks @key up; a key that is there but not followed by "= number" is an
 * error (nanoBragg would silently take 0). */
static gboolean
header_number (const NbSmvImage * img, const char *source, const char *key,
    double *value, gboolean * found, GError ** error)
{
  switch (nb_smv_header_lookup (img->header, key, value)) {
    case NB_SMV_KEY_NUMBER:
      *found = TRUE;
      return TRUE;
    case NB_SMV_KEY_ABSENT:
      *found = FALSE;
      return TRUE;
    case NB_SMV_KEY_MALFORMED:
      break;
  }
  g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
      "%s: header key %s is not followed by '=' and a finite number",
      source, key);
  return FALSE;
}

gboolean
nb_smv_apply_header (const NbSmvImage * img, NbParams * p, gboolean is_mask,
    const char *source, GError ** error)
{
  /* the keys nanoBragg takes, in its order (TWOTHETA it reads into a
   * variable that is overwritten before use: it has no effect) */
  enum { PIXEL, DIST, CLOSE, WAVE, BCX, BCY, ORGX, ORGY, PHI, OSC, NKEYS };
  static const char *const keys[NKEYS] = { "PIXEL_SIZE", "DISTANCE",
    "CLOSE_DISTANCE", "WAVELENGTH", "BEAM_CENTER_X", "BEAM_CENTER_Y",
    "ORGX", "ORGY", "PHI", "OSC_RANGE"
  };
  double v[NKEYS];
  gboolean has[NKEYS];

  for (int k = 0; k < NKEYS; k++)
    if (!header_number (img, source, keys[k], &v[k], &has[k], error))
      return FALSE;

  p->fpixels = img->width;
  p->spixels = img->height;
  if (has[PIXEL])
    p->pixel_size = v[PIXEL];
  p->detsize_f = p->pixel_size * p->fpixels;
  p->detsize_s = p->pixel_size * p->spixels;
  if (has[DIST])
    p->distance = v[DIST];
  if (has[CLOSE])
    p->close_distance = v[CLOSE];
  if (has[WAVE])
    p->wavelength = v[WAVE];
  if (has[BCX])
    p->Xbeam = v[BCX];
  /* nanoBragg flips Y for a mask header but not for an -img header */
  if (has[BCY])
    p->Ybeam = is_mask ? p->detsize_s - v[BCY] : v[BCY];
  if (has[ORGX])
    p->ORGX = v[ORGX];
  if (has[ORGY])
    p->ORGY = v[ORGY];
  if (has[PHI])
    p->phi = v[PHI];
  if (has[OSC])
    p->osc = v[OSC];
  return TRUE;
}

/* The header text up to and including "}\f", claiming @header_bytes. */
static GString *
header_text (const NbSmvHeader * h, gsize header_bytes)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "{\nHEADER_BYTES=%" G_GSIZE_FORMAT ";\nDIM=2;\n"
      "BYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n", header_bytes);
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
  return s;
}

gsize
nb_smv_header_size (const NbSmvHeader * h)
{
  gsize size = 512;

  /* a longer HEADER_BYTES value can itself lengthen the text: repeat */
  for (;;) {
    GString *s = header_text (h, size);
    gsize need = (s->len + 511) / 512 * 512;
    g_string_free (s, TRUE);
    if (need <= size)
      return size;
    size = need;
  }
}

void
nb_smv_format_header (const NbSmvHeader * h, char *out)
{
  gsize size = nb_smv_header_size (h);
  GString *s = header_text (h, size);

  memset (out, ' ', size);
  memcpy (out, s->str, s->len);
  g_string_free (s, TRUE);
}

gboolean
nb_smv_write (const char *path, const NbSmvHeader * h,
    const guint16 * pixels, GError ** error)
{
  gsize n = (gsize) h->width * h->height;
  gsize header_bytes = nb_smv_header_size (h);
  guint8 *buf = g_malloc (header_bytes + 2 * n);
  gboolean ok;

  nb_smv_format_header (h, (char *) buf);
  for (gsize i = 0; i < n; i++) {
    guint16 le = GUINT16_TO_LE (pixels[i]);
    memcpy (buf + header_bytes + 2 * i, &le, 2);
  }
  ok = nb_file_write_atomic (path, buf, header_bytes + 2 * n, error);
  g_free (buf);
  return ok;
}
