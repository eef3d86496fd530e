// fuzz-dma: dma-direct, the atomic pools and swiotlb under a hostile host.
#include "bouncer_fuzz_entry.h"

BOUNCER_FUZZ_TARGET(0)
