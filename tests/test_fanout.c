/* test_fanout.c - frames fanned out over several backends: a fan-out of
 * CPU backends streams the frames (photons and counts) of one backend,
 * in order and bit for bit; a failing member is named; GPU lists parse
 * or are refused naming the bad item.  (The same over one GPU listed
 * twice: tests/test_gpu_readout.c.) */
#include <glib.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_backend_fanout.h"
#include "nb_backend_select.h"

static NbBackend *
cpu (const NbModel * m)
{
  GError *error = NULL;
  NbBackend *b = nb_backend_cpu_new (m, 1, NB_PRECISION_FLOAT64, &error);
  g_assert_no_error (error);
  return b;
}

static NbBackend *
fanout_of_cpus (const NbModel * m, int n)
{
  NbBackend *members[4];
  const char *names[4] = { "CPU a", "CPU b", "CPU c", "CPU d" };
  for (int i = 0; i < n; i++)
    members[i] = cpu (m);
  return nb_backend_fanout_new (members, names, n);
}

/* frames 0 .. count-1 as a streaming caller takes them */
static guint8 *
stream (NbBackend * b, int count)
{
  gsize bytes = (gsize) b->model->det.fpixels * b->model->det.spixels
      * nb_backend_pixel_bytes (b);
  guint8 *out = g_malloc (bytes * count);
  GError *error = NULL;
  for (int f = 0; f < count; f++) {
    g_assert_true (nb_backend_submit_ahead (b, f, count, &error));
    g_assert_true (nb_backend_fetch (b, f, (float *) (out + bytes * f), NULL,
            &error));
    g_assert_no_error (error);
  }
  return out;
}

static void
test_fanout_equals_single (void)
{
  NbModel *m = golden_load_case ("rotation_series", NULL);
  gsize frame = (gsize) m->det.fpixels * m->det.spixels * 4;
  const int count = 5;
  NbReadout r;
  GError *error = NULL;

  for (int n = 2; n <= 3; n++) {
    NbBackend *one = cpu (m), *many = fanout_of_cpus (m, n);
    guint8 *want = stream (one, count), *got = stream (many, count);
    g_assert_cmpint (nb_backend_queue_depth (many), ==, n);
    g_assert_false (nb_backend_can_lend (many));
    g_assert_cmpmem (got, frame * count, want, frame * count);
    g_free (want);
    g_free (got);

    /* counts: each member reads out its own frames, the same bits */
    nb_readout_init_defaults (&r);
    r.poisson = TRUE;
    r.read_noise = 1.0;
    r.seed = 12;
    g_assert_true (nb_backend_set_readout (one, &r, NB_COUNTS_S32, &error));
    g_assert_true (nb_backend_set_readout (many, &r, NB_COUNTS_S32, &error));
    g_assert_no_error (error);
    want = stream (one, count);
    got = stream (many, count);
    g_assert_cmpmem (got, frame * count, want, frame * count);
    g_free (want);
    g_free (got);
    nb_backend_free (one);
    nb_backend_free (many);
  }
  nb_model_free (m);
}

/* a member whose renders fail */
static gboolean
broken_render (NbBackend * b, gint64 frame, float *image, double *omega,
    GError ** error)
{
  g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "device lost");
  return FALSE;
}

static void
broken_free (NbBackend * b)
{
  g_free (b);
}

static const NbBackendOps broken_ops = {
  .name = "broken",.render = broken_render,.free = broken_free,
};

/* A fan-out of a CPU backend (member 0, named "GPU 0") and a broken one
 * named @broken_name; @members receives both. */
static NbBackend *
fanout_with_broken (const NbModel * m, const char *broken_name,
    NbBackend * members[2])
{
  NbBackend *broken = g_new0 (NbBackend, 1);
  const char *names[2] = { "GPU 0", broken_name };

  broken->ops = &broken_ops;
  broken->model = m;
  members[0] = cpu (m);
  members[1] = broken;
  return nb_backend_fanout_new (members, names, 2);
}

