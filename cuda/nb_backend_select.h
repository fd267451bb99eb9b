/* nb_backend_select.h - choosing a backend (auto | cpu | cuda).
 *
 * The one place both front-ends (CLI, element) pick a backend.  Built from
 * nb_backend_select.c with or without CUDA (NB_HAVE_CUDA), so callers need
 * no #ifdef.  The engine never includes this header. */
#ifndef NB_BACKEND_SELECT_H
#define NB_BACKEND_SELECT_H

#include "nb_render.h"

G_BEGIN_DECLS

typedef enum {
  NB_DEVICE_AUTO,               /* CUDA if a GPU answers, else CPU */
  NB_DEVICE_CPU,
  NB_DEVICE_CUDA
} NbDevice;

/* Creates the backend for @model.  With NB_DEVICE_AUTO and no usable GPU
 * it falls back to the CPU and says why in *@note (may be NULL; free it).
 * With NB_DEVICE_CUDA and no GPU (or a build without CUDA) it fails. */
NbBackend *nb_backend_select (const NbModel * model, NbDevice device,
    int gpu_id, int threads, NbPrecision precision, gchar ** note,
    GError ** error);

/* The device indices of a GPU list: NULL or "" -> 0; "all" -> every
 * CUDA device (an error when none answers); "0,1,1" -> 0, 1, 1 (a device
 * may be listed twice: two backends on one GPU).  NULL with an error
 * naming the bad item. */
GArray *nb_gpu_ids_parse (const char *text, GError ** error);

/* As nb_backend_select, for the devices @gpu_ids lists: one backend for
 * one device, else a fan-out (nb_backend_fanout.h) with one CUDA backend
 * per listed device, frame i on device i mod n.  A listed device that
 * does not answer is an error naming it (with NB_DEVICE_AUTO, only a
 * first device that does not answer falls back to the CPU). */
NbBackend *nb_backend_select_gpus (const NbModel * model, NbDevice device,
    const char *gpu_ids, int threads, NbPrecision precision, gchar ** note,
    GError ** error);

/* TRUE when this build has the CUDA backend compiled in. */
gboolean nb_backend_have_cuda (void);

G_END_DECLS

#endif
