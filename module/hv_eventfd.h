/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Eventfd fast paths (hv_eventfd.c): ioeventfd, guest writes that signal an
 * eventfd without a trip to userspace, and irqfd, eventfd signals that
 * become MSIs to the in-kernel local APICs.
 */
#ifndef HV_EVENTFD_H
#define HV_EVENTFD_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct hv_vm;
struct hv_ioevent_table;

/*
 * A VM's registrations.
 *
 * Locking legend:
 *   lock      - serializes HV_IOEVENTFD and HV_IRQFD and the teardown; guards
 *               irqfds and every change of ioevents.
 *   ioevents  - RCU: the exit path reads it under rcu_read_lock(); a change
 *               publishes a new table and frees the old one after a grace
 *               period (an eventfd it drops is put only after one too).
 *   nr_irqfds - lock.
 */
struct hv_eventfds {
	struct mutex lock;		/* see the legend */
	struct hv_ioevent_table __rcu *ioevents;
	struct list_head irqfds;
	unsigned int nr_irqfds;
};

void hv_eventfds_init(struct hv_eventfds *ev);
/* The VM is going: every registration is removed, no irqfd work runs after it. */
void hv_eventfds_destroy(struct hv_eventfds *ev);

long hv_vm_ioeventfd(struct hv_vm *vm, void __user *argp);
long hv_vm_irqfd(struct hv_vm *vm, void __user *argp);

/*
 * The exit path: a guest write of @len bytes of @value to port (@pio) or
 * guest-physical address @addr.  True if an ioeventfd took it (signalled);
 * the caller then completes the instruction in the kernel.  Inline, a VM
 * without registrations pays one pointer test.
 */
bool __hv_ioeventfd_write(struct hv_eventfds *ev, bool pio, u64 addr, unsigned int len,
			  u64 value);

static inline bool hv_ioeventfd_write(struct hv_eventfds *ev, bool pio, u64 addr,
				      unsigned int len, u64 value)
{
	return rcu_access_pointer(ev->ioevents) && __hv_ioeventfd_write(ev, pio, addr, len, value);
}

#endif /* HV_EVENTFD_H */
