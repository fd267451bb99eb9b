/* nb_cuda.cu - the CUDA backend (host side).
 *
 * The host keeps computing what is per frame and small (crystal
 * orientations of every phi step and mosaic domain) and uploads it; the
 * model's bulk (F(hkl), sources, mask) lives on the device for the life of
 * the backend.  Three stream slots let frames N+1 and N+2 render and
 * copy while frame N is handed out (copied, or lent as page-locked
 * memory).  The kernels are in
 * nb_cuda_kernels.cuh.
 */
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "nb_cuda.h"
#include "nb_cuda_background.h"
#include "nb_cuda_readout.h"
#include "nb_error.h"
#include "nb_pinned.h"
#include "nb_parallel_copy.h"
}
#include "nb_physics.h"
#include "nb_cuda_kernels.cuh"

/* first_switch when interpolation never switched off */
#define NO_SWITCH 0xFFFFFFFFFFFFFFFFull

/* Frames in flight: a caller may submit this many frames ahead of the
 * one it takes.  Three let frame N+2's kernel run while frame N+1 is
 * copied to the host and frame N goes out: at one step per pixel the
 * kernel takes about as long as the copy. */
#define NB_CUDA_SLOTS 3

/* Page-locked frames a backend may hold: one per slot and up to six lent
 * downstream (a deep queue of 4096^2 frames would otherwise pin
 * gigabytes); beyond that frames are copied out instead. */
#define MAX_PINNED_FRAMES (NB_CUDA_SLOTS + 6)

/* ---- the backend ---- */

typedef struct {
  cudaStream_t stream;
  cudaEvent_t done;
  double *d_orient, *d_orient_first;    /* double tables, or float (cast) */
  void *h_orient;               /* pinned: both tables, device precision */
  float *d_image;
  float *h_image;               /* pinned, from NbCudaBackend.pinned */
  double *d_omega, *h_omega;
  unsigned long long *d_switch, *h_switch;
  NbCudaReadout *readout;       /* the slot's readout (PSF scratch), or NULL */
  void *d_counts;               /* the readout's output, 4 bytes a pixel */
  gint64 frame;                 /* submitted frame, -1 = free */
} Slot;

typedef struct {
  NbBackend parent;
  int device;
  NbModel dev_model;            /* the model with device pointers */
  NbSource *d_sources;
  NbHkl *d_hkl;
  double *d_F;
  float *d_F32;
  guint16 *d_mask;
  gsize n_orient;               /* doubles per table */
  gboolean fast;                /* fast_kernel renders the frames */
  FastBox <float> box_f;
  FastBox <double> box_d;
  FastShapeParams <float> shape_f;
  FastShapeParams <double> shape_d;
  double *h_orient_d;           /* host scratch, double tables */
  Slot slot[NB_CUDA_SLOTS];
  gint64 first_pixel;           /* where the first phi loop happens */
  gint64 last_frame;
  unsigned long long last_switch;
  NbTraceDevice *d_trace, *h_trace;
  int *d_coords;
  int trace_capacity;
  size_t npix;
  size_t max_smem;              /* shared memory a block may use for tables */
  NbPinnedFrames *pinned;       /* the slots' host frames, and lent ones */
  NbParallelCopy *copier;       /* copies frames out of pinned memory */
  int min_blocks;               /* register cap of the render kernels */
  gboolean reads_out;           /* frames leave as counts (set_readout) */
  NbCountsFormat counts_format;
  float *d_background;          /* added to every frame before the readout
                                 * (set_background), or NULL */
} NbCudaBackend;

static gboolean
check (cudaError_t e, const char *what, GError ** error)
{
  if (e == cudaSuccess)
    return TRUE;
  g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "CUDA %s: %s", what,
      cudaGetErrorString (e));
  return FALSE;
}

#define CHECK(call) do { if (!check ((call), #call, error)) return FALSE; } while (0)

extern "C" int
nb_cuda_device_count (gchar ** why)
{
  int n = 0;
  cudaError_t e = cudaGetDeviceCount (&n);
  if (e != cudaSuccess) {
    if (why)
      *why = g_strdup (cudaGetErrorString (e));
    return -1;
  }
  return n;
}

