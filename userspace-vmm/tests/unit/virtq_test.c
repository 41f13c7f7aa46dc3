// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the split virtqueue (virtio/queue.c) over real guest memory
 * (mem.c, 16 MiB): normal chains, indirect tables, the used ring and its
 * NO_INTERRUPT check, index wrap-around, and every hostile ring the queue
 * must refuse without touching memory outside guest RAM: a buffer outside
 * RAM or wrapping, a loop, a chain longer than the queue, an indirect table
 * inside an indirect table, INDIRECT with NEXT, the avail index far ahead,
 * head and next indices out of range, readable after writable, and rings
 * that are misaligned or run off the end of RAM.
 */
#include <errno.h>
#include <string.h>

#include "../../virtio/queue.h"
#include "unit.h"

#define QSIZE		8
#define DESC_GPA	0x10000ull
#define AVAIL_GPA	0x11000ull
#define USED_GPA	0x12000ull
#define TABLE_GPA	0x13000ull	/* indirect tables */
#define DATA_GPA	0x20000ull

struct vq_env {
	struct guest_mem mem;
	struct virtq q;
	struct virtq_chain c;
};

static bool env_init(struct vq_env *e, uint16_t size)
{
	if (mem_init(&e->mem, MEM_MIN_SIZE))
		return false;
	virtq_init(&e->q, &e->mem, size);
	e->q.desc_gpa = DESC_GPA;
	e->q.avail_gpa = AVAIL_GPA;
	e->q.used_gpa = USED_GPA;
	return virtq_enable(&e->q) == 0;
}

static void env_destroy(struct vq_env *e)
{
	mem_destroy(&e->mem);
}

static void put16(struct vq_env *e, uint64_t gpa, uint16_t v)
{
	memcpy(e->mem.host + gpa, &v, 2);
}

static uint32_t get32(struct vq_env *e, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, e->mem.host + gpa, 4);
	return v;
}

