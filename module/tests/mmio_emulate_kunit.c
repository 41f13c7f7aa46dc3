// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the MMIO instruction emulator (module/x86/mmio_emulate.c):
 * the ALU's results and flags against a table the real instructions
 * produced (mmio_flags_table.h, printed by scripts/gen_alu_flags.c), each form
 * decoded from its bytes and run on registers, the string step rules, and
 * the encodings the emulator must refuse.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "../x86/insn.h"
#include "../x86/mmio_emulate.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct hv_alu_row {
	u8 op;
	u8 size;
	u64 dst, src;
	u64 flags_in;
	u64 result;
	u64 flags_out;
};

#include "mmio_flags_table.h"

/* The flags each operation defines (SDM): logic ops leave AF undefined, NOT sets none. */
static u64 alu_defined_flags(u8 op)
{
	switch (op) {
	case HV_ALU_AND:
	case HV_ALU_OR:
	case HV_ALU_XOR:
	case HV_ALU_TEST:
		return HV_FL_ARITH & ~HV_FL_AF;
	case HV_ALU_NOT:
		return 0;
	default:
		return HV_FL_ARITH;
	}
}

static void alu_flags_table(struct kunit *test)
{
	unsigned int i, failed = 0;

	for (i = 0; i < N_OF(hv_alu_rows); i++) {
		const struct hv_alu_row *row = &hv_alu_rows[i];
		u64 def = alu_defined_flags(row->op), fl = row->flags_in, r;
		/* CMP and TEST compute but do not store: the table has dst unchanged. */
		bool stores = row->op != HV_ALU_CMP && row->op != HV_ALU_TEST;

		r = hv_alu_exec(row->op, row->size, row->dst, row->src, &fl);
		if ((stores && r != row->result) || (fl & def) != (row->flags_out & def) ||
		    (fl & ~(u64)HV_FL_ARITH) != (row->flags_in & ~(u64)HV_FL_ARITH)) {
			if (failed++ < 8)
				KUNIT_EXPECT_EQ_MSG(test, fl & def, row->flags_out & def,
						    "row %u op %u size %u %#llx,%#llx: %#llx, want %#llx",
						    i, row->op, row->size,
						    (unsigned long long)row->dst,
						    (unsigned long long)row->src,
						    (unsigned long long)r,
						    (unsigned long long)row->result);
		}
		/* NOT changes no flag at all. */
		if (row->op == HV_ALU_NOT)
			KUNIT_EXPECT_EQ(test, fl, row->flags_in);
	}
	KUNIT_EXPECT_EQ(test, failed, 0u);
	KUNIT_EXPECT_GT(test, N_OF(hv_alu_rows), 1000u);
}

static void bitop_values(struct kunit *test)
{
	u64 fl = 0x2;

	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTS, 0x1, 4, &fl), 0x11ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x2ULL);
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTS, 0x11, 4, &fl), 0x11ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x3ULL);
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTR, 0x8000000000000001ULL, 63, &fl), 1ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x3ULL);
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTR, 0x1, 2, &fl), 1ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x2ULL);
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTC, 0xf0, 4, &fl), 0xe0ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x3ULL);
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BTC, 0xe0, 4, &fl), 0xf0ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x2ULL);
	/* BT changes CF only: ZF, SF and the rest stay as they were. */
	fl = 0x8d6;
	KUNIT_EXPECT_EQ(test, hv_bitop_exec(HV_BIT_BT, 0x80, 7, &fl), 0x80ULL);
	KUNIT_EXPECT_EQ(test, fl, 0x8d7ULL);
}

/* One instruction touching MMIO: decoded, then run on registers and a memory value. */
struct emu_case {
	const char *name;
	int mode;
	u8 bytes[16];
	unsigned int n;
	u64 regs[16];
	u64 rflags, mem;
	u8 kind;
	bool store;
	u64 store_val;
	int out_reg;		/* the register that changes, -1 for none */
	u64 out_val;
	u64 rflags_out;
};

