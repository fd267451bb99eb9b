/* nb_params.h - every user input of a simulation, in the units people type.
 *
 * One plain struct, filled either from a nanoBragg command line (nb_args.c)
 * or from GObject properties (the plugin).  Defaults are nanoBragg.c's.
 * "Unset" is NAN for real values and -1 for counts, exactly where nanoBragg
 * derives a value from others (beam centre, oscillation, step counts...).
 * Units are stated beside each field; the model (nb_model.c) converts to SI.
 */
#ifndef NB_PARAMS_H
#define NB_PARAMS_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NB_CONVENTION_CUSTOM,
  NB_CONVENTION_ADXV,
  NB_CONVENTION_MOSFLM,
  NB_CONVENTION_XDS,
  NB_CONVENTION_DIALS,
  NB_CONVENTION_DENZO
} NbConvention;

typedef enum {
  NB_PIVOT_SAMPLE,
  NB_PIVOT_BEAM
} NbPivot;

typedef enum {
  NB_SHAPE_SQUARE,              /* parallelepiped: sin(N x)/sin(x) per axis */
  NB_SHAPE_ROUND,               /* ellipsoid: sinc3 */
  NB_SHAPE_GAUSS,               /* Gaussian spots */
  NB_SHAPE_TOPHAT               /* flat-top spots */
} NbShape;

typedef enum {
  NB_INTERPOLATE_OFF,
  NB_INTERPOLATE_ON,
  NB_INTERPOLATE_AUTO           /* on when any of Na, Nb, Nc <= 2 */
} NbInterpolate;

/* Which generator makes the noise of counts. */
typedef enum {
  NB_NOISE_RNG_NANOBRAGG,       /* nanoBragg's ran1/poidev, serial, CPU:
                                 * -noisefile byte-exact with the reference */
  NB_NOISE_RNG_COUNTER          /* Philox keyed by seed, frame and pixel:
                                 * the same counts on every backend */
} NbNoiseRng;

/* Whether the sources' weights scale their share of the fluence
 * (docs/physics.md, "Weighted sources and spectra"). */
typedef enum {
  NB_SOURCE_WEIGHTS_AUTO,       /* the CLI's default: nanoBragg's (off) for
                                 * -sourcefile, on for -spectrum */
  NB_SOURCE_WEIGHTS_OFF,        /* every source counts equally (nanoBragg) */
  NB_SOURCE_WEIGHTS_ON          /* weighted mean over the sources */
} NbSourceWeights;

/* Detector presets (docs/physics.md, "Detector presets"). */
typedef enum {
  NB_DETECTOR_NONE,
  NB_DETECTOR_PILATUS_6M,
  NB_DETECTOR_PILATUS_2M,
  NB_DETECTOR_PILATUS_300K,
  NB_DETECTOR_EIGER2_16M,
  NB_DETECTOR_EIGER2_9M,
  NB_DETECTOR_EIGER2_4M,
  NB_DETECTOR_EIGER2_1M,
  NB_DETECTOR_EIGER2_500K
} NbDetectorPreset;

/* The values a detector preset supplies, as bits of
 * NbParams.detector_explicit: set = the user gave it, the preset keeps
 * off it. */
typedef enum {
  NB_PRESET_FIELD_FPIXELS = 1 << 0,
  NB_PRESET_FIELD_SPIXELS = 1 << 1,
  NB_PRESET_FIELD_PIXEL_SIZE = 1 << 2,
  NB_PRESET_FIELD_THICKNESS = 1 << 3,
  NB_PRESET_FIELD_CUTOFF = 1 << 4
} NbPresetField;

typedef enum {
  NB_PRECISION_FLOAT64,
  NB_PRECISION_FLOAT32
} NbPrecision;

#define NB_MAX_TRACE_PIXELS 64

