// SPDX-License-Identifier: GPL-2.0
/*
 * mem_hugetlb_test: guest memory on hugetlbfs (issue 13, huge nested pages).
 * Pages of a memfd (MFD_HUGETLB, MAP_SHARED, as hv-run --mem-path on a
 * hugetlbfs mount maps its file), which the VMM has filled (qword 0 of
 * page i = tag ^ i).  2 MiB: a 4 MiB slot on two huge pages:
 *
 *   hugetlb_maps_2m              the guest's pass over all 1024 pages takes
 *                                at most a few nested faults and leaves two
 *                                2 MiB leaves in the VM's debugfs summary
 *   hugetlb_punch_refaults       fallocate(PUNCH_HOLE) of the second huge
 *                                page (what hv-run's balloon does with file
 *                                backed RAM) zaps its 2 MiB leaf at once (one
 *                                leaf left before the guest runs again); the
 *                                VMM writes one page of the fresh huge page,
 *                                and the guest reads zeros there but that
 *                                page, its old data in the first huge page,
 *                                and maps the fresh page with a 2 MiB leaf
 *   hugetlb_dirty_log_4k         dirty logging over the 2 MiB leaves splits
 *                                them (no nested fault reading every page
 *                                again) and the log names exactly the 4 KiB
 *                                pages the guest writes; logging off, the
 *                                next pass maps 2 MiB leaves again
 *
 * 1 GiB: a 1 GiB slot at guest-physical 1 GiB on one 1 GiB page, of which
 * the guest sees three 2 MiB windows (its start, middle and end) as 1536
 * consecutive pages:
 *
 *   hugetlb_maps_1g              the pass over the windows takes a few
 *                                faults and leaves one 1 GiB leaf
 *   hugetlb_1g_punch_refaults    the page punched: its leaf goes at once;
 *                                the guest reads the fresh page (zeros, and
 *                                the one page the VMM wrote) through a new
 *                                1 GiB leaf
 *   hugetlb_1g_dirty_log_4k      logging splits the 1 GiB leaf down to 4 KiB
 *                                leaves (no fault reading the windows) and
 *                                the log names exactly the pages written;
 *                                logging off, one 1 GiB leaf maps it again
 *
 * Needs no madvise() (the debug kernel has none): memfd_create() and
 * fallocate() only.  The binary raises the 2 MiB pool by POOL_EXTRA pages,
 * and the 1 GiB pool by one page where it has none free, for its run, and
 * gives them back at its end.  A 2 MiB pool it cannot grow skips the whole
 * binary, a 1 GiB page it cannot get skips the 1 GiB points, and so does a
 * CPU without 1 GiB nested leaves (hv's debugfs says which it takes); in
 * the testbed, which boots with a 1 GiB page reserved
 * (hugepagesz=1G hugepages=1) on CPUs that have them, a skip fails
 * (expected lists).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_probe.h"
#include "hv_ioctl.h"
#include "mem_guest.h"

KTAP_DEFINE_STATE;

#define MEM_SLOT	1
#define MEM_GPA		0x10000000ULL	/* 256 MiB, above slot 0; 2 MiB-aligned */
#define MEM_SIZE	(4 * SZ_1M)
#define MEM_GVA		0x20000000ULL
#define NPAGES		(MEM_SIZE / PAGE_SIZE)
#define POOL		"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define POOL_FREE	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define POOL_EXTRA	8	/* two per test point in use at a time, and margin */
#define POOL_1G		"/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
#define POOL_1G_FREE	"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"

#define GIG_SLOT	2
#define GIG_GPA		(1ULL << 30)
#define GIG_SIZE	(1ULL << 30)
#define GIG_GVA		0x40000000ULL
#define GIG_WINDOWS	3
#define GIG_NPAGES	(GIG_WINDOWS * SZ_2M / PAGE_SIZE)

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
/* MFD_HUGE_2MB, MFD_HUGE_1GB: the page size's log2 << MFD_HUGE_SHIFT (26), hugetlb_map(). */

/*
 * @size bytes of a memfd (*@fd) of @page_size hugetlb pages, mapped
 * MAP_SHARED, which reserves the pages now: a later fault cannot fail for
 * want of them.
 */
