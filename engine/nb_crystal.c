/* nb_crystal.c - unit cell, orientation and crystal size.
 *
 * The cell comes from -cell (a default orientation with a* along x) or from
 * a MOSFLM matrix, is rotated by the misset angles, and is then made
 * self-consistent the way nanoBragg does it: real axes from the reciprocal
 * cross products, then reciprocal axes again from the real ones.
 */
#include "nb_model.h"
#include "nb_error.h"
#include "nb_rng.h"
#include "nb_vec.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const double RTD = 180.0 * M_1_PI;

static double
clamp_unit (double x)
{
  return x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x);
}

/* Reciprocal axes of a cell given by lengths (A) and angles (rad), with a*
 * along x and b* in the xy plane. */
static gboolean
cell_to_reciprocal (const double len[3], const double ang[3],
    double as[3], double bs[3], double cs[3], double *V_cell_out,
    GError ** error)
{
  double alpha = ang[0], beta = ang[1], gamma = ang[2];
  double aavg, skew, V_cell, V_star, as0, bs0, cs0;
  double sin_gs, cos_as, cos_bs, cos_gs;

  aavg = (alpha + beta + gamma) / 2;
  skew = sin (aavg) * sin (aavg - alpha) * sin (aavg - beta) * sin (aavg -
      gamma);
  if (skew < 0.0)
    skew = -skew;
  V_cell = 2.0 * len[0] * len[1] * len[2] * sqrt (skew);
  /* a cell exists only where 1 - cos^2 a - cos^2 b - cos^2 g + 2 cos a cos b
   * cos g > 0; nanoBragg's |skew| would silently accept impossible angles */
  if (!(1.0 - cos (alpha) * cos (alpha) - cos (beta) * cos (beta)
          - cos (gamma) * cos (gamma)
          + 2.0 * cos (alpha) * cos (beta) * cos (gamma) > 1e-9)
      || !(V_cell > 0)) {
    g_set_error (error, NB_ERROR, NB_ERROR_MODEL,
        "-cell: the angles %g %g %g degrees describe no unit cell",
        alpha * RTD, beta * RTD, gamma * RTD);
    return FALSE;
  }
  V_star = 1.0 / V_cell;
  as0 = len[1] * len[2] * sin (alpha) * V_star;
  bs0 = len[2] * len[0] * sin (beta) * V_star;
  cs0 = len[0] * len[1] * sin (gamma) * V_star;
  sin_gs = clamp_unit (len[2] * V_star / as0 / bs0);
  cos_as = (cos (beta) * cos (gamma) - cos (alpha)) / (sin (beta) * sin (gamma));
  cos_bs = (cos (gamma) * cos (alpha) - cos (beta)) / (sin (gamma) * sin (alpha));
  cos_gs = (cos (alpha) * cos (beta) - cos (gamma)) / (sin (alpha) * sin (beta));
  if (cos_as * cos_as > 1.0)
    cos_as = 1.0;
  if (cos_bs * cos_bs > 1.0)
    cos_bs = 1.0;
  if (cos_gs * cos_gs > 1.0)
    cos_gs = 1.0;

  as[0] = as0;
  bs[0] = bs0 * cos_gs;
  cs[0] = cs0 * cos_bs;
  as[1] = 0.0;
  bs[1] = bs0 * sin_gs;
  cs[1] = cs0 * (cos_as - cos_bs * cos_gs) / sin_gs;
  as[2] = 0.0;
  bs[2] = 0.0;
  cs[2] = cs0 * V_cell / (len[0] * len[1] * len[2] * sin_gs);
  *V_cell_out = V_cell;
  return TRUE;
}

