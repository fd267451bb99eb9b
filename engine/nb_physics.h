/* nb_physics.h - the per-step formulas shared by the CPU and CUDA
 * renderers and the traces: lattice transforms, polarization, tricubic
 * interpolation. */
#ifndef NB_PHYSICS_H
#define NB_PHYSICS_H

#include "nb_model.h"
#include "nb_vec.h"

#include <string.h>

/* Low 32 bits of a double's / a float's bit pattern. */
static inline NB_HD int
nb_low_bits (double x)
{
#ifdef __CUDA_ARCH__
  return (int) __double2loint (x);
#else
  guint64 b;
  memcpy (&b, &x, sizeof (b));
  return (int) (guint32) b;
#endif
}

static inline NB_HD int
nb_bits_f (float x)
{
#ifdef __CUDA_ARCH__
  return __float_as_int (x);
#else
  gint32 b;
  memcpy (&b, &x, sizeof (b));
  return b;
#endif
}

/* The nearest whole number as nanoBragg's ceil(h - 1/2), as an int,
 * without a conversion instruction: adding 1.5 * 2^52 leaves the integer
 * in the low bits of the sum (|h| < 2^31).  A tie (h = k + 1/2) goes down
 * to k like ceil(h - 1/2), where round-to-even may have gone up. */
static inline NB_HD int
nb_index_of (double h)
{
  const double magic = 6755399441055744.0;
  double t = h + magic;
  double n = t - magic;
  return nb_low_bits (t) - (n - h == 0.5);
}

static inline NB_HD int
nb_index_of_f (float h)
{
  const float magic = 12582912.0f;
  float t = h + magic;
  float n = t - magic;
  return (nb_bits_f (t) - 0x4B400000) - (n - h == 0.5f);
}

/* sin(pi r) for |r| <= 1/2: odd Taylor polynomial to r^21, whose
 * truncation error (< 2e-18) is below double rounding. */
static inline NB_HD NB_FORCE_INLINE double
nb_sinpi_reduced (double r)
{
  /* c_k = (-1)^k pi^(2k+1) / (2k+1)! */
  const double r2 = r * r;
  double p = 5.39266466260812895e-10;        /* c10 */
  p = p * r2 + -2.29484289972698730e-08;
  p = p * r2 + 7.95205400147551261e-07;
  p = p * r2 + -2.19153534478302173e-05;
  p = p * r2 + 4.66302805767612554e-04;
  p = p * r2 + -7.37043094571435044e-03;
  p = p * r2 + 8.21458866111282326e-02;
  p = p * r2 + -5.99264529320792105e-01;
  p = p * r2 + 2.55016403987734552e+00;
  p = p * r2 + -5.16771278004997026e+00;
  p = p * r2 + 3.14159265358979312e+00;
  return r * p;
}

/* sincg(pi h, N) = sin(N pi h) / sin(pi h) for whole N, evaluated on the
 * fractional parts: with h = n + f and N f = m + g,
 *   sin(N pi h) / sin(pi h) = (-1)^(n (N-1) + m) sin(pi g) / sin(pi f).
 * This keeps full relative accuracy near Bragg peaks, where the direct
 * formula loses digits to the large argument N pi h (see docs/physics.md). */
/* forced inline: the three calls per step must overlap in the pipeline */
static inline NB_HD NB_FORCE_INLINE double
nb_sincg_pi (double h, double N)
{
  const double magic = 6755399441055744.0;
  double t = h + magic;
  double n = t - magic;         /* h rounded to the nearest integer */
  double f = h - n;
  double Nf = N * f;
  double u = Nf + magic;
  double m = u - magic;
  double g = Nf - m;
  double sign;
  int parity;

  /* only the parity of n (N - 1) + m matters; the integers are read from
   * the low bits of the rounding sums, not converted */
  parity = (nb_low_bits (t) & ((int) N - 1) & 1)
      ^ (f == 0.0 ? 0 : (nb_low_bits (u) & 1));
  sign = parity ? -1.0 : 1.0;
  if (f == 0.0)
    return sign * N;
  return sign * nb_sinpi_reduced (g) / nb_sinpi_reduced (f);
}

/* ---- float32 versions (the fast path; see docs/precision.md) ---- */

