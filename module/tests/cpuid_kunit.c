// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the CPUID policy (module/x86/cpuid.c).  The expected bits
 * are spelled out here from what hv virtualizes (the in-kernel local APIC;
 * XSAVE and the vector extensions as far as the host kernel's XCR0 goes; no
 * PMU, MCE or nested virtualization), independently of the masks in cpuid.c,
 * so a policy change shows up as a failing case to update on purpose.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/fpu/api.h>
#include <asm/tsc.h>

#include "../hv_main.h"
#include "../hv_vcpu.h"
#include "../x86/xsave.h"
#include "../../uapi/linux/hv.h"

/* The components hv offers on this host (x86/xsave.c), which some bits depend on. */
static bool host_ymm(void)
{
	return hv_xsave_supported_xcr0() & XFEATURE_MASK_YMM;
}

static bool host_avx512(void)
{
	return hv_xsave_supported_xcr0() & XFEATURE_MASK_AVX512;
}

static struct hv_cpuid_entry masked(u32 function, u32 index, u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	struct hv_cpuid_entry e = {
		.function = function, .index = index,
		.eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};

	hv_cpuid_mask_entry(&e);
	return e;
}

/* A vCPU's table gets its own APIC ID in leaf 1, and only there. */
static void cpuid_apic_id(struct kunit *test)
{
	struct hv_cpuid_entry t[3] = {
		masked(0, 0, 1, 2, 3, 4),
		masked(1, 0, 0x00a00f11, 0x00345678, 0, 0),
		masked(0x80000001, 0, 0, 0xff000000, 0, 0),
	};

	hv_cpuid_set_apic_id(t, ARRAY_SIZE(t), 5);
	KUNIT_EXPECT_EQ(test, t[1].ebx, 0x05345678u);
	KUNIT_EXPECT_EQ(test, t[1].eax, 0x00a00f11u);
	KUNIT_EXPECT_EQ(test, t[0].ebx, 2u);
	KUNIT_EXPECT_EQ(test, t[2].ebx, 0xff000000u);
	/* xAPIC IDs are 8 bits: the table keeps the low byte. */
	hv_cpuid_set_apic_id(t, ARRAY_SIZE(t), 0x1ff);
	KUNIT_EXPECT_EQ(test, t[1].ebx, 0xff345678u);
}

static void cpuid_leaf1(struct kunit *test)
{
	struct hv_cpuid_entry e = masked(1, 0, 0x00a00f11, 0x12345678, ~0u, ~0u);

	/* Signature and EBX pass through (the APIC ID is the VMM's: HV_SET_CPUID keeps it). */
	KUNIT_EXPECT_EQ(test, e.eax, 0x00a00f11u);
	KUNIT_EXPECT_EQ(test, e.ebx, 0x12345678u);
	/* EDX: x87..MSR, PAE, CX8, APIC, SEP, PGE, CMOV, PAT, PSE36, CLFSH, MMX, FXSR, SSE(2), HTT. */
	KUNIT_EXPECT_EQ(test, e.edx, 0x178bab7fu);
	KUNIT_EXPECT_FALSE(test, e.edx & BIT(7));	/* MCE */
	KUNIT_EXPECT_FALSE(test, e.edx & BIT(14));	/* MCA */
	/*
	 * ECX: SSE3, PCLMULQDQ, SSSE3, CX16, PCID, SSE4.1/4.2, x2APIC, MOVBE, POPCNT,
	 * TSC-deadline, AES, RDRAND, and the hypervisor bit; XSAVE with any XSAVE
	 * component on offer, FMA, AVX and F16C with the AVX one.
	 */
	KUNIT_EXPECT_EQ(test, e.ecx, 0xc3fa2203u |
			(hv_xsave_supported_xcr0() ? BIT(26) : 0) |
			(host_ymm() ? BIT(12) | BIT(28) | BIT(29) : 0));
	KUNIT_EXPECT_FALSE(test, e.ecx & BIT(5));	/* VMX */
	KUNIT_EXPECT_FALSE(test, e.ecx & BIT(27));	/* OSXSAVE: the guest's CR4 sets it */
	/* The hypervisor bit is set even when the host's leaf has none of the bits. */
	e = masked(1, 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e.ecx, BIT(31));
	KUNIT_EXPECT_EQ(test, e.edx, 0u);
}

