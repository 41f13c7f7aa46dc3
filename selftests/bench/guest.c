// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench, guest side: one timed loop per operation.  Runs inside the VM
 * (see selftests/hv/lib/processor.h for what guest code may do), the same
 * bytes on both backends.
 *
 * Each iteration is timed by the guest itself: RDTSC between two LFENCEs
 * before and after the operation (LFENCE is dispatch serializing on AMD
 * with DE_CFG[1], which Linux sets, and on Intel: no later instruction
 * starts before it, so the operation cannot overlap either reading).  The
 * cycles go to bench_result.cycles[], which the host reads from the
 * guest's copy of the global after the run.  The no-exit control op times
 * the two readings alone: the floor of the measurement itself.
 *
 * The irqfd operation ends elsewhere: at the first instruction of the
 * interrupt handler its OUT leads to, which reads the TSC itself
 * (bench_irqfd_entry below).
 */
#include <stddef.h>
#include <stdint.h>

#include "processor.h"
#include "apic.h"
#include "bench.h"

struct bench_guest_result bench_result;

/*
 * OP_IRQFD's interrupt handler, in its own IDT gate rather than the
 * selftest library's stubs (which save every register and call through a
 * table before any C runs): the end of the measured interval is the TSC
 * read right after the handler saves the two registers RDTSC clobbers.
 * It records the reading, counts the interrupt in bench_result.irqs,
 * EOIs the xAPIC and returns.  An interrupt gate: IF is clear inside.
 */
uint64_t bench_irqfd_tsc;
uint64_t bench_apic_eoi = BENCH_APIC_GVA + APIC_EOI;
void bench_irqfd_entry(void);
_Static_assert(offsetof(struct bench_guest_result, irqs) == 16, "bench_irqfd_entry's offset");
__asm__(".pushsection .text\n"
	"	.align 16\n"
	"	.globl bench_irqfd_entry\n"
	"	.type bench_irqfd_entry, @function\n"
	"bench_irqfd_entry:\n"
	"	pushq %rax\n"
	"	pushq %rdx\n"
	"	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	movq %rax, bench_irqfd_tsc(%rip)\n"
	"	incq bench_result+16(%rip)\n"
	"	movq bench_apic_eoi(%rip), %rax\n"
	"	movl $0, (%rax)\n"
	"	popq %rdx\n"
	"	popq %rax\n"
	"	iretq\n"
	"	.size bench_irqfd_entry, . - bench_irqfd_entry\n"
	".popsection\n");

/* How long OP_IRQFD waits for its interrupt before the check fails (seconds of TSC). */
#define BENCH_IRQ_WAIT_CYCLES	4000000000ULL

/* Points the IDT's gate for @vector at @entry (a 64-bit interrupt gate, DPL 0). */
static void guest_set_gate(uint8_t vector, void (*entry)(void))
{
	struct desc_ptr idtr;
	uint64_t h = (uint64_t)(uintptr_t)entry;
	volatile uint64_t *gate;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	gate = (volatile uint64_t *)(idtr.base + 16 * vector);
	gate[0] = (h & 0xffff) | ((uint64_t)GUEST_CS << 16) | (0x8eULL << 40) |
		  (((h >> 16) & 0xffff) << 48);
	gate[1] = h >> 32;
}

static inline uint64_t tsc_fenced(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | ((uint64_t)hi << 32);
}

/* Guest: the end of the run, whatever happened; the host then reads bench_result. */
static void __attribute__((noreturn)) guest_report(uint64_t status, uint64_t value)
{
	bench_result.status = status;
	bench_result.check = value;
	for (;;)
		outb(BENCH_DONE_PORT, 0);
}

#define GUEST_CHECK(cond, value)					\
	do {								\
		if (!(cond))						\
			guest_report(2 + __LINE__, (uint64_t)(value));	\
	} while (0)

static void guest_irq_handler(struct ex_regs *regs)
{
	(void)regs;
	bench_result.irqs++;
}

