// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's registers as hv's ABI sees them, kept in the VMCS: segments
 * (VMX access-rights layout, with its "unusable" bit), control registers
 * (VMX fixes some CR0/CR4 bits; the guest sees its own values through the
 * read shadows), MSRs, event injection and the paging state the software
 * walker needs.  Every function runs on the vCPU's thread with its VMCS
 * current (the vCPU is loaded for the whole ioctl).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "../hv_arch.h"
#include "../hv_emulate.h"
#include "../hv_main.h"
#include "../hv_trace.h"
#include "../x86/sregs.h"
#include "../x86/xsave.h"
#include "vmcs.h"

#define VMX_DEFAULT_PAT		0x0007040600070406ULL
#define VMX_DR7_RESET		0x400ULL

/* Segment register @i (enum hv_seg, then 6 = LDTR, 7 = TR): fields are 2 apart. */
#define VMX_SEG_LDTR		6
#define VMX_SEG_TR		7
#define VMX_SEG_SELECTOR(i)	(GUEST_ES_SELECTOR + 2 * (i))
#define VMX_SEG_LIMIT(i)	(GUEST_ES_LIMIT + 2 * (i))
#define VMX_SEG_AR(i)		(GUEST_ES_AR_BYTES + 2 * (i))
#define VMX_SEG_BASE(i)		(GUEST_ES_BASE + 2 * (i))

/*
 * CR0 and CR4 bits the host owns: those VMX forces to 1 (NE, VMXE; PE and
 * PG are free with unrestricted guest) and those it forces to 0.  Guest
 * writes that change an owned bit exit (vmx_exit.c); reads of it return
 * the read shadow, which holds the guest's own value.  Of CR4 the guest
 * owns only the bits every guest may toggle (PGE is toggled to flush the
 * TLB), as KVM does: a write to any other bit exits and is checked
 * against what the guest's CPUID offers (vmx_set_cr4()).
 */
#define VMX_CR4_GUEST_OWNED	(X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PGE | \
				 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

static u64 vmx_cr0_forced(void)
{
	return vmx_caps.cr0_fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
}

static u64 vmx_cr0_owned(void)
{
	return vmx_cr0_forced() | ~vmx_caps.cr0_fixed1;
}

static u64 vmx_cr4_owned(void)
{
	return vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1 | ~(u64)VMX_CR4_GUEST_OWNED;
}

u64 vmx_guest_cr0(void)
{
	u64 owned = vmx_cr0_owned();

	return (vmcs_read(GUEST_CR0) & ~owned) | (vmcs_read(CR0_READ_SHADOW) & owned);
}

u64 vmx_guest_cr4(void)
{
	u64 owned = vmx_cr4_owned();

	return (vmcs_read(GUEST_CR4) & ~owned) | (vmcs_read(CR4_READ_SHADOW) & owned);
}

static void vmx_load_cr0(u64 cr0)
{
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, (cr0 | vmx_cr0_forced()) & vmx_caps.cr0_fixed1);
}

static void vmx_load_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	hv_xsave_set_cr4(&vmx->vcpu, cr4);
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
}

/* IA-32e mode guest must equal EFER.LMA at every entry. */
static void vmx_load_efer(struct vmx_vcpu *vmx, u64 efer)
{
	vmcs_write(GUEST_IA32_EFER, efer);
	vmx_set_entry_controls(vmx, efer & EFER_LMA ? vmx->entry | VM_ENTRY_IA32E_MODE :
			       vmx->entry & ~VM_ENTRY_IA32E_MODE);
}

/*
 * PAE paging outside long mode: VM entry loads the four PDPTEs from the
 * VMCS, not from CR3, so they are read here whenever CR0/CR3/CR4 change.
 */
static void vmx_load_pdptrs(struct vmx_vcpu *vmx)
{
	u64 cr0 = vmx_guest_cr0(), cr4 = vmx_guest_cr4(), pdpte[4] = { 0 };
	int i;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) ||
	    (vmcs_read(GUEST_IA32_EFER) & EFER_LMA))
		return;
	if (hv_read_gpa(vmx->vcpu.vm, vmcs_read(GUEST_CR3) & ~0x1fULL, pdpte, sizeof(pdpte)))
		memset(pdpte, 0, sizeof(pdpte));
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
}

