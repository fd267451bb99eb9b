/* nonbragg - drop-in command line for James Holton's nonBragg.c: the
 * diffuse scattering of an amorphous sample (water, air, ...) from a .stol
 * table, written as nonBragg's floatfile, SMV int and noise files and PGM.
 *
 * The flags nonBragg honours, matched exactly (docs/cli.md): the sample's
 * (-stol, -thickness, -density, -MW ...) and the beam-centre and detector
 * size flags (whose conventions differ from nanoBragg's) are handled here;
 * the others mean what they mean for nanobragg and go to the engine's
 * parser in their order.  Exit status: 0 ok, 1 runtime failure, 2 bad input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb_args.h"
#include "nb_error.h"
#include "nb_image.h"
#include "nb_nonbragg.h"
#include "nb_render.h"
#include "nb_vec.h"

typedef enum {
  F_PASS,                       /* a nanobragg flag with the same meaning */
  F_IGNORED,                    /* parsed by nonBragg without an effect */
  F_UNSUPPORTED,
  F_STOL, F_4STOL, F_Q,
  F_SAMPLESIZE, F_THICK, F_WIDTH, F_HEIGHT, F_DENSITY, F_MOLECULES, F_MW,
  F_XBEAM, F_YBEAM, F_XCLOSE, F_YCLOSE, F_ORGX, F_ORGY,
  F_DETSIZE, F_DETSIZE_X, F_DETSIZE_Y,
  F_DETPIXELS, F_DETPIXELS_X, F_DETPIXELS_Y
} FlagKind;

typedef struct {
  const char *name;
  FlagKind kind;
  int nargs;
  const char *help;
} Flag;

