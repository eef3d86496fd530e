#include "bouncer_crash_state.h"

#include <stdlib.h>

// Each function stores its own number before it aborts, so no two bodies are alike and neither a
// function-merging pass nor identical-code folding can fold them into one frame; noinline and no
// tail calls keep each as a frame of its own between the harness and abort().
volatile int bouncer_violation_invariant;

#define BOUNCER_VIOLATION(name, number)                                                            \
    __attribute__((noinline, noreturn, disable_tail_calls)) void bouncer_violation_##name(void) {   \
        bouncer_violation_invariant = number;                                                      \
        abort();                                                                                   \
    }

BOUNCER_VIOLATION(CONF_PRIVATE, 1)
BOUNCER_VIOLATION(CONF_BOUNCE, 2)
BOUNCER_VIOLATION(CONF_TRUSTED, 3)
BOUNCER_VIOLATION(CONF_FREELIST, 4)
BOUNCER_VIOLATION(CONF_STALE, 5)
BOUNCER_VIOLATION(CONF_POOL, 6)
BOUNCER_VIOLATION(SAFE_HOSTINPUT, 7)
BOUNCER_VIOLATION(SAFE_LIFECYCLE, 8)
BOUNCER_VIOLATION(DATA_INTEGRITY, 9)
BOUNCER_VIOLATION(CONF_ALIAS, 10)
