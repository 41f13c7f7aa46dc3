/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot (v1) entry of the hv-run test kernels, 32-bit protected mode.
 *
 * The header sets flag 16 (address fields) as well as being an ELF file: a
 * loader may use either, and both describe the same image because link.ld
 * puts everything in one segment that starts with this header at 1 MiB.
 * Flag 1 (memory information required) is deliberately not set: the tests
 * read memory sizes from CMOS and use the boot information only when the
 * loader chose to provide it.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00010000	/* bit 16: header_addr..entry_addr are valid */
#define IRQ_STUB_SIZE	16		/* rt.c finds vector N's stub at irq_stubs + 16 * N */

	.section .multiboot, "a"
	.balign 4
	.globl mb_header
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long __image_start	/* load_addr */
	.long __load_end	/* load_end_addr */
	.long __bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */

	.text
	.code32
	.globl _start
_start:
	/*
	 * Multiboot leaves the GDT undefined: switch to ours before any
	 * segment register (or an IRET) depends on it.
	 */
	cli
	movl	$boot_stack_top, %esp
	movl	%eax, %esi		/* magic */
	movl	%ebx, %edi		/* boot information */
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	pushl	%edi
	pushl	%esi
	call	rt_start		/* never returns */
2:	cli
	hlt
	jmp	2b

/*
 * Interrupt stubs: one per vector 0-47, each pushing a dummy error code
 * where the CPU does not push one, then the vector, so that every frame
 * has the same shape (struct irq_frame in rt.h).
 */
.macro stub vec, has_err
	.balign IRQ_STUB_SIZE
	.if \has_err == 0
	pushl	$0
	.endif
	pushl	$\vec
	jmp	irq_common
.endm

	.balign IRQ_STUB_SIZE
	.globl irq_stubs
irq_stubs:
	stub 0, 0
	stub 1, 0
	stub 2, 0
	stub 3, 0
	stub 4, 0
	stub 5, 0
	stub 6, 0
	stub 7, 0
	stub 8, 1
	stub 9, 0
	stub 10, 1
	stub 11, 1
	stub 12, 1
	stub 13, 1
	stub 14, 1
	stub 15, 0
	stub 16, 0
	stub 17, 1
	stub 18, 0
	stub 19, 0
	stub 20, 0
	stub 21, 1
	stub 22, 0
	stub 23, 0
	stub 24, 0
	stub 25, 0
	stub 26, 0
	stub 27, 0
	stub 28, 0
	stub 29, 1
	stub 30, 1
	stub 31, 0
	.irp v, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47
	stub \v, 0
	.endr

irq_common:
	pushal
	cld
	pushl	%esp			/* struct irq_frame * */
	call	irq_dispatch
	addl	$4, %esp
	popal
	addl	$8, %esp		/* vector and error code */
	iret

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt_end:
	.balign 4
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.balign 16
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
