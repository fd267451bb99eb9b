/* nb_parallel_copy.c - large memory copies split across a few threads. */
#include "nb_parallel_copy.h"

#include <string.h>

#define MAX_THREADS 16
/* below this a copy is not worth waking threads for */
#define MIN_PARALLEL_BYTES ((gsize) 4 << 20)

struct _NbParallelCopy {
  GThreadPool *pool;            /* NULL: copy on the caller's thread */
  int parts;
  GMutex lock;
  GCond done;
  int pending;                  /* parts not copied yet */
};

typedef struct {
  NbParallelCopy *copier;
  char *dst;
  const char *src;
  gsize bytes;
} Part;

static void
copy_part (gpointer data, gpointer user_data)
{
  Part *part = data;
  NbParallelCopy *c = part->copier;
  (void) user_data;
  memcpy (part->dst, part->src, part->bytes);
  g_mutex_lock (&c->lock);
  if (--c->pending == 0)
    g_cond_signal (&c->done);
  g_mutex_unlock (&c->lock);
}

NbParallelCopy *
nb_parallel_copy_new (int threads)
{
  NbParallelCopy *c = g_new0 (NbParallelCopy, 1);
  c->parts = CLAMP (threads, 1, MAX_THREADS);
  g_mutex_init (&c->lock);
  g_cond_init (&c->done);
  if (c->parts > 1)
    c->pool = g_thread_pool_new (copy_part, NULL, c->parts - 1, FALSE, NULL);
  if (c->pool == NULL)
    c->parts = 1;
  return c;
}

void
nb_parallel_copy_free (NbParallelCopy * c)
{
  if (c == NULL)
    return;
  if (c->pool)
    g_thread_pool_free (c->pool, FALSE, TRUE);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->done);
  g_free (c);
}

void
nb_parallel_copy (NbParallelCopy * c, void *dst, const void *src,
    gsize bytes)
{
  Part part[MAX_THREADS];

  if (c->parts == 1 || bytes < MIN_PARALLEL_BYTES) {
    memcpy (dst, src, bytes);
    return;
  }
  c->pending = c->parts;
  for (int i = 0; i < c->parts; i++) {
    /* 64-byte aligned pieces */
    gsize a = bytes * i / c->parts & ~(gsize) 63;
    gsize b = i + 1 == c->parts ? bytes : bytes * (i + 1) / c->parts
        & ~(gsize) 63;
    part[i].copier = c;
    part[i].dst = (char *) dst + a;
    part[i].src = (const char *) src + a;
    part[i].bytes = b - a;
  }
  /* the pool copies all but the last piece, this thread the last one (and
   * any piece no thread could be started for) */
  for (int i = 0; i + 1 < c->parts; i++)
    if (!g_thread_pool_push (c->pool, &part[i], NULL))
      copy_part (&part[i], NULL);
  copy_part (&part[c->parts - 1], NULL);
  g_mutex_lock (&c->lock);
  while (c->pending > 0)
    g_cond_wait (&c->done, &c->lock);
  g_mutex_unlock (&c->lock);
}
