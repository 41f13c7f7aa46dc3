// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction length decoder and MMIO MOV decoder.
 *
 * Only the facts needed to find an instruction's length are kept: whether
 * an opcode has a ModRM byte, which immediate follows, and the few
 * operand-size rules that change immediate sizes.  Every guest byte is
 * treated as hostile: nothing is read past @avail or past 15 bytes.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "insn.h"

/* Opcode attributes. */
#define F_MODRM	(1u << 0)	/* a ModRM byte follows */
#define F_I8	(1u << 1)	/* imm8 */
#define F_I16	(1u << 2)	/* imm16 (with F_I8: ENTER's iw, ib) */
#define F_IZ	(1u << 3)	/* imm16 or imm32 by operand size */
#define F_IV	(1u << 4)	/* imm16, imm32 or imm64 by operand size */
#define F_MOFFS	(1u << 5)	/* memory offset of address size */
#define F_FAR	(1u << 6)	/* ptr16:16 or ptr16:32 */
#define F_BYTE	(1u << 7)	/* byte operation: operand size 1 */
#define F_UD	(1u << 8)	/* undefined (or unsupported) in every mode */
#define F_I64	(1u << 9)	/* invalid in 64-bit mode */
#define F_D64	(1u << 10)	/* default operand size 64 in 64-bit mode */
#define F_F64	(1u << 11)	/* near branch: operand size 64 in 64-bit mode */
#define F_GRP	(1u << 12)	/* ModRM.reg selects validity or immediate */
#define F_MEM	(1u << 13)	/* ModRM must encode memory (mod != 11) */
#define F_MREG	(1u << 14)	/* MOV CR/DR: mod is ignored, always a register */

#define ALU_BLOCK(x)							\
	[(x) + 0] = F_MODRM | F_BYTE, [(x) + 1] = F_MODRM,		\
	[(x) + 2] = F_MODRM | F_BYTE, [(x) + 3] = F_MODRM,		\
	[(x) + 4] = F_I8 | F_BYTE, [(x) + 5] = F_IZ

