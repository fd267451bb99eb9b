/* gstnbrank.c - exact order statistics by radix selection. */
#include "gstnbrank.h"

/* below this many keys a sort is cheaper than another histogram */
#define SORT_BELOW 64

static void
insertion_sort (guint64 * keys, gsize n)
{
  for (gsize i = 1; i < n; i++) {
    guint64 k = keys[i];
    gsize j = i;
    for (; j > 0 && keys[j - 1] > k; j--)
      keys[j] = keys[j - 1];
    keys[j] = k;
  }
}

guint64
gst_nb_rank_select (const guint64 * keys, gsize n, gsize rank,
    guint64 * scratch, guint32 * hist)
{
  const guint64 *src = keys;
  gsize m = n;

  g_return_val_if_fail (rank < n, 0);
  /* each pass keeps the keys whose next 16 bits are those of the wanted
   * rank's bin; the bits above agree already */
  for (int shift = 48; shift >= 0 && m >= SORT_BELOW; shift -= 16) {
    gsize below = 0, kept = 0;
    guint64 low = G_MAXUINT64, high = 0;
    guint bin = 0;

    memset (hist, 0, GST_NB_RANK_BINS * sizeof (*hist));
    for (gsize i = 0; i < m; i++)
      hist[(src[i] >> shift) & 0xffff]++;
    while (below + hist[bin] <= rank)
      below += hist[bin++];
    rank -= below;
    for (gsize i = 0; i < m; i++)
      if (((src[i] >> shift) & 0xffff) == bin) {
        low = MIN (low, src[i]);
        high = MAX (high, src[i]);
        scratch[kept++] = src[i];
      }
    /* one value left (counts: many pixels share each value) */
    if (low == high)
      return low;
    src = scratch;
    m = kept;
  }
  if (src != scratch)
    memcpy (scratch, src, m * sizeof (*src));
  /* after the last pass all keys left are equal: nothing moves */
  insertion_sort (scratch, m);
  return scratch[rank];
}
