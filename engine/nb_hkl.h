/* nb_hkl.h - structure factors F(hkl) on a dense box of Miller indices. */
#ifndef NB_HKL_H
#define NB_HKL_H

#include <glib.h>
#include "nb_hd.h"

G_BEGIN_DECLS

typedef struct {
  int h_min, h_max, k_min, k_max, l_min, l_max;
  int h_range, k_range, l_range;        /* max - min + 1 */
  gsize count;                  /* reflections read from the file */
  double *F;                    /* [h][k][l], l fastest; unlisted = default_F */
  float *F32;                   /* a float copy (GPU float32 path), or NULL */
} NbHkl;

/* Reads an "h k l F" text file (blank lines and '#' comments allowed).
 * Every other line must hold exactly four numbers with integral h, k, l. */
NbHkl *nb_hkl_read_text (const char *path, double default_F, GError ** error);

/* Reads / writes nanoBragg's Fdump.bin cache (text header, form feed, then
 * (h_range+1) x (k_range+1) x (l_range+1) native doubles). */
NbHkl *nb_hkl_read_dump (const char *path, GError ** error);
gboolean nb_hkl_write_dump (const NbHkl * hkl, const char *path,
    GError ** error);

/* A box with no reflections: every F is @default_F. */
NbHkl *nb_hkl_new_empty (void);

void nb_hkl_free (NbHkl * hkl);

static inline NB_HD gboolean
nb_hkl_contains (const NbHkl * t, int h, int k, int l)
{
  /* one unsigned compare per axis covers both bounds */
  return t->count > 0 && (guint) (h - t->h_min) < (guint) t->h_range
      && (guint) (k - t->k_min) < (guint) t->k_range
      && (guint) (l - t->l_min) < (guint) t->l_range;
}

static inline NB_HD double
nb_hkl_get (const NbHkl * t, int h, int k, int l)
{
  /* 32-bit index: boxes are capped at 2^31 entries (nb_hkl.c) */
  return t->F[((guint) (h - t->h_min) * (guint) t->k_range
          + (guint) (k - t->k_min)) * (guint) t->l_range
      + (guint) (l - t->l_min)];
}

G_END_DECLS

#endif /* NB_HKL_H */