/* sin(pi r), |r| <= 1/2, Taylor to r^13 (truncation < 7e-10) */
static inline NB_HD NB_FORCE_INLINE float
nb_sinpi_reduced_f (float r)
{
  const float r2 = r * r;
  float p = 4.663028058e-04f;
  p = p * r2 + -7.370430946e-03f;
  p = p * r2 + 8.214588661e-02f;
  p = p * r2 + -5.992645293e-01f;
  p = p * r2 + 2.550164040e+00f;
  p = p * r2 + -5.167712780e+00f;
  p = p * r2 + 3.141592654e+00f;
  return r * p;
}

static inline NB_HD NB_FORCE_INLINE float
nb_sincg_pi_f (float h, float N)
{
  const float magic = 12582912.0f;
  float t = h + magic;
  float n = t - magic;
  float f = h - n;
  float Nf = N * f;
  float u = Nf + magic;
  float m = u - magic;
  float g = Nf - m;
  int parity = (nb_bits_f (t) & ((int) N - 1) & 1)
      ^ (f == 0.0f ? 0 : (nb_bits_f (u) & 1));
  float sign = parity ? -1.0f : 1.0f;

  if (f == 0.0f)
    return sign * N;
  return sign * NB_FDIVF (nb_sinpi_reduced_f (g), nb_sinpi_reduced_f (f));
}

/* Position (m, from the sample) of sub-pixel (subF, subS) of pixel
 * (fpixel, spixel) at depth Odet into the sensor. */
static inline NB_HD void
nb_subpixel_position (const NbDetector * d, int fpixel, int spixel,
    int subF, int subS, double Odet, double pos[3])
{
  const int os = d->oversample;
  double Fdet = d->subpixel_size * (fpixel * os + subF)
      + d->subpixel_size / 2.0;
  double Sdet = d->subpixel_size * (spixel * os + subS)
      + d->subpixel_size / 2.0;

  for (int i = 0; i < 3; i++)
    pos[i] = Fdet * d->fdet[i] + Sdet * d->sdet[i] + Odet * d->odet[i]
        + d->pix0[i];
  if (d->curved) {
    /* every pixel at the same distance: pixel coordinates are angles */
    double v[3], nv[3];
    nb_vec_scale (d->beam, d->distance, v);
    nb_vec_rotate_axis (v, d->sdet, pos[1] / d->distance, nv);
    nb_vec_rotate_axis (nv, d->fdet, pos[2] / d->distance, pos);
  }
}

/* Scattering vector (diffracted - incident) / lambda (1/m) of @src for the
 * unit vector @diffracted; also gives the incident direction.  Returns
 * sin(theta) / lambda. */
static inline NB_HD double
nb_scattering_vector (const NbSource * src, const double diffracted[3],
    double incident[3], double scattering[3])
{
  for (int i = 0; i < 3; i++) {
    incident[i] = -src->dir[i];
    scattering[i] = (diffracted[i] - incident[i]) / src->lambda;
  }
  return 0.5 * nb_vec_norm (scattering);
}

/* TRUE when the resolution cut-off (-dmin) drops a scattering vector of
 * sin(theta) / lambda = @stol. */
static inline NB_HD gboolean
nb_dmin_rejects (const NbModel * m, double stol)
{
  return m->dmin > 0.0 && stol > 0.0 && m->dmin > 0.5 / stol;
}

/* The common case both renderers have a tight step loop for: a
 * parallelepiped crystal with N > 1 on every axis and no per-step
 * oversample factors (nearest-neighbour F is the caller's condition: the
 * interpolation switch can change mid-image). */
static inline NB_HD gboolean
nb_model_is_common_case (const NbModel * m)
{
  const NbCrystal *x = &m->xtal;
  const NbDetector *d = &m->det;
  return x->shape == NB_SHAPE_SQUARE && x->Na > 1 && x->Nb > 1 && x->Nc > 1
      && !d->oversample_thick && !d->oversample_polar
      && !d->oversample_omega;
}

