// SPDX-License-Identifier: GPL-2.0
/*
 * mem_backing_test: guest memory is the VMM's ordinary memory, and the host
 * may change it under a running guest (hv's MMU notifier, issue 13). A
 * 4 MiB slot that a guest has filled, then:
 *
 *   dontneed_gives_fresh_pages   madvise(MADV_DONTNEED) on part of the slot's
 *                                backing, and the VMM writes one of those
 *                                pages again: the guest reads zeros there
 *                                (and the VMM's value in that one page),
 *                                the old data elsewhere, and what the guest
 *                                writes back is what the VMM reads (never a
 *                                page the host has let go)
 *   munmap_faults_then_remap     part of the backing munmapped: the guest's
 *                                next access fails HV_RUN with EFAULT; once
 *                                the VMM maps fresh memory there and fills
 *                                it, the same guest access goes on and reads
 *                                the VMM's new data
 *   mprotect_readonly            the backing made read-only: the guest still
 *                                reads it all, a guest write fails HV_RUN
 *                                with EFAULT; writable again, the write goes
 *                                through and the VMM sees it
 *   ksm_merges_and_unshares      the backing marked MADV_MERGEABLE and the
 *                                guest fills every page alike: KSM merges
 *                                them (hv holds no reference that would stop
 *                                it), the guest still reads its data, and
 *                                the guest's writes then give each page its
 *                                own copy again, none seen in another page
 *   thp_maps_2m_then_splits      backing of transparent huge pages: the
 *                                guest's pass over all 1024 pages takes at
 *                                most a few nested faults (two 2 MiB leaves,
 *                                in the VM's debugfs summary too); one page
 *                                given back splits the host's huge page: the
 *                                guest reads zeros there and its data, and
 *                                the VMM's new writes, elsewhere
 *   thp_collapse_maps_2m_again   after that split, MADV_COLLAPSE makes the
 *                                range one huge page again: the guest's next
 *                                pass over it takes a fault or so and maps
 *                                it with a 2 MiB leaf again, its data kept
 *   thp_split_collapse_churn     another thread splits and collapses the
 *                                backing's huge pages over and over while
 *                                the guest and the VMM write every page in
 *                                turn: each sees the other's last values
 *   thp_dirty_log_4k             dirty logging turned on over 2 MiB leaves
 *                                splits them (reading every page again takes
 *                                no nested fault), and the log names exactly
 *                                the 4 KiB pages the guest writes
 *   pageout_keeps_content        with swap on (the testbed's zram device,
 *                                HV_SWAP_DEV, on for this case only),
 *                                madvise(MADV_PAGEOUT) swaps the filled
 *                                slot out: nearly every page must be a swap
 *                                entry in /proc/self/pagemap (a page hv had
 *                                pinned could not go); the guest then reads
 *                                its data back through a fresh nested fault
 *                                per page swapped out (a stale mapping would
 *                                take none, and read a freed page), and what
 *                                it writes next is what the VMM reads
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

#include "host_probe.h"
#include "hv_ioctl.h"
#include "mem_guest.h"

KTAP_DEFINE_STATE;

#define MEM_SLOT	1
#define MEM_GPA		0x10000000ULL	/* 256 MiB, above slot 0 */
#define MEM_SIZE	(4 * SZ_1M)
#define MEM_GVA		0x20000000ULL
#define NPAGES		(MEM_SIZE / PAGE_SIZE)

/* A VM whose vCPU 0 runs guest_cmds() over the slot, waiting for its first command. */
static struct vcpu *cmd_vm(uint64_t **h)
{
	struct vm *vm;

	vm = vm_create(0);
	*h = vm_add_slot(vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE);
	virt_map(vm, MEM_GVA, MEM_GPA, MEM_SIZE);
	return mem_guest_start(vm, MEM_GVA, NPAGES);
}

