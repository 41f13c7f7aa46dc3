// SPDX-License-Identifier: GPL-2.0
/*
 * coalesced_test: the coalesced MMIO/PIO ring (HV_REGISTER_COALESCED).
 *
 *   pio_in_order     1000 OUTs of 1, 2 and 4 bytes to a registered port
 *                    range, in batches each followed by an OUT to a port
 *                    that is not registered: draining the ring at every
 *                    exit gives all 1000 in order, every batch complete
 *                    before the exit that follows it; the registered ports
 *                    never exit, HV_STAT_COALESCED counts 1000; the ring is
 *                    the same page through a second vCPU's fd; once
 *                    unregistered the port exits again
 *   ring_full        1000 OUTs with no other exit: each time the ring is
 *                    full (after HV_COALESCED_RING_ENTRIES - 1 writes) the
 *                    next write exits as HV_EXIT_IO; draining first, then
 *                    taking the exit's write, gives all 1000 in order; a
 *                    first index out of range makes writes exit
 *   mmio_in_order    400 MMIO stores of 1 to 8 bytes into a registered
 *                    range (the ring fills too) and reads of the same
 *                    registers, which exit: the VMM drains before it
 *                    answers, so every read returns the guest's last
 *                    write; a store that crosses the zone's end exits
 *   ioeventfd_first  an ioeventfd on a port inside a zone takes its writes
 *                    (its eventfd counts them, the ring stays empty); the
 *                    writes it does not match go to the ring
 *   rejects          unknown flags, length 0, wrap-around, ports past
 *                    0xffff, addresses past 2^48, overlaps, unregistering
 *                    what is not registered, the per-VM limit, bad
 *                    pointers and fds, bad mmap offsets and private maps
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_ioctl.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define PORT_RING	0x5a0		/* the zone: 0x5a0-0x5a3 */
#define PORT_RING_LEN	4
#define PORT_PLAIN	0x5b0		/* not registered */
#define NR_WRITES	1000
#define BATCH		100
#define MMIO_GPA	0xd0000000ULL	/* no slot there */
#define MMIO_ZONE_LEN	0x100
#define NR_MMIO		400
#define MMIO_READ_EVERY	200		/* more than the ring holds: it fills in between */
#define NR_SLOTS	HV_COALESCED_RING_ENTRIES
#define LOG_SIZE	(NR_WRITES + 16)

/* ---- what the guest writes: one definition for both sides --------------------------- */

/* Write @i of the port sequence: its port, width and value (all distinct). */
static inline void pio_write_of(unsigned int i, uint16_t *port, unsigned int *len, uint32_t *v)
{
	switch (i % 3) {
	case 0:
		*port = PORT_RING;
		*len = 2;
		*v = i;
		break;
	case 1:
		*port = PORT_RING + 3;
		*len = 1;
		*v = i & 0xff;
		break;
	default:
		*port = PORT_RING;
		*len = 4;
		*v = 0xc0de0000u | i;
		break;
	}
}

static inline void guest_pio_write(unsigned int i)
{
	unsigned int len;
	uint16_t port;
	uint32_t v;

	pio_write_of(i, &port, &len, &v);
	if (len == 1)
		outb(port, v);
	else if (len == 2)
		outw(port, v);
	else
		outl(port, v);
}

/* Store @i of the MMIO sequence: 1, 2, 4 or 8 bytes, naturally aligned, inside the zone. */
static inline void mmio_write_of(unsigned int i, uint64_t *gpa, unsigned int *len, uint64_t *v)
{
	*len = 1u << (i % 4);
	*gpa = MMIO_GPA + ((i * 8) % MMIO_ZONE_LEN);
	*v = (0x1122334455667700ULL ^ ((uint64_t)i << 24)) | (i & 0xff);
	if (*len < 8)
		*v &= (1ULL << (*len * 8)) - 1;
}

/* ---- the VMM's side of the ring ------------------------------------------------------- */

struct wlog {
	struct hv_coalesced_entry e[LOG_SIZE];
	unsigned int n;
};

