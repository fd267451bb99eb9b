/* nb_bslz4.c - bitshuffle + LZ4 chunks (see nb_bslz4.h). */
#include "nb_bslz4.h"

#include <lz4.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct _NbBslz4
{
  gsize n;                      /* elements */
  guint elem_size;
  gsize block_elems;            /* elements of a full block */
  gsize full_blocks;
  gsize last_block_elems;       /* of the last, shorter block; 0: none */
  gsize tail_elems;             /* n mod 8, stored as they are */
  guint tasks;
  guint8 **task_out;            /* per task: its blocks, compressed */
  gsize *task_len, *task_offset;
  guint8 **task_scratch;        /* per task: one transposed block */
  gsize task_capacity;
  guint8 *chunk;
  gsize chunk_len;
  const guint8 *in;             /* during nb_bslz4_compress */
};

static void
write_be32 (guint8 * p, guint32 v)
{
  v = GUINT32_TO_BE (v);
  memcpy (p, &v, 4);
}

static void
write_be64 (guint8 * p, guint64 v)
{
  v = GUINT64_TO_BE (v);
  memcpy (p, &v, 8);
}

/* The transpose of the 8 x 8 bit matrix @x whose bit 8 r + c is row r,
 * column c: bit 8 r + c <-> bit 8 c + r (three swaps of ever larger
 * sub-blocks). */
static inline guint64
transpose_8x8 (guint64 x)
{
  guint64 t;

  t = (x ^ (x >> 7)) & G_GUINT64_CONSTANT (0x00AA00AA00AA00AA);
  x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & G_GUINT64_CONSTANT (0x0000CCCC0000CCCC);
  x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & G_GUINT64_CONSTANT (0x00000000F0F0F0F0);
  x ^= t ^ (t << 28);
  return x;
}

/* Inlined with a constant @es, so that the byte gathers unroll. */
static inline void
bitshuffle_es (const guint8 * in, guint8 * out, gsize n, guint es)
{
  gsize row = n / 8;

  for (gsize q = 0; q < row; q++) {
    const guint8 *e = in + q * 8 * es;
    for (guint j = 0; j < es; j++) {
      /* byte m: byte j of element 8 q + m */
      guint64 x = 0;
      for (guint m = 0; m < 8; m++)
        x |= (guint64) e[m * es + j] << (8 * m);
      x = transpose_8x8 (x);
      /* byte k: bit k of those 8 bytes, element m at bit m */
      for (guint k = 0; k < 8; k++)
        out[(8 * j + k) * row + q] = (guint8) (x >> (8 * k));
    }
  }
}

#ifdef __SSE2__
/* 4-byte elements, 16 at a time, with SSE2 (every x86-64 has it): the
 * 16 elements' bytes transposed by three rounds of byte unpacks, then the
 * top bit of each of 16 bytes taken at once (movemask) and the bytes
 * doubled to bring up the next bit: the same rows as bitshuffle_es,
 * several times faster (the scalar gathers and byte stores were most of a
 * frame's compression time). */
static void
bitshuffle_4_sse2 (const guint8 * in, guint8 * out, gsize n)
{
  gsize row = n / 8, q = 0;

  for (; q + 2 <= row; q += 2) {
    const __m128i *e = (const __m128i *) (in + q * 32);
    __m128i a0 = _mm_loadu_si128 (e), a1 = _mm_loadu_si128 (e + 1);
    __m128i a2 = _mm_loadu_si128 (e + 2), a3 = _mm_loadu_si128 (e + 3);
    __m128i b0 = _mm_unpacklo_epi8 (a0, a1), b1 = _mm_unpackhi_epi8 (a0, a1);
    __m128i b2 = _mm_unpacklo_epi8 (a2, a3), b3 = _mm_unpackhi_epi8 (a2, a3);
    __m128i c0 = _mm_unpacklo_epi8 (b0, b1), c1 = _mm_unpackhi_epi8 (b0, b1);
    __m128i c2 = _mm_unpacklo_epi8 (b2, b3), c3 = _mm_unpackhi_epi8 (b2, b3);
    __m128i d0 = _mm_unpacklo_epi8 (c0, c1), d1 = _mm_unpackhi_epi8 (c0, c1);
    __m128i d2 = _mm_unpacklo_epi8 (c2, c3), d3 = _mm_unpackhi_epi8 (c2, c3);
    /* byte j of the 16 elements, element m in byte m */
    __m128i bytes[4] = {
      _mm_unpacklo_epi64 (d0, d2), _mm_unpackhi_epi64 (d0, d2),
      _mm_unpacklo_epi64 (d1, d3), _mm_unpackhi_epi64 (d1, d3)
    };
    for (int j = 0; j < 4; j++) {
      __m128i x = bytes[j];
      for (int k = 7; k >= 0; k--) {
        guint16 bits = (guint16) _mm_movemask_epi8 (x);
        /* little-endian: elements 16 q / 8 .. + 7 in the first byte */
        bits = GUINT16_TO_LE (bits);
        memcpy (out + (8 * j + k) * row + q, &bits, 2);
        x = _mm_add_epi8 (x, x);
      }
    }
  }
  /* an odd number of 8-element groups: the last one the plain way */
  if (q < row) {
    guint8 tmp[32];
    for (guint j = 0; j < 4; j++) {
      guint64 x = 0;
      for (guint m = 0; m < 8; m++)
        x |= (guint64) in[q * 32 + m * 4 + j] << (8 * m);
      x = transpose_8x8 (x);
      for (guint k = 0; k < 8; k++)
        tmp[8 * j + k] = (guint8) (x >> (8 * k));
    }
    for (guint r = 0; r < 32; r++)
      out[r * row + q] = tmp[r];
  }
}
#endif

