/* gstnbframeinfo.h - what the downstream elements need from frame caps:
 * video/x-diffraction,format=F32LE (photons), video/x-raw,format=GRAY16_LE
 * (counts) or video/x-diffraction,format=S32LE (32-bit signed counts,
 * negative = masked / gap pixel). */
#ifndef GST_NB_FRAME_INFO_H
#define GST_NB_FRAME_INFO_H

#include <gst/gst.h>
#include <string.h>

G_BEGIN_DECLS

#define GST_NB_FRAME_CAPS \
  "video/x-diffraction, format=(string)F32LE, width=(int)[1,65536], " \
  "height=(int)[1,65536], framerate=(fraction)[0/1,1000/1]; " \
  "video/x-raw, format=(string)GRAY16_LE, width=(int)[1,65536], " \
  "height=(int)[1,65536], framerate=(fraction)[0/1,1000/1]; " \
  "video/x-diffraction, format=(string)S32LE, width=(int)[1,65536], " \
  "height=(int)[1,65536], framerate=(fraction)[0/1,1000/1]"

typedef enum {
  GST_NB_FRAME_F32,             /* photons, IEEE float32 */
  GST_NB_FRAME_GRAY16,          /* counts, unsigned 16-bit */
  GST_NB_FRAME_S32              /* counts, signed 32-bit, < 0 masked */
} GstNbFrameFormat;

typedef struct {
  GstNbFrameFormat format;
  gboolean is_float;            /* format == GST_NB_FRAME_F32 */
  gint width, height;
  gint fps_n, fps_d;
} GstNbFrameInfo;

gboolean gst_nb_frame_info_from_caps (const GstCaps * caps,
    GstNbFrameInfo * info);

static inline float
gst_nb_frame_read_f32 (const guint8 * data, gsize i)
{
  guint32 bits = GST_READ_UINT32_LE (data + 4 * i);
  float v;
  memcpy (&v, &bits, sizeof (v));
  return v;
}

static inline gint32
gst_nb_frame_read_s32 (const guint8 * data, gsize i)
{
  return (gint32) GST_READ_UINT32_LE (data + 4 * i);
}

/* Pixel @i of a mapped frame as a double (exact for every format). */
static inline double
gst_nb_frame_pixel (const GstNbFrameInfo * info, const guint8 * data,
    gsize i)
{
  switch (info->format) {
    case GST_NB_FRAME_F32:
      return gst_nb_frame_read_f32 (data, i);
    case GST_NB_FRAME_S32:
      return gst_nb_frame_read_s32 (data, i);
    default:
      return GST_READ_UINT16_LE (data + 2 * i);
  }
}

/* Whether pixel @i is masked (a gap or outside the mask: a negative
 * 32-bit count; other formats have no masked pixels). */
static inline gboolean
gst_nb_frame_masked (const GstNbFrameInfo * info, const guint8 * data,
    gsize i)
{
  return info->format == GST_NB_FRAME_S32
      && gst_nb_frame_read_s32 (data, i) < 0;
}

static inline gsize
gst_nb_frame_bytes_per_pixel (const GstNbFrameInfo * info)
{
  return info->format == GST_NB_FRAME_GRAY16 ? 2 : 4;
}

/* Bytes of one frame. */
static inline gsize
gst_nb_frame_size (const GstNbFrameInfo * info)
{
  return (gsize) info->width * info->height
      * gst_nb_frame_bytes_per_pixel (info);
}

G_END_DECLS

#endif
