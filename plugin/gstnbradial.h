/* gstnbradial.h - azimuthal average of frames in resolution bins. */
#ifndef GST_NB_RADIAL_H
#define GST_NB_RADIAL_H

#include "gstnbframeenc.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_RADIAL (gst_nb_radial_get_type ())
G_DECLARE_FINAL_TYPE (GstNbRadial, gst_nb_radial, GST, NB_RADIAL,
    GstNbFrameEnc)

struct _GstNbRadial
{
  GstNbFrameEnc parent;
  gint bins;                    /* object lock */
  gboolean post_messages;       /* object lock */
  gboolean header_sent;         /* streaming thread */
};

GST_ELEMENT_REGISTER_DECLARE (nbradial);

G_END_DECLS

#endif
