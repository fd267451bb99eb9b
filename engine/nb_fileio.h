/* nb_fileio.h - whole-file writes that never leave a partial file. */
#ifndef NB_FILEIO_H
#define NB_FILEIO_H

#include <glib.h>

G_BEGIN_DECLS

/* Writes @len bytes to a temporary file beside @path, then renames it over
 * @path: readers see the old file or the complete new one, never a part. */
gboolean nb_file_write_atomic (const char *path, const void *data, gsize len,
    GError ** error);

G_END_DECLS

#endif /* NB_FILEIO_H */
