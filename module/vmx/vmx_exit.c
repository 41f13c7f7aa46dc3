// SPDX-License-Identifier: GPL-2.0
/*
 * VMX exit handling: a table indexed by the basic exit reason turns each
 * VM exit into the same neutral actions the SVM backend uses
 * (hv_emulate.c).  VMX reports the length of every instruction that
 * exits, so the next RIP never needs decoding here; MMIO still decodes the
 * faulting instruction (x86/insn.c) to learn size, direction and register.
 *
 * A VM entry that fails becomes HV_EXIT_FAIL_ENTRY with this encoding of
 * hardware_entry_failure_reason (docs/abi.md):
 *   VMfailValid:               the VM-instruction error number (bit 31 clear)
 *   exit with bit 31 set:      exit reason (bits 31:0, bit 31 set) and the
 *                              exit qualification in bits 63:32
 *   VMfailInvalid, or a fault: all ones, as SVM's VMEXIT_INVALID
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "../hv_arch.h"
#include "../hv_emulate.h"
#include "../hv_main.h"
#include "vmcs.h"

#define HV_DR6_WRITABLE		(DR_TRAP_BITS | BIT(13) | DR_STEP | BIT(15) | BIT(16))
#define HV_DR7_FIXED		0x400ULL
#define HV_DR7_RESERVED		(BIT_ULL(11) | BIT_ULL(12) | BIT_ULL(14) | BIT_ULL(15) | \
				 GENMASK_ULL(63, 32))

typedef int (*vmx_exit_handler)(struct vmx_vcpu *vmx);

/* SDM Vol. 3 "VM-Instruction Error Numbers". */
static const char * const vmx_insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_string(u32 error)
{
	if (error < ARRAY_SIZE(vmx_insn_errors) && vmx_insn_errors[error])
		return vmx_insn_errors[error];
	return "unknown VM-instruction error";
}

/* Exit qualification of a VM-entry failure while loading guest state. */
static const char *vmx_entry_qual_string(u64 qual)
{
	switch (qual) {
	case 0:	return "no further detail";
	case 2:	return "PDPTE loading";
	case 3:	return "NMI injection";
	case 4:	return "VMCS link pointer";
	default: return "unknown qualification";
	}
}

/*
 * One line per event, rate limited: a VMM can fail entries in a loop.  The
 * VMCS's guest state follows only with dump_invalid_state set (then every
 * time: whoever set it asked for it).  Needs the vCPU's VMCS current.
 */
