// SPDX-License-Identifier: GPL-2.0
/*
 * Random guest code: a page of random instructions, biased towards the
 * ones that exit (port and MMIO accesses, CPUID, MSR accesses with random
 * indices, HLT, INT3, CR and DR moves, XSETBV, VMMCALL/VMCALL, string I/O
 * with REP), with random registers, in real mode and in long mode.  Every
 * exit is completed with random data; the guest runs until it stops
 * (shutdown, internal error, failed entry) or its time is up.
 *
 * Two defects of QEMU 7.2's nested SVM (the SVM testbed's) would take the
 * whole testbed down, so the code never gets there (docs/testing.md, "A
 * QEMU bug the selftests must not reach", and TESTBED.md):
 *  - "invalid tss type": a 32-bit protected-mode guest whose TR is a busy
 *    TSS taking an interrupt into an inner ring aborts QEMU.  Guests run in
 *    real mode and long mode only, and fuzz_code_sanitize() removes what
 *    leaves them (MOV to CR0, LMSW);
 *  - EFER.LME set with CR0.PG and CR4.PAE clear hangs QEMU at the next
 *    exit: real-mode code gets no WRMSR.
 * On a real CPU neither is a limit, but the code is the same everywhere so
 * that a seed means the same guest on every host.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "fuzz.h"
#include "hv_util.h"
#include "processor.h"

/* Instructions worth planting among the random bytes. */
static const struct {
	uint8_t len, bytes[7];
} exiting[] = {
	{ 2, { 0x0f, 0xa2 } },			/* cpuid */
	{ 2, { 0x0f, 0x32 } },			/* rdmsr */
	{ 2, { 0x0f, 0x30 } },			/* wrmsr */
	{ 1, { 0xf4 } },			/* hlt */
	{ 1, { 0xcc } },			/* int3 */
	{ 1, { 0xee } },			/* out %al, %dx */
	{ 1, { 0xec } },			/* in %dx, %al */
	{ 2, { 0xe6, 0x80 } },			/* out %al, $0x80 */
	{ 2, { 0xf3, 0x6e } },			/* rep outsb */
	{ 2, { 0xf3, 0x6c } },			/* rep insb */
	{ 3, { 0x0f, 0x01, 0xd9 } },		/* vmmcall */
	{ 3, { 0x0f, 0x01, 0xc1 } },		/* vmcall */
	{ 3, { 0x0f, 0x01, 0xd1 } },		/* xsetbv */
	{ 3, { 0x0f, 0x22, 0xe0 } },		/* mov %rax, %cr4 */
	{ 3, { 0x0f, 0x23, 0xf8 } },		/* mov %rax, %dr7 */
	{ 2, { 0x8b, 0x03 } },			/* mov (%rbx), %eax: MMIO if RBX is unbacked */
	{ 2, { 0x09, 0x03 } },			/* or %eax, (%rbx) */
	{ 2, { 0x87, 0x03 } },			/* xchg %eax, (%rbx) */
	{ 2, { 0xf3, 0xa5 } },			/* rep movsd */
	{ 2, { 0xf3, 0xab } },			/* rep stosd */
	{ 1, { 0xfb } },			/* sti */
	{ 2, { 0x0f, 0x0b } },			/* ud2 */
	{ 2, { 0xcd, 0x80 } },			/* int $0x80 */
	{ 1, { 0xcf } },			/* iret */
	{ 3, { 0x0f, 0x01, 0xf9 } },		/* rdtscp */
};

/*
 * Turns into NOPs every MOV to CR0 (0f 22 /0) and LMSW (0f 01 /6), and in
 * real mode every WRMSR (0f 30), at any byte offset (so also inside other
 * instructions' bytes, whichever way the CPU decodes them).
 */
void fuzz_code_sanitize(uint8_t *code, size_t len, bool real_mode)
{
	for (size_t i = 0; i + 1 < len; i++) {
		uint8_t b1 = code[i + 1], reg = i + 2 < len ? (code[i + 2] >> 3) & 7 : 0;

		if (code[i] != 0x0f)
			continue;
		if ((b1 == 0x22 && reg == 0) || (b1 == 0x01 && reg == 6) || (b1 == 0x30 && real_mode))
			code[i] = 0x90;
	}
}

static void make_code(uint8_t *page, uint64_t *rng, bool real_mode)
{
	unsigned int at = 0, i;

	while (at < 4096 - 8) {
		if (fuzz_below(rng, 3)) {
			i = fuzz_below(rng, sizeof(exiting) / sizeof(exiting[0]));
			memcpy(page + at, exiting[i].bytes, exiting[i].len);
			at += exiting[i].len;
		} else {
			page[at++] = fuzz_next(rng);
		}
	}
	memset(page + at, 0xf4, 4096 - at);	/* hlt to the end */
	fuzz_code_sanitize(page, 4096, real_mode);
}

