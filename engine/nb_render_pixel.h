/* nb_render_pixel.h - the per-pixel sum, instantiated by nb_render_cpu.c
 * for each arithmetic (double, float) with and without trace recording.
 *
 * Parameters (macros): NB_T the inner-loop type; NB_FN the function name;
 * NB_TRACING 0 or 1; NB_SINCG and NB_INDEX the matching helpers; the trace
 * record type NB_TRACE_T with NB_TRACE_N_VISITS, NB_TRACE_PUSH_VISIT,
 * NB_TRACE_PUSH_STEP and NB_TRACE_LAST_STEP (GArrays on the host, fixed
 * arrays on the GPU); optionally NB_PIXEL_QUALIFIERS (CUDA: __device__).
 * Geometry per sub-pixel (position, omega, capture fraction, polarization)
 * is always double; the per-step work (Miller indices, lattice factor, the
 * running sum) is NB_T.  The double instantiation follows nanoBragg's
 * formulas and order exactly (bitwise parity on the golden set).
 *
 * With NB_SUM_GIVEN 1 the function takes the step sum as its last argument
 * and only applies the per-pixel factors to it (solid angle, capture
 * fraction, polarization, as nanoBragg takes them): the CUDA backend's
 * common-case kernel sums the steps its own way and scales with this. */

#ifndef NB_SUM_GIVEN
#define NB_SUM_GIVEN 0
#define NB_SUM_GIVEN_DEFAULTED
#endif

#define NB_CAT_(a, b) a##b
#define NB_CAT(a, b) NB_CAT_(a, b)
#define NB_STEPS NB_CAT (NB_FN, _steps)
/* the end of a weighted source's sum: what it adds to the pixel's */
#define NB_ADD_SOURCE_SUM() do { \
    if (m->weighted) \
      I = I_before + (NB_T) src->share * I; } while (0)

#ifndef NB_NEAREST_F
#define NB_NEAREST_F nb_nearest_F
#define NB_NEAREST_F_DEFAULTED
#endif

#if !NB_TRACING && !NB_SUM_GIVEN
/* The common case in one tight loop: a parallelepiped crystal with N > 1
 * on every axis, nearest-neighbour F, no per-step oversample factors.
 * Same operations in the same order as the general loop below (a step
 * with F_latt == 0 adds exactly 0 here instead of being skipped, which
 * leaves I unchanged), so results are identical; the compiler just gets
 * a loop without the general case's branches. */
#if defined(NB_PIXEL_QUALIFIERS)
NB_PIXEL_QUALIFIERS NB_T
#else
static inline NB_FORCE_INLINE NB_T
#endif
NB_STEPS (const NbCrystal * x, const NB_T * table, int n_orient,
    const NB_T scattering[3], NB_T Na, NB_T Nb, NB_T Nc, NB_T I)
{
  const NB_T s0 = scattering[0], s1 = scattering[1], s2 = scattering[2];
  for (int o = 0; o < n_orient; o++) {
    const NB_T *a = &table[9 * o];
    NB_T h = a[0] * s0 + a[1] * s1 + a[2] * s2;
    NB_T k = a[3] * s0 + a[4] * s1 + a[5] * s2;
    NB_T l = a[6] * s0 + a[7] * s1 + a[8] * s2;
    NB_T F_latt = 1;
    NB_T F_cell;
    F_latt *= NB_SINCG (h, Na);
    F_latt *= NB_SINCG (k, Nb);
    F_latt *= NB_SINCG (l, Nc);
    F_cell = (NB_T) NB_NEAREST_F (x, NB_INDEX (h), NB_INDEX (k),
        NB_INDEX (l));
    I += F_cell * F_cell * F_latt * F_latt;
  }
  return I;
}
#endif

