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
 * Dirty logging (HV_MEM_LOG_DIRTY) works by write protection: while a slot
 * logs, its leaves are mapped read-only until the guest writes the page;
 * that write fault sets the page's bit in the slot's log and makes the
 * leaf writable, and the guest goes on without an exit to userspace.
 * HV_GET_DIRTY_LOG takes the bits and write-protects their leaves again.
 * The pages stay mapped throughout: only the write permission changes, and
 * a write to a page whose VMM mapping was writable gets it back without a
 * new lookup (hv_mmu_fault_fast()).
 *
 * Where the VMM backs a whole, aligned 2 MiB range of a slot with a huge
 * page (THP, hugetlbfs), one 2 MiB leaf maps it (hv_mmu_map_large());
 * turning logging on splits it into 512 read-only 4 KiB leaves, and any
 * invalidation of a part of it zaps it whole.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_arch.h"
#include "hv_vcpu.h"
#include "hv_vm.h"

#define HV_TDP_LEVELS		4
#define HV_TDP_ENTRIES		512
#define HV_TDP_ADDR_MASK	GENMASK_ULL(51, 12)
#define HV_TDP_2M		BIT_ULL(21)
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

/* A present level-2 entry that maps 2 MiB rather than a table (never set at level 1). */
static bool hv_tdp_large(u64 pte)
{
	return pte & hv_ops->tdp_large_mask;
}

/*
 * A leaf: tdp_leaf() of @pa, made a 2 MiB one for a level-2 entry, with
 * HV_TDP_HOST_WRITABLE if @host_writable.
 */
static u64 hv_tdp_make_leaf(phys_addr_t pa, bool writable, bool large, bool host_writable)
{
	return hv_ops->tdp_leaf(pa, writable) | (large ? hv_ops->tdp_large_mask : 0) |
	       (host_writable ? HV_TDP_HOST_WRITABLE : 0);
}

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
 * Find the entry for @gpa at @target (1: the 4 KiB leaf, 2: the level-2
 * entry), adding missing tables from @tc; NULL if a 2 MiB leaf is in the
 * way of a level-1 walk.
 */
static u64 *hv_tdp_walk_alloc(struct hv_vm *vm, struct hv_tdp_cache *tc, u64 gpa, int target)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = HV_TDP_LEVELS; level > target; level--) {
		u64 *pte = &table[hv_tdp_index(gpa, level)];

		if (hv_tdp_present(*pte) && hv_tdp_large(*pte))
			return NULL;
		if (!hv_tdp_present(*pte)) {
			u64 *next;

			if (WARN_ON_ONCE(!tc->nr))
				return NULL;
			next = tc->pages[--tc->nr];
			vm->tdp.nr_tables++;
			/* hv_tdp_lookup_kva() walks without the lock. */
			WRITE_ONCE(*pte, hv_ops->tdp_table(__pa(next)));
		}
		table = hv_tdp_table_of(*pte);
	}
	return &table[hv_tdp_index(gpa, target)];
}

