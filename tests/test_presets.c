/* test_presets.c - detector presets (-detector): the published layouts,
 * the rule that explicit flags win, gap pixels not rendered and read out
 * as the masked value, and every other pixel the same bits as a run
 * without the preset at the same geometry. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_presets.h"

/* The manufacturers' layouts as DECTRIS states them (and dxtbx's
 * FormatPilatusHelpers encodes them): array size, modules, module size,
 * gaps, pixel size; written out here, not taken from the engine. */
typedef struct {
  const char *name;
  int width, height, modules_f, modules_s, module_f, module_s, gap_f, gap_s;
  double pixel, thickness, cutoff;
} Published;

static const Published published[] = {
  {"pilatus6m", 2463, 2527, 5, 12, 487, 195, 7, 17, 0.172, 320, 1048500},
  {"pilatus2m", 1475, 1679, 3, 8, 487, 195, 7, 17, 0.172, 320, 1048500},
  {"pilatus300k", 487, 619, 1, 3, 487, 195, 7, 17, 0.172, 320, 1048500},
  {"eiger2-16m", 4148, 4362, 4, 8, 1028, 512, 12, 38, 0.075, 450, -1},
  {"eiger2-9m", 3108, 3262, 3, 6, 1028, 512, 12, 38, 0.075, 450, -1},
  {"eiger2-4m", 2068, 2162, 2, 4, 1028, 512, 12, 38, 0.075, 450, -1},
  {"eiger2-1m", 1028, 1062, 1, 2, 1028, 512, 12, 38, 0.075, 450, -1},
  {"eiger2-500k", 1028, 512, 1, 1, 1028, 512, 12, 38, 0.075, 450, -1},
};

/* Gap columns (or rows) of @n modules of @size with @gap between, from
 * the module starts k (size + gap): TRUE at the indices between them. */
static gboolean *
gap_lines (int length, int n, int size, int gap)
{
  gboolean *in_gap = g_new0 (gboolean, length);
  for (int k = 0; k + 1 < n; k++) {
    int end = k * (size + gap) + size;  /* first pixel after module k */
    for (int i = end; i < end + gap; i++)
      in_gap[i] = TRUE;
  }
  return in_gap;
}

static NbParams
params_of (const char *line)
{
  NbParams p;
  GError *error = NULL;

  nb_params_init (&p);
  g_clear_pointer (&p.dump_file, g_free);
  g_assert_true (nb_args_apply_string (&p, line, &error));
  g_assert_no_error (error);
  return p;
}

static void
test_layouts (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (published); i++) {
    const Published *w = &published[i];
    NbDetectorPreset preset;
    const NbDetectorLayout *l;
    gboolean *cols, *rows;
    gint64 gaps = 0;

    g_assert_true (nb_detector_preset_from_name (w->name, &preset));
    l = nb_detector_layout (preset);
    g_assert_nonnull (l);
    g_assert_cmpint (l->fpixels, ==, w->width);
    g_assert_cmpint (l->spixels, ==, w->height);
    g_assert_cmpfloat (l->pixel_size, ==, w->pixel);
    g_assert_cmpfloat (l->thickness, ==, w->thickness);
    g_assert_cmpfloat (l->count_cutoff, ==, w->cutoff);
    /* the array is exactly its modules and the gaps between them */
    g_assert_cmpint (w->modules_f * w->module_f + (w->modules_f - 1)
        * w->gap_f, ==, w->width);
    g_assert_cmpint (w->modules_s * w->module_s + (w->modules_s - 1)
        * w->gap_s, ==, w->height);
    cols = gap_lines (w->width, w->modules_f, w->module_f, w->gap_f);
    rows = gap_lines (w->height, w->modules_s, w->module_s, w->gap_s);
    for (int s = 0; s < w->height; s++)
      for (int f = 0; f < w->width; f++) {
        gboolean want = cols[f] || rows[s];
        if (nb_detector_layout_is_gap (l, f, s) != want)
          g_error ("%s: pixel (%d, %d) gap %d, published %d", w->name, f, s,
              !want, want);
        gaps += want;
      }
    g_assert_cmpint (gaps, ==, (gint64) w->width * w->height
        - (gint64) w->modules_f * w->modules_s * w->module_f * w->module_s);
    g_free (cols);
    g_free (rows);
  }
}

/* dxtbx's hard-coded PILATUS 6M mask regions (1-based, inclusive: fast
 * 488-494, 982-988, 1476-1482, 1970-1976; slow 196-212, 408-424, ...). */
