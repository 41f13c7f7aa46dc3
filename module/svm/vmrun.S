/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One SVM world switch.  Besides VMRUN itself this moves the guest's
 * general purpose registers in and out (the VMCB holds only RAX and RSP),
 * and switches the state VMRUN leaves alone (FS, GS, TR, LDTR,
 * KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK, SYSENTER) with VMLOAD/VMSAVE of
 * the guest's copy and a VMLOAD of the host's (taken by svm_host_save()).
 * Until the host's copy is loaded back, GS points at the guest's base, so
 * nothing here may touch per-CPU data; GIF=0 keeps NMIs out meanwhile.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "../hv_compat.h"
#include "../x86/guest_gprs.h"


	.text

/*
 * void svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_save_pa)
 * Called with interrupts disabled and GIF clear (CLGI).
 */
SYM_FUNC_START(svm_vmrun)
	push %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdx			/* 16(%rsp): host save area */
	push %rsi			/*  8(%rsp): regs */
	push %rdi			/*  0(%rsp): VMCB */

	/* The host's copy is already in the save area: svm_host_save(). */
	mov %rdi, %rax
	vmload %rax

	HV_LOAD_GUEST_GPRS

	/* Clear CPU buffers where the kernel's mitigations ask for it (TSA); VERW clobbers ZF. */
	VM_CLEAR_CPU_BUFFERS

	/*
	 * Host RFLAGS.IF, saved by VMRUN, lets physical interrupts reach
	 * the INTR intercept while the guest runs; GIF=0 still blocks them
	 * between STI and VMRUN.
	 */
	sti
	vmrun %rax
	cli

	/* #VMEXIT restored RAX (the VMCB address) and RSP. */
	vmsave %rax
	mov 8(%rsp), %rax
	HV_SAVE_GUEST_GPRS

	mov 16(%rsp), %rax
	vmload %rax

	/*
	 * Guest-trained return predictions must not steer host returns: stuff
	 * the RSB, then untrain the return predictor or IBPB (RETBleed, SRSO),
	 * as the kernel's mitigations ask, all before the first RET.  No
	 * SPEC_CTRL write is needed: the guest ran with the host's value (the
	 * MSR is intercepted and not in the guest's CPUID), and legacy IBRS,
	 * which would need a write after every exit, is Intel-only (both
	 * kernels refuse spectre_v2=ibrs on other vendors).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	HV_UNTRAIN_RET_VM

	HV_CLEAR_GUEST_GPRS

	add $24, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(svm_vmrun)
