// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the local APIC's pure rules (module/irq/apic_deliver.c):
 * PPR and APR, the deliverability test, destination matching (physical,
 * flat, cluster, x2APIC cluster, shorthands, broadcasts), lowest-priority
 * arbitration, ICR and MSI decoding.  Plain C only, so the suite also runs
 * on the build machine (module/tests/host).  The expected values are worked
 * out here from the SDM, not from the code under test.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "../irq/apic_deliver.h"

static void apic_ppr(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x00, -1), 0x00);
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x35, -1), 0x35);
	/* in-service class above TPR's: PPR is that class, bits 3:0 clear */
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x35, 0x41), 0x40);
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x20, 0xff), 0xf0);
	/* equal classes: TPR, with its low bits */
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x45, 0x41), 0x45);
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x40, 0x4f), 0x40);
	/* TPR above the in-service class */
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x5a, 0x41), 0x5a);
	KUNIT_EXPECT_EQ(test, hv_apic_ppr(0x00, 0x10), 0x10);
}

static void apic_apr(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hv_apic_apr(0x35, -1, -1), 0x35);
	KUNIT_EXPECT_EQ(test, hv_apic_apr(0x35, -1, 0x31), 0x35);
	/* a higher request or in-service class wins, bits 3:0 clear */
	KUNIT_EXPECT_EQ(test, hv_apic_apr(0x35, -1, 0x61), 0x60);
	KUNIT_EXPECT_EQ(test, hv_apic_apr(0x35, 0x71, 0x61), 0x70);
	/* TPR must be strictly above the in-service class */
	KUNIT_EXPECT_EQ(test, hv_apic_apr(0x35, 0x31, -1), 0x30);
}

static void apic_highest_vector(struct kunit *test)
{
	u32 bank[8] = { 0 };

	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), -1);
	bank[0] = 1;
	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), 0);
	bank[1] = 1;				/* vector 32 */
	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), 32);
	bank[2] = 0x80010000;			/* vectors 80 and 95 */
	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), 95);
	bank[7] = 0x80000000;
	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), 255);
	bank[7] = 0;
	bank[2] = 0x10000;
	KUNIT_EXPECT_EQ(test, hv_apic_highest_vector(bank), 80);
}

static void apic_deliverable(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, hv_apic_deliverable(-1, 0));
	KUNIT_EXPECT_TRUE(test, hv_apic_deliverable(0x10, 0x00));
	/* class 0 is never above PPR */
	KUNIT_EXPECT_FALSE(test, hv_apic_deliverable(0x0f, 0x00));
	/* same class as PPR: held, whatever bits 3:0 say */
	KUNIT_EXPECT_FALSE(test, hv_apic_deliverable(0x5f, 0x50));
	KUNIT_EXPECT_FALSE(test, hv_apic_deliverable(0x51, 0x5f));
	KUNIT_EXPECT_TRUE(test, hv_apic_deliverable(0x60, 0x5f));
	KUNIT_EXPECT_FALSE(test, hv_apic_deliverable(0x40, 0x50));
	KUNIT_EXPECT_TRUE(test, hv_apic_deliverable(0xff, 0xef));
}

static struct hv_apic_target xapic(u32 id, u32 ldr, u8 dfr_model)
{
	struct hv_apic_target t = {
		.id = id, .ldr = ldr, .dfr_model = dfr_model,
		.hw_enabled = true, .sw_enabled = true,
	};

	return t;
}

static struct hv_apic_target x2apic(u32 id)
{
	struct hv_apic_target t = {
		.id = id, .ldr = hv_apic_x2apic_ldr(id), .x2apic = true,
		.hw_enabled = true, .sw_enabled = true,
	};

	return t;
}

static void apic_physical_xapic(struct kunit *test)
{
	struct hv_apic_target t = xapic(5, 0, HV_APIC_DFR_FLAT);

	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 5, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 6, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 0, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 0xff, false));
	/* 8 bits are compared */
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 0x105, false));
	t.hw_enabled = false;
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 5, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 0xff, false));
}

