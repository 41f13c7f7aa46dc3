// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 instruction decoder (module/x86/insn.c): lengths
 * of real encodings in 16/32/64-bit modes, prefix rules, the 15-byte
 * limit, and the MMIO / MOV-DR decoders.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "../x86/insn.h"

struct len_case {
	const char *name;
	int mode;
	u8 bytes[24];
	unsigned int n;
	int ret;
	u8 len;
};

/* Bytes of one instruction; .n is their count. */
#define B(...) .bytes = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })
#define OK(l) .ret = 0, .len = (l)
#define BAD .ret = -EINVAL

static const struct len_case len_cases[] = {
	/* Instructions the hypervisor skips. */
	{ "cpuid", 64, B(0x0f, 0xa2), OK(2) },
	{ "hlt", 64, B(0xf4), OK(1) },
	{ "vmmcall", 64, B(0x0f, 0x01, 0xd9), OK(3) },
	{ "vmcall", 64, B(0x0f, 0x01, 0xc1), OK(3) },
	{ "rdmsr", 64, B(0x0f, 0x32), OK(2) },
	{ "wrmsr", 32, B(0x0f, 0x30), OK(2) },
	{ "rdtscp", 64, B(0x0f, 0x01, 0xf9), OK(3) },
	{ "lgdt rip", 64, B(0x0f, 0x01, 0x15, 1, 2, 3, 4), OK(7) },
	{ "invlpg", 64, B(0x0f, 0x01, 0x38), OK(3) },
	{ "swapgs", 64, B(0x0f, 0x01, 0xf8), OK(3) },
	{ "mov cr3,rax", 64, B(0x0f, 0x22, 0xd8), OK(3) },
	/* MOV CR/DR ignore mod: no displacement even for mod=00 rm=101. */
	{ "mov dr mod0", 64, B(0x0f, 0x21, 0x05), OK(3) },
	{ "mov cr mod2", 32, B(0x0f, 0x20, 0x80), OK(3) },
	{ "in al,imm", 16, B(0xe4, 0x60), OK(2) },
	{ "out dx,ax", 16, B(0x66, 0xef), OK(2) },
	{ "rep outsb", 32, B(0xf3, 0x6e), OK(2) },
	{ "int 0x80", 32, B(0xcd, 0x80), OK(2) },
	{ "int1", 32, B(0xf1), OK(1) },
	{ "iretq", 64, B(0x48, 0xcf), OK(2) },
	{ "sysretq", 64, B(0x48, 0x0f, 0x07), OK(3) },
	{ "ud2", 64, B(0x0f, 0x0b), OK(2) },
	{ "xsetbv", 64, B(0x0f, 0x01, 0xd1), OK(3) },
	/* MOV forms and addressing. */
	{ "mov rax,[abs]", 64, B(0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0xfe), OK(8) },
	{ "mov [rax+d32],imm32", 64,
	  B(0xc7, 0x80, 0x00, 0x01, 0, 0, 0x78, 0x56, 0x34, 0x12), OK(10) },
	{ "mov [rax],cx", 64, B(0x66, 0x89, 0x08), OK(3) },
	{ "mov [rax+1],ah", 64, B(0x88, 0x60, 0x01), OK(3) },
	{ "movzx eax,[r12]", 64, B(0x41, 0x0f, 0xb6, 0x04, 0x24), OK(5) },
	{ "mov eax,[rip]", 64, B(0x8b, 0x05, 0x10, 0x20, 0x30, 0x40), OK(6) },
	{ "mov eax,[eip] 67", 64, B(0x67, 0x8b, 0x05, 1, 2, 3, 4), OK(7) },
	{ "mov rax,gs:0x28", 64,
	  B(0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), OK(9) },
	{ "movabs rax,imm64", 64, B(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), OK(10) },
	{ "mov eax,imm32", 64, B(0xb8, 1, 2, 3, 4), OK(5) },
	{ "mov ax,imm16", 64, B(0x66, 0xb8, 1, 2), OK(4) },
	{ "mov al,imm8", 64, B(0xb0, 1), OK(2) },
	{ "mov rax,simm32", 64, B(0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff), OK(7) },
	{ "mov eax,[esp]", 32, B(0x8b, 0x04, 0x24), OK(3) },
	{ "mov eax,[esp+8]", 32, B(0x8b, 0x44, 0x24, 0x08), OK(4) },
	{ "mov eax,[esp+d32]", 32, B(0x8b, 0x84, 0x24, 0, 1, 0, 0), OK(7) },
	{ "mov eax,[abs] 32", 32, B(0x8b, 0x05, 0, 0x10, 0, 0), OK(6) },
	{ "mov eax,[ebp*4+d32]", 32, B(0x8b, 0x04, 0xad, 0, 0, 0, 0), OK(7) },
	{ "mov ax,[bp+2]", 16, B(0x8b, 0x46, 0x02), OK(3) },
	{ "mov ax,[abs16]", 16, B(0x8b, 0x06, 0x34, 0x12), OK(4) },
	{ "mov ax,[bx+d16]", 16, B(0x8b, 0x87, 0x34, 0x12), OK(4) },
	{ "mov ax,[si]", 16, B(0x8b, 0x04), OK(2) },
	{ "mov eax,[esp] a16", 16, B(0x66, 0x67, 0x8b, 0x04, 0x24), OK(5) },
	{ "mov eax,[bx] a32", 32, B(0x67, 0x8b, 0x07), OK(3) },
	{ "mov [bp+0] a32->16", 32, B(0x67, 0x89, 0x46, 0x00), OK(4) },
	{ "mov ax,imm 16", 16, B(0xb8, 0x34, 0x12), OK(3) },
	{ "mov eax,imm 16+66", 16, B(0x66, 0xb8, 1, 2, 3, 4), OK(6) },
	/* moffs takes the address size. */
	{ "mov eax,moffs64", 64, B(0xa1, 1, 2, 3, 4, 5, 6, 7, 8), OK(9) },
	{ "mov eax,moffs32 67", 64, B(0x67, 0xa1, 1, 2, 3, 4), OK(6) },
	{ "mov eax,moffs32", 32, B(0xa1, 1, 2, 3, 4), OK(5) },
	{ "mov ax,moffs16", 16, B(0xa1, 1, 2), OK(3) },
	{ "mov moffs16,al a16", 32, B(0x67, 0xa2, 1, 2), OK(4) },
	/* ALU, groups and their immediates. */
	{ "sub rsp,8", 64, B(0x48, 0x83, 0xec, 0x08), OK(4) },
	{ "add eax,imm32", 64, B(0x05, 1, 2, 3, 4), OK(5) },
	{ "add ax,imm16", 64, B(0x66, 0x05, 1, 2), OK(4) },
	{ "cmp byte [rip],imm8", 64, B(0x80, 0x3d, 1, 2, 3, 4, 5), OK(7) },
	{ "cmp dword [rip],imm32", 64,
	  B(0x81, 0x3d, 1, 2, 3, 4, 5, 6, 7, 8), OK(10) },
	{ "cmp [rbp-8],0", 64, B(0x83, 0x7d, 0xf8, 0x00), OK(4) },
	{ "test al,1", 64, B(0xf6, 0xc0, 0x01), OK(3) },
	{ "test al,1 /1", 64, B(0xf6, 0xc8, 0x01), OK(3) },
	{ "not al", 64, B(0xf6, 0xd0), OK(2) },
	{ "test eax,imm32", 64, B(0xf7, 0xc0, 1, 2, 3, 4), OK(6) },
	{ "test ax,imm16", 64, B(0x66, 0xf7, 0xc0, 0x34, 0x12), OK(5) },
	{ "test [rsp],imm32", 64, B(0xf7, 0x04, 0x24, 1, 2, 3, 4), OK(7) },
	{ "neg eax", 64, B(0xf7, 0xd8), OK(2) },
	{ "div dword [rax]", 64, B(0xf7, 0x30), OK(2) },
	{ "test al,imm8", 64, B(0xa8, 0x01), OK(2) },
	{ "test eax,imm32 a9", 64, B(0xa9, 1, 2, 3, 4), OK(5) },
	{ "imul eax,eax,imm32", 64, B(0x69, 0xc0, 1, 2, 3, 4), OK(6) },
	{ "imul eax,eax,imm8", 64, B(0x6b, 0xc0, 0x05), OK(3) },
	{ "shl al,4", 64, B(0xc0, 0xe0, 0x04), OK(3) },
	{ "shl eax,1", 64, B(0xd1, 0xe0), OK(2) },
	{ "bt eax,5", 64, B(0x0f, 0xba, 0xe0, 0x05), OK(4) },
	{ "shld eax,ecx,3", 64, B(0x0f, 0xa4, 0xc8, 0x03), OK(4) },
	{ "lock cmpxchg", 64, B(0xf0, 0x0f, 0xb1, 0x0a), OK(4) },
	{ "cmpxchg16b", 64, B(0x48, 0x0f, 0xc7, 0x0e), OK(4) },
	{ "rdrand", 64, B(0x0f, 0xc7, 0xf0), OK(3) },
	{ "rep movsq", 64, B(0xf3, 0x48, 0xa5), OK(3) },
	{ "inc al", 64, B(0xfe, 0xc0), OK(2) },
	{ "inc eax 32", 32, B(0x40), OK(1) },
	{ "bswap", 64, B(0x0f, 0xc8), OK(2) },
	{ "sete al", 64, B(0x0f, 0x94, 0xc0), OK(3) },
	{ "xabort", 64, B(0xc6, 0xf8, 0x05), OK(3) },
	{ "xbegin", 64, B(0xc7, 0xf8, 1, 2, 3, 4), OK(6) },
	{ "mov byte [rax],1", 64, B(0xc6, 0x00, 0x01), OK(3) },
	/* Stack and branches. */
	{ "push rax", 64, B(0x50), OK(1) },
	{ "push r8", 64, B(0x41, 0x50), OK(2) },
	{ "push imm8", 64, B(0x6a, 0x00), OK(2) },
	{ "push imm32", 64, B(0x68, 1, 2, 3, 4), OK(5) },
	{ "push imm16 16", 16, B(0x68, 1, 2), OK(3) },
	{ "pop [rax]", 64, B(0x8f, 0x00), OK(2) },
	{ "call rel32", 64, B(0xe8, 1, 2, 3, 4), OK(5) },
	{ "call rel16", 16, B(0xe8, 1, 2), OK(3) },
	{ "call rel32 16+66", 16, B(0x66, 0xe8, 1, 2, 3, 4), OK(6) },
	{ "jmp rel32 rexw", 64, B(0x48, 0xe9, 1, 2, 3, 4), OK(6) },
	{ "jmp $", 64, B(0xeb, 0xfe), OK(2) },
	{ "jz rel32", 64, B(0x0f, 0x84, 1, 2, 3, 4), OK(6) },
	{ "jz rel16", 16, B(0x0f, 0x84, 1, 2), OK(4) },
	{ "jz rel8 66", 64, B(0x66, 0x74, 0x10), OK(3) },
	{ "loop", 64, B(0xe2, 0xfe), OK(2) },
	{ "call rax", 64, B(0xff, 0xd0), OK(2) },
	{ "call [rip]", 64, B(0xff, 0x15, 1, 2, 3, 4), OK(6) },
	{ "jmp far [rax]", 64, B(0xff, 0x28), OK(2) },
	{ "ret", 64, B(0xc3), OK(1) },
	{ "ret 8", 64, B(0xc2, 0x08, 0x00), OK(3) },
	{ "retf 8", 16, B(0xca, 0x08, 0x00), OK(3) },
	{ "enter", 64, B(0xc8, 0x10, 0x00, 0x00), OK(4) },
	{ "callf ptr16:32", 32, B(0x9a, 1, 2, 3, 4, 0x08, 0x00), OK(7) },
	{ "callf ptr16:16", 32, B(0x66, 0x9a, 1, 2, 0x08, 0x00), OK(6) },
	{ "jmpf ptr16:16", 16, B(0xea, 1, 2, 0x08, 0x00), OK(5) },
	{ "push es", 32, B(0x06), OK(1) },
	{ "aam", 32, B(0xd4, 0x0a), OK(2) },
	{ "lds", 32, B(0xc5, 0x06), OK(2) },
	{ "les", 16, B(0xc4, 0x1e, 0x34, 0x12), OK(4) },
	{ "bound", 32, B(0x62, 0x00), OK(2) },
	/* NOPs, hints, SSE and the three-byte maps. */
	{ "nopl", 64, B(0x0f, 0x1f, 0x44, 0x00, 0x00), OK(5) },
	{ "nopw 9", 64, B(0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0), OK(9) },
	{ "cs nopw 10", 64, B(0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0), OK(10) },
	{ "endbr64", 64, B(0xf3, 0x0f, 0x1e, 0xfa), OK(4) },
	{ "prefetchw", 64, B(0x0f, 0x0d, 0x08), OK(3) },
	{ "prefetcht0", 64, B(0x0f, 0x18, 0x08), OK(3) },
	{ "mfence", 64, B(0x0f, 0xae, 0xf0), OK(3) },
	{ "clflush", 64, B(0x0f, 0xae, 0x38), OK(3) },
	{ "movdqa", 64, B(0x66, 0x0f, 0x6f, 0x07), OK(4) },
	{ "movdqu", 64, B(0xf3, 0x0f, 0x6f, 0x07), OK(4) },
	{ "pshufd", 64, B(0x66, 0x0f, 0x70, 0xc1, 0x1b), OK(5) },
	{ "psrldq", 64, B(0x66, 0x0f, 0x73, 0xd8, 0x08), OK(5) },
	{ "pinsrw", 64, B(0x66, 0x0f, 0xc4, 0xc0, 0x01), OK(5) },
	{ "pshufb mm", 64, B(0x0f, 0x38, 0x00, 0xc1), OK(4) },
	{ "pshufb xmm", 64, B(0x66, 0x0f, 0x38, 0x00, 0xc1), OK(5) },
	{ "crc32", 64, B(0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc1), OK(6) },
	{ "palignr", 64, B(0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08), OK(6) },
	{ "palignr rip", 64,
	  B(0x66, 0x0f, 0x3a, 0x0f, 0x05, 0, 0, 0, 0, 0x08), OK(10) },
	{ "extrq imm", 64, B(0x66, 0x0f, 0x78, 0xc0, 0x08, 0x10), OK(6) },
	{ "insertq imm", 64, B(0xf2, 0x0f, 0x78, 0xc1, 0x08, 0x10), OK(6) },
	{ "vmread", 64, B(0x0f, 0x78, 0xc0), OK(3) },
	{ "fldz", 32, B(0xd9, 0xee), OK(2) },
	{ "fstp [esp+8]", 32, B(0xdd, 0x5c, 0x24, 0x08), OK(4) },
	/* VEX. */
	{ "vzeroupper", 64, B(0xc5, 0xf8, 0x77), OK(3) },
	{ "vmovdqa ymm", 64, B(0xc5, 0xfd, 0x6f, 0x07), OK(4) },
	{ "vinsertf128", 64, B(0xc4, 0xe3, 0x7d, 0x18, 0xc1, 0x01), OK(6) },
	{ "vbroadcastss", 64, B(0xc4, 0xe2, 0x79, 0x18, 0x07), OK(5) },
	{ "vpshufd", 64, B(0xc5, 0xf9, 0x70, 0xc1, 0x1b), OK(5) },
	{ "vzeroupper 32", 32, B(0xc5, 0xf8, 0x77), OK(3) },
	{ "vex bad map", 64, B(0xc4, 0xe0, 0x7d, 0x18, 0xc1), BAD },
	{ "vex after 66", 64, B(0x66, 0xc5, 0xf8, 0x77), BAD },
	{ "vex after rex", 64, B(0x40, 0xc5, 0xf8, 0x77), BAD },
	/* Prefix rules. */
	{ "rex before 66 ignored", 64, B(0x48, 0x66, 0xb8, 1, 2), OK(5) },
	{ "66 then rex.w", 64, B(0x66, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), OK(11) },
	{ "two rex, last wins", 64, B(0x40, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
	  OK(11) },
	{ "15 bytes", 64,
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x26, 0x26, 0x26, 0x90), OK(15) },
	{ "16 bytes", 64,
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x26, 0x26, 0x26, 0x26, 0x90), BAD },
	{ "imm past 15", 64,
	  B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), BAD },
	{ "modrm past 15", 64,
	  B(0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
	    0x26, 0x26, 0x26, 0x26, 0xc7), BAD },
	/* Undefined, invalid in 64-bit mode, or unsupported. */
	{ "0f 04", 64, B(0x0f, 0x04), BAD },
	{ "0f ff ud0", 64, B(0x0f, 0xff, 0xc0), BAD },
	{ "0f a6", 32, B(0x0f, 0xa6, 0xc0), BAD },
	{ "salc", 32, B(0xd6), BAD },
	{ "push es 64", 64, B(0x06), BAD },
	{ "pusha 64", 64, B(0x60), BAD },
	{ "aam 64", 64, B(0xd4, 0x0a), BAD },
	{ "82 64", 64, B(0x82, 0xc0, 0x01), BAD },
	{ "callf 64", 64, B(0x9a, 1, 2, 3, 4, 5, 6), BAD },
	{ "evex 64", 64, B(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07), BAD },
	{ "evex 32", 32, B(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07), BAD },
	{ "lea reg", 64, B(0x8d, 0xc0), BAD },
	{ "xop", 64, B(0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x01), BAD },
	{ "ff /7", 64, B(0xff, 0xf8), BAD },
	{ "jmp far reg", 64, B(0xff, 0xe8), BAD },
	{ "fe /2", 64, B(0xfe, 0xd0), BAD },
	{ "c6 /1", 64, B(0xc6, 0xc8, 0x00), BAD },
	{ "c7 /1", 64, B(0xc7, 0x08, 1, 2, 3, 4), BAD },
	{ "0f 00 /6", 64, B(0x0f, 0x00, 0xf0), BAD },
	{ "bt /0", 64, B(0x0f, 0xba, 0xc0, 0x05), BAD },
	{ "call rel 66 64", 64, B(0x66, 0xe8, 1, 2), BAD },
	{ "jcc rel 66 64", 64, B(0x66, 0x0f, 0x84, 1, 2), BAD },
	{ "3dnow", 64, B(0x0f, 0x0f, 0xc1, 0xb4), BAD },
	/* Truncated input. */
	{ "trunc escape", 64, B(0x0f), .ret = -ENODATA },
	{ "trunc rex", 64, B(0x48), .ret = -ENODATA },
	{ "trunc imm", 64, B(0xc7, 0x80, 0x00, 0x01, 0, 0, 0x78, 0x56),
	  .ret = -ENODATA },
	{ "trunc disp", 64, B(0x8b, 0x05, 1, 2), .ret = -ENODATA },
	{ "trunc sib", 32, B(0x8b, 0x04), .ret = -ENODATA },
	{ "trunc 3-byte", 64, B(0x0f, 0x38), .ret = -ENODATA },
	{ "trunc vex", 64, B(0xc4, 0xe2), .ret = -ENODATA },
	{ "trunc les/vex", 32, B(0xc5), .ret = -ENODATA },
	{ "empty", 64, .n = 0, .ret = -ENODATA },
};

