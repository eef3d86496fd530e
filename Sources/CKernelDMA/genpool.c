/* The shim's own gen_pool for the atomic DMA pools (pool.c), with lib/genalloc.c's observable
 * behaviour: chunks searched newest first, allocations in units of 1 << min_alloc_order, the
 * order-aligned first fit pool.c selects, the free space per chunk counted in whole units. Also
 * the few mm helpers direct.c and pool.c call that the arena answers. */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"

#undef memset

#define BOUNCER_GEN_POOL_CHUNKS 16
#define BOUNCER_GEN_POOL_UNITS 512

struct bouncer_gen_chunk {
	unsigned long start, end;
	phys_addr_t phys;
	size_t avail;
	bool used[BOUNCER_GEN_POOL_UNITS];
};

struct gen_pool {
	int order;
	int count;
	/* Newest last; searched from the end. */
	struct bouncer_gen_chunk chunks[BOUNCER_GEN_POOL_CHUNKS];
};

unsigned long gen_pool_first_fit_order_align(unsigned long *map, unsigned long size, unsigned long start,
	unsigned int nr, void *data, struct gen_pool *pool, unsigned long start_addr)
{
	bouncer_unmodelled("a gen_pool algorithm called directly");
}

size_t bouncer_gen_pool_bytes(void) { return sizeof(struct gen_pool); }

struct gen_pool *gen_pool_create(int min_alloc_order, int nid)
{
	struct gen_pool *pool = calloc(1, sizeof(*pool));
	if (pool)
		pool->order = min_alloc_order;
	return pool;
}

/* Only the order-aligned first fit is modelled, and it is what pool.c sets. */
void gen_pool_set_algo(struct gen_pool *pool, genpool_algo_t algo, void *data)
{
	if (algo != gen_pool_first_fit_order_align)
		bouncer_unmodelled("a gen_pool algorithm other than gen_pool_first_fit_order_align");
}

int gen_pool_add_virt(struct gen_pool *pool, unsigned long virt, phys_addr_t phys, size_t size, int nid)
{
	size_t units = size >> pool->order;
	if (pool->count == BOUNCER_GEN_POOL_CHUNKS || units > BOUNCER_GEN_POOL_UNITS)
		return -ENOMEM;
	struct bouncer_gen_chunk *c = &pool->chunks[pool->count++];
	memset(c, 0, sizeof(*c));
	c->start = virt;
	c->end = virt + (units << pool->order);
	c->phys = phys;
	c->avail = units << pool->order;
	return 0;
}

static size_t units_for(struct gen_pool *pool, size_t size)
{
	return (size + (1UL << pool->order) - 1) >> pool->order;
}

unsigned long gen_pool_alloc(struct gen_pool *pool, size_t size)
{
	if (size == 0)
		return 0;
	size_t nr = units_for(pool, size), align = roundup_pow_of_two(nr);
	for (int i = pool->count - 1; i >= 0; i--) {
		struct bouncer_gen_chunk *c = &pool->chunks[i];
		size_t total = (c->end - c->start) >> pool->order;
		if (size > c->avail)
			continue;
		for (size_t first = 0; first + nr <= total; first += align) {
			size_t u = first;
			while (u < first + nr && !c->used[u])
				u++;
			if (u < first + nr)
				continue;
			for (u = first; u < first + nr; u++)
				c->used[u] = true;
			c->avail -= nr << pool->order;
			return c->start + (first << pool->order);
		}
	}
	return 0;
}

static struct bouncer_gen_chunk *chunk_of(struct gen_pool *pool, unsigned long addr, size_t size)
{
	for (int i = pool->count - 1; i >= 0; i--)
		if (addr >= pool->chunks[i].start && addr + size <= pool->chunks[i].end)
			return &pool->chunks[i];
	return NULL;
}

void gen_pool_free(struct gen_pool *pool, unsigned long addr, size_t size)
{
	struct bouncer_gen_chunk *c = chunk_of(pool, addr, size);
	if (!c)
		bouncer_bug(__FILE__, __LINE__, "gen_pool_free of memory outside the pool");
	size_t first = (addr - c->start) >> pool->order, nr = units_for(pool, size);
	for (size_t u = first; u < first + nr; u++) {
		if (!c->used[u])
			bouncer_bug(__FILE__, __LINE__, "gen_pool_free of free memory");
		c->used[u] = false;
	}
	c->avail += nr << pool->order;
}

size_t gen_pool_avail(struct gen_pool *pool)
{
	size_t avail = 0;
	for (int i = 0; i < pool->count; i++)
		avail += pool->chunks[i].avail;
	return avail;
}

size_t gen_pool_size(struct gen_pool *pool)
{
	size_t size = 0;
	for (int i = 0; i < pool->count; i++)
		size += pool->chunks[i].end - pool->chunks[i].start;
	return size;
}

phys_addr_t gen_pool_virt_to_phys(struct gen_pool *pool, unsigned long addr)
{
	struct bouncer_gen_chunk *c = chunk_of(pool, addr, 1);
	return c ? c->phys + (addr - c->start) : (phys_addr_t)-1;
}

bool gen_pool_has_addr(struct gen_pool *pool, unsigned long start, size_t size)
{
	return chunk_of(pool, start, size) != NULL;
}

void gen_pool_destroy(struct gen_pool *pool) { free(pool); }

/* Per guest: the atomic pools of a previous boot are dropped with it. */
void bouncer_gen_pool_forget(struct gen_pool **pool)
{
	free(*pool);
	*pool = NULL;
}

/* The arena's RAM, one call per zone, as the resource tree lists System RAM. */
int walk_system_ram_range(unsigned long start_pfn, unsigned long nr_pages, void *arg,
	int (*func)(unsigned long, unsigned long, void *))
{
	static const unsigned long zones[][2] = { { 0x100000 >> PAGE_SHIFT, 32 }, { 0x40000000 >> PAGE_SHIFT, 160 },
		{ 0x100000000UL >> PAGE_SHIFT, 128 } };
	for (unsigned z = 0; z < ARRAY_SIZE(zones); z++) {
		unsigned long first = max(zones[z][0], start_pfn);
		unsigned long end = min(zones[z][0] + zones[z][1], start_pfn + nr_pages);
		if (first < end) {
			int ret = func(first, end - first, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A size with an optional K, M or G suffix (the coherent_pool= parameter). */
unsigned long long memparse(const char *ptr, char **retptr)
{
	char *end;
	unsigned long long value = strtoull(ptr, &end, 0);
	switch (*end) {
	case 'G': case 'g': value <<= 10; fallthrough;
	case 'M': case 'm': value <<= 10; fallthrough;
	case 'K': case 'k': value <<= 10; end++;
	default: break;
	}
	if (retptr)
		*retptr = end;
	return value;
}

/* Paths of direct.c that x86 without CONFIG_DMA_DIRECT_REMAP and with coherent DMA never takes. */
void *dma_common_contiguous_remap(struct page *page, size_t size, pgprot_t prot, const void *caller)
{
	bouncer_unmodelled("dma_common_contiguous_remap");
}

void *arch_dma_set_uncached(void *addr, size_t size) { bouncer_unmodelled("arch_dma_set_uncached"); }
#endif
