// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_log_test: dirty-page logging (HV_MEM_LOG_DIRTY, HV_GET_DIRTY_LOG).
 *
 *   guest_writes_exact_set   a 4 MiB slot, its first half written before
 *                            logging turns on (leaves to write-protect), the
 *                            second half untouched (faults to map read-only
 *                            or writable): a set of pages the guest writes
 *                            (every 3rd, the first and the last) is exactly
 *                            the bitmap; a second get is empty; a second
 *                            set overlapping the first is exactly the next
 *                            bitmap (pages taken are write-protected again);
 *                            reading every page dirties nothing; pages only
 *                            read so far are logged when written
 *   enable_keeps_contents    logging turned on and off on a slot the guest
 *                            has filled keeps its data on both sides, and
 *                            turning it on keeps the mappings (reading every
 *                            page afterwards takes no nested page fault);
 *                            once off, writes go through and HV_GET_DIRTY_LOG
 *                            is -ENOENT; on again starts an empty log
 *   hv_writes_are_logged     a REP INSB into a page the guest never touches
 *                            otherwise (hv writes it, hv_write_gpa()) shows
 *                            that page dirty, and only it
 *   two_vcpus_no_lost_write  two vCPUs increment per-page counters in their
 *                            own page ranges while the host harvests in a
 *                            loop (until every page was written 4 times):
 *                            every page that changed between two
 *                            harvests is in the bitmap of the first or the
 *                            second, and a copy of the slot refreshed only
 *                            from the bitmaps equals the slot at the end
 *   errors                   the capability, unknown and empty slots, a slot
 *                            without logging, reserved flags, bad pointers
 *                            (the bits are kept for the next call), logging
 *                            with read-only, and a bitmap of 65 pages is
 *                            two words, nothing written past them
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "hv_ioctl.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define LOG_SLOT	1
#define LOG_GPA		0x10000000ULL	/* 256 MiB, above slot 0 */
#define LOG_SIZE	(4 * SZ_1M)
#define LOG_GVA		0x20000000ULL
#define NPAGES		(LOG_SIZE / PAGE_SIZE)
#define NWORDS		(NPAGES / 64)
#define QWORDS_PER_PAGE	(PAGE_SIZE / 8)
#define INS_PORT	0xe4
#define INS_LEN		32
#define INS_OFFSET	64

/* ---- guest side: a command loop the host drives -------------------------------------- */

enum {
	OP_WRITE = 1,	/* qword 1 of each page in g_pages[0..g_n) = g_tag + page */
	OP_READ_ALL,	/* read qwords 0 and 1 of every page */
	OP_FILL,	/* qword 0 of every page = g_tag ^ page */
	OP_CHECK,	/* assert qword 0 of every page == g_tag ^ page */
	OP_INS,		/* REP INSB of INS_LEN bytes to page g_pages[0] + INS_OFFSET */
	OP_END,
};

static volatile uint32_t g_op, g_n;
static volatile uint32_t g_pages[NPAGES];
static volatile uint64_t g_tag;

static void guest_cmds(uint64_t base, uint64_t npages)
{
	for (;;) {
		volatile uint64_t *p;
		uint64_t i, sum = 0;
		uint64_t n;
		uint8_t *dst;

		GUEST_SYNC(0);
		switch (g_op) {
		case OP_WRITE:
			for (i = 0; i < g_n; i++) {
				p = (volatile uint64_t *)(base + g_pages[i] * PAGE_SIZE);
				p[1] = g_tag + g_pages[i];
			}
			break;
		case OP_READ_ALL:
			for (i = 0; i < npages; i++) {
				p = (volatile uint64_t *)(base + i * PAGE_SIZE);
				sum += p[0] + p[1];
			}
			GUEST_SYNC_ARGS(1, sum, 0, 0);
			break;
		case OP_FILL:
			for (i = 0; i < npages; i++)
				*(volatile uint64_t *)(base + i * PAGE_SIZE) = g_tag ^ i;
			break;
		case OP_CHECK:
			for (i = 0; i < npages; i++)
				GUEST_ASSERT_EQ(*(volatile uint64_t *)(base + i * PAGE_SIZE), g_tag ^ i);
			break;
		case OP_INS:
			dst = (uint8_t *)(base + g_pages[0] * PAGE_SIZE + INS_OFFSET);
			n = INS_LEN;
			__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(INS_PORT) : "memory");
			GUEST_ASSERT_EQ(n, 0);
			break;
		default:
			GUEST_DONE();
		}
	}
}

