/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMIO instruction emulator: which instructions may touch MMIO, what
 * they read and write, and what they leave in the registers and flags.
 *
 * Pure logic, no hardware access: it builds in the kernel and in the host
 * test runner.  The glue in hv_emulate.c fetches the instruction, moves
 * the memory operand (a read exit, the VMM's data, then a write exit; or
 * the in-kernel local APIC; or guest RAM for the other side of a MOVS),
 * and calls hv_mmio_exec() in between.
 */
#ifndef HV_X86_MMIO_EMULATE_H
#define HV_X86_MMIO_EMULATE_H

#include <linux/types.h>

#include "insn.h"

/* RFLAGS bits the arithmetic instructions compute. */
#define HV_FL_CF	0x0001
#define HV_FL_PF	0x0004
#define HV_FL_AF	0x0010
#define HV_FL_ZF	0x0040
#define HV_FL_SF	0x0080
#define HV_FL_DF	0x0400
#define HV_FL_OF	0x0800
#define HV_FL_ARITH	(HV_FL_CF | HV_FL_PF | HV_FL_AF | HV_FL_ZF | HV_FL_SF | HV_FL_OF)

enum hv_mmio_kind {
	HV_MMIO_LOAD,		/* MOV/MOVZX/MOVSX/MOVSXD to a register (struct hv_mmio_op) */
	HV_MMIO_STORE,		/* MOV/MOVNTI from a register or an immediate */
	HV_MMIO_ALU,		/* enum hv_alu: read, compute, store unless CMP/TEST/reg_dst */
	HV_MMIO_XCHG,		/* read, store the register, the register gets the old value */
	HV_MMIO_BIT,		/* enum hv_bitop: read, CF = the bit, store unless BT */
	HV_MMIO_MOVS,		/* one element: read DS:rSI, store ES:rDI */
	HV_MMIO_STOS,		/* one element: store rAX to ES:rDI */
	HV_MMIO_LODS,		/* one element: read DS:rSI into rAX */
};

/* The ALU operations; the first eight in the order of the opcode's bits 5:3. */
enum hv_alu {
	HV_ALU_ADD, HV_ALU_OR, HV_ALU_ADC, HV_ALU_SBB,
	HV_ALU_AND, HV_ALU_SUB, HV_ALU_XOR, HV_ALU_CMP,
	HV_ALU_TEST, HV_ALU_NOT, HV_ALU_NEG, HV_ALU_INC, HV_ALU_DEC,
	HV_ALU_NR
};

enum hv_bitop { HV_BIT_BT, HV_BIT_BTS, HV_BIT_BTR, HV_BIT_BTC };

struct hv_mmio_emul {
	u8 kind;		/* enum hv_mmio_kind */
	u8 op;			/* enum hv_alu or enum hv_bitop */
	u8 size;		/* bytes of the memory operand (of one string element) */
	u8 reg;			/* GPR 0-15 of the register operand */
	bool high_byte;		/* the register operand is AH/CH/DH/BH */
	bool has_imm;		/* the source is @imm, not @reg */
	u64 imm;		/* sign-extended to @size, truncated to @size (BT: raw) */
	bool reg_dst;		/* ALU r,r/m: the result goes to @reg, memory is only read */
	bool rep;		/* string: REP/REPNE prefix */
	u8 addr_size;		/* string: 2, 4 or 8 */
	u8 src_seg;		/* string: enum hv_seg of the source (DS unless overridden) */
	struct hv_mmio_op mov;	/* LOAD/STORE: the MOV decoding of insn.c */
};

/* Segment register numbers (hardware order), as enum hv_seg in hv_emulate.h. */
#define HV_MMIO_SEG_ES	0
#define HV_MMIO_SEG_CS	1
#define HV_MMIO_SEG_SS	2
#define HV_MMIO_SEG_DS	3
#define HV_MMIO_SEG_FS	4
#define HV_MMIO_SEG_GS	5

/*
 * Decode the instruction that touched MMIO.  Returns 0, or -EINVAL for a
 * form the emulator does not know (the caller reports an emulation error)
 * or one the CPU would not have executed (LOCK where it is #UD, a
 * register operand where memory is needed).
 */
int hv_mmio_decode(const struct hv_insn *insn, struct hv_mmio_emul *e);

/* Does the instruction read its memory operand (string: the source)? */
bool hv_mmio_reads(const struct hv_mmio_emul *e);

/*
 * Run the instruction on @regs (16 GPRs) and @rflags, with @mem the value
 * read from memory (if hv_mmio_reads()).  Returns true with *@store set
 * when the instruction writes its memory operand (string: the
 * destination), false when it does not (CMP, TEST, BT, r,r/m forms,
 * loads).  String instructions do not step rSI/rDI/rCX here: see
 * hv_mmio_string_step().
 */
bool hv_mmio_exec(const struct hv_mmio_emul *e, u64 *regs, u64 *rflags, u64 mem, u64 *store);

/*
 * Step a string instruction past one element: rSI and/or rDI by +-size
 * (RFLAGS.DF), rCX by -1 with REP, each wrapping at the address size with
 * the bits above it kept.  Returns true when the instruction is finished
 * (no REP, or rCX reached 0), false when the guest must execute it again.
 */
bool hv_mmio_string_step(const struct hv_mmio_emul *e, u64 *regs, u64 rflags);

/* Elements left for a string instruction: rCX at the address size, or 1 without REP. */
u64 hv_mmio_string_count(const struct hv_mmio_emul *e, const u64 *regs);

/*
 * The ALU itself: @dst op @src at @size bytes (1, 2, 4, 8), flags in and
 * out of *@rflags (CF is read by ADC/SBB).  Returns the result truncated
 * to @size.  CMP and TEST compute the result they discard.  Logic
 * operations leave AF clear (the SDM calls it undefined); NOT changes no
 * flag, INC/DEC keep CF.
 */
u64 hv_alu_exec(unsigned int op, unsigned int size, u64 dst, u64 src, u64 *rflags);

/* BT/BTS/BTR/BTC on @val at @bit (already reduced to the operand size); CF only. */
u64 hv_bitop_exec(unsigned int op, u64 val, unsigned int bit, u64 *rflags);

#endif /* HV_X86_MMIO_EMULATE_H */
