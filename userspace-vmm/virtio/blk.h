/* SPDX-License-Identifier: GPL-2.0 */
/* hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file; see blk.c. */
#ifndef HV_RUN_VIRTIO_BLK_H
#define HV_RUN_VIRTIO_BLK_H

#include <pthread.h>

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

struct virtio_blk;

/* One request queue and the thread that serves it. */
struct virtio_blk_worker {
	struct virtio_blk *blk;
	unsigned int q;
	pthread_t thread;
	bool started;
	uint8_t *bounce;		/* cache=none only; the worker's alone */
	/* guarded by blk->vd.lock */
	bool pending, busy;
	struct virtq_chain chain;	/* the request in flight; the worker's alone */
};

struct virtio_blk_options {
	bool ro;			/* ,ro */
	bool direct;			/* ,cache=none: O_DIRECT */
	unsigned int nr_queues;		/* request queues, 1..VIRTIO_MAX_QUEUES (--cpus) */
};

struct virtio_blk {
	struct virtio_dev vd;
	char name[24];			/* "virtio-blk0" */
	int fd;
	bool ro, direct;
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
/* The worker threads. 0 or -errno. */
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
