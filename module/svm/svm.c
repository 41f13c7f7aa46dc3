// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM backend: per-CPU enablement, ASIDs, the VMCB of each vCPU, the
 * world switch and the register/MSR views.  Exits are decoded in
 * svm_exit.c.  Nested paging is mandatory: the guest owns CR0/CR3/CR4 and
 * its page tables, and hv only maps guest-physical memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": svm: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "../hv_arch.h"
#include "../hv_compat.h"
#include "../hv_emulate.h"
#include "../hv_main.h"
#include "../hv_trace.h"
#include "../x86/xsave.h"
#include "vmcb.h"

#define SVM_IOPM_ORDER		2	/* 12 KiB map, 16 KiB allocation */
#define SVM_MSRPM_ORDER		1	/* 8 KiB map */
#define SVM_DEFAULT_PAT		0x0007040600070406ULL
#define SVM_VM_CR_SVMDIS	BIT_ULL(4)	/* VM_CR: firmware disabled SVM */
#define SVM_DR7_RESET		0x400ULL	/* bit 10 reads as 1 */

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu_data);
static void *svm_iopm;			/* every port intercepted */
static void *svm_msrpm;			/* every MSR but the VMLOAD/VMSAVE set intercepted */

/* MSRs that VMLOAD/VMSAVE switch: the guest may access them directly. */
static const u32 svm_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

static int svm_probe(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("CPU has no AMD SVM\n");
		return -EOPNOTSUPP;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("CPU has SVM but no nested paging (NPT), which hv requires\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Two bits per MSR (read, write) in three 2 KiB ranges. */
static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	static const u32 bases[] = { 0x0, 0xc0000000, 0xc0010000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		if (msr >= bases[i] && msr < bases[i] + 0x2000) {
			u32 bit = 2 * (msr - bases[i]);

			msrpm[i * 0x800 + bit / 8] &= ~(3u << (bit % 8));
			return;
		}
	}
}

static int svm_setup(void)
{
	int i;

	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto out_free;
	memset(svm_iopm, 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_passthrough_msrs); i++)
		svm_msrpm_allow(svm_msrpm, svm_passthrough_msrs[i]);
	return 0;

out_free:
	free_pages((unsigned long)svm_iopm, SVM_IOPM_ORDER);
	free_pages((unsigned long)svm_msrpm, SVM_MSRPM_ORDER);
	return -ENOMEM;
}

static void svm_unsetup(void)
{
	free_pages((unsigned long)svm_iopm, SVM_IOPM_ORDER);
	free_pages((unsigned long)svm_msrpm, SVM_MSRPM_ORDER);
}

static void svm_free_cpu_pages(struct svm_cpu *sd)
{
	free_page((unsigned long)sd->hsave);
	free_page((unsigned long)sd->host_save);
	sd->hsave = NULL;
	sd->host_save = NULL;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu_data);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err_ratelimited("SVM is already in use by another hypervisor on CPU %d: unload kvm_amd, or load kvm with enable_virt_at_load=0, before creating hv VMs\n",
				   smp_processor_id());
		return -EBUSY;
	}
	/* Hotplug callbacks may sleep; these pages are per-CPU and small. */
	sd->hsave = (void *)get_zeroed_page(GFP_KERNEL);
	sd->host_save = (void *)get_zeroed_page(GFP_KERNEL);
	if (!sd->hsave || !sd->host_save) {
		svm_free_cpu_pages(sd);
		return -ENOMEM;
	}
	sd->max_asid = cpuid_ebx(SVM_CPUID_FUNC) - 1;
	/* Start a new ASID generation: the first vCPU here flushes all ASIDs. */
	sd->asid_gen++;
	sd->next_asid = sd->max_asid + 1;

	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, __pa(sd->hsave));
	return 0;
}

static void svm_leave(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		/* GIF may be clear if we got here from the middle of a world switch. */
		asm volatile("stgi" ::: "memory");
		wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	}
}

static void svm_cpu_disable(void)
{
	svm_leave();
	svm_free_cpu_pages(this_cpu_ptr(&svm_cpu_data));
}

static int svm_vm_init(struct hv_vm *vm)
{
	to_svm_vm(vm)->tsc_offset = -rdtsc();
	return 0;
}

static void svm_vm_destroy(struct hv_vm *vm)
{
}

