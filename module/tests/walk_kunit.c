// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the guest page-table walker (module/x86/walk.c), over
 * page tables built in a small fake guest memory.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "../x86/walk.h"

#define MEM_SIZE	0x20000		/* 128 KiB of fake guest RAM */

struct fake_mem {
	u8 bytes[MEM_SIZE];
	unsigned int reads;
};

static struct fake_mem fmem;

static int fake_read(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	struct fake_mem *m = opaque;
	u8 *dst = buf;
	unsigned int i;

	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	for (i = 0; i < len; i++)
		dst[i] = m->bytes[gpa + i];
	m->reads++;
	return 0;
}

/* Entries are stored little-endian, as the guest would. */
static void put(u64 gpa, u64 val, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		fmem.bytes[gpa + i] = (u8)(val >> (8 * i));
}

static void pte64(u64 table, unsigned int idx, u64 val)
{
	put(table + idx * 8, val, 8);
}

static void pte32(u64 table, unsigned int idx, u64 val)
{
	put(table + idx * 4, val, 4);
}

static int walk_init(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < MEM_SIZE; i++)
		fmem.bytes[i] = 0;
	fmem.reads = 0;
	test->priv = &fmem;
	return 0;
}

static struct hv_walk_ctx ctx_of(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	struct hv_walk_ctx ctx = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
		.read_gpa = fake_read, .opaque = &fmem,
	};
	return ctx;
}

/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
#define L4_IDX(a, b, c, d) \
	(((u64)(a) << 39) | ((u64)(b) << 30) | ((u64)(c) << 21) | ((u64)(d) << 12))
#define VA4	L4_IDX(3, 5, 7, 9)

static struct hv_walk_ctx long_ctx(u64 leaf_flags, u64 cr0_extra, u64 cr4_extra,
				   u64 efer_extra)
{
	pte64(0x1000, 3, 0x2000 | GPTE_P | GPTE_RW | GPTE_US);
	pte64(0x2000, 5, 0x3000 | GPTE_P | GPTE_RW | GPTE_US);
	pte64(0x3000, 7, 0x4000 | GPTE_P | GPTE_RW | GPTE_US);
	pte64(0x4000, 9, 0xabcde000ull | leaf_flags);
	return ctx_of(G_CR0_PG | cr0_extra, 0x1000, G_CR4_PAE | cr4_extra,
		      G_EFER_LME | G_EFER_LMA | efer_extra);
}

static void walk_no_paging(struct kunit *test)
{
	struct hv_walk_ctx ctx = ctx_of(0, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 1;

	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0x123456789ull, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x23456789ull);
	KUNIT_EXPECT_EQ(test, ec, 0);
	KUNIT_EXPECT_EQ(test, fmem.reads, 0);
}

static void walk_4level_4k(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA4 + 0x123, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde123ull);
	KUNIT_EXPECT_EQ(test, fmem.reads, 4);
	/* All access kinds are allowed on a P|RW|US page. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4 + 0xfff,
					  HV_WALK_WRITE | HV_WALK_USER, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcdefffull);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH | HV_WALK_USER,
					  &gpa, &ec), 0);
	/* CR3 low bits (PCID/PWT/PCD) are not part of the table address. */
	ctx.cr3 |= 0x18;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4 + 1, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde001ull);
}

static void walk_4level_high_half(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW, 0, 0, 0);
	u64 va = 0xffff800000000000ull | L4_IDX(0, 1, 2, 3);
	u64 gpa = 0;
	u32 ec = 0;

	pte64(0x1000, 256, 0x5000 | GPTE_P | GPTE_RW);
	pte64(0x5000, 1, 0x6000 | GPTE_P | GPTE_RW);
	pte64(0x6000, 2, 0x7000 | GPTE_P | GPTE_RW);
	pte64(0x7000, 3, 0x1234567000ull | GPTE_P | GPTE_RW);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, va | 0x42, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x1234567042ull);
}

static void walk_large_pages(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	/* 2 MiB page; bit 12 (PAT) must not leak into the address. */
	pte64(0x3000, 8, 0x40000000ull | (1ull << 12) | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 5, 8, 0) + 0x1abcde,
					  0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x401abcdeull);

	/* 1 GiB page. */
	pte64(0x2000, 6, 0x80000000ull | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 6, 0, 0) + 0x3ffffffful,
					  0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xbfffffffull);
	/* A physical address above 4 GiB (bit 51 is the top). */
	pte64(0x2000, 6, 0x000fffffc0000000ull | GPTE_PS | GPTE_P);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 6, 0, 0) + 5,
					  0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x000fffffc0000005ull);
}

