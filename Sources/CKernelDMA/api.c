/* The C API Swift drives: boot in the x86 order, devices, and the DMA API calls, each through
 * the kernel's own entry points (kernel/dma/mapping.c, then direct.c, swiotlb.c, pool.c). */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include <kernel/dma/direct.h>
#include "arena.h"
#include <stdio.h>


struct bouncer_device_slot {
	struct device dev;
	u64 dma_mask;
	struct device_dma_parameters parms;
	struct bus_dma_region ranges[2];
};

#include "bouncer_state_begin.h"
static struct bouncer_device_slot devices[BOUNCER_KERNEL_MAX_DEVICES];
static int device_count;
static bool booted;
#include "bouncer_state_end.h"

bool bouncer_kernel_available(void) { return true; }

const char *bouncer_kernel_status(void)
{
	return "kernel/dma of Linux " BOUNCER_KERNEL_VERSION " from " BOUNCER_KERNEL_TREE_PATH;
}

int bouncer_kernel_boot(const struct bouncer_kernel_platform *platform)
{
	char cmdline[32];
	unsigned int flags = 0;
	bool enable;

	if (platform->swiotlb_slots == 0 || platform->swiotlb_slots % IO_TLB_SEGSIZE)
		return -EINVAL;
	bouncer_swiotlb_reset();
	bouncer_pool_reset();
	bouncer_work_reset();
	bouncer_snapshot_forget();
	bouncer_arena_reset(platform);
	memset(devices, 0, sizeof(devices));
	device_count = 0;

	/* The command line: swiotlb=<slots>[,<areas>][,force] (setup_io_tlb_npages). */
	if (platform->swiotlb_areas)
		snprintf(cmdline, sizeof(cmdline), "%u,%u%s", platform->swiotlb_slots, platform->swiotlb_areas,
			platform->swiotlb_force ? ",force" : "");
	else
		snprintf(cmdline, sizeof(cmdline), "%u%s", platform->swiotlb_slots, platform->swiotlb_force ? ",force" : "");
	bouncer_swiotlb_cmdline(cmdline);

	/* arch/x86/mm/mem_encrypt.c mem_encrypt_setup_arch(): 6% of memory, which the command line
	 * overrides (swiotlb_adjust_size leaves a size given on the command line alone). */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		swiotlb_adjust_size(clamp_val(bouncer_memblock_phys_mem_size() * 6 / 100, IO_TLB_DEFAULT_SIZE, SZ_1G));

	/* arch/x86/kernel/pci-dma.c pci_swiotlb_detect() and pci_iommu_alloc(): RAM above 4 GiB
	 * enables swiotlb; an encrypted guest forces every mapping through it. */
	enable = max_pfn > MAX_DMA32_PFN;
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		enable = true;
		flags |= SWIOTLB_FORCE;
	}
	swiotlb_init(enable, flags);

	/* arch/x86/mm/mem_encrypt.c mem_encrypt_init(). */
	if (cc_platform_has(CC_ATTR_MEM_ENCRYPT))
		swiotlb_update_mem_attributes();

	/* postcore_initcall(dma_atomic_pool_init), after an optional coherent_pool=. */
	if (platform->coherent_pool_bytes)
		snprintf(cmdline, sizeof(cmdline), "%u", platform->coherent_pool_bytes);
	int ret = bouncer_pool_init(platform->coherent_pool_bytes ? cmdline : NULL);
	if (ret)
		return ret;

	booted = true;
	return 0;
}