static void insn_lengths(struct kunit *test)
{
	struct hv_insn insn;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];

		ret = hv_insn_decode(&insn, c->bytes, c->n, c->mode);
		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "case '%s'", c->name);
		if (!ret && !c->ret)
			KUNIT_EXPECT_EQ_MSG(test, insn.len, c->len, "case '%s'",
					    c->name);
	}
}

/* Extra bytes after the instruction must not change its length. */
static void insn_trailing_bytes(struct kunit *test)
{
	static const u8 b[] = { 0x0f, 0xa2, 0xf4, 0xf4, 0xf4, 0xf4 };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 2);
	KUNIT_EXPECT_EQ(test, insn.opcode_len, 2);
	KUNIT_EXPECT_EQ(test, insn.opcode[0], 0x0f);
	KUNIT_EXPECT_EQ(test, insn.opcode[1], 0xa2);
	KUNIT_EXPECT_FALSE(test, insn.has_modrm);
}

static void insn_bad_mode(struct kunit *test)
{
	static const u8 b[] = { 0x90 };
	struct hv_insn insn;

	KUNIT_EXPECT_EQ(test, hv_insn_decode(&insn, b, 1, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_insn_decode(&insn, b, 1, 0), -EINVAL);
}

static void insn_fields_sib_abs(struct kunit *test)
{
	static const u8 b[] = { 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0xfe };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.rex, 0x48);
	KUNIT_EXPECT_EQ(test, insn.op_size, 8);
	KUNIT_EXPECT_EQ(test, insn.addr_size, 8);
	KUNIT_EXPECT_TRUE(test, insn.has_sib);
	KUNIT_EXPECT_EQ(test, insn.sib, 0x25);
	KUNIT_EXPECT_EQ(test, insn.modrm, 0x04);
	KUNIT_EXPECT_EQ(test, insn.disp_size, 4);
	KUNIT_EXPECT_EQ(test, insn.disp, (s64)-0x2000000);
	KUNIT_EXPECT_FALSE(test, insn.rip_relative);
	KUNIT_EXPECT_EQ(test, insn.imm_size, 0);
}

