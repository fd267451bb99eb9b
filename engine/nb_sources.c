/* nb_sources.c - the incident beam: divergence grid x wavelengths, or a
 * user source file.  Step-count rules are nanoBragg's. */
#include "nb_model.h"
#include "nb_error.h"
#include "nb_rng.h"
#include "nb_vec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* nanoBragg's source distance; only the direction matters in the far field */
#define SOURCE_DISTANCE 10.0

/* Derives (range, step, steps) from whichever the user gave, as nanoBragg
 * does for divergence and dispersion; then drops degenerate grids. */
static void
resolve_steps (double *range, double *step, int *steps)
{
  if (*steps <= 0) {
    if (*range < 0.0) {
      if (*step <= 0.0) {
        *steps = 1;
        *range = 0.0;
        *step = 0.0;
      } else {
        *range = *step;
        *steps = 2;
      }
    } else {
      if (*step <= 0.0) {
        *step = *range;
        *steps = 2;
      } else {
        *steps = (int) ceil (*range / *step);
      }
    }
  } else {
    if (*range < 0.0) {
      if (*step <= 0.0) {
        *range = 1.0;
        *step = *range / *steps;
      } else {
        *range = *step;
        *steps = 2;
      }
    } else {
      if (*step <= 0.0) {
        if (*steps <= 1)
          *steps = 2;
        *step = *range / (*steps - 1);
      }
    }
  }
  if (*range <= 0.0 || *step <= 0.0 || *steps <= 0) {
    *steps = 1;
    *range = 0.0;
    *step = 0.0;
  }
}

/* Separators between the numbers of a line (nanoBragg's). */
#define NUMBER_SEPARATORS " \t,;:!\r"

/* Up to @max numbers of text line @line into @v (unread ones stay NAN);
 * returns how many, 0 for a blank or '#' line, -1 when a word is not a
 * finite number. */
static int
read_numbers (const char *line, double *v, int max)
{
  const char *p = line;
  int n = 0;

  for (int i = 0; i < max; i++)
    v[i] = NAN;
  while (*p && strchr (NUMBER_SEPARATORS, *p))
    p++;
  if (*p == '\0' || *p == '#')
    return 0;
  while (*p && n < max) {
    char *end;
    v[n] = g_ascii_strtod (p, &end);
    if (end == p || !isfinite (v[n]))
      return -1;
    n++;
    p = end;
    while (*p && strchr (NUMBER_SEPARATORS, *p))
      p++;
  }
  /* words after the last number read are left alone (nanoBragg's) */
  return n;
}

/* The lines of text file @path, named @what in errors. */
static gchar **
read_lines (const char *path, const char *what, GError ** error)
{
  gchar *text = NULL;
  gchar **lines;
  GError *io_error = NULL;

  if (!g_file_get_contents (path, &text, NULL, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "%s: cannot read %s",
        what, io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  return lines;
}

/* A weight that the weighted sum can use: finite and >= 0. */
static gboolean
check_weight (const char *what, const char *path, int line, double w,
    GError ** error)
{
  if (isfinite (w) && w >= 0)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
      "%s: %s:%d: a weight must be a number >= 0, got %g", what, path, line,
      w);
  return FALSE;
}

/* "X Y Z weight lambda" per line; missing columns take defaults. */
static gboolean
read_source_file (NbModel * m, const char *path, gboolean weighted,
    GError ** error)
{
  static const char what[] = "-sourcefile (source-file)";
  gchar **lines = read_lines (path, what, error);
  GArray *list;

  if (lines == NULL)
    return FALSE;
  list = g_array_new (FALSE, FALSE, sizeof (NbSource));
  for (int i = 0; lines[i] != NULL; i++) {
    double v[5];
    int n = read_numbers (lines[i], v, 5);
    NbSource s;

    if (n == 0)
      continue;
    if (n < 0) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s: %s:%d: expected 'X Y Z weight lambda' numbers, got '%s'",
          what, path, i + 1, g_strchomp (lines[i]));
      goto fail;
    }
    s.dir[0] = isnan (v[0]) ? -SOURCE_DISTANCE * m->det.beam[0] : v[0];
    s.dir[1] = isnan (v[1]) ? -SOURCE_DISTANCE * m->det.beam[1] : v[1];
    s.dir[2] = isnan (v[2]) ? -SOURCE_DISTANCE * m->det.beam[2] : v[2];
    s.weight = isnan (v[3]) ? 1.0 : v[3];
    s.lambda = isnan (v[4]) ? m->lambda0 : v[4];
    s.share = 1.0;
    if (!(s.lambda > 0) || nb_vec_norm (s.dir) == 0) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
          "%s: %s:%d: a source needs a nonzero position and a wavelength "
          "> 0 m", what, path, i + 1);
      goto fail;
    }
    /* nanoBragg ignores the weights: so does the unweighted sum */
    if (weighted && !check_weight (what, path, i + 1, s.weight, error))
      goto fail;
    g_array_append_val (list, s);
  }
  g_strfreev (lines);
  if (list->len == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: %s: holds no sources", what, path);
    g_array_free (list, TRUE);
    return FALSE;
  }
  m->n_sources = list->len;
  m->sources = (NbSource *) g_array_free (list, FALSE);
  return TRUE;

