// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd_test: the eventfd fast paths, HV_IOEVENTFD and HV_IRQFD.
 *
 *   ioeventfd_pio        OUTs to a registered port signal its eventfd and
 *                        never reach userspace; a value-matched registration
 *                        takes only its value (other values exit); both are
 *                        counted as HV_STAT_IOEVENTFD; once deassigned the
 *                        port exits to userspace again
 *   ioeventfd_mmio       the same for 4- and 8-byte MMIO writes (no slot
 *                        there); a read of the registered address and a
 *                        write of another width still exit
 *   ioeventfd_rejects    bad flags, reserved bytes, lengths, ranges, values,
 *                        fds, overlaps, unknown deassigns and the per-VM
 *                        limit, each with its errno
 *   irqfd_delivers       N eventfd writes give the waiting (halted) guest N
 *                        interrupts of the MSI's vector; an eventfd already
 *                        signalled when assigned delivers at once; after a
 *                        deassign a write is not consumed
 *   irqfd_rejects        no local APIC, bad flags, reserved bytes, a bad MSI,
 *                        bad fds, a second irqfd on one eventfd, unknown
 *                        deassigns and the per-VM limit
 *   irqfd_close_removes  closing the eventfds removes their irqfds (the limit
 *                        frees up again), and a VM torn down while a thread
 *                        writes to its irqfd's eventfd leaves nothing behind
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "hv_ioctl.h"
#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define PORT_ANY	0x510		/* wildcard, 1 byte */
#define PORT_MATCH	0x514		/* DATAMATCH 0x1234, 2 bytes */
#define MATCH_VALUE	0x1234
#define MMIO_GPA	0xd0000000ULL	/* no slot there */
#define MMIO_ANY	MMIO_GPA	/* wildcard, 4 bytes */
#define MMIO_MATCH	(MMIO_GPA + 8)	/* DATAMATCH, 8 bytes */
#define MMIO_VALUE	0x1122334455667788ULL
#define ROUNDS		20
#define IRQ_VECTOR	0x41

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	TEST_ASSERT(fd >= 0, "eventfd: %s", strerror(errno));
	return fd;
}

/* The eventfd's counter (and zero it); 0 if nothing was signalled. */
static uint64_t eventfd_take(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n)) {
		TEST_ASSERT(errno == EAGAIN, "read eventfd: %s", strerror(errno));
		return 0;
	}
	return n;
}

static int ioeventfd(struct vm *vm, uint32_t flags, uint64_t addr, uint32_t len, uint64_t match,
		     int fd)
{
	struct hv_ioeventfd a = {
		.addr = addr, .len = len, .datamatch = match, .fd = fd, .flags = flags,
	};

	return hv_ioctl_ioeventfd(vm->fd, &a);
}

static int irqfd(struct vm *vm, uint32_t flags, int fd, uint64_t address, uint32_t data)
{
	struct hv_irqfd a = { .fd = fd, .flags = flags, .msi_address = address, .msi_data = data };

	return hv_ioctl_irqfd(vm->fd, &a);
}

/* Each of the two registrations took ROUNDS writes, counted as HV_STAT_IOEVENTFD. */
static void expect_signalled(struct vcpu *vcpu, int any, int match)
{
	struct hv_stats st;
	uint64_t n;

	n = eventfd_take(any);
	TEST_ASSERT(n == ROUNDS, "the wildcard registration's eventfd counted %llu writes, not %u",
		    (unsigned long long)n, ROUNDS);
	n = eventfd_take(match);
	TEST_ASSERT(n == ROUNDS, "the value-matched registration's eventfd counted %llu writes, not %u",
		    (unsigned long long)n, ROUNDS);
	vcpu_get_stats(vcpu, &st);
	TEST_ASSERT(st.exits[HV_STAT_IOEVENTFD] == 2 * ROUNDS, "HV_STAT_IOEVENTFD %llu, not %u",
		    (unsigned long long)st.exits[HV_STAT_IOEVENTFD], 2 * ROUNDS);
}

/* ---- ioeventfd: port I/O ---------------------------------------------------------- */

