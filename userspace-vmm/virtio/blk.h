/* SPDX-License-Identifier: GPL-2.0 */
/* hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file; see blk.c. */
#ifndef HV_RUN_VIRTIO_BLK_H
#define HV_RUN_VIRTIO_BLK_H

#include <liburing.h>
#include <pthread.h>
#include <sys/uio.h>

#include "virtio.h"

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2
#define VIRTIO_BLK_ID_BYTES		20

#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* Discard and write-zeroes: segments per request, sectors per segment (offered in the config). */
#define VIRTIO_BLK_MAX_RANGE_SEGS	32
#define VIRTIO_BLK_MAX_RANGE_SECTORS	(1u << 22)	/* 2 GiB */
/* cache=none: the bounce buffer, in which O_DIRECT I/O is done piecewise. */
#define VIRTIO_BLK_BOUNCE_BYTES		(1u << 20)
/* aio=io_uring: requests of one queue in flight at once (the queue may be smaller). */
#define VIRTIO_BLK_URING_DEPTH		64

struct virtio_blk;

/* ,aio=: how a queue's worker does its reads, writes and flushes. */
enum virtio_blk_aio {
	VIRTIO_BLK_AIO_IO_URING,	/* the default: many requests in flight (blk.c) */
	VIRTIO_BLK_AIO_THREADS,		/* one request at a time, preadv/pwritev/fdatasync */
};

/*
 * aio=io_uring: one request in flight.  All fields are the worker's alone
 * (its thread owns the slot from virtq_pop() to virtq_push()).
 */
struct virtio_blk_req {
	struct virtq_chain chain;
	unsigned int gen;		/* vd.generation when popped: a reset drops the answer */
	uint32_t type;			/* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
	struct iovec iov[VIRTQ_MAX_SIZE];
	struct iovec *cur;		/* what is left to read or write: iov[] from cur */
	int ncur;
	uint64_t off, left;		/* its file offset and bytes */
	uint32_t used;			/* used length when it completes OK */
	uint8_t status;
	struct virtio_blk_req *next;	/* the free list, or the completed batch */
};

/* One request queue and the thread that serves it. */
struct virtio_blk_worker {
	struct virtio_blk *blk;
	unsigned int q;
	pthread_t thread;
	bool started;
	uint8_t *bounce;		/* cache=none only; the worker's alone */
	/* guarded by blk->vd.lock */
	bool pending, busy;
	struct virtq_chain chain;	/* aio=threads: the request in flight; the worker's alone */
	/* aio=io_uring (blk->uring): the ring, its eventfd and slots are the worker's alone */
	struct io_uring ring;
	bool ring_ok;			/* io_uring_queue_init() succeeded */
	int efd;			/* notifications and stop while the worker waits on the ring */
	struct virtio_blk_req *reqs;	/* VIRTIO_BLK_URING_DEPTH slots */
	struct virtio_blk_req *free;	/* slots not in flight */
	unsigned int inflight;		/* popped, not yet pushed */
	unsigned int writes;		/* OUT requests among them */
	struct virtio_blk_req *flush;	/* a FLUSH waiting for the writes before it */
	/* guarded by blk->vd.lock */
	bool sleeping;			/* waiting on the ring: a notification writes efd */
	/* statistics for the unit tests; guarded by blk->vd.lock */
	unsigned int max_inflight;	/* the most requests in flight at once */
	unsigned int flush_over_writes;	/* fsyncs submitted with writes in flight: must stay 0 */
};

struct virtio_blk_options {
	bool ro;			/* ,ro */
	bool direct;			/* ,cache=none: O_DIRECT */
	unsigned int nr_queues;		/* request queues, 1..VIRTIO_MAX_QUEUES (--cpus) */
	enum virtio_blk_aio aio;	/* ,aio= */
};

struct virtio_blk {
	struct virtio_dev vd;
	char name[24];			/* "virtio-blk0" */
	int fd;
	bool ro, direct;
	enum virtio_blk_aio aio;	/* what was asked for */
	bool uring;			/* the workers run on io_uring (set by virtio_blk_start) */
	/* io_uring_queue_init(), replaced by unit tests to see the fallback */
	int (*uring_init)(unsigned int entries, struct io_uring *ring, unsigned int flags);
	unsigned int align;		/* cache=none: offset, length and memory alignment (blk_size) */
	bool discard;			/* the image can punch holes: DISCARD, WRITE_ZEROES offered */
	uint64_t sectors;		/* capacity in 512-byte sectors */
	char id[VIRTIO_BLK_ID_BYTES];	/* GET_ID: the image's file name, cut to 20 bytes */
	unsigned int nr_workers;
	struct virtio_blk_worker *workers;	/* one per request queue */
	/* guarded by vd.lock */
	pthread_cond_t wake;		/* workers wait for notifications or stop */
	pthread_cond_t idle;		/* a reset waits for the requests in flight */
	bool stop;
};

/*
 * Opens @path as disk number @index with @o.  0 or -errno; the caller
 * prints the error (-EINVAL with o->direct: the file system cannot do
 * O_DIRECT).  Plug it with virtio_dev_plug(&blk->vd, ...).
 */
int virtio_blk_init(struct virtio_blk *blk, unsigned int index, const char *path,
		    const struct virtio_blk_options *o, const struct guest_mem *mem);
/*
 * "threads" or "io_uring" (@n bytes at @s) into @aio: 0, or -EINVAL for
 * anything else (--disk's ",aio=").
 */
int virtio_blk_parse_aio(const char *s, size_t n, enum virtio_blk_aio *aio);
/*
 * The worker threads, on io_uring unless aio=threads, cache=none, or the
 * host refuses io_uring (one line, then threads).  0 or -errno.
 */
int virtio_blk_start(struct virtio_blk *blk);
/* Stop the workers after their requests in flight, fdatasync and close the image. */
void virtio_blk_stop(struct virtio_blk *blk);
/*
 * Carry out one request with worker @w's resources (a worker thread, or a
 * unit test): writes the status byte and returns the used length, or
 * -EINVAL when the chain has no room for a status byte (the device cannot
 * even answer: NEEDS_RESET).
 */
int virtio_blk_handle(struct virtio_blk *blk, struct virtio_blk_worker *w,
		      const struct virtq_chain *c);

#endif /* HV_RUN_VIRTIO_BLK_H */
