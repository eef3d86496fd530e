/* The kernel APIs kernel/dma calls, for a userspace build against one arena of guest memory.
 * Every linux/ and asm/ header kernel/dma includes is a stub in shim/ that includes this file;
 * only the DMA headers (linux/swiotlb.h, dma-direct.h, dma-map-ops.h, dma-mapping.h,
 * dma-direction.h, iommu-helper.h) and kernel/dma itself come from the kernel tree. Written for
 * Bouncer, in the manner of the kernel's tools/testing/vma/vma_internal.h; no kernel text.
 */
#ifndef BOUNCER_SHIM_H
#define BOUNCER_SHIM_H

#include "bouncer_config.h"
#include "CKernelDMA.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <ctype.h>
#include <stdlib.h>

/* ---- compiler and kconfig helpers ---- */
#define __init
#define __initdata
#define __ro_after_init
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __must_check
#define __maybe_unused __attribute__((unused))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __force
#define __iomem
#define __rcu
#define __user
#define __bitwise
#define noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_mb() __sync_synchronize()
#define smp_rmb() __sync_synchronize()
#define smp_wmb() __sync_synchronize()
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define __func__ __func__
#define fallthrough __attribute__((fallthrough))

/* IS_ENABLED(CONFIG_X): 1 when CONFIG_X is defined as 1, else 0 (the usual placeholder trick). */
#define bouncer_placeholder_1 0,
#define bouncer_second(ignored, value, ...) value
#define bouncer_is_one_(junk_or_comma) bouncer_second(junk_or_comma 1, 0, 0)
#define bouncer_is_one(value) bouncer_is_one_(bouncer_placeholder_##value)
#define IS_ENABLED(option) bouncer_is_one(option)
#define IS_BUILTIN(option) IS_ENABLED(option)

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
/* Boot-time hooks are called by the shim's boot, in kernel order, not from an initcall table. */
#define early_param(name, fn)
#define core_initcall(fn)
#define postcore_initcall(fn)
#define arch_initcall(fn)
#define subsys_initcall(fn)
#define fs_initcall(fn)
#define device_initcall(fn)
#define late_initcall(fn)

/* ---- types ---- */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef u64 resource_size_t;
typedef unsigned int gfp_t;
typedef unsigned int fmode_t;
typedef long ssize_t;
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { int unused; } spinlock_t;
typedef struct { unsigned long pgprot; } pgprot_t;

struct list_head { struct list_head *next, *prev; };
struct rcu_head { void *unused; };
struct work_struct { void (*func)(struct work_struct *); };
struct delayed_work { struct work_struct work; };
struct dentry;
struct file_operations { int unused; };
struct vm_area_struct;
struct cma;
struct kref { atomic_t refcount; };

/* ---- errors, limits, arithmetic ---- */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EINVAL 22
#define ENOSPC 28
#define ENOSYS 38
#define EOPNOTSUPP 95
#define EREMOTEIO 121
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

#define U8_MAX ((u8)~0U)
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))
#define BITS_PER_LONG 64
#define BITS_PER_LONG_LONG 64
#define SZ_1K 0x400
#define SZ_4K 0x1000
#define SZ_64K 0x10000
#define SZ_128K 0x20000
#define SZ_256K 0x40000
#define SZ_1M 0x100000
#define SZ_4M 0x400000
#define SZ_1G 0x40000000

#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b) ({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define min_not_zero(a, b) ({ __typeof__(a) _x = (a); __typeof__(b) _y = (b); \
	_x == 0 ? _y : (_y == 0 ? _x : min(_x, _y)); })
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define clamp_val(v, lo, hi) clamp(v, (__typeof__(v))(lo), (__typeof__(v))(hi))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y) ((x) & ~((__typeof__(x))((y) - 1)))
#define roundup(x, y) ((((x) + ((y) - 1)) / (y)) * (y))
#define array_size(a, b) ((size_t)(a) * (size_t)(b))
#define struct_size(p, member, n) (sizeof(*(p)) + array_size(sizeof(*(p)->member), (n)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK_ULL(h, l) ((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define swap(a, b) do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)

static inline bool is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
static inline int ilog2(u64 n) { return 63 - __builtin_clzll(n); }
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (64 - __builtin_clzl(n - 1));
}
static inline unsigned long rounddown_pow_of_two(unsigned long n) { return 1UL << ilog2(n); }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline unsigned long __ffs64(u64 w) { return __builtin_ctzll(w); }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline unsigned long simple_strtoul(const char *s, char **end, unsigned int base)
{
	return strtoul(s, end, base);
}

/* ---- atomics, locks, RCU, work: one CPU, no preemption ---- */
#define ATOMIC_INIT(i) { (i) }
static inline long atomic_long_read(const atomic_long_t *v) { return v->counter; }
static inline void atomic_long_set(atomic_long_t *v, long i) { v->counter = i; }
static inline void atomic_long_add(long i, atomic_long_t *v) { v->counter += i; }
static inline void atomic_long_sub(long i, atomic_long_t *v) { v->counter -= i; }
static inline long atomic_long_add_return(long i, atomic_long_t *v) { return v->counter += i; }
static inline bool atomic_long_try_cmpxchg(atomic_long_t *v, long *old, long new_value)
{
	if (v->counter == *old) { v->counter = new_value; return true; }
	*old = v->counter;
	return false;
}
static inline int atomic_read(const atomic_t *v) { return v->counter; }
static inline void atomic_set(atomic_t *v, int i) { v->counter = i; }

