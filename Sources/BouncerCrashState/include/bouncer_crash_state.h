// One function per invariant that aborts the process: a fuzz target stops on a violation through
// the one for its invariant, so the first frames of the crash's stack name the invariant and a
// crash deduplicator that keys on those frames (ClusterFuzzLite's crash state) tells findings of
// different invariants apart.
#ifndef BOUNCER_CRASH_STATE_H
#define BOUNCER_CRASH_STATE_H

#define BOUNCER_VIOLATION(name) __attribute__((noreturn)) void bouncer_violation_##name(void);

BOUNCER_VIOLATION(CONF_PRIVATE)
BOUNCER_VIOLATION(CONF_BOUNCE)
BOUNCER_VIOLATION(CONF_TRUSTED)
BOUNCER_VIOLATION(CONF_FREELIST)
BOUNCER_VIOLATION(CONF_STALE)
BOUNCER_VIOLATION(CONF_POOL)
BOUNCER_VIOLATION(SAFE_HOSTINPUT)
BOUNCER_VIOLATION(SAFE_LIFECYCLE)
BOUNCER_VIOLATION(DATA_INTEGRITY)
BOUNCER_VIOLATION(CONF_ALIAS)

#undef BOUNCER_VIOLATION
#endif
