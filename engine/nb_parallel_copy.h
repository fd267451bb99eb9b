/* nb_parallel_copy.h - large memory copies split across a few threads.
 * Copying a 64 MiB frame takes one core several milliseconds, longer than
 * the GPU needs to render a frame at one step per pixel. */
#ifndef NB_PARALLEL_COPY_H
#define NB_PARALLEL_COPY_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NbParallelCopy NbParallelCopy;

/* A copier in @threads pieces (clamped to 1 to 16): the caller's thread
 * and @threads - 1 pool threads. */
NbParallelCopy *nb_parallel_copy_new (int threads);
void nb_parallel_copy_free (NbParallelCopy * copier);

/* memcpy of @bytes from @src to @dst; returns when all is copied.  One
 * caller at a time. */
void nb_parallel_copy (NbParallelCopy * copier, void *dst, const void *src,
    gsize bytes);

G_END_DECLS

#endif /* NB_PARALLEL_COPY_H */
