/* nb_workers.c - a persistent thread pool for per-pixel loops. */
#include "nb_workers.h"

#define MAX_THREADS 1024
/* tasks per thread: bands of unequal cost (bright rows, masked gaps)
 * even out */
#define TASKS_PER_THREAD 4
#define MIN_TASK_ITEMS 65536

struct _NbWorkers
{
  guint threads;                /* in all, the caller's included */
  GThread **workers;            /* threads - 1 */
  GMutex lock;
  GCond work, done;
  guint64 generation;           /* bumped per run: wakes the workers */
  guint busy;                   /* workers not finished with this run */
  gboolean quit;
  /* the current run */
  NbWorkersFunc func;
  gpointer data;
  guint n_tasks;
  gint next_task;               /* atomic */
};

static void
run_tasks (NbWorkers * par)
{
  gint task;

  while ((task = g_atomic_int_add (&par->next_task, 1)) <
      (gint) par->n_tasks)
    par->func (par->data, (guint) task);
}

static gpointer
worker_main (gpointer data)
{
  NbWorkers *par = data;
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

NbWorkers *
nb_workers_new (guint threads)
{
  NbWorkers *par = g_new0 (NbWorkers, 1);

  par->threads = CLAMP (threads, 1, MAX_THREADS);
  g_mutex_init (&par->lock);
  g_cond_init (&par->work);
  g_cond_init (&par->done);
  par->workers = g_new0 (GThread *, par->threads);
  for (guint i = 0; i + 1 < par->threads; i++)
    par->workers[i] = g_thread_new ("nb-workers", worker_main, par);
  return par;
}

void
nb_workers_free (NbWorkers * par)
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
nb_workers_get_threads (const NbWorkers * par)
{
  return par ? par->threads : 1;
}

void
nb_workers_run (NbWorkers * par, guint n_tasks,
    NbWorkersFunc func, gpointer data)
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
nb_workers_tasks_for (const NbWorkers * par, gsize rows,
    gsize row_items)
{
  guint64 items = (guint64) rows * row_items;
  guint64 tasks = (guint64) nb_workers_get_threads (par) *
      TASKS_PER_THREAD;

  if (nb_workers_get_threads (par) == 1)
    return 1;
  tasks = MIN (tasks, items / MIN_TASK_ITEMS);
  tasks = MIN (tasks, rows);
  return (guint) MAX (tasks, 1);
}