static uint64_t *hugetlb_map(int *fd, uint64_t size, uint64_t page_size)
{
	unsigned int shift = __builtin_ctzll(page_size);
	void *p;

	*fd = memfd_create("hv-hugetlb", MFD_HUGETLB | (shift << 26) | MFD_CLOEXEC);
	TEST_ASSERT(*fd >= 0, "memfd_create(MFD_HUGETLB, %llu KiB pages): %s",
		    (unsigned long long)page_size >> 10, strerror(errno));
	TEST_ASSERT(ftruncate(*fd, size) == 0, "ftruncate: %s", strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap of the hugetlb memfd (free %llu KiB pages: %ld): %s",
		    (unsigned long long)page_size >> 10,
		    read_long(page_size == SZ_2M ? POOL_FREE : POOL_1G_FREE), strerror(errno));
	TEST_ASSERT(!((uintptr_t)p & (page_size - 1)), "hugetlb mapping at %p, not aligned to "
		    "its %llu KiB pages", p, (unsigned long long)page_size >> 10);
	return p;
}

/*
 * A VM whose vCPU 0 runs guest_cmds() over a slot on two 2 MiB hugetlb
 * pages of a memfd (*@fd), which the VMM has filled with @tag ^ page.
 */
static struct vcpu *hugetlb_vm(uint64_t **h, int *fd, uint64_t tag)
{
	unsigned int page;
	struct vm *vm;

	*h = hugetlb_map(fd, MEM_SIZE, SZ_2M);
	for (page = 0; page < NPAGES; page++)
		*qw(*h, page, 0) = tag ^ page;

	vm = vm_create(0);
	vm_set_memory_region(vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE, *h);
	virt_map(vm, MEM_GVA, MEM_GPA, MEM_SIZE);
	return mem_guest_start(vm, MEM_GVA, NPAGES);
}

/* The guest's first pass over the slot: a few faults, two more 2 MiB leaves than @base. */
static void expect_2m(struct vcpu *vcpu, long base, uint64_t *h, uint64_t tag)
{
	uint64_t before = npf_count(vcpu), faults;
	unsigned int page;
	long large;

	guest_op(vcpu, OP_COPY);
	faults = npf_count(vcpu) - before;
	/* Two for the leaves, a few for the guest's own code and data (4 KiB leaves: 1024). */
	TEST_ASSERT(faults <= 16, "%llu nested faults for 1024 pages on 2 MiB hugetlb pages "
		    "(two 2 MiB leaves would take 2)", (unsigned long long)faults);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 2, "hv's debugfs summary: %ld 2 MiB leaves, expected %ld",
		    large, base + 2);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(h, page, 1) == (tag ^ page), "page %u: the guest read %#llx", page,
			    (unsigned long long)*qw(h, page, 1));
}

static void test_maps_2m(void)
{
	const uint64_t tag = 0x1212000000000000ULL;
	uint64_t *h;
	int fd;
	struct vcpu *vcpu = hugetlb_vm(&h, &fd, tag);
	long base = tdp_leaves(2);

	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	expect_2m(vcpu, base, h, tag);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
	close(fd);
}

static void test_punch(void)
{
	const uint64_t tag = 0x3434000000000000ULL;
	const unsigned int rewritten = 700;
	uint64_t *h;
	int fd;
	struct vcpu *vcpu = hugetlb_vm(&h, &fd, tag);
	long base = tdp_leaves(2), large;
	unsigned int page;

	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	expect_2m(vcpu, base, h, tag);
	/* The second huge page goes back to the pool: its leaf must go with it, now. */
	TEST_ASSERT(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, SZ_2M, SZ_2M) == 0,
		    "fallocate(PUNCH_HOLE): %s", strerror(errno));
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 1, "after the punch: %ld 2 MiB leaves, expected %ld (the "
		    "punched page's leaf kept)", large, base + 1);
	/* A fresh (zeroed) huge page there, one page of it written by the VMM. */
	*qw(h, rewritten, 0) = 0x5656;
	guest_op(vcpu, OP_COPY);
	for (page = 0; page < NPAGES; page++) {
		uint64_t want = page == rewritten ? 0x5656 : page >= 512 ? 0 : tag ^ page;

		TEST_ASSERT(*qw(h, page, 1) == want, "page %u: the guest read %#llx, expected %#llx%s",
			    page, (unsigned long long)*qw(h, page, 1), (unsigned long long)want,
			    page >= 512 ? " (in the punched huge page)" : "");
	}
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 2, "the fresh huge page: %ld 2 MiB leaves, expected %ld",
		    large, base + 2);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
	close(fd);
}

