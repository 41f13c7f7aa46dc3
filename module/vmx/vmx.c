// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VMX backend: per-CPU VMX operation, the VMCS of each vCPU and who
 * owns it, host state, and the world switch.  The capabilities and control
 * words are in vmx_caps.c, guest register views in vmx_state.c, EPT and
 * VPID in ept.c, exits in vmx_exit.c.
 *
 * VMCS ownership: a VMCS stays active on the CPU it was last loaded on.
 * When its vCPU thread runs on another CPU, vcpu_load() has the old CPU
 * VMCLEAR it (IPI) before loading it here; VMLAUNCH is needed again after
 * every VMCLEAR.  Each CPU lists the VMCSs active on it so that it can
 * clear them before VMXOFF.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "../hv_arch.h"
#include "../hv_compat.h"
#include "../hv_emulate.h"
#include "../hv_main.h"
#include "vmcs.h"

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu_data);
static void *vmx_msr_bitmap;		/* every MSR intercepted but vmx_passthrough_msrs */

/*
 * MSRs the guest may access directly: the VMCS switches the segment bases
 * and SYSENTER MSRs, and hv swaps the syscall MSRs itself (vmx_host_state).
 */
static const u32 vmx_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

void vmx_insn_failed(const char *insn, u64 operand)
{
	/* A failing VMX instruction is an hv bug, never the guest's doing. */
	WARN_ONCE(1, "hv: vmx: %s %#llx failed\n", insn, operand);
}

static int vmx_vmxon(phys_addr_t pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/* Faults (#UD outside VMX operation) are ignored: the emergency path may race. */
static void vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
fault:
	return;
}

/* One bit per MSR for reads and one for writes, in two 1 KiB ranges each. */
static void vmx_msr_bitmap_allow(u8 *bitmap, u32 msr)
{
	u32 base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024 * 8, msr -= 0xc0000000;
	else
		return;
	__clear_bit(base + msr, (unsigned long *)bitmap);		/* read */
	__clear_bit(2048 * 8 + base + msr, (unsigned long *)bitmap);	/* write */
}

static int vmx_setup(void)
{
	int i;

	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		return -ENOMEM;
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(vmx_passthrough_msrs); i++)
		vmx_msr_bitmap_allow(vmx_msr_bitmap, vmx_passthrough_msrs[i]);
	return 0;
}

static void vmx_unsetup(void)
{
	free_page((unsigned long)vmx_msr_bitmap);
}

static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	int cpu = smp_processor_id();
	int r;

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err_ratelimited("VMX is already in use by another hypervisor on CPU %d: unload kvm_intel, or load kvm with enable_virt_at_load=0, before creating hv VMs\n",
				   cpu);
		return -EBUSY;
	}
	r = vmx_feature_control(true);
	if (r)
		return r;
	if ((read_cr0() & vmx_caps.cr0_fixed0) != vmx_caps.cr0_fixed0 ||
	    (read_cr0() & ~vmx_caps.cr0_fixed1)) {
		pr_err("CPU %d: host CR0 %#lx does not satisfy VMX's fixed bits\n",
		       cpu, read_cr0());
		return -EOPNOTSUPP;
	}
	vc->vmxon = (void *)get_zeroed_page(GFP_KERNEL);
	if (!vc->vmxon)
		return -ENOMEM;
	*(u32 *)vc->vmxon = vmx_caps.basic & HV_VMX_BASIC_REVISION;
	INIT_LIST_HEAD(&vc->loaded);
	vc->current_vmcs = NULL;

	cr4_set_bits(X86_CR4_VMXE);
	if ((cr4_read_shadow() & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	    (cr4_read_shadow() & ~vmx_caps.cr4_fixed1)) {
		pr_err("CPU %d: host CR4 %#lx does not satisfy VMX's fixed bits\n",
		       cpu, cr4_read_shadow());
		r = -EOPNOTSUPP;
		goto out_clear_vmxe;
	}
	r = vmx_vmxon(__pa(vc->vmxon));
	if (r) {
		pr_err("CPU %d: VMXON failed (%s)\n", cpu, r == -EFAULT ? "fault" : "VMfail");
		r = -EIO;
		goto out_clear_vmxe;
	}
	vc->on = true;
	return 0;

out_clear_vmxe:
	cr4_clear_bits(X86_CR4_VMXE);
	free_page((unsigned long)vc->vmxon);
	vc->vmxon = NULL;
	return r;
}

