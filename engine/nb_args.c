/* nb_args.c - the nanoBragg command line, parsed strictly.
 *
 * nanoBragg.c matches flags by substring and ignores what it does not know;
 * a typo there silently changes an experiment.  Here every flag is looked
 * up in one table (with the aliases nanoBragg users rely on), values are
 * checked to be whole numbers, and anything else is an error that names the
 * flag.  Side effects nanoBragg gives some flags (the pivot chosen by
 * -distance, -Xbeam, -ORGX, -twotheta ...) are kept, in argument order.
 */
#include "nb_args.h"
#include "nb_error.h"
#include "nb_smv.h"
#include "nb_presets.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (nb-error-quark, nb_error)

typedef enum {
  O_NA, O_NB, O_NC, O_N, O_CELL, O_MISSET, O_SAMPLESIZE, O_SAMPLE_X,
  O_SAMPLE_Y, O_SAMPLE_Z, O_DENSITY, O_MW, O_XBEAM, O_YBEAM, O_XCLOSE,
  O_YCLOSE, O_ORGX, O_ORGY, O_PIVOT, O_MOSFLM, O_XDS, O_ADXV, O_DENZO,
  O_DIALS, O_FDET, O_SDET, O_ODET, O_BEAMV, O_POLARV, O_SPINDLE,
  O_TWOTHETA_AXIS, O_PIX0, O_DISTANCE, O_CLOSE_DISTANCE, O_DET_ABS,
  O_DET_THICK, O_DET_THICKSTEPS, O_TWOTHETA, O_ROTX, O_ROTY, O_ROTZ,
  O_DETSIZE, O_DETSIZE_F, O_DETSIZE_S, O_DETPIXELS, O_DETPIXELS_F,
  O_DETPIXELS_S, O_CURVED, O_PIXEL, O_POINT_PIXEL, O_POLAR, O_NOPOLAR,
  O_OS_THICK, O_OS_POLAR, O_OS_OMEGA, O_OVERSAMPLE, O_ROI, O_LAMBDA,
  O_ENERGY, O_FLUENCE, O_FLUX, O_EXPOSURE, O_BEAMSIZE, O_MOSAIC,
  O_MOSAIC_DOMAINS, O_DISPERSION, O_DISPSTEPS, O_DIVERGENCE, O_HDIVRANGE,
  O_VDIVRANGE, O_HDIVSTEP, O_HDIVSTEPS, O_VDIVSTEP, O_VDIVSTEPS,
  O_DIVSTEPS, O_ROUND_DIV, O_SQUARE_DIV, O_ADC, O_PHI, O_OSC, O_PHISTEP,
  O_PHISTEPS, O_DMIN, O_MAT, O_HKL, O_DEFAULT_F, O_DUMP, O_IMG, O_MASK,
  O_STOLOUT, O_STOL, O_4STOL, O_Q, O_SOURCEFILE, O_FLOATFILE, O_INTFILE,
  O_PGMFILE, O_NOISEFILE, O_NONOISE, O_NOPGM, O_SCALE, O_PGMSCALE,
  O_COHERENT, O_PRINTOUT, O_NOPROGRESS, O_PROGRESS, O_INTERPOLATE,
  O_NOINTERPOLATE, O_ROUND_XTAL, O_SQUARE_XTAL, O_GAUSS_XTAL, O_TOPHAT,
  O_FUDGE, O_PRINTOUT_PIXEL, O_SEED, O_MOSAIC_SEED, O_MISSET_SEED,
  O_WATER, O_TRACE_PIXEL, O_PHI_CARRYOVER, O_THREADS, O_PRECISION, O_DEVICE,
  O_GPU_ID, O_NOISE_RNG, O_CBFFILE, O_NXSFILE, O_FRAMES, O_SOURCE_WEIGHTS,
  O_SPECTRUM, O_DETECTOR,
  /* the readout-only flags (-noise_rng counter), O_READOUT_NOISE first and
   * O_MASKED_VALUE last: see is_readout_only */
  O_READOUT_NOISE, O_PSF_FWHM, O_CALIBRATION_ERROR, O_CALIBRATION_SEED,
  O_COUNT_CUTOFF, O_MASKED_VALUE
} NbOpt;

typedef struct {
  const char *name;
  NbOpt opt;
  int nargs;                    /* values that follow; -1 = variable */
  const char *help;
} NbFlag;