static void wlog_add(struct wlog *log, uint64_t addr, unsigned int len, bool pio, const void *data)
{
	struct hv_coalesced_entry *e;

	TEST_ASSERT(log->n < LOG_SIZE, "more than %d writes", LOG_SIZE);
	e = &log->e[log->n++];
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->len = len;
	e->pio = pio;
	memcpy(e->data, data, len);
}

/*
 * The protocol of docs/abi.md: last with acquire, the entries up to it,
 * first with release once they are used.  Returns how many were taken.
 */
static unsigned int ring_drain(struct hv_coalesced_ring *ring, struct wlog *log)
{
	uint32_t first = ring->first;
	uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	TEST_ASSERT(first < NR_SLOTS && last < NR_SLOTS, "ring indexes first %u last %u", first,
		    last);
	while (first != last) {
		const struct hv_coalesced_entry *e = &ring->entries[first];

		TEST_ASSERT(e->len >= 1 && e->len <= 8, "entry %u: len %u", first, e->len);
		wlog_add(log, e->addr, e->len, e->pio, e->data);
		first = (first + 1) % NR_SLOTS;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

static struct hv_coalesced_ring *ring_map(struct vcpu *vcpu)
{
	long off = hv_check_cap(HV_CAP_COALESCED_IO);
	void *p;

	TEST_ASSERT(off > 0, "HV_CAP_COALESCED_IO %ld", off);
	TEST_ASSERT(hv_ioctl_get_vcpu_mmap_size(vcpu->vm->dev_fd) >= (off + 1) * (long)PAGE_SIZE,
		    "HV_GET_VCPU_MMAP_SIZE %d does not cover the ring at page %ld",
		    hv_ioctl_get_vcpu_mmap_size(vcpu->vm->dev_fd), off);
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, off * PAGE_SIZE);
	TEST_ASSERT(p != MAP_FAILED, "mmap of the ring: %s", strerror(errno));
	return p;
}

static int zone(struct vm *vm, bool reg, uint64_t addr, uint32_t len, uint32_t flags)
{
	struct hv_coalesced_zone z = { .addr = addr, .len = len, .flags = flags };

	return reg ? hv_ioctl_register_coalesced(vm->fd, &z) :
		     hv_ioctl_unregister_coalesced(vm->fd, &z);
}

static void check_pio_log(const struct wlog *log, unsigned int n)
{
	unsigned int i, len;
	uint16_t port;
	uint32_t v, got;

	TEST_ASSERT(log->n == n, "the VMM saw %u writes, not %u", log->n, n);
	for (i = 0; i < n; i++) {
		const struct hv_coalesced_entry *e = &log->e[i];

		pio_write_of(i, &port, &len, &v);
		got = 0;
		memcpy(&got, e->data, e->len <= 4 ? e->len : 4);
		TEST_ASSERT(e->pio && e->addr == port && e->len == len && got == v,
			    "write %u: %s %#llx len %u value %#x, expected port %#x len %u value %#x",
			    i, e->pio ? "port" : "gpa", (unsigned long long)e->addr, e->len, got,
			    port, len, v);
	}
}

/* ---- pio_in_order ----------------------------------------------------------------------- */

static void guest_pio_batches(void)
{
	unsigned int i;

	for (i = 0; i < NR_WRITES; i++) {
		guest_pio_write(i);
		if (i % BATCH == BATCH - 1)
			outb(PORT_PLAIN, i / BATCH);
	}
	GUEST_SYNC(1);
	outw(PORT_RING, 0xbeef);		/* unregistered by now: exits */
	GUEST_DONE();
}

static void test_pio_in_order(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_pio_batches);
	struct vcpu *other = vm_vcpu_add_bare(vm, 1);
	struct hv_coalesced_ring *ring = ring_map(vcpu), *ring2 = ring_map(other);
	long off = hv_check_cap(HV_CAP_COALESCED_IO);
	static struct wlog log;
	unsigned int plain = 0;
	struct hv_stats st;
	struct ucall uc;

	TEST_ASSERT(zone(vm, true, PORT_RING, PORT_RING_LEN, HV_COALESCED_FLAG_PIO) == 0,
		    "register ports %#x+%u: %s", PORT_RING, PORT_RING_LEN, strerror(errno));
	for (;;) {
		vcpu_run(vcpu);
		/* Drain first, before looking at the exit. */
		ring_drain(ring, &log);
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		if (vcpu->run->io.port == UCALL_PORT)
			break;
		TEST_ASSERT(vcpu->run->io.port == PORT_PLAIN,
			    "OUT to port %#x (%u bytes) exited", vcpu->run->io.port,
			    vcpu->run->io.size);
		TEST_ASSERT(*(uint8_t *)vcpu_io_data(vcpu) == plain,
			    "the plain OUT carried %u, not %u", *(uint8_t *)vcpu_io_data(vcpu), plain);
		/* Every write of the batch is in the ring before the exit that follows it. */
		TEST_ASSERT(log.n == (plain + 1) * BATCH, "at plain OUT %u the VMM had %u writes",
			    plain, log.n);
		plain++;
	}
	TEST_ASSERT(vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
		    "not the guest's sync");
	TEST_ASSERT(plain == NR_WRITES / BATCH, "%u plain OUTs exited, not %u", plain,
		    NR_WRITES / BATCH);
	check_pio_log(&log, NR_WRITES);
	vcpu_get_stats(vcpu, &st);
	TEST_ASSERT(st.exits[HV_STAT_COALESCED] == NR_WRITES, "HV_STAT_COALESCED %llu, not %u",
		    (unsigned long long)st.exits[HV_STAT_COALESCED], NR_WRITES);
	TEST_ASSERT(st.exits[HV_STAT_IO] == NR_WRITES / BATCH + 1, "HV_STAT_IO %llu, not %u",
		    (unsigned long long)st.exits[HV_STAT_IO], NR_WRITES / BATCH + 1);

	/* One ring per VM: the same page through the other vCPU and the whole-size mapping. */
	TEST_ASSERT(ring2->last == ring->last && ring2->first == ring->first &&
		    !memcmp(ring2->entries, ring->entries, sizeof(ring->entries)),
		    "the ring differs through vCPU 1's fd");
	TEST_ASSERT(vcpu->run_size >= (size_t)(off + 1) * PAGE_SIZE &&
		    !memcmp((uint8_t *)vcpu->run + off * PAGE_SIZE, ring, PAGE_SIZE),
		    "the ring differs in the HV_GET_VCPU_MMAP_SIZE mapping");

	TEST_ASSERT(zone(vm, false, PORT_RING, PORT_RING_LEN, HV_COALESCED_FLAG_PIO) == 0,
		    "unregister: %s", strerror(errno));
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(vcpu->run->io.port == PORT_RING && *(uint16_t *)vcpu_io_data(vcpu) == 0xbeef,
		    "the unregistered port's OUT did not exit (port %#x)", vcpu->run->io.port);
	TEST_ASSERT(ring_drain(ring, &log) == 0, "a write to an unregistered zone was appended");
	vcpu_expect_done(vcpu);
	munmap(ring, PAGE_SIZE);
	munmap(ring2, PAGE_SIZE);
	vm_destroy(vm);
}

