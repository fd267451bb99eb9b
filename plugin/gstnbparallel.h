/* gstnbparallel.h - the downstream elements' thread count: their
 * per-pixel loops run on an NbWorkers pool (engine/nb_workers.h) of
 * g_get_num_processors () threads, or of the environment variable
 * NB_THREADS (a whole number 1..1024) when set: the tests use it to
 * compare one thread with several. */
#ifndef GST_NB_PARALLEL_H
#define GST_NB_PARALLEL_H

#include "nb_workers.h"

G_BEGIN_DECLS

/* The thread count to use (NB_THREADS or all cores); 0 with @error set
 * when NB_THREADS is not a thread count. */
guint gst_nb_parallel_threads_from_env (GError ** error);

G_END_DECLS

#endif /* GST_NB_PARALLEL_H */
