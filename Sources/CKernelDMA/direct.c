/* kernel/dma/direct.c of the kernel tree, compiled unmodified against the shim. */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include <kernel/dma/direct.c>
#endif
