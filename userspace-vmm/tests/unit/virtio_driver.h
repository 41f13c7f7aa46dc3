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
#include <string.h>

#include "../../mem.h"
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

/*
 * The rings as the device tests lay them out in guest memory: queue @q's
 * descriptor table at VDRV_QBASE(q), its available ring 4 KiB after, its
 * used ring 8 KiB after.
 */
#define VDRV_QBASE(q)	(0x10000u + 0x4000u * (q))

static inline void vdrv_put(struct guest_mem *mem, uint64_t gpa, const void *p, size_t n)
{
	memcpy(mem->host + gpa, p, n);
}

/* Descriptor @i of queue @q. */
static inline void vdrv_desc(struct guest_mem *mem, unsigned int q, uint16_t i, uint64_t addr,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t at = VDRV_QBASE(q) + 16u * i;

	vdrv_put(mem, at, &addr, 8);
	vdrv_put(mem, at + 8, &len, 4);
	vdrv_put(mem, at + 12, &flags, 2);
	vdrv_put(mem, at + 14, &next, 2);
}

/* Make chain @head available on queue @q of @size entries (its index *@avail_idx) and notify. */
static inline void vdrv_offer(struct virtio_dev *vd, struct guest_mem *mem, unsigned int q,
			      uint16_t size, uint16_t *avail_idx, uint16_t head)
{
	uint16_t slot = *avail_idx % size;

	vdrv_put(mem, VDRV_QBASE(q) + 0x1000 + 4 + 2 * slot, &head, 2);
	(*avail_idx)++;
	vdrv_put(mem, VDRV_QBASE(q) + 0x1000 + 2, avail_idx, 2);
	virtio_bar_write(vd, VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * q, 2, q);
}

#endif /* HV_RUN_UNIT_VIRTIO_DRIVER_H */