static void walk_not_present(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE | HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_WRITE | HV_PF_USER);
	/* Not present at the top level. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, L4_IDX(4, 0, 0, 0), HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_USER);
	/* Fetch reports I/D only when NX or SMEP is enabled. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, 0);
	ctx.efer |= G_EFER_NXE;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_FETCH);
}

static void walk_reserved_bits(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US | GPTE_NX, 0, 0, 0);
	const u32 rsvd = HV_PF_PRESENT | HV_PF_RSVD;
	u64 gpa = 0;
	u32 ec = 0;

	/* NX without EFER.NXE is reserved. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, rsvd);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, rsvd | HV_PF_WRITE);
	ctx.efer |= G_EFER_NXE;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);

	/* PS in a PML4E. */
	pte64(0x1000, 3, 0x2000 | GPTE_P | GPTE_RW | GPTE_US | GPTE_PS);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, rsvd);
	pte64(0x1000, 3, 0x2000 | GPTE_P | GPTE_RW | GPTE_US);

	/* Bit 13 of a 2 MiB PDE. */
	pte64(0x3000, 8, 0x40000000ull | (1ull << 13) | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 5, 8, 0), HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, rsvd | HV_PF_USER);

	/* Bit 29 of a 1 GiB PDPTE. */
	pte64(0x2000, 6, 0x80000000ull | (1ull << 29) | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 6, 0, 0), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, rsvd);

	/* Reserved bits of a non-present entry do not matter. */
	pte64(0x2000, 6, 0x80000000ull | (1ull << 29) | GPTE_PS);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, L4_IDX(3, 6, 0, 0), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, 0);

	/* Long mode: bits 62:52 are ignored, not reserved. */
	pte64(0x4000, 9, 0xabcde000ull | (0x7ffull << 52) | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ull);
}

static void walk_nx(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, G_EFER_NXE);
	u64 gpa = 0;
	u32 ec = 0;

	/* NX on a middle level applies to the whole range. */
	pte64(0x2000, 5, 0x3000 | GPTE_P | GPTE_RW | GPTE_US | GPTE_NX);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_FETCH);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH | HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_FETCH | HV_PF_USER);
}

static void walk_write_protect(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	/* Supervisor writes to read-only pages succeed unless CR0.WP. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE | HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_WRITE | HV_PF_USER);
	ctx.cr0 |= G_CR0_WP;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_WRITE);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_USER, &gpa, &ec), 0);

	/* Read-only at the PML4E, writable leaf: still read-only. */
	pte64(0x4000, 9, 0xabcde000ull | GPTE_P | GPTE_RW | GPTE_US);
	pte64(0x1000, 3, 0x2000 | GPTE_P | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	pte64(0x1000, 3, 0x2000 | GPTE_P | GPTE_RW | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec), 0);
}

static void walk_user_supervisor(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	/* A supervisor PDE makes the whole 2 MiB range supervisor-only. */
	pte64(0x3000, 7, 0x4000 | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_USER, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_USER);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec), 0);
}

static void walk_smep_smap(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	/* Supervisor access to a user page: fine without SMEP/SMAP. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);

	ctx.cr4 |= G_CR4_SMEP;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_FETCH);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH | HV_WALK_USER,
					  &gpa, &ec), 0);

	ctx.cr4 = G_CR4_PAE | G_CR4_SMAP;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_FETCH, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_WRITE, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_WRITE);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, HV_WALK_USER, &gpa, &ec), 0);

	/* Supervisor pages are unaffected by SMAP. */
	pte64(0x4000, 9, 0xabcde000ull | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), 0);
}

static void walk_canonical(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0x0000800000000000ull, 0, &gpa,
					  &ec), HV_WALK_GP);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0xffff7fffffffffffull, 0, &gpa,
					  &ec), HV_WALK_GP);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0x8000000000000000ull, 0, &gpa,
					  &ec), HV_WALK_GP);
	KUNIT_EXPECT_EQ(test, fmem.reads, 0);
	/* 0x0000800000000000 is canonical with LA57 (walk finds nothing). */
	ctx.cr4 |= G_CR4_LA57;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0x0000800000000000ull, 0, &gpa,
					  &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0x0100000000000000ull, 0, &gpa,
					  &ec), HV_WALK_GP);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, 0xff00000000000000ull, 0, &gpa,
					  &ec), HV_WALK_PAGE_FAULT);
}