static void guest_pio(void)
{
	int i;

	for (i = 0; i < ROUNDS; i++) {
		outb(PORT_ANY, i);
		outw(PORT_MATCH, MATCH_VALUE);
		outw(PORT_MATCH, 0x4321);		/* not the value: to userspace */
	}
	outl(PORT_ANY, 7);				/* another width: to userspace */
	GUEST_SYNC(1);
	outb(PORT_ANY, 1);				/* deassigned: to userspace */
	GUEST_DONE();
}

static void test_ioeventfd_pio(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_pio);
	int any = new_eventfd(), match = new_eventfd();
	unsigned int other = 0, wide = 0;
	struct ucall uc;

	TEST_ASSERT(hv_check_cap(HV_CAP_IOEVENTFD) == HV_MAX_IOEVENTFDS, "HV_CAP_IOEVENTFD %ld",
		    hv_check_cap(HV_CAP_IOEVENTFD));
	TEST_ASSERT(ioeventfd(vm, HV_IOEVENTFD_FLAG_PIO, PORT_ANY, 1, 0, any) == 0,
		    "assign port %#x: %s", PORT_ANY, strerror(errno));
	TEST_ASSERT(ioeventfd(vm, HV_IOEVENTFD_FLAG_PIO | HV_IOEVENTFD_FLAG_DATAMATCH, PORT_MATCH, 2,
			      MATCH_VALUE, match) == 0, "assign port %#x: %s", PORT_MATCH,
		    strerror(errno));
	for (;;) {
		vcpu_run(vcpu);
		vcpu_assert_exit(vcpu, HV_EXIT_IO);
		if (vcpu->run->io.port == UCALL_PORT)
			break;
		if (vcpu->run->io.port == PORT_MATCH) {
			TEST_ASSERT(*(uint16_t *)vcpu_io_data(vcpu) == 0x4321,
				    "OUT %#x of the matched value reached userspace",
				    *(uint16_t *)vcpu_io_data(vcpu));
			other++;
		} else {
			TEST_ASSERT(vcpu->run->io.port == PORT_ANY && vcpu->run->io.size == 4,
				    "OUT to %#x, %u bytes, reached userspace", vcpu->run->io.port,
				    vcpu->run->io.size);
			wide++;
		}
	}
	TEST_ASSERT(vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1, "not the guest's sync");
	TEST_ASSERT(other == ROUNDS && wide == 1, "%u unmatched and %u 4-byte OUTs exited, not %u and 1",
		    other, wide, ROUNDS);
	expect_signalled(vcpu, any, match);

	TEST_ASSERT(ioeventfd(vm, HV_IOEVENTFD_FLAG_PIO | HV_IOEVENTFD_FLAG_DEASSIGN, PORT_ANY, 1, 0,
			      any) == 0, "deassign: %s", strerror(errno));
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, HV_EXIT_IO);
	TEST_ASSERT(vcpu->run->io.port == PORT_ANY, "the deassigned port's OUT did not exit");
	TEST_ASSERT(eventfd_take(any) == 0, "a deassigned eventfd was signalled");
	vcpu_expect_done(vcpu);
	close(any);
	close(match);
	vm_destroy(vm);
}

/* ---- ioeventfd: MMIO -------------------------------------------------------------- */

static void guest_mmio(void)
{
	volatile uint32_t *any = (volatile uint32_t *)MMIO_ANY;
	volatile uint64_t *match = (volatile uint64_t *)MMIO_MATCH;
	uint32_t v;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		*any = i;
		*match = MMIO_VALUE;
		*match = i;				/* not the value: to userspace */
	}
	*(volatile uint16_t *)MMIO_ANY = 1;		/* another width: to userspace */
	v = *any;					/* reads always exit */
	GUEST_SYNC_ARGS(1, v, 0, 0);
	GUEST_DONE();
}

