/* nb_nonbragg.c - amorphous background: .stol tables, components and the
 * CPU render (all cores, one row band per task; every pixel is computed
 * from scratch by one thread, so the image does not depend on the thread
 * count). */
#include "nb_nonbragg.h"
#include "nb_nonbragg_pixel.h"
#include "nb_error.h"
#include "nb_render.h"
#include "nb_workers.h"

#include <math.h>
#include <string.h>

#define AVOGADRO 6.02214179e23  /* nonBragg's value */
#define STOL_DELIMITERS " \t,;:!\r"

struct _NbBackground {
  int n;
  gboolean raw_source_weights;  /* nonBragg's rule, see the setter */
  NbAmorphousSpec spec[NB_BG_MAX_COMPONENTS];
  NbStolTable *table[NB_BG_MAX_COMPONENTS];
};

static double
stol_units_factor (NbStolUnits units)
{
  switch (units) {
    case NB_STOL_UNITS_4STOL:
      return 1e10 / 4;
    case NB_STOL_UNITS_Q:
      return 1e10 / G_PI / 4;
    case NB_STOL_UNITS_STOL:
    default:
      return 1e10;
  }
}

static void
skip_delimiters (const char **p)
{
  while (**p && strchr (STOL_DELIMITERS, **p))
    (*p)++;
}

/* The next number of a line: TRUE with *@value, FALSE at the end of the
 * line; an error for a token that is no number. */
static gboolean
next_number (const char **p, double *value, gboolean * bad)
{
  char *end;

  skip_delimiters (p);
  *bad = FALSE;
  if (**p == '\0')
    return FALSE;
  *value = g_ascii_strtod (*p, &end);
  if (end == *p || (*end && !strchr (STOL_DELIMITERS, *end))) {
    *bad = TRUE;
    return FALSE;
  }
  *p = end;
  return TRUE;
}

static gboolean
parse_stol_lines (const char *path, gchar ** lines, double mult,
    GArray * stol, GArray * F, GError ** error)
{
  for (int i = 0; lines[i] != NULL; i++) {
    const char *p = lines[i];
    double s, f;
    gboolean bad;

    skip_delimiters (&p);
    if (*p == '\0' || *p == '#')
      continue;
    if (!next_number (&p, &s, &bad) || !next_number (&p, &f, &bad)
        || isnan (s) || isinf (s) || isinf (f)) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s:%d: expected 'stol F' (two numbers), got '%s'", path, i + 1,
          g_strchomp (lines[i]));
      return FALSE;
    }
    s *= mult;
    if (stol->len > 0 && !(s > g_array_index (stol, double, stol->len - 1))) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s:%d: stol %g is not larger than the line before's: the table "
          "must be sorted by increasing stol without repeats", path, i + 1,
          s / mult);
      return FALSE;
    }
    g_array_append_val (stol, s);
    g_array_append_val (F, f);
  }
  return TRUE;
}

/* nonBragg's guards: two points far below and above the table carry the
 * first and last given F; missing F (NaN) inside is 0. */
static gboolean
add_guards (NbStolTable * t, GArray * stol, GArray * F, GError ** error)
{
  int n = (int) stol->len;
  double F_low = NAN, F_high = NAN;

  t->n = n + 4;
  t->stol = g_new (double, t->n);
  t->F = g_new (double, t->n);
  for (int i = 0; i < n; i++) {
    double f = g_array_index (F, double, i);
    t->stol[i + 2] = g_array_index (stol, double, i);
    if (isnan (f)) {
      t->F[i + 2] = 0.0;
      continue;
    }
    if (isnan (F_low))
      F_low = f;
    F_high = f;
    t->F[i + 2] = f;
  }
  if (isnan (F_low)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: no F values (every F is missing)", t->path);
    return FALSE;
  }
  t->stol[0] = -1e99;
  t->stol[1] = -1e98;
  t->F[0] = t->F[1] = F_low;
  t->stol[t->n - 2] = 1e98;
  t->stol[t->n - 1] = 1e99;
  t->F[t->n - 2] = t->F[t->n - 1] = F_high;
  return TRUE;
}

