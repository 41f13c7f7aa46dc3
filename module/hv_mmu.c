// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: slot lookup, the two-dimensional page table (AMD NPT or
 * Intel EPT; the vendor supplies the entry format) and guest-physical
 * copies for the emulation paths.
 *
 * The nested table is four levels of 512 entries, built on demand: a
 * nested page fault on a slot-backed address looks up the page behind the
 * slot's userspace address in the VMM's page tables and maps it with a
 * 4 KiB leaf.  No pin and no reference is kept: guest memory is ordinary
 * memory of the VMM, which the host may swap, migrate, merge (KSM) or
 * free (munmap, madvise).  Each such change passes through hv's MMU
 * notifier (hv_mmu_notifier.c) before the page goes: it zaps the leaves
 * of the range and makes every vCPU drop its translations, and a fault
 * racing with it installs nothing (the sequence protocol of struct
 * hv_mmu_invalidation).  A slot deleted or replaced is zapped the same way.
 * A guest can so never reach a page that the host has reused.
 *
 * The slot set is read without a lock (RCU), and the vCPUs' reads of guest
 * page tables and instruction bytes go straight to the mapped pages through
 * a small per-vCPU cache (struct hv_gpa_cache): see hv_read_gpa_cached().
 *
 * Dirty logging (HV_MEM_LOG_DIRTY, hv_mmu_dirty.c) maps a logging slot's
 * leaves read-only until the guest writes the page; the write fault logs
 * it and gives the permission back, without a new lookup where the VMM's
 * mapping was writable (hv_mmu_fault_fast()).
 *
 * Large leaves: where the VMM backs a whole, aligned 2 MiB or 1 GiB range
 * of a slot with one huge page (THP, hugetlbfs) and the CPU takes leaves of
 * that size, one leaf maps it (hv_mmu_leaf_level()).  Dirty logging splits
 * them into 4 KiB leaves, any invalidation of a part of one zaps it whole,
 * and a range that is again eligible gets its large leaf back: when
 * logging turns off, and when a fault finds the range's table emptied
 * (khugepaged collapsed the VMM's pages), the table goes
 * (hv_mmu_collapse_range(), hv_tdp_collapse_empty()).  Table pages are
 * freed only after every lock-free walker and every vCPU's TLB has let go
 * of them (hv_tdp_free_unlinked()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_tdp.h"
#include "hv_vcpu.h"

/* The published slot set, for its writers (mmu_lock held). */
struct hv_memslots *hv_mmu_slots_locked(struct hv_vm *vm)
{
	return rcu_dereference_protected(vm->memslots, lockdep_is_held(&vm->mmu_lock));
}

const struct hv_memslot *hv_mmu_find_slot(struct hv_vm *vm, u64 gpa)
{
	return hv_memslot_find(hv_mmu_slots_locked(vm)->slot, gpa);
}

/*
 * Every page address a vCPU's gpa cache holds goes stale: the next cached
 * read looks the page up again.  The one place that invalidates them: a
 * slot change (hv_mmu_publish_slots()) and a zap (hv_mmu_zap_range(), which
 * the MMU notifier calls) call it before the page can go away.  On return
 * no copy from an old page is under way either: a reader announces itself
 * (@reading) before it checks the generation, so either it sees the new
 * one (and the zapped leaves, written before it), or this sees it reading
 * and waits the few instructions its copy takes.  Full barriers on both
 * sides: each side's store must be visible before its load of the other's.
 */
void hv_mmu_invalidate_gpa_caches(struct hv_vm *vm)
{
	int i, n = atomic_read(&vm->online_vcpus);

	lockdep_assert_held(&vm->mmu_lock);
	WRITE_ONCE(vm->mem_gen, vm->mem_gen + 1);
	smp_mb();	/* pairs with hv_read_gpa_cached()'s */
	for (i = 0; i < n; i++) {
		struct hv_gpa_cache *cache = &vm->vcpus[i]->gpa_cache;

		/* Acquire: the reader's copy is over before the page may go. */
		while (smp_load_acquire(&cache->reading))
			cpu_relax();
	}
}

/*
 * Replace the slot set with @slots (a modified copy of the current one,
 * never changed after this).  Readers still inside the old set keep it
 * until their grace period ends.
 */
void hv_mmu_publish_slots(struct hv_vm *vm, struct hv_memslots *slots)
{
	struct hv_memslots *old = hv_mmu_slots_locked(vm);

	rcu_assign_pointer(vm->memslots, slots);
	hv_mmu_invalidate_gpa_caches(vm);
	/* A fault that looked its page up through the old set installs nothing. */
	hv_mmu_inval_slots_changed(vm);
	kfree_rcu(old, rcu);
}

int hv_mmu_init(struct hv_vm *vm)
{
	struct hv_memslots *slots = kzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);

	if (!slots)
		return -ENOMEM;
	vm->tdp.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->tdp.root) {
		kfree(slots);
		return -ENOMEM;
	}
	RCU_INIT_POINTER(vm->memslots, slots);
	hv_mmu_inval_init(vm);
	/* A zeroed struct hv_gpa_cache entry (gen 0) is never valid. */
	vm->mem_gen = 1;
	vm->tdp.root_pa = __pa(vm->tdp.root);
	vm->tdp.nr_tables = 1;
	return 0;
}