/* Descriptor @i of the table at @table. */
static void desc(struct vq_env *e, uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *d = e->mem.host + table + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make chain @head available as avail entry @idx and publish avail->idx = idx + 1. */
static void avail(struct vq_env *e, uint16_t idx, uint16_t head)
{
	put16(e, AVAIL_GPA + 4 + 2 * (idx % e->q.size), head);
	put16(e, AVAIL_GPA + 2, (uint16_t)(idx + 1));
}

static bool virtq_normal_chain(void)
{
	struct vq_env e;

	CHECK(env_init(&e, QSIZE));
	CHECK_EQ(virtq_pop(&e.q, &e.c), 0);		/* empty */
	memcpy(e.mem.host + DATA_GPA, "hello", 5);
	desc(&e, DESC_GPA, 3, DATA_GPA, 5, VIRTQ_DESC_F_NEXT, 5);
	desc(&e, DESC_GPA, 5, DATA_GPA + 0x100, 7, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, DESC_GPA, 1, DATA_GPA + 0x200, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(&e, DESC_GPA, 2, DATA_GPA + 0x300, 1, VIRTQ_DESC_F_WRITE, 0);
	avail(&e, 0, 3);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 1);
	CHECK_EQ(e.c.head, 3);
	CHECK_EQ(e.c.n_out, 2);
	CHECK_EQ(e.c.n_in, 2);
	CHECK_EQ(e.c.out_len, 12);
	CHECK_EQ(e.c.in_len, 101);
	CHECK(e.c.out[0].hva == e.mem.host + DATA_GPA);
	CHECK(e.c.in[1].hva == e.mem.host + DATA_GPA + 0x300);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 0);		/* nothing more */
	/* The copy helpers see the buffers as one byte stream each. */
	{
		char buf[8] = { 0 };

		CHECK_EQ(virtq_chain_read(&e.c, 3, buf, 4), 4);
		CHECK(!memcmp(buf, "lo", 2));
		CHECK_EQ(virtq_chain_write(&e.c, 99, "xyz", 3), 2);	/* 101 bytes in all */
		CHECK_EQ(e.mem.host[DATA_GPA + 0x200 + 99], 'x');
		CHECK_EQ(e.mem.host[DATA_GPA + 0x300], 'y');
	}
	CHECK(virtq_push(&e.q, 3, 101));
	CHECK_EQ(get32(&e, USED_GPA + 4), 3);		/* used elem: id, len */
	CHECK_EQ(get32(&e, USED_GPA + 8), 101);
	CHECK_EQ(get32(&e, USED_GPA) >> 16, 1);		/* used->idx */
	put16(&e, AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CHECK(!virtq_push(&e.q, 3, 0));			/* the driver asked for no interrupt */
	env_destroy(&e);
	return true;
}

static bool virtq_indirect_table(void)
{
	struct vq_env e;
	struct iovec iov[4];

	CHECK(env_init(&e, QSIZE));
	desc(&e, TABLE_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	desc(&e, TABLE_GPA, 2, DATA_GPA + 0x1000, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc(&e, TABLE_GPA, 1, DATA_GPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE on the descriptor that points at the table is ignored (2.7.5.3.2). */
	desc(&e, DESC_GPA, 0, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	avail(&e, 0, 0);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 1);
	CHECK_EQ(e.c.n_out, 1);
	CHECK_EQ(e.c.n_in, 2);
	CHECK_EQ(e.c.in_len, 4097);
	CHECK_EQ(virtq_chain_iov(&e.c, true, 4000, 97, iov, 4), 2);
	CHECK_EQ(iov[0].iov_len, 96);
	CHECK_EQ(iov[1].iov_len, 1);
	CHECK_EQ(virtq_chain_iov(&e.c, true, 4000, 98, iov, 4), -1);	/* past the end */
	env_destroy(&e);
	return true;
}

/* A full-size direct chain is fine; the avail index and used ring wrap at 65536. */
static bool virtq_full_chain_and_index_wrap(void)
{
	struct vq_env e;
	unsigned int i;

	CHECK(env_init(&e, QSIZE));
	for (i = 0; i < QSIZE; i++)
		desc(&e, DESC_GPA, i, DATA_GPA + 16 * i, 16, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	e.q.last_avail = 0xffff;
	e.q.used_idx = 0xffff;
	avail(&e, 0xffff, 0);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 1);
	CHECK_EQ(e.c.n_out, QSIZE);
	CHECK_EQ(e.q.last_avail, 0);
	virtq_push(&e.q, 0, 0);
	CHECK_EQ(get32(&e, USED_GPA) >> 16, 0);		/* used->idx wrapped */
	CHECK_EQ(get32(&e, USED_GPA + 4 + 8 * 7), 0);	/* slot 0xffff % 8 = 7 */
	env_destroy(&e);
	return true;
}

/* pop must fail with -EINVAL and say @what in q.error. */
static bool refused(struct vq_env *e, const char *what)
{
	int r = virtq_pop(&e->q, &e->c);

	if (r != -EINVAL) {
		printf("# virtq_pop = %d, expected -EINVAL (%s)\n", r, what);
		return false;
	}
	if (!strstr(e->q.error, what)) {
		printf("# error '%s' does not mention '%s'\n", e->q.error, what);
		return false;
	}
	return true;
}

static bool virtq_hostile_buffers(void)
{
	struct vq_env e;

	CHECK(env_init(&e, QSIZE));
	/* past the end of RAM */
	desc(&e, DESC_GPA, 0, MEM_MIN_SIZE - 8, 16, 0, 0);
	avail(&e, 0, 0);
	CHECK(refused(&e, "outside guest RAM"));
	/* in the VGA hole */
	desc(&e, DESC_GPA, 0, MEM_VGA_BASE, 16, 0, 0);
	avail(&e, 1, 0);
	CHECK(refused(&e, "outside guest RAM"));
	/* address + length wraps around 2^64 */
	desc(&e, DESC_GPA, 0, ~0ull - 7, 16, 0, 0);
	avail(&e, 2, 0);
	CHECK(refused(&e, "outside guest RAM"));
	/* a 4 GiB length */
	desc(&e, DESC_GPA, 0, DATA_GPA, 0xffffffffu, 0, 0);
	avail(&e, 3, 0);
	CHECK(refused(&e, "outside guest RAM"));
	/* the last byte of RAM is fine */
	desc(&e, DESC_GPA, 0, MEM_MIN_SIZE - 1, 1, 0, 0);
	avail(&e, 4, 0);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 1);
	env_destroy(&e);
	return true;
}

static bool virtq_hostile_chains(void)
{
	struct vq_env e;

	CHECK(env_init(&e, QSIZE));
	/* a loop: 0 -> 1 -> 0 */
	desc(&e, DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, DESC_GPA, 1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	avail(&e, 0, 0);
	CHECK(refused(&e, "longer than the queue"));
	/* a self loop */
	desc(&e, DESC_GPA, 4, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 4);
	avail(&e, 1, 4);
	CHECK(refused(&e, "longer than the queue"));
	/* next index beyond the queue */
	desc(&e, DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	avail(&e, 2, 0);
	CHECK(refused(&e, "next index"));
	/* head index beyond the queue */
	avail(&e, 3, 0xffff);
	CHECK(refused(&e, "avail ring names descriptor"));
	/* readable after writable */
	desc(&e, DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(&e, DESC_GPA, 1, DATA_GPA, 16, 0, 0);
	avail(&e, 4, 0);
	CHECK(refused(&e, "readable buffer after a writable"));
	env_destroy(&e);
	return true;
}

static bool virtq_hostile_indirect(void)
{
	struct vq_env e;
	unsigned int i;

	CHECK(env_init(&e, QSIZE));
	/* an indirect table inside an indirect table */
	desc(&e, TABLE_GPA + 0x100, 0, DATA_GPA, 16, 0, 0);
	desc(&e, TABLE_GPA, 0, TABLE_GPA + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc(&e, DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 0, 0);
	CHECK(refused(&e, "indirect table inside an indirect table"));
	/* INDIRECT together with NEXT */
	desc(&e, TABLE_GPA, 0, DATA_GPA, 16, 0, 0);
	desc(&e, DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	avail(&e, 1, 0);
	CHECK(refused(&e, "with NEXT"));
	/* an indirect descriptor in the middle of a direct chain */
	desc(&e, DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, DESC_GPA, 1, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 2, 0);
	CHECK(refused(&e, "indirect descriptor inside chain"));
	/* a table length that is not a multiple of 16 */
	desc(&e, DESC_GPA, 0, TABLE_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 3, 0);
	CHECK(refused(&e, "indirect table of 24 bytes"));
	/* a table outside RAM */
	desc(&e, DESC_GPA, 0, MEM_MIN_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 4, 0);
	CHECK(refused(&e, "outside guest RAM"));
	/* a loop inside the table */
	desc(&e, TABLE_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, TABLE_GPA, 1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	desc(&e, DESC_GPA, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 5, 0);
	CHECK(refused(&e, "longer than its table or the queue"));
	/* a table chain longer than the queue (9 entries, queue of 8) */
	for (i = 0; i < QSIZE + 1; i++)
		desc(&e, TABLE_GPA, i, DATA_GPA, 16, i < QSIZE ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	desc(&e, DESC_GPA, 0, TABLE_GPA, 16 * (QSIZE + 1), VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 6, 0);
	CHECK(refused(&e, "longer than its table or the queue"));
	/* next index beyond the table */
	desc(&e, TABLE_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	desc(&e, DESC_GPA, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(&e, 7, 0);
	CHECK(refused(&e, "beyond the table"));
	env_destroy(&e);
	return true;
}

static bool virtq_avail_index_far_ahead(void)
{
	struct vq_env e;

	CHECK(env_init(&e, QSIZE));
	desc(&e, DESC_GPA, 0, DATA_GPA, 16, 0, 0);
	put16(&e, AVAIL_GPA + 2, QSIZE + 1);
	CHECK(refused(&e, "ahead"));
	/* exactly a full ring is fine */
	e.q.last_avail = 0;
	put16(&e, AVAIL_GPA + 2, QSIZE);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 1);
	/* behind (as if it went backwards) is "far ahead" modulo 2^16 */
	e.q.last_avail = 5;
	put16(&e, AVAIL_GPA + 2, 4);
	CHECK(refused(&e, "ahead"));
	env_destroy(&e);
	return true;
}

static bool virtq_enable_checks(void)
{
	struct vq_env e;

	CHECK(env_init(&e, QSIZE));
	virtq_reset(&e.q);
	CHECK(!e.q.enabled);
	CHECK_EQ(e.q.size, VIRTQ_MAX_SIZE);
	e.q.desc_gpa = DESC_GPA;
	e.q.avail_gpa = AVAIL_GPA;
	e.q.used_gpa = USED_GPA;
	e.q.size = 6;					/* not a power of two */
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	e.q.size = 512;					/* more than we offer */
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	e.q.size = 0;
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	e.q.size = QSIZE;
	e.q.desc_gpa = DESC_GPA + 8;			/* misaligned */
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	CHECK(strstr(e.q.error, "misaligned"));
	e.q.desc_gpa = DESC_GPA;
	/* the used ring would run past the end of RAM: 6 + 8 * 8 bytes */
	e.q.used_gpa = MEM_MIN_SIZE - 64;
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	CHECK(strstr(e.q.error, "outside guest RAM"));
	CHECK(!e.q.enabled);
	CHECK_EQ(virtq_pop(&e.q, &e.c), 0);		/* a disabled queue has nothing */
	CHECK(!virtq_push(&e.q, 0, 0));
	/* ... and one that ends at the last byte is fine */
	e.q.used_gpa = MEM_MIN_SIZE - (6 + 8 * QSIZE) - 2;
	CHECK_EQ(virtq_enable(&e.q), 0);
	/* a ring address that wraps around 2^64 */
	e.q.enabled = false;
	e.q.avail_gpa = ~0ull - 1;
	CHECK_EQ(virtq_enable(&e.q), -EINVAL);
	env_destroy(&e);
	return true;
}

const struct unit_case virtq_cases[] = {
	{ "virtq_normal_chain", virtq_normal_chain },
	{ "virtq_indirect_table", virtq_indirect_table },
	{ "virtq_full_chain_and_index_wrap", virtq_full_chain_and_index_wrap },
	{ "virtq_hostile_buffers", virtq_hostile_buffers },
	{ "virtq_hostile_chains", virtq_hostile_chains },
	{ "virtq_hostile_indirect", virtq_hostile_indirect },
	{ "virtq_avail_index_far_ahead", virtq_avail_index_far_ahead },
	{ "virtq_enable_checks", virtq_enable_checks },
	{ NULL, NULL },
};
