// SPDX-License-Identifier: GPL-2.0
/*
 * mem_hugetlb_test: guest memory on hugetlbfs (issue 13, huge nested pages).
 * A 4 MiB slot backed by two 2 MiB hugetlb pages of a memfd (MFD_HUGETLB,
 * MAP_SHARED, as hv-run --mem-path on a hugetlbfs mount maps its file), which
 * the VMM has filled (qword 0 of page i = tag ^ i):
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
 *                                pages the guest writes
 *
 * Needs no madvise() (the debug kernel has none): memfd_create() and
 * fallocate() only.  The binary raises the 2 MiB pool
 * (/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) by POOL_EXTRA
 * pages for its run and gives them back at its end; a pool it cannot grow
 * fails in the testbed (fresh 2 GiB guests have the memory) and skips
 * elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_ioctl.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define MEM_SLOT	1
#define MEM_GPA		0x10000000ULL	/* 256 MiB, above slot 0; 2 MiB-aligned */
#define MEM_SIZE	(4 * SZ_1M)
#define MEM_GVA		0x20000000ULL
#define NPAGES		(MEM_SIZE / PAGE_SIZE)
#define QWORDS_PER_PAGE	(PAGE_SIZE / 8)
#define POOL		"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define POOL_FREE	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define POOL_EXTRA	8	/* two per test point in use at a time, and margin */

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB	(21U << 26)
#endif

/* ---- guest side: a command loop the host drives -------------------------------------- */

enum {
	OP_COPY = 1,	/* qword 1 of every page = qword 0 (what the guest read, for the host) */
	OP_WRITE_ONE,	/* qword 2 of page g_page = g_tag */
	OP_SUM,		/* report the sum of qword 0 of every page */
	OP_END,
};

static volatile uint32_t g_op, g_page;
static volatile uint64_t g_tag;

static void guest_cmds(uint64_t base, uint64_t npages)
{
	for (;;) {
		volatile uint64_t *p;
		uint64_t i, sum = 0;

		GUEST_SYNC(0);
		switch (g_op) {
		case OP_COPY:
			for (i = 0; i < npages; i++) {
				p = (volatile uint64_t *)(base + i * PAGE_SIZE);
				p[1] = p[0];
			}
			break;
		case OP_WRITE_ONE:
			((volatile uint64_t *)(base + g_page * PAGE_SIZE))[2] = g_tag;
			break;
		case OP_SUM:
			for (i = 0; i < npages; i++)
				sum += *(volatile uint64_t *)(base + i * PAGE_SIZE);
			GUEST_SYNC_ARGS(1, sum, 0, 0);
			break;
		default:
			GUEST_DONE();
		}
	}
}

/* ---- host side ------------------------------------------------------------------------ */

static void guest_op(struct vcpu *vcpu, uint32_t op)
{
	struct ucall uc;

	*guest_global_ptr(vcpu->vm, g_op) = op;
	if (op == OP_SUM)
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
			    "no report of the sum");
	vcpu_expect_sync(vcpu, 0);
}

static void guest_end(struct vcpu *vcpu)
{
	*guest_global_ptr(vcpu->vm, g_op) = OP_END;
	vcpu_expect_done(vcpu);
}

static uint64_t *qw(uint64_t *h, unsigned int page, unsigned int q)
{
	return &h[page * QWORDS_PER_PAGE + q];
}

static long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

static bool write_long(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(buf, sizeof(buf), "%ld", v);
	ok = write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf);
	close(fd);
	return ok;
}

/* The "N 2 MiB leaves" of this process's VM in hv's debugfs summary (-1: none found). */
static long debugfs_large_leaves(void)
{
	char path[300], line[256], prefix[32];
	long tables, small, large = -1;
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/debug/hv");

	if (!dir)
		return -1;
	snprintf(prefix, sizeof(prefix), "%d-", (int)getpid());
	while ((d = readdir(dir))) {
		FILE *f;

		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/hv/%s/stats", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			sscanf(line, "nested page table: %ld table pages, %ld 4 KiB leaves, %ld 2 MiB leaves",
			       &tables, &small, &large);
		fclose(f);
	}
	closedir(dir);
	return large;
}