/* Fill @tc with the table pages one fault may need; before mmu_lock. */
static int hv_tdp_cache_topup(struct hv_tdp_cache *tc)
{
	while (tc->nr < ARRAY_SIZE(tc->pages)) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		tc->pages[tc->nr++] = page;
	}
	return 0;
}

void hv_tdp_cache_free(struct hv_tdp_cache *tc)
{
	while (tc->nr)
		free_page((unsigned long)tc->pages[--tc->nr]);
}

/*
 * The entry a fault on @gpa maps through, adding missing tables from @tc
 * (NULL if it has none left): a large leaf already on the way, else the
 * empty entry at the first level <= *@level (the largest leaf the fault may
 * make), else the 4 KiB leaf's entry.  *@level: the level of the entry
 * returned.
 */
static u64 *hv_tdp_walk_alloc(struct hv_vm *vm, struct hv_tdp_cache *tc, u64 gpa, int *level)
{
	u64 *table = vm->tdp.root;
	int l;

	for (l = HV_TDP_LEVELS; ; l--) {
		u64 *pte = &table[hv_tdp_index(gpa, l)];
		u64 *next;

		if (l == 1 || (hv_tdp_present(*pte) && hv_tdp_large(*pte)) ||
		    (!hv_tdp_present(*pte) && l <= *level)) {
			*level = l;
			return pte;
		}
		if (!hv_tdp_present(*pte)) {
			if (WARN_ON_ONCE(!tc->nr))
				return NULL;
			next = tc->pages[--tc->nr];
			vm->tdp.nr_tables++;
			/* hv_tdp_lookup_kva() walks without the lock. */
			WRITE_ONCE(*pte, hv_ops->tdp_table(__pa(next)));
		}
		table = hv_tdp_table_of(*pte);
	}
}

/* The 4 KiB leaf entry for @gpa if every table on the way exists, else NULL (mmu_lock). */
u64 *hv_tdp_leaf_ptr(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = HV_TDP_LEVELS; level > 1; level--) {
		u64 pte = table[hv_tdp_index(gpa, level)];

		if (!hv_tdp_is_table(pte))
			return NULL;
		table = hv_tdp_table_of(pte);
	}
	return &table[hv_tdp_index(gpa, 1)];
}

/*
 * Rewrite a present leaf with write permission @writable; true if it was
 * writable and no longer is, which needs a TLB flush on every vCPU before
 * a write through an old translation is ruled out.  Granting the
 * permission needs none: a stale read-only translation only faults again,
 * and the fault drops it.
 */