static gboolean
element_size_float (const NbCudaBackend * self)
{
  return self->parent.precision == NB_PRECISION_FLOAT32;
}

/* bytes of a frame as it leaves the device: photons or counts */
static gsize
frame_bytes (const NbCudaBackend * self)
{
  gsize per_pixel = self->reads_out && self->counts_format == NB_COUNTS_U16
      ? sizeof (guint16) : sizeof (float);
  return self->npix * per_pixel;
}

/* Rows of 9 doubles as rows of @stride values of T (zero-padded).
 * Returns their size in bytes. */
template <typename T>
static gsize
pack_rows (const double *rows9, gsize n_rows, int stride, T * out)
{
  for (gsize r = 0; r < n_rows; r++) {
    for (int i = 0; i < 9; i++)
      out[r * stride + i] = (T) rows9[r * 9 + i];
    for (int i = 9; i < stride; i++)
      out[r * stride + i] = 0;
  }
  return n_rows * stride * sizeof (T);
}

/* Both orientation tables of @frame (the carried-in one second) into
 * @out in the device precision, rows of @stride values: 9 for
 * render_kernel and the trace kernel, FastRow<T>::stride for fast_kernel.
 * @build FALSE: the tables of the last call, packed again.  Returns their
 * size in bytes. */
static gsize
pack_orientations (NbCudaBackend * self, gint64 frame, int stride,
    gboolean build, void *out)
{
  const NbModel *m = self->parent.model;
  gsize rows = 2 * self->n_orient / 9;

  if (build) {
    double phi = nb_model_frame_phi (m, frame);
    nb_orientations_build (m, phi, FALSE, self->h_orient_d);
    nb_orientations_build (m, phi, TRUE, self->h_orient_d + self->n_orient);
  }
  if (element_size_float (self))
    return pack_rows (self->h_orient_d, rows, stride, (float *) out);
  return pack_rows (self->h_orient_d, rows, stride, (double *) out);
}

static gsize
fill_orientations (NbCudaBackend * self, Slot * sl, gint64 frame,
    int stride)
{
  return pack_orientations (self, frame, stride, TRUE, sl->h_orient);
}

/* fast_kernel for the model's shape: nearest F, or tricubic F in two
 * passes and the switching pixel (nb_cuda_fast.cuh). */
template <typename T, int SHAPE>
static void
launch_fast_shape (const NbModel & m, const FastBox <T> &box,
    const FastShapeParams <T> &sp, const T * o, int rows, const T * o9,
    long long first, Slot * sl, dim3 grid, dim3 block)
{
  const T *o_first = o + rows * FastRow <T>::stride;
  if (!m.xtal.interpolate) {
    fast_kernel <T, 4, SHAPE, FAST_NEAREST> <<<grid, block, 0, sl->stream>>>
        (m, box, sp, o, o_first, rows, first, sl->d_image, sl->d_omega,
        sl->d_switch);
    return;
  }
  /* tricubic F holds 12 weights and 4 partial sums: 128 registers (2
   * blocks of 256) keep them out of local memory */
  fast_kernel <T, 2, SHAPE, FAST_CUBIC> <<<grid, block, 0, sl->stream>>> (m,
      box, sp, o, o_first, rows, first, sl->d_image, sl->d_omega,
      sl->d_switch);
  fast_kernel <T, 4, SHAPE, FAST_AFTER_SWITCH> <<<grid, block, 0,
      sl->stream>>> (m, box, sp, o, o_first, rows, first, sl->d_image, NULL,
      sl->d_switch);
  switch_pixel_kernel <T> <<<1, 32, 0, sl->stream>>> (m, o9,
      o9 + rows * 9, first, sl->d_image, sl->d_switch);
}