static void cpuid_leaf7(struct kunit *test)
{
	struct hv_cpuid_entry e = masked(7, 0, 2, ~0u, ~0u, ~0u);

	KUNIT_EXPECT_EQ(test, e.eax, 0u);	/* no subleaf 1, 2 */
	/*
	 * EBX: FSGSBASE, TSC_ADJUST, BMI1, SMEP, BMI2, ERMS, INVPCID, ADX, SMAP,
	 * CLFLUSHOPT, CLWB, SHA; AVX2 with AVX; F, DQ, IFMA, CD, BW, VL with AVX-512.
	 */
	KUNIT_EXPECT_EQ(test, e.ebx, 0x2198078bu | (host_ymm() ? BIT(5) : 0) |
			(host_avx512() ? 0xd0230000u : 0));
	KUNIT_EXPECT_FALSE(test, e.ebx & BIT(11));	/* RTM */
	/*
	 * ECX: UMIP, GFNI, RDPID (no PKU, no LA57); VAES and VPCLMULQDQ with AVX;
	 * VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ with AVX-512.
	 */
	KUNIT_EXPECT_EQ(test, e.ecx, BIT(2) | BIT(8) | BIT(22) |
			(host_ymm() ? BIT(9) | BIT(10) : 0) | (host_avx512() ? 0x5842u : 0));
	/* EDX: no speculation-control bits; 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 with AVX-512. */
	KUNIT_EXPECT_EQ(test, e.edx, host_avx512() ? 0x0080010cu : 0u);
	e = masked(7, 1, ~0u, ~0u, ~0u, ~0u);
	KUNIT_EXPECT_EQ(test, e.eax | e.ebx | e.ecx | e.edx, 0u);
}

static void cpuid_hidden_leaves(struct kunit *test)
{
	static const u32 hidden[] = { 0x3, 0x5, 0x6, 0xa, 0xf, 0x10, 0x12, 0x14,
				      0x8000000a, 0x8000001f };
	static const u32 kept[] = { 0x2, 0x4, 0xb, 0x80000002, 0x80000006 };
	struct hv_cpuid_entry e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hidden); i++) {
		e = masked(hidden[i], 0, ~0u, ~0u, ~0u, ~0u);
		KUNIT_EXPECT_EQ_MSG(test, e.eax | e.ebx | e.ecx | e.edx, 0u, "leaf %#x", hidden[i]);
		KUNIT_EXPECT_EQ(test, e.function, hidden[i]);
	}
	/* Descriptive leaves without policy pass through unchanged. */
	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		e = masked(kept[i], 0, 0x11111111, 0x22222222, 0x33333333, 0x44444444);
		KUNIT_EXPECT_EQ_MSG(test, e.eax, 0x11111111u, "leaf %#x", kept[i]);
		KUNIT_EXPECT_EQ_MSG(test, e.edx, 0x44444444u, "leaf %#x", kept[i]);
	}
}

static void cpuid_extended(struct kunit *test)
{
	struct hv_cpuid_entry e = masked(0x80000001, 0, 0, 0, ~0u, ~0u);

	/*
	 * ECX: LAHF, CmpLegacy, ABM, SSE4A, misaligned SSE, PREFETCHW; never SVM (2) or
	 * extended APIC (3).
	 */
	KUNIT_EXPECT_EQ(test, e.ecx, 0x1e3u);
	/* EDX: leaf 1's bits 0-17 (APIC included), SYSCALL, NX, MMXEXT, 1G pages, RDTSCP, LM. */
	KUNIT_EXPECT_EQ(test, e.edx, 0x2c53ab7fu);
	KUNIT_EXPECT_FALSE(test, e.edx & BIT(25));	/* FFXSR */
	e = masked(0x80000007, 0, ~0u, ~0u, ~0u, ~0u);
	KUNIT_EXPECT_EQ(test, e.eax | e.ebx | e.ecx, 0u);
	KUNIT_EXPECT_EQ(test, e.edx, BIT(8));		/* invariant TSC */
}

static void cpuid_phys_bits(struct kunit *test)
{
	struct hv_cpuid_entry e;

	/* EAX[7:0] is capped at the 48 bits nested paging maps; EAX[15:8] is kept. */
	e = masked(0x80000008, 0, 0x3034, ~0u, ~0u, ~0u);
	KUNIT_EXPECT_EQ(test, e.eax, 0x3030u);
	KUNIT_EXPECT_EQ(test, e.ebx | e.edx, 0u);
	/* ECX: only the VMM's core count (7:0) and its APIC ID width (15:12). */
	KUNIT_EXPECT_EQ(test, e.ecx, 0xf0ffu);
	e = masked(0x80000008, 0, 0x3030, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e.eax, 0x3030u);
	e = masked(0x80000008, 0, 0x3031, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e.eax, 0x3030u);
	e = masked(0x80000008, 0, 0x302b, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e.eax, 0x302bu);
	/* Bits above the two address widths are not mixed into the cap. */
	e = masked(0x80000008, 0, 0xff0039ff, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, e.eax, 0xff003930u);
}

