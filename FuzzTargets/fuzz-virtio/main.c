// fuzz-virtio: virtio negotiation and split virtqueues under a hostile host.
#include "bouncer_fuzz_entry.h"

BOUNCER_FUZZ_TARGET(2)
