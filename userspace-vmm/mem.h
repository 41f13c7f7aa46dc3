/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: guest RAM.  One anonymous mapping backs the whole guest physical
 * range [0, size); the legacy hole [0xa0000, 0x100000) (VGA window, option
 * ROMs, BIOS) is not given to hv as RAM except the BIOS area that the
 * firmware tables live in, see mem.c.
 */
#ifndef HV_RUN_MEM_H
#define HV_RUN_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_LOW_RAM_END		0x9fc00ull	/* below: conventional RAM */
#define MEM_EBDA_BASE		0x9fc00ull	/* EBDA, reserved */
#define MEM_VGA_BASE		0xa0000ull	/* VGA window: not memory */
#define MEM_BIOS_BASE		0xe0000ull	/* BIOS area: firmware tables, read-only to the guest */
#define MEM_HIGH_BASE		0x100000ull	/* 1 MiB: RAM again */

struct guest_mem {
	uint8_t *host;		/* hva of gpa 0 */
	uint64_t size;		/* guest RAM end (bytes from gpa 0) */
};

/* 0, or -errno (mapping failed).  @size is page aligned and > MEM_HIGH_BASE. */
int mem_init(struct guest_mem *mem, uint64_t size);
void mem_destroy(struct guest_mem *mem);

/* Host pointer for [gpa, gpa+len) if it lies wholly in guest RAM, else NULL. */
void *mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy to / from guest RAM; false if the range is not wholly inside it. */
bool mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, uint64_t len);
bool mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, uint64_t len);

#endif /* HV_RUN_MEM_H */
