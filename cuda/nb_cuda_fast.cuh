/* nb_cuda_fast.cuh - the CUDA backend's kernel for the common case: a
 * parallelepiped crystal with N > 1 on every axis, nearest-neighbour F,
 * no per-step oversample factors (nb_cuda_fast_applies).  Included by
 * nb_cuda_kernels.cuh only.
 *
 * It computes what the engine's per-pixel template computes, but arranged
 * for the GPU:
 * - only the step sum is inside the hot loop; the per-pixel factors
 *   (solid angle, capture fraction, polarization) come afterwards from the
 *   template itself (NB_SUM_GIVEN), so no double-precision geometry stays
 *   live across the loop and the loop runs without register spills;
 * - intensity needs F_latt^2 only, so the sign of each sin(N pi h) /
 *   sin(pi h) is never formed and the three quotients share one division;
 * - sin(pi x) / x is a minimax polynomial (docs/cuda.md gives its error);
 * - F(hkl) bounds and offsets are kernel parameters (constant bank), and
 *   the orientation rows are padded for 16-byte loads.
 * Results differ from the template's only by rounding (docs/precision.md).
 */

/* Orientation rows (9 values) padded so a row is whole 16-byte loads. */
#define NB_FAST_ROW_F 12
#define NB_FAST_ROW_D 10

template <typename T> struct FastRow;
template <> struct FastRow <float> { enum { stride = NB_FAST_ROW_F }; };
template <> struct FastRow <double> { enum { stride = NB_FAST_ROW_D }; };
static_assert (NB_FAST_ROW_F == 3 * 4 && NB_FAST_ROW_D == 5 * 2,
    "load_row reads a row as 3 float4 or 5 double2");

/* The F(hkl) box as the kernel reads it.  *_off turn the bits of a
 * rounding sum (see nb_index_of) straight into a box index. */
template <typename T> struct FastBox
{
  int h_off, k_off, l_off;
  unsigned h_range, k_range, l_range;   /* 0 when the box is empty */
  const T *F;
  T default_F;
};

/* sin(pi r) / r for |r| <= 1/2 as a polynomial in r^2, minimax for
 * relative error.  Float, 5 terms: 7.6e-9 with exact coefficients, 4.2e-8
 * with them rounded to float (below a float's rounding).  Double, 8
 * terms: 2.3e-16, about a double's rounding.  Both worst at r = 1/2. */
static __device__ __forceinline__ float
sinpi_over_r (float r2)
{
  float p = 7.75603870e-02f;
  p = fmaf (p, r2, -5.98242126e-01f);
  p = fmaf (p, r2, 2.55006973e+00f);
  p = fmaf (p, r2, -5.16770968e+00f);
  p = fmaf (p, r2, 3.14159264e+00f);
  return p;
}

static __device__ __forceinline__ double
sinpi_over_r (double r2)
{
  double p = -2.11230378114381042e-05;
  p = fma (p, r2, 4.65977729799863134e-04);
  p = fma (p, r2, -7.37036112631783008e-03);
  p = fma (p, r2, 8.21458782691604633e-02);
  p = fma (p, r2, -5.99264528777171734e-01);
  p = fma (p, r2, 2.55016403985985640e+00);
  p = fma (p, r2, -5.16771278004975443e+00);
  p = fma (p, r2, 3.14159265358979267e+00);
  return p;
}

/* h + magic rounds h to an integer held in the sum's low bits */
static __device__ __forceinline__ float round_magic (float) { return 12582912.0f; }
static __device__ __forceinline__ double round_magic (double) { return 6755399441055744.0; }
static __device__ __forceinline__ int low_bits (float t) { return __float_as_int (t); }
static __device__ __forceinline__ int low_bits (double t) { return __double2loint (t); }
/* below this |h - h0| the quotient is N to working precision; keeps the
 * product of three denominators normal */
static __device__ __forceinline__ float tiny_fraction (float) { return 1e-12f; }
static __device__ __forceinline__ double tiny_fraction (double) { return 1e-90; }

/* One axis: |sin(N pi h)| / |sin(pi h)| as num / den, and the box index of
 * h's nearest integer (nanoBragg's ceil(h - 1/2): a tie goes down). */
