/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembler helpers shared by the SVM and VMX world switches: moving the
 * guest's general purpose registers between the CPU and struct
 * hv_vcpu.regs[] (RSP and, on SVM, RAX live in the VMCB/VMCS instead), and
 * scrubbing guest values from caller-saved registers after the exit.
 */
#ifndef HV_X86_GUEST_GPRS_H
#define HV_X86_GUEST_GPRS_H

#ifdef __ASSEMBLY__

/* Byte offsets of enum hv_gpr (hv_vcpu.h) in struct hv_vcpu.regs[]. */
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

/*
 * Load the guest's RCX..R15 from the regs array %rsi points at; RSI comes
 * last since it is the base.  MOVs only: the flags survive (VMX relies on it).
 */
.macro HV_LOAD_GUEST_GPRS
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
.endm

/* Store the guest's RCX..R15 into the regs array %rax points at. */
.macro HV_SAVE_GUEST_GPRS
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
.endm

/*
 * Leave no guest values in the caller-saved registers the C caller may
 * look at (the callee-saved ones are restored from the stack anyway).
 */
.macro HV_CLEAR_GUEST_GPRS
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
.endm

#endif /* __ASSEMBLY__ */
#endif /* HV_X86_GUEST_GPRS_H */
