// SPDX-License-Identifier: GPL-2.0
/*
 * Eventfd fast paths: ioeventfd and irqfd (HV_IOEVENTFD, HV_IRQFD).
 *
 * ioeventfd.  A VMM's device learns of a guest's doorbell write (a virtio
 * queue notification, say) through an eventfd its I/O thread waits on; the
 * vCPU completes the write in the kernel and goes on without a trip to
 * userspace.  The registrations are an RCU-published table: the exit path
 * looks a write up without a lock, HV_IOEVENTFD replaces the table under
 * the VM's eventfd lock, and an eventfd a change drops is put only after a
 * grace period, once no exit can still be signalling it.
 *
 * irqfd.  A device thread (or another process, or the kernel) signals an
 * eventfd and hv delivers its MSI, without an ioctl.  hv waits on the
 * eventfd as poll() would: its wake function runs in the signaller's
 * context with the eventfd's wait-queue lock held and interrupts off, so it
 * delivers there only what needs no allocation (fixed and NMI-like modes,
 * all of Linux's MSIs); lowest-priority arbitration is handed to a work
 * item.  Closing the eventfd wakes the wait queue with EPOLLHUP and a work
 * item removes the irqfd.
 *
 * Teardown.  Whoever unlinks an irqfd from the VM's list (deassign, VM
 * teardown or the EPOLLHUP work) frees it: it leaves the wait queue (after
 * which no wake function can run for it), waits for its work items and
 * puts the eventfd.  The VM is freed only after hv_eventfds_destroy(), so
 * no work item outlives it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "hv_compat.h"
#include "hv_eventfd.h"
#include "hv_lapic.h"
#include "hv_vm.h"

#define HV_PIO_SPACE		0x10000u

/* ---- ioeventfd ---------------------------------------------------------------- */

struct hv_ioevent {
	u64 addr;
	u64 datamatch;
	struct eventfd_ctx *ctx;
	u8 len;
	bool pio;
	bool match;
};

struct hv_ioevent_table {
	struct rcu_head rcu;
	unsigned int n;
	struct hv_ioevent e[];
};

static u64 hv_len_mask(unsigned int len)
{
	return len >= 8 ? ~0ull : BIT_ULL(len * 8) - 1;
}

bool __hv_ioeventfd_write(struct hv_eventfds *ev, bool pio, u64 addr, unsigned int len,
			  u64 value)
{
	const struct hv_ioevent_table *t;
	bool hit = false;
	unsigned int i;

	value &= hv_len_mask(len);
	rcu_read_lock();
	t = rcu_dereference(ev->ioevents);
	for (i = 0; t && i < t->n; i++) {
		const struct hv_ioevent *e = &t->e[i];

		if (e->addr != addr || e->len != len || e->pio != pio ||
		    (e->match && e->datamatch != value))
			continue;
		hv_eventfd_signal(e->ctx);
		hit = true;
		break;
	}
	rcu_read_unlock();
	return hit;
}

