/* nb_cuda_kernels.cuh - the CUDA backend's device code, included once by
 * nb_cuda.cu (one compilation unit: no relocatable device code).
 *
 * - render_kernel: the general kernel.  One thread renders one pixel with
 *   the engine's own per-pixel template (engine/nb_render_pixel.h),
 *   compiled here for the device in double and float.  nanoBragg's one-way
 *   interpolation switch is reproduced as on the CPU: pass 1 renders with
 *   interpolation on and records (atomicMin) the first pixel that switched
 *   it off; pass 2 re-renders every later pixel with it off, reading that
 *   index on the device, so no host round trip is needed (fast_kernel
 *   does the same with switch_pixel_kernel, below).
 * - fast_kernel (nb_cuda_fast.cuh): the common case.
 * - trace_kernel: the template's trace instantiation for traced pixels,
 *   into fixed-size records. */

/* ---- the per-pixel template, for the device ---- */

#define NB_TRACE_MAX_VISITS 128
#define NB_TRACE_MAX_STEPS 1024

/* Trace records in fixed arrays (no allocation on the device). */
typedef struct {
  NbTraceVisit visits[NB_TRACE_MAX_VISITS];
  int n_visits;
  NbTracePhiStep steps[NB_TRACE_MAX_STEPS];
  int n_steps;
  int dropped;
  double phi_start, I_before_scaling, capture_fraction, polar, omega;
  double cos_2theta, I_final;
  float value;
} NbTraceDevice;

#define NB_TRACE_T NbTraceDevice
#define NB_TRACE_N_VISITS(tr) ((tr)->n_visits)
#define NB_TRACE_PUSH_VISIT(tr, v) do { \
    if ((tr)->n_visits < NB_TRACE_MAX_VISITS) \
      (tr)->visits[(tr)->n_visits++] = (v); \
    else (tr)->dropped = 1; } while (0)
#define NB_TRACE_PUSH_STEP(tr, s) do { \
    if ((tr)->n_steps < NB_TRACE_MAX_STEPS) \
      (tr)->steps[(tr)->n_steps++] = (s); \
    else (tr)->dropped = 1; } while (0)
#define NB_TRACE_LAST_STEP(tr) ((tr)->dropped ? NULL \
    : &(tr)->steps[(tr)->n_steps - 1])
#define NB_PIXEL_QUALIFIERS static __device__ __forceinline__
#ifndef NB_STEP_UNROLL
#define NB_STEP_UNROLL 2
#endif

/* the float32 path reads a float copy of F(hkl): half the bytes */
static __device__ __forceinline__ float
nearest_F32 (const NbCrystal * x, int h0, int k0, int l0)
{
  const NbHkl *t = x->hkl;
  if (nb_hkl_contains (t, h0, k0, l0))
    return t->F32[((guint) (h0 - t->h_min) * (guint) t->k_range
            + (guint) (k0 - t->k_min)) * (guint) t->l_range
        + (guint) (l0 - t->l_min)];
  return (float) x->default_F;
}

#define NB_NEAREST_F_FLOAT nearest_F32
#include "nb_render_instances.h"

/* Adds @value of every thread of the block (thread index @t, at most 256
 * threads) to *@sum: a tree sum in shared memory, then one atomic per
 * block.  Every thread of the block must call it. */
static __device__ void
block_add (double value, int t, double *sum)
{
  __shared__ double partial[256];
  partial[t] = value;
  __syncthreads ();
  for (int stride = blockDim.x * blockDim.y / 2; stride > 0; stride >>= 1) {
    if (t < stride)
      partial[t] += partial[t + stride];
    __syncthreads ();
  }
  if (t == 0)
    atomicAdd (sum, partial[0]);
}

#include "nb_cuda_fast.cuh"


/* Pass 1 (pass2 == false): every rendered pixel, interpolation as the
 * model says.  Pass 2: pixels after *first_switch, interpolation off.
 *
 * Both orientation tables (2 x n_orient values) are staged in shared memory
 * when they fit (every thread of a warp reads the same entry: a broadcast).
 * MIN_BLOCKS caps registers per thread: the per-pixel geometry is double
 * and large, the hot loop small, and more resident warps hide latency
 * (variants are kept selectable for measurement, see nb_cuda_occupancy). */
template <typename T, bool pass2, int MIN_BLOCKS>
__global__ void __launch_bounds__ (256, MIN_BLOCKS)
render_kernel (const NbModel m, const T * orient, const T * orient_first,
    int n_orient, int staged, long long first_pixel, float *out,
    double *omega_sum, unsigned long long *first_switch)
{
  extern __shared__ unsigned char stage_raw[];
  T *stage = (T *) stage_raw;
  int f = blockIdx.x * blockDim.x + threadIdx.x;
  int s = blockIdx.y * blockDim.y + threadIdx.y;
  int t = threadIdx.y * blockDim.x + threadIdx.x;
  double omega = 0.0;

  if (staged) {
    for (int i = t; i < n_orient; i += blockDim.x * blockDim.y) {
      stage[i] = orient[i];
      stage[n_orient + i] = orient_first[i];
    }
    __syncthreads ();
    orient = stage;
    orient_first = stage + n_orient;
  }
  if (f < m.det.fpixels && s < m.det.spixels) {
    long long index = (long long) s * m.det.fpixels + f;
    if (nb_pixel_skipped (&m.det, f, s)) {
      if (!pass2)
        out[index] = 0.0f;
    } else if (!pass2 || (unsigned long long) index > *first_switch) {
      gboolean interp = pass2 ? FALSE : m.xtal.interpolate;
      double v;
      if (sizeof (T) == sizeof (double))
        v = pixel_f64 (&m, (const double *) orient,
            (const double *) orient_first, index == first_pixel, f, s,
            &interp, &omega, NULL);
      else
        v = pixel_f32 (&m, (const float *) orient,
            (const float *) orient_first, index == first_pixel, f, s,
            &interp, &omega, NULL);
      out[index] = (float) v;
      if (!pass2 && m.xtal.interpolate && !interp)
        atomicMin (first_switch, (unsigned long long) index);
    }
  }
  if (!pass2 && omega_sum != NULL)
    block_add (omega, t, omega_sum);
}

