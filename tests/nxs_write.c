/* nxs_write - writes NeXus files of known frames through formats/nb_nxs.h,
 * for tests/test_nxs.sh (which reads them back with h5py).
 *
 *   nxs_write series OUT.nxs W H FRAMES bslz4|none THREADS
 *       one NXmx file; the frames also as OUT.raw (int32 LE)
 *   nxs_write ranks MASTER.nxs W H FRAMES RANKS bslz4|none
 *       RANKS data files MASTER.rankR.h5 (frame i in file i mod RANKS)
 *       and their master; the frames in series order as MASTER.raw
 *   nxs_write abort OUT.nxs W H
 *       starts OUT.nxs, writes 2 frames, aborts (nothing must be left)
 *
 * The frames: mostly small counts, with masked (-1) pixels, the int32
 * extremes and runs of zeros, so that every bit row of the bitshuffle
 * blocks and the < 8-element tail are exercised (W x H odd sizes). */
#include "nb_nxs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fill_frame (gint32 * f, gsize n, guint frame)
{
  GRand *r = g_rand_new_with_seed (1000 + frame);

  for (gsize i = 0; i < n; i++) {
    guint32 u = g_rand_int (r);
    if (u % 97 == 0)
      f[i] = -1;
    else if (u % 1009 == 0)
      f[i] = (u & 1) ? G_MAXINT32 : G_MININT32;
    else if (u % 13 == 0)
      f[i] = (gint32) (u >> 8);
    else if ((i / 300) % 5 == 0)
      f[i] = 0;
    else
      f[i] = (gint32) (u % 20);
  }
  g_rand_free (r);
}

static int
fail (GError * e)
{
  fprintf (stderr, "nxs_write: %s\n", e ? e->message : "failed");
  g_clear_error (&e);
  return 1;
}

static void
series_of (NbNxsSeries * s, int w, int h, NbNxsCompression c)
{
  nb_nxs_series_init (s);
  s->width = w;
  s->height = h;
  s->compression = c;
  s->axis_name = "omega";
  s->thickness = 0.45;
  /* the beam centre in the middle: 0.075 mm pixels at 120 mm */
  s->geometry.pixel_size = 0.075;
  s->geometry.pix0[0] = 0.12;
  s->geometry.pix0[1] = h * 0.075e-3 / 2;
  s->geometry.pix0[2] = -w * 0.075e-3 / 2;
}

static int
write_series (const char *out, int w, int h, guint frames,
    NbNxsCompression c, guint threads)
{
  gsize n = (gsize) w * h;
  gint32 *f = g_new (gint32, n);
  gchar *raw = g_strdup_printf ("%s.raw", out);
  FILE *fp = fopen (raw, "wb");
  NbWorkers *pool = nb_workers_new (threads);
  NbNxsSeries s;
  NbNxsWriter *wr;
  GError *e = NULL;

  series_of (&s, w, h, c);
  if ((wr = nb_nxs_writer_new (out, &s, pool, &e)) == NULL)
    return fail (e);
  for (guint i = 0; i < frames; i++) {
    fill_frame (f, n, i);
    fwrite (f, 4, n, fp);
    if (!nb_nxs_writer_add_frame (wr, f, 10.0 + 0.5 * i, 10.5 + 0.5 * i,
            &e))
      return fail (e);
  }
  fclose (fp);
  printf ("%" G_GUINT64_FORMAT " bytes of chunks for %u frames\n",
      nb_nxs_writer_get_bytes (wr), frames);
  if (!nb_nxs_writer_finish (wr, &e))
    return fail (e);
  nb_workers_free (pool);
  g_free (raw);
  g_free (f);
  return 0;
}

static int
write_ranks (const char *master, int w, int h, guint frames, guint ranks,
    NbNxsCompression c)
{
  gsize n = (gsize) w * h;
  gint32 *f = g_new (gint32, n);
  gchar *raw = g_strdup_printf ("%s.raw", master);
  gchar **names = g_new0 (gchar *, ranks + 1);
  NbNxsWriter **wr = g_new0 (NbNxsWriter *, ranks);
  double *start = g_new (double, frames), *end = g_new (double, frames);
  FILE *fp = fopen (raw, "wb");
  NbNxsSeries s;
  GError *e = NULL;

  series_of (&s, w, h, c);
  for (guint r = 0; r < ranks; r++) {
    gchar *path = g_strdup_printf ("%s.rank%u.h5", master, r);
    /* the master names its data files relative to its own directory */
    names[r] = g_path_get_basename (path);
    if ((wr[r] = nb_nxs_data_writer_new (path, w, h, c, NULL, &e)) == NULL)
      return fail (e);
    g_free (path);
  }
  for (guint i = 0; i < frames; i++) {
    fill_frame (f, n, i);
    fwrite (f, 4, n, fp);
    start[i] = -5.0 + 0.25 * i;
    end[i] = start[i] + 0.25;
    if (!nb_nxs_writer_add_frame (wr[i % ranks], f, start[i], end[i], &e))
      return fail (e);
  }
  fclose (fp);
  for (guint r = 0; r < ranks; r++)
    if (!nb_nxs_writer_finish (wr[r], &e))
      return fail (e);
  if (!nb_nxs_write_master (master, &s, (const char *const *) names, ranks,
          frames, start, end, NULL, &e))
    return fail (e);
  g_strfreev (names);
  g_free (wr);
  g_free (start);
  g_free (end);
  g_free (raw);
  g_free (f);
  return 0;
}

static int
write_abort (const char *out, int w, int h)
{
  gsize n = (gsize) w * h;
  gint32 *f = g_new0 (gint32, n);
  NbNxsSeries s;
  NbNxsWriter *wr;
  GError *e = NULL;

  series_of (&s, w, h, NB_NXS_COMPRESSION_BSLZ4);
  if ((wr = nb_nxs_writer_new (out, &s, NULL, &e)) == NULL)
    return fail (e);
  for (int i = 0; i < 2; i++)
    if (!nb_nxs_writer_add_frame (wr, f, i, i + 1, &e))
      return fail (e);
  nb_nxs_writer_abort (wr);
  g_free (f);
  return 0;
}

int
main (int argc, char **argv)
{
  NbNxsCompression c = NB_NXS_COMPRESSION_BSLZ4;

  if (argc >= 5 && strcmp (argv[1], "abort") == 0)
    return write_abort (argv[2], atoi (argv[3]), atoi (argv[4]));
  if (argc == 8 && strcmp (argv[1], "series") == 0
      && nb_nxs_compression_from_string (argv[6], &c))
    return write_series (argv[2], atoi (argv[3]), atoi (argv[4]),
        (guint) atoi (argv[5]), c, (guint) atoi (argv[7]));
  if (argc == 8 && strcmp (argv[1], "ranks") == 0
      && nb_nxs_compression_from_string (argv[7], &c))
    return write_ranks (argv[2], atoi (argv[3]), atoi (argv[4]),
        (guint) atoi (argv[5]), (guint) atoi (argv[6]), c);
  fprintf (stderr, "usage: see tests/nxs_write.c\n");
  return 2;
}
