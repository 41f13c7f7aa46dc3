// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file.
 *
 * One request queue per vCPU (VIRTIO_BLK_F_MQ, num_queues = --cpus), each
 * served by a worker thread of its own: a notification (a vCPU thread)
 * only wakes that queue's worker, which takes chains, does the I/O and
 * completes them: on an io_uring with many requests in flight (aio=io_uring,
 * the default; see blk_uring_worker()), or one at a time with synchronous
 * calls (blk_io.c; aio=threads, cache=none, or io_uring refused by the
 * host).  The device lock is dropped during the I/O; a device reset
 * meanwhile waits for every request in flight (so nothing writes guest RAM
 * after the driver saw the reset) and their completions are dropped.
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
#include <poll.h>
#include <sys/eventfd.h>
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

/* aio=threads (and cache=none): one request at a time, synchronous I/O (blk_io.c). */
static void *blk_thread_worker(void *opaque)
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

/*
 * aio=io_uring.  The worker pops every chain the driver made available, up
 * to VIRTIO_BLK_URING_DEPTH in flight, and submits IN and OUT as one
 * READV/WRITEV at the request's offset, FLUSH as FSYNC with
 * IORING_FSYNC_DATASYNC; it completes each chain when its I/O is done, in
 * whatever order the host finishes them (the used ring names the head, so
 * a driver takes them in any order, 2.7.8).  A short read or write
 * continues from where it stopped; a read that meets the end of the file
 * reads zeros there (as preadv's EOF does on the thread path); any error is
 * IOERR.  GET_ID, DISCARD, WRITE_ZEROES and malformed requests are handled
 * at once, synchronously, by virtio_blk_handle() as on the thread path.
 *
 * FLUSH ordering: a FLUSH must cover every write the guest saw complete
 * before it sent the FLUSH.  On this queue such a write was popped before
 * the FLUSH; so when a FLUSH is popped the worker pops nothing more until
 * every write of this queue in flight has completed, and only then submits
 * the fsync (io_uring does not order an FSYNC after the writes submitted
 * with it).  Writes on other queues: virtio does not order across queues,
 * and one the guest saw complete is in the host kernel already, which the
 * fdatasync of the file covers.
 *
 * Completion: the status byte is written outside the lock, then, under
 * it, the chain goes to the used ring unless a reset came meanwhile, and
 * the queue's interrupt is raised once per batch, as on the thread path.
 * The worker is busy while anything is in flight, so a reset waits for
 * every request (nothing writes guest RAM after it), and at stop the
 * worker exits only when nothing is in flight: no SQE outlives guest RAM,
 * and virtio_blk_stop()'s fdatasync follows every write.
 *
 * Waiting: the worker sleeps in io_uring_submit_and_wait() with a POLL_ADD
 * on its eventfd, which a notification or stop writes while it sleeps, so
 * that new requests are taken while others are in flight.
 *
 * cache=none stays on the thread path: O_DIRECT needs aligned memory, and
 * the 1 MiB bounce buffer per request in flight would be 64 MiB a queue.
 */
/* every slot and the poll, with room to spare */
#define URING_ENTRIES	(2 * VIRTIO_BLK_URING_DEPTH)

/* Parse @r's header; true if it is an IN, OUT or FLUSH for the ring, false: handle it at once. */
static bool uring_start(struct virtio_blk *blk, struct virtio_blk_req *r)
{
	const struct virtq_chain *c = &r->chain;
	uint8_t hdr[HDR_BYTES];
	uint64_t sector;
	bool write;
	int n;

	if (!c->in_len || virtq_chain_read(c, 0, hdr, HDR_BYTES) < HDR_BYTES)
		return false;
	r->type = (uint32_t)get_le(hdr, 4);
	sector = get_le(hdr + 8, 8);
	r->status = VIRTIO_BLK_S_OK;
	r->used = 1;
	if (r->type == VIRTIO_BLK_T_FLUSH)
		return !blk->ro;			/* read-only: nothing to flush */
	if (r->type != VIRTIO_BLK_T_IN && r->type != VIRTIO_BLK_T_OUT)
		return false;
	write = r->type == VIRTIO_BLK_T_OUT;
	r->left = write ? c->out_len - HDR_BYTES : c->in_len - 1;
	if ((write && blk->ro) || !r->left || !range_ok(blk, sector, r->left))
		return false;
	n = virtq_chain_iov(c, !write, write ? HDR_BYTES : 0, r->left, r->iov, VIRTQ_MAX_SIZE);
	if (n < 0)
		return false;
	r->cur = r->iov;
	r->ncur = n;
	r->off = sector * SECTOR;
	if (!write)
		r->used = (uint32_t)(r->left + 1);
	return true;
}

