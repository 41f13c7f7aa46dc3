// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nested page table (module/hv_mmu.c): construction on
 * faults, zapping and teardown, against a fake vendor entry format; and
 * the MMU notifier (module/hv_mmu_notifier.c): invalidations zap, a fault
 * racing with one maps nothing, and no page is ever pinned.
 *
 * The fake format keeps its present, writable and kind bits where neither
 * NPT nor EPT has them and sets bits above the address in every entry, so a
 * core that assumed one vendor's layout, or forgot to mask addresses, fails
 * here.  Faults map real user pages: the suite borrows the address space of
 * the process that loads the module (suite_init runs in its context), maps
 * anonymous memory there, and each case enters it with kthread_use_mm()
 * and registers the VM's notifier on it, as a VM's creation does.
 * Cases in that address space use no KUNIT_ASSERT: an assertion ends the
 * test thread, which must not exit while it uses a borrowed mm.
 */
#include "../hv_mmu.c"
#include "../hv_mmu_dirty.c"
#include "../hv_mmu_notifier.c"

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>

#define FAKE_P		BIT_ULL(9)
#define FAKE_W		BIT_ULL(10)
#define FAKE_TABLE	BIT_ULL(61)
#define FAKE_LEAF	BIT_ULL(62)
#define FAKE_LARGE	BIT_ULL(60)
#define FAKE_KINDS	(FAKE_W | FAKE_TABLE | FAKE_LEAF)

static u64 fake_leaf(phys_addr_t pa, bool writable)
{
	return pa | FAKE_P | FAKE_LEAF | (writable ? FAKE_W : 0);
}

static u64 fake_table(phys_addr_t pa)
{
	return pa | FAKE_P | FAKE_TABLE;
}

static u64 fake_root(phys_addr_t pa)
{
	return pa;
}

/* 2 MiB and 1 GiB leaves, whatever the CPU running the suite has. */
static int fake_max_leaf_level(void)
{
	return 3;
}

static const struct hv_arch_ops fake_ops = {
	.name = "fake",
	.tdp_leaf = fake_leaf,
	.tdp_table = fake_table,
	.tdp_root = fake_root,
	.tdp_present_mask = FAKE_P,
	.tdp_writable_mask = FAKE_W,
	.tdp_large_mask = FAKE_LARGE,
	.tdp_max_leaf_level = fake_max_leaf_level,
};

/* hv_mmu.c reaches the vendor through hv_ops, which hv_main.c sets in hv.ko. */
const struct hv_arch_ops *hv_ops = &fake_ops;

/* hv_vm.c's, which makes the vCPUs (none here) drop translations: counted. */
static unsigned int mmu_flushes;

void hv_vm_flush_tlbs(struct hv_vm *vm)
{
	mmu_flushes++;
}

#define BACKING_PAGES	8
static struct mm_struct *mmu_mm;
static unsigned long mmu_hva;		/* BACKING_PAGES anonymous pages in mmu_mm */
static struct hv_tdp_cache mmu_tc;	/* the table page cache of the one "vCPU" */

static int mmu_suite_init(struct kunit_suite *suite)
{
	unsigned long addr;

	if (!current->mm)
		return -EINVAL;		/* not loaded by a process (built in?) */
	addr = vm_mmap(NULL, 0, BACKING_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	mmget(current->mm);
	mmu_mm = current->mm;
	mmu_hva = addr;
	return 0;
}

static void mmu_suite_exit(struct kunit_suite *suite)
{
	if (!mmu_mm)
		return;
	if (current->mm == mmu_mm)
		vm_munmap(mmu_hva, BACKING_PAGES * PAGE_SIZE);
	mmput(mmu_mm);
	mmu_mm = NULL;
}

/* A VM with just what hv_mmu.c uses: slots, tdp, slots_lock and mmu_lock. */
static int mmu_init(struct kunit *test)
{
	struct hv_vm *vm;
	int r;

	vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->mmu_lock);
	r = hv_mmu_init(vm);
	if (r)
		return r;
	vm->mm = mmu_mm;
	r = hv_mmu_notifier_register(vm, mmu_mm);
	if (r) {
		hv_mmu_destroy(vm);
		return r;
	}
	test->priv = vm;
	mmu_flushes = 0;
	kthread_use_mm(mmu_mm);
	return 0;
}

static void mmu_exit(struct kunit *test)
{
	struct hv_vm *vm = test->priv;

	if (vm) {
		hv_mmu_notifier_unregister(vm);
		hv_mmu_destroy(vm);
	}
	hv_tdp_cache_free(&mmu_tc);
	/* After a crash this runs in the loader's context, which owns its mm. */
	if ((current->flags & PF_KTHREAD) && current->mm == mmu_mm)
		kthread_unuse_mm(mmu_mm);
}

/*
 * Publish a copy of the slot set with slot @i set (@pages 0: deleted), as
 * hv_vm_set_memory_region() does, without its zap: the cases that move
 * memory zap themselves.  The copy is made before mmu_lock, as there: an
 * allocation may reclaim, and reclaim may call the notifier.
 */
static void add_slot(struct hv_vm *vm, int i, u64 gpa, unsigned int pages,
		     unsigned int first_page, u32 flags)
{
	struct hv_memslots *slots;

	slots = kmemdup(rcu_dereference_protected(vm->memslots, true), sizeof(*slots), GFP_KERNEL);
	mutex_lock(&vm->mmu_lock);
	if (slots) {
		slots->slot[i].gpa = gpa;
		slots->slot[i].size = (u64)pages * PAGE_SIZE;
		slots->slot[i].hva = mmu_hva + (u64)first_page * PAGE_SIZE;
		slots->slot[i].flags = flags;
		hv_mmu_publish_slots(vm, slots);
	}
	mutex_unlock(&vm->mmu_lock);
}

/*
 * The leaf entry for @gpa, found with the test's own index arithmetic; 0 if
 * a table on the way is missing, ~0 if a non-leaf entry is not in the
 * vendor's table format (the suite's backing is never a 2 MiB page, so no
 * fault may map a large leaf).
 */
static u64 leaf_of(struct hv_vm *vm, u64 gpa)
{
	u64 *table = vm->tdp.root;
	int level;

	for (level = 4; level > 1; level--) {
		u64 e = table[(gpa >> (12 + 9 * (level - 1))) & 511];

		if (!(e & FAKE_P))
			return 0;
		if ((e & FAKE_KINDS) != FAKE_TABLE)
			return ~0ull;
		table = __va(e & GENMASK_ULL(51, 12));
	}
	return table[(gpa >> 12) & 511];
}

static bool put_u32(unsigned long hva, u32 v)
{
	return !copy_to_user((void __user *)hva, &v, sizeof(v));
}