static const NbFlag flags[] = {
  {"-hkl", O_HKL, 1, "FILE  structure factors: h k l F per line"},
  {"-hklin", O_HKL, 1, NULL},
  {"-hklfile", O_HKL, 1, NULL},
  {"-mat", O_MAT, 1, "FILE  MOSFLM orientation matrix (reciprocal vectors x lambda)"},
  {"-matrix", O_MAT, 1, NULL},
  {"-cell", O_CELL, -1, "a b c al be ga  unit cell (Angstrom, degrees)"},
  {"-misset", O_MISSET, -1, "x y z | random | rand  crystal rotations (degrees)"},
  {"-default_F", O_DEFAULT_F, 1, "F  structure factor of unlisted hkl"},
  {"-dump", O_DUMP, 1, "FILE  Fdump cache file (default Fdump.bin)"},
  {"-dumpfile", O_DUMP, 1, NULL},
  {"-N", O_N, 1, "n  unit cells along each axis"},
  {"-Na", O_NA, 1, "n  unit cells along a"},
  {"-Nb", O_NB, 1, "n  unit cells along b"},
  {"-Nc", O_NC, 1, "n  unit cells along c"},
  {"-samplesize", O_SAMPLESIZE, 1, "mm  crystal size (all axes)"},
  {"-sample_size", O_SAMPLESIZE, 1, NULL},
  {"-xtalsize", O_SAMPLESIZE, 1, NULL},
  {"-xtal_size", O_SAMPLESIZE, 1, NULL},
  {"-sample_thick", O_SAMPLE_X, 1, "mm  crystal size along x"},
  {"-sample_thickness", O_SAMPLE_X, 1, NULL},
  {"-sample_x", O_SAMPLE_X, 1, NULL},
  {"-xtal_thick", O_SAMPLE_X, 1, NULL},
  {"-xtal_thickness", O_SAMPLE_X, 1, NULL},
  {"-xtal_x", O_SAMPLE_X, 1, NULL},
  {"-sample_width", O_SAMPLE_Y, 1, "mm  crystal size along y"},
  {"-sample_y", O_SAMPLE_Y, 1, NULL},
  {"-xtal_width", O_SAMPLE_Y, 1, NULL},
  {"-xtal_y", O_SAMPLE_Y, 1, NULL},
  {"-width", O_SAMPLE_Y, 1, NULL},
  {"-sample_height", O_SAMPLE_Z, 1, "mm  crystal size along z"},
  {"-sample_z", O_SAMPLE_Z, 1, NULL},
  {"-xtal_height", O_SAMPLE_Z, 1, NULL},
  {"-xtal_z", O_SAMPLE_Z, 1, NULL},
  {"-height", O_SAMPLE_Z, 1, NULL},
  {"-density", O_DENSITY, 1, "g/cm^3  sample density (informational)"},
  {"-sample_density", O_DENSITY, 1, NULL},
  {"-MW", O_MW, 1, "g/mol  molecular weight (informational)"},
  {"-molecular_weight", O_MW, 1, NULL},
  {"-round_xtal", O_ROUND_XTAL, 0, "ellipsoidal crystal (sinc3)"},
  {"-square_xtal", O_SQUARE_XTAL, 0, "parallelepiped crystal (default)"},
  {"-gauss_xtal", O_GAUSS_XTAL, 0, "Gaussian spots"},
  {"-tophat_spots", O_TOPHAT, 0, "flat-top spots"},
  {"-binary_spots", O_TOPHAT, 0, NULL},
  {"-fudge", O_FUDGE, 1, "f  spot-shape radius factor"},
  {"-interpolate", O_INTERPOLATE, 0, "tricubic interpolation of F"},
  {"-nointerpolate", O_NOINTERPOLATE, 0, "nearest-neighbour F"},
  {"-lambda", O_LAMBDA, 1, "A  wavelength"},
  {"-wavelength", O_LAMBDA, 1, NULL},
  {"-wave", O_LAMBDA, 1, NULL},
  {"-energy", O_ENERGY, 1, "eV  photon energy (lambda = 12398.42/E)"},
  {"-dispersion", O_DISPERSION, 1, "%  spectral width"},
  {"-dispsteps", O_DISPSTEPS, 1, "n  wavelengths"},
  {"-divergence", O_DIVERGENCE, 1, "mrad  h and v divergence"},
  {"-hdivrange", O_HDIVRANGE, 1, "mrad  horizontal divergence"},
  {"-vdivrange", O_VDIVRANGE, 1, "mrad  vertical divergence"},
  {"-hdivstep", O_HDIVSTEP, 1, "mrad  horizontal step"},
  {"-vdivstep", O_VDIVSTEP, 1, "mrad  vertical step"},
  {"-hdivsteps", O_HDIVSTEPS, 1, "n  horizontal source points"},
  {"-vdivsteps", O_VDIVSTEPS, 1, "n  vertical source points"},
  {"-divsteps", O_DIVSTEPS, 1, "n  source points per direction"},
  {"-round_div", O_ROUND_DIV, 0, "elliptical divergence grid (default)"},
  {"-square_div", O_SQUARE_DIV, 0, "full divergence grid"},
  {"-sourcefile", O_SOURCEFILE, 1, "FILE  X Y Z weight lambda per source"},
  {"-spectrum", O_SPECTRUM, 1, "FILE  wavelength(A) weight per line: the "
        "wavelengths of every divergence point (docs/physics.md)"},
  {"-source_weights", O_SOURCE_WEIGHTS, 1, "auto|on|off  weigh the sources "
        "(auto: off for -sourcefile, as nanoBragg; on for -spectrum)"},
  {"-fluence", O_FLUENCE, 1, "photons/m^2  integrated fluence"},
  {"-flux", O_FLUX, 1, "photons/s  (with -exposure, -beamsize)"},
  {"-exposure", O_EXPOSURE, 1, "s  exposure time"},
  {"-exposure_time", O_EXPOSURE, 1, NULL},
  {"-beamsize", O_BEAMSIZE, 1, "mm  beam size"},
  {"-polar", O_POLAR, 1, "k  Kahn polarization factor"},
  {"-nopolar", O_NOPOLAR, 0, "no polarization correction"},
  {"-nopolarization", O_NOPOLAR, 0, NULL},
  {"-water", O_WATER, 1, "um  water background thickness"},
  {"-water_size", O_WATER, 1, NULL},
  {"-mosflm", O_MOSFLM, 0, "MOSFLM convention (default)"},
  {"-xds", O_XDS, 0, "XDS convention"},
  {"-adxv", O_ADXV, 0, "ADXV convention"},
  {"-denzo", O_DENZO, 0, "DENZO convention"},
  {"-dials", O_DIALS, 0, "DIALS convention"},
  {"-pivot", O_PIVOT, 1, "sample|beam  detector pivot (CUSTOM)"},
  {"-distance", O_DISTANCE, 1, "mm  sample to beam spot distance"},
  {"-close_distance", O_CLOSE_DISTANCE, 1, "mm  sample to detector plane"},
  {"-pixel", O_PIXEL, 1, "mm  pixel size"},
  {"-pixel_size", O_PIXEL, 1, NULL},
  {"-pixelsize", O_PIXEL, 1, NULL},
  {"-detsize", O_DETSIZE, 1, "mm  detector size"},
  {"-detsize_f", O_DETSIZE_F, 1, "mm  fast-axis size"},
  {"-detsize_s", O_DETSIZE_S, 1, "mm  slow-axis size"},
  {"-detpixels", O_DETPIXELS, 1, "n  detector pixels per axis"},
  {"-detpixels_f", O_DETPIXELS_F, 1, "n  fast-axis pixels"},
  {"-detpixels_x", O_DETPIXELS_F, 1, NULL},
  {"-detpixels_s", O_DETPIXELS_S, 1, "n  slow-axis pixels"},
  {"-detpixels_y", O_DETPIXELS_S, 1, NULL},
  {"-Xbeam", O_XBEAM, 1, "mm  beam centre X (convention's axes)"},
  {"-Ybeam", O_YBEAM, 1, "mm  beam centre Y"},
  {"-Xclose", O_XCLOSE, 1, "mm  near point X"},
  {"-Yclose", O_YCLOSE, 1, "mm  near point Y"},
  {"-ORGX", O_ORGX, 1, "px  XDS origin fast"},
  {"-ORGY", O_ORGY, 1, "px  XDS origin slow"},
  {"-detector_rotx", O_ROTX, 1, "deg  detector rotation about x"},
  {"-detector_roty", O_ROTY, 1, "deg  detector rotation about y"},
  {"-detector_rotz", O_ROTZ, 1, "deg  detector rotation about z"},
  {"-twotheta", O_TWOTHETA, 1, "deg  detector two-theta"},
  {"-fdet_vector", O_FDET, 3, "x y z  fast axis (CUSTOM)"},
  {"-sdet_vector", O_SDET, 3, "x y z  slow axis (CUSTOM)"},
  {"-odet_vector", O_ODET, 3, "x y z  detector normal (CUSTOM)"},
  {"-beam_vector", O_BEAMV, 3, "x y z  beam direction (CUSTOM)"},
  {"-polar_vector", O_POLARV, 3, "x y z  E-vector (CUSTOM)"},
  {"-spindle_axis", O_SPINDLE, 3, "x y z  rotation axis (CUSTOM)"},
  {"-twotheta_axis", O_TWOTHETA_AXIS, 3, "x y z  two-theta axis (CUSTOM)"},
  {"-pix0_vector", O_PIX0, 3, "x y z  m; selects CUSTOM (value unused, as nanoBragg)"},
  {"-detector", O_DETECTOR, 1, "NAME  preset: pilatus6m|pilatus2m|"
        "pilatus300k|eiger2-16m|eiger2-9m|eiger2-4m|eiger2-1m|eiger2-500k "
        "(explicit flags win; docs/cli.md)"},
  {"-curved_det", O_CURVED, 0, "spherical detector"},
  {"-curved_detector", O_CURVED, 0, NULL},
  {"-point_pixel", O_POINT_PIXEL, 0, "omega = 1/R^2"},
  {"-detector_thick", O_DET_THICK, 1, "um  sensor thickness"},
  {"-detector_abs", O_DET_ABS, 1, "um|inf  sensor attenuation depth"},
  {"-detector_absorb", O_DET_ABS, 1, NULL},
  {"-detector_absorption", O_DET_ABS, 1, NULL},
  {"-detector_thicksteps", O_DET_THICKSTEPS, 1, "n  sensor layers"},
  {"-thicksteps", O_DET_THICKSTEPS, 1, NULL},
  {"-oversample", O_OVERSAMPLE, 1, "n  sub-pixels per axis"},
  {"-oversample_thick", O_OS_THICK, 0, "capture fraction per sub-pixel"},
  {"-oversample_polar", O_OS_POLAR, 0, "polarization per sub-pixel"},
  {"-oversample_omega", O_OS_OMEGA, 0, "solid angle per sub-pixel"},
  {"-roi", O_ROI, 4, "xmin xmax ymin ymax  render only these pixels"},
  {"-mask", O_MASK, 1, "FILE  SMV mask, 0 = skip"},
  {"-img", O_IMG, 1, "FILE  SMV header to take the detector from"},
  {"-dmin", O_DMIN, 1, "A  resolution limit"},
  {"-phi", O_PHI, 1, "deg  spindle start"},
  {"-osc", O_OSC, 1, "deg  oscillation range"},
  {"-oscillation", O_OSC, 1, NULL},
  {"-phistep", O_PHISTEP, 1, "deg  step"},
  {"-phisteps", O_PHISTEPS, 1, "n  phi steps"},
  {"-phi_carryover", O_PHI_CARRYOVER, 0, "reproduce nanoBragg's phi == 0 reuse"},
  {"-mosaic", O_MOSAIC, 1, "deg  mosaic spread"},
  {"-mosaicity", O_MOSAIC, 1, NULL},
  {"-mosaic_spread", O_MOSAIC, 1, NULL},
  {"-mosaic_domains", O_MOSAIC_DOMAINS, 1, "n  mosaic domains"},
  {"-mosaic_dom", O_MOSAIC_DOMAINS, 1, NULL},
  {"-mosaic_domain", O_MOSAIC_DOMAINS, 1, NULL},
  {"-mosaic_seed", O_MOSAIC_SEED, 1, "n  mosaic random seed"},
  {"-misset_seed", O_MISSET_SEED, 1, "n  seed of -misset random"},
  {"-seed", O_SEED, 1, "n  noise random seed"},
  {"-noise_rng", O_NOISE_RNG, 1, "nanobragg|counter  generator of -noisefile (default nanobragg)"},
  {"-readout_noise", O_READOUT_NOISE, 1, "counts  Gaussian read noise sigma (-noise_rng counter)"},
  {"-psf_fwhm", O_PSF_FWHM, 1, "pixels  Gaussian point-spread FWHM (-noise_rng counter)"},
  {"-calibration_error", O_CALIBRATION_ERROR, 1, "rel  static per-pixel gain error sigma, e.g. 0.01 (-noise_rng counter)"},
  {"-calibration_seed", O_CALIBRATION_SEED, 1, "n  seed of the gain error map, default 1 (-noise_rng counter)"},
  {"-count_cutoff", O_COUNT_CUTOFF, 1, "counts  saturation, default 65535 (-noise_rng counter)"},
  {"-masked_value", O_MASKED_VALUE, 1, "counts  masked/out-of-ROI pixels, 0..65535, default 0 (-noise_rng counter)"},
  {"-floatfile", O_FLOATFILE, 1, "FILE  raw float32 photons"},
  {"-floatimage", O_FLOATFILE, 1, NULL},
  {"-intfile", O_INTFILE, 1, "FILE  SMV noiseless counts"},
  {"-intimage", O_INTFILE, 1, NULL},
  {"-pgmfile", O_PGMFILE, 1, "FILE  8-bit PGM"},
  {"-pgmimage", O_PGMFILE, 1, NULL},
  {"-noisefile", O_NOISEFILE, 1, "FILE  SMV with Poisson noise"},
  {"-noiseimage", O_NOISEFILE, 1, NULL},
  {"-cbffile", O_CBFFILE, 1, "FILE  CBF of 32-bit counts (Poisson unless -nonoise; docs/cli.md)"},
  {"-frames", O_FRAMES, 1, "FIRST:COUNT  frames FIRST .. FIRST+COUNT-1 of the series (phi + i * osc), one file set each (docs/cli.md)"},
  {"-nxsfile", O_NXSFILE, 1, "FILE  NeXus/NXmx HDF5 of the -cbffile's counts (docs/cli.md)"},
  {"-nxs_compression", O_NXSFILE, 1, "bslz4|none  -nxsfile's chunks, default bslz4"},
  {"-nonoise", O_NONOISE, 0, "no noise image"},
  {"-nopgm", O_NOPGM, 0, "no PGM image"},
  {"-scale", O_SCALE, 1, "s  counts per photon of the int image"},
  {"-pgmscale", O_PGMSCALE, 1, "s  PGM scale"},
  {"-adc", O_ADC, 1, "counts  ADC offset"},
  {"-adc_offset", O_ADC, 1, NULL},
  {"-stol", O_STOL, 1, "FILE  F(stol) table (accepted, unused)"},
  {"-4stol", O_4STOL, 1, NULL},
  {"-Q", O_Q, 1, NULL},
  {"-stolout", O_STOLOUT, 1, "FILE  (accepted, unused)"},
  {"-coherent", O_COHERENT, 0, "(accepted, unused by nanoBragg)"},
  {"-printout", O_PRINTOUT, 0, "print pixel values"},
  {"-printout_pixel", O_PRINTOUT_PIXEL, 2, "fast slow  print one pixel"},
  {"-trace_pixel", O_TRACE_PIXEL, 2, "slow fast  trace one pixel (repeatable)"},
  {"-progress", O_PROGRESS, 0, "progress meter (default)"},
  {"-noprogress", O_NOPROGRESS, 0, "no progress meter"},
  {"-threads", O_THREADS, 1, "n  CPU threads (0 = all cores)"},
  {"-precision", O_PRECISION, 1, "double|float  arithmetic of the renderer"},
  {"-device", O_DEVICE, 1, "auto|cpu|cuda  where to render (auto: GPU if any)"},
  {"-gpu_id", O_GPU_ID, 1, "LIST  CUDA device index, or indices \"0,1,2\" "
        "or \"all\": frames fanned out over them (a device may repeat)"},
};

