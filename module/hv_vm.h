/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HV_VM_H
#define HV_VM_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include "../uapi/linux/hv.h"
#include "hv_coalesced.h"
#include "hv_eventfd.h"

struct hv_vcpu;

/*
 * A slot as the published set (struct hv_memslots) holds it.  The fields
 * never change once published; @dirty_bitmap is the one shared between the
 * copies of the set: allocated when HV_MEM_LOG_DIRTY turns on, freed when it
 * turns off or the slot goes, one grace period after a set without it was
 * published (lockless hv_write_gpa() may still hold the old set).
 */
struct hv_memslot {
	u64 gpa;
	u64 size;			/* 0: slot unused */
	u64 hva;
	u32 flags;			/* HV_MEM_* */
	/*
	 * HV_MEM_LOG_DIRTY only, else NULL: 2 * hv_memslot_dirty_words(size)
	 * words.  The first half is the live log, one bit per page: set with
	 * set_bit() by a write fault (under mmu_lock) and by hv_write_gpa()
	 * (lockless, RCU), taken with xchg() by HV_GET_DIRTY_LOG (under
	 * mmu_lock).  The second half is HV_GET_DIRTY_LOG's snapshot, only
	 * touched under slots_lock.
	 */
	unsigned long *dirty_bitmap;
};

/*
 * The VM's slot set as the exit path reads it: published with RCU, so a
 * lookup takes no lock.  A writer (under mmu_lock) copies the set, changes
 * the copy, publishes it and frees the old one after a grace period; a
 * published set is never modified.
 */
struct hv_memslots {
	struct rcu_head rcu;
	struct hv_memslot slot[HV_MAX_MEMSLOTS];
};

/*
 * A vCPU's cache of guest-physical page to host kernel address, for the
 * reads of guest page tables and instruction bytes that skipping an
 * instruction without NRIPS makes: fully associative (a 4-level walk and
 * its code page are five pages, whose numbers collide easily in a
 * direct-mapped cache: the top-level table and the code often share low
 * bits), replaced round-robin.  An entry holds the kernel address of
 * the pinned page the nested table maps at @gfn, valid while @gen equals the
 * VM's mem_gen: every change that could unmap or unpin that page bumps
 * mem_gen first (hv_mmu_invalidate_gpa_caches()).  Only what the page is
 * (which host page backs the guest page) is cached, never its content or a
 * guest translation: the guest's page-table entries are re-read on every
 * walk.  Owned by the vCPU thread (vCPU mutex), except @reading, which the
 * invalidation reads: set around the generation check and the copy, so an
 * invalidation can wait for a copy from a page it is about to let go.
 */
#define HV_GPA_CACHE_SIZE	8

struct hv_gpa_cache_entry {
	u64 gfn;
	u64 gen;			/* 0: never filled (mem_gen starts at 1) */
	void *kva;			/* kernel address of the pinned page */
};

struct hv_gpa_cache {
	struct hv_gpa_cache_entry e[HV_GPA_CACHE_SIZE];
	unsigned int next;		/* the entry the next miss replaces */
	int reading;			/* a copy from e[].kva is under way */
};

/*
 * Table pages a nested page fault may need (one per level below the root),
 * allocated before mmu_lock is taken: an allocation that reclaims may call
 * hv's MMU notifier, which takes mmu_lock.  Owned by the vCPU thread.
 */
struct hv_tdp_cache {
	void *pages[3];
	unsigned int nr;
};

/*
 * The two-dimensional (nested/extended) page table of a VM.  Tables are
 * built on demand on nested page faults; every leaf maps a page of a
 * memory slot's backing, holding no reference to it: hv's MMU notifier
 * zaps the leaf, and makes every vCPU drop its translations, before the
 * host can free, move or share the page.  Written under mmu_lock; entries
 * with WRITE_ONCE(), because hv_read_gpa_cached() walks the table without
 * the lock (a table taken out is freed only after such walkers and the
 * vCPUs' TLBs let go of it, hv_tdp_free_unlinked()).  The counters are
 * mmu_lock's too; debugfs reads them without it.
 */
struct hv_tdp {
	u64 *root;			/* 4-level table, one page */
	phys_addr_t root_pa;
	unsigned long nr_tables;	/* table pages, root included */
	unsigned long nr_leaves;	/* present 4 KiB leaves */
	unsigned long nr_2m;		/* present 2 MiB leaves */
	unsigned long nr_1g;		/* present 1 GiB leaves */
};

