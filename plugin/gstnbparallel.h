/* gstnbparallel.h - the downstream elements' per-pixel loops on all cores.
 *
 * A small pool of persistent threads (an element starts one at
 * READY->PAUSED and joins it at PAUSED->READY), so no thread is created
 * per frame.  gst_nb_parallel_run () hands out tasks 0..n-1 to the pool
 * and the calling thread and returns when all are done; which thread ran
 * a task is not defined, so a task must write only its own results (an
 * element that reduces, e.g. nbradial's sums, keeps one partial result
 * per task and merges them in task order: then the result does not depend
 * on the thread count).
 *
 * The thread count is g_get_num_processors (), or the environment
 * variable NB_THREADS (a whole number 1..1024) when set: the tests use it
 * to compare one thread with several. */
#ifndef GST_NB_PARALLEL_H
#define GST_NB_PARALLEL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstNbParallel GstNbParallel;

/* One task: @task of 0..n_tasks-1 with the caller's @data. */
typedef void (*GstNbParallelFunc) (gpointer data, guint task);

/* The thread count to use (NB_THREADS or all cores); 0 with @error set
 * when NB_THREADS is not a thread count. */
guint gst_nb_parallel_threads_from_env (GError ** error);

/* A pool of @threads threads in all, counting the caller's (>= 1). */
GstNbParallel *gst_nb_parallel_new (guint threads);
/* Joins the threads; NULL is ignored. */
void gst_nb_parallel_free (GstNbParallel * par);
/* Threads in all (1 for a NULL pool). */
guint gst_nb_parallel_get_threads (const GstNbParallel * par);

/* Runs @func for tasks 0..@n_tasks-1 and waits for them.  A NULL pool
 * runs them in order on the caller's thread.  One caller at a time. */
void gst_nb_parallel_run (GstNbParallel * par, guint n_tasks,
    GstNbParallelFunc func, gpointer data);

/* Part @part of @parts of 0..@total-1, as [*begin, *end): near-equal
 * contiguous pieces whose layout depends only on @total and @parts. */
static inline void
gst_nb_parallel_part (gsize total, guint parts, guint part, gsize * begin,
    gsize * end)
{
  *begin = (gsize) ((guint64) total * part / parts);
  *end = (gsize) ((guint64) total * (part + 1) / parts);
}

/* Tasks for a loop over @rows rows of @row_items items on @par: a few per
 * thread for balance, none smaller than about 64k items, at most @rows. */
guint gst_nb_parallel_tasks_for (const GstNbParallel * par, gsize rows,
    gsize row_items);

G_END_DECLS

#endif /* GST_NB_PARALLEL_H */