/* One-byte map.  Prefix bytes never reach this table. */
static const u16 hv_map1[256] = {
	ALU_BLOCK(0x00), [0x06] = F_I64, [0x07] = F_I64,
	ALU_BLOCK(0x08), [0x0e] = F_I64,
	ALU_BLOCK(0x10), [0x16] = F_I64, [0x17] = F_I64,
	ALU_BLOCK(0x18), [0x1e] = F_I64, [0x1f] = F_I64,
	ALU_BLOCK(0x20), [0x27] = F_I64,
	ALU_BLOCK(0x28), [0x2f] = F_I64,
	ALU_BLOCK(0x30), [0x37] = F_I64,
	ALU_BLOCK(0x38), [0x3f] = F_I64,
	[0x50 ... 0x5f] = F_D64,
	[0x60] = F_I64, [0x61] = F_I64,
	[0x62] = F_MODRM | F_MEM | F_I64,	/* BOUND; EVEX is unsupported */
	[0x63] = F_MODRM,			/* ARPL / MOVSXD */
	[0x68] = F_IZ | F_D64, [0x69] = F_MODRM | F_IZ,
	[0x6a] = F_I8 | F_D64, [0x6b] = F_MODRM | F_I8,
	[0x6c] = F_BYTE, [0x6e] = F_BYTE,
	[0x70 ... 0x7f] = F_I8 | F_F64,
	[0x80] = F_MODRM | F_I8 | F_BYTE, [0x81] = F_MODRM | F_IZ,
	[0x82] = F_MODRM | F_I8 | F_BYTE | F_I64, [0x83] = F_MODRM | F_I8,
	[0x84] = F_MODRM | F_BYTE, [0x85] = F_MODRM,
	[0x86] = F_MODRM | F_BYTE, [0x87] = F_MODRM,
	[0x88] = F_MODRM | F_BYTE, [0x89] = F_MODRM,
	[0x8a] = F_MODRM | F_BYTE, [0x8b] = F_MODRM,
	[0x8c] = F_MODRM, [0x8d] = F_MODRM | F_MEM, [0x8e] = F_MODRM,
	[0x8f] = F_MODRM | F_D64 | F_GRP,
	[0x9a] = F_FAR | F_I64, [0x9c] = F_D64, [0x9d] = F_D64,
	[0xa0] = F_MOFFS | F_BYTE, [0xa1] = F_MOFFS,
	[0xa2] = F_MOFFS | F_BYTE, [0xa3] = F_MOFFS,
	[0xa4] = F_BYTE, [0xa6] = F_BYTE,
	[0xa8] = F_I8 | F_BYTE, [0xa9] = F_IZ,
	[0xaa] = F_BYTE, [0xac] = F_BYTE, [0xae] = F_BYTE,
	[0xb0 ... 0xb7] = F_I8 | F_BYTE,
	[0xb8 ... 0xbf] = F_IV,
	[0xc0] = F_MODRM | F_I8 | F_BYTE, [0xc1] = F_MODRM | F_I8,
	[0xc2] = F_I16 | F_F64, [0xc3] = F_F64,
	[0xc4] = F_MODRM | F_MEM | F_I64,	/* LES (VEX handled before) */
	[0xc5] = F_MODRM | F_MEM | F_I64,	/* LDS */
	[0xc6] = F_MODRM | F_I8 | F_BYTE | F_GRP,
	[0xc7] = F_MODRM | F_IZ | F_GRP,
	[0xc8] = F_I16 | F_I8 | F_D64, [0xc9] = F_D64,
	[0xca] = F_I16, [0xcd] = F_I8, [0xce] = F_I64,
	[0xd0] = F_MODRM | F_BYTE, [0xd1] = F_MODRM,
	[0xd2] = F_MODRM | F_BYTE, [0xd3] = F_MODRM,
	[0xd4] = F_I8 | F_I64, [0xd5] = F_I8 | F_I64,
	[0xd6] = F_UD,				/* SALC: not architectural */
	[0xd7] = F_BYTE,
	[0xd8 ... 0xdf] = F_MODRM,		/* x87 */
	[0xe0 ... 0xe3] = F_I8 | F_F64,
	[0xe4] = F_I8 | F_BYTE, [0xe5] = F_I8,
	[0xe6] = F_I8 | F_BYTE, [0xe7] = F_I8,
	[0xe8] = F_IZ | F_F64, [0xe9] = F_IZ | F_F64,
	[0xea] = F_FAR | F_I64, [0xeb] = F_I8 | F_F64,
	[0xec] = F_BYTE, [0xee] = F_BYTE,
	[0xf6] = F_MODRM | F_BYTE | F_GRP, [0xf7] = F_MODRM | F_GRP,
	[0xfe] = F_MODRM | F_BYTE | F_GRP, [0xff] = F_MODRM | F_GRP,
};

/* Two-byte map (0F xx).  0F 38 and 0F 3A are handled by the decoder. */
static const u16 hv_map2[256] = {
	[0x00] = F_MODRM | F_GRP, [0x01 ... 0x03] = F_MODRM,
	[0x04] = F_UD, [0x0a] = F_UD, [0x0c] = F_UD,
	[0x0d] = F_MODRM,			/* PREFETCH/PREFETCHW */
	[0x0e] = F_UD, [0x0f] = F_UD,		/* 3DNow!: unsupported */
	[0x10 ... 0x1f] = F_MODRM,		/* SSE moves, hint NOPs, ENDBR */
	[0x20 ... 0x23] = F_MODRM | F_MREG,
	[0x24 ... 0x27] = F_UD,
	[0x28 ... 0x2f] = F_MODRM,
	[0x36] = F_UD, [0x39] = F_UD, [0x3b ... 0x3f] = F_UD,
	[0x40 ... 0x6f] = F_MODRM,
	[0x70 ... 0x73] = F_MODRM | F_I8,
	[0x74 ... 0x76] = F_MODRM,
	[0x78 ... 0x79] = F_MODRM,		/* VMREAD/VMWRITE, EXTRQ/INSERTQ */
	[0x7a ... 0x7b] = F_UD,
	[0x7c ... 0x7f] = F_MODRM,
	[0x80 ... 0x8f] = F_IZ | F_F64,
	[0x90 ... 0x9f] = F_MODRM | F_BYTE,
	[0xa0] = F_D64, [0xa1] = F_D64, [0xa3] = F_MODRM,
	[0xa4] = F_MODRM | F_I8, [0xa5] = F_MODRM,
	[0xa6] = F_UD, [0xa7] = F_UD,
	[0xa8] = F_D64, [0xa9] = F_D64, [0xab] = F_MODRM,
	[0xac] = F_MODRM | F_I8, [0xad ... 0xaf] = F_MODRM,
	[0xb0] = F_MODRM | F_BYTE, [0xb1] = F_MODRM,
	[0xb2] = F_MODRM | F_MEM, [0xb3] = F_MODRM,
	[0xb4 ... 0xb5] = F_MODRM | F_MEM,
	[0xb6 ... 0xb9] = F_MODRM,
	[0xba] = F_MODRM | F_I8 | F_GRP,
	[0xbb ... 0xbf] = F_MODRM,
	[0xc0] = F_MODRM | F_BYTE, [0xc1] = F_MODRM,
	[0xc2] = F_MODRM | F_I8, [0xc3] = F_MODRM | F_MEM,
	[0xc4 ... 0xc6] = F_MODRM | F_I8,
	[0xc7] = F_MODRM,
	[0xd0 ... 0xfe] = F_MODRM,
	[0xff] = F_UD,				/* UD0: length differs by vendor */
};