/* Three rows "a*x b*x c*x" etc.; the matrix is scaled by the wavelength. */
static gboolean
read_matrix (const char *path, double as[3], double bs[3], double cs[3],
    GError ** error)
{
  gchar *text = NULL;
  GError *io_error = NULL;
  double m[9];
  char *p, *end;
  int n = 0;

  if (!g_file_get_contents (path, &text, NULL, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "cannot read matrix file: %s", io_error->message);
    g_error_free (io_error);
    return FALSE;
  }
  p = text;
  while (n < 9) {
    m[n] = g_ascii_strtod (p, &end);
    if (end == p || !isfinite (m[n]))
      break;
    p = end;
    n++;
  }
  g_free (text);
  if (n < 9) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: a MOSFLM matrix needs 9 numbers (3 rows a*x b*x c*x ...), "
        "found %d", path, n);
    return FALSE;
  }
  for (int r = 0; r < 3; r++) {
    as[r] = m[3 * r + 0];
    bs[r] = m[3 * r + 1];
    cs[r] = m[3 * r + 2];
  }
  return TRUE;
}

static void
cell_angles (const double u[3], const double v[3], const double w[3],
    const double us[3], const double vs[3], const double ws[3], double V,
    double out[6])
{
  /* lengths and angles of (u, v, w), using the dual axes for the sines */
  double lu = nb_vec_norm (u), lv = nb_vec_norm (v), lw = nb_vec_norm (w);
  double sa = clamp_unit (nb_vec_norm (us) * V / lv / lw);
  double sb = clamp_unit (nb_vec_norm (vs) * V / lu / lw);
  double sg = clamp_unit (nb_vec_norm (ws) * V / lu / lv);
  double ca = nb_vec_dot (v, w) / lv / lw;
  double cb = nb_vec_dot (u, w) / lu / lw;
  double cg = nb_vec_dot (u, v) / lu / lv;
  if (ca * ca > 1.0)
    ca = 1.0;
  if (cb * cb > 1.0)
    cb = 1.0;
  if (cg * cg > 1.0)
    cg = 1.0;
  out[0] = lu;
  out[1] = lv;
  out[2] = lw;
  out[3] = atan2 (sa, ca) * RTD;
  out[4] = atan2 (sb, cb) * RTD;
  out[5] = atan2 (sg, cg) * RTD;
}

