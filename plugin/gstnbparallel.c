/* gstnbparallel.c - a persistent thread pool for per-pixel loops. */
#include "gstnbparallel.h"

#include <gst/gst.h>
#include <stdlib.h>

#define MAX_THREADS 1024
/* tasks per thread: bands of unequal cost (bright rows, masked gaps)
 * even out */
#define TASKS_PER_THREAD 4
#define MIN_TASK_ITEMS 65536

struct _GstNbParallel
{
  guint threads;                /* in all, the caller's included */
  GThread **workers;            /* threads - 1 */
  GMutex lock;
  GCond work, done;
  guint64 generation;           /* bumped per run: wakes the workers */
  guint busy;                   /* workers not finished with this run */
  gboolean quit;
  /* the current run */
  GstNbParallelFunc func;
  gpointer data;
  guint n_tasks;
  gint next_task;               /* atomic */
};

guint
gst_nb_parallel_threads_from_env (GError ** error)
{
  const gchar *env = g_getenv ("NB_THREADS");
  gchar *end = NULL;
  guint64 n;

  if (env == NULL || *env == '\0')
    return MIN (g_get_num_processors (), MAX_THREADS);
  n = g_ascii_strtoull (env, &end, 10);
  if (end == env || *end != '\0' || n < 1 || n > MAX_THREADS) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "environment variable NB_THREADS=\"%s\" is not a thread count "
        "(a whole number from 1 to %d; unset it for all cores)", env,
        MAX_THREADS);
    return 0;
  }
  return (guint) n;
}

static void
run_tasks (GstNbParallel * par)
{
  gint task;

  while ((task = g_atomic_int_add (&par->next_task, 1)) <
      (gint) par->n_tasks)
    par->func (par->data, (guint) task);
}

static gpointer
worker_main (gpointer data)
{
  GstNbParallel *par = data;
  guint64 seen = 0;

  g_mutex_lock (&par->lock);
  for (;;) {
    while (par->generation == seen && !par->quit)
      g_cond_wait (&par->work, &par->lock);
    if (par->quit)
      break;
    seen = par->generation;
    g_mutex_unlock (&par->lock);
    run_tasks (par);
    g_mutex_lock (&par->lock);
    if (--par->busy == 0)
      g_cond_signal (&par->done);
  }
  g_mutex_unlock (&par->lock);
  return NULL;
}

GstNbParallel *
gst_nb_parallel_new (guint threads)
{
  GstNbParallel *par = g_new0 (GstNbParallel, 1);

  par->threads = CLAMP (threads, 1, MAX_THREADS);
  g_mutex_init (&par->lock);
  g_cond_init (&par->work);
  g_cond_init (&par->done);
  par->workers = g_new0 (GThread *, par->threads);
  for (guint i = 0; i + 1 < par->threads; i++)
    par->workers[i] = g_thread_new ("nbparallel", worker_main, par);
  return par;
}

void
gst_nb_parallel_free (GstNbParallel * par)
{
  if (par == NULL)
    return;
  g_mutex_lock (&par->lock);
  par->quit = TRUE;
  g_cond_broadcast (&par->work);
  g_mutex_unlock (&par->lock);
  for (guint i = 0; i + 1 < par->threads; i++)
    g_thread_join (par->workers[i]);
  g_free (par->workers);
  g_mutex_clear (&par->lock);
  g_cond_clear (&par->work);
  g_cond_clear (&par->done);
  g_free (par);
}

guint
gst_nb_parallel_get_threads (const GstNbParallel * par)
{
  return par ? par->threads : 1;
}

void
gst_nb_parallel_run (GstNbParallel * par, guint n_tasks,
    GstNbParallelFunc func, gpointer data)
{
  if (par == NULL || par->threads == 1 || n_tasks <= 1) {
    for (guint t = 0; t < n_tasks; t++)
      func (data, t);
    return;
  }
  g_mutex_lock (&par->lock);
  par->func = func;
  par->data = data;
  par->n_tasks = n_tasks;
  g_atomic_int_set (&par->next_task, 0);
  par->busy = par->threads - 1;
  par->generation++;
  g_cond_broadcast (&par->work);
  g_mutex_unlock (&par->lock);
  run_tasks (par);
  g_mutex_lock (&par->lock);
  while (par->busy > 0)
    g_cond_wait (&par->done, &par->lock);
  g_mutex_unlock (&par->lock);
}

guint
gst_nb_parallel_tasks_for (const GstNbParallel * par, gsize rows,
    gsize row_items)
{
  guint64 items = (guint64) rows * row_items;
  guint64 tasks = (guint64) gst_nb_parallel_get_threads (par) *
      TASKS_PER_THREAD;

  if (gst_nb_parallel_get_threads (par) == 1)
    return 1;
  tasks = MIN (tasks, items / MIN_TASK_ITEMS);
  tasks = MIN (tasks, rows);
  return (guint) MAX (tasks, 1);
}