/*
 * The MMU notifier's side of a nested page fault (hv_mmu_notifier.c): a
 * fault looks the page up in the VMM's page tables without mmu_lock, so an
 * invalidation may run meanwhile.  It reads @seq first, and installs its
 * leaf (under mmu_lock) only if no invalidation of its address is under
 * way and none ended since (@seq unchanged); else the guest faults again.
 * Guarded by @lock, a spinlock, because an invalidation's end may be called
 * where it must not sleep.
 */
struct hv_mmu_invalidation {
	spinlock_t lock;		/* the fields below; inside mmu_lock */
	unsigned long seq;		/* bumped when an invalidation ends, and by slot changes */
	unsigned int active;		/* invalidations begun and not yet ended */
	unsigned long start, end;	/* while active: the union of their ranges (hva) */
};

/*
 * Locking legend:
 *   ref       - the VM fd and each vCPU fd hold one reference.
 *   lock      - vcpus[] insertion, online_vcpus, lapic_enabled (set
 *               only while there is no vCPU, read-only once there is).
 *   halt_poll_max_ns, stats_untimed - READ_ONCE/WRITE_ONCE, any time.
 *   mmu_lock  - tdp, and writers of memslots; held while a fault maps a
 *               page, while a slot changes and its mappings are zapped,
 *               and by the MMU notifier while it zaps.  Nothing allocates
 *               memory (reclaim may enter the notifier) or touches the
 *               VMM's memory (a fault may) while holding it.
 *               Dirty logging: the write permission of a logging slot's
 *               leaves; the live half of its bitmap is atomic bit
 *               operations (struct hv_memslot says who sets and who
 *               takes).  While a slot logs, a writable leaf always has its
 *               bit set in the live log, so taking the bits and
 *               write-protecting their leaves misses no writable page.
 *   slots_lock - taken before mmu_lock by every slot change and by
 *               HV_GET_DIRTY_LOG, which copies the snapshot half of a
 *               bitmap out after dropping mmu_lock: it keeps the bitmap
 *               alive and its snapshot half to one caller, and no copy to
 *               a VMM buffer that faults (and, with MMU notifiers, may
 *               need mmu_lock) is made under mmu_lock.
 *   memslots  - RCU: readers rcu_read_lock() (hv_gpa_to_hva()), or hold
 *               mmu_lock; replaced under mmu_lock (hv_mmu_publish_slots()),
 *               the old set freed after a grace period.
 *   mem_gen   - written under mmu_lock with smp_store_release(), read with
 *               smp_load_acquire() by the vCPUs' gpa caches (struct
 *               hv_gpa_cache): bumped whenever a cached page may go away.
 *   tlb_gen   - atomic; bumped after a zap, checked by every vCPU with
 *               interrupts off before entry (see hv_vm_flush_tlbs()).
 *   mmu_notifier - registered at creation on mm, unregistered first when
 *               the VM is freed; inval has its own lock (struct
 *               hv_mmu_invalidation), taken inside mmu_lock.
 *   eventfds  - its own lock and RCU (hv_eventfd.h has the legend).
 *   debugfs_dir - set before the VM fd exists, removed first in
 *               hv_vm_free() (hv_debugfs.c says why that is enough).
 *   coalesced - its own locks and RCU (hv_coalesced.h has the legend).
 */
struct hv_vm {
	struct kref ref;
	struct mutex lock;		/* vcpus[] insertion */
	struct mutex slots_lock;	/* slot changes, HV_GET_DIRTY_LOG; before mmu_lock */
	struct mutex mmu_lock;		/* tdp, memslots writers */
	struct hv_memslots __rcu *memslots;
	u64 mem_gen;			/* struct hv_gpa_cache validity, from 1 */
	struct hv_tdp tdp;
	struct hv_vcpu *vcpus[HV_MAX_VCPUS];
	atomic_t online_vcpus;
	atomic64_t tlb_gen;
	struct mm_struct *mm;		/* owner of the slots' userspace addresses */
	struct mmu_notifier mmu_notifier;	/* on mm: hv_mmu_notifier.c */
	bool mmu_notifier_registered;
	struct hv_mmu_invalidation inval;
	bool dead;			/* WARN_ON_ONCE fired: refuse to run */
	bool lapic_enabled;		/* HV_CAP_LAPIC: every vCPU has a local APIC */
	s64 halt_poll_max_ns;		/* HV_CAP_HALT_POLL; -1: the module's; atomic r/w */
	bool stats_untimed;		/* HV_CAP_STATS args[0] 0: count exits, time none */
	struct hv_eventfds eventfds;	/* HV_IOEVENTFD, HV_IRQFD */
	struct dentry *debugfs_dir;	/* /sys/kernel/debug/hv/<pid>-<id>, or an error */
	struct hv_coalesced coalesced;	/* HV_REGISTER_COALESCED, the ring */
};