static void svm_init_seg(struct vmcb_seg *seg, u16 selector, u16 attrib, u64 base)
{
	seg->selector = selector;
	seg->attrib = attrib;
	seg->limit = 0xffff;
	seg->base = base;
}

/* The architectural reset state, and hv's fixed controls. */
static void svm_init_vmcb(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct vmcb_save_area *s = &svm->vmcb->save;
	struct hv_vm *vm = svm->vcpu.vm;
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_CPUID, INTERCEPT_HLT,
		INTERCEPT_INVD, INTERCEPT_RDPMC, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_MONITOR, INTERCEPT_MWAIT,
		INTERCEPT_MWAIT_COND, INTERCEPT_XSETBV, INTERCEPT_RDPRU,
		/* CR4 against the guest's CPUID: svm_exit_write_cr4(). */
		INTERCEPT_CR4_WRITE,
		/* DR0-3 are emulated: the host's breakpoints stay intact. */
		INTERCEPT_DR0_READ, INTERCEPT_DR1_READ, INTERCEPT_DR2_READ,
		INTERCEPT_DR3_READ, INTERCEPT_DR0_WRITE, INTERCEPT_DR1_WRITE,
		INTERCEPT_DR2_WRITE, INTERCEPT_DR3_WRITE,
		/* #AC and #DB loops in event delivery would hang the host CPU. */
		INTERCEPT_EXCEPTION_OFFSET + HV_VEC_AC,
		INTERCEPT_EXCEPTION_OFFSET + HV_VEC_DB,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(svm->vmcb, intercepts[i]);
	c->iopm_base_pa = __pa(svm_iopm);
	c->msrpm_base_pa = __pa(svm_msrpm);
	c->tsc_offset = to_svm_vm(vm)->tsc_offset;
	/* Physical interrupts follow the host's IF, not the guest's. */
	c->int_ctl = V_INTR_MASKING_MASK;
	/*
	 * A spinning vCPU (a PAUSE loop) exits once its filter count runs out,
	 * to yield to a preempted vCPU of its VM (hv_exit_pause()); without
	 * the pause filter every PAUSE would exit, so PAUSE is left alone.
	 */
	if (boot_cpu_has(X86_FEATURE_PAUSEFILTER)) {
		c->pause_filter_count = SVM_PAUSE_FILTER_COUNT;
		if (boot_cpu_has(X86_FEATURE_PFTHRESHOLD))
			c->pause_filter_thresh = SVM_PAUSE_FILTER_THRESH;
		svm_set_intercept(svm->vmcb, INTERCEPT_PAUSE);
	}
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = hv_ops->tdp_root(vm->tdp.root_pa);

	svm_init_seg(&s->cs, 0xf000, 0x9b, 0xffff0000);
	svm_init_seg(&s->ds, 0, 0x93, 0);
	svm_init_seg(&s->es, 0, 0x93, 0);
	svm_init_seg(&s->fs, 0, 0x93, 0);
	svm_init_seg(&s->gs, 0, 0x93, 0);
	svm_init_seg(&s->ss, 0, 0x93, 0);
	svm_init_seg(&s->ldtr, 0, 0x82, 0);
	svm_init_seg(&s->tr, 0, 0x8b, 0);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->efer = EFER_SVME;
	s->dr6 = DR6_RESERVED;
	s->dr7 = SVM_DR7_RESET;
	s->g_pat = SVM_DEFAULT_PAT;
}

static int svm_vcpu_init(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!svm->vmcb)
		return -ENOMEM;
	svm->vmcb_pa = __pa(svm->vmcb);
	svm->asid_cpu = -1;
	svm_init_vmcb(svm);
	return 0;
}

/* The thread was switched in or came back from user mode: its host state is taken anew. */
static void svm_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	to_svm(vcpu)->host_saved = false;
}

static void svm_vcpu_free(struct hv_vcpu *vcpu)
{
	free_page((unsigned long)to_svm(vcpu)->vmcb);
}

/*
 * ASIDs are handed out per CPU and per generation; running out starts a
 * new generation with a flush of all ASIDs.  A vCPU that moved to another
 * CPU, or whose VM zapped mappings, simply takes a fresh ASID: no stale
 * translation can be tagged with it.
 */
