/* nb_cuda_readout.h - the detector readout on a CUDA device: the same
 * per-pixel arithmetic as the CPU readout (engine/nb_readout_pixel.h), so
 * the counts are bit-identical to nb_readout_frame's.
 *
 * For now it reads photons from and writes counts to host memory (one
 * frame at a time); running it on the render's device buffer, so that
 * only counts cross the bus, is the next step of issue #10. */
#ifndef NB_CUDA_READOUT_H
#define NB_CUDA_READOUT_H

#include "nb_readout.h"

G_BEGIN_DECLS

typedef struct _NbCudaReadout NbCudaReadout;

/* Fails (GError) when device @gpu_id does not answer. */
NbCudaReadout *nb_cuda_readout_new (int gpu_id, GError ** error);
void nb_cuda_readout_free (NbCudaReadout * readout);

/* As nb_readout_frame (without statistics), on the device. */
gboolean nb_cuda_readout_frame (NbCudaReadout * self, const NbReadout * r,
    const NbDetector * det, guint32 frame, const float *photons,
    NbCountsFormat format, void *out, GError ** error);

G_END_DECLS

#endif /* NB_CUDA_READOUT_H */
