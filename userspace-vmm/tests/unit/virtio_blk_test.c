// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of virtio-blk's request handling (virtio/blk.c) on a scratch
 * image file, with chains built by hand: read and write with the header
 * split across buffers, flush, get-id, and the answers to a short header,
 * an unknown type, a range past the end, a length not a multiple of 512,
 * a write to a read-only disk (IOERR, file unchanged, F_RO offered), and a
 * chain with no byte for the status (refused: the device needs a reset).
 * Also one request end to end: a ring in guest memory, the worker thread,
 * the used ring and the interrupt, on the first and on another request
 * queue (MQ); discard and write-zeroes (holes in the file, zeros read back,
 * every hostile segment refused before anything is done); cache=none
 * (O_DIRECT through the bounce buffer, misaligned requests refused).
 * aio=io_uring through a 256-entry ring: 80 requests posted at once (more
 * than the depth of 64, several in flight, answered once each in any
 * order, the data read back), a FLUSH answered only after every write
 * before it (and no fsync submitted with a write in flight), a read across
 * a shrunk image's end (short, then EOF: zeros), aio=threads and io_uring
 * giving the same reads, statuses and image for one mix, io_uring refused
 * (the thread path, the same answers), and the aio= values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../le.h"
#include "../../virtio/blk.h"
#include "unit.h"
#include "virtio_driver.h"

#define DISK_BYTES	(64 * 512)

struct blk_env {
	char path[64];
	struct guest_mem mem;
	struct virtio_blk blk;
	struct virtq_chain c;
	uint8_t hdr[16], data[4096], status;
};

/* A scratch image of @bytes (a multiple of 512) with pattern_at(i) at byte i. */
static bool env_init_size(struct blk_env *e, const struct virtio_blk_options *o, unsigned int bytes)
{
	uint8_t pattern[512];
	unsigned int i, j;
	int fd;

	memset(e, 0, sizeof(*e));
	strcpy(e->path, "/tmp/hv-blk-unit-XXXXXX");
	fd = mkstemp(e->path);
	if (fd < 0)
		return false;
	for (j = 0; j < bytes; j += 512) {
		for (i = 0; i < 512; i++)
			pattern[i] = (uint8_t)((j + i) * 7 + (j + i) / 512);
		if (write(fd, pattern, 512) != 512)
			return false;
	}
	close(fd);
	if (mem_init(&e->mem, MEM_MIN_SIZE))
		return false;
	return virtio_blk_init(&e->blk, 0, e->path, o, &e->mem) == 0;
}

static bool env_init_opts(struct blk_env *e, const struct virtio_blk_options *o)
{
	return env_init_size(e, o, DISK_BYTES);
}

static bool env_init(struct blk_env *e, bool ro)
{
	struct virtio_blk_options o = { .ro = ro, .nr_queues = 1 };

	return env_init_opts(e, &o);
}

static void env_destroy(struct blk_env *e)
{
	virtio_blk_stop(&e->blk);
	unlink(e->path);
	mem_destroy(&e->mem);
}

static uint8_t pattern_at(unsigned int i)
{
	return (uint8_t)(i * 7 + i / 512);
}

/* A request: header (split after @split bytes if nonzero), @len data bytes, status. */
static void request(struct blk_env *e, uint32_t type, uint64_t sector, unsigned int len,
		    unsigned int split)
{
	struct virtq_chain *c = &e->c;
	bool write = type == VIRTIO_BLK_T_OUT;

	memset(c, 0, sizeof(*c));
	memset(e->hdr, 0, sizeof(e->hdr));
	memcpy(e->hdr, &type, 4);
	memcpy(e->hdr + 8, &sector, 8);
	e->status = 0xee;
	if (split) {
		c->out[c->n_out++] = (struct virtq_buf){ e->hdr, split };
		c->out[c->n_out++] = (struct virtq_buf){ e->hdr + split, 16 - split };
	} else {
		c->out[c->n_out++] = (struct virtq_buf){ e->hdr, 16 };
	}
	if (len && write)
		c->out[c->n_out++] = (struct virtq_buf){ e->data, len };
	else if (len)
		c->in[c->n_in++] = (struct virtq_buf){ e->data, len };
	c->in[c->n_in++] = (struct virtq_buf){ &e->status, 1 };
	c->out_len = 16 + (write ? len : 0);
	c->in_len = 1 + (write ? 0 : len);
}

