// SPDX-License-Identifier: GPL-2.0
/*
 * VMX exit translation: each VM exit is recorded as a neutral struct
 * hv_exit, and a table indexed by the basic exit reason names the reason it
 * counts as and its handler (the same common handlers the SVM table names),
 * which hv_exit.c calls.  VMX reports the length of every instruction that
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
#include "../hv_trace.h"
#include "../x86/xsave.h"
#include "vmcs.h"

#define HV_DR6_WRITABLE		(DR_TRAP_BITS | BIT(13) | DR_STEP | BIT(15) | BIT(16))
#define HV_DR7_FIXED		0x400ULL
#define HV_DR7_RESERVED		(BIT_ULL(11) | BIT_ULL(12) | BIT_ULL(14) | BIT_ULL(15) | \
				 GENMASK_ULL(63, 32))

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

/* An exit the controls should not have let happen: HV_INTERNAL_ERROR_UNKNOWN_EXIT. */
static int vmx_exit_unexpected(struct hv_vcpu *vcpu, const char *why)
{
	u64 data[HV_INTERNAL_ERROR_UNKNOWN_EXIT_NDATA] = {
		vcpu->exit.hw_reason, vcpu->exit.qual, vcpu->exit.info, vcpu->rip,
	};

	vmx_dump(to_vmx(vcpu), "%s", why);
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_UNKNOWN_EXIT, data, ARRAY_SIZE(data));
}

static int vmx_exit_exception_nmi(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx->exit_intr_info;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	/* The host's NMI: vmx_enter() already ran its handler. */
	if (type == INTR_TYPE_NMI_INTR) {
		vcpu->exit.reason = HV_STAT_NMI;
		return 1;
	}
	/* #AC and #DB are intercepted only to stop delivery loops; reflect them. */
	if (vector == HV_VEC_AC)
		return hv_reflect_ac(vcpu);
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
		return hv_reflect_db(vcpu);
	}
	return vmx_exit_unexpected(vcpu, "unexpected exception");
}

/* INVLPG exits only where the CPU forces INVLPG exiting on. */
static int vmx_exit_invlpg(struct hv_vcpu *vcpu)
{
	to_vmx(vcpu)->need_cpu_flush = true;
	return hv_skip_or_error(vcpu);
}

/* MOV to/from CR0/CR3/CR4/CR8, CLTS, LMSW touching a host-owned bit. */
static int vmx_exit_cr(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit_qual, val = 0, cr0;
	int cr = HV_VMX_CR_NUM(q), gpr = HV_VMX_CR_GPR(q), r = 0;

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
			return vmx_exit_unexpected(vcpu, "unexpected CR access");
		break;
	case HV_CR_MOV_FROM:
		if (cr == 3)
			val = vmcs_read(GUEST_CR3);
		else if (cr == 8)
			val = vmx->cr8;
		else
			return vmx_exit_unexpected(vcpu, "unexpected CR access");
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
	if (r)
		return hv_inject_gp(vcpu);
	return hv_skip_or_error(vcpu);
}

/*
 * MOV to/from DRn.  DR0-3 are the core's copies (x86/debugreg.c loads
 * them around entry when the guest uses them); DR6 is software (VMX does
 * not switch it: a #DB that exits leaves it alone), DR7 is the VMCS's.
 * DR4/5 alias DR6/7 unless CR4.DE makes them #UD.
 */