static void test_ioeventfd_mmio(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio);
	int any = new_eventfd(), match = new_eventfd();
	unsigned int other = 0, wide = 0, reads = 0;
	struct hv_run *run = vcpu->run;
	struct ucall uc;

	virt_map(vm, MMIO_GPA, MMIO_GPA, PAGE_SIZE);
	TEST_ASSERT(ioeventfd(vm, 0, MMIO_ANY, 4, 0, any) == 0, "assign %#llx: %s", MMIO_ANY,
		    strerror(errno));
	TEST_ASSERT(ioeventfd(vm, HV_IOEVENTFD_FLAG_DATAMATCH, MMIO_MATCH, 8, MMIO_VALUE, match) == 0,
		    "assign %#llx: %s", MMIO_MATCH, strerror(errno));
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == HV_EXIT_IO && run->io.port == UCALL_PORT)
			break;
		vcpu_assert_exit(vcpu, HV_EXIT_MMIO);
		if (!run->mmio.is_write) {
			uint32_t v = 0xfeedf00d;

			TEST_ASSERT(run->mmio.phys_addr == MMIO_ANY && run->mmio.len == 4,
				    "read of %u bytes at %#llx", run->mmio.len,
				    (unsigned long long)run->mmio.phys_addr);
			memcpy(run->mmio.data, &v, 4);
			reads++;
		} else if (run->mmio.phys_addr == MMIO_MATCH) {
			uint64_t v;

			memcpy(&v, run->mmio.data, 8);
			TEST_ASSERT(run->mmio.len == 8 && v != MMIO_VALUE,
				    "write of %#llx (%u bytes) reached userspace",
				    (unsigned long long)v, run->mmio.len);
			other++;
		} else {
			TEST_ASSERT(run->mmio.phys_addr == MMIO_ANY && run->mmio.len == 2,
				    "write of %u bytes at %#llx reached userspace", run->mmio.len,
				    (unsigned long long)run->mmio.phys_addr);
			wide++;
		}
	}
	TEST_ASSERT(vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1, "not the guest's sync");
	TEST_ASSERT(uc.args[1] == 0xfeedf00d, "the guest read %#llx", (unsigned long long)uc.args[1]);
	TEST_ASSERT(other == ROUNDS && wide == 1 && reads == 1,
		    "%u unmatched writes, %u 2-byte writes and %u reads exited, not %u, 1 and 1",
		    other, wide, reads, ROUNDS);
	expect_signalled(vcpu, any, match);
	vcpu_expect_done(vcpu);
	close(any);
	close(match);
	vm_destroy(vm);
}

/* ---- ioeventfd: what it refuses ------------------------------------------------------ */

