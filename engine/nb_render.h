/* nb_render.h - rendering frames, and the backend interface.
 *
 * A backend turns a model into frames.  It is prepared once per model
 * (orientation tables, device copies...) and then renders any frame index
 * into a caller-provided float buffer of fpixels x spixels photons/pixel.
 */
#ifndef NB_RENDER_H
#define NB_RENDER_H

#include "nb_model.h"
#include "nb_readout.h"
#include "nb_trace.h"
#include "nb_hd.h"
#include "nb_error.h"
#include "nb_nonbragg.h"

G_BEGIN_DECLS

/* Per-frame statistics, computed as nanoBragg prints them. */
typedef struct {
  double max_I;                 /* brightest pixel value */
  double max_I_fast, max_I_slow;        /* its last sub-pixel position, m */
  int max_fpixel, max_spixel;
  double sum, avg, rms, rmsd;
  gsize count;                  /* pixels rendered */
  double omega_sum;             /* sum of omega over all sub-pixel visits */
} NbFrameStats;

typedef struct _NbBackend NbBackend;

/* A finished frame in memory the backend owns (a device backend's pinned
 * transfer buffer), lent out instead of copied: valid until released,
 * from any thread, also after the backend is freed. */
typedef struct _NbLentFrame NbLentFrame;
struct _NbLentFrame {
  const float *image;           /* fpixels x spixels photons, or counts of
                                 * the backend's readout format (cast) */
  void (*release) (NbLentFrame * self);
};

static inline void
nb_lent_frame_release (NbLentFrame * f)
{
  f->release (f);
}

typedef struct {
  const char *name;             /* "cpu", "cuda" */
  /* frame: index into the series (phi = phi0 + frame * osc) */
  gboolean (*render) (NbBackend * self, gint64 frame, float *image,
      double *omega_sum, GError ** error);
  /* optional: start rendering @frame without waiting (NULL: synchronous) */
  gboolean (*submit) (NbBackend * self, gint64 frame, GError ** error);
  /* optional: wait for a submitted @frame and copy it out */
  gboolean (*fetch) (NbBackend * self, gint64 frame, float *image,
      double *omega_sum, GError ** error);
  /* optional: like fetch, but lends the frame instead of copying it
   * (NULL: not supported; see nb_backend_lend) */
  NbLentFrame *(*lend) (NbBackend * self, gint64 frame, double *omega_sum,
      GError ** error);
  /* fills the records of @n traced pixels of @frame */
  gboolean (*trace) (NbBackend * self, gint64 frame, NbTracePixel ** pixels,
      int n, GError ** error);
  void (*free) (NbBackend * self);
  /* optional: read frames out on the backend's own device from the next
   * submission on (@readout NULL: photons again); NULL: the engine reads
   * out on the host after the render (see nb_backend_set_readout) */
  gboolean (*set_readout) (NbBackend * self, const NbReadout * readout,
      NbCountsFormat format, GError ** error);
  /* optional: keep @photons (a background image, NULL: none) on the
   * backend's device and add it to every frame before the readout; NULL:
   * the host adds NbBackend.background (nb_backend_background.c) */
  gboolean (*set_background) (NbBackend * self, const float *photons,
      GError ** error);
  /* optional: render @bg on the device, keep it there as with
   * set_background, and copy it into @photons; NULL: rendered on the
   * host's cores (nb_backend_render_background) */
  gboolean (*render_background) (NbBackend * self, const NbBackground * bg,
      float *photons, GError ** error);
  /* optional: passes nb_backend_set_frame_stride on (a fan-out to its
   * members) */
  void (*set_frame_stride) (NbBackend * self, gint64 stride);
} NbBackendOps;

typedef struct _NbHostReadout NbHostReadout;

struct _NbBackend {
  const NbBackendOps *ops;
  const NbModel *model;         /* borrowed; outlives the backend */
  NbPrecision precision;
  /* after a render: the pixel (row-major index) at which nanoBragg's
   * interpolation switch went off, or -1 */
  gint64 interpolation_off_at;
  /* which renderer draws the frames (for logs and tests) */
  const char *kernel;
  /* frames a caller may submit ahead of the one it takes (>= 1) */
  int queue_depth;
  /* the step between the frames this backend is given (1, or a fan-out's
   * member count, an MPI run's rank count; <= 0 reads 1): a device
   * backend keeps frame f in slot (f / stride) mod depth, so frames
   * stride apart take different slots (nb_backend_set_frame_stride) */
  gint64 frame_stride;
  /* set by nb_backend_set_readout: frames come out as counts */
  gboolean reads_out;
  NbCountsFormat counts_format;
  NbHostReadout *host_readout;  /* the readout done on the host, or NULL */
  int host_threads;             /* host threads the backend may use (its
                                 * host readout too); 0 = all cores */
  float *background;            /* photons added to every frame before the
                                 * readout (nb_backend_set_background), or
                                 * NULL */
};

