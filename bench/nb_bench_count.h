/* nb_bench_count.h - the frame clock of the pipeline benchmarks: a
 * fakesink's handoff counts buffers and notes when the first and the last
 * arrived, so start-up stays out of the rate. */
#ifndef NB_BENCH_COUNT_H
#define NB_BENCH_COUNT_H

#include <gst/gst.h>

typedef struct {
  int frames;                   /* buffers seen */
  gint64 first, last;           /* monotonic time of the first / last */
} Count;

/* The "handoff" signal handler of a fakesink with signal-handoffs=TRUE;
 * @data is the Count. */
static inline void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Count *c = data;
  gint64 now = g_get_monotonic_time ();
  (void) sink, (void) buf, (void) pad;
  if (c->frames++ == 0)
    c->first = now;
  c->last = now;
}

/* The same clock for a sink of our own (nbnxsink): a buffer probe on its
 * sink pad, so a frame counts when the sink takes it; the sink's
 * back-pressure keeps the rate its own.  @data is the Count. */
static inline GstPadProbeReturn
on_sink_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  on_handoff (NULL, NULL, pad, data);
  (void) info;
  return GST_PAD_PROBE_OK;
}

#endif /* NB_BENCH_COUNT_H */
