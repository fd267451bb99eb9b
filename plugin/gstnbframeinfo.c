/* gstnbframeinfo.c - parsing frame caps. */
#include "gstnbframeinfo.h"

gboolean
gst_nb_frame_info_from_caps (const GstCaps * caps, GstNbFrameInfo * info)
{
  const GstStructure *s;
  const gchar *format;

  if (caps == NULL || gst_caps_get_size (caps) < 1)
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  format = gst_structure_get_string (s, "format");
  if (format == NULL)
    return FALSE;
  if (gst_structure_has_name (s, "video/x-diffraction")
      && g_str_equal (format, "F32LE"))
    info->format = GST_NB_FRAME_F32;
  else if (gst_structure_has_name (s, "video/x-raw")
      && g_str_equal (format, "GRAY16_LE"))
    info->format = GST_NB_FRAME_GRAY16;
  else if (gst_structure_has_name (s, "video/x-diffraction")
      && g_str_equal (format, "S32LE"))
    info->format = GST_NB_FRAME_S32;
  else
    return FALSE;
  info->is_float = info->format == GST_NB_FRAME_F32;
  if (!gst_structure_get_int (s, "width", &info->width)
      || !gst_structure_get_int (s, "height", &info->height))
    return FALSE;
  if (!gst_structure_get_fraction (s, "framerate", &info->fps_n,
          &info->fps_d)) {
    info->fps_n = 0;
    info->fps_d = 1;
  }
  return TRUE;
}