/* With interrupts off, on the CPU the VMCS is active on. */
static void vmx_clear_local(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);

	if (vmx_vmclear(vmx->vmcs_pa))
		vmx_insn_failed("vmclear", vmx->vmcs_pa);
	if (vc->current_vmcs == vmx->vmcs)
		vc->current_vmcs = NULL;
	list_del(&vmx->loaded_link);
	vmx->launched = false;
	/* The VMCS is in memory before anyone can load it elsewhere. */
	smp_wmb();
	WRITE_ONCE(vmx->loaded_cpu, -1);
}

static void vmx_clear_ipi(void *info)
{
	struct vmx_vcpu *vmx = info;

	/* The CPU may have cleared it already on its way offline. */
	if (READ_ONCE(vmx->loaded_cpu) == smp_processor_id())
		vmx_clear_local(vmx);
}

/* VMCLEAR the VMCS on whatever CPU it is active on; waits. */
static void vmx_clear_vmcs(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->loaded_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, vmx, 1);
}

static void vmx_leave(struct vmx_cpu *vc)
{
	if (vc->on) {
		vmx_vmxoff();
		vc->on = false;
	}
	cr4_clear_bits(X86_CR4_VMXE);
}

static void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu_data);
	struct vmx_vcpu *vmx, *tmp;
	unsigned long flags;

	/* VMXOFF leaves active VMCSs undefined: write them back first. */
	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
		vmx_clear_local(vmx);
	vmx_leave(vc);
	local_irq_restore(flags);
	free_page((unsigned long)vc->vmxon);
	vc->vmxon = NULL;
}

/* Reboot, kexec, panic: INIT is blocked in VMX operation, so leave it. */
static void vmx_emergency_disable(void)
{
	vmx_leave(this_cpu_ptr(&vmx_cpu_data));
}

static void vmx_flush_vpid_ipi(void *info)
{
	if (this_cpu_ptr(&vmx_cpu_data)->on)
		vmx_flush_vpid((unsigned long)info);
}

static int vmx_vm_init(struct hv_vm *vm)
{
	to_vmx_vm(vm)->tsc_offset = -rdtsc();
	return 0;
}

static void vmx_vm_destroy(struct hv_vm *vm)
{
}

static int vmx_vcpu_init(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->vmcs)
		return -ENOMEM;
	*(u32 *)vmx->vmcs = vmx_caps.basic & HV_VMX_BASIC_REVISION;
	vmx->vmcs_pa = __pa(vmx->vmcs);
	vmx->loaded_cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vpid = vmx_vpid_alloc();
	if (vcpu->lapic && vmx_tpr_shadow_enabled()) {
		vmx->vapic = (u8 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!vmx->vapic) {
			vmx_vpid_free(vmx->vpid);
			free_page((unsigned long)vmx->vmcs);
			return -ENOMEM;
		}
	}
	/* The fields are written at the first vcpu_load(), with the VMCS current. */
	return 0;
}

static void vmx_vcpu_free(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_clear_vmcs(vmx);
	if (vmx->vpid) {
		/* The next owner of this VPID must not inherit our translations. */
		on_each_cpu(vmx_flush_vpid_ipi, (void *)(unsigned long)vmx->vpid, 1);
		vmx_vpid_free(vmx->vpid);
	}
	free_page((unsigned long)vmx->vapic);
	free_page((unsigned long)vmx->vmcs);
}

void vmx_set_proc_controls(struct vmx_vcpu *vmx, u32 proc)
{
	if (vmx->proc != proc) {
		vmx->proc = proc;
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	}
}

void vmx_set_entry_controls(struct vmx_vcpu *vmx, u32 entry)
{
	if (vmx->entry != entry) {
		vmx->entry = entry;
		vmcs_write(VM_ENTRY_CONTROLS, entry);
	}
}