void vmx_dump(struct vmx_vcpu *vmx, const char *fmt, ...)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);
	struct va_format vaf;
	va_list args;

	if (!hv_dump_invalid_state && !__ratelimit(&rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("vcpu %u: %pV: reason %#x qual %#llx intr_info %#x idt_vectoring %#x\n",
	       vmx->vcpu.id, &vaf, vmx->exit_reason, vmx->exit_qual, vmx->exit_intr_info,
	       vmx->idt_vectoring);
	va_end(args);
	if (!hv_dump_invalid_state)
		return;
	pr_err("  rip %#llx rsp %#llx rflags %#llx cr0 %#lx/%#lx cr3 %#lx cr4 %#lx/%#lx efer %#lx entry %#x\n",
	       vmx->vcpu.rip, vmx->vcpu.regs[HV_RSP], vmx->vcpu.rflags, vmcs_read(GUEST_CR0),
	       vmcs_read(CR0_READ_SHADOW), vmcs_read(GUEST_CR3), vmcs_read(GUEST_CR4),
	       vmcs_read(CR4_READ_SHADOW), vmcs_read(GUEST_IA32_EFER), vmx->entry);
	pr_err("  cs %04lx/%05lx/%08lx/%lx ss %04lx/%05lx ds %04lx/%05lx tr %04lx/%05lx/%lx ldtr %05lx gdt %lx/%lx idt %lx/%lx intr_state %#x\n",
	       vmcs_read(GUEST_CS_SELECTOR), vmcs_read(GUEST_CS_AR_BYTES),
	       vmcs_read(GUEST_CS_LIMIT), vmcs_read(GUEST_CS_BASE),
	       vmcs_read(GUEST_SS_SELECTOR), vmcs_read(GUEST_SS_AR_BYTES),
	       vmcs_read(GUEST_DS_SELECTOR), vmcs_read(GUEST_DS_AR_BYTES),
	       vmcs_read(GUEST_TR_SELECTOR), vmcs_read(GUEST_TR_AR_BYTES),
	       vmcs_read(GUEST_TR_LIMIT), vmcs_read(GUEST_LDTR_AR_BYTES),
	       vmcs_read(GUEST_GDTR_BASE), vmcs_read(GUEST_GDTR_LIMIT),
	       vmcs_read(GUEST_IDTR_BASE), vmcs_read(GUEST_IDTR_LIMIT), vmx->interruptibility);
}

static int vmx_exit_unknown(struct vmx_vcpu *vmx)
{
	u64 data[4] = { vmx->exit_reason, vmx->exit_qual, vmx->exit_intr_info, vmx->vcpu.rip };

	vmx_dump(vmx, "unexpected exit");
	return hv_exit_internal_error(&vmx->vcpu, HV_INTERNAL_ERROR_UNKNOWN_EXIT, data, 4);
}

static int vmx_exit_exception_nmi(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u32 info = vmx->exit_intr_info;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	/* The host's NMI: vmx_enter() already ran its handler. */
	if (type == INTR_TYPE_NMI_INTR) {
		vcpu->stat_reason = HV_STAT_NMI;
		return 1;
	}
	vcpu->stat_reason = HV_STAT_EXCEPTION;
	/* #AC and #DB are intercepted only to stop delivery loops; reflect them. */
	if (vector == HV_VEC_AC) {
		hv_ops->inject_exception(vcpu, HV_VEC_AC, true, 0);
		return 1;
	}
	if (vector == HV_VEC_DB) {
		/* The exit qualification holds what the CPU would have put in DR6. */
		vmx->dr6 |= vmx->exit_qual & (DR_TRAP_BITS | BIT(13) | DR_STEP);
		if (type == INTR_TYPE_PRIV_SW_EXCEPTION) {
			/* INT1 (ICEBP): delivered as the instruction, after it. */
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmx->insn_len);
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, HV_VEC_DB |
				   INTR_TYPE_PRIV_SW_EXCEPTION | INTR_INFO_VALID_MASK);
			return 1;
		}
		hv_ops->inject_exception(vcpu, HV_VEC_DB, false, 0);
		return 1;
	}
	return vmx_exit_unknown(vmx);
}

static int vmx_exit_extint(struct vmx_vcpu *vmx)
{
	/* Not acknowledged: the host takes it through its IDT once IF is set again. */
	vmx->vcpu.stat_reason = HV_STAT_EXTERNAL_INTERRUPT;
	return 1;
}

static int vmx_exit_triple_fault(struct vmx_vcpu *vmx)
{
	return hv_exit_to_user(&vmx->vcpu, HV_EXIT_SHUTDOWN);
}

static int vmx_exit_irq_window(struct vmx_vcpu *vmx)
{
	return hv_exit_irq_window(&vmx->vcpu);
}

static int vmx_exit_cpuid(struct vmx_vcpu *vmx)
{
	return hv_emulate_cpuid(&vmx->vcpu);
}

static int vmx_exit_hlt(struct vmx_vcpu *vmx)
{
	return hv_emulate_hlt(&vmx->vcpu);
}

/* INVD would discard dirty host cache lines, WBINVD flush them all: a no-op is enough. */
static int vmx_exit_cache(struct vmx_vcpu *vmx)
{
	vmx->vcpu.stat_reason = HV_STAT_OTHER;
	return hv_skip_or_error(&vmx->vcpu);
}

/* INVLPG exits only where the CPU forces INVLPG exiting on. */
static int vmx_exit_invlpg(struct vmx_vcpu *vmx)
{
	vmx->need_cpu_flush = true;
	return hv_skip_or_error(&vmx->vcpu);
}