/* ---- host side ------------------------------------------------------------------------ */

static int __get_log(struct vm *vm, uint32_t slot, uint32_t flags, void *bitmap)
{
	struct hv_dirty_log log = {
		.slot = slot, .flags = flags, .bitmap = (uint64_t)(uintptr_t)bitmap,
	};

	return hv_ioctl_get_dirty_log(vm->fd, &log);
}

static void get_log(struct vm *vm, uint64_t *bitmap)
{
	memset(bitmap, 0xa5, NWORDS * 8);
	TEST_ASSERT(__get_log(vm, LOG_SLOT, 0, bitmap) == 0, "HV_GET_DIRTY_LOG: %s",
		    strerror(errno));
}

static void set_bit64(uint64_t *bitmap, unsigned int page)
{
	bitmap[page / 64] |= 1ULL << (page % 64);
}

static bool test_bit64(const uint64_t *bitmap, unsigned int page)
{
	return bitmap[page / 64] >> (page % 64) & 1;
}

static unsigned int count_bits(const uint64_t *bitmap)
{
	unsigned int i, n = 0;

	for (i = 0; i < NWORDS; i++)
		n += __builtin_popcountll(bitmap[i]);
	return n;
}

/* Fails naming the first page where @got and @want differ. */
static void __expect_bitmap(const uint64_t *got, const uint64_t *want, const char *what,
			    const char *file, int line)
{
	unsigned int page;

	for (page = 0; page < NPAGES; page++)
		if (test_bit64(got, page) != test_bit64(want, page))
			__test_assert_fail(file, line, what,
					   "%s: page %u is %s, expected %s (%u pages dirty, %u expected)",
					   what, page, test_bit64(got, page) ? "dirty" : "clean",
					   test_bit64(want, page) ? "dirty" : "clean",
					   count_bits(got), count_bits(want));
}

#define expect_bitmap(got, want, what) __expect_bitmap(got, want, what, __FILE__, __LINE__)

static void expect_empty(struct vm *vm, const char *what)
{
	uint64_t got[NWORDS], none[NWORDS] = { 0 };

	get_log(vm, got);
	expect_bitmap(got, none, what);
}

/* The guest runs one command; it is waiting in GUEST_SYNC(0) before and after. */
static void guest_op(struct vcpu *vcpu, uint32_t op)
{
	struct vm *vm = vcpu->vm;
	struct ucall uc;

	*guest_global_ptr(vm, g_op) = op;
	if (op == OP_READ_ALL) {
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
			    "no report of the reads");
	}
	vcpu_expect_sync(vcpu, 0);
}

/* The guest asserts qword 0 of every page is @tag ^ page. */
static void guest_check(struct vcpu *vcpu, uint64_t tag)
{
	*guest_global_ptr(vcpu->vm, g_tag) = tag;
	guest_op(vcpu, OP_CHECK);
}

static void guest_end(struct vcpu *vcpu)
{
	*guest_global_ptr(vcpu->vm, g_op) = OP_END;
	vcpu_expect_done(vcpu);
}

/* The guest writes qword 1 of each page of @bitmap (tag + page). */
static void guest_write_set(struct vcpu *vcpu, const uint64_t *bitmap, uint64_t tag)
{
	struct vm *vm = vcpu->vm;
	volatile uint32_t *pages = *guest_global_ptr(vm, g_pages);
	unsigned int page, n = 0;

	for (page = 0; page < NPAGES; page++)
		if (test_bit64(bitmap, page))
			pages[n++] = page;
	*guest_global_ptr(vm, g_n) = n;
	*guest_global_ptr(vm, g_tag) = tag;
	guest_op(vcpu, OP_WRITE);
}

static void check_written(const uint64_t *h, const uint64_t *bitmap, uint64_t tag)
{
	unsigned int page;

	for (page = 0; page < NPAGES; page++)
		if (test_bit64(bitmap, page))
			TEST_ASSERT(h[page * QWORDS_PER_PAGE + 1] == tag + page,
				    "page %u holds %#llx, the guest wrote %#llx", page,
				    (unsigned long long)h[page * QWORDS_PER_PAGE + 1],
				    (unsigned long long)(tag + page));
}

