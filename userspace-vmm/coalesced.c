// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: draining hv's coalesced ring (coalesced.h).
 *
 * Order.  The guest's writes must reach the devices in the order the guest
 * made them, relative to each other and to the exits hv-run handles.  hv
 * appends a vCPU's write before that vCPU can exit again, so a vCPU thread
 * that drains the ring before handling its exit applies every earlier
 * write of its vCPU first.  Drainers are serialized by c->lock, and first
 * is advanced only after an entry has been applied: a thread that finds
 * the ring empty without the lock (first == last) knows that every entry
 * appended before it looked has been applied already, not merely taken
 * by a drainer still working on it.
 *
 * Memory ordering follows docs/abi.md: last is loaded with acquire (the
 * entries before it are complete), first is stored with release once the
 * entry is used (hv may overwrite the slot after it loads first with
 * acquire).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coalesced.h"
#include "hv_ioctl.h"

#define RING_SLOTS	HV_COALESCED_RING_ENTRIES

void coalesced_attach(struct coalesced *c, struct hv_coalesced_ring *ring, struct iobus *pio,
		      struct iobus *mmio)
{
	memset(c, 0, sizeof(*c));
	c->ring = ring;
	c->pio = pio;
	c->mmio = mmio;
	pthread_mutex_init(&c->lock, NULL);
}

int coalesced_init(struct coalesced *c, int vcpu_fd, long page_offset, struct iobus *pio,
		   struct iobus *mmio)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (page_offset <= 0 || page < (long)sizeof(struct hv_coalesced_ring))
		return -EINVAL;
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		 (off_t)page_offset * page);
	if (p == MAP_FAILED)
		return -errno;
	coalesced_attach(c, p, pio, mmio);
	c->map_size = (size_t)page;
	return 0;
}

int coalesced_add_zone(struct coalesced *c, int vm_fd, uint64_t addr, uint32_t len, bool pio)
{
	struct hv_coalesced_zone z = {
		.addr = addr, .len = len, .flags = pio ? HV_COALESCED_FLAG_PIO : 0,
	};

	if (!c->ring)
		return -ENODEV;
	return hv_ioctl_register_coalesced(vm_fd, &z) < 0 ? -errno : 0;
}

void coalesced_drain(struct coalesced *c)
{
	struct hv_coalesced_ring *ring = c->ring;
	uint32_t first, last;

	if (!ring)
		return;
	/* Acquire on first too: whoever advanced it had applied the entries before it. */
	if (__atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&c->lock);
	first = ring->first;		/* ours: only drainers write it, under the lock */
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	while (first != last && first < RING_SLOTS && last < RING_SLOTS) {
		struct hv_coalesced_entry e = ring->entries[first];
		uint64_t v = 0;

		if ((e.len == 1 || e.len == 2 || e.len == 4 || e.len == 8) && e.pio <= 1) {
			memcpy(&v, e.data, e.len);
			iobus_access(e.pio ? c->pio : c->mmio, e.addr, true, e.len, &v);
			c->writes++;
		} else {
			c->dropped++;
		}
		first = first + 1 == RING_SLOTS ? 0 : first + 1;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&c->lock);
}

uint64_t coalesced_writes(struct coalesced *c)
{
	uint64_t n;

	if (!c->ring)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = c->writes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void coalesced_destroy(struct coalesced *c)
{
	if (c->map_size)
		munmap(c->ring, c->map_size);
	if (c->ring)
		pthread_mutex_destroy(&c->lock);
	c->ring = NULL;
	c->map_size = 0;
}
