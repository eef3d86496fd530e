/* The real kernel/dma of a Linux tree, compiled in userspace against Bouncer's shim, as a C API
 * that Swift (BouncerKernel) drives. One guest at a time per process: bouncer_kernel_boot resets
 * everything. Built without a kernel tree, every call fails and bouncer_kernel_status says why.
 */
#ifndef CKERNELDMA_H
#define CKERNELDMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The arena's layout: the same zones, page size and physical addresses as BouncerModel's
 * GuestMemory (ZONE_DMA at 1 MiB, ZONE_DMA32 at 1 GiB, ZONE_NORMAL at 4 GiB). */
#define BOUNCER_KERNEL_PAGE_SIZE 4096u
#define BOUNCER_KERNEL_PAGE_COUNT 320u
#define BOUNCER_KERNEL_ZONES 3u
#define BOUNCER_KERNEL_DMA_MAPPING_ERROR (~(uint64_t)0)
#define BOUNCER_KERNEL_MAX_DEVICES 32u
#define BOUNCER_KERNEL_MAX_EVENTS 4096u

enum bouncer_kernel_dir {
	BOUNCER_KERNEL_BIDIRECTIONAL = 0,
	BOUNCER_KERNEL_TO_DEVICE = 1,
	BOUNCER_KERNEL_FROM_DEVICE = 2,
};

/* DMA_ATTR_* values of include/linux/dma-mapping.h that callers pass. */
#define BOUNCER_KERNEL_ATTR_SKIP_CPU_SYNC (1UL << 5)
#define BOUNCER_KERNEL_ATTR_NO_WARN (1UL << 8)

enum bouncer_kernel_page_state {
	BOUNCER_KERNEL_PAGE_PRIVATE = 0,
	BOUNCER_KERNEL_PAGE_SHARED = 1,
	/* A conversion failed on this page: the guest cannot tell whether the host sees it. */
	BOUNCER_KERNEL_PAGE_UNKNOWN = 2,
};

/* The platform as the shim's arch code answers for it. */
struct bouncer_kernel_platform {
	/* cc_platform_has(CC_ATTR_MEM_ENCRYPT / CC_ATTR_GUEST_MEM_ENCRYPT). */
	bool guest_mem_encrypt;
	/* set_memory_decrypted() leaves a page's bytes where the host reads them (pKVM, s390 PV);
	 * otherwise the page reads as zeros after a conversion either way. */
	bool conversion_keeps_contents;
	/* sme_me_mask: the bits __sme_set() adds to an encrypted page's DMA address (SEV C-bit). */
	uint64_t sme_me_mask;
	/* The "coherent_pool=" command line: bytes per atomic pool (0: the kernel's default). */
	uint32_t coherent_pool_bytes;
	/* The "swiotlb=" command line: slots of the default pool (a multiple of 128), the area
	 * count (0: none given, one per possible CPU), "force". */
	uint32_t swiotlb_slots;
	uint32_t swiotlb_areas;
	bool swiotlb_force;
	/* num_possible_cpus() (0 reads as 1); the driver's task starts on CPU 0. */
	uint32_t possible_cpus;
};

/* A device's DMA configuration, as firmware and the driver set it before the first mapping. */
struct bouncer_kernel_device {
	uint64_t dma_mask;
	uint64_t coherent_dma_mask;
	uint64_t bus_dma_limit;
	/* One dev->dma_range_map region (size 0: no map, DMA address = physical address). */
	uint64_t range_cpu_start;
	uint64_t range_dma_start;
	uint64_t range_size;
	uint32_t min_align_mask;
	/* dev->dma_io_tlb_mem is NULL: no swiotlb for this device. */
	bool swiotlb_disabled;
};

