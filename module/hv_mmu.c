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
 *
 * The slot set is read without a lock (RCU), and the vCPUs' reads of guest
 * page tables and instruction bytes go straight to the pinned pages through
 * a small per-vCPU cache (struct hv_gpa_cache): see hv_read_gpa_cached().
 *
 * Dirty logging (HV_MEM_LOG_DIRTY) works by write protection: while a slot
 * logs, its leaves are mapped read-only until the guest writes the page;
 * that write fault sets the page's bit in the slot's log and makes the
 * leaf writable, and the guest goes on without an exit to userspace.
 * HV_GET_DIRTY_LOG takes the bits and write-protects their leaves again.
 * The pages stay mapped and pinned throughout: only the write permission
 * changes.  Every leaf is 4 KiB (hv maps no huge pages yet), so a
 * write-protected range never has a large leaf to split.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
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
 * slot change (hv_mmu_publish_slots()) and an unmap (hv_mmu_zap_range())
 * call it, and so must anything that will unmap or unpin a page in future
 * (an MMU notifier), before the page can go away.  The release store pairs
 * with the acquire in hv_read_gpa_cached(): a vCPU that sees the new
 * generation also sees the zapped leaves and the new slot set.
 */
void hv_mmu_invalidate_gpa_caches(struct hv_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	/* Orders the zap and the new slot set before the new generation. */
	smp_store_release(&vm->mem_gen, vm->mem_gen + 1);
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
	/* A zeroed struct hv_gpa_cache entry (gen 0) is never valid. */
	vm->mem_gen = 1;
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
			/* hv_tdp_lookup_kva() walks without the lock. */
			WRITE_ONCE(*pte, hv_ops->tdp_table(__pa(next)));
		}
		table = hv_tdp_table_of(*pte);
	}
	return &table[hv_tdp_index(gpa, 1)];
}

/* The leaf entry for @gpa if every table on the way exists, else NULL (mmu_lock). */
static u64 *hv_tdp_leaf_ptr(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = HV_TDP_LEVELS; level > 1; level--) {
		u64 pte = table[hv_tdp_index(gpa, level)];

		if (!hv_tdp_present(pte))
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
	WRITE_ONCE(*ptep, hv_ops->tdp_leaf(pte & HV_TDP_ADDR_MASK, writable));
	return was;
}

static void hv_mark_dirty_slot(const struct hv_memslot *slot, u64 gpa)
{
	if (slot->dirty_bitmap)
		set_bit((gpa - slot->gpa) >> PAGE_SHIFT, slot->dirty_bitmap);
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
	/*
	 * Another vCPU mapped it first: just retry the access.  Or a write to
	 * a leaf dirty logging write-protected (the slot logs, or logged until
	 * recently): log the page and let the guest write it.  The page was
	 * pinned for writing, as every page of a writable slot is.
	 */
	r = 1;
	if (hv_tdp_present(*ptep)) {
		if (write && !(*ptep & hv_ops->tdp_writable_mask)) {
			hv_mark_dirty_slot(slot, gpa);
			hv_tdp_set_writable(ptep, true);
		}
		goto out;
	}

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
	/* A logging slot maps a page writable only for a write, which it logs. */
	if (slot->dirty_bitmap) {
		writable = write;
		if (write)
			hv_mark_dirty_slot(slot, gpa);
	}
	WRITE_ONCE(*ptep, hv_ops->tdp_leaf(page_to_phys(page), writable));
	vm->tdp.nr_pinned++;
	r = 1;
out:
	mutex_unlock(&vm->mmu_lock);
	return r;
}

/*
 * Call @leaf_fn on every non-zero leaf of [start, end) under @table at
 * @level (present, or zapped and not yet released), with @arg.  Tables are
 * never zapped, only freed with the VM, so a non-present table entry has
 * nothing under it.
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
		if (level == 1)
			leaf_fn(vm, &table[i], arg);
		else if (hv_tdp_present(table[i]))
			hv_tdp_walk_leaves(vm, hv_tdp_table_of(table[i]), level - 1, lo, start, end,
					   leaf_fn, arg);
	}
}

/*
 * Zapping, the first step: a present leaf loses only its present bits.  No
 * vCPU can take a new translation through it, but its address stays, and
 * with it the pin, because a vCPU in guest mode on another CPU may still
 * hold the old translation in its TLB until hv_vm_flush_tlbs() has made it
 * exit.  Leaves are written only under mmu_lock, so a non-zero leaf
 * without present bits is always one zapped and not yet released.
 */
