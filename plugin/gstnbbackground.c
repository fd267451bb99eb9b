/* gstnbbackground.c - nanobraggsrc's amorphous background properties and
 * the kept background image (gstnbbackground.h). */
#include "gstnbbackground.h"
#include "nb_error.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define DEFAULT_THICKNESS 0.1
#define DEFAULT_DENSITY 1.0
#define DEFAULT_MOLECULAR_WEIGHT 18.0

void
gst_nb_background_init (GstNbBackground * bg)
{
  memset (bg, 0, sizeof (*bg));
  bg->thickness = DEFAULT_THICKNESS;
  bg->density = DEFAULT_DENSITY;
  bg->molecular_weight = DEFAULT_MOLECULAR_WEIGHT;
}

void
gst_nb_background_clear (GstNbBackground * bg)
{
  g_clear_pointer (&bg->stol, g_free);
  g_clear_pointer (&bg->list, g_free);
  g_clear_pointer (&bg->key, g_free);
  g_clear_pointer (&bg->image, g_free);
}

void
gst_nb_background_install (GObjectClass * klass, guint first_id,
    GParamFlags flags)
{
  g_object_class_install_property (klass, first_id + GST_NB_BG_PROP_STOL,
      g_param_spec_string ("background-stol", "Background stol file",
          "Amorphous background: a .stol table (sin(theta)/lambda in 1/A, "
          "F per molecule), rendered with background-thickness, -density "
          "and -molecular-weight as nonBragg does (NULL = none)", NULL,
          flags));
  g_object_class_install_property (klass,
      first_id + GST_NB_BG_PROP_THICKNESS,
      g_param_spec_double ("background-thickness", "Background thickness",
          "Thickness of background-stol's material along the beam (mm)",
          0.0, G_MAXDOUBLE, DEFAULT_THICKNESS, flags));
  g_object_class_install_property (klass, first_id + GST_NB_BG_PROP_DENSITY,
      g_param_spec_double ("background-density", "Background density",
          "Density of background-stol's material (g/cm^3)", 0.0,
          G_MAXDOUBLE, DEFAULT_DENSITY, flags));
  g_object_class_install_property (klass,
      first_id + GST_NB_BG_PROP_MOLECULAR_WEIGHT,
      g_param_spec_double ("background-molecular-weight",
          "Background molecular weight",
          "Molecular weight of background-stol's material (g/mol, Da)",
          G_MINDOUBLE, G_MAXDOUBLE, DEFAULT_MOLECULAR_WEIGHT, flags));
  g_object_class_install_property (klass, first_id + GST_NB_BG_PROP_LIST,
      g_param_spec_string ("background", "Background components",
          "More amorphous background components, summed: structures "
          "separated by ';', each with stol (file), thickness (mm) and "
          "optionally density (g/cm^3, 1), molecular-weight (g/mol, 18), "
          "width and height (mm, 0.1, clipped by the beam), units (stol, "
          "4stol or q), e.g. \"water, stol=water.stol, thickness=0.1; air, "
          "stol=air.stol, thickness=25, density=1.2e-3, "
          "molecular-weight=28.8\"", NULL, flags));
  g_object_class_install_property (klass, first_id + GST_NB_BG_PROP_RENDERS,
      g_param_spec_uint ("background-renders", "Background renders",
          "How many times this element rendered its background (once per "
          "geometry; kept while nothing it depends on changes)", 0,
          G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

gboolean
gst_nb_background_set (GstNbBackground * bg, guint first_id, guint prop_id,
    const GValue * value)
{
  switch ((gint) prop_id - (gint) first_id) {
    case GST_NB_BG_PROP_STOL:
      g_free (bg->stol);
      bg->stol = g_value_dup_string (value);
      return TRUE;
    case GST_NB_BG_PROP_THICKNESS:
      bg->thickness = g_value_get_double (value);
      return TRUE;
    case GST_NB_BG_PROP_DENSITY:
      bg->density = g_value_get_double (value);
      return TRUE;
    case GST_NB_BG_PROP_MOLECULAR_WEIGHT:
      bg->molecular_weight = g_value_get_double (value);
      return TRUE;
    case GST_NB_BG_PROP_LIST:
      g_free (bg->list);
      bg->list = g_value_dup_string (value);
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
gst_nb_background_get (const GstNbBackground * bg, guint first_id,
    guint prop_id, GValue * value)
{
  switch ((gint) prop_id - (gint) first_id) {
    case GST_NB_BG_PROP_STOL:
      g_value_set_string (value, bg->stol);
      return TRUE;
    case GST_NB_BG_PROP_THICKNESS:
      g_value_set_double (value, bg->thickness);
      return TRUE;
    case GST_NB_BG_PROP_DENSITY:
      g_value_set_double (value, bg->density);
      return TRUE;
    case GST_NB_BG_PROP_MOLECULAR_WEIGHT:
      g_value_set_double (value, bg->molecular_weight);
      return TRUE;
    case GST_NB_BG_PROP_LIST:
      g_value_set_string (value, bg->list);
      return TRUE;
    case GST_NB_BG_PROP_RENDERS:
      g_value_set_uint (value, g_atomic_int_get (&bg->renders));
      return TRUE;
    default:
      return FALSE;
  }
}

/* A number field (int, double, or a string that is a number). */
static gboolean
field_number (const GValue * v, const char *field, double *out,
    const char *where, GError ** error)
{
  char *end = NULL;

  if (G_VALUE_HOLDS_DOUBLE (v)) {
    *out = g_value_get_double (v);
    return TRUE;
  }
  if (G_VALUE_HOLDS_INT (v)) {
    *out = g_value_get_int (v);
    return TRUE;
  }
  if (G_VALUE_HOLDS_STRING (v)) {
    const char *t = g_value_get_string (v);
    *out = g_ascii_strtod (t, &end);
    if (end != t && *end == '\0')
      return TRUE;
  }
  g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
      "%s: '%s' must be a number", where, field);
  return FALSE;
}

typedef struct {
  NbAmorphousSpec *spec;
  const char *where;
  GError **error;
} FieldCtx;

static gboolean
apply_field (GQuark id, const GValue * value, gpointer data)
{
  FieldCtx *c = data;
  const char *name = g_quark_to_string (id);
  double *target = NULL;

  if (strcmp (name, "stol") == 0 || strcmp (name, "units") == 0) {
    const char *t = G_VALUE_HOLDS_STRING (value) ?
        g_value_get_string (value) : NULL;
    if (t == NULL) {
      g_set_error (c->error, NB_ERROR, NB_ERROR_VALUE,
          "%s: '%s' must be a string", c->where, name);
      return FALSE;
    }
    if (name[0] == 's') {
      g_free (c->spec->stol_file);
      c->spec->stol_file = g_strdup (t);
      return TRUE;
    }
    if (strcmp (t, "stol") == 0)
      c->spec->units = NB_STOL_UNITS_STOL;
    else if (strcmp (t, "4stol") == 0)
      c->spec->units = NB_STOL_UNITS_4STOL;
    else if (strcmp (t, "q") == 0)
      c->spec->units = NB_STOL_UNITS_Q;
    else {
      g_set_error (c->error, NB_ERROR, NB_ERROR_VALUE,
          "%s: units '%s' is not stol, 4stol or q", c->where, t);
      return FALSE;
    }
    return TRUE;
  }
  if (strcmp (name, "thickness") == 0)
    target = &c->spec->thickness;
  else if (strcmp (name, "density") == 0)
    target = &c->spec->density;
  else if (strcmp (name, "molecular-weight") == 0)
    target = &c->spec->molecular_weight;
  else if (strcmp (name, "width") == 0)
    target = &c->spec->width;
  else if (strcmp (name, "height") == 0)
    target = &c->spec->height;
  if (target == NULL) {
    g_set_error (c->error, NB_ERROR, NB_ERROR_VALUE,
        "%s: unknown field '%s' (stol, thickness, density, "
        "molecular-weight, width, height, units)", c->where, name);
    return FALSE;
  }
  return field_number (value, name, target, c->where, c->error);
}

static gboolean
add_list (NbBackground * out, const char *list, GError ** error)
{
  GstCaps *caps = gst_caps_from_string (list);
  gboolean ok = TRUE;

  if (caps == NULL || gst_caps_is_any (caps)) {
    g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
        "background: '%s' is not a list of structures "
        "(\"name, stol=FILE, thickness=MM; ...\")", list);
    gst_clear_caps (&caps);
    return FALSE;
  }
  for (guint i = 0; ok && i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    gchar *where = g_strdup_printf ("background: component %u (%s)", i + 1,
        gst_structure_get_name (s));
    NbAmorphousSpec spec;
    FieldCtx ctx = { &spec, where, error };

    nb_amorphous_spec_init (&spec);
    ok = gst_structure_foreach (s, apply_field, &ctx);
    if (ok && !gst_structure_has_field (s, "thickness")) {
      g_set_error (error, NB_ERROR, NB_ERROR_VALUE,
          "%s: no thickness (mm)", where);
      ok = FALSE;
    }
    if (ok)
      ok = nb_background_add (out, &spec, where, error);
    g_free (spec.stol_file);
    g_free (where);
  }
  gst_caps_unref (caps);
  return ok;
}

NbBackground *
gst_nb_background_build (const GstNbBackground * bg, GError ** error)
{
  NbBackground *out;

  if ((bg->stol == NULL || bg->stol[0] == '\0')
      && (bg->list == NULL || bg->list[0] == '\0'))
    return NULL;
  out = nb_background_new ();
  if (bg->stol != NULL && bg->stol[0] != '\0') {
    NbAmorphousSpec spec;
    nb_amorphous_spec_init (&spec);
    spec.stol_file = bg->stol;
    spec.thickness = bg->thickness;
    spec.density = bg->density;
    spec.molecular_weight = bg->molecular_weight;
    if (!nb_background_add (out, &spec, "background-stol", error)) {
      nb_background_free (out);
      return NULL;
    }
  }
  if (bg->list != NULL && bg->list[0] != '\0'
      && !add_list (out, bg->list, error)) {
    nb_background_free (out);
    return NULL;
  }
  return out;
}

static void
key_vec (GString * k, const char *name, const double v[3])
{
  g_string_append_printf (k, "%s %a %a %a\n", name, v[0], v[1], v[2]);
}

/* Everything the background image depends on, exactly (%a): the
 * detector, the sources, the beam and the components (files by name,
 * size and time).  Not the crystal, phi or the readout. */
static gchar *
background_key (const NbBackground * c, const NbModel * m)
{
  const NbDetector *d = &m->det;
  GString *k = g_string_new (NULL);

  g_string_append_printf (k, "det %d %d %a %a %d %a %a %a %a %d %a %d %d "
      "%d %d %d %d %s\n", d->fpixels, d->spixels, d->pixel_size,
      d->subpixel_size, d->oversample, d->close_distance, d->distance,
      d->thick, d->thickstep, d->thicksteps, d->mu, d->curved,
      d->point_pixel, d->roi_xmin, d->roi_xmax, d->roi_ymin, d->roi_ymax,
      m->params.mask_file ? m->params.mask_file : "-");
  key_vec (k, "pix0", d->pix0);
  key_vec (k, "fdet", d->fdet);
  key_vec (k, "sdet", d->sdet);
  key_vec (k, "odet", d->odet);
  key_vec (k, "beam", d->beam);
  key_vec (k, "polar", d->polar_vector);
  g_string_append_printf (k, "beam %a %a %a %d %d\n", m->fluence,
      m->beamsize, m->polarization, m->nopolar,
      m->params.source_file != NULL);
  for (int s = 0; s < m->n_sources; s++) {
    key_vec (k, "source", m->sources[s].dir);
    g_string_append_printf (k, "  %a %a\n", m->sources[s].lambda,
        m->sources[s].weight);
  }
  for (int i = 0; i < nb_background_n_components (c); i++) {
    const NbAmorphousSpec *s = nb_background_spec (c, i);
    GStatBuf st;
    memset (&st, 0, sizeof (st));
    g_stat (s->stol_file, &st);
    g_string_append_printf (k, "component %s %lld %lld %d %a %a %a %a %a "
        "%a\n", s->stol_file, (long long) st.st_size,
        (long long) st.st_mtime, s->units, s->thickness, s->width, s->height,
        s->density, s->molecular_weight, s->molecules);
  }
  return g_string_free (k, FALSE);
}

gboolean
gst_nb_background_attach (GstNbBackground * bg,
    const NbBackground * components, NbBackend * backend, GError ** error)
{
  const NbModel *m = backend->model;
  gsize npix = (gsize) m->det.fpixels * m->det.spixels;
  gchar *key;

  if (components == NULL)
    return nb_backend_set_background (backend, NULL, error);
  key = background_key (components, m);
  if (bg->key != NULL && strcmp (key, bg->key) == 0 && bg->npix == npix) {
    g_free (key);
    return nb_backend_set_background (backend, bg->image, error);
  }
  g_clear_pointer (&bg->key, g_free);
  g_free (bg->image);
  bg->image = g_try_new (float, npix);
  bg->npix = npix;
  if (bg->image == NULL) {
    g_set_error (error, NB_ERROR, NB_ERROR_BACKEND,
        "out of memory for a %dx%d background", m->det.fpixels,
        m->det.spixels);
    g_free (key);
    return FALSE;
  }
  if (!nb_backend_render_background (backend, components, bg->image, error)) {
    g_clear_pointer (&bg->image, g_free);
    g_free (key);
    return FALSE;
  }
  g_atomic_int_inc (&bg->renders);
  bg->key = key;
  return TRUE;
}