/* The 4 KiB leaf entry for @gpa if every table on the way exists, else NULL (mmu_lock). */
static u64 *hv_tdp_leaf_ptr(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = HV_TDP_LEVELS; level > 1; level--) {
		u64 pte = table[hv_tdp_index(gpa, level)];

		if (!hv_tdp_present(pte) || hv_tdp_large(pte))
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
static bool hv_tdp_set_writable(u64 *ptep, bool writable)
{
	u64 pte = *ptep;
	bool was = pte & hv_ops->tdp_writable_mask;

	if (!hv_tdp_present(pte) || was == writable)
		return false;
	WRITE_ONCE(*ptep, hv_tdp_make_leaf(pte & HV_TDP_ADDR_MASK, writable, hv_tdp_large(pte),
					   pte & HV_TDP_HOST_WRITABLE));
	return was;
}

static void hv_mark_dirty_slot(const struct hv_memslot *slot, u64 gpa)
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
 * Whether the VMM maps @hva with a leaf of 2 MiB or more (a transparent
 * huge page, hugetlbfs).  Read without locks, as gup-fast reads: with
 * interrupts off, page tables cannot be freed under the walk.  Called
 * under mmu_lock after the sequence check: a mapping seen here cannot be
 * changing, or an invalidation covering it would be active.
 */
static bool hv_host_maps_2m(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool large = false;
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
		large = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	large = pmd_present(pmd) && pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return large;
}

/*
 * Whether @slot allows a 2 MiB leaf for @gpa: it does not log (the log
 * has 4 KiB granularity), holds the whole 2 MiB-aligned range of @gpa, and
 * maps it at the same offset in a 2 MiB frame of the VMM's address space.
 */
static bool hv_memslot_allows_large(const struct hv_memslot *slot, u64 gpa)
{
	u64 base = gpa & ~(HV_TDP_2M - 1);

	return !slot->dirty_bitmap && base >= slot->gpa &&
	       base + HV_TDP_2M <= slot->gpa + slot->size &&
	       !((slot->hva - slot->gpa) & (HV_TDP_2M - 1));
}

/* ...and the CPU takes 2 MiB leaves, and the VMM backs the range with one 2 MiB page. */
static bool hv_mmu_fault_large(struct hv_vm *vm, const struct hv_memslot *slot, u64 gpa,
			       unsigned long hva)
{
	return hv_ops->tdp_has_large() && hv_memslot_allows_large(slot, gpa) &&
	       hv_host_maps_2m(vm->mm, hva);
}

/*
 * Under mmu_lock: map the 2 MiB range of @gpa, whose 4 KiB page @pa the
 * lookup found, with one leaf.  A 2 MiB leaf already there is the same
 * page, or the host changed its mapping without the invalidation that
 * would have zapped it: then it goes, and the guest faults again.
 */
static void hv_mmu_map_large(struct hv_vm *vm, u64 *pde, u64 gpa, phys_addr_t pa,
			     bool map_writable, bool host_writable)
{
	phys_addr_t base = pa - (gpa & (HV_TDP_2M - 1) & PAGE_MASK);

	if (hv_tdp_present(*pde)) {
		if ((*pde & HV_TDP_ADDR_MASK) != base) {
			hv_mmu_zap_range(vm, gpa & ~(HV_TDP_2M - 1), HV_TDP_2M);
			hv_vm_flush_tlbs(vm);
		} else if (map_writable) {
			hv_tdp_set_writable(pde, true);
		}
		return;
	}
	WRITE_ONCE(*pde, hv_tdp_make_leaf(base, map_writable, true, host_writable));
	vm->tdp.nr_large++;
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
	int r;

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
	ptep = hv_tdp_walk_alloc(vm, tc, gpa, 2);
	if (!ptep) {
		r = -ENOMEM;
		goto out_unlock;
	}
	if ((hv_tdp_present(*ptep) && hv_tdp_large(*ptep)) ||
	    (!hv_tdp_present(*ptep) && hv_mmu_fault_large(vm, slot, gpa, hva))) {
		hv_mmu_map_large(vm, ptep, gpa, page_to_phys(page), map_writable, host_writable);
		goto out_unlock;
	}
	ptep = hv_tdp_walk_alloc(vm, tc, gpa, 1);
	if (!ptep) {
		r = -ENOMEM;
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
 * @level, with @arg: 4 KiB leaves, and 2 MiB ones that [start, end) covers
 * only a part of too.  Tables are never zapped, only freed with the VM, so
 * a non-present table entry has nothing under it.
 */
static void hv_tdp_walk_leaves(struct hv_vm *vm, u64 *table, int level, u64 base, u64 start,
			       u64 end, void (*leaf_fn)(struct hv_vm *vm, u64 *ptep, void *arg),
			       void *arg)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !table[i])
			continue;
		if (level == 1 || (hv_tdp_present(table[i]) && hv_tdp_large(table[i])))
			leaf_fn(vm, &table[i], arg);
		else if (hv_tdp_present(table[i]))
			hv_tdp_walk_leaves(vm, hv_tdp_table_of(table[i]), level - 1, lo, start, end,
					   leaf_fn, arg);
	}
}

