// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC priority, acceptance and destination rules (see apic_deliver.h).
 * Every function here is pure, so it can be tested exhaustively and reused
 * unchanged by whatever delivers interrupts: the register model for its own
 * IRR/ISR, and the router for IPIs, MSIs and I/O APIC messages.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "apic_deliver.h"

/*
 * SDM 11.8.3.1: PPR is TPR when TPR's priority class (bits 7:4) is at least
 * that of the highest in-service vector, otherwise that vector's class with
 * bits 3:0 clear.
 */
u8 hv_apic_ppr(u8 tpr, int isrv)
{
	u8 isr_class = isrv < 0 ? 0 : (u8)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

u8 hv_apic_apr(u8 tpr, int isrv, int irrv)
{
	u8 tc = tpr >> 4;
	u8 ic = isrv < 0 ? 0 : (u8)isrv >> 4;
	u8 rc = irrv < 0 ? 0 : (u8)irrv >> 4;
	u8 max = tc;

	if (tc >= rc && tc > ic)
		return tpr;
	if (ic > max)
		max = ic;
	if (rc > max)
		max = rc;
	return max << 4;
}

int hv_apic_highest_vector(const u32 bank[8])
{
	int i;

	for (i = 7; i >= 0; i--)
		if (bank[i])
			return i * 32 + 31 - __builtin_clz(bank[i]);
	return -1;
}

/*
 * SDM 11.8.3: the highest pending vector is dispatched only if its priority
 * class (bits 7:4) is above PPR's class; bits 3:0 do not matter.
 */
bool hv_apic_deliverable(int irrv, u8 ppr)
{
	return irrv >= 0 && ((u8)irrv & 0xf0) > (ppr & 0xf0);
}

/*
 * SDM 11.12.10.2: in x2APIC mode the LDR is read-only: the cluster
 * (x2APIC ID bits 31:4) in bits 31:16, and one bit, 1 << ID[3:0], in 15:0.
 */
u32 hv_apic_x2apic_ldr(u32 x2apic_id)
{
	return ((x2apic_id >> 4) << 16) | (1u << (x2apic_id & 0xf));
}

/*
 * An 8-bit destination (MSI, I/O APIC, xAPIC ICR) that reaches an APIC in
 * x2APIC mode: 0xff still means everybody there, as the platform's
 * interrupt routing would translate it; any other value is the low 8 bits of
 * the 32-bit ID or LDR.  (KVM treats MSI/I/O APIC broadcasts the same way.)
 */
static u32 widen_dest(const struct hv_apic_target *t, u32 dest, bool x2apic_format)
{
	if (x2apic_format)
		return dest;
	dest &= 0xff;
	if (t->x2apic && dest == HV_APIC_BCAST)
		return HV_X2APIC_BCAST;
	return dest;
}

bool hv_apic_match_physical(const struct hv_apic_target *t, u32 dest, bool x2apic_format)
{
	if (!t->hw_enabled)
		return false;
	dest = widen_dest(t, dest, x2apic_format);
	if (t->x2apic)
		return dest == HV_X2APIC_BCAST || dest == t->id;
	/* an xAPIC compares 8 bits (SDM 11.6.2.1) */
	dest &= 0xff;
	return dest == HV_APIC_BCAST || dest == (t->id & 0xff);
}

/*
 * Logical destinations (SDM 11.6.2.2 and 11.12.10.2):
 *   xAPIC flat:     any bit of the 8-bit MDA set in the 8-bit logical ID;
 *   xAPIC cluster:  MDA[7:4] names the cluster (0xf: all clusters, used only
 *                   by broadcast), MDA[3:0] a mask of its four members;
 *   x2APIC cluster: MDA[31:16] names the cluster, MDA[15:0] a mask of its
 *                   sixteen members.
 * An all-ones MDA is a broadcast in every model.
 */
bool hv_apic_match_logical(const struct hv_apic_target *t, u32 mda, bool x2apic_format)
{
	u8 ldr8;

	if (!t->hw_enabled)
		return false;
	mda = widen_dest(t, mda, x2apic_format);
	if (t->x2apic) {
		if (mda == HV_X2APIC_BCAST)
			return true;
		return (mda >> 16) == (t->ldr >> 16) && (mda & t->ldr & 0xffff);
	}
	mda &= 0xff;
	ldr8 = t->ldr & 0xff;
	if (mda == HV_APIC_BCAST)
		return true;
	if (t->dfr_model == HV_APIC_DFR_FLAT)
		return (mda & ldr8) != 0;
	if (t->dfr_model == HV_APIC_DFR_CLUSTER)
		return (mda >> 4) == (ldr8 >> 4) && (mda & ldr8 & 0xf);
	/* any other DFR model is reserved: such an APIC takes no logical IPI */
	return false;
}

/*
 * Shorthands (SDM 11.6.1) take no destination field: "self" reaches only
 * the sender, "all including self" every APIC, "all excluding self" every
 * APIC but the sender's.  A hardware-disabled APIC receives nothing.
 */
bool hv_apic_match(const struct hv_apic_target *t, const struct hv_apic_irq *irq,
		   bool is_source)
{
	if (!t->hw_enabled)
		return false;
	switch (irq->shorthand) {
	case HV_APIC_SH_SELF:
		return is_source;
	case HV_APIC_SH_ALL:
		return true;
	case HV_APIC_SH_OTHERS:
		return !is_source;
	default:
		break;
	}
	if (irq->logical)
		return hv_apic_match_logical(t, irq->dest, irq->x2apic_format);
	return hv_apic_match_physical(t, irq->dest, irq->x2apic_format);
}

/*
 * Lowest priority is the delivery mode, or an MSI's redirection hint (SDM
 * 11.11.1: with RH set the message goes to one processor of the matched set,
 * by the lowest-priority rule); only fixed-vector messages arbitrate.
 */
bool hv_apic_is_lowest_priority(const struct hv_apic_irq *irq)
{
	if (irq->delivery_mode == HV_APIC_DM_LOWEST)
		return true;
	return irq->redir_hint && irq->delivery_mode == HV_APIC_DM_FIXED;
}

/*
 * The SDM leaves lowest-priority arbitration to the chipset (11.6.2.4; the
 * APR-based scheme of the P6 bus is gone), and KVM picks either the vector
 * modulo the number of destinations ("vector hashing") or the vCPU that won
 * the fewest lowest-priority interrupts so far (apic_arb_prio), ignoring
 * TPR.  hv's rule, deterministic and still priority-aware:
 *   1. only software-enabled APICs take part;
 *   2. the lowest priority class (PPR[7:4], so a raised TPR or a busy
 *      in-service handler steers interrupts away, the purpose of the mode);
 *   3. among equals, the fewest lowest-priority interrupts won so far
 *      (arb_count: a rotation, as KVM's counter);
 *   4. among equals again, the lowest index (the caller lists in vCPU order).
 * The winner's owner increments its arb_count when it accepts.
 */
int hv_apic_lowest_priority(const struct hv_apic_target *t, unsigned int n)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct hv_apic_target *b;

		if (!t[i].hw_enabled || !t[i].sw_enabled)
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		b = &t[best];
		if ((t[i].ppr >> 4) < (b->ppr >> 4) ||
		    ((t[i].ppr >> 4) == (b->ppr >> 4) && t[i].arb_count < b->arb_count))
			best = i;
	}
	return best;
}

