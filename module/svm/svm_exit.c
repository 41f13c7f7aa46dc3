// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit translation: each #VMEXIT is recorded as a neutral struct
 * hv_exit, and a table indexed by the hardware exit code names the reason
 * it counts as and its handler, which hv_exit.c calls.  QEMU's TCG and older
 * CPUs have neither NRIP-save nor decode assists, so nothing here relies
 * on next_rip or the VMCB's instruction bytes: hv_skip_insn() and
 * hv_fetch_insn() decode the guest's instruction when the CPU did not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": svm: " fmt

#include <linux/kernel.h>
#include <linux/nospec.h>
#include <asm/svm.h>

#include "../hv_arch.h"
#include "../hv_emulate.h"
#include "../hv_main.h"
#include "../hv_trace.h"
#include "../hv_vcpu.h"
#include "../x86/insn.h"
#include "../x86/sregs.h"
#include "../x86/xsave.h"
#include "vmcb.h"

/*
 * One line per event, rate limited: a VMM can fail entries in a loop.  The
 * VMCB's state follows only with dump_invalid_state set (then every time:
 * whoever set it asked for it).
 */
void svm_dump_vmcb(struct svm_vcpu *svm, const char *why)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct vmcb_save_area *s = &svm->vmcb->save;

	if (!hv_dump_invalid_state && !__ratelimit(&rs))
		return;
	pr_err("vcpu %u: %s: exit_code 0x%x info1 0x%llx info2 0x%llx exit_int_info 0x%x\n",
	       svm->vcpu.id, why, c->exit_code, c->exit_info_1, c->exit_info_2,
	       c->exit_int_info);
	if (!hv_dump_invalid_state)
		return;
	pr_err("  rip 0x%llx rsp 0x%llx rflags 0x%llx cpl %u cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
	       s->rip, s->rsp, s->rflags, s->cpl, s->cr0, s->cr3, s->cr4, s->efer);
	pr_err("  cs %04x/%04x/%08x/%llx ss %04x/%04x ds %04x/%04x tr %04x/%04x gdt %llx/%x idt %llx/%x\n",
	       s->cs.selector, s->cs.attrib, s->cs.limit, s->cs.base, s->ss.selector,
	       s->ss.attrib, s->ds.selector, s->ds.attrib, s->tr.selector, s->tr.attrib,
	       s->gdtr.base, s->gdtr.limit, s->idtr.base, s->idtr.limit);
}

static int svm_exit_ioio(struct hv_vcpu *vcpu)
{
	u64 info = vcpu->exit.qual;
	struct hv_io_exit io = {
		.port = info >> 16,
		.in = info & SVM_IOIO_IN,
		.string = info & SVM_IOIO_STR_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
		/* IOIO reports the next RIP in EXITINFO2 even without NRIPS. */
		.next_rip = vcpu->exit.info,
	};

	io.size = info & SVM_IOIO_SZ8 ? 1 : info & SVM_IOIO_SZ16 ? 2 : 4;
	io.addr_size = info & SVM_IOIO_A16 ? 2 : info & SVM_IOIO_A32 ? 4 : 8;
	return hv_exit_io(vcpu, &io);
}

static int svm_exit_msr(struct hv_vcpu *vcpu)
{
	if (vcpu->exit.qual)
		return hv_emulate_wrmsr(vcpu);
	return hv_emulate_rdmsr(vcpu);
}

static int svm_exit_npf(struct hv_vcpu *vcpu)
{
	u64 error = vcpu->exit.qual, gpa = vcpu->exit.info;

	if (error & SVM_NPF_RSVD)
		return hv_exit_tdp_misconfig(vcpu, gpa);
	return hv_exit_npf(vcpu, gpa, error & SVM_NPF_WRITE,
			   to_svm(vcpu)->vmcb->control.exit_int_info);
}

/*
 * The guest's NMI handler returns (the intercept is on only while an
 * injected NMI blocks others): NMIs are unblocked once this IRET has
 * completed, which svm_nmi_allowed() sees as RIP having moved on.
 */
