/* gstnbrank.h - exact order statistics by radix selection.
 *
 * nbview's percentiles: a histogram of the top 16 bits of order-keeping
 * 64-bit keys finds the bin that holds the wanted rank, the keys of that
 * bin are kept and the next 16 bits are histogrammed, and so on; a few
 * keys are left for a final sort.  The result is the value a full sort
 * would have at that rank (linear time, no sort of the sample). */
#ifndef GST_NB_RANK_H
#define GST_NB_RANK_H

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* histogram bins of one pass */
#define GST_NB_RANK_BINS 65536

/* A key above the key of every double that a frame pixel can be: for
 * pixels left out (masked), which then sort after all others. */
#define GST_NB_RANK_KEY_NONE G_MAXUINT64

/* Keys in the order of the values: -x < -0 < +0 < x; only NaNs (not
 * frame values) come after +inf. */
static inline guint64
gst_nb_rank_key (double v)
{
  guint64 u;

  memcpy (&u, &v, sizeof (u));
  return (u >> 63) ? ~u : u | G_GUINT64_CONSTANT (0x8000000000000000);
}

static inline double
gst_nb_rank_value (guint64 key)
{
  guint64 u = (key >> 63) ? key & G_GUINT64_CONSTANT (0x7fffffffffffffff)
      : ~key;
  double v;

  memcpy (&v, &u, sizeof (v));
  return v;
}

/* The key of rank @rank (0-based: the smallest is rank 0) among
 * @keys[0..@n), @rank < @n.  @keys is not changed; @scratch holds @n keys
 * and @hist GST_NB_RANK_BINS counters (@n < 2^32). */
guint64 gst_nb_rank_select (const guint64 * keys, gsize n, gsize rank,
    guint64 * scratch, guint32 * hist);

G_END_DECLS

#endif /* GST_NB_RANK_H */
