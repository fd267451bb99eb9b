/* report.c - the setup and statistics lines nanoBragg prints, with the
 * same keys and number formats so that logs can be compared. */
#include "report.h"

static const char *
shape_name (NbShape s)
{
  switch (s) {
    case NB_SHAPE_ROUND:
      return "ellipsoidal";
    case NB_SHAPE_GAUSS:
      return "gaussian";
    case NB_SHAPE_TOPHAT:
      return "tophat-spot";
    case NB_SHAPE_SQUARE:
      break;
  }
  return "parallelpiped";
}

void
report_setup (FILE * out, const NbModel * m)
{
  const NbDetector *d = &m->det;
  const NbCrystal *x = &m->xtal;
  const double RTD = 180.0 * M_1_PI;
  double v[3];

  fprintf (out, "XDS incident beam: %g %g %g\n", nb_vec_dot (d->beam,
          d->fdet), nb_vec_dot (d->beam, d->sdet), nb_vec_dot (d->beam,
          d->odet));
  fprintf (out, "%s interpolation of structure factors\n",
      x->interpolate ? "tricubic" : "no");
  fprintf (out, "crystal is %g x %g x %g microns\n",
      nb_vec_norm (x->a0) * x->Na * 1e6, nb_vec_norm (x->b0) * x->Nb * 1e6,
      nb_vec_norm (x->c0) * x->Nc * 1e6);
  if (d->oversample < x->recommended_oversample)
    fprintf (out, "WARNING: maximum dimension of sample is %g A\n"
        "         but reciprocal pixel size is %g A\n"
        "         intensity may vary significantly across a pixel!\n"
        "         recommend -oversample %d to work around this\n",
        x->xtalsize_max * 1e10, m->lambda0 * d->distance / d->pixel_size
        * 1e10, x->recommended_oversample);
  fprintf (out, "  created a total of %d sources:\n", m->n_sources);
  for (int i = 0; i < m->n_sources; i++)
    fprintf (out, "%g %g %g   %g %g\n", m->sources[i].dir[0],
        m->sources[i].dir[1], m->sources[i].dir[2], m->sources[i].weight,
        m->sources[i].lambda);
  fprintf (out, "  created a total of %d mosaic domains\n", m->n_mosaic);
  fprintf (out, "  %" G_GSIZE_FORMAT " initialized hkls (all others =%g)\n",
      x->hkl->count, x->default_F);
  fprintf (out, "  %s xtal: %.0fx%.0fx%.0f cells\n", shape_name (x->shape),
      x->Na, x->Nb, x->Nc);
  fprintf (out, "  wave=%g meters +/- %g%% in %d steps\n", m->lambda0,
      m->dispersion * 100, m->dispsteps);
  if (m->nopolar)
    fprintf (out, "  polarization effect disabled\n");
  else
    fprintf (out, "  Kahn polarization factor: %f\n", m->polarization);
  if (d->curved)
    fprintf (out, "  curved detector: all pixels same distance from origin\n");
  if (d->point_pixel)
    fprintf (out, "  pixel obliquity effect disabled\n");
  fprintf (out, "  incident fluence: %lg photons/m^2\n", m->fluence);
  fprintf (out, "  distance=%lg detsize=%lgx%lg  pixel=%lg meters (%dx%d "
      "pixels)\n", d->distance, d->detsize_f, d->detsize_s, d->pixel_size,
      d->fpixels, d->spixels);
  fprintf (out, "  sensor is %lg m thick in %d layers with mu= %lg\n",
      d->thick, d->thicksteps, d->mu);
  fprintf (out, "  Xbeam=%lg Ybeam=%lg\n", d->Xbeam, d->Ybeam);
  fprintf (out, "  Fbeam=%lg Sbeam=%lg\n", d->Fbeam, d->Sbeam);
  fprintf (out, "  Xclose=%lg Yclose=%lg\n", d->Xclose, d->Yclose);
  fprintf (out, "  Fclose=%lg Sclose=%lg\n", d->Fclose, d->Sclose);
  fprintf (out, "  DIRECTION_OF_DETECTOR_X-AXIS= %g %g %g\n", d->fdet[0],
      d->fdet[1], d->fdet[2]);
  fprintf (out, "  DIRECTION_OF_DETECTOR_Y-AXIS= %g %g %g\n", d->sdet[0],
      d->sdet[1], d->sdet[2]);
  fprintf (out, "  DIRECTION_OF_DETECTOR_Z-AXIS= %g %g %g\n", d->odet[0],
      d->odet[1], d->odet[2]);
  fprintf (out, "  INCIDENT_BEAM_DIRECTION= %g %g %g\n", d->beam[0],
      d->beam[1], d->beam[2]);
  fprintf (out, "  spindle ROTATION_AXIS= %g %g %g\n", d->spindle[0],
      d->spindle[1], d->spindle[2]);
  nb_vec_cross (d->beam, d->polar_vector, v);
  fprintf (out, "  POLARIZATION_PLANE_NORMAL= %g %g %g\n", v[0], v[1], v[2]);
  fprintf (out, "  dials origin= %g %g %g\n", d->dials_origin[0],
      d->dials_origin[1], d->dials_origin[2]);
  fprintf (out, "  pix0_vector= %.15g %.15g %.15g\n", d->pix0[0], d->pix0[1],
      d->pix0[2]);
  fprintf (out, "  close_distance= %.15g\n", d->close_distance);
  fprintf (out, "  roi: %d < x < %d && %d < y < %d\n", d->roi_xmin,
      d->roi_xmax, d->roi_ymin, d->roi_ymax);
  fprintf (out, "  hdivrange=%g hdivstep=%g  radians\n", m->hdivrange,
      m->hdivstep);
  fprintf (out, "  vdivrange=%g vdivstep=%g  radians\n", m->vdivrange,
      m->vdivstep);
  fprintf (out, "  %d divergence steps\n", m->divsteps);
  fprintf (out, "  %d sources\n", m->n_sources);
  fprintf (out, "  %d mosaic domains over mosaic spread of %g degrees\n",
      m->n_mosaic, m->mosaic_spread * RTD);
  fprintf (out, "  %d phi steps from %g to %g degrees\n", m->phisteps,
      m->phi0 * RTD, (m->phi0 + m->osc) * RTD);
  fprintf (out, "  %dx%d pixel oversample steps%s%s%s\n", d->oversample,
      d->oversample, d->oversample_thick ? " +thick" : "",
      d->oversample_polar ? " +polar" : "", d->oversample_omega ? " +omega" :
      "");
  if (d->mask != NULL)
    fprintf (out, "  skipping zero-flagged pixels in %s\n",
        m->params.mask_file);
}

void
report_stats (FILE * out, const NbModel * m, const NbFrameStats * st)
{
  fprintf (out, "solid angle subtended by detector = %g steradian ( %g%% "
      "sphere)\n", st->omega_sum / m->steps,
      100 * st->omega_sum / m->steps / 4 / G_PI);
  fprintf (out, "max_I = %g  at %g %g\n", st->max_I, st->max_I_fast,
      st->max_I_slow);
  fprintf (out, "mean= %g rms= %g rmsd= %g\n", st->avg, st->rms, st->rmsd);
}