bool hv_tdp_set_writable(u64 *ptep, bool writable)
{
	u64 pte = *ptep;
	bool was = pte & hv_ops->tdp_writable_mask;

	if (!hv_tdp_present(pte) || was == writable)
		return false;
	WRITE_ONCE(*ptep, hv_tdp_make_leaf(pte & HV_TDP_ADDR_MASK, writable, hv_tdp_large(pte),
					   pte & HV_TDP_HOST_WRITABLE));
	return was;
}

void hv_mark_dirty_slot(const struct hv_memslot *slot, u64 gpa)
{
	if (slot->dirty_bitmap)
		set_bit((gpa - slot->gpa) >> PAGE_SHIFT, slot->dirty_bitmap);
}

/*
 * The VMM's page behind @hva, with a reference the caller drops once it has
 * installed the leaf (or not).  *@map_writable: whether the leaf may allow
 * writes.  A write fault makes the VMM's mapping writable first, as a write
 * of the VMM's would: that breaks copy-on-write and KSM sharing and dirties
 * the page.  A read fault maps writable only a page the VMM's mapping
 * already allows writing, so that reading a shared page (the zero page, a
 * page KSM merged) keeps it shared; the first write faults again.
 */
static int hv_mmu_get_page(unsigned long hva, bool write, bool writable_slot,
			   struct page **page, bool *map_writable)
{
	int n;

	if (!write && writable_slot && get_user_page_fast_only(hva, FOLL_WRITE, page)) {
		*map_writable = true;
		return 0;
	}
	n = get_user_pages_fast(hva, 1, write ? FOLL_WRITE : 0, page);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	*map_writable = write;
	return 0;
}

/*
 * The level of the VMM's leaf for @hva: 3 for 1 GiB (hugetlbfs), 2 for
 * 2 MiB (THP, hugetlbfs), else 1.  Read without locks, as gup-fast reads:
 * with interrupts off, page tables cannot be freed under the walk.  Called
 * under mmu_lock after the sequence check, or for a collapse: a mapping
 * seen here cannot be changing, or an invalidation covering it would be
 * active (and a collapse only drops mappings).
 */
static int hv_host_leaf_level(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	int level = 1;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		level = 3;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd))
		level = 2;
out:
	local_irq_restore(flags);
	return level;
}

/*
 * Whether @slot allows a leaf at @level (2 or 3) for @gpa: it does not log
 * (the log has 4 KiB granularity), holds the whole aligned range of @gpa,
 * and maps it at the same offset in a frame of that size of the VMM's
 * address space.
 */
static bool hv_memslot_allows_large(const struct hv_memslot *slot, u64 gpa, int level)
{
	u64 size = hv_tdp_level_size(level), base = gpa & ~(size - 1);

	return !slot->dirty_bitmap && base >= slot->gpa && base + size <= slot->gpa + slot->size &&
	       !((slot->hva - slot->gpa) & (size - 1));
}

/*
 * The largest leaf that may map @gpa of @slot: the CPU takes it, the slot
 * allows it, and the VMM backs the range with one page at least that large.
 */
static int hv_mmu_leaf_level(struct hv_vm *vm, const struct hv_memslot *slot, u64 gpa)
{
	int level = min(hv_ops->tdp_max_leaf_level(), HV_TDP_MAX_LEAF_LEVEL), host = 0;

	for (; level > 1; level--) {
		if (!hv_memslot_allows_large(slot, gpa, level))
			continue;
		if (!host)
			host = hv_host_leaf_level(vm->mm, slot->hva + (gpa - slot->gpa));
		if (host >= level)
			return level;
	}
	return 1;
}

/*
 * Drop the table at @ptep (an entry at @level > 1) and everything under it:
 * the leaves are counted out, the table pages go on @unlinked, to be freed
 * by hv_tdp_free_unlinked() once nothing can reach them.
 */