static const Flag flags[] = {
  {"-stol", F_STOL, 1, "FILE  sin(theta)/lambda (1/A) and F per molecule"},
  {"-4stol", F_4STOL, 1, "FILE  the same with 4 sin(theta)/lambda"},
  {"-Q", F_Q, 1, "FILE  the same with Q = 4 pi sin(theta)/lambda"},
  {"-thickness", F_THICK, 1, "mm  sample thickness along the beam (0.1)"},
  {"-thick", F_THICK, 1, NULL},
  {"-sample_thick", F_THICK, 1, NULL},
  {"-sample_thickness", F_THICK, 1, NULL},
  {"-sample_x", F_THICK, 1, NULL},
  {"-samplesize", F_SAMPLESIZE, 1, "mm  edge of a cube-shaped sample"},
  {"-sample_size", F_SAMPLESIZE, 1, NULL},
  {"-width", F_WIDTH, 1, "mm  sample width (0.1; clipped by -beamsize)"},
  {"-sample_width", F_WIDTH, 1, NULL},
  {"-sample_y", F_WIDTH, 1, NULL},
  {"-height", F_HEIGHT, 1, "mm  sample height (0.1; clipped by -beamsize)"},
  {"-sample_height", F_HEIGHT, 1, NULL},
  {"-sample_z", F_HEIGHT, 1, NULL},
  {"-density", F_DENSITY, 1, "g/cm^3  sample density (1)"},
  {"-sample_density", F_DENSITY, 1, NULL},
  {"-molecules", F_MOLECULES, 1, "n  molecules in the beam (sets the density)"},
  {"-sample_molecules", F_MOLECULES, 1, NULL},
  {"-MW", F_MW, 1, "g/mol  molecular weight (18)"},
  {"-molecular_weight", F_MW, 1, NULL},
  {"-Xbeam", F_XBEAM, 1, "mm  direct beam on the fast axis (pivot beam)"},
  {"-Ybeam", F_YBEAM, 1, "mm  direct beam on the slow axis (pivot beam)"},
  {"-Xclose", F_XCLOSE, 1, "mm  near point on the fast axis (pivot sample)"},
  {"-Yclose", F_YCLOSE, 1, "mm  near point on the slow axis (pivot sample)"},
  {"-ORGX", F_ORGX, 1, "px  near point, fast pixels (pivot sample)"},
  {"-ORGY", F_ORGY, 1, "px  near point, slow pixels (pivot sample)"},
  {"-detsize", F_DETSIZE, 1, "mm  detector size (102.4)"},
  {"-detsize_x", F_DETSIZE_X, 1, "mm  fast-axis size"},
  {"-detsize_f", F_DETSIZE_X, 1, NULL},
  {"-detsize_y", F_DETSIZE_Y, 1, "mm  slow-axis size"},
  {"-detsize_s", F_DETSIZE_Y, 1, NULL},
  {"-detpixels", F_DETPIXELS, 1, "n  pixels per axis"},
  {"-detpixels_x", F_DETPIXELS_X, 1, "n  fast-axis pixels"},
  {"-detpixels_f", F_DETPIXELS_X, 1, NULL},
  {"-detpixels_y", F_DETPIXELS_Y, 1, "n  slow-axis pixels"},
  {"-detpixels_s", F_DETPIXELS_Y, 1, NULL},
  /* the same as nanobragg's */
  {"-distance", F_PASS, 1, "mm  sample to beam spot (pivot beam; 100)"},
  {"-close_distance", F_PASS, 1, "mm  sample to detector plane (pivot sample)"},
  {"-pivot", F_PASS, 1, "sample|beam"},
  {"-twotheta", F_PASS, 1, "deg  detector two-theta (pivot sample)"},
  {"-detector_rotx", F_PASS, 1, "deg"},
  {"-detector_roty", F_PASS, 1, "deg"},
  {"-detector_rotz", F_PASS, 1, "deg"},
  {"-fdet_vector", F_PASS, 3, "x y z  fast axis (0 0 1)"},
  {"-sdet_vector", F_PASS, 3, "x y z  slow axis (0 -1 0)"},
  {"-beam_vector", F_PASS, 3, "x y z  beam direction (1 0 0)"},
  {"-polar_vector", F_PASS, 3, "x y z  E-vector (0 0 1)"},
  {"-twotheta_axis", F_PASS, 3, "x y z  (0 1 0)"},
  {"-spindle_axis", F_PASS, 3, "x y z  (header only)"},
  {"-curved_det", F_PASS, 0, "every pixel at the same distance"},
  {"-pixel", F_PASS, 1, "mm  pixel size (0.1)"},
  {"-point_pixel", F_PASS, 0, "omega = 1/R^2 (no obliquity)"},
  {"-polar", F_PASS, 1, "k  Kahn polarization factor (0)"},
  {"-nopolar", F_PASS, 0, "no polarization factor"},
  {"-oversample", F_PASS, 1, "n  sub-pixels per axis (1)"},
  {"-roi", F_PASS, 4, "xmin xmax ymin ymax  render only these pixels"},
  {"-lambda", F_PASS, 1, "A  wavelength (1)"},
  {"-wave", F_PASS, 1, NULL},
  {"-wavelength", F_PASS, 1, NULL},
  {"-energy", F_PASS, 1, "eV  photon energy"},
  {"-fluence", F_PASS, 1, "photons/m^2"},
  {"-flux", F_PASS, 1, "photons/s  (fluence = flux exposure / beamsize^2)"},
  {"-exposure", F_PASS, 1, "s  (1)"},
  {"-beamsize", F_PASS, 1, "mm  square beam (0.1); clips the sample"},
  {"-dispersion", F_PASS, 1, "%  spectral width"},
  {"-dispsteps", F_PASS, 1, "n  wavelengths"},
  {"-divergence", F_PASS, 1, "mrad  h and v divergence"},
  {"-hdivrange", F_PASS, 1, "mrad"},
  {"-vdivrange", F_PASS, 1, "mrad"},
  {"-hdivstep", F_PASS, 1, "mrad"},
  {"-vdivstep", F_PASS, 1, "mrad"},
  {"-hdivsteps", F_PASS, 1, "n"},
  {"-vdivsteps", F_PASS, 1, "n"},
  {"-divsteps", F_PASS, 1, "n"},
  {"-round_div", F_PASS, 0, "elliptical divergence grid (default)"},
  {"-square_div", F_PASS, 0, "full divergence grid"},
  {"-sourcefile", F_PASS, 1, "FILE  X Y Z weight lambda per source"},
  {"-phi", F_PASS, 1, "deg  (header only)"},
  {"-osc", F_PASS, 1, "deg  (header only)"},
  {"-phistep", F_PASS, 1, "deg  (header only)"},
  {"-phisteps", F_PASS, 1, "n  (header only)"},
  {"-floatfile", F_PASS, 1, "FILE  raw float32 photons (floatimage.bin)"},
  {"-floatimage", F_PASS, 1, NULL},
  {"-intfile", F_PASS, 1, "FILE  SMV noiseless counts (intimage.img)"},
  {"-intimage", F_PASS, 1, NULL},
  {"-pgmfile", F_PASS, 1, "FILE  8-bit PGM (image.pgm)"},
  {"-pgmimage", F_PASS, 1, NULL},
  {"-noisefile", F_PASS, 1, "FILE  SMV with Poisson noise (noiseimage.img)"},
  {"-noiseimage", F_PASS, 1, NULL},
  {"-nonoise", F_PASS, 0, "no noise image"},
  {"-nopgm", F_PASS, 0, "no PGM image"},
  {"-scale", F_PASS, 1, "s  counts per photon of the int file (auto)"},
  {"-pgmscale", F_PASS, 1, "s  PGM scale (auto)"},
  {"-adc", F_PASS, 1, "counts  ADC offset (40)"},
  {"-seed", F_PASS, 1, "n  noise seed"},
  {"-printout", F_PASS, 0, "(accepted)"},
  {"-printout_pixel", F_PASS, 2, "(accepted)"},
  {"-progress", F_PASS, 0, "(accepted)"},
  {"-noprogress", F_PASS, 0, "(accepted)"},
  {"-coherent", F_PASS, 0, "(accepted, unused by nonBragg)"},
  {"-threads", F_PASS, 1, "n  CPU threads (0 = all cores)"},
  {"-odet_vector", F_IGNORED, 3, "(accepted; nonBragg uses fdet x sdet)"},
  {"-pix0_vector", F_IGNORED, 3, "(accepted; unused, as nonBragg)"},
  {"-source_distance", F_IGNORED, 1, "(accepted; only directions count)"},
  {"-gain", F_IGNORED, 1, "(accepted; used by nonBragg's -img only)"},
  {"-noreject", F_IGNORED, 0, "(accepted)"},
  {"-img", F_UNSUPPORTED, 1, NULL},
  {"-ignore", F_UNSUPPORTED, 1, NULL},
  {"-stolout", F_UNSUPPORTED, 1, NULL},
  {"-Fmap", F_UNSUPPORTED, 0, NULL},
};

