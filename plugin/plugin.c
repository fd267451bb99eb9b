/* plugin.c - registers the nanobragg elements; nothing else. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstnanobraggsrc.h"
#include "gstnbcbfenc.h"
#ifdef NB_HAVE_NXS
#include "gstnbnxsink.h"
#endif
#include "gstnbframemeta.h"
#include "gstnbradial.h"
#include "gstnbsmvenc.h"
#include "gstnbtiffenc.h"
#include "gstnbview.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = FALSE;

  gst_nb_frame_meta_register ();
  ok |= GST_ELEMENT_REGISTER (nanobraggsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (nbtiffenc, plugin);
  ok |= GST_ELEMENT_REGISTER (nbsmvenc, plugin);
  ok |= GST_ELEMENT_REGISTER (nbcbfenc, plugin);
#ifdef NB_HAVE_NXS
  ok |= GST_ELEMENT_REGISTER (nbnxsink, plugin);
#endif
  ok |= GST_ELEMENT_REGISTER (nbview, plugin);
  ok |= GST_ELEMENT_REGISTER (nbradial, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, nanobragg,
    "nanoBragg X-ray diffraction simulation: sources, encoders, analysis",
    plugin_init, PACKAGE_VERSION, "LGPL", PACKAGE, PACKAGE_ORIGIN)
