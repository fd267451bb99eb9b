/* report.h - nanoBragg-style stdout of the command-line tool. */
#ifndef NB_TOOL_REPORT_H
#define NB_TOOL_REPORT_H

#include <stdio.h>
#include "nb_render.h"
#include "nb_vec.h"

/* The setup summary nanoBragg prints before rendering. */
void report_setup (FILE * out, const NbModel * m);

/* "solid angle", "max_I", "mean= rms= rmsd=" after rendering. */
void report_stats (FILE * out, const NbModel * m, const NbFrameStats * st);

#endif
