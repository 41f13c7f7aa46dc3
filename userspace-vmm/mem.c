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
 * With --mem-path, RAM is a file in the given directory instead, unlinked
 * at once and mapped MAP_SHARED: on a hugetlbfs mount its pages are the
 * mount's huge pages, reserved when mapped (mem_init_file()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "hv_ioctl.h"
#include "mem.h"

#define MEM_HUGE_SIZE	(2ULL << 20)
#define HUGETLBFS_MAGIC_	0x958458f6	/* <linux/magic.h>'s HUGETLBFS_MAGIC */

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

int mem_probe_dir(const char *dir, struct mem_dir_info *info)
{
	struct statfs sf;
	int fd;

	memset(info, 0, sizeof(*info));
	/* statfs() takes a file too: a directory is wanted, to make one in. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf)) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	if (access(dir, W_OK | X_OK))
		return -errno;
	info->hugetlbfs = (unsigned long)sf.f_type == HUGETLBFS_MAGIC_;
	info->page_size = info->hugetlbfs ? (uint64_t)sf.f_bsize : 4096;
	info->avail = (uint64_t)sf.f_bavail * (uint64_t)sf.f_bsize;
	return 0;
}

/* A file in @dir, unlinked: nothing is left behind however hv-run ends. */
static int mem_make_file(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/hv-run-mem.XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int mem_init_file(struct guest_mem *mem, uint64_t size, const char *dir)
{
	struct mem_dir_info info;
	uint64_t align, map_size;
	uint8_t *p, *aligned;
	int fd, r;

	memset(mem, 0, sizeof(*mem));
	if (size < MEM_MIN_SIZE || (size & 0xfff))
		return -EINVAL;
	r = mem_probe_dir(dir, &info);
	if (r)
		return r;
	if (!info.page_size || (info.page_size & (info.page_size - 1)))
		return -EINVAL;
	map_size = (size + info.page_size - 1) & ~(info.page_size - 1);
	/* 2 MiB at least: guest and host offsets in a 2 MiB frame then agree (hv's large leaves). */
	align = info.page_size > MEM_HUGE_SIZE ? info.page_size : MEM_HUGE_SIZE;
	fd = mem_make_file(dir);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)map_size)) {
		r = -errno;
		goto out_close;
	}
	/* Room to align in, then the file over its aligned part. */
	p = mmap(NULL, map_size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto out_close;
	}
	aligned = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	/*
	 * No MAP_NORESERVE: on hugetlbfs this reserves every huge page now, so
	 * that too small a pool fails here (ENOMEM) and never as a SIGBUS when
	 * the guest first touches a page the pool cannot give.
	 */
	if (mmap(aligned, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		r = -errno;
		munmap(p, map_size + align);
		goto out_close;
	}
	if (aligned != p)
		munmap(p, aligned - p);
	if (aligned + map_size != p + map_size + align)
		munmap(aligned + map_size, p + map_size + align - (aligned + map_size));
	/* Best effort, as for anonymous RAM. */
	madvise(aligned, map_size, MADV_DONTFORK);
	mem->host = aligned;
	mem->size = size;
	mem->low_end = size < MEM_LOW_MAX ? size : MEM_LOW_MAX;
	mem->high_size = size - mem->low_end;
	mem->file = true;
	mem->hugetlbfs = info.hugetlbfs;
	mem->fd = fd;
	mem->map_size = map_size;
	mem->page_size = info.page_size;
	return 0;
out_close:
	close(fd);
	return r;
}

int mem_punch(const struct guest_mem *mem, void *hva, uint64_t len)
{
	uint64_t off = (uint64_t)((uint8_t *)hva - mem->host);

	if (!mem->file || (uint8_t *)hva < mem->host || off > mem->map_size ||
	    len > mem->map_size - off) {
		errno = EINVAL;
		return -1;
	}
	return fallocate(mem->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			 (off_t)len);
}

void mem_destroy(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->file ? mem->map_size : mem->size);
	if (mem->file)
		close(mem->fd);
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
