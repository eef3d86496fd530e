/* The rest of the shim: what direct.c, pool.c and mapping.c call beyond swiotlb.c's needs.
 * Included at the end of bouncer_shim.h. Paths the shim does not model (vmap remapping, mmap,
 * IOMMU DMA, CMA, devres) are BUG stubs: reaching one is a finding about the shim, never a
 * silent success. */
#ifndef BOUNCER_SHIM_MORE_H
#define BOUNCER_SHIM_MORE_H

#define dev_err_once(dev, ...) bouncer_noprint(__VA_ARGS__)
#define bouncer_unmodelled(name) bouncer_bug(__FILE__, __LINE__, name " is not modelled by the shim")

/* ---- page protections and vmap: x86 without CONFIG_DMA_DIRECT_REMAP never remaps ---- */
#define PAGE_KERNEL ((pgprot_t){ 0 })
#define pgprot_decrypted(prot) (prot)
#define pgprot_encrypted(prot) (prot)
#define pgprot_noncached(prot) (prot)
#define pgprot_writecombine(prot) (prot)
#define pgprot_dmacoherent(prot) (prot)
#define page_to_virt(page) page_address(page)
#define __phys_to_pfn(phys) PHYS_PFN(phys)
#define PAGE_KERNEL_LARGE PAGE_KERNEL
static inline void vunmap(const void *addr) { bouncer_unmodelled("vunmap"); }
static inline void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot)
{
	bouncer_unmodelled("vmap");
}
#define VM_MAP 0x4

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_pgoff;
	pgprot_t vm_page_prot;
};
static inline unsigned long vma_pages(struct vm_area_struct *vma) { return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT; }
static inline int remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
	unsigned long size, pgprot_t prot)
{
	bouncer_unmodelled("remap_pfn_range");
}
static inline int vm_map_pages(struct vm_area_struct *vma, struct page **pages, unsigned long num)
{
	bouncer_unmodelled("vm_map_pages");
}

/* ---- scatterlist tables ---- */
static inline int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp)
{
	table->sgl = calloc(nents, sizeof(*table->sgl));
	table->nents = table->orig_nents = nents;
	return table->sgl ? 0 : -ENOMEM;
}
static inline void sg_free_table(struct sg_table *table) { free(table->sgl); }
static inline void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len, unsigned int offset)
{
	sg->page_link = (unsigned long)page;
	sg->offset = offset;
	sg->length = len;
}

/* ---- memory size and the RAM walk ---- */
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
static inline unsigned long totalram_pages(void) { return BOUNCER_KERNEL_PAGE_COUNT; }
/* ZONE_DMA has pages (the arena's first zone). */
static inline bool has_managed_dma(void) { return true; }
int walk_system_ram_range(unsigned long start_pfn, unsigned long nr_pages, void *arg,
	int (*func)(unsigned long, unsigned long, void *));
unsigned long long memparse(const char *ptr, char **retptr);

/* ---- CMA (CONFIG_DMA_CMA is not set: dev_get_cma_area() is NULL, these are never reached) ---- */
static inline unsigned long cma_get_size(const struct cma *cma) { bouncer_unmodelled("cma_get_size"); }
static inline phys_addr_t cma_get_base(const struct cma *cma) { bouncer_unmodelled("cma_get_base"); }

/* ---- genalloc: the atomic pools' allocator (genpool.c, the shim's own) ---- */
struct gen_pool;
typedef unsigned long (*genpool_algo_t)(unsigned long *map, unsigned long size, unsigned long start,
	unsigned int nr, void *data, struct gen_pool *pool, unsigned long start_addr);
unsigned long gen_pool_first_fit_order_align(unsigned long *map, unsigned long size, unsigned long start,
	unsigned int nr, void *data, struct gen_pool *pool, unsigned long start_addr);
struct gen_pool *gen_pool_create(int min_alloc_order, int nid);
void gen_pool_set_algo(struct gen_pool *pool, genpool_algo_t algo, void *data);
int gen_pool_add_virt(struct gen_pool *pool, unsigned long virt, phys_addr_t phys, size_t size, int nid);
unsigned long gen_pool_alloc(struct gen_pool *pool, size_t size);
void gen_pool_free(struct gen_pool *pool, unsigned long addr, size_t size);
size_t gen_pool_avail(struct gen_pool *pool);
size_t gen_pool_size(struct gen_pool *pool);
phys_addr_t gen_pool_virt_to_phys(struct gen_pool *pool, unsigned long addr);
bool gen_pool_has_addr(struct gen_pool *pool, unsigned long start, size_t size);
void gen_pool_destroy(struct gen_pool *pool);

