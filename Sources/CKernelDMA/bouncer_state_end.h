/* The end of a region begun by bouncer_state_begin.h. */
#pragma clang section bss = "" data = ""
