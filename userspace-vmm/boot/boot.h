/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run: boot loaders (Linux bzImage, multiboot v1) and the firmware
 * pieces they share: the e820 map, a flat GDT, identity page tables and the
 * ACPI tables.
 *
 * Low-memory layout the loaders use (all below the EBDA, none of it reserved
 * in the e820 map: the guest may reuse it once it runs):
 *   0x01000  GDT                     0x07000  Linux zero page
 *   0x08000  multiboot info + mmap   0x09000  PML4, PDPT, 4 PDs (to 0xefff)
 *   0x20000  command line (64 KiB)
 */
#ifndef HV_RUN_BOOT_H
#define HV_RUN_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

struct vm;
struct guest_mem;

/* The Linux boot's fixed places (a multiboot image chooses its own: boot/multiboot.c). */
#define BOOT_GDT_ADDR		0x1000ull
#define BOOT_ZERO_PAGE_ADDR	0x7000ull
#define BOOT_STACK_TOP		0x7000ull
#define BOOT_PML4_ADDR		0x9000ull
#define BOOT_CMDLINE_ADDR	0x20000ull
#define BOOT_CMDLINE_MAX	0x10000ull

/* GDT selectors: __BOOT_CS is 0x10 and __BOOT_DS 0x18 for Linux. */
#define BOOT_CS32		0x08
#define BOOT_CS64		0x10
#define BOOT_DS			0x18

/*
 * A Linux guest without --cmdline gets a serial console (there is no
 * display) and reboots on panic, which ends hv-run (status 3) rather than
 * leaving it hanging.
 */
#define LINUX_DEFAULT_CMDLINE	"console=ttyS0 panic=-1"

/* A kernel or initrd, mapped read-only (the file must not shrink while hv-run loads it). */
struct boot_file {
	const char *path;
	uint8_t *data;			/* read-only when mapped */
	size_t size;
	bool mapped;			/* data is a mapping of size bytes */
};

/* Initial state of the boot vCPU, applied by vm.c. */
struct boot_state {
	struct hv_regs regs;
	struct hv_sregs sregs;		/* starts as the vCPU's reset state */
};

enum boot_kind { BOOT_NONE, BOOT_LINUX, BOOT_MULTIBOOT };

/*
 * Map @path whole; 0, or prints "hv-run: <path>: <why>" and returns -1.
 * Files larger than @max are refused the same way.
 */
int boot_file_read(struct boot_file *f, const char *path, size_t max);
void boot_file_free(struct boot_file *f);

/* What @kernel is; BOOT_NONE if neither a bzImage nor a multiboot image. */
enum boot_kind boot_detect(const struct boot_file *kernel);

/*
 * Load the kernel (and initrd, command line) into guest memory, write the
 * firmware tables, and fill @st.  0 on success; otherwise a one-line
 * "hv-run: ..." was printed and the return value is the exit status
 * (2 for a kernel/initrd/command line the loader cannot take).
 */
int linux_load(struct vm *vm, const struct boot_file *kernel, const struct boot_file *initrd,
	       const char *cmdline, struct boot_state *st);
int multiboot_load(struct vm *vm, const struct boot_file *kernel, const struct boot_file *initrd,
		   const char *cmdline, struct boot_state *st);
bool linux_detect(const struct boot_file *kernel);
bool multiboot_detect(const struct boot_file *kernel);

/* ---- shared firmware pieces (boot/x86.c) ---- */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_MAX		8

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* The guest's physical memory map (see mem.h); returns the number of entries. */
unsigned int boot_e820(const struct guest_mem *mem, struct e820_entry *e, unsigned int max);

/* Write the GDT at @gpa (Linux: BOOT_GDT_ADDR) and point @s's GDTR at it; false if outside RAM. */
bool boot_write_gdt(const struct guest_mem *mem, uint64_t gpa, struct hv_sregs *s);

/* Identity-map [0, 4 GiB) with 2 MiB pages at BOOT_PML4_ADDR. */
bool boot_write_identity_map(const struct guest_mem *mem);

/* Flat segments: 32-bit or 64-bit code, data. */
void boot_flat_code(struct hv_segment *seg, uint16_t sel, bool long_mode);
void boot_flat_data(struct hv_segment *seg, uint16_t sel);

/*
 * Copy the command line to @gpa (Linux: BOOT_CMDLINE_ADDR); false if longer
 * than @max or BOOT_CMDLINE_MAX - 1 (excluding the NUL), or outside RAM.
 */
bool boot_write_cmdline(const struct guest_mem *mem, uint64_t gpa, const char *cmdline, size_t max);

/* The host TSC rate in kHz, measured over 20 ms against CLOCK_MONOTONIC; 0 if unusable. */
uint32_t boot_tsc_khz(void);

/*
 * The VM's topology in a vCPU's CPUID table (boot/cpuid.c): vCPU @id of
 * @nr_cpus, one package of single-thread cores, APIC ID = @id; @lapic sets
 * leaf 1's APIC bit (clears it otherwise).
 */
void cpuid_set_topology(struct hv_cpuid *c, unsigned int id, unsigned int nr_cpus, bool lapic);

/* ---- ACPI (boot/acpi.c) ---- */
/*
 * Write RSDP, RSDT, XSDT, FADT, FACS, a DSDT with \_S5 and, with the local
 * APIC (vm->lapic), a MADT for vm->cfg.nr_cpus processors into the BIOS
 * area, and register the PM register block (PM1 event/control, PM timer,
 * reset register) on vm->pio.  Returns the RSDP's address, 0 on failure.
 */
uint64_t acpi_setup(struct vm *vm);

/*
 * The DSDT's AML (after its header) into @out; its length, 0 if @max is too
 * small.  @apic: the platform has an I/O APIC, so _PRT answers per \_PIC.
 */
size_t dsdt_write(uint8_t *out, size_t max, uint64_t ram_low_end, bool apic);
void acpi_destroy(struct vm *vm);

#endif /* HV_RUN_BOOT_H */
