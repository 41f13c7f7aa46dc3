// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MSI-X table logic (virtio/msix.c): the reset state
 * (disabled, every vector masked), table accesses of every width and the
 * hostile ones (past the table, straddling two entries, writes to the
 * PBA), per-vector and function masking with pending bits that fire once
 * on unmask, messages outside the local APICs' window dropped with one log
 * line, and vectors that name no entry.
 */
#include <string.h>

#include "../../virtio/msix.h"
#include "unit.h"

#define NR	3

struct sink {
	unsigned int n;
	uint64_t address[8];
	uint32_t data[8];
};

static unsigned int sink_send(void *opaque, uint64_t address, uint32_t data)
{
	struct sink *s = opaque;

	if (s->n < 8) {
		s->address[s->n] = address;
		s->data[s->n] = data;
	}
	s->n++;
	return 1;
}

static bool setup(struct msix *m, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	return msix_init(m, "msix-test", NR, sink_send, s) == 0;
}

/* Entry @v: address 0xfee00000 | dest << 12, data @vec; masked as @masked says. */
static void program(struct msix *m, unsigned int v, unsigned int dest, uint32_t vec, bool masked)
{
	msix_table_write(m, v * 16, 8, 0xfee00000u | dest << 12);
	msix_table_write(m, v * 16 + 8, 4, vec);
	msix_table_write(m, v * 16 + 12, 4, masked);
}

static bool msix_reset_state(void)
{
	struct msix m;
	struct sink s;
	unsigned int v;

	CHECK(msix_init(&m, "x", 0, sink_send, &s) != 0);
	CHECK(msix_init(&m, "x", MSIX_MAX_VECTORS + 1, sink_send, &s) != 0);
	CHECK(msix_init(&m, "x", 1, NULL, &s) != 0);
	CHECK(setup(&m, &s));
	CHECK_EQ(msix_table_bytes(&m), NR * 16);
	CHECK_EQ(msix_pba_bytes(&m), 8);
	for (v = 0; v < NR; v++)
		CHECK_EQ(msix_table_read(&m, v * 16 + 12, 4), MSIX_CTRL_MASKED);
	/* Disabled: nothing to signal with, and nothing pends. */
	program(&m, 0, 0, 0x41, false);
	CHECK(!msix_notify(&m, 0));
	CHECK_EQ(msix_pba_read(&m, 0, 8), 0);
	CHECK_EQ(s.n, 0);
	return true;
}

static bool msix_table_accesses(void)
{
	struct msix m;
	struct sink s;

	CHECK(setup(&m, &s));
	msix_table_write(&m, 16, 4, 0xfee01003);		/* entry 1 address, bits 1:0 reserved */
	msix_table_write(&m, 20, 4, 0x12345678);
	msix_table_write(&m, 24, 4, 0x4031);
	msix_table_write(&m, 28, 4, 0xfffffffe);		/* reserved control bits: ignored */
	CHECK_EQ(msix_table_read(&m, 16, 8), 0x12345678fee01000ull);
	CHECK_EQ(msix_table_read(&m, 24, 4), 0x4031);
	CHECK_EQ(msix_table_read(&m, 28, 4), 0);		/* unmasked */
	CHECK_EQ(msix_table_read(&m, 25, 1), 0x40);		/* byte reads inside an entry */
	msix_table_write(&m, 24, 2, 0x4032);			/* a word write merges */
	CHECK_EQ(msix_table_read(&m, 24, 4), 0x4032);
	/* Hostile: past the table, straddling two entries, size 0 or > 8: dropped, read 0. */
	msix_table_write(&m, NR * 16, 4, 0xfee00000);
	msix_table_write(&m, 0xffffffffffffff00ull, 4, 0xfee00000);
	CHECK_EQ(msix_table_read(&m, NR * 16, 4), 0);
	msix_table_write(&m, 12, 8, 0);				/* entry 0 control + entry 1 address */
	CHECK_EQ(msix_table_read(&m, 12, 4), MSIX_CTRL_MASKED);
	CHECK_EQ(msix_table_read(&m, 16, 4), 0xfee01000);
	CHECK_EQ(msix_table_read(&m, 12, 8), 0);
	CHECK_EQ(msix_table_read(&m, 0, 0), 0);
	msix_table_write(&m, 0, 16, 0xfee00000);
	CHECK_EQ(msix_table_read(&m, 0, 4), 0);
	/* The PBA is read-only (msix_pba_read has no write side) and bounded. */
	CHECK_EQ(msix_pba_read(&m, 8, 8), 0);
	CHECK_EQ(msix_pba_read(&m, 4, 8), 0);
	CHECK_EQ(s.n, 0);
	return true;
}

