/* kernel/dma/direct.c of the kernel tree, compiled unmodified against the shim. */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "bouncer_state_begin.h"
#include <kernel/dma/direct.c>
#include "bouncer_state_end.h"
#endif