static void vmx_init_seg(int i, u16 selector, u32 ar, u64 base)
{
	vmcs_write(VMX_SEG_SELECTOR(i), selector);
	vmcs_write(VMX_SEG_LIMIT(i), 0xffff);
	vmcs_write(VMX_SEG_AR(i), ar);
	vmcs_write(VMX_SEG_BASE(i), base);
}

/* The architectural reset state (SDM "Processor State After Reset"). */
void vmx_init_guest_state(struct vmx_vcpu *vmx)
{
	int i;

	vmx_init_seg(HV_SEG_CS, 0xf000, 0x9b, 0xffff0000);
	for (i = HV_SEG_ES; i <= HV_SEG_GS; i++)
		if (i != HV_SEG_CS)
			vmx_init_seg(i, 0, 0x93, 0);
	vmx_init_seg(VMX_SEG_LDTR, 0, 0x82, 0);
	vmx_init_seg(VMX_SEG_TR, 0, 0x8b, 0);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(CR0_GUEST_HOST_MASK, vmx_cr0_owned());
	vmcs_write(CR4_GUEST_HOST_MASK, vmx_cr4_owned());
	vmx_load_cr0(X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vmx_load_cr4(vmx, 0);
	vmcs_write(GUEST_CR3, 0);
	vmx_load_efer(vmx, 0);
	vmcs_write(GUEST_IA32_PAT, VMX_DEFAULT_PAT);
	vmcs_write(GUEST_DR7, VMX_DR7_RESET);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, 0);
	vmx->dr6 = DR6_RESERVED;
}

static void vmx_seg_to_hv(int i, struct hv_segment *s)
{
	u32 ar = vmcs_read(VMX_SEG_AR(i));

	s->base = vmcs_read(VMX_SEG_BASE(i));
	s->limit = vmcs_read(VMX_SEG_LIMIT(i));
	s->selector = vmcs_read(VMX_SEG_SELECTOR(i));
	/* As on SVM: an unusable segment has no attributes. */
	if (ar & HV_VMX_AR_UNUSABLE)
		ar = 0;
	s->type = ar & 0xf;
	s->s = !!(ar & HV_VMX_AR_S);
	s->dpl = (ar >> 5) & 3;
	s->present = !!(ar & HV_VMX_AR_P);
	s->avl = !!(ar & HV_VMX_AR_AVL);
	s->l = !!(ar & HV_VMX_AR_L);
	s->db = !!(ar & HV_VMX_AR_DB);
	s->g = !!(ar & HV_VMX_AR_G);
	s->unusable = !s->present;
}

static void vmx_seg_from_hv(int i, const struct hv_segment *s)
{
	u32 ar = HV_VMX_AR_UNUSABLE;

	if (!s->unusable && s->present)
		ar = (s->type & 0xf) | (s->s ? HV_VMX_AR_S : 0) | ((s->dpl & 3) << 5) |
		     HV_VMX_AR_P | (s->avl ? HV_VMX_AR_AVL : 0) | (s->l ? HV_VMX_AR_L : 0) |
		     (s->db ? HV_VMX_AR_DB : 0) | (s->g ? HV_VMX_AR_G : 0);
	vmcs_write(VMX_SEG_SELECTOR(i), s->selector);
	vmcs_write(VMX_SEG_LIMIT(i), s->limit);
	vmcs_write(VMX_SEG_AR(i), ar);
	vmcs_write(VMX_SEG_BASE(i), s->base);
}

void vmx_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_seg_to_hv(HV_SEG_CS, &sregs->cs);
	vmx_seg_to_hv(HV_SEG_DS, &sregs->ds);
	vmx_seg_to_hv(HV_SEG_ES, &sregs->es);
	vmx_seg_to_hv(HV_SEG_FS, &sregs->fs);
	vmx_seg_to_hv(HV_SEG_GS, &sregs->gs);
	vmx_seg_to_hv(HV_SEG_SS, &sregs->ss);
	vmx_seg_to_hv(VMX_SEG_TR, &sregs->tr);
	vmx_seg_to_hv(VMX_SEG_LDTR, &sregs->ldt);
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_guest_cr0();
	sregs->cr2 = vmx->cr2;
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = vmx_guest_cr4();
	sregs->cr8 = vmx_get_cr8(vcpu);
	sregs->efer = vmcs_read(GUEST_IA32_EFER);
}