/* The one pixel where interpolation switched off (*@first_switch, if
 * any), with the template: interpolation on until its step leaves the F
 * box, nearest F after it, as on the CPU.  Follows fast_kernel's passes. */
template <typename T>
__global__ void
switch_pixel_kernel (const NbModel m, const T * orient,
    const T * orient_first, long long first_pixel, float *out,
    const unsigned long long *first_switch)
{
  unsigned long long index = *first_switch;
  if (threadIdx.x != 0 || index >= (unsigned long long) m.det.fpixels
      * (unsigned long long) m.det.spixels)
    return;
  int f = (int) (index % (unsigned long long) m.det.fpixels);
  int s = (int) (index / (unsigned long long) m.det.fpixels);
  gboolean interp = m.xtal.interpolate;
  double omega = 0.0, v;
  if (sizeof (T) == sizeof (double))
    v = pixel_f64 (&m, (const double *) orient, (const double *) orient_first,
        (long long) index == first_pixel, f, s, &interp, &omega, NULL);
  else
    v = pixel_f32 (&m, (const float *) orient, (const float *) orient_first,
        (long long) index == first_pixel, f, s, &interp, &omega, NULL);
  out[index] = (float) v;
}

/* Launches pass 1 and (if interpolation can switch off) pass 2 of one
 * precision with the chosen register cap. */
template <typename T, int MB>
static cudaError_t
launch_frame (const NbModel & m, const T * orient, int n_orient,
    size_t smem, long long first_pixel, float *image, double *omega,
    unsigned long long *sw, cudaStream_t stream)
{
  dim3 block (32, 8);
  dim3 grid ((m.det.fpixels + 31) / 32, (m.det.spixels + 7) / 8);
  int staged = smem > 0;

  if (staged) {
    cudaFuncSetAttribute (render_kernel <T, false, MB>,
        cudaFuncAttributeMaxDynamicSharedMemorySize, (int) smem);
    cudaFuncSetAttribute (render_kernel <T, true, MB>,
        cudaFuncAttributeMaxDynamicSharedMemorySize, (int) smem);
  }
  render_kernel <T, false, MB> <<<grid, block, smem, stream>>> (m, orient,
      orient + n_orient, n_orient, staged, first_pixel, image, omega, sw);
  if (m.xtal.interpolate)
    render_kernel <T, true, MB> <<<grid, block, smem, stream>>> (m, orient,
        orient + n_orient, n_orient, staged, first_pixel, image, NULL, sw);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_any (int min_blocks, const NbModel & m, const T * orient, int n_orient,
    size_t smem, long long first_pixel, float *image, double *omega,
    unsigned long long *sw, cudaStream_t stream)
{
  switch (min_blocks) {
    case 1:
      return launch_frame <T, 1> (m, orient, n_orient, smem, first_pixel,
          image, omega, sw, stream);
    case 2:
      return launch_frame <T, 2> (m, orient, n_orient, smem, first_pixel,
          image, omega, sw, stream);
    case 4:
      return launch_frame <T, 4> (m, orient, n_orient, smem, first_pixel,
          image, omega, sw, stream);
    default:
      return launch_frame <T, 3> (m, orient, n_orient, smem, first_pixel,
          image, omega, sw, stream);
  }
}

/* One thread per traced pixel. */
template <typename T>
__global__ void
trace_kernel (const NbModel m, const T * orient, const T * orient_first,
    long long first_pixel, unsigned long long last_switch,
    const int *coords, int n, double phi_start, NbTraceDevice * out)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  int s = coords[2 * i], f = coords[2 * i + 1];
  long long index = (long long) s * m.det.fpixels + f;
  NbTraceDevice *tr = &out[i];
  gboolean interp = m.xtal.interpolate && (unsigned long long) index <= last_switch;
  double omega = 0.0;

  tr->n_visits = 0;
  tr->n_steps = 0;
  tr->dropped = 0;
  tr->phi_start = phi_start;
  if (sizeof (T) == sizeof (double))
    trace_pixel_f64 (&m, (const double *) orient,
        (const double *) orient_first, index == first_pixel, f, s, &interp,
        &omega, tr);
  else
    trace_pixel_f32 (&m, (const float *) orient, (const float *) orient_first,
        index == first_pixel, f, s, &interp, &omega, tr);
}

