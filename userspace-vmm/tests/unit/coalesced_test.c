// SPDX-License-Identifier: GPL-2.0
/*
 * coalesced.c: hv-run's side of hv's coalesced ring, on a ring in memory
 * that the test fills as hv would (entry, then last with release).  The
 * entries reach the I/O buses in order, across the wrap, with malformed
 * ones skipped; concurrent drainers never reorder nor repeat one.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "unit.h"
#include "../../coalesced.h"

#define SLOTS		HV_COALESCED_RING_ENTRIES
#define MAX_SEEN	20000

struct recorder {
	unsigned int n;
	/* first: the ring's first index while the write was applied */
	struct { uint64_t addr; unsigned int size; uint64_t v; uint32_t first; } w[MAX_SEEN];
	uint64_t base;
	bool slow;			/* yield in every write: drainers overlap more */
};

static struct hv_coalesced_ring ring;

static void rec_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct recorder *r = opaque;

	if (r->slow)
		sched_yield();
	if (r->n < MAX_SEEN) {
		r->w[r->n].addr = r->base + offset;
		r->w[r->n].size = size;
		r->w[r->n].v = value;
		r->w[r->n].first = __atomic_load_n(&ring.first, __ATOMIC_ACQUIRE);
	}
	r->n++;
}

static uint64_t rec_read(void *opaque, uint64_t offset, unsigned int size)
{
	(void)opaque;
	(void)offset;
	(void)size;
	return 0;
}

static const struct io_ops rec_ops = { .read = rec_read, .write = rec_write };

static struct recorder pio_rec, mmio_rec;
static struct iobus pio, mmio;

/* As hv appends: false when full. */
static bool hv_append(uint64_t addr, unsigned int len, bool is_pio, uint64_t v)
{
	uint32_t last = ring.last, next = last + 1 == SLOTS ? 0 : last + 1;
	struct hv_coalesced_entry *e = &ring.entries[last];

	if (next == __atomic_load_n(&ring.first, __ATOMIC_ACQUIRE))
		return false;
	e->addr = addr;
	e->len = len;
	e->pio = is_pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, &v, len);
	__atomic_store_n(&ring.last, next, __ATOMIC_RELEASE);
	return true;
}

static bool setup(struct coalesced *c, uint32_t start)
{
	memset(&ring, 0, sizeof(ring));
	ring.first = ring.last = start;
	memset(&pio_rec, 0, sizeof(pio_rec));
	memset(&mmio_rec, 0, sizeof(mmio_rec));
	pio_rec.base = 0x70;
	mmio_rec.base = 0xd0000000;
	iobus_init(&pio, "pio");
	iobus_init(&mmio, "mmio");
	if (iobus_register(&pio, 0x70, 2, &rec_ops, &pio_rec) ||
	    iobus_register(&mmio, 0xd0000000, 0x1000, &rec_ops, &mmio_rec))
		return false;
	coalesced_attach(c, &ring, &pio, &mmio);
	return true;
}

static void teardown(struct coalesced *c)
{
	coalesced_destroy(c);
	iobus_destroy(&pio);
	iobus_destroy(&mmio);
}

/*
 * Both spaces, every width, across the wrap; first catches up with last,
 * and only past an entry already applied (a thread that sees the ring
 * empty may rely on everything in it having reached the devices).
 */
