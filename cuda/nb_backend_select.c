/* nb_backend_select.c - backend choice; CUDA parts only with NB_HAVE_CUDA. */
#include "nb_backend_select.h"
#include "nb_error.h"

#ifdef NB_HAVE_CUDA
#include "nb_cuda.h"
#endif

gboolean
nb_backend_have_cuda (void)
{
#ifdef NB_HAVE_CUDA
  return TRUE;
#else
  return FALSE;
#endif
}

NbBackend *
nb_backend_select (const NbModel * model, NbDevice device, int gpu_id,
    int threads, NbPrecision precision, gchar ** note, GError ** error)
{
  if (note)
    *note = NULL;
  if (device == NB_DEVICE_CPU)
    return nb_backend_cpu_new (model, threads, precision, error);

#ifdef NB_HAVE_CUDA
  {
    GError *cuda_error = NULL;
    NbBackend *b = nb_backend_cuda_new (model, gpu_id, precision,
        &cuda_error);
    if (b != NULL)
      return b;
    if (device == NB_DEVICE_CUDA) {
      g_propagate_error (error, cuda_error);
      return NULL;
    }
    if (note)
      *note = g_strdup_printf ("no usable GPU (%s): rendering on the CPU",
          cuda_error->message);
    g_error_free (cuda_error);
  }
#else
  (void) gpu_id;
  if (device == NB_DEVICE_CUDA) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "device=cuda: this build has no CUDA backend (built without nvcc)");
    return NULL;
  }
  if (note)
    *note = g_strdup ("built without CUDA: rendering on the CPU");
#endif
  return nb_backend_cpu_new (model, threads, precision, error);
}
