/* nb_pinned.cu - page-locked frame buffers (see nb_pinned.h). */
#include <cuda_runtime.h>

extern "C" {
#include "nb_pinned.h"
#include "nb_error.h"
}

struct _NbPinnedFrames {
  GMutex lock;
  GSList *free_list;            /* float *, each n_floats long */
  gsize n_floats;
  int count, max_count;         /* allocated, and the cap */
  int device;
};

typedef struct {
  NbLentFrame parent;
  NbPinnedFrames *set;          /* a reference */
  float *buf;
} PinnedLentFrame;

extern "C" NbPinnedFrames *
nb_pinned_frames_new (gsize n_floats, int max_count, int device)
{
  NbPinnedFrames *set = g_atomic_rc_box_new0 (NbPinnedFrames);
  g_mutex_init (&set->lock);
  set->n_floats = n_floats;
  set->max_count = max_count;
  set->device = device;
  return set;
}

extern "C" NbPinnedFrames *
nb_pinned_frames_ref (NbPinnedFrames * set)
{
  return (NbPinnedFrames *) g_atomic_rc_box_acquire (set);
}

/* The calling thread's current device becomes @device; returns the old
 * one.  A thread that never used CUDA would otherwise act on device 0
 * (and create its context) whatever gpu-id the frames came from. */
static int
enter_device (int device)
{
  int previous = device;
  cudaGetDevice (&previous);
  if (previous != device)
    cudaSetDevice (device);
  return previous;
}

static void
leave_device (int previous, int device)
{
  if (previous != device)
    cudaSetDevice (previous);
}

static void
pinned_frames_clear (gpointer data)
{
  NbPinnedFrames *set = (NbPinnedFrames *) data;
  int previous = enter_device (set->device);
  for (GSList * l = set->free_list; l != NULL; l = l->next)
    cudaFreeHost (l->data);
  leave_device (previous, set->device);
  g_slist_free (set->free_list);
  g_mutex_clear (&set->lock);
}

extern "C" void
nb_pinned_frames_unref (NbPinnedFrames * set)
{
  if (set != NULL)
    g_atomic_rc_box_release_full (set, pinned_frames_clear);
}

extern "C" float *
nb_pinned_frames_take (NbPinnedFrames * set, GError ** error)
{
  float *buf = NULL;
  gboolean full;
  int previous;
  cudaError_t e;

  g_mutex_lock (&set->lock);
  if (set->free_list != NULL) {
    buf = (float *) set->free_list->data;
    set->free_list = g_slist_delete_link (set->free_list, set->free_list);
  }
  full = buf == NULL && set->count >= set->max_count;
  if (buf == NULL && !full)
    set->count++;               /* reserved; given back below on failure */
  g_mutex_unlock (&set->lock);
  if (buf != NULL || full)
    return buf;
  previous = enter_device (set->device);
  e = cudaMallocHost (&buf, set->n_floats * sizeof (float));
  leave_device (previous, set->device);
  if (e != cudaSuccess) {
    g_mutex_lock (&set->lock);
    set->count--;
    g_mutex_unlock (&set->lock);
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "CUDA cudaMallocHost (%" G_GSIZE_FORMAT " bytes for a frame): %s",
        set->n_floats * sizeof (float), cudaGetErrorString (e));
    return NULL;
  }
  return buf;
}

extern "C" void
nb_pinned_frames_give (NbPinnedFrames * set, float *buf)
{
  if (buf == NULL)
    return;
  g_mutex_lock (&set->lock);
  set->free_list = g_slist_prepend (set->free_list, buf);
  g_mutex_unlock (&set->lock);
}

static void
lent_frame_release (NbLentFrame * frame)
{
  PinnedLentFrame *self = (PinnedLentFrame *) frame;
  nb_pinned_frames_give (self->set, self->buf);
  nb_pinned_frames_unref (self->set);
  g_free (self);
}

extern "C" NbLentFrame *
nb_pinned_frames_lend (NbPinnedFrames * set, float *buf)
{
  PinnedLentFrame *self = g_new0 (PinnedLentFrame, 1);
  self->parent.image = buf;
  self->parent.release = lent_frame_release;
  self->set = nb_pinned_frames_ref (set);
  self->buf = buf;
  return &self->parent;
}