static void insn_fields_imm_disp(struct kunit *test)
{
	static const u8 b[] = { 0xc7, 0x80, 0x00, 0x01, 0, 0, 0x78, 0x56, 0x34, 0x12 };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 4);
	KUNIT_EXPECT_EQ(test, insn.disp, 0x100);
	KUNIT_EXPECT_EQ(test, insn.disp_size, 4);
	KUNIT_EXPECT_EQ(test, insn.imm, 0x12345678);
	KUNIT_EXPECT_EQ(test, insn.imm_size, 4);
}

static void insn_fields_rip_relative(struct kunit *test)
{
	static const u8 b[] = { 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 64), 0);
	KUNIT_EXPECT_TRUE(test, insn.rip_relative);
	KUNIT_EXPECT_EQ(test, insn.disp, -16);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 32), 0);
	KUNIT_EXPECT_FALSE(test, insn.rip_relative);
}

static void insn_fields_prefixes(struct kunit *test)
{
	static const u8 p1[] = { 0x48, 0x66, 0x89, 0x08 };
	static const u8 p2[] = { 0x66, 0x48, 0x89, 0x08 };
	static const u8 p3[] = { 0xf2, 0xf3, 0x2e, 0x65, 0xf0, 0x67, 0x01, 0x08 };
	static const u8 p4[] = { 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0 };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, p1, sizeof(p1), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.rex, 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 2);
	KUNIT_EXPECT_TRUE(test, insn.opsize_prefix);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, p2, sizeof(p2), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.rex, 0x48);
	KUNIT_EXPECT_EQ(test, insn.op_size, 8);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, p3, sizeof(p3), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 8);
	KUNIT_EXPECT_TRUE(test, insn.rep);
	KUNIT_EXPECT_TRUE(test, insn.repne);
	KUNIT_EXPECT_EQ(test, insn.last_rep, 0xf3);
	KUNIT_EXPECT_TRUE(test, insn.lock);
	KUNIT_EXPECT_TRUE(test, insn.addrsize_prefix);
	KUNIT_EXPECT_EQ(test, insn.addr_size, 4);
	KUNIT_EXPECT_EQ(test, insn.seg, 0x65);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, p4, sizeof(p4), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.seg, 0x65);
	KUNIT_EXPECT_EQ(test, insn.disp, 0x28);
}

