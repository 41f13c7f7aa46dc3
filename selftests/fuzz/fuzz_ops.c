// SPDX-License-Identifier: GPL-2.0
/*
 * The calls hv_fuzz makes: every /dev/hv ioctl on every kind of fd, with
 * valid, boundary and garbage arguments, user pointers that are NULL,
 * read-only, unmapped or end at a page boundary, memory slots whose
 * backing is unmapped, protected or dropped under them, garbage in the
 * mmap'ed run structure and in exit completions, and fds of the wrong
 * kind (dup2() of one object's fd over another's).
 *
 * What the program checks itself: an ioctl returns one of the errno values
 * the ABI uses (anything else is a finding), and HV_RUN comes back when a
 * signal arrives (a watchdog signals it every 10 ms; a HV_RUN that never
 * returns hangs the test point, which its timeout reports).  The rest is
 * the testbed's: KASAN, lockdep, kmemleak, WARN, hung-task and soft-lockup
 * reports in the kernel log, and hv.ko unloading with memory back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "fuzz.h"
#include "hv_ioctl.h"
#include "hv_util.h"

#define PAGE		4096UL

enum fuzz_kind {
	OP_CREATE_VM,
	OP_CLOSE_VM,
	OP_CREATE_VCPU,
	OP_CLOSE_VCPU,
	OP_MEM_MAP,
	OP_MEM_CHANGE,
	OP_SET_REGION,
	OP_VCPU_IOCTL,
	OP_VM_IOCTL,
	OP_DEV_IOCTL,
	OP_RUN,
	OP_WRONG_FD,
	OP_DUP2,
	OP_NR,
};

const char *const fuzz_op_names[] = {
	[OP_CREATE_VM] = "create_vm",	[OP_CLOSE_VM] = "close_vm",
	[OP_CREATE_VCPU] = "create_vcpu", [OP_CLOSE_VCPU] = "close_vcpu",
	[OP_MEM_MAP] = "mem_map",	[OP_MEM_CHANGE] = "mem_change",
	[OP_SET_REGION] = "set_region",	[OP_VCPU_IOCTL] = "vcpu_ioctl",
	[OP_VM_IOCTL] = "vm_ioctl",	[OP_DEV_IOCTL] = "dev_ioctl",
	[OP_RUN] = "run",		[OP_WRONG_FD] = "wrong_fd",
	[OP_DUP2] = "dup2",
};

/* Relative frequencies: state-building ops often, the rest evenly. */
static const unsigned int fuzz_weights[OP_NR] = {
	[OP_CREATE_VM] = 3, [OP_CLOSE_VM] = 1, [OP_CREATE_VCPU] = 4, [OP_CLOSE_VCPU] = 1,
	[OP_MEM_MAP] = 3, [OP_MEM_CHANGE] = 2, [OP_SET_REGION] = 6, [OP_VCPU_IOCTL] = 10,
	[OP_VM_IOCTL] = 4, [OP_DEV_IOCTL] = 2, [OP_RUN] = 6, [OP_WRONG_FD] = 2, [OP_DUP2] = 1,
};

unsigned int fuzz_nr_kinds(void)
{
	return OP_NR;
}

void fuzz_op_generate(struct fuzz_op *op, uint64_t *rng)
{
	unsigned int total = 0, pick, k, i;

	for (k = 0; k < OP_NR; k++)
		total += fuzz_weights[k];
	pick = fuzz_below(rng, total);
	for (k = 0; pick >= fuzz_weights[k]; k++)
		pick -= fuzz_weights[k];
	op->kind = k;
	for (i = 0; i < FUZZ_NR_ARGS; i++)
		op->a[i] = fuzz_next(rng);
}

/* ---- the world ------------------------------------------------------------ */

void fuzz_world_init(struct fuzz_world *w)
{
	memset(w, 0, sizeof(*w));
	w->dev = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	for (unsigned int i = 0; i < FUZZ_MAX_VMS; i++) {
		w->vms[i].fd = -1;
		for (unsigned int j = 0; j < FUZZ_MAX_VCPUS; j++)
			w->vms[i].vcpus[j].fd = -1;
	}
	w->ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->gone_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(w->gone_page, PAGE);
}

