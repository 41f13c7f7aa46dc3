// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux boot loader (boot/linux.c) on a synthetic bzImage: the zero page
 * it writes is checked byte by byte at the offsets of
 * Documentation/arch/x86/boot.rst, written out here as numbers, so that a
 * field of struct boot_params used for the wrong purpose (or a header copied
 * to the wrong place) shows up without booting a kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "../../boot/boot.h"
#include "../../mem.h"
#include "../../vm.h"
#include "unit.h"

#define SETUP_SECTS	1			/* setup code: (1 + 1) * 512 bytes */
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PM_SIZE		0x3000			/* the "protected-mode kernel" */
#define PREF_ADDRESS	0x1000000u
#define INIT_SIZE	0x200000u
#define INITRD_SIZE	0x2345u
#define GUEST_MEM	(64ull << 20)

static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }
static uint32_t get8(const uint8_t *p, size_t off) { return p[off]; }
static uint32_t get16(const uint8_t *p, size_t off) { uint16_t v; memcpy(&v, p + off, 2); return v; }
static uint32_t get32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t get64(const uint8_t *p, size_t off) { uint64_t v; memcpy(&v, p + off, 8); return v; }

/* A relocatable 64-bit bzImage, protocol 2.15, with every other byte set to 0xa5. */
static uint8_t *make_bzimage(size_t *size)
{
	uint8_t *k;
	size_t i;

	*size = SETUP_SIZE + PM_SIZE;
	k = malloc(*size);
	if (!k)
		return NULL;
	memset(k, 0xa5, SETUP_SIZE);
	for (i = SETUP_SIZE; i < *size; i++)
		k[i] = (uint8_t)i;
	k[0x1ef] = 0xff;			/* sentinel: outside the header, never copied */
	k[0x1f1] = SETUP_SECTS;
	put16(k, 0x1fe, 0xaa55);		/* boot_flag */
	k[0x200] = 0xeb;			/* jump over the header ... */
	k[0x201] = 0x6a;			/* ... which ends at 0x202 + 0x6a = 0x26c */
	memcpy(k + 0x202, "HdrS", 4);
	put16(k, 0x206, 0x020f);		/* version */
	k[0x210] = 0;				/* type_of_loader */
	k[0x211] = 0x01;			/* loadflags: LOADED_HIGH */
	put32(k, 0x214, 0);			/* code32_start */
	put32(k, 0x218, 0);			/* ramdisk_image */
	put32(k, 0x21c, 0);			/* ramdisk_size */
	put32(k, 0x228, 0);			/* cmd_line_ptr */
	put32(k, 0x22c, 0x37ffffff);		/* initrd_addr_max */
	k[0x234] = 1;				/* relocatable_kernel */
	put16(k, 0x236, 0x0001);		/* xloadflags: XLF_KERNEL_64 */
	put32(k, 0x238, 2047);			/* cmdline_size */
	put64(k, 0x258, PREF_ADDRESS);		/* pref_address */
	put32(k, 0x260, INIT_SIZE);		/* init_size */
	return k;
}

/*
 * The zero page the loader must write for make_bzimage() in 64M with the
 * initrd at @initrd_addr; returns the first offset where @zp differs, -1 if
 * none.
 */
static long zero_page_diff(const uint8_t *zp, const uint8_t *k, uint64_t initrd_addr)
{
	static const uint64_t e820[4][3] = {
		{ 0, MEM_EBDA_BASE, E820_RAM },
		{ MEM_EBDA_BASE, MEM_VGA_BASE - MEM_EBDA_BASE, E820_RESERVED },
		{ MEM_BIOS_BASE, MEM_HIGH_BASE - MEM_BIOS_BASE, E820_RESERVED },
		{ MEM_HIGH_BASE, GUEST_MEM - MEM_HIGH_BASE, E820_RAM },
	};
	uint8_t want[0x1000] = { 0 };
	unsigned int i;

	memcpy(want + 0x1f1, k + 0x1f1, 0x26c - 0x1f1);
	want[0x210] = 0xff;
	put32(want, 0x214, PREF_ADDRESS);
	put32(want, 0x218, (uint32_t)initrd_addr);
	put32(want, 0x21c, INITRD_SIZE);
	put32(want, 0x228, BOOT_CMDLINE_ADDR);
	put64(want, 0x070, 0xe0000);
	want[0x1e8] = 4;
	for (i = 0; i < 4; i++) {
		put64(want, 0x2d0 + i * 20, e820[i][0]);
		put64(want, 0x2d0 + i * 20 + 8, e820[i][1]);
		put32(want, 0x2d0 + i * 20 + 16, (uint32_t)e820[i][2]);
	}
	for (i = 0; i < sizeof(want); i++)
		if (zp[i] != want[i]) {
			printf("# zero page byte 0x%x is 0x%02x, expected 0x%02x\n", i, zp[i], want[i]);
			return i;
		}
	return -1;
}

