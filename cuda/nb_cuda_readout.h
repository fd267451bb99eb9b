/* nb_cuda_readout.h - the detector readout on a CUDA device: the same
 * per-pixel arithmetic as the CPU readout (engine/nb_readout_pixel.h), so
 * the counts are bit-identical to nb_readout_frame's.
 *
 * The CUDA backend enqueues it on a frame's stream right after the render
 * (nb_cuda_readout_enqueue), so only counts cross the bus;
 * nb_cuda_readout_frame reads out a frame held in host memory (tests). */
#ifndef NB_CUDA_READOUT_H
#define NB_CUDA_READOUT_H

#include "nb_readout.h"

G_BEGIN_DECLS

typedef struct _NbCudaReadout NbCudaReadout;

/* Fails (GError) when device @gpu_id does not answer. */
NbCudaReadout *nb_cuda_readout_new (int gpu_id, GError ** error);
void nb_cuda_readout_free (NbCudaReadout * readout);

/* Takes @r (checked by nb_readout_check) for the following frames and
 * uploads its PSF taps; synchronous. */
gboolean nb_cuda_readout_configure (NbCudaReadout * self,
    const NbReadout * r, GError ** error);

/* Enqueues, on @stream (a cudaStream_t), the readout of the device frame
 * @d_photons into the device buffer @d_out; @d_mask is the device copy of
 * @det's mask (or NULL).  One frame at a time per NbCudaReadout (the PSF
 * scratch is its own). */
gboolean nb_cuda_readout_enqueue (NbCudaReadout * self,
    const NbDetector * det, const guint16 * d_mask, guint32 frame,
    const float *d_photons, NbCountsFormat format, void *d_out,
    void *stream, GError ** error);

/* As nb_readout_frame (without statistics), on the device, from and to
 * host memory. */
gboolean nb_cuda_readout_frame (NbCudaReadout * self, const NbReadout * r,
    const NbDetector * det, guint32 frame, const float *photons,
    NbCountsFormat format, void *out, GError ** error);

G_END_DECLS

#endif /* NB_CUDA_READOUT_H */
