// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's interrupt flow (see lapic.h): messages accepted into IRR
 * (and TMR), LINT0/LINT1, the highest deliverable vector, its acknowledge
 * into ISR, EOI with the level-triggered broadcast, errors (ESR), CR8, and
 * this APIC's view for the destination rules.  Called from any thread that
 * delivers, and from the timer's hardirq callback, under lapic->lock.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "apic_deliver.h"
#include "lapic.h"
#include "lapic_internal.h"

/* Request @vec: IRR, and TMR for level (cleared for edge, SDM 11.8.4). */
void lapic_set_irr(struct hv_lapic *lapic, u8 vec, bool level)
{
	lapic_vec_set(lapic, APIC_IRR, vec);
	if (level)
		lapic_vec_set(lapic, APIC_TMR, vec);
	else
		lapic_vec_clear(lapic, APIC_TMR, vec);
}

/*
 * Record @bits in the error accumulator (SDM 11.5.3) and raise the error
 * LVT's interrupt.  An illegal vector in the error LVT itself only records
 * "receive illegal vector": it does not recurse.
 */
bool lapic_error(struct hv_lapic *lapic, u32 bits)
{
	u32 lvt = lapic_get(lapic, APIC_LVTERR);

	lapic->esr_pending |= bits;
	if (lvt & APIC_LVT_MASKED)
		return false;
	if ((lvt & LAPIC_LVT_VECTOR) < 16) {
		lapic->esr_pending |= APIC_ESR_RECVILL;
		return false;
	}
	lapic_set_irr(lapic, lvt & LAPIC_LVT_VECTOR, false);
	return true;
}

/* Vectors 0-15 are illegal in fixed delivery: "receive illegal vector", dropped. */
bool lapic_deliver_lvt(struct hv_lapic *lapic, u32 lvt)
{
	u8 vec = lvt & LAPIC_LVT_VECTOR;

	if (vec < 16)
		return lapic_error(lapic, APIC_ESR_RECVILL);
	lapic_set_irr(lapic, vec, false);
	return true;
}

/*
 * EOI (SDM 11.8.5): the highest in-service vector is done.  If it was
 * level-triggered (TMR), the EOI is broadcast to the I/O APICs (here: the
 * owner's eoi_broadcast, which the split irqchip turns into a notification
 * to the VMM), and a LINT pin waiting on it (remote IRR) is released.
 */
int lapic_eoi_locked(struct hv_lapic *lapic, struct lapic_effects *fx)
{
	int vec = lapic_highest(lapic, APIC_ISR);
	u32 pin;

	if (vec < 0)
		return -1;
	lapic_vec_clear(lapic, APIC_ISR, vec);
	if (!lapic_vec_test(lapic, APIC_TMR, vec))
		return vec;
	fx->eoi_bcast = vec;
	for (pin = APIC_LVT0; pin <= APIC_LVT1; pin += 0x10) {
		u32 lvt = lapic_get(lapic, pin);

		if ((lvt & APIC_LVT_REMOTE_IRR) && (lvt & LAPIC_LVT_VECTOR) == vec)
			lapic_set(lapic, pin, lvt & ~APIC_LVT_REMOTE_IRR);
	}
	return vec;
}

u8 hv_lapic_get_cr8(struct hv_lapic *lapic)
{
	unsigned long flags;
	u8 cr8;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	cr8 = lapic_get(lapic, APIC_TASKPRI) >> 4;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return cr8;
}

/* MOV to CR8 writes TPR[7:4] and clears TPR[3:0] (SDM 11.8.6.1). */
void hv_lapic_set_cr8(struct hv_lapic *lapic, u8 cr8)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lapic_set(lapic, APIC_TASKPRI, (cr8 & 0xf) << 4);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}

/*
 * Fixed and lowest-priority messages need a hardware- and software-enabled
 * APIC (a software-disabled one drops them, as KVM's does; it still takes
 * NMI, INIT and SIPI, SDM 11.4.7.2); a level de-assert carries nothing to
 * an APIC.  SMI is dropped: hv has no SMM.
 */
static enum hv_lapic_signal accept_locked(struct hv_lapic *lapic, const struct hv_apic_irq *irq)
{
	if (lapic_mode(lapic) == LAPIC_DISABLED)
		return HV_LAPIC_NONE;
	switch (irq->delivery_mode) {
	case HV_APIC_DM_FIXED:
	case HV_APIC_DM_LOWEST:
		if ((irq->level && !irq->assert) || !lapic_sw_enabled(lapic))
			return HV_LAPIC_NONE;
		if (irq->vector < 16)
			return lapic_error(lapic, APIC_ESR_RECVILL) ? HV_LAPIC_IRQ : HV_LAPIC_NONE;
		lapic_set_irr(lapic, irq->vector, irq->level);
		if (hv_apic_is_lowest_priority(irq))
			lapic->arb_count++;
		return HV_LAPIC_IRQ;
	case HV_APIC_DM_NMI:
		return HV_LAPIC_NMI;
	case HV_APIC_DM_INIT:
		return (irq->level && !irq->assert) ? HV_LAPIC_NONE : HV_LAPIC_INIT;
	case HV_APIC_DM_SIPI:
		return HV_LAPIC_SIPI;
	case HV_APIC_DM_EXTINT:
		return HV_LAPIC_EXTINT;
	default:
		return HV_LAPIC_NONE;
	}
}