static bool linux_zero_page(void)
{
	struct boot_file kernel = { .path = "bzImage" }, initrd = { .path = "initrd", .size = INITRD_SIZE };
	uint64_t initrd_addr, kernel_end = PREF_ADDRESS + INIT_SIZE;
	struct boot_state st;
	struct vm *vm;
	uint8_t *zp, *pm;
	bool ok = false;
	int r;

	vm = calloc(1, sizeof(*vm));
	kernel.data = make_bzimage(&kernel.size);
	initrd.data = malloc(INITRD_SIZE);
	if (!vm || !kernel.data || !initrd.data || mem_init(&vm->mem, GUEST_MEM))
		goto out;
	memset(initrd.data, 0x5a, INITRD_SIZE);
	iobus_init(&vm->pio, "pio");
	iobus_init(&vm->mmio, "mmio");
	memset(&st, 0, sizeof(st));

	CHECK(linux_detect(&kernel));
	r = linux_load(vm, &kernel, &initrd, "console=ttyS0", &st);
	CHECK_EQ(r, 0);
	zp = mem_gpa_to_hva(&vm->mem, BOOT_ZERO_PAGE_ADDR, 0x1000);
	CHECK(zp);

	/* The setup header as the file has it, up to 0x26c, then what the loader sets. */
	CHECK_EQ(get8(zp, 0x1ef), 0);
	CHECK_EQ(get8(zp, 0x1f1), SETUP_SECTS);
	CHECK_EQ(get16(zp, 0x1fe), 0xaa55);
	CHECK(!memcmp(zp + 0x202, "HdrS", 4));
	CHECK_EQ(get16(zp, 0x206), 0x020f);
	CHECK_EQ(get8(zp, 0x234), 1);
	CHECK_EQ(get64(zp, 0x258), PREF_ADDRESS);
	CHECK_EQ(get8(zp, 0x26c), 0);			/* past the header: not copied */
	CHECK_EQ(get8(zp, 0x210), 0xff);		/* type_of_loader: undefined */
	CHECK_EQ(get32(zp, 0x214), PREF_ADDRESS);	/* code32_start */
	CHECK_EQ(get32(zp, 0x228), BOOT_CMDLINE_ADDR);	/* cmd_line_ptr */
	CHECK(!memcmp(mem_gpa_to_hva(&vm->mem, BOOT_CMDLINE_ADDR, 14), "console=ttyS0", 13));

	/* The initrd: page aligned, above the kernel, below initrd_addr_max. */
	initrd_addr = get32(zp, 0x218);
	CHECK_EQ(get32(zp, 0x21c), INITRD_SIZE);
	CHECK_EQ(get32(zp, 0x0c0), 0);			/* ext_ramdisk_image */
	CHECK_EQ(get32(zp, 0x0c4), 0);			/* ext_ramdisk_size */
	CHECK_EQ(initrd_addr & 0xfff, 0);
	CHECK(initrd_addr >= kernel_end && initrd_addr + INITRD_SIZE <= GUEST_MEM);
	CHECK(!memcmp(mem_gpa_to_hva(&vm->mem, initrd_addr, INITRD_SIZE), initrd.data, INITRD_SIZE));

	CHECK_EQ(get64(zp, 0x070), 0xe0000);		/* acpi_rsdp_addr: protocol 2.14+ */

	/* e820: 20-byte entries at 0x2d0, their count at 0x1e8. */
	CHECK_EQ(get8(zp, 0x1e8), 4);
	CHECK_EQ(get64(zp, 0x2d0 + 0 * 20), 0);
	CHECK_EQ(get32(zp, 0x2d0 + 0 * 20 + 16), E820_RAM);
	CHECK_EQ(get64(zp, 0x2d0 + 1 * 20), MEM_EBDA_BASE);
	CHECK_EQ(get32(zp, 0x2d0 + 1 * 20 + 16), E820_RESERVED);
	CHECK_EQ(get64(zp, 0x2d0 + 3 * 20), MEM_HIGH_BASE);
	CHECK_EQ(get64(zp, 0x2d0 + 3 * 20 + 8), GUEST_MEM - MEM_HIGH_BASE);
	CHECK_EQ(get32(zp, 0x2d0 + 3 * 20 + 16), E820_RAM);
	CHECK_EQ(get64(zp, 0x2d0 + 4 * 20), 0);

	/* Nothing else: the whole page equals one built here from boot.rst's offsets. */
	CHECK_EQ(zero_page_diff(zp, kernel.data, initrd_addr), -1);

	/* The protected-mode kernel at pref_address; entry at +0x200 with RSI = zero page. */
	pm = mem_gpa_to_hva(&vm->mem, PREF_ADDRESS, PM_SIZE);
	CHECK(pm && !memcmp(pm, kernel.data + SETUP_SIZE, PM_SIZE));
	CHECK_EQ(st.regs.rip, PREF_ADDRESS + 0x200);
	CHECK_EQ(st.regs.rsi, BOOT_ZERO_PAGE_ADDR);
	ok = true;
out:
	if (vm) {
		acpi_destroy(vm);
		iobus_destroy(&vm->pio);
		iobus_destroy(&vm->mmio);
		mem_destroy(&vm->mem);
	}
	free(kernel.data);
	free(initrd.data);
	free(vm);
	return ok;
}

/* Protocol 2.11: no 64-bit entry point promise; refused with status 2. */
static bool linux_old_protocol_refused(void)
{
	struct boot_file kernel = { .path = "bzImage" };
	struct boot_state st;
	struct vm *vm = calloc(1, sizeof(*vm));
	bool ok = false;

	kernel.data = make_bzimage(&kernel.size);
	if (!vm || !kernel.data || mem_init(&vm->mem, GUEST_MEM))
		goto out;
	put16(kernel.data, 0x206, 0x020b);
	memset(&st, 0, sizeof(st));
	CHECK_EQ(linux_load(vm, &kernel, NULL, NULL, &st), VM_EXIT_USAGE);
	ok = true;
out:
	if (vm)
		mem_destroy(&vm->mem);
	free(kernel.data);
	free(vm);
	return ok;
}

const struct unit_case linux_boot_cases[] = {
	{ "linux_zero_page", linux_zero_page },
	{ "linux_old_protocol_refused", linux_old_protocol_refused },
	{ NULL, NULL },
};