NbStolTable *
nb_stol_table_read (const char *path, NbStolUnits units, GError ** error)
{
  gchar *text = NULL;
  GError *io_error = NULL;
  gchar **lines;
  GArray *stol, *F;
  NbStolTable *t = NULL;
  gboolean ok;

  if (!g_file_get_contents (path, &text, NULL, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "cannot read stol file: %s", io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  stol = g_array_new (FALSE, FALSE, sizeof (double));
  F = g_array_new (FALSE, FALSE, sizeof (double));
  ok = parse_stol_lines (path, lines, stol_units_factor (units), stol, F,
      error);
  if (ok && stol->len == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: no 'stol F' lines", path);
    ok = FALSE;
  }
  if (ok) {
    t = g_new0 (NbStolTable, 1);
    t->path = g_strdup (path);
    if (!add_guards (t, stol, F, error)) {
      nb_stol_table_free (t);
      t = NULL;
    }
  }
  g_strfreev (lines);
  g_array_free (stol, TRUE);
  g_array_free (F, TRUE);
  return t;
}

NbStolTable *
nb_stol_table_copy (const NbStolTable * t)
{
  NbStolTable *c = g_new0 (NbStolTable, 1);

  c->path = g_strdup (t->path);
  c->n = t->n;
  c->stol = g_memdup2 (t->stol, sizeof (double) * t->n);
  c->F = g_memdup2 (t->F, sizeof (double) * t->n);
  return c;
}

void
nb_stol_table_free (NbStolTable * t)
{
  if (t == NULL)
    return;
  g_free (t->path);
  g_free (t->stol);
  g_free (t->F);
  g_free (t);
}

double
nb_stol_table_F (const NbStolTable * t, double stol)
{
  return nb_stol_interpolate (t->stol, t->F, t->n, stol);
}

void
nb_amorphous_spec_init (NbAmorphousSpec * spec)
{
  memset (spec, 0, sizeof (*spec));
  spec->units = NB_STOL_UNITS_STOL;
  spec->thickness = 0.1;
  spec->width = 0.1;
  spec->height = 0.1;
  spec->density = 1.0;
  spec->molecular_weight = 18.0;
}

NbBackground *
nb_background_new (void)
{
  return g_new0 (NbBackground, 1);
}

void
nb_background_set_raw_source_weights (NbBackground * bg, gboolean raw)
{
  bg->raw_source_weights = raw;
}

void
nb_background_free (NbBackground * bg)
{
  if (bg == NULL)
    return;
  for (int i = 0; i < bg->n; i++) {
    nb_stol_table_free (bg->table[i]);
    g_free (bg->spec[i].stol_file);
  }
  g_free (bg);
}

static gboolean
check_positive (const char *what, const char *name, double v,
    gboolean zero_ok, GError ** error)
{
  if (isfinite (v) && (v > 0.0 || (zero_ok && v == 0.0)))
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
      "%s: %s must be a %s number, not %g", what, name,
      zero_ok ? "non-negative" : "positive", v);
  return FALSE;
}

gboolean
nb_background_add (NbBackground * bg, const NbAmorphousSpec * spec,
    const char *what, GError ** error)
{
  NbStolTable *t;

  if (bg->n >= NB_BG_MAX_COMPONENTS) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s: at most %d background components", what, NB_BG_MAX_COMPONENTS);
    return FALSE;
  }
  if (spec->stol_file == NULL || spec->stol_file[0] == '\0') {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "%s: no stol file", what);
    return FALSE;
  }
  if (!check_positive (what, "thickness", spec->thickness, TRUE, error)
      || !check_positive (what, "width", spec->width, FALSE, error)
      || !check_positive (what, "height", spec->height, FALSE, error)
      || !check_positive (what, "density", spec->density, TRUE, error)
      || !check_positive (what, "molecular weight", spec->molecular_weight,
          FALSE, error)
      || !check_positive (what, "molecules", spec->molecules, TRUE, error))
    return FALSE;
  t = nb_stol_table_read (spec->stol_file, spec->units, error);
  if (t == NULL) {
    g_prefix_error (error, "%s: ", what);
    return FALSE;
  }
  bg->spec[bg->n] = *spec;
  bg->spec[bg->n].stol_file = g_strdup (spec->stol_file);
  bg->table[bg->n] = t;
  bg->n++;
  return TRUE;
}

