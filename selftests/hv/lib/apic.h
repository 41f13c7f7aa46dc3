/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC definitions and guest-side helpers for tests of hv's in-kernel
 * local APIC (HV_CAP_LAPIC).  The register accessors are inline here; the
 * interrupt log, delays and waits are in lib/processor.c; the host-side
 * helpers (vm_create_lapic(), vcpu_get_lapic(), vcpu_thread...) in
 * hv_util.h.
 *
 * xAPIC accesses go through the page at APIC_DEFAULT_GPA, which
 * vm_create_lapic() maps at the same guest virtual address; they are plain
 * 32-bit MOVs (inline assembly, so that the compiler never turns a
 * read-modify-write into an instruction with a memory destination).
 * x2APIC accesses are RDMSR/WRMSR of 0x800 + offset / 16.
 */
#ifndef HV_SELFTEST_APIC_H
#define HV_SELFTEST_APIC_H

#include <stdint.h>

#include "processor.h"

#define APIC_DEFAULT_GPA	0xfee00000ULL

/* IA32_APIC_BASE */
#define MSR_IA32_APICBASE	0x0000001b
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)
#define MSR_IA32_TSC_DEADLINE	0x000006e0
#define MSR_X2APIC_BASE		0x00000800

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID			0x020
#define APIC_LVR		0x030
#define APIC_TASKPRI		0x080
#define APIC_ARBPRI		0x090
#define APIC_PROCPRI		0x0a0
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SPIV		0x0f0
#define APIC_ISR		0x100
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_LVTTHMR		0x330
#define APIC_LVTPC		0x340
#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_LVTERR		0x370
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

#define APIC_SPIV_ENABLE	(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TIMER_ONESHOT	(0u << 17)
#define APIC_LVT_TIMER_PERIODIC	(1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
#define APIC_LVT_LEVEL		(1u << 15)
#define APIC_LVT_REMOTE_IRR	(1u << 14)

/* Delivery modes (ICR, LVT, MSI data bits 10:8) */
#define APIC_DM_FIXED		(0u << 8)
#define APIC_DM_LOWEST		(1u << 8)
#define APIC_DM_SMI		(2u << 8)
#define APIC_DM_NMI		(4u << 8)
#define APIC_DM_INIT		(5u << 8)
#define APIC_DM_SIPI		(6u << 8)
#define APIC_DM_EXTINT		(7u << 8)

/* ICR low bits */
#define APIC_ICR_LOGICAL	(1u << 11)
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_ICR_LEVEL		(1u << 15)
#define APIC_SH_SELF		(1u << 18)
#define APIC_SH_ALL		(2u << 18)
#define APIC_SH_OTHERS		(3u << 18)

/* TDCR values and their divisors (SDM figure 11-10) */
#define APIC_TDCR_DIV1		0xb
#define APIC_TDCR_DIV2		0x0
#define APIC_TDCR_DIV16		0x3
#define APIC_TDCR_DIV128	0xa

/* ESR bits */
#define APIC_ESR_SENDILL	(1u << 5)
#define APIC_ESR_RECVILL	(1u << 6)
#define APIC_ESR_ILLREGA	(1u << 7)

/* The version hv's APIC reports: integrated (0x14), max LVT 5 (six entries). */
#define APIC_VERSION_HV		0x00050014u

/* CPUID.1 feature bits the local APIC brings */
#define CPUID_1_EDX_APIC	(1u << 9)
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* MSI address and data (SDM 11.11) */
#define MSI_ADDR(dest)		(0xfee00000ULL | ((uint64_t)(dest) << 12))
#define MSI_ADDR_LOGICAL	(1ULL << 2)
#define MSI_ADDR_RH		(1ULL << 3)
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_LEVEL		(1u << 15)

#define NMI_VECTOR		2

/* ---- guest side ------------------------------------------------------------ */

static inline uint32_t xapic_read(uint32_t off)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v)
			 : "r"((uintptr_t)(APIC_DEFAULT_GPA + off)) : "memory");
	return v;
}

static inline void xapic_write(uint32_t off, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"((uintptr_t)(APIC_DEFAULT_GPA + off))
			 : "memory");
}

static inline uint64_t x2apic_read(uint32_t off)
{
	return rdmsr(MSR_X2APIC_BASE + (off >> 4));
}

static inline void x2apic_write(uint32_t off, uint64_t v)
{
	wrmsr(MSR_X2APIC_BASE + (off >> 4), v);
}

/* xAPIC: software-enable with spurious vector 0xff. */
static inline void xapic_enable(void)
{
	xapic_write(APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

static inline void xapic_eoi(void)
{
	xapic_write(APIC_EOI, 0);
}

/* xAPIC IPI: destination into ICR high, then ICR low sends. */
static inline void xapic_send_ipi(uint8_t dest, uint32_t icr_low)
{
	xapic_write(APIC_ICR2, (uint32_t)dest << 24);
	xapic_write(APIC_ICR, icr_low);
}

static inline uint32_t xapic_id(void)
{
	return xapic_read(APIC_ID) >> 24;
}

/* Bit @vec of the 256-bit register bank at @bank (ISR, TMR, IRR), xAPIC. */
static inline int xapic_vec_test(uint32_t bank, uint8_t vec)
{
	return (xapic_read(bank + (vec / 32) * 0x10) >> (vec % 32)) & 1;
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/*
 * Guest-side helpers shared by the APIC tests (lib/processor.c).  Timing
 * uses the guest TSC at guest_tsc_khz, which vm_enable_lapic() sets in the
 * VM's copy from host_tsc_khz().
 */
#define GUEST_IRQ_LOG_MAX	32

extern uint64_t guest_tsc_khz;
/* Interrupts logged by guest_log_irq(): vectors in order, count, TSC of the last. */
extern volatile uint32_t guest_irq_log[GUEST_IRQ_LOG_MAX];
extern volatile uint32_t guest_irq_n;
extern volatile uint64_t guest_irq_tsc;

void guest_log_irq(uint32_t vector);
/* An IDT handler: guest_log_irq(vector), then an xAPIC EOI. */
void guest_irq_log_eoi(struct ex_regs *regs);
/* Spins (with PAUSE) for @ms milliseconds of TSC. */
void guest_delay_ms(uint64_t ms);
/* Waits (with PAUSE) up to @ms for *@counter >= @n; true if it got there. */
int guest_wait_count(volatile uint32_t *counter, uint32_t n, uint64_t ms);
/*
 * "Promptly": *@counter >= @n within a short loop that makes no exit of its
 * own (no PAUSE, no I/O), so that an interrupt which only gets in at the
 * next unrelated exit (a host timer tick) counts as late.
 */
int guest_prompt_count(volatile uint32_t *counter, uint32_t n);
uint64_t guest_tsc_to_us(uint64_t tsc);

#endif /* HV_SELFTEST_APIC_H */
