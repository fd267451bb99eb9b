/* nb_cli_mpi.h - the CLI's MPI ranks (built with meson -Dmpi only).
 *
 * `mpirun -np R nanobragg ...` starts R copies of the CLI; each one
 * renders its share of the series' frames (frame index j of the run goes
 * to rank j mod R, tools/nanobragg.c) and writes its own files, and the
 * ranks agree on success before rank 0 writes what covers them all (the
 * -nxsfile master).  This module is only the MPI plumbing: start, the
 * rank and size, the status agreement, the end.  docs/cli.md and
 * docs/scale-out.md describe the behaviour. */
#ifndef NB_CLI_MPI_H
#define NB_CLI_MPI_H

#include <glib.h>

G_BEGIN_DECLS

/* Starts MPI (MPI_Init) and fills in this process's rank and the number
 * of ranks.  tools/nanobragg.c calls it only when an MPI launcher's
 * environment says one started the process: a plain `nanobragg` run
 * never touches MPI. */
void nb_cli_mpi_init (int *argc, char ***argv, int *rank, int *n_ranks);

/* Every rank's @status (0: success), shared by all ranks: a collective,
 * which every rank must reach exactly once per agreement, whatever
 * happened before it.  Returns the highest status (0 when every rank
 * succeeded); *@first_failed receives the lowest failed rank (-1 when
 * none) and *@n_failed how many failed. */
int nb_cli_mpi_agree (int status, int *first_failed, int *n_failed);

/* Ends MPI (MPI_Finalize). */
void nb_cli_mpi_finalize (void);

G_END_DECLS

#endif /* NB_CLI_MPI_H */