static void cpuid_find(struct kunit *test)
{
	static const struct hv_cpuid_entry table[] = {
		{ .function = 1, .index = 0, .eax = 10 },
		{ .function = 7, .index = 0, .flags = HV_CPUID_FLAG_SIGNIFICANT_INDEX, .eax = 70 },
		{ .function = 7, .index = 1, .flags = HV_CPUID_FLAG_SIGNIFICANT_INDEX, .eax = 71 },
		{ .function = 1, .index = 0, .eax = 11 },	/* duplicate: the first wins */
		{ .function = 0x80000001, .eax = 81 },
	};
	const struct hv_cpuid_entry *e;

	/* Without a significant index, any ECX finds the leaf. */
	e = hv_cpuid_find(table, ARRAY_SIZE(table), 1, 5);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 10u);
	e = hv_cpuid_find(table, ARRAY_SIZE(table), 7, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 71u);
	KUNIT_EXPECT_NULL(test, hv_cpuid_find(table, ARRAY_SIZE(table), 7, 2));
	KUNIT_EXPECT_NULL(test, hv_cpuid_find(table, ARRAY_SIZE(table), 2, 0));
	/* nent bounds the search: the last entry is out of reach with nent - 1. */
	KUNIT_EXPECT_NOT_NULL(test, hv_cpuid_find(table, ARRAY_SIZE(table), 0x80000001, 0));
	KUNIT_EXPECT_NULL(test, hv_cpuid_find(table, ARRAY_SIZE(table) - 1, 0x80000001, 0));
	KUNIT_EXPECT_NULL(test, hv_cpuid_find(table, 0, 1, 0));
}

static bool cpuid_is_hidden(u32 fn)
{
	struct hv_cpuid_entry e = masked(fn, 0, ~0u, ~0u, ~0u, ~0u);

	return !(e.eax | e.ebx | e.ecx | e.edx);
}

static void cpuid_supported_table(struct kunit *test)
{
	const u32 max = 64;
	struct hv_cpuid_entry *t = kunit_kcalloc(test, max, sizeof(*t), GFP_KERNEL);
	struct hv_cpuid_entry copy;
	bool hv_leaf = false;
	int n, i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	n = hv_cpuid_supported(t, max);
	KUNIT_ASSERT_GT(test, n, 2);
	KUNIT_ASSERT_LT(test, n, (int)max);
	KUNIT_EXPECT_EQ(test, t[0].function, 0u);
	KUNIT_EXPECT_LE(test, t[0].eax, 0xdu);
	for (i = 0; i < n; i++) {
		u32 fn = t[i].function;

		/* Every leaf is within the announced ranges... */
		if (fn < 0x40000000)
			KUNIT_EXPECT_LE_MSG(test, fn, t[0].eax, "entry %d", i);
		else if (fn >= 0x80000000)
			KUNIT_EXPECT_LE_MSG(test, fn, 0x80000008u, "entry %d", i);
		/* ...already masked (masking is idempotent)... */
		copy = t[i];
		hv_cpuid_mask_entry(&copy);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&copy, &t[i], sizeof(copy)), 0, "leaf %#x", fn);
		/* ...and a hidden leaf, if listed at all, reads as zeros. */
		if (fn != 0x40000000 && cpuid_is_hidden(fn))
			KUNIT_EXPECT_EQ_MSG(test, t[i].eax | t[i].ebx | t[i].ecx | t[i].edx, 0u,
					    "leaf %#x", fn);
		if (fn == 1) {
			KUNIT_EXPECT_TRUE(test, t[i].ecx & BIT(31));
			/* The local APIC's bits are offered, whatever the host has. */
			KUNIT_EXPECT_TRUE(test, t[i].edx & BIT(9));
			KUNIT_EXPECT_TRUE(test, t[i].ecx & BIT(21));
			/* One logical processor, no HTT: the host's topology is not the guest's. */
			KUNIT_EXPECT_FALSE(test, t[i].edx & BIT(28));
			KUNIT_EXPECT_EQ(test, (t[i].ebx >> 16) & 0xff, 1u);
			/* Not the APIC ID of the CPU this ran on: the same table on every CPU. */
			KUNIT_EXPECT_EQ(test, t[i].ebx >> 24, 0u);
		}
		if (fn == 0x40000000) {
			hv_leaf = true;
			KUNIT_EXPECT_EQ(test, memcmp(&t[i].ebx, "hvhv", 4), 0);
			KUNIT_EXPECT_EQ(test, memcmp(&t[i].ecx, "hvhv", 4), 0);
			KUNIT_EXPECT_EQ(test, memcmp(&t[i].edx, "hvhv", 4), 0);
		}
		if (fn == 0x80000000)
			KUNIT_EXPECT_LE(test, t[i].eax, 0x80000008u);
		if (fn == 0x80000008) {
			KUNIT_EXPECT_LE(test, t[i].eax & 0xff, 48u);
			/* One single-core package: no core count of the host's. */
			KUNIT_EXPECT_EQ(test, t[i].ecx, 0u);
		}
		if (fn == 0x80000001)
			KUNIT_EXPECT_FALSE(test, t[i].ecx & BIT(1));	/* CmpLegacy */
	}
	KUNIT_EXPECT_TRUE(test, hv_leaf);
}

