// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: guest RAM, see mem.h for the map.  The mapping is MAP_NORESERVE:
 * ordinary memory that hv maps into the guest when it first touches a page
 * (and follows if the host swaps, merges or moves it), so an idle 1 GiB
 * guest costs what it touched.  MADV_DONTFORK: a child of hv-run (none
 * today) would otherwise make every guest page copy-on-write, and hv drop
 * its mappings of all of them.  With huge pages (--hugepages) the mapping
 * is 2 MiB-aligned and MADV_HUGEPAGE: the host backs it with transparent
 * huge pages where it can, and hv maps those with 2 MiB nested leaves
 * (guest-physical and host addresses share their offsets in a 2 MiB frame).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "hv_ioctl.h"
#include "mem.h"

#define MEM_HUGE_SIZE	(2ULL << 20)

int mem_init(struct guest_mem *mem, uint64_t size)
{
	return mem_init_huge(mem, size, false);
}

int mem_init_huge(struct guest_mem *mem, uint64_t size, bool huge)
{
	uint64_t extra = huge ? MEM_HUGE_SIZE : 0;
	uint8_t *p, *aligned;

	memset(mem, 0, sizeof(*mem));
	if (size < MEM_MIN_SIZE || (size & 0xfff))
		return -EINVAL;
	p = mmap(NULL, size + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	aligned = p;
	if (huge) {
		aligned = (uint8_t *)(((uintptr_t)p + MEM_HUGE_SIZE - 1) & ~(uintptr_t)(MEM_HUGE_SIZE - 1));
		if (aligned != p)
			munmap(p, aligned - p);
		if (aligned + size != p + size + extra)
			munmap(aligned + size, p + size + extra - (aligned + size));
		if (madvise(aligned, size, MADV_HUGEPAGE)) {
			int e = errno;

			munmap(aligned, size);
			return -e;
		}
	}
	/* Best effort: without it a fork only costs copy-on-write. */
	madvise(aligned, size, MADV_DONTFORK);
	p = aligned;
	mem->host = p;
	mem->size = size;
	mem->low_end = size < MEM_LOW_MAX ? size : MEM_LOW_MAX;
	mem->high_size = size - mem->low_end;
	return 0;
}

void mem_destroy(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	memset(mem, 0, sizeof(*mem));
}

/* [gpa, gpa+len) inside [start, end)?  Written so that nothing can overflow. */
static bool range_within(uint64_t gpa, uint64_t len, uint64_t start, uint64_t end)
{
	return gpa >= start && gpa <= end && len <= end - gpa;
}

void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (!mem->host)
		return NULL;
	if (range_within(gpa, len, 0, MEM_VGA_BASE) ||
	    range_within(gpa, len, MEM_ROM_BASE, mem->low_end))
		return mem->host + gpa;
	if (mem->high_size && range_within(gpa, len, MEM_4G, MEM_4G + mem->high_size))
		return mem->host + mem->low_end + (gpa - MEM_4G);
	return NULL;
}

bool mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = mem_gpa_to_hva(mem, gpa, len);

	if (!dst)
		return false;
	memcpy(dst, src, len);
	return true;
}

bool mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, uint64_t len)
{
	const void *src = mem_gpa_to_hva(mem, gpa, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

static int add_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, void *hva)
{
	struct hv_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return hv_ioctl_set_memory_region(vm_fd, &r) < 0 ? -errno : 0;
}

int mem_register(const struct guest_mem *mem, int vm_fd)
{
	int r;

	r = add_slot(vm_fd, 0, 0, 0, MEM_VGA_BASE, mem->host);
	if (!r)
		r = add_slot(vm_fd, 1, HV_MEM_READONLY, MEM_ROM_BASE, MEM_HIGH_BASE - MEM_ROM_BASE,
			     mem->host + MEM_ROM_BASE);
	if (!r)
		r = add_slot(vm_fd, 2, 0, MEM_HIGH_BASE, mem->low_end - MEM_HIGH_BASE,
			     mem->host + MEM_HIGH_BASE);
	if (!r && mem->high_size)
		r = add_slot(vm_fd, 3, 0, MEM_4G, mem->high_size, mem->host + mem->low_end);
	return r;
}