static void insn_operand_sizes(struct kunit *test)
{
	static const u8 push[] = { 0x50 }, push16[] = { 0x66, 0x50 };
	static const u8 pushi[] = { 0x68, 1, 2, 3, 4 };
	static const u8 movb[] = { 0x88, 0x60, 0x01 };
	static const u8 mov16[] = { 0x89, 0x07 };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, push, 1, 64), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 8);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, push, 1, 32), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 4);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, push16, 2, 64), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 2);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, pushi, 5, 64), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 8);
	KUNIT_EXPECT_EQ(test, insn.imm_size, 4);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, movb, 3, 64), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 1);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, mov16, 2, 16), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 2);
	KUNIT_EXPECT_EQ(test, insn.addr_size, 2);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, mov16, 2, 32), 0);
	KUNIT_EXPECT_EQ(test, insn.op_size, 4);
}

static void insn_vex_fields(struct kunit *test)
{
	static const u8 b[] = { 0xc4, 0xe3, 0x7d, 0x18, 0xc1, 0x01 };
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, b, sizeof(b), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.vex_len, 3);
	KUNIT_EXPECT_EQ(test, insn.opcode_len, 3);
	KUNIT_EXPECT_EQ(test, insn.opcode[1], 0x3a);
	KUNIT_EXPECT_EQ(test, insn.opcode[2], 0x18);
	KUNIT_EXPECT_EQ(test, insn.imm, 1);
}