/*
 * A nested page fault as a vCPU takes it: again while hv_mmu_fault() asks
 * for a retry and mapped nothing (an invalidation raced with it, e.g. the
 * copy-on-write its own lookup caused), at most a few times.
 */
static int fault(struct hv_vm *vm, u64 gpa, bool write)
{
	int i, r = 1;

	for (i = 0; i < 4 && r == 1; i++) {
		u64 leaf;

		r = hv_mmu_fault(vm, &mmu_tc, gpa, write);
		leaf = leaf_of(vm, gpa & PAGE_MASK);
		if (r == 1 && (leaf & FAKE_P) && (!write || (leaf & FAKE_W)))
			break;
	}
	return r;
}

static void mmu_init_destroy(struct kunit *test)
{
	struct hv_vm *vm = test->priv;

	KUNIT_EXPECT_NOT_NULL(test, vm->tdp.root);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 1ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.root_pa, __pa(vm->tdp.root));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(vm->tdp.root_pa));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(vm->tdp.root, 0, PAGE_SIZE));
	hv_mmu_notifier_unregister(vm);
	hv_mmu_destroy(vm);
	KUNIT_EXPECT_NULL(test, vm->tdp.root);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 0ul);
	/* A second destroy (error path after a failed vm_init) is harmless. */
	hv_mmu_destroy(vm);
}

static void mmu_index_levels(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hv_tdp_index(0x1000, 1), 1u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(0x1ff000, 1), 511u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(0x200fff, 1), 0u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(0x200000, 2), 1u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(1ull << 30, 3), 1u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index((1ull << 30) - 1, 3), 0u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(1ull << 39, 4), 1u);
	KUNIT_EXPECT_EQ(test, hv_tdp_index(HV_GPA_LIMIT - 1, 4), 511u);
	/* Bits above the 48 a 4-level table translates select nothing. */
	KUNIT_EXPECT_EQ(test, hv_tdp_index(HV_GPA_LIMIT, 4), 0u);
}

static void mmu_fault_outside_slot(struct kunit *test)
{
	struct hv_vm *vm = test->priv;

	KUNIT_EXPECT_EQ(test, fault(vm, 0x1000, false), 0);
	add_slot(vm, 0, 0x100000, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x102000, true), 0);	/* one past the end */
	KUNIT_EXPECT_EQ(test, fault(vm, 0xfffff, false), 0);	/* one before */
	/* MMIO faults allocate nothing. */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 1ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 0ul);
}

static void mmu_fault_maps_page(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	u64 leaf;
	u32 *kva;

	/* Slot pages start at backing page 2: gpa 0x101000 is backing page 3. */
	add_slot(vm, 0, 0x100000, 4, 2, 0);
	if (!put_u32(mmu_hva + 3 * PAGE_SIZE + 0x234, 0xc0ffee11)) {
		KUNIT_FAIL(test, "cannot write the backing page");
		return;
	}
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101234, false), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 1ul);
	leaf = leaf_of(vm, 0x101000);
	KUNIT_EXPECT_NE(test, leaf, 0ull);
	KUNIT_EXPECT_NE(test, leaf, ~0ull);
	if (!leaf || leaf == ~0ull)
		return;
	/* The VMM's mapping is writable (put_u32() wrote it): a read maps it writable too. */
	KUNIT_EXPECT_EQ(test, leaf & FAKE_KINDS, FAKE_LEAF | FAKE_W);
	kva = __va(leaf & GENMASK_ULL(51, 12)) + 0x234;
	KUNIT_EXPECT_EQ(test, *kva, 0xc0ffee11u);
	/* Neighbouring pages stay unmapped. */
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), 0ull);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x102000), 0ull);
}

static void mmu_fault_twice(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	u64 leaf;

	add_slot(vm, 0, 0x100000, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100008, true), 1);
	leaf = leaf_of(vm, 0x100000);
	/* A second vCPU faulting on the same page finds it mapped: no second leaf. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100ff8, false), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 1ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf);
}

static void mmu_fault_readonly(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	u64 leaf;

	add_slot(vm, 1, 0x200000, 1, 0, HV_MEM_READONLY);
	/* A write to a read-only slot is MMIO and maps nothing. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x200000, true), 0);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x200000), 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 0ul);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x200010, false), 1);
	leaf = leaf_of(vm, 0x200000);
	KUNIT_EXPECT_EQ(test, leaf & FAKE_KINDS, FAKE_LEAF);
	/* Once mapped read-only, a write is still MMIO and the leaf unchanged. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x200010, true), 0);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x200000), leaf);
}

static void mmu_table_sharing(struct kunit *test)
{
	struct hv_vm *vm = test->priv;

	add_slot(vm, 0, 0, 2, 0, 0);
	add_slot(vm, 1, 1ull << 30, 1, 2, 0);
	add_slot(vm, 2, 1ull << 39, 1, 3, 0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0, true), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x1000, true), 1);	/* same leaf table */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);
	KUNIT_EXPECT_EQ(test, fault(vm, 1ull << 30, true), 1);	/* new PD and PT */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 6ul);
	KUNIT_EXPECT_EQ(test, fault(vm, 1ull << 39, true), 1);	/* new PDPT, PD, PT */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 9ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 4ul);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 1ull << 39) & FAKE_P, 0ull);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x1000), leaf_of(vm, 0));
}

/* The page a present leaf maps, or NULL. */
static struct page *page_of(u64 leaf)
{
	if (!(leaf & FAKE_P) || leaf == ~0ull)
		return NULL;
	return pfn_to_page((leaf & GENMASK_ULL(51, 12)) >> PAGE_SHIFT);
}

/* Whether @page carries a FOLL_PIN pin, read from the page itself. */
static bool pinned(struct page *page)
{
	return page && folio_maybe_dma_pinned(page_folio(page));
}

static bool zap(struct hv_vm *vm, u64 gpa, u64 size)
{
	bool zapped;

	mutex_lock(&vm->mmu_lock);
	zapped = hv_mmu_zap_range(vm, gpa, size);
	mutex_unlock(&vm->mmu_lock);
	return zapped;
}

