/* gstnanobraggsrc.h - the rotation-series source element. */
#ifndef GST_NANOBRAGG_SRC_H
#define GST_NANOBRAGG_SRC_H

#include <gst/gst.h>
#include <gst/base/gstflowcombiner.h>

#include "gstnbsrcsettings.h"
#include "gstnbbackground.h"
#include "nb_backend_select.h"
#include "nb_render.h"

G_BEGIN_DECLS

#define GST_TYPE_NANOBRAGG_SRC (gst_nanobragg_src_get_type ())
G_DECLARE_FINAL_TYPE (GstNanoBraggSrc, gst_nanobragg_src, GST, NANOBRAGG_SRC,
    GstElement)

#define GST_TYPE_NB_DEVICE (gst_nb_device_get_type ())
#define GST_TYPE_NB_TRACE_MAP (gst_nb_trace_map_get_type ())
GType gst_nb_device_get_type (void);
GType gst_nb_trace_map_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (nanobraggsrc);

/* What the src pad carries (negotiated). */
typedef enum {
  GST_NB_SRC_PHOTONS,        /* video/x-diffraction F32LE */
  GST_NB_SRC_COUNTS_S32,     /* video/x-diffraction S32LE */
  GST_NB_SRC_COUNTS_GRAY16   /* video/x-raw GRAY16_LE */
} GstNbSrcFormat;

struct _GstNanoBraggSrc
{
  GstElement parent;

  GstPad *srcpad;
  GstPad *tracepad;
  GstFlowCombiner *flow_combiner;

  /* properties (object lock) */
  GstNbSrcSettings settings;
  gchar *nanobragg_args;
  gint64 num_frames;            /* -1 = unbounded */
  gint fps_n, fps_d;
  gboolean is_live;
  NbDevice device;
  gchar *gpu_ids;               /* "0", "0,1", "all" */
  gchar *trace_pixels;
  NbTraceMap trace_map;
  /* amorphous background: properties, and the image kept from one start
   * to the next while its geometry stays (gstnbbackground.h) */
  GstNbBackground background;

  /* built at READY->PAUSED, kept until PAUSED->READY */
  NbParams params;
  NbModel *model;
  NbBackend *backend;
  GArray *trace_coords;         /* pairs of ints: slow, fast */
  float *scratch;               /* a float frame: nanobragg-noise counts,
                                 * frame 0 for the series scale */
  GstBufferPool *pool;          /* frame buffers of the negotiated format */
  /* properties as they were at start: the stream uses these */
  gint64 num_frames_cached;
  gint run_fps_n, run_fps_d;
  gboolean run_live;
  NbTraceMap run_trace_map;
  guint seek_gen;               /* bumped by every seek (stream lock) */
  guint16 *counts;

  /* streaming state (stream lock, or object lock where noted) */
  GstNbSrcFormat frame_format;        /* negotiated src format */
  gboolean readout_ready;       /* the backend reads frames out as counts */
  NbReadout readout;            /* ... with these parameters */
  gboolean started;             /* stream-start/caps sent */
  gboolean need_segment;
  GstSegment segment;           /* TIME */
  gint64 next_frame;            /* frame index rendered next */
  gint64 stop_frame;            /* exclusive; -1 = none */
  gchar *stream_id_base;
  guint group_id;
  guint32 segment_seqnum;
  guint32 last_seek_seqnum;     /* object lock */
  gboolean trace_first;          /* push the trace before the frame */
  gboolean discont[2];          /* mark the next src / trace buffer */
  guint64 frames_pushed;        /* live QoS statistics */
  guint64 frames_dropped;
  double series_scale;          /* scale=0: counts per photon of the
                                 * series (from frame 0); 0 = not yet */

  /* live pacing (object lock) */
  gboolean flushing;
  gboolean playing;
  GCond playing_cond;
  GstClockID clock_id;
};

G_END_DECLS

#endif