static int vmx_exit_rdpmc(struct vmx_vcpu *vmx)
{
	/* No performance counters are virtualized: the guest sees #GP. */
	vmx->vcpu.stat_reason = HV_STAT_INVALID_INSN;
	hv_ops->inject_exception(&vmx->vcpu, HV_VEC_GP, true, 0);
	return 1;
}

static int vmx_exit_vmcall(struct vmx_vcpu *vmx)
{
	return hv_exit_hypercall(&vmx->vcpu);
}

/* VMX instructions, MONITOR/MWAIT, XSETBV: not offered to guests. */
static int vmx_exit_invalid_insn(struct vmx_vcpu *vmx)
{
	vmx->vcpu.stat_reason = HV_STAT_INVALID_INSN;
	return hv_inject_ud(&vmx->vcpu);
}

/* MOV to/from CR0/CR3/CR4/CR8, CLTS, LMSW touching a host-owned bit. */
static int vmx_exit_cr(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 q = vmx->exit_qual, val = 0, cr0;
	int cr = HV_VMX_CR_NUM(q), gpr = HV_VMX_CR_GPR(q), r = 0;

	vcpu->stat_reason = HV_STAT_OTHER;
	switch (HV_VMX_CR_TYPE(q)) {
	case HV_CR_MOV_TO:
		val = hv_gpr_read(vcpu, gpr);
		if (cr == 0)
			r = vmx_set_cr0(vmx, val);
		else if (cr == 3)
			r = vmx_set_cr3(vmx, val);
		else if (cr == 4)
			r = vmx_set_cr4(vmx, val);
		else if (cr == 8)
			r = val > 15 ? -EINVAL : (vmx->cr8 = val, 0);
		else
			return vmx_exit_unknown(vmx);
		break;
	case HV_CR_MOV_FROM:
		if (cr == 3)
			val = vmcs_read(GUEST_CR3);
		else if (cr == 8)
			val = vmx->cr8;
		else
			return vmx_exit_unknown(vmx);
		hv_gpr_write(vcpu, gpr, val);
		break;
	case HV_CR_CLTS:
		r = vmx_set_cr0(vmx, vmx_guest_cr0() & ~(u64)X86_CR0_TS);
		break;
	case HV_CR_LMSW:
		/* LMSW writes MP, EM and TS, and can set PE but not clear it. */
		cr0 = vmx_guest_cr0();
		r = vmx_set_cr0(vmx, (cr0 & ~0xeULL) | (HV_VMX_CR_LMSW_DATA(q) & 0xf));
		break;
	}
	if (r) {
		hv_ops->inject_exception(vcpu, HV_VEC_GP, true, 0);
		return 1;
	}
	return hv_skip_or_error(vcpu);
}

/*
 * MOV to/from DRn.  DR0-3 are the core's software copies (as on SVM, the
 * host's breakpoints stay in hardware); DR6 is software too, DR7 is the
 * VMCS's.  DR4/5 alias DR6/7 unless CR4.DE makes them #UD.
 */
static int vmx_exit_dr(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 q = vmx->exit_qual, val;
	int dr = q & 7, gpr = (q >> 8) & 0xf;
	bool from = q & BIT(4);

	vcpu->stat_reason = HV_STAT_DR_ACCESS;
	if (dr == 4 || dr == 5) {
		if (vmx_guest_cr4() & X86_CR4_DE)
			return hv_inject_ud(vcpu);
		dr += 2;
	}
	if (from) {
		val = dr < 4 ? vcpu->db[dr] : dr == 6 ? vmx->dr6 : vmcs_read(GUEST_DR7);
		hv_gpr_write(vcpu, gpr, val);
		return hv_skip_or_error(vcpu);
	}
	val = hv_gpr_read(vcpu, gpr);
	if (dr < 4) {
		vcpu->db[dr] = val;
	} else if (val >> 32) {
		hv_ops->inject_exception(vcpu, HV_VEC_GP, true, 0);
		return 1;
	} else if (dr == 6) {
		vmx->dr6 = (val & HV_DR6_WRITABLE) | DR6_RESERVED;
	} else {
		vmcs_write(GUEST_DR7, (val & ~HV_DR7_RESERVED) | HV_DR7_FIXED);
	}
	return hv_skip_or_error(vcpu);
}

