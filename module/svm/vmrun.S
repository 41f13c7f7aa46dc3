/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One SVM world switch.  Besides VMRUN itself this moves the guest's
 * general purpose registers in and out (the VMCB holds only RAX and RSP),
 * and switches the state VMRUN leaves alone (FS, GS, TR, LDTR,
 * KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK, SYSENTER) with VMSAVE/VMLOAD.
 * Until the host's copy is loaded back, GS points at the guest's base, so
 * nothing here may touch per-CPU data; GIF=0 keeps NMIs out meanwhile.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Byte offsets of enum hv_gpr in struct hv_vcpu.regs[]. */
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

	mov %rdx, %rax
	vmsave %rax
	mov %rdi, %rax
	vmload %rax

	/* Guest registers; RSI last since it addresses regs. */
	mov GPR_RCX(%rsi), %rcx
	mov GPR_RDX(%rsi), %rdx
	mov GPR_RBX(%rsi), %rbx
	mov GPR_RBP(%rsi), %rbp
	mov GPR_RDI(%rsi), %rdi
	mov GPR_R8(%rsi), %r8
	mov GPR_R9(%rsi), %r9
	mov GPR_R10(%rsi), %r10
	mov GPR_R11(%rsi), %r11
	mov GPR_R12(%rsi), %r12
	mov GPR_R13(%rsi), %r13
	mov GPR_R14(%rsi), %r14
	mov GPR_R15(%rsi), %r15
	mov GPR_RSI(%rsi), %rsi

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

	mov 16(%rsp), %rax
	vmload %rax

	/* Guest-trained return predictions must not steer host returns. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest values in caller-saved registers. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	add $24, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(svm_vmrun)