/* What nonBragg derives itself, in its units (m) before the engine's
 * detector sees it. */
typedef struct {
  NbAmorphousSpec sample;
  double detsize_x, detsize_y;  /* m */
  int fpixels, spixels;         /* 0 = from the size */
  double Xbeam, Ybeam, Xclose, Yclose, ORGX, ORGY;      /* m / pixels; NAN */
  gboolean pivot_sample;
} Geometry;

static const Flag *
find_flag (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    if (strcmp (flags[i].name, name) == 0)
      return &flags[i];
  return NULL;
}

static gboolean
parse_number (const char *flag, const char *s, double *v, GError ** error)
{
  char *end;
  *v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (*v)) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "%s: '%s' is not a number", flag, s);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_count (const char *flag, const char *s, int *v, GError ** error)
{
  double d;
  if (!parse_number (flag, s, &d, error))
    return FALSE;
  if (d != floor (d) || d < 0 || d > G_MAXINT) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "%s: '%s' is not a whole number of pixels", flag, s);
    return FALSE;
  }
  *v = (int) d;
  return TRUE;
}

/* One of the flags handled here, with its value @s. */
static gboolean
apply_own (Geometry * g, const Flag * f, const char *s, GError ** error)
{
  double v = 0.0;
  int n = 0;

  switch (f->kind) {
    case F_STOL:
    case F_4STOL:
    case F_Q:
      g_free (g->sample.stol_file);
      g->sample.stol_file = g_strdup (s);
      g->sample.units = f->kind == F_STOL ? NB_STOL_UNITS_STOL
          : f->kind == F_4STOL ? NB_STOL_UNITS_4STOL : NB_STOL_UNITS_Q;
      return TRUE;
    case F_DETPIXELS:
    case F_DETPIXELS_X:
    case F_DETPIXELS_Y:
      if (!parse_count (f->name, s, &n, error))
        return FALSE;
      break;
    default:
      if (!parse_number (f->name, s, &v, error))
        return FALSE;
      break;
  }
  switch (f->kind) {
    case F_SAMPLESIZE:
      g->sample.thickness = g->sample.width = g->sample.height = v;
      break;
    case F_THICK: g->sample.thickness = v; break;
    case F_WIDTH: g->sample.width = v; break;
    case F_HEIGHT: g->sample.height = v; break;
    case F_DENSITY: g->sample.density = v; break;
    case F_MOLECULES: g->sample.molecules = v; break;
    case F_MW: g->sample.molecular_weight = v; break;
    case F_XBEAM: g->Xbeam = v / 1000; g->pivot_sample = FALSE; break;
    case F_YBEAM: g->Ybeam = v / 1000; g->pivot_sample = FALSE; break;
    case F_XCLOSE: g->Xclose = v / 1000; g->pivot_sample = TRUE; break;
    case F_YCLOSE: g->Yclose = v / 1000; g->pivot_sample = TRUE; break;
    case F_ORGX: g->ORGX = v; g->pivot_sample = TRUE; break;
    case F_ORGY: g->ORGY = v; g->pivot_sample = TRUE; break;
    case F_DETSIZE: g->detsize_x = g->detsize_y = v / 1000; break;
    case F_DETSIZE_X: g->detsize_x = v / 1000; break;
    case F_DETSIZE_Y: g->detsize_y = v / 1000; break;
    case F_DETPIXELS: g->fpixels = g->spixels = n; break;
    case F_DETPIXELS_X: g->fpixels = n; break;
    case F_DETPIXELS_Y: g->spixels = n; break;
    default: break;
  }
  return TRUE;
}