static const NbFlag *
find_flag (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (strcmp (flags[i].name, name) == 0)
      return &flags[i];
  return NULL;
}

static gboolean
parse_double (const char *flag, const char *text, double *out,
    GError ** error)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || errno == ERANGE || !isfinite (v)) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "%s: '%s' is not a number", flag, text);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

static gboolean
parse_int (const char *flag, const char *text, int *out, GError ** error)
{
  char *end = NULL;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE || v > G_MAXINT
      || v < G_MININT) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "%s: '%s' is not a whole number", flag, text);
    return FALSE;
  }
  *out = (int) v;
  return TRUE;
}

static gboolean
looks_numeric (const char *text)
{
  char *end = NULL;
  g_ascii_strtod (text, &end);
  return end != text && *end == '\0';
}

static void
set_string (gchar ** field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Reads @n numbers after flag @i into @out. */
static gboolean
take_doubles (const char *const *argv, int i, int n, double *out,
    GError ** error)
{
  for (int k = 0; k < n; k++)
    if (!parse_double (argv[i], argv[i + 1 + k], &out[k], error))
      return FALSE;
  return TRUE;
}

static gboolean
take_ints (const char *const *argv, int i, int n, int *out, GError ** error)
{
  for (int k = 0; k < n; k++)
    if (!parse_int (argv[i], argv[i + 1 + k], &out[k], error))
      return FALSE;
  return TRUE;
}

/* Applies one flag whose fixed-count values are argv[i+1 ...]. */
static gboolean
apply_fixed (NbParams * p, const NbFlag * f, const char *const *argv, int i,
    GError ** error)
{
  const char *name = argv[i];
  const char *s = f->nargs > 0 ? argv[i + 1] : NULL;
  double d[4];
  int n[4];

#define D1(field) do { if (!take_doubles (argv, i, 1, d, error)) return FALSE; field = d[0]; } while (0)
#define I1(field) do { if (!take_ints (argv, i, 1, n, error)) return FALSE; field = n[0]; } while (0)
#define V3(field) do { if (!take_doubles (argv, i, 3, d, error)) return FALSE; \
      field[0] = d[0]; field[1] = d[1]; field[2] = d[2]; \
      p->convention = NB_CONVENTION_CUSTOM; } while (0)

  switch (f->opt) {
    case O_NA: D1 (p->Na); break;
    case O_NB: D1 (p->Nb); break;
    case O_NC: D1 (p->Nc); break;
    case O_N: D1 (p->Na); p->Nb = p->Nc = p->Na; break;
    case O_SAMPLESIZE: D1 (p->sample_x); p->sample_y = p->sample_z = p->sample_x; break;
    case O_SAMPLE_X: D1 (p->sample_x); break;
    case O_SAMPLE_Y: D1 (p->sample_y); break;
    case O_SAMPLE_Z: D1 (p->sample_z); break;
    case O_DENSITY: D1 (p->density); break;
    case O_MW: D1 (p->molecular_weight); break;
    case O_XBEAM: D1 (p->Xbeam); p->pivot = NB_PIVOT_BEAM; break;
    case O_YBEAM: D1 (p->Ybeam); p->pivot = NB_PIVOT_BEAM; break;
    case O_XCLOSE: D1 (p->Xclose); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_YCLOSE: D1 (p->Yclose); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_ORGX: D1 (p->ORGX); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_ORGY: D1 (p->ORGY); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_PIVOT:
      if (strcmp (s, "sample") == 0)
        p->pivot = NB_PIVOT_SAMPLE;
      else if (strcmp (s, "beam") == 0)
        p->pivot = NB_PIVOT_BEAM;
      else {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not 'sample' or 'beam'", name, s);
        return FALSE;
      }
      break;
    case O_MOSFLM: p->convention = NB_CONVENTION_MOSFLM; p->pivot = NB_PIVOT_BEAM; break;
    case O_XDS: p->convention = NB_CONVENTION_XDS; p->pivot = NB_PIVOT_SAMPLE; break;
    case O_ADXV: p->convention = NB_CONVENTION_ADXV; p->pivot = NB_PIVOT_BEAM; break;
    case O_DENZO: p->convention = NB_CONVENTION_DENZO; p->pivot = NB_PIVOT_BEAM; break;
    case O_DIALS: p->convention = NB_CONVENTION_DIALS; p->pivot = NB_PIVOT_BEAM; break;
    case O_FDET: V3 (p->fdet); break;
    case O_SDET: V3 (p->sdet); break;
    case O_ODET: V3 (p->odet); break;
    case O_BEAMV: V3 (p->beam); break;
    case O_POLARV: V3 (p->polar_vector); break;
    case O_SPINDLE: V3 (p->spindle); break;
    case O_TWOTHETA_AXIS: V3 (p->twotheta_axis); break;
    case O_PIX0: V3 (p->pix0); break;
    case O_DISTANCE: D1 (p->distance); p->pivot = NB_PIVOT_BEAM; break;
    case O_CLOSE_DISTANCE: D1 (p->close_distance); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_DET_ABS:
      if (strcmp (s, "inf") == 0) {
        d[0] = 0.0;
      } else if (!parse_double (name, s, &d[0], error)) {
        return FALSE;
      }
      if (d[0] == 0.0) {
        /* nanoBragg: an infinite attenuation depth also drops the thickness */
        p->detector_thick = 0.0;
        p->detector_abs = 0.0;
        p->detector_explicit |= NB_PRESET_FIELD_THICKNESS;
      } else {
        p->detector_abs = d[0];
      }
      break;
    case O_DET_THICK: D1 (p->detector_thick); break;
    case O_DET_THICKSTEPS: I1 (p->detector_thicksteps); break;
    case O_TWOTHETA: D1 (p->twotheta); p->pivot = NB_PIVOT_SAMPLE; break;
    case O_ROTX: D1 (p->detector_rot[0]); break;
    case O_ROTY: D1 (p->detector_rot[1]); break;
    case O_ROTZ: D1 (p->detector_rot[2]); break;
    case O_DETSIZE: D1 (p->detsize_f); p->detsize_s = p->detsize_f; break;
    case O_DETSIZE_F: D1 (p->detsize_f); break;
    case O_DETSIZE_S: D1 (p->detsize_s); break;
    case O_DETPIXELS: I1 (p->fpixels); p->spixels = p->fpixels; break;
    case O_DETPIXELS_F: I1 (p->fpixels); break;
    case O_DETPIXELS_S: I1 (p->spixels); break;
    case O_CURVED: p->curved_det = TRUE; break;
    case O_PIXEL: D1 (p->pixel_size); break;
    case O_POINT_PIXEL: p->point_pixel = TRUE; break;
    case O_POLAR: D1 (p->polarization); p->nopolar = FALSE; break;
    case O_NOPOLAR: p->nopolar = TRUE; break;
    case O_OS_THICK: p->oversample_thick = TRUE; break;
    case O_OS_POLAR: p->oversample_polar = TRUE; break;
    case O_OS_OMEGA: p->oversample_omega = TRUE; break;
    case O_OVERSAMPLE: I1 (p->oversample); break;
    case O_ROI:
      if (!take_ints (argv, i, 4, n, error))
        return FALSE;
      memcpy (p->roi, n, sizeof (p->roi));
      break;
    case O_LAMBDA: D1 (p->wavelength); break;
    case O_ENERGY:
      D1 (d[1]);
      if (d[1] <= 0.0) {
        g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
            "%s: photon energy must be > 0 eV, got %s", name, s);
        return FALSE;
      }
      p->wavelength = 12398.42 / d[1];
      break;
    case O_FLUENCE: D1 (p->fluence); break;
    case O_FLUX: D1 (p->flux); break;
    case O_EXPOSURE: D1 (p->exposure); break;
    case O_BEAMSIZE: D1 (p->beamsize); break;
    case O_MOSAIC: D1 (p->mosaic_spread); break;
    case O_MOSAIC_DOMAINS: I1 (p->mosaic_domains); break;
    case O_DISPERSION: D1 (p->dispersion); break;
    case O_DISPSTEPS: I1 (p->dispsteps); break;
    case O_DIVERGENCE: D1 (p->hdivrange); p->vdivrange = p->hdivrange; break;
    case O_HDIVRANGE: D1 (p->hdivrange); break;
    case O_VDIVRANGE: D1 (p->vdivrange); break;
    case O_HDIVSTEP: D1 (p->hdivstep); break;
    case O_HDIVSTEPS: I1 (p->hdivsteps); break;
    case O_VDIVSTEP: D1 (p->vdivstep); break;
    case O_VDIVSTEPS: I1 (p->vdivsteps); break;
    case O_DIVSTEPS: I1 (p->hdivsteps); p->vdivsteps = p->hdivsteps; break;
    case O_ROUND_DIV: p->round_div = TRUE; break;
    case O_SQUARE_DIV: p->round_div = FALSE; break;
    case O_ADC: D1 (p->adc_offset); break;
    case O_PHI: D1 (p->phi); break;
    case O_OSC: D1 (p->osc); break;
    case O_PHISTEP: D1 (p->phistep); break;
    case O_PHISTEPS: I1 (p->phisteps); break;
    case O_DMIN: D1 (p->dmin); break;
    case O_MAT: set_string (&p->mat_file, s); break;
    case O_HKL: set_string (&p->hkl_file, s); break;
    case O_DEFAULT_F: D1 (p->default_F); break;
    case O_DUMP: set_string (&p->dump_file, s); break;
    case O_IMG: set_string (&p->img_file, s); break;
    case O_MASK: set_string (&p->mask_file, s); break;
    case O_STOLOUT: set_string (&p->stolout_file, s); break;
    case O_STOL: set_string (&p->stol_file, s); p->stol_file_mult = 1e10; break;
    case O_4STOL: set_string (&p->stol_file, s); p->stol_file_mult = 1e10 / 4; break;
    case O_Q: set_string (&p->stol_file, s); p->stol_file_mult = 1e10 / G_PI / 4; break;
    case O_SOURCEFILE: set_string (&p->source_file, s); break;
    case O_SPECTRUM: set_string (&p->spectrum_file, s); break;
    case O_SOURCE_WEIGHTS:
      if (strcmp (s, "auto") == 0)
        p->source_weights = NB_SOURCE_WEIGHTS_AUTO;
      else if (strcmp (s, "on") == 0)
        p->source_weights = NB_SOURCE_WEIGHTS_ON;
      else if (strcmp (s, "off") == 0)
        p->source_weights = NB_SOURCE_WEIGHTS_OFF;
      else {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not 'auto', 'on' or 'off'", name, s);
        return FALSE;
      }
      break;
    case O_DETECTOR:
      if (!nb_detector_preset_from_name (s, &p->detector)) {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not a detector preset (%s)", name, s,
            nb_detector_preset_names ());
        return FALSE;
      }
      break;
    case O_FLOATFILE: set_string (&p->float_file, s); break;
    case O_INTFILE: set_string (&p->int_file, s); break;
    case O_PGMFILE: set_string (&p->pgm_file, s); p->write_pgm = TRUE; break;
    case O_NOISEFILE: set_string (&p->noise_file, s); p->calculate_noise = TRUE; break;
    case O_NONOISE: p->calculate_noise = FALSE; break;
    case O_CBFFILE:
    case O_NXSFILE:
      /* tools/nanobragg.c takes them off its command line before this; a
       * pipeline has nbcbfenc and nbnxsink */
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "%s: only the "
          "nanobragg command line writes %s files (in a pipeline: %s)",
          name, f->opt == O_CBFFILE ? "CBF" : "NeXus",
          f->opt == O_CBFFILE ? "nbcbfenc" : "nbnxsink");
      return FALSE;
    case O_FRAMES:
      /* tools/nanobragg.c takes it too; a pipeline seeks by frame */
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT, "%s: only the "
          "nanobragg command line renders frame ranges (in a pipeline: "
          "nanobraggsrc num-frames and a seek)", name);
      return FALSE;
    case O_NOPGM: p->write_pgm = FALSE; break;
    case O_SCALE: D1 (p->int_scale); break;
    case O_PGMSCALE: D1 (p->pgm_scale); p->write_pgm = TRUE; break;
    case O_COHERENT: p->coherent = TRUE; break;
    case O_PRINTOUT: p->printout = TRUE; break;
    case O_NOPROGRESS: p->progress = FALSE; break;
    case O_PROGRESS: p->progress = TRUE; break;
    case O_INTERPOLATE: p->interpolate = NB_INTERPOLATE_ON; break;
    case O_NOINTERPOLATE: p->interpolate = NB_INTERPOLATE_OFF; break;
    case O_ROUND_XTAL: p->shape = NB_SHAPE_ROUND; break;
    case O_SQUARE_XTAL: p->shape = NB_SHAPE_SQUARE; break;
    case O_GAUSS_XTAL: p->shape = NB_SHAPE_GAUSS; break;
    case O_TOPHAT: p->shape = NB_SHAPE_TOPHAT; break;
    case O_FUDGE: D1 (p->fudge); break;
    case O_PRINTOUT_PIXEL:
      if (!take_ints (argv, i, 2, n, error))
        return FALSE;
      p->printout = TRUE;
      p->printout_fpixel = n[0];
      p->printout_spixel = n[1];
      break;
    case O_TRACE_PIXEL:
      if (!take_ints (argv, i, 2, n, error))
        return FALSE;
      if (p->num_trace_pixels >= NB_MAX_TRACE_PIXELS) {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: at most %d pixels can be traced", name, NB_MAX_TRACE_PIXELS);
        return FALSE;
      }
      p->trace_pixels[p->num_trace_pixels][0] = n[0];
      p->trace_pixels[p->num_trace_pixels][1] = n[1];
      p->num_trace_pixels++;
      break;
    case O_SEED: I1 (n[1]); p->seed = -(gint64) n[1]; p->seed_set = TRUE; break;
    case O_MOSAIC_SEED: I1 (n[1]); p->mosaic_seed = n[1]; break;
    case O_MISSET_SEED: I1 (n[1]); p->misset_seed = n[1]; p->misset_seed_set = TRUE; break;
    case O_WATER: D1 (p->water); break;
    case O_PHI_CARRYOVER: p->phi_carryover = TRUE; break;
    case O_THREADS: I1 (p->num_threads); break;
    case O_PRECISION:
      if (strcmp (s, "double") == 0 || strcmp (s, "float64") == 0)
        p->precision = NB_PRECISION_FLOAT64;
      else if (strcmp (s, "float") == 0 || strcmp (s, "float32") == 0)
        p->precision = NB_PRECISION_FLOAT32;
      else {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not 'double' or 'float'", name, s);
        return FALSE;
      }
      break;
    case O_DEVICE:
      if (strcmp (s, "auto") == 0)
        p->device = 0;
      else if (strcmp (s, "cpu") == 0)
        p->device = 1;
      else if (strcmp (s, "cuda") == 0 || strcmp (s, "gpu") == 0)
        p->device = 2;
      else {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not 'auto', 'cpu' or 'cuda'", name, s);
        return FALSE;
      }
      break;
    case O_GPU_ID:
      /* the list is checked where the devices are opened; its first
       * index is gpu_id */
      set_string (&p->gpu_ids, s);
      p->gpu_id = (int) g_ascii_strtoll (s, NULL, 10);
      break;
    case O_NOISE_RNG:
      if (strcmp (s, "nanobragg") == 0)
        p->noise_rng = NB_NOISE_RNG_NANOBRAGG;
      else if (strcmp (s, "counter") == 0)
        p->noise_rng = NB_NOISE_RNG_COUNTER;
      else {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: '%s' is not 'nanobragg' or 'counter'", name, s);
        return FALSE;
      }
      break;
    case O_READOUT_NOISE: D1 (p->read_noise); break;
    case O_PSF_FWHM: D1 (p->psf_fwhm); break;
    case O_CALIBRATION_ERROR: D1 (p->calibration_error); break;
    case O_CALIBRATION_SEED: I1 (p->calibration_seed); break;
    case O_COUNT_CUTOFF:
      D1 (d[1]);
      /* a negative cutoff means "the format's maximum" inside NbParams;
       * typed, it is an error */
      if (d[1] < 0.0) {
        g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
            "%s: must be >= 0 counts, got %s", name, s);
        return FALSE;
      }
      p->count_cutoff = d[1];
      break;
    case O_MASKED_VALUE: I1 (p->masked_value); break;
    case O_CELL:
    case O_MISSET:
      g_assert_not_reached ();
  }