#define B(...) .bytes = { __VA_ARGS__ }, .n = sizeof((u8[]){ __VA_ARGS__ })
#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define R9 9
#define R10 10
#define NOREG .out_reg = -1
#define STORES(v) .store = true, .store_val = (v)

static const struct emu_case emu_cases[] = {
	{ "or %eax,(m)", 64, B(0x09, 0x03), { [RAX] = 0x0f }, 0x2, 0xf0,
	  HV_MMIO_ALU, STORES(0xff), NOREG, .rflags_out = 0x6 },
	{ "andb $0xf0,(m)", 64, B(0x80, 0x23, 0xf0), { 0 }, 0x8d7, 0x3c,
	  HV_MMIO_ALU, STORES(0x30), NOREG, .rflags_out = 0x6 },
	{ "addl $-1,(m)", 64, B(0x83, 0x03, 0xff), { 0 }, 0x2, 1,
	  HV_MMIO_ALU, STORES(0), NOREG, .rflags_out = 0x57 },
	{ "addq $imm32 sign-extended,(m)", 64, B(0x48, 0x81, 0x03, 0, 0, 0, 0x80), { 0 }, 0x2,
	  0x80000000ULL, HV_MMIO_ALU, STORES(0), NOREG, .rflags_out = 0x47 },
	{ "sub %ah,(m)", 64, B(0x28, 0x23), { [RAX] = 0x100 }, 0x2, 0x10,
	  HV_MMIO_ALU, STORES(0x0f), NOREG, .rflags_out = 0x16 },
	{ "xor (m),%cl", 64, B(0x32, 0x0b), { [RCX] = 0x1234 }, 0x2, 0x34,
	  HV_MMIO_ALU, .rflags_out = 0x46, .out_reg = RCX, .out_val = 0x1200 },
	{ "cmp (m),%edx: no store, no write", 64, B(0x3b, 0x13), { [RDX] = 5 }, 0x2, 7,
	  HV_MMIO_ALU, NOREG, .rflags_out = 0x93 },
	{ "add (m),%r9d zero-extends", 64, B(0x44, 0x03, 0x0b), { [R9] = 0xffffffff00000001ULL },
	  0x2, 2, HV_MMIO_ALU, .out_reg = R9, .out_val = 3, .rflags_out = 0x6 },
	{ "testb $0x80,(m)", 64, B(0xf6, 0x03, 0x80), { 0 }, 0x2, 0x80,
	  HV_MMIO_ALU, NOREG, .rflags_out = 0x82 },
	{ "test %eax,(m)", 64, B(0x85, 0x03), { [RAX] = 0xf00 }, 0x8d7, 0xff,
	  HV_MMIO_ALU, NOREG, .rflags_out = 0x46 },
	{ "notw (m): no flags", 64, B(0x66, 0xf7, 0x13), { 0 }, 0x8d7, 0x00ff,
	  HV_MMIO_ALU, STORES(0xff00), NOREG, .rflags_out = 0x8d7 },
	{ "negl (m)", 64, B(0xf7, 0x1b), { 0 }, 0x2, 1,
	  HV_MMIO_ALU, STORES(0xffffffff), NOREG, .rflags_out = 0x97 },
	{ "lock incl (m) keeps CF", 64, B(0xf0, 0xff, 0x03), { 0 }, 0x3, 0x7fffffff,
	  HV_MMIO_ALU, STORES(0x80000000), NOREG, .rflags_out = 0x897 },
	{ "decb (m)", 64, B(0xfe, 0x0b), { 0 }, 0x2, 1,
	  HV_MMIO_ALU, STORES(0), NOREG, .rflags_out = 0x46 },
	{ "adc %eax,(m) CF=1", 64, B(0x11, 0x03), { [RAX] = 1 }, 0x3, 1,
	  HV_MMIO_ALU, STORES(3), NOREG, .rflags_out = 0x6 },
	{ "sbb %eax,(m) CF=1", 64, B(0x19, 0x03), { [RAX] = 0 }, 0x3, 1,
	  HV_MMIO_ALU, STORES(0), NOREG, .rflags_out = 0x46 },
	{ "sbbb $1,(m) CF=1", 64, B(0x80, 0x1b, 0x01), { 0 }, 0x3, 0,
	  HV_MMIO_ALU, STORES(0xfe), NOREG, .rflags_out = 0x93 },
	{ "xchg %rax,(m)", 64, B(0x48, 0x87, 0x03), { [RAX] = 0x1122334455667788ULL }, 0x2,
	  0x99, HV_MMIO_XCHG, STORES(0x1122334455667788ULL), .out_reg = RAX, .out_val = 0x99,
	  .rflags_out = 0x2 },
	{ "xchg %ah,(m)", 64, B(0x86, 0x23), { [RAX] = 0x1234 }, 0x2, 0x56,
	  HV_MMIO_XCHG, STORES(0x12), .out_reg = RAX, .out_val = 0x5634, .rflags_out = 0x2 },
	{ "bts %eax,(m): offset 33 in the word the CPU chose", 64, B(0x0f, 0xab, 0x03),
	  { [RAX] = 33 }, 0x3, 0, HV_MMIO_BIT, STORES(2), NOREG, .rflags_out = 0x2 },
	{ "bt %rax,(m): offset -1 is bit 63", 64, B(0x48, 0x0f, 0xa3, 0x03), { [RAX] = ~0ULL },
	  0x2, 1ULL << 63, HV_MMIO_BIT, NOREG, .rflags_out = 0x3 },
	{ "btrw $17,(m): bit 1", 64, B(0x66, 0x0f, 0xba, 0x33, 0x11), { 0 }, 0x2, 3,
	  HV_MMIO_BIT, STORES(1), NOREG, .rflags_out = 0x3 },
	{ "btcl $5,(m)", 64, B(0x0f, 0xba, 0x3b, 0x05), { 0 }, 0x3, 0,
	  HV_MMIO_BIT, STORES(0x20), NOREG, .rflags_out = 0x2 },
	{ "movnti %eax,(m)", 64, B(0x0f, 0xc3, 0x03), { [RAX] = 0xaabbccdd11223344ULL }, 0x2, 0,
	  HV_MMIO_STORE, STORES(0x11223344), NOREG, .rflags_out = 0x2 },
	{ "movnti %r10,(m)", 64, B(0x4c, 0x0f, 0xc3, 0x13), { [R10] = 0xaabbccdd11223344ULL },
	  0x2, 0, HV_MMIO_STORE, STORES(0xaabbccdd11223344ULL), NOREG, .rflags_out = 0x2 },
	{ "movzbl (m),%eax", 64, B(0x0f, 0xb6, 0x03), { [RAX] = ~0ULL }, 0x2, 0x80,
	  HV_MMIO_LOAD, .out_reg = RAX, .out_val = 0x80, .rflags_out = 0x2 },
	{ "movswq (m),%rax", 64, B(0x48, 0x0f, 0xbf, 0x03), { 0 }, 0x2, 0x8000,
	  HV_MMIO_LOAD, .out_reg = RAX, .out_val = 0xffffffffffff8000ULL, .rflags_out = 0x2 },
	{ "mov %ebx,(m) in 32-bit mode", 32, B(0x89, 0x18), { [RBX] = 0x12345678 }, 0x2, 0,
	  HV_MMIO_STORE, STORES(0x12345678), NOREG, .rflags_out = 0x2 },
	{ "or %ax,(m) in 16-bit mode", 16, B(0x09, 0x07), { [RAX] = 0x8000 }, 0x2, 0x0001,
	  HV_MMIO_ALU, STORES(0x8001), NOREG, .rflags_out = 0x82 },
	{ "rep stosl", 64, B(0xf3, 0xab), { [RAX] = 0x1122334455667788ULL }, 0x2, 0,
	  HV_MMIO_STOS, STORES(0x55667788), NOREG, .rflags_out = 0x2 },
	{ "movsb", 64, B(0xa4), { 0 }, 0x2, 0x1ab, HV_MMIO_MOVS, STORES(0xab), NOREG,
	  .rflags_out = 0x2 },
	{ "lodsq", 64, B(0x48, 0xad), { 0 }, 0x2, 0x123456789ULL, HV_MMIO_LODS,
	  .out_reg = RAX, .out_val = 0x123456789ULL, .rflags_out = 0x2 },
	{ "lodsw merges", 64, B(0x66, 0xad), { [RAX] = 0x1111111111111111ULL }, 0x2, 0xabcd,
	  HV_MMIO_LODS, .out_reg = RAX, .out_val = 0x111111111111abcdULL, .rflags_out = 0x2 },
};

