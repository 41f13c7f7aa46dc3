// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the Linux x86 boot protocol, 64-bit entry (Documentation/arch/x86/
 * boot.rst).  hv-run acts as the boot loader and the firmware: it loads the
 * protected-mode kernel and the initrd, builds the zero page (setup header
 * from the file, e820 map, command line, ACPI RSDP) and starts the vCPU at
 * the 64-bit entry in long mode with identity-mapped page tables.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mem.h"
#include "../vm.h"
#include "boot.h"

/* struct boot_params offsets (the zero page) */
#define BP_ACPI_RSDP_ADDR	0x070	/* u64, protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR			0x1f1	/* struct setup_header starts here */
#define BP_E820_TABLE		0x2d0	/* 128 entries of 20 bytes */
#define BP_E820_MAX		128

/* struct setup_header fields, as offsets in the file and the zero page */
#define HDR_SETUP_SECTS		0x1f1	/* u8; 0 means 4 */
#define HDR_JUMP_LEN		0x201	/* u8: header ends at 0x202 + this */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206	/* u16 */
#define HDR_TYPE_OF_LOADER	0x210	/* u8 */
#define HDR_LOADFLAGS		0x211	/* u8 */
#define HDR_CODE32_START	0x214	/* u32 */
#define HDR_RAMDISK_IMAGE	0x218	/* u32 */
#define HDR_RAMDISK_SIZE	0x21c	/* u32 */
#define HDR_CMD_LINE_PTR	0x228	/* u32 */
#define HDR_INITRD_ADDR_MAX	0x22c	/* u32 */
#define HDR_KERNEL_ALIGNMENT	0x230	/* u32 */
#define HDR_RELOCATABLE		0x234	/* u8 */
#define HDR_XLOADFLAGS		0x236	/* u16 */
#define HDR_CMDLINE_SIZE	0x238	/* u32 */
#define HDR_PREF_ADDRESS	0x258	/* u64 */
#define HDR_INIT_SIZE		0x260	/* u32 */

#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x01
#define LINUX_MIN_VERSION	0x020c	/* 2.12: xloadflags and 64-bit entry */
#define LINUX_LOADER_TYPE	0xff	/* "undefined" boot loader */
#define LINUX_DEFAULT_LOAD	0x100000ull
#define LINUX_ENTRY64_OFFSET	0x200

static uint32_t get8(const uint8_t *p, size_t off) { return p[off]; }
static uint32_t get16(const uint8_t *p, size_t off) { return p[off] | p[off + 1] << 8; }
static uint32_t get32(const uint8_t *p, size_t off) { return get16(p, off) | get16(p, off + 2) << 16; }
static uint64_t get64(const uint8_t *p, size_t off) { return get32(p, off) | (uint64_t)get32(p, off + 4) << 32; }
static void put8(uint8_t *p, size_t off, uint8_t v) { p[off] = v; }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

bool linux_detect(const struct boot_file *k)
{
	return k->size >= 0x1000 && !memcmp(k->data + HDR_MAGIC, "HdrS", 4) &&
	       get16(k->data, 0x1fe) == 0xaa55;
}