static void test_dirty_log(void)
{
	static const unsigned int written[] = { 0, 3, 511, 512, 1023 };
	const uint64_t tag = 0x7878;
	uint64_t *h, bitmap[NPAGES / 64], before, faults;
	int fd;
	struct vcpu *vcpu;
	struct hv_dirty_log log = { .slot = MEM_SLOT };
	unsigned int i, page;
	long base, large;

	if (!hv_check_cap(HV_CAP_DIRTY_LOG))
		TEST_SKIP("HV_CAP_DIRTY_LOG is 0");
	vcpu = hugetlb_vm(&h, &fd, tag);
	base = tdp_leaves(2);
	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	expect_2m(vcpu, base, h, tag);
	vm_set_memory_region(vcpu->vm, MEM_SLOT, HV_MEM_LOG_DIRTY, MEM_GPA, MEM_SIZE, h);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base, "%ld 2 MiB leaves while logging, expected %ld", large, base);
	/* Split, not zapped: reading every page again maps nothing new. */
	before = npf_count(vcpu);
	guest_op(vcpu, OP_SUM);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults == 0, "%llu nested faults reading the pages after logging turned on "
		    "(the 2 MiB leaves were dropped, not split)", (unsigned long long)faults);
	for (i = 0; i < ARRAY_SIZE(written); i++)
		guest_write_one(vcpu, written[i], 0xd2d2);
	memset(bitmap, 0xa5, sizeof(bitmap));
	log.bitmap = (uint64_t)(uintptr_t)bitmap;
	TEST_ASSERT(hv_ioctl_get_dirty_log(vcpu->vm->fd, &log) == 0, "HV_GET_DIRTY_LOG: %s",
		    strerror(errno));
	for (page = 0, i = 0; page < NPAGES; page++) {
		bool dirty = bitmap[page / 64] >> (page % 64) & 1;
		bool want = i < ARRAY_SIZE(written) && written[i] == page;

		TEST_ASSERT(dirty == want, "page %u is %s in the log, expected %s", page,
			    dirty ? "dirty" : "clean", want ? "dirty" : "clean");
		i += want;
	}
	for (i = 0; i < ARRAY_SIZE(written); i++)
		TEST_ASSERT(*qw(h, written[i], 2) == 0xd2d2, "page %u: the write did not land",
			    written[i]);
	/* Logging off: the 4 KiB leaves go, and the next pass maps 2 MiB ones again. */
	vm_set_memory_region(vcpu->vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE, h);
	expect_2m(vcpu, base, h, tag);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
	close(fd);
}

/* ---- 1 GiB ------------------------------------------------------------------------------- */

/* Why the 1 GiB points cannot run here, or NULL: set by main(). */
static const char *gig_unavailable;

/* The offset in the 1 GiB page of the guest's page @i (three 2 MiB windows). */
static uint64_t gig_offset(unsigned int i)
{
	static const uint64_t window[GIG_WINDOWS] = { 0, GIG_SIZE / 2, GIG_SIZE - SZ_2M };

	return window[i / (SZ_2M / PAGE_SIZE)] + (uint64_t)(i % (SZ_2M / PAGE_SIZE)) * PAGE_SIZE;
}

static uint64_t *gig_qw(uint64_t *h, unsigned int i, unsigned int q)
{
	return &h[gig_offset(i) / 8 + q];
}

/*
 * A VM whose vCPU 0 runs guest_cmds() over the three windows of a 1 GiB
 * slot on one 1 GiB hugetlb page of a memfd (*@fd), whose pages the guest
 * sees the VMM has filled with @tag ^ i.
 */
static struct vcpu *gig_vm(uint64_t **h, int *fd, uint64_t tag)
{
	struct tdp_summary sum;
	unsigned int i;
	struct vm *vm;

	if (gig_unavailable)
		TEST_SKIP("%s", gig_unavailable);
	*h = hugetlb_map(fd, GIG_SIZE, GIG_SIZE);
	for (i = 0; i < GIG_NPAGES; i++)
		*gig_qw(*h, i, 0) = tag ^ i;

	vm = vm_create(0);
	TEST_ASSERT(tdp_summary(&sum), "no summary of this VM in /sys/kernel/debug/hv");
	if (sum.max_leaf_level < 3)
		TEST_SKIP("this CPU's nested paging takes no 1 GiB leaves (largest: level %d)",
			  sum.max_leaf_level);
	vm_set_memory_region(vm, GIG_SLOT, 0, GIG_GPA, GIG_SIZE, *h);
	for (i = 0; i < GIG_WINDOWS; i++)
		virt_map(vm, GIG_GVA + i * SZ_2M, GIG_GPA + gig_offset(i * SZ_2M / PAGE_SIZE), SZ_2M);
	return mem_guest_start(vm, GIG_GVA, GIG_NPAGES);
}