static void emu_forms(struct kunit *test)
{
	unsigned int i, r;

	for (i = 0; i < N_OF(emu_cases); i++) {
		const struct emu_case *c = &emu_cases[i];
		struct hv_mmio_emul e;
		struct hv_insn insn;
		u64 regs[16], fl = c->rflags, store = 0xdead;
		bool stores;

		KUNIT_ASSERT_EQ_MSG(test, hv_insn_decode(&insn, c->bytes, c->n, c->mode), 0,
				    "%s", c->name);
		KUNIT_ASSERT_EQ_MSG(test, hv_mmio_decode(&insn, &e), 0, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, e.kind, c->kind, "%s", c->name);
		for (r = 0; r < 16; r++)
			regs[r] = c->regs[r];
		stores = hv_mmio_exec(&e, regs, &fl, c->mem, &store);
		KUNIT_EXPECT_EQ_MSG(test, stores, c->store, "%s", c->name);
		if (c->store)
			KUNIT_EXPECT_EQ_MSG(test, store, c->store_val, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, fl, c->rflags_out, "%s", c->name);
		for (r = 0; r < 16; r++)
			KUNIT_EXPECT_EQ_MSG(test, regs[r],
					    (int)r == c->out_reg ? c->out_val : c->regs[r],
					    "%s: register %u", c->name, r);
	}
}