/* Address size of INS/OUTS: instruction information where the CPU gives it. */
static u8 vmx_string_addr_size(struct vmx_vcpu *vmx)
{
	struct hv_insn insn;

	if (vmx_caps.basic & HV_VMX_BASIC_INOUT)
		return 2 << ((vmcs_read(VMX_INSTRUCTION_INFO) >> 7) & 3);
	if (hv_fetch_insn(&vmx->vcpu, &insn))
		return 0;
	return insn.addr_size;
}

static int vmx_exit_io(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 q = vmx->exit_qual;
	struct hv_io_exit io = {
		.port = q >> 16,
		.size = (q & HV_VMX_IO_SIZE) + 1,
		.in = q & HV_VMX_IO_IN,
		.string = q & HV_VMX_IO_STRING,
		.rep = q & HV_VMX_IO_REP,
		.addr_size = 8,
		.next_rip = vcpu->rip + vmx->insn_len,
	};

	if (io.string) {
		io.addr_size = vmx_string_addr_size(vmx);
		if (io.addr_size != 2 && io.addr_size != 4 && io.addr_size != 8) {
			u64 data[2] = { vcpu->rip, io.port };

			return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_EMULATION, data, 2);
		}
	}
	return hv_exit_io(vcpu, &io);
}

static int vmx_exit_rdmsr(struct vmx_vcpu *vmx)
{
	return hv_emulate_rdmsr(&vmx->vcpu);
}

static int vmx_exit_wrmsr(struct vmx_vcpu *vmx)
{
	return hv_emulate_wrmsr(&vmx->vcpu);
}

/* The VMX-preemption timer (see vmx_set_preemption_timer()): just a chance to run the host. */
static int vmx_exit_preemption_timer(struct vmx_vcpu *vmx)
{
	vmx->vcpu.stat_reason = HV_STAT_OTHER;
	return 1;
}

static int vmx_exit_ept_violation(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int r;

	r = hv_mmu_fault(vcpu->vm, gpa, vmx->exit_qual & EPT_VIOLATION_ACC_WRITE);
	if (r) {
		vcpu->stat_reason = HV_STAT_NPF;
		return r;
	}
	if (vmx->idt_vectoring & VECTORING_INFO_VALID_MASK) {
		/* The CPU touched MMIO while delivering an event (IDT, stack). */
		u64 data[2] = { gpa, vmx->idt_vectoring };

		return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_DELIVERY, data, 2);
	}
	return hv_exit_mmio(vcpu, gpa);
}

static int vmx_exit_ept_misconfig(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 data[2] = { vmcs_read(GUEST_PHYSICAL_ADDRESS), vcpu->rip };

	/* hv wrote a bad EPT entry: stop this VM, not the host. */
	WARN_ON_ONCE(1);
	vmx_dump(vmx, "EPT misconfiguration");
	hv_vm_mark_dead(vcpu->vm);
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_UNKNOWN_EXIT, data, 2);
}

static const vmx_exit_handler vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= vmx_exit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= vmx_exit_extint,
	[EXIT_REASON_TRIPLE_FAULT]		= vmx_exit_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= vmx_exit_irq_window,
	[EXIT_REASON_CPUID]			= vmx_exit_cpuid,
	[EXIT_REASON_HLT]			= vmx_exit_hlt,
	[EXIT_REASON_INVD]			= vmx_exit_cache,
	[EXIT_REASON_INVLPG]			= vmx_exit_invlpg,
	[EXIT_REASON_RDPMC]			= vmx_exit_rdpmc,
	[EXIT_REASON_VMCALL]			= vmx_exit_vmcall,
	[EXIT_REASON_VMCLEAR]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMLAUNCH]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMPTRLD]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMPTRST]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMREAD]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMRESUME]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMWRITE]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMOFF]			= vmx_exit_invalid_insn,
	[EXIT_REASON_VMON]			= vmx_exit_invalid_insn,
	[EXIT_REASON_CR_ACCESS]			= vmx_exit_cr,
	[EXIT_REASON_DR_ACCESS]			= vmx_exit_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= vmx_exit_io,
	[EXIT_REASON_MSR_READ]			= vmx_exit_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= vmx_exit_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= vmx_exit_invalid_insn,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= vmx_exit_invalid_insn,
	[EXIT_REASON_EPT_VIOLATION]		= vmx_exit_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= vmx_exit_ept_misconfig,
	[EXIT_REASON_INVEPT]			= vmx_exit_invalid_insn,
	[EXIT_REASON_PREEMPTION_TIMER]		= vmx_exit_preemption_timer,
	[EXIT_REASON_INVVPID]			= vmx_exit_invalid_insn,
	[EXIT_REASON_WBINVD]			= vmx_exit_cache,
	[EXIT_REASON_XSETBV]			= vmx_exit_invalid_insn,
};