/* Queue @r's (remaining) I/O on the ring; false if no SQE (cannot happen: URING_ENTRIES). */
static bool uring_prep(struct virtio_blk *blk, struct virtio_blk_worker *w,
		       struct virtio_blk_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (!sqe) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
		if (!sqe)
			return false;
	}
	if (r->type == VIRTIO_BLK_T_FLUSH)
		io_uring_prep_fsync(sqe, blk->fd, IORING_FSYNC_DATASYNC);
	else if (r->type == VIRTIO_BLK_T_OUT)
		io_uring_prep_writev(sqe, blk->fd, r->cur, (unsigned int)r->ncur, r->off);
	else
		io_uring_prep_readv(sqe, blk->fd, r->cur, (unsigned int)r->ncur, r->off);
	io_uring_sqe_set_data(sqe, r);
	return true;
}

/* @r's first submission.  vd.lock held. */
static bool uring_submit(struct virtio_blk *blk, struct virtio_blk_worker *w,
			 struct virtio_blk_req *r)
{
	if (r->type == VIRTIO_BLK_T_FLUSH && w->writes)
		w->flush_over_writes++;	/* the FLUSH rule broken: the unit tests look */
	return uring_prep(blk, w, r);
}

/* A completion of @r with result @res: true when @r is done, false: the rest was resubmitted. */
static bool uring_complete(struct virtio_blk *blk, struct virtio_blk_worker *w,
			   struct virtio_blk_req *r, int res)
{
	size_t n;

	if (res == -EINTR || res == -EAGAIN)
		goto again;
	if (res < 0 || (res == 0 && r->type == VIRTIO_BLK_T_OUT))
		goto fail;
	if (r->type == VIRTIO_BLK_T_FLUSH)
		return true;
	if (res == 0) {
		for (; r->ncur; r->cur++, r->ncur--)	/* EOF: the rest reads as zeros */
			memset(r->cur->iov_base, 0, r->cur->iov_len);
		return true;
	}
	if ((uint64_t)res > r->left)
		goto fail;
	n = (size_t)res;
	r->left -= n;
	r->off += n;
	while (n && r->ncur) {
		if (n < r->cur->iov_len) {
			r->cur->iov_base = (uint8_t *)r->cur->iov_base + n;
			r->cur->iov_len -= n;
			n = 0;
		} else {
			n -= r->cur->iov_len;
			r->cur++;
			r->ncur--;
		}
	}
	if (!r->left)
		return true;
again:
	if (uring_prep(blk, w, r))
		return false;
fail:
	r->status = VIRTIO_BLK_S_IOERR;
	r->used = 1;
	return true;
}

/* Worker @w is busy (a reset must wait) or not any more. vd.lock held. */
static void set_busy(struct virtio_blk *blk, struct virtio_blk_worker *w, bool busy)
{
	if (w->busy && !busy)
		pthread_cond_broadcast(&blk->idle);
	w->busy = busy;
}

/* @r left the ring: its slot back, its chain to the used ring if no reset came.  vd.lock held. */
static bool uring_retire(struct virtio_blk *blk, struct virtio_blk_worker *w,
			 struct virtio_blk_req *r, int len)
{
	struct virtio_dev *vd = &blk->vd;
	bool irq = false;

	w->inflight--;
	if (r->gen == vd->generation) {
		if (len < 0)
			virtio_dev_broken(vd, "request without a writable status byte");
		else
			irq = virtq_push(&vd->vq[w->q], r->chain.head, (uint32_t)len);
	}
	r->next = w->free;
	w->free = r;
	return irq;
}