/* Decode @b (64-bit mode) as an MMIO access; returns hv_insn_decode_mmio(). */
static int mmio(struct kunit *test, const u8 *b, unsigned int n, int mode,
		struct hv_mmio_op *op)
{
	struct hv_insn insn;

	KUNIT_EXPECT_EQ(test, hv_insn_decode(&insn, b, n, mode), 0);
	KUNIT_EXPECT_EQ(test, insn.len, n);
	return hv_insn_decode_mmio(&insn, op);
}

#define MMIO(test, op, mode, ...)					\
	mmio(test, (const u8[]){ __VA_ARGS__ },				\
	     sizeof((u8[]){ __VA_ARGS__ }), mode, op)

static void mmio_stores(struct kunit *test)
{
	struct hv_mmio_op op;

	/* mov [rax+1], ah */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x88, 0x60, 0x01), 0);
	KUNIT_EXPECT_TRUE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.reg, 0);
	KUNIT_EXPECT_TRUE(test, op.high_byte);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0x1234), 0x12);

	/* mov [rax+1], spl: with REX, reg 4 is SPL, not AH */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x40, 0x88, 0x60, 0x01), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 4);
	KUNIT_EXPECT_FALSE(test, op.high_byte);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0x1234), 0x34);

	/* mov [rax], bh (32-bit mode) */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 32, 0x88, 0x38), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 3);
	KUNIT_EXPECT_TRUE(test, op.high_byte);

	/* mov [rax], r8b */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x44, 0x88, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 8);
	KUNIT_EXPECT_FALSE(test, op.high_byte);

	/* mov [rax], ecx / cx / rcx */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x89, 0x08), 0);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.reg, 1);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0x1122334455667788ull),
			0x55667788);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x66, 0x89, 0x08), 0);
	KUNIT_EXPECT_EQ(test, op.size, 2);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0x1122334455667788ull),
			0x7788);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x4c, 0x89, 0x38), 0);
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, op.reg, 15);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0x1122334455667788ull),
			0x1122334455667788ull);

	/* mov dword [rax+0x100], 0x12345678 */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0xc7, 0x80, 0x00, 0x01, 0, 0,
				   0x78, 0x56, 0x34, 0x12), 0);
	KUNIT_EXPECT_TRUE(test, op.is_write);
	KUNIT_EXPECT_TRUE(test, op.has_imm);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.imm, 0x12345678);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, ~0ull), 0x12345678);

	/* mov qword [rax], -1 and 0x80000000: imm32 sign-extends */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x48, 0xc7, 0x00,
				   0xff, 0xff, 0xff, 0xff), 0);
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0), ~0ull);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x48, 0xc7, 0x00,
				   0x00, 0x00, 0x00, 0x80), 0);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0), 0xffffffff80000000ull);

	/* mov word [rax], 0x1234; mov byte [rax], 0xab */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x66, 0xc7, 0x00, 0x34, 0x12), 0);
	KUNIT_EXPECT_EQ(test, op.size, 2);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0), 0x1234);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0xc6, 0x00, 0xab), 0);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, hv_mmio_store_value(&op, 0), 0xab);

	/* mov moffs, al / rax */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8), 0);
	KUNIT_EXPECT_TRUE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.reg, 0);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x48, 0xa3,
				   1, 2, 3, 4, 5, 6, 7, 8), 0);
	KUNIT_EXPECT_EQ(test, op.size, 8);
}

