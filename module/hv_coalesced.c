// SPDX-License-Identifier: GPL-2.0
/*
 * The coalesced MMIO/PIO ring (HV_REGISTER_COALESCED, HV_UNREGISTER_COALESCED).
 *
 * Some device registers are written often and need not be acted on at
 * once: an index register that only selects what the next access to its
 * data register reaches (the RTC's port 0x70), a framebuffer, a log port.
 * A write to a registered zone is appended to a page shared with the VMM
 * and the vCPU goes on without a round trip to userspace; the VMM applies
 * the appended writes, in order, before it handles any exit.  The guest's
 * order holds for everything the VMM can see: a write that follows a
 * coalesced one is either appended after it or exits, and the VMM handles
 * that exit only after its drain.  A write the ring has no room for exits
 * as it would without a zone, so nothing is dropped, and the order holds
 * for the same reason.
 *
 * The ring (uapi's struct hv_coalesced_ring) is one page per VM, allocated
 * with the VM and freed with it, shared by its vCPUs and mapped through
 * each vCPU fd (hv_vcpu.c).  A mapping keeps its vCPU file, and so the VM
 * and the page, alive; the fault handler also takes a page reference of
 * its own, as for struct hv_run.  vCPUs append under ring_lock at the
 * kernel's own index @last and publish each entry with a release store of
 * the page's last; the VMM consumes from first and hands slots back with a
 * release store of first, which the kernel reads with acquire before it
 * reuses a slot.  Both indexes live in memory the VMM can write: the
 * kernel never reads the page's last, and a first out of range counts as
 * a full ring, so a VMM that scribbles on the page only loses coalescing.
 *
 * Zones are an RCU-published table, as ioeventfds are (hv_eventfd.c): the
 * exit path looks a write up without a lock, a change publishes a new
 * table under the lock, and an unregister returns only after a grace
 * period, when no vCPU can still append for the zone.
 *
 * Precedence (hv_emulate.c): the local APIC, then ioeventfds, then zones.
 * Only completed, non-string OUTs and MMIO stores are looked up; reads,
 * INS/OUTS and stores to guest RAM never are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv_coalesced.h"
#include "hv_vm.h"

#define HV_PIO_SPACE		0x10000u

struct hv_coalesced_range {
	u64 addr;
	u64 end;			/* exclusive */
	bool pio;
};

struct hv_coalesced_table {
	struct rcu_head rcu;
	unsigned int n;
	struct hv_coalesced_range z[];
};

/* ---- the ring ------------------------------------------------------------------- */

static bool hv_coalesced_append(struct hv_coalesced *c, bool pio, u64 addr, unsigned int len,
				u64 value)
{
	struct hv_coalesced_ring *ring = c->ring;
	struct hv_coalesced_entry *e;
	bool appended = false;
	u32 first, next;
	__le64 data;

	spin_lock(&c->ring_lock);
	/* Acquire: the VMM is done with every slot before first once it stored it. */
	first = smp_load_acquire(&ring->first);
	next = c->last + 1 == HV_COALESCED_RING_ENTRIES ? 0 : c->last + 1;
	if (first < HV_COALESCED_RING_ENTRIES && next != first) {
		e = &ring->entries[c->last];
		e->addr = addr;
		e->len = len;
		e->pio = pio;
		data = cpu_to_le64(len >= 8 ? value : value & (BIT_ULL(len * 8) - 1));
		memcpy(e->data, &data, sizeof(e->data));
		/* Release: the entry is complete before the index that hands it over. */
		smp_store_release(&ring->last, next);
		c->last = next;
		appended = true;
	}
	spin_unlock(&c->ring_lock);
	return appended;
}

bool __hv_coalesced_write(struct hv_coalesced *c, bool pio, u64 addr, unsigned int len,
			  u64 value)
{
	const struct hv_coalesced_table *t;
	bool appended = false;
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(c->zones);
	for (i = 0; t && i < t->n; i++) {
		const struct hv_coalesced_range *z = &t->z[i];

		/* Zones of one space never overlap: the first that holds it is the one. */
		if (z->pio == pio && addr >= z->addr && addr + len <= z->end) {
			appended = hv_coalesced_append(c, pio, addr, len, value);
			break;
		}
	}
	rcu_read_unlock();
	return appended;
}

struct page *hv_coalesced_ring_page(struct hv_coalesced *c)
{
	return virt_to_page(c->ring);
}

/* ---- zones ---------------------------------------------------------------------- */

