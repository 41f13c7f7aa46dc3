// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's life cycle (see lapic.h): init and destroy, RESET and
 * INIT, IA32_APIC_BASE with its mode transitions, and the whole state for
 * the VMM (get/set, for HV_GET_LAPIC/HV_SET_LAPIC and snapshots).
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

/* Power-up values (SDM 11.4.7.1), the ID register given. */
void lapic_power_up(struct hv_lapic *lapic, u32 id)
{
	u32 off;

	lapic_timer_stop(lapic);
	memset(lapic->regs, 0, sizeof(lapic->regs));
	lapic_set(lapic, APIC_ID, id);
	lapic_set(lapic, APIC_LVR, HV_LAPIC_VERSION);
	lapic_set(lapic, APIC_DFR, 0xffffffffu);
	lapic_set(lapic, APIC_SPIV, 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set(lapic, off, APIC_LVT_MASKED);
	lapic->esr_pending = 0;
	lapic->tsc_deadline = 0;
	lapic->timer_divisor = hv_lapic_timer_divisor(0);
}

static u32 xapic_initial_id(const struct hv_lapic *lapic)
{
	return (lapic->x2apic_id & 0xff) << 24;
}

/* Entering x2APIC mode: the 32-bit ID and the derived LDR (SDM 11.12.5.1). */
static void enter_x2apic(struct hv_lapic *lapic)
{
	lapic_set(lapic, APIC_ID, lapic->x2apic_id);
	lapic_set(lapic, APIC_LDR, hv_apic_x2apic_ldr(lapic->x2apic_id));
	lapic_set(lapic, APIC_ICR2, 0);
}

void hv_lapic_reset(struct hv_lapic *lapic, bool bsp)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lapic_power_up(lapic, xapic_initial_id(lapic));
	lapic->apic_base = HV_LAPIC_BASE_DEFAULT | LAPIC_BASE_EN;
	if (bsp)
		lapic->apic_base |= MSR_IA32_APICBASE_BSP;
	/*
	 * Firmware leaves the BSP in virtual-wire mode (MP spec 3.6.2.2): LINT0
	 * in ExtINT mode, so the 8259 still reaches a kernel booted directly,
	 * which keeps that setting if it finds it (KVM does the same).
	 */
	if (bsp)
		lapic_set(lapic, APIC_LVT0, APIC_DM_EXTINT);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}

/* INIT (SDM 11.12.5.1): the mode and the ID survive, the rest is reset. */
void hv_lapic_init_signal(struct hv_lapic *lapic)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lapic_power_up(lapic, lapic_get(lapic, APIC_ID));
	if (lapic_mode(lapic) == LAPIC_X2APIC)
		enter_x2apic(lapic);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}

int hv_lapic_init(struct hv_lapic *lapic, u32 x2apic_id, u32 features, u32 tsc_khz,
		  const struct hv_lapic_ops *ops, void *opaque)
{
	if ((features & HV_LAPIC_F_TSC_DEADLINE) && !tsc_khz)
		return -EINVAL;
	memset(lapic, 0, sizeof(*lapic));
	raw_spin_lock_init(&lapic->lock);
	lapic->x2apic_id = x2apic_id;
	lapic->features = features;
	lapic->tsc_khz = tsc_khz;
	lapic->ops = ops;
	lapic->opaque = opaque;
	lapic_timer_setup(lapic);
	hv_lapic_reset(lapic, false);
	return 0;
}

void hv_lapic_destroy(struct hv_lapic *lapic)
{
	hv_lapic_timer_cancel(lapic);
}

u64 hv_lapic_get_base(struct hv_lapic *lapic)
{
	unsigned long flags;
	u64 base;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	base = lapic->apic_base;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return base;
}

static u64 lapic_base_valid_bits(const struct hv_lapic *lapic)
{
	return LAPIC_BASE_ADDR | LAPIC_BASE_EN | MSR_IA32_APICBASE_BSP |
	       ((lapic->features & HV_LAPIC_F_X2APIC) ? LAPIC_BASE_EXTD : 0);
}

/*
 * IA32_APIC_BASE (SDM 11.12.5, figure 11-27): EN=0 with EXTD=1 is invalid;
 * the guest may not go from x2APIC to xAPIC or from disabled to x2APIC
 * (#GP); the VMM (@host, restoring state) may.  Disabling resets every
 * register but the ID's source (the x2APIC ID); xAPIC -> x2APIC keeps the
 * registers and sets the 32-bit ID and the derived LDR.
 */