template <typename T>
static __device__ __forceinline__ void
lattice_axis (T h, T N, int off, T & num, T & den, int &index)
{
  const T magic = round_magic (h);
  T t = h + magic;
  T f = h - (t - magic);        /* in [-1/2, 1/2] */
  T fa = fmax (fabs (f), tiny_fraction (h));
  T u = fma (N, fa, magic);
  T g = fma (N, fa, -(u - magic));      /* N |f| less its nearest integer */

  index = low_bits (t) - off - (f == (T) - 0.5);
  num = g * sinpi_over_r (g * g);
  den = fa * sinpi_over_r (fa * fa);
}

/* Row @o of a padded orientation table in 16-byte loads (the tables start
 * 256-byte aligned and FastRow strides keep every row 16-byte aligned). */
static __device__ __forceinline__ void
load_row (const float *table, int o, float r[9])
{
  const float4 *p = reinterpret_cast < const float4 *>(table) + 3 * o;
  float4 a = __ldg (p), b = __ldg (p + 1), c = __ldg (p + 2);
  r[0] = a.x, r[1] = a.y, r[2] = a.z, r[3] = a.w;
  r[4] = b.x, r[5] = b.y, r[6] = b.z, r[7] = b.w;
  r[8] = c.x;
}

static __device__ __forceinline__ void
load_row (const double *table, int o, double r[9])
{
  const double2 *p = reinterpret_cast < const double2 *>(table) + 5 * o;
  double2 a = __ldg (p), b = __ldg (p + 1), c = __ldg (p + 2);
  double2 d = __ldg (p + 3), e = __ldg (p + 4);
  r[0] = a.x, r[1] = a.y, r[2] = b.x, r[3] = b.y, r[4] = c.x;
  r[5] = c.y, r[6] = d.x, r[7] = d.y, r[8] = e.x;
}

static __device__ __forceinline__ float
quotient (float a, float b)
{
  return __fdividef (a, b);
}

static __device__ __forceinline__ double
quotient (double a, double b)
{
  return a / b;
}

/* Sum over all orientations of F_cell^2 F_latt^2 for one scattering
 * vector, added to @I. */
template <typename T>
static __device__ __forceinline__ T
fast_steps (const FastBox <T> &box, const T * __restrict__ table,
    int n_orient, T s0, T s1, T s2, T Na, T Nb, T Nc, T I)
{
  for (int o = 0; o < n_orient; o++) {
    T r[9];
    load_row (table, o, r);
    T h = r[0] * s0 + r[1] * s1 + r[2] * s2;
    T k = r[3] * s0 + r[4] * s1 + r[5] * s2;
    T l = r[6] * s0 + r[7] * s1 + r[8] * s2;
    T na, da, nb, db, nc, dc;
    int ih, ik, il;

    lattice_axis (h, Na, box.h_off, na, da, ih);
    lattice_axis (k, Nb, box.k_off, nb, db, ik);
    lattice_axis (l, Nc, box.l_off, nc, dc, il);
    T F_latt = quotient (na * nb * nc, da * db * dc);
    T F_cell = box.default_F;
    if ((unsigned) ih < box.h_range && (unsigned) ik < box.k_range
        && (unsigned) il < box.l_range)
      F_cell = box.F[((unsigned) ih * box.k_range + (unsigned) ik)
          * box.l_range + (unsigned) il];
    I += F_cell * F_cell * (F_latt * F_latt);
  }
  return I;
}

/* The per-pixel factors, applied to a given step sum, from the engine's
 * template (scale_pixel_f64 / scale_pixel_f32). */
#define NB_SUM_GIVEN 1
#define NB_TRACING 0
#define NB_T double
#define NB_SINCG nb_sincg_pi
#define NB_INDEX nb_index_of
#define NB_FN scale_pixel_f64
#include "nb_render_pixel.h"
#undef NB_T
#undef NB_SINCG
#undef NB_INDEX
#undef NB_FN
#define NB_T float
#define NB_SINCG nb_sincg_pi_f
#define NB_INDEX nb_index_of_f
#define NB_FN scale_pixel_f32
#include "nb_render_pixel.h"
#undef NB_T
#undef NB_SINCG
#undef NB_INDEX
#undef NB_FN
#undef NB_TRACING
#undef NB_SUM_GIVEN