/* ---- ring_full ------------------------------------------------------------------------- */

static void guest_pio_flood(void)
{
	unsigned int i;

	for (i = 0; i < NR_WRITES; i++)
		guest_pio_write(i);
	GUEST_SYNC(1);
	outw(PORT_RING, 0x7777);		/* first is out of range: exits */
	GUEST_DONE();
}

static void test_ring_full(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_pio_flood);
	struct hv_coalesced_ring *ring = ring_map(vcpu);
	struct hv_run *run = vcpu->run;
	static struct wlog log;
	unsigned int full = 0;
	struct hv_stats st;
	struct ucall uc;
	uint32_t last;

	TEST_ASSERT(zone(vm, true, PORT_RING, PORT_RING_LEN, HV_COALESCED_FLAG_PIO) == 0,
		    "register: %s", strerror(errno));
	for (;;) {
		vcpu_run(vcpu);
		ring_drain(ring, &log);
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		if (run->io.port == UCALL_PORT)
			break;
		/* The ring was full: the write came as an exit, after everything in the ring. */
		full++;
		TEST_ASSERT(log.n == full * NR_SLOTS - 1,
			    "full exit %u after %u writes, not after %u", full, log.n,
			    full * NR_SLOTS - 1);
		TEST_ASSERT(run->io.direction == HV_IO_DIR_OUT && run->io.count == 1,
			    "not a single OUT");
		wlog_add(&log, run->io.port, run->io.size, true, vcpu_io_data(vcpu));
	}
	TEST_ASSERT(vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
		    "not the guest's sync");
	TEST_ASSERT(full == NR_WRITES / NR_SLOTS, "%u full exits, not %u", full,
		    NR_WRITES / NR_SLOTS);
	check_pio_log(&log, NR_WRITES);
	vcpu_get_stats(vcpu, &st);
	TEST_ASSERT(st.exits[HV_STAT_COALESCED] == NR_WRITES - full,
		    "HV_STAT_COALESCED %llu, not %u", (unsigned long long)st.exits[HV_STAT_COALESCED],
		    NR_WRITES - full);
	TEST_ASSERT(st.exits[HV_STAT_IO] == full + 1, "HV_STAT_IO %llu, not %u",
		    (unsigned long long)st.exits[HV_STAT_IO], full + 1);

	/* A VMM that scribbles on first loses coalescing, not writes. */
	last = ring->last;
	ring->first = NR_SLOTS + 5;
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(run->io.port == PORT_RING && *(uint16_t *)vcpu_io_data(vcpu) == 0x7777,
		    "with first out of range the write did not exit (port %#x)", run->io.port);
	TEST_ASSERT(ring->last == last, "last moved from %u to %u", last, ring->last);
	ring->first = last;
	vcpu_expect_done(vcpu);
	munmap(ring, PAGE_SIZE);
	vm_destroy(vm);
}