#define HV_REX_W	0x08
#define HV_REX_R	0x04
#define HV_REX_B	0x01

/* Byte @pos of the instruction, bounded by the architectural limit. */
static int hv_insn_byte(const u8 *bytes, unsigned int avail, unsigned int pos,
			u8 *out)
{
	if (pos >= HV_INSN_MAX_LEN)
		return -EINVAL;
	if (pos >= avail)
		return -ENODATA;
	*out = bytes[pos];
	return 0;
}

/* Little-endian value of @n bytes at @pos. */
static int hv_insn_le(const u8 *bytes, unsigned int avail, unsigned int pos,
		      unsigned int n, u64 *out)
{
	unsigned int i;
	u64 v = 0;
	u8 b;
	int ret;

	for (i = 0; i < n; i++) {
		ret = hv_insn_byte(bytes, avail, pos + i, &b);
		if (ret)
			return ret;
		v |= (u64)b << (8 * i);
	}
	*out = v;
	return 0;
}

/* Sign-extend the low @bytes bytes of @v. */
static s64 hv_sext(u64 v, unsigned int bytes)
{
	unsigned int shift = 64 - 8 * bytes;

	if (!bytes || bytes >= 8)
		return bytes ? (s64)v : 0;
	return (s64)(v << shift) >> shift;
}

static bool hv_is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

/*
 * Parse a VEX prefix at @*pos (C4 or C5 already known to be VEX) and the
 * opcode after it; returns the attributes of the VEX-encoded opcode.
 */
static int hv_insn_vex(struct hv_insn *insn, const u8 *bytes,
		       unsigned int avail, unsigned int *pos, u16 *flags)
{
	unsigned int map, n = bytes[*pos] == 0xc4 ? 3 : 2, i;
	u8 op;
	int ret;

	/* VEX after 66/F2/F3/LOCK or REX is #UD. */
	if (insn->rex || insn->opsize_prefix || insn->rep || insn->repne ||
	    insn->lock)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ret = hv_insn_byte(bytes, avail, *pos + i, &insn->vex[i]);
		if (ret)
			return ret;
	}
	insn->vex_len = n;
	map = n == 3 ? insn->vex[1] & 0x1f : 1;
	if (map < 1 || map > 3)
		return -EINVAL;
	*pos += n;
	ret = hv_insn_byte(bytes, avail, *pos, &op);
	if (ret)
		return ret;
	(*pos)++;

	insn->opcode[0] = 0x0f;
	if (map == 1) {
		insn->opcode_len = 2;
		insn->opcode[1] = op;
	} else {
		insn->opcode_len = 3;
		insn->opcode[1] = map == 2 ? 0x38 : 0x3a;
		insn->opcode[2] = op;
	}

	/* VZEROUPPER/VZEROALL are the only VEX opcodes without ModRM. */
	*flags = (map == 1 && op == 0x77) ? 0 : F_MODRM;
	if (map == 3 ||
	    (map == 1 && ((op >= 0x70 && op <= 0x73) ||
			  (op >= 0xc4 && op <= 0xc6) || op == 0xc2)))
		*flags |= F_I8;
	return 0;
}