/* Splits @argv into the flags handled here and the rest, which go to the
 * engine's parser in order; a pivot chosen here is passed on in place
 * ("-pivot beam|sample") so that the last pivot-setting flag wins, as in
 * nonBragg. */
static gboolean
parse_args (int argc, char **argv, Geometry * g, NbParams * p,
    GError ** error)
{
  GPtrArray *rest = g_ptr_array_new ();
  gboolean ok = TRUE;

  for (int i = 1; ok && i < argc; i++) {
    const Flag *f = find_flag (argv[i]);
    if (f == NULL) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "%s: unknown flag (nonbragg --help lists them)", argv[i]);
      ok = FALSE;
    } else if (i + f->nargs >= argc && f->nargs > 0) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "%s: needs %d value%s", f->name, f->nargs, f->nargs > 1 ? "s" : "");
      ok = FALSE;
    } else if (f->kind == F_UNSUPPORTED) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "%s: nonBragg's image-to-stol mode is not supported", f->name);
      ok = FALSE;
    } else if (f->kind == F_PASS) {
      for (int j = 0; j <= f->nargs; j++)
        g_ptr_array_add (rest, argv[i + j]);
    } else if (f->kind != F_IGNORED) {
      gboolean was_sample = g->pivot_sample;
      ok = apply_own (g, f, argv[i + 1], error);
      if (ok && (g->pivot_sample != was_sample || f->kind == F_XBEAM
              || f->kind == F_YBEAM || f->kind == F_XCLOSE
              || f->kind == F_YCLOSE || f->kind == F_ORGX
              || f->kind == F_ORGY)) {
        g_ptr_array_add (rest, (gpointer) "-pivot");
        g_ptr_array_add (rest, (gpointer) (g->pivot_sample ? "sample" :
                "beam"));
      }
    }
    if (f != NULL)
      i += f->nargs;
  }
  if (ok)
    ok = nb_args_apply (p, (int) rest->len, (const char *const *) rest->pdata,
        error);
  g_ptr_array_free (rest, TRUE);
  return ok;
}

