// SPDX-License-Identifier: GPL-2.0
/*
 * The exit dispatcher: the one place that decides what happens with a VM
 * exit.  The vendor's enter() has recorded the exit as a neutral struct
 * hv_exit; here the vendor's table (indexed by the hardware exit code,
 * bounds-checked under speculation too) names the reason the exit counts
 * as and its handler.  Handlers either finish the exit in the kernel (>0:
 * re-enter) or fill struct hv_run through hv_exit_to_user() (0: back to
 * userspace).  A failed entry, an exit no table row names, and the errors
 * handlers run into become the HV_EXIT_FAIL_ENTRY and
 * HV_EXIT_INTERNAL_ERROR records docs/abi.md describes, each suberror with
 * one payload layout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/string.h>

#include "hv_arch.h"
#include "hv_emulate.h"
#include "hv_lapic.h"
#include "hv_main.h"
#include "hv_vm.h"
#include "hv_vcpu.h"

int hv_exit_to_user(struct hv_vcpu *vcpu, u32 reason)
{
	vcpu->run->exit_reason = reason;
	vcpu->exit.user_reason = reason;
	return 0;
}

int hv_exit_internal_error(struct hv_vcpu *vcpu, u32 suberror, const u64 *data, u32 ndata)
{
	struct hv_run *run = vcpu->run;

	ndata = min_t(u32, ndata, ARRAY_SIZE(run->internal.data));
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	memcpy(run->internal.data, data, ndata * sizeof(*data));
	pr_warn_ratelimited("vcpu %u: internal error %u at rip 0x%llx\n",
			    vcpu->id, suberror, vcpu->rip);
	return hv_exit_to_user(vcpu, HV_EXIT_INTERNAL_ERROR);
}

/*
 * HV_INTERNAL_ERROR_EMULATION, whatever hv was emulating: the instruction
 * at RIP could not be fetched, decoded or carried out.  @addr is the guest
 * address involved (MMIO GPA, INS/OUTS linear address), 0 if none.
 */
int hv_exit_emulation_error(struct hv_vcpu *vcpu, u64 addr)
{
	u64 data[HV_INTERNAL_ERROR_EMULATION_NDATA] = {
		vcpu->rip, vcpu->exit.hw_reason, vcpu->exit.qual, 0, 0, addr,
	};

	/* The first bytes at RIP, raw, for whoever debugs the guest. */
	hv_read_bytes_at_rip(vcpu, &data[3], 2 * sizeof(u64));
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_EMULATION, data, ARRAY_SIZE(data));
}

static int hv_exit_unknown(struct hv_vcpu *vcpu)
{
	struct hv_exit *exit = &vcpu->exit;
	u64 data[HV_INTERNAL_ERROR_UNKNOWN_EXIT_NDATA] = {
		exit->hw_reason, exit->qual, exit->info, vcpu->rip,
	};

	hv_ops->dump_exit(vcpu, "unexpected exit");
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_UNKNOWN_EXIT, data, ARRAY_SIZE(data));
}

static int hv_exit_fail_entry(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;

	hv_ops->dump_exit(vcpu, "VM entry failed");
	run->fail_entry.hardware_entry_failure_reason = vcpu->exit.fail_code;
	run->fail_entry.cpu = vcpu->exit.cpu;
	return hv_exit_to_user(vcpu, HV_EXIT_FAIL_ENTRY);
}

/*
 * A nested (NPT/EPT) page fault: map guest RAM, or hand an access outside
 * RAM to userspace as MMIO.  @event is the event the CPU was delivering
 * (SVM EXITINTINFO, VMX IDT-vectoring information: the same encoding), 0
 * if none: MMIO touched by event delivery cannot be emulated.
 */
int hv_exit_npf(struct hv_vcpu *vcpu, u64 gpa, bool write, u32 event)
{
	int r = hv_mmu_fault(vcpu->vm, &vcpu->tdp_cache, gpa, write);

	if (r)
		return r;
	if (event & BIT(31)) {
		u64 data[2] = { gpa, event };

		return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_DELIVERY, data, 2);
	}
	return hv_exit_mmio(vcpu, gpa);
}

/* hv wrote a nested page table entry the CPU refuses: stop this VM, not the host. */
int hv_exit_tdp_misconfig(struct hv_vcpu *vcpu, u64 gpa)
{
	u64 data[HV_INTERNAL_ERROR_TDP_MISCONFIG_NDATA] = { gpa, vcpu->rip };

	WARN_ON_ONCE(1);
	hv_ops->dump_exit(vcpu, "nested page table entry refused by the CPU");
	hv_vm_mark_dead(vcpu->vm);
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_TDP_MISCONFIG, data,
				      ARRAY_SIZE(data));
}

/*
 * With retpolines every indirect call costs; the exits a guest takes most
 * often are called directly when the table names the common handler.
 */
static __always_inline int hv_exit_call(const struct hv_exit_handler *h, struct hv_vcpu *vcpu)
{
	if (h->handle == hv_emulate_cpuid)
		return hv_emulate_cpuid(vcpu);
	if (h->handle == hv_emulate_hlt)
		return hv_emulate_hlt(vcpu);
	if (h->handle == hv_exit_reenter)
		return hv_exit_reenter(vcpu);
	return h->handle(vcpu);
}

/*
 * Handle the exit enter() recorded, preemptible.  >0: re-enter; 0: go to
 * userspace (vcpu->run filled in); <0: errno for HV_RUN.
 */
int hv_handle_exit(struct hv_vcpu *vcpu)
{
	const u32 nr = hv_ops->nr_exit_handlers;
	struct hv_exit *exit = &vcpu->exit;
	const struct hv_exit_handler *h = NULL;
	int r;

	exit->user_reason = HV_EXIT_UNKNOWN;
	if (exit->failed_entry) {
		exit->reason = HV_STAT_FAIL_ENTRY;
		r = hv_exit_fail_entry(vcpu);
		goto out;
	}
	if (exit->hw_reason < nr)
		h = &hv_ops->exit_handlers[array_index_nospec(exit->hw_reason, nr)];
	if (!h || !h->handle) {
		exit->reason = HV_STAT_OTHER;
		r = hv_exit_unknown(vcpu);
		goto out;
	}
	exit->reason = h->reason;
	if (unlikely(hv_exit_hook_run(vcpu, exit->reason))) {
		exit->reason = HV_STAT_EXPERIMENT;
		r = 1;
		goto out;
	}
	r = hv_exit_call(h, vcpu);
	/* An EOI the handler wrote (APIC page, x2APIC MSR) that the VMM must see. */
	r = hv_vcpu_lapic_eoi_exit(vcpu, r);
out:
	/* Userspace sees the reason it was given; the kernel's own exits count as classified. */
	hv_stats_exit(vcpu, r ? exit->reason : exit->user_reason);
	return r;
}