static int svm_exit_iret(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = false;
	svm->awaiting_iret = true;
	svm->iret_rip = vcpu->rip;
	svm_clr_intercept(svm->vmcb, INTERCEPT_IRET);
	return 1;
}

/*
 * The value an intercepted MOV to CRn writes.  Without decode assists the
 * source register comes from the decoder: 0F 22 /r, ModRM.rm (REX.B) the
 * GPR, of which a 32-bit mode writes the low half.  Returns false if the
 * instruction at RIP is not a MOV to a control register.
 */
static bool svm_mov_to_cr_value(struct hv_vcpu *vcpu, struct hv_insn *insn, u64 *val)
{
	if (hv_fetch_insn(vcpu, insn) || insn->opcode_len != 2 || insn->opcode[1] != 0x22 ||
	    !insn->has_modrm)
		return false;
	*val = hv_gpr_read(vcpu, (insn->modrm & 7) | (insn->rex & 1 ? 8 : 0));
	if (insn->mode_bits != 64)
		*val = (u32)*val;
	return true;
}

/*
 * MOV to CR4, always intercepted (as KVM does): the hardware checks only
 * what the host CPU supports, so a bit the guest's CPUID does not offer
 * (OSXSAVE, SMEP, ...) would be taken, and a bit the emulated CPU lacks
 * would fail the next VMRUN instead of raising #GP in the guest.  A change
 * may alter the guest's translations (PGE, PAE, PSE, PCIDE, SMEP): the
 * next entry flushes its TLB.
 */
static int svm_exit_write_cr4(struct hv_vcpu *vcpu)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	struct hv_insn insn;
	u64 val;

	if (!svm_mov_to_cr_value(vcpu, &insn, &val))
		return hv_exit_emulation_error(vcpu, 0);
	if (!hv_cr4_write_ok(s->cr4, val, s->cr3, s->efer & EFER_LMA, vcpu->cr4_valid))
		return hv_inject_gp(vcpu);
	if (val != s->cr4) {
		s->cr4 = val;
		svm_mark_dirty(to_svm(vcpu)->vmcb, SVM_CLEAN_CRX);
		hv_xsave_set_cr4(vcpu, val);
		vcpu->need_tlb_flush = true;
	}
	hv_complete_insn(vcpu, vcpu->rip + insn.len);
	return 1;
}

/*
 * MOV to CR8, intercepted only while the local APIC holds back a vector
 * with the TPR (svm_set_cr8_write_exit()).  The new V_TPR reaches the
 * APIC after the exit (hv_sync_cr8()).
 */
static int svm_exit_write_cr8(struct hv_vcpu *vcpu)
{
	struct hv_insn insn;
	u64 val;

	if (!svm_mov_to_cr_value(vcpu, &insn, &val))
		return hv_exit_emulation_error(vcpu, 0);
	if (val & ~0xfull)
		return hv_inject_gp(vcpu);
	hv_call(set_cr8)(vcpu, val);
	hv_complete_insn(vcpu, vcpu->rip + insn.len);
	return 1;
}