/* A present leaf (4 KiB or 2 MiB) is cleared; *@arg: one was. */
static void hv_tdp_zap_leaf(struct hv_vm *vm, u64 *ptep, void *arg)
{
	u64 pte = *ptep;

	if (!hv_tdp_present(pte))
		return;
	WRITE_ONCE(*ptep, 0);
	if (hv_tdp_large(pte))
		vm->tdp.nr_large--;
	else
		vm->tdp.nr_leaves--;
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

/*
 * Table pages to split the 2 MiB leaves of a slot whose logging turns on,
 * allocated before mmu_lock: one a 2 MiB leaf the VM has (at most one a
 * 2 MiB of the slot).  Best effort: a leaf left without a page is zapped.
 */
int hv_mmu_split_pool_alloc(struct hv_vm *vm, u64 size, struct hv_tdp_split_pool *pool)
{
	unsigned long want = min_t(u64, READ_ONCE(vm->tdp.nr_large), size / HV_TDP_2M);

	pool->nr = 0;
	pool->pages = NULL;
	if (!want)
		return 0;
	pool->pages = kvcalloc(want, sizeof(void *), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pool->pages)
		return -ENOMEM;
	while (pool->nr < want) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT | __GFP_NOWARN);

		if (!page)
			break;
		pool->pages[pool->nr++] = page;
	}
	return 0;
}

void hv_mmu_split_pool_free(struct hv_tdp_split_pool *pool)
{
	while (pool->nr)
		free_page((unsigned long)pool->pages[--pool->nr]);
	kvfree(pool->pages);
	pool->pages = NULL;
}

struct hv_write_protect {
	struct hv_tdp_split_pool *pool;	/* tables for the 2 MiB leaves, or NULL */
	bool lost_write;		/* a leaf lost its write permission: flush */
	bool zapped;			/* a 2 MiB leaf went: the gpa caches forget */
};

/*
 * Replace the 2 MiB leaf at @pde with a table of 512 read-only 4 KiB leaves
 * of the same pages, as KVM's eager split does: the guest keeps every
 * mapping, only its writes fault (and are logged) at 4 KiB granularity.
 * The table is filled before it is published: the lock-free walkers may
 * follow the new entry at once, and find either leaf the same page.
 */
static void hv_tdp_split_large(struct hv_vm *vm, u64 *pde, u64 *table)
{
	phys_addr_t base = *pde & HV_TDP_ADDR_MASK;
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++)
		table[i] = hv_tdp_make_leaf(base + i * PAGE_SIZE, false, false,
					    *pde & HV_TDP_HOST_WRITABLE);
	/* The entries before the table that holds them. */
	smp_wmb();
	WRITE_ONCE(*pde, hv_ops->tdp_table(__pa(table)));
	vm->tdp.nr_tables++;
	vm->tdp.nr_large--;
	vm->tdp.nr_leaves += HV_TDP_ENTRIES;
}

/*
 * Logging turns on: a present leaf loses write permission.  A 2 MiB leaf
 * is split into 4 KiB ones (the log has one bit a 4 KiB page, and a
 * logging slot maps no other), or zapped if the pool has no table left.
 */
static void hv_tdp_write_protect_leaf(struct hv_vm *vm, u64 *ptep, void *arg)
{
	struct hv_write_protect *wp = arg;

	if (hv_tdp_present(*ptep) && hv_tdp_large(*ptep)) {
		wp->lost_write |= !!(*ptep & hv_ops->tdp_writable_mask);
		if (wp->pool && wp->pool->nr)
			hv_tdp_split_large(vm, ptep, wp->pool->pages[--wp->pool->nr]);
		else
			hv_tdp_zap_leaf(vm, ptep, &wp->zapped);
		return;
	}
	wp->lost_write |= hv_tdp_set_writable(ptep, false);
}

