// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walker: guest-virtual to guest-physical, with the
 * permission and reserved-bit checks that decide whether the guest gets a
 * #PF.  Covers no paging, 32-bit (with 4 MiB PSE/PSE-36 pages), PAE,
 * 4-level and 5-level paging.
 *
 * The walk only reads: accessed and dirty bits are NOT set, since callers
 * use it to fetch instruction bytes or to find where string I/O goes, and
 * the guest's own access (re-executed or completed) is what sets them.
 * Protection keys are not checked (the hypervisor does not expose PKU).
 * MAXPHYADDR is taken as 52, so no address bit of an entry is reserved.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "walk.h"

#define GPTE_ADDR	0x000ffffffffff000ull	/* bits 51:12 */

/* Reserved bits of 8-byte entries (besides NX when EFER.NXE = 0). */
#define PAE_PDPTE_RSVD	(0xfff0000000000000ull | 0x1e6ull) /* 63:52, 8:5, 2:1 */
#define PAE_HIGH_RSVD	0x7ff0000000000000ull	/* PAE PDE/PTE bits 62:52 */
#define LARGE_2M_RSVD	0x00000000001fe000ull	/* bits 20:13 */
#define LARGE_1G_RSVD	0x000000003fffe000ull	/* bits 29:13 */
#define PSE_4M_RSVD	(1ull << 21)		/* 32-bit PDE, PSE-36 layout */

struct hv_walk_state {
	const struct hv_walk_ctx *ctx;
	unsigned int access;
	bool writable, user, nx;
	bool fetch_bit;			/* does the error code report I/D? */
};

static int hv_walk_read(const struct hv_walk_ctx *ctx, u64 gpa,
			unsigned int len, u64 *out)
{
	u8 buf[8];
	unsigned int i;
	u64 v = 0;
	int ret;

	ret = ctx->read_gpa(ctx->opaque, gpa, buf, len);
	if (ret)
		return ret < 0 ? ret : -EIO;
	/* Paging structures are little-endian whatever the host is. */
	for (i = 0; i < len; i++)
		v |= (u64)buf[i] << (8 * i);
	*out = v;
	return 0;
}

static int hv_walk_fault(const struct hv_walk_state *s, u32 bits,
			 u32 *error_code)
{
	u32 ec = bits;

	if (s->access & HV_WALK_WRITE)
		ec |= HV_PF_WRITE;
	if (s->access & HV_WALK_USER)
		ec |= HV_PF_USER;
	if ((s->access & HV_WALK_FETCH) && s->fetch_bit)
		ec |= HV_PF_FETCH;
	*error_code = ec;
	return HV_WALK_PAGE_FAULT;
}

/* Fold one present entry's permissions into the walk. */
static void hv_walk_perm(struct hv_walk_state *s, u64 pte, bool nxe)
{
	s->writable &= !!(pte & GPTE_RW);
	s->user &= !!(pte & GPTE_US);
	if (nxe && (pte & GPTE_NX))
		s->nx = true;
}

/* Permission checks on the combined rights of the whole walk. */
static int hv_walk_check(const struct hv_walk_state *s, u32 *error_code)
{
	const struct hv_walk_ctx *ctx = s->ctx;
	bool write = s->access & HV_WALK_WRITE;
	bool fetch = s->access & HV_WALK_FETCH;
	bool ok = true;

	if (s->access & HV_WALK_USER) {
		if (!s->user || (write && !s->writable))
			ok = false;
	} else {
		if (write && !s->writable && (ctx->cr0 & G_CR0_WP))
			ok = false;
		if (s->user && fetch && (ctx->cr4 & G_CR4_SMEP))
			ok = false;
		/* All supervisor data accesses count as explicit, AC = 0. */
		if (s->user && !fetch && (ctx->cr4 & G_CR4_SMAP))
			ok = false;
	}
	if (fetch && s->nx)
		ok = false;

	return ok ? 0 : hv_walk_fault(s, HV_PF_PRESENT, error_code);
}

/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int hv_walk_32(struct hv_walk_state *s, u32 va, u64 *gpa,
		      u32 *error_code)
{
	const struct hv_walk_ctx *ctx = s->ctx;
	u64 pde, pte;
	int ret;

	ret = hv_walk_read(ctx, (ctx->cr3 & 0xfffff000ull) + (va >> 22) * 4,
			   4, &pde);
	if (ret)
		return ret;
	if (!(pde & GPTE_P))
		return hv_walk_fault(s, 0, error_code);
	hv_walk_perm(s, pde, false);

	if ((pde & GPTE_PS) && (ctx->cr4 & G_CR4_PSE)) {
		if (pde & PSE_4M_RSVD)
			return hv_walk_fault(s, HV_PF_PRESENT | HV_PF_RSVD,
					     error_code);
		ret = hv_walk_check(s, error_code);
		if (ret)
			return ret;
		/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
		*gpa = (pde & 0xffc00000ull) | (((pde >> 13) & 0xff) << 32) |
		       (va & 0x3fffff);
		return 0;
	}

	ret = hv_walk_read(ctx, (pde & 0xfffff000ull) + ((va >> 12) & 0x3ff) * 4,
			   4, &pte);
	if (ret)
		return ret;
	if (!(pte & GPTE_P))
		return hv_walk_fault(s, 0, error_code);
	hv_walk_perm(s, pte, false);
	ret = hv_walk_check(s, error_code);
	if (ret)
		return ret;
	*gpa = (pte & 0xfffff000ull) | (va & 0xfff);
	return 0;
}

