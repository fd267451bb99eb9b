/* gstnbtiffenc.h - frames to TIFF images. */
#ifndef GST_NB_TIFF_ENC_H
#define GST_NB_TIFF_ENC_H

#include "gstnbframeenc.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_TIFF_ENC (gst_nb_tiff_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstNbTiffEnc, gst_nb_tiff_enc, GST, NB_TIFF_ENC,
    GstNbFrameEnc)

typedef enum {
  GST_NB_TIFF_SAMPLE_AUTO,      /* photons -> float32, GRAY16 -> uint16,
                                 * S32 -> int32 */
  GST_NB_TIFF_SAMPLE_FLOAT32,
  GST_NB_TIFF_SAMPLE_UINT16,
  GST_NB_TIFF_SAMPLE_UINT32,
  GST_NB_TIFF_SAMPLE_INT32
} GstNbTiffSample;

struct _GstNbTiffEnc
{
  GstNbFrameEnc parent;
  GstNbTiffSample sample_format;        /* object lock */
};

GST_ELEMENT_REGISTER_DECLARE (nbtiffenc);

G_END_DECLS

#endif
