/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One local APIC per vCPU: the register model (xAPIC MMIO and x2APIC MSRs),
 * IA32_APIC_BASE mode transitions, interrupt acceptance, dispatch and EOI,
 * LINT0/LINT1, and the timer on an hrtimer (lapic_timer.c).
 *
 * The model decides; its owner acts.  Register accesses return 0 or -EINVAL
 * (inject #GP); acceptance returns what the vCPU must do (take an interrupt,
 * an NMI, INIT, SIPI, or the 8259's vector); everything that needs another
 * vCPU or the VMM goes out through struct hv_lapic_ops, called with no lapic
 * lock held.  Priority and destination rules are apic_deliver.c's.
 */
#ifndef HV_IRQ_LAPIC_H
#define HV_IRQ_LAPIC_H

#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../../uapi/linux/hv.h"
#include "apic_deliver.h"

#define HV_LAPIC_BASE_DEFAULT	0xfee00000ull
#define HV_LAPIC_MMIO_SIZE	0x1000

/*
 * Version register: integrated APIC (0x14, as Intel's since the Pentium 4),
 * six LVT entries (max LVT 5: timer, thermal, perf, LINT0, LINT1, error;
 * no CMCI), and no EOI-broadcast suppression (bit 24 clear): hv-run's I/O
 * APIC has no EOI register, so a guest that suppressed the broadcast would
 * never see a level-triggered line re-asserted.
 */
#define HV_LAPIC_VERSION	(0x14u | (5u << 16))

/* hv_lapic_init() @features: what CPUID offers the guest. */
#define HV_LAPIC_F_X2APIC	BIT(0)	/* CPUID.1:ECX[21] */
#define HV_LAPIC_F_TSC_DEADLINE	BIT(1)	/* CPUID.1:ECX[24] */

/* The timer's input clock: one tick per nanosecond (1 GHz), as KVM's. */
#define HV_LAPIC_BUS_NS		1
/*
 * The shortest periodic period (KVM's min_timer_period_us default): a
 * periodic count of 1 would otherwise be a hardirq storm on the host.
 */
#define HV_LAPIC_MIN_PERIOD_NS	200000ull

/* What an accepted message or a LINT pin asks of the vCPU. */
enum hv_lapic_signal {
	HV_LAPIC_NONE,		/* nothing: masked, dropped, de-asserted, SMI */
	HV_LAPIC_IRQ,		/* a vector entered IRR: kick or wake the vCPU */
	HV_LAPIC_NMI,		/* make an NMI pending */
	HV_LAPIC_INIT,		/* INIT: reset the vCPU, wait for SIPI */
	HV_LAPIC_SIPI,		/* start-up: the message's vector is the page */
	HV_LAPIC_EXTINT,	/* take the vector from the 8259 (INTA cycle) */
};

/*
 * The owner's side.  send_ipi and eoi_broadcast run in the vCPU thread that
 * wrote the register (process context); timer_kick runs in hardirq context
 * (the hrtimer callback); guest_tsc in either, under the lapic lock.  None is
 * called with the lapic lock held but guest_tsc, which must take no lock.
 */
struct hv_lapic_ops {
	/* An ICR write: route @irq to the APICs it names (shorthand self is local). */
	void (*send_ipi)(void *opaque, const struct hv_apic_irq *irq);
	/* EOI of a level-triggered vector: the split irqchip's re-assert point. */
	void (*eoi_broadcast)(void *opaque, u8 vector);
	/* The timer made an interrupt pending: kick the vCPU or wake it from HLT. */
	void (*timer_kick)(void *opaque);
	/* The guest's TSC now (TSC-deadline mode). */
	u64 (*guest_tsc)(void *opaque);
};

/*
 * The whole state is struct hv_lapic_state (uapi: HV_GET_LAPIC/HV_SET_LAPIC,
 * snapshots): regs[] by offset >> 4 in the xAPIC layout; PPR, APR and the
 * current count are filled in on get and ignored on set.
 */

/*
 * Locking legend:
 *   lock   - raw spinlock, taken with interrupts off (the hrtimer callback
 *            takes it in hardirq context): apic_base, regs[], esr_pending,
 *            arb_count and every timer_* field.  The hrtimer is started and
 *            try-cancelled under it, and only synchronously cancelled
 *            (hv_lapic_timer_cancel, hv_lapic_destroy) without it.
 *   set at hv_lapic_init and read-only after: x2apic_id, features,
 *            tsc_khz, ops, opaque.
 */
struct hv_lapic {
	raw_spinlock_t lock;
	u64 apic_base;
	u32 regs[HV_LAPIC_NR_REGS];
	u32 esr_pending;
	u32 arb_count;

	struct hrtimer timer;
	bool timer_armed;		/* an expiry is programmed */
	ktime_t timer_target;		/* absolute CLOCK_MONOTONIC expiry */
	u64 timer_period_ns;		/* a full count at timer_divisor */
	u32 timer_divisor;		/* the divisor the count runs at */
	u64 tsc_deadline;
	u64 timer_fired;		/* expiries seen, masked or not */

	u32 x2apic_id;
	u32 features;
	u32 tsc_khz;
	const struct hv_lapic_ops *ops;
	void *opaque;
};

int hv_lapic_init(struct hv_lapic *lapic, u32 x2apic_id, u32 features, u32 tsc_khz,
		  const struct hv_lapic_ops *ops, void *opaque);
void hv_lapic_destroy(struct hv_lapic *lapic);
/* RESET: xAPIC mode at the default base; the BSP's LINT0 in ExtINT mode. */
void hv_lapic_reset(struct hv_lapic *lapic, bool bsp);
/* INIT: mode, base and ID kept, every other register initialized. */
void hv_lapic_init_signal(struct hv_lapic *lapic);

/* xAPIC page: @offset from the base; -EOPNOTSUPP when the page is not decoded. */
int hv_lapic_mmio_read(struct hv_lapic *lapic, u32 offset, unsigned int len, u64 *val);
int hv_lapic_mmio_write(struct hv_lapic *lapic, u32 offset, unsigned int len, u64 val);

/* x2APIC MSRs 0x800-0x8ff: 0, or -EINVAL for #GP. */
static inline bool hv_lapic_is_x2apic_msr(u32 msr)
{
	return msr >= 0x800 && msr <= 0x8ff;
}

int hv_lapic_msr_read(struct hv_lapic *lapic, u32 msr, u64 *val);
int hv_lapic_msr_write(struct hv_lapic *lapic, u32 msr, u64 val);

/* IA32_APIC_BASE: -EINVAL (#GP) for reserved bits and illegal transitions. */
u64 hv_lapic_get_base(struct hv_lapic *lapic);
int hv_lapic_set_base(struct hv_lapic *lapic, u64 val, bool host);

/* IA32_TSC_DEADLINE (0x6e0): reads 0 and ignores writes outside that mode. */
u64 hv_lapic_tsc_deadline_read(struct hv_lapic *lapic);
void hv_lapic_tsc_deadline_write(struct hv_lapic *lapic, u64 val);

/* CR8 is TPR[7:4] (SVM V_TPR, VMX TPR shadow, MOV CR8). */
u8 hv_lapic_get_cr8(struct hv_lapic *lapic);
void hv_lapic_set_cr8(struct hv_lapic *lapic, u8 cr8);

/* A message the router found this APIC to be a destination of. */
enum hv_lapic_signal hv_lapic_accept(struct hv_lapic *lapic, const struct hv_apic_irq *irq);
/* LINT0 (the 8259's INTR) or LINT1 (NMI) at @level. */
enum hv_lapic_signal hv_lapic_lint(struct hv_lapic *lapic, unsigned int pin, bool level);
/* Does the 8259's output reach this vCPU (LINT0 in ExtINT mode, or APIC off)? */
bool hv_lapic_accepts_pic(struct hv_lapic *lapic);

/* The vector to inject now, or -1. */
int hv_lapic_pending(struct hv_lapic *lapic);
/* The highest requested vector, deliverable or held back by PPR, or -1. */
int hv_lapic_highest_irr(struct hv_lapic *lapic);
/* Injected @vector: IRR -> ISR.  -ENOENT if it was not requested. */
int hv_lapic_ack(struct hv_lapic *lapic, u8 vector);
/* EOI: clears the highest ISR bit; returns its vector, or -1 if none. */
int hv_lapic_eoi(struct hv_lapic *lapic);

/* This APIC as the destination rules see it (for the router). */
void hv_lapic_target(struct hv_lapic *lapic, struct hv_apic_target *t);

void hv_lapic_get_state(struct hv_lapic *lapic, struct hv_lapic_state *s);
int hv_lapic_set_state(struct hv_lapic *lapic, const struct hv_lapic_state *s);

/* lapic_timer.c: stop the timer and wait for a running callback. */
void hv_lapic_timer_cancel(struct hv_lapic *lapic);

/* Timer arithmetic (pure). */
u32 hv_lapic_timer_divisor(u32 dcr);
u64 hv_lapic_timer_count_to_ns(u32 count, u32 divisor);
u32 hv_lapic_timer_ns_to_count(u64 ns, u32 divisor);
u64 hv_lapic_tsc_to_ns(u64 tsc_delta, u32 tsc_khz);

#endif