/*
 * PAE (3 levels, @long_mode false) and 4/5-level paging.  Level numbers
 * count from the leaf: 1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E, 5 = PML5E.
 * PAE PDPTEs are read from memory on every walk rather than cached at CR3
 * load as the CPU does; a guest that edits them without reloading CR3
 * relies on unspecified behaviour anyway.
 */
static int hv_walk_64(struct hv_walk_state *s, u64 va, bool long_mode,
		      u64 *gpa, u32 *error_code)
{
	const struct hv_walk_ctx *ctx = s->ctx;
	bool nxe = ctx->efer & G_EFER_NXE;
	u64 nx_rsvd = nxe ? 0 : GPTE_NX;
	u64 table, pte, rsvd, page_mask;
	unsigned int level, shift, idx;
	int ret;

	if (long_mode) {
		level = (ctx->cr4 & G_CR4_LA57) ? 5 : 4;
		table = ctx->cr3 & GPTE_ADDR;
	} else {
		level = 3;
		table = ctx->cr3 & 0xffffffe0ull;
	}

	for (;; level--) {
		shift = 12 + 9 * (level - 1);
		if (!long_mode && level == 3)
			idx = (va >> 30) & 3;
		else
			idx = (va >> shift) & 0x1ff;
		ret = hv_walk_read(ctx, table + idx * 8, 8, &pte);
		if (ret)
			return ret;
		if (!(pte & GPTE_P))
			return hv_walk_fault(s, 0, error_code);

		if (!long_mode && level == 3) {
			/* PAE PDPTEs carry no access rights. */
			if (pte & PAE_PDPTE_RSVD)
				goto rsvd;
			table = pte & GPTE_ADDR;
			continue;
		}

		rsvd = nx_rsvd | (long_mode ? 0 : PAE_HIGH_RSVD);
		if (level >= 4)
			rsvd |= GPTE_PS;
		else if (level == 3 && (pte & GPTE_PS))
			rsvd |= LARGE_1G_RSVD;
		else if (level == 2 && (pte & GPTE_PS))
			rsvd |= LARGE_2M_RSVD;
		if (pte & rsvd)
			goto rsvd;
		hv_walk_perm(s, pte, nxe);

		if (level == 1 || (pte & GPTE_PS))
			break;
		table = pte & GPTE_ADDR;
	}

	ret = hv_walk_check(s, error_code);
	if (ret)
		return ret;
	/* Clearing the offset bits also drops a large page's PAT bit 12. */
	page_mask = (1ull << shift) - 1;
	*gpa = (pte & GPTE_ADDR & ~page_mask) | (va & page_mask);
	return 0;

rsvd:
	return hv_walk_fault(s, HV_PF_PRESENT | HV_PF_RSVD, error_code);
}

int hv_walk_gva(const struct hv_walk_ctx *ctx, u64 gva, unsigned int access,
		u64 *gpa, u32 *error_code)
{
	struct hv_walk_state s = {
		.ctx = ctx,
		.access = access,
		.writable = true,
		.user = true,
	};
	bool paging = ctx->cr0 & G_CR0_PG;
	/* LMA may lag behind in a state set from userspace: LME+PG will do. */
	bool long_mode = (ctx->efer & G_EFER_LMA) ||
			 (paging && (ctx->efer & G_EFER_LME));
	bool pae = ctx->cr4 & G_CR4_PAE;
	unsigned int va_bits;
	s64 canon;

	*error_code = 0;
	if (!paging) {
		*gpa = long_mode ? gva : gva & 0xffffffffull;
		return 0;
	}

	/* The I/D bit exists when NX is usable (PAE or long mode) or SMEP. */
	s.fetch_bit = (ctx->cr4 & G_CR4_SMEP) ||
		      ((ctx->efer & G_EFER_NXE) && (pae || long_mode));

	if (long_mode) {
		va_bits = (ctx->cr4 & G_CR4_LA57) ? 57 : 48;
		canon = (s64)(gva << (64 - va_bits)) >> (64 - va_bits);
		if ((u64)canon != gva)
			return HV_WALK_GP;
		return hv_walk_64(&s, gva, true, gpa, error_code);
	}
	if (pae)
		return hv_walk_64(&s, gva & 0xffffffffull, false, gpa, error_code);
	return hv_walk_32(&s, (u32)gva, gpa, error_code);
}