static void walk_la57(struct kunit *test)
{
	struct hv_walk_ctx ctx;
	u64 va = (2ull << 48) | L4_IDX(3, 5, 7, 9) | 0x77;
	u64 gpa = 0;
	u32 ec = 0;

	ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, G_CR4_LA57, 0);
	ctx.cr3 = 0x8000;			/* PML5 */
	pte64(0x8000, 2, 0x1000 | GPTE_P | GPTE_RW | GPTE_US);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, va, 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde077ull);
	KUNIT_EXPECT_EQ(test, fmem.reads, 5);
	/* PS in a PML5E is reserved. */
	pte64(0x8000, 2, 0x1000 | GPTE_P | GPTE_RW | GPTE_US | GPTE_PS);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, va, 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);
	/* U/S of the PML5E counts. */
	pte64(0x8000, 2, 0x1000 | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, va, HV_WALK_USER, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_USER);
}

/* PAE: PDPTEs at 0x9020 (32-byte aligned), PD 0xa000, PT 0xb000. */
#define VA_PAE(a, b, c)	(((u64)(a) << 30) | ((u64)(b) << 21) | ((u64)(c) << 12))

static struct hv_walk_ctx pae_ctx(void)
{
	pte64(0x9020, 2, 0xa000 | GPTE_P);
	pte64(0xa000, 3, 0xb000 | GPTE_P | GPTE_RW | GPTE_US);
	pte64(0xb000, 4, 0x12345000ull | GPTE_P | GPTE_RW | GPTE_US);
	return ctx_of(G_CR0_PG, 0x9020, G_CR4_PAE, 0);
}

static void walk_pae(struct kunit *test)
{
	struct hv_walk_ctx ctx = pae_ctx();
	u64 gpa = 0;
	u32 ec = 0;

	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4) + 0x10, 0, &gpa,
					  &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x12345010ull);
	KUNIT_EXPECT_EQ(test, fmem.reads, 3);
	/* Linear addresses are 32 bits outside long mode. */
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, (1ull << 32) | VA_PAE(2, 3, 4),
					  0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x12345000ull);

	/* 2 MiB page; physical address above 4 GiB. */
	pte64(0xa000, 5, 0x100200000ull | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 5, 0) + 0x12345, 0, &gpa,
					  &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x100212345ull);
	/* Bit 13 of a 2 MiB PDE is reserved. */
	pte64(0xa000, 5, 0x100200000ull | (1ull << 13) | GPTE_PS | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 5, 0), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);

	/* Not-present PDPTE. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(1, 0, 0), HV_WALK_WRITE,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_WRITE);
}

static void walk_pae_reserved(struct kunit *test)
{
	struct hv_walk_ctx ctx = pae_ctx();
	u64 gpa = 0;
	u32 ec = 0;

	/* R/W (bit 1) is reserved in a PAE PDPTE. */
	pte64(0x9020, 2, 0xa000 | GPTE_P | GPTE_RW);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);
	/* So is NX (bit 63), even with EFER.NXE. */
	ctx.efer |= G_EFER_NXE;
	pte64(0x9020, 2, 0xa000 | GPTE_P | GPTE_NX);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	pte64(0x9020, 2, 0xa000 | GPTE_P);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec), 0);

	/* PAE PTE bits 62:52 are reserved (unlike long mode). */
	pte64(0xb000, 4, 0x12345000ull | (1ull << 52) | GPTE_P | GPTE_RW | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);

	/* NX with NXE: fetch faults with I/D, reads do not. */
	pte64(0xb000, 4, 0x12345000ull | GPTE_NX | GPTE_P | GPTE_RW | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), HV_WALK_FETCH,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_FETCH);
	/* ...and without NXE the same entry has a reserved bit. */
	ctx.efer = 0;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_PAE(2, 3, 4), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);
}

/* 32-bit paging: PD 0xc000, PT 0xd000. */
static struct hv_walk_ctx legacy_ctx(void)
{
	pte32(0xc000, 0x301, 0xd000 | GPTE_P | GPTE_RW | GPTE_US);
	pte32(0xd000, 0x2a, 0x00abc000 | GPTE_P | GPTE_RW | GPTE_US);
	return ctx_of(G_CR0_PG, 0xc000, 0, 0);
}

#define VA_32(d, t)	(((u64)(d) << 22) | ((u64)(t) << 12))

