// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of fw_cfg (devices/fw_cfg.c) through its ports, with a real
 * guest memory for the DMA cases: the standard items, the offset rules of
 * the data port, the file directory's layout, and DMA requests, good and
 * hostile.
 */
#include <errno.h>
#include <string.h>

#include "../../devices/fw_cfg.h"
#include "../../le.h"
#include "../../mem.h"
#include "unit.h"

#define GUEST_MEM	(16ull << 20)
#define DMA_CTL_GPA	0x200000ull	/* the control structure */
#define DMA_BUF_GPA	0x300000ull	/* where the data goes */

struct fw_env {
	struct iobus bus;
	struct guest_mem mem;
	struct fw_cfg fw;
};

static bool env_init(struct fw_env *e)
{
	memset(e, 0, sizeof(*e));
	iobus_init(&e->bus, "pio");
	if (mem_init(&e->mem, GUEST_MEM))
		return false;
	return fw_cfg_init(&e->fw, &e->bus, &e->mem) == 0;
}

static void env_destroy(struct fw_env *e)
{
	fw_cfg_destroy(&e->fw);
	mem_destroy(&e->mem);
	iobus_destroy(&e->bus);
}

static void select_item(struct fw_env *e, uint16_t key)
{
	io_out(&e->bus, FW_CFG_PORT_SELECTOR, 2, key);
}

static void read_data(struct fw_env *e, uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = inb(&e->bus, FW_CFG_PORT_DATA);
}