static void mmio_loads(struct kunit *test)
{
	const u64 ones = ~0ull;
	struct hv_mmio_op op;

	/* mov ah, [rax+1] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x8a, 0x60, 0x01), 0);
	KUNIT_EXPECT_FALSE(test, op.is_write);
	KUNIT_EXPECT_TRUE(test, op.high_byte);
	KUNIT_EXPECT_EQ(test, op.reg, 0);
	KUNIT_EXPECT_EQ(test, op.dst_size, 1);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0x5a),
			0xffffffffffff5affull);

	/* mov al, [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x8a, 0x00), 0);
	KUNIT_EXPECT_FALSE(test, op.high_byte);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0x5a),
			0xffffffffffffff5aull);

	/* mov eax, [rip+x]: a 32-bit write clears the upper half */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x8b, 0x05, 1, 2, 3, 4), 0);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.dst_size, 4);
	KUNIT_EXPECT_EQ(test, op.ext, HV_MMIO_EXT_NONE);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0x80000000),
			0x80000000ull);

	/* mov ax, [rax]: 16-bit writes merge */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x66, 0x8b, 0x00), 0);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0x1111222233334444ull,
						  0xabcd),
			0x111122223333abcdull);

	/* mov r15, [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x4c, 0x8b, 0x38), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 15);
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0, 0x8000000000000001ull),
			0x8000000000000001ull);

	/* mov eax, moffs / mov al, moffs */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 32, 0xa1, 1, 2, 3, 4), 0);
	KUNIT_EXPECT_FALSE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.reg, 0);
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 16, 0xa0, 1, 2), 0);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0x1234, 0x56), 0x1256);
}

