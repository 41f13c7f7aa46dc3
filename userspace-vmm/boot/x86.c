// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: what both boot loaders need: reading files, the e820 map, a flat
 * GDT, identity page tables and the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../mem.h"
#include "boot.h"

/*
 * The file is mapped, not read: its pages come from the page cache as the
 * loader copies them into guest RAM, and hv-run never holds a second
 * anonymous copy of a kernel and initrd it has already put in the guest.
 */
int boot_file_read(struct boot_file *f, const char *path, size_t max)
{
	static uint8_t empty[1];
	struct stat st;
	void *p;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hv-run: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "hv-run: %s: not a regular file\n", path);
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		fprintf(stderr, "hv-run: %s: too large (%lld bytes, at most %zu)\n", path,
			(long long)st.st_size, max);
		goto out_close;
	}
	if (!st.st_size) {
		f->data = empty;
		close(fd);
		return 0;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "hv-run: %s: %s\n", path, strerror(errno));
		goto out_close;
	}
	madvise(p, st.st_size, MADV_SEQUENTIAL);
	f->data = p;
	f->size = st.st_size;
	f->mapped = true;
	close(fd);
	return 0;

out_close:
	close(fd);
	return -1;
}

void boot_file_free(struct boot_file *f)
{
	if (f->mapped)
		munmap(f->data, f->size);
	f->data = NULL;
	f->size = 0;
	f->mapped = false;
}

enum boot_kind boot_detect(const struct boot_file *kernel)
{
	/* A bzImage may also carry a multiboot header; the Linux protocol wins then. */
	if (linux_detect(kernel))
		return BOOT_LINUX;
	if (multiboot_detect(kernel))
		return BOOT_MULTIBOOT;
	return BOOT_NONE;
}

unsigned int boot_e820(const struct guest_mem *mem, struct e820_entry *e, unsigned int max)
{
	const struct e820_entry map[] = {
		{ 0, MEM_EBDA_BASE, E820_RAM },
		{ MEM_EBDA_BASE, MEM_VGA_BASE - MEM_EBDA_BASE, E820_RESERVED },
		{ MEM_BIOS_BASE, MEM_HIGH_BASE - MEM_BIOS_BASE, E820_RESERVED },
		{ MEM_HIGH_BASE, mem->low_end - MEM_HIGH_BASE, E820_RAM },
		{ MEM_4G, mem->high_size, E820_RAM },
	};
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(map) / sizeof(map[0]) && n < max; i++)
		if (map[i].size)
			e[n++] = map[i];
	return n;
}

bool boot_write_gdt(const struct guest_mem *mem, uint64_t gpa, struct hv_sregs *s)
{
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffull,	/* 0x08: 32-bit code, flat */
		0x00af9b000000ffffull,	/* 0x10: 64-bit code */
		0x00cf93000000ffffull,	/* 0x18: data, flat */
	};

	if (!mem_write(mem, gpa, gdt, sizeof(gdt)))
		return false;
	s->gdt.base = gpa;
	s->gdt.limit = sizeof(gdt) - 1;
	return true;
}

bool boot_write_identity_map(const struct guest_mem *mem)
{
	const uint64_t pdpt = BOOT_PML4_ADDR + 0x1000, pd = BOOT_PML4_ADDR + 0x2000;
	uint64_t *t = mem_gpa_to_hva(mem, BOOT_PML4_ADDR, 6 * 0x1000);
	unsigned int i;

	if (!t)
		return false;
	memset(t, 0, 6 * 0x1000);
	t[0] = pdpt | 0x3;				/* present, writable */
	for (i = 0; i < 4; i++)
		t[512 + i] = (pd + i * 0x1000) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		t[1024 + i] = ((uint64_t)i << 21) | 0x83;	/* present, writable, 2 MiB */
	return true;
}

static void boot_flat(struct hv_segment *seg, uint16_t sel, uint8_t type)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->g = 1;
	seg->db = 1;
}

void boot_flat_code(struct hv_segment *seg, uint16_t sel, bool long_mode)
{
	boot_flat(seg, sel, 0xb);		/* execute/read, accessed */
	if (long_mode) {
		seg->l = 1;
		seg->db = 0;
	}
}

void boot_flat_data(struct hv_segment *seg, uint16_t sel)
{
	boot_flat(seg, sel, 0x3);		/* read/write, accessed */
}

bool boot_write_cmdline(const struct guest_mem *mem, uint64_t gpa, const char *cmdline, size_t max)
{
	size_t len = strlen(cmdline);

	if (len > max || len >= BOOT_CMDLINE_MAX)
		return false;
	return mem_write(mem, gpa, cmdline, len + 1);
}

static uint64_t boot_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

uint32_t boot_tsc_khz(void)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	uint64_t t0, t1, c0, c1;

	/* The guest's TSC runs at the host's rate (hv only offsets it). */
	t0 = boot_now_ns();
	c0 = __rdtsc();
	nanosleep(&pause, NULL);
	c1 = __rdtsc();
	t1 = boot_now_ns();
	if (t1 <= t0 || c1 <= c0)
		return 0;
	return (c1 - c0) * 1000000ull / (t1 - t0);
}
