/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels hv builds against (Debian's 6.1 and
 * 6.12) that hv's own code has to know about, in one place.  Features are
 * tested where the kernel offers a symbol to test (#ifdef on a macro or a
 * CPU feature number), so a stable update that backports something keeps
 * working without a version number here.
 */
#ifndef HV_COMPAT_H
#define HV_COMPAT_H

#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>

#ifdef __ASSEMBLY__

/*
 * Return-predictor untraining after a VM exit (AMD RETBleed and SRSO), as
 * the kernel configured it: entry_untrain_ret or srso_alias_untrain_ret, and
 * an IBPB where the mitigation is "IBPB on VM exit".  6.12 has one macro for
 * it; 6.1's UNTRAIN_RET does the untraining (and the IBPB of ENTRY_IBPB),
 * and the IBPB-on-VM-exit case is spelled out as 6.1's KVM does.  Clobbers
 * RAX, RCX and RDX (entry_ibpb); needs a stack; must come before the first
 * RET after the exit.
 */
.macro HV_UNTRAIN_RET_VM
#ifdef UNTRAIN_RET_VM
	UNTRAIN_RET_VM
#else
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#endif
.endm

#else /* !__ASSEMBLY__ */

#include <linux/eventfd.h>
#include <linux/percpu.h>
#include <linux/version.h>
#include <asm/cpufeature.h>

/*
 * Add one to an eventfd's counter.  6.8 dropped eventfd_signal()'s count
 * argument (always 1 since), and no symbol tells the two apart.
 */
static inline void hv_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * VMSCAPE: branch predictions a guest trained may steer the VMM in
 * userspace.  Where the kernel mitigates it with an IBPB on the way back
 * to userspace, that IBPB is owed by the CPU that ran the guest: mark it
 * after every VM exit, before preemption can move the thread (as KVM
 * does).  Both Debian kernels have it (backported to 6.1).
 */
static __always_inline void hv_vmexit_mark_ibpb_to_user(void)
{
#ifdef X86_FEATURE_IBPB_EXIT_TO_USER
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
#endif
}

#endif /* __ASSEMBLY__ */
#endif /* HV_COMPAT_H */
