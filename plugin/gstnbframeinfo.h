/* gstnbframeinfo.h - what the downstream elements need from frame caps:
 * video/x-diffraction,format=F32LE or video/x-raw,format=GRAY16_LE. */
#ifndef GST_NB_FRAME_INFO_H
#define GST_NB_FRAME_INFO_H

#include <gst/gst.h>
#include <string.h>

G_BEGIN_DECLS

#define GST_NB_FRAME_CAPS \
  "video/x-diffraction, format=(string)F32LE, width=(int)[1,65536], " \
  "height=(int)[1,65536], framerate=(fraction)[0/1,1000/1]; " \
  "video/x-raw, format=(string)GRAY16_LE, width=(int)[1,65536], " \
  "height=(int)[1,65536], framerate=(fraction)[0/1,1000/1]"

typedef struct {
  gboolean is_float;            /* F32LE photons, else GRAY16_LE counts */
  gint width, height;
  gint fps_n, fps_d;
} GstNbFrameInfo;

gboolean gst_nb_frame_info_from_caps (const GstCaps * caps,
    GstNbFrameInfo * info);

/* Pixel @i of a mapped frame as a double. */
static inline double
gst_nb_frame_pixel (const GstNbFrameInfo * info, const guint8 * data,
    gsize i)
{
  if (info->is_float) {
    guint32 bits = GST_READ_UINT32_LE (data + 4 * i);
    float v;
    memcpy (&v, &bits, sizeof (v));
    return v;
  }
  return GST_READ_UINT16_LE (data + 2 * i);
}

/* Bytes of one frame. */
static inline gsize
gst_nb_frame_size (const GstNbFrameInfo * info)
{
  return (gsize) info->width * info->height * (info->is_float ? 4 : 2);
}

G_END_DECLS

#endif
