// SPDX-License-Identifier: GPL-2.0
/*
 * The multiboot loader (boot/multiboot.c) on synthetic ELF images: the
 * image may load anywhere in RAM outside the BIOS area, low memory
 * included, and the loader's own structures (GDT, information structure,
 * command line, memory map, module list) must land where neither the image
 * nor the module is, with every pointer of the information structure
 * leading to what it describes.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "../../boot/boot.h"
#include "../../mem.h"
#include "../../vm.h"
#include "unit.h"

#define GUEST_MEM	(64ull << 20)
#define MB_MAGIC	0x1badb002u
#define MB_FLAG_MEMINFO	(1u << 1)
#define CMDLINE		"hello=1 world"
#define MODULE_SIZE	0x3456u

static uint32_t get32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }

/* A 32-bit ELF with one loadable segment of @size bytes at @paddr, the header at its start. */
static uint8_t *make_image(uint32_t paddr, uint32_t size, size_t *file_size)
{
	const size_t data_off = 0x1000;
	Elf32_Ehdr eh = { 0 };
	Elf32_Phdr ph = { 0 };
	uint32_t hdr[3] = { MB_MAGIC, MB_FLAG_MEMINFO, -(MB_MAGIC + MB_FLAG_MEMINFO) };
	uint8_t *k;
	size_t i;

	*file_size = data_off + size;
	k = calloc(1, *file_size);
	if (!k)
		return NULL;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = paddr + 16;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_offset = data_off;
	ph.p_vaddr = ph.p_paddr = paddr;
	ph.p_filesz = ph.p_memsz = size;
	ph.p_flags = PF_R | PF_W | PF_X;
	memcpy(k, &eh, sizeof(eh));
	memcpy(k + sizeof(eh), &ph, sizeof(ph));
	for (i = data_off; i < *file_size; i++)
		k[i] = (uint8_t)(i * 7 + 3);
	memcpy(k + data_off, hdr, sizeof(hdr));
	return k;
}

struct mb_run {
	struct vm *vm;
	struct boot_file kernel, initrd;
	struct boot_state st;
	int status;
};

static bool mb_run_load(struct mb_run *m, uint32_t paddr, uint32_t size, bool module)
{
	memset(m, 0, sizeof(*m));
	m->vm = calloc(1, sizeof(*m->vm));
	m->kernel.path = "image.elf";
	m->kernel.data = make_image(paddr, size, &m->kernel.size);
	m->initrd.path = "module.bin";
	if (!m->vm || !m->kernel.data || mem_init(&m->vm->mem, GUEST_MEM))
		return false;
	iobus_init(&m->vm->pio, "pio");
	iobus_init(&m->vm->mmio, "mmio");
	if (module) {
		m->initrd.size = MODULE_SIZE;
		m->initrd.data = malloc(MODULE_SIZE);
		if (!m->initrd.data)
			return false;
		memset(m->initrd.data, 0x5a, MODULE_SIZE);
	}
	m->status = multiboot_load(m->vm, &m->kernel, module ? &m->initrd : NULL, CMDLINE, &m->st);
	return true;
}

