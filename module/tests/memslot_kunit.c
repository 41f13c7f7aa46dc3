// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the memory slot rules (module/hv_memslot.c): validation of
 * HV_SET_MEMORY_REGION requests, overlap between slots and slot lookup, at
 * the edges of every range.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "../hv_vm.h"

#define HVA	0x10000000ull		/* a user address access_ok() accepts */

static struct hv_memory_region region(u32 slot, u64 gpa, u64 size)
{
	struct hv_memory_region mr = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = HVA,
	};

	return mr;
}

static void memslot_check_valid(struct kunit *test)
{
	struct hv_memory_region mr = region(0, 0, 2 << 20);

	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
	mr.flags = HV_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
	mr.flags = HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
	mr = region(HV_MAX_MEMSLOTS - 1, 0x100000, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
}

static void memslot_check_slot_index(struct kunit *test)
{
	struct hv_memory_region mr = region(HV_MAX_MEMSLOTS, 0, PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr.slot = U32_MAX;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* Deleting a slot that cannot exist is refused too. */
	mr.memory_size = 0;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
}

static void memslot_check_flags_reserved(struct kunit *test)
{
	struct hv_memory_region mr = region(1, 0, PAGE_SIZE);

	mr.flags = HV_MEM_LOG_DIRTY << 1;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* A read-only slot has nothing to log. */
	mr.flags = HV_MEM_READONLY | HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr.flags = 0x80000000u;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr.flags = 0;
	mr.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* Reserved fields are checked before the size: a delete with garbage fails. */
	mr.memory_size = 0;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr.reserved[1] = 0;
	mr.reserved[0] = 1ull << 63;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
}

static void memslot_check_alignment(struct kunit *test)
{
	struct hv_memory_region mr = region(0, 0x1000, 0x1000);

	mr.guest_phys_addr = 0x1001;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr.guest_phys_addr = 0x1800;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr = region(0, 0x1000, 0x1001);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr = region(0, 0x1000, 0xfff);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr = region(0, 0x1000, 0x1000);
	mr.userspace_addr = HVA + 0x800;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* Deletion looks at the slot number only. */
	mr = region(0, 0x1234, 0);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
}

static void memslot_check_gpa_limit(struct kunit *test)
{
	struct hv_memory_region mr = region(0, HV_GPA_LIMIT - PAGE_SIZE, PAGE_SIZE);

	/* Ending exactly at 2^48 is fine, one page further is not. */
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
	mr.memory_size = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr = region(0, HV_GPA_LIMIT, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* A range that wraps around 2^64 must not look small. */
	mr = region(0, 0xfffffffffffff000ull, 0x2000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	mr = region(0, 0x1000, 0xfffffffffffff000ull);
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
}

static void memslot_check_user_range(struct kunit *test)
{
	struct hv_memory_region mr = region(0, 0, PAGE_SIZE);

	/* A kernel address (the direct map) as backing memory. */
	mr.userspace_addr = 0xffff888000000000ull;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* The last user page is fine, a range crossing the end of user space is not. */
	mr.userspace_addr = TASK_SIZE_MAX - PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), 0);
	mr.memory_size = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
	/* Wrapping around 2^64. */
	mr.userspace_addr = 0xfffffffffffff000ull;
	KUNIT_EXPECT_EQ(test, hv_memslot_check(&mr), -EINVAL);
}

static void memslot_overlap_neighbours(struct kunit *test)
{
	struct hv_memslot slots[HV_MAX_MEMSLOTS] = {
		[0] = { .gpa = 0x10000, .size = 0x4000, .hva = HVA },
	};
	struct hv_memory_region mr;

	mr = region(1, 0x14000, 0x1000);	/* right after */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), 0);
	mr = region(1, 0xc000, 0x4000);		/* right before */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), 0);
	mr = region(1, 0x13000, 0x2000);	/* last page */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
	mr = region(1, 0xf000, 0x2000);		/* first page */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
	mr = region(1, 0x11000, 0x1000);	/* inside */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
	mr = region(1, 0, 0x100000);		/* around */
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
}

static void memslot_overlap_replace(struct kunit *test)
{
	struct hv_memslot slots[HV_MAX_MEMSLOTS] = {
		[3] = { .gpa = 0x10000, .size = 0x4000, .hva = HVA },
		/* Deleted (size 0): its stale range must not count. */
		[4] = { .gpa = 0x20000, .size = 0, .hva = HVA },
		[HV_MAX_MEMSLOTS - 1] = { .gpa = HV_GPA_LIMIT - 0x2000, .size = 0x2000 },
	};
	struct hv_memory_region mr;

	/* Slot 3 may grow or move over its own range. */
	mr = region(3, 0x10000, 0x8000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), 0);
	mr = region(3, 0x12000, 0x4000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), 0);
	/* ...but another slot may not take it. */
	mr = region(5, 0x12000, 0x1000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
	mr = region(5, 0x20000, 0x1000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), 0);
	/* The last slot index is compared too. */
	mr = region(0, HV_GPA_LIMIT - 0x1000, 0x1000);
	KUNIT_EXPECT_EQ(test, hv_memslot_check_overlap(slots, &mr), -EEXIST);
}