static void mmu_zap_range(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	u64 gen, gpa;

	add_slot(vm, 0, 0x200000, 4, 0, 0);
	for (gpa = 0x200000; gpa < 0x204000; gpa += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, fault(vm, gpa, false), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 4ul);

	gen = vm->mem_gen;
	KUNIT_EXPECT_TRUE(test, zap(vm, 0x201000, PAGE_SIZE));		/* exactly page 1 */
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 1);			/* gpa caches forget */
	KUNIT_EXPECT_FALSE(test, zap(vm, 0x1ff000, PAGE_SIZE));	/* ends where the slot starts */
	KUNIT_EXPECT_FALSE(test, zap(vm, 0x204000, PAGE_SIZE));	/* starts where it ends */
	KUNIT_EXPECT_FALSE(test, zap(vm, 0x202000, 0));		/* empty */
	KUNIT_EXPECT_FALSE(test, zap(vm, 0x201000, PAGE_SIZE));	/* already gone */
	/* Nothing zapped: no generation to invalidate. */
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 1);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x201000), 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 3ul);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x200000) & FAKE_P, 0ull);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x202000) & FAKE_P, 0ull);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x203000) & FAKE_P, 0ull);

	/* Any byte of a page takes the whole page. */
	KUNIT_EXPECT_TRUE(test, zap(vm, 0x203fff, 1));
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x203000), 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 2ul);
	/* Tables stay; a new fault maps the page again. */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x201000, true), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 3ul);
}

/*
 * hv keeps no pin and no reference on a page it maps: its reference count
 * is what it was before the fault, and destroying the VM leaves the
 * pages as the VMM has them.
 */
static void mmu_maps_without_reference(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	struct page *pages[4];
	int refs[4], i;
	u64 gpa;

	add_slot(vm, 0, 0x7ff000, 3, 0, 0);		/* crosses a 2 MiB table boundary */
	add_slot(vm, 1, 0x40000000, 2, 3, HV_MEM_READONLY);
	/* Give every backing page a page of its own (not the shared zero page). */
	for (i = 0; i < 5; i++)
		if (!put_u32(mmu_hva + i * PAGE_SIZE + 0x40, 0x5eed + i)) {
			KUNIT_FAIL(test, "cannot write backing page %d", i);
			return;
		}
	for (i = 0; i < 4; i++) {
		unsigned long hva = mmu_hva + (i < 3 ? i : 4) * PAGE_SIZE;

		pages[i] = NULL;
		if (get_user_pages_fast(hva, 1, 0, &pages[i]) != 1) {
			KUNIT_FAIL(test, "cannot look up backing page %d", i);
			return;
		}
		refs[i] = page_ref_count(pages[i]);
	}
	for (gpa = 0x7ff000; gpa < 0x802000; gpa += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, fault(vm, gpa, true), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x40001000, false), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 4ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 7ul);
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf_of(vm, 0x7ff000)), pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf_of(vm, 0x801000)), pages[2]);
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf_of(vm, 0x40001000)), pages[3]);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_FALSE_MSG(test, pinned(pages[i]), "page %d pinned by its fault", i);
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(pages[i]), refs[i],
				    "page %d: the fault kept a reference", i);
	}
	hv_mmu_notifier_unregister(vm);		/* as hv_vm_free() does, first */
	hv_mmu_destroy(vm);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 0ul);
	KUNIT_EXPECT_NULL(test, vm->tdp.root);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, page_ref_count(pages[i]), refs[i]);
		put_page(pages[i]);
	}
}

/* An invalidation of @start..@end of the suite's mm, through the VM's notifier. */
static int inval_start(struct hv_vm *vm, unsigned long start, unsigned long end, bool block)
{
	struct mmu_notifier_range range = {
		.mm = mmu_mm,
		.start = start,
		.end = end,
		.flags = block ? MMU_NOTIFIER_RANGE_BLOCKABLE : 0,
		.event = MMU_NOTIFY_UNMAP,
	};

	return vm->mmu_notifier.ops->invalidate_range_start(&vm->mmu_notifier, &range);
}

static void inval_end(struct hv_vm *vm, unsigned long start, unsigned long end)
{
	struct mmu_notifier_range range = {
		.mm = mmu_mm,
		.start = start,
		.end = end,
		.flags = MMU_NOTIFIER_RANGE_BLOCKABLE,
		.event = MMU_NOTIFY_UNMAP,
	};

	vm->mmu_notifier.ops->invalidate_range_end(&vm->mmu_notifier, &range);
}

static bool must_retry(struct hv_vm *vm, unsigned long seq, unsigned long hva)
{
	bool retry;

	mutex_lock(&vm->mmu_lock);
	retry = hv_mmu_inval_retry(vm, seq, hva);
	mutex_unlock(&vm->mmu_lock);
	return retry;
}

/*
 * The invalidation protocol, driven by hand: a start zaps the leaves its
 * range backs (in every slot sharing the backing) and flushes; while it is
 * active, a fault in its range maps nothing and one outside maps; after its
 * end faults map again; a fault whose sequence predates an invalidation
 * that began and ended retries; overlapping invalidations keep the union
 * of their ranges until the last ends; a start that may not sleep and
 * finds mmu_lock taken declines, changing nothing.
 */
static void mmu_notifier_protocol(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	unsigned long p1 = mmu_hva + PAGE_SIZE, p2 = mmu_hva + 2 * PAGE_SIZE;
	unsigned int flushes;
	unsigned long seq;
	u64 gpa;

	add_slot(vm, 0, 0x100000, 4, 0, 0);
	add_slot(vm, 1, 0x500000, 4, 0, 0);		/* the same backing again */
	for (gpa = 0x100000; gpa < 0x104000; gpa += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, fault(vm, gpa, true), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x501000, true), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 5ul);

	flushes = mmu_flushes;
	KUNIT_EXPECT_EQ(test, inval_start(vm, p1, p1 + PAGE_SIZE, true), 0);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000), 0ull);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x501000), 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 3ul);
	KUNIT_EXPECT_EQ(test, mmu_flushes, flushes + 1);
	/* In the range: nothing mapped, the guest is to fault again. */
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x101000, true), 1);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000), 0ull);
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x501000, false), 1);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x501000), 0ull);
	/* Outside it: mapped. */
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x502000, false), 1);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x502000) & FAKE_P, 0ull);
	/* A second, overlapping one; the first ends: the union still holds. */
	KUNIT_EXPECT_EQ(test, inval_start(vm, p2, p2 + PAGE_SIZE, true), 0);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x102000), 0ull);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x502000), 0ull);
	inval_end(vm, p1, p1 + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x101000, true), 1);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000), 0ull);
	inval_end(vm, p2, p2 + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vm->inval.active, 0u);
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x101000, true), 1);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x101000) & FAKE_W, 0ull);

	/* A sequence read before an invalidation came and went: retry. */
	seq = hv_mmu_inval_seq(vm);
	KUNIT_EXPECT_FALSE(test, must_retry(vm, seq, p1));
	KUNIT_EXPECT_EQ(test, inval_start(vm, p2, p2 + 1, true), 0);
	inval_end(vm, p2, p2 + 1);
	KUNIT_EXPECT_TRUE(test, must_retry(vm, seq, p1));
	KUNIT_EXPECT_FALSE(test, must_retry(vm, hv_mmu_inval_seq(vm), p1));
	/* So does a slot change. */
	seq = hv_mmu_inval_seq(vm);
	add_slot(vm, 2, 0x900000, 1, 7, 0);
	KUNIT_EXPECT_TRUE(test, must_retry(vm, seq, p1));

	/* May not sleep, mmu_lock taken: declined, nothing changed. */
	seq = hv_mmu_inval_seq(vm);
	mutex_lock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, inval_start(vm, p1, p1 + PAGE_SIZE, false), -EAGAIN);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, vm->inval.active, 0u);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x101000) & FAKE_P, 0ull);
	/* Free to take it: zaps as a blocking one does. */
	KUNIT_EXPECT_EQ(test, inval_start(vm, p1, p1 + PAGE_SIZE, false), 0);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000), 0ull);
	inval_end(vm, p1, p1 + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vm->inval.active, 0u);
}

