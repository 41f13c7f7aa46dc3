/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: guest RAM.  One anonymous mapping backs all of it; the guest
 * physical map is
 *
 *   [0, 0x9fc00)            RAM                     (e820 usable)
 *   [0x9fc00, 0xa0000)      EBDA                    (RAM, e820 reserved)
 *   [0xa0000, 0xc0000)      VGA window (no memory: MMIO exits)
 *   [0xc0000, 0xe0000)      option ROM area: zeros, read-only to the guest
 *   [0xe0000, 0x100000)     BIOS area: firmware tables, read-only to the guest
 *
 * The ROM and BIOS areas are memory, not holes, because Linux scans them
 * with arbitrary instructions (e.g. CMP for the iBFT signature) that an
 * MMIO exit could not emulate.
 *   [0x100000, low_end)     RAM
 *   [low_end, 4 GiB)        32-bit hole for MMIO (only when RAM exceeds MEM_LOW_MAX)
 *   [4 GiB, 4 GiB + high)   the rest of RAM
 *
 * Host offsets equal guest addresses below 4 GiB; RAM above 4 GiB follows
 * the low part directly in the host mapping.
 */
#ifndef HV_RUN_MEM_H
#define HV_RUN_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_LOW_RAM_END		0x9fc00ull	/* below: conventional RAM */
#define MEM_EBDA_BASE		0x9fc00ull	/* EBDA, reserved */
#define MEM_VGA_BASE		0xa0000ull	/* VGA window: not memory */
#define MEM_ROM_BASE		0xc0000ull	/* option ROMs + BIOS: read-only memory */
#define MEM_BIOS_BASE		0xe0000ull	/* BIOS area: firmware tables */
#define MEM_HIGH_BASE		0x100000ull	/* 1 MiB: RAM again */
#define MEM_LOW_MAX		0xc0000000ull	/* RAM below 4 GiB ends here at the latest */
#define MEM_4G			0x100000000ull
#define MEM_MIN_SIZE		(16ull << 20)	/* smaller guests are refused */

struct guest_mem {
	uint8_t *host;		/* hva of gpa 0 */
	uint64_t size;		/* RAM bytes in all, as given by --mem */
	uint64_t low_end;	/* RAM below 4 GiB ends here (gpa) */
	uint64_t high_size;	/* RAM bytes at 4 GiB and up */
	/*
	 * --mem-path: RAM is a shared mapping of an unlinked file, @fd, at
	 * file offset 0 = host; @map_size is @size rounded up to the file
	 * system's huge page (@page_size, 4096 off hugetlbfs).  Pages go back
	 * to the host by punching holes in it (mem_discard()).
	 */
	bool file;
	bool hugetlbfs;
	int fd;
	uint64_t map_size;
	uint64_t page_size;
};

/* What --mem-path DIR offers (mem_probe_dir()). */
struct mem_dir_info {
	bool hugetlbfs;
	uint64_t page_size;	/* hugetlbfs: its huge page size, else 4096 */
	uint64_t avail;		/* not hugetlbfs: bytes free for an unprivileged file */
};

/* 0, or -errno (mapping failed).  @size is page aligned and >= MEM_MIN_SIZE. */
int mem_init(struct guest_mem *mem, uint64_t size);
/*
 * The same, with @huge (--hugepages): 2 MiB-aligned and MADV_HUGEPAGE;
 * -EINVAL then also means the host has no transparent huge pages.
 */
int mem_init_huge(struct guest_mem *mem, uint64_t size, bool huge);
/*
 * --mem-path: 0 and *@info, or -errno (ENOENT, ENOTDIR...) for @dir.
 */
int mem_probe_dir(const char *dir, struct mem_dir_info *info);
/*
 * RAM from a file made in @dir and unlinked at once, mapped MAP_SHARED and
 * aligned to max(2 MiB, the huge page).  On hugetlbfs the mapping reserves
 * its huge pages: -ENOMEM when the pool has too few free (a clear error
 * now, not a SIGBUS at some later guest touch).  0 or -errno.
 */
int mem_init_file(struct guest_mem *mem, uint64_t size, const char *dir);
/*
 * --mem-path: give [hva, hva + len) of guest RAM back to the host by
 * punching a hole in the file (MADV_DONTNEED would only drop the mapping of
 * a shared file, never its pages).  The next touch reads zeros.  On
 * hugetlbfs only the whole huge pages inside the range go back; the rest is
 * zeroed.  0 or -1 with errno.
 */
int mem_punch(const struct guest_mem *mem, void *hva, uint64_t len);
void mem_destroy(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa+len) if it lies wholly in guest RAM or in the
 * ROM/BIOS area (where the loaders put firmware tables), else NULL.  Safe for
 * any gpa and len, also ones that would wrap.
 */
void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy to / from guest memory; false if the range is not wholly inside it. */
bool mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len);
bool mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, uint64_t len);

/* Give the layout to hv as memory slots (one per RAM range, the ROM/BIOS area read-only). */
int mem_register(const struct guest_mem *mem, int vm_fd);

#endif /* HV_RUN_MEM_H */