typedef struct {
  /* ---- input files (NULL = none) ---- */
  gchar *hkl_file;              /* h k l F text file */
  gchar *mat_file;              /* MOSFLM A matrix (reciprocal vectors x lambda) */
  gchar *dump_file;             /* Fdump cache, default "Fdump.bin" */
  gchar *source_file;           /* X Y Z weight lambda per line */
  gchar *spectrum_file;         /* lambda (Angstrom) weight per line */
  gchar *mask_file;             /* SMV image, 0 = skip pixel */
  gchar *img_file;              /* SMV image whose header sets the detector */
  gchar *stol_file;             /* amorphous F(stol) table (parsed, unused) */
  gchar *stolout_file;          /* (parsed, unused) */
  double stol_file_mult;        /* 1e10 (-stol), 1e10/4 (-4stol), 1e10/4pi (-Q) */

  /* ---- output files ---- */
  gchar *float_file;            /* raw float32, default "floatimage.bin" */
  gchar *int_file;              /* SMV noiseless, default "intimage.img" */
  gchar *pgm_file;              /* 8-bit PGM, default "image.pgm" */
  gchar *noise_file;            /* SMV with Poisson noise, default "noiseimage.img" */
  gboolean write_pgm;           /* default TRUE; -nopgm */
  gboolean calculate_noise;     /* default TRUE; -nonoise */
  double int_scale;             /* -scale, counts per photon; <= 0: auto */
  double pgm_scale;             /* -pgmscale; <= 0: auto */
  double adc_offset;            /* -adc, counts, default 40 */

  /* ---- crystal ---- */
  gboolean user_cell;           /* -cell given */
  double cell[6];               /* a b c (Angstrom) alpha beta gamma (deg); 0 = default */
  gboolean misset_set;          /* -misset given */
  gboolean misset_random;       /* -misset random */
  double misset[3];             /* rotations about x, y, z (deg) */
  double Na, Nb, Nc;            /* unit cells along a, b, c; default 1 */
  double sample_x, sample_y, sample_z;  /* crystal size (mm); 0 = from N */
  double density;               /* g/cm^3 (parsed, informational) */
  double molecular_weight;      /* g/mol (parsed, informational) */
  NbShape shape;                /* default square */
  double fudge;                 /* shape radius fudge factor, default 1 */
  double default_F;             /* F for hkl not in the file, default 0 */
  NbInterpolate interpolate;    /* default auto */

  /* ---- beam ---- */
  double wavelength;            /* Angstrom, default 1 (-lambda, -energy) */
  NbSourceWeights source_weights;       /* default auto (CLI); element: on */
  double dispersion;            /* delta lambda / lambda, percent; default 0 */
  int dispsteps;                /* -1 = auto */
  double hdivrange, vdivrange;  /* mrad; < 0 = unset */
  double hdivstep, vdivstep;    /* mrad; < 0 = unset */
  int hdivsteps, vdivsteps;     /* -1 = auto */
  gboolean round_div;           /* elliptical cut of the divergence grid, default TRUE */
  double fluence;               /* photons/m^2 */
  double flux;                  /* photons/s; 0 = use fluence */
  double exposure;              /* s, default 1 */
  double beamsize;              /* mm, default 0.1 */
  double polarization;          /* Kahn factor, default 0 */
  gboolean nopolar;             /* no polarization correction */
  double water;                 /* water background thickness, micrometres */

  /* ---- detector ---- */
  NbDetectorPreset detector;    /* -detector; default none */
  guint detector_explicit;      /* NbPresetField bits the user set */
  NbConvention convention;      /* default MOSFLM */
  NbPivot pivot;                /* default beam; conventions override */
  double distance;              /* mm, default 100 */
  double close_distance;        /* mm; NAN = from distance */
  double detsize_f, detsize_s;  /* mm, default 102.4 */
  int fpixels, spixels;         /* pixels; 0 = from detsize */
  double pixel_size;            /* mm, default 0.1 */
  double Xbeam, Ybeam;          /* mm, convention dependent; NAN = centre */
  double Xclose, Yclose;        /* mm; NAN = centre */
  double ORGX, ORGY;            /* XDS origin, pixels; NAN = unset */
  double detector_rot[3];       /* rotations about x, y, z (deg) */
  double twotheta;              /* deg */
  double fdet[3], sdet[3], odet[3];     /* CUSTOM detector axes */
  double beam[3];               /* CUSTOM beam direction */
  double polar_vector[3];       /* CUSTOM E-vector */
  double spindle[3];            /* CUSTOM rotation axis */
  double twotheta_axis[3];      /* CUSTOM two-theta axis */
  double pix0[3];               /* -pix0_vector, m: parsed, selects CUSTOM, not used (as nanoBragg) */
  gboolean curved_det;          /* all pixels at the same distance */
  gboolean point_pixel;         /* omega = 1/R^2 */
  double detector_thick;        /* sensor thickness, micrometres */
  double detector_abs;          /* attenuation depth, micrometres; < 0 unset, 0 = infinite */
  int detector_thicksteps;      /* -1 = auto */
  int oversample;               /* sub-pixels per axis; -1 = auto */
  gboolean oversample_thick, oversample_polar, oversample_omega;
  int roi[4];                   /* fast min, fast max, slow min, slow max (inclusive); -1 unset */
  double dmin;                  /* Angstrom; 0 = no cut */

  /* ---- rotation and mosaicity ---- */
  double phi;                   /* spindle start, deg */
  double osc;                   /* deg; < 0 = auto */
  double phistep;               /* deg; < 0 = auto */
  int phisteps;                 /* -1 = auto */
  double mosaic_spread;         /* deg; < 0 = unset */
  int mosaic_domains;           /* -1 = auto */
  gint64 mosaic_seed;           /* default 12345678 (used negated, as nanoBragg) */
  gint64 misset_seed;           /* default: seed */
  gint64 seed;                  /* noise seed; default from the clock */
  gboolean seed_set;
  gboolean misset_seed_set;
  gboolean phi_carryover;       /* reproduce nanoBragg's phi == 0 reuse */

  /* ---- run control ---- */
  gboolean coherent;            /* (parsed, unused by nanoBragg) */
  gboolean printout;
  int printout_fpixel, printout_spixel;
  gboolean progress;            /* progress meter */
  int num_trace_pixels;
  int trace_pixels[NB_MAX_TRACE_PIXELS][2];   /* slow, fast */
  int num_threads;              /* 0 = all cores */
  int device;                   /* 0 auto, 1 cpu, 2 cuda (NbDevice, cuda/) */
  int gpu_id;                   /* CUDA device index: the first of gpu_ids */
  gchar *gpu_ids;               /* -gpu_id as given: "1", "0,1,1" or "all"
                                 * (frames fanned out); NULL = "0" */
  NbPrecision precision;

  /* ---- detector readout (docs/readout.md) ---- */
  NbNoiseRng noise_rng;         /* default nanobragg (CLI); the element's is
                                 * counter */
  double read_noise;            /* Gaussian read noise sigma, counts; 0 */
  double psf_fwhm;              /* point-spread FWHM, pixels; 0 = none */
  double calibration_error;     /* relative sigma of the static gain error */
  gint64 calibration_seed;      /* seed of the gain error map; default 1 */
  double count_cutoff;          /* saturation, counts; -1 = the counts
                                 * format's maximum (65535 or 2^31 - 1) */
  int masked_value;             /* what masked/gap pixels read in 32-bit
                                 * counts; default -1 */
} NbParams;

void nb_params_init (NbParams * p);
void nb_params_clear (NbParams * p);
void nb_params_copy (NbParams * dst, const NbParams * src);

/* FALSE (with an error naming -roi) when the ROI selects no pixel
 * because a minimum exceeds its maximum. */
gboolean nb_params_check_roi (const NbParams * p, GError ** error);

/* Conventions in lower case: "mosflm", "xds", ...; NULL if unknown. */
const gchar *nb_convention_name (NbConvention c);

G_END_DECLS

#endif /* NB_PARAMS_H */