static void hv_tdp_unlink(struct hv_vm *vm, u64 *ptep, int level, struct list_head *unlinked)
{
	u64 *table = hv_tdp_table_of(*ptep);
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		if (!hv_tdp_present(table[i]))
			continue;
		if (level - 1 > 1 && !hv_tdp_large(table[i]))
			hv_tdp_unlink(vm, &table[i], level - 1, unlinked);
		else
			(*hv_tdp_leaf_count(vm, level - 1))--;
	}
	WRITE_ONCE(*ptep, 0);
	list_add(&virt_to_page(table)->lru, unlinked);
	vm->tdp.nr_tables--;
}

/*
 * Free the table pages hv_tdp_unlink() took out, under mmu_lock.  First no
 * lock-free walker may still be in them (hv_mmu_invalidate_gpa_caches()
 * waits for the readers, which walk with @reading set), and no vCPU may
 * keep them in its paging-structure caches (the flush, which makes every
 * vCPU drop its nested translations before it enters the guest again):
 * a page freed before would be reused while a walk could still read it as
 * a table.
 */
static void hv_tdp_free_unlinked(struct hv_vm *vm, struct list_head *unlinked)
{
	struct page *page, *tmp;

	if (list_empty(unlinked))
		return;
	hv_mmu_invalidate_gpa_caches(vm);
	hv_vm_flush_tlbs(vm);
	list_for_each_entry_safe(page, tmp, unlinked, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/*
 * A fault may map @gpa with a leaf at @level > 1, but a table is in the
 * way: left by smaller leaves since zapped, as when khugepaged collapsed
 * the VMM's 4 KiB pages of the range into a huge page (the notifier zapped
 * the leaves).  The first table on the way, at @level or below, that holds
 * nothing any more goes, and a large leaf takes its place.  A table that
 * still holds entries stays: a 1 GiB range with a 2 MiB table emptied in it
 * is mapped 2 MiB at a time there.
 */
static void hv_tdp_collapse_empty(struct hv_vm *vm, u64 gpa, int level)
{
	u64 *table = vm->tdp.root, *ptep;
	LIST_HEAD(unlinked);
	int l;

	for (l = HV_TDP_LEVELS; l > 1; l--) {
		ptep = &table[hv_tdp_index(gpa, l)];
		if (!hv_tdp_is_table(*ptep))
			return;
		if (l <= level && !memchr_inv(hv_tdp_table_of(*ptep), 0, PAGE_SIZE)) {
			hv_tdp_unlink(vm, ptep, l, &unlinked);
			hv_tdp_free_unlinked(vm, &unlinked);
			return;
		}
		table = hv_tdp_table_of(*ptep);
	}
}

static void hv_tdp_collapse(struct hv_vm *vm, const struct hv_memslot *slot, u64 *table,
			    int level, u64 base, struct list_head *unlinked)
{
	u64 span = hv_tdp_level_size(level);
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		u64 lo = base + i * span;

		if (lo + span <= slot->gpa || lo >= slot->gpa + slot->size ||
		    !hv_tdp_is_table(table[i]))
			continue;
		if (level <= HV_TDP_MAX_LEAF_LEVEL && hv_mmu_leaf_level(vm, slot, lo) >= level)
			hv_tdp_unlink(vm, &table[i], level, unlinked);
		else if (level > 2)
			hv_tdp_collapse(vm, slot, hv_tdp_table_of(table[i]), level - 1, lo,
					unlinked);
	}
}

/*
 * @slot stopped logging (under mmu_lock, the set without its log
 * published): the tables that smaller leaves fill in ranges a large leaf
 * may map go, with their leaves, and the guest's next access to each such
 * range maps it with one large leaf again.  KVM zaps its "collapsible"
 * SPTEs at the same moment.
 */
void hv_mmu_collapse_range(struct hv_vm *vm, const struct hv_memslot *slot)
{
	LIST_HEAD(unlinked);

	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_collapse(vm, slot, vm->tdp.root, HV_TDP_LEVELS, 0, &unlinked);
	hv_tdp_free_unlinked(vm, &unlinked);
}

/*
 * Under mmu_lock: map the range of @gpa at @level (2 MiB or 1 GiB), whose
 * 4 KiB page @pa the lookup found, with one leaf.  A leaf already there is
 * the same page, or the host changed its mapping without the invalidation
 * that would have zapped it: then it goes, and the guest faults again.
 */
static void hv_mmu_map_large(struct hv_vm *vm, u64 *ptep, int level, u64 gpa, phys_addr_t pa,
			     bool map_writable, bool host_writable)
{
	u64 size = hv_tdp_level_size(level);
	phys_addr_t base = pa - (gpa & (size - 1) & PAGE_MASK);

	if (hv_tdp_present(*ptep)) {
		if ((*ptep & HV_TDP_ADDR_MASK) != base) {
			hv_mmu_zap_range(vm, gpa & ~(size - 1), size);
			hv_vm_flush_tlbs(vm);
		} else if (map_writable) {
			hv_tdp_set_writable(ptep, true);
		}
		return;
	}
	WRITE_ONCE(*ptep, hv_tdp_make_leaf(base, map_writable, true, host_writable));
	(*hv_tdp_leaf_count(vm, level))++;
}

/*
 * A guest write to a leaf that dirty logging made read-only, whose page
 * the VMM's mapping still allows writing (HV_TDP_HOST_WRITABLE): log it and
 * give the write permission back, without looking the page up again.
 * True if done; false sends the fault down the full path.  Under mmu_lock,
 * as every writer of the log and of leaves is: a harvest or the start of
 * logging cannot come between the bit and the permission, and a present
 * leaf is one no invalidation has zapped.
 */
static bool hv_mmu_fault_fast(struct hv_vm *vm, u64 gpa)
{
	const struct hv_memslot *slot;
	bool done = false;
	u64 *ptep, pte;

	mutex_lock(&vm->mmu_lock);
	ptep = hv_tdp_leaf_ptr(vm, gpa);
	pte = ptep ? *ptep : 0;
	if (hv_tdp_present(pte) && (pte & HV_TDP_HOST_WRITABLE) &&
	    !(pte & hv_ops->tdp_writable_mask)) {
		slot = hv_mmu_find_slot(vm, gpa);
		if (slot && !(slot->flags & HV_MEM_READONLY)) {
			hv_mark_dirty_slot(slot, gpa);
			hv_tdp_set_writable(ptep, true);
			done = true;
		}
	}
	mutex_unlock(&vm->mmu_lock);
	return done;
}

int hv_mmu_fault(struct hv_vm *vm, struct hv_tdp_cache *tc, u64 gpa, bool write)
{
	const struct hv_memslot *slot;
	bool writable_slot = false, map_writable, host_writable;
	unsigned long hva = 0, seq;
	struct page *page;
	u64 *ptep, pte;
	int r, level;

	if (write && hv_mmu_fault_fast(vm, gpa))
		return 1;
	r = hv_tdp_cache_topup(tc);
	if (r)
		return r;
	/* Before the VMM's page tables are read: see struct hv_mmu_invalidation. */
	seq = hv_mmu_inval_seq(vm);
	rcu_read_lock();
	slot = hv_memslot_find(rcu_dereference(vm->memslots)->slot, gpa);
	if (slot) {
		writable_slot = !(slot->flags & HV_MEM_READONLY);
		hva = slot->hva + ((gpa & PAGE_MASK) - slot->gpa);
	}
	rcu_read_unlock();
	if (!slot || (write && !writable_slot))
		return 0;
	r = hv_mmu_get_page(hva, write, writable_slot, &page, &map_writable);
	if (r)
		return r;
	host_writable = map_writable;

	mutex_lock(&vm->mmu_lock);
	r = 1;
	/*
	 * An invalidation of @hva is under way or ended since the lookup, or
	 * the slots changed: the page may already be on its way out.  Map
	 * nothing; the guest faults again and looks it up anew.
	 */
	if (hv_mmu_inval_retry(vm, seq, hva))
		goto out_unlock;
	/* The slot of the lookup: a slot change would have changed the sequence. */
	slot = hv_mmu_find_slot(vm, gpa);
	/* A logging slot maps a page writable only for a write, which it logs. */
	if (slot->dirty_bitmap && !write)
		map_writable = false;
	level = hv_mmu_leaf_level(vm, slot, gpa);
	if (level > 1)
		hv_tdp_collapse_empty(vm, gpa, level);
	ptep = hv_tdp_walk_alloc(vm, tc, gpa, &level);
	if (!ptep) {
		r = -ENOMEM;
		goto out_unlock;
	}
	if (level > 1) {
		hv_mmu_map_large(vm, ptep, level, gpa, page_to_phys(page), map_writable,
				 host_writable);
		goto out_unlock;
	}
	pte = *ptep;
	if (hv_tdp_present(pte) && (pte & HV_TDP_ADDR_MASK) != page_to_phys(page)) {
		/*
		 * Not expected: the VMM's mapping changes only through an
		 * invalidation, which zaps this leaf first.  Should it happen,
		 * no vCPU keeps the old page.
		 */
		hv_mmu_zap_range(vm, gpa & PAGE_MASK, PAGE_SIZE);
		hv_vm_flush_tlbs(vm);
		pte = 0;
	}
	if (write)
		hv_mark_dirty_slot(slot, gpa);
	if (hv_tdp_present(pte)) {
		/*
		 * Another vCPU mapped it first (the access is just retried),
		 * or a write to a leaf mapped read-only: by dirty logging, or
		 * because the VMM's mapping was read-only until now.
		 */
		if (host_writable)
			WRITE_ONCE(*ptep, *ptep | HV_TDP_HOST_WRITABLE);
		if (map_writable)
			hv_tdp_set_writable(ptep, true);
		goto out_unlock;
	}
	WRITE_ONCE(*ptep, hv_tdp_make_leaf(page_to_phys(page), map_writable, false, host_writable));
	vm->tdp.nr_leaves++;
out_unlock:
	mutex_unlock(&vm->mmu_lock);
	/*
	 * The guest may write the page without the VMM's page tables seeing
	 * it: mark it dirty now, so that reclaim writes it back rather than
	 * dropping it.  Writeback cleans it only after write-protecting the
	 * VMM's mapping, which zaps this leaf first.  A leaf that dirty
	 * logging maps read-only counts too: hv_mmu_fault_fast() may make it
	 * writable later without coming here.
	 */
	if (r == 1 && host_writable)
		set_page_dirty_lock(page);
	put_page(page);
	return r;
}

/*
 * Call @leaf_fn on every non-zero leaf of [start, end) under @table at
 * @level, with its level and @arg: 4 KiB leaves, and large ones that
 * [start, end) covers only a part of too.  A non-present table entry has
 * nothing under it (a table goes only with its leaves, hv_tdp_unlink()).
 */
void hv_tdp_walk_leaves(struct hv_vm *vm, u64 *table, int level, u64 base, u64 start, u64 end,
			hv_tdp_leaf_fn leaf_fn, void *arg)
{
	u64 span = hv_tdp_level_size(level);
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !table[i])
			continue;
		if (level == 1 || (hv_tdp_present(table[i]) && hv_tdp_large(table[i])))
			leaf_fn(vm, &table[i], level, arg);
		else if (hv_tdp_present(table[i]))
			hv_tdp_walk_leaves(vm, hv_tdp_table_of(table[i]), level - 1, lo, start, end,
					   leaf_fn, arg);
	}
}