/* ---- mapping.c: ACPI/OF, devres, IOMMU DMA (no device has dma_iommu), tracepoints ---- */
#define use_dma_iommu(dev) false
#define bouncer_iommu(name) bouncer_unmodelled(name)
#define iommu_dma_map_page(...) ({ bouncer_iommu("iommu_dma"); (dma_addr_t)0; })
#define iommu_dma_unmap_page(...) bouncer_iommu("iommu_dma")
#define iommu_dma_map_sg(...) ({ bouncer_iommu("iommu_dma"); 0; })
#define iommu_dma_unmap_sg(...) bouncer_iommu("iommu_dma")
#define iommu_dma_map_resource(...) ({ bouncer_iommu("iommu_dma"); (dma_addr_t)0; })
#define iommu_dma_unmap_resource(...) bouncer_iommu("iommu_dma")
#define iommu_dma_sync_single_for_cpu(...) bouncer_iommu("iommu_dma")
#define iommu_dma_sync_single_for_device(...) bouncer_iommu("iommu_dma")
#define iommu_dma_sync_sg_for_cpu(...) bouncer_iommu("iommu_dma")
#define iommu_dma_sync_sg_for_device(...) bouncer_iommu("iommu_dma")
#define iommu_dma_get_sgtable(...) ({ bouncer_iommu("iommu_dma"); 0; })
#define iommu_dma_mmap(...) ({ bouncer_iommu("iommu_dma"); 0; })
#define iommu_dma_alloc(...) ({ bouncer_iommu("iommu_dma"); (void *)0; })
#define iommu_dma_free(...) bouncer_iommu("iommu_dma")
#define iommu_dma_alloc_noncontiguous(...) ({ bouncer_iommu("iommu_dma"); (struct sg_table *)0; })
#define iommu_dma_free_noncontiguous(...) bouncer_iommu("iommu_dma")
#define iommu_dma_vmap_noncontiguous(...) ({ bouncer_iommu("iommu_dma"); (void *)0; })
#define iommu_dma_vunmap_noncontiguous(...) bouncer_iommu("iommu_dma")
#define iommu_dma_mmap_noncontiguous(...) ({ bouncer_iommu("iommu_dma"); 0; })
#define iommu_dma_get_merge_boundary(...) ({ bouncer_iommu("iommu_dma"); 0UL; })
#define iommu_dma_max_mapping_size(...) ({ bouncer_iommu("iommu_dma"); (size_t)0; })
#define iommu_dma_opt_mapping_size(...) ({ bouncer_iommu("iommu_dma"); (size_t)0; })
#define iommu_dma_get_required_mask(...) ({ bouncer_iommu("iommu_dma"); 0ULL; })

typedef void (*dr_release_t)(struct device *dev, void *res);
typedef int (*dr_match_t)(struct device *dev, void *res, void *match_data);
#define devres_alloc(release, size, gfp) ({ bouncer_unmodelled("devres"); (void *)0; })
#define devres_free(res) bouncer_unmodelled("devres")
#define devres_add(dev, res) bouncer_unmodelled("devres")
#define devres_destroy(dev, release, match, data) ({ bouncer_unmodelled("devres"); 0; })

#define kmsan_handle_dma_sg(...) do { } while (0)
#define trace_dma_alloc(...) do { } while (0)
#define trace_dma_alloc_pages(...) do { } while (0)
#define trace_dma_alloc_sgt(...) do { } while (0)
#define trace_dma_alloc_sgt_err(...) do { } while (0)
#define trace_dma_free(...) do { } while (0)
#define trace_dma_free_pages(...) do { } while (0)
#define trace_dma_free_sgt(...) do { } while (0)
#define trace_dma_map_page(...) do { } while (0)
#define trace_dma_map_resource(...) do { } while (0)
#define trace_dma_map_sg(...) do { } while (0)
#define trace_dma_map_sg_err(...) do { } while (0)
#define trace_dma_sync_sg_for_cpu(...) do { } while (0)
#define trace_dma_sync_sg_for_device(...) do { } while (0)
#define trace_dma_sync_single_for_cpu(...) do { } while (0)
#define trace_dma_sync_single_for_device(...) do { } while (0)
#define trace_dma_unmap_page(...) do { } while (0)
#define trace_dma_unmap_resource(...) do { } while (0)
#define trace_dma_unmap_sg(...) do { } while (0)

#endif
