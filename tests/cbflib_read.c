/* cbflib_read - reads a CBF file with CBFlib's own reader (not ours, not
 * fabio's) and writes its 32-bit pixels, little-endian, to OUT, its size
 * to stdout as "WIDTH HEIGHT".  Usage: cbflib_read FILE.cbf OUT.raw */
#include <cbflib/cbf.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call) do { int e_ = (call); if (e_ != 0) { \
      fprintf (stderr, "cbflib_read: %s: CBFlib error %d\n", #call, e_); \
      return 1; } } while (0)

int
main (int argc, char **argv)
{
  cbf_handle cbf;
  FILE *in;
  unsigned int compression;
  int id, elsigned, elunsigned, minel, maxel;
  size_t elsize, nelem, nread, fast, mid, slow, padding;
  const char *byteorder;
  gint32 *pixels;
  GError *error = NULL;

  if (argc != 3) {
    fprintf (stderr, "usage: cbflib_read FILE.cbf OUT.raw\n");
    return 2;
  }
  in = fopen (argv[1], "rb");
  if (in == NULL) {
    perror (argv[1]);
    return 1;
  }
  CHECK (cbf_make_handle (&cbf));
  /* CBFlib closes the file; MSG_DIGEST checks a digest if there is one */
  CHECK (cbf_read_widefile (cbf, in, MSG_DIGEST));
  CHECK (cbf_find_category (cbf, "array_data"));
  CHECK (cbf_find_column (cbf, "data"));
  CHECK (cbf_get_integerarrayparameters_wdims_fs (cbf, &compression, &id,
          &elsize, &elsigned, &elunsigned, &nelem, &minel, &maxel,
          &byteorder, &fast, &mid, &slow, &padding));
  if (compression != CBF_BYTE_OFFSET || elsize != 4 || !elsigned) {
    fprintf (stderr, "cbflib_read: not byte-offset signed 32-bit data\n");
    return 1;
  }
  pixels = g_new (gint32, nelem);
  CHECK (cbf_get_integerarray (cbf, &id, pixels, 4, 1, nelem, &nread));
  if (nread != nelem || fast * mid != nelem) {
    fprintf (stderr, "cbflib_read: read %zu of %zu elements\n", nread,
        nelem);
    return 1;
  }
  for (size_t i = 0; i < nelem; i++)
    pixels[i] = GINT32_TO_LE (pixels[i]);
  if (!g_file_set_contents (argv[2], (const char *) pixels, 4 * nelem,
          &error)) {
    fprintf (stderr, "cbflib_read: %s\n", error->message);
    return 1;
  }
  printf ("%zu %zu\n", fast, mid);
  g_free (pixels);
  cbf_free_handle (cbf);
  return 0;
}
