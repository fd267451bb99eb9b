/* gstnbsrcsettings.h - nanobraggsrc's simulation properties.
 *
 * Every nanoBragg input is a GObject property, described once in a table
 * (name, blurb with unit, range, default, where it lands in NbParams).
 * Composite values ("79 79 38 90 90 90", "0 0 1") are strings parsed when
 * the element starts, through the nanoBragg flag parser, so a malformed
 * value is reported with the property's name. */
#ifndef GST_NB_SRC_SETTINGS_H
#define GST_NB_SRC_SETTINGS_H

#include <gst/gst.h>
#include "nb_params.h"

G_BEGIN_DECLS

#define GST_TYPE_NB_CONVENTION (gst_nb_convention_get_type ())
#define GST_TYPE_NB_PIVOT (gst_nb_pivot_get_type ())
#define GST_TYPE_NB_SHAPE (gst_nb_shape_get_type ())
#define GST_TYPE_NB_INTERPOLATE (gst_nb_interpolate_get_type ())
#define GST_TYPE_NB_PRECISION (gst_nb_precision_get_type ())
GType gst_nb_convention_get_type (void);
GType gst_nb_pivot_get_type (void);
GType gst_nb_shape_get_type (void);
GType gst_nb_interpolate_get_type (void);
GType gst_nb_precision_get_type (void);

/* Composite (string) properties, parsed at start. */
typedef enum {
  NB_TEXT_CELL, NB_TEXT_N_CELLS, NB_TEXT_MISSET, NB_TEXT_XTAL_SIZE,
  NB_TEXT_BEAM_CENTER, NB_TEXT_XDS_ORIGIN, NB_TEXT_DETECTOR_ROTATION,
  NB_TEXT_DIVERGENCE, NB_TEXT_DIVERGENCE_STEPS, NB_TEXT_ROI,
  NB_TEXT_FDET, NB_TEXT_SDET, NB_TEXT_ODET, NB_TEXT_BEAM_VECTOR,
  NB_TEXT_POLARIZATION_VECTOR, NB_TEXT_SPINDLE, NB_TEXT_TWOTHETA_AXIS,
  NB_TEXT_COUNT
} NbTextProp;

typedef struct {
  NbParams params;              /* typed properties land here */
  gchar *text[NB_TEXT_COUNT];   /* composite properties, as typed */
} GstNbSrcSettings;

void gst_nb_src_settings_init (GstNbSrcSettings * s);
void gst_nb_src_settings_clear (GstNbSrcSettings * s);

/* Installs the properties with ids first_id, first_id + 1, ...; returns
 * the first id after them. */
guint gst_nb_src_settings_install (GObjectClass * klass, guint first_id);

/* set/get for an id of the table (FALSE: not one of ours). */
gboolean gst_nb_src_settings_set (GstNbSrcSettings * s, guint first_id,
    guint prop_id, const GValue * value);
gboolean gst_nb_src_settings_get (const GstNbSrcSettings * s,
    guint first_id, guint prop_id, GValue * value);

/* The complete NbParams: typed values, composite strings, then
 * @nanobragg_args (a nanoBragg command line) on top. */
gboolean gst_nb_src_settings_to_params (const GstNbSrcSettings * s,
    const char *nanobragg_args, NbParams * out, GError ** error);

G_END_DECLS

#endif
