/* Stub: the shim provides what kernel/dma uses of this header. */
#include "bouncer_shim.h"
