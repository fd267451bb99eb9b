/* nb_fileio.c - atomic file writes. */
#include "nb_fileio.h"
#include "nb_error.h"

gboolean
nb_file_write_atomic (const char *path, const void *data, gsize len,
    GError ** error)
{
  GError *io_error = NULL;

  /* GLib writes "path.XXXXXX", fsyncs and renames it over @path */
  if (!g_file_set_contents_full (path, data, (gssize) len,
          G_FILE_SET_CONTENTS_CONSISTENT, 0666, &io_error)) {
    g_set_error (error, NB_ERROR, NB_ERROR_FILE, "cannot write %s: %s", path,
        io_error->message);
    g_error_free (io_error);
    return FALSE;
  }
  return TRUE;
}
