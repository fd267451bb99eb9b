/* nb_cuda_background.h - the amorphous background on a CUDA device
 * (nb_cuda_background.cu): the per-pixel sum of engine/nb_nonbragg_pixel.h
 * in float64, one thread per pixel. */
#ifndef NB_CUDA_BACKGROUND_H
#define NB_CUDA_BACKGROUND_H

#include "nb_nonbragg.h"

G_BEGIN_DECLS

/* Renders @bg with @m's detector and sources on CUDA device @device into
 * @out (fpixels x spixels photons, host memory; ROI/mask pixels 0). */
gboolean nb_cuda_background_render (const NbBackground * bg,
    const NbModel * m, int device, double *out, GError ** error);

typedef struct _NbCudaBackground NbCudaBackground;

/* The tables (and, without @d_sources, the sources) on @device. */
NbCudaBackground *nb_cuda_background_new (const NbBackground * bg,
    const NbModel * m, int device, const NbSource * d_sources,
    GError ** error);
void nb_cuda_background_free (NbCudaBackground * b);

#ifdef __CUDACC__
/* Renders into device memory on @stream: float photons into @d_out_f
 * and/or doubles into @d_out_d (either may be NULL).  @d_det: the
 * detector with a device mask (or none). */
gboolean nb_cuda_background_enqueue (const NbCudaBackground * b,
    const NbDetector * d_det, float *d_out_f, double *d_out_d,
    cudaStream_t stream, GError ** error);
/* @d_image += @d_bg (float, @n pixels) on @stream. */
gboolean nb_cuda_background_add (float *d_image, const float *d_bg,
    size_t n, cudaStream_t stream, GError ** error);
#endif

G_END_DECLS

#endif