/* GPRs that aim at interesting places: unbacked MMIO, the APIC page, ports. */
static uint64_t pick_reg(uint64_t *rng)
{
	static const uint64_t vals[] = { 0, 0x80, 0x3f8, 0xcf8, 0x5c5c, 0xfee00000, 0xfec00000,
					 0xc0000000, 0x100000000ULL, 0x1b, 0x10, 0xc0000081,
					 0x800, 0x830, 0xda0, 0x7, 1ULL << 47, ~0ULL };
	uint64_t v = fuzz_next(rng);

	return v % 2 ? vals[(v >> 1) % (sizeof(vals) / sizeof(vals[0]))] : v >> (v % 64);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Completes every exit with random data; false only on an HV_RUN errno outside the ABI's. */
static bool run_random(struct vcpu *vcpu, uint64_t *rng, unsigned int max_ms)
{
	struct itimerval t = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int rounds, limit = max_ms / 10 + 1, eintr = 0;
	struct hv_run *run = vcpu->run;
	bool ok = true;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	for (rounds = 0; rounds < 2000 && eintr < limit; rounds++) {
		if (__vcpu_run(vcpu) < 0) {
			if (errno == EINTR) {
				eintr++;
				continue;
			}
			ok = errno == EINVAL || errno == EFAULT || errno == EIO || errno == ENOMEM;
			if (!ok)
				ktap_print_msg("finding: HV_RUN errno %d (%s)\n", errno, strerror(errno));
			break;
		}
		switch (run->exit_reason) {
		case HV_EXIT_IO:
			if (run->io.direction == HV_IO_DIR_IN &&
			    run->io.data_offset + (uint64_t)run->io.count * run->io.size <= vcpu->run_size)
				for (uint32_t i = 0; i < run->io.count * run->io.size; i++)
					((uint8_t *)run)[run->io.data_offset + i] = fuzz_next(rng);
			break;
		case HV_EXIT_MMIO:
			for (unsigned int i = 0; i < sizeof(run->mmio.data); i++)
				run->mmio.data[i] = fuzz_next(rng);
			break;
		case HV_EXIT_HYPERCALL:
			run->hypercall.ret = fuzz_next(rng);
			break;
		case HV_EXIT_HLT:
		case HV_EXIT_IRQ_WINDOW:
		case HV_EXIT_EOI:
		case HV_EXIT_INTR:
			break;
		default:	/* shutdown, internal error, failed entry: this guest is done */
			rounds = 2000;
			break;
		}
		/* Now and then an interrupt or a window request. */
		if (fuzz_below(rng, 8) == 0) {
			struct hv_interrupt irq = { .vector = 32 + fuzz_below(rng, 224) };

			ioctl(vcpu->fd, HV_INTERRUPT, &irq);
		}
		run->request_interrupt_window = fuzz_below(rng, 4) == 0;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	return ok;
}

static void random_gprs(struct vcpu *vcpu, uint64_t *rng, uint64_t rip, uint64_t rsp)
{
	struct hv_regs r;

	vcpu_regs_get(vcpu, &r);
	r.rax = pick_reg(rng);
	r.rbx = pick_reg(rng);
	r.rcx = pick_reg(rng);
	r.rdx = pick_reg(rng);
	r.rsi = pick_reg(rng);
	r.rdi = pick_reg(rng);
	r.r8 = pick_reg(rng);
	r.rip = rip;
	r.rsp = rsp;
	r.rflags = 0x2 | (fuzz_below(rng, 2) ? 0x200 : 0);	/* IF half the time */
	vcpu_regs_set(vcpu, &r);
}

/* Real mode: 1 MiB at 0, CS base 0, the code at 0x1000. */
static bool guest_real_mode(uint64_t *rng, unsigned int max_ms)
{
	struct vm *vm = vm_create_bare(2 << 20);
	struct vcpu *vcpu = vm_vcpu_add_bare(vm, 0);
	struct hv_sregs s;
	bool ok;

	make_code(addr_gpa2hva(vm, 0x1000), rng, true);
	vcpu_sregs_get(vcpu, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	vcpu_sregs_set(vcpu, &s);
	random_gprs(vcpu, rng, 0x1000, 0x8000);
	ok = run_random(vcpu, rng, max_ms);
	vm_destroy(vm);
	return ok;
}

/* Long mode, CPL 0, the library's page tables, GDT, TSS and IDT; code on a fresh page. */
static bool guest_long_mode(uint64_t *rng, unsigned int max_ms)
{
	struct vm *vm = fuzz_below(rng, 2) ? vm_create(0) : vm_create_lapic(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, NULL);
	uint64_t code = vm_alloc_pages(vm, 1), stack = vm_alloc_pages(vm, 2);
	bool ok;

	make_code(addr_gpa2hva(vm, code), rng, false);
	random_gprs(vcpu, rng, GUEST_DIRECT_MAP + code, GUEST_DIRECT_MAP + stack + 8192);
	ok = run_random(vcpu, rng, max_ms);
	vm_destroy(vm);
	return ok;
}

bool fuzz_guest_code(uint64_t seed, unsigned int max_ms)
{
	uint64_t rng = seed;

	return fuzz_below(&rng, 3) ? guest_long_mode(&rng, max_ms) : guest_real_mode(&rng, max_ms);
}