template <typename T>
static void
launch_fast_any (const NbModel & m, const FastBox <T> &box,
    const FastShapeParams <T> &sp, const T * o, int rows, const T * o9,
    long long first, Slot * sl, dim3 grid, dim3 block)
{
  switch (m.xtal.shape) {
    case NB_SHAPE_ROUND:
      launch_fast_shape <T, FAST_ROUND> (m, box, sp, o, rows, o9, first, sl,
          grid, block);
      break;
    case NB_SHAPE_GAUSS:
      launch_fast_shape <T, FAST_GAUSS> (m, box, sp, o, rows, o9, first, sl,
          grid, block);
      break;
    case NB_SHAPE_TOPHAT:
      launch_fast_shape <T, FAST_TOPHAT> (m, box, sp, o, rows, o9, first, sl,
          grid, block);
      break;
    default:
      launch_fast_shape <T, FAST_SQUARE> (m, box, sp, o, rows, o9, first, sl,
          grid, block);
      break;
  }
}

/* Uploads the frame's tables for fast_kernel and launches it; with
 * tricubic F also the rows of 9 that switch_pixel_kernel (the template)
 * reads. */
static cudaError_t
launch_fast (NbCudaBackend * self, Slot * sl, gint64 frame)
{
  const NbModel *m = self->parent.model;
  const gboolean f32 = element_size_float (self);
  gsize rows = self->n_orient / 9;
  dim3 block (32, 8);
  dim3 grid ((m->det.fpixels + 31) / 32, (m->det.spixels + 7) / 8);
  gsize bytes = fill_orientations (self, sl, frame, f32 ? NB_FAST_ROW_F
      : NB_FAST_ROW_D), bytes9 = 0;
  guint8 *d9 = (guint8 *) sl->d_orient + bytes;
  cudaError_t e;

  if (m->xtal.interpolate)
    bytes9 = pack_orientations (self, frame, 9, FALSE,
        (guint8 *) sl->h_orient + bytes);
  e = cudaMemcpyAsync (sl->d_orient, sl->h_orient, bytes + bytes9,
      cudaMemcpyHostToDevice, sl->stream);
  if (e != cudaSuccess)
    return e;
  if (f32)
    launch_fast_any <float> (self->dev_model, self->box_f, self->shape_f,
        (const float *) sl->d_orient, (int) rows, (const float *) d9,
        self->first_pixel, sl, grid, block);
  else
    launch_fast_any <double> (self->dev_model, self->box_d, self->shape_d,
        sl->d_orient, (int) rows, (const double *) d9, self->first_pixel, sl,
        grid, block);
  return cudaGetLastError ();
}

/* Uploads the frame's tables for render_kernel and launches it. */
static cudaError_t
launch_general (NbCudaBackend * self, Slot * sl, gint64 frame)
{
  gsize bytes = fill_orientations (self, sl, frame, 9);
  size_t smem = bytes <= self->max_smem ? bytes : 0;
  cudaError_t e;

  e = cudaMemcpyAsync (sl->d_orient, sl->h_orient, bytes,
      cudaMemcpyHostToDevice, sl->stream);
  if (e != cudaSuccess)
    return e;
  if (element_size_float (self))
    return launch_any <float> (self->min_blocks, self->dev_model,
        (const float *) sl->d_orient, (int) self->n_orient, smem,
        self->first_pixel, sl->d_image, sl->d_omega, sl->d_switch,
        sl->stream);
  return launch_any <double> (self->min_blocks, self->dev_model,
      sl->d_orient, (int) self->n_orient, smem, self->first_pixel,
      sl->d_image, sl->d_omega, sl->d_switch, sl->stream);
}

/* Frame @frame's slot: frames the backend's stride apart (its own
 * frames, as a fan-out member or an MPI rank) take consecutive slots. */
static Slot *
slot_of (NbCudaBackend * self, gint64 frame)
{
  gint64 k = frame / nb_backend_frame_stride (&self->parent);
  return &self->slot[k % NB_CUDA_SLOTS];
}

