// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run: multiboot (version 1) kernels, the format many small test kernels
 * use.  The header is searched in the first 8 KiB; the image is loaded from
 * its ELF program headers, or from the a.out-kludge addresses when header
 * flag 16 is set.  The initrd, if any, becomes the one boot module.  The
 * vCPU starts in 32-bit protected mode with paging off, EAX = 0x2BADB002
 * and EBX = the multiboot information structure.
 *
 * The image may load anywhere in RAM but the BIOS area below 1 MiB (a
 * real-mode test kernel at 0x8000 is fine): hv-run's own structures (GDT,
 * information structure, command line) go in one block where no segment
 * and no module is, the first free one from 4 KiB up (mb_place_block()).
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../mem.h"
#include "../vm.h"
#include "boot.h"

#define MB_MAGIC		0x1badb002u
#define MB_BOOTLOADER_MAGIC	0x2badb002u
#define MB_SEARCH		8192
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules page aligned: we always do */
#define MB_FLAG_MEMINFO		(1u << 1)	/* mem_* fields: we always give them */
#define MB_FLAG_VIDEO		(1u << 2)	/* video mode: hv-run has no display */
#define MB_FLAG_AOUT		(1u << 16)	/* address fields are valid */
/* Bits 0-15 are requirements: refuse what we cannot satisfy. */
#define MB_FLAGS_SUPPORTED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | 0xffff0000u)

/* multiboot_info fields (offsets) and flags */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		88
#define MBI_HAS_MEM		(1u << 0)
#define MBI_HAS_CMDLINE		(1u << 2)
#define MBI_HAS_MODS		(1u << 3)
#define MBI_HAS_MMAP		(1u << 6)
#define MBI_HAS_LOADER_NAME	(1u << 9)

/*
 * The loader's block: a page for the GDT, a page for the information
 * structure and what it points to, then the command line.  Offsets.
 */
#define MB_GDT_OFF		0x0
#define MB_INFO_OFF		0x1000
#define MB_MODS_OFF		(MB_INFO_OFF + 0x100)
#define MB_MMAP_OFF		(MB_INFO_OFF + 0x200)
#define MB_LOADER_NAME_OFF	(MB_INFO_OFF + 0x400)
#define MB_MOD_STRING_OFF	(MB_INFO_OFF + 0x500)
#define MB_MOD_STRING_MAX	0xb00
#define MB_CMDLINE_OFF		0x2000
#define MB_PAGE			0x1000ull

/* What the image and its module occupy: the loader's block must miss all of it. */
#define MB_MAX_RANGES		32
struct mb_ranges {
	uint64_t start[MB_MAX_RANGES], end[MB_MAX_RANGES];
	unsigned int n;
	uint64_t max_end;
};

static bool mb_overlaps(const struct mb_ranges *rg, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < rg->n; i++)
		if (start < rg->end[i] && end > rg->start[i])
			return true;
	return false;
}

static void mb_add_range(struct mb_ranges *rg, uint64_t start, uint64_t end)
{
	rg->start[rg->n] = start;
	rg->end[rg->n] = end;
	rg->n++;
	if (end > rg->max_end)
		rg->max_end = end;
}

