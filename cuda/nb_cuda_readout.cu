/* nb_cuda_readout.cu - the readout kernels: two PSF passes and the counts,
 * one thread per pixel, each evaluating the CPU's formulas
 * (nb_readout_pixel.h) in the same order. */
#include <cuda_runtime.h>
#include <string.h>

extern "C" {
#include "nb_cuda_readout.h"
#include "nb_error.h"
}

#define THREADS 256

struct _NbCudaReadout {
  int device;
  NbReadout readout;            /* from nb_cuda_readout_configure */
  int radius;                   /* PSF taps each side, 0 = none */
  double *d_weights;
  size_t scratch_pixels;        /* capacity of the PSF scratch */
  float *d_rows, *d_blurred;
  /* nb_cuda_readout_frame's frames in device memory */
  size_t io_pixels;
  float *d_photons;
  void *d_out;                  /* 4 bytes a pixel */
  guint16 *d_mask;
  const guint16 *mask_of;       /* the host mask d_mask was copied from */
};

static gboolean
check (cudaError_t e, const char *what, GError ** error)
{
  if (e == cudaSuccess)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "CUDA readout, %s: %s",
      what, cudaGetErrorString (e));
  return FALSE;
}

#define CHECK(call) do { if (!check ((call), #call, error)) return FALSE; } while (0)

extern "C" NbCudaReadout *
nb_cuda_readout_new (int gpu_id, GError ** error)
{
  NbCudaReadout *self;
  int n = 0;
  if (!check (cudaGetDeviceCount (&n), "device count", error))
    return NULL;
  if (gpu_id < 0 || gpu_id >= n) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "CUDA readout: no device %d (%d found)", gpu_id, n);
    return NULL;
  }
  if (!check (cudaSetDevice (gpu_id), "set device", error))
    return NULL;
  self = g_new0 (NbCudaReadout, 1);
  self->device = gpu_id;
  nb_readout_init_defaults (&self->readout);
  if (!check (cudaMalloc (&self->d_weights,
              sizeof (double) * (2 * NB_READOUT_MAX_PSF_RADIUS + 1)),
          "weights", error)) {
    g_free (self);
    return NULL;
  }
  return self;
}

extern "C" void
nb_cuda_readout_free (NbCudaReadout * self)
{
  if (self == NULL)
    return;
  cudaSetDevice (self->device);
  cudaFree (self->d_rows);
  cudaFree (self->d_blurred);
  cudaFree (self->d_photons);
  cudaFree (self->d_out);
  cudaFree (self->d_mask);
  cudaFree (self->d_weights);
  g_free (self);
}

extern "C" gboolean
nb_cuda_readout_configure (NbCudaReadout * self, const NbReadout * r,
    GError ** error)
{
  double weights[2 * NB_READOUT_MAX_PSF_RADIUS + 1];
  int radius = nb_readout_psf_weights (r->psf_fwhm, weights);

  CHECK (cudaSetDevice (self->device));
  if (radius > 0)
    CHECK (cudaMemcpy (self->d_weights, weights,
            sizeof (double) * (2 * radius + 1), cudaMemcpyHostToDevice));
  self->readout = *r;
  self->radius = radius;
  return TRUE;
}

__global__ void
psf_rows_kernel (const float *in, float *out, int width, int height,
    const double *weights, int radius)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (size_t) width * height)
    return;
  {
    int f = (int) (i % width), s = (int) (i / width);
    out[i] = (float) nb_readout_psf_tap_sum (in + (size_t) s * width, f,
        width, 1, weights, radius);
  }
}

__global__ void
psf_columns_kernel (const float *in, float *out, int width, int height,
    const double *weights, int radius)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (size_t) width * height)
    return;
  {
    int f = (int) (i % width), s = (int) (i / width);
    out[i] = (float) nb_readout_psf_tap_sum (in + f, s, height,
        (size_t) width, weights, radius);
  }
}

/* the detector fields nb_pixel_skipped reads, by value */
struct DetectorView {
  int width, height, xmin, xmax, ymin, ymax;
  const guint16 *mask;
};

