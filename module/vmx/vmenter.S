/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VMX world switch.  VM entry loads the guest's RSP, RIP, RFLAGS and
 * segment/control state from the VMCS; the other general purpose
 * registers are moved in and out here.  A VM exit resumes at vmx_vmexit
 * (HOST_RIP) with the stack pointer written to HOST_RSP just before the
 * entry, so both the exit and a failed VMLAUNCH/VMRESUME find the same
 * stack: @regs on top, the callee-saved registers below.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>

#include "../x86/guest_gprs.h"

/* VMCS field encoding of HOST_RSP (SDM Vol. 3 Appendix B.4.4). */
#define HV_VMCS_HOST_RSP	0x6c14

	.text

/*
 * int vmx_vmenter(u64 *regs, bool launched)
 * Called with interrupts disabled and the vCPU's VMCS current.  Returns 0
 * after a VM exit, 1 for VMfailValid (VM-instruction error in the VMCS),
 * 2 for VMfailInvalid and 3 if VMLAUNCH/VMRESUME faulted.
 */
SYM_FUNC_START(vmx_vmenter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi			/* regs: 0(%rsp) on either way back */

	mov $HV_VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	/* Clear CPU buffers where the kernel's mitigations ask for it (VERW clobbers ZF). */
	VM_CLEAR_CPU_BUFFERS

	/* ZF now tells VMLAUNCH from VMRESUME; the MOVs below keep the flags. */
	test %sil, %sil
	mov %rdi, %rsi
	mov GPR_RAX(%rsi), %rax
	HV_LOAD_GUEST_GPRS
	jz .Lvmlaunch

	/* A successful entry comes back at vmx_vmexit, with this unwind state. */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lvmfail
.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lvmfault)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax			/* guest RAX; regs is now at 8(%rsp) */
	mov 8(%rsp), %rax
	HV_SAVE_GUEST_GPRS
	popq GPR_RAX(%rax)

	/*
	 * Guest-trained return and branch predictions must not steer the
	 * host.  Before the first RET: stuff the RSB (retpoline and legacy
	 * IBRS hosts; a single CALL on eIBRS CPUs with the PBRSB erratum) and,
	 * with legacy IBRS (spectre_v2=ibrs: X86_FEATURE_KERNEL_IBRS), write
	 * SPEC_CTRL again.  Legacy IBRS restricts predictions only when IBRS
	 * is written after the transition from the less privileged predictor
	 * mode, and leaving VMX non-root operation is such a transition, so
	 * the write is owed even though the value did not change: the guest
	 * ran with the host's value, which it can neither read nor write (the
	 * MSR is intercepted and not in its CPUID).  Then clear the branch
	 * history where the kernel mitigates BHI in software.  Clobbers RAX,
	 * RCX, RDX: the guest's values are saved.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_KERNEL_IBRS
	mov $MSR_IA32_SPEC_CTRL, %ecx
	mov PER_CPU_VAR(x86_spec_ctrl_current), %rdx
	mov %edx, %eax
	shr $32, %rdx
	wrmsr
.Lspec_ctrl_done:
	CLEAR_BRANCH_HISTORY_VMEXIT

	xor %eax, %eax
	jmp .Lclear

.Lvmfail:
	/* CF: no current VMCS; ZF: the VMCS holds a VM-instruction error. */
	mov $2, %eax
	jc .Lclear
	mov $1, %eax
	jmp .Lclear

.Lvmfault:
	mov $3, %eax

.Lclear:
	HV_CLEAR_GUEST_GPRS

	add $8, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(vmx_vmenter)
