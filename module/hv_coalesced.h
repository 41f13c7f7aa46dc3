/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coalesced MMIO/PIO ring (hv_coalesced.c): guest writes to registered
 * zones appended to a page shared with the VMM instead of exiting to it.
 */
#ifndef HV_COALESCED_H
#define HV_COALESCED_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct hv_coalesced_ring;
struct hv_coalesced_table;
struct page;

/* A vCPU fd's mapping: struct hv_run (page 0), PIO data (1), the VM's ring (2). */
#define HV_VCPU_PAGE_RING	2
#define HV_VCPU_MMAP_PAGES	3

/*
 * A VM's zones and its ring.
 *
 * Locking legend:
 *   lock      - serializes HV_REGISTER/UNREGISTER_COALESCED; guards every
 *               change of zones.
 *   zones     - RCU: the exit path reads it under rcu_read_lock(); a change
 *               publishes a new table and frees the old one after a grace
 *               period.
 *   ring_lock - appends: last, and the ring's entry at last (vCPUs of one
 *               VM append concurrently).
 *   last      - ring_lock: the kernel's own copy of ring->last, the only one
 *               it trusts (the VMM can write anything to the shared page).
 *   ring      - the pointer: set with the VM, constant until it is freed.
 *               The page: the kernel writes entries and ring->last under
 *               ring_lock and only reads ring->first, which is the VMM's.
 */
struct hv_coalesced {
	struct mutex lock;			/* see the legend */
	struct hv_coalesced_table __rcu *zones;
	spinlock_t ring_lock;			/* see the legend */
	u32 last;
	struct hv_coalesced_ring *ring;
};

/* 0 or -ENOMEM (the ring page). */
int hv_coalesced_init(struct hv_coalesced *c);
/* The VM is going: no vCPU runs and no mapping of the ring is left. */
void hv_coalesced_destroy(struct hv_coalesced *c);

/* HV_REGISTER_COALESCED and HV_UNREGISTER_COALESCED (@cmd). */
long hv_coalesced_ioctl(struct hv_coalesced *c, unsigned int cmd, void __user *argp);

/* The ring's page, for the vCPU fd's fault handler (which takes its own reference). */
struct page *hv_coalesced_ring_page(struct hv_coalesced *c);

/*
 * The exit path: a guest write of @len bytes of @value to port (@pio) or
 * guest-physical address @addr, already complete.  True if a zone holds it
 * and the ring had room: it is appended and the guest goes on.  False: it
 * exits to userspace as usual.  Inline, a VM without zones pays one
 * pointer test.
 */
bool __hv_coalesced_write(struct hv_coalesced *c, bool pio, u64 addr, unsigned int len,
			  u64 value);

static inline bool hv_coalesced_write(struct hv_coalesced *c, bool pio, u64 addr,
				      unsigned int len, u64 value)
{
	return rcu_access_pointer(c->zones) && __hv_coalesced_write(c, pio, addr, len, value);
}

#endif /* HV_COALESCED_H */