static bool file_byte(struct blk_env *e, off_t off, uint8_t *b)
{
	int fd = open(e->path, O_RDONLY);
	bool ok = fd >= 0 && pread(fd, b, 1, off) == 1;

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool virtio_blk_read_write_flush(void)
{
	struct blk_env e;
	unsigned int i;
	uint8_t b;

	CHECK(env_init(&e, false));
	CHECK_EQ(e.blk.sectors, 64);
	CHECK(!(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_RO));
	CHECK_EQ(e.blk.vd.config[0], 64);			/* capacity */
	request(&e, VIRTIO_BLK_T_IN, 3, 1024, 5);		/* header in two pieces */
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1025);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	for (i = 0; i < 1024; i++)
		CHECK_EQ(e.data[i], pattern_at(3 * 512 + i));
	memset(e.data, 0x5a, 512);
	request(&e, VIRTIO_BLK_T_OUT, 63, 512, 0);		/* the last sector */
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	CHECK(file_byte(&e, 63 * 512 + 100, &b));
	CHECK_EQ(b, 0x5a);
	request(&e, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	env_destroy(&e);
	return true;
}

static bool virtio_blk_get_id(void)
{
	struct blk_env e;

	CHECK(env_init(&e, false));
	request(&e, VIRTIO_BLK_T_GET_ID, 0, 20, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 21);
	CHECK(!memcmp(e.data, e.path + 5, strlen(e.path + 5)));	/* the file's name */
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	request(&e, VIRTIO_BLK_T_GET_ID, 0, 4, 0);		/* a short buffer gets what fits */
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 5);
	env_destroy(&e);
	return true;
}

static bool virtio_blk_bad_requests(void)
{
	struct blk_env e;

	CHECK(env_init(&e, false));
	/* a short header: 8 bytes only */
	request(&e, VIRTIO_BLK_T_IN, 0, 512, 0);
	e.c.out[0].len = 8;
	e.c.out_len = 8;
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	/* an unknown type */
	request(&e, 77, 0, 0, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_UNSUPP);
	/* past the end, and a sector number that would overflow */
	request(&e, VIRTIO_BLK_T_IN, 63, 1024, 0);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	request(&e, VIRTIO_BLK_T_OUT, ~0ull, 512, 0);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	/* not whole sectors */
	request(&e, VIRTIO_BLK_T_IN, 0, 100, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	/* no writable byte for the status: cannot be answered */
	request(&e, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	e.c.n_in = 0;
	e.c.in_len = 0;
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), -EINVAL);
	env_destroy(&e);
	return true;
}

static bool virtio_blk_read_only(void)
{
	struct blk_env e;
	uint8_t b;

	CHECK(env_init(&e, true));
	CHECK(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_RO);
	memset(e.data, 0x5a, 512);
	request(&e, VIRTIO_BLK_T_OUT, 1, 512, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	CHECK(file_byte(&e, 512, &b));
	CHECK_EQ(b, pattern_at(512));
	request(&e, VIRTIO_BLK_T_IN, 1, 512, 0);		/* reads work */
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 513);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	request(&e, VIRTIO_BLK_T_FLUSH, 0, 0, 0);		/* a flush has nothing to do */
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	env_destroy(&e);
	return true;
}

static void put(struct blk_env *e, uint64_t gpa, const void *p, size_t n)
{
	memcpy(e->mem.host + gpa, p, n);
}

