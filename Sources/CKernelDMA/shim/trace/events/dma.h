/* Stub: tracepoints are no-ops in the shim. */
#include "bouncer_shim.h"
