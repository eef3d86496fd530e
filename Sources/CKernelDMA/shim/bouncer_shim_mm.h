/* The shim's memory, encryption, device and scatterlist APIs (the arena: arena.c, platform.c).
 * Included from bouncer_shim.h. */
#ifndef BOUNCER_SHIM_MM_H
#define BOUNCER_SHIM_MM_H

/* ---- memory: pages, zones and physical addresses of the arena (arena.c) ---- */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr) IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define MAX_PAGE_ORDER 10
#define SMP_CACHE_BYTES 64
#define L1_CACHE_BYTES 64
#define ARCH_DMA_MINALIGN 8
#define ARCH_KMALLOC_MINALIGN 8
#define ____cacheline_aligned __aligned(SMP_CACHE_BYTES)
/* x86-64: ZONE_DMA below 16 MiB (zone_dma_limit = DMA_BIT_MASK(24)), ARCH_LOW_ADDRESS_LIMIT. */
#define ARCH_LOW_ADDRESS_LIMIT 0xffffffffUL
#define MAX_DMA32_PFN (1UL << (32 - PAGE_SHIFT))

/* One struct page per arena page. */
struct page {
	unsigned long flags;
	unsigned long private;
};

/* gfp flags: the shim's own values; only their meaning to kernel/dma matters. */
#define ___GFP_DMA 0x01u
#define ___GFP_HIGHMEM 0x02u
#define ___GFP_DMA32 0x04u
#define ___GFP_MOVABLE 0x08u
#define __GFP_DMA ((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM ((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32 ((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE ((gfp_t)___GFP_MOVABLE)
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define __GFP_HIGH ((gfp_t)0x20u)
#define __GFP_IO ((gfp_t)0x40u)
#define __GFP_FS ((gfp_t)0x80u)
#define __GFP_ZERO ((gfp_t)0x100u)
#define __GFP_NOWARN ((gfp_t)0x200u)
#define __GFP_DIRECT_RECLAIM ((gfp_t)0x400u)
#define __GFP_KSWAPD_RECLAIM ((gfp_t)0x800u)
#define __GFP_NORETRY ((gfp_t)0x1000u)
#define __GFP_COMP ((gfp_t)0x2000u)
#define __GFP_RECLAIM (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
static inline bool gfpflags_allow_blocking(gfp_t gfp) { return !!(gfp & __GFP_DIRECT_RECLAIM); }

extern u64 zone_dma_limit;
extern unsigned long max_pfn;
extern unsigned long min_low_pfn;
extern unsigned long max_low_pfn;
extern void *high_memory;

/* The arena's address translations; out-of-RAM addresses are a shim BUG, never a host access. */
void *bouncer_phys_to_virt(phys_addr_t phys);
phys_addr_t bouncer_virt_to_phys(const void *virt);
struct page *bouncer_pfn_to_page(unsigned long pfn);
unsigned long bouncer_page_to_pfn(const struct page *page);
#define phys_to_virt(p) bouncer_phys_to_virt(p)
#define virt_to_phys(v) bouncer_virt_to_phys(v)
#define __va(p) bouncer_phys_to_virt(p)
#define __pa(v) bouncer_virt_to_phys((const void *)(v))
#define pfn_to_page(pfn) bouncer_pfn_to_page(pfn)
#define page_to_pfn(page) bouncer_page_to_pfn(page)
#define page_to_phys(page) PFN_PHYS(page_to_pfn(page))
#define phys_to_page(phys) pfn_to_page(PHYS_PFN(phys))
#define page_address(page) phys_to_virt(page_to_phys(page))
#define virt_to_page(v) pfn_to_page(PHYS_PFN(virt_to_phys(v)))
#define virt_addr_valid(v) bouncer_virt_addr_valid(v)
bool bouncer_virt_addr_valid(const void *virt);
#define pfn_valid(pfn) (bouncer_pfn_to_page(pfn) != NULL)
#define PageHighMem(page) 0
#define page_to_nid(page) 0
#define is_vmalloc_addr(p) false
#define is_zone_device_page(page) false
/* linux/memremap.h without CONFIG_PCI_P2PDMA. */
static inline bool is_pci_p2pdma_page(const struct page *page) { return false; }

struct page *bouncer_alloc_pages(gfp_t gfp, unsigned int order);
void bouncer_free_pages(struct page *page, unsigned int order);
#define alloc_pages(gfp, order) bouncer_alloc_pages(gfp, order)
#define alloc_pages_node(nid, gfp, order) bouncer_alloc_pages(gfp, order)
#define __free_pages(page, order) bouncer_free_pages(page, order)
static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = bouncer_alloc_pages(gfp, order);
	return page ? (unsigned long)page_address(page) : 0;
}
static inline void free_pages(unsigned long addr, unsigned int order)
{
	bouncer_free_pages(virt_to_page((void *)addr), order);
}
static inline int get_order(unsigned long size)
{
	return size <= PAGE_SIZE ? 0 : ilog2((size - 1) >> PAGE_SHIFT) + 1;
}

