/* kernel/dma/pool.c of the kernel tree, compiled unmodified against the shim, and the shim's
 * hooks into its file-static state. */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "bouncer_state_begin.h"
#include <kernel/dma/pool.c>
#include "bouncer_state_end.h"

void bouncer_gen_pool_forget(struct gen_pool **pool);
size_t bouncer_gen_pool_bytes(void);

/* Back to a kernel before dma_atomic_pool_init. */
void bouncer_pool_reset(void)
{
	bouncer_gen_pool_forget(&atomic_pool_dma);
	bouncer_gen_pool_forget(&atomic_pool_dma32);
	bouncer_gen_pool_forget(&atomic_pool_kernel);
	pool_size_dma = pool_size_dma32 = pool_size_kernel = 0;
	atomic_pool_size = 0;
}

int bouncer_pool_heap(void **block, size_t *size, int max)
{
	struct gen_pool *pools[] = { atomic_pool_dma, atomic_pool_dma32, atomic_pool_kernel };
	int n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(pools); i++) {
		if (pools[i] && n < max) {
			block[n] = pools[i];
			size[n++] = bouncer_gen_pool_bytes();
		}
	}
	return n;
}

/* The coherent_pool= early parameter, then the postcore initcall. */
int bouncer_pool_init(char *coherent_pool)
{
	if (coherent_pool)
		early_coherent_pool(coherent_pool);
	return dma_atomic_pool_init();
}
#endif