/* A VM whose vCPU 0 runs guest_cmds() over the slot, waiting for its first command. */
static struct vcpu *cmd_vm(uint32_t flags, uint64_t **h)
{
	struct vcpu *vcpu;
	struct vm *vm;

	if (!hv_check_cap(HV_CAP_DIRTY_LOG))
		TEST_SKIP("HV_CAP_DIRTY_LOG is 0");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_cmds);
	*h = vm_add_slot(vm, LOG_SLOT, flags, LOG_GPA, LOG_SIZE);
	virt_map(vm, LOG_GVA, LOG_GPA, LOG_SIZE);
	vcpu_args_set(vcpu, LOG_GVA, NPAGES);
	vcpu_expect_sync(vcpu, 0);
	return vcpu;
}

static void set_log(struct vm *vm, uint64_t *h, bool on)
{
	vm_set_memory_region(vm, LOG_SLOT, on ? HV_MEM_LOG_DIRTY : 0, LOG_GPA, LOG_SIZE, h);
}

static void test_exact_set(void)
{
	uint64_t *h, got[NWORDS], want[NWORDS];
	struct vcpu *vcpu = cmd_vm(0, &h);
	struct vm *vm = vcpu->vm;
	unsigned int page;

	/* The first half mapped (writable) before logging starts. */
	memset(want, 0, sizeof(want));
	for (page = 0; page < NPAGES / 2; page++)
		set_bit64(want, page);
	guest_write_set(vcpu, want, 0x1000);
	set_log(vm, h, true);
	expect_empty(vm, "nothing written since logging started");

	memset(want, 0, sizeof(want));
	for (page = 0; page < NPAGES; page += 3)
		set_bit64(want, page);
	set_bit64(want, NPAGES - 1);
	guest_write_set(vcpu, want, 0x2000);
	get_log(vm, got);
	expect_bitmap(got, want, "every 3rd page, the first and the last");
	check_written(h, want, 0x2000);
	expect_empty(vm, "a second get without writes");

	/* Overlapping the first set: those pages must have been write-protected again. */
	memset(want, 0, sizeof(want));
	for (page = 1; page < NPAGES; page += 5)
		set_bit64(want, page);
	set_bit64(want, 0);
	set_bit64(want, NPAGES - 1);
	guest_write_set(vcpu, want, 0x3000);
	get_log(vm, got);
	expect_bitmap(got, want, "every 5th page from 1, the first and the last");
	check_written(h, want, 0x3000);

	guest_op(vcpu, OP_READ_ALL);
	expect_empty(vm, "reads of every page");

	/* Pages of the second half mapped by reads only, one of the first half. */
	memset(want, 0, sizeof(want));
	set_bit64(want, 2);
	set_bit64(want, 700);
	set_bit64(want, 701);
	set_bit64(want, 1000);
	guest_write_set(vcpu, want, 0x4000);
	get_log(vm, got);
	expect_bitmap(got, want, "pages only read before");
	check_written(h, want, 0x4000);

	guest_end(vcpu);
	vm_destroy(vm);
}

static void test_enable_keeps_contents(void)
{
	uint64_t *h, got[NWORDS], want[NWORDS];
	struct vcpu *vcpu = cmd_vm(0, &h);
	struct vm *vm = vcpu->vm;
	struct hv_stats before, after;
	unsigned int page;

	*guest_global_ptr(vm, g_tag) = 0x5eed0000;
	guest_op(vcpu, OP_FILL);
	set_log(vm, h, true);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(h[page * QWORDS_PER_PAGE] == (0x5eed0000 ^ page),
			    "page %u lost its content when logging turned on", page);
	vcpu_get_stats(vcpu, &before);
	guest_check(vcpu, 0x5eed0000);
	vcpu_get_stats(vcpu, &after);
	/* Turning logging on only write-protected the leaves: reads need no new mapping. */
	TEST_ASSERT(after.exits[HV_STAT_NPF] == before.exits[HV_STAT_NPF],
		    "%llu nested page faults reading pages mapped before logging turned on",
		    (unsigned long long)(after.exits[HV_STAT_NPF] - before.exits[HV_STAT_NPF]));
	expect_empty(vm, "reads after turning logging on");

	memset(want, 0, sizeof(want));
	set_bit64(want, 10);
	set_bit64(want, 11);
	guest_write_set(vcpu, want, 0x6000);
	get_log(vm, got);
	expect_bitmap(got, want, "two pages written");

	/* Off: the log is gone, the data stays, writes go through (pages 10 and 11 too). */
	set_log(vm, h, false);
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 0, got), ENOENT);
	guest_check(vcpu, 0x5eed0000);
	for (page = 0; page < NPAGES; page++)
		TEST_ASSERT(h[page * QWORDS_PER_PAGE] == (0x5eed0000 ^ page),
			    "page %u lost its content when logging turned off", page);
	memset(want, 0xff, sizeof(want));
	guest_write_set(vcpu, want, 0x7000);
	check_written(h, want, 0x7000);

	/* On again: a fresh, empty log. */
	set_log(vm, h, true);
	expect_empty(vm, "logging turned on again");
	memset(want, 0, sizeof(want));
	set_bit64(want, 11);
	guest_write_set(vcpu, want, 0x8000);
	get_log(vm, got);
	expect_bitmap(got, want, "a page written after logging turned on again");
	guest_check(vcpu, 0x5eed0000);
	guest_end(vcpu);
	vm_destroy(vm);
}

