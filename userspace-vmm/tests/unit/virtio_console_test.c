// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of virtio-console (virtio/console.c) with rings in guest
 * memory: what the guest transmits reaches the output fd in order (chains
 * of several buffers, given back with length 0), and input waits, neither
 * lost nor polled for, until the driver is ready and has posted receive
 * buffers, then fills them in order, split across buffers as they come.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../../virtio/console.h"
#include "unit.h"
#include "virtio_driver.h"

struct con_env {
	struct guest_mem mem;
	struct virtio_console con;
	int out[2];			/* the output fd's pipe */
	uint16_t avail_idx[2];
};

/* Queue q's rings: descriptors at 0x10000 + 0x4000 q, avail +0x1000, used +0x2000. */
#define QBASE(q)	VDRV_QBASE(q)

static void put(struct con_env *e, uint64_t gpa, const void *p, size_t n)
{
	vdrv_put(&e->mem, gpa, p, n);
}

static void desc(struct con_env *e, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	vdrv_desc(&e->mem, q, i, addr, len, flags, next);
}

/* Make chain @head available on queue @q and notify. */
static void offer(struct con_env *e, unsigned int q, uint16_t head)
{
	vdrv_offer(&e->con.vd, &e->mem, q, 4, &e->avail_idx[q], head);
}

static uint32_t used_len(struct con_env *e, unsigned int q, unsigned int i)
{
	uint32_t v;

	memcpy(&v, e->mem.host + QBASE(q) + 0x2000 + 4 + 8 * i + 4, 4);
	return v;
}

static uint16_t used_idx(struct con_env *e, unsigned int q)
{
	uint16_t v;

	memcpy(&v, e->mem.host + QBASE(q) + 0x2000 + 2, 2);
	return v;
}

static bool env_init(struct con_env *e)
{
	memset(e, 0, sizeof(*e));
	if (mem_init(&e->mem, MEM_MIN_SIZE) || pipe2(e->out, O_CLOEXEC | O_NONBLOCK))
		return false;
	return virtio_console_init(&e->con, -1, e->out[1], &e->mem) == 0;
}

/* What a driver does up to DRIVER_OK: VERSION_1, both queues of 4 entries. */
static bool driver_ready(struct con_env *e)
{
	struct virtio_dev *vd = &e->con.vd;
	unsigned int q;

	vdrv_features_ok(vd);
	for (q = 0; q < 2; q++)
		vdrv_queue(vd, q, 4, QBASE(q), QBASE(q) + 0x1000, QBASE(q) + 0x2000);
	return vdrv_driver_ok(vd);
}

static void env_destroy(struct con_env *e)
{
	virtio_console_stop(&e->con);
	close(e->out[0]);
	close(e->out[1]);
	mem_destroy(&e->mem);
}

static bool virtio_console_transmit(void)
{
	struct con_env e;
	char got[32] = { 0 };

	CHECK(env_init(&e));
	CHECK_EQ(e.con.vd.host_features, 1ull << 32 | 1u << 28);	/* no console features */
	CHECK(driver_ready(&e));
	put(&e, 0x30000, "hello ", 6);
	put(&e, 0x30100, "world\n", 6);
	desc(&e, 1, 0, 0x30000, 6, VIRTQ_DESC_F_NEXT, 1);
	desc(&e, 1, 1, 0x30100, 6, 0, 0);
	offer(&e, 1, 0);
	CHECK_EQ(read(e.out[0], got, sizeof(got)), 12);
	CHECK(!strcmp(got, "hello world\n"));
	CHECK_EQ(used_idx(&e, 1), 1);
	CHECK_EQ(used_len(&e, 1, 0), 0);
	CHECK_EQ(virtio_bar_read(&e.con.vd, VIRTIO_ISR_OFF, 1), 1);
	env_destroy(&e);
	return true;
}

static bool virtio_console_receive(void)
{
	struct con_env e;

	CHECK(env_init(&e));
	memcpy(e.con.buf, "abcde", 5);
	e.con.len = 5;
	/* No driver yet: the input waits. */
	CHECK(!virtio_console_deliver(&e.con));
	CHECK(e.con.reader_waiting);
	CHECK(driver_ready(&e));
	/* A driver without receive buffers: still waiting, nothing lost. */
	CHECK(!virtio_console_deliver(&e.con));
	CHECK_EQ(e.con.off, 0);
	/* Two 3-byte buffers: "abc" and "de". */
	desc(&e, 0, 0, 0x30000, 3, VIRTQ_DESC_F_WRITE, 0);
	desc(&e, 0, 1, 0x30100, 3, VIRTQ_DESC_F_WRITE, 0);
	offer(&e, 0, 0);
	CHECK(!e.con.reader_waiting);			/* the notification woke the reader */
	offer(&e, 0, 1);
	CHECK(virtio_console_deliver(&e.con));
	CHECK(!memcmp(e.mem.host + 0x30000, "abc", 3));
	CHECK(!memcmp(e.mem.host + 0x30100, "de", 2));
	CHECK_EQ(used_idx(&e, 0), 2);
	CHECK_EQ(used_len(&e, 0, 0), 3);
	CHECK_EQ(used_len(&e, 0, 1), 2);
	CHECK_EQ(virtio_bar_read(&e.con.vd, VIRTIO_ISR_OFF, 1), 1);
	env_destroy(&e);
	return true;
}

const struct unit_case virtio_console_cases[] = {
	{ "virtio_console_transmit", virtio_console_transmit },
	{ "virtio_console_receive", virtio_console_receive },
	{ NULL, NULL },
};
