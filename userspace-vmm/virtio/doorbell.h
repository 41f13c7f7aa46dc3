/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: queue notifications that do not stop the vCPU.
 *
 * A virtio queue's notify address (its "doorbell") is registered with hv as
 * an ioeventfd: the guest's write to it signals the queue's eventfd in the
 * kernel and the vCPU goes on at once, with no exit to hv-run.  One thread
 * waits on every doorbell's eventfd and rings the device, as the MMIO exit
 * would have.  A write hv does not take (another width, a hv.ko without
 * HV_CAP_IOEVENTFD, a registration refused) still exits and reaches the
 * device through its BAR: the doorbells only make the common case cheap.
 *
 * Locking: bells are added before doorbells_start() and stay until
 * doorbells_destroy(); the thread only reads them.  A bell's registration
 * (gpa, registered) is its owner's to guard (virtio/pci.c: the PCI lock).
 */
#ifndef HV_RUN_VIRTIO_DOORBELL_H
#define HV_RUN_VIRTIO_DOORBELL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define DOORBELLS_MAX		256	/* hv's HV_MAX_IOEVENTFDS */
#define DOORBELL_LEN		2	/* a virtio-pci notification: the 16-bit queue index */

/* Registers (@assign) or removes @efd for @len-byte guest writes at @gpa: 0 or -errno. */
typedef int (*doorbell_assign_fn)(void *opaque, uint64_t gpa, unsigned int len, int efd,
				  bool assign);

struct doorbell {
	int efd;				/* -1: this bell could not be made */
	void (*ring)(void *owner, unsigned int q);
	void *owner;
	unsigned int q;
	/* the owner's lock */
	uint64_t gpa;				/* where it is registered */
	bool registered;
};

struct doorbells {
	doorbell_assign_fn assign;
	void *opaque;
	int epfd;
	int stop_efd;
	pthread_t thread;
	bool started;
	unsigned int nr;
	struct doorbell *bells[DOORBELLS_MAX];
};

/* 0 or -errno. */
int doorbells_init(struct doorbells *d, doorbell_assign_fn assign, void *opaque);
/* Gives @b an eventfd the thread waits on; 0 or -errno (then b->efd is -1). */
int doorbell_add(struct doorbells *d, struct doorbell *b, void (*ring)(void *owner, unsigned int q),
		 void *owner, unsigned int q);
/* Register @b at @gpa (0: nowhere) with hv, removing the old registration first. */
void doorbell_move(struct doorbells *d, struct doorbell *b, uint64_t gpa);
int doorbells_start(struct doorbells *d);
/* Stops the thread, then rings every bell that was signalled meanwhile: nothing is lost. */
void doorbells_stop(struct doorbells *d);
/* Closes the eventfds (after doorbells_stop(); the VM fd's close removes the registrations). */
void doorbells_destroy(struct doorbells *d);

#endif /* HV_RUN_VIRTIO_DOORBELL_H */