static gboolean
cuda_submit (NbBackend * backend, gint64 frame, GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;
  Slot *sl = slot_of (self, frame);

  CHECK (cudaSetDevice (self->device));
  if (sl->frame == frame)
    return TRUE;
  if (sl->frame != -1)
    CHECK (cudaEventSynchronize (sl->done));
  /* the pinned table may still be in flight for the previous frame; until
   * this submission is complete the slot holds no usable frame */
  sl->frame = -2;
  CHECK (cudaMemsetAsync (sl->d_omega, 0, sizeof (double), sl->stream));
  CHECK (cudaMemsetAsync (sl->d_switch, 0xFF, sizeof (unsigned long long),
          sl->stream));
  CHECK (self->fast ? launch_fast (self, sl, frame)
      : launch_general (self, sl, frame));
  if (self->d_background != NULL && !nb_cuda_background_add (sl->d_image,
          self->d_background, self->npix, sl->stream, error))
    return FALSE;
  if (self->reads_out) {
    /* the readout follows the render on the same stream: only counts
     * cross the bus */
    if (!nb_cuda_readout_enqueue (sl->readout, &backend->model->det,
            self->d_mask, (guint32) frame, sl->d_image, self->counts_format,
            sl->d_counts, sl->stream, error))
      return FALSE;
    CHECK (cudaMemcpyAsync (sl->h_image, sl->d_counts, frame_bytes (self),
            cudaMemcpyDeviceToHost, sl->stream));
  } else {
    CHECK (cudaMemcpyAsync (sl->h_image, sl->d_image, frame_bytes (self),
            cudaMemcpyDeviceToHost, sl->stream));
  }
  CHECK (cudaMemcpyAsync (sl->h_omega, sl->d_omega, sizeof (double),
          cudaMemcpyDeviceToHost, sl->stream));
  CHECK (cudaMemcpyAsync (sl->h_switch, sl->d_switch,
          sizeof (unsigned long long), cudaMemcpyDeviceToHost, sl->stream));
  CHECK (cudaEventRecord (sl->done, sl->stream));
  sl->frame = frame;
  return TRUE;
}

/* Submits @frame to its slot if it is not there, and waits for it. */
static gboolean
wait_frame (NbCudaBackend * self, Slot * sl, gint64 frame, GError ** error)
{
  if (sl->frame != frame && !cuda_submit (&self->parent, frame, error))
    return FALSE;
  CHECK (cudaEventSynchronize (sl->done));
  return TRUE;
}

/* After a frame is out: its solid-angle sum and interpolation switch,
 * and the slot is free. */
static void
finish_frame (NbCudaBackend * self, Slot * sl, gint64 frame,
    double *omega_sum)
{
  if (omega_sum)
    *omega_sum = *sl->h_omega;
  self->last_switch = *sl->h_switch;
  self->last_frame = frame;
  self->parent.interpolation_off_at = *sl->h_switch == NO_SWITCH ? -1
      : (gint64) * sl->h_switch;
  sl->frame = -1;
}

static gboolean
cuda_fetch (NbBackend * backend, gint64 frame, float *image,
    double *omega_sum, GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;
  Slot *sl = slot_of (self, frame);

  if (!wait_frame (self, sl, frame, error))
    return FALSE;
  nb_parallel_copy (self->copier, image, sl->h_image, frame_bytes (self));
  finish_frame (self, sl, frame, omega_sum);
  return TRUE;
}

/* Zero-copy: the slot's pinned frame goes out as it is and the slot
 * takes a free (or new) one for its next frame. */
static NbLentFrame *
cuda_lend (NbBackend * backend, gint64 frame, double *omega_sum,
    GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;
  Slot *sl = slot_of (self, frame);
  NbLentFrame *lent;
  float *replacement;
  GError *why = NULL;

  if (!wait_frame (self, sl, frame, error))
    return NULL;
  replacement = nb_pinned_frames_take (self->pinned, &why);
  if (replacement == NULL) {
    /* without an error: all pinned frames are out, the caller copies */
    if (why != NULL)
      g_propagate_error (error, why);
    return NULL;
  }
  lent = nb_pinned_frames_lend (self->pinned, sl->h_image);
  sl->h_image = replacement;
  finish_frame (self, sl, frame, omega_sum);
  return lent;
}

static gboolean
cuda_render (NbBackend * backend, gint64 frame, float *image,
    double *omega_sum, GError ** error)
{
  return cuda_submit (backend, frame, error)
      && cuda_fetch (backend, frame, image, omega_sum, error);
}

