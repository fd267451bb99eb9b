/* nb_trace.c - trace records and their text form. */
#include "nb_trace.h"

#include <math.h>

NbTracePixel *
nb_trace_pixel_new (int spixel, int fpixel)
{
  NbTracePixel *t = g_new0 (NbTracePixel, 1);
  t->spixel = spixel;
  t->fpixel = fpixel;
  t->visits = g_array_new (FALSE, TRUE, sizeof (NbTraceVisit));
  t->phi_steps = g_array_new (FALSE, TRUE, sizeof (NbTracePhiStep));
  return t;
}

void
nb_trace_pixel_free (NbTracePixel * t)
{
  if (t == NULL)
    return;
  g_array_free (t->visits, TRUE);
  g_array_free (t->phi_steps, TRUE);
  g_free (t);
}

float
nb_trace_map_value (const NbTracePixel * t, NbTraceMap kind)
{
  const NbTraceVisit *v;

  if (!t->inside)
    return 0.0f;
  v = t->visits->len ? &g_array_index (t->visits, NbTraceVisit, 0) : NULL;
  switch (kind) {
    case NB_TRACE_MAP_OMEGA:
      return t->omega;
    case NB_TRACE_MAP_POLAR:
      return t->polar;
    case NB_TRACE_MAP_CAPTURE:
      return t->capture_fraction;
    case NB_TRACE_MAP_I:
      return t->I_before_scaling;
    case NB_TRACE_MAP_F_CELL:
      return v && v->have_step && !isnan (v->F_cell) ? v->F_cell : 0.0f;
    case NB_TRACE_MAP_F_LATT:
      return v && v->have_step ? v->F_latt : 0.0f;
    case NB_TRACE_MAP_H:
    case NB_TRACE_MAP_K:
    case NB_TRACE_MAP_L:
      return v && v->have_step ? v->hkl[kind - NB_TRACE_MAP_H] : 0.0f;
    case NB_TRACE_MAP_NONE:
      break;
  }
  return 0.0f;
}

static void
line1 (GString * out, const char *key, double v)
{
  g_string_append_printf (out, "TRACE_C: %s %.15g\n", key, v);
}

static void
line3 (GString * out, const char *key, const double v[3])
{
  g_string_append_printf (out, "TRACE_C: %s %.15g %.15g %.15g\n", key, v[0],
      v[1], v[2]);
}

void
nb_trace_format (const NbModel * m, const NbTracePixel * t, GString * out)
{
  const NbDetector *d = &m->det;
  const NbCrystal *x = &m->xtal;
  guint step = 0;

  g_string_append_printf (out, "TRACE_CONFIG: tracing pixel (spixel=%d, "
      "fpixel=%d)%s\n", t->spixel, t->fpixel, t->inside ? "" :
      " outside the detector, ROI or mask: not rendered");
  if (!t->inside)
    return;
  if (t->truncated)
    g_string_append (out, "TRACE_CONFIG: the device trace records overflowed:"
        " later sub-pixel visits and phi steps are missing\n");
  for (guint i = 0; i < t->visits->len; i++) {
    const NbTraceVisit *v = &g_array_index (t->visits, NbTraceVisit, i);
    line3 (out, "pix0_vector_meters", d->pix0);
    line3 (out, "fdet_vec", d->fdet);
    line3 (out, "sdet_vec", d->sdet);
    line3 (out, "pixel_pos_meters", v->pixel_pos);
    line1 (out, "R_distance_meters", v->R);
    line1 (out, "omega_pixel_sr", v->omega);
    line1 (out, "close_distance_meters", d->close_distance);
    line1 (out, "obliquity_factor", v->obliquity);
    line3 (out, "diffracted_vec", v->diffracted);
    if (v->have_source) {
      line3 (out, "incident_vec", v->incident);
      line1 (out, "lambda_meters", v->lambda);
      line1 (out, "lambda_angstroms", v->lambda * 1e10);
      line3 (out, "scattering_vec_A_inv", v->scattering);
    }
    if (v->have_step) {
      line3 (out, "rot_a_angstroms", v->rot);
      line3 (out, "rot_b_angstroms", v->rot + 3);
      line3 (out, "rot_c_angstroms", v->rot + 6);
      /* as nanoBragg: the unrotated reciprocal axes the shapes use */
      line3 (out, "rot_a_star_A_inv", x->a_star);
      line3 (out, "rot_b_star_A_inv", x->b_star);
      line3 (out, "rot_c_star_A_inv", x->c_star);
      line3 (out, "hkl_frac", v->hkl);
      g_string_append_printf (out, "TRACE_C: hkl_rounded %d %d %d\n",
          v->hkl0[0], v->hkl0[1], v->hkl0[2]);
      if (x->shape == NB_SHAPE_SQUARE) {
        line1 (out, "F_latt_a", v->F_latt_axes[0]);
        line1 (out, "F_latt_b", v->F_latt_axes[1]);
        line1 (out, "F_latt_c", v->F_latt_axes[2]);
        line1 (out, "F_latt", v->F_latt);
      }
      line1 (out, "F_cell", v->F_cell);
    }
    for (; step < t->phi_steps->len; step++) {
      const NbTracePhiStep *p = &g_array_index (t->phi_steps,
          NbTracePhiStep, step);
      if (p->visit != (int) i)
        break;
      g_string_append_printf (out, "TRACE_PHI: visit %d phi_step %d phi_deg "
          "%.15g rot_a_angstroms %.15g %.15g %.15g rot_b_angstroms %.15g "
          "%.15g %.15g rot_c_angstroms %.15g %.15g %.15g hkl_frac %.15g "
          "%.15g %.15g F_latt %.15g F_cell %.15g contribution %.15g\n",
          p->visit, p->phi_tic, p->phi, p->rot[0], p->rot[1], p->rot[2],
          p->rot[3], p->rot[4], p->rot[5], p->rot[6], p->rot[7], p->rot[8],
          p->hkl[0], p->hkl[1], p->hkl[2], p->F_latt, p->F_cell,
          p->contribution);
    }
  }
  line1 (out, "I_before_scaling", t->I_before_scaling);
  line1 (out, "r_e_meters", sqrt (m->r_e_sqr));
  line1 (out, "r_e_sqr", m->r_e_sqr);
  line1 (out, "fluence_photons_per_m2", m->fluence);
  g_string_append_printf (out, "TRACE_C: steps %d\n", m->steps);
  g_string_append_printf (out, "TRACE_C: oversample_thick %d\n",
      d->oversample_thick ? 1 : 0);
  g_string_append_printf (out, "TRACE_C: oversample_polar %d\n",
      d->oversample_polar ? 1 : 0);
  g_string_append_printf (out, "TRACE_C: oversample_omega %d\n",
      d->oversample_omega ? 1 : 0);
  line1 (out, "capture_fraction", t->capture_fraction);
  line1 (out, "polar", t->polar);
  line1 (out, "omega_pixel", t->omega);
  line1 (out, "cos_2theta", t->cos_2theta);
  line1 (out, "I_pixel_final", t->I_final);
  line1 (out, "floatimage_accumulated", t->value);
}