static bool msix_mask_and_pending(void)
{
	struct msix m;
	struct sink s;

	CHECK(setup(&m, &s));
	program(&m, 0, 1, 0x41, false);
	program(&m, 2, 0, 0x43, true);
	msix_set_control(&m, true, false);
	CHECK(msix_notify(&m, 0));
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.address[0], 0xfee01000);
	CHECK_EQ(s.data[0], 0x41);
	/* A masked vector pends, and fires once when unmasked. */
	CHECK(msix_notify(&m, 2));
	CHECK(msix_notify(&m, 2));
	CHECK_EQ(s.n, 1);
	CHECK_EQ(msix_pba_read(&m, 0, 8), 1u << 2);
	CHECK_EQ(msix_pba_read(&m, 0, 1), 1u << 2);
	msix_table_write(&m, 2 * 16 + 12, 4, 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.data[1], 0x43);
	CHECK_EQ(msix_pba_read(&m, 0, 8), 0);
	/* The function mask holds every vector; clearing it sends each pending one. */
	msix_set_control(&m, true, true);
	CHECK(msix_notify(&m, 0));
	CHECK(msix_notify(&m, 2));
	CHECK_EQ(s.n, 2);
	CHECK_EQ(msix_pba_read(&m, 0, 8), 1u << 0 | 1u << 2);
	msix_set_control(&m, true, false);
	CHECK_EQ(s.n, 4);
	CHECK_EQ(msix_pba_read(&m, 0, 8), 0);
	/* Disabling MSI-X keeps what pended for when it is enabled again. */
	msix_table_write(&m, 12, 4, MSIX_CTRL_MASKED);
	CHECK(msix_notify(&m, 0));
	msix_set_control(&m, false, false);
	msix_table_write(&m, 12, 4, 0);
	CHECK_EQ(s.n, 4);
	msix_set_control(&m, true, false);
	CHECK_EQ(s.n, 5);
	CHECK_EQ(m.sent, 5);
	return true;
}

static bool msix_hostile_messages(void)
{
	struct msix m;
	struct sink s;

	CHECK(setup(&m, &s));
	msix_set_control(&m, true, false);
	/* No entry: NO_VECTOR, the table size, anything past it. */
	CHECK(!msix_notify(&m, MSIX_NO_VECTOR));
	CHECK(!msix_notify(&m, NR));
	CHECK(!msix_vector_valid(&m, NR));
	CHECK(msix_vector_valid(&m, NR - 1));
	/* Outside 0xFEExxxxx (low half, or a high half): dropped, counted, logged once. */
	msix_table_write(&m, 0, 4, 0xfed00000);
	msix_table_write(&m, 12, 4, 0);
	CHECK(msix_notify(&m, 0));
	CHECK(msix_notify(&m, 0));
	msix_table_write(&m, 0, 8, 0x1fee00000ull);
	CHECK(msix_notify(&m, 0));
	CHECK_EQ(s.n, 0);
	CHECK_EQ(m.dropped, 3);
	CHECK(m.bad_address_logged);
	msix_table_write(&m, 0, 8, 0xfee00000ull);
	CHECK(msix_notify(&m, 0));
	CHECK_EQ(s.n, 1);
	return true;
}

const struct unit_case virtio_msix_cases[] = {
	{ "virtio_msix_reset_state", msix_reset_state },
	{ "virtio_msix_table_accesses", msix_table_accesses },
	{ "virtio_msix_mask_and_pending", msix_mask_and_pending },
	{ "virtio_msix_hostile_messages", msix_hostile_messages },
	{ NULL, NULL },
};
