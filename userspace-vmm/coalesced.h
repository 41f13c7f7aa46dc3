/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: hv's coalesced MMIO/PIO ring (coalesced.c).  Writes to the zones
 * registered here do not exit: hv appends them to a page shared with
 * hv-run, and hv-run applies them, in order, through the I/O buses before
 * it handles any exit and when the VM stops (docs/abi.md has the protocol,
 * docs/vmm.md which ports use it).  Only for registers whose writes can
 * wait for the next exit: a write-only index register is the model.
 */
#ifndef HV_RUN_COALESCED_H
#define HV_RUN_COALESCED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

#include "iobus.h"

struct coalesced {
	struct hv_coalesced_ring *ring;	/* NULL: none (--no-coalesced, or hv has no ring) */
	size_t map_size;		/* mmap'ed by coalesced_init(); 0: attached memory */
	struct iobus *pio, *mmio;	/* where the entries are applied */
	pthread_mutex_t lock;		/* one drainer at a time, so entries apply in order */
	uint64_t writes;		/* entries applied; lock */
	uint64_t dropped;		/* malformed entries skipped (a hv bug); lock */
};

/*
 * Map the VM's ring through @vcpu_fd at page @page_offset
 * (HV_CHECK_CAP(HV_CAP_COALESCED_IO)); 0 or -errno.
 */
int coalesced_init(struct coalesced *c, int vcpu_fd, long page_offset, struct iobus *pio,
		   struct iobus *mmio);
/* The same on a ring in memory hv-run owns (the unit tests). */
void coalesced_attach(struct coalesced *c, struct hv_coalesced_ring *ring, struct iobus *pio,
		      struct iobus *mmio);
/* HV_REGISTER_COALESCED on @vm_fd: 0 or -errno. */
int coalesced_add_zone(struct coalesced *c, int vm_fd, uint64_t addr, uint32_t len, bool pio);
/*
 * Apply every entry in the ring, oldest first.  Any thread; cheap when the
 * ring is empty (two loads, no lock).  Returns once the entries this
 * thread's vCPU appended before its exit have been applied, by this call
 * or by a concurrent one.
 */
void coalesced_drain(struct coalesced *c);
/* Entries applied so far. */
uint64_t coalesced_writes(struct coalesced *c);
void coalesced_destroy(struct coalesced *c);

#endif /* HV_RUN_COALESCED_H */