#undef D1
#undef I1
#undef V3
  /* 0 pixels means "from -detsize" inside NbParams; typed, it is an error */
  if ((f->opt == O_DETPIXELS || f->opt == O_DETPIXELS_F
          || f->opt == O_DETPIXELS_S) && n[0] <= 0) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "%s: must be > 0 pixels, got %s", name, s);
    return FALSE;
  }
  return TRUE;
}

/* The preset values (NbPresetField) flag @opt sets: a detector preset
 * leaves them alone. */
static guint
preset_fields_of (NbOpt opt)
{
  switch (opt) {
    case O_DETSIZE:
    case O_DETPIXELS:
      return NB_PRESET_FIELD_FPIXELS | NB_PRESET_FIELD_SPIXELS;
    case O_DETSIZE_F:
    case O_DETPIXELS_F:
      return NB_PRESET_FIELD_FPIXELS;
    case O_DETSIZE_S:
    case O_DETPIXELS_S:
      return NB_PRESET_FIELD_SPIXELS;
    case O_PIXEL:
      return NB_PRESET_FIELD_PIXEL_SIZE;
    case O_DET_THICK:
      return NB_PRESET_FIELD_THICKNESS;
    case O_COUNT_CUTOFF:
      return NB_PRESET_FIELD_CUTOFF;
    default:
      return 0;
  }
}