/*
 * An event the CPU was delivering when the exit happened (IDT-vectoring
 * information) must be delivered again on the next entry.  Software
 * interrupts and exceptions (INT n, INT3, INTO) are not re-injected but
 * re-executed: RIP still points at the instruction, as on SVM.
 */
static void vmx_reinject_event(struct vmx_vcpu *vmx)
{
	u32 info = vmx->idt_vectoring;
	u32 type = info & VECTORING_INFO_TYPE_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		return;
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmx->idt_vectoring_err);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESVD_BITS_MASK);
}

static int vmx_exit_fail_entry(struct vmx_vcpu *vmx)
{
	struct hv_run *run = vmx->vcpu.run;
	u64 reason;

	if (vmx->fail == 1) {
		vmx_dump(vmx, "VMLAUNCH/VMRESUME failed with VM-instruction error %u (%s)",
			 vmx->insn_error, vmx_insn_error_string(vmx->insn_error));
		reason = vmx->insn_error;
	} else if (vmx->fail) {
		/* No VMCS to dump: the one line only. */
		pr_err_ratelimited("vcpu %u: VMLAUNCH/VMRESUME %s\n", vmx->vcpu.id,
				   vmx->fail == 2 ? "found no current VMCS (VMfailInvalid)" :
				   "faulted");
		reason = ~0ULL;
	} else {
		u32 basic = vmx->exit_reason & HV_VMX_BASIC_REASON;

		vmx_dump(vmx, "VM-entry failure, exit reason %u (%s), qualification %llu (%s)",
			 basic,
			 basic == EXIT_REASON_INVALID_STATE ? "invalid guest state" :
			 basic == EXIT_REASON_MSR_LOAD_FAIL ? "MSR loading" :
			 basic == EXIT_REASON_MCE_DURING_VMENTRY ? "machine-check event" :
			 "unexpected", vmx->exit_qual, vmx_entry_qual_string(vmx->exit_qual));
		reason = vmx->exit_reason | (vmx->exit_qual << 32);
	}
	run->fail_entry.hardware_entry_failure_reason = reason;
	run->fail_entry.cpu = raw_smp_processor_id();
	return hv_exit_to_user(&vmx->vcpu, HV_EXIT_FAIL_ENTRY);
}

/* Exits caused by an instruction: VMX reports its length. */
static bool vmx_exit_has_insn_len(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_HLT:
	case EXIT_REASON_INVD:
	case EXIT_REASON_INVLPG:
	case EXIT_REASON_RDPMC:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_DR_ACCESS:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_WBINVD:
		return true;
	default:
		return false;
	}
}

int vmx_handle_exit(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 reason = vmx->exit_reason & HV_VMX_BASIC_REASON;
	vmx_exit_handler handler = NULL;

	vcpu->stat_reason = HV_STAT_OTHER;
	if (vmx->fail || (vmx->exit_reason & HV_VMX_EXIT_FAILED_ENTRY))
		return vmx_exit_fail_entry(vmx);
	vmx_reinject_event(vmx);
	if (vmx_exit_has_insn_len(reason))
		vcpu->next_rip = vcpu->rip + vmx->insn_len;
	if (reason < ARRAY_SIZE(vmx_exit_handlers))
		handler = vmx_exit_handlers[array_index_nospec(reason,
							       ARRAY_SIZE(vmx_exit_handlers))];
	if (!handler)
		return vmx_exit_unknown(vmx);
	return handler(vmx);
}