struct mb_header {
	size_t offset;			/* of the header in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static bool mb_find(const struct boot_file *k, struct mb_header *h)
{
	size_t off, end = k->size < MB_SEARCH ? k->size : MB_SEARCH;

	for (off = 0; off + 12 <= end; off += 4) {
		const uint8_t *p = k->data + off;

		if (rd32(p) != MB_MAGIC || (uint32_t)(rd32(p) + rd32(p + 4) + rd32(p + 8)))
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = off;
		h->flags = rd32(p + 4);
		if ((h->flags & MB_FLAG_AOUT) && off + 32 <= k->size) {
			h->header_addr = rd32(p + 12);
			h->load_addr = rd32(p + 16);
			h->load_end_addr = rd32(p + 20);
			h->bss_end_addr = rd32(p + 24);
			h->entry_addr = rd32(p + 28);
		}
		return true;
	}
	return false;
}

bool multiboot_detect(const struct boot_file *k)
{
	struct mb_header h;

	return mb_find(k, &h);
}

/*
 * Put [gpa, gpa+filesz) from @src and zero up to memsz; refuse anything
 * outside RAM or over the EBDA and BIOS area (the ACPI tables live there).
 */
static int mb_place(struct vm *vm, const struct boot_file *k, uint64_t gpa, const uint8_t *src,
		    uint64_t filesz, uint64_t memsz, struct mb_ranges *rg)
{
	uint8_t *dst;

	if (filesz > memsz || gpa + memsz < gpa || gpa + memsz > 0xffffffffull ||
	    !(dst = mem_gpa_to_hva(&vm->mem, gpa, memsz)) ||
	    (gpa < MEM_HIGH_BASE && gpa + memsz > MEM_EBDA_BASE)) {
		fprintf(stderr, "hv-run: %s: segment [0x%" PRIx64 ", 0x%" PRIx64 ") is outside the guest's RAM"
			" (--mem %" PRIu64 "M) or over the BIOS area [0x%llx, 0x%llx)\n", k->path, gpa,
			gpa + memsz, vm->mem.size >> 20, (unsigned long long)MEM_EBDA_BASE,
			(unsigned long long)MEM_HIGH_BASE);
		return VM_EXIT_USAGE;
	}
	if (rg->n == MB_MAX_RANGES) {
		fprintf(stderr, "hv-run: %s: more than %u loadable segments\n", k->path, MB_MAX_RANGES);
		return VM_EXIT_USAGE;
	}
	memcpy(dst, src, filesz);
	memset(dst + filesz, 0, memsz - filesz);
	mb_add_range(rg, gpa, gpa + memsz);
	return 0;
}

static int mb_load_aout(struct vm *vm, const struct boot_file *k, const struct mb_header *h,
			uint64_t *entry, struct mb_ranges *rg)
{
	uint64_t file_off, filesz, memsz;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset)
		goto bad;
	file_off = h->offset - (h->header_addr - h->load_addr);
	filesz = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr : k->size - file_off;
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		goto bad;
	if (filesz > k->size - file_off)
		goto bad;
	memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + filesz)
			goto bad;
		memsz = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	*entry = h->entry_addr;
	return mb_place(vm, k, h->load_addr, k->data + file_off, filesz, memsz, rg);
bad:
	fprintf(stderr, "hv-run: %s: inconsistent multiboot load addresses\n", k->path);
	return VM_EXIT_USAGE;
}

/* One ELF program header, whichever class. */
struct mb_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static int mb_load_elf(struct vm *vm, const struct boot_file *k, uint64_t *entry,
		       struct mb_ranges *rg)
{
	const uint8_t *d = k->data;
	bool is64;
	uint64_t phoff, i, loaded = 0;
	unsigned int phnum, phentsize;