static void
set3 (double v[3], double x, double y, double z)
{
  v[0] = x;
  v[1] = y;
  v[2] = z;
}

/* nonBragg's defaults where they differ from nanobragg's. */
static void
init_defaults (NbParams * p, Geometry * g)
{
  memset (g, 0, sizeof (*g));
  nb_amorphous_spec_init (&g->sample);
  g->detsize_x = g->detsize_y = 102.4e-3;
  g->Xbeam = g->Ybeam = g->Xclose = g->Yclose = NAN;
  g->ORGX = g->ORGY = NAN;

  p->convention = NB_CONVENTION_CUSTOM;
  p->pivot = NB_PIVOT_BEAM;
  set3 (p->beam, 1, 0, 0);
  set3 (p->fdet, 0, 0, 1);
  set3 (p->sdet, 0, -1, 0);
  set3 (p->polar_vector, 0, 0, 1);
  set3 (p->spindle, 0, 0, 1);
  set3 (p->twotheta_axis, 0, 1, 0);
  p->oversample = 1;
  /* no crystal: a nominal cell and an empty F table that nothing reads */
  p->user_cell = TRUE;
  for (int i = 0; i < 3; i++) {
    p->cell[i] = 100.0;
    p->cell[i + 3] = 90.0;
  }
  p->default_F = 1.0;
  g_clear_pointer (&p->dump_file, g_free);
}

/* nonBragg's detector size, pixel count and beam centres, handed to the
 * engine's CUSTOM convention (whose beam centre is on the fast and slow
 * axes, as nonBragg's). */
static void
resolve_geometry (NbParams * p, Geometry * g)
{
  double pixel = p->pixel_size / 1000.0;
  double Xclose = g->Xclose, Yclose = g->Yclose;
  double Xbeam = g->Xbeam, Ybeam = g->Ybeam;

  if (g->fpixels)
    g->detsize_x = pixel * g->fpixels;
  if (g->spixels)
    g->detsize_y = pixel * g->spixels;
  p->fpixels = (int) ceil (g->detsize_x / pixel);
  p->spixels = (int) ceil (g->detsize_y / pixel);
  if (!isnan (g->ORGX))
    Xclose = g->ORGX * pixel;
  if (!isnan (g->ORGY))
    Yclose = g->ORGY * pixel;
  if (isnan (Xclose))
    Xclose = (g->detsize_x - pixel) / 2.0;
  if (isnan (Yclose))
    Yclose = (g->detsize_y + pixel) / 2.0;
  if (isnan (Xbeam))
    Xbeam = Xclose;
  if (isnan (Ybeam))
    Ybeam = Yclose;
  /* CUSTOM takes its one centre for the pivot's point */
  p->Xbeam = 1000.0 * (p->pivot == NB_PIVOT_SAMPLE ? Xclose : Xbeam);
  p->Ybeam = 1000.0 * (p->pivot == NB_PIVOT_SAMPLE ? Yclose : Ybeam);
  p->Xclose = p->Yclose = p->ORGX = p->ORGY = NAN;
  /* nonBragg's detector normal is always fdet x sdet */
  nb_vec_cross (p->fdet, p->sdet, p->odet);
  nb_vec_unitize (p->odet, p->odet);
}

/* nonBragg renders NaN where the round divergence cut leaves no source
 * (a step larger than the range): here the central ray is rendered
 * instead, with a warning (docs/physics.md). */