static void mb_run_free(struct mb_run *m)
{
	if (m->vm) {
		acpi_destroy(m->vm);
		iobus_destroy(&m->vm->pio);
		iobus_destroy(&m->vm->mmio);
		mem_destroy(&m->vm->mem);
	}
	free(m->kernel.data);
	free(m->initrd.data);
	free(m->vm);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * The image's bytes are intact, and every structure the information
 * structure points to (and the GDT) misses the image [@paddr, +@size) and
 * the module; @info_min/@info_max bound where the information structure
 * may be.
 */
static bool mb_check_layout(struct mb_run *m, uint32_t paddr, uint32_t size, bool module)
{
	const struct guest_mem *mem = &m->vm->mem;
	uint64_t info = m->st.regs.rbx, mod_start = 0, mod_end = 0;
	const uint8_t *mbi, *p;
	uint32_t cmdline, mmap, mmap_len, name, mods;

	CHECK_EQ(m->status, 0);
	CHECK_EQ(m->st.regs.rax, 0x2badb002u);
	CHECK_EQ(m->st.regs.rip, paddr + 16);
	p = mem_gpa_to_hva(mem, paddr, size);
	CHECK(p && !memcmp(p, m->kernel.data + 0x1000, size));

	mbi = mem_gpa_to_hva(mem, info, 88);
	CHECK(mbi);
	CHECK(!overlaps(info, 88, paddr, size));
	cmdline = get32(mbi, 16);
	mmap_len = get32(mbi, 44);
	mmap = get32(mbi, 48);
	name = get32(mbi, 64);
	p = mem_gpa_to_hva(mem, cmdline, sizeof(CMDLINE));
	CHECK(p && !memcmp(p, CMDLINE, sizeof(CMDLINE)));
	CHECK(!overlaps(cmdline, sizeof(CMDLINE), paddr, size));
	CHECK(mmap_len >= 24 && mmap_len % 24 == 0);
	p = mem_gpa_to_hva(mem, mmap, mmap_len);
	CHECK(p && get32(p, 0) == 20 && get32(p, 20) == 1);	/* entry 0: 20 bytes, RAM */
	CHECK(!overlaps(mmap, mmap_len, paddr, size));
	p = mem_gpa_to_hva(mem, name, 7);
	CHECK(p && !memcmp(p, "hv-run", 7));
	CHECK(!overlaps(m->st.sregs.gdt.base, m->st.sregs.gdt.limit + 1, paddr, size));

	if (module) {
		CHECK(get32(mbi, 0) & (1u << 3));
		CHECK_EQ(get32(mbi, 20), 1);
		mods = get32(mbi, 24);
		p = mem_gpa_to_hva(mem, mods, 16);
		CHECK(p);
		mod_start = get32(p, 0);
		mod_end = get32(p, 4);
		CHECK_EQ(mod_end - mod_start, MODULE_SIZE);
		CHECK_EQ(mod_start & 0xfff, 0);
		CHECK(!overlaps(mod_start, MODULE_SIZE, paddr, size));
		CHECK(!overlaps(mod_start, MODULE_SIZE, MEM_EBDA_BASE, MEM_HIGH_BASE - MEM_EBDA_BASE));
		CHECK(!memcmp(mem_gpa_to_hva(mem, mod_start, MODULE_SIZE), m->initrd.data, MODULE_SIZE));
		p = mem_gpa_to_hva(mem, get32(p, 8), 11);
		CHECK(p && !memcmp(p, "module.bin", 11));
		/* The loader's structures miss the module too. */
		CHECK(!overlaps(info, 88, mod_start, MODULE_SIZE));
		CHECK(!overlaps(cmdline, sizeof(CMDLINE), mod_start, MODULE_SIZE));
		CHECK(!overlaps(m->st.sregs.gdt.base, m->st.sregs.gdt.limit + 1, mod_start, MODULE_SIZE));
	}
	return true;
}

/* A test kernel at 0x8000, over where hv-run used to put its own tables (0x1000-0x30000). */
static bool multiboot_low_image(void)
{
	struct mb_run m;
	bool ok = false;

	if (!mb_run_load(&m, 0x8000, 0x28000, true))
		goto out;
	ok = mb_check_layout(&m, 0x8000, 0x28000, true);
out:
	mb_run_free(&m);
	return ok;
}

/* The usual place, 1 MiB: everything of the loader's stays below 1 MiB. */
static bool multiboot_image_at_1m(void)
{
	struct mb_run m;
	bool ok = false;

	if (!mb_run_load(&m, 0x100000, 0x5000, true))
		goto out;
	ok = mb_check_layout(&m, 0x100000, 0x5000, true) && m.st.regs.rbx < MEM_EBDA_BASE;
out:
	mb_run_free(&m);
	return ok;
}

/* An image filling conventional memory: the module and the loader's block go above 1 MiB. */
static bool multiboot_image_fills_low_memory(void)
{
	struct mb_run m;
	bool ok = false;

	if (!mb_run_load(&m, 0x1000, MEM_EBDA_BASE - 0x1000 - 0x400, true))
		goto out;
	ok = mb_check_layout(&m, 0x1000, MEM_EBDA_BASE - 0x1000 - 0x400, true) &&
	     m.st.regs.rbx >= MEM_HIGH_BASE;
out:
	mb_run_free(&m);
	return ok;
}

/* A segment over the EBDA and BIOS area (where the ACPI tables go) is refused, status 2. */
static bool multiboot_bios_area_refused(void)
{
	struct mb_run m;
	bool ok = false;

	if (!mb_run_load(&m, 0xe0000, 0x1000, false))
		goto out;
	CHECK_EQ(m.status, VM_EXIT_USAGE);
	ok = true;
out:
	mb_run_free(&m);
	return ok;
}

const struct unit_case multiboot_cases[] = {
	{ "multiboot_low_image", multiboot_low_image },
	{ "multiboot_image_at_1m", multiboot_image_at_1m },
	{ "multiboot_image_fills_low_memory", multiboot_image_fills_low_memory },
	{ "multiboot_bios_area_refused", multiboot_bios_area_refused },
	{ NULL, NULL },
};