static void walk_32bit(struct kunit *test)
{
	struct hv_walk_ctx ctx = legacy_ctx();
	u64 gpa = 0;
	u32 ec = 0;

	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA_32(0x301, 0x2a) + 0xfed, 0,
					  &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x00abcfedull);
	KUNIT_EXPECT_EQ(test, fmem.reads, 2);

	/* Non-present PTE; user write. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x301, 0x2b),
					  HV_WALK_WRITE | HV_WALK_USER, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_WRITE | HV_PF_USER);
	/* No I/D bit in 32-bit paging without SMEP. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x300, 0), HV_WALK_FETCH,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, 0);

	/* Read-only PTE with CR0.WP. */
	pte32(0xd000, 0x2a, 0x00abc000 | GPTE_P | GPTE_US);
	ctx.cr0 |= G_CR0_WP;
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x301, 0x2a), HV_WALK_WRITE,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_WRITE);
	/* 32-bit entries have no NX bit; gva bits above 31 are dropped. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, (1ull << 32) | VA_32(0x301, 0x2a),
					  HV_WALK_FETCH, &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x00abc000ull);
}

static void walk_32bit_pse(struct kunit *test)
{
	struct hv_walk_ctx ctx = legacy_ctx();
	u64 gpa = 0;
	u32 ec = 0;

	pte32(0xc000, 0x10, 0x00c00000 | GPTE_PS | GPTE_P | GPTE_RW);
	/* Without CR4.PSE, PS is ignored: the PDE points to a table. */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x10, 0), 0, &gpa, &ec),
			-EFAULT);

	ctx.cr4 = G_CR4_PSE;
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA_32(0x10, 0) + 0x3abcde, 0,
					  &gpa, &ec), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x00fabcdeull);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x10, 0), HV_WALK_USER,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_USER);

	/* PSE-36: PDE bits 20:13 give physical bits 39:32. */
	pte32(0xc000, 0x11, 0x00c00000 | (0x81u << 13) | GPTE_PS | GPTE_P);
	KUNIT_ASSERT_EQ(test, hv_walk_gva(&ctx, VA_32(0x11, 0) + 4, 0, &gpa, &ec),
			0);
	KUNIT_EXPECT_EQ(test, gpa, 0x8100c00004ull);

	/* Bit 21 is reserved. */
	pte32(0xc000, 0x12, 0x00c00000 | (1u << 21) | GPTE_PS | GPTE_P);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x12, 0), 0, &gpa, &ec),
			HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_RSVD);

	/* SMEP gives the I/D bit in 32-bit paging too. */
	ctx.cr4 |= G_CR4_SMEP;
	pte32(0xc000, 0x13, 0x00c00000 | GPTE_PS | GPTE_P | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA_32(0x13, 0), HV_WALK_FETCH,
					  &gpa, &ec), HV_WALK_PAGE_FAULT);
	KUNIT_EXPECT_EQ(test, ec, HV_PF_PRESENT | HV_PF_FETCH);
}

static void walk_read_error(struct kunit *test)
{
	struct hv_walk_ctx ctx = long_ctx(GPTE_P | GPTE_RW | GPTE_US, 0, 0, 0);
	u64 gpa = 0;
	u32 ec = 0;

	ctx.cr3 = 0x40000000;			/* outside the fake RAM */
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), -EFAULT);
	ctx.cr3 = 0x1000;
	pte64(0x3000, 7, 0x7fff000 | GPTE_P | GPTE_RW | GPTE_US);
	KUNIT_EXPECT_EQ(test, hv_walk_gva(&ctx, VA4, 0, &gpa, &ec), -EFAULT);
}

static struct kunit_case hv_walk_test_cases[] = {
	KUNIT_CASE(walk_no_paging),
	KUNIT_CASE(walk_4level_4k),
	KUNIT_CASE(walk_4level_high_half),
	KUNIT_CASE(walk_large_pages),
	KUNIT_CASE(walk_not_present),
	KUNIT_CASE(walk_reserved_bits),
	KUNIT_CASE(walk_nx),
	KUNIT_CASE(walk_write_protect),
	KUNIT_CASE(walk_user_supervisor),
	KUNIT_CASE(walk_smep_smap),
	KUNIT_CASE(walk_canonical),
	KUNIT_CASE(walk_la57),
	KUNIT_CASE(walk_pae),
	KUNIT_CASE(walk_pae_reserved),
	KUNIT_CASE(walk_32bit),
	KUNIT_CASE(walk_32bit_pse),
	KUNIT_CASE(walk_read_error),
	{}
};

static struct kunit_suite hv_walk_test_suite = {
	.name = "hv_walk",
	.init = walk_init,
	.test_cases = hv_walk_test_cases,
};
kunit_test_suite(hv_walk_test_suite);
