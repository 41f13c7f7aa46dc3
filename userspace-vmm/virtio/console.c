// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-console (virtio 1.x, 5.3) with one port, port 0,
 * which Linux makes its hvc0 console: --console virtio.
 *
 * No feature is offered (no SIZE, no MULTIPORT, no EMERG_WRITE), so the
 * device has exactly receiveq0 and transmitq0 and no control queues, and
 * its configuration space is not read (5.3.4: cols/rows need SIZE).
 *
 * Transmit: a notification of transmitq0 (a vCPU thread, device lock held)
 * writes each chain's readable buffers to the output fd in order and gives
 * the chain back with length 0; writable buffers in a transmit chain are
 * ignored.  A non-blocking output waits for room, as the UART does.
 *
 * Receive is driven by the input becoming readable, not by polling: the
 * reader thread poll()s the input fd only while it holds nothing the guest
 * has not taken, reads up to 4 KiB, and puts it into receive buffers as the
 * driver posts them; while none is posted it sleeps on the wake pipe, which
 * a notification of receiveq0 (or DRIVER_OK, which looks at every queue)
 * writes.  Input that arrives before the driver is ready waits (one read's
 * worth; the rest stays in the input fd), as a UART's FIFO would not: a
 * console must not lose keystrokes typed during boot.  End of input stops
 * reading; the guest keeps its output.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

/* Write all of @len bytes at @p to @fd, waiting for room; false if the output is gone. */
static bool write_all(int fd, const uint8_t *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EAGAIN) {
			poll(&pfd, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;	/* a closed pipe loses the output, as a cut line would */
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void transmit(struct virtio_console *con, struct virtq *q)
{
	struct virtio_dev *vd = &con->vd;
	struct virtq_chain *c = &con->tx_chain;
	bool irq = false;
	int r;

	while ((r = virtq_pop(q, c)) > 0) {
		unsigned int i;

		for (i = 0; i < c->n_out && con->out_fd >= 0; i++)
			if (!write_all(con->out_fd, c->out[i].hva, c->out[i].len))
				break;
		irq |= virtq_push(q, c->head, 0);
	}
	if (r < 0)
		virtio_dev_broken(vd, q->error);
	if (irq)
		virtio_queue_interrupt(vd, VIRTIO_CONSOLE_TX);
}

/* Device lock held. */
static void wake_reader(struct virtio_console *con)
{
	if (!con->reader_waiting)
		return;
	con->reader_waiting = false;
	reader_wake(&con->reader);
}

static void console_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_console *con = vd->opaque;

	if (q == VIRTIO_CONSOLE_TX)
		transmit(con, &vd->vq[q]);
	else
		wake_reader(con);
}

bool virtio_console_deliver(struct virtio_console *con)
{
	struct virtio_dev *vd = &con->vd;
	struct virtq *q = &vd->vq[VIRTIO_CONSOLE_RX];
	struct virtq_chain *c = &con->rx_chain;
	bool irq = false;
	int r = 0;

	pthread_mutex_lock(&vd->lock);
	while (con->off < con->len && virtio_dev_live(vd) && q->enabled &&
	       (r = virtq_pop(q, c)) > 0) {
		size_t n = virtq_chain_write(c, 0, con->buf + con->off, con->len - con->off);

		con->off += n;
		irq |= virtq_push(q, c->head, (uint32_t)n);
	}
	if (r < 0)
		virtio_dev_broken(vd, q->error);
	if (irq)
		virtio_queue_interrupt(vd, VIRTIO_CONSOLE_RX);
	/* Waiting for buffers (or a driver): the next notification wakes the reader. */
	con->reader_waiting = con->off < con->len;
	pthread_mutex_unlock(&vd->lock);
	return con->off == con->len;
}

static void *console_reader(void *opaque)
{
	struct virtio_console *con = opaque;
	bool eof = false;

	for (;;) {
		struct pollfd pfd[2];
		bool want_input, stopping;

		want_input = virtio_console_deliver(con) && !eof;
		pthread_mutex_lock(&con->vd.lock);
		stopping = con->stopping;
		pthread_mutex_unlock(&con->vd.lock);
		if (stopping)
			break;
		pfd[0] = (struct pollfd){ .fd = want_input ? con->in_fd : -1, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = con->reader.wake[0], .events = POLLIN };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents && !reader_drain(&con->reader))
			break;
		if (pfd[0].revents) {
			ssize_t n = read(con->in_fd, con->buf, sizeof(con->buf));

			if (n > 0) {
				con->len = (size_t)n;
				con->off = 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				eof = true;	/* input closed: keep running, receive nothing */
			}
		}
	}
	return NULL;
}

static const struct virtio_dev_ops console_ops = { .notify = console_notify };

int virtio_console_init(struct virtio_console *con, int in_fd, int out_fd,
			const struct guest_mem *mem)
{
	int err;

	memset(con, 0, sizeof(*con));
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	reader_init(&con->reader);
	/* class: simple communication controller, other (0x0780), as QEMU presents it */
	err = virtio_dev_init(&con->vd, "virtio-console", VIRTIO_ID_CONSOLE, 0x078000, 2, 0, mem,
			      &console_ops, con);
	if (err)
		return err;
	con->vd.config_len = 0;
	return 0;
}

int virtio_console_start(struct virtio_console *con)
{
	if (con->in_fd < 0)
		return 0;
	return reader_start(&con->reader, console_reader, con);
}

void virtio_console_stop(struct virtio_console *con)
{
	if (!con->reader.started)
		return;
	pthread_mutex_lock(&con->vd.lock);
	con->stopping = true;
	pthread_mutex_unlock(&con->vd.lock);
	reader_stop(&con->reader);
}