/* Checks and immediates that depend on ModRM.reg of group opcodes. */
static int hv_insn_group(struct hv_insn *insn, u16 *flags)
{
	u8 reg = (insn->modrm >> 3) & 7, mod = insn->modrm >> 6;
	u8 op = insn->opcode[insn->opcode_len - 1];

	if (insn->opcode_len == 2) {
		if (op == 0x00 && reg >= 6)
			return -EINVAL;
		if (op == 0xba && reg < 4)
			return -EINVAL;
		return 0;
	}

	switch (op) {
	case 0x8f:		/* POP Ev; other encodings are XOP */
		return reg ? -EINVAL : 0;
	case 0xc6:		/* MOV Eb,Ib; XABORT ib */
	case 0xc7:		/* MOV Ev,Iz; XBEGIN rel */
		return (reg == 0 || insn->modrm == 0xf8) ? 0 : -EINVAL;
	case 0xf6:		/* TEST has an immediate, the rest do not */
		if (reg <= 1)
			*flags |= F_I8;
		return 0;
	case 0xf7:
		if (reg <= 1)
			*flags |= F_IZ;
		return 0;
	case 0xfe:		/* INC/DEC Eb only */
		return reg <= 1 ? 0 : -EINVAL;
	case 0xff:
		if (reg == 7)
			return -EINVAL;
		if ((reg == 3 || reg == 5) && mod == 3)
			return -EINVAL;		/* far CALL/JMP need memory */
		if (reg == 2 || reg == 4)
			*flags |= F_F64;
		else if (reg == 6)
			*flags |= F_D64;
		return 0;
	}
	return 0;
}

/* ModRM, SIB and displacement at @*pos. */
static int hv_insn_modrm(struct hv_insn *insn, const u8 *bytes,
			 unsigned int avail, unsigned int *pos, u16 flags)
{
	unsigned int p = *pos;
	u8 mod, rm;
	u64 disp;
	int ret;

	ret = hv_insn_byte(bytes, avail, p++, &insn->modrm);
	if (ret)
		return ret;
	insn->has_modrm = true;
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;

	if (flags & F_MREG)
		goto out;
	if (mod == 3) {
		if (flags & F_MEM)
			return -EINVAL;
		goto out;
	}

	if (insn->addr_size == 2) {
		if (mod == 1)
			insn->disp_size = 1;
		else if (mod == 2 || rm == 6)
			insn->disp_size = 2;
	} else {
		if (rm == 4) {
			ret = hv_insn_byte(bytes, avail, p++, &insn->sib);
			if (ret)
				return ret;
			insn->has_sib = true;
			if (mod == 0 && (insn->sib & 7) == 5)
				insn->disp_size = 4;
		} else if (mod == 0 && rm == 5) {
			insn->disp_size = 4;
			insn->rip_relative = insn->mode_bits == 64;
		}
		if (mod == 1)
			insn->disp_size = 1;
		else if (mod == 2)
			insn->disp_size = 4;
	}

	if (insn->disp_size) {
		ret = hv_insn_le(bytes, avail, p, insn->disp_size, &disp);
		if (ret)
			return ret;
		insn->disp = hv_sext(disp, insn->disp_size);
		p += insn->disp_size;
	}
out:
	*pos = p;
	return 0;
}

static void hv_insn_sizes(struct hv_insn *insn, u16 flags)
{
	bool o16 = insn->opsize_prefix;

	if (insn->mode_bits == 64) {
		insn->addr_size = insn->addrsize_prefix ? 4 : 8;
		if (insn->rex & HV_REX_W)
			insn->op_size = 8;
		else if (flags & F_F64)
			insn->op_size = 8;
		else if (flags & F_D64)
			insn->op_size = o16 ? 2 : 8;
		else
			insn->op_size = o16 ? 2 : 4;
	} else if (insn->mode_bits == 32) {
		insn->addr_size = insn->addrsize_prefix ? 2 : 4;
		insn->op_size = o16 ? 2 : 4;
	} else {
		insn->addr_size = insn->addrsize_prefix ? 4 : 2;
		insn->op_size = o16 ? 4 : 2;
	}
	if (flags & F_BYTE)
		insn->op_size = 1;
}

static unsigned int hv_insn_imm_size(const struct hv_insn *insn, u16 flags)
{
	unsigned int n = 0;
	u8 z = insn->op_size == 2 ? 2 : 4;

	if (flags & F_I8)
		n += 1;
	if (flags & F_I16)
		n += 2;
	if (flags & F_IZ)
		n += z;
	if (flags & F_IV)
		n += insn->op_size;
	if (flags & F_MOFFS)
		n += insn->addr_size;
	if (flags & F_FAR)
		n += z + 2;
	return n;
}