/* From the next submitted frame on, adds @photons (fpixels x spixels, a
 * rendered amorphous background; copied) to every frame before the
 * readout, on the backend's device where it has one.  NULL: no
 * background.  Frames already submitted are not changed. */
gboolean nb_backend_set_background (NbBackend * b, const float *photons,
    GError ** error);

/* Renders @bg with the backend's model (on its device where the backend
 * can, else on the host's cores), sets it as with
 * nb_backend_set_background and copies it into @photons (float photons,
 * fpixels x spixels). */
gboolean nb_backend_render_background (NbBackend * b, const NbBackground * bg,
    float *photons, GError ** error);

/* The host's part: adds NbBackend.background to @image (backends without
 * set_background call it after each render). */
void nb_backend_add_background (const NbBackend * b, float *image);

/* From the next submitted frame on, frames come out as detector counts
 * of @format (4 or 2 bytes a pixel, in the caller's frame buffer) instead
 * of photons: the readout runs on the backend's device where it has one
 * (only counts cross the bus), else on the host's cores after the render.
 * Either way the counts are the same bits (nb_readout_pixel.h); frame
 * index i of the series is the readout's frame i.  @readout NULL: photons
 * again.  Frames already submitted are discarded.  Fails, naming the
 * parameter, when @readout does not pass nb_readout_check. */
gboolean nb_backend_set_readout (NbBackend * b, const NbReadout * readout,
    NbCountsFormat format, GError ** error);

/* Bytes of one pixel of the frames @b delivers: 4 (float photons or
 * 32-bit counts) or 2 (16-bit counts). */
static inline gsize
nb_backend_pixel_bytes (const NbBackend * b)
{
  return b->reads_out && b->counts_format == NB_COUNTS_U16 ? 2 : 4;
}

/* render / fetch with the host readout after them (nb_backend_readout.c) */
gboolean nb_backend_host_readout_render (NbBackend * b, gint64 frame,
    void *out, double *omega_sum, gboolean fetch, GError ** error);

/* The CPU backend (all cores by default; @threads 0 = g_get_num_processors). */
NbBackend *nb_backend_cpu_new (const NbModel * model, int threads,
    NbPrecision precision, GError ** error);

/* Renders @frame into @image (photons, or counts after
 * nb_backend_set_readout: see nb_backend_pixel_bytes). */
static inline gboolean
nb_backend_render (NbBackend * b, gint64 frame, float *image,
    double *omega_sum, GError ** error)
{
  if (b->host_readout != NULL)
    return nb_backend_host_readout_render (b, frame, image, omega_sum, FALSE,
        error);
  return b->ops->render (b, frame, image, omega_sum, error);
}

/* Streaming: submit frames N+1 .. N+depth-1 (nb_backend_queue_depth)
 * before taking frame N, so that a backend with a device renders them
 * while frame N is copied out; submitting further ahead discards frames
 * not yet taken.  Backends without an asynchronous path render in fetch. */
static inline int
nb_backend_queue_depth (const NbBackend * b)
{
  return MAX (b->queue_depth, 1);
}

/* Tells @b that it is given every @stride-th frame (a fan-out member, an
 * MPI rank), so that a device backend queues depth of them ahead, not
 * depth / gcd(stride, depth); set before the first submission. */
static inline void
nb_backend_set_frame_stride (NbBackend * b, gint64 stride)
{
  b->frame_stride = MAX (stride, 1);
  if (b->ops->set_frame_stride != NULL)
    b->ops->set_frame_stride (b, b->frame_stride);
}

static inline gint64
nb_backend_frame_stride (const NbBackend * b)
{
  return MAX (b->frame_stride, 1);
}

static inline gboolean
nb_backend_submit (NbBackend * b, gint64 frame, GError ** error)
{
  return b->ops->submit ? b->ops->submit (b, frame, error) : TRUE;
}