static uint64_t npf_count(struct vcpu *vcpu)
{
	struct hv_stats st;

	vcpu_get_stats(vcpu, &st);
	return st.exits[HV_STAT_NPF];
}

/*
 * A VM whose vCPU 0 runs guest_cmds() over a slot on two 2 MiB hugetlb
 * pages of a memfd (*@fd), which the VMM has filled with @tag ^ page.
 */
static struct vcpu *hugetlb_vm(uint64_t **h, int *fd, uint64_t tag)
{
	struct vcpu *vcpu;
	unsigned int page;
	struct vm *vm;
	void *p;

	*fd = memfd_create("hv-hugetlb", MFD_HUGETLB | MFD_HUGE_2MB | MFD_CLOEXEC);
	TEST_ASSERT(*fd >= 0, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
	TEST_ASSERT(ftruncate(*fd, MEM_SIZE) == 0, "ftruncate: %s", strerror(errno));
	/* MAP_SHARED reserves the two pages now: a later fault cannot fail for want of them. */
	p = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap of the hugetlb memfd (free 2 MiB pages: %ld): %s",
		    read_long(POOL_FREE), strerror(errno));
	TEST_ASSERT(!((uintptr_t)p & (SZ_2M - 1)), "hugetlb mapping at %p, not 2 MiB-aligned", p);
	*h = p;
	for (page = 0; page < NPAGES; page++)
		*qw(*h, page, 0) = tag ^ page;

	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_cmds);
	vm_set_memory_region(vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE, *h);
	virt_map(vm, MEM_GVA, MEM_GPA, MEM_SIZE);
	vcpu_args_set(vcpu, MEM_GVA, NPAGES);
	vcpu_expect_sync(vcpu, 0);
	return vcpu;
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
	large = debugfs_large_leaves();
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
	long base = debugfs_large_leaves();

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
	long base = debugfs_large_leaves(), large;
	unsigned int page;

	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	expect_2m(vcpu, base, h, tag);
	/* The second huge page goes back to the pool: its leaf must go with it, now. */
	TEST_ASSERT(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, SZ_2M, SZ_2M) == 0,
		    "fallocate(PUNCH_HOLE): %s", strerror(errno));
	large = debugfs_large_leaves();
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
	large = debugfs_large_leaves();
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
	base = debugfs_large_leaves();
	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	expect_2m(vcpu, base, h, tag);
	vm_set_memory_region(vcpu->vm, MEM_SLOT, HV_MEM_LOG_DIRTY, MEM_GPA, MEM_SIZE, h);
	large = debugfs_large_leaves();
	TEST_ASSERT(large == base, "%ld 2 MiB leaves while logging, expected %ld", large, base);
	/* Split, not zapped: reading every page again maps nothing new. */
	before = npf_count(vcpu);
	guest_op(vcpu, OP_SUM);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults == 0, "%llu nested faults reading the pages after logging turned on "
		    "(the 2 MiB leaves were dropped, not split)", (unsigned long long)faults);
	for (i = 0; i < ARRAY_SIZE(written); i++) {
		*guest_global_ptr(vcpu->vm, g_page) = written[i];
		*guest_global_ptr(vcpu->vm, g_tag) = 0xd2d2;
		guest_op(vcpu, OP_WRITE_ONE);
	}
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
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
	close(fd);
}

static const struct hv_test tests[] = {
	{ "hugetlb_maps_2m", test_maps_2m, 0 },
	{ "hugetlb_punch_refaults", test_punch, 0 },
	{ "hugetlb_dirty_log_4k", test_dirty_log, 0 },
};

static long pool_before = -1;
static pid_t pool_owner;

/* At the binary's exit (not a test point's child's): the pool as it was. */
static void pool_restore(void)
{
	if (getpid() == pool_owner && pool_before >= 0)
		write_long(POOL, pool_before);
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