static void svm_assign_asid(struct svm_vcpu *svm, struct svm_cpu *sd, int cpu)
{
	if (sd->next_asid > sd->max_asid) {
		sd->asid_gen++;
		sd->next_asid = 1;
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->vmcb->control.asid = sd->next_asid++;
	svm_mark_dirty(svm->vmcb, SVM_CLEAN_ASID);
	svm->asid_gen = sd->asid_gen;
	svm->asid_cpu = cpu;
}

/*
 * The save-area fields a #VMEXIT writes besides RAX/RSP/RIP/RFLAGS (which
 * struct hv_vcpu holds).  hv does not trust what a failed VMRUN leaves in
 * them: QEMU's TCG saves the CPU's state of that moment, the host's, into
 * the save area on VMEXIT_INVALID (seen: the host kernel's RIP and RSP came
 * back to HV_GET_REGS and the next entry ran with them).  The guest never
 * ran, so its state is put back as it was.
 */
struct svm_entry_state {
	struct vmcb_seg es, cs, ss, ds, gdtr, idtr;
	u64 efer, cr0, cr2, cr3, cr4, dr6, dr7;
	u8 cpl;
};

static void svm_entry_state_save(const struct vmcb_save_area *s, struct svm_entry_state *e)
{
	e->es = s->es;
	e->cs = s->cs;
	e->ss = s->ss;
	e->ds = s->ds;
	e->gdtr = s->gdtr;
	e->idtr = s->idtr;
	e->efer = s->efer;
	e->cr0 = s->cr0;
	e->cr2 = s->cr2;
	e->cr3 = s->cr3;
	e->cr4 = s->cr4;
	e->dr6 = s->dr6;
	e->dr7 = s->dr7;
	e->cpl = s->cpl;
}

static void svm_entry_state_restore(struct vmcb_save_area *s, const struct svm_entry_state *e)
{
	s->es = e->es;
	s->cs = e->cs;
	s->ss = e->ss;
	s->ds = e->ds;
	s->gdtr = e->gdtr;
	s->idtr = e->idtr;
	s->efer = e->efer;
	s->cr0 = e->cr0;
	s->cr2 = e->cr2;
	s->cr3 = e->cr3;
	s->cr4 = e->cr4;
	s->dr6 = e->dr6;
	s->dr7 = e->dr7;
	s->cpl = e->cpl;
}

static void svm_enter(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu_data);
	struct vmcb *vmcb = svm->vmcb;
	int cpu = smp_processor_id();
	struct svm_entry_state before;
	unsigned long host_dr7 = 0;
	bool guest_db;

	/* What VMRUN cached of this VMCB on another CPU is of no use here (APM 15.15.3). */
	if (svm->asid_cpu != cpu)
		vmcb->control.clean = 0;
	if (svm->asid_cpu != cpu || svm->asid_gen != sd->asid_gen || vcpu->need_tlb_flush)
		svm_assign_asid(svm, sd, cpu);
	vcpu->need_tlb_flush = false;

	vmcb->save.rax = vcpu->regs[HV_RAX];
	vmcb->save.rsp = vcpu->regs[HV_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;
	/*
	 * RDTSCP runs natively, with the guest's TSC_AUX (hv_tsc_aux_load()),
	 * unless the guest's CPUID hides it: then it is #UD, as on a CPU
	 * without it.  (RDPID cannot be intercepted: hidden, it still reads
	 * TSC_AUX, the guest's or the host's.)
	 */
	if (vcpu->guest_rdtscp)
		svm_clr_intercept(vmcb, INTERCEPT_RDTSCP);
	else
		svm_set_intercept(vmcb, INTERCEPT_RDTSCP);

	if (hw_breakpoint_active())
		get_debugreg(host_dr7, 7);
	guest_db = hv_debugregs_load(vcpu, vmcb->save.dr7, host_dr7);
	svm_entry_state_save(&vmcb->save, &before);
	svm_host_save(svm, sd);
	if (svm->clean_snapshot_valid && READ_ONCE(svm_check_clean))
		svm_clean_check(svm);

	asm volatile("clgi" ::: "memory");
	svm_vmrun(svm->vmcb_pa, vcpu->regs, __pa(sd->host_save));
	/* Before preemption can move this thread: see hv_compat.h (VMSCAPE). */
	hv_vmexit_mark_ibpb_to_user();
	/* #VMEXIT left DR7 disabled; give the host its breakpoints back. */
	hv_debugregs_put(guest_db, host_dr7);
	asm volatile("stgi" ::: "memory");

	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	svm_record_exit(svm);
	if (vcpu->exit.failed_entry) {
		/* The guest did not run: keep its registers, put its state back. */
		vmcb->save.rax = vcpu->regs[HV_RAX];
		vmcb->save.rsp = vcpu->regs[HV_RSP];
		vmcb->save.rip = vcpu->rip;
		vmcb->save.rflags = vcpu->rflags;
		svm_entry_state_restore(&vmcb->save, &before);
		vmcb->control.clean = 0;
		svm->clean_snapshot_valid = false;
		return;
	}
	/* The CPU's cached copy is the VMCB's again. */
	vmcb->control.clean = SVM_CLEAN_ALL;
	svm->clean_snapshot_valid = READ_ONCE(svm_check_clean);
	if (svm->clean_snapshot_valid)
		svm_clean_snapshot(svm);
	vcpu->regs[HV_RAX] = vmcb->save.rax;
	vcpu->regs[HV_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
}

static void svm_seg_to_hv(const struct vmcb_seg *v, struct hv_segment *s)
{
	s->base = v->base;
	s->limit = v->limit;
	s->selector = v->selector;
	s->type = v->attrib & 0xf;
	s->s = !!(v->attrib & SVM_SEG_S);
	s->dpl = (v->attrib >> 5) & 3;
	s->present = !!(v->attrib & SVM_SEG_P);
	s->avl = !!(v->attrib & SVM_SEG_AVL);
	s->l = !!(v->attrib & SVM_SEG_L);
	s->db = !!(v->attrib & SVM_SEG_DB);
	s->g = !!(v->attrib & SVM_SEG_G);
	s->unusable = !s->present;
}

static void svm_seg_from_hv(struct vmcb_seg *v, const struct hv_segment *s)
{
	v->base = s->base;
	v->limit = s->limit;
	v->selector = s->selector;
	v->attrib = 0;
	if (s->unusable || !s->present)
		return;
	v->attrib = (s->type & 0xf) | (s->s ? SVM_SEG_S : 0) | ((s->dpl & 3) << 5) |
		    SVM_SEG_P | (s->avl ? SVM_SEG_AVL : 0) | (s->l ? SVM_SEG_L : 0) |
		    (s->db ? SVM_SEG_DB : 0) | (s->g ? SVM_SEG_G : 0);
}

static u8 svm_get_cr8(struct hv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.int_ctl & V_TPR_MASK;
}

static void svm_set_cr8(struct hv_vcpu *vcpu, u8 cr8)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->int_ctl = (c->int_ctl & ~V_TPR_MASK) | (cr8 & V_TPR_MASK);
	svm_mark_dirty(to_svm(vcpu)->vmcb, SVM_CLEAN_TPR);
}

static void svm_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	svm_seg_to_hv(&s->cs, &sregs->cs);
	svm_seg_to_hv(&s->ds, &sregs->ds);
	svm_seg_to_hv(&s->es, &sregs->es);
	svm_seg_to_hv(&s->fs, &sregs->fs);
	svm_seg_to_hv(&s->gs, &sregs->gs);
	svm_seg_to_hv(&s->ss, &sregs->ss);
	svm_seg_to_hv(&s->tr, &sregs->tr);
	svm_seg_to_hv(&s->ldtr, &sregs->ldt);
	sregs->gdt.base = s->gdtr.base;
	sregs->gdt.limit = s->gdtr.limit;
	sregs->idt.base = s->idtr.base;
	sregs->idt.limit = s->idtr.limit;
	sregs->cr0 = s->cr0;
	sregs->cr2 = s->cr2;
	sregs->cr3 = s->cr3;
	sregs->cr4 = s->cr4;
	sregs->cr8 = svm_get_cr8(vcpu);
	sregs->efer = s->efer & ~EFER_SVME;
}

