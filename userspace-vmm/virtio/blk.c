// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file.
 *
 * One request queue, served by one worker thread per disk: a notification
 * (a vCPU thread) only wakes the worker, which takes chains, does the I/O
 * with preadv/pwritev straight between the file and guest RAM, and
 * completes them.  The device lock is dropped during the I/O; a device
 * reset meanwhile waits for the request in flight (so nothing writes guest
 * RAM after the driver saw the reset) and its completion is dropped.
 *
 * Requests (5.2.6): a 16-byte header {le32 type, le32 reserved, le64
 * sector} in the readable part, wherever the driver split it (VERSION_1
 * implies any layout), data, and a status byte as the last writable byte.
 * IN, OUT, FLUSH (fdatasync) and GET_ID are served; other types answer
 * UNSUPP; a short header, a length not a multiple of 512, a range past the
 * end, or a write to a read-only disk answer IOERR.  A chain without a
 * writable byte for the status cannot be answered: the device goes to
 * NEEDS_RESET.  A read-only disk (",ro") is opened O_RDONLY and offers
 * VIRTIO_BLK_F_RO.  At stop (guest power-off, any VM exit) the image is
 * fdatasync'ed, so every completed write is on the host file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"
#include "../le.h"

#define SECTOR		512u
#define HDR_BYTES	16u

/* All of @len bytes at @off, or false; a read past the end of the file reads zeros. */
static bool full_io(int fd, struct iovec *iov, int n, off_t off, uint64_t len, bool write)
{
	while (len) {
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0) {
			if (write)
				return false;
			for (; n; iov++, n--)	/* EOF: the rest reads as zeros */
				memset(iov->iov_base, 0, iov->iov_len);
			return true;
		}
		len -= (uint64_t)r;
		off += r;
		while (r && n) {
			if ((size_t)r < iov->iov_len) {
				iov->iov_base = (uint8_t *)iov->iov_base + r;
				iov->iov_len -= (size_t)r;
				r = 0;
			} else {
				r -= (ssize_t)iov->iov_len;
				iov++;
				n--;
			}
		}
	}
	return true;
}

/* Is [sector, sector + bytes / 512) a whole-sector range inside the disk? */
static bool range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	return bytes % SECTOR == 0 && sector <= blk->sectors && bytes / SECTOR <= blk->sectors - sector;
}