static uint64_t read_le(struct fw_env *e, uint16_t key, unsigned int size)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;
	unsigned int i;

	select_item(e, key);
	read_data(e, b, size);
	for (i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void put_be_bytes(uint8_t *p, unsigned int size, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

/* Write a control structure at DMA_CTL_GPA and start it as a guest does: high half, then low half. */
static uint32_t dma(struct fw_env *e, uint32_t control, uint32_t length, uint64_t addr)
{
	uint8_t *ctl = mem_gpa_to_hva(&e->mem, DMA_CTL_GPA, 16);

	put_be_bytes(ctl, 4, control);
	put_be_bytes(ctl + 4, 4, length);
	put_be_bytes(ctl + 8, 8, addr);
	io_out(&e->bus, FW_CFG_PORT_DMA, 4, __builtin_bswap32((uint32_t)(DMA_CTL_GPA >> 32)));
	io_out(&e->bus, FW_CFG_PORT_DMA + 4, 4, __builtin_bswap32((uint32_t)DMA_CTL_GPA));
	return (uint32_t)get_be(ctl, 4);
}

static bool fw_cfg_signature_and_id(void)
{
	struct fw_env e;
	uint8_t sig[4];

	CHECK(env_init(&e));
	select_item(&e, FW_CFG_SIGNATURE);
	read_data(&e, sig, 4);
	CHECK(!memcmp(sig, "QEMU", 4));
	CHECK_EQ(read_le(&e, FW_CFG_ID, 4), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	/* The DMA register reads "QEMU CFG" in memory order: a 32-bit IN at 0x514 gives "QEMU". */
	CHECK_EQ(io_in(&e.bus, FW_CFG_PORT_DMA, 4), 0x554d4551);
	CHECK_EQ(io_in(&e.bus, FW_CFG_PORT_DMA + 4, 4), 0x47464320);
	/* The selector port is write-only. */
	CHECK_EQ(io_in(&e.bus, FW_CFG_PORT_SELECTOR, 2), 0);
	env_destroy(&e);
	return true;
}

/* The data port's offset: advances per byte, stops at the end (zeros after), reset by a selector write. */
static bool fw_cfg_item_offset_and_end(void)
{
	struct fw_env e;
	uint8_t b[8];

	CHECK(env_init(&e));
	CHECK_EQ(fw_cfg_add_le16(&e.fw, FW_CFG_NB_CPUS, 0x0203), 0);
	CHECK_EQ(fw_cfg_add_le64(&e.fw, FW_CFG_RAM_SIZE, 0x123456789abcdef0ull), 0);
	CHECK_EQ(read_le(&e, FW_CFG_RAM_SIZE, 8), 0x123456789abcdef0ull);
	select_item(&e, FW_CFG_NB_CPUS);
	read_data(&e, b, 4);
	CHECK_EQ(b[0], 0x03);
	CHECK_EQ(b[1], 0x02);
	CHECK_EQ(b[2], 0);			/* past the end: zeros */
	CHECK_EQ(b[3], 0);
	select_item(&e, FW_CFG_NB_CPUS);	/* a selector write rewinds */
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 0x03);
	select_item(&e, FW_CFG_NB_CPUS);
	CHECK_EQ(io_in(&e.bus, FW_CFG_PORT_DATA, 2), 0x0203);	/* a wider IN reads bytes in a row */
	/* The write-channel bit selects the same item; data port writes are ignored. */
	select_item(&e, FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS);
	outb(&e.bus, FW_CFG_PORT_DATA, 0x55);
	CHECK_EQ(read_le(&e, FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS, 2), 0x0203);
	/* Unknown keys and the arch-local space read as zeros. */
	CHECK_EQ(read_le(&e, 0x0006, 8), 0);
	CHECK_EQ(read_le(&e, 0x3fff, 8), 0);
	CHECK_EQ(read_le(&e, FW_CFG_ARCH_LOCAL | FW_CFG_NB_CPUS, 2), 0);
	CHECK_EQ(read_le(&e, FW_CFG_FILE_FIRST + 5, 4), 0);	/* no such file */
	/* The registry refuses what it cannot list. */
	CHECK_EQ(fw_cfg_add_item(&e.fw, FW_CFG_FILE_DIR, b, 1), -EINVAL);
	CHECK_EQ(fw_cfg_add_item(&e.fw, FW_CFG_FILE_FIRST, b, 1), -EINVAL);
	env_destroy(&e);
	return true;
}

/* FW_CFG_FILE_DIR: be32 count, then {be32 size, be16 select, be16 reserved, name[56]} per file. */
static bool fw_cfg_file_directory(void)
{
	static const uint8_t e820[40] = { 1, 2, 3 };
	char name[FW_CFG_FILE_NAME_MAX + 1];
	uint8_t dir[4 + 2 * 64], data[40];
	struct fw_env e;

	CHECK(env_init(&e));
	select_item(&e, FW_CFG_FILE_DIR);
	read_data(&e, dir, 4);
	CHECK_EQ(get_be(dir, 4), 0);		/* empty until a file is added */
	CHECK_EQ(fw_cfg_add_file(&e.fw, "etc/e820", e820, sizeof(e820)), FW_CFG_FILE_FIRST);
	CHECK_EQ(fw_cfg_add_file(&e.fw, "etc/boot-fail-wait", "\xff\xff\xff\xff", 4), FW_CFG_FILE_FIRST + 1);
	CHECK_EQ(fw_cfg_add_file(&e.fw, "etc/e820", e820, 1), -EINVAL);	/* duplicate */
	memset(name, 'a', FW_CFG_FILE_NAME_MAX);
	name[FW_CFG_FILE_NAME_MAX] = 0;
	CHECK_EQ(fw_cfg_add_file(&e.fw, name, e820, 1), -EINVAL);		/* no room for the NUL */
	CHECK_EQ(fw_cfg_add_file(&e.fw, "", e820, 1), -EINVAL);
	select_item(&e, FW_CFG_FILE_DIR);
	read_data(&e, dir, sizeof(dir));
	CHECK_EQ(get_be(dir, 4), 2);
	CHECK_EQ(get_be(dir + 4, 4), sizeof(e820));
	CHECK_EQ(get_be(dir + 8, 2), FW_CFG_FILE_FIRST);
	CHECK_EQ(get_be(dir + 10, 2), 0);
	CHECK(!strcmp((const char *)dir + 12, "etc/e820"));
	CHECK_EQ(dir[12 + FW_CFG_FILE_NAME_MAX - 1], 0);
	CHECK_EQ(get_be(dir + 68, 4), 4);
	CHECK_EQ(get_be(dir + 72, 2), FW_CFG_FILE_FIRST + 1);
	CHECK(!strcmp((const char *)dir + 76, "etc/boot-fail-wait"));
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 0);	/* past the directory's end */
	select_item(&e, FW_CFG_FILE_FIRST);
	read_data(&e, data, sizeof(data));
	CHECK(!memcmp(data, e820, sizeof(e820)));
	env_destroy(&e);
	return true;
}

static bool fw_cfg_files_full(void)
{
	struct fw_env e;
	char name[16];
	unsigned int i;

	CHECK(env_init(&e));
	for (i = 0; i < FW_CFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		CHECK_EQ(fw_cfg_add_file(&e.fw, name, NULL, 0), FW_CFG_FILE_FIRST + i);
	}
	CHECK_EQ(fw_cfg_add_file(&e.fw, "one-more", NULL, 0), -ENOSPC);
	CHECK_EQ(read_le(&e, FW_CFG_FILE_DIR, 4), __builtin_bswap32(FW_CFG_MAX_FILES));
	env_destroy(&e);
	return true;
}

/* DMA: SELECT+READ, READ on from the offset, SKIP, past the end zero-filled, the control word cleared. */
static bool fw_cfg_dma_read_skip_select(void)
{
	static const uint8_t blob[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct fw_env e;
	uint8_t *buf;

	CHECK(env_init(&e));
	buf = mem_gpa_to_hva(&e.mem, DMA_BUF_GPA, 64);
	CHECK(buf);
	CHECK_EQ(fw_cfg_add_file(&e.fw, "etc/blob", blob, sizeof(blob)), FW_CFG_FILE_FIRST);
	memset(buf, 0xaa, 64);
	CHECK_EQ(dma(&e, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4,
		     DMA_BUF_GPA), 0);
	CHECK(!memcmp(buf, blob, 4));
	CHECK_EQ(buf[4], 0xaa);			/* exactly @length bytes */
	CHECK_EQ(dma(&e, FW_CFG_DMA_SKIP, 2, 0), 0);
	CHECK_EQ(dma(&e, FW_CFG_DMA_READ, 8, DMA_BUF_GPA), 0);
	CHECK(!memcmp(buf, blob + 6, 4));
	CHECK_EQ(buf[4], 0);			/* past the end: zeros */
	CHECK_EQ(buf[7], 0);
	CHECK_EQ(buf[8], 0xaa);
	/* The port interface continues at the same offset: the end. */
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 0);
	/* A 64-bit write of the whole address also starts a transfer. */
	memset(buf, 0xaa, 64);
	put_be_bytes(mem_gpa_to_hva(&e.mem, DMA_CTL_GPA, 16), 4, FW_CFG_SIGNATURE << 16 |
		     FW_CFG_DMA_SELECT | FW_CFG_DMA_READ);
	put_be_bytes(mem_gpa_to_hva(&e.mem, DMA_CTL_GPA + 4, 4), 4, 4);
	put_be_bytes(mem_gpa_to_hva(&e.mem, DMA_CTL_GPA + 8, 8), 8, DMA_BUF_GPA);
	io_out(&e.bus, FW_CFG_PORT_DMA, 8, __builtin_bswap64(DMA_CTL_GPA));
	CHECK(!memcmp(buf, "QEMU", 4));
	CHECK_EQ(get_be(mem_gpa_to_hva(&e.mem, DMA_CTL_GPA, 4), 4), 0);
	/* A select alone rewinds, and a read of an unknown key gives zeros. */
	CHECK_EQ(dma(&e, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT, 0, 0), 0);
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 0);
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 1);
	memset(buf, 0xaa, 64);
	CHECK_EQ(dma(&e, 0x1234u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8, DMA_BUF_GPA), 0);
	CHECK_EQ(get_be(buf, 8), 0);
	env_destroy(&e);
	return true;
}

