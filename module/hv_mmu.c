// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: slot lookup, the two-dimensional page table (AMD NPT or
 * Intel EPT; the vendor supplies the entry format) and guest-physical
 * copies for the emulation paths.
 *
 * The nested table is four levels of 512 entries, built on demand: a
 * nested page fault on a slot-backed address pins the page behind the
 * slot's userspace address and maps it with a 4 KiB leaf.  Pinned pages
 * are released when their slot is deleted or replaced, in three steps under
 * mmu_lock (unmap the leaves, make every vCPU drop its translations, unpin),
 * or when the VM is destroyed, so a guest can never reach a page that the
 * host has reused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_arch.h"
#include "hv_vm.h"

#define HV_TDP_LEVELS		4
#define HV_TDP_ENTRIES		512
#define HV_TDP_ADDR_MASK	GENMASK_ULL(51, 12)

static unsigned int hv_tdp_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (HV_TDP_ENTRIES - 1);
}

static bool hv_tdp_present(u64 pte)
{
	return pte & hv_ops->tdp_present_mask;
}

static u64 *hv_tdp_table_of(u64 pte)
{
	return __va(pte & HV_TDP_ADDR_MASK);
}

const struct hv_memslot *hv_mmu_find_slot(struct hv_vm *vm, u64 gpa)
{
	lockdep_assert_held(&vm->mmu_lock);
	return hv_memslot_find(vm->slots, gpa);
}

int hv_mmu_init(struct hv_vm *vm)
{
	vm->tdp.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->tdp.root)
		return -ENOMEM;
	vm->tdp.root_pa = __pa(vm->tdp.root);
	vm->tdp.nr_tables = 1;
	return 0;
}

/* Find the leaf entry for @gpa, allocating missing tables. */
static u64 *hv_tdp_walk_alloc(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = HV_TDP_LEVELS; level > 1; level--) {
		u64 *pte = &table[hv_tdp_index(gpa, level)];

		if (!hv_tdp_present(*pte)) {
			u64 *next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

			if (!next)
				return NULL;
			vm->tdp.nr_tables++;
			*pte = hv_ops->tdp_table(__pa(next));
		}
		table = hv_tdp_table_of(*pte);
	}
	return &table[hv_tdp_index(gpa, 1)];
}

int hv_mmu_fault(struct hv_vm *vm, u64 gpa, bool write)
{
	const struct hv_memslot *slot;
	unsigned int gup_flags = FOLL_LONGTERM;
	struct page *page;
	unsigned long hva;
	bool writable;
	u64 *ptep;
	int r;

	mutex_lock(&vm->mmu_lock);
	slot = hv_mmu_find_slot(vm, gpa);
	if (!slot) {
		r = 0;
		goto out;
	}
	writable = !(slot->flags & HV_MEM_READONLY);
	if (write && !writable) {
		r = 0;
		goto out;
	}
	ptep = hv_tdp_walk_alloc(vm, gpa);
	if (!ptep) {
		r = -ENOMEM;
		goto out;
	}
	/* Another vCPU mapped it first: just retry the access. */
	r = 1;
	if (hv_tdp_present(*ptep))
		goto out;

	/*
	 * Pin writable slots for writing even on a read fault, so that
	 * copy-on-write is broken now and the page the guest sees is the
	 * one the VMM sees.
	 */
	if (writable)
		gup_flags |= FOLL_WRITE;
	hva = slot->hva + ((gpa & PAGE_MASK) - slot->gpa);
	r = pin_user_pages_fast(hva, 1, gup_flags, &page);
	if (r != 1) {
		r = r < 0 ? r : -EFAULT;
		goto out;
	}
	*ptep = hv_ops->tdp_leaf(page_to_phys(page), writable);
	vm->tdp.nr_pinned++;
	r = 1;
out:
	mutex_unlock(&vm->mmu_lock);
	return r;
}

/*
 * Walk the leaves of [start, end) under @table at @level.
 *
 * Without @release, a present leaf loses only its present bits: no vCPU can
 * take a new translation through it, but its address stays, and with it the
 * pin, because a vCPU in guest mode on another CPU may still hold the old
 * translation in its TLB until hv_vm_flush_tlbs() has made it exit.  With
 * @release, every zapped leaf has its page unpinned and is cleared; present
 * leaves are left alone.  Leaves are written only under mmu_lock, so a
 * non-zero leaf without present bits is always one zapped and not yet
 * released.
 */