static NbModel *
build_model (NbParams * p, GError ** error)
{
  NbModel *m = nb_model_new (p, NULL, error);
  if (m != NULL || p->hdivrange <= 0 || p->vdivrange <= 0 || !p->round_div)
    return m;
  {
    NbParams central;
    GError *retry_error = NULL;
    nb_params_copy (&central, p);
    central.hdivrange = central.vdivrange = 0.0;
    m = nb_model_new (&central, NULL, &retry_error);
    nb_params_clear (&central);
    if (m == NULL) {
      g_clear_error (&retry_error);
      return NULL;
    }
    printf ("WARNING: %s; nonBragg writes NaN here, rendering the central "
        "ray only\n", (*error)->message);
    g_clear_error (error);
  }
  return m;
}

static int
fail (GError * error, int status)
{
  fprintf (stderr, "nonbragg: %s\n", error ? error->message : "failed");
  g_clear_error (&error);
  return status;
}

static void
print_help (void)
{
  printf ("usage: nonbragg -stol water.stol [flags]\n");
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    if (flags[i].help != NULL)
      printf ("\t%-18s %s\n", flags[i].name, flags[i].help);
}

static void
print_setup (const NbModel * m, const NbBackground * bg, const Geometry * g)
{
  const NbDetector *d = &m->det;
  const NbAmorphousSpec *s = nb_background_spec (bg, 0);

  printf ("  created a total of %d sources\n", m->n_sources);
  printf ("  %d initialized F points (will cubic-spline interpolate between "
      "them)\n", nb_background_table (bg, 0)->n);
  printf ("  wave=%g meters +/- %g%% in %d steps\n", m->lambda0,
      m->dispersion * 100, m->dispsteps);
  if (m->nopolar)
    printf ("  polarization effect disabled\n");
  else
    printf ("  Kahn polarization factor: %f\n", m->polarization);
  printf ("  incident fluence: %lg photons/m^2\n", m->fluence);
  printf ("  sample is %lg m thick, %lg g/cm^3 and %lg g/mol (%lg molecules)"
      "\n", s->thickness / 1000, s->density, s->molecular_weight,
      nb_background_molecules (bg, 0, m));
  printf ("  distance=%g detsize=%gx%g  pixel=%g meters (%dx%d pixels)\n",
      d->distance, g->detsize_x, g->detsize_y, d->pixel_size, d->fpixels,
      d->spixels);
  printf ("  Xbeam=%g Ybeam=%g\n", d->Fbeam, d->Sbeam);
  printf ("  detector origin: %g %g %g\n", d->pix0[0], d->pix0[1],
      d->pix0[2]);
  printf ("  %d sources\n  %d pixel oversample steps\n", m->n_sources,
      d->oversample);
}

/* nonBragg's SMV header: beam centre on the fast axis and from the far
 * edge of the slow one, near point in pixels from the corner. */
static void
smv_header (const NbModel * m, const Geometry * g, NbSmvHeader * h)
{
  const NbDetector *d = &m->det;

  nb_image_smv_header (m, m->params.phi, h);
  h->beam_center_x = d->Fbeam * 1000.0;
  h->beam_center_y = (g->detsize_y - d->Sbeam) * 1000.0;
  h->xds_orgx = d->Fclose / d->pixel_size;
  h->xds_orgy = d->Sclose / d->pixel_size;
}