static gboolean
cuda_trace (NbBackend * backend, gint64 frame, NbTracePixel ** pixels, int n,
    GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;
  const NbDetector *d = &backend->model->det;
  Slot *sl = &self->slot[0];
  gboolean f32 = element_size_float (self);
  int *coords, *which;
  int n_in = 0;

  CHECK (cudaSetDevice (self->device));
  /* the trace borrows slot 0's tables: let every slot finish first */
  for (int i = 0; i < NB_CUDA_SLOTS; i++)
    if (self->slot[i].frame != -1)
      CHECK (cudaEventSynchronize (self->slot[i].done));
  if (self->last_frame != frame) {
    float *scratch = g_new (float, self->npix);
    gboolean ok = cuda_render (backend, frame, scratch, NULL, error);
    g_free (scratch);
    if (!ok)
      return FALSE;
  }
  if (n > self->trace_capacity) {
    cudaFree (self->d_trace);
    cudaFree (self->d_coords);
    cudaFreeHost (self->h_trace);
    self->d_trace = NULL;
    self->d_coords = NULL;
    self->h_trace = NULL;
    self->trace_capacity = 0;
    CHECK (cudaMalloc (&self->d_trace, n * sizeof (NbTraceDevice)));
    CHECK (cudaMalloc (&self->d_coords, 2 * n * sizeof (int)));
    CHECK (cudaMallocHost (&self->h_trace, n * sizeof (NbTraceDevice)));
    self->trace_capacity = n;
  }
  coords = g_new (int, 2 * n);
  which = g_new (int, n);
  for (int i = 0; i < n; i++) {
    NbTracePixel *t = pixels[i];
    g_array_set_size (t->visits, 0);
    g_array_set_size (t->phi_steps, 0);
    t->precision = backend->precision;
    t->phi_start = nb_model_frame_phi (backend->model, frame)
        * (180.0 * M_1_PI);
    t->inside = t->spixel >= 0 && t->spixel < d->spixels && t->fpixel >= 0
        && t->fpixel < d->fpixels && !nb_pixel_skipped (d, t->fpixel,
        t->spixel);
    if (!t->inside)
      continue;
    coords[2 * n_in] = t->spixel;
    coords[2 * n_in + 1] = t->fpixel;
    which[n_in++] = i;
  }
  if (n_in > 0) {
    gsize bytes = fill_orientations (self, sl, frame, 9);
    if (!check (cudaMemcpy (sl->d_orient, sl->h_orient, bytes,
                cudaMemcpyHostToDevice), "cudaMemcpy", error)
        || !check (cudaMemcpy (self->d_coords, coords,
                2 * n_in * sizeof (int), cudaMemcpyHostToDevice),
            "cudaMemcpy", error))
      goto fail;
    if (f32) {
      const float *o = (const float *) sl->d_orient;
      trace_kernel <float> <<<(n_in + 31) / 32, 32>>> (self->dev_model, o,
          o + self->n_orient, self->first_pixel, self->last_switch,
          self->d_coords, n_in, pixels[which[0]]->phi_start, self->d_trace);
    } else {
      const double *o = sl->d_orient;
      trace_kernel <double> <<<(n_in + 31) / 32, 32>>> (self->dev_model, o,
          o + self->n_orient, self->first_pixel, self->last_switch,
          self->d_coords, n_in, pixels[which[0]]->phi_start, self->d_trace);
    }
    if (!check (cudaGetLastError (), "trace kernel", error)
        || !check (cudaMemcpy (self->h_trace, self->d_trace,
                n_in * sizeof (NbTraceDevice), cudaMemcpyDeviceToHost),
            "cudaMemcpy", error))
      goto fail;
  }
  for (int j = 0; j < n_in; j++) {
    NbTracePixel *t = pixels[which[j]];
    const NbTraceDevice *r = &self->h_trace[j];
    g_array_append_vals (t->visits, r->visits, r->n_visits);
    g_array_append_vals (t->phi_steps, r->steps, r->n_steps);
    t->I_before_scaling = r->I_before_scaling;
    t->capture_fraction = r->capture_fraction;
    t->polar = r->polar;
    t->omega = r->omega;
    t->cos_2theta = r->cos_2theta;
    t->I_final = r->I_final;
    t->value = r->value;
    t->truncated = r->dropped;
  }
  g_free (coords);
  g_free (which);
  return TRUE;

fail:
  g_free (coords);
  g_free (which);
  return FALSE;
}