static void test_dontneed(void)
{
	const unsigned int lo = 256, hi = 768, rewritten = 300;
	uint64_t *h;
	struct vcpu *vcpu = cmd_vm(&h);
	unsigned int page;

	guest_fill(vcpu, 0x1111000000000000ULL, false);
	TEST_ASSERT(madvise(qw(h, lo, 0), (hi - lo) * PAGE_SIZE, MADV_DONTNEED) == 0,
		    "madvise(MADV_DONTNEED): %s", strerror(errno));
	*qw(h, rewritten, 0) = 0x7777;
	guest_op(vcpu, OP_COPY);
	for (page = 0; page < NPAGES; page++) {
		uint64_t want = page == rewritten ? 0x7777 :
				page >= lo && page < hi ? 0 : 0x1111000000000000ULL ^ page;

		TEST_ASSERT(*qw(h, page, 1) == want,
			    "page %u: the guest read %#llx (in the VMM's page: %#llx), expected %#llx%s",
			    page, (unsigned long long)*qw(h, page, 1),
			    (unsigned long long)*qw(h, page, 0), (unsigned long long)want,
			    page >= lo && page < hi ? " (a page given back with MADV_DONTNEED)" : "");
	}
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

static void test_munmap(void)
{
	const unsigned int lo = 512, n = 16;
	uint64_t *h, *again;
	struct vcpu *vcpu = cmd_vm(&h);
	unsigned int page;
	int r;

	guest_fill(vcpu, 0x2222000000000000ULL, false);
	TEST_ASSERT(munmap(qw(h, lo, 0), n * PAGE_SIZE) == 0, "munmap: %s", strerror(errno));
	*guest_global_ptr(vcpu->vm, g_op) = OP_COPY;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EFAULT,
		    "HV_RUN with the slot's backing partly unmapped: %d (%s), expected EFAULT", r,
		    r ? strerror(errno) : "no error");
	again = mmap(qw(h, lo, 0), n * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TEST_ASSERT(again == qw(h, lo, 0), "mmap MAP_FIXED: %s", strerror(errno));
	for (page = lo; page < lo + n; page++)
		*qw(h, page, 0) = 0x3333 + page;
	vcpu_expect_sync(vcpu, 0);
	for (page = 0; page < NPAGES; page++) {
		uint64_t want = page >= lo && page < lo + n ? 0x3333 + page :
				0x2222000000000000ULL ^ page;

		TEST_ASSERT(*qw(h, page, 1) == want, "page %u: the guest read %#llx, expected %#llx",
			    page, (unsigned long long)*qw(h, page, 1), (unsigned long long)want);
	}
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

static void test_mprotect(void)
{
	uint64_t *h, sum = 0;
	struct vcpu *vcpu = cmd_vm(&h);
	unsigned int page;
	struct ucall uc;
	int r;

	guest_fill(vcpu, 0x4444000000000000ULL, false);
	for (page = 0; page < NPAGES; page++)
		sum += 0x4444000000000000ULL ^ page;
	TEST_ASSERT(mprotect(h, MEM_SIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	*guest_global_ptr(vcpu->vm, g_op) = OP_SUM;
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
		    "the guest's reads of read-only backing did not complete");
	TEST_ASSERT(uc.args[1] == sum, "the guest summed %#llx, expected %#llx",
		    (unsigned long long)uc.args[1], (unsigned long long)sum);
	vcpu_expect_sync(vcpu, 0);

	*guest_global_ptr(vcpu->vm, g_page) = 77;
	*guest_global_ptr(vcpu->vm, g_tag) = 0x5555;
	*guest_global_ptr(vcpu->vm, g_op) = OP_WRITE_ONE;
	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EFAULT,
		    "a guest write to read-only backing: HV_RUN %d (%s), expected EFAULT", r,
		    r ? strerror(errno) : "no error");
	TEST_ASSERT(*qw(h, 77, 2) == 0, "the write landed in read-only memory");
	TEST_ASSERT(mprotect(h, MEM_SIZE, PROT_READ | PROT_WRITE) == 0, "mprotect: %s",
		    strerror(errno));
	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT(*qw(h, 77, 2) == 0x5555, "after mprotect back: the VMM reads %#llx, expected 0x5555",
		    (unsigned long long)*qw(h, 77, 2));
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

/* This process's pages KSM has merged, from /proc/self/ksm_merging_pages (5.19+). */
static long ksm_merging_pages(void)
{
	return read_long("/proc/self/ksm_merging_pages");
}

static void test_ksm(void)
{
	uint64_t *h;
	struct vcpu *vcpu;
	unsigned int page;
	long merged = 0;
	int i;

	if (access("/sys/kernel/mm/ksm/run", W_OK))
		TEST_SKIP("the kernel has no KSM (CONFIG_KSM)");
	vcpu = cmd_vm(&h);
	TEST_ASSERT(madvise(h, MEM_SIZE, MADV_MERGEABLE) == 0, "madvise(MADV_MERGEABLE): %s",
		    strerror(errno));
	/* Every page alike: the guest's qword 0, the rest zero. */
	guest_fill(vcpu, 0x6666, true);
	TEST_ASSERT(write_str("/sys/kernel/mm/ksm/pages_to_scan", "4096") &&
		    write_str("/sys/kernel/mm/ksm/sleep_millisecs", "10") &&
		    write_str("/sys/kernel/mm/ksm/run", "1"), "cannot start ksmd");
	/* ksmd needs two passes over the pages (the first only checksums them). */
	for (i = 0; i < 600 && merged < (long)NPAGES / 2; i++) {
		usleep(100 * 1000);
		merged = ksm_merging_pages();
	}
	/* Stop scanning, keeping what is merged: the guest now meets shared pages. */
	write_str("/sys/kernel/mm/ksm/run", "0");
	TEST_ASSERT(merged >= (long)NPAGES / 2,
		    "KSM merged %ld of the %lu identical guest pages in 60 s (hv holds references?)",
		    merged, (unsigned long)NPAGES);

	/* Still the guest's data... */
	guest_op(vcpu, OP_COPY);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(h, page, 1) == 0x6666, "page %u: the guest read %#llx", page,
			    (unsigned long long)*qw(h, page, 1));
	/* ...and each page its own again once written. */
	guest_fill(vcpu, 0x7000, false);
	guest_op(vcpu, OP_COPY);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(h, page, 0) == (0x7000 ^ page) && *qw(h, page, 1) == (0x7000 ^ page),
			    "page %u: %#llx %#llx, expected %#x in both", page,
			    (unsigned long long)*qw(h, page, 0), (unsigned long long)*qw(h, page, 1),
			    0x7000 ^ page);
	/* Unmerge whatever is left, so that no other test meets KSM pages. */
	write_str("/sys/kernel/mm/ksm/run", "2");
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

/* AnonHugePages of the mapping that holds @p, in KiB, from /proc/self/smaps (-1: not found). */
static long anon_huge_kb(const void *p)
{
	unsigned long lo, hi, a = (unsigned long)p;
	char line[256];
	long kb = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * A VM as cmd_vm()'s, its slot backed by transparent huge pages the VMM
 * has filled (qword 0 of every page = tag ^ page): 2 MiB-aligned, madvised,
 * and checked to be huge in /proc/self/smaps.
 */
static struct vcpu *thp_vm(uint64_t **h, uint64_t tag)
{
	const char *thp = "/sys/kernel/mm/transparent_hugepage/enabled";
	unsigned int page;
	struct vm *vm;
	uint8_t *raw;
	long kb;

	char mode[80] = "";
	FILE *f;

	f = fopen(thp, "r");
	if (!f)
		TEST_SKIP("the kernel has no transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE)");
	TEST_ASSERT(fgets(mode, sizeof(mode), f), "cannot read %s", thp);
	fclose(f);
	/* "always" and "madvise" both give MADV_HUGEPAGE memory huge pages. */
	if (strstr(mode, "[never]"))
		TEST_ASSERT(write_str(thp, "madvise"), "cannot set %s", thp);
	raw = mmap(NULL, MEM_SIZE + SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(raw != MAP_FAILED, "mmap");
	*h = (uint64_t *)(((uintptr_t)raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	TEST_ASSERT(madvise(*h, MEM_SIZE, MADV_HUGEPAGE) == 0, "madvise(MADV_HUGEPAGE): %s",
		    strerror(errno));
	for (page = 0; page < NPAGES; page++)
		*qw(*h, page, 0) = tag ^ page;
	kb = anon_huge_kb(*h);
	TEST_ASSERT(kb >= (long)(MEM_SIZE / 1024), "the backing is not huge: AnonHugePages %ld kB of %ld",
		    kb, (long)(MEM_SIZE / 1024));

	vm = vm_create(0);
	vm_set_memory_region(vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE, *h);
	virt_map(vm, MEM_GVA, MEM_GPA, MEM_SIZE);
	return mem_guest_start(vm, MEM_GVA, NPAGES);
}

/*
 * A thp_vm() mapped with two 2 MiB leaves by the guest's first pass, then
 * page @given_back given back (the host splits that huge page, hv drops
 * that 2 MiB leaf) and page @rewritten written by the VMM: the guest's
 * next pass reads zeros and that value there, and maps the first 2 MiB
 * with 4 KiB leaves.  Returns the VM's 2 MiB leaves before (@base).
 */
static long thp_mapped_then_split(struct vcpu **vcpu, uint64_t **h, unsigned int given_back,
				  unsigned int rewritten)
{
	const uint64_t tag = 0x8888000000000000ULL;
	uint64_t before, faults;
	unsigned int page;
	long base, large;

	*vcpu = thp_vm(h, tag);
	/* The VM's other memory may have 2 MiB leaves too (THP "always"). */
	base = tdp_leaves(2);
	TEST_ASSERT(base >= 0, "no summary of this VM in /sys/kernel/debug/hv");
	before = npf_count(*vcpu);
	guest_op(*vcpu, OP_COPY);
	faults = npf_count(*vcpu) - before;
	/*
	 * Two for the two 2 MiB leaves; a few more where the guest's own code
	 * and data for this command are touched for the first time (4 KiB
	 * when the host's THP mode is not "always"). 4 KiB leaves take 1024.
	 */
	TEST_ASSERT(faults <= 16, "%llu nested faults for 1024 pages on 2 MiB host pages "
		    "(two 2 MiB leaves would take 2)", (unsigned long long)faults);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 2, "hv's debugfs summary: %ld 2 MiB leaves, expected %ld",
		    large, base + 2);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(*h, page, 1) == (tag ^ page), "page %u: the guest read %#llx", page,
			    (unsigned long long)*qw(*h, page, 1));

	TEST_ASSERT(madvise(qw(*h, given_back, 0), PAGE_SIZE, MADV_DONTNEED) == 0,
		    "madvise(MADV_DONTNEED): %s", strerror(errno));
	*qw(*h, rewritten, 0) = 0x4242;
	guest_op(*vcpu, OP_COPY);
	for (page = 0; page < NPAGES; page++) {
		uint64_t want = page == given_back ? 0 : page == rewritten ? 0x4242 : tag ^ page;

		TEST_ASSERT(*qw(*h, page, 1) == want, "page %u: the guest read %#llx, expected %#llx",
			    page, (unsigned long long)*qw(*h, page, 1), (unsigned long long)want);
	}
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 1, "after the split: %ld 2 MiB leaves, expected %ld", large,
		    base + 1);
	return base;
}

static void test_thp(void)
{
	struct vcpu *vcpu;
	uint64_t *h;

	thp_mapped_then_split(&vcpu, &h, 300, 700);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/*
 * After the split above, MADV_COLLAPSE (what khugepaged does, done now)
 * makes the first 2 MiB one huge page again: the host's invalidation zaps
 * its 4 KiB leaves, and the guest's next pass, finding their table empty,
 * maps the range with one 2 MiB leaf again, the data kept.
 */
static void test_thp_collapse(void)
{
	const unsigned int given_back = 300, rewritten = 100;
	uint64_t *h, before, faults;
	struct vcpu *vcpu;
	unsigned int page;
	long base, large;

	base = thp_mapped_then_split(&vcpu, &h, given_back, rewritten);
	if (madvise(h, SZ_2M, MADV_COLLAPSE)) {
		TEST_ASSERT(errno == EINVAL, "madvise(MADV_COLLAPSE): %s", strerror(errno));
		TEST_SKIP("the host kernel has no MADV_COLLAPSE (6.1 and later have it)");
	}
	TEST_ASSERT(anon_huge_kb(h) >= (long)(MEM_SIZE / 1024),
		    "after MADV_COLLAPSE the backing is not all huge: AnonHugePages %ld kB",
		    anon_huge_kb(h));
	before = npf_count(vcpu);
	guest_op(vcpu, OP_COPY);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults <= 4, "%llu nested faults after the collapse (one 2 MiB leaf would "
		    "take 1; 4 KiB leaves 512)", (unsigned long long)faults);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 2, "after the collapse: %ld 2 MiB leaves, expected %ld", large,
		    base + 2);
	for (page = 0; page < NPAGES; page++) {
		uint64_t want = page == given_back ? 0 : page == rewritten ? 0x4242 :
				0x8888000000000000ULL ^ page;

		TEST_ASSERT(*qw(h, page, 1) == want, "page %u: the guest read %#llx, expected %#llx",
			    page, (unsigned long long)*qw(h, page, 1), (unsigned long long)want);
	}
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

/* Seconds of CLOCK_MONOTONIC (the test binaries build without floating point). */
static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The host side of test_thp_churn(): splits and collapses until told to stop. */
struct churn {
	uint64_t *h;
	volatile int stop;
	unsigned long splits, collapses;
	int err;		/* the first errno of a split or a collapse */
};

/*
 * Split one 2 MiB half of the slot's backing and make it huge again, over
 * and over, the data kept: MADV_NOHUGEPAGE on one 4 KiB page splits the
 * VMA there and so the huge page's mapping (the host's invalidation of the
 * whole 2 MiB), MADV_HUGEPAGE merges the VMAs again, and MADV_COLLAPSE
 * copies the now 4 KiB-mapped pages into a new huge page (another
 * invalidation; the old pages are freed).
 */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned int half = 0;

	while (!c->stop) {
		uint64_t *two = qw(c->h, half * 512, 0), *one = qw(c->h, half * 512 + 77, 0);

		if (madvise(one, PAGE_SIZE, MADV_NOHUGEPAGE) ||
		    madvise(one, PAGE_SIZE, MADV_HUGEPAGE)) {
			c->err = c->err ?: errno;
			break;
		}
		c->splits++;
		if (madvise(two, SZ_2M, MADV_COLLAPSE)) {
			/* EAGAIN: a transient failure to take the pages; ENOMEM: no huge page free. */
			if (errno != EAGAIN && errno != ENOMEM) {
				c->err = c->err ?: errno;
				break;
			}
		} else {
			c->collapses++;
		}
		half ^= 1;
	}
	return NULL;
}

/*
 * While another thread of the VMM splits and collapses the backing's huge
 * pages (churn_thread()), the guest writes every page and copies it, round
 * after round, and the VMM writes some pages between rounds: every value
 * must be where the other side looks.  Each collapse moves the data to a
 * new page and frees the old: a nested leaf left on an old page (a missed
 * zap, or a 2 MiB leaf mapped over a range whose table still had entries)
 * would make the guest's writes vanish from the VMM's view or show it
 * stale data; a table freed while a walk could still use it is what the
 * debug kernel's KASAN would catch here.
 */
static void test_thp_churn(void)
{
	const uint64_t tag = 0xc4c4000000000000ULL;
	struct churn c = { 0 };
	struct vcpu *vcpu;
	unsigned int round, page;
	pthread_t t;
	long t0;

	vcpu = thp_vm(&c.h, tag);
	TEST_ASSERT(!pthread_create(&t, NULL, churn_thread, &c), "pthread_create");
	t0 = now_s();
	for (round = 0; now_s() - t0 < 8 || round < 20; round++) {
		uint64_t rt = tag ^ ((uint64_t)round << 32);

		guest_fill(vcpu, rt, false);
		for (page = round % 7; page < NPAGES; page += 61)
			*qw(c.h, page, 0) = rt ^ page ^ 0x5a5a;
		guest_op(vcpu, OP_COPY);
		for (page = 0; page < NPAGES; page++) {
			bool vmm_wrote = page >= round % 7 && (page - round % 7) % 61 == 0;
			uint64_t want = rt ^ page ^ (vmm_wrote ? 0x5a5a : 0);

			TEST_ASSERT(*qw(c.h, page, 0) == want && *qw(c.h, page, 1) == want,
				    "round %u, page %u: the VMM reads %#llx, the guest read %#llx, expected %#llx (after %lu splits, %lu collapses)",
				    round, page, (unsigned long long)*qw(c.h, page, 0),
				    (unsigned long long)*qw(c.h, page, 1), (unsigned long long)want,
				    c.splits, c.collapses);
		}
	}
	c.stop = 1;
	pthread_join(t, NULL);
	TEST_ASSERT(!c.err, "the splitting thread: %s", strerror(c.err));
	if (!c.collapses)
		TEST_SKIP("MADV_COLLAPSE never succeeded (%lu splits): no collapse to race with",
			  c.splits);
	ktap_print_msg("%u rounds, %lu splits and %lu collapses of the backing meanwhile\n", round,
		       c.splits, c.collapses);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

static void test_thp_dirty_log(void)
{
	static const unsigned int written[] = { 1, 2, 511, 512, 1000 };
	uint64_t *h, bitmap[NPAGES / 64], before, faults;
	struct vcpu *vcpu = thp_vm(&h, 0x9999);
	struct hv_dirty_log log = { .slot = MEM_SLOT };
	long base = tdp_leaves(2), large;
	unsigned int i, page;

	if (!hv_check_cap(HV_CAP_DIRTY_LOG))
		TEST_SKIP("HV_CAP_DIRTY_LOG is 0");
	guest_op(vcpu, OP_COPY);		/* mapped with 2 MiB leaves, written */
	large = tdp_leaves(2);
	TEST_ASSERT(large == base + 2, "%ld 2 MiB leaves before logging, expected %ld", large,
		    base + 2);
	vm_set_memory_region(vcpu->vm, MEM_SLOT, HV_MEM_LOG_DIRTY, MEM_GPA, MEM_SIZE, h);
	large = tdp_leaves(2);
	TEST_ASSERT(large == base, "%ld 2 MiB leaves while logging, expected %ld", large, base);
	/* Split, not zapped: reading every page again maps nothing new. */
	before = npf_count(vcpu);
	guest_op(vcpu, OP_SUM);
	faults = npf_count(vcpu) - before;
	TEST_ASSERT(faults == 0, "%llu nested faults reading the pages after logging turned on "
		    "(the 2 MiB leaves were dropped, not split)", (unsigned long long)faults);
	for (i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		*guest_global_ptr(vcpu->vm, g_page) = written[i];
		*guest_global_ptr(vcpu->vm, g_tag) = 0xd1d1;
		guest_op(vcpu, OP_WRITE_ONE);
	}
	memset(bitmap, 0xa5, sizeof(bitmap));
	log.bitmap = (uint64_t)(uintptr_t)bitmap;
	TEST_ASSERT(hv_ioctl_get_dirty_log(vcpu->vm->fd, &log) == 0, "HV_GET_DIRTY_LOG: %s",
		    strerror(errno));
	for (page = 0, i = 0; page < NPAGES; page++) {
		bool dirty = bitmap[page / 64] >> (page % 64) & 1;
		bool want = i < sizeof(written) / sizeof(written[0]) && written[i] == page;

		TEST_ASSERT(dirty == want, "page %u is %s in the log, expected %s", page,
			    dirty ? "dirty" : "clean", want ? "dirty" : "clean");
		i += want;
	}
	for (i = 0; i < sizeof(written) / sizeof(written[0]); i++)
		TEST_ASSERT(*qw(h, written[i], 2) == 0xd1d1, "page %u: the write did not land",
			    written[i]);
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

/* ---- pageout_keeps_content --------------------------------------------------------- */

static const char *swap_turned_on;

static void swap_off_at_exit(void)
{
	if (swap_turned_on && swapoff(swap_turned_on))
		ktap_print_msg("swapoff %s: %s\n", swap_turned_on, strerror(errno));
}

/* Whether /proc/swaps lists an active swap area (a line after its header). */
static bool swap_active(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n > 1;
}

/*
 * Swap on for the rest of this test point: the host's own, or the device the
 * testbed prepared (HV_SWAP_DEV), turned on here and off again at exit (the
 * point runs in a child: a failed assertion exits through atexit too).
 */
static void need_swap(void)
{
	const char *dev = getenv("HV_SWAP_DEV");

	if (swap_active())
		return;
	if (!dev || !*dev) {
		if (ktap_in_testbed())
			TEST_FAIL("no swap device in the testbed (HV_SWAP_DEV: zram, see init.sh)");
		TEST_SKIP("no active swap and no HV_SWAP_DEV to turn on");
	}
	TEST_ASSERT(swapon(dev, 0) == 0, "swapon %s: %s", dev, strerror(errno));
	swap_turned_on = dev;
	atexit(swap_off_at_exit);
}

/* Pages of [@p, @p + @n pages) whose pagemap entry says swapped (bit 62) or present (bit 63). */
static void pagemap_count(const void *p, unsigned int n, unsigned int *swapped,
			  unsigned int *present)
{
	uint64_t e[NPAGES];
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned int i;

	TEST_ASSERT(fd >= 0 && n <= NPAGES, "open /proc/self/pagemap: %s", strerror(errno));
	TEST_ASSERT(pread(fd, e, n * 8, (off_t)((uintptr_t)p / PAGE_SIZE * 8)) == (ssize_t)(n * 8),
		    "read /proc/self/pagemap: %s", strerror(errno));
	close(fd);
	*swapped = *present = 0;
	for (i = 0; i < n; i++) {
		*swapped += e[i] >> 62 & 1;
		*present += e[i] >> 63 & 1;
	}
}

/* Swap in use, in KiB. */
static long long swap_used_kb(void)
{
	return proc_field("/proc/meminfo", "SwapTotal", ':') -
	       proc_field("/proc/meminfo", "SwapFree", ':');
}

/*
 * Pages written to swap so far: to the device (pswpout) or kept compressed
 * by zswap; -1 where the kernel keeps no such counters (the debug kernel:
 * no CONFIG_VM_EVENT_COUNTERS).
 */
static long long swapped_out_total(void)
{
	long long p = proc_field("/proc/vmstat", "pswpout", ' ');
	long long z = proc_field("/proc/vmstat", "zswpout", ' ');

	return p < 0 ? -1 : p + (z > 0 ? z : 0);
}

static void test_pageout(void)
{
	const uint64_t tag = 0xabcd000000000000ULL, tag2 = 0x1234000000000000ULL;
	unsigned int page, swapped = 0, present, i;
	long long out0, out, used0, used;
	uint64_t *h, before, faults;
	struct vcpu *vcpu;

	need_swap();
	vcpu = cmd_vm(&h);
	/* 4 KiB host pages: one swap entry, and one nested fault, a page. */
	TEST_ASSERT(madvise(h, MEM_SIZE, MADV_NOHUGEPAGE) == 0, "madvise(MADV_NOHUGEPAGE): %s",
		    strerror(errno));
	guest_fill(vcpu, tag, false);
	pagemap_count(h, NPAGES, &swapped, &present);
	TEST_ASSERT(present == NPAGES, "%u of %lu pages present after the guest's fill", present,
		    (unsigned long)NPAGES);

	/*
	 * Reclaim takes no page still in another CPU's LRU batch (the guest may
	 * have faulted it in there): a few tries.
	 */
	out0 = swapped_out_total();
	used0 = swap_used_kb();
	for (i = 0; i < 5 && swapped < NPAGES; i++) {
		if (madvise(h, MEM_SIZE, MADV_PAGEOUT)) {
			if (errno == EINVAL)
				TEST_SKIP("no MADV_PAGEOUT in this kernel (5.4+)");
			TEST_FAIL("madvise(MADV_PAGEOUT): %s", strerror(errno));
		}
		pagemap_count(h, NPAGES, &swapped, &present);
		if (swapped < NPAGES)
			usleep(100 * 1000);
	}
	out = out0 < 0 ? -1 : swapped_out_total() - out0;
	used = swap_used_kb() - used0;
	ktap_print_msg("MADV_PAGEOUT: %u of %lu pages swapped out (%u present), swap-outs %lld, swap used +%lld kB, %u tries\n",
		       swapped, (unsigned long)NPAGES, present, out, used, i);
	TEST_ASSERT(swapped >= NPAGES - 64,
		    "only %u of %lu guest pages went to swap (hv holds pins or references?)",
		    swapped, (unsigned long)NPAGES);
	/* The swap-out count where the kernel keeps one, and the swap space used in any case. */
	TEST_ASSERT(out < 0 || out >= swapped, "%lld swap-outs counted in /proc/vmstat for %u pages",
		    out, swapped);
	TEST_ASSERT(used >= (long long)swapped * 4, "swap used grew by %lld kB for %u pages", used,
		    swapped);

	/* The guest reads it all back: swapped in again through fresh nested faults. */
	before = npf_count(vcpu);
	guest_op(vcpu, OP_COPY);
	faults = npf_count(vcpu) - before;
	pagemap_count(h, NPAGES, &i, &present);
	ktap_print_msg("the guest's pass: %llu nested faults, %u pages present again\n",
		       (unsigned long long)faults, present);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(h, page, 1) == (tag ^ page),
			    "page %u: the guest read %#llx after the swap-in, expected %#llx", page,
			    (unsigned long long)*qw(h, page, 1), (unsigned long long)(tag ^ page));
	TEST_ASSERT(faults >= swapped,
		    "%llu nested faults for %u pages swapped out: hv kept mappings of pages the host reclaimed",
		    (unsigned long long)faults, swapped);
	TEST_ASSERT(present == NPAGES, "%u of %lu pages present after the guest's pass", present,
		    (unsigned long)NPAGES);

	/* And the guest's next writes are the VMM's. */
	guest_fill(vcpu, tag2, false);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(*qw(h, page, 0) == (tag2 ^ page) && *qw(h, page, 1) == (tag ^ page),
			    "page %u: the VMM reads %#llx %#llx, expected %#llx %#llx", page,
			    (unsigned long long)*qw(h, page, 0), (unsigned long long)*qw(h, page, 1),
			    (unsigned long long)(tag2 ^ page), (unsigned long long)(tag ^ page));
	guest_end(vcpu);
	vm_destroy(vcpu->vm);
}

static const struct hv_test tests[] = {
	{ "dontneed_gives_fresh_pages", test_dontneed, 0 },
	{ "munmap_faults_then_remap", test_munmap, 0 },
	{ "mprotect_readonly", test_mprotect, 0 },
	{ "ksm_merges_and_unshares", test_ksm, 180 },
	{ "thp_maps_2m_then_splits", test_thp, 0 },
	{ "thp_dirty_log_4k", test_thp_dirty_log, 0 },
	{ "thp_collapse_maps_2m_again", test_thp_collapse, 0 },
	{ "thp_split_collapse_churn", test_thp_churn, 0 },
	{ "pageout_keeps_content", test_pageout, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
