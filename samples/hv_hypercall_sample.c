// SPDX-License-Identifier: GPL-2.0
/*
 * A sample experiment on hv's exit hook: a hypercall answered entirely in
 * the kernel.
 *
 * hv sends every CPL-0 VMMCALL/VMCALL to the VMM (HV_EXIT_HYPERCALL).  With
 * this module loaded, the one numbered @nr (RAX) is answered in the kernel
 * with RAX = @ret and the guest goes on; every other hypercall, and any from
 * CPL > 0, is declined and reaches hv's own handling as before.  The
 * defaults answer what KVM answers a number it does not know (-KVM_ENOSYS
 * for 0x7ffe), so `make bench` can time the same in-kernel hypercall on hv
 * and KVM (docs/research.md, "Experiments").
 *
 * Loading and unloading it while VMs run is safe: hv_exit_hook_unregister()
 * waits for handlers in flight, and the VMs go back to the default path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>

#include "../module/hv_experiment.h"
#include "../uapi/linux/hv.h"

static ulong nr = 0x7ffe;
module_param(nr, ulong, 0444);
MODULE_PARM_DESC(nr, "the hypercall number (RAX) to answer in the kernel");

static ulong ret = (ulong)-1000;
module_param(ret, ulong, 0444);
MODULE_PARM_DESC(ret, "what the guest gets in RAX (default -1000, KVM's -KVM_ENOSYS)");

static atomic64_t answered = ATOMIC64_INIT(0);

static enum hv_hook_result answer_hypercall(struct hv_vcpu *vcpu, void *data)
{
	if (hv_hook_cpl(vcpu) != 0 || hv_hook_get_reg(vcpu, HV_HOOK_RAX) != nr)
		return HV_HOOK_DECLINE;
	/* Undecodable (no NRIP-save, page gone): hv's handler reports it as it would. */
	if (hv_hook_skip_insn(vcpu))
		return HV_HOOK_DECLINE;
	hv_hook_set_reg(vcpu, HV_HOOK_RAX, ret);
	atomic64_inc(&answered);
	return HV_HOOK_DONE;
}

static struct hv_exit_hook hook = {
	.reason = HV_STAT_HYPERCALL,
	.handle = answer_hypercall,
};

static int __init sample_init(void)
{
	return hv_exit_hook_register(&hook);
}

static void __exit sample_exit(void)
{
	hv_exit_hook_unregister(&hook);
	pr_info("answered %lld hypercalls\n", (long long)atomic64_read(&answered));
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_DESCRIPTION("hv experiment sample: one hypercall answered in the kernel");
MODULE_LICENSE("GPL");