static bool coalesced_drain_in_order(void)
{
	struct coalesced c;
	unsigned int i;

	CHECK(setup(&c, SLOTS - 20));
	for (i = 0; i < 100; i++) {
		unsigned int len = 1u << (i % 4);

		if (i % 2)
			CHECK(hv_append(0xd0000000 + 8 * i, len, false, 0x0102030405060708ULL + i));
		else
			CHECK(hv_append(0x70, len > 2 ? 1 : len, true, i));
	}
	coalesced_drain(&c);
	CHECK_EQ(ring.first, ring.last);
	CHECK_EQ(ring.first, 80);
	CHECK_EQ(coalesced_writes(&c), 100);
	CHECK_EQ(pio_rec.n, 50);
	CHECK_EQ(mmio_rec.n, 50);
	for (i = 0; i < 100; i++) {
		unsigned int len = 1u << (i % 4);
		uint64_t want = 0x0102030405060708ULL + i;

		if (i % 2) {
			CHECK_EQ(mmio_rec.w[i / 2].first, (SLOTS - 20 + i) % SLOTS);
			CHECK_EQ(mmio_rec.w[i / 2].addr, 0xd0000000 + 8 * i);
			CHECK_EQ(mmio_rec.w[i / 2].size, len);
			CHECK_EQ(mmio_rec.w[i / 2].v, len == 8 ? want : want & ((1ULL << (8 * len)) - 1));
		} else {
			CHECK_EQ(pio_rec.w[i / 2].first, (SLOTS - 20 + i) % SLOTS);
			CHECK_EQ(pio_rec.w[i / 2].addr, 0x70);
			CHECK_EQ(pio_rec.w[i / 2].v, i & (len > 1 ? 0xffff : 0xff));
		}
	}
	/* Empty: nothing more. */
	coalesced_drain(&c);
	CHECK_EQ(coalesced_writes(&c), 100);
	teardown(&c);
	return true;
}

/* A full ring (SLOTS - 1 entries) drains whole; malformed entries are skipped, not applied. */
static bool coalesced_drain_full_and_malformed(void)
{
	struct coalesced c;
	unsigned int i;

	CHECK(setup(&c, 0));
	for (i = 0; i < SLOTS - 1; i++)
		CHECK(hv_append(0x70, 1, true, i & 0xff));
	CHECK(!hv_append(0x70, 1, true, 0));
	ring.entries[5].len = 3;
	ring.entries[6].pio = 7;
	coalesced_drain(&c);
	CHECK_EQ(ring.first, SLOTS - 1);
	CHECK_EQ(coalesced_writes(&c), SLOTS - 3);
	CHECK_EQ(c.dropped, 2);
	CHECK_EQ(pio_rec.w[4].v, 4);
	CHECK_EQ(pio_rec.w[5].v, 7);
	/* A last out of range (never hv's doing) is left alone. */
	ring.last = SLOTS + 1;
	coalesced_drain(&c);
	CHECK_EQ(ring.first, SLOTS - 1);
	teardown(&c);

	/* No ring: every call is a no-op. */
	memset(&c, 0, sizeof(c));
	coalesced_drain(&c);
	CHECK_EQ(coalesced_writes(&c), 0);
	coalesced_destroy(&c);
	return true;
}

#define FLOOD		MAX_SEEN
static struct coalesced flood_c;
static atomic_bool flood_done;

static void *drainer(void *arg)
{
	(void)arg;
	while (!atomic_load(&flood_done))
		coalesced_drain(&flood_c);
	return NULL;
}

/* A producer against two drainers: every write once, in order. */
static bool coalesced_concurrent_drainers(void)
{
	pthread_t t[2];
	unsigned int i;

	CHECK(setup(&flood_c, 0));
	pio_rec.slow = true;
	atomic_store(&flood_done, false);
	for (i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, drainer, NULL), 0);
	for (i = 0; i < FLOOD; i++)
		while (!hv_append(0x70, 2, true, i & 0xffff))
			sched_yield();
	/* What a vCPU thread does after its exit: drain, then everything before is applied. */
	coalesced_drain(&flood_c);
	CHECK_EQ(pio_rec.n, FLOOD);
	atomic_store(&flood_done, true);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(coalesced_writes(&flood_c), FLOOD);
	for (i = 0; i < FLOOD; i++)
		CHECK_EQ(pio_rec.w[i].v, i & 0xffff);
	teardown(&flood_c);
	return true;
}

const struct unit_case coalesced_cases[] = {
	{ "coalesced_drain_in_order", coalesced_drain_in_order },
	{ "coalesced_drain_full_and_malformed", coalesced_drain_full_and_malformed },
	{ "coalesced_concurrent_drainers", coalesced_concurrent_drainers },
	{ NULL, NULL },
};