/* Controls and the host state that is the same on every CPU. */
static void vmx_init_vmcs(struct vmx_vcpu *vmx)
{
	struct hv_vm *vm = vmx->vcpu.vm;
	u64 msr;

	vmx->pin = vmx_caps.pin;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx->pin);
	if (vmx_caps.preemption_timer)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_caps.timer_value);
	vmx->proc = vmx_caps.proc;
	if (vmx->vapic) {
		vmx->proc = (vmx->proc | CPU_BASED_TPR_SHADOW) &
			    ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, __pa(vmx->vapic));
		vmcs_write(TPR_THRESHOLD, 0);
		vmx->tpr_threshold = 0;
	}
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx->proc);
	/* RDTSCP and XSAVES as the guest's CPUID says: vmx_update_cpuid_controls(). */
	vmx->proc2 = vmx_caps.proc2 &
		     ~(u32)(SECONDARY_EXEC_ENABLE_RDTSCP | HV_SECONDARY_EXEC_XSAVES) &
		     (vmx->vpid ? ~0u : ~(u32)SECONDARY_EXEC_ENABLE_VPID);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx->proc2);
	if (vmx_caps.proc2 & HV_SECONDARY_EXEC_XSAVES)
		vmcs_write(XSS_EXIT_BITMAP, 0);
	/* PAUSE-loop exiting: a spinning vCPU exits to yield (hv_exit_pause()). */
	if (vmx_caps.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write(PLE_GAP, VMX_PLE_GAP);
		vmcs_write(PLE_WINDOW, VMX_PLE_WINDOW);
	}
	vmcs_write(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmx->entry = vmx_caps.entry;
	vmcs_write(VM_ENTRY_CONTROLS, vmx->entry);
	/* #DB and #AC only to stop delivery loops, as on SVM. */
	vmcs_write(EXCEPTION_BITMAP, BIT(HV_VEC_DB) | BIT(HV_VEC_AC));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmcs_write(EPT_POINTER, vmx_tdp_root(vm->tdp.root_pa));
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmcs_write(TSC_OFFSET, to_vmx_vm(vm)->tsc_offset);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_write(HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write(HOST_IA32_EFER, msr);
	rdmsrl(MSR_IA32_CR_PAT, msr);
	vmcs_write(HOST_IA32_PAT, msr);
	vmcs_write(HOST_RIP, (unsigned long)vmx_vmexit);

	vmx_init_guest_state(vmx);
}

/* Host state that differs between CPUs: written when the VMCS arrives on @cpu. */
static void vmx_set_host_cpu_state(struct vmx_vcpu *vmx, int cpu)
{
	struct desc_ptr idt;
	u64 msr;

	vmcs_write(HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_cpu_gdt_ro(cpu));
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_write(HOST_IA32_SYSENTER_ESP, msr);
	/* CR3 and CR4 are compared before every entry; force a write. */
	vmx->host_cr3 = 0;
	vmx->host_cr4 = 0;
}

/* Preemption is off: at the start of every vCPU ioctl and at sched-in. */
static void vmx_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu_data, cpu);
	bool arrived = READ_ONCE(vmx->loaded_cpu) != cpu;
	bool first = false;
	unsigned long flags;

	if (arrived)
		vmx_clear_vmcs(vmx);
	local_irq_save(flags);
	if (arrived) {
		/* Never loaded: VMCLEAR initializes the region's launch state. */
		first = !vmx->vmcs_ready;
		if (first && vmx_vmclear(vmx->vmcs_pa))
			vmx_insn_failed("vmclear", vmx->vmcs_pa);
		list_add(&vmx->loaded_link, &vc->loaded);
		WRITE_ONCE(vmx->loaded_cpu, cpu);
	}
	if (vc->current_vmcs != vmx->vmcs) {
		if (vmx_vmptrld(vmx->vmcs_pa))
			vmx_insn_failed("vmptrld", vmx->vmcs_pa);
		vc->current_vmcs = vmx->vmcs;
	}
	if (first) {
		vmx_init_vmcs(vmx);
		vmx->vmcs_ready = true;
	}
	if (arrived) {
		vmx_set_host_cpu_state(vmx, cpu);
		vmx->need_cpu_flush = true;
	}
	local_irq_restore(flags);
}

/*
 * First entry after a load: remember the host's selectors and syscall
 * MSRs, and give the CPU the guest's.  FS/GS bases go into the VMCS, as
 * VM exits load them from there.
 */