fail:
  g_strfreev (lines);
  g_array_free (list, TRUE);
  return FALSE;
}

/* "lambda weight" per line (Angstrom, relative intensity): the
 * wavelengths and weights of a spectrum, into @lambda (m) and @weight. */
static gboolean
read_spectrum_file (const char *path, GArray * lambda, GArray * weight,
    GError ** error)
{
  static const char what[] = "-spectrum (spectrum-file)";
  gchar **lines = read_lines (path, what, error);

  if (lines == NULL)
    return FALSE;
  for (int i = 0; lines[i] != NULL; i++) {
    double v[3];
    int n = read_numbers (lines[i], v, 3);
    double l;

    if (n == 0)
      continue;
    if (n != 2) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s: %s:%d: expected 'wavelength(A) weight', got '%s'", what,
          path, i + 1, g_strchomp (lines[i]));
      g_strfreev (lines);
      return FALSE;
    }
    if (!(v[0] > 0)) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
          "%s: %s:%d: a wavelength must be > 0 Angstrom, got %g", what,
          path, i + 1, v[0]);
      g_strfreev (lines);
      return FALSE;
    }
    if (!check_weight (what, path, i + 1, v[1], error)) {
      g_strfreev (lines);
      return FALSE;
    }
    l = v[0] / 1.0e10;
    g_array_append_val (lambda, l);
    g_array_append_val (weight, v[1]);
  }
  g_strfreev (lines);
  if (lambda->len == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: %s: holds no wavelengths", what, path);
    return FALSE;
  }
  return TRUE;
}

/* Each source's share of the fluence, weight / mean weight, so that the
 * shares sum to the number of sources and the sum over sources is a
 * weighted mean.  Equal weights leave every share exactly 1 and the model
 * unweighted: today's sum, bit for bit. */
static gboolean
share_fluence (NbModel * m, const char *what, GError ** error)
{
  double total = 0.0;
  gboolean uniform = TRUE;

  m->weighted = FALSE;
  for (int i = 0; i < m->n_sources; i++) {
    total += m->sources[i].weight;
    uniform = uniform && m->sources[i].weight == m->sources[0].weight;
    m->sources[i].share = 1.0;
  }
  if (!(total > 0)) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s: every weight is 0: no photons (-source_weights off ignores "
        "the weights, as nanoBragg does)", what);
    return FALSE;
  }
  if (uniform)
    return TRUE;
  m->weighted = TRUE;
  for (int i = 0; i < m->n_sources; i++)
    m->sources[i].share = m->sources[i].weight * m->n_sources / total;
  return TRUE;
}