static void test_hv_writes(void)
{
	uint64_t *h, got[NWORDS], want[NWORDS] = { 0 };
	struct vcpu *vcpu = cmd_vm(HV_MEM_LOG_DIRTY, &h);
	struct vm *vm = vcpu->vm;
	struct hv_run *run = vcpu->run;
	uint8_t data[INS_LEN], *dst = (uint8_t *)h + 5 * PAGE_SIZE + INS_OFFSET;
	unsigned int done = 0, i;
	struct ucall uc;

	if (!hv_check_cap(HV_CAP_STRING_IO))
		TEST_SKIP("HV_CAP_STRING_IO is 0");
	for (i = 0; i < INS_LEN; i++)
		data[i] = 0x40 + i;
	(*guest_global_ptr(vm, g_pages))[0] = 5;
	*guest_global_ptr(vm, g_op) = OP_INS;
	/* hv writes the data into guest memory on the next HV_RUN after each exit. */
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		TEST_ASSERT(run->io.direction == HV_IO_DIR_IN && run->io.size == 1 &&
			    run->io.port == INS_PORT && run->io.count >= 1 &&
			    done + run->io.count <= INS_LEN,
			    "io exit dir %u size %u port %#x count %u", run->io.direction,
			    run->io.size, run->io.port, run->io.count);
		memcpy(vcpu_io_data(vcpu), data + done, run->io.count);
		done += run->io.count;
	}
	TEST_ASSERT(uc.cmd == UCALL_SYNC && uc.args[0] == 0, "guest reported %s",
		    ucall_name(uc.cmd));
	TEST_ASSERT(done == INS_LEN && !memcmp(dst, data, INS_LEN), "%u bytes moved", done);
	set_bit64(want, 5);
	get_log(vm, got);
	expect_bitmap(got, want, "the page REP INSB filled");
	expect_empty(vm, "a second get");
	guest_end(vcpu);
	vm_destroy(vm);
}

/* ---- two writers, one harvester ------------------------------------------------------------ */

#define WRITER_PAGES	128		/* per vCPU: pages [id * 128, id * 128 + 128) */
#define ROUNDS		40		/* harvests at least */
#define MIN_WRITES	4		/* ... and until every page was written this often */
#define MAX_SECONDS	60

static volatile uint32_t g_stop;

static void guest_counter(uint64_t base, uint64_t id)
{
	volatile uint64_t *p = (volatile uint64_t *)(base + id * WRITER_PAGES * PAGE_SIZE);
	uint64_t i;

	while (!g_stop)
		for (i = 0; i < WRITER_PAGES; i++)
			p[i * QWORDS_PER_PAGE]++;
	GUEST_DONE();
}

/* The fewest writes any page of the two ranges has had. */
static uint64_t min_written(const uint64_t *s)
{
	uint64_t min = UINT64_MAX;
	unsigned int page;

	for (page = 0; page < 2 * WRITER_PAGES; page++)
		if (s[page] < min)
			min = s[page];
	return min;
}

static long elapsed_s(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start->tv_sec;
}

static void snapshot(const uint64_t *h, uint64_t *s)
{
	unsigned int page;

	for (page = 0; page < NPAGES; page++)
		s[page] = __atomic_load_n(&h[page * QWORDS_PER_PAGE], __ATOMIC_RELAXED);
}