/* Hardware exit code -> the neutral reason it counts as, and its handler. */
const struct hv_exit_handler svm_exit_handlers[SVM_EXIT_TABLE_SIZE] = {
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR3]	= { hv_emulate_mov_dr, HV_STAT_DR_ACCESS },
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR3]	= { hv_emulate_mov_dr, HV_STAT_DR_ACCESS },
	[SVM_EXIT_EXCP_BASE + HV_VEC_DB]		= { hv_reflect_db, HV_STAT_EXCEPTION },
	[SVM_EXIT_EXCP_BASE + HV_VEC_AC]		= { hv_reflect_ac, HV_STAT_EXCEPTION },
	/* The host takes its interrupt after STGI; an NMI stays pending until then. */
	[SVM_EXIT_INTR]		= { hv_exit_reenter, HV_STAT_EXTERNAL_INTERRUPT },
	[SVM_EXIT_NMI]		= { hv_exit_reenter, HV_STAT_NMI },
	[SVM_EXIT_VINTR]	= { hv_exit_irq_window, HV_STAT_IRQ_WINDOW },
	[SVM_EXIT_IRET]		= { svm_exit_iret, HV_STAT_OTHER },
	[SVM_EXIT_PAUSE]	= { hv_exit_pause, HV_STAT_PAUSE },
	[SVM_EXIT_WRITE_CR4]	= { svm_exit_write_cr4, HV_STAT_OTHER },
	[SVM_EXIT_WRITE_CR8]	= { svm_exit_write_cr8, HV_STAT_OTHER },
	[SVM_EXIT_RDPMC]	= { hv_inject_gp, HV_STAT_INVALID_INSN },
	[SVM_EXIT_CPUID]	= { hv_emulate_cpuid, HV_STAT_CPUID },
	[SVM_EXIT_INVD]		= { hv_exit_skip, HV_STAT_OTHER },
	[SVM_EXIT_HLT]		= { hv_emulate_hlt, HV_STAT_HLT },
	[SVM_EXIT_IOIO]		= { svm_exit_ioio, HV_STAT_IO },
	[SVM_EXIT_MSR]		= { svm_exit_msr, HV_STAT_MSR },
	[SVM_EXIT_SHUTDOWN]	= { hv_exit_shutdown, HV_STAT_SHUTDOWN },
	[SVM_EXIT_VMMCALL]	= { hv_exit_hypercall, HV_STAT_HYPERCALL },
	/* SVM instructions, MONITOR/MWAIT, RDPRU: not offered to guests. */
	[SVM_EXIT_INVLPGA]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_VMRUN]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_VMLOAD]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_VMSAVE]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_STGI]		= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_CLGI]		= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_SKINIT]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_MONITOR]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_MWAIT]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_MWAIT_COND]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_XSETBV]	= { hv_emulate_xsetbv, HV_STAT_OTHER },
	[SVM_EXIT_RDPRU]	= { hv_inject_ud, HV_STAT_INVALID_INSN },
	[SVM_EXIT_RDTSCP]	= { hv_inject_ud, HV_STAT_INVALID_INSN },	/* hidden */
	[SVM_EXIT_NPF]		= { svm_exit_npf, HV_STAT_NPF },
};

/*
 * An event the CPU was delivering when the exit happened (EXITINTINFO)
 * must be delivered again on the next entry.  Software interrupts and
 * INT3/INTO are not re-injected but re-executed: without NRIPS there is no
 * reliable next RIP to inject them with.
 */
static void svm_reinject_event(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u32 info = c->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	c->event_inj = 0;
	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	if (type == SVM_EXITINTINFO_TYPE_SOFT ||
	    (type == SVM_EXITINTINFO_TYPE_EXEPT && (vector == 3 || vector == 4)))
		return;
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
	trace_hv_inject(svm->vcpu.id, info, c->exit_int_info_err, true);
}

void svm_dump_exit(struct hv_vcpu *vcpu, const char *why)
{
	static const char invalid[] = "VMRUN refused the guest state (VMEXIT_INVALID; check "
				      "CR0/CR3/CR4/EFER, CS.L/CS.D, segment attributes; "
				      "hv.dump_invalid_state=1 dumps the VMCB)";

	svm_dump_vmcb(to_svm(vcpu), vcpu->exit.failed_entry ? invalid : why);
}

/*
 * Record the exit in neutral terms, right after #VMEXIT.  VMEXIT_INVALID
 * is -1 as a 64-bit code, but QEMU's TCG writes only the low half; every
 * SVM exit code fits in 32 signed bits, so sign-extending the low half is
 * right on both.
 */
void svm_record_exit(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct hv_exit *exit = &svm->vcpu.exit;

	exit->hw_reason = c->exit_code;
	exit->qual = c->exit_info_1;
	exit->info = c->exit_info_2;
	exit->cpu = raw_smp_processor_id();
	exit->failed_entry = exit->hw_reason == (u32)SVM_EXIT_ERR;
	exit->fail_code = (s64)(s32)c->exit_code;
	exit->next_rip = boot_cpu_has(X86_FEATURE_NRIPS) ? c->next_rip : 0;
	if (!exit->failed_entry)
		svm_reinject_event(svm);
}