/* The whole path on queue @qi of @nq: ring in guest memory, notify, worker thread, used ring, ISR. */
static bool end_to_end(unsigned int qi, unsigned int nq)
{
	struct virtio_blk_options o = { .nr_queues = nq };
	struct blk_env e;
	struct virtio_dev *vd;
	uint16_t v16, used_idx = 0;
	uint64_t gpa;
	uint32_t type = VIRTIO_BLK_T_IN;
	unsigned int i;

	CHECK(env_init_opts(&e, &o));
	vd = &e.blk.vd;
	CHECK_EQ(get_le(vd->config + 34, 2), nq);		/* num_queues */
	CHECK(vd->host_features & 1ull << VIRTIO_BLK_F_MQ);
	CHECK_EQ(virtio_blk_start(&e.blk), 0);
	CHECK(vdrv_up_one_queue(vd, qi, 4, 0x10000, 0x11000, 0x12000));
	/* header at 0x20000, 512 data bytes at 0x21000, status at 0x22000 */
	put(&e, 0x20000, &type, 4);
	gpa = 2;
	put(&e, 0x20008, &gpa, 8);
	for (i = 0; i < 3; i++) {
		static const uint64_t addr[] = { 0x20000, 0x21000, 0x22000 };
		static const uint32_t len[] = { 16, 512, 1 };
		uint16_t flags = (i ? VIRTQ_DESC_F_WRITE : 0) | (i < 2 ? VIRTQ_DESC_F_NEXT : 0);
		uint16_t next = (uint16_t)(i + 1);

		put(&e, 0x10000 + 16 * i, &addr[i], 8);
		put(&e, 0x10000 + 16 * i + 8, &len[i], 4);
		put(&e, 0x10000 + 16 * i + 12, &flags, 2);
		put(&e, 0x10000 + 16 * i + 14, &next, 2);
	}
	e.mem.host[0x22000] = 0xee;
	v16 = 0;
	put(&e, 0x11004, &v16, 2);			/* avail ring[0] = head 0 */
	v16 = 1;
	put(&e, 0x11002, &v16, 2);			/* avail idx 1 */
	virtio_bar_write(vd, VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * qi, 2, qi);
	/* No timing: wait for the worker to publish used->idx (the test's timeout bounds it). */
	while (!used_idx) {
		used_idx = __atomic_load_n((uint16_t *)(e.mem.host + 0x12002), __ATOMIC_ACQUIRE);
		if (!used_idx)
			usleep(1000);
	}
	CHECK_EQ(used_idx, 1);
	CHECK_EQ(e.mem.host[0x22000], VIRTIO_BLK_S_OK);
	CHECK_EQ(e.mem.host[0x21000 + 7], pattern_at(2 * 512 + 7));
	CHECK_EQ(*(uint32_t *)(e.mem.host + 0x12008), 513);	/* used len */
	CHECK_EQ(virtio_bar_read(vd, VIRTIO_ISR_OFF, 1), 1);
	/* A hostile chain (a loop) now: NEEDS_RESET, and the worker keeps running. */
	v16 = VIRTQ_DESC_F_NEXT;
	put(&e, 0x10000 + 12, &v16, 2);
	v16 = 0;
	put(&e, 0x10000 + 14, &v16, 2);			/* 0 -> 0 */
	put(&e, 0x11006, &v16, 2);
	v16 = 2;
	put(&e, 0x11002, &v16, 2);
	virtio_bar_write(vd, VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * qi, 2, qi);
	while (!(virtio_bar_read(vd, 0x14, 1) & VIRTIO_STATUS_NEEDS_RESET))
		usleep(1000);
	CHECK_EQ(virtio_bar_read(vd, VIRTIO_ISR_OFF, 1), 2);	/* config change */
	virtio_bar_write(vd, 0x14, 1, 0);			/* reset recovers it */
	CHECK_EQ(virtio_bar_read(vd, 0x14, 1), 0);
	env_destroy(&e);
	return true;
}

static bool virtio_blk_worker_end_to_end(void)
{
	return end_to_end(0, 1);
}

/* One queue per vCPU: a request on the third of four queues, its own worker. */
static bool virtio_blk_multiqueue(void)
{
	return end_to_end(2, 4);
}

static uint64_t file_blocks(struct blk_env *e)
{
	struct stat st;

	return stat(e->path, &st) ? ~0ull : (uint64_t)st.st_blocks;
}

/* A DISCARD or WRITE_ZEROES request with @n segments {sector, count, flags} in e->data. */
static void ranges(struct blk_env *e, uint32_t type, const uint64_t (*seg)[3], unsigned int n)
{
	unsigned int i;

	request(e, VIRTIO_BLK_T_OUT, 0, 16 * n, 0);
	memcpy(e->hdr, &type, 4);
	for (i = 0; i < n; i++) {
		put_le(e->data + 16 * i, 8, seg[i][0]);
		put_le(e->data + 16 * i + 8, 4, seg[i][1]);
		put_le(e->data + 16 * i + 12, 4, seg[i][2]);
	}
}

