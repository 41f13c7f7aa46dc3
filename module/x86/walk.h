/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software walk of the guest's own page tables (guest-virtual to
 * guest-physical), for fetching instruction bytes and for string I/O when
 * the CPU gives no decode assists.  Pure logic: guest memory is read only
 * through the caller's read_gpa() callback.
 */
#ifndef HV_X86_WALK_H
#define HV_X86_WALK_H

#include <linux/types.h>

/* The guest control-register bits the walker reads (G_: guest, not the host's). */
#define G_CR0_WP		(1ull << 16)
#define G_CR0_PG		(1ull << 31)
#define G_CR4_PSE		(1ull << 4)
#define G_CR4_PAE		(1ull << 5)
#define G_CR4_LA57	(1ull << 12)
#define G_CR4_SMEP	(1ull << 20)
#define G_CR4_SMAP	(1ull << 21)
#define G_EFER_LME	(1ull << 8)
#define G_EFER_LMA	(1ull << 10)
#define G_EFER_NXE	(1ull << 11)

/* Guest page-table entry bits the walker checks. */
#define GPTE_P		(1ull << 0)
#define GPTE_RW		(1ull << 1)
#define GPTE_US		(1ull << 2)
#define GPTE_PS		(1ull << 7)
#define GPTE_NX		(1ull << 63)

struct hv_walk_ctx {
	u64 cr0, cr3, cr4, efer;
	/* Reads @len bytes of guest-physical memory; 0 or -errno (e.g. -EFAULT: not RAM). */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, unsigned int len);
	void *opaque;
};

/* @access bits */
#define HV_WALK_WRITE	1u
#define HV_WALK_USER	2u		/* CPL 3 */
#define HV_WALK_FETCH	4u

/* x86 #PF error-code bits reported in *error_code */
#define HV_PF_PRESENT	1u
#define HV_PF_WRITE	2u
#define HV_PF_USER	4u
#define HV_PF_RSVD	8u
#define HV_PF_FETCH	16u

/* Positive results: an exception the guest should see. */
#define HV_WALK_PAGE_FAULT	1	/* #PF with *error_code */
#define HV_WALK_GP		2	/* #GP(0): non-canonical address */

/*
 * Translate @gva for @access (HV_WALK_*).  Returns 0 with *gpa set,
 * HV_WALK_PAGE_FAULT with *error_code set, HV_WALK_GP, or -errno if a
 * paging-structure read failed.  Accessed/dirty bits are not updated.
 */
int hv_walk_gva(const struct hv_walk_ctx *ctx, u64 gva, unsigned int access,
		u64 *gpa, u32 *error_code);

#endif /* HV_X86_WALK_H */