/* Pop what is available, up to the depth, until a FLUSH must wait.  vd.lock held. */
static bool uring_pop(struct virtio_blk *blk, struct virtio_blk_worker *w)
{
	struct virtio_dev *vd = &blk->vd;
	struct virtq *q = &vd->vq[w->q];
	bool irq = false;

	while (!blk->stop && !w->flush && w->free && virtio_dev_live(vd)) {
		struct virtio_blk_req *r = w->free;
		int len = virtq_pop(q, &r->chain);

		if (len < 0)
			virtio_dev_broken(vd, q->error);
		if (len <= 0)
			break;
		w->free = r->next;
		r->gen = vd->generation;
		if (++w->inflight > w->max_inflight)
			w->max_inflight = w->inflight;
		if (!uring_start(blk, r)) {
			set_busy(blk, w, true);
			pthread_mutex_unlock(&vd->lock);
			len = virtio_blk_handle(blk, w, &r->chain);
			pthread_mutex_lock(&vd->lock);
			irq |= uring_retire(blk, w, r, len);
			continue;
		}
		if (r->type == VIRTIO_BLK_T_FLUSH && w->writes) {
			w->flush = r;		/* submitted when the writes are done */
			break;
		}
		if (r->type == VIRTIO_BLK_T_OUT)
			w->writes++;
		if (!uring_submit(blk, w, r)) {
			if (r->type == VIRTIO_BLK_T_OUT)
				w->writes--;
			r->status = VIRTIO_BLK_S_IOERR;
			virtq_chain_write(&r->chain, r->chain.in_len - 1, &r->status, 1);
			irq |= uring_retire(blk, w, r, 1);
		}
	}
	return irq;
}

static void *blk_uring_worker(void *opaque)
{
	struct virtio_blk_worker *w = opaque;
	struct virtio_blk *blk = w->blk;
	struct virtio_dev *vd = &blk->vd;
	bool poll_armed = false;

	pthread_mutex_lock(&vd->lock);
	for (;;) {
		struct virtio_blk_req *done = NULL, *r;
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		bool irq;

		w->pending = false;
		irq = uring_pop(blk, w);
		if (w->flush && !w->writes) {
			r = w->flush;
			w->flush = NULL;
			if (!uring_submit(blk, w, r)) {
				r->status = VIRTIO_BLK_S_IOERR;
				virtq_chain_write(&r->chain, r->chain.in_len - 1, &r->status, 1);
				irq |= uring_retire(blk, w, r, 1);
			}
			if (!w->flush && !blk->stop)
				irq |= uring_pop(blk, w);	/* the FLUSH held the queue */
		}
		if (irq)
			virtio_queue_interrupt(vd, w->q);
		set_busy(blk, w, w->inflight > 0);
		if (!w->inflight && blk->stop)
			break;
		if (!w->inflight && w->pending)
			continue;
		/* Sleep on the ring: a completion, or the eventfd (notification, stop). */
		if (!poll_armed) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

			if (sqe) {
				io_uring_prep_poll_add(sqe, w->efd, POLLIN);
				io_uring_sqe_set_data(sqe, NULL);
				poll_armed = true;
			}
		}
		w->sleeping = true;
		pthread_mutex_unlock(&vd->lock);
		io_uring_submit_and_wait(&w->ring, 1);	/* -EINTR: reaped below, then again */
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			r = io_uring_cqe_get_data(cqe);
			seen++;
			if (!r) {
				uint64_t cnt;

				poll_armed = false;
				if (read(w->efd, &cnt, sizeof(cnt)) < 0) {
					/* EAGAIN: nothing to clear */
				}
			} else if (uring_complete(blk, w, r, cqe->res)) {
				virtq_chain_write(&r->chain, r->chain.in_len - 1, &r->status, 1);
				r->next = done;
				done = r;
			}
		}
		io_uring_cq_advance(&w->ring, seen);
		pthread_mutex_lock(&vd->lock);
		w->sleeping = false;
		irq = false;
		while (done) {
			r = done;
			done = r->next;
			if (r->type == VIRTIO_BLK_T_OUT)
				w->writes--;
			irq |= uring_retire(blk, w, r,
					    r->status == VIRTIO_BLK_S_OK ? (int)r->used : 1);
		}
		if (irq)
			virtio_queue_interrupt(vd, w->q);
	}
	pthread_mutex_unlock(&vd->lock);
	return NULL;
}

