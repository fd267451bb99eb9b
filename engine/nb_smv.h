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

/* Value of "KEY=value;" in the header, or NAN. */
double nb_smv_header_value (const NbSmvImage * img, const char *key);

/* Detector and beam values from an SMV header, as nanoBragg takes them
 * from -img / -mask before reading the rest of the command line. */
void nb_smv_apply_header (const NbSmvImage * img, NbParams * p,
    gboolean is_mask);


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

/* The 512-byte header (text, form feed, space padding). */
void nb_smv_format_header (const NbSmvHeader * h, char out[512]);

/* Writes header + little-endian pixels atomically. */
gboolean nb_smv_write (const char *path, const NbSmvHeader * h,
    const guint16 * pixels, GError ** error);

G_END_DECLS

#endif /* NB_SMV_H */
