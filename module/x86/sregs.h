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

#include <linux/types.h>

struct hv_sregs;

/* Architectural bits the rules read (S_: as in the saved state). */
#define S_CR0_PE	(1ull << 0)
#define S_CR0_MP	(1ull << 1)
#define S_CR0_EM	(1ull << 2)
#define S_CR0_TS	(1ull << 3)
#define S_CR0_ET	(1ull << 4)
#define S_CR0_NE	(1ull << 5)
#define S_CR0_WP	(1ull << 16)
#define S_CR0_AM	(1ull << 18)
#define S_CR0_NW	(1ull << 29)
#define S_CR0_CD	(1ull << 30)
#define S_CR0_PG	(1ull << 31)
#define S_CR4_PAE	(1ull << 5)
#define S_CR4_PCIDE	(1ull << 17)
#define S_EFER_LME	(1ull << 8)
#define S_EFER_LMA	(1ull << 10)

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
	HV_SREGS_CR4_RESERVED,		/* reserved, unsupported, or not offered (VMXE, SVM's none) */
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

/* The physical-address width CPUID leaf 0x80000008's EAX announces (@eax 0: no leaf). */
unsigned int hv_sregs_maxphyaddr(bool has_leaf, u32 eax);

#endif /* HV_X86_SREGS_H */
