/* gstnbsrcsettings.c - the property table of nanobraggsrc. */
#include "gstnbsrcsettings.h"
#include "nb_args.h"
#include "nb_error.h"
#include "nb_presets.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- registered enum types ---- */

#define DEFINE_ENUM(fn, Name, ...) \
GType fn (void) { \
  static gsize type = 0; \
  static const GEnumValue values[] = { __VA_ARGS__, {0, NULL, NULL} }; \
  if (g_once_init_enter (&type)) \
    g_once_init_leave (&type, g_enum_register_static (Name, values)); \
  return type; \
}

/* values in numeric order (gst-inspect lists them as registered) */
DEFINE_ENUM (gst_nb_convention_get_type, "GstNbConvention",
    {NB_CONVENTION_CUSTOM, "CUSTOM: the *-vector properties", "custom"},
    {NB_CONVENTION_ADXV, "ADXV: beam along +z, origin at the corner",
        "adxv"},
    {NB_CONVENTION_MOSFLM, "MOSFLM: beam along +x, centre to pixel centres",
        "mosflm"},
    {NB_CONVENTION_XDS, "XDS: beam along +z, sample pivot, ORGX/ORGY", "xds"},
    {NB_CONVENTION_DIALS, "DIALS: beam along +z, sample pivot", "dials"},
    {NB_CONVENTION_DENZO, "DENZO: as MOSFLM, centre to pixel corners",
        "denzo"})
DEFINE_ENUM (gst_nb_pivot_get_type, "GstNbPivot",
    {NB_PIVOT_SAMPLE, "Pivot about the sample", "sample"},
    {NB_PIVOT_BEAM, "Pivot about the beam spot", "beam"})
DEFINE_ENUM (gst_nb_shape_get_type, "GstNbShape",
    {NB_SHAPE_SQUARE, "Parallelepiped crystal (sin(Nx)/sin(x))", "square"},
    {NB_SHAPE_ROUND, "Ellipsoidal crystal (sinc3)", "round"},
    {NB_SHAPE_GAUSS, "Gaussian spots", "gauss"},
    {NB_SHAPE_TOPHAT, "Flat-top spots", "tophat"})
DEFINE_ENUM (gst_nb_interpolate_get_type, "GstNbInterpolate",
    {NB_INTERPOLATE_OFF, "Nearest F(hkl)", "off"},
    {NB_INTERPOLATE_ON, "Tricubic interpolation of F(hkl)", "on"},
    {NB_INTERPOLATE_AUTO, "Tricubic when any of Na, Nb, Nc <= 2", "auto"})
DEFINE_ENUM (gst_nb_noise_rng_get_type, "GstNbNoiseRng",
    {NB_NOISE_RNG_NANOBRAGG, "nanoBragg's serial generator (CPU, GRAY16_LE "
          "only): frame 0 byte-exact with nanoBragg's -noisefile",
        "nanobragg"},
    {NB_NOISE_RNG_COUNTER, "Philox keyed by seed, frame and pixel: the "
          "same counts on CPU and GPU, for any threads", "counter"})
DEFINE_ENUM (gst_nb_source_weights_get_type, "GstNbSourceWeights",
    {NB_SOURCE_WEIGHTS_AUTO, "As the CLI: off for source-file (nanoBragg), "
          "on for spectrum-file", "auto"},
    {NB_SOURCE_WEIGHTS_OFF, "Every source counts equally, weights ignored "
          "(nanoBragg)", "off"},
    {NB_SOURCE_WEIGHTS_ON, "Weighted mean over the sources: each gets "
          "weight / sum of weights of the fluence", "on"})
