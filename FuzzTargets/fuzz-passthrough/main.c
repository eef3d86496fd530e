// fuzz-passthrough: passed-through NVMe, untrusted and TDISP-accepted.
#include "bouncer_fuzz_entry.h"

BOUNCER_FUZZ_TARGET(3)
