// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handling: a table indexed by the hardware exit code turns each
 * #VMEXIT into a neutral action from hv_emulate.c.  QEMU's TCG and older
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
#include "vmcb.h"

typedef int (*svm_exit_handler)(struct svm_vcpu *svm);

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

static int svm_exit_intr(struct svm_vcpu *svm)
{
	svm->vcpu.stat_reason = HV_STAT_EXTERNAL_INTERRUPT;
	return 1;
}

static int svm_exit_nmi(struct svm_vcpu *svm)
{
	/* The NMI stays pending until STGI and is handled by the host then. */
	svm->vcpu.stat_reason = HV_STAT_NMI;
	return 1;
}

static int svm_exit_vintr(struct svm_vcpu *svm)
{
	return hv_exit_irq_window(&svm->vcpu);
}

static int svm_exit_cpuid(struct svm_vcpu *svm)
{
	return hv_emulate_cpuid(&svm->vcpu);
}

static int svm_exit_hlt(struct svm_vcpu *svm)
{
	return hv_emulate_hlt(&svm->vcpu);
}

static int svm_exit_ioio(struct svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	struct hv_io_exit io = {
		.port = info >> 16,
		.in = info & SVM_IOIO_IN,
		.string = info & SVM_IOIO_STR_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
		/* IOIO reports the next RIP in EXITINFO2 even without NRIPS. */
		.next_rip = svm->vmcb->control.exit_info_2,
	};

	io.size = info & SVM_IOIO_SZ8 ? 1 : info & SVM_IOIO_SZ16 ? 2 : 4;
	io.addr_size = info & SVM_IOIO_A16 ? 2 : info & SVM_IOIO_A32 ? 4 : 8;
	return hv_exit_io(&svm->vcpu, &io);
}

static int svm_exit_msr(struct svm_vcpu *svm)
{
	if (svm->vmcb->control.exit_info_1)
		return hv_emulate_wrmsr(&svm->vcpu);
	return hv_emulate_rdmsr(&svm->vcpu);
}

static int svm_exit_shutdown(struct svm_vcpu *svm)
{
	/*
	 * The VMCB is undefined after a shutdown intercept: the VMM must
	 * reset the vCPU (HV_SET_REGS/SREGS) before running it again.
	 */
	return hv_exit_to_user(&svm->vcpu, HV_EXIT_SHUTDOWN);
}

static int svm_exit_vmmcall(struct svm_vcpu *svm)
{
	return hv_exit_hypercall(&svm->vcpu);
}

/* SVM instructions, MONITOR/MWAIT, XSETBV, RDPRU: not offered to guests. */
static int svm_exit_invalid_insn(struct svm_vcpu *svm)
{
	svm->vcpu.stat_reason = HV_STAT_INVALID_INSN;
	return hv_inject_ud(&svm->vcpu);
}

static int svm_exit_rdpmc(struct svm_vcpu *svm)
{
	/* No performance counters are virtualized: the guest sees #GP. */
	svm->vcpu.stat_reason = HV_STAT_INVALID_INSN;
	hv_ops->inject_exception(&svm->vcpu, HV_VEC_GP, true, 0);
	return 1;
}

static int svm_exit_invd(struct svm_vcpu *svm)
{
	/* INVD would discard dirty host cache lines; a no-op is what a guest can have. */
	svm->vcpu.stat_reason = HV_STAT_OTHER;
	return hv_skip_or_error(&svm->vcpu);
}

static int svm_exit_dr(struct svm_vcpu *svm)
{
	return hv_emulate_mov_dr(&svm->vcpu);
}

/* #AC and #DB are intercepted only to stop delivery loops; reflect them. */
static int svm_exit_ac(struct svm_vcpu *svm)
{
	svm->vcpu.stat_reason = HV_STAT_EXCEPTION;
	hv_ops->inject_exception(&svm->vcpu, HV_VEC_AC, true, 0);
	return 1;
}

static int svm_exit_db(struct svm_vcpu *svm)
{
	svm->vcpu.stat_reason = HV_STAT_EXCEPTION;
	hv_ops->inject_exception(&svm->vcpu, HV_VEC_DB, false, 0);
	return 1;
}

