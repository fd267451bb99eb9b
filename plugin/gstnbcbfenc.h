/* gstnbcbfenc.h - frames to CBF files (imgCIF, Pilatus-style header). */
#ifndef GST_NB_CBF_ENC_H
#define GST_NB_CBF_ENC_H

#include "gstnbframeenc.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_CBF_ENC (gst_nb_cbf_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstNbCbfEnc, gst_nb_cbf_enc, GST, NB_CBF_ENC,
    GstNbFrameEnc)

struct _GstNbCbfEnc
{
  GstNbFrameEnc parent;
  /* object lock */
  gdouble scale;                /* counts per photon (photon frames) */
  gdouble adc_offset;           /* counts added to photon frames */
  gdouble count_cutoff;         /* counts, when the meta has none */
  gdouble exposure_time;        /* s, for frames without a duration */
  gdouble sensor_thickness;     /* mm */
  gdouble pixel_size, distance, wavelength;     /* no meta: mm, mm, A */
  /* streaming thread */
  gint32 *photon_counts;        /* photon frames' counts, reused */
  gsize photon_counts_len;
  gsize capacity;               /* output buffer size asked of the pool */
  gboolean warned_custom_axis;
};

GST_ELEMENT_REGISTER_DECLARE (nbcbfenc);

G_END_DECLS

#endif