static void vmx_save_host_state(struct vmx_vcpu *vmx)
{
	struct vmx_host_state *h = &vmx->host;
	u64 base;

	asm volatile("sldt %0" : "=rm" (h->ldt_sel));
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	/* VM exits can only load selectors with RPL 0 and TI 0; the rest are reloaded. */
	vmcs_write(HOST_FS_SELECTOR, h->fs_sel & 7 ? 0 : h->fs_sel);
	vmcs_write(HOST_GS_SELECTOR, h->gs_sel & 7 ? 0 : h->gs_sel);
	rdmsrl(MSR_FS_BASE, base);
	vmcs_write(HOST_FS_BASE, base);
	rdmsrl(MSR_GS_BASE, base);
	vmcs_write(HOST_GS_BASE, base);
	store_idt(&h->idt);
	h->debugctl = get_debugctlmsr();

	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->msrs.kernel_gs_base);
	wrmsrl(MSR_STAR, vmx->msrs.star);
	wrmsrl(MSR_LSTAR, vmx->msrs.lstar);
	wrmsrl(MSR_CSTAR, vmx->msrs.cstar);
	wrmsrl(MSR_SYSCALL_MASK, vmx->msrs.sfmask);
	vmx->host_state_saved = true;
}

/*
 * Give the host back what VM exits clobbered and what hv swapped: segment
 * selectors and LDT, the syscall MSRs, the TSS limit (0x67 after an exit,
 * which would hide the I/O bitmap: the kernel reloads TR lazily once told),
 * and the GDT and IDT limits (0xffff after an exit).
 */
static void vmx_restore_host_state(struct vmx_vcpu *vmx)
{
	struct vmx_host_state *h = &vmx->host;

	if (!vmx->host_state_saved)
		return;
	/* The guest may have written them directly (pass-through). */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->msrs.kernel_gs_base);
	rdmsrl(MSR_STAR, vmx->msrs.star);
	rdmsrl(MSR_LSTAR, vmx->msrs.lstar);
	rdmsrl(MSR_CSTAR, vmx->msrs.cstar);
	rdmsrl(MSR_SYSCALL_MASK, vmx->msrs.sfmask);

	if (h->ldt_sel)
		asm volatile("lldt %0" : : "rm" (h->ldt_sel));
	/* Loading GS rewrites the inactive base: KERNEL_GS_BASE follows. */
	if (h->gs_sel & 7)
		load_gs_index(h->gs_sel);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (h->fs_sel & 7)
		loadsegment(fs, h->fs_sel);
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);

	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
	load_idt(&h->idt);
	vmx->host_state_saved = false;
}

/* Preemption is off: at sched-out and at the end of every vCPU ioctl. */
static void vmx_vcpu_put(struct hv_vcpu *vcpu)
{
	vmx_restore_host_state(to_vmx(vcpu));
}

/* Host CR3 (PCID, mm switches) and CR4 can change under a loaded VMCS. */
static void vmx_refresh_host_cr(struct vmx_vcpu *vmx)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (cr3 != vmx->host_cr3) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (cr4 != vmx->host_cr4) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/* After the exit, with interrupts still off: record it while the VMCS is at hand. */
static void vmx_read_exit(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;

	vmx->exit_reason = vmcs_read(VM_EXIT_REASON);
	vmx->exit_qual = vmcs_read(EXIT_QUALIFICATION);
	vmx->exit_intr_info = vmcs_read(VM_EXIT_INTR_INFO);
	vmx->idt_vectoring = vmcs_read(IDT_VECTORING_INFO_FIELD);
	vmx->idt_vectoring_err = vmcs_read(IDT_VECTORING_ERROR_CODE);
	vmx->insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	vmx->interruptibility = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	vcpu->regs[HV_RSP] = vmcs_read(GUEST_RSP);
	vcpu->rip = vmcs_read(GUEST_RIP);
	vcpu->rflags = vmcs_read(GUEST_RFLAGS);
	/* VM exits store LMA into the IA-32e mode entry control. */
	vmx->entry = vmcs_read(VM_ENTRY_CONTROLS);
}

