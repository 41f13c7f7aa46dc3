// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory follows the VMM's page tables: an MMU notifier on the VMM's
 * mm tells hv before the host unmaps, moves, merges, swaps out or
 * write-protects a page (munmap, madvise, page migration, KSM, reclaim,
 * mprotect, fork's copy-on-write, THP collapse and split).  hv then zaps
 * the nested leaves of that range and makes every vCPU drop its
 * translations, all before the notifier returns and the host goes on, so a
 * guest never reaches a page the host has let go.
 *
 * A nested page fault looks its page up in the VMM's page tables without
 * mmu_lock (it may sleep: swap-in, a file read, copy-on-write), so an
 * invalidation can run while it does.  The sequence protocol keeps such a
 * fault from installing the page it found: the fault reads inval.seq
 * before its lookup; under mmu_lock it installs its leaf only if no
 * invalidation covering its address is active and inval.seq is unchanged
 * (none ended since).  An invalidation that begins later finds the leaf
 * and zaps it: its start takes mmu_lock too.
 *
 * Accessed-bit aging (clear_young and friends) is not implemented: to the
 * host's reclaim, a page only the guest touches looks unused.  Correct, as
 * reclaim goes through the notifier, but not the best choice of victim.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mmu_notifier.h>

#include "hv_vm.h"

static struct hv_vm *hv_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct hv_vm, mmu_notifier);
}

void hv_mmu_inval_init(struct hv_vm *vm)
{
	spin_lock_init(&vm->inval.lock);
}

/*
 * A fault's sequence, read before it looks the page up.  The read barrier
 * keeps the lookup's loads of the VMM's page tables after it: a fault that
 * saw a page-table entry from before an invalidation's change also sees
 * that invalidation, active or ended, in hv_mmu_inval_retry().
 */
unsigned long hv_mmu_inval_seq(struct hv_vm *vm)
{
	unsigned long seq = READ_ONCE(vm->inval.seq);

	/* The lookup's reads of the VMM's page tables come after the sequence. */
	smp_rmb();
	return seq;
}

/* Under mmu_lock: whether a fault that read @seq must not map @hva. */
bool hv_mmu_inval_retry(struct hv_vm *vm, unsigned long seq, unsigned long hva)
{
	bool retry;

	lockdep_assert_held(&vm->mmu_lock);
	spin_lock(&vm->inval.lock);
	retry = vm->inval.seq != seq ||
		(vm->inval.active && hva >= vm->inval.start && hva < vm->inval.end);
	spin_unlock(&vm->inval.lock);
	return retry;
}

/* Under mmu_lock: a new slot set is published. */
void hv_mmu_inval_slots_changed(struct hv_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	spin_lock(&vm->inval.lock);
	vm->inval.seq++;
	spin_unlock(&vm->inval.lock);
}

/*
 * Zap the guest pages that [start, end) of the VMM's address space backs,
 * in every slot (two slots may share backing); true if a leaf was present.
 */
static bool hv_mmu_zap_hva_range(struct hv_vm *vm, unsigned long start, unsigned long end)
{
	const struct hv_memslots *slots = hv_mmu_slots_locked(vm);
	bool zapped = false;
	int i;

	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		const struct hv_memslot *s = &slots->slot[i];
		unsigned long lo, hi;

		if (!s->size)
			continue;
		lo = max_t(unsigned long, start, s->hva);
		hi = min_t(unsigned long, end, s->hva + s->size);
		if (lo >= hi)
			continue;
		zapped |= hv_mmu_zap_range(vm, s->gpa + (lo - s->hva), hi - lo);
	}
	return zapped;
}

static int hv_mn_invalidate_range_start(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	/*
	 * The OOM reaper calls without allowing a sleep.  Nothing sleeps
	 * under mmu_lock but a holder may be preempted: rather than wait,
	 * let the reaper skip this range (it does on -EAGAIN).
	 */
	if (mmu_notifier_range_blockable(range))
		mutex_lock(&vm->mmu_lock);
	else if (!mutex_trylock(&vm->mmu_lock))
		return -EAGAIN;
	spin_lock(&vm->inval.lock);
	if (!vm->inval.active++) {
		vm->inval.start = range->start;
		vm->inval.end = range->end;
	} else {
		vm->inval.start = min(vm->inval.start, range->start);
		vm->inval.end = max(vm->inval.end, range->end);
	}
	spin_unlock(&vm->inval.lock);
	if (hv_mmu_zap_hva_range(vm, range->start, range->end))
		hv_vm_flush_tlbs(vm);
	mutex_unlock(&vm->mmu_lock);
	return 0;
}

/*
 * The host has changed the range: faults may map it again, once they see
 * the new sequence (a fault that read the old one looked up the old page).
 * Only the spinlock: this must not sleep where the start could not.
 */
static void hv_mn_invalidate_range_end(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	spin_lock(&vm->inval.lock);
	vm->inval.seq++;
	if (!WARN_ON_ONCE(!vm->inval.active))
		vm->inval.active--;
	spin_unlock(&vm->inval.lock);
}

/*
 * The VMM's address space is going away (its last user exited, or the VM
 * is freed first): nothing of it may stay mapped.  vCPUs cannot run any
 * more (they run only in threads of this mm), but the VM may outlive the
 * mm through its file descriptors.
 */
static void hv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	mutex_lock(&vm->mmu_lock);
	if (hv_mmu_zap_range(vm, 0, HV_GPA_LIMIT))
		hv_vm_flush_tlbs(vm);
	hv_mmu_inval_slots_changed(vm);
	mutex_unlock(&vm->mmu_lock);
}

static const struct mmu_notifier_ops hv_mmu_notifier_ops = {
	.invalidate_range_start	= hv_mn_invalidate_range_start,
	.invalidate_range_end	= hv_mn_invalidate_range_end,
	.release		= hv_mn_release,
};

/* At VM creation, in the VMM's context (@mm has users). */
int hv_mmu_notifier_register(struct hv_vm *vm, struct mm_struct *mm)
{
	int r;

	vm->mmu_notifier.ops = &hv_mmu_notifier_ops;
	r = mmu_notifier_register(&vm->mmu_notifier, mm);
	if (!r)
		vm->mmu_notifier_registered = true;
	return r;
}

/*
 * When the VM is freed, before its vCPUs and tables: calls release if the
 * mm still has users, and waits for notifier calls under way to return.
 */
void hv_mmu_notifier_unregister(struct hv_vm *vm)
{
	if (!vm->mmu_notifier_registered)
		return;
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	vm->mmu_notifier_registered = false;
}
