// fuzz-vmbus: VMBus channels, GPADLs, storvsc and netvsc under a hostile host.
#include "bouncer_fuzz_entry.h"

BOUNCER_FUZZ_TARGET(1)
