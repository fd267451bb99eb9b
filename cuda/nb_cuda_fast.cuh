/* nb_cuda_fast.cuh - the CUDA backend's step-sum kernel: every crystal
 * shape (a parallelepiped with N > 1 on every axis, round, Gaussian,
 * tophat), nearest-neighbour or tricubic F, no per-step oversample
 * factors (nb_cuda_fast_applies).  Included by nb_cuda_kernels.cuh only.
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

/* The crystal shapes the kernel is compiled for. */
enum FastShape { FAST_SQUARE, FAST_ROUND, FAST_GAUSS, FAST_TOPHAT };

/* How it takes F: nearest-neighbour; tricubic (pass 1 of -interpolate,
 * recording the first pixel that leaves the F box); nearest for the
 * pixels after that one (pass 2). */
enum FastMode { FAST_NEAREST, FAST_CUBIC, FAST_AFTER_SWITCH };

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
  /* for tricubic F: the box itself */
  int h_min, k_min, l_min;
  T h_span, k_span, l_span;     /* h_range etc. as T, for the range test */
};

/* What the non-square shapes need, in the kernel's precision. */
template <typename T> struct FastShapeParams
{
  T Na2, Nb2, Nc2;              /* round: N^2 per axis */
  T fudge;
  T NNN;                        /* Na Nb Nc (round: times 0.723601254558268) */
  T NNN2;                       /* Gaussian, tophat: Na^2 Nb^2 Nc^2 */
  T gauss_rate;                 /* Gaussian: fudge / 0.63 */
  T star[9];                    /* a*, b*, c* as columns: row i = axis i */
  bool water;                   /* water_size != 0: zero F_latt still sums */
};

/* sin(pi r) / r for |r| <= 1/2 as a polynomial in r^2, fitted for
 * relative error (iterated weighted least squares on Chebyshev nodes, a
 * near-minimax fit).  Float, 4 terms: 1.1e-6 with the coefficients rounded
 * to float, worst at r = 1/2; F_latt^2 holds six of them, so a float32
 * step's weight is within 1.3e-5 of the exact one, inside the float32 bar
 * (1e-3).  Double, 8 terms: 3.3e-16 with the coefficients rounded to
 * double and Horner's rounding; this one must stay at rounding level: a
 * float64 frame is stored as float32, and an error of even 1e-10 (the
 * 6-term fit) changes the rounding of about one pixel in a thousand, so
 * the GPU's float64 frames would no longer equal the CPU's
 * (docs/precision.md). */
static __device__ __forceinline__ float
sinpi_over_r (float r2)
{
  float p = -5.584080219e-01f;
  p = fmaf (p, r2, 2.543610334e+00f);
  p = fmaf (p, r2, -5.167368412e+00f);
  p = fmaf (p, r2, 3.141589642e+00f);
  return p;
}