static gboolean
divergence_point_kept (const NbModel * m, double hdiv, double vdiv)
{
  double test;

  if (!m->params.round_div)
    return TRUE;
  /* elliptical cut; even step counts are shifted by half a step */
  test = (hdiv * hdiv - m->hdivstep * m->hdivstep / 4.0 * (1 -
          m->hdivsteps % 2)) / m->hdivrange / m->hdivrange;
  test += (vdiv * vdiv - m->vdivstep * m->vdivstep / 4.0 * (1 -
          m->vdivsteps % 2)) / m->vdivrange / m->vdivrange;
  return !(test * 4.0 > 1.1);
}

/* Whether the sum weighs the sources (NbSourceWeights): auto is
 * nanoBragg's unweighted sum except for a spectrum. */
static gboolean
weights_count (const NbParams * p)
{
  if (p->source_weights == NB_SOURCE_WEIGHTS_AUTO)
    return p->spectrum_file != NULL;
  return p->source_weights == NB_SOURCE_WEIGHTS_ON;
}

/* The divergence grid x the wavelengths: -dispersion's, or a spectrum's
 * (@lambda in m, @weight; NULL: the dispersion's, weight 1/n). */
static gboolean
build_grid (NbModel * m, const GArray * lambda, const GArray * weight,
    GError ** error)
{
  int n = 0;
  int n_lambda = lambda ? (int) lambda->len : m->dispsteps;

  m->divsteps = 0;
  for (int h = 0; h < m->hdivsteps; h++)
    for (int v = 0; v < m->vdivsteps; v++)
      if (divergence_point_kept (m, m->hdivstep * h - m->hdivrange / 2.0,
              m->vdivstep * v - m->vdivrange / 2.0))
        m->divsteps++;
  m->n_sources = m->divsteps * n_lambda;
  if (m->n_sources <= 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "-hdivrange/-vdivrange: the round divergence cut leaves no source");
    return FALSE;
  }
  m->sources = g_new0 (NbSource, m->n_sources);
  for (int h = 0; h < m->hdivsteps; h++) {
    for (int v = 0; v < m->vdivsteps; v++) {
      double hdiv = m->hdivstep * h - m->hdivrange / 2.0;
      double vdiv = m->vdivstep * v - m->vdivrange / 2.0;
      double vec[3], tmp[3];
      if (!divergence_point_kept (m, hdiv, vdiv))
        continue;
      nb_vec_scale (m->det.beam, -SOURCE_DISTANCE, vec);
      /* "horizontal" is the E-vector direction */
      nb_vec_rotate_axis (vec, m->det.polar_vector, vdiv, tmp);
      nb_vec_rotate_axis (tmp, m->det.vert_vector, hdiv, vec);
      for (int d = 0; d < n_lambda; d++) {
        NbSource *s = &m->sources[n++];
        nb_vec_copy (vec, s->dir);
        s->share = 1.0;
        if (lambda != NULL) {
          s->weight = g_array_index (weight, double, d);
          s->lambda = g_array_index (lambda, double, d);
        } else {
          s->weight = 1.0 / m->n_sources;
          s->lambda = m->lambda0 * (1.0 + m->dispstep * d
              - m->dispersion / 2.0);
        }
      }
    }
  }
  return TRUE;
}

/* The divergence grid with a spectrum's wavelengths. */
static gboolean
build_spectrum_grid (NbModel * m, const NbParams * p, GError ** error)
{
  GArray *lambda = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *weight = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean ok;

  if (p->source_file != NULL || p->dispersion > 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "-spectrum (spectrum-file): cannot be combined with %s: the "
        "spectrum gives the wavelengths", p->source_file != NULL
        ? "-sourcefile (source-file)" : "-dispersion (dispersion)");
    ok = FALSE;
  } else {
    ok = read_spectrum_file (p->spectrum_file, lambda, weight, error)
        && build_grid (m, lambda, weight, error);
  }
  g_array_free (lambda, TRUE);
  g_array_free (weight, TRUE);
  return ok;
}

