/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nested page table's entries, shared by the files that walk it
 * (hv_mmu.c: faults, zaps, collapses and lookups; hv_mmu_dirty.c: dirty
 * logging's write protection and splits).  The vendor supplies the entry
 * format (struct hv_arch_ops); these helpers only combine its masks.
 *
 * Levels count as the CPU's walk does, from the 4 KiB leaf up: an entry at
 * level L maps hv_tdp_level_size(L) bytes, as a leaf (levels 1 to 3: 4 KiB,
 * 2 MiB, 1 GiB) or as a table of level L - 1 entries.  Level 4, the root's
 * entries, is always a table.
 */
#ifndef HV_TDP_H
#define HV_TDP_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/types.h>

#include "hv_arch.h"
#include "hv_vm.h"

#define HV_TDP_LEVELS		4
#define HV_TDP_MAX_LEAF_LEVEL	3
#define HV_TDP_ENTRIES		512
#define HV_TDP_ADDR_MASK	GENMASK_ULL(51, 12)
/*
 * hv's own bit in a leaf, ignored by the CPU in NPT (AVL) and EPT entries
 * alike: the VMM's mapping of the page was writable when the leaf was made,
 * and the page was marked dirty then.  A leaf that lost its write
 * permission to dirty logging but keeps this bit may get it back by a
 * guest write without a new lookup (hv_mmu_fault_fast()): any change of
 * the VMM's mapping since would have zapped the leaf.  KVM's "host
 * writable" SPTE bit serves the same fast path.
 */
#define HV_TDP_HOST_WRITABLE	BIT_ULL(11)

/* The bytes an entry at @level maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static inline u64 hv_tdp_level_size(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

static inline unsigned int hv_tdp_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (HV_TDP_ENTRIES - 1);
}

static inline bool hv_tdp_present(u64 pte)
{
	return pte & hv_ops->tdp_present_mask;
}

static inline u64 *hv_tdp_table_of(u64 pte)
{
	return __va(pte & HV_TDP_ADDR_MASK);
}

/* A present entry above level 1 that is a leaf rather than a table (never set at level 1). */
static inline bool hv_tdp_large(u64 pte)
{
	return pte & hv_ops->tdp_large_mask;
}

/* A present entry at @level > 1 that points to a table. */
static inline bool hv_tdp_is_table(u64 pte)
{
	return hv_tdp_present(pte) && !hv_tdp_large(pte);
}

/*
 * A leaf: tdp_leaf() of @pa, made a large one for an entry above level 1,
 * with HV_TDP_HOST_WRITABLE if @host_writable.
 */
static inline u64 hv_tdp_make_leaf(phys_addr_t pa, bool writable, bool large, bool host_writable)
{
	return hv_ops->tdp_leaf(pa, writable) | (large ? hv_ops->tdp_large_mask : 0) |
	       (host_writable ? HV_TDP_HOST_WRITABLE : 0);
}

/* The counter of present leaves at @level (struct hv_tdp), under mmu_lock. */
static inline unsigned long *hv_tdp_leaf_count(struct hv_vm *vm, int level)
{
	return level == 1 ? &vm->tdp.nr_leaves : level == 2 ? &vm->tdp.nr_2m : &vm->tdp.nr_1g;
}

typedef void (*hv_tdp_leaf_fn)(struct hv_vm *vm, u64 *ptep, int level, void *arg);

void hv_tdp_walk_leaves(struct hv_vm *vm, u64 *table, int level, u64 base, u64 start, u64 end,
			hv_tdp_leaf_fn leaf_fn, void *arg);
void hv_tdp_zap_leaf(struct hv_vm *vm, u64 *ptep, int level, void *arg);
u64 *hv_tdp_leaf_ptr(struct hv_vm *vm, u64 gpa);
bool hv_tdp_set_writable(u64 *ptep, bool writable);
void hv_mark_dirty_slot(const struct hv_memslot *slot, u64 gpa);

#endif /* HV_TDP_H */
