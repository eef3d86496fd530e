/* kernel/dma/swiotlb.c of the kernel tree, compiled unmodified against the shim, and the
 * shim's hooks into its file-static state (boot parameters, reset between guests). */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "bouncer_state_begin.h"
#include <kernel/dma/swiotlb.c>
#include "bouncer_state_end.h"

/* Back to the state of a kernel that has not booted: swiotlb.c's file-static variables as their
 * initialisers leave them. */
void bouncer_swiotlb_reset(void)
{
	free(io_tlb_default_mem.defpool.slots);
	free(io_tlb_default_mem.defpool.areas);
	memset(&io_tlb_default_mem, 0, sizeof(io_tlb_default_mem));
	swiotlb_force_bounce = false;
	swiotlb_force_disable = false;
	default_nslabs = IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
	default_nareas = 0;
}

int bouncer_swiotlb_heap(void **block, size_t *size, int max)
{
	struct io_tlb_pool *pool = &io_tlb_default_mem.defpool;
	int n = 0;

	if (pool->slots && n < max) {
		block[n] = pool->slots;
		size[n++] = pool->nslabs * sizeof(*pool->slots);
	}
	if (pool->areas && n < max) {
		block[n] = pool->areas;
		size[n++] = pool->nareas * sizeof(*pool->areas);
	}
	return n;
}

/* The "swiotlb=" early parameter, parsed by swiotlb.c's own handler. */
void bouncer_swiotlb_cmdline(char *arg)
{
	setup_io_tlb_npages(arg);
}

bool bouncer_kernel_swiotlb_default_pool(uint64_t *start, uint64_t *end, uint64_t *nslabs, bool *force_bounce)
{
	struct io_tlb_pool *pool = &io_tlb_default_mem.defpool;

	if (!pool->nslabs)
		return false;
	*start = pool->start;
	*end = pool->end;
	*nslabs = pool->nslabs;
	*force_bounce = io_tlb_default_mem.force_bounce;
	return true;
}

bool bouncer_kernel_swiotlb_default_areas(uint32_t *nareas, uint64_t *area_nslabs)
{
	struct io_tlb_pool *pool = &io_tlb_default_mem.defpool;

	if (!pool->nslabs)
		return false;
	*nareas = pool->nareas;
	*area_nslabs = pool->area_nslabs;
	return true;
}
#endif