static void mmio_extending_loads(struct kunit *test)
{
	const u64 ones = ~0ull;
	struct hv_mmio_op op;

	/* movzx eax, byte [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x0f, 0xb6, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.dst_size, 4);
	KUNIT_EXPECT_EQ(test, op.ext, HV_MMIO_EXT_ZERO);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0xff), 0xffull);

	/* movzx eax, byte [r12] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x41, 0x0f, 0xb6, 0x04, 0x24), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 0);

	/* movsx rax, byte [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x48, 0x0f, 0xbe, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.ext, HV_MMIO_EXT_SIGN);
	KUNIT_EXPECT_EQ(test, op.dst_size, 8);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0, 0x80),
			0xffffffffffffff80ull);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0x7f), 0x7full);

	/* movsx eax, word [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x0f, 0xbf, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.size, 2);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0x8000),
			0xffff8000ull);

	/* movzx ax, byte [rax]: 16-bit destination merges */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x66, 0x0f, 0xb6, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.dst_size, 2);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0x1111222233334444ull,
						  0x80),
			0x1111222233330080ull);

	/* movzx r8d, word [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x44, 0x0f, 0xb7, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.reg, 8);
	KUNIT_EXPECT_EQ(test, op.size, 2);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, ones, 0xfffe), 0xfffeull);

	/* movsxd rax, dword [rax] */
	KUNIT_ASSERT_EQ(test, MMIO(test, &op, 64, 0x48, 0x63, 0x00), 0);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.dst_size, 8);
	KUNIT_EXPECT_EQ(test, hv_mmio_load_result(&op, 0, 0x80000000),
			0xffffffff80000000ull);
}