/* A present leaf (of any size) is cleared; *@arg: one was. */
void hv_tdp_zap_leaf(struct hv_vm *vm, u64 *ptep, int level, void *arg)
{
	if (!hv_tdp_present(*ptep))
		return;
	WRITE_ONCE(*ptep, 0);
	(*hv_tdp_leaf_count(vm, level))--;
	if (arg)
		*(bool *)arg = true;
}

/*
 * Unmap [gpa, gpa + size) from the nested table; true if a leaf was
 * present.  The gpa caches forget the pages before this returns; the
 * caller then makes every vCPU drop its translations (hv_vm_flush_tlbs())
 * before the pages may go: a guest on another CPU may still hold an old
 * translation in its TLB until then.
 */
bool hv_mmu_zap_range(struct hv_vm *vm, u64 gpa, u64 size)
{
	bool zapped = false;

	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size, hv_tdp_zap_leaf,
			   &zapped);
	if (zapped)
		hv_mmu_invalidate_gpa_caches(vm);
	return zapped;
}

static void hv_tdp_free_tables(struct hv_vm *vm, u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < HV_TDP_ENTRIES; i++)
			if (hv_tdp_is_table(table[i]))
				hv_tdp_free_tables(vm, hv_tdp_table_of(table[i]), level - 1);
	}
	free_page((unsigned long)table);
	vm->tdp.nr_tables--;
}

