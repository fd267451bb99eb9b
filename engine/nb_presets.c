/* nb_presets.c - the detector presets' numbers (docs/physics.md, "Detector
 * presets", says where each comes from). */
#include "nb_presets.h"

#include <string.h>

/* PILATUS modules: 487 x 195 pixels of 172 um, 7 pixels apart along fast
 * and 17 along slow; EIGER2 modules: 1028 x 512 pixels of 75 um, 12 and
 * 38 pixels apart.  Silicon sensors: 320 um (PILATUS), 450 um (EIGER2 X).
 * PILATUS counts saturate at the Count_cutoff its CBF headers state;
 * EIGER2 sums to 32 bits: the counts format's maximum. */
#define PILATUS(P, name, desc, nf, ns) \
  {P, name, desc, 487 * nf + 7 * (nf - 1), 195 * ns + 17 * (ns - 1), \
    0.172, 487, 195, 7, 17, 320.0, 1048500.0}
#define EIGER2(P, name, desc, nf, ns) \
  {P, name, desc, 1028 * nf + 12 * (nf - 1), 512 * ns + 38 * (ns - 1), \
    0.075, 1028, 512, 12, 38, 450.0, -1.0}

static const NbDetectorLayout layouts[] = {
  PILATUS (NB_DETECTOR_PILATUS_6M, "pilatus6m",
      "PILATUS 6M: 2463 x 2527 pixels of 172 um, 5 x 12 modules", 5, 12),
  PILATUS (NB_DETECTOR_PILATUS_2M, "pilatus2m",
      "PILATUS 2M: 1475 x 1679 pixels of 172 um, 3 x 8 modules", 3, 8),
  PILATUS (NB_DETECTOR_PILATUS_300K, "pilatus300k",
      "PILATUS 300K: 487 x 619 pixels of 172 um, 1 x 3 modules", 1, 3),
  EIGER2 (NB_DETECTOR_EIGER2_16M, "eiger2-16m",
      "EIGER2 X 16M: 4148 x 4362 pixels of 75 um, 4 x 8 modules", 4, 8),
  EIGER2 (NB_DETECTOR_EIGER2_9M, "eiger2-9m",
      "EIGER2 X 9M: 3108 x 3262 pixels of 75 um, 3 x 6 modules", 3, 6),
  EIGER2 (NB_DETECTOR_EIGER2_4M, "eiger2-4m",
      "EIGER2 X 4M: 2068 x 2162 pixels of 75 um, 2 x 4 modules", 2, 4),
  EIGER2 (NB_DETECTOR_EIGER2_1M, "eiger2-1m",
      "EIGER2 X 1M: 1028 x 1062 pixels of 75 um, 1 x 2 modules", 1, 2),
  EIGER2 (NB_DETECTOR_EIGER2_500K, "eiger2-500k",
      "EIGER2 X 500K: 1028 x 512 pixels of 75 um, 1 module", 1, 1),
};

const NbDetectorLayout *
nb_detector_layout (NbDetectorPreset preset)
{
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i].preset == preset)
      return &layouts[i];
  return NULL;
}

gboolean
nb_detector_preset_from_name (const char *name, NbDetectorPreset * preset)
{
  if (strcmp (name, "none") == 0) {
    *preset = NB_DETECTOR_NONE;
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++) {
    if (strcmp (layouts[i].name, name) == 0) {
      *preset = layouts[i].preset;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
nb_detector_preset_names (void)
{
  return "none|pilatus6m|pilatus2m|pilatus300k|eiger2-16m|eiger2-9m|"
      "eiger2-4m|eiger2-1m|eiger2-500k";
}

void
nb_params_apply_detector_preset (NbParams * p)
{
  const NbDetectorLayout *l = nb_detector_layout (p->detector);
  guint given = p->detector_explicit;

  if (l == NULL)
    return;
  if (!(given & NB_PRESET_FIELD_FPIXELS))
    p->fpixels = l->fpixels;
  if (!(given & NB_PRESET_FIELD_SPIXELS))
    p->spixels = l->spixels;
  if (!(given & NB_PRESET_FIELD_PIXEL_SIZE))
    p->pixel_size = l->pixel_size;
  if (!(given & NB_PRESET_FIELD_THICKNESS))
    p->detector_thick = l->thickness;
  if (!(given & NB_PRESET_FIELD_CUTOFF))
    p->count_cutoff = l->count_cutoff;
}

gchar *
nb_detector_preset_flags (const char *name)
{
  NbDetectorPreset preset;
  const NbDetectorLayout *l;

  if (!nb_detector_preset_from_name (name, &preset)
      || (l = nb_detector_layout (preset)) == NULL)
    return NULL;
  return g_strdup_printf ("-detector %s -detpixels_f %d -detpixels_s %d "
      "-pixel %.17g", l->name, l->fpixels, l->spixels, l->pixel_size);
}
