// fuzz-system: several devices on several transports, a hostile host, a runtime transition.
#include "bouncer_fuzz_entry.h"

BOUNCER_FUZZ_TARGET(4)
