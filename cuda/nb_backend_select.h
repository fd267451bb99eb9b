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

/* TRUE when this build has the CUDA backend compiled in. */
gboolean nb_backend_have_cuda (void);

G_END_DECLS

#endif