static __device__ __forceinline__ double
sinpi_over_r (double r2)
{
  double p = -2.11229529445595512e-05;
  p = fma (p, r2, 4.65977616990010150e-04);
  p = fma (p, r2, -7.37036107167134049e-03);
  p = fma (p, r2, 8.21458782565504669e-02);
  p = fma (p, r2, -5.99264528775709460e-01);
  p = fma (p, r2, 2.55016403985977647e+00);
  p = fma (p, r2, -5.16771278004975265e+00);
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

/* The nearest node of h (nanoBragg's ceil(h - 1/2): a tie goes down),
 * as a box index, and h less that node. */
template <typename T>
static __device__ __forceinline__ void
nearest_node (T h, int off, T & dh, int &index)
{
  const T magic = round_magic (h);
  T t = h + magic;
  T f = h - (t - magic);        /* in [-1/2, 1/2] */
  bool tie_up = f == (T) - 0.5;
  index = low_bits (t) - off - tie_up;
  dh = tie_up ? (T) 0.5 : f;
}

/* sinc3 (nb_sinc3) of x = pi sqrt(@u): its series below x = 1 (float:
 * 5 terms, 6e-9 truncation), 3 (sin x - x cos x) / x^3 above.  Float
 * takes sin and cos from the special-function unit (absolute error about
 * 1e-6 at the largest x of a frame, where sinc3 is small), double from
 * sincospi(sqrt(u)), whose reduction is exact: both are far cheaper than
 * the libm sin and cos of x the template calls. */
static __device__ __forceinline__ float
sinc3_of (float u)
{
  const float pi = 3.14159265358979f;
  float x2 = (pi * pi) * u;
  if (x2 < 1.0f) {
    float p = 1.0f / 1330560.0f;
    p = fmaf (p, x2, -1.0f / 15120.0f);
    p = fmaf (p, x2, 1.0f / 280.0f);
    p = fmaf (p, x2, -1.0f / 10.0f);
    return fmaf (p, x2, 1.0f);
  }
  float x = pi * (u * rsqrtf (u));
  float sn = __sinf (x), cs = __cosf (x);
  return __fdividef (3.0f * fmaf (-x, cs, sn), x * x2);
}

static __device__ __forceinline__ double
sinc3_of (double u)
{
  double x = G_PI * sqrt (u);
  if (fabs (x) < 1.0)
    return nb_sinc3 (x);
  double sn, cs;
  sincospi (sqrt (u), &sn, &cs);
  return 3.0 * (sn / x - cs) / (x * x);
}

static __device__ __forceinline__ float
exp_of (float x)
{
  return __expf (x);
}

static __device__ __forceinline__ double
exp_of (double x)
{
  return exp (x);
}

/* F_latt of a non-square shape at (dh, dk, dl) from the nearest node, as
 * nb_lattice_factor computes it. */
template <typename T, int SHAPE>
static __device__ __forceinline__ T
shape_factor (const FastShapeParams <T> &p, T dh, T dk, T dl)
{
  if (SHAPE == FAST_ROUND) {
    T hrad = dh * dh * p.Na2 + dk * dk * p.Nb2 + dl * dl * p.Nc2;
    return p.NNN * sinc3_of (hrad * p.fudge);
  }
  T dx = dh * p.star[0] + dk * p.star[1] + dl * p.star[2];
  T dy = dh * p.star[3] + dk * p.star[4] + dl * p.star[5];
  T dz = dh * p.star[6] + dk * p.star[7] + dl * p.star[8];
  T rad = (dx * dx + dy * dy + dz * dz) * p.NNN2;
  if (SHAPE == FAST_GAUSS)
    return p.NNN * exp_of (-(rad * p.gauss_rate));
  return rad * p.fudge < (T) 0.3969 ? p.NNN : (T) 0;
}

/* Lagrange weights at t in [0, 1) of the nodes -1, 0, 1, 2. */
template <typename T>
static __device__ __forceinline__ void
cubic_weights (T t, T w[4])
{
  T tm1 = t - (T) 1, tm2 = t - (T) 2, tp1 = t + (T) 1;
  w[0] = -(t * tm1 * tm2) * (T) (1.0 / 6.0);
  w[1] = tp1 * tm1 * tm2 * (T) 0.5;
  w[2] = -(tp1 * t * tm2) * (T) 0.5;
  w[3] = tp1 * t * tm1 * (T) (1.0 / 6.0);
}

/* nb_interpolation_out_of_range in the kernel's precision. */
template <typename T>
static __device__ __forceinline__ bool
outside_cubic_box (const FastBox <T> &b, T h, T k, T l)
{
  return (h - (T) b.h_min + (T) 3 > b.h_span) || (h - (T) 2 < (T) b.h_min)
      || (k - (T) b.k_min + (T) 3 > b.k_span) || (k - (T) 2 < (T) b.k_min)
      || (l - (T) b.l_min + (T) 3 > b.l_span) || (l - (T) 2 < (T) b.l_min);
}

/* Tricubic F at (h, k, l) (nb_interpolate_F): l innermost, then k, then
 * h; the caller has checked the neighbourhood is inside the box. */
template <typename T>
static __device__ __forceinline__ T
cubic_F (const FastBox <T> &b, T h, T k, T l)
{
  T hf = floor (h), kf = floor (k), lf = floor (l);
  T wh[4], wk[4], wl[4];
  cubic_weights (h - hf, wh);
  cubic_weights (k - kf, wk);
  cubic_weights (l - lf, wl);
  unsigned plane = b.k_range * b.l_range;
  const T *base = b.F + ((unsigned) ((int) hf - 1 - b.h_min) * plane
      + (unsigned) ((int) kf - 1 - b.k_min) * b.l_range
      + (unsigned) ((int) lf - 1 - b.l_min));
  T along_h = 0;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    T along_k = 0;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const T *row = base + i * plane + j * b.l_range;
      T along_l = wl[0] * __ldg (row) + wl[1] * __ldg (row + 1)
          + wl[2] * __ldg (row + 2) + wl[3] * __ldg (row + 3);
      along_k += wk[j] * along_l;
    }
    along_h += wh[i] * along_k;
  }
  return along_h;
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

