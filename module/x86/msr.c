// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR policy for state the core keeps for every vendor.  MSRs held in
 * the VMCB/VMCS (EFER, PAT, TSC, segment bases, SYSCALL/SYSENTER) are the
 * vendor's; anything neither knows raises #GP in the guest, and HV_GET_MSRS
 * / HV_SET_MSRS stop at it.  docs/architecture.md ("MSRs") has the table.
 *
 * Beyond the state: MSRs that exist on every CPU of the vendor, which
 * guests touch at start-up whatever CPUID says, get the answer of a CPU
 * with the features hv offers, not a #GP that a guest without a fix-up
 * for it (test kernels, firmware, other systems) dies of.  Like KVM, the
 * answer does not depend on the vendor string the VMM put in CPUID.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "../hv_arch.h"
#include "../hv_emulate.h"
#include "../hv_lapic.h"
#include "../hv_main.h"
#include "../hv_vcpu.h"
#include "xsave.h"

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
 * -EINVAL (#GP for a guest) for bits outside @valid (the vCPU's efer_valid:
 * what hv supports and the guest's CPUID offers), or for toggling LME
 * while paging is on.  LMA is the CPU's to set, so every write keeps
 * it, HV_SET_MSRS's too (as KVM): the long-mode state changes only through
 * HV_SET_SREGS, whose checks (x86/sregs.c) it would otherwise get around.
 */
int hv_efer_write(u64 *data, u64 cur, u64 cr0, u64 valid)
{
	if (*data & ~valid)
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && ((*data ^ cur) & EFER_LME))
		return -EINVAL;
	*data = (*data & ~EFER_LMA) | (cur & EFER_LMA);
	return 0;
}

/*
 * The legacy performance counters: four on every AMD64 CPU since the K7,
 * two on every P6-family Intel CPU.  hv offers no PMU (CPUID hides leaf
 * 0xa and PerfCtrExtCore), so they read 0 and writes are dropped: the
 * counters of a CPU whose counters never count.  Guests clear them at
 * start-up without checking for a PMU first.
 */
static bool hv_msr_is_legacy_pmu(u32 index)
{
	return (index >= MSR_K7_EVNTSEL0 && index < MSR_K7_EVNTSEL0 + 4) ||
	       (index >= MSR_K7_PERFCTR0 && index < MSR_K7_PERFCTR0 + 4) ||
	       index == MSR_P6_PERFCTR0 || index == MSR_P6_PERFCTR0 + 1 ||
	       index == MSR_P6_EVNTSEL0 || index == MSR_P6_EVNTSEL0 + 1;
}

/*
 * AMD HWCR: TscFreqSel (bit 24) is read-only 1 on every family since 10h:
 * the TSC counts at the P0 frequency, which is what the invariant TSC hv
 * offers means (Linux warns "TSC doesn't count with P0 frequency" without
 * it).  Writes may set the legacy cache/flush-filter/IGNNE bits, which
 * change nothing here and are dropped, as on KVM; any other bit is #GP.
 */
#define HV_HWCR_READ		BIT_ULL(24)
#define HV_HWCR_WRITE_IGNORED	(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8) | BIT_ULL(24))

/* CPUID.7.0:EBX.TSC_ADJUST in the vCPU's table: the guest may use the MSR. */
static bool hv_guest_has_tsc_adjust(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry *e = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 0x7, 0);

	return e && (e->ebx & BIT(1));
}

/*
 * IA32_TSC_ADJUST (SDM 18.17.3): a guest's write to it moves the TSC by
 * the difference, and a guest's write to the TSC adds the TSC's change to
 * it, so that it always says how far software moved this vCPU's TSC.
 * The VMM's writes (state restore) set either without touching the other,
 * as on KVM.  The vendor keeps the TSC itself (an offset).
 */
static int hv_tsc_write(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 tsc;
	int r;

	if (host) {
		if (index == MSR_IA32_TSC)
			return hv_ops->set_msr(vcpu, MSR_IA32_TSC, data, true);
		vcpu->tsc_adjust = data;
		return 0;
	}
	r = hv_ops->get_msr(vcpu, MSR_IA32_TSC, &tsc);
	if (r)
		return r;
	if (index == MSR_IA32_TSC_ADJUST) {
		r = hv_ops->set_msr(vcpu, MSR_IA32_TSC, tsc + (data - vcpu->tsc_adjust), false);
		if (!r)
			vcpu->tsc_adjust = data;
		return r;
	}
	r = hv_ops->set_msr(vcpu, MSR_IA32_TSC, data, false);
	if (!r)
		vcpu->tsc_adjust += data - tsc;
	return r;
}

/*
 * IA32_TSC_AUX is the one MSR whose hardware register the guest reads
 * directly: RDTSCP and RDPID return it, neither vendor switches it, and
 * SVM cannot even intercept RDPID.  So the guest's value is loaded around
 * entry and the host's put back before this thread returns to userspace
 * or another task runs here, where the vDSO's getcpu() reads the CPU
 * number from it.  In between, host kernel code may run with the guest's
 * value: the kernel does not rely on it (its paranoid entry stopped
 * reading the CPU number with RDPID because KVM does the same).  Per CPU,
 * only touched by its own CPU with preemption off.
 */
