/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HV_VM_H
#define HV_VM_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include "../uapi/linux/hv.h"
#include "hv_eventfd.h"

struct hv_vcpu;

struct hv_memslot {
	u64 gpa;
	u64 size;			/* 0: slot unused */
	u64 hva;
	u32 flags;			/* HV_MEM_* */
};

/*
 * The two-dimensional (nested/extended) page table of a VM.  Tables are
 * built on demand on nested page faults; every leaf maps a pinned page of
 * a memory slot, unpinned once the leaf is zapped and every vCPU has
 * dropped its translations.
 */
struct hv_tdp {
	u64 *root;			/* 4-level table, one page */
	phys_addr_t root_pa;
	unsigned long nr_tables;	/* table pages, root included */
	unsigned long nr_pinned;	/* leaf pages pinned, zapped ones until released */
};

/*
 * Locking legend:
 *   ref       - the VM fd and each vCPU fd hold one reference.
 *   lock      - vcpus[] insertion, online_vcpus, lapic_enabled (set
 *               only while there is no vCPU, read-only once there is).
 *   halt_poll_max_ns, stats_untimed - READ_ONCE/WRITE_ONCE, any time.
 *   mmu_lock  - slots[], tdp; held while a fault maps a page, and while a
 *               slot changes and its mappings are zapped.
 *   tlb_gen   - atomic; bumped after a zap, checked by every vCPU with
 *               interrupts off before entry (see hv_vm_flush_tlbs()).
 *   eventfds  - its own lock and RCU (hv_eventfd.h has the legend).
 *   debugfs_dir - set before the VM fd exists, removed first in
 *               hv_vm_free() (hv_debugfs.c says why that is enough).
 */
struct hv_vm {
	struct kref ref;
	struct mutex lock;		/* vcpus[] insertion */
	struct mutex mmu_lock;		/* slots[], tdp */
	struct hv_memslot slots[HV_MAX_MEMSLOTS];
	struct hv_tdp tdp;
	struct hv_vcpu *vcpus[HV_MAX_VCPUS];
	atomic_t online_vcpus;
	atomic64_t tlb_gen;
	struct mm_struct *mm;		/* owner of the slots' userspace addresses */
	bool dead;			/* WARN_ON_ONCE fired: refuse to run */
	bool lapic_enabled;		/* HV_CAP_LAPIC: every vCPU has a local APIC */
	s64 halt_poll_max_ns;		/* HV_CAP_HALT_POLL; -1: the module's; atomic r/w */
	bool stats_untimed;		/* HV_CAP_STATS args[0] 0: count exits, time none */
	struct hv_eventfds eventfds;	/* HV_IOEVENTFD, HV_IRQFD */
	struct dentry *debugfs_dir;	/* /sys/kernel/debug/hv/<pid>-<id>, or an error */
};

int hv_vm_create(unsigned long flags);
int hv_vm_set_memory_region(struct hv_vm *vm, const struct hv_memory_region *mr);
void hv_vm_flush_tlbs(struct hv_vm *vm);
void hv_vm_mark_dead(struct hv_vm *vm);

/* Guest-physical addresses are limited to what 4-level nested paging maps. */
#define HV_GPA_LIMIT	BIT_ULL(48)

/* hv_memslot.c: slot rules, pure functions (callers hold mmu_lock). */
int hv_memslot_check(const struct hv_memory_region *mr);
int hv_memslot_check_overlap(const struct hv_memslot *slots,
			     const struct hv_memory_region *mr);
const struct hv_memslot *hv_memslot_find(const struct hv_memslot *slots, u64 gpa);

/* hv_mmu.c */
const struct hv_memslot *hv_mmu_find_slot(struct hv_vm *vm, u64 gpa);
int hv_mmu_init(struct hv_vm *vm);
void hv_mmu_destroy(struct hv_vm *vm);
/*
 * Resolve a nested page fault at @gpa: 1 mapped (re-enter), 0 not backed by
 * a slot or a write to a read-only slot (MMIO), <0 errno.
 */
int hv_mmu_fault(struct hv_vm *vm, u64 gpa, bool write);
/*
 * Deleting memory from a running VM, under mmu_lock: zap (leaves unmapped,
 * pages still pinned), hv_vm_flush_tlbs(), then release (pages unpinned).
 */
void hv_mmu_zap_range(struct hv_vm *vm, u64 gpa, u64 size);
void hv_mmu_release_zapped(struct hv_vm *vm, u64 gpa, u64 size);
/* Copy to/from guest-physical memory through the slots (vCPU thread only). */
int hv_read_gpa(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len);
int hv_write_gpa(struct hv_vm *vm, u64 gpa, const void *buf, unsigned int len);

#endif /* HV_VM_H */