/* nanoBragg reads the headers of -mask and then -img before any other flag,
 * so the rest of the command line overrides what they say. */
static gboolean
apply_header_files (NbParams * p, int argc, const char *const *argv,
    GError ** error)
{
  const char *order[] = { "-mask", "-img" };

  for (guint o = 0; o < G_N_ELEMENTS (order); o++) {
    for (int i = 0; i + 1 < argc; i++) {
      NbSmvImage *img;
      GError *read_error = NULL;
      if (strcmp (argv[i], order[o]) != 0)
        continue;
      img = nb_smv_read (argv[i + 1], &read_error);
      if (img == NULL) {
        g_set_error (error, NB_ERROR, read_error->code, "%s: %s", order[o],
            read_error->message);
        g_error_free (read_error);
        return FALSE;
      }
      if (!nb_smv_apply_header (img, p, o == 0, order[o], error)) {
        nb_smv_image_free (img);
        return FALSE;
      }
      /* the header's size and pixel are given values, as flags are */
      p->detector_explicit |= NB_PRESET_FIELD_FPIXELS
          | NB_PRESET_FIELD_SPIXELS | NB_PRESET_FIELD_PIXEL_SIZE;
      nb_smv_image_free (img);
    }
  }
  return TRUE;
}

/* Flags that only the counter-based readout has: nanoBragg's generator
 * (-noise_rng nanobragg) would silently ignore them. */
