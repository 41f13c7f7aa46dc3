// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR policy for state the core keeps for every vendor.  MSRs held in
 * the VMCB/VMCS (EFER, PAT, TSC, segment bases, SYSCALL/SYSENTER) are the
 * vendor's; anything neither knows raises #GP in the guest, and HV_GET_MSRS
 * / HV_SET_MSRS stop at it.
 */
#include <linux/errno.h>
#include <asm/msr-index.h>

#include "../hv_arch.h"
#include "../hv_emulate.h"
#include "../hv_lapic.h"
#include "../hv_main.h"
#include "../hv_vcpu.h"

/* APIC base: address bits 47:12, enable (11) and BSP (8); no x2APIC. */
#define HV_APIC_BASE_VALID	(GENMASK_ULL(47, 12) | MSR_IA32_APICBASE_ENABLE | \
				 MSR_IA32_APICBASE_BSP)

/* PAT: eight memory types, none of them the reserved 2, 3 or above 7. */
bool hv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

/* 48-bit canonical: bits 63:47 all equal (MSRs holding linear addresses). */
bool hv_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

/*
 * A write of @data to EFER whose current value is @cur, with CR0 @cr0:
 * -EINVAL (#GP for a guest) for bits hv does not support, or for toggling
 * LME while paging is on.  LMA is the CPU's to set, so every write keeps
 * it, HV_SET_MSRS's too (as KVM): the long-mode state changes only through
 * HV_SET_SREGS, whose checks (x86/sregs.c) it would otherwise get around.
 */
int hv_efer_write(u64 *data, u64 cur, u64 cr0)
{
	if (*data & ~HV_EFER_VALID)
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && ((*data ^ cur) & EFER_LME))
		return -EINVAL;
	*data = (*data & ~EFER_LMA) | (cur & EFER_LMA);
	return 0;
}

int hv_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	int r = hv_vcpu_lapic_msr_get(vcpu, index, data);

	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_MTRRcap:		/* no MTRRs: CPUID hides them too */
	case MSR_IA32_UCODE_REV:
	/*
	 * Northbridge config: Linux reads and writes it unchecked on every AMD
	 * CPU it brings online (amd_bus_cpu_online).  Nothing is behind it.
	 */
	case MSR_AMD64_NB_CFG:
		*data = 0;
		return 0;
	default:
		return hv_ops->get_msr(vcpu, index, data);
	}
}

int hv_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int r = hv_vcpu_lapic_msr_set(vcpu, index, data, host);

	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_APICBASE:
		if (data & ~HV_APIC_BASE_VALID)
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		return 0;
	case MSR_IA32_UCODE_REV:	/* written 0 before CPUID 1 by microcode probes */
	case MSR_AMD64_NB_CFG:		/* see hv_msr_get(): writes are dropped */
		return 0;
	default:
		return hv_ops->set_msr(vcpu, index, data, host);
	}
}