static bool virtio_blk_discard_write_zeroes(void)
{
	static const uint64_t hole[][3] = { { 8, 8, 0 } };	/* 4 KiB at 4 KiB */
	static const uint64_t zero[][3] = { { 16, 2, 0 }, { 20, 1, 1 } };
	static const uint64_t past_end[][3] = { { 24, 1, 0 }, { 63, 2, 0 } };
	static const uint64_t wrap[][3] = { { ~0ull - 1, 4, 0 } };
	static const uint64_t bad_flag[][3] = { { 24, 1, 2 } };
	static const uint64_t unmap_discard[][3] = { { 24, 1, 1 } };
	uint64_t many[VIRTIO_BLK_MAX_RANGE_SEGS + 1][3] = { { 0 } };
	struct blk_env e;
	uint64_t before;
	unsigned int i;
	uint8_t b;

	CHECK(env_init(&e, false));
	CHECK(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_DISCARD);
	CHECK(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	CHECK_EQ(get_le(e.blk.vd.config + 40, 4), VIRTIO_BLK_MAX_RANGE_SEGS);	/* max_discard_seg */
	CHECK_EQ(e.blk.vd.config[56], 1);				/* write_zeroes_may_unmap */
	before = file_blocks(&e);
	ranges(&e, VIRTIO_BLK_T_DISCARD, hole, 1);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	CHECK(file_blocks(&e) < before);			/* the blocks went back */
	CHECK(file_byte(&e, 4096 + 77, &b));
	CHECK_EQ(b, 0);
	CHECK(file_byte(&e, 4095, &b));
	CHECK_EQ(b, pattern_at(4095));				/* the neighbours stay */
	ranges(&e, VIRTIO_BLK_T_WRITE_ZEROES, zero, 2);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	for (i = 16 * 512; i < 18 * 512; i += 101) {
		CHECK(file_byte(&e, i, &b));
		CHECK_EQ(b, 0);
	}
	CHECK(file_byte(&e, 20 * 512 + 5, &b));
	CHECK_EQ(b, 0);
	CHECK(file_byte(&e, 19 * 512, &b));
	CHECK_EQ(b, pattern_at(19 * 512));
	/* Hostile: one bad segment fails the request before any is carried out. */
	ranges(&e, VIRTIO_BLK_T_DISCARD, past_end, 2);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	CHECK(file_byte(&e, 24 * 512, &b));
	CHECK_EQ(b, pattern_at(24 * 512));
	ranges(&e, VIRTIO_BLK_T_WRITE_ZEROES, wrap, 1);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	ranges(&e, VIRTIO_BLK_T_WRITE_ZEROES, bad_flag, 1);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_UNSUPP);
	ranges(&e, VIRTIO_BLK_T_DISCARD, unmap_discard, 1);	/* UNMAP is write-zeroes' flag */
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_UNSUPP);
	for (i = 0; i <= VIRTIO_BLK_MAX_RANGE_SEGS; i++)
		many[i][0] = 24, many[i][1] = 1;
	ranges(&e, VIRTIO_BLK_T_DISCARD, (const uint64_t (*)[3])many, VIRTIO_BLK_MAX_RANGE_SEGS + 1);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	ranges(&e, VIRTIO_BLK_T_DISCARD, hole, 1);		/* not whole segments */
	e.c.out[1].len = 12;
	e.c.out_len = 16 + 12;
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	CHECK(file_byte(&e, 24 * 512, &b));
	CHECK_EQ(b, pattern_at(24 * 512));
	env_destroy(&e);
	/* Read-only: not offered, and refused. */
	CHECK(env_init(&e, true));
	CHECK(!(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_DISCARD));
	ranges(&e, VIRTIO_BLK_T_DISCARD, hole, 1);
	virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	CHECK(file_byte(&e, 4096 + 77, &b));
	CHECK_EQ(b, pattern_at(4096 + 77));
	env_destroy(&e);
	return true;
}