static void test_ioeventfd_rejects(void)
{
	const uint32_t pio = HV_IOEVENTFD_FLAG_PIO, dm = HV_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t de = HV_IOEVENTFD_FLAG_DEASSIGN;
	struct vm *vm = vm_create(0);
	int efd = new_eventfd(), efd2 = new_eventfd(), pipefd[2], i;
	int many[HV_MAX_IOEVENTFDS];
	struct hv_ioeventfd a;

	TEST_ASSERT(pipe(pipefd) == 0, "pipe");
	EXPECT_ERRNO(ioeventfd(vm, 1u << 3, 0x80, 1, 0, efd), EINVAL);
	memset(&a, 0, sizeof(a));
	a.addr = 0x80;
	a.len = 1;
	a.fd = efd;
	a.flags = pio;
	for (i = 0; i < 3; i++) {
		a.reserved[i] = 1;
		EXPECT_ERRNO(hv_ioctl_ioeventfd(vm->fd, &a), EINVAL);
		a.reserved[i] = 0;
	}
	EXPECT_ERRNO(hv_ioctl_ioeventfd(vm->fd, NULL), EFAULT);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 0, 0, efd), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 3, 0, efd), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, 0, MMIO_GPA, 16, 0, efd), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 8, 0, efd), EINVAL);		/* no 8-byte OUT */
	EXPECT_ERRNO(ioeventfd(vm, pio, 0xffff, 2, 0, efd), EINVAL);		/* past port 0xffff */
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x10000, 1, 0, efd), EINVAL);
	EXPECT_ERRNO(ioeventfd(vm, pio, ~0ULL, 2, 0, efd), EINVAL);		/* wraps to port 1 */
	EXPECT_ERRNO(ioeventfd(vm, 0, ~0ULL - 1, 4, 0, efd), EINVAL);		/* wraps */
	EXPECT_ERRNO(ioeventfd(vm, 0, 1ULL << 48, 4, 0, efd), EINVAL);		/* past 2^48 */
	EXPECT_ERRNO(ioeventfd(vm, pio | dm, 0x80, 1, 0x100, efd), EINVAL);	/* does not fit */
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 1, 1, efd), EINVAL);		/* value, no match */
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 1, 0, -1), EBADF);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 1, 0, 1000), EBADF);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 1, 0, pipefd[0]), EINVAL);	/* not an eventfd */
	EXPECT_ERRNO(ioeventfd(vm, pio | de, 0x80, 1, 0, efd), ENOENT);

	/* Overlaps: the same claim twice, a wildcard over a match, a partial overlap. */
	TEST_ASSERT(ioeventfd(vm, pio | dm, 0x80, 2, 5, efd) == 0, "assign: %s", strerror(errno));
	EXPECT_ERRNO(ioeventfd(vm, pio | dm, 0x80, 2, 5, efd2), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 2, 0, efd2), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x81, 1, 0, efd2), EEXIST);
	EXPECT_ERRNO(ioeventfd(vm, pio | dm, 0x80, 4, 5, efd2), EEXIST);
	TEST_ASSERT(ioeventfd(vm, pio | dm, 0x80, 2, 6, efd2) == 0, "another value: %s",
		    strerror(errno));
	TEST_ASSERT(ioeventfd(vm, 0, 0x80, 2, 0, efd2) == 0, "MMIO at the port's number: %s",
		    strerror(errno));
	TEST_ASSERT(ioeventfd(vm, pio, 0x82, 2, 0, efd2) == 0, "the next port: %s", strerror(errno));
	/* A deassign names the registration exactly: value, match, length, space and fd. */
	EXPECT_ERRNO(ioeventfd(vm, pio | dm | de, 0x80, 2, 6, efd), ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, pio | dm | de, 0x80, 2, 7, efd2), ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, pio | de, 0x80, 2, 0, efd2), ENOENT);
	EXPECT_ERRNO(ioeventfd(vm, de, 0x80, 2, 5, efd), EINVAL);		/* value, no match */
	EXPECT_ERRNO(ioeventfd(vm, dm | de, 0x80, 2, 5, efd), ENOENT);
	TEST_ASSERT(ioeventfd(vm, pio | dm | de, 0x80, 2, 6, efd2) == 0, "deassign: %s",
		    strerror(errno));
	TEST_ASSERT(ioeventfd(vm, pio | dm | de, 0x80, 2, 5, efd) == 0, "deassign: %s",
		    strerror(errno));
	TEST_ASSERT(ioeventfd(vm, de, 0x80, 2, 0, efd2) == 0, "deassign: %s", strerror(errno));
	TEST_ASSERT(ioeventfd(vm, pio | de, 0x82, 2, 0, efd2) == 0, "deassign: %s",
		    strerror(errno));

	/* The limit, then one more; the table empties again. */
	for (i = 0; i < HV_MAX_IOEVENTFDS; i++) {
		many[i] = new_eventfd();
		TEST_ASSERT(ioeventfd(vm, 0, MMIO_GPA + 8 * i, 8, 0, many[i]) == 0,
			    "registration %d of %d: %s", i + 1, HV_MAX_IOEVENTFDS, strerror(errno));
	}
	EXPECT_ERRNO(ioeventfd(vm, pio, 0x80, 1, 0, efd), ENOSPC);
	for (i = 0; i < HV_MAX_IOEVENTFDS; i++) {
		TEST_ASSERT(ioeventfd(vm, de, MMIO_GPA + 8 * i, 8, 0, many[i]) == 0,
			    "deassign %d: %s", i, strerror(errno));
		close(many[i]);
	}
	TEST_ASSERT(ioeventfd(vm, pio, 0x80, 1, 0, efd) == 0, "assign after the limit: %s",
		    strerror(errno));
	/* Left registered: the VM's teardown puts it. */
	close(efd);
	close(efd2);
	close(pipefd[0]);
	close(pipefd[1]);
	vm_destroy(vm);
}

/* ---- irqfd ----------------------------------------------------------------------- */

static void guest_irqfd(void)
{
	uint32_t i;

	guest_install_handler(IRQ_VECTOR, guest_irq_log_eoi);
	xapic_enable();
	GUEST_SYNC(0);
	for (i = 1; i <= ROUNDS; i++) {
		while (guest_irq_n < i)
			__asm__ volatile("sti; hlt; cli" : : : "memory");
		GUEST_SYNC_ARGS(i, guest_irq_n, guest_irq_log[(i - 1) % GUEST_IRQ_LOG_MAX], 0);
	}
	GUEST_DONE();
}