	if (k->size < sizeof(Elf32_Ehdr) || memcmp(d, ELFMAG, SELFMAG) || d[EI_DATA] != ELFDATA2LSB)
		goto bad;
	is64 = d[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr eh;

		if (k->size < sizeof(eh))
			goto bad;
		memcpy(&eh, d, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		*entry = eh.e_entry;
		if (phentsize != sizeof(Elf64_Phdr))
			goto bad;
	} else if (d[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		memcpy(&eh, d, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		*entry = eh.e_entry;
		if (phentsize != sizeof(Elf32_Phdr))
			goto bad;
	} else {
		goto bad;
	}
	if (phoff > k->size || (uint64_t)phnum * phentsize > k->size - phoff)
		goto bad;
	for (i = 0; i < phnum; i++) {
		const uint8_t *p = d + phoff + i * phentsize;
		struct mb_phdr ph;
		int r;

		if (is64) {
			Elf64_Phdr e;

			memcpy(&e, p, sizeof(e));
			ph = (struct mb_phdr){ e.p_type, e.p_offset, e.p_paddr, e.p_filesz, e.p_memsz };
		} else {
			Elf32_Phdr e;

			memcpy(&e, p, sizeof(e));
			ph = (struct mb_phdr){ e.p_type, e.p_offset, e.p_paddr, e.p_filesz, e.p_memsz };
		}
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.offset > k->size || ph.filesz > k->size - ph.offset)
			goto bad;
		r = mb_place(vm, k, ph.paddr, d + ph.offset, ph.filesz, ph.memsz, rg);
		if (r)
			return r;
		loaded++;
	}
	if (!loaded)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "hv-run: %s: multiboot image is neither a valid ELF nor has load addresses (flag 16)\n",
		k->path);
	return VM_EXIT_USAGE;
}

static bool mb_write_mmap(const struct guest_mem *mem, uint64_t gpa, uint32_t *len)
{
	struct e820_entry e[E820_MAX];
	unsigned int i, n = boot_e820(mem, e, E820_MAX);
	uint8_t buf[E820_MAX * 24];

	for (i = 0; i < n; i++) {
		uint32_t size = 20;	/* the size field does not count itself */

		memcpy(buf + i * 24, &size, 4);
		memcpy(buf + i * 24 + 4, &e[i].addr, 8);
		memcpy(buf + i * 24 + 12, &e[i].size, 8);
		memcpy(buf + i * 24 + 20, &e[i].type, 4);
	}
	*len = n * 24;
	return mem_write(mem, gpa, buf, *len);
}

/*
 * The initrd as module 0, page aligned after the kernel (at 1 MiB if it
 * would reach the EBDA from below it).  Its place joins @rg.
 */
static int mb_load_module(struct vm *vm, const struct boot_file *initrd, struct mb_ranges *rg,
			  uint64_t *start_out)
{
	uint64_t start = (rg->max_end + MB_PAGE - 1) & ~(MB_PAGE - 1);

	if (start < MEM_HIGH_BASE && (start >= MEM_EBDA_BASE ||
				      initrd->size > MEM_EBDA_BASE - start))
		start = MEM_HIGH_BASE;
	if (start > vm->mem.low_end || initrd->size > vm->mem.low_end - start) {
		fprintf(stderr, "hv-run: %s: module of %zu bytes does not fit in --mem %" PRIu64 "M after the kernel\n",
			initrd->path, initrd->size, vm->mem.size >> 20);
		return VM_EXIT_USAGE;
	}
	if (!mem_write(&vm->mem, start, initrd->data, initrd->size))
		return VM_EXIT_ERROR;
	mb_add_range(rg, start, start + initrd->size);
	*start_out = start;
	return 0;
}

/* The module list entry and its string (the file's name), in the loader's block at @block. */
static bool mb_write_module_entry(struct vm *vm, const struct boot_file *initrd, uint64_t start,
				  uint64_t block, uint8_t *mbi)
{
	size_t namelen = strlen(initrd->path);
	uint32_t mod[4];

	if (namelen >= MB_MOD_STRING_MAX)
		namelen = MB_MOD_STRING_MAX - 1;
	if (!mem_write(&vm->mem, block + MB_MOD_STRING_OFF, initrd->path, namelen) ||
	    !mem_write(&vm->mem, block + MB_MOD_STRING_OFF + namelen, "", 1))
		return false;
	mod[0] = start;
	mod[1] = start + initrd->size;
	mod[2] = block + MB_MOD_STRING_OFF;
	mod[3] = 0;
	if (!mem_write(&vm->mem, block + MB_MODS_OFF, mod, sizeof(mod)))
		return false;
	memcpy(mbi + MBI_MODS_COUNT, &(uint32_t){ 1 }, 4);
	memcpy(mbi + MBI_MODS_ADDR, &(uint32_t){ block + MB_MODS_OFF }, 4);
	return true;
}

/*
 * The loader's block of @size bytes: the first page-aligned place from
 * 4 KiB up that misses the image and the module, below the EBDA; else the
 * first one above them from 1 MiB on.  0 if RAM has none.
 */
static uint64_t mb_place_block(const struct vm *vm, const struct mb_ranges *rg, uint64_t size)
{
	uint64_t base;

	for (base = MB_PAGE; base + size <= MEM_EBDA_BASE; base += MB_PAGE)
		if (!mb_overlaps(rg, base, base + size))
			return base;
	base = rg->max_end > MEM_HIGH_BASE ? rg->max_end : MEM_HIGH_BASE;
	base = (base + MB_PAGE - 1) & ~(MB_PAGE - 1);
	if (base <= vm->mem.low_end && size <= vm->mem.low_end - base)
		return base;
	return 0;
}

int multiboot_load(struct vm *vm, const struct boot_file *k, const struct boot_file *initrd,
		   const char *cmdline, struct boot_state *st)
{
	static const char loader_name[] = "hv-run";
	struct mb_ranges rg = { .n = 0 };
	struct mb_header h;
	uint64_t entry = 0, mod_start = 0, block, info;
	uint32_t flags = MBI_HAS_MEM | MBI_HAS_CMDLINE | MBI_HAS_MMAP | MBI_HAS_LOADER_NAME;
	uint32_t v, mmap_len;
	size_t cmdline_len;
	uint8_t *mbi;
	int r;

	if (!mb_find(k, &h))
		return VM_EXIT_USAGE;
	if (h.flags & ~MB_FLAGS_SUPPORTED & 0xffff) {
		fprintf(stderr, "hv-run: %s: multiboot header asks for%s (flags 0x%x), which hv-run cannot give\n",
			k->path, h.flags & MB_FLAG_VIDEO ? " a video mode" : " unknown features", h.flags);
		return VM_EXIT_USAGE;
	}
	cmdline = cmdline ? cmdline : "";
	cmdline_len = strlen(cmdline);
	if (cmdline_len >= BOOT_CMDLINE_MAX) {
		fprintf(stderr, "hv-run: --cmdline is longer than %llu bytes\n", BOOT_CMDLINE_MAX - 1);
		return VM_EXIT_USAGE;
	}
	r = (h.flags & MB_FLAG_AOUT) ? mb_load_aout(vm, k, &h, &entry, &rg) :
				       mb_load_elf(vm, k, &entry, &rg);
	if (r)
		return r;
	if (entry > 0xffffffffull || !mem_gpa_to_hva(&vm->mem, entry, 1)) {
		fprintf(stderr, "hv-run: %s: entry point 0x%" PRIx64 " is not in the guest's RAM\n", k->path, entry);
		return VM_EXIT_USAGE;
	}
	if (initrd && initrd->data) {
		r = mb_load_module(vm, initrd, &rg, &mod_start);
		if (r)
			return r;
	}
	block = mb_place_block(vm, &rg, MB_CMDLINE_OFF + cmdline_len + 1);
	if (!block) {
		fprintf(stderr, "hv-run: %s: no room in --mem %" PRIu64 "M for the boot information next to the image\n",
			k->path, vm->mem.size >> 20);
		return VM_EXIT_USAGE;
	}
	info = block + MB_INFO_OFF;
	mbi = mem_gpa_to_hva(&vm->mem, info, MB_PAGE);
	if (!mbi)
		return VM_EXIT_ERROR;
	memset(mbi, 0, MB_PAGE);
	if (initrd && initrd->data) {
		if (!mb_write_module_entry(vm, initrd, mod_start, block, mbi))
			return VM_EXIT_ERROR;
		flags |= MBI_HAS_MODS;
	}
	if (!boot_write_cmdline(&vm->mem, block + MB_CMDLINE_OFF, cmdline, BOOT_CMDLINE_MAX - 1) ||
	    !mb_write_mmap(&vm->mem, block + MB_MMAP_OFF, &mmap_len) ||
	    !mem_write(&vm->mem, block + MB_LOADER_NAME_OFF, loader_name, sizeof(loader_name)))
		return VM_EXIT_ERROR;
	memcpy(mbi + MBI_FLAGS, &flags, 4);
	v = MEM_EBDA_BASE >> 10;			/* KiB below the EBDA */
	memcpy(mbi + MBI_MEM_LOWER, &v, 4);
	v = (vm->mem.low_end - MEM_HIGH_BASE) >> 10;	/* KiB from 1 MiB to the first hole */
	memcpy(mbi + MBI_MEM_UPPER, &v, 4);
	memcpy(mbi + MBI_CMDLINE, &(uint32_t){ block + MB_CMDLINE_OFF }, 4);
	memcpy(mbi + MBI_MMAP_LENGTH, &mmap_len, 4);
	memcpy(mbi + MBI_MMAP_ADDR, &(uint32_t){ block + MB_MMAP_OFF }, 4);
	memcpy(mbi + MBI_LOADER_NAME, &(uint32_t){ block + MB_LOADER_NAME_OFF }, 4);

	if (!acpi_setup(vm) || !boot_write_gdt(&vm->mem, block + MB_GDT_OFF, &st->sregs))
		return VM_EXIT_ERROR;

	memset(&st->regs, 0, sizeof(st->regs));
	st->regs.rax = MB_BOOTLOADER_MAGIC;
	st->regs.rbx = info;
	st->regs.rip = entry;
	st->regs.rflags = 0x2;
	boot_flat_code(&st->sregs.cs, BOOT_CS32, false);
	boot_flat_data(&st->sregs.ds, BOOT_DS);
	st->sregs.es = st->sregs.fs = st->sregs.gs = st->sregs.ss = st->sregs.ds;
	st->sregs.cr0 = 0x11;				/* PE, ET; paging and caching rules: off/on */
	st->sregs.cr3 = 0;
	st->sregs.cr4 = 0;
	st->sregs.efer = 0;
	vm_debug(vm, "multiboot: %s load, entry 0x%" PRIx64 ", image end 0x%" PRIx64 ", boot information at 0x%" PRIx64,
		 h.flags & MB_FLAG_AOUT ? "a.out-kludge" : "ELF", entry, rg.max_end, info);
	return 0;
}
