/* test_trace.c - our -trace_pixel records against the reference's
 * instrumented trace.log: the same TRACE_C keys in the same order, every
 * number within 1e-9 relative, on every golden case. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_trace.h"

static gchar **
trace_c_lines (const char *text)
{
  gchar **all = g_strsplit (text, "\n", -1);
  GPtrArray *keep = g_ptr_array_new ();
  for (int i = 0; all[i]; i++)
    if (g_str_has_prefix (all[i], "TRACE_C: "))
      g_ptr_array_add (keep, g_strdup (all[i] + 9));
  g_ptr_array_add (keep, NULL);
  g_strfreev (all);
  return (gchar **) g_ptr_array_free (keep, FALSE);
}

/* "key v1 v2 ..." lines: same key, same count, values within 1e-9. */
static gboolean
lines_match (const char *ours, const char *ref, gchar ** why)
{
  gchar **a = g_strsplit (ours, " ", -1), **b = g_strsplit (ref, " ", -1);
  gboolean ok = g_strv_length (a) == g_strv_length (b)
      && strcmp (a[0], b[0]) == 0;

  for (int i = 1; ok && a[i]; i++) {
    double x = g_ascii_strtod (a[i], NULL), y = g_ascii_strtod (b[i], NULL);
    if (!(fabs (x - y) <= 1e-9 * fabs (y) + 1e-18))
      ok = FALSE;
  }
  if (!ok)
    *why = g_strdup_printf ("ours '%s' vs reference '%s'", ours, ref);
  g_strfreev (a);
  g_strfreev (b);
  return ok;
}

static void
test_case_trace (gconstpointer data)
{
  const char *c = data;
  gchar *log = g_build_filename (golden_dir (), c, "trace.log", NULL);
  gchar *ref_text = NULL, **ref, **ours;
  NbModel *m = golden_load_case (c, NULL);
  GError *error = NULL;
  NbBackend *b = nb_backend_cpu_new (m, 0, NB_PRECISION_FLOAT64, &error);
  NbTracePixel *t;
  GString *text = g_string_new (NULL);
  int spixel, fpixel;
  guint n_ours, n_ref;

  golden_trace_pixel (c, &spixel, &fpixel);
  t = nb_trace_pixel_new (spixel, fpixel);
  g_assert_true (nb_backend_trace (b, 0, &t, 1, &error));
  g_assert_no_error (error);
  nb_trace_format (m, t, text);

  g_assert_true (g_file_get_contents (log, &ref_text, NULL, NULL));
  ref = trace_c_lines (ref_text);
  ours = trace_c_lines (text->str);
  n_ours = g_strv_length (ours);
  n_ref = g_strv_length (ref);
  if (n_ours != n_ref)
    g_test_fail_printf ("%s: %u TRACE_C lines, reference %u", c, n_ours,
        n_ref);
  for (guint i = 0; i < MIN (n_ours, n_ref); i++) {
    gchar *why = NULL;
    if (!lines_match (ours[i], ref[i], &why)) {
      g_test_fail_printf ("%s line %u: %s", c, i, why);
      g_free (why);
      break;
    }
  }
  /* one TRACE_PHI line per phi step of every sub-pixel visit reached */
  g_assert_cmpuint (t->phi_steps->len, >=, (guint) m->phisteps);
  g_test_message ("%s: %u TRACE_C lines compared, %u phi-step lines", c,
      n_ours, t->phi_steps->len);

  g_strfreev (ref);
  g_strfreev (ours);
  g_free (ref_text);
  g_string_free (text, TRUE);
  nb_trace_pixel_free (t);
  nb_backend_free (b);
  nb_model_free (m);
  g_free (log);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden_add_case_tests ("/trace", GOLDEN_N_CASES, test_case_trace);
  return g_test_run ();
}
