// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slot rules: what a HV_SET_MEMORY_REGION request may ask for,
 * when two slots overlap, and which slot backs a guest-physical address.
 * Pure functions of their arguments (no VM, no locks), so the KUnit suite
 * in tests/memslot_kunit.c can check every boundary; the callers in
 * hv_vm.c and hv_mmu.c hold mmu_lock around them.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "hv_vm.h"

static bool hv_range_overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* 0 if @mr is well formed (a zero size deletes the slot), else -EINVAL. */
int hv_memslot_check(const struct hv_memory_region *mr)
{
	int i;

	if (mr->slot >= HV_MAX_MEMSLOTS)
		return -EINVAL;
	if (mr->flags & ~(HV_MEM_READONLY | HV_MEM_LOG_DIRTY))
		return -EINVAL;
	/* A read-only slot has nothing to log: refused rather than ignored. */
	if ((mr->flags & HV_MEM_READONLY) && (mr->flags & HV_MEM_LOG_DIRTY))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(mr->reserved); i++)
		if (mr->reserved[i])
			return -EINVAL;
	if (!mr->memory_size)
		return 0;
	if (!PAGE_ALIGNED(mr->guest_phys_addr) || !PAGE_ALIGNED(mr->memory_size) ||
	    !PAGE_ALIGNED(mr->userspace_addr))
		return -EINVAL;
	if (mr->guest_phys_addr + mr->memory_size < mr->guest_phys_addr ||
	    mr->guest_phys_addr + mr->memory_size > HV_GPA_LIMIT)
		return -EINVAL;
	if (mr->userspace_addr + mr->memory_size < mr->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)mr->userspace_addr, mr->memory_size))
		return -EINVAL;
	return 0;
}

/*
 * -EEXIST if @mr (checked, non-empty) overlaps a slot other than the one it
 * replaces: a slot may be moved or resized over its own old range.
 */
int hv_memslot_check_overlap(const struct hv_memslot *slots,
			     const struct hv_memory_region *mr)
{
	int i;

	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		const struct hv_memslot *s = &slots[i];

		if (i != mr->slot && s->size &&
		    hv_range_overlaps(s->gpa, s->size, mr->guest_phys_addr, mr->memory_size))
			return -EEXIST;
	}
	return 0;
}

/*
 * Whether @mr (checked, non-empty) only turns dirty logging of the installed
 * slot @s on or off: same range, same userspace address, and the flags
 * differ in HV_MEM_LOG_DIRTY alone.  Such a change keeps the slot's
 * mappings; any other change to an installed slot replaces it.
 */
bool hv_memslot_log_toggle(const struct hv_memslot *s, const struct hv_memory_region *mr)
{
	return s->size && s->gpa == mr->guest_phys_addr && s->size == mr->memory_size &&
	       s->hva == mr->userspace_addr && (s->flags ^ mr->flags) == HV_MEM_LOG_DIRTY;
}

/* Words of a slot's dirty bitmap (one bit per 4 KiB page): the uapi's u64 words. */
unsigned long hv_memslot_dirty_words(u64 size)
{
	return BITS_TO_LONGS(size >> PAGE_SHIFT);
}

/* The slot containing @gpa, or NULL. */
const struct hv_memslot *hv_memslot_find(const struct hv_memslot *slots, u64 gpa)
{
	int i;

	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		const struct hv_memslot *s = &slots[i];

		if (s->size && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}
