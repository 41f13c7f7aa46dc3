// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID policy: which leaves and feature bits a guest may see.
 *
 * A feature bit survives only if hv virtualizes what it announces.  hv has
 * no performance counters, no machine-check banks and no nested
 * virtualization yet, so those bits are cleared, and leaves that only
 * describe them are zeroed.  XSAVE and the vector extensions whose state it
 * holds (AVX, AVX2, AVX-512) are offered as far as the XSAVE components
 * behind them are (x86/xsave.c).  The same masks apply to
 * tables that userspace installs with HV_SET_CPUID, so a VMM cannot switch
 * on something the module would not back.  The local APIC's bits (APIC,
 * x2APIC, TSC-deadline) are hv's to set, whatever the host has: the
 * supported table offers them, and a VM without HV_CAP_LAPIC loses them
 * (hv_cpuid_set_lapic()).
 */
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/fpu/api.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "../hv_main.h"
#include "../../uapi/linux/hv.h"
#include "xsave.h"

#define HV_CPUID_SIGNATURE	"hvhvhvhvhvhv"
#define HV_CPUID_HV_BASE	0x40000000u
#define HV_CPUID_MAX_BASIC	0xdu
#define HV_CPUID_MAX_EXT	0x80000008u
/* Guest-physical addresses are limited to 48 bits (4-level nested paging). */
#define HV_GUEST_PHYS_BITS	48u

/*
 * Leaf 1 EDX: x87, VME, DE, PSE, TSC, MSR, PAE, CX8, APIC, SEP, PGE, CMOV, PAT, PSE36,
 * CLFSH, MMX, FXSR, SSE, SSE2, HTT (topology: the VMM's to describe)
 */
#define L1_EDX_ALLOWED	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | \
			 BIT(9) | BIT(11) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19) | \
			 BIT(23) | BIT(24) | BIT(25) | BIT(26) | L1_EDX_HTT)
#define L1_EDX_HTT	BIT(28)
/*
 * Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA, CX16, SSE4.1, SSE4.2, x2APIC, MOVBE, POPCNT,
 * TSC-deadline, AES, XSAVE, AVX, F16C, RDRAND, PCID.  Not OSXSAVE: the guest's
 * CR4 sets it at each CPUID (hv_xsave_cpuid_runtime()).
 */
#define L1_ECX_ALLOWED	(BIT(0) | BIT(1) | BIT(9) | L1_ECX_FMA | BIT(13) | BIT(17) | BIT(19) | \
			 BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(24) | BIT(25) | \
			 HV_CPUID_1_ECX_XSAVE | L1_ECX_AVX | L1_ECX_F16C | BIT(30))
/* The VEX-encoded ones need the AVX state component (YMM) in XCR0. */
#define L1_ECX_FMA	BIT(12)
#define L1_ECX_AVX	BIT(28)
#define L1_ECX_F16C	BIT(29)
#define L1_ECX_NEED_YMM	(L1_ECX_FMA | L1_ECX_AVX | L1_ECX_F16C)
#define L1_ECX_HYPERVISOR	BIT(31)
#define HV_CPUID_1_EBX_APIC_ID	GENMASK(31, 24)	/* leaf 1 EBX: initial APIC ID */
/* The in-kernel local APIC's: leaf 1 EDX APIC (and 0x80000001's copy), ECX x2APIC, TSC-deadline */
#define L1_EDX_APIC		BIT(9)
#define L1_ECX_X2APIC		BIT(21)
#define L1_ECX_TSC_DEADLINE	BIT(24)
/*
 * Leaf 7.0 EBX: FSGSBASE, TSC_ADJUST, BMI1, AVX2, SMEP, BMI2, ERMS, INVPCID, AVX512F,
 * AVX512DQ, ADX, SMAP, AVX512_IFMA, CLFLUSHOPT, CLWB, AVX512CD, SHA, AVX512BW, AVX512VL
 */