int hv_insn_decode(struct hv_insn *insn, const u8 *bytes, unsigned int avail,
		   int mode_bits)
{
	unsigned int p = 0;
	u16 flags;
	u8 b, next;
	int ret;

	*insn = (struct hv_insn){ 0 };
	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return -EINVAL;
	insn->mode_bits = mode_bits;

	/* Prefixes.  A REX counts only if it is the last prefix. */
	for (;;) {
		ret = hv_insn_byte(bytes, avail, p, &b);
		if (ret)
			return ret;
		if (mode_bits == 64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			p++;
			continue;
		}
		if (!hv_is_legacy_prefix(b))
			break;
		insn->rex = 0;
		switch (b) {
		case 0x66:
			insn->opsize_prefix = true;
			break;
		case 0x67:
			insn->addrsize_prefix = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
			insn->repne = true;
			insn->last_rep = b;
			break;
		case 0xf3:
			insn->rep = true;
			insn->last_rep = b;
			break;
		default:
			insn->seg = b;
			break;
		}
		p++;
	}

	/* Opcode. */
	if (b == 0xc4 || b == 0xc5) {
		/* Outside 64-bit mode only mod == 11 makes them VEX. */
		ret = hv_insn_byte(bytes, avail, p + 1, &next);
		if (ret)
			return ret;
		if (mode_bits == 64 || (next & 0xc0) == 0xc0) {
			ret = hv_insn_vex(insn, bytes, avail, &p, &flags);
			if (ret)
				return ret;
			hv_insn_sizes(insn, flags);
			if (mode_bits == 64 && (insn->vex_len == 3) &&
			    (insn->vex[2] & 0x80))
				insn->op_size = 8;	/* VEX.W */
			goto modrm;
		}
	}
	p++;
	if (b != 0x0f) {
		insn->opcode_len = 1;
		insn->opcode[0] = b;
		flags = hv_map1[b];
	} else {
		ret = hv_insn_byte(bytes, avail, p++, &next);
		if (ret)
			return ret;
		insn->opcode[0] = 0x0f;
		insn->opcode[1] = next;
		if (next == 0x38 || next == 0x3a) {
			insn->opcode_len = 3;
			ret = hv_insn_byte(bytes, avail, p++, &insn->opcode[2]);
			if (ret)
				return ret;
			flags = F_MODRM | (next == 0x3a ? F_I8 : 0);
		} else {
			insn->opcode_len = 2;
			flags = hv_map2[next];
		}
	}
	if (flags & F_UD)
		return -EINVAL;
	if ((flags & F_I64) && mode_bits == 64)
		return -EINVAL;
	hv_insn_sizes(insn, flags);

modrm:
	if (flags & F_MODRM) {
		ret = hv_insn_modrm(insn, bytes, avail, &p, flags);
		if (ret)
			return ret;
		if (flags & F_GRP) {
			ret = hv_insn_group(insn, &flags);
			if (ret)
				return ret;
			hv_insn_sizes(insn, flags);
		}
	}

	/*
	 * 66 on a near branch with rel16/32 in 64-bit mode: Intel ignores
	 * it, AMD truncates RIP and takes rel16.  Refuse to guess.
	 */
	if (mode_bits == 64 && (flags & F_F64) && (flags & F_IZ) &&
	    insn->opsize_prefix && !(insn->rex & HV_REX_W))
		return -EINVAL;

	insn->imm_size = hv_insn_imm_size(insn, flags);
	/* SSE4a EXTRQ/INSERTQ (66 / F2 0F 78) carry two imm8. */
	if (!insn->vex_len && insn->opcode_len == 2 &&
	    insn->opcode[1] == 0x78 &&
	    (insn->last_rep == 0xf2 || (insn->opsize_prefix && !insn->last_rep)))
		insn->imm_size = 2;
	if (insn->imm_size) {
		ret = hv_insn_le(bytes, avail, p, insn->imm_size, &insn->imm);
		if (ret)
			return ret;
		p += insn->imm_size;
	}

	insn->len = p;
	return 0;
}

/* ModRM.reg extended by REX.R, with the legacy high-byte registers. */
static void hv_mmio_reg(const struct hv_insn *insn, struct hv_mmio_op *op,
			bool byte_reg)
{
	u8 reg = ((insn->modrm >> 3) & 7) | ((insn->rex & HV_REX_R) ? 8 : 0);

	if (byte_reg && !insn->rex && reg >= 4 && reg <= 7) {
		op->high_byte = true;
		reg -= 4;
	}
	op->reg = reg;
}

