/* nb_backend_select.c - backend choice; CUDA parts only with NB_HAVE_CUDA. */
#include "nb_backend_select.h"
#include "nb_backend_fanout.h"
#include "nb_error.h"

#include <stdlib.h>
#include <string.h>

#ifdef NB_HAVE_CUDA
#include "nb_cuda.h"
#endif

gboolean
nb_backend_have_cuda (void)
{
#ifdef NB_HAVE_CUDA
  return TRUE;
#else
  return FALSE;
#endif
}

NbBackend *
nb_backend_select (const NbModel * model, NbDevice device, int gpu_id,
    int threads, NbPrecision precision, gchar ** note, GError ** error)
{
  if (note)
    *note = NULL;
  if (device == NB_DEVICE_CPU)
    return nb_backend_cpu_new (model, threads, precision, error);

#ifdef NB_HAVE_CUDA
  {
    GError *cuda_error = NULL;
    NbBackend *b = nb_backend_cuda_new (model, gpu_id, precision,
        &cuda_error);
    if (b != NULL)
      return b;
    if (device == NB_DEVICE_CUDA) {
      g_propagate_error (error, cuda_error);
      return NULL;
    }
    if (note)
      *note = g_strdup_printf ("no usable GPU (%s): rendering on the CPU",
          cuda_error->message);
    g_error_free (cuda_error);
  }
#else
  (void) gpu_id;
  if (device == NB_DEVICE_CUDA) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "device=cuda: this build has no CUDA backend (built without nvcc)");
    return NULL;
  }
  if (note)
    *note = g_strdup ("built without CUDA: rendering on the CPU");
#endif
  return nb_backend_cpu_new (model, threads, precision, error);
}

/* Number of CUDA devices, or -1 with @why (a build without CUDA: 0). */
static int
device_count (gchar ** why)
{
#ifdef NB_HAVE_CUDA
  return nb_cuda_device_count (why);
#else
  *why = g_strdup ("this build has no CUDA backend");
  return -1;
#endif
}

/* "all", spaces around it allowed */
static gboolean
is_all (const char *text)
{
  gchar *t = g_strstrip (g_strdup (text));
  gboolean all = strcmp (t, "all") == 0;
  g_free (t);
  return all;
}

GArray *
nb_gpu_ids_parse (const char *text, GError ** error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int));
  gchar **items;

  if (text == NULL || *text == '\0') {
    int zero = 0;
    g_array_append_val (ids, zero);
    return ids;
  }
  if (is_all (text)) {
    gchar *why = NULL;
    int n = device_count (&why);
    if (n <= 0) {
      g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "gpu id 'all': no "
          "CUDA device answers (%s)", why ? why : "none found");
      g_free (why);
      g_array_free (ids, TRUE);
      return NULL;
    }
    for (int i = 0; i < n; i++)
      g_array_append_val (ids, i);
    return ids;
  }
  items = g_strsplit (text, ",", -1);
  for (int i = 0; items[i] != NULL; i++) {
    gchar *w = g_strstrip (items[i]), *end;
    long v = strtol (w, &end, 10);
    int id = (int) v;
    if (*w == '\0' || *end != '\0' || v < 0 || v > 1023) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "gpu id list '%s': "
          "'%s' is not a device index (0 .. 1023), a comma-separated list "
          "of them, or 'all'", text, w);
      g_strfreev (items);
      g_array_free (ids, TRUE);
      return NULL;
    }
    g_array_append_val (ids, id);
  }
  g_strfreev (items);
  return ids;
}

NbBackend *
nb_backend_select_gpus (const NbModel * model, NbDevice device,
    const char *gpu_ids, int threads, NbPrecision precision, gchar ** note,
    GError ** error)
{
  GArray *ids;
  NbBackend **members;
  gchar **names;
  NbBackend *b;
  guint made = 0;

  if (note)
    *note = NULL;
  if (device == NB_DEVICE_CPU)
    return nb_backend_cpu_new (model, threads, precision, error);
  ids = nb_gpu_ids_parse (gpu_ids, error);
  if (ids == NULL)
    return NULL;
  if (ids->len == 1) {
    b = nb_backend_select (model, device, g_array_index (ids, int, 0),
        threads, precision, note, error);
    g_array_free (ids, TRUE);
    return b;
  }
  members = g_new0 (NbBackend *, ids->len);
  names = g_new0 (gchar *, ids->len + 1);
  for (; made < ids->len; made++) {
    int id = g_array_index (ids, int, made);
    GError *e = NULL;
    names[made] = g_strdup_printf ("GPU %d", id);
    /* every listed device must answer: a list is a request for them */
    members[made] = nb_backend_select (model, NB_DEVICE_CUDA, id, threads,
        precision, NULL, &e);
    if (members[made] == NULL) {
      if (device == NB_DEVICE_AUTO && made == 0) {
        if (note)
          *note = g_strdup_printf ("no usable GPU (%s): rendering on the "
              "CPU", e->message);
        g_error_free (e);
        b = nb_backend_cpu_new (model, threads, precision, error);
        goto out;
      }
      g_propagate_prefixed_error (error, e, "%s of the list '%s': ",
          names[made], gpu_ids);
      b = NULL;
      goto out;
    }
  }
  b = nb_backend_fanout_new (members, (const char *const *) names,
      (int) ids->len);
  made = 0;                     /* the fan-out owns them now */
out:
  for (guint i = 0; i < made; i++)
    nb_backend_free (members[i]);
  g_free (members);
  g_strfreev (names);
  g_array_free (ids, TRUE);
  return b;
}
