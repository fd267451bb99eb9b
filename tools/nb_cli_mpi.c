/* nb_cli_mpi.c - the CLI's MPI ranks: start, status agreement, end.
 *
 * MPI's default error handler (MPI_ERRORS_ARE_FATAL) stays: a failed MPI
 * call ends the whole job through mpirun, which is what a rank that can
 * no longer talk to the others should do. */
#include "nb_cli_mpi.h"

#include <mpi.h>

void
nb_cli_mpi_init (int *argc, char ***argv, int *rank, int *n_ranks)
{
  MPI_Init (argc, argv);
  MPI_Comm_rank (MPI_COMM_WORLD, rank);
  MPI_Comm_size (MPI_COMM_WORLD, n_ranks);
}

int
nb_cli_mpi_agree (int status, int *first_failed, int *n_failed)
{
  int n_ranks, worst = 0;
  int *all;

  MPI_Comm_size (MPI_COMM_WORLD, &n_ranks);
  all = g_new (int, n_ranks);
  /* every status, not only a reduction of them: rank 0 names the rank
   * that failed */
  MPI_Allgather (&status, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
  *first_failed = -1;
  *n_failed = 0;
  for (int r = 0; r < n_ranks; r++) {
    if (all[r] == 0)
      continue;
    if (*first_failed < 0)
      *first_failed = r;
    (*n_failed)++;
    worst = MAX (worst, all[r]);
  }
  g_free (all);
  return worst;
}

void
nb_cli_mpi_finalize (void)
{
  MPI_Finalize ();
}
