/* gstnbparallel.c - how many threads the downstream elements use. */
#include "gstnbparallel.h"

#include <gst/gst.h>

#define MAX_THREADS 1024

guint
gst_nb_parallel_threads_from_env (GError ** error)
{
  const gchar *env = g_getenv ("NB_THREADS");
  gchar *end = NULL;
  guint64 n;

  if (env == NULL || *env == '\0')
    return MIN (g_get_num_processors (), MAX_THREADS);
  n = g_ascii_strtoull (env, &end, 10);
  if (end == env || *end != '\0' || n < 1 || n > MAX_THREADS) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "environment variable NB_THREADS=\"%s\" is not a thread count "
        "(a whole number from 1 to %d; unset it for all cores)", env,
        MAX_THREADS);
    return 0;
  }
  return (guint) n;
}

