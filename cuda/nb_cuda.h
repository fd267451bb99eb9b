/* nb_cuda.h - the CUDA backend (C interface; implemented in nb_cuda.cu).
 *
 * The model (F(hkl), sources, mask) is copied to the GPU once; each frame
 * uploads its orientation table and renders one pixel per thread with the
 * same per-pixel code as the CPU (engine/nb_render_pixel.h), or the
 * common-case kernel.  Three slots (streams, device and pinned host
 * buffers) let frames N+1 and N+2 render and copy while frame N goes out;
 * nothing frame-sized is allocated per frame. */
#ifndef NB_CUDA_H
#define NB_CUDA_H

#include "nb_render.h"

G_BEGIN_DECLS

/* Fails (GError) when no CUDA device @gpu_id answers. */
NbBackend *nb_backend_cuda_new (const NbModel * model, int gpu_id,
    NbPrecision precision, GError ** error);

/* Number of CUDA devices, or -1 with @why set when the runtime or the
 * driver is not usable. */
int nb_cuda_device_count (gchar ** why);

G_END_DECLS

#endif
