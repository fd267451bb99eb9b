/* nb_backend_readout.c - turning a backend's photons into counts: on the
 * backend's device when it reads out itself, otherwise here, on the host,
 * right after the render (the CPU backend, or a device backend without a
 * readout of its own). */
#include "nb_render.h"

struct _NbHostReadout {
  NbReadout readout;
  NbReadoutWork *work;
  float *photons;               /* the render's output, before the readout */
  gsize pixels;
};

static void
host_readout_free (NbHostReadout * h)
{
  if (h == NULL)
    return;
  nb_readout_work_free (h->work);
  g_free (h->photons);
  g_free (h);
}

gboolean
nb_backend_set_readout (NbBackend * b, const NbReadout * readout,
    NbCountsFormat format, GError ** error)
{
  const NbDetector *d = &b->model->det;

  if (readout != NULL && !nb_readout_check (readout, NULL, error))
    return FALSE;
  host_readout_free (b->host_readout);
  b->host_readout = NULL;
  b->reads_out = FALSE;
  if (b->ops->set_readout != NULL) {
    if (!b->ops->set_readout (b, readout, format, error))
      return FALSE;
  } else if (readout != NULL) {
    NbHostReadout *h = g_new0 (NbHostReadout, 1);
    h->readout = *readout;
    h->pixels = (gsize) d->fpixels * d->spixels;
    h->photons = g_new (float, h->pixels);
    h->work = nb_readout_work_new (b->host_threads);
    b->host_readout = h;
  }
  b->reads_out = readout != NULL;
  b->counts_format = format;
  return TRUE;
}

gboolean
nb_backend_host_readout_render (NbBackend * b, gint64 frame, void *out,
    double *omega_sum, gboolean fetch, GError ** error)
{
  NbHostReadout *h = b->host_readout;
  gboolean ok = fetch && b->ops->fetch
      ? b->ops->fetch (b, frame, h->photons, omega_sum, error)
      : b->ops->render (b, frame, h->photons, omega_sum, error);
  if (!ok)
    return FALSE;
  nb_readout_frame (h->work, &h->readout, &b->model->det, (guint32) frame,
      h->photons, b->counts_format, out, NULL);
  return TRUE;
}

void
nb_backend_free (NbBackend * b)
{
  if (b == NULL)
    return;
  host_readout_free (b->host_readout);
  b->host_readout = NULL;
  g_clear_pointer (&b->background, g_free);
  b->ops->free (b);
}