static int hv_ioeventfd_check(const struct hv_ioeventfd *args)
{
	bool pio = args->flags & HV_IOEVENTFD_FLAG_PIO;
	u64 end = args->addr + args->len;
	unsigned int i;

	if (args->flags & ~(HV_IOEVENTFD_FLAG_PIO | HV_IOEVENTFD_FLAG_DATAMATCH |
			    HV_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(args->reserved); i++)
		if (args->reserved[i])
			return -EINVAL;
	if (args->len != 1 && args->len != 2 && args->len != 4 && args->len != 8)
		return -EINVAL;
	if (pio && (args->len == 8 || args->addr >= HV_PIO_SPACE || end > HV_PIO_SPACE))
		return -EINVAL;
	if (!pio && (end < args->addr || end > HV_GPA_LIMIT))
		return -EINVAL;
	/* A value that does not fit can never match; without DATAMATCH there is none. */
	if (args->flags & HV_IOEVENTFD_FLAG_DATAMATCH) {
		if (args->datamatch & ~hv_len_mask(args->len))
			return -EINVAL;
	} else if (args->datamatch) {
		return -EINVAL;
	}
	return 0;
}

/* Two registrations of one space that could both claim a write. */
static bool hv_ioevent_collides(const struct hv_ioevent *e, const struct hv_ioevent *n)
{
	if (e->pio != n->pio || e->addr + e->len <= n->addr || n->addr + n->len <= e->addr)
		return false;
	if (e->addr != n->addr || e->len != n->len)
		return true;
	return !e->match || !n->match || e->datamatch == n->datamatch;
}

static bool hv_ioevent_same(const struct hv_ioevent *e, const struct hv_ioevent *n)
{
	return e->pio == n->pio && e->addr == n->addr && e->len == n->len &&
	       e->match == n->match && (!e->match || e->datamatch == n->datamatch) &&
	       e->ctx == n->ctx;
}

/* A copy of @old (may be NULL) without entry @skip (-1: none) and room for @extra more. */
static struct hv_ioevent_table *hv_ioevent_copy(const struct hv_ioevent_table *old, int skip,
						unsigned int extra)
{
	unsigned int i, n = old ? old->n : 0;
	struct hv_ioevent_table *t;

	t = kmalloc(struct_size(t, e, n + extra), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->n = 0;
	for (i = 0; i < n; i++)
		if ((int)i != skip)
			t->e[t->n++] = old->e[i];
	return t;
}

static int hv_ioeventfd_assign(struct hv_eventfds *ev, struct hv_ioevent *n)
{
	struct hv_ioevent_table *old, *t;
	unsigned int i;
	int r = 0;

	mutex_lock(&ev->lock);
	old = rcu_dereference_protected(ev->ioevents, lockdep_is_held(&ev->lock));
	for (i = 0; old && i < old->n; i++) {
		if (hv_ioevent_collides(&old->e[i], n)) {
			r = -EEXIST;
			goto out;
		}
	}
	if (old && old->n >= HV_MAX_IOEVENTFDS) {
		r = -ENOSPC;
		goto out;
	}
	t = hv_ioevent_copy(old, -1, 1);
	if (!t) {
		r = -ENOMEM;
		goto out;
	}
	t->e[t->n++] = *n;
	rcu_assign_pointer(ev->ioevents, t);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&ev->lock);
	return r;
}

/* Removes the registration equal to @n; its eventfd reference is put. */
static int hv_ioeventfd_deassign(struct hv_eventfds *ev, const struct hv_ioevent *n)
{
	struct hv_ioevent_table *old, *t = NULL;
	struct eventfd_ctx *ctx;
	int i, found = -1;

	mutex_lock(&ev->lock);
	old = rcu_dereference_protected(ev->ioevents, lockdep_is_held(&ev->lock));
	for (i = 0; old && i < old->n; i++)
		if (hv_ioevent_same(&old->e[i], n))
			found = i;
	if (found < 0) {
		mutex_unlock(&ev->lock);
		return -ENOENT;
	}
	if (old->n > 1) {
		t = hv_ioevent_copy(old, found, 0);
		if (!t) {
			mutex_unlock(&ev->lock);
			return -ENOMEM;
		}
	}
	ctx = old->e[found].ctx;
	rcu_assign_pointer(ev->ioevents, t);
	mutex_unlock(&ev->lock);
	/* No exit still looks at the old table once this returns. */
	synchronize_rcu();
	kfree(old);
	eventfd_ctx_put(ctx);
	return 0;
}

long hv_vm_ioeventfd(struct hv_vm *vm, void __user *argp)
{
	struct hv_ioeventfd args;
	struct hv_ioevent n;
	int r;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	r = hv_ioeventfd_check(&args);
	if (r)
		return r;
	n.ctx = eventfd_ctx_fdget(args.fd);
	if (IS_ERR(n.ctx))
		return PTR_ERR(n.ctx);
	n.addr = args.addr;
	n.len = args.len;
	n.pio = args.flags & HV_IOEVENTFD_FLAG_PIO;
	n.match = args.flags & HV_IOEVENTFD_FLAG_DATAMATCH;
	n.datamatch = args.datamatch;
	if (args.flags & HV_IOEVENTFD_FLAG_DEASSIGN) {
		r = hv_ioeventfd_deassign(&vm->eventfds, &n);
		eventfd_ctx_put(n.ctx);		/* the lookup's reference */
		return r;
	}
	r = hv_ioeventfd_assign(&vm->eventfds, &n);
	if (r)
		eventfd_ctx_put(n.ctx);
	return r;
}

/* ---- irqfd -------------------------------------------------------------------- */

/*
 * One irqfd.  Everything is set before it is linked and constant after;
 * @link is the VM's eventfd lock's (empty once unlinked, see the teardown
 * rule above).
 */
struct hv_irqfd_entry {
	struct hv_vm *vm;
	struct eventfd_ctx *ctx;
	u64 msi_address;
	u32 msi_data;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;	/* delivery that needs process context */
	struct work_struct shutdown;	/* the eventfd was closed */
	struct list_head link;
	struct hv_irqfd_entry *next_free;
};

static void hv_irqfd_inject(struct work_struct *work)
{
	struct hv_irqfd_entry *irqfd = container_of(work, struct hv_irqfd_entry, inject);

	hv_vm_deliver_msi(irqfd->vm, irqfd->msi_address, irqfd->msi_data, true);
}

/* @irqfd is unlinked, by the caller: take it off the eventfd and free it. */
static void hv_irqfd_free(struct hv_irqfd_entry *irqfd, bool from_shutdown)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	cancel_work_sync(&irqfd->inject);
	if (!from_shutdown)
		cancel_work_sync(&irqfd->shutdown);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

static void hv_irqfd_shutdown(struct work_struct *work)
{
	struct hv_irqfd_entry *irqfd = container_of(work, struct hv_irqfd_entry, shutdown);
	struct hv_eventfds *ev = &irqfd->vm->eventfds;

	mutex_lock(&ev->lock);
	if (list_empty(&irqfd->link)) {
		/* A deassign or the teardown unlinked it first: theirs to free. */
		mutex_unlock(&ev->lock);
		return;
	}
	list_del_init(&irqfd->link);
	ev->nr_irqfds--;
	mutex_unlock(&ev->lock);
	hv_irqfd_free(irqfd, true);
}

/* The eventfd's wait-queue lock is held, interrupts are off. */
static int hv_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct hv_irqfd_entry *irqfd = container_of(wait, struct hv_irqfd_entry, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		/* Signals not yet delivered merge into this one, as edges do. */
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		if (hv_vm_deliver_msi(irqfd->vm, irqfd->msi_address, irqfd->msi_data, false) ==
		    -EWOULDBLOCK)
			schedule_work(&irqfd->inject);
	}
	if (flags & EPOLLHUP)
		schedule_work(&irqfd->shutdown);
	return 0;
}

