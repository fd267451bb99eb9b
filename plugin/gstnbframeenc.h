/* gstnbframeenc.h - base class of the elements that turn each frame into
 * one output buffer (nbtiffenc, nbsmvenc, nbradial): caps parsing, the
 * chain function, timestamps and error reporting live here; a subclass
 * provides its output caps and the per-frame conversion. */
#ifndef GST_NB_FRAME_ENC_H
#define GST_NB_FRAME_ENC_H

#include <gst/gst.h>
#include "gstnbframeinfo.h"
#include "gstnbparallel.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_FRAME_ENC (gst_nb_frame_enc_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstNbFrameEnc, gst_nb_frame_enc, GST, NB_FRAME_ENC,
    GstElement)

struct _GstNbFrameEncClass
{
  GstElementClass parent_class;

  /* caps of the output for input @info (transfer full) */
  GstCaps *(*output_caps) (GstNbFrameEnc * self, const GstNbFrameInfo * info);
  /* one output buffer for @in, or NULL with @error set */
  GstBuffer *(*convert) (GstNbFrameEnc * self, const GstNbFrameInfo * info,
      GstBuffer * in, GError ** error);
  /* called on PAUSED->READY to drop per-stream state (may be NULL) */
  void (*reset) (GstNbFrameEnc * self);
};

/* Subclasses install pad templates "sink" and "src" and call this from
 * their instance init. */
void gst_nb_frame_enc_add_pads (GstNbFrameEnc * self);

GstPad *gst_nb_frame_enc_get_srcpad (GstNbFrameEnc * self);

/* The element's thread pool while it is PAUSED or PLAYING (NULL, i.e. the
 * calling thread only, otherwise): for the per-pixel loops of convert. */
NbWorkers *gst_nb_frame_enc_get_parallel (GstNbFrameEnc * self);

/* An output buffer of @size bytes for convert, from a pool of recycled
 * buffers of that size: a frame-sized allocation of its own would be new
 * memory every frame, whose page faults cost as much as the conversion
 * (the pool is made again when the size changes). */
GstBuffer *gst_nb_frame_enc_alloc (GstNbFrameEnc * self, gsize size);

G_END_DECLS

#endif