gboolean
nb_crystal_init (NbCrystal * x, const NbParams * p, double lambda0,
    GString * log, GError ** error)
{
  double as[3] = { 0, 0, 0 }, bs[3] = { 0, 0, 0 }, cs[3] = { 0, 0, 0 };
  double a[3], b[3], c[3], axb[3], bxc[3], cxa[3];
  double asxbs[3], bsxcs[3], csxas[3];
  double len[3] = { 0, 0, 0 }, ang[3], V_cell = 0, V_star;
  double misset[3];
  gboolean user_cell = p->user_cell;

  memset (x, 0, sizeof (*x));

  if (user_cell) {
    len[0] = p->cell[0];
    len[1] = p->cell[1] > 0 ? p->cell[1] : p->cell[0];
    len[2] = p->cell[2] > 0 ? p->cell[2] : p->cell[0];
    for (int i = 0; i < 3; i++)
      ang[i] = p->cell[3 + i] > 0 ? p->cell[3 + i] / RTD : G_PI / 2;
    if (!cell_to_reciprocal (len, ang, as, bs, cs, &V_cell, error))
      return FALSE;
  }
  if (p->mat_file != NULL) {
    if (!read_matrix (p->mat_file, as, bs, cs, error))
      return FALSE;
    /* a MOSFLM A matrix includes the wavelength */
    nb_vec_scale (as, 1e-10 / lambda0, as);
    nb_vec_scale (bs, 1e-10 / lambda0, bs);
    nb_vec_scale (cs, 1e-10 / lambda0, cs);
  }

  if (p->misset_set) {
    if (p->misset_random) {
      NbRng rng;
      double umat[9];
      nb_rng_init (&rng, p->misset_seed_set ? -(long) p->misset_seed
          : (long) p->seed);
      /* nanoBragg passes "90" (radians) as the cap: a uniform orientation */
      nb_rng_mosaic_umat (&rng, 90.0f, umat);
      nb_umat_to_misset (umat, misset);
      if (log)
        g_string_append_printf (log,
            "random orientation misset angles: %f %f %f deg\n",
            misset[0] * RTD, misset[1] * RTD, misset[2] * RTD);
    } else {
      for (int i = 0; i < 3; i++)
        misset[i] = p->misset[i] / RTD;
    }
    nb_vec_rotate_xyz (as, misset[0], misset[1], misset[2], as);
    nb_vec_rotate_xyz (bs, misset[0], misset[1], misset[2], bs);
    nb_vec_rotate_xyz (cs, misset[0], misset[1], misset[2], cs);
  }

  nb_vec_cross (as, bs, asxbs);
  nb_vec_cross (bs, cs, bsxcs);
  nb_vec_cross (cs, as, csxas);
  V_star = nb_vec_dot (as, bsxcs);
  if (user_cell) {
    /* keep the user's lengths exactly: |b* x c*| = a / V_cell, ... */
    nb_vec_set_length (bsxcs, len[0] / V_cell, bsxcs);
    nb_vec_set_length (csxas, len[1] / V_cell, csxas);
    nb_vec_set_length (asxbs, len[2] / V_cell, asxbs);
    V_star = 1.0 / V_cell;
  }
  if (!(fabs (V_star) > 0) || !isfinite (1.0 / V_star)) {
    g_set_error (error, NB_ERROR, NB_ERROR_MODEL,
        "-mat: the orientation matrix is singular (no unit cell)");
    return FALSE;
  }
  V_cell = 1.0 / V_star;
  nb_vec_scale (bsxcs, V_cell, a);
  nb_vec_scale (csxas, V_cell, b);
  nb_vec_scale (asxbs, V_cell, c);
  nb_vec_cross (a, b, axb);
  nb_vec_cross (b, c, bxc);
  nb_vec_cross (c, a, cxa);
  nb_vec_scale (bxc, V_star, as);
  nb_vec_scale (cxa, V_star, bs);
  nb_vec_scale (axb, V_star, cs);

  cell_angles (a, b, c, as, bs, cs, V_cell, x->cell);
  cell_angles (as, bs, cs, a, b, c, V_star, x->rcell);
  x->volume = V_cell;
  nb_vec_copy (as, x->a_star);
  nb_vec_copy (bs, x->b_star);
  nb_vec_copy (cs, x->c_star);
  if (log) {
    g_string_append_printf (log, "Unit Cell: %g %g %g %g %g %g\n",
        x->cell[0], x->cell[1], x->cell[2], x->cell[3], x->cell[4], x->cell[5]);
    g_string_append_printf (log, "Recp Cell: %g %g %g %g %g %g\n",
        x->rcell[0], x->rcell[1], x->rcell[2], x->rcell[3], x->rcell[4],
        x->rcell[5]);
    g_string_append_printf (log, "volume = %g A^3\n", V_cell);
    g_string_append_printf (log, "real-space cell vectors (Angstrom):\n"
        "     %-10s  %-10s  %-10s\n", "a", "b", "c");
    for (int i = 0; i < 3; i++)
      g_string_append_printf (log, "%c: %11.8f %11.8f %11.8f\n", "XYZ"[i],
          a[i], b[i], c[i]);
    g_string_append_printf (log, "reciprocal-space cell vectors "
        "(Angstrom^-1):\n     %-10s  %-10s  %-10s\n", "a_star", "b_star",
        "c_star");
    for (int i = 0; i < 3; i++)
      g_string_append_printf (log, "%c: %11.8f %11.8f %11.8f\n", "XYZ"[i],
          as[i], bs[i], cs[i]);
  }

  /* the renderer works in metres */
  nb_vec_scale (a, 1e-10, x->a0);
  nb_vec_scale (b, 1e-10, x->b0);
  nb_vec_scale (c, 1e-10, x->c0);

  x->Na = p->Na;
  x->Nb = p->Nb;
  x->Nc = p->Nc;
  x->shape = p->shape;
  x->fudge = p->fudge;
  x->default_F = p->default_F;
  if (p->interpolate == NB_INTERPOLATE_AUTO)
    x->interpolate = (p->Na <= 2 || p->Nb <= 2 || p->Nc <= 2);
  else
    x->interpolate = (p->interpolate == NB_INTERPOLATE_ON);
  return TRUE;
}