/* ---- mmio_in_order --------------------------------------------------------------------- */

static void guest_mmio(void)
{
	unsigned int i, len;
	uint64_t gpa, v, r;

	for (i = 0; i < NR_MMIO; i++) {
		mmio_write_of(i, &gpa, &len, &v);
		if (len == 1)
			*(volatile uint8_t *)gpa = v;
		else if (len == 2)
			*(volatile uint16_t *)gpa = v;
		else if (len == 4)
			*(volatile uint32_t *)gpa = v;
		else
			*(volatile uint64_t *)gpa = v;
		if (i % MMIO_READ_EVERY != MMIO_READ_EVERY - 1)
			continue;
		/* A read exits; the VMM has applied every write before it answers. */
		if (len == 1)
			r = *(volatile uint8_t *)gpa;
		else if (len == 2)
			r = *(volatile uint16_t *)gpa;
		else if (len == 4)
			r = *(volatile uint32_t *)gpa;
		else
			r = *(volatile uint64_t *)gpa;
		GUEST_ASSERT_EQ(r, v);
	}
	/* Crosses the zone's end: not coalesced. */
	*(volatile uint64_t *)(MMIO_GPA + MMIO_ZONE_LEN - 4) = 0xabcdef0123456789ULL;
	GUEST_DONE();
}

