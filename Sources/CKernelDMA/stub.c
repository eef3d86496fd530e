/* The build without a kernel tree: every call fails, and the status says why (Package.swift
 * passes the reason: no tree, or a tree the shim does not cover). */
#ifndef BOUNCER_KERNEL_TREE
#include "CKernelDMA.h"

#ifndef BOUNCER_KERNEL_STUB_REASON
#define BOUNCER_KERNEL_STUB_REASON "built without a kernel tree"
#endif

bool bouncer_kernel_available(void) { return false; }
const char *bouncer_kernel_status(void) { return BOUNCER_KERNEL_STUB_REASON; }
int bouncer_kernel_boot(const struct bouncer_kernel_platform *platform) { return -38; /* -ENOSYS */ }
void bouncer_kernel_fail_conversion_after(int64_t pages) { }
int bouncer_kernel_add_device(const struct bouncer_kernel_device *device, struct bouncer_kernel_probe *probe)
{
	return -38;
}
void bouncer_kernel_set_seg_boundary(int device, uint64_t mask) { }
int bouncer_kernel_migrate_to_cpu(int cpu) { return -22; }
uint64_t bouncer_kernel_map_single(int device, uint64_t phys, uint64_t size, int dir, unsigned long attrs)
{
	return BOUNCER_KERNEL_DMA_MAPPING_ERROR;
}
void bouncer_kernel_unmap_single(int device, uint64_t dma, uint64_t size, int dir, unsigned long attrs) { }
void bouncer_kernel_sync_single_for_cpu(int device, uint64_t dma, uint64_t size, int dir) { }
void bouncer_kernel_sync_single_for_device(int device, uint64_t dma, uint64_t size, int dir) { }
int bouncer_kernel_map_sg(int device, const uint64_t *phys, const uint32_t *length, int nents, int dir,
	unsigned long attrs, uint64_t *dma, uint32_t *dma_length)
{
	return 0;
}
void bouncer_kernel_unmap_sg(int device, const uint64_t *phys, const uint32_t *length, const uint64_t *dma,
	const uint32_t *dma_length, int nents, int dir, unsigned long attrs) { }
uint64_t bouncer_kernel_alloc_buffer(uint32_t pages, uint32_t highest_zone) { return BOUNCER_KERNEL_DMA_MAPPING_ERROR; }
void bouncer_kernel_free_buffer(uint64_t phys, uint32_t pages) { }
bool bouncer_kernel_alloc_coherent(int device, uint64_t size, bool atomic, uint64_t *phys, uint64_t *dma)
{
	return false;
}
void bouncer_kernel_free_coherent(int device, uint64_t size, uint64_t phys, uint64_t dma) { }
int bouncer_kernel_run_work(void) { return 0; }
bool bouncer_kernel_read(uint64_t phys, void *out, uint64_t len) { return false; }
bool bouncer_kernel_write(uint64_t phys, const void *in, uint64_t len) { return false; }
bool bouncer_kernel_device_write(int device, uint64_t dma, const void *in, uint64_t len) { return false; }
bool bouncer_kernel_device_read(int device, uint64_t dma, void *out, uint64_t len) { return false; }
int bouncer_kernel_page_state(uint64_t phys) { return -1; }
bool bouncer_kernel_page_free(uint64_t phys) { return false; }
bool bouncer_kernel_swiotlb_default_pool(uint64_t *start, uint64_t *end, uint64_t *nslabs, bool *force_bounce)
{
	return false;
}
bool bouncer_kernel_swiotlb_default_areas(uint32_t *nareas, uint64_t *area_nslabs) { return false; }
const struct bouncer_kernel_event *bouncer_kernel_events(size_t *count)
{
	*count = 0;
	return 0;
}
size_t bouncer_kernel_events_dropped(void) { return 0; }
void bouncer_kernel_page_table(uint8_t *state, uint8_t *held) { }
bool bouncer_kernel_snapshot_save(void) { return false; }
bool bouncer_kernel_snapshot_restore(void) { return false; }
void bouncer_kernel_dirty_pages(uint64_t *bits) { for (unsigned i = 0; i < (BOUNCER_KERNEL_PAGE_COUNT + 63) / 64; i++) bits[i] = ~0ULL; }
void bouncer_kernel_clear_events(void) { }
#endif
