/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The consistency rules of HV_SET_SREGS: which combinations of control
 * registers, EFER and code-segment mode bits a vCPU may be given.  They
 * are the ones both vendors' entry checks (SDM Vol. 3 26.3.1, APM Vol. 2
 * 15.5.1) and KVM's sregs check agree on, so a refused set fails with
 * -EINVAL at the ioctl instead of at VMRUN/VMLAUNCH.  Pure logic: what it
 * needs to know about the host and the guest's CPUID comes in
 * struct hv_sregs_limits, so the host KUnit shim can run it.
 */
#ifndef HV_X86_SREGS_H
#define HV_X86_SREGS_H

#include <linux/bits.h>
#include <linux/types.h>

struct hv_sregs;

/* Architectural bits the rules read (S_: as in the saved state). */
#define S_CR0_PE	BIT_ULL(0)
#define S_CR0_MP	BIT_ULL(1)
#define S_CR0_EM	BIT_ULL(2)
#define S_CR0_TS	BIT_ULL(3)
#define S_CR0_ET	BIT_ULL(4)
#define S_CR0_NE	BIT_ULL(5)
#define S_CR0_WP	BIT_ULL(16)
#define S_CR0_AM	BIT_ULL(18)
#define S_CR0_NW	BIT_ULL(29)
#define S_CR0_CD	BIT_ULL(30)
#define S_CR0_PG	BIT_ULL(31)
#define S_CR4_PAE	BIT_ULL(5)
#define S_CR4_PCIDE	BIT_ULL(17)
#define S_CR3_PCID	0xfffULL
#define S_EFER_LME	BIT_ULL(8)
#define S_EFER_LMA	BIT_ULL(10)

/* Every CR0 bit x86 defines; the others (and bits 63:32) are reserved. */
#define S_CR0_DEFINED	(S_CR0_PE | S_CR0_MP | S_CR0_EM | S_CR0_TS | S_CR0_ET | S_CR0_NE | \
			 S_CR0_WP | S_CR0_AM | S_CR0_NW | S_CR0_CD | S_CR0_PG)

/* MAXPHYADDR when the guest's CPUID has no leaf 0x80000008 (as KVM assumes). */
#define S_DEFAULT_MAXPHYADDR	36u
#define S_MAX_MAXPHYADDR	52u

struct hv_sregs_limits {
	u64 cr4_valid;		/* CR4 bits the host supports and hv lets a guest set */
	u64 efer_valid;		/* EFER bits hv supports */
	unsigned int maxphyaddr; /* the guest's physical-address width, from its CPUID */
};

/* Which rule refused a set (0: none); KUnit checks the rule, not just the refusal. */
enum hv_sregs_rule {
	HV_SREGS_OK = 0,
	HV_SREGS_CR0_RESERVED,		/* bits 63:32 or an undefined bit */
	HV_SREGS_CR0_PG_WITHOUT_PE,
	HV_SREGS_CR0_NW_WITHOUT_CD,
	HV_SREGS_CR4_RESERVED,		/* reserved, unsupported or not offered (VMXE) */
	HV_SREGS_EFER_RESERVED,
	HV_SREGS_LONG_MODE_WITHOUT_PAE,	/* EFER.LME and CR0.PG with CR4.PAE clear */
	HV_SREGS_LONG_MODE_WITHOUT_LMA,	/* EFER.LME and CR0.PG with EFER.LMA clear */
	HV_SREGS_LMA_OUTSIDE_LONG_MODE,	/* EFER.LMA without EFER.LME and CR0.PG */
	HV_SREGS_CR3_RESERVED,		/* long mode: bits at or above the guest's MAXPHYADDR */
	HV_SREGS_PCIDE_OUTSIDE_LONG_MODE,
	HV_SREGS_CS_L_OUTSIDE_LONG_MODE,
	HV_SREGS_CS_L_AND_D,		/* long mode: CS.L and CS.D both set */
	HV_SREGS_CR8_RESERVED,		/* above 15 */
};

enum hv_sregs_rule hv_sregs_check(const struct hv_sregs *s, const struct hv_sregs_limits *lim);

/*
 * A guest's MOV to CR4 (SDM Vol. 3 2.5 and 4.10.1, APM Vol. 2 3.1.3): true
 * if it is allowed, false for #GP.  @cr4_valid: the bits the host supports
 * and the guest's CPUID offers (hv_cpuid_cr4_valid()); @lma: IA-32e mode.
 */
bool hv_cr4_write_ok(u64 old, u64 cr4, u64 cr3, bool lma, u64 cr4_valid);

/* The physical-address width CPUID leaf 0x80000008's EAX announces (@eax 0: no leaf). */
unsigned int hv_sregs_maxphyaddr(bool has_leaf, u32 eax);

#endif /* HV_X86_SREGS_H */