static void test_irqfd_delivers(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_irqfd);
	int efd = new_eventfd();
	uint64_t one = 1, i;
	struct vcpu_thread t;
	struct ucall uc;

	TEST_ASSERT(hv_check_cap(HV_CAP_IRQFD) == HV_MAX_IRQFDS, "HV_CAP_IRQFD %ld",
		    hv_check_cap(HV_CAP_IRQFD));
	vcpu_thread_start(&t, vcpu);
	vcpu_thread_expect_sync(&t, 0, &uc, 10000);
	/* The guest's APIC is on and it halts: the first signal comes before HV_IRQFD. */
	for (i = 1; i <= ROUNDS; i++) {
		TEST_ASSERT(write(efd, &one, sizeof(one)) == sizeof(one), "write eventfd");
		if (i == 1)
			TEST_ASSERT(irqfd(vm, 0, efd, MSI_ADDR(0), IRQ_VECTOR) == 0, "HV_IRQFD: %s",
				    strerror(errno));
		/* One at a time: signals the guest has not taken yet merge, as edges do. */
		vcpu_thread_expect_sync(&t, i, &uc, 10000);
		TEST_ASSERT(uc.args[1] == i && uc.args[2] == IRQ_VECTOR,
			    "after write %llu: %llu interrupts, the last vector %#llx",
			    (unsigned long long)i, (unsigned long long)uc.args[1],
			    (unsigned long long)uc.args[2]);
	}
	vcpu_thread_expect_done(&t, 10000);
	TEST_ASSERT(eventfd_take(efd) == 0, "the irqfd left its eventfd's count");

	TEST_ASSERT(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd, MSI_ADDR(0), IRQ_VECTOR) == 0,
		    "deassign: %s", strerror(errno));
	TEST_ASSERT(write(efd, &one, sizeof(one)) == sizeof(one), "write eventfd");
	TEST_ASSERT(eventfd_take(efd) == 1, "a deassigned irqfd still took its eventfd's signal");
	close(efd);
	vm_destroy(vm);
}

static void test_irqfd_rejects(void)
{
	struct vm *plain = vm_create(0), *vm = vm_create_lapic(0);
	int efd = new_eventfd(), efd2 = new_eventfd(), pipefd[2], i;
	int many[HV_MAX_IRQFDS];
	struct hv_irqfd a;

	TEST_ASSERT(pipe(pipefd) == 0, "pipe");
	EXPECT_ERRNO(irqfd(plain, 0, efd, MSI_ADDR(0), IRQ_VECTOR), ENXIO);
	EXPECT_ERRNO(irqfd(vm, 1u << 1, efd, MSI_ADDR(0), IRQ_VECTOR), EINVAL);
	memset(&a, 0, sizeof(a));
	a.fd = efd;
	a.msi_address = MSI_ADDR(0);
	a.msi_data = IRQ_VECTOR;
	for (i = 0; i < 3; i++) {
		a.reserved[i] = 1;
		EXPECT_ERRNO(hv_ioctl_irqfd(vm->fd, &a), EINVAL);
		a.reserved[i] = 0;
	}
	EXPECT_ERRNO(hv_ioctl_irqfd(vm->fd, NULL), EFAULT);
	EXPECT_ERRNO(irqfd(vm, 0, efd, 0xfed00000, IRQ_VECTOR), EINVAL);	/* not 0xFEExxxxx */
	EXPECT_ERRNO(irqfd(vm, 0, efd, 0x1fee00000ULL, IRQ_VECTOR), EINVAL);
	EXPECT_ERRNO(irqfd(vm, 0, -1, MSI_ADDR(0), IRQ_VECTOR), EBADF);
	EXPECT_ERRNO(irqfd(vm, 0, 1000, MSI_ADDR(0), IRQ_VECTOR), EBADF);
	EXPECT_ERRNO(irqfd(vm, 0, pipefd[0], MSI_ADDR(0), IRQ_VECTOR), EINVAL);
	EXPECT_ERRNO(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd, MSI_ADDR(0), IRQ_VECTOR), ENOENT);
	TEST_ASSERT(irqfd(vm, 0, efd, MSI_ADDR(0), IRQ_VECTOR) == 0, "assign: %s", strerror(errno));
	EXPECT_ERRNO(irqfd(vm, 0, efd, MSI_ADDR(1), IRQ_VECTOR + 1), EEXIST);
	EXPECT_ERRNO(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd, MSI_ADDR(0), IRQ_VECTOR + 1), ENOENT);
	EXPECT_ERRNO(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd2, MSI_ADDR(0), IRQ_VECTOR), ENOENT);
	TEST_ASSERT(irqfd(vm, 0, efd2, MSI_ADDR(0), IRQ_VECTOR) == 0, "a second eventfd: %s",
		    strerror(errno));
	TEST_ASSERT(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd, MSI_ADDR(0), IRQ_VECTOR) == 0,
		    "deassign: %s", strerror(errno));
	TEST_ASSERT(irqfd(vm, HV_IRQFD_FLAG_DEASSIGN, efd2, MSI_ADDR(0), IRQ_VECTOR) == 0,
		    "deassign: %s", strerror(errno));

	for (i = 0; i < HV_MAX_IRQFDS; i++) {
		many[i] = new_eventfd();
		TEST_ASSERT(irqfd(vm, 0, many[i], MSI_ADDR(0), IRQ_VECTOR) == 0,
			    "irqfd %d of %d: %s", i + 1, HV_MAX_IRQFDS, strerror(errno));
	}
	EXPECT_ERRNO(irqfd(vm, 0, efd, MSI_ADDR(0), IRQ_VECTOR), ENOSPC);
	/* Left assigned, eventfds open: the VM's teardown removes them. */
	vm_destroy(vm);
	vm_destroy(plain);
	for (i = 0; i < HV_MAX_IRQFDS; i++)
		close(many[i]);
	close(efd);
	close(efd2);
	close(pipefd[0]);
	close(pipefd[1]);
}

