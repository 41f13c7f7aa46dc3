/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction length decoding and MOV decoding for MMIO emulation.
 *
 * Needed when the CPU gives no help: without NRIP-save the hypervisor has
 * to find the next RIP itself, and without decode assists it has to find
 * out which register an MMIO access read or wrote.  Pure logic, no
 * hardware access, so it builds in the kernel and in the host test runner.
 */
#ifndef HV_X86_INSN_H
#define HV_X86_INSN_H

#include <linux/types.h>

#define HV_INSN_MAX_LEN 15

struct hv_insn {
	u8 len;			/* total length in bytes */
	u8 opcode_len;		/* 1, 2 (0F xx) or 3 (0F 38/3A xx) */
	u8 opcode[3];		/* VEX: the equivalent legacy escape bytes */
	u8 rex;			/* 0 if none (64-bit mode only) */
	bool has_modrm;
	u8 modrm;
	bool has_sib;
	u8 sib;
	u8 op_size;		/* 1 for byte ops, else 2, 4 or 8 */
	u8 addr_size;		/* 2, 4 or 8 */
	u8 seg;			/* last segment override prefix byte or 0 */
	bool rep, repne, lock, opsize_prefix, addrsize_prefix;
	u8 last_rep;		/* 0xf2 or 0xf3, whichever came last; 0 if none */
	bool rip_relative;	/* ModRM mod=00 rm=101 in 64-bit mode */
	s64 disp;		/* sign-extended displacement */
	u8 disp_size;
	u64 imm;		/* raw immediate bytes, zero-extended */
	u8 imm_size;
	u8 vex_len;		/* 0, 2 (C5) or 3 (C4) */
	u8 vex[3];		/* the VEX prefix bytes, vex[0] = 0xc4/0xc5 */
	u8 mode_bits;		/* 16, 32 or 64, as passed to the decoder */
};

/*
 * Decode one instruction.  @mode_bits is 16 (real mode or a 16-bit code
 * segment), 32 or 64.  Returns 0; -EINVAL for malformed, undefined or
 * unsupported encodings (EVEX, XOP, 3DNow!, near branches with a 66
 * prefix in 64-bit mode, whose length differs between vendors) or a
 * length above 15; -ENODATA if @avail bytes were not enough.
 */
int hv_insn_decode(struct hv_insn *insn, const u8 *bytes, unsigned int avail,
		   int mode_bits);

/* The low @bytes bytes of a value (8 or more: all of it). */
static inline u64 hv_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

enum { HV_MMIO_EXT_NONE, HV_MMIO_EXT_ZERO, HV_MMIO_EXT_SIGN };

struct hv_mmio_op {
	bool is_write;		/* store to memory */
	u8 size;		/* bytes accessed in memory: 1, 2, 4, 8 */
	u8 reg;			/* GPR 0-15: load destination or store source */
	bool high_byte;		/* AH/CH/DH/BH: bits 15:8 of @reg */
	bool has_imm;		/* store of an immediate (C6/C7) */
	u64 imm;		/* already truncated to @size */
	u8 ext;			/* HV_MMIO_EXT_* for MOVZX/MOVSX/MOVSXD */
	u8 dst_size;		/* register write width for loads */
};

/*
 * Decode a memory-operand MOV: 88 89 8A 8B C6/0 C7/0 A0-A3, 0F B6 B7 BE
 * BF and 63 (MOVSXD, 64-bit mode).  -EINVAL for anything else, including
 * register-register forms.
 */
int hv_insn_decode_mmio(const struct hv_insn *insn, struct hv_mmio_op *op);

/*
 * Register value after completing a load of @value (the memory-sized
 * value) into a register that held @old_reg, with the x86 merge rules.
 */
u64 hv_mmio_load_result(const struct hv_mmio_op *op, u64 old_reg, u64 value);

/* The value a store writes (imm, register or high byte), size-truncated. */
u64 hv_mmio_store_value(const struct hv_mmio_op *op, u64 reg_value);

/*
 * MOV from/to a debug register: 0F 21 /r (DRn -> GPR, *is_write false) and
 * 0F 23 /r (GPR -> DRn, *is_write true: the debug register is written).
 * Returns 0, or -EINVAL (other instruction, DR8-15).
 */
int hv_insn_decode_mov_dr(const struct hv_insn *insn, u8 *dr, u8 *gpr,
			  bool *is_write);

#endif /* HV_X86_INSN_H */