int hv_insn_decode_mmio(const struct hv_insn *insn, struct hv_mmio_op *op)
{
	u8 opc, reg;

	*op = (struct hv_mmio_op){ 0 };
	if (!insn->len || insn->vex_len)
		return -EINVAL;

	opc = insn->opcode[insn->opcode_len - 1];

	/* moffs forms have no ModRM: the register is always AL/rAX. */
	if (insn->opcode_len == 1 && opc >= 0xa0 && opc <= 0xa3) {
		op->is_write = opc >= 0xa2;
		op->size = insn->op_size;
		op->dst_size = op->size;
		op->reg = 0;
		return 0;
	}

	if (!insn->has_modrm || (insn->modrm >> 6) == 3)
		return -EINVAL;
	reg = (insn->modrm >> 3) & 7;

	if (insn->opcode_len == 1) {
		switch (opc) {
		case 0x88:
		case 0x89:
			op->is_write = true;
			op->size = insn->op_size;
			hv_mmio_reg(insn, op, opc == 0x88);
			return 0;
		case 0x8a:
		case 0x8b:
			op->size = insn->op_size;
			op->dst_size = op->size;
			hv_mmio_reg(insn, op, opc == 0x8a);
			return 0;
		case 0xc6:
		case 0xc7:
			if (reg != 0)
				return -EINVAL;
			op->is_write = true;
			op->size = insn->op_size;
			op->has_imm = true;
			/* imm32 is sign-extended to a 64-bit operand. */
			op->imm = (u64)hv_sext(insn->imm, insn->imm_size);
			if (op->size < 8)
				op->imm &= (1ull << (8 * op->size)) - 1;
			return 0;
		case 0x63:
			/* MOVSXD; 32-bit ARPL and 16-bit forms unsupported */
			if (insn->mode_bits != 64 || insn->op_size == 2)
				return -EINVAL;
			op->size = 4;
			op->dst_size = insn->op_size;
			op->ext = insn->op_size == 8 ? HV_MMIO_EXT_SIGN :
						       HV_MMIO_EXT_NONE;
			hv_mmio_reg(insn, op, false);
			return 0;
		}
		return -EINVAL;
	}

	if (insn->opcode_len == 2 && (opc == 0xb6 || opc == 0xb7 ||
				      opc == 0xbe || opc == 0xbf)) {
		op->size = (opc & 1) ? 2 : 1;
		op->dst_size = insn->op_size;
		op->ext = opc >= 0xbe ? HV_MMIO_EXT_SIGN : HV_MMIO_EXT_ZERO;
		hv_mmio_reg(insn, op, false);
		return 0;
	}
	return -EINVAL;
}

u64 hv_mmio_load_result(const struct hv_mmio_op *op, u64 old_reg, u64 value)
{
	u64 v = value & hv_mask(op->size);

	if (op->ext == HV_MMIO_EXT_SIGN)
		v = (u64)hv_sext(v, op->size);

	switch (op->dst_size) {
	case 1:
		if (op->high_byte)
			return (old_reg & ~0xff00ull) | ((v & 0xff) << 8);
		return (old_reg & ~0xffull) | (v & 0xff);
	case 2:
		return (old_reg & ~0xffffull) | (v & 0xffff);
	case 4:
		/* 32-bit register writes zero the upper half. */
		return v & 0xffffffffull;
	default:
		return v;
	}
}

u64 hv_mmio_store_value(const struct hv_mmio_op *op, u64 reg_value)
{
	if (op->has_imm)
		return op->imm & hv_mask(op->size);
	if (op->high_byte)
		return (reg_value >> 8) & 0xff;
	return reg_value & hv_mask(op->size);
}

int hv_insn_decode_mov_dr(const struct hv_insn *insn, u8 *dr, u8 *gpr,
			  bool *is_write)
{
	u8 n;

	if (insn->vex_len || insn->opcode_len != 2 || !insn->has_modrm ||
	    (insn->opcode[1] != 0x21 && insn->opcode[1] != 0x23))
		return -EINVAL;
	/* REX.R would name DR8-DR15, which do not exist. */
	n = ((insn->modrm >> 3) & 7) | ((insn->rex & HV_REX_R) ? 8 : 0);
	if (n > 7)
		return -EINVAL;
	*dr = n;
	*gpr = (insn->modrm & 7) | ((insn->rex & HV_REX_B) ? 8 : 0);
	*is_write = insn->opcode[1] == 0x23;
	return 0;
}