/* Fails (with the reason printed) unless the image speaks the protocol we use. */
static int linux_check(const struct boot_file *k, size_t *setup_size)
{
	unsigned int setup_sects = get8(k->data, HDR_SETUP_SECTS);
	unsigned int version = get16(k->data, HDR_VERSION);

	if (version < LINUX_MIN_VERSION) {
		fprintf(stderr, "hv-run: %s: boot protocol %u.%02u is too old (need 2.12 or later)\n",
			k->path, version >> 8, version & 0xff);
		return VM_EXIT_USAGE;
	}
	if (!(get16(k->data, HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
		fprintf(stderr, "hv-run: %s: not a 64-bit kernel (no XLF_KERNEL_64 entry point)\n", k->path);
		return VM_EXIT_USAGE;
	}
	if (!(get8(k->data, HDR_LOADFLAGS) & LOADED_HIGH)) {
		fprintf(stderr, "hv-run: %s: a zImage, not a bzImage\n", k->path);
		return VM_EXIT_USAGE;
	}
	*setup_size = ((setup_sects ? setup_sects : 4) + 1) * 512ull;
	if (*setup_size >= k->size || 0x202 + get8(k->data, HDR_JUMP_LEN) > *setup_size) {
		fprintf(stderr, "hv-run: %s: truncated bzImage\n", k->path);
		return VM_EXIT_USAGE;
	}
	return 0;
}

static void linux_fill_e820(const struct guest_mem *mem, uint8_t *bp)
{
	struct e820_entry e[E820_MAX];
	unsigned int i, n = boot_e820(mem, e, E820_MAX);

	for (i = 0; i < n && i < BP_E820_MAX; i++) {
		uint8_t *d = bp + BP_E820_TABLE + i * 20;

		put64(d, 0, e[i].addr);
		put64(d, 8, e[i].size);
		put32(d, 16, e[i].type);
	}
	put8(bp, BP_E820_ENTRIES, i);
}

/*
 * The guest's command line: the user's, plus what this platform needs about
 * the TSC unless the user said otherwise (docs/vmm.md):
 *  - tsc_early_khz=<host TSC rate>: Linux calibrates the TSC against the PIT
 *    by polling it about a thousand times in 50 ms; every poll is a VM exit
 *    to hv-run, too slow for that under nested emulation, and Linux would
 *    mark the TSC unusable.  The guest's TSC runs at the host's rate.
 *  - tsc=reliable: hv gives the guest the host's constant-rate TSC with one
 *    fixed offset, but the guest's only early watchdog is jiffies, which
 *    lags whenever timer interrupts coalesce while a slow vCPU has
 *    interrupts off; the watchdog would then declare the TSC unstable.
 */
static char *linux_cmdline(const char *user)
{
	uint32_t khz = strstr(user, "tsc_early_khz=") ? 0 : boot_tsc_khz();
	bool reliable = !strstr(user, "tsc=");
	size_t len = strlen(user) + 64;
	char *s = malloc(len);
	int n;

	if (!s)
		return NULL;
	n = snprintf(s, len, "%s", user);
	if (khz)
		n += snprintf(s + n, len - n, "%stsc_early_khz=%u", n ? " " : "", khz);
	if (reliable)
		snprintf(s + n, len - n, "%stsc=reliable", n ? " " : "");
	return s;
}

/* The initrd goes as high as allowed, page aligned, above the kernel's footprint. */
static int linux_place_initrd(struct vm *vm, const uint8_t *hdr, const struct boot_file *initrd,
			      uint64_t kernel_end, uint64_t *addr)
{
	uint64_t top = (uint64_t)get32(hdr, HDR_INITRD_ADDR_MAX) + 1;

	if (top > vm->mem.low_end)
		top = vm->mem.low_end;
	if (initrd->size > top || ((top - initrd->size) & ~0xfffull) < kernel_end) {
		fprintf(stderr, "hv-run: %s: initrd of %zu bytes does not fit in --mem %" PRIu64 "M next to the kernel\n",
			initrd->path, initrd->size, vm->mem.size >> 20);
		return VM_EXIT_USAGE;
	}
	*addr = (top - initrd->size) & ~0xfffull;
	if (!mem_write(&vm->mem, *addr, initrd->data, initrd->size))
		return VM_EXIT_ERROR;
	return 0;
}

static void linux_set_state(struct boot_state *st, uint64_t entry)
{
	struct hv_sregs *s = &st->sregs;

	memset(&st->regs, 0, sizeof(st->regs));
	st->regs.rip = entry;
	st->regs.rsi = BOOT_ZERO_PAGE_ADDR;
	st->regs.rsp = BOOT_STACK_TOP;
	st->regs.rflags = 0x2;			/* interrupts off */

	boot_flat_code(&s->cs, BOOT_CS64, true);
	boot_flat_data(&s->ds, BOOT_DS);
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->cr0 = 0x80000031;			/* PG, NE, ET, PE; caches on */
	s->cr3 = BOOT_PML4_ADDR;
	s->cr4 = 0x20;				/* PAE */
	s->efer = 0x500;			/* LMA, LME */
}

int linux_load(struct vm *vm, const struct boot_file *k, const struct boot_file *initrd,
	       const char *cmdline, struct boot_state *st)
{
	struct guest_mem *mem = &vm->mem;
	uint64_t load, footprint, kernel_end, rsdp, initrd_addr = 0;
	size_t setup_size, pm_size, hdr_end;
	uint8_t *bp;
	char *guest_cmdline;
	bool cmdline_ok;
	int r;

	r = linux_check(k, &setup_size);
	if (r)
		return r;
	pm_size = k->size - setup_size;
	load = LINUX_DEFAULT_LOAD;
	if (get8(k->data, HDR_RELOCATABLE)) {
		/* The kernel runs where it is linked without moving itself first. */
		load = get64(k->data, HDR_PREF_ADDRESS);
		if (load < LINUX_DEFAULT_LOAD || load & 0xfff)
			load = LINUX_DEFAULT_LOAD;
	}
	/* init_size: what the kernel needs from its load address until it has set up its own memory. */
	footprint = get32(k->data, HDR_INIT_SIZE);
	if (footprint < pm_size)
		footprint = pm_size;
	kernel_end = load + footprint;
	if (kernel_end > mem->low_end) {
		fprintf(stderr, "hv-run: %s: needs %" PRIu64 " MiB from 0x%" PRIx64 "; --mem %" PRIu64 "M is too small\n",
			k->path, footprint >> 20, load, mem->size >> 20);
		return VM_EXIT_USAGE;
	}
	if (!mem_write(mem, load, k->data + setup_size, pm_size))
		return VM_EXIT_ERROR;

	bp = mem_gpa_to_hva(mem, BOOT_ZERO_PAGE_ADDR, 0x1000);
	if (!bp)
		return VM_EXIT_ERROR;
	memset(bp, 0, 0x1000);
	hdr_end = 0x202 + get8(k->data, HDR_JUMP_LEN);
	memcpy(bp + BP_HDR, k->data + BP_HDR, hdr_end - BP_HDR);
	put8(bp, HDR_TYPE_OF_LOADER, LINUX_LOADER_TYPE);
	put32(bp, HDR_CODE32_START, load);

	guest_cmdline = linux_cmdline(cmdline ? cmdline : LINUX_DEFAULT_CMDLINE);
	if (!guest_cmdline)
		return VM_EXIT_ERROR;
	cmdline_ok = boot_write_cmdline(mem, guest_cmdline, get32(k->data, HDR_CMDLINE_SIZE));
	vm_debug(vm, "linux: command line '%s'", guest_cmdline);
	free(guest_cmdline);
	if (!cmdline_ok) {
		fprintf(stderr, "hv-run: --cmdline is longer than the kernel's limit of %u bytes\n",
			get32(k->data, HDR_CMDLINE_SIZE));
		return VM_EXIT_USAGE;
	}
	put32(bp, HDR_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);

	if (initrd && initrd->data) {
		r = linux_place_initrd(vm, k->data, initrd, kernel_end, &initrd_addr);
		if (r)
			return r;
		put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
		put32(bp, HDR_RAMDISK_SIZE, (uint32_t)initrd->size);
		put32(bp, BP_EXT_RAMDISK_IMAGE, initrd_addr >> 32);
		put32(bp, BP_EXT_RAMDISK_SIZE, (uint64_t)initrd->size >> 32);
	}
	linux_fill_e820(mem, bp);

	rsdp = acpi_setup(vm);
	if (!rsdp)
		return VM_EXIT_ERROR;
	/* The kernel would also find the RSDP by scanning the BIOS area; this saves the scan. */
	if (get16(k->data, HDR_VERSION) >= 0x020e)
		put64(bp, BP_ACPI_RSDP_ADDR, rsdp);

	if (!boot_write_gdt(mem, &st->sregs) || !boot_write_identity_map(mem))
		return VM_EXIT_ERROR;
	linux_set_state(st, load + LINUX_ENTRY64_OFFSET);
	vm_debug(vm, "linux: protocol %u.%02u, kernel at 0x%" PRIx64 " (%zu bytes, init_size %" PRIu64
		 "), initrd at 0x%" PRIx64 ", rsdp at 0x%" PRIx64, get16(k->data, HDR_VERSION) >> 8,
		 get16(k->data, HDR_VERSION) & 0xff, load, pm_size, footprint, initrd_addr, rsdp);
	return 0;
}