static void emu_decode_fields(struct kunit *test)
{
	static const u8 movs_fs[] = { 0x64, 0xa4 };
	static const u8 rep_movsw16[] = { 0xf3, 0xa5 };
	static const u8 movs_a32[] = { 0x67, 0xf2, 0x48, 0xa5 };
	static const u8 xor_imm_lock[] = { 0xf0, 0x83, 0x33, 0xf0 };
	struct hv_mmio_emul e;
	struct hv_insn insn;

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, movs_fs, sizeof(movs_fs), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_EQ(test, e.src_seg, HV_MMIO_SEG_FS);
	KUNIT_EXPECT_FALSE(test, e.rep);
	KUNIT_EXPECT_EQ(test, e.size, 1);
	KUNIT_EXPECT_EQ(test, e.addr_size, 8);
	KUNIT_EXPECT_TRUE(test, hv_mmio_reads(&e));

	/* Real mode: 16-bit elements and addresses. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, rep_movsw16, sizeof(rep_movsw16), 16), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_EQ(test, e.kind, HV_MMIO_MOVS);
	KUNIT_EXPECT_EQ(test, e.src_seg, HV_MMIO_SEG_DS);
	KUNIT_EXPECT_TRUE(test, e.rep);
	KUNIT_EXPECT_EQ(test, e.size, 2);
	KUNIT_EXPECT_EQ(test, e.addr_size, 2);

	/* REPNE repeats MOVS like REP; 67 makes the addresses 32-bit. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, movs_a32, sizeof(movs_a32), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_TRUE(test, e.rep);
	KUNIT_EXPECT_EQ(test, e.size, 8);
	KUNIT_EXPECT_EQ(test, e.addr_size, 4);

	/* 83 /6 ib: sign-extended to the operand size; LOCK is allowed. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, xor_imm_lock, sizeof(xor_imm_lock), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_EQ(test, e.op, HV_ALU_XOR);
	KUNIT_EXPECT_EQ(test, e.imm, 0xfffffff0ULL);
	KUNIT_EXPECT_TRUE(test, e.has_imm);
}

static void emu_string_step(struct kunit *test)
{
	static const u8 rep_stosl[] = { 0xf3, 0xab };
	static const u8 rep_movsw_a16[] = { 0x67, 0xf3, 0x66, 0xa5 };
	static const u8 movsb[] = { 0xa4 };
	static const u8 lodsb_a32[] = { 0x67, 0xac };
	struct hv_mmio_emul e;
	struct hv_insn insn;
	u64 regs[16] = { 0 };

	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, rep_stosl, sizeof(rep_stosl), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_FALSE(test, hv_mmio_reads(&e));
	regs[RCX] = 2;
	regs[7] = 0x1000;
	regs[6] = 0x5000;
	KUNIT_EXPECT_EQ(test, hv_mmio_string_count(&e, regs), 2ULL);
	KUNIT_EXPECT_FALSE(test, hv_mmio_string_step(&e, regs, 0x2));
	KUNIT_EXPECT_EQ(test, regs[7], 0x1004ULL);
	KUNIT_EXPECT_EQ(test, regs[6], 0x5000ULL);	/* STOS leaves rSI */
	KUNIT_EXPECT_EQ(test, regs[RCX], 1ULL);
	KUNIT_EXPECT_TRUE(test, hv_mmio_string_step(&e, regs, 0x2));
	KUNIT_EXPECT_EQ(test, regs[RCX], 0ULL);
	/* DF: downwards. */
	regs[RCX] = 5;
	KUNIT_EXPECT_FALSE(test, hv_mmio_string_step(&e, regs, 0x402));
	KUNIT_EXPECT_EQ(test, regs[7], 0x1004ULL);
	KUNIT_EXPECT_EQ(test, regs[RCX], 4ULL);

	/* 16-bit addresses wrap in SI/DI/CX, the bits above are kept. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, rep_movsw_a16, sizeof(rep_movsw_a16), 32), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	KUNIT_EXPECT_EQ(test, e.size, 2);
	regs[6] = 0xabcd0000ffffULL;
	regs[7] = 0x12340000ULL;
	regs[RCX] = 0x70000ULL;		/* CX = 0: nothing to do */
	KUNIT_EXPECT_EQ(test, hv_mmio_string_count(&e, regs), 0ULL);
	regs[RCX] = 0x70001ULL;
	KUNIT_EXPECT_EQ(test, hv_mmio_string_count(&e, regs), 1ULL);
	KUNIT_EXPECT_TRUE(test, hv_mmio_string_step(&e, regs, 0x2));
	KUNIT_EXPECT_EQ(test, regs[6], 0xabcd00000001ULL);
	KUNIT_EXPECT_EQ(test, regs[7], 0x12340002ULL);
	KUNIT_EXPECT_EQ(test, regs[RCX], 0x70000ULL);
	regs[7] = 0x12340000ULL;
	regs[RCX] = 0x70003ULL;
	KUNIT_EXPECT_FALSE(test, hv_mmio_string_step(&e, regs, 0x402));
	KUNIT_EXPECT_EQ(test, regs[7], 0x1234fffeULL);
	KUNIT_EXPECT_EQ(test, regs[RCX], 0x70002ULL);

	/* No REP: one element, rCX untouched, finished. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, movsb, sizeof(movsb), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	regs[RCX] = 0;
	regs[6] = 0;
	regs[7] = ~0ULL;
	KUNIT_EXPECT_EQ(test, hv_mmio_string_count(&e, regs), 1ULL);
	KUNIT_EXPECT_TRUE(test, hv_mmio_string_step(&e, regs, 0x2));
	KUNIT_EXPECT_EQ(test, regs[6], 1ULL);
	KUNIT_EXPECT_EQ(test, regs[7], 0ULL);
	KUNIT_EXPECT_EQ(test, regs[RCX], 0ULL);

	/* 32-bit addresses in 64-bit mode: ESI wraps and the upper half is zeroed. */
	KUNIT_ASSERT_EQ(test, hv_insn_decode(&insn, lodsb_a32, sizeof(lodsb_a32), 64), 0);
	KUNIT_ASSERT_EQ(test, hv_mmio_decode(&insn, &e), 0);
	regs[6] = 0x55ffffffffULL;
	regs[7] = 0x77;
	KUNIT_EXPECT_TRUE(test, hv_mmio_string_step(&e, regs, 0x2));
	KUNIT_EXPECT_EQ(test, regs[6], 0ULL);
	KUNIT_EXPECT_EQ(test, regs[7], 0x77ULL);	/* LODS leaves rDI */
}