DEFINE_ENUM (gst_nb_detector_get_type, "GstNbDetector",
    {NB_DETECTOR_NONE, "No preset: width, height, pixel-size as given",
        "none"},
    {NB_DETECTOR_PILATUS_6M, "PILATUS 6M: 2463 x 2527 pixels of 172 um, "
          "5 x 12 modules", "pilatus6m"},
    {NB_DETECTOR_PILATUS_2M, "PILATUS 2M: 1475 x 1679 pixels of 172 um, "
          "3 x 8 modules", "pilatus2m"},
    {NB_DETECTOR_PILATUS_300K, "PILATUS 300K: 487 x 619 pixels of 172 um, "
          "1 x 3 modules", "pilatus300k"},
    {NB_DETECTOR_EIGER2_16M, "EIGER2 X 16M: 4148 x 4362 pixels of 75 um, "
          "4 x 8 modules", "eiger2-16m"},
    {NB_DETECTOR_EIGER2_9M, "EIGER2 X 9M: 3108 x 3262 pixels of 75 um, "
          "3 x 6 modules", "eiger2-9m"},
    {NB_DETECTOR_EIGER2_4M, "EIGER2 X 4M: 2068 x 2162 pixels of 75 um, "
          "2 x 4 modules", "eiger2-4m"},
    {NB_DETECTOR_EIGER2_1M, "EIGER2 X 1M: 1028 x 1062 pixels of 75 um, "
          "1 x 2 modules", "eiger2-1m"},
    {NB_DETECTOR_EIGER2_500K, "EIGER2 X 500K: 1028 x 512 pixels of 75 um, "
          "1 module", "eiger2-500k"})
DEFINE_ENUM (gst_nb_precision_get_type, "GstNbPrecision",
    {NB_PRECISION_FLOAT64, "Double precision (parity with nanoBragg)",
        "float64"},
    {NB_PRECISION_FLOAT32, "Single precision (fast)", "float32"})

/* ---- the table ---- */

typedef enum {
  K_DOUBLE, K_INT, K_BOOL, K_NOTBOOL, K_FILE, K_ENUM, K_TEXT
} Kind;

typedef struct {
  const char *name;
  const char *blurb;
  Kind kind;
  gsize offset;                 /* into NbParams, or NbTextProp for K_TEXT */
  double min, max;
  GType (*enum_type) (void);
  const char *flag;             /* K_TEXT: the nanoBragg flag it becomes */
} Prop;

#define P(field) offsetof (NbParams, field)
#define INF G_MAXDOUBLE