/*
 * hv_sregs_check() (x86/sregs.c) has refused what no CPU accepts; what VMX
 * itself cannot enter with (segment attributes, a CR3 beyond this CPU's
 * physical-address width) is left to the VM-entry checks and reported as
 * HV_EXIT_FAIL_ENTRY, as on SVM.
 */
int vmx_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_seg_from_hv(HV_SEG_CS, &sregs->cs);
	vmx_seg_from_hv(HV_SEG_DS, &sregs->ds);
	vmx_seg_from_hv(HV_SEG_ES, &sregs->es);
	vmx_seg_from_hv(HV_SEG_FS, &sregs->fs);
	vmx_seg_from_hv(HV_SEG_GS, &sregs->gs);
	vmx_seg_from_hv(HV_SEG_SS, &sregs->ss);
	vmx_seg_from_hv(VMX_SEG_TR, &sregs->tr);
	vmx_seg_from_hv(VMX_SEG_LDTR, &sregs->ldt);
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx_load_cr0(sregs->cr0);
	vmx->cr2 = sregs->cr2;
	vmcs_write(GUEST_CR3, sregs->cr3);
	vmx_load_cr4(vmx, sregs->cr4);
	vmx_set_cr8(vcpu, sregs->cr8);
	vmx_load_efer(vmx, sregs->efer);
	vmx_load_pdptrs(vmx);
	/* New paging state: drop what this CPU cached for the old one. */
	vmx->need_cpu_flush = true;
	return 0;
}

/*
 * Guest MOV to CR0 or LMSW that touched a host-owned bit.  The checks are
 * those of the instruction; -EINVAL means #GP for the guest.  Turning
 * paging on or off with EFER.LME set enters or leaves IA-32e mode here,
 * as the CPU would have done had the write not exited.
 */
int vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	u64 old = vmx_guest_cr0(), efer = vmcs_read(GUEST_IA32_EFER);

	cr0 |= X86_CR0_ET;
	if ((cr0 >> 32) || (cr0 & ~vmx_caps.cr0_fixed1))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(vmx_guest_cr4() & X86_CR4_PAE))
			return -EINVAL;
		efer |= EFER_LMA;
	} else if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG)) {
		efer &= ~EFER_LMA;
	}
	vmx_load_cr0(cr0);
	vmx_load_efer(vmx, efer);
	vmx_load_pdptrs(vmx);
	vmx->need_cpu_flush = true;
	return 0;
}

int vmx_set_cr3(struct vmx_vcpu *vmx, u64 cr3)
{
	vmcs_write(GUEST_CR3, cr3);
	vmx_load_pdptrs(vmx);
	vmx->need_cpu_flush = true;
	return 0;
}

int vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	/* cr4_valid has no VMXE: VMX is not offered to guests (CPUID hides it). */
	if ((cr4 & ~vmx_caps.cr4_fixed1) ||
	    !hv_cr4_write_ok(vmx_guest_cr4(), cr4, vmcs_read(GUEST_CR3),
			     vmcs_read(GUEST_IA32_EFER) & EFER_LMA, vmx->vcpu.cr4_valid))
		return -EINVAL;
	vmx_load_cr4(vmx, cr4);
	vmx_load_pdptrs(vmx);
	vmx->need_cpu_flush = true;
	return 0;
}

/* The syscall MSRs hv swaps: in hardware while the guest's are loaded. */
static u64 *vmx_swapped_msr(struct vmx_vcpu *vmx, u32 index)
{
	switch (index) {
	case MSR_KERNEL_GS_BASE:	return &vmx->msrs.kernel_gs_base;
	case MSR_STAR:			return &vmx->msrs.star;
	case MSR_LSTAR:			return &vmx->msrs.lstar;
	case MSR_CSTAR:			return &vmx->msrs.cstar;
	case MSR_SYSCALL_MASK:		return &vmx->msrs.sfmask;
	default:			return NULL;
	}
}