/* Wake worker @w where it waits: on the ring (its eventfd) or on blk->wake.  vd.lock held. */
static void wake_worker(struct virtio_blk *blk, struct virtio_blk_worker *w)
{
	static const uint64_t one = 1;

	if (w->sleeping && write(w->efd, &one, sizeof(one)) < 0) {
		/* a full counter (cannot happen at 2^64 - 1 wakes) still wakes it */
	}
	pthread_cond_broadcast(&blk->wake);
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *blk = vd->opaque;

	blk->workers[q].pending = true;
	wake_worker(blk, &blk->workers[q]);
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *blk = vd->opaque;
	unsigned int i;

	/*
	 * aio=io_uring: busy until every request in flight completed; their
	 * answers are dropped (the generation changed), nothing touches guest
	 * RAM after this returns.
	 */
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
	blk->aio = o->aio;
	blk->uring_init = io_uring_queue_init;
	for (i = 0; i < o->nr_queues; i++) {
		blk->workers[i].blk = blk;
		blk->workers[i].q = i;
		blk->workers[i].efd = -1;
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

int virtio_blk_parse_aio(const char *s, size_t n, enum virtio_blk_aio *aio)
{
	if (n == 7 && !strncmp(s, "threads", 7))
		*aio = VIRTIO_BLK_AIO_THREADS;
	else if (n == 8 && !strncmp(s, "io_uring", 8))
		*aio = VIRTIO_BLK_AIO_IO_URING;
	else
		return -EINVAL;
	return 0;
}

static void uring_destroy(struct virtio_blk_worker *w)
{
	if (w->ring_ok)
		io_uring_queue_exit(&w->ring);
	w->ring_ok = false;
	if (w->efd >= 0)
		close(w->efd);
	w->efd = -1;
	free(w->reqs);
	w->reqs = NULL;
	w->free = NULL;
}

/* Worker @w's ring, eventfd and slots: 0 or -errno. */
static int uring_create(struct virtio_blk *blk, struct virtio_blk_worker *w)
{
	unsigned int i;
	int err;

	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0)
		return -errno;
	w->reqs = calloc(VIRTIO_BLK_URING_DEPTH, sizeof(*w->reqs));
	if (!w->reqs)
		return -ENOMEM;
	for (i = 0; i < VIRTIO_BLK_URING_DEPTH; i++) {
		w->reqs[i].next = w->free;
		w->free = &w->reqs[i];
	}
	err = blk->uring_init(URING_ENTRIES, &w->ring, 0);
	if (err)
		return err < 0 ? err : -EINVAL;
	w->ring_ok = true;
	return 0;
}

/*
 * aio=io_uring where the host allows it: a kernel without io_uring
 * (ENOSYS), one that refuses it (EPERM: kernel.io_uring_disabled, a seccomp
 * or container policy) or no memory for the rings (ENOMEM) gets one line
 * and the thread path, which does the same I/O one request at a time.
 */
static void uring_setup(struct virtio_blk *blk)
{
	unsigned int i;
	int err = 0;

	blk->uring = blk->aio == VIRTIO_BLK_AIO_IO_URING && !blk->direct;
	for (i = 0; blk->uring && i < blk->nr_workers && !err; i++)
		err = uring_create(blk, &blk->workers[i]);
	if (!err)
		return;
	fprintf(stderr, "hv-run: %s: io_uring unavailable (%s): thread-pool I/O\n", blk->name,
		strerror(-err));
	for (i = 0; i < blk->nr_workers; i++)
		uring_destroy(&blk->workers[i]);
	blk->uring = false;
}

int virtio_blk_start(struct virtio_blk *blk)
{
	unsigned int i;
	int err;

	uring_setup(blk);
	for (i = 0; i < blk->nr_workers; i++) {
		err = -pthread_create(&blk->workers[i].thread, NULL,
				      blk->uring ? blk_uring_worker : blk_thread_worker,
				      &blk->workers[i]);
		if (err)
			return err;
		blk->workers[i].started = true;
	}
	return 0;
}

void virtio_blk_stop(struct virtio_blk *blk)
{
	unsigned int i;

	/* aio=io_uring: each worker exits once its requests in flight have completed. */
	pthread_mutex_lock(&blk->vd.lock);
	blk->stop = true;
	for (i = 0; i < blk->nr_workers; i++)
		wake_worker(blk, &blk->workers[i]);
	pthread_mutex_unlock(&blk->vd.lock);
	for (i = 0; i < blk->nr_workers; i++) {
		if (blk->workers[i].started)
			pthread_join(blk->workers[i].thread, NULL);
		blk->workers[i].started = false;
		uring_destroy(&blk->workers[i]);
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
