/* nb_cuda_background.cu - the amorphous background on the GPU: one thread
 * per pixel evaluating the CPU's per-pixel sum (engine/nb_nonbragg_pixel.h)
 * in float64, the same formulas in the same order; and the kernel that
 * adds a kept background to a frame before the readout. */
#include <cuda_runtime.h>
#include <string.h>

extern "C" {
#include "nb_cuda_background.h"
#include "nb_render.h"
#include "nb_error.h"
}
#include "nb_nonbragg_pixel.h"

#define THREADS 128

static gboolean
check (cudaError_t e, const char *what, GError ** error)
{
  if (e == cudaSuccess)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "CUDA background, %s: %s",
      what, cudaGetErrorString (e));
  return FALSE;
}

#define CHECK(call) do { if (!check ((call), #call, error)) goto fail; } while (0)

__global__ void
background_kernel (NbBgKernel k, NbDetector d, float *out_f, double *out_d)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  size_t npix = (size_t) d.fpixels * d.spixels;
  double v = 0.0, omega = 0.0;

  if (i >= npix)
    return;
  int s = (int) (i / d.fpixels), f = (int) (i % d.fpixels);
  if (!nb_pixel_skipped (&d, f, s))
    v = nb_background_pixel (&k, &d, f, s, &omega);
  if (out_f)
    out_f[i] = (float) v;
  if (out_d)
    out_d[i] = v;
}

__global__ void
add_background_kernel (float *image, const float *bg, size_t n)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    image[i] = image[i] + bg[i];
}

struct _NbCudaBackground {
  int device;
  NbBgKernel k;                 /* device pointers */
  double *d_tables[2 * NB_BG_MAX_COMPONENTS];
  NbSource *d_sources;          /* owned when not borrowed */
  gboolean own_sources;
};

extern "C" void
nb_cuda_background_free (NbCudaBackground * b)
{
  if (b == NULL)
    return;
  cudaSetDevice (b->device);
  for (int i = 0; i < 2 * NB_BG_MAX_COMPONENTS; i++)
    cudaFree (b->d_tables[i]);
  if (b->own_sources)
    cudaFree (b->d_sources);
  g_free (b);
}

extern "C" NbCudaBackground *
nb_cuda_background_new (const NbBackground * bg, const NbModel * m,
    int device, const NbSource * d_sources, GError ** error)
{
  NbCudaBackground *b = g_new0 (NbCudaBackground, 1);

  b->device = device;
  nb_background_kernel (bg, m, &b->k);
  CHECK (cudaSetDevice (device));
  for (int c = 0; c < b->k.n_components; c++) {
    size_t bytes = (size_t) b->k.n_points[c] * sizeof (double);
    CHECK (cudaMalloc (&b->d_tables[2 * c], bytes));
    CHECK (cudaMalloc (&b->d_tables[2 * c + 1], bytes));
    CHECK (cudaMemcpy (b->d_tables[2 * c], b->k.stol[c], bytes,
            cudaMemcpyHostToDevice));
    CHECK (cudaMemcpy (b->d_tables[2 * c + 1], b->k.F[c], bytes,
            cudaMemcpyHostToDevice));
    b->k.stol[c] = b->d_tables[2 * c];
    b->k.F[c] = b->d_tables[2 * c + 1];
  }
  if (d_sources == NULL) {
    size_t bytes = (size_t) m->n_sources * sizeof (NbSource);
    CHECK (cudaMalloc (&b->d_sources, bytes));
    CHECK (cudaMemcpy (b->d_sources, m->sources, bytes,
            cudaMemcpyHostToDevice));
    b->own_sources = TRUE;
    d_sources = b->d_sources;
  }
  b->k.sources = d_sources;
  return b;

fail:
  nb_cuda_background_free (b);
  return NULL;
}

extern "C" gboolean
nb_cuda_background_enqueue (const NbCudaBackground * b,
    const NbDetector * d_det, float *d_out_f, double *d_out_d,
    cudaStream_t stream, GError ** error)
{
  size_t npix = (size_t) d_det->fpixels * d_det->spixels;
  unsigned blocks = (unsigned) ((npix + THREADS - 1) / THREADS);

  background_kernel <<<blocks, THREADS, 0, stream>>> (b->k, *d_det, d_out_f,
      d_out_d);
  return check (cudaGetLastError (), "background_kernel", error);
}

extern "C" gboolean
nb_cuda_background_add (float *d_image, const float *d_bg, size_t n,
    cudaStream_t stream, GError ** error)
{
  unsigned blocks = (unsigned) ((n + 255) / 256);
  add_background_kernel <<<blocks, 256, 0, stream>>> (d_image, d_bg, n);
  return check (cudaGetLastError (), "add_background_kernel", error);
}

extern "C" gboolean
nb_cuda_background_render (const NbBackground * bg, const NbModel * m,
    int device, double *out, GError ** error)
{
  NbCudaBackground *b = NULL;
  NbDetector det = m->det;
  guint16 *d_mask = NULL;
  double *d_out = NULL;
  size_t npix = (size_t) m->det.fpixels * m->det.spixels;
  gboolean ok = FALSE;

  b = nb_cuda_background_new (bg, m, device, NULL, error);
  if (b == NULL)
    return FALSE;
  if (m->det.mask != NULL) {
    CHECK (cudaMalloc (&d_mask, npix * sizeof (guint16)));
    CHECK (cudaMemcpy (d_mask, m->det.mask, npix * sizeof (guint16),
            cudaMemcpyHostToDevice));
  }
  det.mask = d_mask;
  CHECK (cudaMalloc (&d_out, npix * sizeof (double)));
  if (!nb_cuda_background_enqueue (b, &det, NULL, d_out, 0, error))
    goto fail;
  CHECK (cudaMemcpy (out, d_out, npix * sizeof (double),
          cudaMemcpyDeviceToHost));
  ok = TRUE;
fail:
  cudaFree (d_out);
  cudaFree (d_mask);
  nb_cuda_background_free (b);
  return ok;
}
