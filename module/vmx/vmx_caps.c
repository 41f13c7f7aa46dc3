// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VMX capabilities: what the CPU allows, read once at probe time
 * into vmx_caps, and what hv runs with.
 *
 * Every control word is derived from the capability MSRs (the "true"
 * ones where IA32_VMX_BASIC says they exist): the bits hv needs must be
 * allowed-1, the bits the CPU insists on are taken as they are.  EPT and
 * unrestricted guest are required, so real-mode and non-paged guests run
 * natively as on SVM.  CPUID offers only what the controls back
 * (vmx_cpuid_mask()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "../hv_arch.h"
#include "../hv_main.h"
#include "../x86/xsave.h"
#include "vmcs.h"

struct vmx_caps vmx_caps;

/*
 * Pick the control word: @min must be allowed-1, @opt is taken where it
 * is, and whatever the CPU fixes to 1 comes along.
 */
static int vmx_adjust_controls(const char *what, u32 msr, u32 min, u32 opt, u32 *out)
{
	u64 cap;
	u32 ctl;

	rdmsrl(msr, cap);
	ctl = ((min | opt) & (u32)(cap >> 32)) | (u32)cap;
	if ((ctl & min) != min) {
		pr_err("the %s controls lack %#x, which hv needs (MSR %#x = %#llx)\n",
		       what, min & ~ctl, msr, cap);
		return -EOPNOTSUPP;
	}
	*out = ctl;
	return 0;
}

/*
 * The TPR shadow (SDM 29.1.2): with it, MOV to/from CR8 reads and writes
 * the TPR byte of a virtual-APIC page without an exit, and a write that
 * lowers it below TPR_THRESHOLD exits afterwards ("TPR below threshold"),
 * which is where an interrupt the old TPR held back becomes deliverable.
 * Usable when the control exists and the CR8 exits can be switched off.
 * Used for vCPUs with the in-kernel local APIC (the module parameter turns
 * it off, to measure what it saves: docs/research.md).
 */
static bool tpr_shadow = true;
module_param(tpr_shadow, bool, 0644);
MODULE_PARM_DESC(tpr_shadow, "VMX: local APIC vCPUs created from now on use the TPR shadow (CR8 accesses without exits)");

static bool vmx_tpr_shadow_usable(u32 msr)
{
	u64 cap;

	rdmsrl(msr, cap);
	return (cap >> 32) & CPU_BASED_TPR_SHADOW &&
	       !((u32)cap & (CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING));
}

static int vmx_read_caps(void)
{
	struct vmx_caps *c = &vmx_caps;
	bool true_ctls;
	u64 entry_cap;
	int r;

	rdmsrl(MSR_IA32_VMX_BASIC, c->basic);
	true_ctls = c->basic & HV_VMX_BASIC_TRUE_CTLS;
	c->vmcs_size = HV_VMX_BASIC_SIZE(c->basic);
	if (!c->vmcs_size || c->vmcs_size > PAGE_SIZE) {
		pr_err("IA32_VMX_BASIC %#llx: VMCS size %u unusable\n", c->basic, c->vmcs_size);
		return -EOPNOTSUPP;
	}

	/* Physical interrupts and NMIs always exit: they are the host's. */
	r = vmx_adjust_controls("pin-based", true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				MSR_IA32_VMX_PINBASED_CTLS,
				PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
				PIN_BASED_VMX_PREEMPTION_TIMER | PIN_BASED_VIRTUAL_NMIS, &c->pin);
	if (r)
		return r;
	/* The timer is switched on per entry (vmx_enter()); start without it. */
	c->preemption_timer = c->pin & PIN_BASED_VMX_PREEMPTION_TIMER;
	c->pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	if (c->preemption_timer) {
		u64 misc;

		rdmsrl(MSR_IA32_VMX_MISC, misc);
		c->timer_value = max_t(u64, (tsc_khz ?: 1000000) >> (misc & 0x1f), 1);
	}
	/*
	 * CR8 accesses exit (the guest's TPR is virtual, as V_TPR is on SVM);
	 * every port exits; DR accesses exit so the host's debug registers stay.
	 */
	r = vmx_adjust_controls("processor-based", true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				MSR_IA32_VMX_PROCBASED_CTLS,
				CPU_BASED_HLT_EXITING | CPU_BASED_CR8_LOAD_EXITING |
				CPU_BASED_CR8_STORE_EXITING | CPU_BASED_UNCOND_IO_EXITING |
				CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_MOV_DR_EXITING |
				CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_RDPMC_EXITING |
				CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
				CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, CPU_BASED_NMI_WINDOW_EXITING,
				&c->proc);
	if (r)
		return r;
	/*
	 * Virtual NMIs: the CPU tracks the guest's NMI blocking (until its
	 * IRET) and offers NMI-window exits; without them hv injects no NMI.
	 * The window is switched on when needed (vmx_set_nmi_window()).
	 */
	c->virtual_nmis = (c->pin & PIN_BASED_VIRTUAL_NMIS) &&
			  (c->proc & CPU_BASED_NMI_WINDOW_EXITING);
	c->proc &= ~CPU_BASED_NMI_WINDOW_EXITING;
	if (!c->virtual_nmis)
		c->pin &= ~PIN_BASED_VIRTUAL_NMIS;
	c->tpr_shadow = vmx_tpr_shadow_usable(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					      MSR_IA32_VMX_PROCBASED_CTLS);
	r = vmx_adjust_controls("secondary processor-based", MSR_IA32_VMX_PROCBASED_CTLS2,
				SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST,
				SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_ENABLE_INVPCID |
				SECONDARY_EXEC_WBINVD_EXITING | SECONDARY_EXEC_PAUSE_LOOP_EXITING |
				SECONDARY_EXEC_ENABLE_RDTSCP | HV_SECONDARY_EXEC_XSAVES,
				&c->proc2);
	if (r)
		return r;
	c->vpid = c->proc2 & SECONDARY_EXEC_ENABLE_VPID;
	/* No VM_EXIT_ACK_INTR_ON_EXIT: the interrupt stays pending for the host's IDT. */
	r = vmx_adjust_controls("VM-exit", true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				MSR_IA32_VMX_EXIT_CTLS,
				VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
				VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
				VM_EXIT_LOAD_IA32_PAT, VM_EXIT_SAVE_DEBUG_CONTROLS, &c->exit);
	if (r)
		return r;
	r = vmx_adjust_controls("VM-entry", true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				MSR_IA32_VMX_ENTRY_CTLS,
				VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT,
				VM_ENTRY_LOAD_DEBUG_CONTROLS, &c->entry);
	if (r)
		return r;
	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS, entry_cap);
	if (!((entry_cap >> 32) & VM_ENTRY_IA32E_MODE)) {
		pr_err("VM entry cannot enter IA-32e mode guests\n");
		return -EOPNOTSUPP;
	}
	/* IA-32e mode is per guest (EFER.LMA); start without it. */
	c->entry &= ~VM_ENTRY_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept_vpid);
	return vmx_ept_check_caps();
}