static int svm_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	svm_seg_from_hv(&s->cs, &sregs->cs);
	svm_seg_from_hv(&s->ds, &sregs->ds);
	svm_seg_from_hv(&s->es, &sregs->es);
	svm_seg_from_hv(&s->fs, &sregs->fs);
	svm_seg_from_hv(&s->gs, &sregs->gs);
	svm_seg_from_hv(&s->ss, &sregs->ss);
	svm_seg_from_hv(&s->tr, &sregs->tr);
	svm_seg_from_hv(&s->ldtr, &sregs->ldt);
	s->cpl = (s->cs.attrib >> 5) & 3;
	s->gdtr.base = sregs->gdt.base;
	s->gdtr.limit = sregs->gdt.limit;
	s->idtr.base = sregs->idt.base;
	s->idtr.limit = sregs->idt.limit;
	s->cr0 = sregs->cr0;
	s->cr2 = sregs->cr2;
	s->cr3 = sregs->cr3;
	s->cr4 = sregs->cr4;
	hv_xsave_set_cr4(vcpu, sregs->cr4);
	s->efer = sregs->efer | EFER_SVME;
	svm_set_cr8(vcpu, sregs->cr8);
	vmcb->control.clean = 0;
	return 0;
}

static u64 *svm_msr_slot(struct vmcb_save_area *s, u32 index)
{
	switch (index) {
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	default:			return NULL;
	}
}