enum bouncer_kernel_event_kind {
	/* Pages left or returned to the page allocator: a = phys, b = pages. */
	BOUNCER_KERNEL_EV_PAGES_ALLOC = 1,
	BOUNCER_KERNEL_EV_PAGES_FREE,
	/* set_memory_decrypted / set_memory_encrypted: a = phys, b = pages asked, c = pages
	 * converted before the host failed it (== b on success); result = the return value. */
	BOUNCER_KERNEL_EV_DECRYPT,
	BOUNCER_KERNEL_EV_ENCRYPT,
	/* memcpy with an end in the arena: a = destination phys, b = source phys (~0: outside the
	 * arena, i.e. a kernel or caller buffer), c = length. */
	BOUNCER_KERNEL_EV_COPY,
	/* memset in the arena: a = phys, b = byte, c = length. */
	BOUNCER_KERNEL_EV_FILL,
	/* The DMA API's answer to a driver: device, a = phys (or CPU address's phys), b = DMA
	 * address (or BOUNCER_KERNEL_DMA_MAPPING_ERROR), c = size. */
	BOUNCER_KERNEL_EV_MAP,
	BOUNCER_KERNEL_EV_UNMAP,
	BOUNCER_KERNEL_EV_SYNC_FOR_CPU,
	BOUNCER_KERNEL_EV_SYNC_FOR_DEVICE,
	/* dma_alloc_attrs / dma_free_attrs: a = CPU address's phys, b = DMA handle (or
	 * BOUNCER_KERNEL_DMA_MAPPING_ERROR on failure), c = size. */
	BOUNCER_KERNEL_EV_ALLOC_COHERENT,
	BOUNCER_KERNEL_EV_FREE_COHERENT,
	/* A mapping served from a swiotlb pool: a = pool start, b = first slot, c = slot's phys. */
	BOUNCER_KERNEL_EV_SWIOTLB_SLOT,
	/* WARN()/dev_WARN_ONCE() fired: a = line, what = condition or message (static string). */
	BOUNCER_KERNEL_EV_WARN,
	/* Work queued by schedule_work(): a = the work's address (opaque). */
	BOUNCER_KERNEL_EV_WORK_QUEUED,
};

struct bouncer_kernel_event {
	uint32_t kind;
	int32_t device;
	int32_t result;
	uint64_t a, b, c;
	const char *what;
};

/* Whether this build has kernel code in it, and a line that says which tree or why not. */
bool bouncer_kernel_available(void);
const char *bouncer_kernel_status(void);

/* Boots a guest: resets the arena (all pages private, zero, free) and the kernel's state, then
 * runs the x86 boot order: swiotlb's command line, pci_swiotlb_detect + swiotlb_init,
 * mem_encrypt_init (swiotlb_update_mem_attributes). 0, or a negative errno. */
int bouncer_kernel_boot(const struct bouncer_kernel_platform *platform);

/* The host fails the next set_memory_{de,en}crypted call after `pages` of its pages convert,
 * at its last page at the latest (-1: never), as BouncerModel's ConversionFault. One failure,
 * then conversions succeed again. */
void bouncer_kernel_fail_conversion_after(int64_t pages);

/* What the driver's mask set-up left: what dma_set_mask (then, if it succeeded,
 * dma_set_coherent_mask) returned, and the masks the device has after it. */
struct bouncer_kernel_probe {
	int32_t set_mask_result;
	uint64_t dma_mask;
	uint64_t coherent_dma_mask;
};

/* device_initialize + swiotlb_dev_init with the bus's default masks (32 bits, as PCI and
 * platform devices get), then the driver's dma_set_mask and dma_set_coherent_mask. The device
 * exists whether or not its mask was accepted: returns its index, or a negative errno when no
 * device could be added; `probe` (may be NULL) says what the mask set-up did. */
int bouncer_kernel_add_device(const struct bouncer_kernel_device *device, struct bouncer_kernel_probe *probe);

/* The driver's dma_set_seg_boundary(): the device's dma_parms->segment_boundary_mask, which
 * swiotlb's slot search reads (0: ULONG_MAX). */
void bouncer_kernel_set_seg_boundary(int device, uint64_t mask);
/* The scheduler moves the driver's task to `cpu` (raw_smp_processor_id() from now on); -EINVAL,
 * and nothing moves, for a CPU that is not possible. */
int bouncer_kernel_migrate_to_cpu(int cpu);

/* Streaming DMA through mapping.c's entry points when compiled, else dma-direct's. */
uint64_t bouncer_kernel_map_single(int device, uint64_t phys, uint64_t size, int dir, unsigned long attrs);
void bouncer_kernel_unmap_single(int device, uint64_t dma, uint64_t size, int dir, unsigned long attrs);
void bouncer_kernel_sync_single_for_cpu(int device, uint64_t dma, uint64_t size, int dir);
void bouncer_kernel_sync_single_for_device(int device, uint64_t dma, uint64_t size, int dir);

