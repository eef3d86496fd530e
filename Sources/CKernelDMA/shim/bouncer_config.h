/* The kernel configuration the shim compiles kernel/dma with: Debian's 6.12 amd64 config
 * (/usr/src/linux-config-6.12/config.amd64_none_amd64.xz, package linux-config-6.12), reduced to
 * the options kernel/dma and the DMA headers test. Options Debian sets that would pull in code
 * the shim does not model are listed as such in docs/KERNEL.md.
 */
#ifndef BOUNCER_CONFIG_H
#define BOUNCER_CONFIG_H

#define CONFIG_64BIT 1
#define CONFIG_X86_64 1
#define CONFIG_MMU 1
#define CONFIG_HAS_DMA 1
#define CONFIG_SWIOTLB 1
/* CONFIG_SWIOTLB_DYNAMIC is not set (Debian 6.12 amd64). */
/* CONFIG_DMA_RESTRICTED_POOL is not set. */
#define CONFIG_DMA_COHERENT_POOL 1
#define CONFIG_DMA_NEED_SYNC 1
#define CONFIG_DMA_OPS_HELPERS 1
#define CONFIG_NEED_DMA_MAP_STATE 1
#define CONFIG_ARCH_DMA_ADDR_T_64BIT 1
#define CONFIG_ARCH_HAS_FORCE_DMA_UNENCRYPTED 1
#define CONFIG_ARCH_HAS_CC_PLATFORM 1
#define CONFIG_ARCH_HAS_MEM_ENCRYPT 1
#define CONFIG_ARCH_HAS_SET_MEMORY 1
#define CONFIG_AMD_MEM_ENCRYPT 1
#define CONFIG_INTEL_TDX_GUEST 1
#define CONFIG_ZONE_DMA 1
#define CONFIG_ZONE_DMA32 1
#define CONFIG_GENERIC_ALLOCATOR 1
#define CONFIG_DEBUG_FS 1
/* CONFIG_ARCH_HAS_DMA_OPS=y in Debian: x86's get_arch_dma_ops() returns the global dma_ops,
 * which is NULL on a guest without an IOMMU driver, so every device takes dma-direct. */
#define CONFIG_ARCH_HAS_DMA_OPS 1
/* Not set in Debian 6.12 amd64: CONFIG_DMA_CMA, CONFIG_DMA_API_DEBUG, CONFIG_PCI_P2PDMA,
 * CONFIG_DMA_DIRECT_REMAP, CONFIG_ARCH_HAS_PHYS_TO_DMA, CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE,
 * CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU, CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC, CONFIG_DMA_GLOBAL_POOL,
 * CONFIG_DMA_DECLARE_COHERENT, CONFIG_HIGHMEM, CONFIG_KMSAN. */

#endif