/*
 * The kernel's own invalidations: munmap of a backing page zaps its leaf
 * (and only its), a fault there then fails (no memory behind the slot),
 * and memory mapped there again is what the guest gets, fresh and zeroed,
 * never the old page.  Copy-on-write (a write to a page the guest read as
 * the shared zero page) replaces the read-only leaf.
 */
static void mmu_notifier_munmap_and_cow(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	unsigned long p5 = mmu_hva + 5 * PAGE_SIZE, p6 = mmu_hva + 6 * PAGE_SIZE, addr;
	struct page *zero;
	u32 *kva;
	u64 leaf;

	unsigned int flushes;

	add_slot(vm, 0, 0x100000, 2, 5, 0);		/* backing pages 5 and 6 */
	if (!put_u32(p5 + 0x10, 0xaaaa5555)) {
		KUNIT_FAIL(test, "cannot write the backing page");
		return;
	}
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100000, true), 1);
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x100000) & FAKE_P, 0ull);

	flushes = mmu_flushes;
	vm_munmap(p5, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), 0ull);
	KUNIT_EXPECT_EQ(test, mmu_flushes, flushes + 1);
	KUNIT_EXPECT_EQ(test, vm->inval.active, 0u);
	KUNIT_EXPECT_EQ(test, hv_mmu_fault(vm, &mmu_tc, 0x100000, true), -EFAULT);
	addr = vm_mmap(NULL, p5, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_EXPECT_EQ(test, addr, p5);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100000, true), 1);
	leaf = leaf_of(vm, 0x100000);
	KUNIT_EXPECT_NE(test, leaf & FAKE_W, 0ull);
	if (!(leaf & FAKE_P))
		return;
	kva = __va(leaf & GENMASK_ULL(51, 12)) + 0x10;
	KUNIT_EXPECT_EQ(test, *kva, 0u);

	/* Page 6 freshly mapped and never written: a read maps the zero page read-only. */
	vm_munmap(p6, PAGE_SIZE);
	addr = vm_mmap(NULL, p6, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_EXPECT_EQ(test, addr, p6);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, false), 1);
	leaf = leaf_of(vm, 0x101000);
	zero = ZERO_PAGE(0);
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf), zero);
	KUNIT_EXPECT_EQ(test, leaf & FAKE_W, 0ull);
	/* The write breaks copy-on-write: a new page, writable. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, true), 1);
	leaf = leaf_of(vm, 0x101000);
	KUNIT_EXPECT_NE(test, leaf & FAKE_W, 0ull);
	KUNIT_EXPECT_PTR_NE(test, page_of(leaf), zero);
}

static void mmu_gpa_copy(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	u8 in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = {};
	u32 v = 0;

	add_slot(vm, 0, 0x100000, 2, 4, 0);
	add_slot(vm, 1, 0x102000, 1, 6, HV_MEM_READONLY);
	/* Across the page boundary inside slot 0, landing in backing pages 4 and 5. */
	KUNIT_EXPECT_EQ(test, hv_write_gpa(vm, 0x100ffc, in, sizeof(in)), 0);
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0x100ffc, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, sizeof(in)), 0);
	KUNIT_EXPECT_EQ(test, copy_from_user(&v, (void __user *)(mmu_hva + 5 * PAGE_SIZE), 4), 0ul);
	KUNIT_EXPECT_EQ(test, v, 0x08070605u);
	/* Reads may cross into the read-only slot, writes may not. */
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0x101ffc, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, hv_write_gpa(vm, 0x101ffc, in, sizeof(in)), -EFAULT);
	KUNIT_EXPECT_EQ(test, hv_write_gpa(vm, 0x102000, in, 1), -EFAULT);
	/* Past the last slot, or before the first. */
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0x102ffc, out, sizeof(out)), -EFAULT);
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0xffffc, out, sizeof(out)), -EFAULT);
	/* Copies map nothing in the nested table. */
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 0ul);
}

/* Slot changes publish a new set and a new cache generation. */
static void mmu_slots_publish(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	struct hv_memslots *before;
	u64 gen = vm->mem_gen;
	u32 v = 0;

	KUNIT_EXPECT_EQ(test, gen, 1ull);
	before = rcu_access_pointer(vm->memslots);
	add_slot(vm, 3, 0x100000, 1, 1, 0);
	KUNIT_EXPECT_PTR_NE(test, (void *)rcu_access_pointer(vm->memslots), (void *)before);
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 1);
	/* The old set is left as it was (readers may still be in it). */
	KUNIT_EXPECT_EQ(test, before->slot[3].size, 0ull);
	put_u32(mmu_hva + PAGE_SIZE + 8, 0x1234abcd);
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0x100008, &v, sizeof(v)), 0);
	KUNIT_EXPECT_EQ(test, v, 0x1234abcdu);
	add_slot(vm, 3, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 2);
	KUNIT_EXPECT_EQ(test, hv_read_gpa(vm, 0x100008, &v, sizeof(v)), -EFAULT);
}

/* Delete slot @i with hv_vm_set_memory_region()'s steps (no vCPU to flush). */
static void del_slot(struct hv_vm *vm, int i)
{
	struct hv_memslot s;

	mutex_lock(&vm->mmu_lock);
	s = hv_mmu_slots_locked(vm)->slot[i];
	hv_mmu_zap_range(vm, s.gpa, s.size);
	mutex_unlock(&vm->mmu_lock);
	add_slot(vm, i, 0, 0, 0, 0);
}

/* The valid cache entry for @gfn, or NULL. */
static struct hv_gpa_cache_entry *cached(struct hv_vm *vm, struct hv_gpa_cache *cache, u64 gfn)
{
	int i;

