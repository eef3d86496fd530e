/* Guest physical memory for the real kernel/dma: one arena with BouncerModel's layout, its
 * address translations, the page allocator over it, and the event record (platform.c has the
 * encryption calls and copies). */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "arena.h"
#include <stdio.h>

#undef memcpy
#undef memset

static const phys_addr_t zone_base[BOUNCER_KERNEL_ZONES] = { 0x100000, 0x40000000, 0x100000000ULL };
static const unsigned zone_pages[BOUNCER_KERNEL_ZONES] = { 32, 160, 128 };
static const unsigned zone_first[BOUNCER_KERNEL_ZONES] = { 0, 32, 192 };

uint8_t bouncer_arena[BOUNCER_KERNEL_PAGE_COUNT * BOUNCER_KERNEL_PAGE_SIZE] __attribute__((aligned(4096)));
#include "bouncer_state_begin.h"
static struct page pages[BOUNCER_KERNEL_PAGE_COUNT];
static bool page_used[BOUNCER_KERNEL_PAGE_COUNT];
uint8_t bouncer_page_state[BOUNCER_KERNEL_PAGE_COUNT];

struct bouncer_kernel_platform bouncer_platform;
int bouncer_current_device = -1;
int64_t bouncer_conversion_budget = -1;
unsigned int bouncer_possible_cpus = 1;
int bouncer_cpu;
#include "bouncer_state_end.h"

static struct bouncer_kernel_event events[BOUNCER_KERNEL_MAX_EVENTS];
static size_t event_count, events_dropped;

/* x86-64 memory layout globals that dma-direct and swiotlb read (arch/x86/mm/init.c). */
unsigned long max_pfn = (0x100000000ULL >> PAGE_SHIFT) + 128;
unsigned long min_low_pfn;
unsigned long max_low_pfn = MAX_DMA32_PFN;
void *high_memory = bouncer_arena + sizeof(bouncer_arena);
u64 sme_me_mask;

void bouncer_record(uint32_t kind, int32_t result, uint64_t a, uint64_t b, uint64_t c, const char *what)
{
	if (event_count == BOUNCER_KERNEL_MAX_EVENTS) {
		events_dropped++;
		return;
	}
	events[event_count++] = (struct bouncer_kernel_event){
		.kind = kind, .device = bouncer_current_device, .result = result, .a = a, .b = b, .c = c, .what = what,
	};
}

const struct bouncer_kernel_event *bouncer_kernel_events(size_t *count)
{
	*count = event_count;
	return events;
}

size_t bouncer_kernel_events_dropped(void) { return events_dropped; }

void bouncer_kernel_clear_events(void)
{
	event_count = 0;
	events_dropped = 0;
}

void bouncer_arena_reset(const struct bouncer_kernel_platform *platform)
{
	memset(bouncer_arena, 0, sizeof(bouncer_arena));
	memset(pages, 0, sizeof(pages));
	memset(page_used, 0, sizeof(page_used));
	memset(bouncer_page_state, BOUNCER_KERNEL_PAGE_PRIVATE, sizeof(bouncer_page_state));
	bouncer_platform = *platform;
	sme_me_mask = platform->sme_me_mask;
	bouncer_conversion_budget = -1;
	bouncer_current_device = -1;
	bouncer_possible_cpus = platform->possible_cpus ? platform->possible_cpus : 1;
	bouncer_cpu = 0;
	bouncer_kernel_clear_events();
}

/* ---- addresses ---- */

/* The arena page of a physical address, or -1 outside RAM. */
int bouncer_page_of_phys(phys_addr_t phys)
{
	for (unsigned z = 0; z < BOUNCER_KERNEL_ZONES; z++)
		if (phys >= zone_base[z] && phys - zone_base[z] < (phys_addr_t)zone_pages[z] << PAGE_SHIFT)
			return (int)(zone_first[z] + ((phys - zone_base[z]) >> PAGE_SHIFT));
	return -1;
}

phys_addr_t bouncer_phys_of_page(unsigned page)
{
	unsigned z = page < zone_first[1] ? 0 : page < zone_first[2] ? 1 : 2;
	return zone_base[z] + ((phys_addr_t)(page - zone_first[z]) << PAGE_SHIFT);
}

/* Whether [phys, phys + len) is RAM: the bouncer_arena is not contiguous across zones. */
bool bouncer_phys_range_valid(phys_addr_t phys, u64 len)
{
	int first = bouncer_page_of_phys(phys);
	if (first < 0 || len == 0)
		return first >= 0;
	int last = bouncer_page_of_phys(phys + len - 1);
	return last >= first && bouncer_phys_of_page(last) - bouncer_phys_of_page(first) == (phys_addr_t)(last - first) << PAGE_SHIFT;
}

bool bouncer_in_arena(const void *p) { return (const uint8_t *)p >= bouncer_arena && (const uint8_t *)p < bouncer_arena + sizeof(bouncer_arena); }

phys_addr_t bouncer_phys_of_virt(const void *virt)
{
	size_t offset = (size_t)((const uint8_t *)virt - bouncer_arena);
	return bouncer_phys_of_page((unsigned)(offset >> PAGE_SHIFT)) + (offset & (PAGE_SIZE - 1));
}

void *bouncer_phys_to_virt(phys_addr_t phys)
{
	int page = bouncer_page_of_phys(phys);
	if (page < 0)
		bouncer_bug(__FILE__, __LINE__, "phys_to_virt of an address that is not RAM");
	return bouncer_arena + ((size_t)page << PAGE_SHIFT) + (phys & (PAGE_SIZE - 1));
}

