/* gstnbnxsink.h - a series of frames to one NeXus/NXmx HDF5 file. */
#ifndef GST_NB_NXS_SINK_H
#define GST_NB_NXS_SINK_H

#include <gst/base/gstbasesink.h>
#include "gstnbframeinfo.h"
#include "nb_nxs.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_NXS_SINK (gst_nb_nxs_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstNbNxsSink, gst_nb_nxs_sink, GST, NB_NXS_SINK,
    GstBaseSink)

#define GST_TYPE_NB_NXS_COMPRESSION (gst_nb_nxs_compression_get_type ())
GType gst_nb_nxs_compression_get_type (void);

struct _GstNbNxsSink
{
  GstBaseSink parent;

  /* object lock */
  gchar *location;
  NbNxsCompression compression;
  gchar *axis_name;
  gdouble exposure_time;        /* s, for frames without a duration */
  gdouble count_cutoff;         /* counts, when the meta has none */
  gdouble sensor_thickness;     /* mm; 0: the meta's */
  gdouble pixel_size, distance, wavelength;     /* no meta: mm, mm, A */

  /* streaming thread (and start/stop) */
  GstNbFrameInfo info;
  gboolean have_info;
  NbWorkers *parallel;
  NbNxsWriter *writer;          /* from the first frame to EOS */
  gchar *writing;               /* the location the writer writes */
  gint width, height;           /* of the series */
  gint32 *counts;               /* GRAY16 frames as int32, reused */
  gboolean warned_custom_axis;
  gboolean broken;              /* an error was posted: no file until stop */
};

GST_ELEMENT_REGISTER_DECLARE (nbnxsink);

G_END_DECLS

#endif /* GST_NB_NXS_SINK_H */
