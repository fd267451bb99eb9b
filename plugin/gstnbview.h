/* gstnbview.h - frames to displayable gray images. */
#ifndef GST_NB_VIEW_H
#define GST_NB_VIEW_H

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include "gstnbframeinfo.h"
#include "gstnbparallel.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_VIEW (gst_nb_view_get_type ())
G_DECLARE_FINAL_TYPE (GstNbView, gst_nb_view, GST, NB_VIEW, GstBaseTransform)

typedef enum {
  GST_NB_VIEW_LINEAR,
  GST_NB_VIEW_SQRT,
  GST_NB_VIEW_LOG
} GstNbViewScale;

struct _GstNbView
{
  GstBaseTransform parent;
  /* object lock */
  GstNbViewScale scale;
  gboolean auto_range;
  gdouble low_percentile, high_percentile;
  gdouble min, max;
  gboolean invert;
  /* negotiated */
  GstNbFrameInfo in;
  gboolean out16;
  /* start .. stop */
  NbWorkers *parallel;
  guint32 *hist;                /* GST_NB_RANK_BINS: percentile selection */
  guint64 *keys, *scratch;      /* samples of them */
  gsize samples;
};

GST_ELEMENT_REGISTER_DECLARE (nbview);

G_END_DECLS

#endif