phys_addr_t bouncer_virt_to_phys(const void *virt)
{
	if (!bouncer_in_arena(virt))
		bouncer_bug(__FILE__, __LINE__, "virt_to_phys of an address outside guest memory");
	return bouncer_phys_of_virt(virt);
}

bool bouncer_virt_addr_valid(const void *virt) { return bouncer_in_arena(virt); }

struct page *bouncer_pfn_to_page(unsigned long pfn)
{
	int page = bouncer_page_of_phys(PFN_PHYS(pfn));
	return page < 0 ? NULL : &pages[page];
}

unsigned long bouncer_page_to_pfn(const struct page *page)
{
	if (page < pages || page >= pages + BOUNCER_KERNEL_PAGE_COUNT)
		bouncer_bug(__FILE__, __LINE__, "page_to_pfn of a page outside the memory map");
	return PHYS_PFN(bouncer_phys_of_page((unsigned)(page - pages)));
}

/* ---- the page allocator ---- */

/* First fit for `count` free pages from the highest allowed zone down, as BouncerModel's
 * GuestMemory.findFreePages and a zonelist fall back. */
static int find_free(unsigned count, unsigned highest)
{
	for (int z = (int)highest; z >= 0; z--) {
		unsigned run = 0, end = zone_first[z] + zone_pages[z];
		for (unsigned p = zone_first[z]; p < end; p++) {
			run = page_used[p] ? 0 : run + 1;
			if (run == count)
				return (int)(p - count + 1);
		}
	}
	return -1;
}

static struct page *take_pages(unsigned count, unsigned highest, bool zero)
{
	int first = find_free(count, highest);
	if (first < 0)
		return NULL;
	for (unsigned p = (unsigned)first; p < (unsigned)first + count; p++)
		page_used[p] = true;
	if (zero) {
		bouncer_arena_touch(bouncer_arena + ((size_t)first << PAGE_SHIFT), (size_t)count << PAGE_SHIFT);
		memset(bouncer_arena + ((size_t)first << PAGE_SHIFT), 0, (size_t)count << PAGE_SHIFT);
	}
	bouncer_record(BOUNCER_KERNEL_EV_PAGES_ALLOC, 0, bouncer_phys_of_page((unsigned)first), count, highest, NULL);
	return &pages[first];
}

/* gfp_zone() on x86-64: __GFP_DMA, __GFP_DMA32, else ZONE_NORMAL. */
static unsigned gfp_highest_zone(gfp_t gfp)
{
	return (gfp & __GFP_DMA) ? 0 : (gfp & __GFP_DMA32) ? 1 : 2;
}

struct page *bouncer_alloc_pages(gfp_t gfp, unsigned int order)
{
	return take_pages(1u << order, gfp_highest_zone(gfp), gfp & __GFP_ZERO);
}

void bouncer_free_pages(struct page *page, unsigned int order)
{
	unsigned first = (unsigned)(page - pages), count = 1u << order;
	if (page < pages || first + count > BOUNCER_KERNEL_PAGE_COUNT)
		bouncer_bug(__FILE__, __LINE__, "free_pages of pages outside the memory map");
	for (unsigned p = first; p < first + count; p++) {
		if (!page_used[p])
			bouncer_bug(__FILE__, __LINE__, "free_pages of a free page");
		page_used[p] = false;
	}
	bouncer_record(BOUNCER_KERNEL_EV_PAGES_FREE, 0, bouncer_phys_of_page(first), count, 0, NULL);
}

void *bouncer_memblock_alloc_low(phys_addr_t size, phys_addr_t align)
{
	struct page *page = take_pages((unsigned)(PAGE_ALIGN(size) >> PAGE_SHIFT), 1, true);
	return page ? page_address(page) : NULL;
}

phys_addr_t bouncer_memblock_phys_mem_size(void) { return sizeof(bouncer_arena); }

uint64_t bouncer_kernel_alloc_buffer(uint32_t count, uint32_t highest_zone)
{
	struct page *page = count ? take_pages(count, highest_zone < 3 ? highest_zone : 2, false) : NULL;
	return page ? page_to_phys(page) : BOUNCER_KERNEL_DMA_MAPPING_ERROR;
}

void bouncer_kernel_free_buffer(uint64_t phys, uint32_t count)
{
	int first = bouncer_page_of_phys(phys);
	if (first < 0 || count == 0)
		return;
	for (unsigned p = (unsigned)first; p < (unsigned)first + count && p < BOUNCER_KERNEL_PAGE_COUNT; p++)
		page_used[p] = false;
	bouncer_record(BOUNCER_KERNEL_EV_PAGES_FREE, 0, bouncer_phys_of_page((unsigned)first), count, 0, NULL);
}

bool bouncer_kernel_page_free(uint64_t phys)
{
	int page = bouncer_page_of_phys(phys);
	return page >= 0 && !page_used[page];
}

void bouncer_kernel_page_table(uint8_t *state, uint8_t *held)
{
	for (unsigned p = 0; p < BOUNCER_KERNEL_PAGE_COUNT; p++) {
		state[p] = bouncer_page_state[p];
		held[p] = page_used[p];
	}
}

int bouncer_kernel_page_state(uint64_t phys)
{
	int page = bouncer_page_of_phys(phys);
	return page < 0 ? -1 : bouncer_page_state[page];
}

#endif