static void hv_irqfd_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct hv_irqfd_entry *irqfd = container_of(pt, struct hv_irqfd_entry, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

static int hv_irqfd_assign(struct hv_vm *vm, const struct hv_irqfd *args)
{
	struct hv_eventfds *ev = &vm->eventfds;
	struct hv_irqfd_entry *irqfd, *other;
	struct file *file;
	__poll_t events;
	int r;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	r = -EBADF;
	file = fget(args->fd);
	if (!file)
		goto out_free;
	irqfd->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->ctx)) {
		r = PTR_ERR(irqfd->ctx);
		goto out_fput;
	}
	irqfd->vm = vm;
	irqfd->msi_address = args->msi_address;
	irqfd->msi_data = args->msi_data;
	INIT_WORK(&irqfd->inject, hv_irqfd_inject);
	INIT_WORK(&irqfd->shutdown, hv_irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, hv_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, hv_irqfd_queue);

	mutex_lock(&ev->lock);
	list_for_each_entry(other, &ev->irqfds, link) {
		if (other->ctx == irqfd->ctx) {
			r = -EEXIST;
			goto out_unlock;
		}
	}
	r = -ENOSPC;
	if (ev->nr_irqfds >= HV_MAX_IRQFDS)
		goto out_unlock;
	list_add_tail(&irqfd->link, &ev->irqfds);
	ev->nr_irqfds++;
	/*
	 * On the wait queue from here on; our file reference keeps the eventfd
	 * open, so its EPOLLHUP (and the shutdown work) can only come later.
	 */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		schedule_work(&irqfd->inject);
	mutex_unlock(&ev->lock);
	fput(file);
	return 0;

