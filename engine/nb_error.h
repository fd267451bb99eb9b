/* nb_error.h - the engine's GError domain. */
#ifndef NB_ERROR_H
#define NB_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define NB_ERROR (nb_error_quark ())
GQuark nb_error_quark (void);

typedef enum {
  NB_ERROR_ARGUMENT,            /* unknown flag, missing or malformed value */
  NB_ERROR_VALUE,               /* a value out of its valid range */
  NB_ERROR_FILE,                /* a file that cannot be read or written */
  NB_ERROR_FORMAT,              /* a file whose content is malformed */
  NB_ERROR_MODEL,               /* inputs that describe no physical setup */
  NB_ERROR_BACKEND              /* a rendering backend failed */
} NbErrorCode;

G_END_DECLS

#endif /* NB_ERROR_H */
