/* nb_pinned.h - page-locked frame buffers shared by the CUDA backend and
 * the frames it lends out (NbLentFrame).  The set is reference counted:
 * the backend holds one reference and every lent frame another, so a
 * frame released after the backend is gone still frees its memory. */
#ifndef NB_PINNED_H
#define NB_PINNED_H

#include <glib.h>

#include "nb_render.h"

G_BEGIN_DECLS

typedef struct _NbPinnedFrames NbPinnedFrames;

/* Buffers of @n_floats floats each, at most @max_count of them, for
 * CUDA device @device (allocated and freed with it current, whichever
 * thread does it). */
NbPinnedFrames *nb_pinned_frames_new (gsize n_floats, int max_count,
    int device);
NbPinnedFrames *nb_pinned_frames_ref (NbPinnedFrames * set);
void nb_pinned_frames_unref (NbPinnedFrames * set);

/* A free buffer, allocated when none is free; NULL without an error when
 * all @max_count are taken, NULL with @error set when page-locked memory
 * runs out. */
float *nb_pinned_frames_take (NbPinnedFrames * set, GError ** error);
/* Returns a buffer to the set (any thread). */
void nb_pinned_frames_give (NbPinnedFrames * set, float *buf);

/* Wraps @buf (taken from @set) as a lent frame; its release gives the
 * buffer back. */
NbLentFrame *nb_pinned_frames_lend (NbPinnedFrames * set, float *buf);

G_END_DECLS

#endif /* NB_PINNED_H */