/* cache=none: O_DIRECT through the bounce buffer, from guest buffers of any alignment. */
static bool virtio_blk_cache_none(void)
{
	struct virtio_blk_options o = { .direct = true, .nr_queues = 1 };
	struct blk_env e;
	unsigned int i;
	uint8_t b;

	CHECK(env_init_opts(&e, &o));
	CHECK(e.blk.direct);
	CHECK(e.blk.align >= 512);
	CHECK(e.blk.vd.host_features & 1ull << VIRTIO_BLK_F_BLK_SIZE);
	CHECK_EQ(get_le(e.blk.vd.config + 20, 4), e.blk.align);	/* blk_size */
	/* A read into a buffer at an odd address, split in two descriptors. */
	request(&e, VIRTIO_BLK_T_IN, 0, 1024, 0);
	e.c.in[0] = (struct virtq_buf){ e.data + 1, 700 };
	e.c.in[1] = (struct virtq_buf){ e.data + 1001, 324 };
	e.c.in[2] = (struct virtq_buf){ &e.status, 1 };
	e.c.n_in = 3;
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1025);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	for (i = 0; i < 700; i++)
		CHECK_EQ(e.data[1 + i], pattern_at(i));
	for (i = 700; i < 1024; i++)
		CHECK_EQ(e.data[1001 + i - 700], pattern_at(i));
	/* A write from an odd address. */
	request(&e, VIRTIO_BLK_T_OUT, 0, 512, 0);
	memset(e.data + 3, 0x6b, 512);
	e.c.out[1] = (struct virtq_buf){ e.data + 3, 512 };
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	CHECK(file_byte(&e, 511, &b));
	CHECK_EQ(b, 0x6b);
	/* Stricter alignment than one sector (a 4 KiB-sector file system): misaligned is IOERR. */
	e.blk.align = 4096;
	request(&e, VIRTIO_BLK_T_IN, 1, 4096, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	request(&e, VIRTIO_BLK_T_IN, 8, 512, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 1);
	CHECK_EQ(e.status, VIRTIO_BLK_S_IOERR);
	request(&e, VIRTIO_BLK_T_IN, 8, 4096, 0);
	CHECK_EQ(virtio_blk_handle(&e.blk, &e.blk.workers[0], &e.c), 4097);
	CHECK_EQ(e.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(e.data[100], pattern_at(8 * 512 + 100));
	env_destroy(&e);
	return true;
}

/*
 * A ring of RING_SIZE entries on queue 0 in guest memory, for many requests
 * at once: chain k uses descriptors 3k..3k+2 (header, data, status), its
 * header at RING_HDR + 16k, data at RING_DATA + RING_SLOT * k, status at
 * RING_STATUS + k.
 */
#define RING_SIZE	256
#define RING_DESC	0x10000ull
#define RING_AVAIL	0x11000ull
#define RING_USED	0x12000ull
#define RING_HDR	0x20000ull
#define RING_STATUS	0x30000ull
#define RING_DATA	0x100000ull
#define RING_SLOT	0x4000ull	/* up to 16 KiB of data a request */
#define RING_CHAINS	80		/* more than VIRTIO_BLK_URING_DEPTH */
#define SPLITS		16		/* chains 0..15 may have their data in two buffers */

struct ring {
	struct blk_env e;
	uint16_t avail_idx, used_seen;
};

static void desc(struct ring *r, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	put(&r->e, RING_DESC + 16 * i, &addr, 8);
	put(&r->e, RING_DESC + 16 * i + 8, &len, 4);
	put(&r->e, RING_DESC + 16 * i + 12, &flags, 2);
	put(&r->e, RING_DESC + 16 * i + 14, &next, 2);
}

static bool ring_init(struct ring *r, enum virtio_blk_aio aio, unsigned int disk_bytes,
		      int (*uring_init)(unsigned int, struct io_uring *, unsigned int))
{
	struct virtio_blk_options o = { .nr_queues = 1, .aio = aio };
	struct virtio_dev *vd;

	memset(r, 0, sizeof(*r));
	if (!env_init_size(&r->e, &o, disk_bytes))
		return false;
	if (uring_init)
		r->e.blk.uring_init = uring_init;
	if (virtio_blk_start(&r->e.blk))
		return false;
	vd = &r->e.blk.vd;
	return vdrv_up_one_queue(vd, 0, RING_SIZE, RING_DESC, RING_AVAIL, RING_USED);
}

/*
 * Make chain @k a @type request at @sector with @len data bytes (none: no
 * data descriptor), the data split after @split bytes if nonzero (then
 * through descriptor 3k+1 and an extra one at 240 + k: k < SPLITS), and post it.
 */
static void ring_post(struct ring *r, unsigned int k, uint32_t type, uint64_t sector,
		      uint32_t len, uint32_t split)
{
	uint64_t data = RING_DATA + RING_SLOT * k;
	uint16_t wr = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;
	uint16_t head = (uint16_t)(3 * k), slot = (uint16_t)(r->avail_idx % RING_SIZE);

	put(&r->e, RING_HDR + 16 * k, &type, 4);
	put(&r->e, RING_HDR + 16 * k + 8, &sector, 8);
	r->e.mem.host[RING_STATUS + k] = 0xee;
	if (!len) {
		desc(r, head, RING_HDR + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 2);
	} else if (split) {
		desc(r, head, RING_HDR + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 1);
		desc(r, head + 1, data, split, wr | VIRTQ_DESC_F_NEXT, (uint16_t)(240 + k));
		desc(r, 240 + k, data + split, len - split, wr | VIRTQ_DESC_F_NEXT, head + 2);
	} else {
		desc(r, head, RING_HDR + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 1);
		desc(r, head + 1, data, len, wr | VIRTQ_DESC_F_NEXT, head + 2);
	}
	desc(r, head + 2, RING_STATUS + k, 1, VIRTQ_DESC_F_WRITE, 0);
	put(&r->e, RING_AVAIL + 4 + 2 * slot, &head, 2);
	r->avail_idx++;
}

/* Publish what was posted, notify, and wait for every chain to come back. */
static void ring_kick_wait(struct ring *r)
{
	__atomic_store_n((uint16_t *)(r->e.mem.host + RING_AVAIL + 2), r->avail_idx, __ATOMIC_RELEASE);
	virtio_bar_write(&r->e.blk.vd, VIRTIO_NOTIFY_OFF, 2, 0);
	/* No timing: the test's timeout bounds a worker that never answers. */
	while (__atomic_load_n((uint16_t *)(r->e.mem.host + RING_USED + 2), __ATOMIC_ACQUIRE) !=
	       r->avail_idx)
		usleep(200);
}

/* Used ring entry @n: chain number (head / 3) and length. */
static unsigned int ring_used(struct ring *r, unsigned int n, uint32_t *len)
{
	uint32_t id;

	memcpy(&id, r->e.mem.host + RING_USED + 4 + 8 * (n % RING_SIZE), 4);
	memcpy(len, r->e.mem.host + RING_USED + 8 + 8 * (n % RING_SIZE), 4);
	return id / 3;
}

static uint8_t *ring_data(struct ring *r, unsigned int k)
{
	return r->e.mem.host + RING_DATA + RING_SLOT * k;
}

static uint8_t write_pattern(unsigned int k, unsigned int i)
{
	return (uint8_t)(k * 31 + i * 13 + 5);
}

/*
 * Chains 0..RING_CHAINS-1 came back once each (in any order: the host
 * finishes them so) with status OK and used length @len(k).
 */
static bool ring_check_used(struct ring *r, unsigned int first, const uint32_t *lens)
{
	bool seen[RING_CHAINS] = { false };
	unsigned int n;

	for (n = first; n < first + RING_CHAINS; n++) {
		uint32_t len;
		unsigned int k = ring_used(r, n, &len);

		CHECK(k < RING_CHAINS);
		CHECK(!seen[k]);
		seen[k] = true;
		CHECK_EQ(len, lens[k]);
		CHECK_EQ(r->e.mem.host[RING_STATUS + k], VIRTIO_BLK_S_OK);
	}
	return true;
}

static void ring_destroy(struct ring *r)
{
	env_destroy(&r->e);
}

/*
 * RING_CHAINS 4 KiB writes (some split in two buffers) posted at once, then
 * as many reads of them: every chain completes once, in any order, with
 * the data written; the file holds it.  @max_inflight: the most requests
 * the worker had in flight at once.
 */
static bool ring_write_read(enum virtio_blk_aio aio, unsigned int *max_inflight)
{
	uint32_t lens[RING_CHAINS];
	struct ring r;
	unsigned int k, i;

	CHECK(ring_init(&r, aio, 1u << 20, NULL));
	for (k = 0; k < RING_CHAINS; k++) {
		for (i = 0; i < 4096; i++)
			ring_data(&r, k)[i] = write_pattern(k, i);
		/* sectors 8 * (k * 3 % 256): each its own, scattered over the disk */
		ring_post(&r, k, VIRTIO_BLK_T_OUT, 8 * (k * 3 % RING_SIZE), 4096,
			  k < SPLITS && k % 3 == 0 ? 1000 : 0);
		lens[k] = 1;
	}
	ring_kick_wait(&r);
	CHECK(ring_check_used(&r, 0, lens));
	for (k = 0; k < RING_CHAINS; k++) {
		memset(ring_data(&r, k), 0xcc, 4096);
		ring_post(&r, k, VIRTIO_BLK_T_IN, 8 * (k * 3 % RING_SIZE), 4096,
			  k < SPLITS && k % 4 == 1 ? 512 : 0);
		lens[k] = 4097;
	}
	ring_kick_wait(&r);
	CHECK(ring_check_used(&r, RING_CHAINS, lens));
	for (k = 0; k < RING_CHAINS; k++)
		for (i = 0; i < 4096; i++)
			CHECK_EQ(ring_data(&r, k)[i], write_pattern(k, i));
	pthread_mutex_lock(&r.e.blk.vd.lock);	/* the worker's statistics */
	*max_inflight = r.e.blk.workers[0].max_inflight;
	k = r.e.blk.workers[0].flush_over_writes;
	pthread_mutex_unlock(&r.e.blk.vd.lock);
	CHECK_EQ(k, 0);
	ring_destroy(&r);
	return true;
}

static bool virtio_blk_uring_many_in_flight(void)
{
	unsigned int max_inflight = 0;

	CHECK(ring_write_read(VIRTIO_BLK_AIO_IO_URING, &max_inflight));
	/* all were available at the first notification: the worker took a full depth */
	CHECK(max_inflight > 1);
	CHECK(max_inflight <= VIRTIO_BLK_URING_DEPTH);
	return true;
}

static bool virtio_blk_threads_one_at_a_time(void)
{
	unsigned int max_inflight = 0;

	CHECK(ring_write_read(VIRTIO_BLK_AIO_THREADS, &max_inflight));
	CHECK_EQ(max_inflight, 0);		/* the thread path keeps no slots */
	return true;
}

/*
 * A FLUSH after RING_CHAINS - 20 writes, then 19 more writes, in one batch:
 * the FLUSH is answered after every write before it (the used ring's
 * order), and no fsync was ever submitted with a write in flight.
 */
static bool virtio_blk_uring_flush_after_writes(void)
{
	const unsigned int before = RING_CHAINS - 20, flush = before;
	bool flush_seen = false;
	unsigned int k, n, writes_before_flush = 0;
	struct ring r;

	CHECK(ring_init(&r, VIRTIO_BLK_AIO_IO_URING, 2u << 20, NULL));
	CHECK(r.e.blk.uring);
	for (k = 0; k < RING_CHAINS; k++) {
		if (k == flush) {
			ring_post(&r, k, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
			continue;
		}
		memset(ring_data(&r, k), (int)k, 16384);
		ring_post(&r, k, VIRTIO_BLK_T_OUT, 32 * k, 16384, 0);	/* 16 KiB each */
	}
	ring_kick_wait(&r);
	for (n = 0; n < RING_CHAINS; n++) {
		uint32_t len;
		unsigned int c = ring_used(&r, n, &len);

		CHECK_EQ(len, 1);
		CHECK_EQ(r.e.mem.host[RING_STATUS + c], VIRTIO_BLK_S_OK);
		if (c == flush)
			flush_seen = true;
		else if (c < flush && !flush_seen)
			writes_before_flush++;
		else
			CHECK(c > flush);	/* an earlier write answered after the FLUSH */
	}
	CHECK(flush_seen);
	CHECK_EQ(writes_before_flush, before);
	pthread_mutex_lock(&r.e.blk.vd.lock);
	n = r.e.blk.workers[0].flush_over_writes;
	pthread_mutex_unlock(&r.e.blk.vd.lock);
	CHECK_EQ(n, 0);
	ring_destroy(&r);
	return true;
}

/*
 * The image shrank under the disk: a read across the new end is short
 * (the rest resubmitted), then meets EOF and reads zeros there, through a
 * chain with the data in two buffers; a write across it extends the file.
 */
static bool ring_eof(enum virtio_blk_aio aio)
{
	const unsigned int end = 5 * 512 + 100;
	uint32_t len;
	struct ring r;
	unsigned int i;
	uint8_t b;

	CHECK(ring_init(&r, aio, DISK_BYTES, NULL));
	CHECK_EQ(truncate(r.e.path, end), 0);
	memset(ring_data(&r, 0), 0xcc, 8192);
	ring_post(&r, 0, VIRTIO_BLK_T_IN, 4, 8192, 1000);	/* bytes 2048..10239 */
	ring_kick_wait(&r);
	CHECK_EQ(ring_used(&r, 0, &len), 0);
	CHECK_EQ(len, 8193);
	CHECK_EQ(r.e.mem.host[RING_STATUS], VIRTIO_BLK_S_OK);
	for (i = 0; i < 8192; i++)
		CHECK_EQ(ring_data(&r, 0)[i], 2048 + i < end ? pattern_at(2048 + i) : 0);
	memset(ring_data(&r, 1), 0x77, 1024);
	ring_post(&r, 1, VIRTIO_BLK_T_OUT, 5, 1024, 0);
	ring_kick_wait(&r);
	CHECK_EQ(r.e.mem.host[RING_STATUS + 1], VIRTIO_BLK_S_OK);
	CHECK(file_byte(&r.e, 7 * 512 - 1, &b));
	CHECK_EQ(b, 0x77);
	ring_destroy(&r);
	return true;
}

static bool virtio_blk_uring_short_read_eof(void)
{
	return ring_eof(VIRTIO_BLK_AIO_IO_URING) && ring_eof(VIRTIO_BLK_AIO_THREADS);
}

/* A deterministic mix of disjoint writes (one batch), then reads anywhere (another). */
static bool ring_mix(enum virtio_blk_aio aio, uint8_t *reads, uint8_t *image, unsigned int bytes)
{
	uint32_t seed = 12345, sector = 0;
	struct ring r;
	unsigned int k;
	int fd;
	bool ok;

	CHECK(ring_init(&r, aio, bytes, NULL));
	CHECK_EQ(r.e.blk.uring, aio == VIRTIO_BLK_AIO_IO_URING);
	for (k = 0; k < RING_CHAINS; k++) {
		uint32_t n;

		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 16) % 32;			/* 1..32 sectors */
		if (k % 10 == 9) {
			ring_post(&r, k, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
		} else {
			memset(ring_data(&r, k), (int)(seed >> 8), n * 512);
			ring_post(&r, k, VIRTIO_BLK_T_OUT, sector, n * 512, k < SPLITS && k % 2 ? 512 : 0);
			sector += n;
		}
	}
	ring_kick_wait(&r);
	for (k = 0; k < RING_CHAINS; k++) {
		uint32_t n, at;

		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 16) % 32;
		at = (seed >> 4) % (bytes / 512 - n);
		ring_post(&r, k, VIRTIO_BLK_T_IN, at, n * 512, k < SPLITS && k % 3 == 0 ? 512 : 0);
	}
	ring_kick_wait(&r);
	for (k = 0; k < RING_CHAINS; k++)
		memcpy(reads + k * RING_SLOT, ring_data(&r, k), RING_SLOT);
	memcpy(reads + RING_CHAINS * RING_SLOT, r.e.mem.host + RING_STATUS, RING_CHAINS);
	virtio_blk_stop(&r.e.blk);		/* then the file as the guest left it */
	fd = open(r.e.path, O_RDONLY);
	ok = fd >= 0 && pread(fd, image, bytes, 0) == (ssize_t)bytes;
	if (fd >= 0)
		close(fd);
	ring_destroy(&r);
	CHECK(ok);
	return true;
}

static bool virtio_blk_aio_same_results(void)
{
	size_t n = RING_CHAINS * RING_SLOT + RING_CHAINS, disk = 1u << 20;
	uint8_t *a = calloc(1, n), *b = calloc(1, n), *ia = calloc(1, disk), *ib = calloc(1, disk);
	bool ok;

	CHECK(a && b && ia && ib);
	ok = ring_mix(VIRTIO_BLK_AIO_THREADS, a, ia, disk) &&
	     ring_mix(VIRTIO_BLK_AIO_IO_URING, b, ib, disk);
	CHECK(ok);
	CHECK(!memcmp(a, b, n));		/* the same data and statuses read */
	CHECK(!memcmp(ia, ib, disk));		/* the same image */
	free(a);
	free(b);
	free(ia);
	free(ib);
	return true;
}

static int uring_refused(unsigned int entries, struct io_uring *ring, unsigned int flags)
{
	(void)entries;
	(void)ring;
	(void)flags;
	return -EPERM;		/* kernel.io_uring_disabled=2 */
}

/* io_uring refused: one line, the thread path, the same answers. */
static bool virtio_blk_uring_fallback(void)
{
	uint32_t lens[RING_CHAINS];
	struct ring r;
	unsigned int k;

	CHECK(ring_init(&r, VIRTIO_BLK_AIO_IO_URING, 1u << 20, uring_refused));
	CHECK(!r.e.blk.uring);
	CHECK(!r.e.blk.workers[0].ring_ok);
	for (k = 0; k < RING_CHAINS; k++) {
		memset(ring_data(&r, k), (int)k, 512);
		ring_post(&r, k, VIRTIO_BLK_T_OUT, k, 512, 0);
		lens[k] = 1;
	}
	ring_kick_wait(&r);
	CHECK(ring_check_used(&r, 0, lens));
	for (k = 0; k < RING_CHAINS; k++) {
		memset(ring_data(&r, k), 0xcc, 512);
		ring_post(&r, k, VIRTIO_BLK_T_IN, k, 512, 0);
		lens[k] = 513;
	}
	ring_kick_wait(&r);
	CHECK(ring_check_used(&r, RING_CHAINS, lens));
	for (k = 0; k < RING_CHAINS; k++)
		CHECK_EQ(ring_data(&r, k)[511], (uint8_t)k);
	ring_destroy(&r);
	/* cache=none stays on the thread path by design */
	{
		struct virtio_blk_options o = { .direct = true, .nr_queues = 1 };
		struct blk_env e;

		CHECK(env_init_opts(&e, &o));
		CHECK_EQ(virtio_blk_start(&e.blk), 0);
		CHECK(!e.blk.uring);
		env_destroy(&e);
	}
	return true;
}

static bool virtio_blk_parse_aio_values(void)
{
	static const char *const bad[] = { "", "thread", "threadsx", "native", "io_uring ", "IO_URING" };
	enum virtio_blk_aio aio = VIRTIO_BLK_AIO_IO_URING;
	unsigned int i;

	CHECK_EQ(virtio_blk_parse_aio("threads", 7, &aio), 0);
	CHECK_EQ(aio, VIRTIO_BLK_AIO_THREADS);
	CHECK_EQ(virtio_blk_parse_aio("io_uring,ro", 8, &aio), 0);	/* only its @n bytes */
	CHECK_EQ(aio, VIRTIO_BLK_AIO_IO_URING);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(virtio_blk_parse_aio(bad[i], strlen(bad[i]), &aio), -EINVAL);
		CHECK_EQ(aio, VIRTIO_BLK_AIO_IO_URING);
	}
	return true;
}