static void memslot_find_boundaries(struct kunit *test)
{
	struct hv_memslot slots[HV_MAX_MEMSLOTS] = {
		[0] = { .gpa = 0x10000, .size = 0x4000 },
		[1] = { .gpa = 0x14000, .size = 0x1000 },
		[2] = { .gpa = 0x30000, .size = 0 },	/* deleted */
		[7] = { .gpa = 0, .size = 0x1000 },
	};

	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0xffff), NULL);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x10000), &slots[0]);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x13fff), &slots[0]);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x14000), &slots[1]);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x15000), NULL);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x30000), NULL);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0), &slots[7]);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0xfff), &slots[7]);
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, ~0ull), NULL);
	/* gpa - slot start must not wrap into "inside". */
	KUNIT_EXPECT_PTR_EQ(test, hv_memslot_find(slots, 0x10000 - 0x1000), NULL);
}

static void memslot_find_every_slot(struct kunit *test)
{
	struct hv_memslot *slots;
	int i;

	slots = kunit_kcalloc(test, HV_MAX_MEMSLOTS, sizeof(*slots), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, slots);
	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		slots[i].gpa = (u64)(HV_MAX_MEMSLOTS - i) << 30;
		slots[i].size = PAGE_SIZE;
	}
	for (i = 0; i < HV_MAX_MEMSLOTS; i++) {
		KUNIT_EXPECT_PTR_EQ_MSG(test, hv_memslot_find(slots, slots[i].gpa + 8), &slots[i],
					"slot %d", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, hv_memslot_find(slots, slots[i].gpa + PAGE_SIZE),
					NULL, "after slot %d", i);
	}
}

/* Only a change of HV_MEM_LOG_DIRTY on the same range and memory keeps the mappings. */
static void memslot_log_toggle(struct kunit *test)
{
	struct hv_memslot s = { .gpa = 0x100000, .size = 2 << 20, .hva = HVA };
	struct hv_memory_region mr = region(1, 0x100000, 2 << 20);

	mr.flags = HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_TRUE(test, hv_memslot_log_toggle(&s, &mr));
	s.flags = HV_MEM_LOG_DIRTY;
	mr.flags = 0;
	KUNIT_EXPECT_TRUE(test, hv_memslot_log_toggle(&s, &mr));
	/* The same flags: a re-install, which refreshes the mappings. */
	mr.flags = HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	/* Read-only changing too (the check refuses the pair anyway). */
	s.flags = HV_MEM_READONLY;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	s.flags = 0;
	mr.memory_size = 4 << 20;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	mr = region(1, 0x200000, 2 << 20);
	mr.flags = HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	mr = region(1, 0x100000, 2 << 20);
	mr.flags = HV_MEM_LOG_DIRTY;
	mr.userspace_addr += PAGE_SIZE;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	/* An empty slot has nothing to keep. */
	s.size = 0;
	mr = region(1, 0, 0);
	mr.flags = HV_MEM_LOG_DIRTY;
	KUNIT_EXPECT_FALSE(test, hv_memslot_log_toggle(&s, &mr));
	/* One bit per page, whole 64-bit words. */
	KUNIT_EXPECT_EQ(test, hv_memslot_dirty_words(PAGE_SIZE), 1ul);
	KUNIT_EXPECT_EQ(test, hv_memslot_dirty_words(64 * PAGE_SIZE), 1ul);
	KUNIT_EXPECT_EQ(test, hv_memslot_dirty_words(65 * PAGE_SIZE), 2ul);
	KUNIT_EXPECT_EQ(test, hv_memslot_dirty_words(1ull << 30), 4096ul);
}

static struct kunit_case hv_memslot_test_cases[] = {
	KUNIT_CASE(memslot_check_valid),
	KUNIT_CASE(memslot_check_slot_index),
	KUNIT_CASE(memslot_check_flags_reserved),
	KUNIT_CASE(memslot_check_alignment),
	KUNIT_CASE(memslot_check_gpa_limit),
	KUNIT_CASE(memslot_check_user_range),
	KUNIT_CASE(memslot_overlap_neighbours),
	KUNIT_CASE(memslot_overlap_replace),
	KUNIT_CASE(memslot_find_boundaries),
	KUNIT_CASE(memslot_find_every_slot),
	KUNIT_CASE(memslot_log_toggle),
	{}
};

static struct kunit_suite hv_memslot_test_suite = {
	.name = "hv_memslot",
	.test_cases = hv_memslot_test_cases,
};
kunit_test_suite(hv_memslot_test_suite);