static void apic_physical_x2apic(struct kunit *test)
{
	struct hv_apic_target t = x2apic(0x1234);
	struct hv_apic_target low = x2apic(0xff);

	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 0x1234, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 0x34, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 0x11234, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 0xffffffff, true));
	/* 0xff is a real x2APIC ID in a 32-bit destination ... */
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&t, 0xff, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&low, 0xff, true));
	/* ... but the broadcast of an 8-bit one (MSI, I/O APIC) */
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&t, 0xff, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_physical(&low, 0xfe + 1, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_physical(&low, 0xfe, false));
}

static void apic_logical_flat(struct kunit *test)
{
	struct hv_apic_target t = xapic(0, 0x04, HV_APIC_DFR_FLAT);

	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x04, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x06, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0xff, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x01, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x00, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0xfb, false));
	/* an all-zero logical ID is in no group */
	t.ldr = 0;
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x7f, false));
}

static void apic_logical_cluster(struct kunit *test)
{
	struct hv_apic_target t = xapic(0, 0x21, HV_APIC_DFR_CLUSTER);

	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x21, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x23, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0xff, false));
	/* wrong cluster, right member bit */
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x11, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x31, false));
	/* right cluster, other members */
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x22, false));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x2e, false));
	/* the same MDA in the flat model is a bit test of all 8 bits */
	t.dfr_model = HV_APIC_DFR_FLAT;
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x20, false));
	/* a reserved DFR model matches only the broadcast */
	t.dfr_model = 0x5;
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x21, false));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0xff, false));
}

static void apic_x2apic_ldr(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hv_apic_x2apic_ldr(0), 0x00000001u);
	KUNIT_EXPECT_EQ(test, hv_apic_x2apic_ldr(15), 0x00008000u);
	KUNIT_EXPECT_EQ(test, hv_apic_x2apic_ldr(16), 0x00010001u);
	KUNIT_EXPECT_EQ(test, hv_apic_x2apic_ldr(0x23), 0x00020008u);
	KUNIT_EXPECT_EQ(test, hv_apic_x2apic_ldr(0x12345), 0x12340020u);
}

static void apic_logical_x2apic_cluster(struct kunit *test)
{
	struct hv_apic_target t = x2apic(0x23);	/* cluster 2, member 3 */

	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x00020008, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x0002000c, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0x0002ffff, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0xffffffff, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x00010008, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x00030008, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x00020004, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match_logical(&t, 0x00020000, true));
	/* an 8-bit broadcast still reaches an x2APIC */
	KUNIT_EXPECT_TRUE(test, hv_apic_match_logical(&t, 0xff, false));
}

static void apic_shorthands(struct kunit *test)
{
	struct hv_apic_target t = xapic(3, 0x08, HV_APIC_DFR_FLAT);
	struct hv_apic_irq irq = { .dest = 7, .assert = true };

	irq.shorthand = HV_APIC_SH_SELF;
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, true));
	KUNIT_EXPECT_FALSE(test, hv_apic_match(&t, &irq, false));
	irq.shorthand = HV_APIC_SH_ALL;
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, false));
	irq.shorthand = HV_APIC_SH_OTHERS;
	KUNIT_EXPECT_FALSE(test, hv_apic_match(&t, &irq, true));
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, false));
	/* no shorthand: the destination field decides, the sender included */
	irq.shorthand = HV_APIC_SH_NONE;
	KUNIT_EXPECT_FALSE(test, hv_apic_match(&t, &irq, true));
	irq.dest = 3;
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, true));
	irq.logical = true;			/* MDA 3 & LDR 8 = 0 */
	KUNIT_EXPECT_FALSE(test, hv_apic_match(&t, &irq, false));
	irq.dest = 0x0c;
	KUNIT_EXPECT_TRUE(test, hv_apic_match(&t, &irq, false));
	/* a hardware-disabled APIC takes not even a broadcast shorthand */
	t.hw_enabled = false;
	irq.shorthand = HV_APIC_SH_ALL;
	KUNIT_EXPECT_FALSE(test, hv_apic_match(&t, &irq, false));
}

