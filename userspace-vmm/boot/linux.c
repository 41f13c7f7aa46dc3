// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: the Linux x86 boot protocol, 64-bit entry (Documentation/arch/x86/
 * boot.rst).  hv-run acts as the boot loader and the firmware: it loads the
 * protected-mode kernel and the initrd, builds the zero page (setup header
 * from the file, e820 map, command line, ACPI RSDP) and starts the vCPU at
 * the 64-bit entry in long mode with identity-mapped page tables.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/bootparam.h>

#include "../mem.h"
#include "../vm.h"
#include "boot.h"

/*
 * struct boot_params (the zero page) and struct setup_header come from the
 * kernel's uapi header; they are the boot protocol's own definition, at the
 * offsets boot.rst documents.  The layout is checked once here.
 */
_Static_assert(sizeof(struct boot_params) == 0x1000, "the zero page is one page");
_Static_assert(offsetof(struct boot_params, hdr) == 0x1f1, "setup header at 0x1f1");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820 table at 0x2d0");
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot-protocol e820 entries are 20 bytes");

#define HDR_OFFSET		offsetof(struct boot_params, hdr)
#define HDR_MAGIC		0x53726448	/* "HdrS" */
#define BOOT_FLAG		0xaa55
#define LINUX_MIN_VERSION	0x020c	/* 2.12: xloadflags and 64-bit entry */
#define LINUX_LOADER_TYPE	0xff	/* "undefined" boot loader */
#define LINUX_DEFAULT_LOAD	0x100000ull
#define LINUX_ENTRY64_OFFSET	0x200

/*
 * The setup header of @k (its size is checked by linux_detect()).  Copied
 * out rather than read in place: the file is a byte buffer.
 */
static struct setup_header linux_header(const struct boot_file *k)
{
	struct setup_header h;

	memcpy(&h, k->data + HDR_OFFSET, sizeof(h));
	return h;
}

/* Where the header ends in the file: 0x202 plus the byte of its initial jump (boot.rst). */
static size_t linux_header_end(const struct boot_file *k)
{
	return 0x202 + k->data[0x201];
}

bool linux_detect(const struct boot_file *k)
{
	struct setup_header h;

	if (k->size < sizeof(struct boot_params))
		return false;
	h = linux_header(k);
	return h.header == HDR_MAGIC && h.boot_flag == BOOT_FLAG;
}

/* Fails (with the reason printed) unless the image speaks the protocol we use. */
static int linux_check(const struct boot_file *k, const struct setup_header *h, size_t *setup_size)
{
	if (h->version < LINUX_MIN_VERSION) {
		fprintf(stderr, "hv-run: %s: boot protocol %u.%02u is too old (need 2.12 or later)\n",
			k->path, h->version >> 8, h->version & 0xff);
		return VM_EXIT_USAGE;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		fprintf(stderr, "hv-run: %s: not a 64-bit kernel (no XLF_KERNEL_64 entry point)\n", k->path);
		return VM_EXIT_USAGE;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		fprintf(stderr, "hv-run: %s: a zImage, not a bzImage\n", k->path);
		return VM_EXIT_USAGE;
	}
	*setup_size = ((h->setup_sects ? h->setup_sects : 4) + 1) * 512ull;
	if (*setup_size >= k->size || linux_header_end(k) > *setup_size) {
		fprintf(stderr, "hv-run: %s: truncated bzImage\n", k->path);
		return VM_EXIT_USAGE;
	}
	return 0;
}

