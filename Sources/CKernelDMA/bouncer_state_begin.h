/* Everything writable defined between this header and bouncer_state_end.h (the kernel files'
 * file-static state, the shim's page tables, devices and work) goes into two named sections,
 * so snapshot.c can save and restore a booted guest as two memcpy calls whatever the kernel
 * files declare. Include only from .c files, around the definitions. */
#pragma clang section bss = "bouncer_kbss" data = "bouncer_kdata"