__global__ void
counts_kernel (NbReadout r, DetectorView d, unsigned int frame,
    const float *photons, int format, void *out)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  int f, s;
  gboolean masked;
  if (i >= (size_t) d.width * d.height)
    return;
  f = (int) (i % d.width);
  s = (int) (i / d.width);
  masked = f < d.xmin || f > d.xmax || s < d.ymin || s > d.ymax
      || (d.mask != NULL && d.mask[i] == 0);
  if (format == NB_COUNTS_S32) {
    ((gint32 *) out)[i] = masked ? r.masked_value
        : (gint32) nb_readout_counts (&r, frame, i, photons[i]);
  } else {
    double c = masked ? (double) r.masked_value
        : nb_readout_counts (&r, frame, i, photons[i]);
    ((guint16 *) out)[i] = (guint16) (c < 0 ? 0 : c > 65535 ? 65535 : c);
  }
}

extern "C" gboolean
nb_cuda_readout_enqueue (NbCudaReadout * self, const NbDetector * d,
    const guint16 * d_mask, guint32 frame, const float *d_photons,
    NbCountsFormat format, void *d_out, void *stream, GError ** error)
{
  cudaStream_t st = (cudaStream_t) stream;
  size_t pixels = (size_t) d->fpixels * d->spixels;
  unsigned int blocks = (unsigned int) ((pixels + THREADS - 1) / THREADS);
  DetectorView view = { d->fpixels, d->spixels, d->roi_xmin, d->roi_xmax,
    d->roi_ymin, d->roi_ymax, d_mask
  };
  const float *counted = d_photons;

  CHECK (cudaSetDevice (self->device));
  if (self->radius > 0) {
    if (self->scratch_pixels < pixels) {
      cudaFree (self->d_rows);
      cudaFree (self->d_blurred);
      self->d_rows = self->d_blurred = NULL;
      self->scratch_pixels = 0;
      CHECK (cudaMalloc (&self->d_rows, pixels * sizeof (float)));
      CHECK (cudaMalloc (&self->d_blurred, pixels * sizeof (float)));
      self->scratch_pixels = pixels;
    }
    psf_rows_kernel <<< blocks, THREADS, 0, st >>> (d_photons, self->d_rows,
        d->fpixels, d->spixels, self->d_weights, self->radius);
    psf_columns_kernel <<< blocks, THREADS, 0, st >>> (self->d_rows,
        self->d_blurred, d->fpixels, d->spixels, self->d_weights,
        self->radius);
    counted = self->d_blurred;
  }
  counts_kernel <<< blocks, THREADS, 0, st >>> (self->readout, view, frame,
      counted, (int) format, d_out);
  CHECK (cudaGetLastError ());
  return TRUE;
}

/* device copies of a host-memory frame (and its mask) for _frame */
static gboolean
ensure_io_buffers (NbCudaReadout * self, const NbDetector * d,
    GError ** error)
{
  size_t pixels = (size_t) d->fpixels * d->spixels;
  if (self->io_pixels != pixels) {
    cudaFree (self->d_photons);
    cudaFree (self->d_out);
    cudaFree (self->d_mask);
    self->d_photons = NULL;
    self->d_out = NULL;
    self->d_mask = NULL;
    self->mask_of = NULL;
    self->io_pixels = 0;
    CHECK (cudaMalloc (&self->d_photons, pixels * sizeof (float)));
    CHECK (cudaMalloc (&self->d_out, pixels * sizeof (gint32)));
    self->io_pixels = pixels;
  }
  if (d->mask != NULL && d->mask != self->mask_of) {
    if (self->d_mask == NULL)
      CHECK (cudaMalloc (&self->d_mask, pixels * sizeof (guint16)));
    CHECK (cudaMemcpy (self->d_mask, d->mask, pixels * sizeof (guint16),
            cudaMemcpyHostToDevice));
    self->mask_of = d->mask;
  }
  return TRUE;
}

extern "C" gboolean
nb_cuda_readout_frame (NbCudaReadout * self, const NbReadout * r,
    const NbDetector * d, guint32 frame, const float *photons,
    NbCountsFormat format, void *out, GError ** error)
{
  size_t pixels = (size_t) d->fpixels * d->spixels;

  if (!nb_cuda_readout_configure (self, r, error)
      || !ensure_io_buffers (self, d, error))
    return FALSE;
  CHECK (cudaMemcpy (self->d_photons, photons, pixels * sizeof (float),
          cudaMemcpyHostToDevice));
  if (!nb_cuda_readout_enqueue (self, d, d->mask != NULL ? self->d_mask
          : NULL, frame, self->d_photons, format, self->d_out, NULL, error))
    return FALSE;
  CHECK (cudaMemcpy (out, self->d_out, pixels * (format == NB_COUNTS_S32
              ? sizeof (gint32) : sizeof (guint16)), cudaMemcpyDeviceToHost));
  return TRUE;
}