/* Renders frame @f: TRUE, or FALSE with the broken member's error named
 * @broken_name. */
static gboolean
renders (NbBackend * b, gint64 f, float *img, const char *broken_name)
{
  GError *error = NULL;
  gchar *want = g_strdup_printf ("%s: device lost", broken_name);
  gboolean ok = nb_backend_render (b, f, img, NULL, &error);

  if (!ok) {
    g_assert_error (error, NB_ERROR, NB_ERROR_BACKEND);
    g_assert_cmpstr (error->message, ==, want);
    g_clear_error (&error);
  }
  g_assert_no_error (error);
  g_free (want);
  return ok;
}

static void
test_failing_member_is_named (void)
{
  NbModel *m = golden_load_case ("mosflm_basic", NULL);
  NbBackend *members[2];
  NbBackend *b = fanout_with_broken (m, "GPU 3", members);
  float *img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);

  g_assert_true (renders (b, 0, img, "GPU 3"));
  g_assert_false (renders (b, 1, img, "GPU 3"));
  nb_backend_free (b);
  nb_model_free (m);
  g_free (img);
}

/* A fan-out given every 2nd frame (an MPI rank of 2): its frames 0, 2,
 * 4, 6 alternate over the members (frame % n would give member 0 all of
 * them), and each member is told it gets every 4th frame, so a device
 * member queues its own frames in different slots. */
static void
test_stride_shares_frames (void)
{
  NbModel *m = golden_load_case ("mosflm_basic", NULL);
  NbBackend *members[2];
  NbBackend *b = fanout_with_broken (m, "GPU 1", members);
  float *img = g_new (float, (gsize) m->det.fpixels * m->det.spixels);

  g_assert_cmpint (nb_backend_frame_stride (members[0]), ==, 2);
  nb_backend_set_frame_stride (b, 2);
  g_assert_cmpint (nb_backend_frame_stride (members[0]), ==, 4);
  g_assert_cmpint (nb_backend_frame_stride (members[1]), ==, 4);
  for (int f = 0; f < 8; f += 2)
    g_assert_true (renders (b, f, img, "GPU 1") == (f % 4 == 0));
  nb_backend_free (b);
  nb_model_free (m);
  g_free (img);
}

static void
test_gpu_lists (void)
{
  GError *error = NULL;
  GArray *ids;
  static const char *bad[] = { "x", "-1", "1,,2", "0,1.5", "2000", "1 2" };

  ids = nb_gpu_ids_parse (NULL, &error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, int, 0), ==, 0);
  g_array_free (ids, TRUE);
  ids = nb_gpu_ids_parse (" 2 , 0,2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpint (g_array_index (ids, int, 0), ==, 2);
  g_assert_cmpint (g_array_index (ids, int, 1), ==, 0);
  g_assert_cmpint (g_array_index (ids, int, 2), ==, 2);
  g_array_free (ids, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_null (nb_gpu_ids_parse (bad[i], &error));
    g_assert_error (error, NB_ERROR, NB_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "gpu id list"));
    g_clear_error (&error);
  }
  /* "all" means the devices that answer: none here is an error, not an
   * empty list */
  ids = nb_gpu_ids_parse ("all", &error);
  if (ids == NULL) {
    g_assert_error (error, NB_ERROR, NB_ERROR_BACKEND);
    g_assert_nonnull (strstr (error->message, "'all'"));
    g_clear_error (&error);
  } else {
    g_assert_cmpuint (ids->len, >=, 1);
    g_array_free (ids, TRUE);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fanout/equals-single", test_fanout_equals_single);
  g_test_add_func ("/fanout/failing-member-named",
      test_failing_member_is_named);
  g_test_add_func ("/fanout/gpu-lists", test_gpu_lists);
  g_test_add_func ("/fanout/stride-shares-frames",
      test_stride_shares_frames);
  return g_test_run ();
}