const struct unit_case virtio_blk_cases[] = {
	{ "virtio_blk_read_write_flush", virtio_blk_read_write_flush },
	{ "virtio_blk_get_id", virtio_blk_get_id },
	{ "virtio_blk_bad_requests", virtio_blk_bad_requests },
	{ "virtio_blk_read_only", virtio_blk_read_only },
	{ "virtio_blk_worker_end_to_end", virtio_blk_worker_end_to_end },
	{ "virtio_blk_multiqueue", virtio_blk_multiqueue },
	{ "virtio_blk_discard_write_zeroes", virtio_blk_discard_write_zeroes },
	{ "virtio_blk_cache_none", virtio_blk_cache_none },
	{ "virtio_blk_uring_many_in_flight", virtio_blk_uring_many_in_flight },
	{ "virtio_blk_threads_one_at_a_time", virtio_blk_threads_one_at_a_time },
	{ "virtio_blk_uring_flush_after_writes", virtio_blk_uring_flush_after_writes },
	{ "virtio_blk_uring_short_read_eof", virtio_blk_uring_short_read_eof },
	{ "virtio_blk_aio_same_results", virtio_blk_aio_same_results },
	{ "virtio_blk_uring_fallback", virtio_blk_uring_fallback },
	{ "virtio_blk_parse_aio_values", virtio_blk_parse_aio_values },
	{ NULL, NULL },
};
