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

#define NB_PRAGMA(x) _Pragma (#x)
#define NB_UNROLL(n) NB_PRAGMA (unroll n)

/* float division: the GPU's fast reciprocal path (2 ulp) in the float32
 * renderer, plain division elsewhere */
#ifdef __CUDA_ARCH__
#define NB_FDIVF(a, b) __fdividef ((a), (b))
#else
#define NB_FDIVF(a, b) ((a) / (b))
#endif

#endif
