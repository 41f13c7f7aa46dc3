// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO instruction emulator's pure part: decoding the forms that may
 * touch MMIO and computing their results and arithmetic flags (SDM Vol. 2,
 * the instruction pages; Vol. 1 3.4.3.1 for the status flags).  The
 * instruction bytes are the guest's: every field is checked before use.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "mmio_emulate.h"

#define REX_R	0x04
#define GPR_RAX	0
#define GPR_RCX	1
#define GPR_RSI	6
#define GPR_RDI	7

static u64 sext_of(u64 v, unsigned int bytes)
{
	unsigned int shift;

	if (!bytes || bytes >= 8)
		return v;
	shift = 64 - 8 * bytes;
	return (u64)((s64)(v << shift) >> shift);
}

/* ModRM.reg with REX.R; byte registers 4-7 without REX are AH/CH/DH/BH. */
static void decode_reg(const struct hv_insn *insn, struct hv_mmio_emul *e)
{
	u8 reg = ((insn->modrm >> 3) & 7) | ((insn->rex & REX_R) ? 8 : 0);

	e->high_byte = e->size == 1 && !insn->rex && reg >= 4 && reg <= 7;
	e->reg = e->high_byte ? reg - 4 : reg;
}

static u64 reg_get(const u64 *regs, const struct hv_mmio_emul *e, unsigned int size)
{
	u64 v = regs[e->reg & 15];

	if (e->high_byte)
		v >>= 8;
	return v & hv_mask(size);
}