/*
 * A guest that runs with RFLAGS.IF clear gets a VMX-preemption timer of
 * about a millisecond.  On hardware physical interrupts exit anyway and the
 * timer costs at most one extra exit per millisecond of such a guest; Bochs
 * 2.7, the VMX testbed, leaves external interrupts masked after entering a
 * guest with IF clear, and without the timer such a guest would never exit
 * (no scheduling, no signals, no serial output on that CPU).
 */
static void vmx_set_preemption_timer(struct vmx_vcpu *vmx, bool on)
{
	u32 pin = on ? vmx->pin | PIN_BASED_VMX_PREEMPTION_TIMER :
		       vmx->pin & ~PIN_BASED_VMX_PREEMPTION_TIMER;

	if (!vmx_caps.preemption_timer || pin == vmx->pin)
		return;
	vmx->pin = pin;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, pin);
}

/*
 * The controls that follow the guest's CPUID.  "Enable RDTSCP" while it
 * offers RDTSCP or RDPID: both then run natively with the guest's TSC_AUX
 * (hv_tsc_aux_load()); "enable XSAVES/XRSTORS" while it offers XSAVES
 * (with the XSS-exiting bitmap 0: the guest's IA32_XSS, loaded around
 * entry, is 0).  Without them the instructions raise #UD, as on a CPU
 * without them.
 */
static void vmx_update_cpuid_controls(struct vmx_vcpu *vmx)
{
	u32 proc2 = vmx->proc2 & ~(u32)(SECONDARY_EXEC_ENABLE_RDTSCP | HV_SECONDARY_EXEC_XSAVES);

	if (vmx->vcpu.guest_tsc_aux)
		proc2 |= vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	if (vmx->vcpu.guest_xsaves)
		proc2 |= vmx_caps.proc2 & HV_SECONDARY_EXEC_XSAVES;
	if (proc2 != vmx->proc2) {
		vmx->proc2 = proc2;
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	}
}