static int svm_exit_npf(struct svm_vcpu *svm)
{
	struct hv_vcpu *vcpu = &svm->vcpu;
	u64 error = svm->vmcb->control.exit_info_1;
	u64 gpa = svm->vmcb->control.exit_info_2;
	int r;

	if (WARN_ON_ONCE(error & SVM_NPF_RSVD)) {
		/* hv wrote a bad nested entry: stop this VM, not the host. */
		svm_dump_vmcb(svm, "reserved bit in nested page table");
		hv_vm_mark_dead(vcpu->vm);
		return -EIO;
	}
	r = hv_mmu_fault(vcpu->vm, gpa, error & SVM_NPF_WRITE);
	if (r) {
		vcpu->stat_reason = HV_STAT_NPF;
		return r;
	}
	if (svm->vmcb->control.exit_int_info & SVM_EXITINTINFO_VALID) {
		/* The CPU touched MMIO while delivering an event (IDT, stack). */
		u64 data[2] = { gpa, svm->vmcb->control.exit_int_info };

		return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_DELIVERY, data, 2);
	}
	return hv_exit_mmio(vcpu, gpa);
}

static const svm_exit_handler svm_exit_handlers[] = {
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR3]	= svm_exit_dr,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR3]	= svm_exit_dr,
	[SVM_EXIT_EXCP_BASE + HV_VEC_DB]		= svm_exit_db,
	[SVM_EXIT_EXCP_BASE + HV_VEC_AC]		= svm_exit_ac,
	[SVM_EXIT_INTR]					= svm_exit_intr,
	[SVM_EXIT_NMI]					= svm_exit_nmi,
	[SVM_EXIT_VINTR]				= svm_exit_vintr,
	[SVM_EXIT_RDPMC]				= svm_exit_rdpmc,
	[SVM_EXIT_CPUID]				= svm_exit_cpuid,
	[SVM_EXIT_INVD]					= svm_exit_invd,
	[SVM_EXIT_HLT]					= svm_exit_hlt,
	[SVM_EXIT_INVLPGA]				= svm_exit_invalid_insn,
	[SVM_EXIT_IOIO]					= svm_exit_ioio,
	[SVM_EXIT_MSR]					= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]				= svm_exit_shutdown,
	[SVM_EXIT_VMRUN]				= svm_exit_invalid_insn,
	[SVM_EXIT_VMMCALL]				= svm_exit_vmmcall,
	[SVM_EXIT_VMLOAD]				= svm_exit_invalid_insn,
	[SVM_EXIT_VMSAVE]				= svm_exit_invalid_insn,
	[SVM_EXIT_STGI]					= svm_exit_invalid_insn,
	[SVM_EXIT_CLGI]					= svm_exit_invalid_insn,
	[SVM_EXIT_SKINIT]				= svm_exit_invalid_insn,
	[SVM_EXIT_MONITOR]				= svm_exit_invalid_insn,
	[SVM_EXIT_MWAIT]				= svm_exit_invalid_insn,
	[SVM_EXIT_MWAIT_COND]				= svm_exit_invalid_insn,
	[SVM_EXIT_XSETBV]				= svm_exit_invalid_insn,
	[SVM_EXIT_RDPRU]				= svm_exit_invalid_insn,
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
}

static int svm_exit_fail_entry(struct svm_vcpu *svm)
{
	struct hv_run *run = svm->vcpu.run;

	svm_dump_vmcb(svm,
		      "VMRUN refused the guest state (VMEXIT_INVALID; check CR0/CR3/CR4/EFER, CS.L/CS.D, segment attributes; hv.dump_invalid_state=1 dumps the VMCB)");
	/*
	 * VMEXIT_INVALID is -1 as a 64-bit code, but QEMU's TCG writes only
	 * the low half; every SVM exit code fits in 32 signed bits, so
	 * sign-extending the low half is right on both.
	 */
	run->fail_entry.hardware_entry_failure_reason = (s64)(s32)svm->vmcb->control.exit_code;
	run->fail_entry.cpu = raw_smp_processor_id();
	return hv_exit_to_user(&svm->vcpu, HV_EXIT_FAIL_ENTRY);
}

static int svm_exit_unknown(struct svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 data[4] = { c->exit_code, c->exit_info_1, c->exit_info_2, svm->vmcb->save.rip };

	svm_dump_vmcb(svm, "unexpected exit");
	return hv_exit_internal_error(&svm->vcpu, HV_INTERNAL_ERROR_UNKNOWN_EXIT, data, 4);
}

int svm_handle_exit(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 code = svm->vmcb->control.exit_code;
	svm_exit_handler handler = NULL;

	vcpu->stat_reason = HV_STAT_OTHER;
	if (code == SVM_EXIT_ERR)
		return svm_exit_fail_entry(svm);
	svm_reinject_event(svm);
	if (code == SVM_EXIT_NPF)
		return svm_exit_npf(svm);
	if (code < ARRAY_SIZE(svm_exit_handlers))
		handler = svm_exit_handlers[array_index_nospec(code, ARRAY_SIZE(svm_exit_handlers))];
	if (!handler)
		return svm_exit_unknown(svm);
	return handler(svm);
}
