// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file.
 *
 * One request queue per vCPU (VIRTIO_BLK_F_MQ, num_queues = --cpus), each
 * served by a worker thread of its own: a notification (a vCPU thread)
 * only wakes that queue's worker, which takes chains, does the I/O
 * (blk_io.c) and completes them.  The device lock is dropped during the
 * I/O; a device reset meanwhile waits for every request in flight (so
 * nothing writes guest RAM after the driver saw the reset) and their
 * completions are dropped.
 *
 * Requests (5.2.6): a 16-byte header {le32 type, le32 reserved, le64
 * sector} in the readable part, wherever the driver split it (VERSION_1
 * implies any layout), data, and a status byte as the last writable byte.
 * IN, OUT, FLUSH (fdatasync), GET_ID and, where the image can punch holes,
 * DISCARD and WRITE_ZEROES are served; other types answer UNSUPP; a short
 * header, a length not a multiple of 512, a range past the end, or a write
 * to a read-only disk answer IOERR.  A chain without a writable byte for
 * the status cannot be answered: the device goes to NEEDS_RESET.  A
 * read-only disk (",ro") is opened O_RDONLY and offers VIRTIO_BLK_F_RO.
 * At stop (guest power-off, any VM exit) the image is fdatasync'ed, so
 * every completed write is on the host file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"
#include "blk_io.h"
#include "../le.h"

#define SECTOR		512u
#define HDR_BYTES	16u

/* Config space offsets (5.2.4). */
#define CFG_CAPACITY		0
#define CFG_SEG_MAX		12
#define CFG_BLK_SIZE		20
#define CFG_NUM_QUEUES		34
#define CFG_MAX_DISCARD_SECTORS	36
#define CFG_MAX_DISCARD_SEG	40
#define CFG_DISCARD_ALIGN	44
#define CFG_MAX_WZ_SECTORS	48
#define CFG_MAX_WZ_SEG		52
#define CFG_WZ_MAY_UNMAP	56
#define CFG_LEN			60

/* Is [sector, sector + bytes / 512) a whole-sector range inside the disk? */
static bool range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	return bytes % SECTOR == 0 && sector <= blk->sectors && bytes / SECTOR <= blk->sectors - sector;
}

