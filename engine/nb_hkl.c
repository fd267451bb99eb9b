/* nb_hkl.c - reading structure factors (text and Fdump cache). */
#include "nb_hkl.h"
#include "nb_error.h"
#include "nb_fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int h, k, l;
  double F;
} HklLine;

/* Parses one line; returns FALSE with @error on a malformed line, and sets
 * *blank for lines without data. */
static gboolean
parse_line (const char *path, int lineno, char *text, HklLine * out,
    gboolean * blank, GError ** error)
{
  double v[4];
  char *p = text;
  int n = 0;

  *blank = FALSE;
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  if (*p == '\0' || *p == '#') {
    *blank = TRUE;
    return TRUE;
  }
  while (*p != '\0' && n < 5) {
    char *end;
    if (n == 4) {
      n++;
      break;
    }
    v[n] = g_ascii_strtod (p, &end);
    if (end == p || !isfinite (v[n])) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s:%d: expected 'h k l F' (four numbers), got '%s'", path, lineno,
          g_strchomp (text));
      return FALSE;
    }
    n++;
    p = end;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
      p++;
  }
  if (n != 4) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s:%d: expected 'h k l F' (four numbers), got '%s'", path, lineno,
        g_strchomp (text));
    return FALSE;
  }
  for (int i = 0; i < 3; i++) {
    if (v[i] != floor (v[i]) || fabs (v[i]) > 100000) {
      g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
          "%s:%d: Miller index %g is not a (reasonable) whole number", path,
          lineno, v[i]);
      return FALSE;
    }
  }
  out->h = (int) v[0];
  out->k = (int) v[1];
  out->l = (int) v[2];
  out->F = v[3];
  return TRUE;
}

static NbHkl *
hkl_alloc_box (int h_min, int h_max, int k_min, int k_max, int l_min,
    int l_max, double fill, GError ** error)
{
  NbHkl *t;
  gsize n;

  t = g_new0 (NbHkl, 1);
  t->h_min = h_min;
  t->h_max = h_max;
  t->k_min = k_min;
  t->k_max = k_max;
  t->l_min = l_min;
  t->l_max = l_max;
  t->h_range = h_max - h_min + 1;
  t->k_range = k_max - k_min + 1;
  t->l_range = l_max - l_min + 1;
  n = (gsize) t->h_range * t->k_range * t->l_range;
  if (n > (gsize) 1 << 31) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "Miller index box %dx%dx%d is too large", t->h_range, t->k_range,
        t->l_range);
    g_free (t);
    return NULL;
  }
  t->F = g_try_new (double, n);
  if (t->F == NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "out of memory for a %dx%dx%d Miller index box", t->h_range,
        t->k_range, t->l_range);
    g_free (t);
    return NULL;
  }
  for (gsize i = 0; i < n; i++)
    t->F[i] = fill;
  return t;
}