/* Nearest-neighbour F of box index (ih, ik, il), or default_F. */
template <typename T>
static __device__ __forceinline__ T
nearest_F_of (const FastBox <T> &box, int ih, int ik, int il)
{
  if ((unsigned) ih < box.h_range && (unsigned) ik < box.k_range
      && (unsigned) il < box.l_range)
    return box.F[((unsigned) ih * box.k_range + (unsigned) ik)
        * box.l_range + (unsigned) il];
  return box.default_F;
}

/* Sum over all orientations of F_cell^2 F_latt^2 for one scattering
 * vector, added to @I.  With INTERP, *@switched becomes true at the
 * first step outside the tricubic box (the pixel is re-rendered). */
template <typename T, int SHAPE, bool INTERP>
static __device__ __forceinline__ T
fast_steps (const FastBox <T> &box, const FastShapeParams <T> &sp,
    const T * __restrict__ table, int n_orient, T s0, T s1, T s2, T Na,
    T Nb, T Nc, T I, bool &switched)
{
  for (int o = 0; o < n_orient; o++) {
    T r[9];
    load_row (table, o, r);
    T h = r[0] * s0 + r[1] * s1 + r[2] * s2;
    T k = r[3] * s0 + r[4] * s1 + r[5] * s2;
    T l = r[6] * s0 + r[7] * s1 + r[8] * s2;
    T F_latt;
    int ih, ik, il;

    if (SHAPE == FAST_SQUARE) {
      T na, da, nb, db, nc, dc;
      lattice_axis (h, Na, box.h_off, na, da, ih);
      lattice_axis (k, Nb, box.k_off, nb, db, ik);
      lattice_axis (l, Nc, box.l_off, nc, dc, il);
      F_latt = quotient (na * nb * nc, da * db * dc);
    } else {
      T dh, dk, dl;
      nearest_node (h, box.h_off, dh, ih);
      nearest_node (k, box.k_off, dk, ik);
      nearest_node (l, box.l_off, dl, il);
      F_latt = shape_factor <T, SHAPE> (sp, dh, dk, dl);
    }
    /* the template skips these steps before F (and the interpolation
     * test); adding 0 is the same sum otherwise */
    if ((INTERP || SHAPE == FAST_TOPHAT) && F_latt == (T) 0 && !sp.water)
      continue;
    T F_cell;
    if (INTERP) {
      if (!switched && outside_cubic_box (box, h, k, l))
        switched = true;
      F_cell = switched ? nearest_F_of (box, ih, ik, il)
          : cubic_F (box, h, k, l);
    } else {
      F_cell = nearest_F_of (box, ih, ik, il);
    }
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

/* One thread per pixel; tables padded to FastRow<T>::stride.  FAST_CUBIC:
 * @first_switch receives the first pixel whose steps left the tricubic
 * box; FAST_AFTER_SWITCH renders only the pixels after it. */
template <typename T, int MIN_BLOCKS, int SHAPE, int MODE>
__global__ void __launch_bounds__ (256, MIN_BLOCKS)
fast_kernel (const __grid_constant__ NbModel m,
    const __grid_constant__ FastBox <T> box,
    const __grid_constant__ FastShapeParams <T> sp, const T * orient,
    const T * orient_first, int n_orient, long long first_pixel, float *out,
    double *omega_sum, unsigned long long *first_switch)
{
  int f = blockIdx.x * blockDim.x + threadIdx.x;
  int s = blockIdx.y * blockDim.y + threadIdx.y;
  int t = threadIdx.y * blockDim.x + threadIdx.x;
  double omega = 0.0;

  if (f < m.det.fpixels && s < m.det.spixels) {
    const NbDetector *d = &m.det;
    long long index = (long long) s * d->fpixels + f;
    const bool INTERP = MODE == FAST_CUBIC;
    /* pass 1 need not sum the pixels after a recorded switch (pass 2
     * renders them; their solid angle still counts here) */
    bool after_switch = MODE != FAST_NEAREST && (unsigned long long) index
        > *(volatile unsigned long long *) first_switch;
    if (MODE == FAST_AFTER_SWITCH && !after_switch) {
      /* pass 1's pixel, or a masked one: both stay */
    } else if (nb_pixel_skipped (d, f, s)) {
      out[index] = 0.0f;
    } else {
      const T Na = (T) m.xtal.Na, Nb = (T) m.xtal.Nb, Nc = (T) m.xtal.Nc;
      bool first = index == first_pixel;
      bool switched = false;
      T I = (T) m.I_bg;
      const int thicksteps = INTERP && after_switch ? 0 : d->thicksteps;
      for (int thick_tic = 0; thick_tic < thicksteps; thick_tic++) {
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
              T I_source = fast_steps <T, SHAPE, INTERP> (box, sp, table,
                  n_orient, (T) scattering[0], (T) scattering[1],
                  (T) scattering[2], Na, Nb, Nc, m.weighted ? (T) 0 : I,
                  switched);
              I = m.weighted ? I + (T) m.sources[src].share * I_source
                  : I_source;
            }
          }
        }
      }
      double v = scale_pixel (&m, f, s, &omega, I);
      if (!(INTERP && after_switch))
        out[index] = (float) v;
      if (INTERP && switched)
        atomicMin (first_switch, (unsigned long long) index);
    }
  }
  if (MODE != FAST_AFTER_SWITCH && omega_sum != NULL)
    block_add (omega, t, omega_sum);
}

