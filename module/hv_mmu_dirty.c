// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty-page logging of the nested page table (HV_MEM_LOG_DIRTY): write
 * protection when logging turns on, with large leaves split to 4 KiB ones,
 * and HV_GET_DIRTY_LOG's get-and-clear.
 *
 * While a slot logs, its leaves are mapped read-only until the guest writes
 * the page; that write fault sets the page's bit in the slot's log and
 * makes the leaf writable (hv_mmu_fault(), hv_mmu_fault_fast()), and the
 * guest goes on without an exit to userspace.  HV_GET_DIRTY_LOG takes the
 * bits and write-protects their leaves again.  The pages stay mapped
 * throughout: only the write permission changes.  The log has one bit a
 * 4 KiB page, so a logging slot maps no larger leaf: turning logging on
 * splits each one, as KVM's eager split does, and turning it off lets them
 * come back (hv_mmu_collapse_range()).
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "hv_tdp.h"

/* Table pages a split of a leaf at @level takes: one a level below 2 MiB. */
static unsigned long hv_tdp_split_cost(int level)
{
	return level == 2 ? 1 : 1 + HV_TDP_ENTRIES;
}

/*
 * Table pages to split the large leaves of a slot whose logging turns on,
 * allocated before mmu_lock: as many as the VM's large leaves could need,
 * at most what a slot of @size can hold.  Best effort: a leaf left without
 * enough pages is zapped.
 */
int hv_mmu_split_pool_alloc(struct hv_vm *vm, u64 size, struct hv_tdp_split_pool *pool)
{
	unsigned long want = min_t(u64, READ_ONCE(vm->tdp.nr_2m), size / hv_tdp_level_size(2)) +
			     min_t(u64, READ_ONCE(vm->tdp.nr_1g), size / hv_tdp_level_size(3)) *
			     hv_tdp_split_cost(3);

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

/*
 * Replace the large leaf at @ptep (@level 2 or 3) with tables of read-only
 * 4 KiB leaves of the same pages, from @pool (which holds enough): the
 * guest keeps every mapping, only its writes fault (and are logged) at
 * 4 KiB granularity.  A 1 GiB leaf becomes a table of 2 MiB leaves, each
 * split in turn before the table is published.  The table is filled before
 * it is published: the lock-free walkers may follow the new entry at once,
 * and find either leaf the same page.
 */
static void hv_tdp_split_large(struct hv_vm *vm, u64 *ptep, int level,
			       struct hv_tdp_split_pool *pool)
{
	u64 pte = *ptep, *table = pool->pages[--pool->nr];
	phys_addr_t base = pte & HV_TDP_ADDR_MASK;
	u64 span = hv_tdp_level_size(level - 1);
	bool host_writable = pte & HV_TDP_HOST_WRITABLE;
	unsigned int i;

	for (i = 0; i < HV_TDP_ENTRIES; i++) {
		table[i] = hv_tdp_make_leaf(base + i * span, false, level > 2, host_writable);
		if (level > 2) {
			(*hv_tdp_leaf_count(vm, level - 1))++;
			hv_tdp_split_large(vm, &table[i], level - 1, pool);
		}
	}
	/* The entries before the table that holds them. */
	smp_wmb();
	WRITE_ONCE(*ptep, hv_ops->tdp_table(__pa(table)));
	vm->tdp.nr_tables++;
	(*hv_tdp_leaf_count(vm, level))--;
	if (level == 2)
		vm->tdp.nr_leaves += HV_TDP_ENTRIES;
}

struct hv_write_protect {
	struct hv_tdp_split_pool *pool;	/* tables for the large leaves, or NULL */
	bool lost_write;		/* a leaf lost its write permission: flush */
	bool zapped;			/* a large leaf went: the gpa caches forget */
};

/*
 * Logging turns on: a present leaf loses write permission.  A large leaf
 * is split into 4 KiB ones (the log has one bit a 4 KiB page, and a
 * logging slot maps no other), or zapped if the pool has too few tables.
 */
static void hv_tdp_write_protect_leaf(struct hv_vm *vm, u64 *ptep, int level, void *arg)
{
	struct hv_write_protect *wp = arg;

	if (level > 1 && hv_tdp_present(*ptep)) {
		wp->lost_write |= !!(*ptep & hv_ops->tdp_writable_mask);
		if (wp->pool && wp->pool->nr >= hv_tdp_split_cost(level))
			hv_tdp_split_large(vm, ptep, level, wp->pool);
		else
			hv_tdp_zap_leaf(vm, ptep, level, &wp->zapped);
		return;
	}
	wp->lost_write |= hv_tdp_set_writable(ptep, false);
}

/*
 * Logging turns on for [gpa, gpa + size): every leaf loses its write
 * permission, so that the next write to each page faults and is logged.
 * The gpa caches need nothing for that (they only read, and no page goes
 * away, also when a large leaf is split), only for large leaves zapped.
 * @pool: tables to split large leaves with (hv_mmu_split_pool_alloc()),
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