/* A VM without the in-kernel APIC loses its bits; one with it keeps the VMM's choice. */
static void cpuid_limit_lapic(struct kunit *test)
{
	struct hv_cpuid_entry t[2] = {
		{ .function = 1, .ecx = ~0u, .edx = ~0u },
		{ .function = 0x80000001, .ecx = ~0u, .edx = ~0u },
	};

	hv_cpuid_limit_lapic(t, 2, false);
	KUNIT_EXPECT_EQ(test, t[0].edx, (u32)~BIT(9));
	KUNIT_EXPECT_EQ(test, t[0].ecx, (u32)~(BIT(21) | BIT(24)));
	KUNIT_EXPECT_EQ(test, t[1].edx, (u32)~BIT(9));
	KUNIT_EXPECT_EQ(test, t[1].ecx, ~0u);

	t[0].ecx = BIT(21);
	t[0].edx = BIT(9);
	t[1].edx = BIT(9);
	hv_cpuid_limit_lapic(t, 2, true);
	KUNIT_EXPECT_EQ(test, t[0].ecx, (u32)BIT(21));
	KUNIT_EXPECT_EQ(test, t[0].edx, (u32)BIT(9));
	KUNIT_EXPECT_EQ(test, t[1].edx, (u32)BIT(9));
	/* TSC-deadline stays only with a known TSC rate (deadlines become host time). */
	t[0].ecx = BIT(24);
	hv_cpuid_limit_lapic(t, 2, true);
	KUNIT_EXPECT_EQ(test, t[0].ecx, tsc_khz ? (u32)BIT(24) : 0u);
}

