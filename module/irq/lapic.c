// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC register model (see lapic.h): one register file, reached
 * through the xAPIC page or the x2APIC MSRs, with the SDM's rules for each
 * register.  Acceptance and EOI are lapic_irq.c's, reset and mode changes
 * lapic_state.c's, the timer lapic_timer.c's.
 *
 * Register accesses run in the vCPU's thread under lapic->lock.  Effects on
 * the world outside this APIC (an IPI to route, an EOI to broadcast) are
 * collected under the lock and handed to the owner's ops after it is
 * dropped, so an ops callback may take other APICs' locks.
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

/* Access rules per register slot (SDM 11.4.1 table 11-1, 11.12.1.2 table 11-6). */
#define XR	BIT(0)		/* xAPIC readable */
#define XW	BIT(1)		/* xAPIC writable */
#define X2R	BIT(2)		/* x2APIC readable (RDMSR) */
#define X2W	BIT(3)		/* x2APIC writable (WRMSR) */

static const u8 reg_access[HV_LAPIC_NR_REGS] = {
	[LAPIC_REG(APIC_ID)]		= XR | XW | X2R,
	[LAPIC_REG(APIC_LVR)]		= XR | X2R,
	[LAPIC_REG(APIC_TASKPRI)]	= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_ARBPRI)]	= XR,
	[LAPIC_REG(APIC_PROCPRI)]	= XR | X2R,
	[LAPIC_REG(APIC_EOI)]		= XR | XW | X2W,	/* xAPIC reads 0 */
	[LAPIC_REG(APIC_RRR)]		= XR,
	[LAPIC_REG(APIC_LDR)]		= XR | XW | X2R,
	[LAPIC_REG(APIC_DFR)]		= XR | XW,
	[LAPIC_REG(APIC_SPIV)]		= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_ISR) ... LAPIC_REG(APIC_IRR) + 7] = XR | X2R,
	[LAPIC_REG(APIC_ESR)]		= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_ICR)]		= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_ICR2)]		= XR | XW,
	[LAPIC_REG(APIC_LVTT) ... LAPIC_REG(APIC_LVTERR)] = XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_TMICT)]		= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_TMCCT)]		= XR | X2R,
	[LAPIC_REG(APIC_TDCR)]		= XR | XW | X2R | X2W,
	[LAPIC_REG(APIC_SELF_IPI)]	= X2W,
};

/*
 * The bits a guest write stores in the register at @off (the rest are
 * reserved or read-only and are dropped).  The timer's TSC-deadline mode
 * bit exists only when CPUID offers it.
 */
u32 lapic_reg_write_bits(const struct hv_lapic *lapic, u32 off)
{
	u32 timer_mode = (lapic->features & HV_LAPIC_F_TSC_DEADLINE) ?
			 LAPIC_LVT_TIMER_MODE : APIC_LVT_TIMER_PERIODIC;

	switch (off) {
	case APIC_ID:
	case APIC_LDR:
	case APIC_ICR2:
		return 0xff000000u;
	case APIC_TASKPRI:
		return 0xffu;
	case APIC_DFR:
		return 0xf0000000u;
	case APIC_SPIV:
		return LAPIC_SVR_BITS;
	case APIC_ICR:
		return LAPIC_ICR_BITS;
	case APIC_LVTT:
		return LAPIC_LVT_COMMON | timer_mode;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		return LAPIC_LVT_COMMON | LAPIC_LVT_DM;
	case APIC_LVT0:
	case APIC_LVT1:
		return LAPIC_LVT_COMMON | LAPIC_LVT_DM | APIC_INPUT_POLARITY |
		       APIC_LVT_LEVEL_TRIGGER;
	case APIC_LVTERR:
		return LAPIC_LVT_COMMON;
	case APIC_TMICT:
		return 0xffffffffu;
	case APIC_TDCR:
		return LAPIC_TDCR_BITS;
	default:
		return 0;
	}
}

/*
 * An ICR write sends at once (delivery status always reads idle).  A fixed
 * or lowest-priority vector below 16 is "send illegal vector" and goes
 * nowhere; an INIT level de-assert is the 82489DX's arbitration-ID sync,
 * gone since the Pentium 4 (SDM 11.6.1), and goes nowhere too.
 */