static const Prop props[] = {
  /* crystal */
  {"hkl-file", "Structure factors: text file of 'h k l F' lines", K_FILE,
      P (hkl_file)},
  {"matrix-file", "MOSFLM orientation matrix file (reciprocal axes x "
        "wavelength); replaces cell orientation", K_FILE, P (mat_file)},
  {"cell", "Unit cell 'a b c alpha beta gamma' (Angstrom, degrees), or "
        "'a b c' (angles 90), or 'a' (cubic); lengths > 0, angles in "
        "(0, 180)", K_TEXT, NB_TEXT_CELL, 0, 0, NULL,
      "-cell"},
  {"misset", "Crystal rotations 'x y z' about the lab axes (degrees), or "
        "'random'", K_TEXT, NB_TEXT_MISSET, 0, 0, NULL, "-misset"},
  {"n-cells", "Crystal size in unit cells: 'N' or 'Na Nb Nc'", K_TEXT,
      NB_TEXT_N_CELLS},
  {"xtal-size", "Crystal size 'x y z' (mm); overrides n-cells when set",
      K_TEXT, NB_TEXT_XTAL_SIZE},
  {"default-f", "Structure factor of reflections missing from hkl-file "
        "(electrons)", K_DOUBLE, P (default_F), -INF, INF},
  {"shape", "Crystal shape / spot model", K_ENUM, P (shape), 0, 0,
      gst_nb_shape_get_type},
  {"fudge", "Spot-shape radius factor (round/gauss/tophat)", K_DOUBLE,
      P (fudge), 0, INF},
  {"interpolate", "Structure-factor interpolation", K_ENUM, P (interpolate),
      0, 0, gst_nb_interpolate_get_type},
  {"mosaic-spread", "Isotropic mosaic spread (degrees); 0 = none",
      K_DOUBLE, P (mosaic_spread), 0, 90},
  {"mosaic-domains", "Mosaic domains (-1 = automatic: 10 if a spread is "
        "set)", K_INT, P (mosaic_domains), -1, 1000000},
  {"mosaic-seed", "Random seed of the mosaic domains (nanoBragg's "
        "-mosaic_seed)", K_INT, P (mosaic_seed), G_MININT, G_MAXINT},
  /* beam */
  {"wavelength", "X-ray wavelength (Angstrom)", K_DOUBLE, P (wavelength),
      1e-6, 1e6},
  {"dispersion", "Spectral width delta-lambda/lambda (percent)", K_DOUBLE,
      P (dispersion), 0, 100},
  {"dispersion-steps", "Wavelengths across the dispersion (-1 = auto)",
      K_INT, P (dispsteps), -1, 100000},
  {"divergence", "Beam divergence 'horizontal vertical' (mrad)", K_TEXT,
      NB_TEXT_DIVERGENCE},
  {"divergence-steps", "Source points 'horizontal vertical' (each >= 1, "
        "or -1 = automatic)", K_TEXT,
      NB_TEXT_DIVERGENCE_STEPS},
  {"round-divergence", "Cut the divergence grid to an ellipse", K_BOOL,
      P (round_div)},
  {"source-file", "Sources file: 'X Y Z weight lambda' per line (m)",
      K_FILE, P (source_file)},
  {"spectrum-file", "Spectrum: 'wavelength(Angstrom) weight' per line; "
        "every divergence point gets each wavelength", K_FILE,
      P (spectrum_file)},
  {"source-weights", "Weigh the sources (source-file, spectrum-file): on "
        "keeps the total fluence, shared in proportion to the weights",
      K_ENUM, P (source_weights), 0, 0, gst_nb_source_weights_get_type},
  {"fluence", "Integrated fluence (photons/m^2)", K_DOUBLE, P (fluence), 0,
      INF},
  {"flux", "Flux (photons/s); with exposure and beam-size replaces fluence",
      K_DOUBLE, P (flux), 0, INF},
  {"exposure", "Exposure time per frame (s)", K_DOUBLE, P (exposure), 0,
      INF},
  {"beam-size", "Beam size (mm)", K_DOUBLE, P (beamsize), 0, INF},
  {"polarization", "Kahn polarization factor (0 = unpolarized, 1 = fully)",
      K_DOUBLE, P (polarization), -1, 1},
  {"polarization-correction", "Apply the polarization factor", K_NOTBOOL,
      P (nopolar)},
  {"water", "Water background: thickness of water in the beam "
        "(micrometres)", K_DOUBLE, P (water), 0, INF},
  /* detector */
  {"detector", "Detector preset: pixel counts and size, gaps between "
        "modules (not rendered, read out as masked-value), sensor "
        "thickness, count cutoff; width, height, pixel-size, "
        "detector-thickness and count-cutoff set explicitly win", K_ENUM,
      P (detector), 0, 0, gst_nb_detector_get_type},
  {"convention", "Detector/beam convention", K_ENUM, P (convention), 0, 0,
      gst_nb_convention_get_type},
  {"pivot", "Detector pivot (custom convention only; others force theirs)",
      K_ENUM, P (pivot), 0, 0, gst_nb_pivot_get_type},
  {"distance", "Sample to beam spot distance (mm)", K_DOUBLE, P (distance),
      1e-6, INF},
  {"close-distance", "Sample to detector plane distance (mm); 0 = from "
        "distance", K_DOUBLE, P (close_distance), 0, INF},
  {"pixel-size", "Pixel size (mm)", K_DOUBLE, P (pixel_size), 1e-6, 1e3},
  {"width", "Detector width: fast-axis pixels", K_INT, P (fpixels), 1,
      65536},
  {"height", "Detector height: slow-axis pixels", K_INT, P (spixels), 1,
      65536},
  {"beam-center", "Beam centre 'X Y' in the convention's header axes (mm); "
        "empty = detector centre", K_TEXT, NB_TEXT_BEAM_CENTER},
  {"xds-origin", "XDS origin 'ORGX ORGY' (pixels)", K_TEXT,
      NB_TEXT_XDS_ORIGIN},
  {"detector-rotation", "Detector rotations 'x y z' (degrees)", K_TEXT,
      NB_TEXT_DETECTOR_ROTATION},
  {"twotheta", "Detector two-theta (degrees)", K_DOUBLE, P (twotheta), -360,
      360},
  {"fdet-vector", "Fast axis 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_FDET},
  {"sdet-vector", "Slow axis 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_SDET},
  {"odet-vector", "Detector normal 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_ODET},
  {"beam-vector", "Beam direction 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_BEAM_VECTOR},
  {"polarization-vector", "E-vector 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_POLARIZATION_VECTOR},
  {"spindle-axis", "Rotation axis 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_SPINDLE},
  {"twotheta-axis", "Two-theta axis 'x y z' (custom convention)", K_TEXT,
      NB_TEXT_TWOTHETA_AXIS},
  {"curved-detector", "All pixels at the same distance from the sample",
      K_BOOL, P (curved_det)},
  {"point-pixel", "Solid angle 1/R^2 (no pixel area or obliquity)", K_BOOL,
      P (point_pixel)},
  {"detector-thickness", "Sensor thickness (micrometres)", K_DOUBLE,
      P (detector_thick), 0, INF},
  {"detector-absorption", "Sensor attenuation depth (micrometres); -1 = "
        "unset, 0 = infinite", K_DOUBLE, P (detector_abs), -1, INF},
  {"detector-layers", "Sensor layers (-1 = automatic)", K_INT,
      P (detector_thicksteps), -1, 100000},
  {"oversample", "Sub-pixels per pixel axis (-1 = automatic)", K_INT,
      P (oversample), -1, 1000},
  {"oversample-thick", "Capture fraction per sub-pixel (nanoBragg's "
        "running-sum semantics)", K_BOOL, P (oversample_thick)},
  {"oversample-polar", "Polarization per sub-pixel (running-sum "
        "semantics)", K_BOOL, P (oversample_polar)},
  {"oversample-omega", "Solid angle per sub-pixel (running-sum semantics)",
      K_BOOL, P (oversample_omega)},
  {"roi", "Render only 'xmin xmax ymin ymax' (fast/slow pixels from 0, "
        "inclusive; xmin <= xmax, ymin <= ymax)",
      K_TEXT, NB_TEXT_ROI, 0, 0, NULL, "-roi"},
  {"mask-file", "SMV mask image: pixels that are 0 are not rendered",
      K_FILE, P (mask_file)},
  {"dmin", "Resolution limit (Angstrom); 0 = none", K_DOUBLE, P (dmin), 0,
      INF},
  /* rotation */
  {"phi-start", "Spindle angle at the start of frame 0 (degrees)", K_DOUBLE,
      P (phi), -INF, INF},
  {"osc", "Oscillation per frame (degrees)", K_DOUBLE, P (osc), 0, 360},
  {"phi-steps", "Spindle sub-steps per frame", K_INT, P (phisteps), 1,
      1000000},
  {"phi-carryover", "Reproduce nanoBragg's reuse of the previous "
        "orientation at phi == 0", K_BOOL, P (phi_carryover)},
  /* counts (the readout, docs/readout.md) */
  {"noise-rng", "Generator of the noise of counts", K_ENUM, P (noise_rng),
      0, 0, gst_nb_noise_rng_get_type},
  {"seed", "Noise seed: the counter generator's key (frame and pixel index "
        "are its counter); nanobragg: frame i uses seed + i", K_INT,
      P (seed), G_MININT, G_MAXINT},
  {"scale", "Counts per photon (gain) of count frames; 0 = auto, one scale "
        "for the series: 55000 / the maximum of frame 0", K_DOUBLE,
      P (int_scale), 0, INF},
  {"adc-offset", "ADC offset added to count frames (counts; >= 0 with the "
        "counter generator)", K_DOUBLE, P (adc_offset), -65535, 65535},
  {"noise", "Poisson noise on count frames", K_BOOL, P (calculate_noise)},
  {"read-noise", "Gaussian read noise sigma (counts; counter generator)",
      K_DOUBLE, P (read_noise), 0, INF},
  {"psf-fwhm", "Gaussian point-spread function FWHM (pixels), applied to "
        "the photons before noise; 0 = none (counter generator)", K_DOUBLE,
      P (psf_fwhm), 0, INF},
  {"calibration-error", "Relative sigma of a static per-pixel gain error, "
        "e.g. 0.01 (counter generator)", K_DOUBLE, P (calibration_error), 0,
      INF},
  {"calibration-seed", "Seed of the calibration error map (counter "
        "generator)", K_INT, P (calibration_seed), G_MININT, G_MAXINT},
  {"count-cutoff", "Saturation: higher counts read as this (counts); -1 = "
        "the format's maximum, 65535 (GRAY16_LE) or 2147483647 (S32LE) "
        "(counter generator)", K_DOUBLE, P (count_cutoff), -1, G_MAXINT32},
  {"masked-value", "What masked pixels (outside roi, 0 in mask-file) read "
        "in S32LE counts; clipped to 0..65535 in GRAY16_LE (counter "
        "generator)", K_INT, P (masked_value), G_MININT, G_MAXINT},
  /* engine */
  {"precision", "Arithmetic of the renderer", K_ENUM, P (precision), 0, 0,
      gst_nb_precision_get_type},
  {"threads", "CPU threads (0 = all cores)", K_INT, P (num_threads), 0,
      1024},
};

#define N_PROPS G_N_ELEMENTS (props)

static const char *text_flags[NB_TEXT_COUNT] = {
  [NB_TEXT_CELL] = "-cell",
  [NB_TEXT_MISSET] = "-misset",
  [NB_TEXT_ROI] = "-roi",
  [NB_TEXT_FDET] = "-fdet_vector",
  [NB_TEXT_SDET] = "-sdet_vector",
  [NB_TEXT_ODET] = "-odet_vector",
  [NB_TEXT_BEAM_VECTOR] = "-beam_vector",
  [NB_TEXT_POLARIZATION_VECTOR] = "-polar_vector",
  [NB_TEXT_SPINDLE] = "-spindle_axis",
  [NB_TEXT_TWOTHETA_AXIS] = "-twotheta_axis",
};

void
gst_nb_src_settings_init (GstNbSrcSettings * s)
{
  memset (s, 0, sizeof (*s));
  nb_params_init (&s->params);
  /* an element starts from nanoBragg's defaults, except: a 1024 x 1024
   * detector stated in pixels, noise off until asked for, a fixed seed
   * (reproducible streams) and no output files */
  s->params.fpixels = 1024;
  s->params.spixels = 1024;
  s->params.calculate_noise = FALSE;
  s->params.seed = -1;          /* the user's seed 1, stored as -seed 1 */
  s->params.phisteps = 1;
  s->params.osc = 0.0;
  s->params.mosaic_spread = 0.0;
  s->params.int_scale = 1.0;
  s->params.close_distance = 0.0;
  /* counts that do not depend on the device, threads or sharding */
  s->params.noise_rng = NB_NOISE_RNG_COUNTER;
  /* not a drop-in: weights mean what they say */
  s->params.source_weights = NB_SOURCE_WEIGHTS_ON;
  g_clear_pointer (&s->params.dump_file, g_free);
}

void
gst_nb_src_settings_clear (GstNbSrcSettings * s)
{
  nb_params_clear (&s->params);
  for (int i = 0; i < NB_TEXT_COUNT; i++)
    g_clear_pointer (&s->text[i], g_free);
}

/* the seeds are gint64 in NbParams */
static gboolean
is_int64_field (gsize offset)
{
  return offset == P (seed) || offset == P (mosaic_seed)
      || offset == P (calibration_seed);
}

static GParamSpec *
make_pspec (const Prop * p, const NbParams * d)
{
  const GParamFlags f = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY;
  const char *name = p->name;

  switch (p->kind) {
    case K_DOUBLE:
      return g_param_spec_double (name, name, p->blurb, p->min, p->max,
          G_STRUCT_MEMBER (double, d, p->offset), f);
    case K_INT:{
      double v = p->offset == P (seed) ? (double) -d->seed
          : is_int64_field (p->offset) ? (double) G_STRUCT_MEMBER (gint64, d,
          p->offset) : G_STRUCT_MEMBER (int, d, p->offset);
      return g_param_spec_int (name, name, p->blurb, (int) p->min,
          (int) p->max, (int) v, f);
    }
    case K_BOOL:
      return g_param_spec_boolean (name, name, p->blurb,
          G_STRUCT_MEMBER (gboolean, d, p->offset), f);
    case K_NOTBOOL:
      return g_param_spec_boolean (name, name, p->blurb,
          !G_STRUCT_MEMBER (gboolean, d, p->offset), f);
    case K_FILE:
      return g_param_spec_string (name, name, p->blurb, NULL, f);
    case K_ENUM:
      return g_param_spec_enum (name, name, p->blurb, p->enum_type (),
          G_STRUCT_MEMBER (int, d, p->offset), f);
    case K_TEXT:
      return g_param_spec_string (name, name, p->blurb, NULL, f);
  }
  return NULL;
}

guint
gst_nb_src_settings_install (GObjectClass * klass, guint first_id)
{
  GstNbSrcSettings defaults;

  gst_nb_src_settings_init (&defaults);
  for (guint i = 0; i < N_PROPS; i++)
    g_object_class_install_property (klass, first_id + i,
        make_pspec (&props[i], &defaults.params));
  gst_nb_src_settings_clear (&defaults);
  return first_id + N_PROPS;
}

/* The preset value (NbPresetField) the property at @offset sets. */
static guint
preset_field_at (gsize offset)
{
  if (offset == P (fpixels))
    return NB_PRESET_FIELD_FPIXELS;
  if (offset == P (spixels))
    return NB_PRESET_FIELD_SPIXELS;
  if (offset == P (pixel_size))
    return NB_PRESET_FIELD_PIXEL_SIZE;
  if (offset == P (detector_thick))
    return NB_PRESET_FIELD_THICKNESS;
  if (offset == P (count_cutoff))
    return NB_PRESET_FIELD_CUTOFF;
  return 0;
}

gboolean
gst_nb_src_settings_set (GstNbSrcSettings * s, guint first_id,
    guint prop_id, const GValue * value)
{
  const Prop *p;
  NbParams *d = &s->params;

  if (prop_id < first_id || prop_id >= first_id + N_PROPS)
    return FALSE;
  p = &props[prop_id - first_id];
  if (p->kind != K_TEXT)
    d->detector_explicit |= preset_field_at (p->offset);
  switch (p->kind) {
    case K_DOUBLE:
      G_STRUCT_MEMBER (double, d, p->offset) = g_value_get_double (value);
      break;
    case K_INT:
      if (p->offset == P (seed))
        d->seed = -(gint64) g_value_get_int (value);   /* as -seed N */
      else if (is_int64_field (p->offset))
        G_STRUCT_MEMBER (gint64, d, p->offset) = g_value_get_int (value);
      else
        G_STRUCT_MEMBER (int, d, p->offset) = g_value_get_int (value);
      break;
    case K_BOOL:
      G_STRUCT_MEMBER (gboolean, d, p->offset) = g_value_get_boolean (value);
      break;
    case K_NOTBOOL:
      G_STRUCT_MEMBER (gboolean, d, p->offset) = !g_value_get_boolean (value);
      break;
    case K_FILE:
      g_free (G_STRUCT_MEMBER (gchar *, d, p->offset));
      G_STRUCT_MEMBER (gchar *, d, p->offset) = g_value_dup_string (value);
      break;
    case K_ENUM:
      G_STRUCT_MEMBER (int, d, p->offset) = g_value_get_enum (value);
      break;
    case K_TEXT:
      g_free (s->text[p->offset]);
      s->text[p->offset] = g_value_dup_string (value);
      break;
  }
  return TRUE;
}

gboolean
gst_nb_src_settings_get (const GstNbSrcSettings * s, guint first_id,
    guint prop_id, GValue * value)
{
  const Prop *p;
  const NbParams *d = &s->params;

  if (prop_id < first_id || prop_id >= first_id + N_PROPS)
    return FALSE;
  p = &props[prop_id - first_id];
  switch (p->kind) {
    case K_DOUBLE:
      g_value_set_double (value, G_STRUCT_MEMBER (double, d, p->offset));
      break;
    case K_INT:
      if (p->offset == P (seed))
        g_value_set_int (value, (int) -d->seed);
      else if (is_int64_field (p->offset))
        g_value_set_int (value, (int) G_STRUCT_MEMBER (gint64, d,
                p->offset));
      else
        g_value_set_int (value, G_STRUCT_MEMBER (int, d, p->offset));
      break;
    case K_BOOL:
      g_value_set_boolean (value, G_STRUCT_MEMBER (gboolean, d, p->offset));
      break;
    case K_NOTBOOL:
      g_value_set_boolean (value, !G_STRUCT_MEMBER (gboolean, d, p->offset));
      break;
    case K_FILE:
      g_value_set_string (value, G_STRUCT_MEMBER (gchar *, d, p->offset));
      break;
    case K_ENUM:
      g_value_set_enum (value, G_STRUCT_MEMBER (int, d, p->offset));
      break;
    case K_TEXT:
      g_value_set_string (value, s->text[p->offset]);
      break;
  }
  return TRUE;
}

static const char *
text_prop_name (NbTextProp t)
{
  for (guint i = 0; i < N_PROPS; i++)
    if (props[i].kind == K_TEXT && props[i].offset == (gsize) t)
      return props[i].name;
  return "?";
}

/* The words of a composite value as numbers; FALSE if one is not a
 * number (left to the flag parser, which names the property). */
static gboolean
words_to_numbers (GPtrArray * words, double *out, guint max)
{
  if (words->len > max)
    return FALSE;
  for (guint i = 0; i < words->len; i++) {
    const char *w = g_ptr_array_index (words, i);
    char *end;
    out[i] = g_ascii_strtod (w, &end);
    if (end == w || *end != '\0' || !isfinite (out[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
fail_property (GError ** error, NbTextProp t, const char *v,
    const char *why)
{
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE, "property '%s': '%s': %s",
      text_prop_name (t), v, why);
  return FALSE;
}

/* The element's own rules for composite values, stricter than nanoBragg's
 * flags (where 0 or a negative number silently means "default"): a
 * property value that cannot mean what it says is an error.  Values that
 * are not numbers are left to the flag parser. */
static gboolean
check_composite (NbTextProp t, const char *v, GPtrArray * words,
    GError ** error)
{
  double x[6];
  guint n = words->len;

  switch (t) {
    case NB_TEXT_CELL:
      if (n != 1 && n != 3 && n != 6)
        return fail_property (error, t, v, "give 'a', 'a b c' or 'a b c "
            "alpha beta gamma' (Angstrom, degrees)");
      if (!words_to_numbers (words, x, 6))
        return TRUE;
      for (guint i = 0; i < MIN (n, 3); i++)
        if (!(x[i] > 0))
          return fail_property (error, t, v, "cell lengths must be > 0 "
              "Angstrom");
      if (n == 6) {
        double ca = cos (x[3] * G_PI / 180), cb = cos (x[4] * G_PI / 180),
            cg = cos (x[5] * G_PI / 180);
        for (guint i = 3; i < 6; i++)
          if (!(x[i] > 0 && x[i] < 180))
            return fail_property (error, t, v, "cell angles must lie "
                "strictly between 0 and 180 degrees");
        /* the squared volume factor of a triclinic cell */
        if (!(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg > 1e-9))
          return fail_property (error, t, v, "these angles describe no "
              "unit cell (each must be less than the sum of the other two, "
              "and all three less than 360 degrees)");
      }
      return TRUE;
    case NB_TEXT_ROI:
      if (!words_to_numbers (words, x, 4) || n != 4)
        return TRUE;
      for (guint i = 0; i < 4; i++)
        if (!(x[i] >= 0))
          return fail_property (error, t, v, "pixel indices must be >= 0 "
              "(leave roi empty for the whole detector)");
      if (x[0] > x[1] || x[2] > x[3])
        return fail_property (error, t, v, "'xmin xmax ymin ymax' needs "
            "xmin <= xmax and ymin <= ymax");
      return TRUE;
    case NB_TEXT_DIVERGENCE:
      if (!words_to_numbers (words, x, 2) || n != 2)
        return TRUE;
      if (!(x[0] >= 0 && x[1] >= 0))
        return fail_property (error, t, v, "divergences must be >= 0 mrad");
      return TRUE;
    case NB_TEXT_DIVERGENCE_STEPS:
      if (!words_to_numbers (words, x, 2) || n != 2)
        return TRUE;
      for (guint i = 0; i < 2; i++)
        if (!(x[i] >= 1 || x[i] == -1))
          return fail_property (error, t, v, "each count must be >= 1, or "
              "-1 for automatic");
      return TRUE;
    default:
      return TRUE;
  }
}

/* The nanoBragg flags a composite property stands for. */
static gchar *
text_to_flags (NbTextProp t, const char *v, GError ** error)
{
  gchar *trimmed = g_strstrip (g_strdup (v));
  gchar **w = g_strsplit_set (trimmed, " \t,", -1);
  GPtrArray *words = g_ptr_array_new ();
  gchar *out = NULL;
  guint n;

  for (int i = 0; w[i]; i++)
    if (w[i][0] != '\0')
      g_ptr_array_add (words, w[i]);
  n = words->len;
  if (!check_composite (t, v, words, error)) {
    g_ptr_array_free (words, TRUE);
    g_strfreev (w);
    g_free (trimmed);
    return NULL;
  }
#define W(i) ((const char *) g_ptr_array_index (words, i))
  switch (t) {
    case NB_TEXT_N_CELLS:
      if (n == 1)
        out = g_strdup_printf ("-N %s", W (0));
      else if (n == 3)
        out = g_strdup_printf ("-Na %s -Nb %s -Nc %s", W (0), W (1), W (2));
      break;
    case NB_TEXT_XTAL_SIZE:
      if (n == 1)
        out = g_strdup_printf ("-xtal_size %s", W (0));
      else if (n == 3)
        out = g_strdup_printf ("-xtal_x %s -xtal_y %s -xtal_z %s", W (0),
            W (1), W (2));
      break;
    case NB_TEXT_BEAM_CENTER:
      if (n == 2)
        out = g_strdup_printf ("-Xbeam %s -Ybeam %s", W (0), W (1));
      break;
    case NB_TEXT_XDS_ORIGIN:
      if (n == 2)
        out = g_strdup_printf ("-ORGX %s -ORGY %s", W (0), W (1));
      break;
    case NB_TEXT_DETECTOR_ROTATION:
      if (n == 3)
        out = g_strdup_printf ("-detector_rotx %s -detector_roty %s "
            "-detector_rotz %s", W (0), W (1), W (2));
      break;
    case NB_TEXT_DIVERGENCE:
      if (n == 2)
        out = g_strdup_printf ("-hdivrange %s -vdivrange %s", W (0), W (1));
      break;
    case NB_TEXT_DIVERGENCE_STEPS:
      if (n == 2)
        out = g_strdup_printf ("-hdivsteps %s -vdivsteps %s", W (0), W (1));
      break;
    default:{
      gchar *joined;
      g_ptr_array_add (words, NULL);
      joined = g_strjoinv (" ", (gchar **) words->pdata);
      out = g_strdup_printf ("%s %s", text_flags[t], joined);
      g_free (joined);
      break;
    }
  }
#undef W
  if (out == NULL)
    g_set_error (error, NB_ERROR, NB_ERROR_ARGUMENT,
        "property '%s': '%s' has the wrong number of values",
        text_prop_name (t), v);
  g_ptr_array_free (words, TRUE);
  g_strfreev (w);
  g_free (trimmed);
  return out;
}

static gboolean
is_vector (NbTextProp t)
{
  return t >= NB_TEXT_FDET && t <= NB_TEXT_TWOTHETA_AXIS;
}

gboolean
gst_nb_src_settings_to_params (const GstNbSrcSettings * s,
    const char *nanobragg_args, NbParams * out, GError ** error)
{
  NbConvention convention = s->params.convention;
  NbPivot pivot = s->params.pivot;

  nb_params_copy (out, &s->params);
  if (isnan (out->close_distance) || out->close_distance <= 0)
    out->close_distance = NAN;
  for (int t = 0; t < NB_TEXT_COUNT; t++) {
    GError *e = NULL;
    gchar *flags;
    const char *v = s->text[t];

    if (v == NULL || strspn (v, " \t") == strlen (v))
      continue;
    /* the axis properties describe the custom convention only */
    if (is_vector (t) && convention != NB_CONVENTION_CUSTOM)
      continue;
    flags = text_to_flags (t, v, error);
    if (flags == NULL)
      return FALSE;
    if (!nb_args_apply_string (out, flags, &e)) {
      g_set_error (error, NB_ERROR, e->code, "property '%s': %s",
          text_prop_name (t), e->message);
      g_error_free (e);
      g_free (flags);
      return FALSE;
    }
    g_free (flags);
  }
  /* flags have side effects on convention and pivot; the properties win */
  out->convention = convention;
  out->pivot = pivot;
  if (nanobragg_args && *nanobragg_args) {
    GError *e = NULL;
    if (!nb_args_apply_string (out, nanobragg_args, &e)) {
      g_set_error (error, NB_ERROR, e->code, "property 'nanobragg-args': %s",
          e->message);
      g_error_free (e);
      return FALSE;
    }
  }
  /* an element writes no files and keeps no Fdump cache; the output-file
   * flags of nanobragg-args (and their side effect of turning noise on)
   * are ignored: the noise property decides */
  g_clear_pointer (&out->dump_file, g_free);
  out->calculate_noise = s->params.calculate_noise;
  nb_params_apply_detector_preset (out);
  return TRUE;
}