int bouncer_kernel_add_device(const struct bouncer_kernel_device *config, struct bouncer_kernel_probe *probe)
{
	if (!booted || device_count == BOUNCER_KERNEL_MAX_DEVICES)
		return -ENOSPC;
	struct bouncer_device_slot *slot = &devices[device_count];
	struct device *dev = &slot->dev;

	dev->bouncer_id = device_count;
	dev->dma_coherent = true;
	/* drivers/base/core.c device_initialize(). */
	swiotlb_dev_init(dev);
	if (config->swiotlb_disabled)
		dev->dma_io_tlb_mem = NULL;
	if (config->range_size) {
		slot->ranges[0] = (struct bus_dma_region){
			.cpu_start = config->range_cpu_start, .dma_start = config->range_dma_start, .size = config->range_size,
		};
		dev->dma_range_map = slot->ranges;
	}
	slot->parms.min_align_mask = config->min_align_mask;
	dev->dma_parms = &slot->parms;
	dev->bus_dma_limit = config->bus_dma_limit;
	/* The bus's defaults before any driver runs: 32-bit streaming and coherent masks
	 * (drivers/pci/probe.c pci_setup_device and pci_device_add; drivers/base/platform.c
	 * setup_pdev_dma_masks). */
	slot->dma_mask = DMA_BIT_MASK(32);
	dev->dma_mask = &slot->dma_mask;
	dev->coherent_dma_mask = DMA_BIT_MASK(32);
	/* The driver's dma_set_mask() and dma_set_coherent_mask(), which refuse a mask the device
	 * cannot use (dma_direct_supported) and then leave the mask as it was. The device stays. */
	bouncer_current_device = device_count;
	int ret = dma_set_mask(dev, config->dma_mask);
	if (!ret)
		ret = dma_set_coherent_mask(dev, config->coherent_dma_mask);
	if (probe)
		*probe = (struct bouncer_kernel_probe){
			.set_mask_result = ret, .dma_mask = *dev->dma_mask, .coherent_dma_mask = dev->coherent_dma_mask,
		};
	return device_count++;
}

static struct device *device_at(int device)
{
	if (device < 0 || device >= device_count)
		return NULL;
	bouncer_current_device = device;
	return &devices[device].dev;
}

static void note_slot(struct device *dev, u64 dma)
{
	phys_addr_t phys = dma_to_phys(dev, dma);
	struct io_tlb_pool *pool = swiotlb_find_pool(dev, phys);

	if (pool)
		bouncer_record(BOUNCER_KERNEL_EV_SWIOTLB_SLOT, 0, pool->start, (phys - pool->start) >> IO_TLB_SHIFT,
			phys, NULL);
}

int bouncer_kernel_migrate_to_cpu(int cpu)
{
	if (cpu < 0 || (unsigned int)cpu >= bouncer_possible_cpus)
		return -EINVAL;
	bouncer_cpu = cpu;
	return 0;
}

void bouncer_kernel_set_seg_boundary(int device, uint64_t mask)
{
	struct device *dev = device_at(device);
	if (dev)
		dma_set_seg_boundary(dev, mask);
}

uint64_t bouncer_kernel_map_single(int device, uint64_t phys, uint64_t size, int dir, unsigned long attrs)
{
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir) || !bouncer_phys_range_valid(phys, size))
		return BOUNCER_KERNEL_DMA_MAPPING_ERROR;
	dma_addr_t dma = dma_map_page_attrs(dev, phys_to_page(phys), offset_in_page(phys), size, dir, attrs);
	if (dma != DMA_MAPPING_ERROR)
		note_slot(dev, dma);
	bouncer_record(BOUNCER_KERNEL_EV_MAP, 0, phys, dma, size, NULL);
	return dma;
}

void bouncer_kernel_unmap_single(int device, uint64_t dma, uint64_t size, int dir, unsigned long attrs)
{
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir))
		return;
	bouncer_record(BOUNCER_KERNEL_EV_UNMAP, 0, dma_to_phys(dev, dma), dma, size, NULL);
	dma_unmap_page_attrs(dev, dma, size, dir, attrs);
}

void bouncer_kernel_sync_single_for_cpu(int device, uint64_t dma, uint64_t size, int dir)
{
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir))
		return;
	bouncer_record(BOUNCER_KERNEL_EV_SYNC_FOR_CPU, 0, dma_to_phys(dev, dma), dma, size, NULL);
	dma_sync_single_for_cpu(dev, dma, size, dir);
}

void bouncer_kernel_sync_single_for_device(int device, uint64_t dma, uint64_t size, int dir)
{
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir))
		return;
	bouncer_record(BOUNCER_KERNEL_EV_SYNC_FOR_DEVICE, 0, dma_to_phys(dev, dma), dma, size, NULL);
	dma_sync_single_for_device(dev, dma, size, dir);
}