/* No vCPU can run any more, no notifier call can come: free the tables. */
void hv_mmu_destroy(struct hv_vm *vm)
{
	struct hv_memslots *slots = rcu_dereference_protected(vm->memslots, true);
	int i;

	for (i = 0; slots && i < HV_MAX_MEMSLOTS; i++)
		kvfree(slots->slot[i].dirty_bitmap);
	kfree(slots);
	RCU_INIT_POINTER(vm->memslots, NULL);
	if (!vm->tdp.root)
		return;
	hv_tdp_free_tables(vm, vm->tdp.root, HV_TDP_LEVELS);
	vm->tdp.root = NULL;
	vm->tdp.nr_leaves = 0;
	vm->tdp.nr_2m = 0;
	vm->tdp.nr_1g = 0;
	WARN_ON_ONCE(vm->tdp.nr_tables);
}

/*
 * Guest-physical to host-virtual for one page-bounded chunk.  The slot is
 * looked up in the RCU-published set, without a lock; the copy itself goes
 * through the VMM's own mapping, after the read-side section, so it may
 * fault and sleep like any copy_from_user().  A slot replaced meanwhile
 * leaves at worst a copy through the VMM's old address, which is the VMM's
 * memory either way, as it was when the lookup took mmu_lock.
 */
static int hv_gpa_to_hva(struct hv_vm *vm, u64 gpa, bool write, unsigned long *hva)
{
	const struct hv_memslot *slot;
	int r = -EFAULT;

	rcu_read_lock();
	slot = hv_memslot_find(rcu_dereference(vm->memslots)->slot, gpa);
	if (slot && !(write && (slot->flags & HV_MEM_READONLY))) {
		*hva = slot->hva + (gpa - slot->gpa);
		r = 0;
	}
	rcu_read_unlock();
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

/*
 * hv wrote guest memory at @gpa for the guest (string IN, the RAM side of an
 * emulated MOVS): log it as a guest write would be.  After the copy, so
 * that a HV_GET_DIRTY_LOG that takes the bit finds the data already there.
 * A published slot never changes, and a bitmap is freed only a grace period
 * after a set without it was published.
 */
static void hv_mark_dirty(struct hv_vm *vm, u64 gpa)
{
	const struct hv_memslot *slot;

	rcu_read_lock();
	slot = hv_memslot_find(rcu_dereference(vm->memslots)->slot, gpa);
	if (slot)
		hv_mark_dirty_slot(slot, gpa);
	rcu_read_unlock();
}

int hv_write_gpa(struct hv_vm *vm, u64 gpa, const void *buf, unsigned int len)
{
	while (len) {
		unsigned int chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		unsigned long hva;

		if (hv_gpa_to_hva(vm, gpa, true, &hva) ||
		    copy_to_user((void __user *)hva, buf, chunk))
			return -EFAULT;
		hv_mark_dirty(vm, gpa);
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * The kernel address of the page the nested table maps at @gpa, or NULL if
 * no present leaf maps it.  Lockless: entries are written with
 * WRITE_ONCE(), and a table is filled before it is linked.  The caller has
 * announced its read (struct hv_gpa_cache's @reading), which keeps a page
 * found here, and a table on the way, from going before it is done
 * (hv_mmu_invalidate_gpa_caches(), hv_tdp_free_unlinked()).
 */
static void *hv_tdp_lookup_kva(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;
	u64 pte;

	for (level = HV_TDP_LEVELS; level > 1; level--) {
		pte = READ_ONCE(table[hv_tdp_index(gpa, level)]);
		if (!hv_tdp_present(pte))
			return NULL;
		if (hv_tdp_large(pte))
			return __va((pte & HV_TDP_ADDR_MASK) +
				    (gpa & (hv_tdp_level_size(level) - 1) & PAGE_MASK));
		table = hv_tdp_table_of(pte);
	}
	pte = READ_ONCE(table[hv_tdp_index(gpa, 1)]);
	if (!hv_tdp_present(pte))
		return NULL;
	return __va(pte & HV_TDP_ADDR_MASK);
}

/*
 * hv_read_gpa() for the vCPU's own page walks and instruction fetches,
 * which read a few bytes of the same few pages on every exit that has to
 * decode.  Instead of a slot lookup and a copy_from_user() per read, a hit
 * is a load from the page the guest itself sees at @gpa.
 *
 * Why this is correct:
 * - Only the host page behind a guest-physical page is cached, never data
 *   and never a guest-virtual translation: the guest's page tables are
 *   walked afresh on every fetch, so the guest's own TLB maintenance (MOV
 *   CR3, INVLPG, INVPCID, which do not exit with nested paging) needs no
 *   tracking here.
 * - The host page stays what the guest sees at @gpa until the nested leaf
 *   is zapped, and a zap or a slot change bumps vm->mem_gen first; an entry
 *   from an older generation is looked up again in the nested table, which
 *   then has no leaf (this falls back to the slots) or the new one.
 * - The page cannot go while it is read: the generation check and the copy
 *   happen with @reading set and preemption off, and every zap waits for a
 *   reader it may have missed (hv_mmu_invalidate_gpa_caches()) before the
 *   MMU notifier or a slot change lets the page go.
 * Addresses the nested table does not map (not touched yet, MMIO) take the
 * slot path, uncached.
 */
int hv_read_gpa_cached(struct hv_vm *vm, struct hv_gpa_cache *cache, u64 gpa,
		       void *buf, unsigned int len)
{
	u64 gfn = gpa >> PAGE_SHIFT, gen;
	struct hv_gpa_cache_entry *e;
	void *kva = NULL;
	unsigned int i;

	if (offset_in_page(gpa) + len > PAGE_SIZE)
		return hv_read_gpa(vm, gpa, buf, len);

	preempt_disable();
	WRITE_ONCE(cache->reading, 1);
	/* Pairs with hv_mmu_invalidate_gpa_caches(): a new generation, a new table. */
	smp_mb();
	gen = READ_ONCE(vm->mem_gen);
	for (i = 0; i < HV_GPA_CACHE_SIZE; i++) {
		e = &cache->e[i];
		if (e->gfn == gfn && e->gen == gen) {
			kva = e->kva;
			break;
		}
	}
	if (!kva) {
		kva = hv_tdp_lookup_kva(vm, gpa);
		if (!kva) {
			/* Nothing read: any order does, release as below. */
			smp_store_release(&cache->reading, 0);
			preempt_enable();
			return hv_read_gpa(vm, gpa, buf, len);
		}
		e = &cache->e[cache->next];
		cache->next = (cache->next + 1) % HV_GPA_CACHE_SIZE;
		e->gfn = gfn;
		e->gen = gen;
		e->kva = kva;
	}
	memcpy(buf, kva + offset_in_page(gpa), len);
	/* The copy is done before an invalidation can see the flag clear. */
	smp_store_release(&cache->reading, 0);
	preempt_enable();
	return 0;
}