/* A hostile guest: bad data addresses, wrapping lengths, writes, control structures outside RAM. */
static bool fw_cfg_dma_bad_address(void)
{
	const uint32_t sel_read = (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ;
	struct fw_env e;
	uint8_t *rom;

	CHECK(env_init(&e));
	CHECK_EQ(dma(&e, sel_read, 4, GUEST_MEM - 2), FW_CFG_DMA_ERROR);	/* runs off RAM's end */
	CHECK_EQ(dma(&e, sel_read, 4, 0xa0000), FW_CFG_DMA_ERROR);		/* the VGA hole */
	CHECK_EQ(dma(&e, sel_read, 4, 0xffffffffffffffffull), FW_CFG_DMA_ERROR);	/* wraps */
	CHECK_EQ(dma(&e, sel_read, 0xffffffffu, 0x1000), FW_CFG_DMA_ERROR);	/* 4 GiB > RAM */
	CHECK_EQ(dma(&e, sel_read, 0xffffffffu, 0xfffffffffffff000ull), FW_CFG_DMA_ERROR);
	/* The read-only ROM/BIOS area is no target either. */
	rom = mem_gpa_to_hva(&e.mem, 0xe0000, 4);
	CHECK(rom);
	memset(rom, 0x5a, 4);
	CHECK_EQ(dma(&e, sel_read, 4, 0xe0000), FW_CFG_DMA_ERROR);
	CHECK_EQ(rom[0], 0x5a);
	CHECK_EQ(dma(&e, sel_read, 0x100, 0xdff80), FW_CFG_DMA_ERROR);	/* straddles into it */
	/* Nothing was read by the failed requests: the offset is still 0. */
	CHECK_EQ(inb(&e.bus, FW_CFG_PORT_DATA), 'Q');
	/* WRITE: no writable item, ERROR. */
	CHECK_EQ(dma(&e, FW_CFG_DMA_WRITE, 4, DMA_BUF_GPA), FW_CFG_DMA_ERROR);
	/* A good request after bad ones works. */
	CHECK_EQ(dma(&e, sel_read, 4, DMA_BUF_GPA), 0);
	/* A control structure outside RAM: nothing happens, nothing crashes. */
	io_out(&e.bus, FW_CFG_PORT_DMA, 4, __builtin_bswap32(0xffffffffu));
	io_out(&e.bus, FW_CFG_PORT_DMA + 4, 4, __builtin_bswap32(0xfffffff8u));
	io_out(&e.bus, FW_CFG_PORT_DMA, 8, __builtin_bswap64(GUEST_MEM - 8));
	io_out(&e.bus, FW_CFG_PORT_DMA, 8, __builtin_bswap64(0xa0000));
	env_destroy(&e);
	return true;
}

const struct unit_case fw_cfg_cases[] = {
	{ "fw_cfg_signature_and_id", fw_cfg_signature_and_id },
	{ "fw_cfg_item_offset_and_end", fw_cfg_item_offset_and_end },
	{ "fw_cfg_file_directory", fw_cfg_file_directory },
	{ "fw_cfg_files_full", fw_cfg_files_full },
	{ "fw_cfg_dma_read_skip_select", fw_cfg_dma_read_skip_select },
	{ "fw_cfg_dma_bad_address", fw_cfg_dma_bad_address },
	{ NULL, NULL },
};