out_unlock:
	mutex_unlock(&ev->lock);
	eventfd_ctx_put(irqfd->ctx);
out_fput:
	fput(file);
out_free:
	kfree(irqfd);
	return r;
}

static int hv_irqfd_deassign(struct hv_vm *vm, const struct hv_irqfd *args)
{
	struct hv_eventfds *ev = &vm->eventfds;
	struct hv_irqfd_entry *irqfd, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&ev->lock);
	list_for_each_entry(irqfd, &ev->irqfds, link) {
		if (irqfd->ctx == ctx && irqfd->msi_address == args->msi_address &&
		    irqfd->msi_data == args->msi_data) {
			found = irqfd;
			list_del_init(&found->link);
			ev->nr_irqfds--;
			break;
		}
	}
	mutex_unlock(&ev->lock);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	hv_irqfd_free(found, false);
	return 0;
}

long hv_vm_irqfd(struct hv_vm *vm, void __user *argp)
{
	struct hv_irqfd args;
	unsigned int i;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~HV_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(args.reserved); i++)
		if (args.reserved[i])
			return -EINVAL;
	if (!READ_ONCE(vm->lapic_enabled))
		return -ENXIO;
	if (args.flags & HV_IRQFD_FLAG_DEASSIGN)
		return hv_irqfd_deassign(vm, &args);
	if (hv_msi_check(args.msi_address, args.msi_data))
		return -EINVAL;
	return hv_irqfd_assign(vm, &args);
}

/* ---- the VM's life ------------------------------------------------------------ */

void hv_eventfds_init(struct hv_eventfds *ev)
{
	BUILD_BUG_ON(sizeof(struct hv_ioeventfd) != 40);
	BUILD_BUG_ON(sizeof(struct hv_irqfd) != 32);

	mutex_init(&ev->lock);
	RCU_INIT_POINTER(ev->ioevents, NULL);
	INIT_LIST_HEAD(&ev->irqfds);
	ev->nr_irqfds = 0;
}

void hv_eventfds_destroy(struct hv_eventfds *ev)
{
	struct hv_irqfd_entry *irqfd, *tmp, *to_free = NULL;
	struct hv_ioevent_table *t;
	unsigned int i;

	mutex_lock(&ev->lock);
	list_for_each_entry_safe(irqfd, tmp, &ev->irqfds, link) {
		list_del_init(&irqfd->link);
		irqfd->next_free = to_free;
		to_free = irqfd;
	}
	ev->nr_irqfds = 0;
	t = rcu_dereference_protected(ev->ioevents, lockdep_is_held(&ev->lock));
	RCU_INIT_POINTER(ev->ioevents, NULL);
	mutex_unlock(&ev->lock);

	/* Outside the lock: a shutdown work item waiting for it must get it to finish. */
	while (to_free) {
		irqfd = to_free;
		to_free = irqfd->next_free;
		hv_irqfd_free(irqfd, false);
	}
	/* The last reference to the VM is gone: no vCPU is in an exit any more. */
	for (i = 0; t && i < t->n; i++)
		eventfd_ctx_put(t->e[i].ctx);
	kfree(t);
}