/*
 * The guest's pass over the windows: a few faults (4 KiB leaves: 1536),
 * its one 1 GiB leaf (the VM has no other), and in every page what the guest read:
 * the VMM's fill (@rewritten ~0u), or a fresh page's zeros but for page
 * @rewritten, which the VMM wrote 0x5656 to.
 */
static void expect_1g(struct vcpu *vcpu, uint64_t *h, uint64_t tag, unsigned int rewritten)
{
	uint64_t before = npf_count(vcpu), faults, want;
	unsigned int i;
	long large;

	guest_op(vcpu, OP_COPY);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults <= 16, "%llu nested faults for %d pages of a 1 GiB hugetlb page "
		    "(one 1 GiB leaf would take 1)", (unsigned long long)faults, (int)GIG_NPAGES);
	large = tdp_leaves(3);
	TEST_ASSERT(large == 1, "hv's debugfs summary: %ld 1 GiB leaves, expected 1", large);
	for (i = 0; i < GIG_NPAGES; i++) {
		want = rewritten == ~0u ? tag ^ i : i == rewritten ? 0x5656 : 0;
		TEST_ASSERT(*gig_qw(h, i, 1) == want,
			    "page %u (offset %#llx): the guest read %#llx, expected %#llx",
			    i, (unsigned long long)gig_offset(i),
			    (unsigned long long)*gig_qw(h, i, 1), (unsigned long long)want);
	}
}

static void gig_end(struct vcpu *vcpu, uint64_t *h, int fd)
{
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
	munmap(h, GIG_SIZE);
	close(fd);
}

static void test_maps_1g(void)
{
	const uint64_t tag = 0x9191000000000000ULL;
	uint64_t *h;
	int fd;
	struct vcpu *vcpu = gig_vm(&h, &fd, tag);

	expect_1g(vcpu, h, tag, ~0u);
	gig_end(vcpu, h, fd);
}

static void test_punch_1g(void)
{
	const uint64_t tag = 0x9292000000000000ULL;
	const unsigned int rewritten = 700;
	uint64_t *h;
	int fd;
	struct vcpu *vcpu = gig_vm(&h, &fd, tag);
	long large;

	expect_1g(vcpu, h, tag, ~0u);
	TEST_ASSERT(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, GIG_SIZE) == 0,
		    "fallocate(PUNCH_HOLE) of the 1 GiB page: %s", strerror(errno));
	large = tdp_leaves(3);
	TEST_ASSERT(large == 0, "after the punch: %ld 1 GiB leaves, expected 0 (the punched "
		    "page's leaf kept)", large);
	/* A fresh (zeroed) 1 GiB page, one page of it written by the VMM. */
	*gig_qw(h, rewritten, 0) = 0x5656;
	expect_1g(vcpu, h, tag, rewritten);
	gig_end(vcpu, h, fd);
}

static void test_dirty_log_1g(void)
{
	static const unsigned int written[] = { 0, 1, 511, 512, 1000, 1024, 1535 };
	const uint64_t tag = 0x9393000000000000ULL;
	const unsigned long bits = GIG_SIZE / PAGE_SIZE;
	struct hv_dirty_log log = { .slot = GIG_SLOT };
	uint64_t *h, *bitmap, before, faults;
	unsigned long page, n = 0;
	struct vcpu *vcpu;
	long large, base_2m;
	unsigned int i;
	int fd;

	if (!hv_check_cap(HV_CAP_DIRTY_LOG))
		TEST_SKIP("HV_CAP_DIRTY_LOG is 0");
	vcpu = gig_vm(&h, &fd, tag);
	expect_1g(vcpu, h, tag, ~0u);
	/* Slot 0 may have 2 MiB leaves of its own (THP "always"). */
	base_2m = tdp_leaves(2);
	vm_set_memory_region(vcpu->vm, GIG_SLOT, HV_MEM_LOG_DIRTY, GIG_GPA, GIG_SIZE, h);
	large = tdp_leaves(3);
	TEST_ASSERT(large == 0, "%ld 1 GiB leaves while logging, expected 0", large);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base_2m, "%ld 2 MiB leaves while logging, expected %ld (the 1 GiB "
		    "leaf split to 2 MiB, not 4 KiB)", large, base_2m);
	/* Split, not zapped: reading the windows again maps nothing new. */
	before = npf_count(vcpu);
	guest_op(vcpu, OP_SUM);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults == 0, "%llu nested faults reading the pages after logging turned on "
		    "(the 1 GiB leaf was dropped, not split)", (unsigned long long)faults);
	for (i = 0; i < ARRAY_SIZE(written); i++)
		guest_write_one(vcpu, written[i], 0xd3d3);
	bitmap = calloc(bits / 64, sizeof(*bitmap));
	TEST_ASSERT(bitmap, "calloc");
	memset(bitmap, 0xa5, bits / 8);
	log.bitmap = (uint64_t)(uintptr_t)bitmap;
	TEST_ASSERT(hv_ioctl_get_dirty_log(vcpu->vm->fd, &log) == 0, "HV_GET_DIRTY_LOG: %s",
		    strerror(errno));
	for (page = 0; page < bits; page++) {
		bool dirty = bitmap[page / 64] >> (page % 64) & 1;
		bool want = false;

		for (i = 0; i < ARRAY_SIZE(written); i++)
			want |= gig_offset(written[i]) / PAGE_SIZE == page;
		TEST_ASSERT(dirty == want, "page %#lx of the 1 GiB slot is %s in the log, expected %s",
			    page, dirty ? "dirty" : "clean", want ? "dirty" : "clean");
		n += dirty;
	}
	TEST_ASSERT(n == ARRAY_SIZE(written), "%lu pages in the log", n);
	for (i = 0; i < ARRAY_SIZE(written); i++)
		TEST_ASSERT(*gig_qw(h, written[i], 2) == 0xd3d3, "page %u: the write did not land",
			    written[i]);
	free(bitmap);
	/* Logging off: the tables go, and the next pass maps one 1 GiB leaf again. */
	vm_set_memory_region(vcpu->vm, GIG_SLOT, 0, GIG_GPA, GIG_SIZE, h);
	expect_1g(vcpu, h, tag, ~0u);
	gig_end(vcpu, h, fd);
}