	for (i = 0; i < HV_GPA_CACHE_SIZE; i++)
		if (cache->e[i].gfn == gfn && cache->e[i].gen == vm->mem_gen)
			return &cache->e[i];
	return NULL;
}

/*
 * The gpa cache: a hit reads the page the nested table maps (never data
 * cached from before), and a slot change is noticed.
 */
static void mmu_gpa_cache(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	struct hv_gpa_cache cache = {};
	struct hv_gpa_cache_entry *e;
	u64 gfn = 0x101, leaf;
	u32 v = 0;
	int i;

	add_slot(vm, 0, 0x100000, 2, 0, 0);
	put_u32(mmu_hva + PAGE_SIZE + 0x10, 0x11111111);
	/* Not mapped in the nested table yet: read through the slot, not cached. */
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x11111111u);
	KUNIT_EXPECT_NULL(test, cached(vm, &cache, gfn));

	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, false), 1);
	leaf = leaf_of(vm, 0x101000);
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x11111111u);
	e = cached(vm, &cache, gfn);
	KUNIT_EXPECT_NOT_NULL(test, e);
	if (e)
		KUNIT_EXPECT_PTR_EQ(test, e->kva, __va(leaf & GENMASK_ULL(51, 12)));
	/* A second read hits: no second entry for the page. */
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101014, &v, 4), 0);
	for (i = 0, v = 0; i < HV_GPA_CACHE_SIZE; i++)
		v += cache.e[i].gfn == gfn;
	KUNIT_EXPECT_EQ(test, v, 1u);
	/* A hit re-reads the page: what the VMM wrote since is seen. */
	put_u32(mmu_hva + PAGE_SIZE + 0x10, 0x22222222);
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x22222222u);
	/* Crossing into the next page goes the slot way, and still reads both. */
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x100ffe, &v, 4), 0);

	/* The slot moves to other backing pages: the cached page is not used again. */
	del_slot(vm, 0);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 0ul);
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), -EFAULT);
	add_slot(vm, 0, 0x100000, 2, 4, 0);
	put_u32(mmu_hva + 5 * PAGE_SIZE + 0x10, 0x33333333);
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x33333333u);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, false), 1);
	KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, 0x101010, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x33333333u);
	e = cached(vm, &cache, gfn);
	KUNIT_EXPECT_NOT_NULL(test, e);
	if (e)
		KUNIT_EXPECT_PTR_EQ(test, e->kva,
				    __va(leaf_of(vm, 0x101000) & GENMASK_ULL(51, 12)));
}

/*
 * More pages than entries (two slots over the same backing pages: twice
 * the guest pages): the oldest entries are replaced, every read stays right.
 */
static void mmu_gpa_cache_replace(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	struct hv_gpa_cache cache = {};
	u64 i, page, gpa;
	u32 v;

	add_slot(vm, 0, 0x100000, BACKING_PAGES, 0, 0);
	add_slot(vm, 1, 0x200000, BACKING_PAGES, 0, 0);
	for (i = 0; i < BACKING_PAGES; i++) {
		put_u32(mmu_hva + i * PAGE_SIZE + 4, 0x5000 + i);
		KUNIT_EXPECT_EQ(test, fault(vm, 0x100000 + i * PAGE_SIZE, false), 1);
		KUNIT_EXPECT_EQ(test, fault(vm, 0x200000 + i * PAGE_SIZE, false), 1);
	}
	for (i = 0; i < 6 * BACKING_PAGES; i++) {
		page = (i * 5) % (2 * BACKING_PAGES);
		gpa = (page < BACKING_PAGES ? 0x100004 : 0x200004) +
		      (page % BACKING_PAGES) * PAGE_SIZE;
		v = 0;
		KUNIT_EXPECT_EQ(test, hv_read_gpa_cached(vm, &cache, gpa, &v, 4), 0);
		KUNIT_EXPECT_EQ(test, v, 0x5000 + (page % BACKING_PAGES));
		KUNIT_EXPECT_NOT_NULL(test, cached(vm, &cache, gpa >> PAGE_SHIFT));
	}
	KUNIT_EXPECT_LT(test, cache.next, (unsigned int)HV_GPA_CACHE_SIZE);
}

/* Turn logging of slot @i on as hv_vm_set_memory_region() does: publish, then write-protect. */
static bool log_on(struct hv_vm *vm, int i)
{
	struct hv_memslots *slots;
	bool flush = false;

	slots = kmemdup(rcu_dereference_protected(vm->memslots, true), sizeof(*slots), GFP_KERNEL);
	if (slots)
		slots->slot[i].dirty_bitmap = hv_mmu_dirty_bitmap_alloc(slots->slot[i].size);
	mutex_lock(&vm->mmu_lock);
	if (slots) {
		slots->slot[i].flags |= HV_MEM_LOG_DIRTY;
		hv_mmu_publish_slots(vm, slots);
		flush = hv_mmu_write_protect(vm, slots->slot[i].gpa, slots->slot[i].size, NULL);
	}
	mutex_unlock(&vm->mmu_lock);
	return flush;
}

/* The harvest of slot @i: the snapshot's first word, and whether a flush is due. */
static unsigned long harvest(struct hv_vm *vm, int i, bool *flush)
{
	const struct hv_memslot *slot;
	unsigned long snap;

	mutex_lock(&vm->slots_lock);
	mutex_lock(&vm->mmu_lock);
	slot = &hv_mmu_slots_locked(vm)->slot[i];
	*flush = hv_mmu_dirty_harvest(vm, slot);
	mutex_unlock(&vm->mmu_lock);
	snap = slot->dirty_bitmap[hv_memslot_dirty_words(slot->size)];
	mutex_unlock(&vm->slots_lock);
	return snap;
}

static bool leaf_writable(struct hv_vm *vm, u64 gpa)
{
	return (leaf_of(vm, gpa) & (FAKE_P | FAKE_W)) == (FAKE_P | FAKE_W);
}

/*
 * Dirty logging on a slot of 4 pages: turning it on write-protects the
 * mapped leaves (same pages, none unmapped); a read maps read-only and
 * logs nothing; a write (to a protected leaf, or unmapped) logs the page and
 * maps it writable; hv's own writes log; a harvest returns the bits, clears
 * them and write-protects again (a flush only when a leaf lost W); a bit
 * put back is found by the next harvest.
 */