static uint8_t do_rw(struct virtio_blk *blk, struct virtio_blk_worker *w,
		     const struct virtq_chain *c, uint64_t sector, bool write, uint64_t *written)
{
	uint64_t len = write ? c->out_len - HDR_BYTES : c->in_len - 1;
	uint8_t status;

	if (write && blk->ro)
		return VIRTIO_BLK_S_IOERR;
	if (!range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	status = blk_io_rw(blk, w, c, sector * SECTOR, len, write);
	if (status == VIRTIO_BLK_S_OK && !write)
		*written = len;
	return status;
}

int virtio_blk_handle(struct virtio_blk *blk, struct virtio_blk_worker *w,
		      const struct virtq_chain *c)
{
	uint8_t hdr[HDR_BYTES], status;
	uint64_t written = 0, sector;
	uint32_t type;

	if (!c->in_len)
		return -EINVAL;
	if (virtq_chain_read(c, 0, hdr, HDR_BYTES) < HDR_BYTES) {
		status = VIRTIO_BLK_S_IOERR;
		goto answer;
	}
	type = (uint32_t)get_le(hdr, 4);
	sector = get_le(hdr + 8, 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = do_rw(blk, w, c, sector, type == VIRTIO_BLK_T_OUT, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = blk->ro || !fdatasync(blk->fd) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = c->in_len - 1 < VIRTIO_BLK_ID_BYTES ? c->in_len - 1 : VIRTIO_BLK_ID_BYTES;
		virtq_chain_write(c, 0, blk->id, written);
		status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = blk_io_ranges(blk, c, type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
answer:
	virtq_chain_write(c, c->in_len - 1, &status, 1);
	return (int)(written + 1);
}

static void *blk_worker(void *opaque)
{
	struct virtio_blk_worker *w = opaque;
	struct virtio_blk *blk = w->blk;
	struct virtio_dev *vd = &blk->vd;
	struct virtq *q = &vd->vq[w->q];

	pthread_mutex_lock(&vd->lock);
	while (!blk->stop) {
		bool irq = false;

		if (!w->pending) {
			pthread_cond_wait(&blk->wake, &vd->lock);
			continue;
		}
		w->pending = false;
		while (!blk->stop && virtio_dev_live(vd)) {
			unsigned int gen = vd->generation;
			int r = virtq_pop(q, &w->chain);

			if (r < 0)
				virtio_dev_broken(vd, q->error);
			if (r <= 0)
				break;
			w->busy = true;
			pthread_mutex_unlock(&vd->lock);
			r = virtio_blk_handle(blk, w, &w->chain);
			pthread_mutex_lock(&vd->lock);
			w->busy = false;
			pthread_cond_broadcast(&blk->idle);
			if (gen != vd->generation)
				break;		/* reset meanwhile: the request is gone */
			if (r < 0) {
				virtio_dev_broken(vd, "request without a writable status byte");
				break;
			}
			irq |= virtq_push(q, w->chain.head, (uint32_t)r);
		}
		if (irq)
			virtio_queue_interrupt(vd, w->q);
	}
	pthread_mutex_unlock(&vd->lock);
	return NULL;
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *blk = vd->opaque;

	blk->workers[q].pending = true;
	pthread_cond_broadcast(&blk->wake);
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *blk = vd->opaque;
	unsigned int i;

	for (i = 0; i < blk->nr_workers; i++) {
		blk->workers[i].pending = false;
		while (blk->workers[i].busy)
			pthread_cond_wait(&blk->idle, &vd->lock);
	}
}

static const struct virtio_dev_ops blk_ops = { .notify = blk_notify, .reset = blk_reset };

/* Open the image as @o asks; 0 or -errno.  Sets fd, ro, direct, align, sectors. */
static int open_image(struct virtio_blk *blk, const char *path, const struct virtio_blk_options *o)
{
	struct stat st;
	off_t size;

	blk->align = SECTOR;
	if (o->direct)
		blk->fd = blk_io_open_direct(path, o->ro, &blk->align);
	else
		blk->fd = open(path, (o->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk->fd < 0)
		return blk->fd == -1 ? -errno : blk->fd;
	if (fstat(blk->fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return -EINVAL;
	size = S_ISBLK(st.st_mode) ? lseek(blk->fd, 0, SEEK_END) : st.st_size;
	if (size < 0)
		return -errno;
	blk->ro = o->ro;
	blk->direct = o->direct;
	/* cache=none: whole alignment units only, so that no O_DIRECT access runs past the end. */
	blk->sectors = (uint64_t)size / blk->align * blk->align / SECTOR;
	blk->discard = !o->ro && blk_io_can_punch(blk->fd, (uint64_t)size);
	return 0;
}

/* The config space (5.2.4) for what the image offers. */
static void fill_config(struct virtio_blk *blk, unsigned int nr_queues)
{
	uint8_t *cfg = blk->vd.config;

	put_le(cfg + CFG_CAPACITY, 8, blk->sectors);
	put_le(cfg + CFG_SEG_MAX, 4, VIRTQ_MAX_SIZE - 2);	/* + header + status = a full queue */
	put_le(cfg + CFG_BLK_SIZE, 4, blk->align);
	put_le(cfg + CFG_NUM_QUEUES, 2, nr_queues);
	if (blk->discard) {
		put_le(cfg + CFG_MAX_DISCARD_SECTORS, 4, VIRTIO_BLK_MAX_RANGE_SECTORS);
		put_le(cfg + CFG_MAX_DISCARD_SEG, 4, VIRTIO_BLK_MAX_RANGE_SEGS);
		put_le(cfg + CFG_DISCARD_ALIGN, 4, blk->align / SECTOR);
		put_le(cfg + CFG_MAX_WZ_SECTORS, 4, VIRTIO_BLK_MAX_RANGE_SECTORS);
		put_le(cfg + CFG_MAX_WZ_SEG, 4, VIRTIO_BLK_MAX_RANGE_SEGS);
		cfg[CFG_WZ_MAY_UNMAP] = 1;
	}
	blk->vd.config_len = CFG_LEN;
}

int virtio_blk_init(struct virtio_blk *blk, unsigned int index, const char *path,
		    const struct virtio_blk_options *o, const struct guest_mem *mem)
{
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_FLUSH |
			    1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_MQ;
	const char *base = strrchr(path, '/');
	unsigned int i;
	int err;

	memset(blk, 0, sizeof(*blk));
	if (!o->nr_queues || o->nr_queues > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	err = open_image(blk, path, o);
	if (err)
		goto fail;
	base = base ? base + 1 : path;
	/* 20 bytes, NUL-padded, not NUL-terminated when the name fills them (5.2.6) */
	memcpy(blk->id, base, strnlen(base, sizeof(blk->id)));
	snprintf(blk->name, sizeof(blk->name), "virtio-blk%u", index);
	if (blk->ro)
		features |= 1ull << VIRTIO_BLK_F_RO;
	if (blk->discard)
		features |= 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	err = -ENOMEM;
	blk->workers = calloc(o->nr_queues, sizeof(*blk->workers));
	if (!blk->workers)
		goto fail;
	blk->nr_workers = o->nr_queues;
	for (i = 0; i < o->nr_queues; i++) {
		blk->workers[i].blk = blk;
		blk->workers[i].q = i;
		if (blk->direct &&
		    posix_memalign((void **)&blk->workers[i].bounce,
				   blk->align > 4096 ? blk->align : 4096, VIRTIO_BLK_BOUNCE_BYTES))
			goto fail;
	}
	err = virtio_dev_init(&blk->vd, blk->name, VIRTIO_ID_BLOCK, 0x018000, o->nr_queues, features,
			      mem, &blk_ops, blk);
	if (err)
		goto fail;
	err = -pthread_cond_init(&blk->wake, NULL);
	if (!err)
		err = -pthread_cond_init(&blk->idle, NULL);
	if (err)
		goto fail;
	fill_config(blk, o->nr_queues);
	return 0;
fail:
	for (i = 0; blk->workers && i < blk->nr_workers; i++)
		free(blk->workers[i].bounce);
	free(blk->workers);
	blk->workers = NULL;
	blk->nr_workers = 0;
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
	return err;
}

int virtio_blk_start(struct virtio_blk *blk)
{
	unsigned int i;
	int err;

	for (i = 0; i < blk->nr_workers; i++) {
		err = -pthread_create(&blk->workers[i].thread, NULL, blk_worker, &blk->workers[i]);
		if (err)
			return err;
		blk->workers[i].started = true;
	}
	return 0;
}

void virtio_blk_stop(struct virtio_blk *blk)
{
	unsigned int i;

	pthread_mutex_lock(&blk->vd.lock);
	blk->stop = true;
	pthread_cond_broadcast(&blk->wake);
	pthread_mutex_unlock(&blk->vd.lock);
	for (i = 0; i < blk->nr_workers; i++) {
		if (blk->workers[i].started)
			pthread_join(blk->workers[i].thread, NULL);
		blk->workers[i].started = false;
		free(blk->workers[i].bounce);
		blk->workers[i].bounce = NULL;
	}
	free(blk->workers);
	blk->workers = NULL;
	blk->nr_workers = 0;
	if (blk->fd >= 0) {
		if (!blk->ro && fdatasync(blk->fd))
			fprintf(stderr, "hv-run: %s: fdatasync: %s\n", blk->name, strerror(errno));
		close(blk->fd);
		blk->fd = -1;
	}
}
