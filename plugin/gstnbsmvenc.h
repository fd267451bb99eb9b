/* gstnbsmvenc.h - frames to SMV/ADSC images. */
#ifndef GST_NB_SMV_ENC_H
#define GST_NB_SMV_ENC_H

#include "gstnbframeenc.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_SMV_ENC (gst_nb_smv_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstNbSmvEnc, gst_nb_smv_enc, GST, NB_SMV_ENC,
    GstNbFrameEnc)

struct _GstNbSmvEnc
{
  GstNbFrameEnc parent;
  /* object lock */
  gdouble scale;                /* counts per photon (float frames); 0 = auto */
  gdouble adc_offset;           /* counts (float frames) */
  gdouble pixel_size, distance, wavelength;     /* header defaults (no meta) */
  /* streaming thread: the automatic scale of this series (0 = not yet
   * chosen), fixed by its first photon frame, dropped on READY */
  gdouble series_scale;
};

GST_ELEMENT_REGISTER_DECLARE (nbsmvenc);

G_END_DECLS

#endif
