/* SPDX-License-Identifier: GPL-2.0 */
/* hv-run virtio: virtio-rng (virtio 1.x, 5.4), entropy from the host's getrandom(). */
#ifndef HV_RUN_VIRTIO_RNG_H
#define HV_RUN_VIRTIO_RNG_H

#include "virtio.h"

struct virtio_rng {
	struct virtio_dev vd;
	struct virtq_chain chain;	/* guarded by vd.lock */
};

/* 0 or -errno. Plug it with virtio_dev_plug(&rng->vd, ...). */
int virtio_rng_init(struct virtio_rng *rng, const struct guest_mem *mem);

#endif /* HV_RUN_VIRTIO_RNG_H */