/*
 * ICR (SDM 11.6.1, 11.12.9): vector 7:0, delivery mode 10:8, destination
 * mode 11, level 14, trigger 15, shorthand 19:18; the destination is bits
 * 63:56 in xAPIC mode (ICR high bits 31:24) and 63:32 in x2APIC mode.
 * An edge-triggered message is always an assertion.
 */
void hv_apic_decode_icr(u64 icr, bool x2apic, struct hv_apic_irq *irq)
{
	u32 lo = (u32)icr;

	irq->vector = lo & 0xff;
	irq->delivery_mode = (lo >> 8) & 7;
	irq->logical = lo & (1u << 11);
	irq->level = lo & (1u << 15);
	irq->assert = irq->level ? !!(lo & (1u << 14)) : true;
	irq->shorthand = (lo >> 18) & 3;
	irq->redir_hint = false;
	irq->x2apic_format = x2apic;
	irq->dest = x2apic ? (u32)(icr >> 32) : (u32)(icr >> 56);
}

/*
 * MSI (SDM 11.11): address 0xfeeXXXXX with the destination ID in bits
 * 19:12, RH in bit 3 and DM in bit 2; data with the vector in 7:0, the
 * delivery mode in 10:8, level in 14 (meaningful only for level trigger)
 * and trigger in 15.  The upper address half must be zero: hv offers no
 * interrupt remapping and no extended destination IDs.  Delivery modes 3 and
 * 6 are reserved for MSIs.  DM is honoured whatever RH says (as KVM does;
 * the SDM's "DM is ignored when RH is 0" describes chipsets that route
 * physically in that case, which no guest relies on).
 */
int hv_apic_decode_msi(u64 addr, u32 data, struct hv_apic_irq *irq)
{
	u8 dm = (data >> 8) & 7;

	if ((addr >> 32) || ((u32)addr & HV_MSI_ADDR_BASE_MASK) != HV_MSI_ADDR_BASE)
		return -EINVAL;
	if (dm == HV_APIC_DM_REMRD || dm == HV_APIC_DM_SIPI)
		return -EINVAL;
	irq->dest = ((u32)addr >> 12) & 0xff;
	irq->redir_hint = addr & (1u << 3);
	irq->logical = addr & (1u << 2);
	irq->vector = data & 0xff;
	irq->delivery_mode = dm;
	irq->level = data & (1u << 15);
	irq->assert = irq->level ? !!(data & (1u << 14)) : true;
	irq->shorthand = HV_APIC_SH_NONE;
	irq->x2apic_format = false;
	return 0;
}
