/* What the shim's C files share: the arena's internals and the hooks into kernel file state. */
#ifndef BOUNCER_ARENA_H
#define BOUNCER_ARENA_H

#include "CKernelDMA.h"

extern struct bouncer_kernel_platform bouncer_platform;
/* The device on whose behalf the kernel runs now (for events), or -1. */
extern int bouncer_current_device;

void bouncer_record(uint32_t kind, int32_t result, uint64_t a, uint64_t b, uint64_t c, const char *what);
void bouncer_arena_reset(const struct bouncer_kernel_platform *platform);
int bouncer_page_of_phys(uint64_t phys);
uint64_t bouncer_phys_of_page(unsigned page);
uint64_t bouncer_phys_of_virt(const void *virt);
bool bouncer_in_arena(const void *p);
/* Guest memory, one state per page (enum bouncer_kernel_page_state), and the host's failure
 * budget for conversions (-1: none). */
extern uint8_t bouncer_arena[BOUNCER_KERNEL_PAGE_COUNT * BOUNCER_KERNEL_PAGE_SIZE];
extern uint8_t bouncer_page_state[BOUNCER_KERNEL_PAGE_COUNT];
extern int64_t bouncer_conversion_budget;
bool bouncer_phys_range_valid(uint64_t phys, uint64_t len);

/* swiotlb.c's file-static state (swiotlb.c wrapper). */
void bouncer_swiotlb_reset(void);
void bouncer_swiotlb_cmdline(char *arg);
/* pool.c's file-static state (pool.c wrapper). */
void bouncer_pool_reset(void);
int bouncer_pool_init(char *coherent_pool);
/* Work queued by schedule_work and not yet run. */
void bouncer_work_reset(void);

/* snapshot.c: arena bytes about to be written since the last save (or restore), and a boot
 * that makes a saved snapshot meaningless. */
void bouncer_arena_touch(const void *dst, size_t len);
void bouncer_snapshot_forget(void);
/* The heap blocks a booted guest's kernel state points to (swiotlb's slot and area arrays, the
 * atomic pools' gen_pools): up to `max`, as pointer and size. */
int bouncer_swiotlb_heap(void **block, size_t *size, int max);
int bouncer_pool_heap(void **block, size_t *size, int max);
size_t bouncer_gen_pool_bytes(void);

#endif
