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
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

/* VMCS field encoding of HOST_RSP (SDM Vol. 3 Appendix B.4.4). */
#define HV_VMCS_HOST_RSP	0x6c14

/* Byte offsets of enum hv_gpr in struct hv_vcpu.regs[]. */
#define GPR_RAX	(0 * 8)
#define GPR_RCX	(1 * 8)
#define GPR_RDX	(2 * 8)
#define GPR_RBX	(3 * 8)
#define GPR_RBP	(5 * 8)
#define GPR_RSI	(6 * 8)
#define GPR_RDI	(7 * 8)
#define GPR_R8	(8 * 8)
#define GPR_R9	(9 * 8)
#define GPR_R10	(10 * 8)
#define GPR_R11	(11 * 8)
#define GPR_R12	(12 * 8)
#define GPR_R13	(13 * 8)
#define GPR_R14	(14 * 8)
#define GPR_R15	(15 * 8)

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

	mov %rdi, %rax
	/* ZF now tells VMLAUNCH from VMRESUME; the MOVs below keep the flags. */
	test %sil, %sil
	mov GPR_RCX(%rax), %rcx
	mov GPR_RDX(%rax), %rdx
	mov GPR_RBX(%rax), %rbx
	mov GPR_RBP(%rax), %rbp
	mov GPR_RSI(%rax), %rsi
	mov GPR_RDI(%rax), %rdi
	mov GPR_R8(%rax), %r8
	mov GPR_R9(%rax), %r9
	mov GPR_R10(%rax), %r10
	mov GPR_R11(%rax), %r11
	mov GPR_R12(%rax), %r12
	mov GPR_R13(%rax), %r13
	mov GPR_R14(%rax), %r14
	mov GPR_R15(%rax), %r15
	mov GPR_RAX(%rax), %rax
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
	mov %rcx, GPR_RCX(%rax)
	mov %rdx, GPR_RDX(%rax)
	mov %rbx, GPR_RBX(%rax)
	mov %rbp, GPR_RBP(%rax)
	mov %rsi, GPR_RSI(%rax)
	mov %rdi, GPR_RDI(%rax)
	mov %r8, GPR_R8(%rax)
	mov %r9, GPR_R9(%rax)
	mov %r10, GPR_R10(%rax)
	mov %r11, GPR_R11(%rax)
	mov %r12, GPR_R12(%rax)
	mov %r13, GPR_R13(%rax)
	mov %r14, GPR_R14(%rax)
	mov %r15, GPR_R15(%rax)
	popq GPR_RAX(%rax)

	/* Guest-trained return and branch predictions must not steer the host. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
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
	/* Leave no guest values in registers the caller may look at. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	add $8, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(vmx_vmenter)