static void vmx_enter(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long host_dr7 = 0;
	bool guest_db;

	if (!vmx->host_state_saved)
		vmx_save_host_state(vmx);
	vmx_refresh_host_cr(vmx);
	if (vmx->need_cpu_flush || vcpu->need_tlb_flush)
		vmx_flush_ept(vmx_tdp_root(vcpu->vm->tdp.root_pa));
	vmx->need_cpu_flush = false;
	vcpu->need_tlb_flush = false;
	vmx_update_cpuid_controls(vmx);

	vmcs_write(GUEST_RSP, vcpu->regs[HV_RSP]);
	vmcs_write(GUEST_RIP, vcpu->rip);
	vmcs_write(GUEST_RFLAGS, vcpu->rflags);
	/* STI blocking with IF clear (after HV_SET_REGS) would fail the entry. */
	if ((vmx->interruptibility & GUEST_INTR_STATE_STI) && !(vcpu->rflags & X86_EFLAGS_IF)) {
		vmx->interruptibility &= ~GUEST_INTR_STATE_STI;
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, vmx->interruptibility);
	}
	vmx_set_preemption_timer(vmx, !(vcpu->rflags & X86_EFLAGS_IF));
	if (hw_breakpoint_active())
		get_debugreg(host_dr7, 7);
	guest_db = hv_debugregs_load(vcpu, vmcs_read(GUEST_DR7), host_dr7);
	/* CR2 is not in the VMCS; the NMI handler preserves it across NMIs. */
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	vmx->fail = vmx_vmenter(vcpu->regs, vmx->launched);
	/* Before preemption can move this thread: see hv_compat.h (VMSCAPE). */
	hv_vmexit_mark_ibpb_to_user();

	vmx->cr2 = native_read_cr2();

	/* A VM exit leaves DR7 = 0x400 and DEBUGCTL = 0. */
	hv_debugregs_put(guest_db, host_dr7);
	if (vmx->host.debugctl)
		update_debugctlmsr(vmx->host.debugctl);

	if (vmx->fail) {
		vmx->exit_reason = 0;
		vmx->insn_error = vmx->fail == 1 ? vmcs_read(VM_INSTRUCTION_ERROR) : 0;
		vmx_record_exit(vmx);
		return;
	}
	vmx_read_exit(vmx);
	vmx_record_exit(vmx);
	/*
	 * An entry that failed on the guest state (exit reason bit 31) leaves
	 * the VMCS's launch state as it was: the next entry is a VMLAUNCH
	 * again, not a VMRESUME that VMX would refuse (error 5).
	 */
	if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vmx->launched = true;
	/*
	 * An NMI that caused the exit was taken from the host: run the host's
	 * handler now, before interrupts are enabled again.  INT 2 enters it
	 * through the IDT; its IRET lifts the NMI blocking the exit left.
	 */
	if ((vmx->exit_reason & HV_VMX_BASIC_REASON) == EXIT_REASON_EXCEPTION_NMI &&
	    (vmx->exit_intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		asm volatile("int $2");
}

/* vmx->pin is what the VMCS holds (vmx_init_vmcs(), vmx_set_preemption_timer()). */
static bool vmx_host_irqs_exit(struct hv_vcpu *vcpu)
{
	u32 both = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING;

	return (to_vmx(vcpu)->pin & both) == both;
}

/* VMX reports the length of every instruction that exits. */
static bool vmx_has_next_rip(void)
{
	return true;
}

const struct hv_arch_ops vmx_ops = {
	.name			= "Intel VMX with EPT",
	.vendor			= HV_VENDOR_VMX,
	.probe			= vmx_probe,
	.setup			= vmx_setup,
	.unsetup		= vmx_unsetup,
	.cpu_enable		= vmx_cpu_enable,
	.cpu_disable		= vmx_cpu_disable,
	.emergency_disable	= vmx_emergency_disable,
	.emergency_slot_module	= "kvm_intel",
	.vm_size		= sizeof(struct vmx_vm),
	.vcpu_size		= sizeof(struct vmx_vcpu),
	.vm_init		= vmx_vm_init,
	.vm_destroy		= vmx_vm_destroy,
	.vcpu_init		= vmx_vcpu_init,
	.vcpu_free		= vmx_vcpu_free,
	.vcpu_load		= vmx_vcpu_load,
	.vcpu_put		= vmx_vcpu_put,
	.enter			= vmx_enter,
	.exit_handlers		= vmx_exit_handlers,
	.nr_exit_handlers	= ARRAY_SIZE(vmx_exit_handlers),
	.dump_exit		= vmx_dump_exit,
	.host_irqs_exit		= vmx_host_irqs_exit,
	.has_next_rip		= vmx_has_next_rip,
	.hw_features		= vmx_hw_features,
	.cpuid_mask		= vmx_cpuid_mask,
	.get_sregs		= vmx_get_sregs,
	.set_sregs		= vmx_set_sregs,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.interrupt_allowed	= vmx_interrupt_allowed,
	.interrupt_shadow	= vmx_interrupt_shadow,
	.clear_interrupt_shadow	= vmx_clear_interrupt_shadow,
	.inject_irq		= vmx_inject_irq,
	.inject_exception	= vmx_inject_exception,
	.add_dr6		= vmx_add_dr6,
	.set_irq_window		= vmx_set_irq_window,
	.cancel_event		= vmx_cancel_event,
	.nmi_allowed		= vmx_nmi_allowed,
	.inject_nmi		= vmx_inject_nmi,
	.set_nmi_window		= vmx_set_nmi_window,
	.get_cr8		= vmx_get_cr8,
	.set_cr8		= vmx_set_cr8,
	.set_cr8_write_exit	= vmx_set_cr8_write_exit,
	.get_paging		= vmx_get_paging,
	.get_code_segment	= vmx_get_code_segment,
	.get_cpl		= vmx_get_cpl,
	.set_cr2		= vmx_set_cr2,
	.get_segment_base	= vmx_get_segment_base,
	.tdp_leaf		= vmx_tdp_leaf,
	.tdp_table		= vmx_tdp_table,
	.tdp_root		= vmx_tdp_root,
	.tdp_present_mask	= HV_EPT_R | HV_EPT_W | HV_EPT_X,
	.tdp_writable_mask	= HV_EPT_W,
	.tdp_large_mask		= HV_EPT_LARGE,
	.tdp_max_leaf_level	= vmx_tdp_max_leaf_level,
};
