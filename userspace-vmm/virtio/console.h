/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: virtio-console (virtio 1.x, 5.3), port 0 only: the
 * guest's hvc0 on hv-run's stdin and stdout (--console virtio).  See
 * console.c.
 */
#ifndef HV_RUN_VIRTIO_CONSOLE_H
#define HV_RUN_VIRTIO_CONSOLE_H

#include <pthread.h>

#include "../devices/reader.h"
#include "virtio.h"

#define VIRTIO_CONSOLE_RX	0	/* receiveq0: host to guest */
#define VIRTIO_CONSOLE_TX	1	/* transmitq0: guest to host */
#define VIRTIO_CONSOLE_BUF	4096	/* stdin bytes read at once */

struct virtio_console {
	struct virtio_dev vd;
	int in_fd;			/* -1: nothing is ever received */
	int out_fd;			/* -1: what the guest writes is dropped */
	struct reader reader;		/* its pipe stops it, or tells it there are buffers now */
	/* guarded by vd.lock */
	bool stopping;
	bool reader_waiting;		/* holds input and waits for receive buffers */
	struct virtq_chain tx_chain;	/* the vCPU thread's, during a notification */
	struct virtq_chain rx_chain;	/* the reader's */
	/* the reader's alone */
	uint8_t buf[VIRTIO_CONSOLE_BUF];
	size_t len, off;		/* buf[off, len) waits for the guest */
};

/* 0 or -errno.  Plug it with virtio_dev_plug(&con->vd, ...). */
int virtio_console_init(struct virtio_console *con, int in_fd, int out_fd,
			const struct guest_mem *mem);
/* The reader thread (none when in_fd is -1).  0 or -errno. */
int virtio_console_start(struct virtio_console *con);
void virtio_console_stop(struct virtio_console *con);
/*
 * Hand what the reader holds to the guest's receive buffers (the reader, or
 * a unit test after filling buf/len).  Device lock not held.  Returns true
 * when everything went in; false while it waits for buffers.
 */
bool virtio_console_deliver(struct virtio_console *con);

#endif /* HV_RUN_VIRTIO_CONSOLE_H */