static void hv_tdp_zap(struct hv_vm *vm, u64 *table, int level, u64 base,
		       u64 start, u64 end, bool release)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !table[i])
			continue;
		if (level > 1) {
			/* Tables are never zapped, only freed with the VM. */
			if (hv_tdp_present(table[i]))
				hv_tdp_zap(vm, hv_tdp_table_of(table[i]), level - 1, lo,
					   start, end, release);
			continue;
		}
		if (!release) {
			WRITE_ONCE(table[i], table[i] & ~hv_ops->tdp_present_mask);
			continue;
		}
		if (hv_tdp_present(table[i]))
			continue;
		unpin_user_page(pfn_to_page((table[i] & HV_TDP_ADDR_MASK) >> PAGE_SHIFT));
		vm->tdp.nr_pinned--;
		WRITE_ONCE(table[i], 0);
	}
}

/*
 * Unmap [gpa, gpa + size) from the nested table.  The pages stay pinned:
 * the caller makes every vCPU drop its translations (hv_vm_flush_tlbs())
 * and only then releases them with hv_mmu_release_zapped(), all under
 * mmu_lock.  Unpinning first would let a guest on another CPU write a page
 * the host has already freed and reused.
 */
void hv_mmu_zap_range(struct hv_vm *vm, u64 gpa, u64 size)
{
	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_zap(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size, false);
}

/* Unpin the pages hv_mmu_zap_range() unmapped, once no vCPU can reach them. */
void hv_mmu_release_zapped(struct hv_vm *vm, u64 gpa, u64 size)
{
	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_zap(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size, true);
}

static void hv_tdp_free_tables(struct hv_vm *vm, u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < HV_TDP_ENTRIES; i++)
			if (hv_tdp_present(table[i]))
				hv_tdp_free_tables(vm, hv_tdp_table_of(table[i]), level - 1);
	}
	free_page((unsigned long)table);
	vm->tdp.nr_tables--;
}

/* No vCPU can run any more: unpin every page and free the tables. */
void hv_mmu_destroy(struct hv_vm *vm)
{
	if (!vm->tdp.root)
		return;
	mutex_lock(&vm->mmu_lock);
	hv_tdp_zap(vm, vm->tdp.root, HV_TDP_LEVELS, 0, 0, ~0ULL, false);
	hv_tdp_zap(vm, vm->tdp.root, HV_TDP_LEVELS, 0, 0, ~0ULL, true);
	mutex_unlock(&vm->mmu_lock);
	hv_tdp_free_tables(vm, vm->tdp.root, HV_TDP_LEVELS);
	vm->tdp.root = NULL;
	WARN_ON_ONCE(vm->tdp.nr_pinned || vm->tdp.nr_tables);
}

/*
 * Guest-physical to host-virtual for one page-bounded chunk.  The slot is
 * looked up under mmu_lock; the copy itself goes through the VMM's own
 * mapping, so it may fault and sleep like any copy_from_user().
 */
static int hv_gpa_to_hva(struct hv_vm *vm, u64 gpa, bool write, unsigned long *hva)
{
	const struct hv_memslot *slot;
	int r = -EFAULT;

	mutex_lock(&vm->mmu_lock);
	slot = hv_mmu_find_slot(vm, gpa);
	if (slot && !(write && (slot->flags & HV_MEM_READONLY))) {
		*hva = slot->hva + (gpa - slot->gpa);
		r = 0;
	}
	mutex_unlock(&vm->mmu_lock);
	return r;
}

int hv_read_gpa(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		unsigned long hva;

		if (hv_gpa_to_hva(vm, gpa, false, &hva) ||
		    copy_from_user(buf, (void __user *)hva, chunk))
			return -EFAULT;
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int hv_write_gpa(struct hv_vm *vm, u64 gpa, const void *buf, unsigned int len)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		unsigned long hva;

		if (hv_gpa_to_hva(vm, gpa, true, &hva) ||
		    copy_to_user((void __user *)hva, buf, chunk))
			return -EFAULT;
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}