enum hv_lapic_signal hv_lapic_accept(struct hv_lapic *lapic, const struct hv_apic_irq *irq)
{
	enum hv_lapic_signal sig;
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	sig = accept_locked(lapic, irq);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return sig;
}

/*
 * LINT0/LINT1 (SDM 11.5.1).  With the APIC hardware-disabled the pins are
 * the CPU's INTR and NMI inputs.  Otherwise the LVT entry decides: masked,
 * nothing; fixed, its vector (level-triggered: once, until the EOI clears
 * remote IRR); NMI, INIT or ExtINT for the caller.  Edge sources call this
 * with @level true on each rising edge.
 */
enum hv_lapic_signal hv_lapic_lint(struct hv_lapic *lapic, unsigned int pin, bool level)
{
	u32 off = pin ? APIC_LVT1 : APIC_LVT0;
	enum hv_lapic_signal sig = HV_LAPIC_NONE;
	unsigned long flags;
	u32 lvt;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) == LAPIC_DISABLED) {
		if (level)
			sig = pin ? HV_LAPIC_NMI : HV_LAPIC_EXTINT;
		goto out;
	}
	lvt = lapic_get(lapic, off);
	if ((lvt & APIC_LVT_MASKED) || !level)
		goto out;
	switch ((lvt & LAPIC_LVT_DM) >> 8) {
	case HV_APIC_DM_FIXED:
		if (!(lvt & APIC_LVT_LEVEL_TRIGGER)) {
			sig = lapic_deliver_lvt(lapic, lvt) ? HV_LAPIC_IRQ : HV_LAPIC_NONE;
			break;
		}
		if (lvt & APIC_LVT_REMOTE_IRR)
			break;
		if ((lvt & LAPIC_LVT_VECTOR) < 16) {
			sig = lapic_error(lapic, APIC_ESR_RECVILL) ? HV_LAPIC_IRQ : HV_LAPIC_NONE;
			break;
		}
		lapic_set_irr(lapic, lvt & LAPIC_LVT_VECTOR, true);
		lapic_set(lapic, off, lvt | APIC_LVT_REMOTE_IRR);
		sig = HV_LAPIC_IRQ;
		break;
	case HV_APIC_DM_NMI:
		sig = HV_LAPIC_NMI;
		break;
	case HV_APIC_DM_INIT:
		sig = HV_LAPIC_INIT;
		break;
	case HV_APIC_DM_EXTINT:
		sig = HV_LAPIC_EXTINT;
		break;
	default:
		break;
	}
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return sig;
}

bool hv_lapic_accepts_pic(struct hv_lapic *lapic)
{
	unsigned long flags;
	bool ret;
	u32 lvt;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lvt = lapic_get(lapic, APIC_LVT0);
	ret = lapic_mode(lapic) == LAPIC_DISABLED ||
	      (!(lvt & APIC_LVT_MASKED) && ((lvt & LAPIC_LVT_DM) >> 8) == HV_APIC_DM_EXTINT);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return ret;
}

int hv_lapic_pending(struct hv_lapic *lapic)
{
	unsigned long flags;
	int vec = -1;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) != LAPIC_DISABLED) {
		vec = lapic_highest(lapic, APIC_IRR);
		if (!hv_apic_deliverable(vec, lapic_ppr(lapic)))
			vec = -1;
	}
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return vec;
}

int hv_lapic_highest_irr(struct hv_lapic *lapic)
{
	unsigned long flags;
	int vec;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	vec = lapic_highest(lapic, APIC_IRR);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return vec;
}

/* Interrupt acknowledge (SDM 11.8.4): the vector moves from IRR to ISR. */
int hv_lapic_ack(struct hv_lapic *lapic, u8 vector)
{
	unsigned long flags;
	int ret = 0;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (!lapic_vec_test(lapic, APIC_IRR, vector)) {
		ret = -ENOENT;
	} else {
		lapic_vec_clear(lapic, APIC_IRR, vector);
		lapic_vec_set(lapic, APIC_ISR, vector);
	}
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return ret;
}

int hv_lapic_eoi(struct hv_lapic *lapic)
{
	struct lapic_effects fx = { .eoi_bcast = -1 };
	unsigned long flags;
	int vec;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	vec = lapic_eoi_locked(lapic, &fx);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	lapic_run_effects(lapic, &fx);
	return vec;
}

void hv_lapic_target(struct hv_lapic *lapic, struct hv_apic_target *t)
{
	enum lapic_mode mode;
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	mode = lapic_mode(lapic);
	t->x2apic = mode == LAPIC_X2APIC;
	t->hw_enabled = mode != LAPIC_DISABLED;
	t->sw_enabled = lapic_sw_enabled(lapic);
	t->id = t->x2apic ? lapic->x2apic_id : lapic_get(lapic, APIC_ID) >> 24;
	t->ldr = lapic_get(lapic, APIC_LDR);
	if (!t->x2apic)
		t->ldr >>= 24;
	t->dfr_model = lapic_get(lapic, APIC_DFR) >> 28;
	t->ppr = lapic_ppr(lapic);
	t->arb_count = lapic->arb_count;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}