/* Boot-time allocations: memblock_alloc_low takes arena RAM below 4 GiB (the swiotlb default
 * pool); memblock_alloc takes the kernel's own bookkeeping (slot arrays), which no device can
 * reach, so it lives outside the arena. */
void *bouncer_memblock_alloc_low(phys_addr_t size, phys_addr_t align);
#define memblock_alloc_low(size, align) bouncer_memblock_alloc_low(size, align)
#define memblock_alloc(size, align) calloc(1, size)
#define memblock_free(ptr, size) do { } while (0)
#define memblock_free_late(base, size) do { } while (0)
phys_addr_t bouncer_memblock_phys_mem_size(void);
#define memblock_phys_mem_size() bouncer_memblock_phys_mem_size()

/* Slab objects are the kernel's own bookkeeping, outside the arena. */
#define kmalloc(size, gfp) malloc(size)
#define kzalloc(size, gfp) calloc(1, size)
#define kcalloc(n, size, gfp) calloc(n, size)
#define kfree(p) free(p)
#define kmalloc_size_roundup(size) (size)
#define dma_get_cache_alignment() ARCH_DMA_MINALIGN

/* ---- memory encryption (arch/x86/mm/pat/set_memory.c, arch/x86/coco) ---- */
enum cc_attr {
	CC_ATTR_MEM_ENCRYPT,
	CC_ATTR_HOST_MEM_ENCRYPT,
	CC_ATTR_GUEST_MEM_ENCRYPT,
	CC_ATTR_GUEST_STATE_ENCRYPT,
	CC_ATTR_GUEST_UNROLL_STRING_IO,
	CC_ATTR_GUEST_SEV_SNP,
	CC_ATTR_HOST_SEV_SNP,
};
bool cc_platform_has(enum cc_attr attr);
int set_memory_decrypted(unsigned long addr, int numpages);
int set_memory_encrypted(unsigned long addr, int numpages);
extern u64 sme_me_mask;
#define __sme_set(x) ((x) | sme_me_mask)
#define __sme_clr(x) ((x) & ~sme_me_mask)
#define mem_encrypt_active() cc_platform_has(CC_ATTR_MEM_ENCRYPT)

/* ---- devices ---- */
struct bus_dma_region;
struct bus_type;
struct io_tlb_mem;
struct dma_map_ops;
struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned int min_align_mask;
	unsigned long segment_boundary_mask;
};
struct device {
	const char *init_name;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	const struct bus_dma_region *dma_range_map;
	struct device_dma_parameters *dma_parms;
	const struct dma_map_ops *dma_ops;
	struct io_tlb_mem *dma_io_tlb_mem;
	bool dma_skip_sync;
	bool dma_coherent;
	bool dma_ops_bypass;
	/* The shim's index of the device, for the event record. */
	int bouncer_id;
};
#define dev_name(dev) ((dev)->init_name ? (dev)->init_name : "bouncer-device")
#define dev_is_pci(dev) false

/* x86's get_arch_dma_ops(): the global dma_ops, NULL without an IOMMU driver. */
static inline const struct dma_map_ops *get_arch_dma_ops(void) { return NULL; }
bool force_dma_unencrypted(struct device *dev);

/* ---- scatterlists: the fields kernel/dma reads ---- */
struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
	unsigned int dma_length;
	unsigned int dma_flags;
};
struct sg_table {
	struct scatterlist *sgl;
	unsigned int nents;
	unsigned int orig_nents;
};
#define sg_dma_address(sg) ((sg)->dma_address)
#define sg_dma_len(sg) ((sg)->dma_length)
static inline struct page *sg_page(struct scatterlist *sg) { return (struct page *)(sg->page_link & ~3UL); }
static inline phys_addr_t sg_phys(struct scatterlist *sg) { return page_to_phys(sg_page(sg)) + sg->offset; }
static inline struct scatterlist *sg_next(struct scatterlist *sg) { return sg + 1; }
#define for_each_sg(sglist, sg, nr, i) for ((i) = 0, (sg) = (sglist); (i) < (nr); (i)++, (sg) = sg_next(sg))
#define sg_dma_is_bus_address(sg) false
#define sg_dma_mark_bus_address(sg) do { } while (0)
#define sg_dma_unmark_bus_address(sg) do { } while (0)
#define sg_dma_is_swiotlb(sg) false
#define sg_dma_mark_swiotlb(sg) do { } while (0)

/* ---- memcpy and memset: instrumented, so byte movement in the arena is recorded ---- */
void *bouncer_memcpy(void *dst, const void *src, size_t len);
void *bouncer_memset(void *dst, int byte, size_t len);
#define memcpy(d, s, n) bouncer_memcpy(d, s, n)
#define memset(d, c, n) bouncer_memset(d, c, n)
/* The highmem copies (no highmem on x86-64, but the code is compiled). */
static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	bouncer_memcpy(to, (char *)page_address(page) + offset, len);
}
static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	bouncer_memcpy((char *)page_address(page) + offset, from, len);
}

#endif