static void
test_pilatus6m_dxtbx_regions (void)
{
  const NbDetectorLayout *l = nb_detector_layout (NB_DETECTOR_PILATUS_6M);
  const int fast[4] = { 488, 982, 1476, 1970 };

  for (int k = 0; k < 4; k++) {
    g_assert_false (nb_detector_layout_is_gap (l, fast[k] - 2, 100));
    for (int c = fast[k]; c <= fast[k] + 6; c++)
      g_assert_true (nb_detector_layout_is_gap (l, c - 1, 100));
    g_assert_false (nb_detector_layout_is_gap (l, fast[k] + 6, 100));
  }
  for (int k = 0; k < 11; k++) {
    int first = 196 + 212 * k;  /* 196, 408, ..., 2316 */
    g_assert_false (nb_detector_layout_is_gap (l, 100, first - 2));
    for (int r = first; r <= first + 16; r++)
      g_assert_true (nb_detector_layout_is_gap (l, 100, r - 1));
    g_assert_false (nb_detector_layout_is_gap (l, 100, first + 16));
  }
}

/* The preset fills what the user did not give; given values win, before
 * or after -detector. */
static void
test_explicit_wins (void)
{
  NbParams p = params_of ("-detector pilatus6m");
  GError *error = NULL;

  g_assert_cmpint (p.fpixels, ==, 2463);
  g_assert_cmpint (p.spixels, ==, 2527);
  g_assert_cmpfloat (p.pixel_size, ==, 0.172);
  g_assert_cmpfloat (p.detector_thick, ==, 320);
  g_assert_cmpfloat (p.count_cutoff, ==, 1048500);
  nb_params_clear (&p);

  p = params_of ("-detpixels 600 -detector_thick 0 -detector eiger2-16m "
      "-pixel 0.1 -noise_rng counter -count_cutoff 5000");
  g_assert_cmpint (p.fpixels, ==, 600);
  g_assert_cmpint (p.spixels, ==, 600);
  g_assert_cmpfloat (p.pixel_size, ==, 0.1);
  g_assert_cmpfloat (p.detector_thick, ==, 0);
  g_assert_cmpfloat (p.count_cutoff, ==, 5000);
  nb_params_clear (&p);

  p = params_of ("-detector eiger2-4m -detpixels_s 700 -detector_abs inf");
  g_assert_cmpint (p.fpixels, ==, 2068);
  g_assert_cmpint (p.spixels, ==, 700);
  g_assert_cmpfloat (p.pixel_size, ==, 0.075);
  g_assert_cmpfloat (p.detector_thick, ==, 0);
  g_assert_cmpfloat (p.count_cutoff, ==, -1);
  nb_params_clear (&p);

  /* -detsize is a size given: the preset's pixel counts stay out */
  p = params_of ("-detector pilatus300k -detsize 50");
  g_assert_cmpint (p.fpixels, ==, 0);
  g_assert_cmpfloat (p.detsize_f, ==, 50);
  nb_params_clear (&p);

  nb_params_init (&p);
  g_assert_false (nb_args_apply_string (&p, "-detector pilatus7m", &error));
  g_assert_nonnull (strstr (error->message, "-detector"));
  g_assert_nonnull (strstr (error->message, "pilatus7m"));
  g_assert_nonnull (strstr (error->message, "eiger2-16m"));
  g_clear_error (&error);
  nb_params_clear (&p);
}

static NbModel *
model_of (const char *extra)
{
  gchar *hkl = g_build_filename (golden_dir (), "inputs", "dense.hkl", NULL);
  gchar *line = g_strdup_printf ("-hkl %s -cell 60 70 80 90 90 90 -N 4 "
      "-misset 10 20 30 -distance 120 -oversample 1 -phi 0 -osc 0.2 "
      "-phisteps 2 -seed 7 -noise_rng counter %s", hkl, extra);
  NbParams p = params_of (line);
  GError *error = NULL;
  NbModel *m = nb_model_new (&p, NULL, &error);

  g_assert_no_error (error);
  nb_params_clear (&p);
  g_free (line);
  g_free (hkl);
  return m;
}

/* A preset cut to @size (explicit pixels: the corner of the detector, the
 * same module pitch) against the same geometry without it: gap pixels
 * are 0 photons, not rendered, -1 in S32 counts; every other pixel is
 * the same photons and the same counts. */