int hv_vm_create(unsigned long flags);
int hv_vm_set_memory_region(struct hv_vm *vm, const struct hv_memory_region *mr);
void hv_vm_flush_tlbs(struct hv_vm *vm);
void hv_vm_mark_dead(struct hv_vm *vm);

/* Guest-physical addresses are limited to what 4-level nested paging maps. */
#define HV_GPA_LIMIT	BIT_ULL(48)

/* hv_memslot.c: slot rules, pure functions of the slot array they are given. */
int hv_memslot_check(const struct hv_memory_region *mr);
int hv_memslot_check_overlap(const struct hv_memslot *slots,
			     const struct hv_memory_region *mr);
const struct hv_memslot *hv_memslot_find(const struct hv_memslot *slots, u64 gpa);
bool hv_memslot_log_toggle(const struct hv_memslot *s, const struct hv_memory_region *mr);
unsigned long hv_memslot_dirty_words(u64 size);

/* hv_mmu.c */
const struct hv_memslot *hv_mmu_find_slot(struct hv_vm *vm, u64 gpa);
struct hv_memslots *hv_mmu_slots_locked(struct hv_vm *vm);
void hv_mmu_publish_slots(struct hv_vm *vm, struct hv_memslots *slots);
void hv_mmu_invalidate_gpa_caches(struct hv_vm *vm);
int hv_mmu_init(struct hv_vm *vm);
void hv_mmu_destroy(struct hv_vm *vm);
/*
 * Resolve a nested page fault at @gpa: 1 re-enter (mapped, or to fault
 * again after an invalidation raced with it), 0 not backed by a slot or a
 * write to a read-only slot (MMIO), <0 errno (-EFAULT: the VMM's memory
 * behind the slot is gone or does not allow the access).  @tc: the vCPU's
 * table page cache.
 */
int hv_mmu_fault(struct hv_vm *vm, struct hv_tdp_cache *tc, u64 gpa, bool write);
void hv_tdp_cache_free(struct hv_tdp_cache *tc);
/*
 * Unmap [gpa, gpa + size) from the nested table, under mmu_lock; true if a
 * leaf was present.  The caller then makes every vCPU drop its
 * translations (hv_vm_flush_tlbs()) before the pages may go.
 */
bool hv_mmu_zap_range(struct hv_vm *vm, u64 gpa, u64 size);
/* Logging of @slot turned off: its ranges may take large leaves again (mmu_lock). */
void hv_mmu_collapse_range(struct hv_vm *vm, const struct hv_memslot *slot);
/* hv_mmu_notifier.c */
int hv_mmu_notifier_register(struct hv_vm *vm, struct mm_struct *mm);
void hv_mmu_notifier_unregister(struct hv_vm *vm);
void hv_mmu_inval_init(struct hv_vm *vm);
void hv_mmu_inval_slots_changed(struct hv_vm *vm);
unsigned long hv_mmu_inval_seq(struct hv_vm *vm);
bool hv_mmu_inval_retry(struct hv_vm *vm, unsigned long seq, unsigned long hva);
/*
 * Dirty logging (hv_mmu_dirty.c), under mmu_lock.  Both return true if a leaf lost its write
 * permission: the caller must then hv_vm_flush_tlbs() before it returns to
 * userspace.  write_protect: every leaf of [gpa, gpa + size) (logging turns
 * on; large leaves are split with tables of @pool, allocated before
 * mmu_lock, or zapped).  harvest: move the slot's live log to its snapshot half and
 * write-protect the pages it names; put_back: the snapshot returns to the
 * live log (the copy to userspace failed).
 */
struct hv_tdp_split_pool {
	void **pages;
	unsigned long nr;
};

int hv_mmu_split_pool_alloc(struct hv_vm *vm, u64 size, struct hv_tdp_split_pool *pool);
void hv_mmu_split_pool_free(struct hv_tdp_split_pool *pool);
bool hv_mmu_write_protect(struct hv_vm *vm, u64 gpa, u64 size, struct hv_tdp_split_pool *pool);
bool hv_mmu_dirty_harvest(struct hv_vm *vm, const struct hv_memslot *slot);
void hv_mmu_dirty_put_back(const struct hv_memslot *slot);
unsigned long *hv_mmu_dirty_bitmap_alloc(u64 size);
/* Copy to/from guest-physical memory through the slots (vCPU thread only). */
int hv_read_gpa(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len);
/* The same read through the vCPU's gpa cache, for page walks and fetches. */
int hv_read_gpa_cached(struct hv_vm *vm, struct hv_gpa_cache *cache, u64 gpa,
		       void *buf, unsigned int len);
int hv_write_gpa(struct hv_vm *vm, u64 gpa, const void *buf, unsigned int len);

#endif /* HV_VM_H */
