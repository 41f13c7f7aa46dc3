/* SPDX-License-Identifier: GPL-2.0 */
/* hv-run virtio: virtio-blk (virtio 1.x, 5.2) on a raw image file; see blk.c. */
#ifndef HV_RUN_VIRTIO_BLK_H
#define HV_RUN_VIRTIO_BLK_H

#include <pthread.h>

#include "virtio.h"

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
#define VIRTIO_BLK_ID_BYTES	20

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_FLUSH	9

struct virtio_blk {
	struct virtio_dev vd;
	char name[24];			/* "virtio-blk0" */
	int fd;
	bool ro;
	uint64_t sectors;		/* capacity in 512-byte sectors */
	char id[VIRTIO_BLK_ID_BYTES];	/* GET_ID: the image's file name, cut to 20 bytes */
	pthread_t thread;
	bool thread_started;
	/* guarded by vd.lock */
	pthread_cond_t wake;		/* the worker waits for notifications or stop */
	pthread_cond_t idle;		/* a reset waits for the request in flight */
	bool pending, stop, busy;
	struct virtq_chain chain;	/* the request in flight; the worker's alone */
};

/*
 * Opens @path (read-only if @ro) as disk number @index.  0 or -errno; the
 * caller prints the error.  Plug it with virtio_dev_plug(&blk->vd, ...).
 */
int virtio_blk_init(struct virtio_blk *blk, unsigned int index, const char *path, bool ro,
		    const struct guest_mem *mem);
/* The worker thread. 0 or -errno. */
int virtio_blk_start(struct virtio_blk *blk);
/* Stop the worker after the request in flight, fdatasync and close the image. */
void virtio_blk_stop(struct virtio_blk *blk);
/*
 * Carry out one request (the worker, or a unit test): writes the status
 * byte and returns the used length, or -EINVAL when the chain has no room
 * for a status byte (the device cannot even answer: NEEDS_RESET).
 */
int virtio_blk_handle(struct virtio_blk *blk, const struct virtq_chain *c);

#endif /* HV_RUN_VIRTIO_BLK_H */