static void linux_fill_e820(const struct guest_mem *mem, struct boot_params *bp)
{
	struct e820_entry e[E820_MAX];
	unsigned int i, n = boot_e820(mem, e, E820_MAX);

	for (i = 0; i < n && i < E820_MAX_ENTRIES_ZEROPAGE; i++) {
		bp->e820_table[i].addr = e[i].addr;
		bp->e820_table[i].size = e[i].size;
		bp->e820_table[i].type = e[i].type;
	}
	bp->e820_entries = i;
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
 *  - no_timer_check: with the I/O APIC, Linux first checks that the PIT
 *    ticks through it by counting more than 4 jiffies within about 16 tick
 *    periods; ticks that coalesce the same way fail that check on a loaded
 *    host, and Linux then panics ("IO-APIC + timer doesn't work"): seen
 *    under nested emulation on a busy 2-core machine.  KVM's in-kernel PIT
 *    re-injects lost ticks; hv-run's PIT does not, and its wiring is fixed.
 */
static char *linux_cmdline(const char *user)
{
	uint32_t khz = strstr(user, "tsc_early_khz=") ? 0 : boot_tsc_khz();
	bool reliable = !strstr(user, "tsc=");
	bool timer_check = !strstr(user, "no_timer_check");
	size_t len = strlen(user) + 80;
	char *s = malloc(len);
	int n;

	if (!s)
		return NULL;
	n = snprintf(s, len, "%s", user);
	if (khz)
		n += snprintf(s + n, len - n, "%stsc_early_khz=%u", n ? " " : "", khz);
	if (reliable)
		n += snprintf(s + n, len - n, "%stsc=reliable", n ? " " : "");
	if (timer_check)
		snprintf(s + n, len - n, "%sno_timer_check", n ? " " : "");
	return s;
}

/* The initrd goes as high as allowed, page aligned, above the kernel's footprint. */
static int linux_place_initrd(struct vm *vm, const struct setup_header *h, const struct boot_file *initrd,
			      uint64_t kernel_end, uint64_t *addr)
{
	uint64_t top = (uint64_t)h->initrd_addr_max + 1;

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
	const struct setup_header h = linux_header(k);
	struct guest_mem *mem = &vm->mem;
	uint64_t load, footprint, kernel_end, rsdp, initrd_addr = 0;
	size_t setup_size, pm_size;
	struct boot_params bp;
	char *guest_cmdline;
	bool cmdline_ok;
	int r;

	r = linux_check(k, &h, &setup_size);
	if (r)
		return r;
	pm_size = k->size - setup_size;
	load = LINUX_DEFAULT_LOAD;
	if (h.relocatable_kernel) {
		/* The kernel runs where it is linked without moving itself first. */
		load = h.pref_address;
		if (load < LINUX_DEFAULT_LOAD || load & 0xfff)
			load = LINUX_DEFAULT_LOAD;
	}
	/* init_size: what the kernel needs from its load address until it has set up its own memory. */
	footprint = h.init_size;
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

	/*
	 * The zero page: the setup header as the file has it, to its end (which
	 * may lie past the fields struct setup_header knows: at most 0x301, in
	 * the zero page and, by linux_check(), in the file), then ours.
	 */
	memset(&bp, 0, sizeof(bp));
	memcpy((uint8_t *)&bp + HDR_OFFSET, k->data + HDR_OFFSET, linux_header_end(k) - HDR_OFFSET);
	bp.hdr.type_of_loader = LINUX_LOADER_TYPE;
	bp.hdr.code32_start = load;

	guest_cmdline = linux_cmdline(cmdline ? cmdline : LINUX_DEFAULT_CMDLINE);
	if (!guest_cmdline)
		return VM_EXIT_ERROR;
	cmdline_ok = boot_write_cmdline(mem, BOOT_CMDLINE_ADDR, guest_cmdline, h.cmdline_size);
	vm_debug(vm, "linux: command line '%s'", guest_cmdline);
	free(guest_cmdline);
	if (!cmdline_ok) {
		fprintf(stderr, "hv-run: --cmdline is longer than the kernel's limit of %u bytes\n",
			h.cmdline_size);
		return VM_EXIT_USAGE;
	}
	bp.hdr.cmd_line_ptr = BOOT_CMDLINE_ADDR;

	if (initrd && initrd->data) {
		r = linux_place_initrd(vm, &h, initrd, kernel_end, &initrd_addr);
		if (r)
			return r;
		bp.hdr.ramdisk_image = (uint32_t)initrd_addr;
		bp.hdr.ramdisk_size = (uint32_t)initrd->size;
		bp.ext_ramdisk_image = initrd_addr >> 32;
		bp.ext_ramdisk_size = (uint64_t)initrd->size >> 32;
	}
	linux_fill_e820(mem, &bp);

	rsdp = acpi_setup(vm);
	if (!rsdp)
		return VM_EXIT_ERROR;
	/* The kernel would also find the RSDP by scanning the BIOS area; this saves the scan. */
	if (h.version >= 0x020e)
		bp.acpi_rsdp_addr = rsdp;
	if (!mem_write(mem, BOOT_ZERO_PAGE_ADDR, &bp, sizeof(bp)))
		return VM_EXIT_ERROR;

	if (!boot_write_gdt(mem, BOOT_GDT_ADDR, &st->sregs) || !boot_write_identity_map(mem))
		return VM_EXIT_ERROR;
	linux_set_state(st, load + LINUX_ENTRY64_OFFSET);
	vm_debug(vm, "linux: protocol %u.%02u, kernel at 0x%" PRIx64 " (%zu bytes, init_size %" PRIu64
		 "), initrd at 0x%" PRIx64 ", rsdp at 0x%" PRIx64, h.version >> 8u, h.version & 0xffu,
		 load, pm_size, footprint, initrd_addr, rsdp);
	return 0;
}