static void test_mmio_in_order(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio);
	struct hv_coalesced_ring *ring = ring_map(vcpu);
	static uint8_t regs[MMIO_ZONE_LEN];
	struct hv_run *run = vcpu->run;
	unsigned int i, applied = 0, reads = 0, full = 0, len;
	static struct wlog log;
	uint64_t gpa, v, got;
	bool crossed = false;
	struct ucall uc;

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	TEST_ASSERT(zone(vm, true, MMIO_GPA, MMIO_ZONE_LEN, 0) == 0, "register %#llx: %s",
		    MMIO_GPA, strerror(errno));
	for (;;) {
		vcpu_run(vcpu);
		ring_drain(ring, &log);
		/* The device: a register file the writes land in, in order. */
		for (; applied < log.n; applied++) {
			const struct hv_coalesced_entry *e = &log.e[applied];

			TEST_ASSERT(!e->pio && e->addr >= MMIO_GPA &&
				    e->addr + e->len <= MMIO_GPA + MMIO_ZONE_LEN,
				    "entry %u: %s %#llx len %u", applied, e->pio ? "port" : "gpa",
				    (unsigned long long)e->addr, e->len);
			memcpy(regs + (e->addr - MMIO_GPA), e->data, e->len);
		}
		if (run->exit_reason == HV_EXIT_IO && run->io.port == UCALL_PORT)
			break;
		vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
		TEST_ASSERT(!crossed, "an exit after the crossing store");
		if (run->mmio.phys_addr + run->mmio.len > MMIO_GPA + MMIO_ZONE_LEN) {
			memcpy(&got, run->mmio.data, 8);
			TEST_ASSERT(run->mmio.is_write && run->mmio.len == 8 &&
				    run->mmio.phys_addr == MMIO_GPA + MMIO_ZONE_LEN - 4 &&
				    got == 0xabcdef0123456789ULL,
				    "the crossing store: %s %#llx len %u", run->mmio.is_write ?
				    "write" : "read", (unsigned long long)run->mmio.phys_addr,
				    run->mmio.len);
			TEST_ASSERT(log.n == NR_MMIO, "the crossing store came after %u writes",
				    log.n);
			crossed = true;
		} else if (run->mmio.is_write) {
			/* Ring full: this write, after all those in the ring. */
			full++;
			TEST_ASSERT(log.n == (full - 1) * MMIO_READ_EVERY + NR_SLOTS - 1,
				    "full exit %u after %u writes", full, log.n);
			wlog_add(&log, run->mmio.phys_addr, run->mmio.len, false, run->mmio.data);
			memcpy(regs + (run->mmio.phys_addr - MMIO_GPA), run->mmio.data,
			       run->mmio.len);
			applied++;
		} else {
			TEST_ASSERT(run->mmio.phys_addr >= MMIO_GPA &&
				    run->mmio.phys_addr + run->mmio.len <= MMIO_GPA + MMIO_ZONE_LEN,
				    "read at %#llx", (unsigned long long)run->mmio.phys_addr);
			memcpy(run->mmio.data, regs + (run->mmio.phys_addr - MMIO_GPA),
			       run->mmio.len);
			reads++;
		}
	}
	if (vcpu_get_ucall(vcpu, &uc) != UCALL_DONE) {
		ucall_print(vcpu, &uc);
		TEST_FAIL("the guest did not finish: %s", ucall_name(uc.cmd));
	}
	TEST_ASSERT(crossed && reads == NR_MMIO / MMIO_READ_EVERY,
		    "crossing store %d, %u reads (not %u)", crossed, reads,
		    NR_MMIO / MMIO_READ_EVERY);
	TEST_ASSERT(full == NR_MMIO / MMIO_READ_EVERY, "%u full exits, not %u", full,
		    NR_MMIO / MMIO_READ_EVERY);
	TEST_ASSERT(log.n == NR_MMIO, "the VMM saw %u stores, not %u", log.n, NR_MMIO);
	for (i = 0; i < NR_MMIO; i++) {
		const struct hv_coalesced_entry *e = &log.e[i];

		mmio_write_of(i, &gpa, &len, &v);
		got = 0;
		memcpy(&got, e->data, e->len);
		TEST_ASSERT(e->addr == gpa && e->len == len && got == v,
			    "store %u: %#llx len %u value %#llx, expected %#llx len %u value %#llx",
			    i, (unsigned long long)e->addr, e->len, (unsigned long long)got,
			    (unsigned long long)gpa, len, (unsigned long long)v);
	}
	munmap(ring, PAGE_SIZE);
	vm_destroy(vm);
}

/* ---- ioeventfd_first ------------------------------------------------------------------- */

static void guest_ioeventfd_first(void)
{
	unsigned int i;

	for (i = 0; i < 10; i++) {
		outw(PORT_RING, i);		/* the ioeventfd's (2 bytes at PORT_RING) */
		outb(PORT_RING, i);		/* another width: the ring's */
	}
	GUEST_DONE();
}