struct hv_tsc_aux_cpu {
	bool loaded;		/* a guest's value may be in the MSR */
	u32 host;		/* the MSR's value before: restored at put */
	u32 cur;		/* what the MSR holds while loaded */
};

static DEFINE_PER_CPU(struct hv_tsc_aux_cpu, hv_tsc_aux_cpu);

/* Before entry, preemption off: the guest's TSC_AUX, if it can read it. */
void hv_tsc_aux_load(struct hv_vcpu *vcpu)
{
	struct hv_tsc_aux_cpu *c = this_cpu_ptr(&hv_tsc_aux_cpu);
	u64 host;

	if (!vcpu->guest_tsc_aux ||
	    !(static_cpu_has(X86_FEATURE_RDTSCP) || static_cpu_has(X86_FEATURE_RDPID)))
		return;
	if (!c->loaded) {
		rdmsrl(MSR_TSC_AUX, host);
		c->host = host;
		c->cur = host;
		c->loaded = true;
	}
	if (c->cur != vcpu->tsc_aux) {
		wrmsrl(MSR_TSC_AUX, vcpu->tsc_aux);
		c->cur = vcpu->tsc_aux;
	}
}

/* At sched-out and at the end of a vCPU ioctl, preemption off: the host's back. */
void hv_tsc_aux_put(void)
{
	struct hv_tsc_aux_cpu *c = this_cpu_ptr(&hv_tsc_aux_cpu);

	if (!c->loaded)
		return;
	if (c->cur != c->host)
		wrmsrl(MSR_TSC_AUX, c->host);
	c->loaded = false;
}

int hv_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	int r = hv_vcpu_lapic_msr_get(vcpu, index, data);

	if (r != -ENOENT)
		return r;
	if (hv_msr_is_legacy_pmu(index)) {
		*data = 0;
		return 0;
	}
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
	/* Intel's platform ID (microcode selection) and power-on configuration: none. */
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_EBL_CR_POWERON:
	/* AMD SYSCFG: no memory encryption, no MTRR extensions offered. */
	case MSR_AMD64_SYSCFG:
	/* AMD's MMIO configuration space (ECAM) base: not enabled, hv-run has none. */
	case MSR_FAM10H_MMIO_CONF_BASE:
		*data = 0;
		return 0;
	case MSR_K7_HWCR:
		*data = HV_HWCR_READ;
		return 0;
	case MSR_IA32_TSC_ADJUST:	/* exists as CPUID says, for the VMM too */
		if (!hv_guest_has_tsc_adjust(vcpu))
			return -EINVAL;
		*data = vcpu->tsc_adjust;
		return 0;
	case MSR_TSC_AUX:		/* with RDTSCP or RDPID, for the VMM too */
		if (!vcpu->guest_tsc_aux)
			return -EINVAL;
		*data = vcpu->tsc_aux;
		return 0;
	case MSR_IA32_XSS:		/* with XSAVES: x86/xsave.c */
		return hv_xss_get(vcpu, data);
	/*
	 * AMD DE_CFG: LFENCE is dispatch-serializing, as the host kernel made
	 * it on the CPU the guest runs on (and as the guest would make it).
	 */
	case MSR_AMD64_DE_CFG:
		*data = MSR_AMD64_DE_CFG_LFENCE_SERIALIZE;
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
	if (hv_msr_is_legacy_pmu(index))
		return 0;	/* see hv_msr_is_legacy_pmu(): dropped */
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
	/* The rest of hv_msr_get()'s fixed answers: a write may only confirm them. */
	case MSR_AMD64_SYSCFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
		return data ? -EINVAL : 0;
	case MSR_K7_HWCR:
		return data & ~HV_HWCR_WRITE_IGNORED ? -EINVAL : 0;
	case MSR_AMD64_DE_CFG:
		return data & ~MSR_AMD64_DE_CFG_LFENCE_SERIALIZE ? -EINVAL : 0;
	case MSR_IA32_TSC_ADJUST:
		if (!hv_guest_has_tsc_adjust(vcpu))
			return -EINVAL;
		return hv_tsc_write(vcpu, index, data, host);
	case MSR_IA32_TSC:
		return hv_tsc_write(vcpu, index, data, host);
	case MSR_IA32_XSS:
		return hv_xss_set(vcpu, data);
	case MSR_TSC_AUX:		/* bits 63:32 are reserved (SDM) */
		if (!vcpu->guest_tsc_aux || data >> 32)
			return -EINVAL;
		vcpu->tsc_aux = data;	/* in the hardware at the next entry */
		return 0;
	default:
		return hv_ops->set_msr(vcpu, index, data, host);
	}
}
