/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest IDT entry stubs: 256 of them, 16 bytes apart from guest_idt_stubs.
 * Each pushes an error code (0 for vectors without one) and the vector,
 * then guest_idt_common saves the GPRs as struct ex_regs (processor.h),
 * calls guest_route_exception(regs) and returns with IRETQ.
 */
	.text
	.align 16
	.globl guest_idt_stubs
guest_idt_stubs:
	vector = 0
	.rept 256
	.align 16
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	pushq $vector
	.else
	pushq $0
	pushq $vector
	.endif
	jmp guest_idt_common
	vector = vector + 1
	.endr

guest_idt_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call guest_route_exception
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * The return address of a vCPU's guest_fn: realign the stack and report
 * UCALL_DONE.
 */
	.globl guest_func_return
guest_func_return:
	andq $-16, %rsp
	call guest_done
1:	hlt
	jmp 1b

	.section .note.GNU-stack,"",@progbits