static atomic_bool hammer_stop;

static void *hammer(void *arg)
{
	int fd = *(int *)arg;
	uint64_t one = 1;

	while (!atomic_load(&hammer_stop))
		if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			break;
	return NULL;
}

static void test_irqfd_close_removes(void)
{
	struct vm *vm = vm_create_lapic(0);
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int many[HV_MAX_IRQFDS], i, r = -1, tries;
	struct vcpu *vcpu;
	pthread_t thread;
	int efd;

	for (i = 0; i < HV_MAX_IRQFDS; i++) {
		many[i] = new_eventfd();
		TEST_ASSERT(irqfd(vm, 0, many[i], MSI_ADDR(0), IRQ_VECTOR) == 0,
			    "irqfd %d: %s", i + 1, strerror(errno));
	}
	for (i = 0; i < HV_MAX_IRQFDS; i++)
		close(many[i]);
	/* The removal is a work item after the close: wait up to 5 s for the room. */
	efd = new_eventfd();
	for (tries = 0; tries < 500; tries++) {
		r = irqfd(vm, 0, efd, MSI_ADDR(0), IRQ_VECTOR);
		if (r == 0 || errno != ENOSPC)
			break;
		nanosleep(&pause, NULL);
	}
	TEST_ASSERT(r == 0, "an irqfd after closing %d eventfds: %s", HV_MAX_IRQFDS,
		    strerror(errno));

	/* Teardown while the eventfd is being signalled, a vCPU to deliver to. */
	vcpu = vm_vcpu_add(vm, 0, guest_irqfd);
	(void)vcpu;
	atomic_store(&hammer_stop, false);
	TEST_ASSERT(pthread_create(&thread, NULL, hammer, &efd) == 0, "pthread_create");
	nanosleep(&pause, NULL);
	vm_destroy(vm);
	nanosleep(&pause, NULL);
	atomic_store(&hammer_stop, true);
	pthread_join(thread, NULL);
	close(efd);
}

int main(void)
{
	const struct hv_test tests[] = {
		{ "ioeventfd_pio", test_ioeventfd_pio, 60 },
		{ "ioeventfd_mmio", test_ioeventfd_mmio, 60 },
		{ "ioeventfd_rejects", test_ioeventfd_rejects, 60 },
		{ "irqfd_delivers", test_irqfd_delivers, 60 },
		{ "irqfd_rejects", test_irqfd_rejects, 60 },
		{ "irqfd_close_removes", test_irqfd_close_removes, 60 },
	};
	hv_test_main(tests, ARRAY_SIZE(tests));
}