#define L7_EBX_ALLOWED	(BIT(0) | L7_EBX_TSC_ADJUST | BIT(3) | L7_EBX_AVX2 | BIT(7) | BIT(8) | \
			 BIT(9) | BIT(10) | BIT(19) | BIT(20) | BIT(23) | BIT(24) | BIT(29) | \
			 L7_EBX_AVX512)
#define L7_EBX_AVX2	BIT(5)
#define L7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(28) | BIT(30) | BIT(31))
/* IA32_TSC_ADJUST is hv's own (x86/msr.c), whatever the host has: always offered. */
#define L7_EBX_TSC_ADJUST	BIT(1)
/*
 * Leaf 7.0 ECX: AVX512_VBMI, UMIP, AVX512_VBMI2, GFNI, VAES, VPCLMULQDQ, AVX512_VNNI,
 * AVX512_BITALG, AVX512_VPOPCNTDQ, RDPID (reads IA32_TSC_AUX, which hv loads with
 * the guest's value around entry: x86/msr.c)
 */
#define L7_ECX_ALLOWED	(BIT(2) | BIT(8) | L7_ECX_NEED_YMM | L7_ECX_AVX512 | L7_ECX_RDPID)
#define L7_ECX_NEED_YMM	(BIT(9) | BIT(10))	/* VAES, VPCLMULQDQ: VEX/EVEX only */
#define L7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define L7_ECX_RDPID	BIT(22)
/* Leaf 7.0 EDX: AVX512_4VNNIW, AVX512_4FMAPS, AVX512_VP2INTERSECT, AVX512_FP16 */
#define L7_EDX_AVX512	(BIT(2) | BIT(3) | BIT(8) | BIT(23))
/* 0x80000001 ECX: LAHF/SAHF, CmpLegacy (topology), ABM, SSE4A, misaligned SSE, 3DNow! prefetch */
#define E1_ECX_ALLOWED	(BIT(0) | E1_ECX_CMP_LEGACY | BIT(5) | BIT(6) | BIT(7) | BIT(8))
#define E1_ECX_CMP_LEGACY	BIT(1)
/* 0x80000008 ECX: cores per package - 1 (7:0) and APIC ID bits for them (15:12) */
#define E8_ECX_TOPOLOGY	(GENMASK(7, 0) | GENMASK(15, 12))
/*
 * 0x80000001 EDX: AMD's copies of leaf 1 bits 0-17, SYSCALL, NX, MMXEXT, 1 GiB pages, RDTSCP
 * (with the guest's IA32_TSC_AUX, as RDPID), LM
 */
#define E1_EDX_ALLOWED	((L1_EDX_ALLOWED & GENMASK(17, 0)) | BIT(11) | BIT(20) | BIT(22) | \
			 BIT(26) | E1_EDX_RDTSCP | BIT(29))
#define E1_EDX_RDTSCP	BIT(27)
/* 0x80000007 EDX: invariant TSC (the TSC offset keeps it invariant) */
#define E7_EDX_ALLOWED	BIT(8)

static bool hv_cpuid_leaf_hidden(u32 function)
{
	switch (function) {
	case 0x3:		/* processor serial number */
	case 0x5:		/* MONITOR/MWAIT: intercepted, #UD */
	case 0x6:		/* thermal and power management */
	case 0xa:		/* performance monitoring */
	case 0xf: case 0x10:	/* resource director technology */
	case 0x12:		/* SGX */
	case 0x14:		/* processor trace */
	case 0x8000000a:	/* SVM features */
	case 0x8000001f:	/* memory encryption */
		return true;
	default:
		return false;
	}
}