/* not inlined: its registers stay out of the kernel's hot loop */
static __device__ __noinline__ double
scale_pixel (const NbModel * m, int f, int s, double *omega, double I)
{
  gboolean interp = FALSE;
  return scale_pixel_f64 (m, NULL, NULL, FALSE, f, s, &interp, omega, NULL,
      I);
}

static __device__ __noinline__ double
scale_pixel (const NbModel * m, int f, int s, double *omega, float I)
{
  gboolean interp = FALSE;
  return scale_pixel_f32 (m, NULL, NULL, FALSE, f, s, &interp, omega, NULL,
      I);
}

/* One thread per pixel; tables padded to FastRow<T>::stride. */
template <typename T, int MIN_BLOCKS>
__global__ void __launch_bounds__ (256, MIN_BLOCKS)
fast_kernel (const __grid_constant__ NbModel m,
    const __grid_constant__ FastBox <T> box, const T * orient,
    const T * orient_first, int n_orient, long long first_pixel, float *out,
    double *omega_sum)
{
  int f = blockIdx.x * blockDim.x + threadIdx.x;
  int s = blockIdx.y * blockDim.y + threadIdx.y;
  int t = threadIdx.y * blockDim.x + threadIdx.x;
  double omega = 0.0;

  if (f < m.det.fpixels && s < m.det.spixels) {
    const NbDetector *d = &m.det;
    long long index = (long long) s * d->fpixels + f;
    if (nb_pixel_skipped (d, f, s)) {
      out[index] = 0.0f;
    } else {
      const T Na = (T) m.xtal.Na, Nb = (T) m.xtal.Nb, Nc = (T) m.xtal.Nc;
      bool first = index == first_pixel;
      T I = (T) m.I_bg;
      for (int thick_tic = 0; thick_tic < d->thicksteps; thick_tic++) {
        for (int subS = 0; subS < d->oversample; subS++) {
          for (int subF = 0; subF < d->oversample; subF++) {
            double pos[3], diffracted[3];
            nb_subpixel_position (d, f, s, subF, subS,
                thick_tic * d->thickstep, pos);
            nb_vec_unitize (pos, diffracted);
            for (int src = 0; src < m.n_sources; src++) {
              double incident[3], scattering[3];
              double stol = nb_scattering_vector (&m.sources[src],
                  diffracted, incident, scattering);
              if (nb_dmin_rejects (&m, stol))
                continue;
              /* the reference's phi carry-over: see nb_orientations_build */
              const T *table = first ? orient_first : orient;
              first = false;
              /* weighted sources as the engine's template sums them */
              T I_source = fast_steps (box, table, n_orient,
                  (T) scattering[0], (T) scattering[1], (T) scattering[2],
                  Na, Nb, Nc, m.weighted ? (T) 0 : I);
              I = m.weighted ? I + (T) m.sources[src].share * I_source
                  : I_source;
            }
          }
        }
      }
      out[index] = (float) scale_pixel (&m, f, s, &omega, I);
    }
  }
  if (omega_sum != NULL)
    block_add (omega, t, omega_sum);
}

/* TRUE when the model is the common case fast_kernel renders. */
static bool
nb_cuda_fast_applies (const NbModel * m)
{
  return nb_model_is_common_case (m) && !m->xtal.interpolate
      && g_getenv ("NB_CUDA_NO_FAST") == NULL;
}

/* The box of @hkl (device pointers) as fast_kernel reads it. */
template <typename T>
static FastBox <T>
fast_box (const NbHkl * hkl, const T * F, double default_F)
{
  /* the rounding sum's low bits hold round(h) (double) or 0x4B400000 +
   * round(h) (float) */
  const int bias = sizeof (T) == sizeof (float) ? 0x4B400000 : 0;
  FastBox <T> b;
  b.h_off = (int) ((unsigned) bias + (unsigned) hkl->h_min);
  b.k_off = (int) ((unsigned) bias + (unsigned) hkl->k_min);
  b.l_off = (int) ((unsigned) bias + (unsigned) hkl->l_min);
  b.h_range = hkl->count > 0 ? (unsigned) hkl->h_range : 0;
  b.k_range = hkl->count > 0 ? (unsigned) hkl->k_range : 0;
  b.l_range = hkl->count > 0 ? (unsigned) hkl->l_range : 0;
  b.F = F;
  b.default_F = (T) default_F;
  return b;
}
