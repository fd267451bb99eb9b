/* nb_backend_fanout.h - one backend over several: frame i renders on
 * member i mod n, and frames are taken in order.  Each member keeps its
 * own model copy, stream slots, lent frames and readout; with the
 * counter-based readout a frame's counts do not depend on which member
 * made them, so the series is bit-identical to one backend's. */
#ifndef NB_BACKEND_FANOUT_H
#define NB_BACKEND_FANOUT_H

#include "nb_render.h"

G_BEGIN_DECLS

/* Takes ownership of the @n (>= 1) backends in @members (all of the same
 * model and precision); @names[i] (copied) names member i in errors
 * ("GPU 1").  The fan-out submits as far ahead as its members together
 * queue. */
NbBackend *nb_backend_fanout_new (NbBackend ** members,
    const char *const *names, int n);

G_END_DECLS

#endif /* NB_BACKEND_FANOUT_H */
