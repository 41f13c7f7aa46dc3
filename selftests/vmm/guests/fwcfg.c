// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg, as a test kernel written for QEMU finds it: the signature, the
 * feature bits, the CPU count and RAM size, the command line and the file
 * directory through the port interface (selector 0x510, data 0x511), and
 * etc/e820 through the DMA interface (0x514), checked against what this
 * kernel was started with: "mem_mib=" and "cpus=" on the command line (the
 * harness passes the --mem and --cpus it gave hv-run) and the multiboot
 * memory map, which hv-run builds from the same e820 table.  Then what a
 * hostile or careless guest does: DMA to addresses that are not RAM must
 * come back with the ERROR bit.  Exits with the number of failed checks.
 *
 * "strict=1" (vmm_test gives it) adds what is hv-run's own choice rather
 * than the specification's, so that the test still passes under QEMU
 * (selftests/vmm/reference-qemu.sh): the command line items equal to the
 * multiboot command line (QEMU's multiboot loader leaves them empty), etc/e820
 * equal to the multiboot memory map (QEMU's lists only some ranges), and a DMA
 * to the VGA window failing (QEMU lets it reach the VGA device).
 */
#include "rt.h"

#define FW_CFG_SELECTOR		0x510
#define FW_CFG_DATA		0x511
#define FW_CFG_DMA_HIGH		0x514
#define FW_CFG_DMA_LOW		0x518

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MACHINE_ID	0x06	/* not offered by hv-run: reads as zeros */
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_CMDLINE_SIZE	0x14
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_FILE_DIR		0x19

#define DMA_ERROR		0x01
#define DMA_READ		0x02
#define DMA_SKIP		0x04
#define DMA_SELECT		0x08

#define MB_INFO_MMAP		(1u << 6)

/* The multiboot information structure up to its memory map (offsets 44 and 48). */
struct mb_info_mmap {
	struct mb_info base;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct dma_access {
	uint32_t control, length;	/* big-endian */
	uint32_t addr_hi, addr_lo;	/* the be64 address, as two big-endian halves */
} __attribute__((aligned(16)));

static struct dma_access dma_req;
static uint8_t e820[8 * 20];
static uint8_t dir_entry[64];

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fw_select(uint16_t key)
{
	outw(FW_CFG_SELECTOR, key);
}

static void fw_read(void *buf, uint32_t n)
{
	uint8_t *p = buf;

	while (n--)
		*p++ = inb(FW_CFG_DATA);
}

/* An item of up to 4 bytes, little-endian. */
static uint32_t fw_read_le(uint16_t key, unsigned int size)
{
	uint8_t b[4] = { 0 };

	fw_select(key);
	fw_read(b, size);
	return get_le32(b);
}

/* One DMA request for @len bytes to @addr (a 64-bit address as hi:lo); returns the control word after it. */
static uint32_t fw_dma(uint32_t control, uint32_t len, uint32_t addr_hi, uint32_t addr_lo)
{
	dma_req.control = be32(control);
	dma_req.length = be32(len);
	dma_req.addr_hi = be32(addr_hi);
	dma_req.addr_lo = be32(addr_lo);
	__asm__ volatile("" ::: "memory");
	outl(FW_CFG_DMA_HIGH, be32(0));
	outl(FW_CFG_DMA_LOW, be32((uint32_t)(uintptr_t)&dma_req));
	__asm__ volatile("" ::: "memory");
	return be32(*(volatile uint32_t *)&dma_req.control);
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint32_t failed;

static void expect(bool pass, const char *name, const char *fmt, uint32_t got, uint32_t want)
{
	if (!check(pass, name, fmt, got, want))
		failed++;
}

/* etc/e820 (read by DMA) against the multiboot memory map, entry by entry. */
static void check_e820(const struct mb_info_mmap *mbi, uint16_t select, uint32_t size, bool strict)
{
	uint32_t n = size / 20, i = 0, off = 0, ctl;
	const uint8_t *mm;

	expect(size % 20 == 0 && n >= 1 && n <= 8, "e820_file_size", "%u bytes (entries of %u)", size, 20);
	if (n > 8)
		n = 8;
	memset(e820, 0xee, sizeof(e820));
	ctl = fw_dma((uint32_t)select << 16 | DMA_SELECT | DMA_READ, n * 20, 0, (uint32_t)(uintptr_t)e820);
	expect(ctl == 0, "e820_dma_read", "control word 0x%x after the transfer (want %u)", ctl, 0);
	if (!strict) {
		for (i = 0; i < n; i++)
			printf_serial("# e820[%u] 0x%08x%08x +0x%08x%08x type %u\n", i,
				      get_le32(e820 + i * 20 + 4), get_le32(e820 + i * 20),
				      get_le32(e820 + i * 20 + 12), get_le32(e820 + i * 20 + 8),
				      get_le32(e820 + i * 20 + 16));
		return;
	}
	if (!(mbi->base.flags & MB_INFO_MMAP)) {
		expect(false, "multiboot_mmap_present", "flags 0x%x (%u)", mbi->base.flags, 0);
		return;
	}
	mm = (const uint8_t *)(uintptr_t)mbi->mmap_addr;
	for (; off < mbi->mmap_length && i < n; i++) {
		const uint8_t *f = e820 + i * 20, *m = mm + off + 4;	/* base, length, type after size */

		printf_serial("# e820[%u] 0x%08x%08x +0x%08x%08x type %u\n", i, get_le32(f + 4), get_le32(f),
			      get_le32(f + 12), get_le32(f + 8), get_le32(f + 16));
		if (get_le32(f) != get_le32(m) || get_le32(f + 4) != get_le32(m + 4) ||
		    get_le32(f + 8) != get_le32(m + 8) || get_le32(f + 12) != get_le32(m + 12) ||
		    get_le32(f + 16) != get_le32(m + 16)) {
			expect(false, "e820_matches_multiboot_mmap", "entry %u differs (multiboot base 0x%x)",
			       i, get_le32(m));
			return;
		}
		off += get_le32(mm + off) + 4;
	}
	expect(i == n && off == mbi->mmap_length, "e820_matches_multiboot_mmap",
	       "%u fw_cfg entries, multiboot map ends after %u", n, i);
}

int guest_main(const struct mb_info *mbi, const char *cmdline)
{
	uint32_t mem_mib = cmdline_uint(cmdline, "mem_mib", 0), cpus = cmdline_uint(cmdline, "cpus", 0);
	bool strict = cmdline_uint(cmdline, "strict", 0);
	uint32_t v, count, i, e820_size = 0, cmdline_len = strlen(cmdline) + 1;
	uint16_t e820_select = 0;
	char sig[5] = { 0 }, buf[128];
	uint8_t ram[8];

	/* Signature and features through the port interface. */
	fw_select(FW_CFG_SIGNATURE);
	fw_read(sig, 4);
	expect(streq(sig, "QEMU"), "signature", "first bytes 0x%x (want 0x%x)", get_le32((uint8_t *)sig),
	       0x554d4551);
	v = fw_read_le(FW_CFG_ID, 4);
	expect(v == 3, "id_traditional_and_dma", "FW_CFG_ID 0x%x (want 0x%x)", v, 3);
	v = inl(FW_CFG_DMA_HIGH);
	expect(v == 0x554d4551, "dma_register_signature", "0x514 reads 0x%x (want 0x%x)", v, 0x554d4551);

	/* A selector write rewinds: two bytes of the signature, select it again, 'Q' again. */
	fw_select(FW_CFG_SIGNATURE);
	fw_read(sig, 2);
	fw_select(FW_CFG_SIGNATURE);
	v = inb(FW_CFG_DATA);
	expect(v == 'Q', "selector_write_rewinds", "first byte after reselecting 0x%x (want 0x%x)", v, 'Q');

	/* The machine: what the harness gave hv-run. */
	v = fw_read_le(FW_CFG_NB_CPUS, 2);
	expect(v == cpus, "nb_cpus", "FW_CFG_NB_CPUS %u (want %u)", v, cpus);
	v = fw_read_le(FW_CFG_MAX_CPUS, 2);
	expect(v == cpus, "max_cpus", "FW_CFG_MAX_CPUS %u (want %u)", v, cpus);
	fw_select(FW_CFG_RAM_SIZE);
	fw_read(ram, 8);
	printf_serial("# RAM_SIZE 0x%08x%08x, NB_CPUS %u\n", get_le32(ram + 4), get_le32(ram), cpus);
	expect(get_le32(ram) == mem_mib << 20 && get_le32(ram + 4) == mem_mib >> 12, "ram_size",
	       "FW_CFG_RAM_SIZE low word 0x%x (want 0x%x)", get_le32(ram), mem_mib << 20);
	v = fw_read_le(FW_CFG_MACHINE_ID, 4);
	v |= inb(FW_CFG_DATA);
	v |= fw_read_le(0x3ff0, 4);
	expect(v == 0, "unknown_selector_reads_zeros", "read 0x%x (want %u)", v, 0);

	/* The command line: as multiboot gave it, NUL included. */
	v = fw_read_le(FW_CFG_CMDLINE_SIZE, 4);
	if (strict)
		expect(v == cmdline_len, "cmdline_size", "FW_CFG_CMDLINE_SIZE %u (want %u)", v, cmdline_len);
	if (strict && v == cmdline_len && v <= sizeof(buf)) {
		fw_select(FW_CFG_CMDLINE_DATA);
		fw_read(buf, v);
		expect(streq(buf, cmdline), "cmdline_data", "differs (%u bytes, want %u)", v, cmdline_len);
	}

	/* The file directory through the port: be32 count, 64-byte entries. */
	fw_select(FW_CFG_FILE_DIR);
	fw_read(dir_entry, 4);
	count = get_be32(dir_entry);
	printf_serial("# %u fw_cfg files\n", count);
	expect(count >= 1 && count <= 64, "file_dir_count", "%u files (want 1 to %u)", count, 64);
	for (i = 0; i < count && i < 64; i++) {
		fw_read(dir_entry, 64);
		dir_entry[63] = 0;
		printf_serial("# file 0x%x %u bytes \"%s\"\n", dir_entry[4] << 8 | dir_entry[5],
			      get_be32(dir_entry), (const char *)dir_entry + 8);
		if (streq((const char *)dir_entry + 8, "etc/e820")) {
			e820_size = get_be32(dir_entry);
			e820_select = (uint16_t)(dir_entry[4] << 8 | dir_entry[5]);
		}
	}
	expect(e820_select >= 0x20, "file_dir_has_etc_e820", "selector 0x%x (want at least 0x%x)",
	       e820_select, 0x20);
	if (e820_select >= 0x20)
		check_e820((const struct mb_info_mmap *)mbi, e820_select, e820_size, strict);

	/* DMA: a skip, then a read that continues from the offset the skip left. */
	memset(buf, 0, sizeof(buf));
	v = fw_dma(FW_CFG_SIGNATURE << 16 | DMA_SELECT | DMA_SKIP, 2, 0, 0);
	v |= fw_dma(DMA_READ, 4, 0, (uint32_t)(uintptr_t)buf);
	expect(v == 0 && buf[0] == 'M' && buf[1] == 'U' && !buf[2] && !buf[3], "dma_skip_then_read",
	       "control 0x%x, first byte 0x%x", v, (uint8_t)buf[0]);

	/* Hostile addresses: the VGA hole, past the end of RAM, above 4 GiB, a wrapping range. */
	if (strict) {
		v = fw_dma(FW_CFG_SIGNATURE << 16 | DMA_SELECT | DMA_READ, 4, 0, 0xa0000);
		expect(v & DMA_ERROR, "dma_to_vga_hole_is_error", "control 0x%x (want bit %u)", v, DMA_ERROR);
	}
	v = fw_dma(FW_CFG_SIGNATURE << 16 | DMA_SELECT | DMA_READ, 4, 0, (mem_mib << 20) - 2);
	expect(v & DMA_ERROR, "dma_past_ram_is_error", "control 0x%x (want bit %u)", v, DMA_ERROR);
	v = fw_dma(FW_CFG_SIGNATURE << 16 | DMA_SELECT | DMA_READ, 0xffffffffu, 0xffffffffu, 0xfffff000u);
	expect(v & DMA_ERROR, "dma_wrapping_range_is_error", "control 0x%x (want bit %u)", v, DMA_ERROR);
	/* And the device still works after them. */
	v = fw_dma(FW_CFG_SIGNATURE << 16 | DMA_SELECT | DMA_READ, 4, 0, (uint32_t)(uintptr_t)buf);
	expect(v == 0 && buf[0] == 'Q', "dma_after_errors", "control 0x%x, first byte 0x%x", v,
	       (uint8_t)buf[0]);
	return (int)failed;
}
