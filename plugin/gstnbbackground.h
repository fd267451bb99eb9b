/* gstnbbackground.h - nanobraggsrc's amorphous background (water, air...
 * as nonBragg.c renders them): the properties, and the rendered image
 * kept from one start to the next while the geometry stays the same.
 *
 * Components: background-stol with background-thickness, -density and
 * -molecular-weight (one component), and/or "background", a list of
 * GstStructures separated by ';' (docs/elements.md):
 *   "water, stol=water.stol, thickness=0.1; air, stol=air.stol,
 *    thickness=25, density=1.2e-3, molecular-weight=28.8"
 * The background does not change with phi: it is rendered once per
 * geometry (on the backend's device), kept there and added to every
 * frame's photons before the readout. */
#ifndef GST_NB_BACKGROUND_H
#define GST_NB_BACKGROUND_H

#include <gst/gst.h>
#include "nb_render.h"

G_BEGIN_DECLS

/* Property ids, counted from the element's first background id. */
typedef enum {
  GST_NB_BG_PROP_STOL,
  GST_NB_BG_PROP_THICKNESS,
  GST_NB_BG_PROP_DENSITY,
  GST_NB_BG_PROP_MOLECULAR_WEIGHT,
  GST_NB_BG_PROP_LIST,
  GST_NB_BG_PROP_RENDERS,
  GST_NB_BG_N_PROPS
} GstNbBgProp;

typedef struct {
  /* properties (the element's object lock) */
  gchar *stol;
  double thickness, density, molecular_weight;
  gchar *list;
  guint renders;                /* backgrounds rendered (read-only) */

  /* the last rendered background (streaming thread) */
  gchar *key;                   /* what it depends on, printed */
  float *image;
  gsize npix;
} GstNbBackground;

void gst_nb_background_init (GstNbBackground * bg);
void gst_nb_background_clear (GstNbBackground * bg);

void gst_nb_background_install (GObjectClass * klass, guint first_id,
    GParamFlags flags);
/* FALSE: @prop_id is not one of ours. */
gboolean gst_nb_background_set (GstNbBackground * bg, guint first_id,
    guint prop_id, const GValue * value);
gboolean gst_nb_background_get (const GstNbBackground * bg, guint first_id,
    guint prop_id, GValue * value);

/* The components of the properties (NULL without error: none).  Errors
 * name the property and the field.  Call with the object lock held. */
NbBackground *gst_nb_background_build (const GstNbBackground * bg,
    GError ** error);

/* Gives @backend the background of @components for its model: the kept
 * image when nothing it depends on changed since it was rendered, else a
 * new render (counted in "background-renders").  @components NULL: no
 * background. */
gboolean gst_nb_background_attach (GstNbBackground * bg,
    const NbBackground * components, NbBackend * backend, GError ** error);

G_END_DECLS

#endif