static void test_ioeventfd_first(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ioeventfd_first);
	struct hv_coalesced_ring *ring = ring_map(vcpu);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct hv_ioeventfd io = {
		.addr = PORT_RING, .len = 2, .fd = efd, .flags = HV_IOEVENTFD_FLAG_PIO,
	};
	static struct wlog log;
	uint64_t count = 0;
	unsigned int i;

	TEST_ASSERT(efd >= 0, "eventfd: %s", strerror(errno));
	TEST_ASSERT(hv_ioctl_ioeventfd(vm->fd, &io) == 0, "HV_IOEVENTFD: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, PORT_RING, PORT_RING_LEN, HV_COALESCED_FLAG_PIO) == 0,
		    "register: %s", strerror(errno));
	vcpu_expect_done(vcpu);
	ring_drain(ring, &log);
	TEST_ASSERT(read(efd, &count, sizeof(count)) == sizeof(count) && count == 10,
		    "the ioeventfd counted %llu writes, not 10", (unsigned long long)count);
	TEST_ASSERT(log.n == 10, "the ring took %u writes, not 10", log.n);
	for (i = 0; i < log.n; i++)
		TEST_ASSERT(log.e[i].len == 1 && log.e[i].data[0] == i,
			    "ring entry %u: len %u value %u", i, log.e[i].len, log.e[i].data[0]);
	close(efd);
	munmap(ring, PAGE_SIZE);
	vm_destroy(vm);
}

/* ---- rejects ---------------------------------------------------------------------------- */