static void test_two_vcpus(void)
{
	static uint64_t prev[NPAGES], cur[NPAGES], copy[NPAGES];
	uint64_t bits[NWORDS], prev_bits[NWORDS], prev_changed[NWORDS];
	struct timespec pause = { 0, 3 * 1000 * 1000 };
	unsigned int round, page, busy_rounds = 0, i;
	struct timespec start;
	struct vcpu_thread t[2];
	bool last = false;
	struct vcpu *vcpu[2];
	struct vm *vm;
	uint64_t *h;

	if (!hv_check_cap(HV_CAP_DIRTY_LOG))
		TEST_SKIP("HV_CAP_DIRTY_LOG is 0");
	vm = vm_create(0);
	for (i = 0; i < 2; i++) {
		vcpu[i] = vm_vcpu_add(vm, i, guest_counter);
		vcpu_args_set(vcpu[i], LOG_GVA, i);
	}
	h = vm_add_slot(vm, LOG_SLOT, HV_MEM_LOG_DIRTY, LOG_GPA, LOG_SIZE);
	virt_map(vm, LOG_GVA, LOG_GPA, LOG_SIZE);
	memset(prev, 0, sizeof(prev));
	memset(copy, 0, sizeof(copy));
	memset(prev_bits, 0, sizeof(prev_bits));
	memset(prev_changed, 0, sizeof(prev_changed));
	for (i = 0; i < 2; i++)
		vcpu_thread_start(&t[i], vcpu[i]);

	/*
	 * Round k: harvest B_k, then read every counter (S_k), as a migrating
	 * VMM copies the pages B_k names.  A page that changed between S_(k-1)
	 * and S_k was written before harvest k returned or after it: it must
	 * be in B_k or B_(k+1).  The round after the vCPUs stop is the last.
	 */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (round = 0; !last; round++) {
		uint64_t changed[NWORDS] = { 0 };

		/* At least ROUNDS, and until every page was written MIN_WRITES times. */
		last = (round >= ROUNDS && min_written(prev) >= MIN_WRITES) ||
		       elapsed_s(&start) > MAX_SECONDS;
		if (!last) {
			nanosleep(&pause, NULL);
		} else {
			*guest_global_ptr(vm, g_stop) = 1;
			for (i = 0; i < 2; i++)
				vcpu_thread_expect_done(&t[i], 60000);
		}
		get_log(vm, bits);
		snapshot(h, cur);
		for (page = 0; page < NPAGES; page++) {
			if (cur[page] != prev[page])
				set_bit64(changed, page);
			if (test_bit64(bits, page))
				copy[page] = cur[page];
			if (test_bit64(prev_changed, page) && !test_bit64(prev_bits, page) &&
			    !test_bit64(bits, page))
				TEST_FAIL("round %u: page %u changed (%llu) but was in neither bitmap",
					  round, page, (unsigned long long)prev[page]);
			if (page >= 2 * WRITER_PAGES)
				TEST_ASSERT(!test_bit64(bits, page), "round %u: page %u never written is dirty",
					    round, page);
		}
		if (count_bits(bits))
			busy_rounds++;
		memcpy(prev, cur, sizeof(prev));
		memcpy(prev_bits, bits, sizeof(bits));
		memcpy(prev_changed, changed, sizeof(changed));
	}
	/* Nothing runs any more: the last round's changes must be in its own bitmap. */
	for (page = 0; page < NPAGES; page++) {
		TEST_ASSERT(!test_bit64(prev_changed, page) || test_bit64(prev_bits, page),
			    "page %u changed in the last round but is not dirty", page);
		TEST_ASSERT(copy[page] == cur[page],
			    "page %u: the copy refreshed from the bitmaps has %llu, the slot %llu",
			    page, (unsigned long long)copy[page], (unsigned long long)cur[page]);
	}
	/* Pages written again after harvests, or the test proved little. */
	TEST_ASSERT(min_written(cur) >= MIN_WRITES,
		    "a page was written only %llu times in %u s", (unsigned long long)min_written(cur),
		    MAX_SECONDS);
	TEST_ASSERT(busy_rounds >= 3, "only %u of %u harvests found dirty pages", busy_rounds, round);
	ktap_print_msg("%u harvests, %u with dirty pages; counters %llu and %llu, fewest %llu\n",
		       round, busy_rounds, (unsigned long long)cur[0],
		       (unsigned long long)cur[WRITER_PAGES], (unsigned long long)min_written(cur));
	vm_destroy(vm);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void)
{
	uint64_t *h, got[NWORDS], want[NWORDS] = { 0 }, small[3];
	struct vcpu *vcpu = cmd_vm(HV_MEM_LOG_DIRTY, &h);
	struct vm *vm = vcpu->vm;
	void *ro, *m;

	TEST_ASSERT(hv_check_cap(HV_CAP_DIRTY_LOG) == 1, "HV_CHECK_CAP(HV_CAP_DIRTY_LOG) = %ld",
		    hv_check_cap(HV_CAP_DIRTY_LOG));
	/* Slot 0 does not log; slot 5 does not exist; 32 and beyond cannot. */
	EXPECT_ERRNO(__get_log(vm, 0, 0, got), ENOENT);
	EXPECT_ERRNO(__get_log(vm, 5, 0, got), ENOENT);
	EXPECT_ERRNO(__get_log(vm, HV_MAX_MEMSLOTS, 0, got), ENOENT);
	EXPECT_ERRNO(__get_log(vm, 0xffffffffu, 0, got), ENOENT);
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 1, got), EINVAL);
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 0x80000000u, got), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, HV_GET_DIRTY_LOG, NULL), EFAULT);

	/* Bad bitmaps fail with EFAULT, and what they would have returned stays. */
	set_bit64(want, 3);
	guest_write_set(vcpu, want, 0x9000);
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 0, NULL), EFAULT);
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 0, (void *)(uintptr_t)0xffff800000000000ULL), EFAULT);
	ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	EXPECT_ERRNO(__get_log(vm, LOG_SLOT, 0, ro), EFAULT);
	get_log(vm, got);
	expect_bitmap(got, want, "the bits of the failed calls");

	/* Logging with read-only, unknown slot flags. */
	m = mmap(NULL, 65 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(m != MAP_FAILED, "mmap");
	EXPECT_ERRNO(__vm_set_memory_region(vm, 2, HV_MEM_LOG_DIRTY | HV_MEM_READONLY,
					    0x40000000, 65 * PAGE_SIZE, m), EINVAL);
	EXPECT_ERRNO(__vm_set_memory_region(vm, 2, HV_MEM_LOG_DIRTY << 1, 0x40000000,
					    65 * PAGE_SIZE, m), EINVAL);
	/* Turning read-only on for a logging slot is refused too, and changes nothing. */
	EXPECT_ERRNO(__vm_set_memory_region(vm, LOG_SLOT, HV_MEM_LOG_DIRTY | HV_MEM_READONLY,
					    LOG_GPA, LOG_SIZE, h), EINVAL);
	expect_empty(vm, "after a refused change");

	/* 65 pages: two words, the third untouched. */
	TEST_ASSERT(__vm_set_memory_region(vm, 2, HV_MEM_LOG_DIRTY, 0x40000000, 65 * PAGE_SIZE,
					   m) == 0, "a 65-page logging slot: %s", strerror(errno));
	memset(small, 0xa5, sizeof(small));
	TEST_ASSERT(__get_log(vm, 2, 0, small) == 0, "HV_GET_DIRTY_LOG: %s", strerror(errno));
	TEST_ASSERT(small[0] == 0 && small[1] == 0 && small[2] == 0xa5a5a5a5a5a5a5a5ULL,
		    "65-page bitmap: %#llx %#llx, after it %#llx", (unsigned long long)small[0],
		    (unsigned long long)small[1], (unsigned long long)small[2]);
	/* Deleted: no log any more. */
	TEST_ASSERT(__vm_set_memory_region(vm, 2, 0, 0x40000000, 0, m) == 0, "delete: %s",
		    strerror(errno));
	EXPECT_ERRNO(__get_log(vm, 2, 0, small), ENOENT);

	munmap(ro, PAGE_SIZE);
	munmap(m, 65 * PAGE_SIZE);
	guest_end(vcpu);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "guest_writes_exact_set", test_exact_set, 0 },
	{ "enable_keeps_contents", test_enable_keeps_contents, 0 },
	{ "hv_writes_are_logged", test_hv_writes, 0 },
	{ "two_vcpus_no_lost_write", test_two_vcpus, 0 },
	{ "errors", test_errors, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
