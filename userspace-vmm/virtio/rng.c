// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-rng (virtio 1.x, 5.4).  One queue of device-writable
 * buffers; each request gets up to 64 KiB from getrandom(), on the vCPU
 * thread that notified (Linux asks for at most a page at a time: not worth
 * a thread).  Readable buffers in a request are ignored.
 */
#include <errno.h>
#include <sys/random.h>

#include "rng.h"

/* A request may be shorter than the guest's buffers (5.4.6): bound the time on the vCPU thread. */
#define RNG_MAX_PER_REQUEST	65536u

/* Fill @len bytes at @p; false if the host has no entropy to give. */
static bool fill_random(uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void rng_notify(struct virtio_dev *vd, unsigned int qi)
{
	struct virtio_rng *rng = vd->opaque;
	struct virtq *q = &vd->vq[qi];
	struct virtq_chain *c = &rng->chain;
	bool irq = false;
	int r;

	while ((r = virtq_pop(q, c)) > 0) {
		uint64_t done = 0;
		unsigned int i;

		for (i = 0; i < c->n_in && done < RNG_MAX_PER_REQUEST; i++) {
			uint32_t n = c->in[i].len;

			if (n > RNG_MAX_PER_REQUEST - done)
				n = (uint32_t)(RNG_MAX_PER_REQUEST - done);
			if (!fill_random(c->in[i].hva, n))
				break;
			done += n;
		}
		irq |= virtq_push(q, c->head, (uint32_t)done);
	}
	if (r < 0)
		virtio_dev_broken(vd, q->error);
	if (irq)
		virtio_queue_interrupt(vd, qi);
}

static const struct virtio_dev_ops rng_ops = { .notify = rng_notify };

int virtio_rng_init(struct virtio_rng *rng, const struct guest_mem *mem)
{
	/* class: unclassified device (0xff), as other VMMs present virtio-rng */
	return virtio_dev_init(&rng->vd, "virtio-rng", VIRTIO_ID_RNG, 0xff0000, 1, 0, mem, &rng_ops,
			       rng);
}