static void
check_gaps_against_plain (const char *preset, const char *size,
    const char *same_geometry)
{
  gchar *with = g_strdup_printf ("-detector %s %s", preset, size);
  gchar *without = g_strdup_printf ("%s %s", same_geometry, size);
  NbModel *mp = model_of (with), *mn = model_of (without);
  const NbDetectorLayout *l = nb_detector_layout (mp->params.detector);
  const int w = mp->det.fpixels, h = mp->det.spixels;
  float *ip = golden_render (mp, 0, 0, NULL);
  float *in = golden_render (mn, 0, 0, NULL);
  gint32 *cp = g_new (gint32, (gsize) w * h), *cn = g_new (gint32,
      (gsize) w * h);
  NbReadoutWork *work = nb_readout_work_new (0);
  NbReadout r;
  NbReadoutStats sp, sn;
  NbFrameStats fp;
  gint64 gaps = 0, bright = 0;

  g_assert_nonnull (l);
  g_assert_cmpint (w, ==, mn->det.fpixels);
  g_assert_cmpint (h, ==, mn->det.spixels);
  g_assert_cmpfloat (mp->det.thick, ==, mn->det.thick);
  nb_readout_from_params (&mp->params, 1.0, NB_COUNTS_S32, &r);
  g_assert_cmpfloat (r.cutoff, ==, l->count_cutoff < 0 ? G_MAXINT32
      : l->count_cutoff);
  nb_readout_frame (work, &r, &mp->det, 0, ip, NB_COUNTS_S32, cp, &sp);
  nb_readout_frame (work, &r, &mn->det, 0, in, NB_COUNTS_S32, cn, &sn);
  nb_frame_stats (mp, ip, 0, &fp);
  for (int s = 0; s < h; s++)
    for (int f = 0; f < w; f++) {
      gsize i = (gsize) s * w + f;
      if (nb_detector_layout_is_gap (l, f, s)) {
        gaps++;
        g_assert_cmpfloat (ip[i], ==, 0.0f);
        g_assert_cmpint (cp[i], ==, -1);
      } else {
        if (memcmp (&ip[i], &in[i], sizeof (float)) != 0)
          g_error ("%s: pixel (%d, %d): %.9g photons, %.9g without the "
              "preset", preset, f, s, ip[i], in[i]);
        g_assert_cmpint (cp[i], ==, cn[i]);
        bright += ip[i] > 0.5f;
      }
    }
  g_assert_cmpint (gaps, >, 0);
  g_assert_cmpint (bright, >, 100);     /* the comparison saw photons */
  g_assert_cmpint (sp.masked, ==, gaps);
  g_assert_cmpint (sn.masked, ==, 0);
  g_assert_cmpint (fp.count, ==, (gint64) w * h - gaps);
  nb_readout_work_free (work);
  g_free (cp);
  g_free (cn);
  g_free (ip);
  g_free (in);
  nb_model_free (mp);
  nb_model_free (mn);
  g_free (with);
  g_free (without);
}

static void
test_pilatus_gaps (void)
{
  /* two module columns, four module rows of the corner */
  check_gaps_against_plain ("pilatus6m", "-detpixels_f 560 -detpixels_s 700",
      "-pixel 0.172 -detector_thick 320");
}

static void
test_eiger2_gaps (void)
{
  check_gaps_against_plain ("eiger2-16m", "-detpixels_f 1100 "
      "-detpixels_s 600 -pixel 0.15", "-pixel 0.15 -detector_thick 450");
}

/* The whole PILATUS 300K as the preset gives it, with an ROI on top: the
 * gaps and the pixels outside the ROI are both left out. */
static void
test_full_size_with_roi (void)
{
  NbModel *m = model_of ("-detector pilatus300k -pixel 0.5 -roi 0 400 0 "
      "618");
  float *image = golden_render (m, 0, 0, NULL);
  const NbDetectorLayout *l = nb_detector_layout (NB_DETECTOR_PILATUS_300K);
  gint64 lit = 0;

  g_assert_cmpint (m->det.fpixels, ==, 487);
  g_assert_cmpint (m->det.spixels, ==, 619);
  for (int s = 0; s < 619; s++)
    for (int f = 0; f < 487; f++) {
      float v = image[(gsize) s * 487 + f];
      if (nb_detector_layout_is_gap (l, f, s) || f > 400)
        g_assert_cmpfloat (v, ==, 0.0f);
      else
        lit += v > 0;
    }
  g_assert_cmpint (lit, >, 1000);
  g_free (image);
  nb_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/presets/layouts", test_layouts);
  g_test_add_func ("/presets/pilatus6m-dxtbx-regions",
      test_pilatus6m_dxtbx_regions);
  g_test_add_func ("/presets/explicit-wins", test_explicit_wins);
  g_test_add_func ("/presets/pilatus-gaps", test_pilatus_gaps);
  g_test_add_func ("/presets/eiger2-gaps", test_eiger2_gaps);
  g_test_add_func ("/presets/full-size-roi", test_full_size_with_roi);
  return g_test_run ();
}