/* dma_map_sg_attrs / dma_unmap_sg_attrs over up to BOUNCER_KERNEL_MAX_SG segments given as
 * (phys, length): each segment's DMA address and length come back in dma/dma_length; the
 * result is what dma_map_sg_attrs returns (0: failed). Unmap takes the segments as mapped. */
#define BOUNCER_KERNEL_MAX_SG 64u
int bouncer_kernel_map_sg(int device, const uint64_t *phys, const uint32_t *length, int nents, int dir,
	unsigned long attrs, uint64_t *dma, uint32_t *dma_length);
void bouncer_kernel_unmap_sg(int device, const uint64_t *phys, const uint32_t *length, const uint64_t *dma,
	const uint32_t *dma_length, int nents, int dir, unsigned long attrs);

/* A driver's buffer: whole pages from the page allocator (zone 0-2 as the highest allowed). */
uint64_t bouncer_kernel_alloc_buffer(uint32_t pages, uint32_t highest_zone);
void bouncer_kernel_free_buffer(uint64_t phys, uint32_t pages);

/* dma_alloc_attrs / dma_free_attrs: the CPU address's physical address and the DMA handle, or
 * false. `atomic`: GFP_ATOMIC (a caller that cannot sleep), else GFP_KERNEL. */
bool bouncer_kernel_alloc_coherent(int device, uint64_t size, bool atomic, uint64_t *phys, uint64_t *dma);
void bouncer_kernel_free_coherent(int device, uint64_t size, uint64_t phys, uint64_t dma);

/* Runs the work schedule_work queued (the atomic pools' expansion); how many items ran. */
int bouncer_kernel_run_work(void);

/* CPU access to guest memory by physical address (not recorded as kernel copies). false when
 * the range is not RAM. */
bool bouncer_kernel_read(uint64_t phys, void *out, uint64_t len);
bool bouncer_kernel_write(uint64_t phys, const void *in, uint64_t len);
/* A device writes or reads through a DMA address: the shim translates it the way the host
 * sees it (dma_range_map and the encryption bits stripped). */
bool bouncer_kernel_device_write(int device, uint64_t dma, const void *in, uint64_t len);
bool bouncer_kernel_device_read(int device, uint64_t dma, void *out, uint64_t len);

int bouncer_kernel_page_state(uint64_t phys);
/* Whether the page allocator owns the page (free) or someone holds it. */
bool bouncer_kernel_page_free(uint64_t phys);

/* The default swiotlb pool: start, end (exclusive), slots. false before boot made one. */
bool bouncer_kernel_swiotlb_default_pool(uint64_t *start, uint64_t *end, uint64_t *nslabs, bool *force_bounce);
/* The default pool's areas: how many (limit_nareas() of default_nareas, which the shim's one
 * possible CPU makes 1) and the slots of each. false before boot made one. */
bool bouncer_kernel_swiotlb_default_areas(uint32_t *nareas, uint64_t *area_nslabs);

/* Every page's state (enum bouncer_kernel_page_state) and whether someone holds it (1) or the
 * page allocator has it (0), BOUNCER_KERNEL_PAGE_COUNT entries each, in arena page order. */
void bouncer_kernel_page_table(uint8_t *state, uint8_t *held);

/* A booted guest kept and brought back, so a fuzz target runs each input from the same state
 * without booting again: the kernel files' and the shim's writable static state (two linker
 * sections), the heap blocks it points to, and the arena pages written since (tracked per page).
 * Save after boot and device set-up; restore is valid until the next boot. false: nothing saved
 * (or a build without kernel code). */
bool bouncer_kernel_snapshot_save(void);
bool bouncer_kernel_snapshot_restore(void);
/* Arena pages written since the last save or restore: one bit per page, in
 * (BOUNCER_KERNEL_PAGE_COUNT + 63) / 64 words. */
void bouncer_kernel_dirty_pages(uint64_t *bits);

/* The event record since boot or the last clear. */
const struct bouncer_kernel_event *bouncer_kernel_events(size_t *count);
/* Events dropped because the record was full. */
size_t bouncer_kernel_events_dropped(void);
void bouncer_kernel_clear_events(void);

#ifdef __cplusplus
}
#endif

#endif