/* Fourier transform of a sphere, 3 (sin x - x cos x) / x^3.
 *
 * nanoBragg's formula 3 (sin(x)/x - cos(x)) / x^2 cancels near 0: its
 * relative error is about 1e-15 / x^2 (2e4 ulp at x = 0.01), and within
 * rounding of 0 (a scattering vector of 1e-17 instead of exactly 0, as FMA
 * contraction gives at the direct beam) it returns 0, values up to 3, or
 * NaN where x^2 underflows, instead of 1.  Below x = 1 the Taylor series
 *   sinc3(x) = sum_k>=1 (-1)^(k+1) 6k x^(2k-2) / (2k+1)!
 * is summed instead, to k = 10 (truncation < 3e-21, rounding < 0.5 ulp);
 * at x = 1 the direct formula is within 2.4 ulp of it, so the branches
 * meet to rounding (tests/test_physics.c).  Above 1 the formula is
 * nanoBragg's.  One version serves both precisions: the float32 renderer
 * evaluates the crystal shapes in double. */
static inline NB_HD double
nb_sinc3 (double x)
{
  if (fabs (x) < 1.0) {
    const double x2 = x * x;
    double p = -1.0 / 851515702861824000.0;
    p = p * x2 + 1.0 / 2252687044608000.0;
    p = p * x2 - 1.0 / 7410154752000.0;
    p = p * x2 + 1.0 / 31135104000.0;
    p = p * x2 - 1.0 / 172972800.0;
    p = p * x2 + 1.0 / 1330560.0;
    p = p * x2 - 1.0 / 15120.0;
    p = p * x2 + 1.0 / 280.0;
    p = p * x2 - 1.0 / 10.0;
    return p * x2 + 1.0;
  }
  return 3.0 * (sin (x) / x - cos (x)) / (x * x);
}

/* Kahn polarization factor.  Like nanoBragg it normalises its three
 * vectors in place (the renderer relies on that for bitwise parity). */
static inline NB_HD double
nb_polarization_factor (double kahn, double incident[3], double diffracted[3],
    double axis[3])
{
  double cos2theta, cos2theta_sqr, sin2theta_sqr, psi = 0;
  double B_in[3], E_in[3];

  nb_vec_unitize (incident, incident);
  nb_vec_unitize (diffracted, diffracted);
  nb_vec_unitize (axis, axis);
  cos2theta = nb_vec_dot (incident, diffracted);
  cos2theta_sqr = cos2theta * cos2theta;
  sin2theta_sqr = 1 - cos2theta_sqr;
  if (kahn != 0.0) {
    /* the E-vector is taken closest to @axis; psi is the azimuth of the
     * diffracted ray in the E-B plane */
    nb_vec_cross (axis, incident, B_in);
    nb_vec_unitize (B_in, B_in);
    nb_vec_cross (incident, B_in, E_in);
    nb_vec_unitize (E_in, E_in);
    psi = -atan2 (nb_vec_dot (diffracted, B_in), nb_vec_dot (diffracted,
            E_in));
  }
  return 0.5 * (1.0 + cos2theta_sqr - kahn * cos (2 * psi) * sin2theta_sqr);
}


/* Lattice factor F_latt of fractional index (h, k, l) whose nearest whole
 * index is (h0, k0, l0), for the crystal's shape. */
static inline NB_HD NB_FORCE_INLINE double
nb_lattice_factor (const NbCrystal * x, double h, double k, double l,
    int h0, int k0, int l0, double out_axes[3])
{
  double F_latt = 1.0, rad_star_sqr = 0.0;
  double Na = x->Na, Nb = x->Nb, Nc = x->Nc;

  out_axes[0] = out_axes[1] = out_axes[2] = 1.0;
  if (x->shape == NB_SHAPE_SQUARE) {
    if (Na > 1) {
      out_axes[0] = nb_sincg_pi (h, Na);
      F_latt *= out_axes[0];
    }
    if (Nb > 1) {
      out_axes[1] = nb_sincg_pi (k, Nb);
      F_latt *= out_axes[1];
    }
    if (Nc > 1) {
      out_axes[2] = nb_sincg_pi (l, Nc);
      F_latt *= out_axes[2];
    }
    return F_latt;
  }

  /* distance from the nearest node in reciprocal space (1/A), using the
   * unrotated reciprocal axes as nanoBragg does */
  {
    double dh = h - h0, dk = k - k0, dl = l - l0;
    double dx = dh * x->a_star[0] + dk * x->b_star[0] + dl * x->c_star[0];
    double dy = dh * x->a_star[1] + dk * x->b_star[1] + dl * x->c_star[1];
    double dz = dh * x->a_star[2] + dk * x->b_star[2] + dl * x->c_star[2];
    rad_star_sqr = (dx * dx + dy * dy + dz * dz) * Na * Na * Nb * Nb * Nc * Nc;
  }
  switch (x->shape) {
    case NB_SHAPE_ROUND:{
      double hrad_sqr = (h - h0) * (h - h0) * Na * Na + (k - k0) * (k - k0)
          * Nb * Nb + (l - l0) * (l - l0) * Nc * Nc;
      /* sqrt of the cube/sphere volume ratio keeps the integral */
      F_latt = Na * Nb * Nc * 0.723601254558268
          * nb_sinc3 (G_PI * sqrt (hrad_sqr * x->fudge));
      break;
    }
    case NB_SHAPE_GAUSS:
      F_latt = Na * Nb * Nc * exp (-(rad_star_sqr / 0.63 * x->fudge));
      break;
    case NB_SHAPE_TOPHAT:
      F_latt = Na * Nb * Nc * (rad_star_sqr * x->fudge < 0.3969);
      break;
    case NB_SHAPE_SQUARE:
      break;
  }
  return F_latt;
}

