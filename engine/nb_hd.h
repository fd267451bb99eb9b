/* nb_hd.h - marks small inline helpers usable from CUDA device code too.
 * The engine is plain C; nvcc compiles the same helpers for the GPU so
 * that both backends evaluate identical formulas. */
#ifndef NB_HD_H
#define NB_HD_H

#ifdef __CUDACC__
#define NB_HD __host__ __device__
#define NB_FORCE_INLINE __attribute__ ((always_inline))
#else
#define NB_HD
#define NB_FORCE_INLINE __attribute__ ((always_inline))
#endif

#endif