void hv_cpuid_mask_entry(struct hv_cpuid_entry *e)
{
	u64 xcr0 = hv_xsave_supported_xcr0();

	if (hv_cpuid_leaf_hidden(e->function)) {
		e->eax = e->ebx = e->ecx = e->edx = 0;
		return;
	}
	switch (e->function) {
	case 0x1:
		e->ecx = (e->ecx & L1_ECX_ALLOWED) | L1_ECX_HYPERVISOR;
		if (!xcr0)
			e->ecx &= ~HV_CPUID_1_ECX_XSAVE;
		if (!(xcr0 & XFEATURE_MASK_YMM))
			e->ecx &= ~L1_ECX_NEED_YMM;
		e->edx &= L1_EDX_ALLOWED;
		break;
	case 0x7:
		if (e->index == 0) {
			e->eax = 0;	/* no further subleaves */
			e->ebx &= L7_EBX_ALLOWED;
			e->ecx &= L7_ECX_ALLOWED;
			e->edx &= L7_EDX_AVX512;
			if (!(xcr0 & XFEATURE_MASK_YMM)) {
				e->ebx &= ~L7_EBX_AVX2;
				e->ecx &= ~L7_ECX_NEED_YMM;
			}
			if (!(xcr0 & XFEATURE_MASK_AVX512)) {
				e->ebx &= ~L7_EBX_AVX512;
				e->ecx &= ~L7_ECX_AVX512;
				e->edx = 0;
			}
		} else {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0xd:
		hv_xsave_mask_cpuid(e);
		break;
	case 0x80000001:
		e->ecx &= E1_ECX_ALLOWED;
		e->edx &= E1_EDX_ALLOWED;
		break;
	case 0x80000007:
		e->eax = e->ebx = e->ecx = 0;
		e->edx &= E7_EDX_ALLOWED;
		break;
	case 0x80000008:
		/* Physical-address width, the VMM's core count; no speculation control. */
		e->eax = (e->eax & ~0xffu) | min_t(u32, e->eax & 0xff, HV_GUEST_PHYS_BITS);
		e->ecx &= E8_ECX_TOPOLOGY;
		e->ebx = e->edx = 0;
		break;
	}
}

/*
 * CR4 bits that exist only with a CPUID feature: with the feature missing
 * from the guest's table, the bit is reserved for that guest and a MOV to
 * CR4 setting it is #GP, as on a CPU without the feature (the same bits
 * KVM gates).  Leaf, subleaf, register (0 EBX, 1 ECX), feature bit.
 */
static const struct {
	u64 cr4;
	u32 function, ecx_reg, bit;
} hv_cr4_features[] = {
	{ X86_CR4_OSXSAVE,	0x1, 1, 26 },	/* XSAVE */
	{ X86_CR4_PCIDE,	0x1, 1, 17 },	/* PCID */
	{ X86_CR4_FSGSBASE,	0x7, 0, 0 },
	{ X86_CR4_SMEP,		0x7, 0, 7 },
	{ X86_CR4_SMAP,		0x7, 0, 20 },
	{ X86_CR4_UMIP,		0x7, 1, 2 },
};

u64 hv_cpuid_cr4_valid(const struct hv_cpuid_entry *entries, u32 nent, u64 host_valid)
{
	const struct hv_cpuid_entry *e;
	u64 valid = host_valid;
	unsigned int i;
	u32 reg;

	for (i = 0; i < ARRAY_SIZE(hv_cr4_features); i++) {
		e = hv_cpuid_find(entries, nent, hv_cr4_features[i].function, 0);
		reg = !e ? 0 : hv_cr4_features[i].ecx_reg ? e->ecx : e->ebx;
		if (!(reg & BIT(hv_cr4_features[i].bit)))
			valid &= ~hv_cr4_features[i].cr4;
	}
	return valid;
}

/*
 * EFER bits gated the same way, on leaf 0x80000001 EDX: LME (and LMA) with
 * LM, NX with NX.  SCE is not gated: Intel CPUs report SYSCALL there only
 * when CPUID runs in 64-bit mode, and KVM does not gate it either.
 */
u64 hv_cpuid_efer_valid(const struct hv_cpuid_entry *entries, u32 nent, u64 hv_valid)
{
	const struct hv_cpuid_entry *e = hv_cpuid_find(entries, nent, 0x80000001, 0);
	u32 edx = e ? e->edx : 0;
	u64 valid = hv_valid;

	if (!(edx & BIT(29)))
		valid &= ~(u64)(EFER_LME | EFER_LMA);
	if (!(edx & BIT(20)))
		valid &= ~(u64)EFER_NX;
	return valid;
}

/* RDTSCP in the table: 0x80000001 EDX. */
bool hv_cpuid_has_rdtscp(const struct hv_cpuid_entry *entries, u32 nent)
{
	const struct hv_cpuid_entry *e = hv_cpuid_find(entries, nent, 0x80000001, 0);

	return e && (e->edx & E1_EDX_RDTSCP);
}

/* RDPID in the table: 7.0 ECX. */
bool hv_cpuid_has_rdpid(const struct hv_cpuid_entry *entries, u32 nent)
{
	const struct hv_cpuid_entry *e = hv_cpuid_find(entries, nent, 0x7, 0);

	return e && (e->ecx & L7_ECX_RDPID);
}

/* Leaf 1's initial APIC ID in @entries (a vCPU's table) becomes @apic_id. */
void hv_cpuid_set_apic_id(struct hv_cpuid_entry *entries, u32 nent, u32 apic_id)
{
	u32 i;

	for (i = 0; i < nent; i++)
		if (entries[i].function == 0x1)
			entries[i].ebx = (entries[i].ebx & ~HV_CPUID_1_EBX_APIC_ID) |
					 FIELD_PREP(HV_CPUID_1_EBX_APIC_ID, apic_id & 0xff);
}

/*
 * The local APIC's bits in a VM's table: a VM without the in-kernel APIC
 * has none (its VMM emulates no APIC either), and TSC-deadline needs a
 * known TSC rate to turn deadlines into host time.  A VM with it keeps
 * what its VMM chose.
 */
void hv_cpuid_limit_lapic(struct hv_cpuid_entry *entries, u32 nent, bool lapic)
{
	u32 i;

	for (i = 0; i < nent; i++) {
		struct hv_cpuid_entry *e = &entries[i];

		if (e->function == 0x1) {
			if (!lapic) {
				e->edx &= ~L1_EDX_APIC;
				e->ecx &= ~L1_ECX_X2APIC;
			}
			if (!lapic || !tsc_khz)
				e->ecx &= ~L1_ECX_TSC_DEADLINE;
		} else if (e->function == 0x80000001 && !lapic) {
			e->edx &= ~L1_EDX_APIC;
		}
	}
}

/* hv emulates the APIC whatever the host has: offer all of it. */
static void hv_cpuid_offer_lapic(struct hv_cpuid_entry *entries, u32 nent)
{
	u32 i;

	for (i = 0; i < nent; i++) {
		struct hv_cpuid_entry *e = &entries[i];

		if (e->function == 0x1) {
			e->edx |= L1_EDX_APIC;
			e->ecx |= L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
		} else if (e->function == 0x80000001 &&
			   boot_cpu_data.x86_vendor == X86_VENDOR_AMD) {
			e->edx |= L1_EDX_APIC;	/* AMD's copy */
		}
	}
	hv_cpuid_limit_lapic(entries, nent, true);
}

/*
 * The host's topology is no business of a guest's: the supported table
 * describes one single-core package, and a VMM with more vCPUs describes
 * its own (HTT with leaf 1 EBX[23:16], CmpLegacy, 0x80000008 ECX).
 */
static void hv_cpuid_one_core(struct hv_cpuid_entry *entries, u32 nent)
{
	u32 i;

	for (i = 0; i < nent; i++) {
		struct hv_cpuid_entry *e = &entries[i];

		if (e->function == 0x1) {
			e->edx &= ~L1_EDX_HTT;
			e->ebx = (e->ebx & ~GENMASK(23, 16)) | FIELD_PREP(GENMASK(23, 16), 1);
		} else if (e->function == 0x80000001) {
			e->ecx &= ~E1_ECX_CMP_LEGACY;
		} else if (e->function == 0x80000008) {
			e->ecx &= ~E8_ECX_TOPOLOGY;
		}
	}
}

static u32 hv_cpuid_add(struct hv_cpuid_entry *entries, u32 n, u32 max,
			u32 function, u32 index, u32 flags)
{
	struct hv_cpuid_entry *e;

	if (n >= max)
		return n;
	e = &entries[n];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	hv_cpuid_mask_entry(e);
	return n + 1;
}

/* Deterministic cache parameters: subleaves until the cache type is 0. */
static u32 hv_cpuid_add_cache_leaf(struct hv_cpuid_entry *entries, u32 n, u32 max, u32 fn)
{
	u32 i;

	for (i = 0; i < 16 && n < max; i++) {
		n = hv_cpuid_add(entries, n, max, fn, i, HV_CPUID_FLAG_SIGNIFICANT_INDEX);
		if (!(entries[n - 1].eax & 0x1f))
			break;
	}
	return n;
}

/* XSAVE: subleaves 0 and 1, then one per offered component (none without XSAVE). */
static u32 hv_cpuid_add_xsave_leaf(struct hv_cpuid_entry *entries, u32 n, u32 max)
{
	u64 xcr0 = hv_xsave_supported_xcr0();
	u32 i;

	if (!xcr0)
		return n;
	for (i = 0; i < 64; i++)
		if (i < 2 || (xcr0 & BIT_ULL(i)))
			n = hv_cpuid_add(entries, n, max, 0xd, i, HV_CPUID_FLAG_SIGNIFICANT_INDEX);
	return n;
}

/* Fill @entries with what hv offers; returns the number of entries. */
int hv_cpuid_supported(struct hv_cpuid_entry *entries, u32 max)
{
	u32 basic = min(cpuid_eax(0), HV_CPUID_MAX_BASIC);
	u32 ext = min(cpuid_eax(0x80000000), HV_CPUID_MAX_EXT);
	u32 fn, n = 0;

	for (fn = 0; fn <= basic; fn++) {
		if (fn == 4)
			n = hv_cpuid_add_cache_leaf(entries, n, max, fn);
		else if (fn == 7)
			n = hv_cpuid_add(entries, n, max, fn, 0, HV_CPUID_FLAG_SIGNIFICANT_INDEX);
		else if (fn == 0xd)
			n = hv_cpuid_add_xsave_leaf(entries, n, max);
		else if (fn < 8)
			n = hv_cpuid_add(entries, n, max, fn, 0, 0);
		/*
		 * 8-0xC are not listed: reserved, DCA, the host's x2APIC
		 * topology (its CPUs' IDs, a VMM's to describe) and reserved.
		 */
	}
	if (n && entries[0].function == 0)
		entries[0].eax = basic;

	if (n < max) {
		struct hv_cpuid_entry *e = &entries[n++];

		memset(e, 0, sizeof(*e));
		e->function = HV_CPUID_HV_BASE;
		e->eax = HV_CPUID_HV_BASE;
		memcpy(&e->ebx, HV_CPUID_SIGNATURE, 4);
		memcpy(&e->ecx, HV_CPUID_SIGNATURE + 4, 4);
		memcpy(&e->edx, HV_CPUID_SIGNATURE + 8, 4);
	}

	for (fn = 0x80000000; fn <= ext; fn++)
		n = hv_cpuid_add(entries, n, max, fn, 0, 0);
	for (fn = 0; fn < n; fn++)
		if (entries[fn].function == 0x80000000)
			entries[fn].eax = ext;
	/*
	 * Leaf 1's EBX[31:24] is the initial APIC ID of whichever host CPU ran
	 * CPUID above: no business of the guest's, and it made this table
	 * depend on where it was built.  Each vCPU's default table carries
	 * its own ID; a VMM that sets the table (HV_SET_CPUID) chooses it.
	 */
	hv_cpuid_set_apic_id(entries, n, 0);
	for (fn = 0; fn < n; fn++)
		if (entries[fn].function == 0x7 && entries[fn].index == 0)
			entries[fn].ebx |= L7_EBX_TSC_ADJUST;
	hv_cpuid_offer_lapic(entries, n);
	hv_cpuid_one_core(entries, n);
	return n;
}

const struct hv_cpuid_entry *hv_cpuid_find(const struct hv_cpuid_entry *table, u32 nent,
					   u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < nent; i++) {
		const struct hv_cpuid_entry *e = &table[i];

		if (e->function != function)
			continue;
		if ((e->flags & HV_CPUID_FLAG_SIGNIFICANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}