NbHkl *
nb_hkl_read_text (const char *path, double default_F, GError ** error)
{
  gchar *contents = NULL;
  gsize length = 0;
  GError *io_error = NULL;
  GArray *lines;
  NbHkl *t = NULL;
  int h_min = G_MAXINT, h_max = G_MININT, k_min = G_MAXINT, k_max = G_MININT;
  int l_min = G_MAXINT, l_max = G_MININT;
  gchar **rows;

  if (!g_file_get_contents (path, &contents, &length, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "cannot read HKL file: %s", io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  if (memchr (contents, '\0', length) != NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: is a binary file, not 'h k l F' text", path);
    g_free (contents);
    return NULL;
  }

  lines = g_array_new (FALSE, FALSE, sizeof (HklLine));
  rows = g_strsplit (contents, "\n", -1);
  g_free (contents);
  for (int i = 0; rows[i] != NULL; i++) {
    HklLine line;
    gboolean blank;
    if (!parse_line (path, i + 1, rows[i], &line, &blank, error))
      goto out;
    if (blank)
      continue;
    h_min = MIN (h_min, line.h);
    h_max = MAX (h_max, line.h);
    k_min = MIN (k_min, line.k);
    k_max = MAX (k_max, line.k);
    l_min = MIN (l_min, line.l);
    l_max = MAX (l_max, line.l);
    g_array_append_val (lines, line);
  }
  if (lines->len == 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: holds no 'h k l F' lines", path);
    goto out;
  }

  t = hkl_alloc_box (h_min, h_max, k_min, k_max, l_min, l_max, default_F,
      error);
  if (t == NULL)
    goto out;
  for (guint i = 0; i < lines->len; i++) {
    HklLine *line = &g_array_index (lines, HklLine, i);
    t->F[((gsize) (line->h - h_min) * t->k_range + (line->k - k_min))
        * t->l_range + (line->l - l_min)] = line->F;
  }
  t->count = lines->len;

out:
  g_strfreev (rows);
  g_array_free (lines, TRUE);
  return t;
}

NbHkl *
nb_hkl_new_empty (void)
{
  NbHkl *t = hkl_alloc_box (0, 0, 0, 0, 0, 0, 0.0, NULL);
  t->count = 0;
  return t;
}

NbHkl *
nb_hkl_read_dump (const char *path, GError ** error)
{
  gchar *contents = NULL;
  gsize length = 0;
  GError *io_error = NULL;
  int b[6];
  char *p, *ff;
  NbHkl *t;
  gsize needed;

  if (!g_file_get_contents (path, &contents, &length, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE,
        "cannot read Fdump file: %s", io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  ff = memchr (contents, '\f', MIN (length, 256));
  if (ff == NULL || sscanf (contents, "%d %d %d %d %d %d", &b[0], &b[1],
          &b[2], &b[3], &b[4], &b[5]) != 6 || b[1] < b[0] || b[3] < b[2]
      || b[5] < b[4]) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: not an Fdump file (no 'hmin hmax kmin kmax lmin lmax' header)",
        path);
    g_free (contents);
    return NULL;
  }
  t = hkl_alloc_box (b[0], b[1], b[2], b[3], b[4], b[5], 0.0, error);
  if (t == NULL) {
    g_free (contents);
    return NULL;
  }
  p = ff + 1;
  /* the reference stores one extra (padding) slot along every axis */
  needed = (gsize) (t->h_range + 1) * (t->k_range + 1) * (t->l_range + 1)
      * sizeof (double);
  if ((gsize) (contents + length - p) < needed) {
    g_set_error (error, NB_ERROR, NB_ERROR_FORMAT,
        "%s: truncated Fdump file (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
        " bytes)", path, (gsize) (contents + length - p), needed);
    g_free (contents);
    nb_hkl_free (t);
    return NULL;
  }
  for (int h = 0; h < t->h_range; h++)
    for (int k = 0; k < t->k_range; k++) {
      const char *row = p + (((gsize) h * (t->k_range + 1) + k)
          * (t->l_range + 1)) * sizeof (double);
      memcpy (&t->F[((gsize) h * t->k_range + k) * t->l_range], row,
          t->l_range * sizeof (double));
    }
  t->count = (gsize) t->h_range * t->k_range * t->l_range;
  g_free (contents);
  return t;
}

gboolean
nb_hkl_write_dump (const NbHkl * t, const char *path, GError ** error)
{
  GString *buf = g_string_new (NULL);
  double *row = g_new0 (double, t->l_range + 1);
  gboolean ok;

  g_string_append_printf (buf, "%d %d %d %d %d %d\n\f", t->h_min, t->h_max,
      t->k_min, t->k_max, t->l_min, t->l_max);
  for (int h = 0; h <= t->h_range; h++)
    for (int k = 0; k <= t->k_range; k++) {
      memset (row, 0, (t->l_range + 1) * sizeof (double));
      if (h < t->h_range && k < t->k_range)
        memcpy (row, &t->F[((gsize) h * t->k_range + k) * t->l_range],
            t->l_range * sizeof (double));
      g_string_append_len (buf, (const char *) row,
          (t->l_range + 1) * sizeof (double));
    }
  ok = nb_file_write_atomic (path, buf->str, buf->len, error);
  g_free (row);
  g_string_free (buf, TRUE);
  return ok;
}

void
nb_hkl_free (NbHkl * t)
{
  if (t == NULL)
    return;
  g_free (t->F);
  g_free (t);
}