int
nb_background_n_components (const NbBackground * bg)
{
  return bg ? bg->n : 0;
}

const NbStolTable *
nb_background_table (const NbBackground * bg, int i)
{
  return bg->table[i];
}

const NbAmorphousSpec *
nb_background_spec (const NbBackground * bg, int i)
{
  return &bg->spec[i];
}

double
nb_background_molecules (const NbBackground * bg, int i, const NbModel * m)
{
  const NbAmorphousSpec *s = &bg->spec[i];
  double x = s->thickness / 1000, y = s->width / 1000, z = s->height / 1000;
  double volume, density = s->density * 1e6;   /* g/m^3 */

  /* nonBragg: the beam clips the sample's width and height */
  if (m->beamsize >= 0) {
    if (m->beamsize < y)
      y = m->beamsize;
    if (m->beamsize < z)
      z = m->beamsize;
  }
  volume = x * y * z;
  if (s->molecules != 0)
    density = s->molecules / volume / AVOGADRO * s->molecular_weight;
  return volume * density * AVOGADRO / s->molecular_weight;
}

void
nb_background_kernel (const NbBackground * bg, const NbModel * m,
    NbBgKernel * k)
{
  memset (k, 0, sizeof (*k));
  k->n_components = bg->n;
  for (int c = 0; c < bg->n; c++) {
    k->n_points[c] = bg->table[c]->n;
    k->stol[c] = bg->table[c]->stol;
    k->F[c] = bg->table[c]->F;
    k->molecules[c] = nb_background_molecules (bg, c, m);
  }
  k->sources = m->sources;
  k->n_sources = m->n_sources;
  /* nonBragg: generated sources count 1 each, a source file's weights as
   * read; otherwise each source's share, as the Bragg sum counts it */
  k->source_weights = bg->raw_source_weights
      && m->params.source_file != NULL;
  k->polarization = m->polarization;
  k->nopolar = m->nopolar;
  k->r_e_sqr = m->r_e_sqr;
  k->fluence = m->fluence;
  k->steps = m->n_sources * m->det.oversample * m->det.oversample;
}

typedef struct {
  const NbBgKernel *k;
  const NbDetector *d;
  double *image;
  double *row_omega;
  guint tasks;
} RenderJob;

static void
render_rows (gpointer data, guint task)
{
  RenderJob *job = data;
  const NbDetector *d = job->d;
  gsize begin, end;

  nb_workers_part (d->spixels, job->tasks, task, &begin, &end);
  for (gsize s = begin; s < end; s++) {
    double omega = 0.0;
    for (int f = 0; f < d->fpixels; f++) {
      double *out = &job->image[s * d->fpixels + f];
      if (nb_pixel_skipped (d, f, (int) s)) {
        *out = 0.0;
        continue;
      }
      *out = nb_background_pixel (job->k, d, f, (int) s, &omega);
    }
    job->row_omega[s] = omega;
  }
}

gboolean
nb_background_render (const NbBackground * bg, const NbModel * m,
    int threads, double *image, double *omega_sum, GError ** error)
{
  const NbDetector *d = &m->det;
  NbBgKernel k;
  RenderJob job;
  NbWorkers *pool;
  double total = 0.0;

  if (bg == NULL || bg->n == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "background: no components to render");
    return FALSE;
  }
  nb_background_kernel (bg, m, &k);
  pool = nb_workers_new (threads > 0 ? (guint) threads
      : g_get_num_processors ());
  job.k = &k;
  job.d = d;
  job.image = image;
  job.row_omega = g_new0 (double, d->spixels);
  job.tasks = nb_workers_tasks_for (pool, d->spixels,
      (gsize) d->fpixels * k.n_sources * d->oversample * d->oversample);
  nb_workers_run (pool, job.tasks, render_rows, &job);
  nb_workers_free (pool);
  for (int r = 0; r < d->spixels; r++)
    total += job.row_omega[r];
  if (omega_sum)
    *omega_sum = total;
  g_free (job.row_omega);
  return TRUE;
}
