/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run unit tests: what a virtio-pci driver writes to the common
 * configuration (virtio 1.x, 4.1.4.3) to bring a device up, in the order
 * the spec's initialization sequence (3.1.1) asks: ACKNOWLEDGE and DRIVER,
 * VERSION_1 as the only feature, FEATURES_OK, the queues, DRIVER_OK.
 */
#ifndef HV_RUN_UNIT_VIRTIO_DRIVER_H
#define HV_RUN_UNIT_VIRTIO_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../../virtio/virtio.h"

#define VDRV_STATUS		0x14
#define VDRV_FEATURE_SELECT	0x08
#define VDRV_FEATURE		0x0c
#define VDRV_QUEUE_SELECT	0x16
#define VDRV_QUEUE_SIZE		0x18
#define VDRV_QUEUE_ENABLE	0x1c
#define VDRV_QUEUE_DESC		0x20
#define VDRV_QUEUE_AVAIL	0x28
#define VDRV_QUEUE_USED		0x30

/* ACKNOWLEDGE | DRIVER, VERSION_1 (feature bit 32), FEATURES_OK. */
static inline void vdrv_features_ok(struct virtio_dev *vd)
{
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x03);
	virtio_bar_write(vd, VDRV_FEATURE_SELECT, 4, 1);
	virtio_bar_write(vd, VDRV_FEATURE, 4, 1);
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x0b);
}

/* Queue @q with @size entries, its three rings at the given guest addresses, enabled. */
static inline void vdrv_queue(struct virtio_dev *vd, uint16_t q, uint16_t size, uint64_t desc,
			      uint64_t avail, uint64_t used)
{
	virtio_bar_write(vd, VDRV_QUEUE_SELECT, 2, q);
	virtio_bar_write(vd, VDRV_QUEUE_SIZE, 2, size);
	virtio_bar_write(vd, VDRV_QUEUE_DESC, 8, desc);
	virtio_bar_write(vd, VDRV_QUEUE_AVAIL, 8, avail);
	virtio_bar_write(vd, VDRV_QUEUE_USED, 8, used);
	virtio_bar_write(vd, VDRV_QUEUE_ENABLE, 2, 1);
}

/* DRIVER_OK; whether the device took it (no NEEDS_RESET, nothing refused). */
static inline bool vdrv_driver_ok(struct virtio_dev *vd)
{
	virtio_bar_write(vd, VDRV_STATUS, 1, 0x0f);
	return virtio_bar_read(vd, VDRV_STATUS, 1) == 0x0f;
}

/* All three for a device with one queue. */
static inline bool vdrv_up_one_queue(struct virtio_dev *vd, uint16_t q, uint16_t size,
				     uint64_t desc, uint64_t avail, uint64_t used)
{
	vdrv_features_ok(vd);
	vdrv_queue(vd, q, size, desc, avail, used);
	return vdrv_driver_ok(vd);
}

#endif /* HV_RUN_UNIT_VIRTIO_DRIVER_H */