struct reject_case {
	const char *name;
	u8 bytes[8];
	unsigned int n;
};

static const struct reject_case reject_cases[] = {
	{ "lock cmp", B(0xf0, 0x39, 0x03) },
	{ "lock test", B(0xf0, 0x85, 0x03) },
	{ "lock mov", B(0xf0, 0x89, 0x03) },
	{ "lock add (m),reg", B(0xf0, 0x03, 0x03) },
	{ "lock bt", B(0xf0, 0x0f, 0xa3, 0x03) },
	{ "lock movsb", B(0xf0, 0xa4) },
	{ "mul (m)", B(0xf7, 0x23) },
	{ "div (m)", B(0xf7, 0x33) },
	{ "or reg,reg", B(0x09, 0xc3) },
	{ "xchg reg,reg", B(0x87, 0xc3) },
	{ "shl (m)", B(0xd1, 0x23) },
	{ "call *(m)", B(0xff, 0x13) },
	{ "push (m)", B(0xff, 0x33) },
	{ "movnti with 66", B(0x66, 0x0f, 0xc3, 0x03) },
	{ "cmpsb", B(0xa6) },
	{ "scasb", B(0xae) },
	{ "cmpxchg", B(0x0f, 0xb1, 0x03) },
	{ "vex", B(0xc5, 0xf8, 0x10, 0x03) },
	{ "bt reg,reg", B(0x0f, 0xa3, 0xc3) },
};

