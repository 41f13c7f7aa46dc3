// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the HV_SET_SREGS consistency rules (module/x86/sregs.c).
 * Every rule has a case that breaks only that rule, starting from a state
 * the rules accept, and each refusal is checked for the rule that fired, so
 * dropping or weakening a rule fails its case even where a later rule
 * would still refuse the set.  The accepted states are the modes the
 * selftests and hv-run use: reset (real mode), protected mode with and
 * without paging, PAE, long mode, and compatibility mode.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/string.h>

#include "../x86/sregs.h"
#include "../../uapi/linux/hv.h"

/* The test's own spelling (T_), apart from the kernel's EFER_* and X86_CR4_*. */
#define T_CR4_VME		BIT_ULL(0)
#define T_CR4_PSE		BIT_ULL(4)
#define T_CR4_PGE		BIT_ULL(7)
#define T_CR4_OSFXSR	BIT_ULL(9)
#define T_CR4_VMXE	BIT_ULL(13)
#define T_EFER_SCE	BIT_ULL(0)
#define T_EFER_NX		BIT_ULL(11)

static const struct hv_sregs_limits lim = {
	.cr4_valid = T_CR4_VME | T_CR4_PSE | S_CR4_PAE | T_CR4_PGE | T_CR4_OSFXSR | S_CR4_PCIDE,
	.efer_valid = T_EFER_SCE | S_EFER_LME | S_EFER_LMA | T_EFER_NX,
	.maxphyaddr = 40,
};

/* The architectural reset state: real mode, CD and NW set, CS at F000:FFF0. */
static struct hv_sregs reset_state(void)
{
	struct hv_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = S_CR0_CD | S_CR0_NW | S_CR0_ET;
	s.cs.selector = 0xf000;
	s.cs.base = 0xffff0000;
	s.cs.limit = 0xffff;
	s.cs.type = 11;
	s.cs.s = 1;
	s.cs.present = 1;
	return s;
}

/* 32-bit protected mode, flat segments, paging off. */
static struct hv_sregs protected_state(void)
{
	struct hv_sregs s = reset_state();

	s.cr0 = S_CR0_PE | S_CR0_ET | S_CR0_NE;
	s.cs.base = 0;
	s.cs.limit = 0xffffffff;
	s.cs.selector = 0x10;
	s.cs.db = 1;
	s.cs.g = 1;
	return s;
}

/* 64-bit mode as the selftests start their guests (4-level paging). */
static struct hv_sregs long_state(void)
{
	struct hv_sregs s = protected_state();

	s.cr0 |= S_CR0_PG | S_CR0_WP;
	s.cr3 = 0x1000;
	s.cr4 = S_CR4_PAE | T_CR4_OSFXSR;
	s.efer = S_EFER_LME | S_EFER_LMA | T_EFER_SCE | T_EFER_NX;
	s.cs.db = 0;
	s.cs.l = 1;
	return s;
}

static void sregs_accepts_modes(struct kunit *test)
{
	struct hv_sregs s = reset_state();

	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	/* Real mode with caching on, as a BIOS leaves it. */
	s.cr0 = S_CR0_ET;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	s = protected_state();
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	/* 32-bit paging, then PAE paging, LME set but paging off (about to enter long mode). */
	s.cr0 |= S_CR0_PG;
	s.cr3 = 0xfffff000;
	s.cr4 = T_CR4_PSE;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	s.cr4 = S_CR4_PAE;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	s.cr0 &= ~S_CR0_PG;
	s.efer = S_EFER_LME;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	s = long_state();
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	/* Compatibility mode: long mode with a 32-bit code segment. */
	s.cs.l = 0;
	s.cs.db = 1;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
	/* PCIDs and CR8 at its top. */
	s = long_state();
	s.cr4 |= S_CR4_PCIDE;
	s.cr3 = 0x1005;
	s.cr8 = 15;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
}

static void sregs_cr0_rules(struct kunit *test)
{
	struct hv_sregs s = protected_state();

	s.cr0 |= 1ull << 32;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR0_RESERVED);
	s = protected_state();
	s.cr0 |= 1ull << 6;		/* between NE and WP: undefined */
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR0_RESERVED);
	s = protected_state();
	s.cr0 = (s.cr0 | S_CR0_PG) & ~S_CR0_PE;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR0_PG_WITHOUT_PE);
	s = reset_state();
	s.cr0 &= ~S_CR0_CD;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR0_NW_WITHOUT_CD);
	/* CD without NW is fine. */
	s.cr0 = S_CR0_CD | S_CR0_ET;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
}

static void sregs_cr4_efer_cr8_rules(struct kunit *test)
{
	struct hv_sregs s = protected_state();

	s.cr4 = T_CR4_VMXE;		/* never offered to guests */
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR4_RESERVED);
	s.cr4 = 1ull << 63;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR4_RESERVED);
	s = protected_state();
	s.efer = 1ull << 9;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_EFER_RESERVED);
	s = long_state();
	s.cr8 = 16;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CR8_RESERVED);
}

static void sregs_long_mode_rules(struct kunit *test)
{
	struct hv_sregs s = long_state();

	s.cr4 &= ~S_CR4_PAE;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_LONG_MODE_WITHOUT_PAE);
	s = long_state();
	s.efer &= ~S_EFER_LMA;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_LONG_MODE_WITHOUT_LMA);
	/* LMA with paging off (the example), and LMA without LME. */
	s = long_state();
	s.cr0 &= ~S_CR0_PG;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_LMA_OUTSIDE_LONG_MODE);
	s = long_state();
	s.efer &= ~S_EFER_LME;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_LMA_OUTSIDE_LONG_MODE);
	s = long_state();
	s.cs.db = 1;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CS_L_AND_D);
}

