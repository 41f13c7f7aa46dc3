/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: a device on the modern virtio-pci transport (virtio 1.x,
 * 4.1), see pci.c.  A device (rng.c, blk.c) embeds a struct virtio_dev,
 * fills in its ops, config space and features, and the transport does
 * feature negotiation, the status state machine, reset, the queues'
 * set-up, notifications and INTx.
 */
#ifndef HV_RUN_VIRTIO_H
#define HV_RUN_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../devices/pci.h"
#include "doorbell.h"
#include "msix.h"
#include "queue.h"

#define VIRTIO_MAX_QUEUES	64	/* virtio-blk: one request queue per vCPU (VM_MAX_CPUS) */
#define VIRTIO_CONFIG_MAX	64

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_BALLOON	5

#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_VERSION_1	32

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* The BAR (BAR 0, 32-bit memory) and where each capability's structure lies in it. */
#define VIRTIO_BAR_SIZE		0x8000
#define VIRTIO_COMMON_OFF	0x0000
#define VIRTIO_COMMON_LEN	0x38
#define VIRTIO_ISR_OFF		0x1000
#define VIRTIO_DEVCFG_OFF	0x2000
#define VIRTIO_NOTIFY_OFF	0x3000
#define VIRTIO_NOTIFY_MULT	4	/* notify_off_multiplier: queue N at NOTIFY_OFF + 4 N */
/* With the local APIC: the MSI-X table and PBA, each in a 4 KiB page of its own. */
#define VIRTIO_MSIX_TABLE_OFF	0x4000
#define VIRTIO_MSIX_PBA_OFF	0x5000

struct virtio_dev;

struct virtio_dev_ops {
	/*
	 * The driver notified queue @q (a vCPU thread, or the doorbell thread
	 * for a notification hv took as an ioeventfd; device lock held): take
	 * chains with virtq_pop(), or wake the thread that does.
	 */
	void (*notify)(struct virtio_dev *vd, unsigned int q);
	/* The device was reset (device lock held); the queues are reset already. Optional. */
	void (*reset)(struct virtio_dev *vd);
	/*
	 * The driver wrote @size bytes of @value at @off of the device config
	 * space (device lock held; @off + @size within config_len).  Optional:
	 * without it the config space is read-only (virtio-balloon's 'actual'
	 * is the one field a driver writes).
	 */
	void (*config_write)(struct virtio_dev *vd, unsigned int off, unsigned int size,
			     uint64_t value);
};

struct virtio_dev {
	/* set up by virtio_dev_init(), constant afterwards */
	const char *name;		/* for the log line: "virtio-blk0" */
	struct pci_device pci;
	struct pci *bus;		/* where INTx goes; NULL in unit tests */
	unsigned int slot;
	bool msix_offered;		/* virtio_dev_use_msix(): the capability is in the list */
	uint64_t host_features;
	unsigned int nr_queues;
	const struct virtio_dev_ops *ops;
	void *opaque;			/* the device's own */

	pthread_mutex_t lock;		/* guards everything below */
	uint8_t config[VIRTIO_CONFIG_MAX];	/* device config space, read-only to the driver */
	unsigned int config_len;
	uint64_t guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status;
	uint8_t config_generation;
	uint16_t queue_sel;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint8_t isr;			/* bit 0 queue interrupt, bit 1 config change (INTx only) */
	bool intx_disabled;		/* PCI command register bit 10 */
	struct msix msix;		/* its enable and mask bits follow Message Control */
	uint16_t config_vector;		/* config_msix_vector: MSIX_NO_VECTOR or a table entry */
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];	/* queue_msix_vector, the same */
	bool broken_logged;		/* NEEDS_RESET reported once per reset */
	unsigned int generation;	/* bumped at each reset: stale completions are dropped */
	uint64_t notifies_by_exit;	/* --stats: notifications that exited to hv-run */
	uint64_t notifies_by_doorbell;	/* ... and that hv signalled (ioeventfd) */

	/* virtio_dev_use_doorbells(); each bell's registration is the PCI lock's */
	struct doorbells *doorbells;
	struct doorbell bell[VIRTIO_MAX_QUEUES];
};

/*
 * A device of virtio type @device_id with PCI class @class_code and
 * @nr_queues queues, offering @features (VERSION_1 and INDIRECT_DESC are
 * added).  0 or -errno.
 */
int virtio_dev_init(struct virtio_dev *vd, const char *name, uint16_t device_id,
		    uint32_t class_code, unsigned int nr_queues, uint64_t features,
		    const struct guest_mem *mem, const struct virtio_dev_ops *ops, void *opaque);
/*
 * Offer MSI-X (before virtio_dev_plug()): a table of one vector per queue
 * plus one for configuration changes, whose messages go to @send (the local
 * APICs, HV_SIGNAL_MSI).  Without this call the function has INTx only.
 * 0 or -errno.
 */
int virtio_dev_use_msix(struct virtio_dev *vd, msix_send_fn send, void *opaque);
/*
 * Take queue notifications through hv's ioeventfds (doorbell.h), before
 * virtio_dev_plug(): each queue's notify address is registered while the
 * guest has BAR 0 decoding, and followed when it moves it.  0 or -errno
 * (then notifications exit as without the call).
 */
int virtio_dev_use_doorbells(struct virtio_dev *vd, struct doorbells *d);
/* Put the device at 00:@slot.0 with its BAR at @bar_addr (what a firmware would do). 0 or -errno. */
int virtio_dev_plug(struct virtio_dev *vd, struct pci *bus, unsigned int slot, uint32_t bar_addr);

/*
 * Device lock held: raise queue @q's interrupt: its MSI-X vector when the
 * driver enabled MSI-X (none if it mapped NO_VECTOR), else ISR bit 0 and
 * INTx.
 */
void virtio_queue_interrupt(struct virtio_dev *vd, unsigned int q);
/*
 * Device lock held: the driver broke the device's rules (@why: a ring
 * error, a request without a status byte...).  Sets DEVICE_NEEDS_RESET,
 * logs one line per reset, stops the queues, sends a config interrupt.
 */
void virtio_dev_broken(struct virtio_dev *vd, const char *why);
/*
 * Device lock held: the device changed its config space; bump
 * config_generation and, once the driver set DRIVER_OK, send the
 * configuration-change interrupt.
 */
void virtio_config_changed(struct virtio_dev *vd);
/* Device lock held: true when the driver set DRIVER_OK and the device is not broken. */
bool virtio_dev_live(const struct virtio_dev *vd);

/* --stats: one line with the MSI-X messages sent, held pending and dropped (MSI-X only). */
void virtio_print_stats(struct virtio_dev *vd, FILE *out);

/* The BAR's handlers, as the PCI MMIO window calls them (exposed for the unit tests). */
uint64_t virtio_bar_read(struct virtio_dev *vd, uint64_t offset, unsigned int size);
void virtio_bar_write(struct virtio_dev *vd, uint64_t offset, unsigned int size, uint64_t value);

#endif /* HV_RUN_VIRTIO_H */