static void mmu_dirty_log(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	const struct hv_memslot *slot;
	u64 leaf0, leaf1;
	bool flush;
	u8 b = 1;

	add_slot(vm, 0, 0x100000, 4, 0, 0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100000, true), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, false), 1);
	leaf0 = leaf_of(vm, 0x100000);
	leaf1 = leaf_of(vm, 0x101000);
	KUNIT_EXPECT_TRUE(test, leaf_writable(vm, 0x100000));
	KUNIT_EXPECT_TRUE(test, log_on(vm, 0));
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf0 & ~FAKE_W);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000), leaf1 & ~FAKE_W);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 2ul);
	/* Nothing left to protect: no flush. */
	mutex_lock(&vm->mmu_lock);
	KUNIT_EXPECT_FALSE(test, hv_mmu_write_protect(vm, 0x100000, 4 * PAGE_SIZE, NULL));
	mutex_unlock(&vm->mmu_lock);

	KUNIT_EXPECT_EQ(test, fault(vm, 0x102000, false), 1);	/* read: read-only */
	KUNIT_EXPECT_FALSE(test, leaf_writable(vm, 0x102000));
	KUNIT_EXPECT_NE(test, leaf_of(vm, 0x102000) & FAKE_P, 0ull);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100010, true), 1);	/* protected leaf */
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x103000, true), 1);	/* unmapped */
	KUNIT_EXPECT_TRUE(test, leaf_writable(vm, 0x103000));
	KUNIT_EXPECT_EQ(test, hv_write_gpa(vm, 0x102008, &b, 1), 0);	/* hv's write */
	KUNIT_EXPECT_FALSE(test, leaf_writable(vm, 0x102000));
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 4ul);

	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0xdul);		/* pages 0, 2, 3 */
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_FALSE(test, leaf_writable(vm, 0x100000));
	KUNIT_EXPECT_FALSE(test, leaf_writable(vm, 0x103000));
	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0ul);
	KUNIT_EXPECT_FALSE(test, flush);

	/* A failed copy out: the bits go back, the leaves stay protected. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, true), 1);
	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0x2ul);
	KUNIT_EXPECT_TRUE(test, flush);
	mutex_lock(&vm->mmu_lock);
	slot = &hv_mmu_slots_locked(vm)->slot[0];
	hv_mmu_dirty_put_back(slot);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0x2ul);
	KUNIT_EXPECT_FALSE(test, flush);
	KUNIT_EXPECT_FALSE(test, leaf_writable(vm, 0x101000));
	/* hv_mmu_destroy() (mmu_exit) frees the bitmap. */
}

/*
 * The fast path of a logged write: a leaf whose VMM mapping was writable
 * keeps HV_TDP_HOST_WRITABLE through write protection, and a guest write
 * gets the permission back (and is logged) without a lookup.  A leaf of a
 * page the VMM may not write (the zero page; a read-only slot) has no such
 * bit: its write must take the full path, which breaks copy-on-write.
 */
static void mmu_fast_write_after_log(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	unsigned long p1 = mmu_hva + PAGE_SIZE, addr;
	struct page *zero = ZERO_PAGE(0);
	u64 leaf0, leaf;
	bool flush;

	/* Backing page 0 written by the VMM, page 1 mapped afresh and never touched. */
	vm_munmap(p1, PAGE_SIZE);
	addr = vm_mmap(NULL, p1, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	if (addr != p1 || !put_u32(mmu_hva, 1)) {
		KUNIT_FAIL(test, "cannot set up the backing pages");
		return;
	}
	add_slot(vm, 0, 0x100000, 2, 0, 0);
	add_slot(vm, 1, 0x200000, 1, 2, HV_MEM_READONLY);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x100000, false), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, false), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x200000, false), 1);
	leaf0 = leaf_of(vm, 0x100000);
	KUNIT_EXPECT_NE(test, leaf0 & FAKE_W, 0ull);
	KUNIT_EXPECT_NE(test, leaf0 & HV_TDP_HOST_WRITABLE, 0ull);
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf_of(vm, 0x101000)), zero);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x101000) & HV_TDP_HOST_WRITABLE, 0ull);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x200000) & HV_TDP_HOST_WRITABLE, 0ull);

	KUNIT_EXPECT_TRUE(test, log_on(vm, 0));
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf0 & ~FAKE_W);
	KUNIT_EXPECT_TRUE(test, hv_mmu_fault_fast(vm, 0x100000));
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf0);
	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0x1ul);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x100000), leaf0 & ~FAKE_W);
	/* Again after the harvest; then nothing to do: writable, or never mapped. */
	KUNIT_EXPECT_TRUE(test, hv_mmu_fault_fast(vm, 0x100000));
	KUNIT_EXPECT_FALSE(test, hv_mmu_fault_fast(vm, 0x100000));
	KUNIT_EXPECT_FALSE(test, hv_mmu_fault_fast(vm, 0x300000));

	/* The zero page: the full path copies it, logs it and maps the copy. */
	KUNIT_EXPECT_FALSE(test, hv_mmu_fault_fast(vm, 0x101000));
	KUNIT_EXPECT_PTR_EQ(test, page_of(leaf_of(vm, 0x101000)), zero);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x101000, true), 1);
	leaf = leaf_of(vm, 0x101000);
	KUNIT_EXPECT_PTR_NE(test, page_of(leaf), zero);
	KUNIT_EXPECT_NE(test, leaf & FAKE_W, 0ull);
	KUNIT_EXPECT_NE(test, leaf & HV_TDP_HOST_WRITABLE, 0ull);
	KUNIT_EXPECT_EQ(test, harvest(vm, 0, &flush), 0x3ul);

	/* A read-only slot: never. */
	KUNIT_EXPECT_FALSE(test, hv_mmu_fault_fast(vm, 0x200000));
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x200000) & FAKE_W, 0ull);
}

/*
 * The slot's part of the large-leaf rule: the whole aligned range in the
 * slot, at the same offset in a frame of that size of the VMM's addresses,
 * no logging.
 */