static void send_icr(struct hv_lapic *lapic, u64 icr, bool x2apic, struct lapic_effects *fx)
{
	struct hv_apic_irq irq;

	hv_apic_decode_icr(icr, x2apic, &irq);
	if ((irq.delivery_mode == HV_APIC_DM_FIXED || irq.delivery_mode == HV_APIC_DM_LOWEST) &&
	    irq.vector < 16) {
		lapic_error(lapic, APIC_ESR_SENDILL);
		return;
	}
	if (irq.delivery_mode == HV_APIC_DM_INIT && irq.level && !irq.assert)
		return;
	fx->ipi = true;
	fx->irq = irq;
}

/* A write to an LVT entry: masked while software-disabled (SDM 11.4.7.2). */
static void lvt_write(struct hv_lapic *lapic, u32 off, u32 val)
{
	u32 old = lapic_get(lapic, off);
	u32 keep = (off == APIC_LVT0 || off == APIC_LVT1) ? APIC_LVT_REMOTE_IRR : 0;

	val &= lapic_reg_write_bits(lapic, off);
	if (!lapic_sw_enabled(lapic))
		val |= APIC_LVT_MASKED;
	if (off == APIC_LVTT)
		lapic_timer_expire_due(lapic, old);
	lapic_set(lapic, off, val | (old & keep));
	if (off == APIC_LVTT)
		lapic_timer_lvtt_written(lapic, old);
}

/* Clearing SVR's enable bit masks every LVT entry (SDM 11.4.7.2). */
static void svr_write(struct hv_lapic *lapic, u32 val)
{
	u32 off;

	lapic_set(lapic, APIC_SPIV, val & LAPIC_SVR_BITS);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	lapic_timer_expire_due(lapic, lapic_get(lapic, APIC_LVTT));
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set(lapic, off, lapic_get(lapic, off) | APIC_LVT_MASKED);
}

/*
 * A write both modes share, @off known to be writable in the current mode;
 * @val's reserved bits are dropped.  ICR is the xAPIC low half here.
 */
static void reg_write(struct hv_lapic *lapic, u32 off, u32 val, struct lapic_effects *fx)
{
	switch (off) {
	case APIC_EOI:
		lapic_eoi_locked(lapic, fx);
		break;
	case APIC_DFR:
		lapic_set(lapic, off, (val & 0xf0000000u) | 0x0fffffffu);
		break;
	case APIC_SPIV:
		svr_write(lapic, val);
		break;
	case APIC_ESR:
		/* write-before-read: latch what accumulated since the last write */
		lapic_set(lapic, off, lapic->esr_pending);
		lapic->esr_pending = 0;
		break;
	case APIC_ICR:
		lapic_set(lapic, off, val & LAPIC_ICR_BITS);
		send_icr(lapic, ((u64)lapic_get(lapic, APIC_ICR2) << 32) | (val & LAPIC_ICR_BITS),
			 false, fx);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		lvt_write(lapic, off, val);
		break;
	case APIC_TMICT:
		if (lapic_timer_mode(lapic) == LAPIC_TIMER_TSCDEADLINE)
			break;		/* ignored in that mode (SDM 11.5.4.1) */
		lapic_set(lapic, off, val);
		lapic_timer_tmict_written(lapic);
		break;
	case APIC_TDCR:
		lapic_set(lapic, off, val & LAPIC_TDCR_BITS);
		lapic_timer_tdcr_written(lapic);
		break;
	default:		/* ID, TPR, LDR, ICR2 */
		lapic_set(lapic, off, val & lapic_reg_write_bits(lapic, off));
		break;
	}
}

/* A read, @off known to be readable in the current mode. */
u32 lapic_reg_read(struct hv_lapic *lapic, u32 off)
{
	switch (off) {
	case APIC_ARBPRI:
		return hv_apic_apr(lapic_get(lapic, APIC_TASKPRI), lapic_highest(lapic, APIC_ISR),
				   lapic_highest(lapic, APIC_IRR));
	case APIC_PROCPRI:
		return lapic_ppr(lapic);
	case APIC_EOI:
		return 0;
	case APIC_TMCCT:
		return lapic_timer_current_count(lapic);
	default:
		return lapic_get(lapic, off);
	}
}

/*
 * xAPIC page (SDM 11.4.1): registers are 32 bits at 16-byte strides.  Reads
 * of 1, 2, 4 or 8 bytes see the register's bytes and zeros beyond them;
 * only aligned 32-bit writes take effect (others are ignored, as KVM does).
 * Unimplemented registers read 0, ignore writes and set "illegal register
 * address" (ESR bit 7), as Pentium 4 and later APICs do.
 */