/* TRUE when fast_kernel can render the model: no per-step oversample
 * factors, N > 1 on every axis for the square shape (its sin ratio),
 * tricubic F only with an F box. */
static bool
nb_cuda_fast_applies (const NbModel * m)
{
  const NbCrystal *x = &m->xtal;
  const NbDetector *d = &m->det;
  if (d->oversample_thick || d->oversample_polar || d->oversample_omega
      || g_getenv ("NB_CUDA_NO_FAST") != NULL)
    return false;
  if (x->shape == NB_SHAPE_SQUARE && !(x->Na > 1 && x->Nb > 1 && x->Nc > 1))
    return false;
  return !x->interpolate || (x->hkl != NULL && x->hkl->count > 0);
}

/* The shape parameters of @x as fast_kernel reads them. */
template <typename T>
static FastShapeParams <T>
fast_shape_params (const NbModel * m)
{
  const NbCrystal *x = &m->xtal;
  FastShapeParams <T> p;
  double NNN = x->Na * x->Nb * x->Nc;
  p.Na2 = (T) (x->Na * x->Na);
  p.Nb2 = (T) (x->Nb * x->Nb);
  p.Nc2 = (T) (x->Nc * x->Nc);
  p.fudge = (T) x->fudge;
  p.NNN = (T) (x->shape == NB_SHAPE_ROUND ? NNN * 0.723601254558268 : NNN);
  p.NNN2 = (T) (x->Na * x->Na * x->Nb * x->Nb * x->Nc * x->Nc);
  p.gauss_rate = (T) (x->fudge / 0.63);
  for (int i = 0; i < 3; i++) {
    p.star[3 * i + 0] = (T) x->a_star[i];
    p.star[3 * i + 1] = (T) x->b_star[i];
    p.star[3 * i + 2] = (T) x->c_star[i];
  }
  p.water = m->water_size != 0.0;
  return p;
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
  b.h_min = hkl->h_min;
  b.k_min = hkl->k_min;
  b.l_min = hkl->l_min;
  b.h_span = (T) hkl->h_range;
  b.k_span = (T) hkl->k_range;
  b.l_span = (T) hkl->l_range;
  return b;
}