static void sregs_legacy_mode_rules(struct kunit *test)
{
	struct hv_sregs s = protected_state();

	s.cs.l = 1;
	s.cs.db = 0;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CS_L_OUTSIDE_LONG_MODE);
	s = reset_state();
	s.cs.l = 1;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CS_L_OUTSIDE_LONG_MODE);
	/* LME with paging off is not long mode yet: CS.L is still refused. */
	s = protected_state();
	s.efer = S_EFER_LME;
	s.cs.l = 1;
	s.cs.db = 0;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_CS_L_OUTSIDE_LONG_MODE);
	s = protected_state();
	s.cr0 |= S_CR0_PG;
	s.cr4 = S_CR4_PAE | S_CR4_PCIDE;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_PCIDE_OUTSIDE_LONG_MODE);
}

static void sregs_cr3_width(struct kunit *test)
{
	struct hv_sregs s = long_state();
	struct hv_sregs_limits l = lim;

	/* Bits 39:12 are an address with MAXPHYADDR 40; bit 40 is reserved. */
	s.cr3 = BIT_ULL(40) - 4096;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &l), HV_SREGS_OK);
	s.cr3 = 1ull << 40;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &l), HV_SREGS_CR3_RESERVED);
	s.cr3 = 1ull << 63;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &l), HV_SREGS_CR3_RESERVED);
	/* The guest's width decides: bit 40 is an address bit with 48. */
	l.maxphyaddr = 48;
	s.cr3 = 1ull << 40;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &l), HV_SREGS_OK);
	s.cr3 = 1ull << 48;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &l), HV_SREGS_CR3_RESERVED);
	/* Outside long mode CR3's upper half is not judged (as KVM). */
	s = protected_state();
	s.cr3 = 1ull << 45;
	KUNIT_EXPECT_EQ(test, hv_sregs_check(&s, &lim), HV_SREGS_OK);
}

static void sregs_maxphyaddr(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hv_sregs_maxphyaddr(false, 0x3028), S_DEFAULT_MAXPHYADDR);
	KUNIT_EXPECT_EQ(test, hv_sregs_maxphyaddr(true, 0x3028), 40u);
	KUNIT_EXPECT_EQ(test, hv_sregs_maxphyaddr(true, 0x3030), 48u);
	KUNIT_EXPECT_EQ(test, hv_sregs_maxphyaddr(true, 0x3000), S_DEFAULT_MAXPHYADDR);
	KUNIT_EXPECT_EQ(test, hv_sregs_maxphyaddr(true, 0x30ff), S_MAX_MAXPHYADDR);
}

/* A guest's MOV to CR4: the bits it was offered, PAE in long mode, PCIDE's preconditions. */
static void sregs_cr4_write_rules(struct kunit *test)
{
	u64 v = lim.cr4_valid, lm = S_CR4_PAE;

	KUNIT_EXPECT_TRUE(test, hv_cr4_write_ok(lm, lm | T_CR4_PGE, 0x1000, true, v));
	KUNIT_EXPECT_FALSE(test, hv_cr4_write_ok(lm, lm | T_CR4_VMXE, 0x1000, true, v));
	/* Offered by the host but not to this guest: reserved for it. */
	KUNIT_EXPECT_FALSE(test, hv_cr4_write_ok(lm, lm | T_CR4_PGE, 0x1000, true,
						 v & ~T_CR4_PGE));
	KUNIT_EXPECT_FALSE(test, hv_cr4_write_ok(lm, 0, 0x1000, true, v));
	KUNIT_EXPECT_TRUE(test, hv_cr4_write_ok(lm, 0, 0x1000, false, v));
	/* PCIDE: long mode and PCID 0 to set it; clearing is always fine. */
	KUNIT_EXPECT_TRUE(test, hv_cr4_write_ok(lm, lm | S_CR4_PCIDE, 0x1000, true, v));
	KUNIT_EXPECT_FALSE(test, hv_cr4_write_ok(lm, lm | S_CR4_PCIDE, 0x1001, true, v));
	KUNIT_EXPECT_FALSE(test, hv_cr4_write_ok(lm, lm | S_CR4_PCIDE, 0x1000, false, v));
	KUNIT_EXPECT_TRUE(test, hv_cr4_write_ok(lm | S_CR4_PCIDE, lm | S_CR4_PCIDE, 0x1001,
						true, v));
	KUNIT_EXPECT_TRUE(test, hv_cr4_write_ok(lm | S_CR4_PCIDE, lm, 0x1001, true, v));
}

static struct kunit_case sregs_cases[] = {
	KUNIT_CASE(sregs_accepts_modes),
	KUNIT_CASE(sregs_cr0_rules),
	KUNIT_CASE(sregs_cr4_efer_cr8_rules),
	KUNIT_CASE(sregs_long_mode_rules),
	KUNIT_CASE(sregs_legacy_mode_rules),
	KUNIT_CASE(sregs_cr3_width),
	KUNIT_CASE(sregs_maxphyaddr),
	KUNIT_CASE(sregs_cr4_write_rules),
	{}
};

static struct kunit_suite sregs_suite = {
	.name = "hv_sregs",
	.test_cases = sregs_cases,
};

kunit_test_suite(sregs_suite);