static void mmu_large_eligibility(struct kunit *test)
{
	unsigned long bitmap = 0;
	struct hv_memslot s = {
		.gpa = 0x200000, .size = 0x600000, .hva = 0x7f0000400000ULL,
	};

	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 0x200000, 2));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 0x3ff000, 2));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 0x7fffff, 2));	/* the last 2 MiB */
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x800000, 2));	/* past the end */
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x1ff000, 2));	/* before */
	/* 6 MiB hold no 1 GiB. */
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x200000, 3));
	/* A slot starting in the middle of a 2 MiB range: not that range, the next yes. */
	s.gpa = 0x201000;
	s.size = 0x5ff000;
	s.hva = 0x7f0000401000ULL;
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x201000, 2));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 0x400000, 2));
	/* Ending in the middle: the last partial range is not. */
	s.gpa = 0x200000;
	s.size = 0x5ff000;
	s.hva = 0x7f0000400000ULL;
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 0x600000 - 1, 2));
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x600000, 2));
	/* Guest and VMM offsets in their 2 MiB frames differ: never. */
	s.size = 0x600000;
	s.hva = 0x7f0000401000ULL;
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x400000, 2));
	/* Logging: never. */
	s.hva = 0x7f0000400000ULL;
	s.dirty_bitmap = &bitmap;
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 0x400000, 2));

	/* 1 GiB: [1 GiB, 3 GiB) at a 1 GiB-aligned VMM address holds two. */
	s.dirty_bitmap = NULL;
	s.gpa = 1ull << 30;
	s.size = 2ull << 30;
	s.hva = 0x7f0040000000ULL;
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, (1ull << 30) + 0x12345000, 3));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, (3ull << 30) - 1, 3));
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 3ull << 30, 3));
	/* Only 2 MiB-aligned in the VMM's addresses: 2 MiB leaves, no 1 GiB one. */
	s.hva = 0x7f0040200000ULL;
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 1ull << 30, 3));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 1ull << 30, 2));
	/* Starting 2 MiB into a 1 GiB range: the next 1 GiB range only. */
	s.hva = 0x7f0040200000ULL;
	s.gpa = (1ull << 30) + 0x200000;
	KUNIT_EXPECT_FALSE(test, hv_memslot_allows_large(&s, 1ull << 30, 3));
	KUNIT_EXPECT_TRUE(test, hv_memslot_allows_large(&s, 2ull << 30, 3));
}

/*
 * A large leaf at @level (2 or 3) of fake address @pa at @gpa, as a fault
 * on a huge host page makes one; NULL if a table is in the way.
 */
static u64 *put_large(struct hv_vm *vm, u64 gpa, int level, phys_addr_t pa, bool writable)
{
	int at = level;
	u64 *ptep;

	if (hv_tdp_cache_topup(&mmu_tc))
		return NULL;
	mutex_lock(&vm->mmu_lock);
	ptep = hv_tdp_walk_alloc(vm, &mmu_tc, gpa, &at);
	if (ptep && at == level && !*ptep) {
		WRITE_ONCE(*ptep, hv_tdp_make_leaf(pa, writable, true, writable));
		(*hv_tdp_leaf_count(vm, level))++;
	} else {
		ptep = NULL;
	}
	mutex_unlock(&vm->mmu_lock);
	return ptep;
}

/*
 * Logging turns on over 2 MiB leaves: with a table from the pool a leaf
 * becomes 512 read-only 4 KiB leaves of the same pages, each keeping its
 * HV_TDP_HOST_WRITABLE for the fast write path (flush due: it was
 * writable; the gpa caches keep their generation, no page went); without
 * one it is zapped (the caches forget).  Walkers see the split leaf's
 * pages: the lock-free lookup finds page 5 of it either way.
 */
static void mmu_split_on_log(struct kunit *test)
{
	const phys_addr_t pa = 0x40000000;	/* never read: only entries are checked */
	struct hv_tdp_split_pool pool = {};
	struct hv_vm *vm = test->priv;
	u64 *pde, gen, leaf;
	bool flush;
	int i;

	add_slot(vm, 0, 0x200000, 1024, 0, 0);	/* two 2 MiB ranges; no fault touches them */
	pde = put_large(vm, 0x200000, 2, pa, true);
	put_large(vm, 0x400000, 2, pa + 0x200000, false);
	KUNIT_EXPECT_NOT_NULL(test, pde);
	if (!pde)
		return;
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_2m, 2ul);
	KUNIT_EXPECT_PTR_EQ(test, hv_tdp_lookup_kva(vm, 0x205000), __va(pa + 0x5000));
	/* One table for two leaves: the first split, the second zapped. */
	KUNIT_EXPECT_EQ(test, hv_mmu_split_pool_alloc(vm, 0x400000, &pool), 0);
	KUNIT_EXPECT_EQ(test, pool.nr, 2ul);
	if (pool.nr)
		free_page((unsigned long)pool.pages[--pool.nr]);
	gen = vm->mem_gen;
	mutex_lock(&vm->mmu_lock);
	flush = hv_mmu_write_protect(vm, 0x200000, 0x400000, &pool);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, pool.nr, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_2m, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 512ul);
	KUNIT_EXPECT_EQ(test, *pde & FAKE_KINDS, FAKE_TABLE);
	for (i = 0; i < 512; i++) {
		leaf = leaf_of(vm, 0x200000 + i * PAGE_SIZE);
		if (leaf != (fake_leaf(pa + i * PAGE_SIZE, false) | HV_TDP_HOST_WRITABLE)) {
			KUNIT_FAIL(test, "page %d of the split leaf: %#llx", i, leaf);
			break;
		}
	}
	KUNIT_EXPECT_PTR_EQ(test, hv_tdp_lookup_kva(vm, 0x205000), __va(pa + 0x5000));
	/* The second had no table: zapped, and the caches' generation moved. */
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x400000), 0ull);
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 1);
	hv_mmu_split_pool_free(&pool);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 4ul);	/* root, PDPT, PD, the split table */
}

/*
 * A 1 GiB leaf: found by the lock-free lookup at any offset, zapped whole
 * by an invalidation of one page of it, and split by logging into 512
 * tables of 4 KiB leaves (513 pages from the pool, fewer zaps it), every
 * leaf the same page as before, read-only, keeping HV_TDP_HOST_WRITABLE.
 */