static uint8_t do_rw(struct virtio_blk *blk, const struct virtq_chain *c, uint64_t sector,
		     bool write, uint64_t *written)
{
	struct iovec iov[VIRTQ_MAX_SIZE];
	uint64_t len = write ? c->out_len - HDR_BYTES : c->in_len - 1;
	int n;

	if (write && blk->ro)
		return VIRTIO_BLK_S_IOERR;
	if (!range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	n = virtq_chain_iov(c, !write, write ? HDR_BYTES : 0, len, iov, VIRTQ_MAX_SIZE);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	if (!full_io(blk->fd, iov, n, (off_t)(sector * SECTOR), len, write))
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = len;
	return VIRTIO_BLK_S_OK;
}

int virtio_blk_handle(struct virtio_blk *blk, const struct virtq_chain *c)
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
	type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
	       (uint32_t)hdr[3] << 24;
	memcpy(&sector, hdr + 8, 8);	/* little-endian host */
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = do_rw(blk, c, sector, type == VIRTIO_BLK_T_OUT, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = blk->ro || !fdatasync(blk->fd) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = c->in_len - 1 < VIRTIO_BLK_ID_BYTES ? c->in_len - 1 : VIRTIO_BLK_ID_BYTES;
		virtq_chain_write(c, 0, blk->id, written);
		status = VIRTIO_BLK_S_OK;
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
	struct virtio_blk *blk = opaque;
	struct virtio_dev *vd = &blk->vd;
	struct virtq *q = &vd->vq[0];

	pthread_mutex_lock(&vd->lock);
	while (!blk->stop) {
		bool irq = false;

		if (!blk->pending) {
			pthread_cond_wait(&blk->wake, &vd->lock);
			continue;
		}
		blk->pending = false;
		while (!blk->stop && virtio_dev_live(vd)) {
			unsigned int gen = vd->generation;
			int r = virtq_pop(q, &blk->chain);

			if (r < 0)
				virtio_dev_broken(vd, q->error);
			if (r <= 0)
				break;
			blk->busy = true;
			pthread_mutex_unlock(&vd->lock);
			r = virtio_blk_handle(blk, &blk->chain);
			pthread_mutex_lock(&vd->lock);
			blk->busy = false;
			pthread_cond_broadcast(&blk->idle);
			if (gen != vd->generation)
				break;		/* reset meanwhile: the request is gone */
			if (r < 0) {
				virtio_dev_broken(vd, "request without a writable status byte");
				break;
			}
			irq |= virtq_push(q, blk->chain.head, (uint32_t)r);
		}
		if (irq)
			virtio_queue_interrupt(vd, 0);
	}
	pthread_mutex_unlock(&vd->lock);
	return NULL;
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *blk = vd->opaque;

	(void)q;
	blk->pending = true;
	pthread_cond_signal(&blk->wake);
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *blk = vd->opaque;

	blk->pending = false;
	while (blk->busy)
		pthread_cond_wait(&blk->idle, &vd->lock);
}

static const struct virtio_dev_ops blk_ops = { .notify = blk_notify, .reset = blk_reset };

int virtio_blk_init(struct virtio_blk *blk, unsigned int index, const char *path, bool ro,
		    const struct guest_mem *mem)
{
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_FLUSH;
	const char *base = strrchr(path, '/');
	struct stat st;
	int err;

	memset(blk, 0, sizeof(*blk));
	blk->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk->fd < 0)
		return -errno;
	if (fstat(blk->fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err = -EINVAL;
		goto fail;
	}
	if (S_ISBLK(st.st_mode))
		st.st_size = lseek(blk->fd, 0, SEEK_END);
	blk->ro = ro;
	blk->sectors = (uint64_t)st.st_size / SECTOR;
	base = base ? base + 1 : path;
	/* 20 bytes, NUL-padded, not NUL-terminated when the name fills them (5.2.6) */
	memcpy(blk->id, base, strnlen(base, sizeof(blk->id)));
	snprintf(blk->name, sizeof(blk->name), "virtio-blk%u", index);
	if (ro)
		features |= 1ull << VIRTIO_BLK_F_RO;
	err = virtio_dev_init(&blk->vd, blk->name, VIRTIO_ID_BLOCK, 0x018000, 1, features, mem,
			      &blk_ops, blk);
	if (err)
		goto fail;
	err = -pthread_cond_init(&blk->wake, NULL);
	if (!err)
		err = -pthread_cond_init(&blk->idle, NULL);
	if (err)
		goto fail;
	/* config (5.2.4): capacity, size_max (not offered), seg_max, geometry, blk_size */
	put_le(blk->vd.config, 8, blk->sectors);
	put_le(blk->vd.config + 12, 4, VIRTQ_MAX_SIZE - 2);	/* + header + status = a full queue */
	put_le(blk->vd.config + 20, 4, SECTOR);
	blk->vd.config_len = 24;
	return 0;
fail:
	close(blk->fd);
	blk->fd = -1;
	return err;
}

int virtio_blk_start(struct virtio_blk *blk)
{
	int err = -pthread_create(&blk->thread, NULL, blk_worker, blk);

	blk->thread_started = !err;
	return err;
}

void virtio_blk_stop(struct virtio_blk *blk)
{
	if (blk->thread_started) {
		pthread_mutex_lock(&blk->vd.lock);
		blk->stop = true;
		pthread_cond_signal(&blk->wake);
		pthread_mutex_unlock(&blk->vd.lock);
		pthread_join(blk->thread, NULL);
		blk->thread_started = false;
	}
	if (blk->fd >= 0) {
		if (!blk->ro && fdatasync(blk->fd))
			fprintf(stderr, "hv-run: %s: fdatasync: %s\n", blk->name, strerror(errno));
		close(blk->fd);
		blk->fd = -1;
	}
}