static void close_vcpu(struct fuzz_vcpu *c)
{
	if (c->run)
		munmap(c->run, c->run_size);
	if (c->fd >= 0)
		close(c->fd);
	c->run = NULL;
	c->fd = -1;
}

static void close_vm(struct fuzz_vm *vm)
{
	for (unsigned int j = 0; j < FUZZ_MAX_VCPUS; j++)
		close_vcpu(&vm->vcpus[j]);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

/* Everything closed and unmapped: the next program starts from nothing. */
void fuzz_world_reset(struct fuzz_world *w)
{
	for (unsigned int i = 0; i < FUZZ_MAX_VMS; i++)
		close_vm(&w->vms[i]);
	for (unsigned int i = 0; i < FUZZ_MAX_MEM; i++) {
		if (w->mem[i].hva)
			munmap(w->mem[i].hva, w->mem[i].size);
		w->mem[i].hva = NULL;
	}
}

/*
 * The errno values the ABI documents for its ioctls (docs/abi.md), plus
 * what any ioctl on a wrong fd or with a bad pointer gives.  Anything else
 * (EPERM from a check that went wrong, ENOSPC, a positive garbage value
 * in errno...) is reported.
 */
static bool errno_expected(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case E2BIG: case ENOMEM: case EEXIST: case EBUSY:
	case EINTR: case ENOTTY: case EBADF: case EIO: case ENOENT: case ENXIO:
	case EAGAIN: case EMFILE: case ENFILE: case ENODEV: case EOPNOTSUPP: case ESRCH:
	case EACCES:
		return true;
	default:
		return false;
	}
}

static bool check_ret(struct fuzz_world *w, long r, const char *what)
{
	w->calls++;
	if (r >= 0 || errno_expected(errno))
		return true;
	w->unexpected++;
	ktap_print_msg("finding: %s returned errno %d (%s), not one the ABI uses\n", what, errno,
		       strerror(errno));
	return false;
}

static struct fuzz_vm *pick_vm(struct fuzz_world *w, uint64_t a)
{
	return &w->vms[a % FUZZ_MAX_VMS];
}

static struct fuzz_vcpu *pick_vcpu(struct fuzz_world *w, uint64_t a, uint64_t b)
{
	return &pick_vm(w, a)->vcpus[b % FUZZ_MAX_VCPUS];
}

/*
 * A user pointer for a @size-byte argument: @buf itself, NULL, a read-only
 * page, an unmapped page, or @buf placed so that it ends exactly at an
 * unmapped page (the copy faults at its last bytes).
 */
static void *pick_ptr(struct fuzz_world *w, uint64_t how, void *buf, size_t size)
{
	static uint8_t *edge;

	switch (how % 8) {
	case 0:
		return NULL;
	case 1:
		return w->ro_page;
	case 2:
		return w->gone_page;
	case 3:
		if (!edge) {
			edge = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (edge == MAP_FAILED)
				return buf;
			munmap(edge + 63 * PAGE, PAGE);
		}
		if (size > 63 * PAGE)
			return buf;
		memcpy(edge + 63 * PAGE - size, buf, size);
		return edge + 63 * PAGE - size + 1;	/* one byte short of room */
	default:
		return buf;
	}
}

static void fill_random(void *p, size_t n, uint64_t seed)
{
	uint8_t *b = p;
	uint64_t s = seed, v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(i & 7))
			v = fuzz_next(&s);
		b[i] = v >> ((i & 7) * 8);
	}
}

/* Boundary-heavy 64-bit values: 0, ~0, powers of two and their neighbours, random. */
static uint64_t pick_u64(uint64_t a)
{
	unsigned int sh = (a >> 8) % 64;

	switch (a % 6) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	case 2:
		return 1ULL << sh;
	case 3:
		return (1ULL << sh) - 1;
	case 4:
		return (1ULL << sh) + PAGE;
	default:
		return a >> 3;
	}
}

/* ---- memory --------------------------------------------------------------- */

