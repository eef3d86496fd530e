/* The platform side of the arena: x86 memory encryption with the platform's semantics, the
 * instrumented copies, warnings, BUGs, queued work, and CPU access to guest memory. */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "arena.h"
#include <stdio.h>

#undef memcpy
#undef memset

/* ---- memory encryption: arch/x86/mm/pat/set_memory.c __set_memory_enc_dec ---- */

bool cc_platform_has(enum cc_attr attr)
{
	switch (attr) {
	case CC_ATTR_MEM_ENCRYPT:
	case CC_ATTR_GUEST_MEM_ENCRYPT:
		return bouncer_platform.guest_mem_encrypt;
	default:
		return false;
	}
}

/* arch/x86/mm/mem_encrypt.c: every DMA of an encrypted guest goes to unencrypted addresses. */
bool force_dma_unencrypted(struct device *dev) { return cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT); }

void bouncer_kernel_fail_conversion_after(int64_t count) { bouncer_conversion_budget = count; }

/* Converts page by page; the host fails the conversion when the budget runs out, leaving the
 * page it failed on in an unknown state (the VMM's enc_status_change_finish returned an error
 * and the caller cannot tell what the host did), and the arch code WARNs and returns -EIO. */
static int set_memory_enc_dec(unsigned long addr, int numpages, bool enc)
{
	uint32_t kind = enc ? BOUNCER_KERNEL_EV_ENCRYPT : BOUNCER_KERNEL_EV_DECRYPT;
	const void *virt = (const void *)addr;
	int converted = 0;

	if (!cc_platform_has(CC_ATTR_MEM_ENCRYPT))
		return 0;
	if (!bouncer_in_arena(virt) || (addr & ~PAGE_MASK))
		bouncer_bug(__FILE__, __LINE__, "set_memory_{en,de}crypted outside guest memory or unaligned");
	unsigned first = (unsigned)(((const uint8_t *)virt - bouncer_arena) >> PAGE_SHIFT);
	if (numpages < 0 || first + (unsigned)numpages > BOUNCER_KERNEL_PAGE_COUNT)
		bouncer_bug(__FILE__, __LINE__, "set_memory_{en,de}crypted past the end of guest memory");
	/* The host fails this call: after the pages it allows, but never past the call's last page
	 * (BouncerModel's ConversionFault does the same). */
	if (bouncer_conversion_budget >= numpages && numpages > 0)
		bouncer_conversion_budget = numpages - 1;
	for (; converted < numpages; converted++) {
		unsigned p = first + (unsigned)converted;
		if (bouncer_conversion_budget == 0) {
			bouncer_conversion_budget = -1;
			bouncer_page_state[p] = BOUNCER_KERNEL_PAGE_UNKNOWN;
			/* Whichever way the host left it, the page reads as zeros unless the platform
			 * converts in place (BouncerModel zeroes a failed page the same way). */
			if (!bouncer_platform.conversion_keeps_contents) {
				bouncer_arena_touch(bouncer_arena + ((size_t)p << PAGE_SHIFT), PAGE_SIZE);
				memset(bouncer_arena + ((size_t)p << PAGE_SHIFT), 0, PAGE_SIZE);
			}
			bouncer_warn(__FILE__, __LINE__, "CPA VMM failure to convert memory");
			bouncer_record(kind, -EIO, bouncer_phys_of_page(first), (u64)numpages, (u64)converted, NULL);
			return -EIO;
		}
		if (bouncer_conversion_budget > 0)
			bouncer_conversion_budget--;
		bouncer_page_state[p] = enc ? BOUNCER_KERNEL_PAGE_PRIVATE : BOUNCER_KERNEL_PAGE_SHARED;
		if (!bouncer_platform.conversion_keeps_contents) {
			bouncer_arena_touch(bouncer_arena + ((size_t)p << PAGE_SHIFT), PAGE_SIZE);
			memset(bouncer_arena + ((size_t)p << PAGE_SHIFT), 0, PAGE_SIZE);
		}
	}
	bouncer_record(kind, 0, bouncer_phys_of_page(first), (u64)numpages, (u64)converted, NULL);
	return 0;
}

int set_memory_decrypted(unsigned long addr, int numpages) { return set_memory_enc_dec(addr, numpages, false); }
int set_memory_encrypted(unsigned long addr, int numpages) { return set_memory_enc_dec(addr, numpages, true); }

/* ---- copies, warnings, BUGs, work ---- */

void *bouncer_memcpy(void *dst, const void *src, size_t len)
{
	if (len && (bouncer_in_arena(dst) || bouncer_in_arena(src)))
		bouncer_record(BOUNCER_KERNEL_EV_COPY, 0, bouncer_in_arena(dst) ? bouncer_phys_of_virt(dst) : ~0ULL,
			bouncer_in_arena(src) ? bouncer_phys_of_virt(src) : ~0ULL, len, NULL);
	bouncer_arena_touch(dst, len);
	return memcpy(dst, src, len);
}

void *bouncer_memset(void *dst, int byte, size_t len)
{
	if (len && bouncer_in_arena(dst))
		bouncer_record(BOUNCER_KERNEL_EV_FILL, 0, bouncer_phys_of_virt(dst), (u8)byte, len, NULL);
	bouncer_arena_touch(dst, len);
	return memset(dst, byte, len);
}

void bouncer_warn(const char *file, int line, const char *what)
{
	bouncer_record(BOUNCER_KERNEL_EV_WARN, 0, (u64)line, 0, 0, what);
}

_Noreturn void bouncer_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "bouncer: kernel BUG at %s:%d: %s\n", file, line, what);
	abort();
}

/* schedule_work: queued once until it runs, as a work item that is already pending is not
 * queued again. */
#include "bouncer_state_begin.h"
static struct work_struct *pending_work[8];
static unsigned pending_count;
#include "bouncer_state_end.h"

bool bouncer_schedule_work(struct work_struct *work)
{
	for (unsigned i = 0; i < pending_count; i++)
		if (pending_work[i] == work)
			return false;
	if (pending_count == ARRAY_SIZE(pending_work))
		bouncer_bug(__FILE__, __LINE__, "more pending work items than the shim holds");
	pending_work[pending_count++] = work;
	bouncer_record(BOUNCER_KERNEL_EV_WORK_QUEUED, 0, (u64)(uintptr_t)work, 0, 0, NULL);
	return true;
}

int bouncer_kernel_run_work(void)
{
	int ran = 0;
	while (pending_count) {
		struct work_struct *work = pending_work[0];
		memmove(pending_work, pending_work + 1, --pending_count * sizeof(pending_work[0]));
		work->func(work);
		ran++;
	}
	return ran;
}

void bouncer_work_reset(void) { pending_count = 0; }

/* ---- CPU and device access ---- */

bool bouncer_kernel_read(uint64_t phys, void *out, uint64_t len)
{
	if (!bouncer_phys_range_valid(phys, len))
		return false;
	memcpy(out, bouncer_phys_to_virt(phys), len);
	return true;
}

bool bouncer_kernel_write(uint64_t phys, const void *in, uint64_t len)
{
	if (!bouncer_phys_range_valid(phys, len))
		return false;
	bouncer_arena_touch(bouncer_phys_to_virt(phys), len);
	memcpy(bouncer_phys_to_virt(phys), in, len);
	return true;
}
#endif