static int vmx_exit_dr(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit_qual, val;
	int dr = q & 7, gpr = (q >> 8) & 0xf;
	bool from = q & BIT(4);

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
		hv_set_db(vcpu, dr, val);
	} else if (val >> 32) {
		return hv_inject_gp(vcpu);
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

static int vmx_exit_io(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit_qual;
	struct hv_io_exit io = {
		.port = q >> 16,
		.size = (q & HV_VMX_IO_SIZE) + 1,
		.in = q & HV_VMX_IO_IN,
		.string = q & HV_VMX_IO_STRING,
		.rep = q & HV_VMX_IO_REP,
		.addr_size = 8,
		.next_rip = vcpu->exit.next_rip,
	};

	if (io.string) {
		io.addr_size = vmx_string_addr_size(vmx);
		if (io.addr_size != 2 && io.addr_size != 4 && io.addr_size != 8)
			return hv_exit_emulation_error(vcpu, 0);
	}
	return hv_exit_io(vcpu, &io);
}

static int vmx_exit_ept_violation(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return hv_exit_npf(vcpu, vmcs_read(GUEST_PHYSICAL_ADDRESS),
			   vmx->exit_qual & EPT_VIOLATION_ACC_WRITE, vmx->idt_vectoring);
}

static int vmx_exit_ept_misconfig(struct hv_vcpu *vcpu)
{
	return hv_exit_tdp_misconfig(vcpu, vmcs_read(GUEST_PHYSICAL_ADDRESS));
}

#define INVALID_INSN	{ hv_inject_ud, HV_STAT_INVALID_INSN }

/* An NMI may be injected now: the next entry does it. */
static int vmx_exit_nmi_window(struct hv_vcpu *vcpu)
{
	vmx_set_nmi_window(vcpu, false);
	return 1;
}

/* Basic exit reason -> the neutral reason it counts as, and its handler. */
const struct hv_exit_handler vmx_exit_handlers[VMX_EXIT_TABLE_SIZE] = {
	/* Exceptions: refined to HV_STAT_NMI for the host's NMIs. */
	[EXIT_REASON_EXCEPTION_NMI]	= { vmx_exit_exception_nmi, HV_STAT_EXCEPTION },
	/* Not acknowledged: the host takes it through its IDT once IF is set again. */
	[EXIT_REASON_EXTERNAL_INTERRUPT] = { hv_exit_reenter, HV_STAT_EXTERNAL_INTERRUPT },
	[EXIT_REASON_TRIPLE_FAULT]	= { hv_exit_shutdown, HV_STAT_SHUTDOWN },
	[EXIT_REASON_INTERRUPT_WINDOW]	= { hv_exit_irq_window, HV_STAT_IRQ_WINDOW },
	[EXIT_REASON_NMI_WINDOW]	= { vmx_exit_nmi_window, HV_STAT_IRQ_WINDOW },
	[EXIT_REASON_PAUSE_INSTRUCTION]	= { hv_exit_pause, HV_STAT_PAUSE },
	[EXIT_REASON_CPUID]		= { hv_emulate_cpuid, HV_STAT_CPUID },
	[EXIT_REASON_HLT]		= { hv_emulate_hlt, HV_STAT_HLT },
	/* INVD would discard dirty host cache lines: a no-op is enough. */
	[EXIT_REASON_INVD]		= { hv_exit_skip, HV_STAT_OTHER },
	[EXIT_REASON_INVLPG]		= { vmx_exit_invlpg, HV_STAT_OTHER },
	/* No performance counters are virtualized: the guest sees #GP. */
	[EXIT_REASON_RDPMC]		= { hv_inject_gp, HV_STAT_INVALID_INSN },
	[EXIT_REASON_VMCALL]		= { hv_exit_hypercall, HV_STAT_HYPERCALL },
	/* VMX instructions, MONITOR/MWAIT: not offered to guests. */
	[EXIT_REASON_VMCLEAR]		= INVALID_INSN,
	[EXIT_REASON_VMLAUNCH]		= INVALID_INSN,
	[EXIT_REASON_VMPTRLD]		= INVALID_INSN,
	[EXIT_REASON_VMPTRST]		= INVALID_INSN,
	[EXIT_REASON_VMREAD]		= INVALID_INSN,
	[EXIT_REASON_VMRESUME]		= INVALID_INSN,
	[EXIT_REASON_VMWRITE]		= INVALID_INSN,
	[EXIT_REASON_VMOFF]		= INVALID_INSN,
	[EXIT_REASON_VMON]		= INVALID_INSN,
	[EXIT_REASON_CR_ACCESS]		= { vmx_exit_cr, HV_STAT_OTHER },
	/* A CR8 write lowered the TPR shadow below a held-back vector: hv_sync_cr8() takes it. */
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = { hv_exit_reenter, HV_STAT_OTHER },
	[EXIT_REASON_DR_ACCESS]		= { vmx_exit_dr, HV_STAT_DR_ACCESS },
	[EXIT_REASON_IO_INSTRUCTION]	= { vmx_exit_io, HV_STAT_IO },
	[EXIT_REASON_MSR_READ]		= { hv_emulate_rdmsr, HV_STAT_MSR },
	[EXIT_REASON_MSR_WRITE]		= { hv_emulate_wrmsr, HV_STAT_MSR },
	[EXIT_REASON_MWAIT_INSTRUCTION]	= INVALID_INSN,
	[EXIT_REASON_MONITOR_INSTRUCTION] = INVALID_INSN,
	[EXIT_REASON_EPT_VIOLATION]	= { vmx_exit_ept_violation, HV_STAT_NPF },
	[EXIT_REASON_EPT_MISCONFIG]	= { vmx_exit_ept_misconfig, HV_STAT_OTHER },
	[EXIT_REASON_INVEPT]		= INVALID_INSN,
	/* The VMX-preemption timer (see vmx_set_preemption_timer()): a chance to run the host. */
	[EXIT_REASON_PREEMPTION_TIMER]	= { hv_exit_reenter, HV_STAT_OTHER },
	[EXIT_REASON_INVVPID]		= INVALID_INSN,
	/* WBINVD would flush every host cache line: a no-op is enough. */
	[EXIT_REASON_WBINVD]		= { hv_exit_skip, HV_STAT_OTHER },
	[EXIT_REASON_XSETBV]		= { hv_emulate_xsetbv, HV_STAT_OTHER },
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
	trace_hv_inject(vmx->vcpu.id, info, vmx->idt_vectoring_err, true);
}

/* The failed entry's hardware_entry_failure_reason (see the top). */
static u64 vmx_fail_entry_code(struct vmx_vcpu *vmx)
{
	if (vmx->fail == 1)
		return vmx->insn_error;
	if (vmx->fail)
		return ~0ULL;
	return vmx->exit_reason | (vmx->exit_qual << 32);
}

/*
 * One rate-limited line per event (vmx_dump() adds the VMCS with
 * dump_invalid_state): a VMM can fail entries in a loop.
 */
void vmx_dump_exit(struct hv_vcpu *vcpu, const char *why)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 basic = vmx->exit_reason & HV_VMX_BASIC_REASON;

	if (!vcpu->exit.failed_entry) {
		vmx_dump(vmx, "%s", why);
	} else if (vmx->fail == 1) {
		vmx_dump(vmx, "VMLAUNCH/VMRESUME failed with VM-instruction error %u (%s)",
			 vmx->insn_error, vmx_insn_error_string(vmx->insn_error));
	} else if (vmx->fail) {
		/* No current VMCS, or the entry faulted: nothing to dump. */
		pr_err_ratelimited("vcpu %u: VMLAUNCH/VMRESUME %s\n", vmx->vcpu.id,
				   vmx->fail == 2 ? "found no current VMCS (VMfailInvalid)" :
				   "faulted");
	} else {
		vmx_dump(vmx, "VM-entry failure, exit reason %u (%s), qualification %llu (%s)",
			 basic,
			 basic == EXIT_REASON_INVALID_STATE ? "invalid guest state" :
			 basic == EXIT_REASON_MSR_LOAD_FAIL ? "MSR loading" :
			 basic == EXIT_REASON_MCE_DURING_VMENTRY ? "machine-check event" :
			 "unexpected", vmx->exit_qual, vmx_entry_qual_string(vmx->exit_qual));
	}
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

/*
 * Record the exit in neutral terms right after it, interrupts off and the
 * VMCS at hand: vmx_read_exit() has read the exit fields, or vmx->fail
 * says the entry instruction itself failed.
 */
void vmx_record_exit(struct vmx_vcpu *vmx)
{
	struct hv_exit *exit = &vmx->vcpu.exit;
	u32 reason = vmx->exit_reason & HV_VMX_BASIC_REASON;

	exit->cpu = raw_smp_processor_id();
	exit->failed_entry = vmx->fail || (vmx->exit_reason & HV_VMX_EXIT_FAILED_ENTRY);
	exit->hw_reason = vmx->fail ? ~0u : reason;
	exit->qual = vmx->exit_qual;
	exit->info = vmx->exit_intr_info;
	exit->next_rip = 0;
	if (exit->failed_entry) {
		exit->fail_code = vmx_fail_entry_code(vmx);
		return;
	}
	if (vmx_exit_has_insn_len(reason))
		exit->next_rip = vmx->vcpu.rip + vmx->insn_len;
	vmx_reinject_event(vmx);
}
