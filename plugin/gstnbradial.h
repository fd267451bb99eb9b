/* gstnbradial.h - azimuthal average of frames in resolution bins. */
#ifndef GST_NB_RADIAL_H
#define GST_NB_RADIAL_H

#include "gstnbframeenc.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_RADIAL (gst_nb_radial_get_type ())
G_DECLARE_FINAL_TYPE (GstNbRadial, gst_nb_radial, GST, NB_RADIAL,
    GstNbFrameEnc)

/* What the pixel -> shell map depends on (SI units, Angstrom). */
typedef struct
{
  gint width, height, bins;
  double pixel, lambda;         /* m, Angstrom */
  double close, fbeam, sbeam;   /* flat fallback: m */
  gboolean have_vectors;        /* else the flat fallback */
  double pix0[3], fast[3], slow[3], beam[3];    /* lab frame (meta) */
  double distance;              /* m, for a curved detector */
  gboolean curved;
} GstNbRadialGeometry;

struct _GstNbRadial
{
  GstNbFrameEnc parent;
  gint bins;                    /* object lock */
  gboolean post_messages;       /* object lock */
  /* streaming thread */
  gboolean header_sent;
  gboolean warned_flat;         /* fallback warning posted this stream */
  GstNbRadialGeometry geometry; /* of shell_of_pixel */
  gint *shell_of_pixel;         /* width x height shell indices, or NULL */
  double qmax;                  /* 1/d at the outer edge of the last shell */
};

GST_ELEMENT_REGISTER_DECLARE (nbradial);

G_END_DECLS

#endif