static int hv_coalesced_check(const struct hv_coalesced_zone *zone)
{
	u64 end = zone->addr + zone->len;

	if (zone->flags & ~HV_COALESCED_FLAG_PIO)
		return -EINVAL;
	if (!zone->len || end < zone->addr)
		return -EINVAL;
	if (end > (zone->flags & HV_COALESCED_FLAG_PIO ? HV_PIO_SPACE : HV_GPA_LIMIT))
		return -EINVAL;
	return 0;
}

/* A copy of @old (may be NULL) without entry @skip (-1: none) and room for @extra more. */
static struct hv_coalesced_table *hv_coalesced_copy(const struct hv_coalesced_table *old,
						    int skip, unsigned int extra)
{
	unsigned int i, n = old ? old->n : 0;
	struct hv_coalesced_table *t;

	t = kmalloc(struct_size(t, z, n + extra), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->n = 0;
	for (i = 0; i < n; i++)
		if ((int)i != skip)
			t->z[t->n++] = old->z[i];
	return t;
}

static int hv_coalesced_register(struct hv_coalesced *c, const struct hv_coalesced_range *n)
{
	struct hv_coalesced_table *old, *t;
	unsigned int i;
	int r = 0;

	mutex_lock(&c->lock);
	old = rcu_dereference_protected(c->zones, lockdep_is_held(&c->lock));
	for (i = 0; old && i < old->n; i++) {
		const struct hv_coalesced_range *z = &old->z[i];

		if (z->pio == n->pio && z->addr < n->end && n->addr < z->end) {
			r = -EEXIST;
			goto out;
		}
	}
	if (old && old->n >= HV_MAX_COALESCED_ZONES) {
		r = -ENOSPC;
		goto out;
	}
	t = hv_coalesced_copy(old, -1, 1);
	if (!t) {
		r = -ENOMEM;
		goto out;
	}
	t->z[t->n++] = *n;
	rcu_assign_pointer(c->zones, t);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&c->lock);
	return r;
}

static int hv_coalesced_unregister(struct hv_coalesced *c, const struct hv_coalesced_range *n)
{
	struct hv_coalesced_table *old, *t = NULL;
	int i, found = -1;

	mutex_lock(&c->lock);
	old = rcu_dereference_protected(c->zones, lockdep_is_held(&c->lock));
	for (i = 0; old && i < old->n; i++)
		if (old->z[i].pio == n->pio && old->z[i].addr == n->addr && old->z[i].end == n->end)
			found = i;
	if (found < 0) {
		mutex_unlock(&c->lock);
		return -ENOENT;
	}
	if (old->n > 1) {
		t = hv_coalesced_copy(old, found, 0);
		if (!t) {
			mutex_unlock(&c->lock);
			return -ENOMEM;
		}
	}
	rcu_assign_pointer(c->zones, t);
	mutex_unlock(&c->lock);
	/* Once this returns no vCPU still appends for the zone (the ABI promises it). */
	synchronize_rcu();
	kfree(old);
	return 0;
}

long hv_coalesced_ioctl(struct hv_coalesced *c, unsigned int cmd, void __user *argp)
{
	struct hv_coalesced_zone zone;
	struct hv_coalesced_range n;
	int r;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	r = hv_coalesced_check(&zone);
	if (r)
		return r;
	n.addr = zone.addr;
	n.end = zone.addr + zone.len;
	n.pio = zone.flags & HV_COALESCED_FLAG_PIO;
	if (cmd == HV_UNREGISTER_COALESCED)
		return hv_coalesced_unregister(c, &n);
	return hv_coalesced_register(c, &n);
}

/* ---- the VM's life -------------------------------------------------------------- */

int hv_coalesced_init(struct hv_coalesced *c)
{
	BUILD_BUG_ON(sizeof(struct hv_coalesced_zone) != 16);
	BUILD_BUG_ON(sizeof(struct hv_coalesced_entry) != 24);
	BUILD_BUG_ON(sizeof(struct hv_coalesced_ring) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct hv_coalesced_ring) + sizeof(struct hv_coalesced_entry) <=
		     PAGE_SIZE);

	mutex_init(&c->lock);
	RCU_INIT_POINTER(c->zones, NULL);
	spin_lock_init(&c->ring_lock);
	c->last = 0;
	c->ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return c->ring ? 0 : -ENOMEM;
}

void hv_coalesced_destroy(struct hv_coalesced *c)
{
	/* No vCPU runs any more: nobody looks at the table. */
	kfree(rcu_dereference_protected(c->zones, true));
	RCU_INIT_POINTER(c->zones, NULL);
	free_page((unsigned long)c->ring);
	c->ring = NULL;
}
