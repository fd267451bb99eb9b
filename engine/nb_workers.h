/* nb_workers.h - per-pixel loops on all cores: the engine's readout and
 * the downstream elements.
 *
 * A small pool of persistent threads (an element starts one at
 * READY->PAUSED and joins it at PAUSED->READY; the readout keeps one per
 * NbReadoutWork), so no thread is created per frame.  nb_workers_run () hands out tasks 0..n-1 to the pool
 * and the calling thread and returns when all are done; which thread ran
 * a task is not defined, so a task must write only its own results (an
 * element that reduces, e.g. nbradial's sums, keeps one partial result
 * per task and merges them in task order: then the result does not depend
 * on the thread count).
 *
 * (The elements' thread count: gstnbparallel.h.) */
#ifndef NB_WORKERS_H
#define NB_WORKERS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NbWorkers NbWorkers;

/* One task: @task of 0..n_tasks-1 with the caller's @data. */
typedef void (*NbWorkersFunc) (gpointer data, guint task);

/* A pool of @threads threads in all, counting the caller's (>= 1). */
NbWorkers *nb_workers_new (guint threads);
/* Joins the threads; NULL is ignored. */
void nb_workers_free (NbWorkers * par);
/* Threads in all (1 for a NULL pool). */
guint nb_workers_get_threads (const NbWorkers * par);

/* Runs @func for tasks 0..@n_tasks-1 and waits for them.  A NULL pool
 * runs them in order on the caller's thread.  One caller at a time. */
void nb_workers_run (NbWorkers * par, guint n_tasks,
    NbWorkersFunc func, gpointer data);

/* Part @part of @parts of 0..@total-1, as [*begin, *end): near-equal
 * contiguous pieces whose layout depends only on @total and @parts. */
static inline void
nb_workers_part (gsize total, guint parts, guint part, gsize * begin,
    gsize * end)
{
  *begin = (gsize) ((guint64) total * part / parts);
  *end = (gsize) ((guint64) total * (part + 1) / parts);
}

/* Tasks for a loop over @rows rows of @row_items items on @par: a few per
 * thread for balance, none smaller than about 64k items, at most @rows. */
guint nb_workers_tasks_for (const NbWorkers * par, gsize rows,
    gsize row_items);

G_END_DECLS

#endif /* NB_WORKERS_H */