static void hv_tdp_zap_leaf(struct hv_vm *vm, u64 *ptep, void *unused)
{
	WRITE_ONCE(*ptep, *ptep & ~hv_ops->tdp_present_mask);
}

/* The second step, after the flush: a zapped leaf has its page unpinned and is cleared. */
static void hv_tdp_release_leaf(struct hv_vm *vm, u64 *ptep, void *unused)
{
	if (hv_tdp_present(*ptep))
		return;
	unpin_user_page(pfn_to_page((*ptep & HV_TDP_ADDR_MASK) >> PAGE_SHIFT));
	vm->tdp.nr_pinned--;
	WRITE_ONCE(*ptep, 0);
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
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size, hv_tdp_zap_leaf,
			   NULL);
	hv_mmu_invalidate_gpa_caches(vm);
}

/*
 * Unpin the pages hv_mmu_zap_range() unmapped, once no vCPU can reach them:
 * not in guest mode (hv_vm_flush_tlbs(), done by the caller), and not
 * through a gpa cache either.  A cached read checks the generation and
 * copies inside one RCU read-side section, and the generation was bumped
 * with the zap, so after a grace period no reader can still be copying
 * from a page of the range.
 */
void hv_mmu_release_zapped(struct hv_vm *vm, u64 gpa, u64 size)
{
	lockdep_assert_held(&vm->mmu_lock);
	synchronize_rcu();
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size,
			   hv_tdp_release_leaf, NULL);
}

/* Logging turns on: a present leaf loses write permission; *@arg: one did. */
static void hv_tdp_write_protect_leaf(struct hv_vm *vm, u64 *ptep, void *arg)
{
	*(bool *)arg |= hv_tdp_set_writable(ptep, false);
}

/*
 * Logging turns on for [gpa, gpa + size): every leaf loses its write
 * permission, so that the next write to each page faults and is logged.
 * The gpa caches need nothing: they only ever read, and no page goes away.
 */
bool hv_mmu_write_protect(struct hv_vm *vm, u64 gpa, u64 size)
{
	bool changed = false;

	lockdep_assert_held(&vm->mmu_lock);
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, gpa, gpa + size,
			   hv_tdp_write_protect_leaf, &changed);
	return changed;
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
			if (hv_tdp_present(table[i]))
				hv_tdp_free_tables(vm, hv_tdp_table_of(table[i]), level - 1);
	}
	free_page((unsigned long)table);
	vm->tdp.nr_tables--;
}

/* No vCPU can run any more: unpin every page and free the tables. */
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
	mutex_lock(&vm->mmu_lock);
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, 0, ~0ULL, hv_tdp_zap_leaf, NULL);
	hv_tdp_walk_leaves(vm, vm->tdp.root, HV_TDP_LEVELS, 0, 0, ~0ULL, hv_tdp_release_leaf, NULL);
	mutex_unlock(&vm->mmu_lock);
	hv_tdp_free_tables(vm, vm->tdp.root, HV_TDP_LEVELS);
	vm->tdp.root = NULL;
	WARN_ON_ONCE(vm->tdp.nr_pinned || vm->tdp.nr_tables);
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
 * The caller is in an RCU read-side section, which keeps a page found here
 * pinned (hv_mmu_release_zapped()).
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
 * is a load from the pinned page the guest itself sees at @gpa.
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
 * - The page cannot be unpinned while it is read: the generation check and
 *   the copy are one RCU read-side section, and hv_mmu_release_zapped()
 *   waits for a grace period after the bump before it unpins.
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

	rcu_read_lock();
	/* Pairs with hv_mmu_invalidate_gpa_caches(): a new generation, a new table. */
	gen = smp_load_acquire(&vm->mem_gen);
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
			rcu_read_unlock();
			return hv_read_gpa(vm, gpa, buf, len);
		}
		e = &cache->e[cache->next];
		cache->next = (cache->next + 1) % HV_GPA_CACHE_SIZE;
		e->gfn = gfn;
		e->gen = gen;
		e->kva = kva;
	}
	memcpy(buf, kva + offset_in_page(gpa), len);
	rcu_read_unlock();
	return 0;
}