/* A register write of @size bytes: 8/16-bit writes merge, 32-bit ones zero-extend. */
static void reg_put(u64 *regs, unsigned int reg, bool high_byte, unsigned int size, u64 v)
{
	u64 *r = &regs[reg & 15];

	switch (size) {
	case 1:
		if (high_byte)
			*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
		else
			*r = (*r & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		*r = (u32)v;
		break;
	default:
		*r = v;
		break;
	}
}

static int decode_string(const struct hv_insn *insn, struct hv_mmio_emul *e, u8 opc)
{
	if (insn->lock)
		return -EINVAL;
	switch (opc & ~1) {
	case 0xa4:
		e->kind = HV_MMIO_MOVS;
		break;
	case 0xaa:
		e->kind = HV_MMIO_STOS;
		break;
	case 0xac:
		e->kind = HV_MMIO_LODS;
		break;
	default:
		return -EINVAL;
	}
	e->size = insn->op_size;
	e->rep = insn->rep || insn->repne;
	e->addr_size = insn->addr_size;
	switch (insn->seg) {
	case 0x26:
		e->src_seg = HV_MMIO_SEG_ES;
		break;
	case 0x2e:
		e->src_seg = HV_MMIO_SEG_CS;
		break;
	case 0x36:
		e->src_seg = HV_MMIO_SEG_SS;
		break;
	case 0x64:
		e->src_seg = HV_MMIO_SEG_FS;
		break;
	case 0x65:
		e->src_seg = HV_MMIO_SEG_GS;
		break;
	default:
		e->src_seg = HV_MMIO_SEG_DS;
		break;
	}
	return 0;
}

/* One-byte opcodes with a memory ModRM operand. */
static int decode_map1(const struct hv_insn *insn, struct hv_mmio_emul *e, u8 opc)
{
	u8 reg = (insn->modrm >> 3) & 7;
	bool lockable = false;

	e->size = insn->op_size;
	if (opc < 0x40 && (opc & 7) <= 3) {
		/* ADD OR ADC SBB AND SUB XOR CMP: Eb,Gb Ev,Gv Gb,Eb Gv,Ev */
		e->kind = HV_MMIO_ALU;
		e->op = opc >> 3;
		e->reg_dst = opc & 2;
		decode_reg(insn, e);
		lockable = !e->reg_dst && e->op != HV_ALU_CMP;
	} else if (opc >= 0x80 && opc <= 0x83) {
		/* Group 1 with imm8 (80, 82, 83: sign-extended) or imm16/32 (81). */
		e->kind = HV_MMIO_ALU;
		e->op = reg;
		e->has_imm = true;
		e->imm = sext_of(insn->imm, insn->imm_size) & hv_mask(e->size);
		lockable = e->op != HV_ALU_CMP;
	} else if (opc == 0x84 || opc == 0x85) {
		e->kind = HV_MMIO_ALU;
		e->op = HV_ALU_TEST;
		decode_reg(insn, e);
	} else if (opc == 0x86 || opc == 0x87) {
		e->kind = HV_MMIO_XCHG;
		decode_reg(insn, e);
		lockable = true;
	} else if (opc == 0xf6 || opc == 0xf7) {
		/* Group 3: TEST imm (/0, and its alias /1), NOT, NEG; not MUL/DIV. */
		e->kind = HV_MMIO_ALU;
		if (reg <= 1) {
			e->op = HV_ALU_TEST;
			e->has_imm = true;
			e->imm = sext_of(insn->imm, insn->imm_size) & hv_mask(e->size);
		} else if (reg == 2 || reg == 3) {
			e->op = reg == 2 ? HV_ALU_NOT : HV_ALU_NEG;
			lockable = true;
		} else {
			return -EINVAL;
		}
	} else if (opc == 0xfe || opc == 0xff) {
		/* Groups 4 and 5: INC and DEC only. */
		if (reg > 1)
			return -EINVAL;
		e->kind = HV_MMIO_ALU;
		e->op = reg ? HV_ALU_DEC : HV_ALU_INC;
		lockable = true;
	} else {
		return -EINVAL;
	}
	if (insn->lock && !lockable)
		return -EINVAL;
	return 0;
}

/* Two-byte opcodes: BT family and MOVNTI (MOVZX/MOVSX are MOV forms). */
static int decode_map2(const struct hv_insn *insn, struct hv_mmio_emul *e, u8 opc)
{
	u8 reg = (insn->modrm >> 3) & 7;

	e->size = insn->op_size;
	switch (opc) {
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		e->kind = HV_MMIO_BIT;
		e->op = (opc >> 3) & 3;
		decode_reg(insn, e);
		break;
	case 0xba:
		if (reg < 4)
			return -EINVAL;
		e->kind = HV_MMIO_BIT;
		e->op = reg - 4;
		e->has_imm = true;
		e->imm = insn->imm & 0xff;
		break;
	case 0xc3:
		/* MOVNTI My,Gy: 32 or 64 bits; 66 or F2/F3 make another instruction. */
		if (insn->opsize_prefix || insn->last_rep || insn->lock)
			return -EINVAL;
		e->kind = HV_MMIO_STORE;
		e->mov.is_write = true;
		e->mov.size = e->size;
		e->mov.reg = reg | ((insn->rex & REX_R) ? 8 : 0);
		return 0;
	default:
		return -EINVAL;
	}
	if (insn->lock && e->op == HV_BIT_BT)
		return -EINVAL;
	return 0;
}

int hv_mmio_decode(const struct hv_insn *insn, struct hv_mmio_emul *e)
{
	u8 opc;

	*e = (struct hv_mmio_emul){ 0 };
	if (!insn->len || insn->vex_len || !insn->opcode_len)
		return -EINVAL;
	opc = insn->opcode[insn->opcode_len - 1];

	if (!hv_insn_decode_mmio(insn, &e->mov)) {
		if (insn->lock)
			return -EINVAL;
		e->kind = e->mov.is_write ? HV_MMIO_STORE : HV_MMIO_LOAD;
		e->size = e->mov.size;
		return 0;
	}
	if (insn->opcode_len == 1 && opc >= 0xa4 && opc <= 0xad)
		return decode_string(insn, e, opc);

	/* Everything else names its memory operand with ModRM. */
	if (!insn->has_modrm || (insn->modrm >> 6) == 3)
		return -EINVAL;
	if (insn->opcode_len == 1)
		return decode_map1(insn, e, opc);
	if (insn->opcode_len == 2)
		return decode_map2(insn, e, opc);
	return -EINVAL;
}

bool hv_mmio_reads(const struct hv_mmio_emul *e)
{
	return e->kind != HV_MMIO_STORE && e->kind != HV_MMIO_STOS;
}

static bool parity_even(u64 v)
{
	u8 b = v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

u64 hv_alu_exec(unsigned int op, unsigned int size, u64 dst, u64 src, u64 *rflags)
{
	u64 m = hv_mask(size), msb = 1ULL << (8 * size - 1);
	u64 c = (*rflags & HV_FL_CF) ? 1 : 0, r, fl = 0;
	bool cf = false, of = false, af = false;

	dst &= m;
	src &= m;
	if (op == HV_ALU_NEG) {		/* NEG is 0 - dst */
		src = dst;
		dst = 0;
	}
	switch (op) {
	case HV_ALU_INC:
	case HV_ALU_ADD:
	case HV_ALU_ADC:
		if (op == HV_ALU_INC)
			src = 1;
		if (op != HV_ALU_ADC)
			c = 0;
		r = (dst + src + c) & m;
		cf = c ? r <= dst : r < dst;
		of = (dst ^ r) & (src ^ r) & msb;
		af = (dst ^ src ^ r) & 0x10;
		break;
	case HV_ALU_NEG:
	case HV_ALU_DEC:
	case HV_ALU_SUB:
	case HV_ALU_SBB:
	case HV_ALU_CMP:
		if (op == HV_ALU_DEC)
			src = 1;
		if (op != HV_ALU_SBB)
			c = 0;
		r = (dst - src - c) & m;
		cf = c ? dst <= src : dst < src;
		of = (dst ^ src) & (dst ^ r) & msb;
		af = (dst ^ src ^ r) & 0x10;
		break;
	case HV_ALU_AND:
	case HV_ALU_TEST:
		r = dst & src;
		break;
	case HV_ALU_OR:
		r = dst | src;
		break;
	case HV_ALU_XOR:
		r = dst ^ src;
		break;
	case HV_ALU_NOT:
		return ~dst & m;
	default:
		return dst;
	}
	if (op == HV_ALU_INC || op == HV_ALU_DEC)
		cf = *rflags & HV_FL_CF;
	fl |= cf ? HV_FL_CF : 0;
	fl |= parity_even(r) ? HV_FL_PF : 0;
	fl |= af ? HV_FL_AF : 0;
	fl |= r ? 0 : HV_FL_ZF;
	fl |= (r & msb) ? HV_FL_SF : 0;
	fl |= of ? HV_FL_OF : 0;
	*rflags = (*rflags & ~(u64)HV_FL_ARITH) | fl;
	return r;
}

u64 hv_bitop_exec(unsigned int op, u64 val, unsigned int bit, u64 *rflags)
{
	u64 b = 1ULL << (bit & 63);

	*rflags = (*rflags & ~(u64)HV_FL_CF) | ((val & b) ? HV_FL_CF : 0);
	switch (op) {
	case HV_BIT_BTS:
		return val | b;
	case HV_BIT_BTR:
		return val & ~b;
	case HV_BIT_BTC:
		return val ^ b;
	default:
		return val;
	}
}

bool hv_mmio_exec(const struct hv_mmio_emul *e, u64 *regs, u64 *rflags, u64 mem, u64 *store)
{
	unsigned int size = e->size, bit;
	u64 m = hv_mask(size), src, r;

	mem &= m;
	switch (e->kind) {
	case HV_MMIO_LOAD:
		regs[e->mov.reg & 15] = hv_mmio_load_result(&e->mov, regs[e->mov.reg & 15], mem);
		return false;
	case HV_MMIO_STORE:
		*store = hv_mmio_store_value(&e->mov, e->mov.has_imm ? 0 : regs[e->mov.reg & 15]);
		return true;
	case HV_MMIO_ALU:
		src = e->has_imm ? e->imm : reg_get(regs, e, size);
		if (e->reg_dst) {
			r = hv_alu_exec(e->op, size, src, mem, rflags);
			if (e->op != HV_ALU_CMP)
				reg_put(regs, e->reg, e->high_byte, size, r);
			return false;
		}
		r = hv_alu_exec(e->op, size, mem, src, rflags);
		if (e->op == HV_ALU_CMP || e->op == HV_ALU_TEST)
			return false;
		*store = r;
		return true;
	case HV_MMIO_XCHG:
		*store = reg_get(regs, e, size);
		reg_put(regs, e->reg, e->high_byte, size, mem);
		return true;
	case HV_MMIO_BIT:
		/* The CPU already addressed the word the bit offset selects. */
		bit = (e->has_imm ? e->imm : reg_get(regs, e, size)) & (8 * size - 1);
		r = hv_bitop_exec(e->op, mem, bit, rflags);
		if (e->op == HV_BIT_BT)
			return false;
		*store = r;
		return true;
	case HV_MMIO_MOVS:
		*store = mem;
		return true;
	case HV_MMIO_STOS:
		*store = regs[GPR_RAX] & m;
		return true;
	case HV_MMIO_LODS:
		reg_put(regs, GPR_RAX, false, size, mem);
		return false;
	}
	return false;
}

/* rSI, rDI, rCX at the address size: 16-bit updates keep bits 63:16, 32-bit ones zero-extend. */
static void addr_reg_add(u64 *regs, unsigned int reg, unsigned int addr_size, s64 delta)
{
	u64 v = regs[reg] + (u64)delta;

	if (addr_size == 2)
		regs[reg] = (regs[reg] & ~0xffffULL) | (v & 0xffff);
	else if (addr_size == 4)
		regs[reg] = (u32)v;
	else
		regs[reg] = v;
}

u64 hv_mmio_string_count(const struct hv_mmio_emul *e, const u64 *regs)
{
	return e->rep ? regs[GPR_RCX] & hv_mask(e->addr_size) : 1;
}

bool hv_mmio_string_step(const struct hv_mmio_emul *e, u64 *regs, u64 rflags)
{
	s64 delta = (rflags & HV_FL_DF) ? -(s64)e->size : (s64)e->size;

	if (e->kind != HV_MMIO_STOS)
		addr_reg_add(regs, GPR_RSI, e->addr_size, delta);
	if (e->kind != HV_MMIO_LODS)
		addr_reg_add(regs, GPR_RDI, e->addr_size, delta);
	if (!e->rep)
		return true;
	addr_reg_add(regs, GPR_RCX, e->addr_size, -1);
	return !hv_mmio_string_count(e, regs);
}