static void cpuid_supported_capacity(struct kunit *test)
{
	struct hv_cpuid_entry *t = kunit_kcalloc(test, 4, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	KUNIT_EXPECT_EQ(test, hv_cpuid_supported(t, 0), 0);
	KUNIT_EXPECT_EQ(test, t[0].function | t[0].eax, 0u);
	/* The table is filled in order and never past @max (KASAN watches the end). */
	KUNIT_EXPECT_EQ(test, hv_cpuid_supported(t, 1), 1);
	KUNIT_EXPECT_EQ(test, t[0].function, 0u);
	memset(&t[3], 0x5a, sizeof(t[3]));
	KUNIT_EXPECT_EQ(test, hv_cpuid_supported(t, 3), 3);
	KUNIT_EXPECT_EQ(test, t[1].function, 1u);
	KUNIT_EXPECT_EQ(test, t[3].function, 0x5a5a5a5au);
}

/*
 * Leaf 0xD: the components on offer and no other, no supervisor component,
 * the host's layout for each, sizes that add up; nothing without XSAVE.
 */
static void cpuid_xsave_leaf(struct kunit *test)
{
	u64 xcr0 = hv_xsave_supported_xcr0();
	struct hv_cpuid_entry e = masked(0xd, 0, ~0u, ~0u, ~0u, ~0u);

	KUNIT_EXPECT_EQ(test, e.eax | ((u64)e.edx << 32), xcr0);
	if (!xcr0) {
		KUNIT_EXPECT_EQ(test, e.ebx | e.ecx, 0u);
		return;
	}
	KUNIT_EXPECT_EQ(test, xcr0 & ~(u64)(XFEATURE_MASK_FP | XFEATURE_MASK_SSE |
					    XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512), 0ull);
	KUNIT_EXPECT_EQ(test, e.ebx, 576u);	/* for XCR0 = x87 | SSE: legacy area and header */
	KUNIT_EXPECT_EQ(test, e.ecx, hv_xsave_size(xcr0));
	if (xcr0 & XFEATURE_MASK_YMM) {
		KUNIT_EXPECT_GE(test, e.ecx, 832u);
		KUNIT_EXPECT_EQ(test, hv_xsave_size(XFEATURE_MASK_FP | XFEATURE_MASK_YMM), 832u);
		KUNIT_EXPECT_EQ(test, hv_xsave_compacted_size(XFEATURE_MASK_FP | XFEATURE_MASK_YMM),
				832u);
		e = masked(0xd, 2, ~0u, ~0u, ~0u, ~0u);
		KUNIT_EXPECT_EQ(test, e.eax, 256u);
		KUNIT_EXPECT_EQ(test, e.ebx, 576u);
		KUNIT_EXPECT_EQ(test, e.ecx & BIT(0), 0u);	/* a user component */
	}
	e = masked(0xd, 1, ~0u, ~0u, ~0u, ~0u);
	/* XSAVEOPT, XSAVEC, XGETBV1, XSAVES: where the host kernel has them on. */
	KUNIT_EXPECT_EQ(test, e.eax, (boot_cpu_has(X86_FEATURE_XSAVEOPT) ? BIT(0) : 0) |
			(boot_cpu_has(X86_FEATURE_XSAVEC) ? BIT(1) : 0) |
			(boot_cpu_has(X86_FEATURE_XGETBV1) ? BIT(2) : 0) |
			(boot_cpu_has(X86_FEATURE_XSAVES) ? BIT(3) : 0));
	KUNIT_EXPECT_EQ(test, e.ecx | e.edx, 0u);		/* no supervisor component */
	e = masked(0xd, 9, ~0u, ~0u, ~0u, ~0u);		/* PKRU: never */
	KUNIT_EXPECT_EQ(test, e.eax | e.ebx | e.ecx | e.edx, 0u);
	e = masked(0xd, 63, ~0u, ~0u, ~0u, ~0u);
	KUNIT_EXPECT_EQ(test, e.eax | e.ebx | e.ecx | e.edx, 0u);
}

/* XSETBV's value rules (SDM XSETBV), against what the vCPU's CPUID allows. */
static void cpuid_xcr0_rules(struct kunit *test)
{
	const u64 fp = XFEATURE_MASK_FP, sse = XFEATURE_MASK_SSE, ymm = XFEATURE_MASK_YMM;
	const u64 avx512 = XFEATURE_MASK_AVX512;
	struct hv_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vcpu);
	vcpu->xcr0_allowed = fp | sse | ymm | avx512;
	KUNIT_EXPECT_TRUE(test, hv_xcr0_valid(vcpu, fp));
	KUNIT_EXPECT_TRUE(test, hv_xcr0_valid(vcpu, fp | sse));
	KUNIT_EXPECT_TRUE(test, hv_xcr0_valid(vcpu, fp | sse | ymm));
	KUNIT_EXPECT_TRUE(test, hv_xcr0_valid(vcpu, fp | sse | ymm | avx512));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, 0));
	/* No x87; AVX without SSE; AVX-512 without AVX, or in part; PKRU, not allowed. */
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, sse | ymm));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | ymm));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | sse | avx512));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | sse | ymm | BIT_ULL(5)));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | sse | ymm | BIT_ULL(6) | BIT_ULL(7)));
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | sse | BIT_ULL(9)));
	/* What the vCPU's CPUID does not offer is refused, even where the rules allow it. */
	vcpu->xcr0_allowed = fp | sse;
	KUNIT_EXPECT_FALSE(test, hv_xcr0_valid(vcpu, fp | sse | ymm));
	KUNIT_EXPECT_TRUE(test, hv_xcr0_valid(vcpu, fp | sse));
}

static struct kunit_case hv_cpuid_test_cases[] = {
	KUNIT_CASE(cpuid_leaf1),
	KUNIT_CASE(cpuid_apic_id),
	KUNIT_CASE(cpuid_leaf7),
	KUNIT_CASE(cpuid_hidden_leaves),
	KUNIT_CASE(cpuid_extended),
	KUNIT_CASE(cpuid_phys_bits),
	KUNIT_CASE(cpuid_find),
	KUNIT_CASE(cpuid_supported_table),
	KUNIT_CASE(cpuid_limit_lapic),
	KUNIT_CASE(cpuid_supported_capacity),
	KUNIT_CASE(cpuid_xsave_leaf),
	KUNIT_CASE(cpuid_xcr0_rules),
	{}
};

/* The XSAVE policy reads the host's XCR0 once (hv.ko does it at load). */
static int cpuid_test_init(struct kunit *test)
{
	hv_xsave_init();
	return 0;
}

static struct kunit_suite hv_cpuid_test_suite = {
	.init = cpuid_test_init,
	.name = "hv_cpuid",
	.test_cases = hv_cpuid_test_cases,
};
kunit_test_suite(hv_cpuid_test_suite);