#if defined(NB_PIXEL_QUALIFIERS)
#define NB_PIXEL_Q NB_PIXEL_QUALIFIERS
#elif NB_TRACING
#define NB_PIXEL_Q static
#else
/* inlined into the target_clones wrappers so each gets its own code */
#define NB_PIXEL_Q static inline NB_FORCE_INLINE
#endif
NB_PIXEL_Q double
NB_FN (const NbModel * m, const NB_T * orient, const NB_T * orient_first,
    gboolean first_loop, int fpixel, int spixel, gboolean * interp,
    double *omega_sum, NB_TRACE_T * tr
#if NB_SUM_GIVEN
    , NB_T I_sum
#endif
    )
{
  const NbDetector *d = &m->det;
  const NbCrystal *x = &m->xtal;
  const int os = d->oversample;
  const int n_orient = m->phisteps * m->n_mosaic;
  const NB_T Na = (NB_T) x->Na, Nb = (NB_T) x->Nb, Nc = (NB_T) x->Nc;
  const gboolean square = x->shape == NB_SHAPE_SQUARE;
#if !NB_TRACING && !NB_SUM_GIVEN
  const gboolean fast = nb_model_is_common_case (m);
#endif
#if NB_SUM_GIVEN
  NB_T I = I_sum;
#else
  NB_T I = (NB_T) m->I_bg;
#endif
  double polar = m->nopolar ? 1.0 : 0.0;
  double omega = 0.0, capture = 0.0;
  double axis[3];
  double test;
#if NB_TRACING
  double cos_2theta = 0.0;
#endif

  (void) tr;
#if NB_SUM_GIVEN
  /* the steps were summed by the caller */
  (void) x, (void) n_orient, (void) Na, (void) Nb, (void) Nc, (void) square;
  (void) orient, (void) orient_first, (void) first_loop, (void) interp;
#endif
  nb_vec_copy (d->polar_vector, axis);
  for (int thick_tic = 0; thick_tic < d->thicksteps; thick_tic++) {
    double Odet = thick_tic * d->thickstep;
    capture = d->thick == 0.0 ? 1.0 : 0.0;
    for (int subS = 0; subS < os; subS++) {
      for (int subF = 0; subF < os; subF++) {
        double pos[3], diffracted[3], airpath;
#if NB_TRACING
        NbTraceVisit visit = { 0 };
        int visit_index = NB_TRACE_N_VISITS (tr);
#endif

        nb_subpixel_position (d, fpixel, spixel, subF, subS, Odet, pos);
        airpath = nb_vec_unitize (pos, diffracted);
        if (omega == 0.0 || d->oversample_omega) {
          omega = d->pixel_size * d->pixel_size / airpath / airpath
              * d->close_distance / airpath;
          if (d->point_pixel)
            omega = 1.0 / airpath / airpath;
        }
        *omega_sum += omega;
        if (capture == 0.0 || d->oversample_thick) {
          double parallax = nb_vec_dot (diffracted, d->odet);
          capture = exp (-thick_tic * d->thickstep * d->mu / parallax)
              - exp (-(thick_tic + 1) * d->thickstep * d->mu / parallax);
        }
#if NB_TRACING
        nb_vec_copy (pos, visit.pixel_pos);
        visit.R = airpath;
        visit.omega = omega;
        visit.obliquity = d->close_distance / airpath;
        nb_vec_copy (diffracted, visit.diffracted);
#endif

        for (int s = 0; s < m->n_sources; s++) {
          const NbSource *src = &m->sources[s];
          double incident[3], scattering_d[3], stol;
          stol = nb_scattering_vector (src, diffracted, incident,
              scattering_d);
#if NB_TRACING
          if (s == 0) {
            visit.have_source = TRUE;
            nb_vec_copy (incident, visit.incident);
            visit.lambda = src->lambda;
            nb_vec_copy (scattering_d, visit.scattering);
          }
          cos_2theta = nb_vec_dot (incident, diffracted);
#endif
          if (nb_dmin_rejects (m, stol))
            continue;
          if (polar == 0.0 || d->oversample_polar)
            polar = nb_polarization_factor (m->polarization, incident,
                diffracted, axis);

#if !NB_SUM_GIVEN
          const NB_T *table = first_loop ? orient_first : orient;
          NB_T scattering[3];
          /* weighted sources: this source's steps are summed on their own
           * and added times its share (the same on the GPU); unweighted,
           * the steps run on in one sum, as nanoBragg's do */
          const NB_T I_before = I;
          if (m->weighted)
            I = 0;
          first_loop = FALSE;
          for (int i = 0; i < 3; i++)
            scattering[i] = (NB_T) scattering_d[i];
#if !NB_TRACING
          if (fast && !*interp) {
            I = NB_STEPS (x, table, n_orient, scattering, Na, Nb, Nc, I);
            NB_ADD_SOURCE_SUM ();
            continue;
          }
#endif
#ifdef NB_STEP_UNROLL
          /* independent steps interleave: hides the FMA chains' latency */
          NB_UNROLL (NB_STEP_UNROLL)
#endif
          for (int o = 0; o < n_orient; o++) {
            const NB_T *a = &table[9 * o], *b = a + 3, *c = a + 6;
            NB_T h = a[0] * scattering[0] + a[1] * scattering[1]
                + a[2] * scattering[2];
            NB_T k = b[0] * scattering[0] + b[1] * scattering[1]
                + b[2] * scattering[2];
            NB_T l = c[0] * scattering[0] + c[1] * scattering[1]
                + c[2] * scattering[2];
            int h0 = NB_INDEX (h);
            int k0 = NB_INDEX (k);
            int l0 = NB_INDEX (l);
            double axes[3] = { 1.0, 1.0, 1.0 };
            NB_T F_latt, F_cell;

            if (square) {
              /* the common case, inline in NB_T */
              F_latt = 1;
              if (Na > 1) {
                NB_T v = NB_SINCG (h, Na);
                axes[0] = v;
                F_latt *= v;
              }
              if (Nb > 1) {
                NB_T v = NB_SINCG (k, Nb);
                axes[1] = v;
                F_latt *= v;
              }
              if (Nc > 1) {
                NB_T v = NB_SINCG (l, Nc);
                axes[2] = v;
                F_latt *= v;
              }
            } else {
              F_latt = (NB_T) nb_lattice_factor (x, h, k, l, h0, k0, l0,
                  axes);
            }
#if NB_TRACING
            if (s == 0 && o % m->n_mosaic == 0) {
              NbTracePhiStep step = { 0 };
              step.visit = visit_index;
              step.phi_tic = o / m->n_mosaic;
              step.phi = tr->phi_start + m->phistep * step.phi_tic
                  * (180.0 * M_1_PI);
              for (int i = 0; i < 9; i++)
                step.rot[i] = a[i] * 1e10;
              step.hkl[0] = h;
              step.hkl[1] = k;
              step.hkl[2] = l;
              step.F_latt = F_latt;
              step.F_cell = NAN;
              NB_TRACE_PUSH_STEP (tr, step);
            }
            if (s == 0 && o == 0) {
              visit.have_step = TRUE;
              for (int i = 0; i < 9; i++)
                visit.rot[i] = a[i] * 1e10;
              visit.hkl[0] = h;
              visit.hkl[1] = k;
              visit.hkl[2] = l;
              visit.hkl0[0] = h0;
              visit.hkl0[1] = k0;
              visit.hkl0[2] = l0;
              nb_vec_copy (axes, visit.F_latt_axes);
              visit.F_latt = F_latt;
              visit.F_cell = NAN;
            }
#endif
            if (F_latt == 0.0 && m->water_size == 0.0)
              continue;
            if (*interp && nb_interpolation_out_of_range (x->hkl, h, k, l))
              *interp = FALSE;
            if (*interp)
              F_cell = (NB_T) nb_interpolate_F (x->hkl, h, k, l);
            else
              F_cell = (NB_T) NB_NEAREST_F (x, h0, k0, l0);
#if NB_TRACING
            if (s == 0 && o % m->n_mosaic == 0) {
              NbTracePhiStep *step = NB_TRACE_LAST_STEP (tr);
              if (step != NULL) {
                step->F_cell = F_cell;
                step->contribution = F_cell * F_cell * F_latt * F_latt;
              }
            }
            if (s == 0 && o == 0)
              visit.F_cell = F_cell;
#endif

            I += F_cell * F_cell * F_latt * F_latt;
            if (d->oversample_thick)
              I *= (NB_T) capture;
            if (d->oversample_polar)
              I *= (NB_T) polar;
            if (d->oversample_omega)
              I *= (NB_T) omega;
          }
          NB_ADD_SOURCE_SUM ();
#endif /* !NB_SUM_GIVEN */
        }
#if NB_TRACING
        NB_TRACE_PUSH_VISIT (tr, visit);
#endif
      }
    }
  }

  test = m->r_e_sqr * m->fluence * (double) I / m->steps;
  if (!d->oversample_thick)
    test *= capture;
  if (!d->oversample_polar)
    test *= polar;
  if (!d->oversample_omega)
    test *= omega;
#if NB_TRACING
  tr->I_before_scaling = I;
  tr->capture_fraction = capture;
  tr->polar = polar;
  tr->omega = omega;
  tr->cos_2theta = cos_2theta;
  tr->I_final = test;
  tr->value = (float) test;
#endif
  return test;
}

#undef NB_PIXEL_Q
#ifdef NB_NEAREST_F_DEFAULTED
#undef NB_NEAREST_F
#undef NB_NEAREST_F_DEFAULTED
#endif
#undef NB_STEPS
#undef NB_ADD_SOURCE_SUM
#ifdef NB_SUM_GIVEN_DEFAULTED
#undef NB_SUM_GIVEN
#undef NB_SUM_GIVEN_DEFAULTED
#endif