static void emu_rejects(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < N_OF(reject_cases); i++) {
		const struct reject_case *c = &reject_cases[i];
		struct hv_mmio_emul e;
		struct hv_insn insn;

		if (hv_insn_decode(&insn, c->bytes, c->n, 64))
			continue;	/* the decoder refused it already */
		KUNIT_EXPECT_EQ_MSG(test, hv_mmio_decode(&insn, &e), -EINVAL, "%s", c->name);
	}
	/* An undecoded instruction (len 0) is refused too. */
	{
		struct hv_insn insn = { 0 };
		struct hv_mmio_emul e;

		KUNIT_EXPECT_EQ(test, hv_mmio_decode(&insn, &e), -EINVAL);
	}
}

static struct kunit_case hv_mmio_emulate_test_cases[] = {
	KUNIT_CASE(alu_flags_table),
	KUNIT_CASE(bitop_values),
	KUNIT_CASE(emu_forms),
	KUNIT_CASE(emu_decode_fields),
	KUNIT_CASE(emu_string_step),
	KUNIT_CASE(emu_rejects),
	{}
};

static struct kunit_suite hv_mmio_emulate_test_suite = {
	.name = "hv_mmio_emulate",
	.test_cases = hv_mmio_emulate_test_cases,
};

kunit_test_suite(hv_mmio_emulate_test_suite);