#define __SPIN_LOCK_UNLOCKED(name) { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
#define spin_lock_init(l) ((void)(l))
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define spin_lock_irqsave(l, flags) ((void)(l), (flags) = 0)
#define spin_unlock_irqrestore(l, flags) ((void)(l), (void)(flags))
#define local_irq_save(flags) ((flags) = 0)
#define local_irq_restore(flags) ((void)(flags))
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define might_sleep() do { } while (0)
#define might_sleep_if(c) do { } while (0)
#define cond_resched() do { } while (0)
/* The boot's possible CPUs and the CPU the driver's task runs on now (bouncer_kernel_migrate_to_cpu). */
extern unsigned int bouncer_possible_cpus;
extern int bouncer_cpu;
#define num_possible_cpus() bouncer_possible_cpus
#define raw_smp_processor_id() bouncer_cpu
#define smp_processor_id() bouncer_cpu
#define in_interrupt() 0
#define irqs_disabled() 0
#define NUMA_NO_NODE (-1)
#define dev_to_node(dev) NUMA_NO_NODE

#define LIST_HEAD_INIT(name) { &(name), &(name) }
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }

#define INIT_WORK(w, f) ((w)->func = (f))
#define __WORK_INITIALIZER(n, f) { (f) }
#define DECLARE_WORK(n, f) struct work_struct n = __WORK_INITIALIZER(n, f)
/* Work runs when the driver of the shim says so (bouncer_kernel_run_work), as a later step. */
bool bouncer_schedule_work(struct work_struct *work);
#define schedule_work(w) bouncer_schedule_work(w)

/* ---- printk, WARN, BUG: printing is a no-op; warnings and BUGs are recorded events ---- */
#define bouncer_noprint(...) do { } while (0)
#define pr_info(...) bouncer_noprint(__VA_ARGS__)
#define pr_warn(...) bouncer_noprint(__VA_ARGS__)
#define pr_err(...) bouncer_noprint(__VA_ARGS__)
#define pr_debug(...) bouncer_noprint(__VA_ARGS__)
#define pr_notice(...) bouncer_noprint(__VA_ARGS__)
#define pr_warn_once(...) bouncer_noprint(__VA_ARGS__)
#define pr_warn_ratelimited(...) bouncer_noprint(__VA_ARGS__)
#define pr_err_ratelimited(...) bouncer_noprint(__VA_ARGS__)
#define pr_info_ratelimited(...) bouncer_noprint(__VA_ARGS__)
#define printk(...) bouncer_noprint(__VA_ARGS__)
#define dev_info(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_warn(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_err(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_dbg(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_warn_once(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_warn_ratelimited(dev, ...) bouncer_noprint(__VA_ARGS__)
#define dev_err_ratelimited(dev, ...) bouncer_noprint(__VA_ARGS__)

void bouncer_warn(const char *file, int line, const char *what);
_Noreturn void bouncer_bug(const char *file, int line, const char *what);
#define WARN(cond, ...) ({ bool _c = !!(cond); if (unlikely(_c)) bouncer_warn(__FILE__, __LINE__, #cond); _c; })
#define WARN_ON(cond) WARN(cond, "")
#define WARN_ON_ONCE(cond) WARN(cond, "")
#define WARN_ONCE(cond, ...) WARN(cond, "")
#define dev_WARN_ONCE(dev, cond, fmt, ...) \
	({ bool _c = !!(cond); if (unlikely(_c)) bouncer_warn(__FILE__, __LINE__, fmt); _c; })
#define BUG() bouncer_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond) do { if (unlikely(cond)) bouncer_bug(__FILE__, __LINE__, #cond); } while (0)
#define VM_BUG_ON(cond) BUG_ON(cond)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

/* ---- debugfs, tracepoints, KMSAN: no-ops ---- */
#define DEFINE_DEBUGFS_ATTRIBUTE(name, get, set, fmt) \
	static const struct file_operations name __maybe_unused = { 0 }
static inline struct dentry *debugfs_create_dir(const char *name, struct dentry *parent) { return NULL; }
static inline void debugfs_create_ulong(const char *n, int mode, struct dentry *d, unsigned long *v) { }
static inline struct dentry *debugfs_create_file(const char *n, int mode, struct dentry *d, void *data,
	const struct file_operations *fops) { return NULL; }
#define kmsan_unpoison_memory(addr, size) do { } while (0)
#define kmsan_handle_dma(...) do { } while (0)
#define trace_swiotlb_bounced(dev, dma, size) do { (void)(dev); (void)(dma); (void)(size); } while (0)

#include "bouncer_shim_mm.h"
#include "bouncer_shim_more.h"

#endif