static gboolean
is_readout_only (NbOpt opt)
{
  return opt >= O_READOUT_NOISE && opt <= O_MASKED_VALUE;
}

gboolean
nb_args_apply (NbParams * p, int argc, const char *const *argv,
    GError ** error)
{
  int i = 0;
  const char *readout_flag = NULL;      /* the first readout-only flag */

  if (!apply_header_files (p, argc, argv, error))
    return FALSE;

  while (i < argc) {
    const char *arg = argv[i];
    const NbFlag *f = find_flag (arg);

    if (f == NULL) {
      if (arg[0] == '-')
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: unknown flag (see --help for the list)", arg);
      else
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "'%s': unexpected value (it follows no flag that takes one)", arg);
      return FALSE;
    }

    if (f->opt == O_CELL) {
      /* one to six numbers: b, c default to a and the angles to 90 */
      int n = 0;
      while (n < 6 && i + 1 + n < argc && looks_numeric (argv[i + 1 + n]))
        n++;
      if (n == 0) {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: expects a b c alpha beta gamma (Angstrom, degrees)", arg);
        return FALSE;
      }
      memset (p->cell, 0, sizeof (p->cell));
      if (!take_doubles (argv, i, n, p->cell, error))
        return FALSE;
      p->user_cell = TRUE;
      i += 1 + n;
      continue;
    }
    if (f->opt == O_MISSET) {
      /* nanoBragg takes any value containing "rand"; "rand" and "random"
       * are the spellings its users write */
      if (i + 1 < argc && (strcmp (argv[i + 1], "random") == 0
              || strcmp (argv[i + 1], "rand") == 0)) {
        p->misset_set = TRUE;
        p->misset_random = TRUE;
        i += 2;
        continue;
      }
      if (i + 3 >= argc) {
        g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
            "%s: expects three angles (degrees) or 'random'", arg);
        return FALSE;
      }
      if (!take_doubles (argv, i, 3, p->misset, error))
        return FALSE;
      p->misset_set = TRUE;
      p->misset_random = FALSE;
      i += 4;
      continue;
    }

    if (i + f->nargs >= argc) {
      g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
          "%s: expects %d value%s", arg, f->nargs, f->nargs == 1 ? "" : "s");
      return FALSE;
    }
    if (!apply_fixed (p, f, argv, i, error))
      return FALSE;
    p->detector_explicit |= preset_fields_of (f->opt);
    if (readout_flag == NULL && is_readout_only (f->opt))
      readout_flag = arg;
    i += 1 + f->nargs;
  }
  /* checked after the loop: -noise_rng may come after the flag */
  if (readout_flag != NULL && p->noise_rng != NB_NOISE_RNG_COUNTER) {
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "%s: needs -noise_rng counter (nanoBragg's generator, the default, "
        "has no such readout stage)", readout_flag);
    return FALSE;
  }
  nb_params_apply_detector_preset (p);
  return TRUE;
}