static inline uint64_t hypercall(int amd, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t ret;

	if (amd)
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

/*
 * One iteration of @op; @i counts every iteration of the run (warm-up
 * first), so the first-touch op never touches a page twice.
 */
static inline __attribute__((always_inline)) void bench_step(uint64_t op, uint64_t i, int amd,
							     uint64_t misc)
{
	uint32_t a, b, c, d;
	uint64_t v;

	switch (op) {
	case OP_CONTROL:
		break;
	case OP_CPUID:
	case OP_CPUID_UNTIMED:
		cpuid_count(0, 0, &a, &b, &c, &d);
		GUEST_CHECK(a != 0 && b != 0, a);
		break;
	case OP_HC_KERNEL:
		v = hypercall(amd, BENCH_HC_KERNEL, 0, 0, 0);
		/* KVM's in-kernel answer; a userspace answer would be 0. */
		GUEST_CHECK(v == BENCH_KVM_ENOSYS, v);
		break;
	case OP_HC_USER:
		/* KVM_HC_MAP_GPA_RANGE(gpa, 1 page, attrs 0): the host answers 0. */
		v = hypercall(amd, BENCH_HC_USER, BENCH_FRESH_GPA, 1, 0);
		GUEST_CHECK(v == 0, v);
		break;
	case OP_RDMSR:
		v = rdmsr(MSR_IA32_MISC_ENABLE);
		GUEST_CHECK(v == misc, v);
		break;
	case OP_WRMSR:
		wrmsr(MSR_IA32_MISC_ENABLE, misc);
		break;
	case OP_PIO_OUT:
		outb(BENCH_PIO_PORT, (uint8_t)i);
		break;
	case OP_PIO_IOEVENTFD:
		outb(BENCH_EVENTFD_PORT, (uint8_t)i);
		break;
	case OP_PIO_COALESCED:
		outb(BENCH_COALESCED_PORT, (uint8_t)i);
		break;
	case OP_MMIO_READ:
		v = *(volatile uint32_t *)BENCH_MMIO_GVA;
		GUEST_CHECK(v == BENCH_MMIO_PATTERN, v);
		break;
	case OP_MMIO_WRITE:
		*(volatile uint32_t *)BENCH_MMIO_GVA = (uint32_t)i;
		break;
	case OP_HLT_IRQ:
		/* The handler runs at the HLT (STI's shadow covers the HLT itself). */
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		GUEST_CHECK(bench_result.irqs == i + 1, bench_result.irqs);
		break;
	case OP_IRQFD:
		/*
		 * IF is set: the MSI this OUT sends through the ioeventfd and
		 * the irqfd is pending when the vCPU re-enters, and the handler
		 * runs before the next instruction.  If it were delivered
		 * later (a deferred injection) the guest waits for it, and
		 * the time shows it; a lost one fails the check.
		 */
		outb(BENCH_IRQFD_PORT, (uint8_t)i);
		for (v = rdtsc(); *(volatile uint64_t *)&bench_result.irqs <= i;)
			GUEST_CHECK(rdtsc() - v < BENCH_IRQ_WAIT_CYCLES, bench_result.irqs);
		GUEST_CHECK(bench_result.irqs == i + 1, bench_result.irqs);
		break;
	case OP_FIRST_TOUCH:
		*(volatile uint64_t *)(BENCH_FRESH_GVA + i * 4096) = i;
		break;
	case OP_DIRTY_WRITE:
		/* Mapped and written before the harvest, so write-protected by it. */
		*(volatile uint64_t *)(BENCH_FRESH_GVA + i * 4096) = ~i;
		break;
	}
}

/*
 * OP_DIRTY_HARVEST: BENCH_HARVEST_ROUNDS + 1 rounds of writing the first
 * BENCH_HARVEST_PAGES pages of the fresh slot, each followed by an OUT the
 * host answers with a timed get-and-clear (the first round warms up: its
 * writes are first touches).  Nothing is timed in here.
 */
static void bench_dirty_rounds(void)
{
	uint64_t r, p;

	for (r = 0; r <= BENCH_HARVEST_ROUNDS; r++) {
		for (p = 0; p < BENCH_HARVEST_PAGES; p++)
			*(volatile uint64_t *)(BENCH_FRESH_GVA + p * 4096) = r;
		outb(BENCH_DIRTY_PORT, (uint8_t)r);
	}
	for (p = 0; p < BENCH_HARVEST_PAGES; p++)
		GUEST_CHECK(*(volatile uint64_t *)(BENCH_FRESH_GVA + p * 4096) == r - 1, p);
}

void bench_guest_main(uint64_t op, uint64_t args)
{
	uint64_t iters = (uint32_t)args, warmup = args >> 32, i, t0, t1;
	uint64_t misc = 0;
	uint32_t a, b, c, d;
	int amd;

	GUEST_CHECK(op < OP_NR && iters <= BENCH_MAX_ITERS && warmup <= BENCH_MAX_WARMUP, op);
	cpuid_count(0, 0, &a, &b, &c, &d);
	/* "AuthenticAMD" / "HygonGenuine": VMMCALL; else VMCALL. */
	amd = b == 0x68747541 || b == 0x6f677948;
	if (op == OP_RDMSR || op == OP_WRMSR)
		misc = rdmsr(MSR_IA32_MISC_ENABLE);
	guest_install_handler(BENCH_IRQ_VECTOR, guest_irq_handler);
	if (op == OP_IRQFD) {
		/* Only this op's VM has a local APIC: software-enable it, take interrupts. */
		guest_set_gate(BENCH_IRQFD_VECTOR, bench_irqfd_entry);
		xapic_enable();
		__asm__ volatile("sti" : : : "memory");
	}

	if (op == OP_DIRTY_HARVEST) {
		bench_dirty_rounds();
		guest_report(1, 0);
	}
	if (op == OP_DIRTY_WRITE) {
		/* Every page the op will write, written once and then harvested. */
		for (i = 0; i < warmup + iters; i++)
			*(volatile uint64_t *)(BENCH_FRESH_GVA + i * 4096) = i;
		outb(BENCH_DIRTY_PORT, 0);
	}
	for (i = 0; i < warmup; i++)
		bench_step(op, i, amd, misc);
	for (i = 0; i < iters; i++) {
		t0 = tsc_fenced();
		bench_step(op, warmup + i, amd, misc);
		t1 = tsc_fenced();
		/* irqfd: up to the handler's first instruction (its reading). */
		if (op == OP_IRQFD)
			t1 = bench_irqfd_tsc;
		bench_result.cycles[i] = t1 - t0;
	}
	__asm__ volatile("cli" : : : "memory");
	/* Every OUT gave exactly one interrupt (the host checks it too). */
	GUEST_CHECK(op != OP_IRQFD || bench_result.irqs == warmup + iters, bench_result.irqs);
	if (op == OP_FIRST_TOUCH) {
		/* Every page holds what was written: the touches really landed in the slot. */
		for (i = 0; i < warmup + iters; i++)
			GUEST_CHECK(*(volatile uint64_t *)(BENCH_FRESH_GVA + i * 4096) == i, i);
	}
	if (op == OP_DIRTY_WRITE) {
		for (i = 0; i < warmup + iters; i++)
			GUEST_CHECK(*(volatile uint64_t *)(BENCH_FRESH_GVA + i * 4096) == ~i, i);
		/* The host checks that the second harvest has every page again. */
		outb(BENCH_DIRTY_PORT, 1);
	}
	guest_report(1, 0);
}