gboolean
nb_sources_init (NbModel * m, const NbParams * p, GError ** error)
{
  gboolean weighted = weights_count (p);

  m->hdivrange = p->hdivrange / 1000.0;
  m->hdivstep = p->hdivstep / 1000.0;
  m->hdivsteps = p->hdivsteps;
  m->vdivrange = p->vdivrange / 1000.0;
  m->vdivstep = p->vdivstep / 1000.0;
  m->vdivsteps = p->vdivsteps;
  m->dispersion = p->dispersion / 100.0;
  m->dispstep = -1.0;
  m->dispsteps = p->dispsteps;
  if (p->hdivrange < 0)
    m->hdivrange = -1.0;
  if (p->vdivrange < 0)
    m->vdivrange = -1.0;
  resolve_steps (&m->hdivrange, &m->hdivstep, &m->hdivsteps);
  resolve_steps (&m->vdivrange, &m->vdivstep, &m->vdivsteps);
  resolve_steps (&m->dispersion, &m->dispstep, &m->dispsteps);

  if (p->spectrum_file != NULL) {
    if (!build_spectrum_grid (m, p, error))
      return FALSE;
  } else if (p->source_file != NULL) {
    if (!read_source_file (m, p->source_file, weighted, error))
      return FALSE;
  } else if (!build_grid (m, NULL, NULL, error)) {
    return FALSE;
  }
  for (int i = 0; i < m->n_sources; i++)
    nb_vec_unitize (m->sources[i].dir, m->sources[i].dir);
  m->weighted = FALSE;
  if (weighted)
    return share_fluence (m, p->spectrum_file != NULL
        ? "-spectrum (spectrum-file)" : "-sourcefile (source-file)", error);
  return TRUE;
}

gboolean
nb_mosaic_init (NbModel * m, const NbParams * p, GError ** error)
{
  const double RTD = 180.0 * M_1_PI;
  double spread = p->mosaic_spread < 0 ? -1.0 : p->mosaic_spread / RTD;
  int domains = p->mosaic_domains;
  NbRng rng;

  (void) error;
  if (domains <= 0) {
    if (spread < 0.0) {
      domains = 1;
      spread = 0.0;
    } else {
      domains = spread == 0.0 ? 1 : 10;
    }
  } else {
    if (spread < 0.0) {
      spread = 0.0;
      domains = 1;
    } else if (spread == 0.0) {
      domains = 1;
    }
  }
  m->mosaic_spread = spread;
  m->n_mosaic = domains;
  m->mosaic_umats = g_new0 (double, 9 * (gsize) domains);
  nb_rng_init (&rng, -(long) p->mosaic_seed);
  for (int i = 0; i < domains; i++)
    nb_rng_mosaic_umat (&rng, (float) spread, &m->mosaic_umats[9 * i]);
  /* domain 0 is the unrotated crystal (its random draw is still consumed) */
  memset (m->mosaic_umats, 0, 9 * sizeof (double));
  m->mosaic_umats[0] = m->mosaic_umats[4] = m->mosaic_umats[8] = 1.0;
  return TRUE;
}

void
nb_spindle_init (NbModel * m, const NbParams * p)
{
  const double RTD = 180.0 * M_1_PI;
  double osc = p->osc < 0 ? -1.0 : p->osc / RTD;
  double phistep = p->phistep < 0 ? -1.0 : p->phistep / RTD;
  int phisteps = p->phisteps;

  if (phisteps < 0) {
    if (osc < 0.0) {
      if (phistep <= 0.0) {
        phisteps = 1;
        osc = 0.0;
        phistep = 0.0;
      } else {
        osc = phistep;
        phisteps = 2;
      }
    } else {
      if (phistep <= 0.0) {
        phisteps = 2;
        phistep = osc / 2.0;
      } else {
        phisteps = (int) ceil (osc / phistep);
      }
    }
  } else {
    if (phisteps == 0)
      phisteps = 1;
    if (osc < 0.0) {
      if (phistep <= 0.0) {
        osc = 1.0 / RTD;
        phistep = osc / phisteps;
      } else {
        osc = phistep;
        phisteps = 2;
      }
    } else if (phistep < 0.0) {
      phistep = osc / phisteps;
    }
  }
  m->phi0 = p->phi / RTD;
  m->osc = osc;
  m->phistep = phistep;
  m->phisteps = phisteps;
}
