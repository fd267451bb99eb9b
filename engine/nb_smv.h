/* nb_smv.h - SMV ("ADSC") images: 16-bit pixels after an ASCII header. */
#ifndef NB_SMV_H
#define NB_SMV_H

#include "nb_params.h"

G_BEGIN_DECLS

typedef struct {
  int width, height;            /* SIZE1 (fast), SIZE2 (slow) */
  gchar *header;                /* the header text, NUL terminated */
  guint16 *data;                /* width x height, host order */
} NbSmvImage;

NbSmvImage *nb_smv_read (const char *path, GError ** error);
void nb_smv_image_free (NbSmvImage * img);

typedef enum {
  NB_SMV_KEY_ABSENT,            /* not in the header (or its value is NaN) */
  NB_SMV_KEY_NUMBER,            /* found, *value set */
  NB_SMV_KEY_MALFORMED          /* found, but no '=' and number after it */
} NbSmvKey;

/* Looks @key up in @header as nanoBragg.c does: the last occurrence of
 * @key as a substring anywhere in the text (so "ORGX" matches "XDS_ORGX"),
 * then the number after the first '=' that follows it. */
NbSmvKey nb_smv_header_lookup (const char *header, const char *key,
    double *value);

/* The number nb_smv_header_lookup() finds for @key, or NAN. */
double nb_smv_header_value (const NbSmvImage * img, const char *key);

/* Detector and beam values from an SMV header, as nanoBragg takes them
 * from -img / -mask before reading the rest of the command line.  A key
 * that is present without a number is an error naming @source (nanoBragg
 * would take 0). */
gboolean nb_smv_apply_header (const NbSmvImage * img, NbParams * p,
    gboolean is_mask, const char *source, GError ** error);


/* Values of the SMV header nanoBragg writes (lengths in mm, angles in deg). */
typedef struct {
  int width, height;
  double pixel_size, distance, wavelength;
  double beam_center_x, beam_center_y;
  double adxv_center_x, adxv_center_y;
  double mosflm_center_x, mosflm_center_y;
  double denzo_x_beam, denzo_y_beam;
  double dials_origin[3];
  double xds_orgx, xds_orgy;
  double close_distance;
  double phi, osc_start, osc_range, twotheta;
  /* Not a nanoBragg key: counts per photon, written as SCALE= when > 0
   * (the plugin's nbsmvenc records an automatic scale with it). */
  double scale;
} NbSmvHeader;

/* HEADER_BYTES of the header nb_smv_format_header() writes for @h: 512
 * when the text fits (then the bytes are nanoBragg's), otherwise the next
 * multiple of 512 that holds it (nanoBragg would overrun its 512 bytes and
 * leave HEADER_BYTES=512 wrong). */
gsize nb_smv_header_size (const NbSmvHeader * h);

/* Writes the header: "{", the keys, "}", form feed, spaces up to
 * nb_smv_header_size (@h) bytes, which @out must hold. */
void nb_smv_format_header (const NbSmvHeader * h, char *out);

/* Writes header + little-endian pixels atomically. */
gboolean nb_smv_write (const char *path, const NbSmvHeader * h,
    const guint16 * pixels, GError ** error);

G_END_DECLS

#endif /* NB_SMV_H */
