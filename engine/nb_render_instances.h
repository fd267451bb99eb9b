/* nb_render_instances.h - instantiates the per-pixel template
 * (nb_render_pixel.h) four ways: pixel_f64, trace_pixel_f64, pixel_f32 and
 * trace_pixel_f32.  The includer (the CPU and the CUDA backend) defines the
 * trace-record macros first, and optionally NB_PIXEL_QUALIFIERS and
 * NB_NEAREST_F_FLOAT (the float path's F(hkl) accessor). */

#define NB_T double
#define NB_SINCG nb_sincg_pi
#define NB_INDEX nb_index_of
#define NB_FN pixel_f64
#define NB_TRACING 0
#include "nb_render_pixel.h"
#undef NB_FN
#undef NB_TRACING
#define NB_FN trace_pixel_f64
#define NB_TRACING 1
#include "nb_render_pixel.h"
#undef NB_T
#undef NB_FN
#undef NB_TRACING
#undef NB_SINCG
#undef NB_INDEX

#ifdef NB_NEAREST_F_FLOAT
#define NB_NEAREST_F NB_NEAREST_F_FLOAT
#endif
#define NB_T float
#define NB_SINCG nb_sincg_pi_f
#define NB_INDEX nb_index_of_f
#define NB_FN pixel_f32
#define NB_TRACING 0
#include "nb_render_pixel.h"
#undef NB_FN
#undef NB_TRACING
#define NB_FN trace_pixel_f32
#define NB_TRACING 1
#include "nb_render_pixel.h"
#undef NB_T
#undef NB_FN
#undef NB_TRACING
#undef NB_SINCG
#undef NB_INDEX
#ifdef NB_NEAREST_F_FLOAT
#undef NB_NEAREST_F
#endif