static int svm_get_msr(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, index);

	if (slot) {
		*data = *slot;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vmcb->save.efer & ~EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		*data = vmcb->save.g_pat;
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmcb->control.tsc_offset;
		return 0;
	default:
		return -EINVAL;
	}
}

static int svm_set_msr(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, index);

	if (slot) {
		if (index != MSR_IA32_SYSENTER_CS && index != MSR_SYSCALL_MASK &&
		    index != MSR_STAR && !hv_canonical(data))
			return -EINVAL;
		*slot = data;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		if (hv_efer_write(&data, vmcb->save.efer, vmcb->save.cr0, vcpu->efer_valid))
			return -EINVAL;
		vmcb->save.efer = data | EFER_SVME;
		svm_mark_dirty(vmcb, SVM_CLEAN_CRX);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!hv_pat_valid(data))
			return -EINVAL;
		vmcb->save.g_pat = data;
		svm_mark_dirty(vmcb, SVM_CLEAN_NP);
		return 0;
	case MSR_IA32_TSC:
		vmcb->control.tsc_offset = data - rdtsc();
		svm_mark_dirty(vmcb, SVM_CLEAN_INTERCEPTS);
		return 0;
	default:
		return -EINVAL;
	}
}

static bool svm_interrupt_shadow(struct hv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

static void svm_clear_interrupt_shadow(struct hv_vcpu *vcpu)
{
	to_svm(vcpu)->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

static void svm_set_cr2(struct hv_vcpu *vcpu, u64 cr2)
{
	to_svm(vcpu)->vmcb->save.cr2 = cr2;
	svm_mark_dirty(to_svm(vcpu)->vmcb, SVM_CLEAN_CR2);
}

static bool svm_intercepted(const struct vmcb *vmcb, unsigned int bit)
{
	return vmcb->control.intercepts[bit / 32] & BIT(bit % 32);
}

/*
 * With V_INTR_MASKING the guest's IF and V_TPR gate only its virtual
 * interrupts; the host's are gated by the IF saved at VMRUN (1: vmrun.S).
 */
static bool svm_host_irqs_exit(struct hv_vcpu *vcpu)
{
	const struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	return svm_intercepted(vmcb, INTERCEPT_INTR) && svm_intercepted(vmcb, INTERCEPT_NMI) &&
	       (vmcb->control.int_ctl & V_INTR_MASKING_MASK);
}

static bool svm_has_next_rip(void)
{
	return boot_cpu_has(X86_FEATURE_NRIPS);
}

/* HV_CAP_HW_FEATURES: the CPUID bits svm.c and svm_exit.c look at, and two hv leaves unused. */
static u32 svm_hw_features(void)
{
	static const struct {
		u16 feature;
		u32 bit;
	} map[] = {
		{ X86_FEATURE_NPT, HV_HW_SVM_NPT },
		{ X86_FEATURE_NRIPS, HV_HW_SVM_NRIPS },
		{ X86_FEATURE_DECODEASSISTS, HV_HW_SVM_DECODE_ASSISTS },
		{ X86_FEATURE_PAUSEFILTER, HV_HW_SVM_PAUSE_FILTER },
		{ X86_FEATURE_PFTHRESHOLD, HV_HW_SVM_PAUSE_THRESHOLD },
		{ X86_FEATURE_AVIC, HV_HW_SVM_AVIC },
	};
	u32 features = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (boot_cpu_has(map[i].feature))
			features |= map[i].bit;
	return features;
}

static bool svm_interrupt_allowed(struct hv_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	return (vcpu->rflags & X86_EFLAGS_IF) && !svm_interrupt_shadow(vcpu) &&
	       !(vmcb->control.event_inj & SVM_EVTINJ_VALID);
}

static void svm_inject_irq(struct hv_vcpu *vcpu, u8 vector)
{
	to_svm(vcpu)->vmcb->control.event_inj = vector | SVM_EVTINJ_TYPE_INTR | SVM_EVTINJ_VALID;
	trace_hv_inject(vcpu->id, to_svm(vcpu)->vmcb->control.event_inj, 0, false);
}

/* The guest's DR6 is the VMCB's: VMRUN loads it, #VMEXIT saves it. */
static void svm_add_dr6(struct hv_vcpu *vcpu, u64 bits)
{
	to_svm(vcpu)->vmcb->save.dr6 |= bits;
	svm_mark_dirty(to_svm(vcpu)->vmcb, SVM_CLEAN_DRX);
}

static void svm_inject_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = error;
	trace_hv_inject(vcpu->id, c->event_inj, error, false);
}

/*
 * The interrupt window: a virtual interrupt (V_IRQ) that the guest can
 * only take once it can take a real one, intercepted (VINTR) before it is
 * delivered.
 */
static void svm_set_irq_window(struct hv_vcpu *vcpu, bool enable)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	if (enable) {
		vmcb->control.int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK | V_INTR_PRIO_MASK;
		svm_mark_dirty(vmcb, SVM_CLEAN_TPR);
		svm_set_intercept(vmcb, INTERCEPT_VINTR);
	} else {
		vmcb->control.int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK | V_INTR_PRIO_MASK);
		svm_mark_dirty(vmcb, SVM_CLEAN_TPR);
		svm_clr_intercept(vmcb, INTERCEPT_VINTR);
	}
}