static void op_mem_map(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_mem *m = &w->mem[op->a[0] % FUZZ_MAX_MEM];
	/* 1-16 pages, or 2 MiB (THP-sized) */
	size_t size = op->a[1] % 4 == 0 ? (2UL << 20) : (1 + op->a[1] % 16) * PAGE;
	void *p;

	if (m->hva)
		munmap(m->hva, m->size);
	m->hva = NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	/* Random bytes are also random code, kept clear of the testbed's limits (fuzz_guest.c). */
	fill_random(p, size < 4 * PAGE ? size : 4 * PAGE, op->a[2]);
	fuzz_code_sanitize(p, size < 4 * PAGE ? size : 4 * PAGE, true);
	m->hva = p;
	m->size = size;
}

/* The backing changes under whatever slot uses it. */
static void op_mem_change(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_mem *m = &w->mem[op->a[0] % FUZZ_MAX_MEM];

	if (!m->hva)
		return;
	switch (op->a[1] % 5) {
	case 0:
		munmap(m->hva, m->size);
		m->hva = NULL;
		break;
	case 1:
		mprotect(m->hva, m->size, PROT_READ);
		break;
	case 2:
		mprotect(m->hva, m->size, PROT_NONE);
		break;
	case 3:
		madvise(m->hva, m->size, MADV_DONTNEED);
		break;
	default:
		/* Fresh pages at the same address. */
		mmap(m->hva, m->size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	}
}

static bool op_set_region(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vm *vm = pick_vm(w, op->a[0]);
	struct fuzz_mem *m = &w->mem[op->a[5] % FUZZ_MAX_MEM];
	struct hv_memory_region r = { 0 };
	static const uint64_t gpas[] = { 0, 0x100000, 0xfee00000, 0xffffe000, 1ULL << 47,
					 (1ULL << 48) - PAGE, ~0ULL & ~(PAGE - 1) };

	r.slot = op->a[1] % 8 == 7 ? (uint32_t)pick_u64(op->a[1] >> 3) : op->a[1] % 6;
	/* 1: dirty logging, turned on and off over a live slot by the same call with 0. */
	r.flags = op->a[2] % 4 == 3 ? (uint32_t)(op->a[2] >> 2) :
		  op->a[2] % 4 == 2 ? HV_MEM_READONLY : (op->a[2] % 4 == 1) * HV_MEM_LOG_DIRTY;
	r.guest_phys_addr = op->a[3] % 4 == 3 ? pick_u64(op->a[3] >> 2) :
			    gpas[(op->a[3] >> 2) % (sizeof(gpas) / sizeof(gpas[0]))];
	if (op->a[4] % 5 == 0)
		r.memory_size = 0;				/* delete */
	else if (op->a[4] % 5 == 4)
		r.memory_size = pick_u64(op->a[4] >> 3);
	else
		r.memory_size = m->hva ? m->size : PAGE;
	r.userspace_addr = m->hva && op->a[5] % 4 ? (uint64_t)(uintptr_t)m->hva :
			   op->a[5] % 8 == 0 ? (uint64_t)(uintptr_t)w->gone_page :
			   op->a[5] % 8 == 4 ? (uint64_t)(uintptr_t)w->ro_page : pick_u64(op->a[5] >> 3);
	if (op->a[2] % 16 == 15)
		r.reserved[op->a[2] >> 4 & 1] = 1;
	return check_ret(w, ioctl(vm->fd, HV_SET_MEMORY_REGION, &r), "HV_SET_MEMORY_REGION");
}

/* ---- objects -------------------------------------------------------------- */

static bool op_create_vm(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vm *vm = pick_vm(w, op->a[0]);
	unsigned long flags = op->a[1] % 8 == 0 ? pick_u64(op->a[1] >> 3) : 0;
	int fd;

	close_vm(vm);
	fd = ioctl(w->dev, HV_CREATE_VM, flags);
	if (!check_ret(w, fd, "HV_CREATE_VM"))
		return false;
	vm->fd = fd;
	/* Half of them with the in-kernel local APIC, some with halt polling off. */
	if (fd >= 0 && op->a[2] % 2) {
		struct hv_enable_cap cap = { .cap = HV_CAP_LAPIC };

		if (!check_ret(w, ioctl(fd, HV_ENABLE_CAP, &cap), "HV_ENABLE_CAP(LAPIC)"))
			return false;
		cap.cap = HV_CAP_HALT_POLL;
		cap.args[0] = op->a[2] % 4 == 1 ? 0 : op->a[3] % 1000000;
		return check_ret(w, ioctl(fd, HV_ENABLE_CAP, &cap), "HV_ENABLE_CAP(HALT_POLL)");
	}
	return true;
}

static bool op_create_vcpu(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vm *vm = pick_vm(w, op->a[0]);
	struct fuzz_vcpu *c = &vm->vcpus[op->a[1] % FUZZ_MAX_VCPUS];
	unsigned long id = op->a[2] % 8 == 7 ? pick_u64(op->a[2] >> 3) : op->a[1] % FUZZ_MAX_VCPUS;
	int fd, size;

	close_vcpu(c);
	fd = ioctl(vm->fd, HV_CREATE_VCPU, id);
	if (!check_ret(w, fd, "HV_CREATE_VCPU"))
		return false;
	if (fd < 0)
		return true;
	c->fd = fd;
	size = ioctl(w->dev, HV_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return check_ret(w, size, "HV_GET_VCPU_MMAP_SIZE");
	c->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return true;
	}
	c->run_size = size;
	/* mmap beyond the size, and at an offset, must fail cleanly. */
	if (op->a[3] % 8 == 0) {
		void *p = mmap(NULL, size + PAGE, PROT_READ, MAP_SHARED, fd, op->a[3] % 2 ? PAGE : 0);

		if (p != MAP_FAILED)
			munmap(p, size + PAGE);
	}
	return true;
}

/* ---- ioctls with structures ------------------------------------------------ */

union fuzz_payload {
	struct hv_regs regs;
	struct hv_sregs sregs;
	struct hv_lapic_state lapic;
	struct hv_mp_state mp;
	struct hv_interrupt irq;
	struct hv_stats stats;
	struct hv_enable_cap cap;
	struct hv_msi msi;
	struct hv_ioeventfd ioeventfd;
	struct hv_irqfd irqfd;
	struct hv_coalesced_zone zone;
	uint8_t bytes[16384];
};

static union fuzz_payload payload;

/*
 * A structure for a set ioctl: the current state with a few fields
 * changed (so checks deep inside are reached), or all garbage.
 */
static void mutate(void *p, size_t size, uint64_t seed, unsigned int mode)
{
	uint64_t s = seed;
	unsigned int n;

	if (mode % 4 == 0) {
		fill_random(p, size, seed);
		return;
	}
	for (n = 1 + mode % 8; n; n--) {
		size_t at = fuzz_below(&s, size);
		uint64_t v = pick_u64(fuzz_next(&s));

		memcpy((uint8_t *)p + at, &v, size - at < 8 ? size - at : 8);
	}
}

static void cpuid_payload(struct fuzz_world *w, struct hv_cpuid *c, uint64_t a, uint64_t seed)
{
	c->nent = HV_MAX_CPUID_ENTRIES;
	c->flags = 0;
	if (ioctl(w->dev, HV_GET_SUPPORTED_CPUID, c) < 0)
		c->nent = 0;
	w->calls++;
	mutate(c->entries, c->nent * sizeof(c->entries[0]), seed, a);
	if (a % 16 == 1)
		c->nent = HV_MAX_CPUID_ENTRIES + 1 + a % 3;
	if (a % 16 == 2)
		c->flags = 1u << (a % 32);
}

static bool op_vcpu_ioctl(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vcpu *c = pick_vcpu(w, op->a[0], op->a[1]);
	unsigned int which = op->a[2] % 13;
	struct hv_cpuid *cpuid = (struct hv_cpuid *)payload.bytes;
	struct hv_msrs *msrs = (struct hv_msrs *)payload.bytes;
	unsigned long cmd;
	size_t size;
	long r;

	memset(&payload, 0, sizeof(payload));
	switch (which) {
	case 0: cmd = HV_GET_REGS; size = sizeof(payload.regs); break;
	case 1: cmd = HV_SET_REGS; size = sizeof(payload.regs);
		ioctl(c->fd, HV_GET_REGS, &payload.regs);
		mutate(&payload.regs, size, op->a[5], op->a[4]);
		break;
	case 2: cmd = HV_GET_SREGS; size = sizeof(payload.sregs); break;
	case 3: cmd = HV_SET_SREGS; size = sizeof(payload.sregs);
		ioctl(c->fd, HV_GET_SREGS, &payload.sregs);
		mutate(&payload.sregs, size, op->a[5], op->a[4]);
		break;
	case 4: cmd = HV_SET_CPUID; size = sizeof(*cpuid) + HV_MAX_CPUID_ENTRIES * sizeof(cpuid->entries[0]);
		cpuid_payload(w, cpuid, op->a[4], op->a[5]);
		break;
	case 5: cmd = HV_GET_CPUID; size = sizeof(*cpuid) + 8 * sizeof(cpuid->entries[0]);
		cpuid->nent = op->a[4] % 4 ? op->a[4] % (HV_MAX_CPUID_ENTRIES + 2) : pick_u64(op->a[4]);
		break;
	case 6: case 7: {
		unsigned int i, n = op->a[4] % 8 == 0 ? (uint32_t)pick_u64(op->a[4] >> 3) :
				    op->a[4] % (HV_MAX_MSR_ENTRIES + 2);
		uint64_t s = op->a[5];

		cmd = which == 6 ? HV_GET_MSRS : HV_SET_MSRS;
		size = sizeof(*msrs) + HV_MAX_MSR_ENTRIES * sizeof(msrs->entries[0]);
		msrs->nmsrs = n;
		for (i = 0; i < HV_MAX_MSR_ENTRIES; i++) {
			static const uint32_t bases[] = { 0, 0x10, 0x1b, 0x3b, 0x174, 0x277, 0x800,
							  0x80b, 0x830, 0x6e0, 0xc0000080,
							  0xc0000100, 0xc0000103, 0xc0010000,
							  0xda0 };
			uint64_t v = fuzz_next(&s);

			msrs->entries[i].index = v % 4 ? bases[(v >> 2) % 15] + (v >> 8) % 4 :
						 (uint32_t)(v >> 8);
			msrs->entries[i].reserved = v % 64 == 1;
			msrs->entries[i].data = pick_u64(fuzz_next(&s));
		}
		break;
	}
	case 8: cmd = HV_INTERRUPT; size = sizeof(payload.irq);
		payload.irq.vector = op->a[4] % 300;
		payload.irq.flags = op->a[4] % 16 == 1;
		break;
	case 9: cmd = HV_GET_STATS; size = sizeof(payload.stats);
		payload.stats.flags = op->a[4] % 8 == 1;
		break;
	case 10: cmd = HV_GET_LAPIC; size = sizeof(payload.lapic); break;
	case 11: cmd = HV_SET_LAPIC; size = sizeof(payload.lapic);
		ioctl(c->fd, HV_GET_LAPIC, &payload.lapic);
		mutate(&payload.lapic, size, op->a[5], op->a[4]);
		break;
	default:
		cmd = op->a[4] % 2 ? HV_SET_MP_STATE : HV_GET_MP_STATE;
		size = sizeof(payload.mp);
		payload.mp.state = op->a[5] % 5;
		payload.mp.flags = op->a[5] % 16 == 3;
		break;
	}
	r = ioctl(c->fd, cmd, pick_ptr(w, op->a[3], &payload, size));
	return check_ret(w, r, "vCPU ioctl");
}

static bool op_vm_ioctl(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vm *vm = pick_vm(w, op->a[0]);
	unsigned long cmd;
	size_t size;

	int efd = -1, fd;
	bool r;

	memset(&payload, 0, sizeof(payload));
	switch (op->a[1] % 6) {
	case 0:
		cmd = HV_ENABLE_CAP;
		size = sizeof(payload.cap);
		payload.cap.cap = op->a[2] % 16;
		payload.cap.flags = op->a[2] % 32 == 17;
		payload.cap.args[op->a[3] % 4] = pick_u64(op->a[4]);
		break;
	case 1:
		cmd = HV_SIGNAL_MSI;
		size = sizeof(payload.msi);
		payload.msi.address = op->a[2] % 4 ? 0xfee00000 | (op->a[3] & 0xffff0) :
				      pick_u64(op->a[3]);
		payload.msi.data = (uint32_t)op->a[4];
		payload.msi.flags = op->a[2] % 32 == 9;
		break;
	case 5:
		/*
		 * Coalescing zones: near-valid ones around the ports and MMIO a guest
		 * program touches (so overlaps, exact unregisters and the limit are
		 * reached), unknown flags and wild ranges now and then.
		 */
		cmd = op->a[2] % 2 ? HV_UNREGISTER_COALESCED : HV_REGISTER_COALESCED;
		size = sizeof(payload.zone);
		payload.zone.flags = op->a[3] % 16 == 7 ? (uint32_t)op->a[3] : op->a[3] % 2;
		payload.zone.addr = op->a[4] % 4 ? (payload.zone.flags & 1 ? 0 : 0xfe000000) +
						   (op->a[4] & 0xff8) : pick_u64(op->a[4]);
		payload.zone.len = op->a[3] % 8 ? 1u << (op->a[3] >> 4) % 13 :
				   (uint32_t)pick_u64(op->a[3] >> 4);
		break;
	case 3: case 4:
		/*
		 * An eventfd of its own (closed right after: a registration then
		 * outlives its fd), or another fd or a bad number; near-valid
		 * registrations, so the table, the overlap rules and the limit are
		 * reached, with the DEASSIGN bit half the time.
		 */
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fd = op->a[2] % 8 == 0 ? (int)pick_u64(op->a[2] >> 3) :
		     op->a[2] % 8 == 1 ? vm->fd : efd;
		if (op->a[1] % 5 == 3) {
			cmd = HV_IOEVENTFD;
			size = sizeof(payload.ioeventfd);
			payload.ioeventfd.fd = fd;
			payload.ioeventfd.flags = (uint32_t)op->a[3] % 8 | (op->a[3] % 64 == 9 ? 1u << 5 : 0);
			payload.ioeventfd.addr = op->a[4] % 4 ? 0xfe000000 + (op->a[4] & 0x78) :
						 pick_u64(op->a[4]);
			payload.ioeventfd.len = 1u << (op->a[3] >> 3) % 5;
			payload.ioeventfd.datamatch = op->a[3] % 16 < 12 ? (op->a[3] >> 8) % 4 :
						      pick_u64(op->a[3] >> 8);
			payload.ioeventfd.reserved[0] = op->a[3] % 128 == 77;
		} else {
			cmd = HV_IRQFD;
			size = sizeof(payload.irqfd);
			payload.irqfd.fd = fd;
			payload.irqfd.flags = (uint32_t)op->a[3] % 4 == 3 ? (uint32_t)op->a[3] : op->a[3] % 2;
			payload.irqfd.msi_address = op->a[4] % 4 ? 0xfee00000 | (op->a[4] & 0xff000) :
						    pick_u64(op->a[4]);
			payload.irqfd.msi_data = (uint32_t)(op->a[4] >> 20);
			payload.irqfd.reserved[2] = op->a[3] % 128 == 77;
		}
		r = check_ret(w, ioctl(vm->fd, cmd, pick_ptr(w, op->a[5], &payload, size)), "VM ioctl");
		/* Signal it once: an ioeventfd is unaffected, an irqfd delivers (or its work runs). */
		if (efd >= 0) {
			uint64_t one = 1;
			ssize_t n = write(efd, &one, sizeof(one));

			(void)n;
			close(efd);
		}
		return r;
	default:
		cmd = HV_CREATE_VCPU;
		return check_ret(w, ioctl(vm->fd, cmd, pick_u64(op->a[2])), "HV_CREATE_VCPU(any id)") ||
		       true;
	}
	return check_ret(w, ioctl(vm->fd, cmd, pick_ptr(w, op->a[5], &payload, size)), "VM ioctl");
}

static bool op_dev_ioctl(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct hv_cpuid *cpuid = (struct hv_cpuid *)payload.bytes;
	long r;

	switch (op->a[0] % 4) {
	case 0:
		r = ioctl(w->dev, HV_CHECK_CAP, op->a[1] % 4 ? op->a[1] % 32 : pick_u64(op->a[1]));
		break;
	case 1:
		memset(cpuid, 0, sizeof(*cpuid));
		cpuid->nent = op->a[1] % 4 ? op->a[1] % (HV_MAX_CPUID_ENTRIES + 2) :
			      (uint32_t)pick_u64(op->a[1]);
		cpuid->flags = op->a[2] % 16 == 5;
		r = ioctl(w->dev, HV_GET_SUPPORTED_CPUID,
			  pick_ptr(w, op->a[3], cpuid, sizeof(*cpuid) + 8 * sizeof(cpuid->entries[0])));
		break;
	case 2:
		r = ioctl(w->dev, HV_GET_API_VERSION, pick_u64(op->a[1]));
		break;
	default:
		/* Numbers around hv's: another type, another size, a number not defined. */
		r = ioctl(w->dev, _IOC(op->a[1] % 4, op->a[2] % 2 ? HVIO : op->a[2] >> 8 & 0xff,
				       op->a[3] % 64, op->a[4] % 512),
			  pick_ptr(w, op->a[5], &payload, 512));
		break;
	}
	return check_ret(w, r, "/dev/hv ioctl");
}

/* Any hv ioctl on any fd: /dev/hv, a VM, a vCPU, or a pipe. */
static bool op_wrong_fd(struct fuzz_world *w, const struct fuzz_op *op)
{
	static const unsigned long cmds[] = {
		HV_GET_API_VERSION, HV_CHECK_CAP, HV_CREATE_VM, HV_GET_VCPU_MMAP_SIZE,
		HV_GET_SUPPORTED_CPUID, HV_SET_MEMORY_REGION, HV_CREATE_VCPU, HV_ENABLE_CAP,
		HV_SIGNAL_MSI, HV_IOEVENTFD, HV_IRQFD, HV_RUN, HV_GET_REGS, HV_SET_REGS, HV_GET_SREGS, HV_SET_SREGS,
		HV_SET_CPUID, HV_GET_MSRS, HV_SET_MSRS, HV_INTERRUPT, HV_GET_STATS,
		HV_GET_CPUID, HV_GET_LAPIC, HV_SET_LAPIC, HV_GET_MP_STATE, HV_SET_MP_STATE,
		HV_GET_STATS_FD, HV_GET_DIRTY_LOG,
	};
	unsigned long cmd = cmds[op->a[0] % (sizeof(cmds) / sizeof(cmds[0]))];
	int fds[2] = { -1, -1 }, fd;
	long r;

	switch (op->a[1] % 4) {
	case 0: fd = w->dev; break;
	case 1: fd = pick_vm(w, op->a[2])->fd; break;
	case 2: fd = pick_vcpu(w, op->a[2], op->a[3])->fd; break;
	default:
		if (pipe(fds))
			return true;
		fd = fds[0];
		break;
	}
	memset(&payload, 0, sizeof(payload));
	if (cmd == HV_RUN)	/* a RUN on a vCPU fd is op_run's, with its watchdog */
		cmd = HV_GET_REGS;
	r = ioctl(fd, cmd, _IOC_SIZE(cmd) ? (unsigned long)pick_ptr(w, op->a[4], &payload, 4096) :
		  pick_u64(op->a[4]));
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	/* A stats file: read at a fuzzed offset, like any reader might. */
	if (r > 2 && cmd == HV_GET_STATS_FD) {
		char buf[256];
		ssize_t n = pread(r, buf, op->a[5] % sizeof(buf), (off_t)(op->a[5] >> 8) % 65536);

		(void)n;
	}
	/* A VM, vCPU or stats fd made by mistake (CREATE_VM on /dev/hv...) is closed again. */
	if (r > 2 && (cmd == HV_CREATE_VM || cmd == HV_CREATE_VCPU || cmd == HV_GET_STATS_FD))
		close(r);
	return check_ret(w, r, "ioctl on another kind of fd");
}

/* One object's fd number now refers to another object (or to a pipe). */
static void op_dup2(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vm *a = pick_vm(w, op->a[0]);
	struct fuzz_vcpu *c = pick_vcpu(w, op->a[1], op->a[2]);
	int src = op->a[3] % 2 ? w->dev : a->fd;

	if (c->fd >= 0 && src >= 0 && src != c->fd)
		dup2(src, c->fd);	/* the run mapping keeps the old vCPU alive */
}

/* ---- HV_RUN ---------------------------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The two states of fuzz_guest.c's comment that take QEMU 7.2's nested SVM
 * down (32-bit protected mode, whose interrupts into an inner ring abort
 * it, and EFER.LME without CR0.PG and CR4.PAE) are not run on it: they are
 * the VMM's to set, and hv accepts them as a real CPU does.
 */
static bool run_would_break_testbed(int fd)
{
	static int qemu = -1;
	struct hv_sregs s;

	if (qemu < 0)
		qemu = host_is_qemu_tcg();
	if (!qemu || ioctl(fd, HV_GET_SREGS, &s))
		return false;
	if ((s.cr0 & 1) && !(s.efer & (1ULL << 10)))		/* PE, not LMA */
		return true;
	return (s.efer & (1ULL << 8)) && !(s.cr0 & (1ULL << 31)) && !(s.cr4 & (1ULL << 5));
}

/*
 * HV_RUN with garbage in the run structure's input fields and in the
 * completion of the previous exit; a 10 ms itimer interrupts guests that
 * never exit (the signal must end HV_RUN with EINTR).
 */
static bool op_run(struct fuzz_world *w, const struct fuzz_op *op)
{
	struct fuzz_vcpu *c = pick_vcpu(w, op->a[0], op->a[1]);
	struct itimerval t = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int i, rounds = 1 + op->a[2] % 16;
	uint64_t s = op->a[3];
	bool ok = true;
	long r;

	if (c->fd < 0)
		return true;
	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART */
	setitimer(ITIMER_REAL, &t, NULL);
	for (i = 0; i < rounds && ok; i++) {
		if (c->run) {
			uint64_t v = fuzz_next(&s);

			switch (v % 8) {
			case 0:		/* garbage everywhere, the exit data included */
				/* The coalesced ring's page too: its indexes are the VMM's to break. */
				fill_random(c->run, c->run_size < 3 * 4096 ? c->run_size : 3 * 4096, v);
				c->run->immediate_exit = 0;
				break;
			case 1:
				c->run->request_interrupt_window = v >> 8;
				break;
			case 2:		/* a completion: MMIO read data, IN data, hypercall ret */
				fill_random(&c->run->mmio, sizeof(c->run->mmio), v);
				break;
			case 3:
				c->run->immediate_exit = 1;
				break;
			default:
				c->run->immediate_exit = 0;
				break;
			}
		}
		if (run_would_break_testbed(c->fd))
			break;
		r = ioctl(c->fd, HV_RUN, 0);
		ok = check_ret(w, r, "HV_RUN");
	}
	setitimer(ITIMER_REAL, &off, NULL);
	return ok;
}

bool fuzz_op_run(struct fuzz_world *w, const struct fuzz_op *op)
{
	switch (op->kind) {
	case OP_CREATE_VM:	return op_create_vm(w, op);
	case OP_CLOSE_VM:	close_vm(pick_vm(w, op->a[0])); return true;
	case OP_CREATE_VCPU:	return op_create_vcpu(w, op);
	case OP_CLOSE_VCPU:	close_vcpu(pick_vcpu(w, op->a[0], op->a[1])); return true;
	case OP_MEM_MAP:	op_mem_map(w, op); return true;
	case OP_MEM_CHANGE:	op_mem_change(w, op); return true;
	case OP_SET_REGION:	return op_set_region(w, op);
	case OP_VCPU_IOCTL:	return op_vcpu_ioctl(w, op);
	case OP_VM_IOCTL:	return op_vm_ioctl(w, op);
	case OP_DEV_IOCTL:	return op_dev_ioctl(w, op);
	case OP_RUN:		return op_run(w, op);
	case OP_WRONG_FD:	return op_wrong_fd(w, op);
	case OP_DUP2:		op_dup2(w, op); return true;
	default:		return true;	/* a replayed file from a newer fuzzer */
	}
}
