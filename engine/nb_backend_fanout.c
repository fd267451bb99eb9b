/* nb_backend_fanout.c - frames dealt round-robin over member backends.
 *
 * Frame i belongs to member (i / stride) mod n, stride being the step
 * between the frames the fan-out is given (1, or an MPI run's rank
 * count), so every operation on a frame goes to its member and the
 * members share the frames evenly.  A member's error is prefixed with its
 * name, so a failing device is named and never leaves a silent gap in the
 * series. */
#include "nb_backend_fanout.h"

typedef struct {
  NbBackend parent;
  NbBackend **members;
  gchar **names;
  int n;
} NbFanout;

static NbBackend *
member_of (NbFanout * self, gint64 frame, int *index)
{
  int i = (int) ((frame / nb_backend_frame_stride (&self->parent))
      % self->n);
  if (index)
    *index = i;
  return self->members[i];
}

/* @error, if set, says which member failed. */
static gboolean
named (NbFanout * self, int i, gboolean ok, GError ** error)
{
  if (!ok && error != NULL && *error != NULL)
    g_prefix_error (error, "%s: ", self->names[i]);
  return ok;
}

/* The member's last render's interpolation switch is the fan-out's. */
static void
took (NbFanout * self, NbBackend * m)
{
  self->parent.interpolation_off_at = m->interpolation_off_at;
}

static gboolean
fanout_render (NbBackend * b, gint64 frame, float *image, double *omega_sum,
    GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  int i;
  NbBackend *m = member_of (self, frame, &i);
  gboolean ok = named (self, i, nb_backend_render (m, frame, image,
          omega_sum, error), error);
  took (self, m);
  return ok;
}

static gboolean
fanout_submit (NbBackend * b, gint64 frame, GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  int i;
  NbBackend *m = member_of (self, frame, &i);
  return named (self, i, nb_backend_submit (m, frame, error), error);
}

static gboolean
fanout_fetch (NbBackend * b, gint64 frame, float *image, double *omega_sum,
    GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  int i;
  NbBackend *m = member_of (self, frame, &i);
  gboolean ok = named (self, i, nb_backend_fetch (m, frame, image,
          omega_sum, error), error);
  took (self, m);
  return ok;
}

static NbLentFrame *
fanout_lend (NbBackend * b, gint64 frame, double *omega_sum, GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  int i;
  NbBackend *m = member_of (self, frame, &i);
  NbLentFrame *lent = nb_backend_lend (m, frame, omega_sum, error);
  named (self, i, lent != NULL, error);
  took (self, m);
  return lent;
}

static gboolean
fanout_trace (NbBackend * b, gint64 frame, NbTracePixel ** pixels, int n,
    GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  int i;
  NbBackend *m = member_of (self, frame, &i);
  return named (self, i, nb_backend_trace (m, frame, pixels, n, error),
      error);
}

static gboolean
fanout_set_readout (NbBackend * b, const NbReadout * readout,
    NbCountsFormat format, GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  for (int i = 0; i < self->n; i++)
    if (!named (self, i, nb_backend_set_readout (self->members[i], readout,
                format, error), error))
      return FALSE;
  return TRUE;
}

static gboolean
fanout_set_background (NbBackend * b, const float *photons, GError ** error)
{
  NbFanout *self = (NbFanout *) b;
  for (int i = 0; i < self->n; i++)
    if (!named (self, i, nb_backend_set_background (self->members[i],
                photons, error), error))
      return FALSE;
  return TRUE;
}

static void
fanout_free (NbBackend * b)
{
  NbFanout *self = (NbFanout *) b;
  for (int i = 0; i < self->n; i++)
    nb_backend_free (self->members[i]);
  g_free (self->members);
  g_strfreev (self->names);
  g_free (self);
}

/* Each member is given every (stride n)-th frame. */
static void
fanout_set_frame_stride (NbBackend * b, gint64 stride)
{
  NbFanout *self = (NbFanout *) b;
  for (int i = 0; i < self->n; i++)
    nb_backend_set_frame_stride (self->members[i], stride * self->n);
}

static const NbBackendOps fanout_ops = {
  .name = "fanout",
  .render = fanout_render,
  .submit = fanout_submit,
  .fetch = fanout_fetch,
  .lend = fanout_lend,
  .trace = fanout_trace,
  .free = fanout_free,
  .set_readout = fanout_set_readout,
  .set_background = fanout_set_background,
  .set_frame_stride = fanout_set_frame_stride,
};

/* Without lending members the fan-out must not offer lend (callers test
 * nb_backend_can_lend): the same ops without it. */
static const NbBackendOps fanout_copy_ops = {
  .name = "fanout",
  .render = fanout_render,
  .submit = fanout_submit,
  .fetch = fanout_fetch,
  .trace = fanout_trace,
  .free = fanout_free,
  .set_readout = fanout_set_readout,
  .set_background = fanout_set_background,
  .set_frame_stride = fanout_set_frame_stride,
};

NbBackend *
nb_backend_fanout_new (NbBackend ** members, const char *const *names, int n)
{
  NbFanout *self = g_new0 (NbFanout, 1);
  gboolean all_lend = TRUE;
  int depth = 0;

  g_return_val_if_fail (n >= 1, NULL);
  self->n = n;
  self->members = g_memdup2 (members, sizeof (NbBackend *) * n);
  self->names = g_new0 (gchar *, n + 1);
  for (int i = 0; i < n; i++) {
    self->names[i] = g_strdup (names[i]);
    all_lend &= nb_backend_can_lend (members[i]);
    depth += nb_backend_queue_depth (members[i]);
  }
  self->parent.ops = all_lend ? &fanout_ops : &fanout_copy_ops;
  nb_backend_set_frame_stride (&self->parent, 1);
  self->parent.model = members[0]->model;
  self->parent.precision = members[0]->precision;
  self->parent.interpolation_off_at = -1;
  self->parent.kernel = members[0]->kernel;
  /* frames f .. f + depth - 1 fall evenly on the members, each within
   * its own depth */
  self->parent.queue_depth = depth;
  self->parent.host_threads = members[0]->host_threads;
  return &self->parent;
}