/*
 * Logging turns on for [gpa, gpa + size): every leaf loses its write
 * permission, so that the next write to each page faults and is logged.
 * The gpa caches need nothing for that (they only read, and no page goes
 * away, also when a 2 MiB leaf is split), only for 2 MiB leaves zapped.
 * @pool: tables to split 2 MiB leaves with (hv_mmu_split_pool_alloc()),
 * or NULL to zap them.
 */
bool hv_mmu_write_protect(struct hv_vm *vm, u64 gpa, u64 size, struct hv_tdp_split_pool *pool)
{
	struct hv_write_protect wp = { .pool = pool };

	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size,
			   hv_tdp_write_protect_leaf, &wp);
	if (wp.zapped)
		hv_mmu_invalidate_gpa_caches(vm);
	return wp.lost_write;
}

/*
 * A bitmap for a logging slot of @size bytes: the live log and the
 * snapshot half (struct hv_memslot).  No warning for a size a VMM asked
 * for that kvmalloc refuses outright (more than INT_MAX bytes).
 */
unsigned long *hv_mmu_dirty_bitmap_alloc(u64 size)
{
	return kvcalloc(2 * hv_memslot_dirty_words(size), sizeof(unsigned long),
			GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

/*
 * HV_GET_DIRTY_LOG's get-and-clear, under mmu_lock.  Each word of the live
 * log is taken with xchg(), so a bit hv_write_gpa() sets meanwhile is either
 * taken now or stays for the next call; the leaves of the pages taken are
 * write-protected, so the next guest write to one of them faults and sets
 * its bit again.  A guest write through a translation cached before the
 * caller's flush lands in a page this snapshot reports, and the VMM reads
 * the page only after the call returns: no write is lost.  The write faults
 * that set bits hold mmu_lock, so none can make a leaf writable between the
 * xchg() and the write protection here.
 */
bool hv_mmu_dirty_harvest(struct hv_vm *vm, const struct hv_memslot *slot)
{
	unsigned long words = hv_memslot_dirty_words(slot->size);
	unsigned long *live = slot->dirty_bitmap, *snap = live + words;
	bool flush = false;
	unsigned long i;

	lockdep_assert_held(&vm->slots_lock);	/* the snapshot half */
	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < words; i++) {
		unsigned long w = READ_ONCE(live[i]) ? xchg(&live[i], 0) : 0;
		unsigned int bit;

		snap[i] = w;
		for_each_set_bit(bit, &w, BITS_PER_LONG) {
			u64 gpa = slot->gpa + (((u64)i * BITS_PER_LONG + bit) << PAGE_SHIFT);
			u64 *ptep = hv_tdp_leaf_ptr(vm, gpa);

			if (ptep)
				flush |= hv_tdp_set_writable(ptep, false);
		}
	}
	return flush;
}

/*
 * The copy of the snapshot to userspace failed: its bits go back to the
 * live log, where the next call finds them (their pages stay
 * write-protected, which costs at most a fault).
 */
void hv_mmu_dirty_put_back(const struct hv_memslot *slot)
{
	unsigned long words = hv_memslot_dirty_words(slot->size);
	unsigned long *live = slot->dirty_bitmap, *snap = live + words;
	unsigned long i;

	for (i = 0; i < words; i++)
		if (snap[i])
			atomic_long_or(snap[i], (atomic_long_t *)&live[i]);
}

static void hv_tdp_free_tables(struct hv_vm *vm, u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < HV_TDP_ENTRIES; i++)
			if (hv_tdp_present(table[i]) && !hv_tdp_large(table[i]))
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
	vm->tdp.nr_large = 0;
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
 * no present leaf maps it.  Lockless: tables are only added (under
 * mmu_lock) and freed with the VM, entries are written with WRITE_ONCE().
 * The caller has announced its read (struct hv_gpa_cache's @reading), which
 * keeps a page found here from going before it is done
 * (hv_mmu_invalidate_gpa_caches()).
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
			return __va((pte & HV_TDP_ADDR_MASK) + (gpa & (HV_TDP_2M - 1) & PAGE_MASK));
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
