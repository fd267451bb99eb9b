/* nb_bslz4.h - bitshuffle + LZ4 chunks, byte for byte what the bitshuffle
 * HDF5 filter (id 32008, compression 2 = LZ4, block size 0 = its default)
 * stores, so that its plugin (Debian's libh5bshuf.so) and every Eiger
 * reader decompress them; made on a thread pool, for direct chunk writes
 * (nb_nxs.c).
 *
 * The chunk of n elements of e bytes:
 *  - 8 bytes, big-endian: the uncompressed size, n e;
 *  - 4 bytes, big-endian: the block size in bytes, 8192 (the filter's
 *    default: 8192 / e elements, a multiple of 8);
 *  - the full blocks, then one last block of the remaining elements
 *    rounded down to a multiple of 8 (if any), each as 4 bytes big-endian
 *    compressed size + the LZ4 block of its bit-transposed elements;
 *  - the last n mod 8 elements as they are (not transposed, not
 *    compressed).
 * Bit transposition of a block of m elements: 8 e rows of m / 8 bytes;
 * row 8 j + k holds bit k of byte j (little-endian) of every element,
 * element i at bit i mod 8 of byte i / 8 of the row.
 *
 * Blocks are independent, so tasks compress runs of whole blocks into
 * their own buffers, which are then joined; the bytes do not depend on
 * the task count. */
#ifndef NB_BSLZ4_H
#define NB_BSLZ4_H

#include <glib.h>
#include "nb_workers.h"

G_BEGIN_DECLS

/* The filter's default block size, bytes. */
#define NB_BSLZ4_BLOCK_BYTES 8192

typedef struct _NbBslz4 NbBslz4;

/* A compressor of chunks of @n_elements elements of @elem_size (1, 2, 4
 * or 8) bytes, its buffers sized for @tasks tasks. */
NbBslz4 *nb_bslz4_new (gsize n_elements, guint elem_size, guint tasks);
void nb_bslz4_free (NbBslz4 * z);

/* Compresses @in (the chunk's elements, little-endian) on @pool (NULL:
 * the calling thread); returns the chunk, valid until the next call or
 * nb_bslz4_free, its size in *@length. */
const guint8 *nb_bslz4_compress (NbBslz4 * z, const void *in,
    NbWorkers * pool, gsize * length);

/* Bit-transposes one block of @n elements (@n a multiple of 8) of
 * @elem_size bytes from @in to @out (for the tests). */
void nb_bslz4_bitshuffle (const guint8 * in, guint8 * out, gsize n,
    guint elem_size);

G_END_DECLS

#endif /* NB_BSLZ4_H */