static void test_rejects(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add_bare(vm, 0);
	long off = hv_check_cap(HV_CAP_COALESCED_IO);
	long size = hv_ioctl_get_vcpu_mmap_size(vm->dev_fd);
	struct hv_coalesced_zone z = { .addr = PORT_RING, .len = 1, .flags = HV_COALESCED_FLAG_PIO };
	const uint32_t pio = HV_COALESCED_FLAG_PIO;
	unsigned int i;
	void *p;

	TEST_ASSERT(off == 2, "HV_CAP_COALESCED_IO %ld, expected page 2 (after hv_run and PIO data)",
		    off);
	TEST_ASSERT(size == (off + 1) * (long)PAGE_SIZE, "HV_GET_VCPU_MMAP_SIZE %ld", size);

	/* Flags, lengths, ranges. */
	EXPECT_ERRNO(zone(vm, true, PORT_RING, 1, 1u << 1), EINVAL);
	EXPECT_ERRNO(zone(vm, true, PORT_RING, 1, pio | (1u << 31)), EINVAL);
	EXPECT_ERRNO(zone(vm, true, PORT_RING, 0, pio), EINVAL);
	EXPECT_ERRNO(zone(vm, true, MMIO_GPA, 0, 0), EINVAL);
	EXPECT_ERRNO(zone(vm, true, ~0ULL, 2, 0), EINVAL);			/* wraps */
	EXPECT_ERRNO(zone(vm, true, ~0ULL - 0xfff, 0xffffffffu, 0), EINVAL);	/* wraps */
	EXPECT_ERRNO(zone(vm, true, ~0ULL, 2, pio), EINVAL);
	EXPECT_ERRNO(zone(vm, true, 0x10000, 1, pio), EINVAL);
	EXPECT_ERRNO(zone(vm, true, 0xffff, 2, pio), EINVAL);
	EXPECT_ERRNO(zone(vm, true, 0, 0x10001, pio), EINVAL);
	EXPECT_ERRNO(zone(vm, true, (1ULL << 48) - 4, 8, 0), EINVAL);
	EXPECT_ERRNO(zone(vm, true, 1ULL << 48, 1, 0), EINVAL);
	EXPECT_ERRNO(hv_ioctl_register_coalesced(vm->fd, NULL), EFAULT);
	EXPECT_ERRNO(hv_ioctl_unregister_coalesced(vm->fd, NULL), EFAULT);
	EXPECT_ERRNO(hv_ioctl_unregister_coalesced(vm->fd, (void *)1), EFAULT);
	/* Not a VM fd. */
	EXPECT_ERRNO(ioctl(vcpu->fd, HV_REGISTER_COALESCED, &z), ENOTTY);
	EXPECT_ERRNO(ioctl(vm->dev_fd, HV_REGISTER_COALESCED, &z), ENOTTY);
	EXPECT_ERRNO(ioctl(vm->dev_fd, HV_UNREGISTER_COALESCED, &z), ENOTTY);
	/* The edges that are allowed. */
	TEST_ASSERT(zone(vm, true, 0xffff, 1, pio) == 0, "port 0xffff: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, (1ULL << 48) - 8, 8, 0) == 0, "the last 8 bytes below 2^48: %s",
		    strerror(errno));

	/* Overlaps within a space; the other space is separate. */
	TEST_ASSERT(zone(vm, true, PORT_RING, 4, pio) == 0, "register: %s", strerror(errno));
	EXPECT_ERRNO(zone(vm, true, PORT_RING, 4, pio), EEXIST);
	EXPECT_ERRNO(zone(vm, true, PORT_RING + 3, 1, pio), EEXIST);
	EXPECT_ERRNO(zone(vm, true, PORT_RING - 1, 2, pio), EEXIST);
	EXPECT_ERRNO(zone(vm, true, 0, 0x10000, pio), EEXIST);
	TEST_ASSERT(zone(vm, true, PORT_RING + 4, 1, pio) == 0, "adjacent: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, PORT_RING - 1, 1, pio) == 0, "adjacent: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, PORT_RING, 4, 0) == 0, "the same range as MMIO: %s",
		    strerror(errno));

	/* Unregister: exactly what was registered. */
	EXPECT_ERRNO(zone(vm, false, PORT_RING, 2, pio), ENOENT);
	EXPECT_ERRNO(zone(vm, false, PORT_RING + 1, 3, pio), ENOENT);
	EXPECT_ERRNO(zone(vm, false, PORT_RING + 0x100, 4, pio), ENOENT);
	EXPECT_ERRNO(zone(vm, false, PORT_RING, 1, 1u << 2), EINVAL);
	TEST_ASSERT(zone(vm, false, PORT_RING, 4, pio) == 0, "unregister: %s", strerror(errno));
	EXPECT_ERRNO(zone(vm, false, PORT_RING, 4, pio), ENOENT);
	TEST_ASSERT(zone(vm, false, PORT_RING, 4, 0) == 0, "unregister MMIO: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, PORT_RING + 1, 2, pio) == 0, "the freed range: %s",
		    strerror(errno));

	/* The per-VM limit: 5 zones are registered now. */
	for (i = 5; i < HV_MAX_COALESCED_ZONES; i++)
		TEST_ASSERT(zone(vm, true, 0x1000 + 16 * i, 16, pio) == 0, "zone %u: %s", i + 1,
			    strerror(errno));
	EXPECT_ERRNO(zone(vm, true, 0x8000, 1, pio), ENOSPC);
	TEST_ASSERT(zone(vm, false, 0xffff, 1, pio) == 0, "unregister: %s", strerror(errno));
	TEST_ASSERT(zone(vm, true, 0x8000, 1, pio) == 0, "after making room: %s", strerror(errno));

	/* mmap: only the pages there are, shared. */
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
		 (off + 1) * PAGE_SIZE);
	TEST_ASSERT(p == MAP_FAILED && errno == EINVAL, "mmap of the page after the ring: %s",
		    p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
		 off * PAGE_SIZE);
	TEST_ASSERT(p == MAP_FAILED && errno == EINVAL, "mmap of 2 pages at the ring: %s",
		    p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, vcpu->fd, off * PAGE_SIZE);
	TEST_ASSERT(p == MAP_FAILED && errno == EINVAL, "private mmap of the ring: %s",
		    p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, vm->fd, off * PAGE_SIZE);
	TEST_ASSERT(p == MAP_FAILED, "the VM fd mapped");
	/* Left registered: the VM's teardown frees them. */
	vm_destroy(vm);
}

int main(void)
{
	const struct hv_test tests[] = {
		{ "pio_in_order", test_pio_in_order, 60 },
		{ "ring_full", test_ring_full, 60 },
		{ "mmio_in_order", test_mmio_in_order, 60 },
		{ "ioeventfd_first", test_ioeventfd_first, 60 },
		{ "rejects", test_rejects, 60 },
	};
	hv_test_main(tests, ARRAY_SIZE(tests));
}