static const struct hv_test tests[] = {
	{ "hugetlb_maps_2m", test_maps_2m, 0 },
	{ "hugetlb_punch_refaults", test_punch, 0 },
	{ "hugetlb_dirty_log_4k", test_dirty_log, 0 },
	{ "hugetlb_maps_1g", test_maps_1g, 0 },
	{ "hugetlb_1g_punch_refaults", test_punch_1g, 0 },
	{ "hugetlb_1g_dirty_log_4k", test_dirty_log_1g, 0 },
};

static long pool_before = -1, pool_1g_before = -1;
static pid_t pool_owner;

/* At the binary's exit (not a test point's child's): the pools as they were. */
static void pool_restore(void)
{
	if (getpid() != pool_owner)
		return;
	if (pool_before >= 0)
		write_long(POOL, pool_before);
	if (pool_1g_before >= 0)
		write_long(POOL_1G, pool_1g_before);
}

/* One free 1 GiB page for the 1 GiB points, or why there is none. */
static void gig_pool_get(void)
{
	static char why[200];
	long now;

	if (access(POOL_1G, R_OK)) {
		gig_unavailable = "the host has no 1 GiB huge pages (" POOL_1G
				  " missing: a CPU without Page1GB?)";
		return;
	}
	if (read_long(POOL_1G_FREE) >= 1)
		return;
	pool_1g_before = read_long(POOL_1G);
	if (write_long(POOL_1G, pool_1g_before + 1) && read_long(POOL_1G_FREE) >= 1)
		return;
	now = read_long(POOL_1G);
	snprintf(why, sizeof(why), "no free 1 GiB huge page (%s: %ld, free %ld): boot with "
		 "hugepagesz=1G hugepages=1", POOL_1G, now, read_long(POOL_1G_FREE));
	gig_unavailable = why;
}

int main(void)
{
	char why[200];
	long now;

	/* No hugetlbfs: nothing to test (the testbed's kernels all have it). */
	if (access(POOL, R_OK)) {
		snprintf(why, sizeof(why), "no 2 MiB hugetlb pool (%s): CONFIG_HUGETLBFS off?", POOL);
		ktap_exit_skip_all(why);
	}
	pool_before = read_long(POOL);
	pool_owner = getpid();
	atexit(pool_restore);
	gig_pool_get();
	if (read_long(POOL_FREE) < POOL_EXTRA / 2 &&
	    (!write_long(POOL, pool_before + POOL_EXTRA) ||
	     read_long(POOL_FREE) < POOL_EXTRA / 2)) {
		now = read_long(POOL);
		snprintf(why, sizeof(why), "cannot get %d free 2 MiB huge pages (%s: %ld, free %ld)",
			 POOL_EXTRA / 2, POOL, now, read_long(POOL_FREE));
		ktap_exit_skip_all(why);
	}
	hv_test_main(tests, ARRAY_SIZE(tests));
}
