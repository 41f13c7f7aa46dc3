// SPDX-License-Identifier: GPL-2.0
/*
 * HV_SET_SREGS consistency rules (see sregs.h).  The rules are those of
 * the architecture, not of one vendor: what either CPU's entry checks
 * would refuse for the control registers, EFER and the code segment's
 * mode bits, as KVM's kvm_is_valid_sregs() and its vendor CR checks refuse
 * them.  Segment descriptor details (TR's type, SS's DPL, ...) are left to
 * the hardware, which checks them on VMX and ignores most of them on SVM;
 * so is a CR3 that fits the guest's announced physical-address width but
 * not the host's: those reach the CPU and come back as HV_EXIT_FAIL_ENTRY.
 */
#include <linux/types.h>

#include "sregs.h"
#include "../../uapi/linux/hv.h"

unsigned int hv_sregs_maxphyaddr(bool has_leaf, u32 eax)
{
	unsigned int bits = eax & 0xff;

	if (!has_leaf || !bits)
		return S_DEFAULT_MAXPHYADDR;
	return bits > S_MAX_MAXPHYADDR ? S_MAX_MAXPHYADDR : bits;
}

enum hv_sregs_rule hv_sregs_check(const struct hv_sregs *s, const struct hv_sregs_limits *lim)
{
	bool long_mode = (s->efer & S_EFER_LME) && (s->cr0 & S_CR0_PG);

	if (s->cr0 & ~S_CR0_DEFINED)
		return HV_SREGS_CR0_RESERVED;
	if ((s->cr0 & S_CR0_PG) && !(s->cr0 & S_CR0_PE))
		return HV_SREGS_CR0_PG_WITHOUT_PE;
	if ((s->cr0 & S_CR0_NW) && !(s->cr0 & S_CR0_CD))
		return HV_SREGS_CR0_NW_WITHOUT_CD;
	if (s->cr4 & ~lim->cr4_valid)
		return HV_SREGS_CR4_RESERVED;
	if (s->efer & ~lim->efer_valid)
		return HV_SREGS_EFER_RESERVED;
	if (s->cr8 > 15)
		return HV_SREGS_CR8_RESERVED;

	if (long_mode) {
		/* IA-32e mode: PAE paging, LMA set, CR3 within MAXPHYADDR, CS not L+D. */
		if (!(s->cr4 & S_CR4_PAE))
			return HV_SREGS_LONG_MODE_WITHOUT_PAE;
		if (!(s->efer & S_EFER_LMA))
			return HV_SREGS_LONG_MODE_WITHOUT_LMA;
		if (s->cr3 >> lim->maxphyaddr)
			return HV_SREGS_CR3_RESERVED;
		if (s->cs.l && s->cs.db)
			return HV_SREGS_CS_L_AND_D;
	} else {
		/* Legacy modes: no LMA, no PCIDs, no 64-bit code segment. */
		if (s->efer & S_EFER_LMA)
			return HV_SREGS_LMA_OUTSIDE_LONG_MODE;
		if (s->cr4 & S_CR4_PCIDE)
			return HV_SREGS_PCIDE_OUTSIDE_LONG_MODE;
		if (s->cs.l)
			return HV_SREGS_CS_L_OUTSIDE_LONG_MODE;
	}
	return HV_SREGS_OK;
}

/*
 * Reserved and not-offered bits; PAE cannot be cleared in IA-32e mode;
 * PCIDE can be set only in IA-32e mode and with PCID 0 in CR3.  Clearing
 * PCIDE is always allowed.
 */
bool hv_cr4_write_ok(u64 old, u64 cr4, u64 cr3, bool lma, u64 cr4_valid)
{
	if (cr4 & ~cr4_valid)
		return false;
	if (lma && !(cr4 & S_CR4_PAE))
		return false;
	if (!(old & S_CR4_PCIDE) && (cr4 & S_CR4_PCIDE) && (!lma || (cr3 & S_CR3_PCID)))
		return false;
	return true;
}