int hv_lapic_set_base(struct hv_lapic *lapic, u64 val, bool host)
{
	enum lapic_mode old, new = lapic_base_mode(val);
	unsigned long flags;
	int ret = 0;

	if ((val & ~lapic_base_valid_bits(lapic)) || new == LAPIC_INVALID)
		return -EINVAL;
	raw_spin_lock_irqsave(&lapic->lock, flags);
	old = lapic_mode(lapic);
	if (!host && ((old == LAPIC_X2APIC && new == LAPIC_XAPIC) ||
		      (old == LAPIC_DISABLED && new == LAPIC_X2APIC))) {
		ret = -EINVAL;
		goto out;
	}
	if (new != old) {
		if (new == LAPIC_DISABLED || old == LAPIC_X2APIC)
			lapic_power_up(lapic, xapic_initial_id(lapic));
		if (new == LAPIC_X2APIC)
			enter_x2apic(lapic);
	}
	lapic->apic_base = val;
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return ret;
}

void hv_lapic_get_state(struct hv_lapic *lapic, struct hv_lapic_state *s)
{
	unsigned long flags;

	memset(s, 0, sizeof(*s));
	raw_spin_lock_irqsave(&lapic->lock, flags);
	s->apic_base = lapic->apic_base;
	memcpy(s->regs, lapic->regs, sizeof(s->regs));
	s->regs[LAPIC_REG(APIC_PROCPRI)] = lapic_ppr(lapic);
	s->regs[LAPIC_REG(APIC_ARBPRI)] = lapic_reg_read(lapic, APIC_ARBPRI);
	s->regs[LAPIC_REG(APIC_TMCCT)] = lapic_timer_current_count(lapic);
	s->tsc_deadline = lapic->tsc_deadline;
	s->timer_remaining_ns = lapic_timer_remaining_ns(lapic);
	s->x2apic_id = lapic->x2apic_id;
	s->esr_pending = lapic->esr_pending;
	s->arb_count = lapic->arb_count;
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
}

/*
 * Could a guest have put @val into the register at @off in @mode?  Derived
 * registers (PPR, APR, current count) are not checked: set recomputes them.
 */
static bool state_reg_valid(const struct hv_lapic *lapic, enum lapic_mode mode, u32 off, u32 val)
{
	u32 ro = 0;

	/* ISR, TMR, IRR: vectors 0-15 never get there */
	if (off >= APIC_ISR && off < APIC_IRR + 0x80)
		return (off & 0x70) || !(val & 0xffffu);
	switch (off) {
	case APIC_PROCPRI:
	case APIC_ARBPRI:
	case APIC_TMCCT:
		return true;
	case APIC_ID:
		return mode == LAPIC_X2APIC ? val == lapic->x2apic_id : !(val & 0x00ffffffu);
	case APIC_LDR:
		return mode == LAPIC_X2APIC ? val == hv_apic_x2apic_ldr(lapic->x2apic_id) :
					     !(val & 0x00ffffffu);
	case APIC_ICR2:
		return mode == LAPIC_X2APIC || !(val & 0x00ffffffu);
	case APIC_LVR:
		return val == HV_LAPIC_VERSION;
	case APIC_DFR:
		return (val & 0x0fffffffu) == 0x0fffffffu;
	case APIC_ESR:
		return !(val & ~LAPIC_ESR_BITS);
	case APIC_LVTT:
		if (((val & LAPIC_LVT_TIMER_MODE) >> 17) == 3)
			return false;
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		ro = APIC_LVT_REMOTE_IRR;
		break;
	default:
		break;
	}
	return !(val & ~(lapic_reg_write_bits(lapic, off) | ro));
}

/*
 * Replace the whole state (the VMM restoring a snapshot).  Everything is
 * checked before anything changes: -EINVAL and the APIC untouched.
 */
int hv_lapic_set_state(struct hv_lapic *lapic, const struct hv_lapic_state *s)
{
	enum lapic_mode mode = lapic_base_mode(s->apic_base);
	unsigned long flags;
	unsigned int i;

	if (s->flags || s->x2apic_id != lapic->x2apic_id || (s->esr_pending & ~LAPIC_ESR_BITS) ||
	    (s->apic_base & ~lapic_base_valid_bits(lapic)) || mode == LAPIC_INVALID)
		return -EINVAL;
	for (i = 0; i < HV_LAPIC_NR_REGS; i++)
		if (!state_reg_valid(lapic, mode, i << 4, s->regs[i]))
			return -EINVAL;
	if (s->tsc_deadline &&
	    ((s->regs[LAPIC_REG(APIC_LVTT)] & LAPIC_LVT_TIMER_MODE) >> 17) !=
	    LAPIC_TIMER_TSCDEADLINE)
		return -EINVAL;

	raw_spin_lock_irqsave(&lapic->lock, flags);
	lapic_timer_stop(lapic);
	lapic->apic_base = s->apic_base;
	memcpy(lapic->regs, s->regs, sizeof(lapic->regs));
	lapic_set(lapic, APIC_PROCPRI, 0);
	lapic_set(lapic, APIC_ARBPRI, 0);
	lapic_set(lapic, APIC_TMCCT, 0);
	lapic->esr_pending = s->esr_pending;
	lapic->arb_count = s->arb_count;
	lapic->tsc_deadline = s->tsc_deadline;
	lapic_timer_restore(lapic, s->timer_remaining_ns);
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return 0;
}