/* Tricubic (Lagrange, 4 points per axis) interpolation of F at (h, k, l);
 * the caller has checked that the 4x4x4 neighbourhood is inside the box. */
/* Lagrange polynomial through 4 points, evaluated at @x. */
static inline NB_HD double
lagrange4 (const double xa[4], const double ya[4], double x)
{
  double x0 = (x - xa[1]) * (x - xa[2]) * (x - xa[3]) * ya[0]
      / ((xa[0] - xa[1]) * (xa[0] - xa[2]) * (xa[0] - xa[3]));
  double x1 = (x - xa[0]) * (x - xa[2]) * (x - xa[3]) * ya[1]
      / ((xa[1] - xa[0]) * (xa[1] - xa[2]) * (xa[1] - xa[3]));
  double x2 = (x - xa[0]) * (x - xa[1]) * (x - xa[3]) * ya[2]
      / ((xa[2] - xa[0]) * (xa[2] - xa[1]) * (xa[2] - xa[3]));
  double x3 = (x - xa[0]) * (x - xa[1]) * (x - xa[2]) * ya[3]
      / ((xa[3] - xa[0]) * (xa[3] - xa[1]) * (xa[3] - xa[2]));
  return x0 + x1 + x2 + x3;
}

static inline NB_HD double
nb_interpolate_F (const NbHkl * t, double h, double k, double l)
{
  int hf = (int) floor (h), kf = (int) floor (k), lf = (int) floor (l);
  double hd[4], kd[4], ld[4], along_h[4];

  for (int i = 0; i < 4; i++) {
    hd[i] = hf - 1 + i;
    kd[i] = kf - 1 + i;
    ld[i] = lf - 1 + i;
  }
  /* innermost along l, then k, then h (nanoBragg's polin3 order) */
  for (int i = 0; i < 4; i++) {
    double along_k[4];
    for (int j = 0; j < 4; j++) {
      double ys[4];
      for (int q = 0; q < 4; q++)
        ys[q] = nb_hkl_get (t, hf - 1 + i, kf - 1 + j, lf - 1 + q);
      along_k[j] = lagrange4 (ld, ys, l);
    }
    along_h[i] = lagrange4 (kd, along_k, k);
  }
  return lagrange4 (hd, along_h, h);
}


/* TRUE when (h, k, l) is too close to the box edge to interpolate. */
static inline NB_HD gboolean
nb_interpolation_out_of_range (const NbHkl * t, double h, double k, double l)
{
  return ((h - t->h_min + 3) > t->h_range) || (h - 2 < t->h_min)
      || ((k - t->k_min + 3) > t->k_range) || (k - 2 < t->k_min)
      || ((l - t->l_min + 3) > t->l_range) || (l - 2 < t->l_min);
}

/* Nearest-neighbour F: the box value, or default_F outside it. */
static inline NB_HD double
nb_nearest_F (const NbCrystal * x, int h0, int k0, int l0)
{
  if (nb_hkl_contains (x->hkl, h0, k0, l0))
    return nb_hkl_get (x->hkl, h0, k0, l0);
  return x->default_F;
}

#endif /* NB_PHYSICS_H */