static void svm_cancel_event(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->control.event_inj = 0;
	svm->nmi_masked = false;
	svm->awaiting_iret = false;
	svm_clr_intercept(svm->vmcb, INTERCEPT_IRET);
}

static bool svm_nmi_allowed(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->awaiting_iret && vcpu->rip != svm->iret_rip)
		svm->awaiting_iret = false;
	return !svm->nmi_masked && !svm->awaiting_iret && !svm_interrupt_shadow(vcpu) &&
	       !(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID);
}

static void svm_inject_nmi(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->control.event_inj = HV_VEC_NMI | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
	trace_hv_inject(vcpu->id, svm->vmcb->control.event_inj, 0, false);
	svm->nmi_masked = true;
	svm_set_intercept(svm->vmcb, INTERCEPT_IRET);
}

/*
 * Inside the handler the IRET intercept is the window.  After it, or
 * behind a shadow, there is no NMI-window exit on SVM without vNMI:
 * borrow the interrupt window (V_IRQ), which ends once the guest runs
 * with IF set.  Called after set_irq_window(), so it only ever adds.
 */
static void svm_set_nmi_window(struct hv_vcpu *vcpu, bool enable)
{
	if (enable && !to_svm(vcpu)->nmi_masked)
		svm_set_irq_window(vcpu, true);
}

static void svm_set_cr8_write_exit(struct hv_vcpu *vcpu, int held_irr)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;

	if (held_irr >= 0)
		svm_set_intercept(vmcb, INTERCEPT_CR8_WRITE);
	else
		svm_clr_intercept(vmcb, INTERCEPT_CR8_WRITE);
}

static void svm_get_paging(struct hv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4, u64 *efer)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	*cr0 = s->cr0;
	*cr3 = s->cr3;
	*cr4 = s->cr4;
	*efer = s->efer;
}

static bool svm_long_mode_code(struct vmcb_save_area *s)
{
	return (s->efer & EFER_LMA) && (s->cs.attrib & SVM_SEG_L);
}

static void svm_get_code_segment(struct hv_vcpu *vcpu, u64 *base, int *bits)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	if (svm_long_mode_code(s)) {
		*base = 0;
		*bits = 64;
		return;
	}
	*base = s->cs.base;
	*bits = (s->cr0 & X86_CR0_PE) && (s->cs.attrib & SVM_SEG_DB) ? 32 : 16;
}