static void mmio_rejects(struct kunit *test)
{
	struct hv_mmio_op op;

	/* register forms */
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0x89, 0xc8), -EINVAL);
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0x8a, 0xc4), -EINVAL);
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0xc6, 0xc0, 0x05), -EINVAL);
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0x0f, 0xb6, 0xc0), -EINVAL);
	/* not a MOV */
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0x01, 0x08), -EINVAL);
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0xf4), -EINVAL);
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0xc6, 0xf8, 0x05), -EINVAL);
	/* ARPL in 32-bit mode */
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 32, 0x63, 0x00), -EINVAL);
	/* VEX */
	KUNIT_EXPECT_EQ(test, MMIO(test, &op, 64, 0xc5, 0xfd, 0x6f, 0x07), -EINVAL);
}

static void mov_dr(struct kunit *test)
{
	static const u8 rd[] = { 0x0f, 0x21, 0xc0 };	/* mov rax, dr0 */
	static const u8 wr[] = { 0x0f, 0x23, 0xf9 };	/* mov dr7, rcx */
	static const u8 r15[] = { 0x41, 0x0f, 0x23, 0xc7 };	/* mov dr0, r15 */
	static const u8 dr8[] = { 0x44, 0x0f, 0x21, 0xc0 };
	static const u8 cr[] = { 0x0f, 0x20, 0xc0 };
	static const u8 mod0[] = { 0x0f, 0x21, 0x35 };	/* mov rbp, dr6 */
	struct hv_insn insn;
	u8 dr = 0xff, gpr = 0xff;
	bool w = true;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, rd, sizeof(rd), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), 0);
	KUNIT_EXPECT_EQ(test, dr, 0);
	KUNIT_EXPECT_EQ(test, gpr, 0);
	KUNIT_EXPECT_FALSE(test, w);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, wr, sizeof(wr), 32), 0);
	KUNIT_ASSERT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), 0);
	KUNIT_EXPECT_EQ(test, dr, 7);
	KUNIT_EXPECT_EQ(test, gpr, 1);
	KUNIT_EXPECT_TRUE(test, w);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, r15, sizeof(r15), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), 0);
	KUNIT_EXPECT_EQ(test, dr, 0);
	KUNIT_EXPECT_EQ(test, gpr, 15);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, mod0, sizeof(mod0), 64), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 3);
	KUNIT_ASSERT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), 0);
	KUNIT_EXPECT_EQ(test, dr, 6);
	KUNIT_EXPECT_EQ(test, gpr, 5);

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, dr8, sizeof(dr8), 64), 0);
	KUNIT_EXPECT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), -EINVAL);
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, cr, sizeof(cr), 64), 0);
	KUNIT_EXPECT_EQ(test, hv_insn_decode_mov_dr(&insn, &dr, &gpr, &w), -EINVAL);
}

static struct kunit_case hv_insn_test_cases[] = {
	KUNIT_CASE(insn_lengths),
	KUNIT_CASE(insn_trailing_bytes),
	KUNIT_CASE(insn_bad_mode),
	KUNIT_CASE(insn_fields_sib_abs),
	KUNIT_CASE(insn_fields_imm_disp),
	KUNIT_CASE(insn_fields_rip_relative),
	KUNIT_CASE(insn_fields_prefixes),
	KUNIT_CASE(insn_operand_sizes),
	KUNIT_CASE(insn_vex_fields),
	KUNIT_CASE(mmio_stores),
	KUNIT_CASE(mmio_loads),
	KUNIT_CASE(mmio_extending_loads),
	KUNIT_CASE(mmio_rejects),
	KUNIT_CASE(mov_dr),
	{}
};

static struct kunit_suite hv_insn_test_suite = {
	.name = "hv_insn",
	.test_cases = hv_insn_test_cases,
};
kunit_test_suite(hv_insn_test_suite);