static void apic_lowest_priority(struct kunit *test)
{
	struct hv_apic_target t[4] = {
		xapic(0, 1, HV_APIC_DFR_FLAT), xapic(1, 2, HV_APIC_DFR_FLAT),
		xapic(2, 4, HV_APIC_DFR_FLAT), xapic(3, 8, HV_APIC_DFR_FLAT),
	};

	t[0].ppr = 0x20;
	t[1].ppr = 0x10;
	t[2].ppr = 0x30;
	t[3].ppr = 0x1f;
	/* lowest class wins: 1 and 3 share class 1; equal counts: lower index */
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 4), 1);
	/* bits 3:0 do not count, the rotation does */
	t[1].arb_count = 5;
	t[3].arb_count = 2;
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 4), 3);
	/* a software-disabled APIC takes no part */
	t[3].sw_enabled = false;
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 4), 1);
	t[1].hw_enabled = false;
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 4), 0);
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 0), -1);
	t[0].sw_enabled = false;
	t[2].sw_enabled = false;
	KUNIT_EXPECT_EQ(test, hv_apic_lowest_priority(t, 4), -1);
}

static void apic_is_lowest_priority(struct kunit *test)
{
	struct hv_apic_irq irq = { .delivery_mode = HV_APIC_DM_LOWEST };

	KUNIT_EXPECT_TRUE(test, hv_apic_is_lowest_priority(&irq));
	irq.delivery_mode = HV_APIC_DM_FIXED;
	KUNIT_EXPECT_FALSE(test, hv_apic_is_lowest_priority(&irq));
	irq.redir_hint = true;
	KUNIT_EXPECT_TRUE(test, hv_apic_is_lowest_priority(&irq));
	irq.delivery_mode = HV_APIC_DM_NMI;
	KUNIT_EXPECT_FALSE(test, hv_apic_is_lowest_priority(&irq));
}

static void apic_decode_icr(struct kunit *test)
{
	struct hv_apic_irq irq;

	/* xAPIC: dest 0x0f, level assert, logical, INIT, vector 0x31 */
	hv_apic_decode_icr((0x0full << 56) | 0xc000 | 0x800 | 0x500 | 0x31, false, &irq);
	KUNIT_EXPECT_EQ(test, irq.dest, 0x0fu);
	KUNIT_EXPECT_EQ(test, irq.vector, 0x31);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, HV_APIC_DM_INIT);
	KUNIT_EXPECT_TRUE(test, irq.logical);
	KUNIT_EXPECT_TRUE(test, irq.level);
	KUNIT_EXPECT_TRUE(test, irq.assert);
	KUNIT_EXPECT_EQ(test, irq.shorthand, HV_APIC_SH_NONE);
	KUNIT_EXPECT_FALSE(test, irq.x2apic_format);
	/* level de-assert */
	hv_apic_decode_icr(0x8500, false, &irq);
	KUNIT_EXPECT_TRUE(test, irq.level);
	KUNIT_EXPECT_FALSE(test, irq.assert);
	/* edge is always an assertion; shorthand all-but-self; SIPI */
	hv_apic_decode_icr(0xc0000 | 0x600 | 0x9a, false, &irq);
	KUNIT_EXPECT_EQ(test, irq.shorthand, HV_APIC_SH_OTHERS);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, HV_APIC_DM_SIPI);
	KUNIT_EXPECT_EQ(test, irq.vector, 0x9a);
	KUNIT_EXPECT_FALSE(test, irq.level);
	KUNIT_EXPECT_TRUE(test, irq.assert);
	KUNIT_EXPECT_FALSE(test, irq.logical);
	/* x2APIC: the whole upper half is the destination */
	hv_apic_decode_icr((0x12345678ull << 32) | 0x40000 | 0x41, true, &irq);
	KUNIT_EXPECT_EQ(test, irq.dest, 0x12345678u);
	KUNIT_EXPECT_EQ(test, irq.shorthand, HV_APIC_SH_SELF);
	KUNIT_EXPECT_TRUE(test, irq.x2apic_format);
	/* the same value read as xAPIC: bits 63:56 only */
	hv_apic_decode_icr((0x12345678ull << 32) | 0x41, false, &irq);
	KUNIT_EXPECT_EQ(test, irq.dest, 0x12u);
}

