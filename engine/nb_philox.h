/* nb_philox.h - the Philox4x32-10 counter-based generator (Salmon, Moraes,
 * Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 *
 * A counter-based generator is a keyed bijection: the random words for a
 * draw are a pure function of (key, counter), so a pixel's noise depends
 * only on the seed, the frame and the pixel, never on which thread, tile,
 * device or process drew it.  Only integer multiplies, xors and adds are
 * involved, so the CPU and the GPU produce the same bits by construction.
 */
#ifndef NB_PHILOX_H
#define NB_PHILOX_H

#include "nb_hd.h"

#include <stdint.h>

/* the round multipliers and the Weyl key increments (golden ratio and
 * sqrt(3) - 1, as 32-bit fractions) of the published algorithm */
#define NB_PHILOX_M0 UINT32_C (0xD2511F53)
#define NB_PHILOX_M1 UINT32_C (0xCD9E8D57)
#define NB_PHILOX_W0 UINT32_C (0x9E3779B9)
#define NB_PHILOX_W1 UINT32_C (0xBB67AE85)

static inline NB_HD uint32_t
nb_philox_mulhilo (uint32_t a, uint32_t b, uint32_t * hi)
{
  uint64_t p = (uint64_t) a * (uint64_t) b;
  *hi = (uint32_t) (p >> 32);
  return (uint32_t) p;
}

/* Ten rounds of Philox4x32 on @ctr under @key, into @out (may alias ctr). */
static inline NB_HD void
nb_philox4x32_10 (const uint32_t ctr[4], const uint32_t key[2],
    uint32_t out[4])
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];

  for (int round = 0; round < 10; round++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = nb_philox_mulhilo (NB_PHILOX_M0, c0, &hi0);
    uint32_t lo1 = nb_philox_mulhilo (NB_PHILOX_M1, c2, &hi1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += NB_PHILOX_W0;
    k1 += NB_PHILOX_W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

#endif /* NB_PHILOX_H */