static unsigned int svm_get_cpl(struct hv_vcpu *vcpu)
{
	/* The VMCB keeps the CPL apart from the segment attributes (APM 15.5.1). */
	return to_svm(vcpu)->vmcb->save.cpl & 3;
}

static u64 svm_get_segment_base(struct hv_vcpu *vcpu, int seg)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	bool flat = svm_long_mode_code(s);

	switch (seg) {
	case HV_SEG_ES:
		return flat ? 0 : s->es.base;
	case HV_SEG_CS:
		return flat ? 0 : s->cs.base;
	case HV_SEG_SS:
		return flat ? 0 : s->ss.base;
	case HV_SEG_DS:
		return flat ? 0 : s->ds.base;
	case HV_SEG_FS:
		return s->fs.base;
	case HV_SEG_GS:
		return s->gs.base;
	default:
		return 0;
	}
}

/*
 * NPT entries have the format of long-mode page-table entries.  Dirty
 * logging write-protects a page with R/W clear; reads and fetches go on.
 */
static u64 svm_tdp_leaf(phys_addr_t pa, bool writable)
{
	/* User: NPT treats every guest access as a user access. */
	return pa | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY |
	       (writable ? _PAGE_RW : 0);
}

/*
 * NPT entries have the host's long-mode format: 2 MiB pages always, 1 GiB
 * pages where the CPU has them for its own tables (CPUID Page1GB, which
 * KVM checks for its nested tables too).
 */
static int svm_tdp_max_leaf_level(void)
{
	return boot_cpu_has(X86_FEATURE_GBPAGES) ? 3 : 2;
}

static u64 svm_tdp_table(phys_addr_t pa)
{
	return pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
}

static u64 svm_tdp_root(phys_addr_t pa)
{
	return pa;
}

static void svm_emergency_disable(void)
{
	svm_leave();
}

const struct hv_arch_ops svm_ops = {
	.name			= "AMD SVM with nested paging",
	.vendor			= HV_VENDOR_SVM,
	.probe			= svm_probe,
	.setup			= svm_setup,
	.unsetup		= svm_unsetup,
	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
	.emergency_disable	= svm_emergency_disable,
	.vm_size		= sizeof(struct svm_vm),
	.vcpu_size		= sizeof(struct svm_vcpu),
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vcpu_init		= svm_vcpu_init,
	.vcpu_free		= svm_vcpu_free,
	/* No vcpu_put: the ASID and the clean bits are checked by enter() itself. */
	.vcpu_load		= svm_vcpu_load,
	.enter			= svm_enter,
	.exit_handlers		= svm_exit_handlers,
	.nr_exit_handlers	= ARRAY_SIZE(svm_exit_handlers),
	.dump_exit		= svm_dump_exit,
	.host_irqs_exit		= svm_host_irqs_exit,
	.has_next_rip		= svm_has_next_rip,
	.hw_features		= svm_hw_features,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.interrupt_allowed	= svm_interrupt_allowed,
	.interrupt_shadow	= svm_interrupt_shadow,
	.clear_interrupt_shadow	= svm_clear_interrupt_shadow,
	.inject_irq		= svm_inject_irq,
	.inject_exception	= svm_inject_exception,
	.add_dr6		= svm_add_dr6,
	.set_irq_window		= svm_set_irq_window,
	.cancel_event		= svm_cancel_event,
	.nmi_allowed		= svm_nmi_allowed,
	.inject_nmi		= svm_inject_nmi,
	.set_nmi_window		= svm_set_nmi_window,
	.get_cr8		= svm_get_cr8,
	.set_cr8		= svm_set_cr8,
	.set_cr8_write_exit	= svm_set_cr8_write_exit,
	.get_paging		= svm_get_paging,
	.get_code_segment	= svm_get_code_segment,
	.get_segment_base	= svm_get_segment_base,
	.get_cpl		= svm_get_cpl,
	.set_cr2		= svm_set_cr2,
	.tdp_leaf		= svm_tdp_leaf,
	.tdp_table		= svm_tdp_table,
	.tdp_root		= svm_tdp_root,
	.tdp_present_mask	= _PAGE_PRESENT,
	.tdp_writable_mask	= _PAGE_RW,
	.tdp_large_mask		= _PAGE_PSE,
	.tdp_max_leaf_level	= svm_tdp_max_leaf_level,
};
