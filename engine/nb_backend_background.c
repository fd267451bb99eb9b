/* nb_backend_background.c - a background image added to every frame of a
 * backend before its readout (nanobraggsrc's amorphous background: it
 * does not change with phi, so it is rendered once and kept). */
#include "nb_render.h"
#include "nb_error.h"

#include <string.h>

static gsize
frame_pixels (const NbBackend * b)
{
  return (gsize) b->model->det.fpixels * b->model->det.spixels;
}

gboolean
nb_backend_set_background (NbBackend * b, const float *photons,
    GError ** error)
{
  g_clear_pointer (&b->background, g_free);
  if (photons != NULL)
    b->background = g_memdup2 (photons, frame_pixels (b) * sizeof (float));
  if (b->ops->set_background != NULL)
    return b->ops->set_background (b, photons, error);
  return TRUE;
}

gboolean
nb_backend_render_background (NbBackend * b, const NbBackground * bg,
    float *photons, GError ** error)
{
  gsize n = frame_pixels (b);
  double *image;
  gboolean ok;

  if (b->ops->render_background != NULL) {
    if (!b->ops->render_background (b, bg, photons, error))
      return FALSE;
    g_clear_pointer (&b->background, g_free);
    b->background = g_memdup2 (photons, n * sizeof (float));
    return TRUE;
  }
  image = g_try_new (double, n);
  if (image == NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "out of memory for a %dx%d background", b->model->det.fpixels,
        b->model->det.spixels);
    return FALSE;
  }
  ok = nb_background_render (bg, b->model, b->host_threads, image, NULL,
      error);
  if (ok) {
    for (gsize i = 0; i < n; i++)
      photons[i] = (float) image[i];
    ok = nb_backend_set_background (b, photons, error);
  }
  g_free (image);
  return ok;
}

void
nb_backend_add_background (const NbBackend * b, float *image)
{
  const float *bg = b->background;
  gsize n;

  if (bg == NULL)
    return;
  n = frame_pixels (b);
  for (gsize i = 0; i < n; i++)
    image[i] += bg[i];
}