gboolean
nb_args_apply_string (NbParams * p, const char *line, GError ** error)
{
  gchar **argv = NULL;
  gint argc = 0;
  gboolean ok;
  GError *shell_error = NULL;

  if (line == NULL || *line == '\0')
    return TRUE;
  if (!g_shell_parse_argv (line, &argc, &argv, &shell_error)) {
    if (g_error_matches (shell_error, G_SHELL_ERROR,
            G_SHELL_ERROR_EMPTY_STRING)) {
      g_error_free (shell_error);
      return TRUE;
    }
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "cannot split the argument list: %s", shell_error->message);
    g_error_free (shell_error);
    return FALSE;
  }
  ok = nb_args_apply (p, argc, (const char *const *) argv, error);
  g_strfreev (argv);
  return ok;
}

static gboolean
fail_value (GError ** error, const char *what, const char *why)
{
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "%s: %s", what, why);
  return FALSE;
}

gboolean
nb_params_validate (const NbParams * p, GError ** error)
{
  if (!(p->pixel_size > 0))
    return fail_value (error, "-pixel (pixel-size)", "must be > 0 mm");
  if (!(p->distance > 0) && !(p->close_distance > 0))
    return fail_value (error, "-distance (distance)", "must be > 0 mm");
  if (!isnan (p->close_distance) && !(p->close_distance > 0))
    return fail_value (error, "-close_distance", "must be > 0 mm");
  if (p->fpixels < 0 || p->spixels < 0)
    return fail_value (error, "-detpixels (width/height)",
        "must be > 0 pixels");
  if ((p->fpixels == 0 && !(p->detsize_f > 0))
      || (p->spixels == 0 && !(p->detsize_s > 0)))
    return fail_value (error, "-detsize", "must be > 0 mm");
  if (p->fpixels == 0 && p->detsize_f / p->pixel_size < 0.5)
    return fail_value (error, "-detsize_f", "is less than one pixel");
  if (p->spixels == 0 && p->detsize_s / p->pixel_size < 0.5)
    return fail_value (error, "-detsize_s", "is less than one pixel");
  if (p->fpixels > 65536 || p->spixels > 65536)
    return fail_value (error, "-detpixels (width/height)",
        "must be at most 65536 pixels per axis");
  if (!(p->Na >= 1) || !(p->Nb >= 1) || !(p->Nc >= 1))
    return fail_value (error, "-N/-Na/-Nb/-Nc (n-cells)",
        "must be at least 1 unit cell");
  if (p->Na != floor (p->Na) || p->Nb != floor (p->Nb)
      || p->Nc != floor (p->Nc))
    return fail_value (error, "-N/-Na/-Nb/-Nc (n-cells)",
        "must be whole numbers of unit cells");
  if (!(p->wavelength > 0))
    return fail_value (error, "-lambda (wavelength)", "must be > 0 Angstrom");
  if (p->user_cell) {
    for (int k = 0; k < 3; k++)
      if (p->cell[k] < 0)
        return fail_value (error, "-cell", "lengths must be > 0 Angstrom");
    if (!(p->cell[0] > 0))
      return fail_value (error, "-cell", "a must be > 0 Angstrom");
    for (int k = 3; k < 6; k++)
      if (p->cell[k] < 0 || p->cell[k] >= 180)
        return fail_value (error, "-cell",
            "angles must lie between 0 and 180 degrees");
  }
  if (p->oversample > 1000)
    return fail_value (error, "-oversample", "must be at most 1000");
  if (p->phisteps > 1000000 || p->mosaic_domains > 1000000
      || p->hdivsteps > 100000 || p->vdivsteps > 100000
      || p->dispsteps > 100000 || p->detector_thicksteps > 100000)
    return fail_value (error, "step counts", "are unreasonably large");
  if ((double) MAX (p->phisteps, 1) * MAX (p->mosaic_domains, 1) > 1e7)
    return fail_value (error, "-phisteps x -mosaic_domains",
        "more than 10^7 crystal orientations per frame");
  if (p->fluence < 0 || p->flux < 0 || p->exposure < 0)
    return fail_value (error, "-fluence/-flux/-exposure", "must be >= 0");
  if (p->dispersion < 0)
    return fail_value (error, "-dispersion", "must be >= 0 percent");
  if (p->dmin < 0)
    return fail_value (error, "-dmin", "must be >= 0 Angstrom");
  if (p->detector_thick < 0)
    return fail_value (error, "-detector_thick", "must be >= 0 um");
  if (p->water < 0)
    return fail_value (error, "-water", "must be >= 0 um");
  if (p->num_threads < 0)
    return fail_value (error, "-threads", "must be >= 0 (0 = all cores)");
  if (!nb_params_check_roi (p, error))
    return FALSE;
  /* accepted for compatibility, but their features are not built yet:
   * refusing them beats silently ignoring them */
  if (p->printout)
    return fail_value (error, "-printout/-printout_pixel",
        "pixel printout is not implemented yet");
  if (p->hkl_file == NULL && p->default_F == 0.0 && p->dump_file == NULL)
    return fail_value (error, "-hkl (hkl-file)",
        "no structure factors: give -hkl or a nonzero -default_F");
  if (p->mat_file == NULL && !p->user_cell)
    return fail_value (error, "-cell/-mat (cell/matrix-file)",
        "no unit cell: give -cell or -mat");
  return TRUE;
}