static void
cuda_free (NbBackend * backend)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;

  cudaSetDevice (self->device);
  for (int i = 0; i < NB_CUDA_SLOTS; i++) {
    Slot *sl = &self->slot[i];
    if (sl->stream) {
      cudaStreamSynchronize (sl->stream);
      cudaStreamDestroy (sl->stream);
    }
    if (sl->done)
      cudaEventDestroy (sl->done);
    cudaFree (sl->d_orient);
    cudaFree (sl->d_image);
    cudaFree (sl->d_omega);
    cudaFree (sl->d_switch);
    cudaFree (sl->d_counts);
    nb_cuda_readout_free (sl->readout);
    cudaFreeHost (sl->h_orient);
    nb_pinned_frames_give (self->pinned, sl->h_image);
    cudaFreeHost (sl->h_omega);
    cudaFreeHost (sl->h_switch);
  }
  cudaFree (self->d_sources);
  cudaFree (self->d_hkl);
  cudaFree (self->d_F);
  cudaFree (self->d_F32);
  cudaFree (self->d_mask);
  cudaFree (self->d_background);
  cudaFree (self->d_trace);
  cudaFree (self->d_coords);
  cudaFreeHost (self->h_trace);
  /* frames still lent out keep the set (and their memory) alive */
  nb_pinned_frames_unref (self->pinned);
  nb_parallel_copy_free (self->copier);
  g_free (self->h_orient_d);
  g_free (self);
}

/* Frames in flight (rendered for the old readout or background) are
 * waited for and dropped. */
static gboolean
drop_slots (NbCudaBackend * self, GError ** error)
{
  for (int i = 0; i < NB_CUDA_SLOTS; i++) {
    Slot *sl = &self->slot[i];
    if (sl->frame != -1)
      CHECK (cudaEventSynchronize (sl->done));
    sl->frame = -1;
  }
  return TRUE;
}

/* Frames in flight were rendered for the old readout: they are waited
 * for and dropped; every slot gets its readout and counts buffer. */
static gboolean
cuda_set_readout (NbBackend * backend, const NbReadout * readout,
    NbCountsFormat format, GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;

  CHECK (cudaSetDevice (self->device));
  if (!drop_slots (self, error))
    return FALSE;
  self->reads_out = FALSE;
  if (readout == NULL)
    return TRUE;
  for (int i = 0; i < NB_CUDA_SLOTS; i++) {
    Slot *sl = &self->slot[i];
    if (sl->readout == NULL) {
      sl->readout = nb_cuda_readout_new (self->device, error);
      if (sl->readout == NULL)
        return FALSE;
    }
    if (sl->d_counts == NULL)
      CHECK (cudaMalloc (&sl->d_counts, self->npix * sizeof (gint32)));
    if (!nb_cuda_readout_configure (sl->readout, readout, error))
      return FALSE;
  }
  self->reads_out = TRUE;
  self->counts_format = format;
  return TRUE;
}

static gboolean
alloc_background (NbCudaBackend * self, GError ** error)
{
  CHECK (cudaSetDevice (self->device));
  if (!drop_slots (self, error))
    return FALSE;
  if (self->d_background == NULL)
    CHECK (cudaMalloc (&self->d_background, self->npix * sizeof (float)));
  return TRUE;
}

static gboolean
cuda_set_background (NbBackend * backend, const float *photons,
    GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;

  if (photons == NULL) {
    CHECK (cudaSetDevice (self->device));
    if (!drop_slots (self, error))
      return FALSE;
    cudaFree (self->d_background);
    self->d_background = NULL;
    return TRUE;
  }
  if (!alloc_background (self, error))
    return FALSE;
  CHECK (cudaMemcpy (self->d_background, photons,
          self->npix * sizeof (float), cudaMemcpyHostToDevice));
  return TRUE;
}