static gboolean
write_outputs (const NbModel * m, const Geometry * g, const float *image,
    double omega_sum, GError ** error)
{
  const NbParams *p = &m->params;
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  guint16 *counts = g_new (guint16, npix);
  NbFrameStats st;
  NbSmvHeader header;
  double scale;
  gboolean ok;

  nb_frame_stats (m, image, omega_sum, &st);
  printf ("solid angle subtended by detector = %g steradian ( %g%% sphere)"
      "\n", omega_sum, 100 * omega_sum / 4 / G_PI);
  printf ("writing %s as %" G_GSIZE_FORMAT " 4-byte floats\n", p->float_file,
      npix);
  ok = nb_image_write_float (p->float_file, image, npix, error);
  printf ("max_I = %g  at %g %g\n", st.max_I, st.max_I_fast, st.max_I_slow);
  printf ("mean= %g rms= %g rmsd= %g\n", st.avg, st.rms, st.rmsd);
  scale = p->int_scale > 0.0 ? p->int_scale
      : st.max_I > 0.0 ? 55000.0 / st.max_I : 1.0;
  printf ("intfile_scale = %g\n", scale);
  smv_header (m, g, &header);
  if (ok) {
    nb_image_to_counts (m, image, scale, p->adc_offset, counts);
    printf ("writing %s as 2-byte integers\n", p->int_file);
    ok = nb_smv_write (p->int_file, &header, counts, error);
  }
  if (ok && p->write_pgm) {
    double pgm_scale = p->pgm_scale > 0.0 ? p->pgm_scale
        : st.rmsd > 0.0 ? 250.0 / (5.0 * st.rmsd) : scale;
    printf ("pgm_scale = %g\nwriting %s as 1-byte integers\n", pgm_scale,
        p->pgm_file);
    ok = nb_image_write_pgm (m, image, pgm_scale, p->pgm_file, error);
  }
  if (ok && p->calculate_noise) {
    int overloads = 0;
    double photons = nb_image_to_noise (m, image, (long) p->seed, 1.0,
        p->adc_offset, counts, &overloads);
    printf ("%.0f photons on noise image (%d overloads)\n", photons,
        overloads);
    printf ("writing %s as 2-byte integers\n", p->noise_file);
    ok = nb_smv_write (p->noise_file, &header, counts, error);
  }
  g_free (counts);
  return ok;
}

int
main (int argc, char **argv)
{
  NbParams params;
  Geometry geom;
  NbModel *model = NULL;
  NbBackground *bg = nb_background_new ();
  GError *error = NULL;
  double *photons = NULL, omega_sum = 0.0;
  float *image = NULL;
  gsize npix;
  int status = 0;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      print_help ();
      nb_background_free (bg);
      return 0;
    }
  nb_params_init (&params);
  init_defaults (&params, &geom);
  if (!parse_args (argc, argv, &geom, &params, &error)) {
    status = fail (error, 2);
    goto out;
  }
  if (geom.sample.stol_file == NULL) {
    g_set_error (&error, NB_ERROR, NB_ERROR_ARGUMENT,
        "-stol: no .stol file given (usage: nonbragg -stol water.stol)");
    status = fail (error, 2);
    goto out;
  }
  resolve_geometry (&params, &geom);
  printf ("nonBragg amorphous material diffraction simulator (GStreamer "
      "nanobragg project, CPU engine)\n");
  printf ("reading %s\n", geom.sample.stol_file);
  /* a -sourcefile's weights count as nonBragg counts them */
  nb_background_set_raw_source_weights (bg, TRUE);
  if (!nb_background_add (bg, &geom.sample, "-stol", &error)) {
    status = fail (error, 2);
    goto out;
  }
  model = build_model (&params, &error);
  if (model == NULL) {
    status = fail (error, 2);
    goto out;
  }
  print_setup (model, bg, &geom);
  fflush (stdout);

  npix = (gsize) model->det.fpixels * model->det.spixels;
  photons = g_try_new (double, npix);
  image = g_try_new (float, npix);
  if (photons == NULL || image == NULL) {
    g_set_error (&error, NB_ERROR, NB_ERROR_VALUE,
        "cannot allocate a %dx%d image", model->det.fpixels,
        model->det.spixels);
    status = fail (error, 1);
    goto out;
  }
  if (!nb_background_render (bg, model, params.num_threads, photons,
          &omega_sum, &error)) {
    status = fail (error, 1);
    goto out;
  }
  for (gsize i = 0; i < npix; i++)
    image[i] = (float) photons[i];
  if (!write_outputs (model, &geom, image, omega_sum, &error))
    status = fail (error, 1);

out:
  g_free (photons);
  g_free (image);
  g_free (geom.sample.stol_file);
  nb_background_free (bg);
  nb_model_free (model);
  nb_params_clear (&params);
  return status;
}