int hv_lapic_mmio_read(struct hv_lapic *lapic, u32 offset, unsigned int len, u64 *val)
{
	u32 slot = offset & ~0xfu, byte = offset & 0xf;
	unsigned long flags;
	u64 reg = 0;
	int ret = 0;

	if (offset >= HV_LAPIC_MMIO_SIZE || !len || len > 8 || (len & (len - 1)))
		return -EINVAL;
	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) != LAPIC_XAPIC) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (slot >= HV_LAPIC_NR_REGS * 16 || !(reg_access[LAPIC_REG(slot)] & XR))
		lapic_error(lapic, APIC_ESR_ILLREGA);
	else if (byte < 4)
		reg = lapic_reg_read(lapic, slot) >> (8 * byte);
	*val = len == 8 ? reg : reg & (BIT_ULL(8 * len) - 1);
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return ret;
}

int hv_lapic_mmio_write(struct hv_lapic *lapic, u32 offset, unsigned int len, u64 val)
{
	struct lapic_effects fx = { .eoi_bcast = -1 };
	unsigned long flags;
	int ret = 0;

	if (offset >= HV_LAPIC_MMIO_SIZE || !len || len > 8 || (len & (len - 1)))
		return -EINVAL;
	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) != LAPIC_XAPIC) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (offset >= HV_LAPIC_NR_REGS * 16 || !(reg_access[LAPIC_REG(offset)] & XR))
		lapic_error(lapic, APIC_ESR_ILLREGA);
	else if (len == 4 && !(offset & 0xf) && (reg_access[LAPIC_REG(offset)] & XW))
		reg_write(lapic, offset, (u32)val, &fx);
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	lapic_run_effects(lapic, &fx);
	return ret;
}

/*
 * x2APIC MSRs (SDM 11.12.1.2): MSR 0x800 + offset / 16.  #GP (-EINVAL) for
 * MSRs outside x2APIC mode, for registers that do not exist there (APR,
 * RRD, DFR, ICR high), reads of write-only ones (EOI, SELF IPI), writes to
 * read-only ones (ID, version, LDR, PPR, ISR, TMR, IRR, current count),
 * non-zero bits 63:32 outside ICR, and non-zero writes to EOI and ESR.
 * Other reserved bits are dropped, as in xAPIC mode and as KVM does: Linux
 * writes back LVT values it read, RO status bits included.
 */
int hv_lapic_msr_read(struct hv_lapic *lapic, u32 msr, u64 *val)
{
	u32 off = (msr - 0x800) << 4;
	unsigned long flags;
	int ret = 0;

	if (!hv_lapic_is_x2apic_msr(msr))
		return -EINVAL;
	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) != LAPIC_X2APIC || off >= HV_LAPIC_NR_REGS * 16 ||
	    !(reg_access[LAPIC_REG(off)] & X2R)) {
		ret = -EINVAL;
		goto out;
	}
	*val = lapic_reg_read(lapic, off);
	if (off == APIC_ICR)
		*val |= (u64)lapic_get(lapic, APIC_ICR2) << 32;
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	return ret;
}

int hv_lapic_msr_write(struct hv_lapic *lapic, u32 msr, u64 val)
{
	struct lapic_effects fx = { .eoi_bcast = -1 };
	u32 off = (msr - 0x800) << 4;
	unsigned long flags;
	int ret = 0;

	if (!hv_lapic_is_x2apic_msr(msr))
		return -EINVAL;
	raw_spin_lock_irqsave(&lapic->lock, flags);
	if (lapic_mode(lapic) != LAPIC_X2APIC || off >= HV_LAPIC_NR_REGS * 16 ||
	    !(reg_access[LAPIC_REG(off)] & X2W) ||
	    (off != APIC_ICR && (val >> 32)) ||
	    ((off == APIC_EOI || off == APIC_ESR) && val)) {
		ret = -EINVAL;
		goto out;
	}
	switch (off) {
	case APIC_ICR:
		lapic_set(lapic, APIC_ICR, (u32)val & LAPIC_ICR_BITS);
		lapic_set(lapic, APIC_ICR2, val >> 32);
		send_icr(lapic, val & (LAPIC_ICR_BITS | GENMASK_ULL(63, 32)), true, &fx);
		break;
	case APIC_SELF_IPI:
		/* a fixed, edge, self-shorthand IPI of vector bits 7:0 */
		send_icr(lapic, (val & LAPIC_LVT_VECTOR) | APIC_DEST_SELF, true, &fx);
		break;
	default:
		reg_write(lapic, off, (u32)val, &fx);
		break;
	}
out:
	raw_spin_unlock_irqrestore(&lapic->lock, flags);
	lapic_run_effects(lapic, &fx);
	return ret;
}
