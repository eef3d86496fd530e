/* A booted guest saved once and restored per fuzz input (bouncer_kernel_snapshot_*): booting
 * costs about 150 us, restoring only what changed costs a few. What a booted guest is: the
 * writable static state of the kernel files and of the shim (the sections bouncer_state_begin.h
 * opens), the heap blocks that state points to (allocated at boot, never after with
 * CONFIG_SWIOTLB_DYNAMIC off), and the arena, of which only pages written since the save are
 * copied back (every write to the arena goes through bouncer_arena_touch first). */
#ifdef BOUNCER_KERNEL_TREE
#include "bouncer_shim.h"
#include "arena.h"

#undef memcpy
#undef memset

extern char __start_bouncer_kdata[], __stop_bouncer_kdata[];
extern char __start_bouncer_kbss[], __stop_bouncer_kbss[];

#define BOUNCER_SNAPSHOT_BLOCKS 8
#define BOUNCER_DIRTY_WORDS ((BOUNCER_KERNEL_PAGE_COUNT + 63) / 64)

static struct {
	bool valid;
	char *data, *bss;
	size_t data_size, bss_size;
	int blocks;
	void *block[BOUNCER_SNAPSHOT_BLOCKS];
	size_t block_size[BOUNCER_SNAPSHOT_BLOCKS];
	void *block_copy[BOUNCER_SNAPSHOT_BLOCKS];
	uint8_t *arena;
} saved;

/* Arena pages written since the last save or restore. */
static uint64_t dirty[BOUNCER_DIRTY_WORDS];

void bouncer_arena_touch(const void *dst, size_t len)
{
	if (!len || !bouncer_in_arena(dst))
		return;
	size_t first = (size_t)((const uint8_t *)dst - bouncer_arena) >> PAGE_SHIFT;
	size_t last = ((size_t)((const uint8_t *)dst - bouncer_arena) + len - 1) >> PAGE_SHIFT;
	if (last >= BOUNCER_KERNEL_PAGE_COUNT)
		last = BOUNCER_KERNEL_PAGE_COUNT - 1;
	for (size_t p = first; p <= last; p++)
		dirty[p >> 6] |= 1ULL << (p & 63);
}

void bouncer_kernel_dirty_pages(uint64_t *bits)
{
	memcpy(bits, dirty, sizeof(dirty));
}

static void release(void)
{
	free(saved.data);
	free(saved.bss);
	for (int i = 0; i < saved.blocks; i++)
		free(saved.block_copy[i]);
	free(saved.arena);
	memset(&saved, 0, sizeof(saved));
}

void bouncer_snapshot_forget(void) { release(); }

bool bouncer_kernel_snapshot_save(void)
{
	release();
	saved.data_size = (size_t)(__stop_bouncer_kdata - __start_bouncer_kdata);
	saved.bss_size = (size_t)(__stop_bouncer_kbss - __start_bouncer_kbss);
	saved.data = malloc(saved.data_size ? saved.data_size : 1);
	saved.bss = malloc(saved.bss_size ? saved.bss_size : 1);
	saved.arena = malloc(sizeof(bouncer_arena));
	if (!saved.data || !saved.bss || !saved.arena) {
		release();
		return false;
	}
	memcpy(saved.data, __start_bouncer_kdata, saved.data_size);
	memcpy(saved.bss, __start_bouncer_kbss, saved.bss_size);
	memcpy(saved.arena, bouncer_arena, sizeof(bouncer_arena));
	saved.blocks = bouncer_swiotlb_heap(saved.block, saved.block_size, BOUNCER_SNAPSHOT_BLOCKS);
	saved.blocks += bouncer_pool_heap(saved.block + saved.blocks, saved.block_size + saved.blocks,
		BOUNCER_SNAPSHOT_BLOCKS - saved.blocks);
	for (int i = 0; i < saved.blocks; i++) {
		saved.block_copy[i] = malloc(saved.block_size[i]);
		if (!saved.block_copy[i]) {
			release();
			return false;
		}
		memcpy(saved.block_copy[i], saved.block[i], saved.block_size[i]);
	}
	memset(dirty, 0, sizeof(dirty));
	saved.valid = true;
	return true;
}

bool bouncer_kernel_snapshot_restore(void)
{
	if (!saved.valid)
		return false;
	memcpy(__start_bouncer_kdata, saved.data, saved.data_size);
	memcpy(__start_bouncer_kbss, saved.bss, saved.bss_size);
	for (int i = 0; i < saved.blocks; i++)
		memcpy(saved.block[i], saved.block_copy[i], saved.block_size[i]);
	for (unsigned w = 0; w < BOUNCER_DIRTY_WORDS; w++) {
		for (uint64_t bits = dirty[w]; bits; bits &= bits - 1) {
			size_t page = (size_t)w * 64 + (size_t)__builtin_ctzll(bits);
			memcpy(bouncer_arena + (page << PAGE_SHIFT), saved.arena + (page << PAGE_SHIFT), PAGE_SIZE);
		}
	}
	memset(dirty, 0, sizeof(dirty));
	bouncer_kernel_clear_events();
	return true;
}
#endif