static void apic_decode_msi(struct kunit *test)
{
	struct hv_apic_irq irq;

	/* dest 1, RH and logical, level assert, lowest priority, vector 0x31 */
	KUNIT_ASSERT_EQ(test, hv_apic_decode_msi(0xfee0100c, 0xc131, &irq), 0);
	KUNIT_EXPECT_EQ(test, irq.dest, 1u);
	KUNIT_EXPECT_TRUE(test, irq.redir_hint);
	KUNIT_EXPECT_TRUE(test, irq.logical);
	KUNIT_EXPECT_TRUE(test, irq.level);
	KUNIT_EXPECT_TRUE(test, irq.assert);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, HV_APIC_DM_LOWEST);
	KUNIT_EXPECT_EQ(test, irq.vector, 0x31);
	KUNIT_EXPECT_EQ(test, irq.shorthand, HV_APIC_SH_NONE);
	KUNIT_EXPECT_FALSE(test, irq.x2apic_format);
	/* dest 0xfe physical, edge: bit 14 does not matter */
	KUNIT_ASSERT_EQ(test, hv_apic_decode_msi(0xfeefe000, 0x0022, &irq), 0);
	KUNIT_EXPECT_EQ(test, irq.dest, 0xfeu);
	KUNIT_EXPECT_FALSE(test, irq.redir_hint);
	KUNIT_EXPECT_FALSE(test, irq.logical);
	KUNIT_EXPECT_FALSE(test, irq.level);
	KUNIT_EXPECT_TRUE(test, irq.assert);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, HV_APIC_DM_FIXED);
	/* NMI, INIT, ExtINT and SMI are valid MSI delivery modes */
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfee00000, 0x400, &irq), 0);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, HV_APIC_DM_NMI);
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfee00000, 0x700, &irq), 0);
	/* outside the window, high address bits, reserved modes */
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfed00000, 0x31, &irq), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfef00000, 0x31, &irq), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0x1fee00000ull, 0x31, &irq), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfee00000, 0x331, &irq), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_apic_decode_msi(0xfee00000, 0x631, &irq), -EINVAL);
}

static struct kunit_case hv_apic_test_cases[] = {
	KUNIT_CASE(apic_ppr),
	KUNIT_CASE(apic_apr),
	KUNIT_CASE(apic_highest_vector),
	KUNIT_CASE(apic_deliverable),
	KUNIT_CASE(apic_physical_xapic),
	KUNIT_CASE(apic_physical_x2apic),
	KUNIT_CASE(apic_logical_flat),
	KUNIT_CASE(apic_logical_cluster),
	KUNIT_CASE(apic_x2apic_ldr),
	KUNIT_CASE(apic_logical_x2apic_cluster),
	KUNIT_CASE(apic_shorthands),
	KUNIT_CASE(apic_lowest_priority),
	KUNIT_CASE(apic_is_lowest_priority),
	KUNIT_CASE(apic_decode_icr),
	KUNIT_CASE(apic_decode_msi),
	{}
};

static struct kunit_suite hv_apic_test_suite = {
	.name = "hv_apic",
	.test_cases = hv_apic_test_cases,
};

kunit_test_suite(hv_apic_test_suite);