void
nb_bslz4_bitshuffle (const guint8 * in, guint8 * out, gsize n,
    guint elem_size)
{
#ifdef __SSE2__
  if (elem_size == 4) {
    bitshuffle_4_sse2 (in, out, n);
    return;
  }
#endif
  switch (elem_size) {
    case 1:
      bitshuffle_es (in, out, n, 1);
      break;
    case 2:
      bitshuffle_es (in, out, n, 2);
      break;
    case 4:
      bitshuffle_es (in, out, n, 4);
      break;
    default:
      bitshuffle_es (in, out, n, elem_size);
      break;
  }
}

/* Blocks in all: the full ones and the shorter last one. */
static gsize
n_blocks (const NbBslz4 * z)
{
  return z->full_blocks + (z->last_block_elems > 0 ? 1 : 0);
}

static gsize
block_bound (const NbBslz4 * z)
{
  return 4 + (gsize) LZ4_compressBound ((int) (z->block_elems
          * z->elem_size));
}

NbBslz4 *
nb_bslz4_new (gsize n_elements, guint elem_size, guint tasks)
{
  NbBslz4 *z = g_new0 (NbBslz4, 1);
  gsize rest;

  z->n = n_elements;
  z->elem_size = elem_size;
  z->block_elems = NB_BSLZ4_BLOCK_BYTES / elem_size / 8 * 8;
  z->full_blocks = n_elements / z->block_elems;
  rest = n_elements % z->block_elems;
  z->last_block_elems = rest - rest % 8;
  z->tail_elems = n_elements % 8;
  z->tasks = (guint) CLAMP (n_blocks (z), 1, MAX (tasks, 1));
  z->task_capacity = (n_blocks (z) / z->tasks + 1) * block_bound (z);
  z->task_out = g_new0 (guint8 *, z->tasks);
  z->task_scratch = g_new0 (guint8 *, z->tasks);
  z->task_len = g_new0 (gsize, z->tasks);
  z->task_offset = g_new0 (gsize, z->tasks);
  for (guint t = 0; t < z->tasks; t++) {
    z->task_out[t] = g_malloc (z->task_capacity);
    z->task_scratch[t] = g_malloc (z->block_elems * elem_size);
  }
  z->chunk = g_malloc (12 + n_blocks (z) * block_bound (z)
      + z->tail_elems * elem_size);
  return z;
}

void
nb_bslz4_free (NbBslz4 * z)
{
  if (z == NULL)
    return;
  for (guint t = 0; t < z->tasks; t++) {
    g_free (z->task_out[t]);
    g_free (z->task_scratch[t]);
  }
  g_free (z->task_out);
  g_free (z->task_scratch);
  g_free (z->task_len);
  g_free (z->task_offset);
  g_free (z->chunk);
  g_free (z);
}

/* Compresses the blocks of task @task into its own buffer. */
static void
compress_task (gpointer data, guint task)
{
  NbBslz4 *z = data;
  gsize b0, b1, len = 0, es = z->elem_size;
  guint8 *out = z->task_out[task], *shuffled = z->task_scratch[task];

  nb_workers_part (n_blocks (z), z->tasks, task, &b0, &b1);
  for (gsize b = b0; b < b1; b++) {
    gsize elems = b < z->full_blocks ? z->block_elems : z->last_block_elems;
    const guint8 *in = z->in + b * z->block_elems * es;
    int bytes = (int) (elems * es), packed;

    nb_bslz4_bitshuffle (in, shuffled, elems, z->elem_size);
    packed = LZ4_compress_default ((const char *) shuffled,
        (char *) out + len + 4, bytes, LZ4_compressBound (bytes));
    /* cannot fail: the destination holds LZ4_compressBound bytes */
    g_assert (packed > 0);
    write_be32 (out + len, (guint32) packed);
    len += 4 + (gsize) packed;
  }
  z->task_len[task] = len;
}

static void
join_task (gpointer data, guint task)
{
  NbBslz4 *z = data;

  memcpy (z->chunk + 12 + z->task_offset[task], z->task_out[task],
      z->task_len[task]);
}

const guint8 *
nb_bslz4_compress (NbBslz4 * z, const void *in, NbWorkers * pool,
    gsize * length)
{
  gsize offset = 0, tail_bytes = z->tail_elems * z->elem_size;

  z->in = in;
  nb_workers_run (pool, z->tasks, compress_task, z);
  for (guint t = 0; t < z->tasks; t++) {
    z->task_offset[t] = offset;
    offset += z->task_len[t];
  }
  write_be64 (z->chunk, (guint64) z->n * z->elem_size);
  write_be32 (z->chunk + 8, (guint32) (z->block_elems * z->elem_size));
  nb_workers_run (pool, z->tasks, join_task, z);
  memcpy (z->chunk + 12 + offset, z->in + (z->n - z->tail_elems)
      * z->elem_size, tail_bytes);
  z->in = NULL;
  *length = 12 + offset + tail_bytes;
  return z->chunk;
}