/* A flat scatterlist (no chaining) over the given segments, as sg_set_page builds it. */
static bool fill_sg(struct scatterlist *sg, const uint64_t *phys, const uint32_t *length, int nents)
{
	if (nents <= 0 || nents > (int)BOUNCER_KERNEL_MAX_SG)
		return false;
	memset(sg, 0, sizeof(*sg) * (size_t)nents);
	for (int i = 0; i < nents; i++) {
		if (!bouncer_phys_range_valid(phys[i], length[i]))
			return false;
		sg_set_page(&sg[i], phys_to_page(phys[i]), length[i], offset_in_page(phys[i]));
	}
	return true;
}

int bouncer_kernel_map_sg(int device, const uint64_t *phys, const uint32_t *length, int nents, int dir,
	unsigned long attrs, uint64_t *dma, uint32_t *dma_length)
{
	struct scatterlist sg[BOUNCER_KERNEL_MAX_SG];
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir) || !fill_sg(sg, phys, length, nents))
		return 0;
	int mapped = (int)dma_map_sg_attrs(dev, sg, nents, dir, attrs);
	for (int i = 0; i < nents; i++) {
		dma[i] = mapped ? sg_dma_address(&sg[i]) : DMA_MAPPING_ERROR;
		dma_length[i] = mapped ? sg_dma_len(&sg[i]) : 0;
		if (mapped)
			note_slot(dev, dma[i]);
		bouncer_record(BOUNCER_KERNEL_EV_MAP, 0, phys[i], dma[i], length[i], NULL);
	}
	return mapped;
}

void bouncer_kernel_unmap_sg(int device, const uint64_t *phys, const uint32_t *length, const uint64_t *dma,
	const uint32_t *dma_length, int nents, int dir, unsigned long attrs)
{
	struct scatterlist sg[BOUNCER_KERNEL_MAX_SG];
	struct device *dev = device_at(device);
	if (!dev || !valid_dma_direction(dir) || !fill_sg(sg, phys, length, nents))
		return;
	for (int i = 0; i < nents; i++) {
		sg[i].dma_address = dma[i];
		sg[i].dma_length = dma_length[i];
		bouncer_record(BOUNCER_KERNEL_EV_UNMAP, 0, phys[i], dma[i], dma_length[i], NULL);
	}
	dma_unmap_sg_attrs(dev, sg, nents, dir, attrs);
}

bool bouncer_kernel_alloc_coherent(int device, uint64_t size, bool atomic, uint64_t *phys, uint64_t *dma)
{
	struct device *dev = device_at(device);
	dma_addr_t handle = DMA_MAPPING_ERROR;
	if (!dev || size == 0)
		return false;
	void *cpu = dma_alloc_attrs(dev, size, &handle, atomic ? GFP_ATOMIC : GFP_KERNEL, 0);
	*phys = cpu ? virt_to_phys(cpu) : DMA_MAPPING_ERROR;
	*dma = cpu ? handle : DMA_MAPPING_ERROR;
	bouncer_record(BOUNCER_KERNEL_EV_ALLOC_COHERENT, 0, *phys, *dma, size, NULL);
	return cpu != NULL;
}

void bouncer_kernel_free_coherent(int device, uint64_t size, uint64_t phys, uint64_t dma)
{
	struct device *dev = device_at(device);
	if (!dev || !bouncer_phys_range_valid(phys, size))
		return;
	bouncer_record(BOUNCER_KERNEL_EV_FREE_COHERENT, 0, phys, dma, size, NULL);
	dma_free_attrs(dev, size, phys_to_virt(phys), dma, 0);
}

/* The host's view of a DMA address: the range map undone and the encryption bits stripped. */
static bool device_phys(int device, uint64_t dma, uint64_t len, phys_addr_t *phys)
{
	struct device *dev = device_at(device);
	if (!dev)
		return false;
	*phys = dma_to_phys(dev, dma);
	return bouncer_phys_range_valid(*phys, len);
}

bool bouncer_kernel_device_write(int device, uint64_t dma, const void *in, uint64_t len)
{
	phys_addr_t phys;
	return device_phys(device, dma, len, &phys) && bouncer_kernel_write(phys, in, len);
}

bool bouncer_kernel_device_read(int device, uint64_t dma, void *out, uint64_t len)
{
	phys_addr_t phys;
	return device_phys(device, dma, len, &phys) && bouncer_kernel_read(phys, out, len);
}
#endif