/* Submits @frame and as many of the backend's following frames (every
 * nb_backend_frame_stride-th) as it queues, stopping before @end (-1: no
 * end); frames already submitted stay. */
static inline gboolean
nb_backend_submit_ahead (NbBackend * b, gint64 frame, gint64 end,
    GError ** error)
{
  gint64 stride = nb_backend_frame_stride (b);
  gint64 last = frame + (nb_backend_queue_depth (b) - 1) * stride;
  if (end >= 0 && last >= end)
    last = MAX (end - 1, frame);
  for (gint64 f = frame; f <= last; f += stride)
    if (!nb_backend_submit (b, f, error))
      return FALSE;
  return TRUE;
}

static inline gboolean
nb_backend_fetch (NbBackend * b, gint64 frame, float *image,
    double *omega_sum, GError ** error)
{
  if (b->host_readout != NULL)
    return nb_backend_host_readout_render (b, frame, image, omega_sum, TRUE,
        error);
  if (b->ops->fetch)
    return b->ops->fetch (b, frame, image, omega_sum, error);
  return b->ops->render (b, frame, image, omega_sum, error);
}

/* TRUE when the backend can lend frames (nb_backend_lend). */
static inline gboolean
nb_backend_can_lend (const NbBackend * b)
{
  return b->ops->lend != NULL && b->host_readout == NULL;
}

/* Zero-copy streaming: wait for a submitted @frame and lend it out (see
 * NbLentFrame).  NULL with @error set on failure (also on a backend that
 * cannot lend); NULL without an error when the backend has lent all the
 * frames it may (they are still held): take the frame with
 * nb_backend_fetch instead.  @error must not be NULL. */
static inline NbLentFrame *
nb_backend_lend (NbBackend * b, gint64 frame, double *omega_sum,
    GError ** error)
{
  if (!nb_backend_can_lend (b)) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "the %s backend cannot lend frames", b->ops->name);
    return NULL;
  }
  return b->ops->lend (b, frame, omega_sum, error);
}

static inline gboolean
nb_backend_trace (NbBackend * b, gint64 frame, NbTracePixel ** pixels, int n,
    GError ** error)
{
  return b->ops->trace (b, frame, pixels, n, error);
}

void nb_backend_free (NbBackend * b);

/* A diagnostic map of @frame (fpixels x spixels floats), built from the
 * backend's trace records, a row at a time. */
gboolean nb_backend_trace_map (NbBackend * b, gint64 frame, NbTraceMap kind,
    float *out, GError ** error);

/* Orientations (a, b, c in m, 9 doubles) of every phi step x domain of a
 * frame starting at @phi_start (rad); @first: the table of the image's very
 * first phi loop (differs only with phi_carryover). */
void nb_orientations_build (const NbModel * m, double phi_start,
    gboolean first, double *out);

/* Inside the -roi rectangle (inclusive bounds). */
static inline NB_HD gboolean
nb_pixel_in_roi (const NbDetector * d, int fpixel, int spixel)
{
  return !(fpixel < d->roi_xmin || fpixel > d->roi_xmax
      || spixel < d->roi_ymin || spixel > d->roi_ymax);
}

/* Outside the ROI or zero in the mask: not rendered, exactly 0. */
static inline NB_HD gboolean
nb_pixel_skipped (const NbDetector * d, int fpixel, int spixel)
{
  if (!nb_pixel_in_roi (d, fpixel, spixel))
    return TRUE;
  return d->mask != NULL && d->mask[(gsize) spixel * d->fpixels + fpixel] == 0;
}

/* Row-major index of the first rendered pixel, or -1. */
gint64 nb_first_rendered_pixel (const NbDetector * d);

/* Row-major index of the first rendered pixel whose sum runs a phi loop
 * (where -dmin keeps at least one layer x sub-pixel x source), or -1.
 * nanoBragg's first phi loop of the image, the one that starts from the
 * unrotated crystal under phi_carryover, happens there.  Without
 * phi_carryover (where the two orientation tables are the same) this is
 * just the first rendered pixel. */
gint64 nb_first_phi_loop_pixel (const NbModel * m);

/* Statistics of a rendered frame over the ROI (mask-skipped pixels are
 * left out of the sums, as in nanoBragg). */
void nb_frame_stats (const NbModel * model, const float *image,
    double omega_sum, NbFrameStats * stats);

G_END_DECLS

#endif /* NB_RENDER_H */