/* MSRs that live in the VMCS guest-state area. */
static unsigned long vmx_msr_field(u32 index)
{
	switch (index) {
	case MSR_FS_BASE:		return GUEST_FS_BASE;
	case MSR_GS_BASE:		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:	return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:	return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:	return GUEST_SYSENTER_EIP;
	case MSR_IA32_CR_PAT:		return GUEST_IA32_PAT;
	default:			return 0;
	}
}

int vmx_get_msr(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(index);
	u64 *slot = vmx_swapped_msr(vmx, index);

	if (slot) {
		if (vmx->host_state_saved)
			rdmsrl(index, *slot);
		*data = *slot;
		return 0;
	}
	if (field) {
		*data = vmcs_read(field);
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vmcs_read(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmcs_read(TSC_OFFSET);
		return 0;
	default:
		return -EINVAL;
	}
}

int vmx_set_msr(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(index);
	u64 *slot = vmx_swapped_msr(vmx, index);

	if ((slot || field) && index != MSR_IA32_SYSENTER_CS && index != MSR_SYSCALL_MASK &&
	    index != MSR_STAR && index != MSR_IA32_CR_PAT && !hv_canonical(data))
		return -EINVAL;
	if (slot) {
		*slot = data;
		if (vmx->host_state_saved)
			wrmsrl(index, data);
		return 0;
	}
	if (index == MSR_IA32_CR_PAT && !hv_pat_valid(data))
		return -EINVAL;
	if (field) {
		vmcs_write(field, data);
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		if (hv_efer_write(&data, vmcs_read(GUEST_IA32_EFER), vmx_guest_cr0(),
				  vcpu->efer_valid))
			return -EINVAL;
		vmx_load_efer(vmx, data);
		return 0;
	case MSR_IA32_TSC:
		vmcs_write(TSC_OFFSET, data - rdtsc());
		return 0;
	default:
		return -EINVAL;
	}
}

bool vmx_interrupt_shadow(struct hv_vcpu *vcpu)
{
	return to_vmx(vcpu)->interruptibility & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
}

/* CR2 is not in the VMCS: the entry path loads it into the CPU's CR2. */
void vmx_set_cr2(struct hv_vcpu *vcpu, u64 cr2)
{
	to_vmx(vcpu)->cr2 = cr2;
}

void vmx_clear_interrupt_shadow(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 shadow = GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS;

	if (vmx->interruptibility & shadow) {
		vmx->interruptibility &= ~shadow;
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, vmx->interruptibility);
	}
}

bool vmx_interrupt_allowed(struct hv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !vmx_interrupt_shadow(vcpu) &&
	       !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

void vmx_inject_irq(struct hv_vcpu *vcpu, u8 vector)
{
	u32 info = vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK;

	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	trace_hv_inject(vcpu->id, info, 0, false);
}

/* The guest's DR6 is software on VMX (vmx_exit_dr()). */
void vmx_add_dr6(struct hv_vcpu *vcpu, u64 bits)
{
	to_vmx(vcpu)->dr6 |= bits;
}

void vmx_inject_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/* Real mode pushes no error code; VM entry refuses one there. */
	if (has_error && (vmx_guest_cr0() & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	trace_hv_inject(vcpu->id, info, error, false);
}

/* Interrupt-window exiting: an exit as soon as the guest can take an interrupt. */
void vmx_set_irq_window(struct hv_vcpu *vcpu, bool enable)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_set_proc_controls(vmx, enable ? vmx->proc | CPU_BASED_INTR_WINDOW_EXITING :
			      vmx->proc & ~CPU_BASED_INTR_WINDOW_EXITING);
}

void vmx_cancel_event(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx->interruptibility &= ~GUEST_INTR_STATE_NMI;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, vmx->interruptibility);
	vmx_set_nmi_window(vcpu, false);
}