/* Rendered on the device (float64, the CPU's per-pixel code), kept there;
 * one copy to the host for the caller. */
static gboolean
cuda_render_background (NbBackend * backend, const NbBackground * bg,
    float *photons, GError ** error)
{
  NbCudaBackend *self = (NbCudaBackend *) backend;
  NbCudaBackground *b;
  gboolean ok;

  if (!alloc_background (self, error))
    return FALSE;
  b = nb_cuda_background_new (bg, backend->model, self->device,
      self->d_sources, error);
  if (b == NULL)
    return FALSE;
  ok = nb_cuda_background_enqueue (b, &self->dev_model.det,
      self->d_background, NULL, 0, error)
      && check (cudaMemcpy (photons, self->d_background,
          self->npix * sizeof (float), cudaMemcpyDeviceToHost),
      "cudaMemcpy", error);
  nb_cuda_background_free (b);
  return ok;
}

static const NbBackendOps cuda_ops = {
  "cuda",
  cuda_render,
  cuda_submit,
  cuda_fetch,
  cuda_lend,
  cuda_trace,
  cuda_free,
  cuda_set_readout,
  cuda_set_background,
  cuda_render_background,
  NULL,                         /* set_frame_stride: read from parent */
};

static gboolean
upload_model (NbCudaBackend * self, const NbModel * m, GError ** error)
{
  NbHkl hkl = *m->xtal.hkl;
  gsize nF = (gsize) hkl.h_range * hkl.k_range * hkl.l_range;

  self->dev_model = *m;
  CHECK (cudaMalloc (&self->d_sources, m->n_sources * sizeof (NbSource)));
  CHECK (cudaMemcpy (self->d_sources, m->sources,
          m->n_sources * sizeof (NbSource), cudaMemcpyHostToDevice));
  CHECK (cudaMalloc (&self->d_F, nF * sizeof (double)));
  CHECK (cudaMemcpy (self->d_F, hkl.F, nF * sizeof (double),
          cudaMemcpyHostToDevice));
  hkl.F = self->d_F;
  {
    float *f32 = g_new (float, nF);
    gboolean ok;
    for (gsize i = 0; i < nF; i++)
      f32[i] = (float) m->xtal.hkl->F[i];
    ok = check (cudaMalloc (&self->d_F32, nF * sizeof (float)), "cudaMalloc",
        error) && check (cudaMemcpy (self->d_F32, f32, nF * sizeof (float),
            cudaMemcpyHostToDevice), "cudaMemcpy", error);
    g_free (f32);
    if (!ok)
      return FALSE;
  }
  hkl.F32 = self->d_F32;
  CHECK (cudaMalloc (&self->d_hkl, sizeof (NbHkl)));
  CHECK (cudaMemcpy (self->d_hkl, &hkl, sizeof (NbHkl),
          cudaMemcpyHostToDevice));
  if (m->det.mask) {
    CHECK (cudaMalloc (&self->d_mask, self->npix * sizeof (guint16)));
    CHECK (cudaMemcpy (self->d_mask, m->det.mask,
            self->npix * sizeof (guint16), cudaMemcpyHostToDevice));
  }
  /* host pointers the device must never see */
  self->dev_model.sources = self->d_sources;
  self->dev_model.xtal.hkl = self->d_hkl;
  self->dev_model.det.mask = self->d_mask;
  self->dev_model.mosaic_umats = NULL;
  self->box_f = fast_box <float> (m->xtal.hkl, self->d_F32,
      m->xtal.default_F);
  self->box_d = fast_box <double> (m->xtal.hkl, self->d_F, m->xtal.default_F);
  self->shape_f = fast_shape_params <float> (m);
  self->shape_d = fast_shape_params <double> (m);
  return TRUE;
}