static void mmu_1g_leaf(struct kunit *test)
{
	const phys_addr_t pa = 0x80000000;	/* never read: only entries are checked */
	const u64 gpa = 1ull << 30;
	struct hv_tdp_split_pool pool = {};
	struct hv_vm *vm = test->priv;
	u64 *pdpte, off, leaf;
	unsigned long i;
	bool flush;

	/* A 1 GiB slot over the suite's few pages: nothing but the entries is touched. */
	add_slot(vm, 0, gpa, (1u << 30) / PAGE_SIZE, 0, 0);
	pdpte = put_large(vm, gpa, 3, pa, true);
	KUNIT_EXPECT_NOT_NULL(test, pdpte);
	if (!pdpte)
		return;
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_1g, 1ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 2ul);	/* root, PDPT */
	KUNIT_EXPECT_PTR_EQ(test, hv_tdp_lookup_kva(vm, gpa + 0x3ff5a123), __va(pa + 0x3ff5a000));
	/* A 2 MiB leaf cannot go under it. */
	KUNIT_EXPECT_NULL(test, put_large(vm, gpa + 0x200000, 2, pa, true));

	/* One page of it invalidated: the whole leaf goes. */
	mutex_lock(&vm->mmu_lock);
	flush = hv_mmu_zap_range(vm, gpa + 0x12345000, PAGE_SIZE);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, *pdpte, 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_1g, 0ul);
	KUNIT_EXPECT_NULL(test, hv_tdp_lookup_kva(vm, gpa));

	/* Logging: one table short of a split, it is zapped. */
	KUNIT_EXPECT_PTR_EQ(test, put_large(vm, gpa, 3, pa, true), pdpte);
	KUNIT_EXPECT_EQ(test, hv_mmu_split_pool_alloc(vm, 1ull << 30, &pool), 0);
	KUNIT_EXPECT_EQ(test, pool.nr, 513ul);
	if (pool.nr)
		free_page((unsigned long)pool.pages[--pool.nr]);
	mutex_lock(&vm->mmu_lock);
	flush = hv_mmu_write_protect(vm, gpa, 1ull << 30, &pool);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, *pdpte, 0ull);
	KUNIT_EXPECT_EQ(test, pool.nr, 512ul);
	hv_mmu_split_pool_free(&pool);

	/* With 513: split down to 4 KiB leaves. */
	KUNIT_EXPECT_PTR_EQ(test, put_large(vm, gpa, 3, pa, true), pdpte);
	KUNIT_EXPECT_EQ(test, hv_mmu_split_pool_alloc(vm, 1ull << 30, &pool), 0);
	mutex_lock(&vm->mmu_lock);
	flush = hv_mmu_write_protect(vm, gpa, 1ull << 30, &pool);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, flush);
	KUNIT_EXPECT_EQ(test, pool.nr, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_1g, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_2m, 0ul);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 512ul * 512);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, 2ul + 513);
	for (i = 0; i < 512 * 512; i += 4099) {
		off = i * PAGE_SIZE;
		leaf = leaf_of(vm, gpa + off);
		if (leaf != (fake_leaf(pa + off, false) | HV_TDP_HOST_WRITABLE)) {
			KUNIT_FAIL(test, "page %lu of the split 1 GiB leaf: %#llx", i, leaf);
			break;
		}
	}
	KUNIT_EXPECT_PTR_EQ(test, hv_tdp_lookup_kva(vm, gpa + 0x3ff5a123), __va(pa + 0x3ff5a000));
	hv_mmu_split_pool_free(&pool);
}

/*
 * Tables go only once nothing can reach them: a table emptied by zaps is
 * taken out where a large leaf may go (the khugepaged case; the first such
 * table at or below the leaf's level), with a flush
 * and a new gpa cache generation before its page is freed; a table that
 * still maps something stays.  Taking out a table that still holds
 * leaves (logging turned off) counts them out.
 */
static void mmu_collapse_tables(struct kunit *test)
{
	struct hv_vm *vm = test->priv;
	unsigned long tables, kept, leaves;
	LIST_HEAD(unlinked);
	u64 *pde, gen;
	size_t nodes;

	add_slot(vm, 0, 0x200000, BACKING_PAGES, 0, 0);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x200000, false), 1);
	KUNIT_EXPECT_EQ(test, fault(vm, 0x201000, false), 1);
	tables = vm->tdp.nr_tables;
	pde = &hv_tdp_table_of(hv_tdp_table_of(vm->tdp.root[0])[0])[1];
	KUNIT_EXPECT_EQ(test, *pde & FAKE_KINDS, FAKE_TABLE);

	/* Expectations after the unlock: a failed one allocates, which reclaim forbids under it. */
	mutex_lock(&vm->mmu_lock);
	/* Still two leaves in it: it stays. */
	hv_tdp_collapse_empty(vm, 0x200000, 2);
	kept = vm->tdp.nr_tables;
	hv_mmu_zap_range(vm, 0x200000, 2 * PAGE_SIZE);
	mmu_flushes = 0;
	gen = vm->mem_gen;
	/*
	 * Empty now: it goes, after a flush and a new generation.  Asked for
	 * a 1 GiB leaf, the first empty table on the way goes: the 2 MiB
	 * range's (the PD above it still holds it, and stays).
	 */
	hv_tdp_collapse_empty(vm, 0x200000, 3);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, kept, tables);
	KUNIT_EXPECT_EQ(test, *pde, 0ull);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, tables - 1);
	KUNIT_EXPECT_EQ(test, mmu_flushes, 1u);
	KUNIT_EXPECT_EQ(test, vm->mem_gen, gen + 1);

	/* Leaves in it: unlinked whole, leaves counted out. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x203000, true), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_leaves, 1ul);
	mutex_lock(&vm->mmu_lock);
	hv_tdp_unlink(vm, pde, 2, &unlinked);
	leaves = vm->tdp.nr_leaves;
	nodes = list_count_nodes(&unlinked);
	hv_tdp_free_unlinked(vm, &unlinked);
	mutex_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, leaves, 0ul);
	KUNIT_EXPECT_EQ(test, nodes, (size_t)1);
	KUNIT_EXPECT_TRUE(test, list_empty(&unlinked));
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, tables - 1);
	KUNIT_EXPECT_EQ(test, leaf_of(vm, 0x203000), 0ull);
	/* The fault maps it again through a fresh table. */
	KUNIT_EXPECT_EQ(test, fault(vm, 0x203000, false), 1);
	KUNIT_EXPECT_EQ(test, vm->tdp.nr_tables, tables);
}

static struct kunit_case hv_mmu_test_cases[] = {
	KUNIT_CASE(mmu_init_destroy),
	KUNIT_CASE(mmu_index_levels),
	KUNIT_CASE(mmu_fault_outside_slot),
	KUNIT_CASE(mmu_fault_maps_page),
	KUNIT_CASE(mmu_fault_twice),
	KUNIT_CASE(mmu_fault_readonly),
	KUNIT_CASE(mmu_table_sharing),
	KUNIT_CASE(mmu_zap_range),
	KUNIT_CASE(mmu_maps_without_reference),
	KUNIT_CASE(mmu_notifier_protocol),
	KUNIT_CASE(mmu_notifier_munmap_and_cow),
	KUNIT_CASE(mmu_gpa_copy),
	KUNIT_CASE(mmu_slots_publish),
	KUNIT_CASE(mmu_gpa_cache),
	KUNIT_CASE(mmu_gpa_cache_replace),
	KUNIT_CASE(mmu_dirty_log),
	KUNIT_CASE(mmu_fast_write_after_log),
	KUNIT_CASE(mmu_large_eligibility),
	KUNIT_CASE(mmu_split_on_log),
	KUNIT_CASE(mmu_1g_leaf),
	KUNIT_CASE(mmu_collapse_tables),
	{}
};

static struct kunit_suite hv_mmu_test_suite = {
	.name = "hv_mmu",
	.suite_init = mmu_suite_init,
	.suite_exit = mmu_suite_exit,
	.init = mmu_init,
	.exit = mmu_exit,
	.test_cases = hv_mmu_test_cases,
};

kunit_test_suite(hv_mmu_test_suite);