/* IA32_FEATURE_CONTROL: enable VMX outside SMX and lock, unless firmware locked it off. */
int vmx_feature_control(bool may_write)
{
	u64 fc;

	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (fc & FEAT_CTL_LOCKED) {
		if (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)
			return 0;
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL %#llx is locked without VMX outside SMX): enable VT-x in the firmware setup\n",
		       fc);
		return -EOPNOTSUPP;
	}
	if (may_write)
		wrmsrl(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
	return 0;
}

int vmx_probe(void)
{
	int r;

	/*
	 * CPUID itself, not boot_cpu_has(): the kernel clears its VMX flag
	 * when the firmware locked VMX off, and that deserves its own message.
	 */
	if (!(cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31))) {
		pr_err("CPU has no Intel VMX (CPUID.1:ECX.VMX is 0)\n");
		return -EOPNOTSUPP;
	}
	r = vmx_feature_control(false);
	if (r)
		return r;
	r = vmx_read_caps();
	if (r)
		return r;
	pr_info("EPT%s, %s, unrestricted guest, VMCS revision %#llx\n",
		vmx_caps.ept_ad ? " with A/D" : "", vmx_caps.vpid ? "VPID" : "no VPID",
		vmx_caps.basic & HV_VMX_BASIC_REVISION);
	return 0;
}

/*
 * HV_CAP_HW_FEATURES: what hv runs with (vmx_caps), and three controls the
 * CPU allows that hv does not use (APICv, posted interrupts, PML).
 */
u32 vmx_hw_features(void)
{
	const struct vmx_caps *c = &vmx_caps;
	u32 features = HV_HW_VMX_EPT | HV_HW_VMX_UNRESTRICTED_GUEST;
	u64 pin, proc2;

	rdmsrl(c->basic & HV_VMX_BASIC_TRUE_CTLS ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
	       MSR_IA32_VMX_PINBASED_CTLS, pin);
	rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, proc2);
	if (c->ept_ad)
		features |= HV_HW_VMX_EPT_AD;
	if (c->vpid)
		features |= HV_HW_VMX_VPID;
	if (c->tpr_shadow)
		features |= HV_HW_VMX_TPR_SHADOW;
	if (c->virtual_nmis)
		features |= HV_HW_VMX_VIRTUAL_NMIS;
	if (c->preemption_timer)
		features |= HV_HW_VMX_PREEMPTION_TIMER;
	if (c->proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING)
		features |= HV_HW_VMX_PAUSE_LOOP;
	/* Allowed-1 settings are the high half of a capability MSR. */
	if ((proc2 >> 32) & SECONDARY_EXEC_APIC_REGISTER_VIRT &&
	    (proc2 >> 32) & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY)
		features |= HV_HW_VMX_APICV;
	if ((pin >> 32) & PIN_BASED_POSTED_INTR)
		features |= HV_HW_VMX_POSTED_INTR;
	if ((proc2 >> 32) & SECONDARY_EXEC_ENABLE_PML)
		features |= HV_HW_VMX_PML;
	return features;
}

/* The TPR shadow for a new local APIC vCPU: the CPU has it and the parameter allows it. */
bool vmx_tpr_shadow_enabled(void)
{
	return vmx_caps.tpr_shadow && READ_ONCE(tpr_shadow);
}

/*
 * CPUID may offer only what the controls hv runs with back: without the
 * secondary control "enable INVPCID", INVPCID raises #UD in the guest,
 * without "enable RDTSCP", RDTSCP and RDPID do, and without "enable
 * XSAVES/XRSTORS", those two do.
 */
void vmx_cpuid_mask(struct hv_cpuid_entry *e)
{
	bool rdtscp = vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;

	if (e->function == 7 && e->index == 0) {
		if (!(vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_INVPCID))
			e->ebx &= ~BIT(10);
		if (!rdtscp)
			e->ecx &= ~BIT(22);
	}
	if (e->function == 0x80000001 && !rdtscp)
		e->edx &= ~BIT(27);
	if (e->function == 0xd && e->index == 1 && !(vmx_caps.proc2 & HV_SECONDARY_EXEC_XSAVES))
		e->eax &= ~HV_XSAVE_1_EAX_XSAVES;
}