static gboolean
alloc_slots (NbCudaBackend * self, GError ** error)
{
  /* room for both layouts (fast_kernel with tricubic F uploads both):
   * rows of 9 doubles, and padded rows */
  gsize tbytes = self->n_orient / 9 * (9 * sizeof (double)
      + MAX (NB_FAST_ROW_F * sizeof (float), NB_FAST_ROW_D * sizeof (double)));

  for (int i = 0; i < NB_CUDA_SLOTS; i++) {
    Slot *sl = &self->slot[i];
    sl->frame = -1;
    CHECK (cudaStreamCreateWithFlags (&sl->stream, cudaStreamNonBlocking));
    CHECK (cudaEventCreateWithFlags (&sl->done, cudaEventDisableTiming));
    CHECK (cudaMalloc (&sl->d_orient, 2 * tbytes));
    CHECK (cudaMallocHost (&sl->h_orient, 2 * tbytes));
    CHECK (cudaMalloc (&sl->d_image, self->npix * sizeof (float)));
    /* the set starts empty and holds MAX_PINNED_FRAMES > NB_CUDA_SLOTS */
    sl->h_image = nb_pinned_frames_take (self->pinned, error);
    if (sl->h_image == NULL)
      return FALSE;
    CHECK (cudaMalloc (&sl->d_omega, sizeof (double)));
    CHECK (cudaMallocHost (&sl->h_omega, sizeof (double)));
    CHECK (cudaMalloc (&sl->d_switch, sizeof (unsigned long long)));
    CHECK (cudaMallocHost (&sl->h_switch, sizeof (unsigned long long)));
  }
  return TRUE;
}

extern "C" NbBackend *
nb_backend_cuda_new (const NbModel * model, int gpu_id, NbPrecision precision,
    GError ** error)
{
  NbCudaBackend *self;
  gchar *why = NULL;
  int count = nb_cuda_device_count (&why);

  if (count <= 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND, "no CUDA device: %s",
        why ? why : "none found");
    g_free (why);
    return NULL;
  }
  if (gpu_id < 0 || gpu_id >= count) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "gpu-id %d: only %d CUDA device(s)", gpu_id, count);
    return NULL;
  }
  self = g_new0 (NbCudaBackend, 1);
  self->parent.ops = &cuda_ops;
  self->parent.model = model;
  self->parent.precision = precision;
  self->parent.interpolation_off_at = -1;
  self->device = gpu_id;
  self->npix = (size_t) model->det.fpixels * model->det.spixels;
  self->pinned = nb_pinned_frames_new (self->npix, MAX_PINNED_FRAMES,
      gpu_id);
  self->n_orient = (gsize) model->phisteps * model->n_mosaic * 9;
  self->h_orient_d = g_new (double, 2 * self->n_orient);
  /* where nanoBragg's first phi loop happens (phi carry-over) */
  self->first_pixel = nb_first_phi_loop_pixel (model);
  self->fast = nb_cuda_fast_applies (model);
  self->parent.kernel = self->fast ? "common-case kernel" : "general kernel";
  self->parent.queue_depth = NB_CUDA_SLOTS;
  self->last_frame = -1;
  self->last_switch = NO_SWITCH;
  {
    /* half the cores, 1 to 16 (NB_CUDA_COPY_THREADS overrides, for
     * measurements): at one step per pixel the copy out of pinned memory
     * is what limits the frame rate */
    const char *env = g_getenv ("NB_CUDA_COPY_THREADS");
    self->copier = nb_parallel_copy_new (env ? atoi (env)
        : (int) g_get_num_processors () / 2);
  }
  {
    /* NB_CUDA_MIN_BLOCKS (1-4) overrides the register cap, for tuning */
    const char *env = g_getenv ("NB_CUDA_MIN_BLOCKS");
    int optin = 0;
    self->min_blocks = env ? atoi (env) : 4;
    /* staging the tables in shared memory measured slower on H200 (a large
     * table leaves room for one block per SM); only on request */
    if (g_getenv ("NB_CUDA_STAGING") && cudaDeviceGetAttribute (&optin,
            cudaDevAttrMaxSharedMemoryPerBlockOptin, gpu_id) == cudaSuccess)
      self->max_smem = optin > 8192 ? (size_t) optin - 8192 : 0;
  }
  if (!check (cudaSetDevice (gpu_id), "cudaSetDevice", error)
      || !upload_model (self, model, error) || !alloc_slots (self, error)) {
    cuda_free (&self->parent);
    return NULL;
  }
  return &self->parent;
}