bool vmx_nmi_allowed(struct hv_vcpu *vcpu)
{
	u32 blocked = GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS | GUEST_INTR_STATE_NMI;

	return vmx_caps.virtual_nmis && !(to_vmx(vcpu)->interruptibility & blocked) &&
	       !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

void vmx_inject_nmi(struct hv_vcpu *vcpu)
{
	u32 info = HV_VEC_NMI | INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK;

	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	trace_hv_inject(vcpu->id, info, 0, false);
}

void vmx_set_nmi_window(struct hv_vcpu *vcpu, bool enable)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx_caps.virtual_nmis)
		return;
	vmx_set_proc_controls(vmx, enable ? vmx->proc | CPU_BASED_NMI_WINDOW_EXITING :
			      vmx->proc & ~CPU_BASED_NMI_WINDOW_EXITING);
}

/*
 * CR8 is the TPR shadow's byte (bits 7:4 of the virtual-APIC page's TPR)
 * where the vCPU has one; otherwise CR8 accesses exit (vmx_exit.c) and
 * use vmx->cr8.
 */
#define VMX_VAPIC_TPR		0x80

u8 vmx_get_cr8(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return vmx->vapic ? READ_ONCE(vmx->vapic[VMX_VAPIC_TPR]) >> 4 : vmx->cr8;
}

void vmx_set_cr8(struct hv_vcpu *vcpu, u8 cr8)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->vapic)
		WRITE_ONCE(vmx->vapic[VMX_VAPIC_TPR], (cr8 & 0xf) << 4);
	else
		vmx->cr8 = cr8 & 0xf;
}

/*
 * @held_irr: the highest pending vector the TPR or the ISR holds back, or
 * -1.  If the TPR holds it, a CR8 write that lowers the TPR below its
 * priority class must exit; VM entry requires TPR_THRESHOLD <= the TPR's
 * class, so a vector held only by the ISR (its EOI exits anyway) sets 0.
 */
void vmx_set_cr8_write_exit(struct hv_vcpu *vcpu, int held_irr)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 threshold = 0;

	if (!vmx->vapic)
		return;
	if (held_irr >= 0 && (u32)held_irr >> 4 <= vmx_get_cr8(vcpu))
		threshold = (u32)held_irr >> 4;
	if (threshold != vmx->tpr_threshold) {
		vmx->tpr_threshold = threshold;
		vmcs_write(TPR_THRESHOLD, threshold);
	}
}

void vmx_get_paging(struct hv_vcpu *vcpu, u64 *cr0, u64 *cr3, u64 *cr4, u64 *efer)
{
	*cr0 = vmx_guest_cr0();
	*cr3 = vmcs_read(GUEST_CR3);
	*cr4 = vmx_guest_cr4();
	*efer = vmcs_read(GUEST_IA32_EFER);
}

static bool vmx_long_mode_code(void)
{
	return (vmcs_read(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read(GUEST_CS_AR_BYTES) & HV_VMX_AR_L);
}

void vmx_get_code_segment(struct hv_vcpu *vcpu, u64 *base, int *bits)
{
	if (vmx_long_mode_code()) {
		*base = 0;
		*bits = 64;
		return;
	}
	*base = vmcs_read(GUEST_CS_BASE);
	*bits = (vmx_guest_cr0() & X86_CR0_PE) &&
		(vmcs_read(GUEST_CS_AR_BYTES) & HV_VMX_AR_DB) ? 32 : 16;
}

u64 vmx_get_segment_base(struct hv_vcpu *vcpu, int seg)
{
	if (seg < HV_SEG_ES || seg > HV_SEG_GS)
		return 0;
	if (seg != HV_SEG_FS && seg != HV_SEG_GS && vmx_long_mode_code())
		return 0;
	return vmcs_read(VMX_SEG_BASE(seg));
}

/* SDM 27.3.1.5 / 26.3.1.2: SS.DPL always holds the CPL; real mode runs at CPL 0. */
unsigned int vmx_get_cpl(struct hv_vcpu *vcpu)
{
	if (!(vmx_guest_cr0() & X86_CR0_PE))
		return 0;
	return (vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3;
}