/* The CLI's names of the readout's parameters, for nb_readout_check. */
static const char *const cli_readout_names[NB_READOUT_N_FIELDS] = {
  [NB_READOUT_FIELD_GAIN] = "gain (1 count per photon)",
  [NB_READOUT_FIELD_ADC_OFFSET] = "-adc",
  [NB_READOUT_FIELD_READ_NOISE] = "-readout_noise",
  [NB_READOUT_FIELD_CALIBRATION_ERROR] = "-calibration_error",
  [NB_READOUT_FIELD_PSF_FWHM] = "-psf_fwhm",
  [NB_READOUT_FIELD_CUTOFF] = "-count_cutoff",
};

gboolean
nb_args_noise_readout (const NbParams * p, NbReadout * readout,
    GError ** error)
{
  /* 1 count per photon whatever -scale says, as nanoBragg's noise image */
  nb_readout_from_params (p, 1.0, NB_COUNTS_U16, readout);
  readout->poisson = TRUE;
  /* -1, NbParams' default, is what 32-bit counts use; the 16-bit SMV
   * writes 0 for it, and no value outside 0 .. 65535 fits */
  if (p->masked_value != -1 && (p->masked_value < 0
          || p->masked_value > 65535)) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "-masked_value: must lie in 0 .. 65535 (the noise image is 16-bit), "
        "got %d", p->masked_value);
    return FALSE;
  }
  return nb_readout_check (readout, cli_readout_names, error);
}

void
nb_args_print_help (FILE * out)
{
  fprintf (out, "flags (nanoBragg.c compatible; values in nanoBragg's units):\n");
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++) {
    if (flags[i].help == NULL)
      continue;
    fprintf (out, "  %-22s %s\n", flags[i].name, flags[i].help);
  }
}
