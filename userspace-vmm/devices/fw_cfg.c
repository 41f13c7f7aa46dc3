// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: fw_cfg, the QEMU firmware-configuration interface, written
 * from QEMU's guest-side specification (docs/specs/fw_cfg.rst).
 *
 * Test kernels and firmware written for QEMU find the CPU count, the RAM
 * size, the memory map and the command line here instead of parsing boot
 * structures.  The guest selects an item by its 16-bit key and reads it
 * either a byte at a time through the data port or in one go through DMA:
 * it writes the guest-physical address of a control structure
 * { be32 control, be32 length, be64 address } to the DMA register, and
 * hv-run performs the SELECT / READ / SKIP it asks for and writes the
 * control word back as 0 (done) or with the ERROR bit.
 *
 * Every DMA address comes from the guest and is hostile: each range is
 * checked against guest RAM as a whole (mem_gpa_to_hva(), which refuses
 * ranges that wrap), and the read-only ROM/BIOS area is refused as a
 * target since the guest cannot write there itself.  A bad data address
 * sets ERROR; a control structure that is not in guest RAM is ignored, as
 * there is nowhere to report to.  The transfer runs synchronously on the
 * vCPU thread that wrote the address, so it is complete when the OUT
 * instruction retires (the specification allows that).
 *
 * Writes are not supported: the data port ignores them (as QEMU has since
 * 2.4) and a DMA WRITE sets ERROR, since no item here is writable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../le.h"
#include "../mem.h"
#include "fw_cfg.h"

#define FW_CFG_DIR_ENTRY_SIZE	64	/* be32 size, be16 select, be16 reserved, name[56] */
#define FW_CFG_DMA_ACCESS_SIZE	16	/* be32 control, be32 length, be64 address */

static uint32_t swap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* The item @selector names, or NULL (unknown keys and the whole arch-local space read as zeros). */
static const struct fw_cfg_item *fw_cfg_lookup(const struct fw_cfg *fw, uint16_t selector)
{
	uint16_t key = selector & ~FW_CFG_WRITE_CHANNEL;

	if (key & FW_CFG_ARCH_LOCAL || key >= FW_CFG_NR_KEYS || !fw->items[key].data)
		return NULL;
	return &fw->items[key];
}

static void fw_cfg_select(struct fw_cfg *fw, uint16_t selector)
{
	fw->selector = selector;
	fw->offset = 0;
}

/*
 * Copy up to @len bytes of the selected item from the current offset to
 * @dst (which may be NULL for a skip), zero-fill what lies past the end,
 * and move the offset on.  The offset never passes the item's end, so it
 * cannot overflow however long the guest's transfers are.
 */
static void fw_cfg_consume(struct fw_cfg *fw, uint8_t *dst, uint64_t len)
{
	const struct fw_cfg_item *it = fw_cfg_lookup(fw, fw->selector);
	uint64_t size = it ? it->size : 0;
	uint64_t avail = fw->offset < size ? size - fw->offset : 0;
	uint64_t n = len < avail ? len : avail;

	if (dst) {
		if (n)
			memcpy(dst, it->data + fw->offset, n);
		memset(dst + n, 0, len - n);
	}
	fw->offset += (uint32_t)n;
}

/* Host pointer for a DMA range the device may write: guest RAM, not the read-only ROM/BIOS area. */
static uint8_t *fw_cfg_dma_target(const struct fw_cfg *fw, uint64_t gpa, uint64_t len)
{
	uint8_t *p = mem_gpa_to_hva(fw->mem, gpa, len ? len : 1);

	/* mem_gpa_to_hva() refused wrap-around, so gpa + len is exact here. */
	if (p && gpa < MEM_HIGH_BASE && gpa + len > MEM_ROM_BASE)
		return NULL;
	return p;
}

/* One DMA request whose control structure is at guest-physical @addr.  fw->lock held. */
static void fw_cfg_dma(struct fw_cfg *fw, uint64_t addr)
{
	uint8_t *access = fw_cfg_dma_target(fw, addr, FW_CFG_DMA_ACCESS_SIZE);
	uint8_t req[FW_CFG_DMA_ACCESS_SIZE];
	uint32_t control, length;
	uint64_t data_addr;
	bool error = false;

	if (!access)
		return;
	/* One snapshot: other vCPUs may change the structure while we work. */
	memcpy(req, access, sizeof(req));
	control = (uint32_t)get_be(req, 4);
	length = (uint32_t)get_be(req + 4, 4);
	data_addr = get_be(req + 8, 8);

	if (control & FW_CFG_DMA_SELECT)
		fw_cfg_select(fw, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_READ) {
		uint8_t *dst = fw_cfg_dma_target(fw, data_addr, length);

		if (dst || !length)
			fw_cfg_consume(fw, dst, dst ? length : 0);
		else
			error = true;
	} else if (control & FW_CFG_DMA_WRITE) {
		error = true;		/* no writable items */
	} else if (control & FW_CFG_DMA_SKIP) {
		fw_cfg_consume(fw, NULL, length);
	}
	put_be(access, 4, error ? FW_CFG_DMA_ERROR : 0);
}

/* 0x510 (offset 0): the selector; 0x511 (offset 1): the data port. */
static uint64_t fw_cfg_port_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct fw_cfg *fw = opaque;
	uint8_t bytes[8] = { 0 };

	if (offset != 1)
		return 0;	/* the selector is write-only */
	/* A wider IN at the data port reads that many bytes in a row, the first in the low bits. */
	pthread_mutex_lock(&fw->lock);
	fw_cfg_consume(fw, bytes, size);
	pthread_mutex_unlock(&fw->lock);
	return get_le(bytes, size);
}

static void fw_cfg_port_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct fw_cfg *fw = opaque;

	(void)size;
	if (offset != 0)
		return;		/* data port writes are ignored */
	pthread_mutex_lock(&fw->lock);
	fw_cfg_select(fw, (uint16_t)value);
	pthread_mutex_unlock(&fw->lock);
}

/* The DMA register reads as the signature "QEMU CFG", in guest byte order. */
static uint64_t fw_cfg_dma_read(void *opaque, uint64_t offset, unsigned int size)
{
	uint8_t sig[8];

	(void)opaque;
	put_be(sig, 8, FW_CFG_DMA_SIGNATURE);
	if (offset >= 8)
		return 0;
	return get_le(sig + offset, offset + size <= 8 ? size : 8 - (unsigned int)offset);
}

/*
 * The guest writes the big-endian address as bytes, so a 32-bit OUT's
 * value is the byte-swapped half.  The high half waits for the low one,
 * and is forgotten after each transfer, so a lone low write is a 32-bit
 * address.
 */
static void fw_cfg_dma_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct fw_cfg *fw = opaque;

	pthread_mutex_lock(&fw->lock);
	if (size == 4 && offset == 0) {
		fw->dma_high = swap32((uint32_t)value);
	} else if (size == 4 && offset == 4) {
		uint64_t addr = (uint64_t)fw->dma_high << 32 | swap32((uint32_t)value);

		fw->dma_high = 0;
		fw_cfg_dma(fw, addr);
	} else if (size == 8 && offset == 0) {
		fw->dma_high = 0;
		fw_cfg_dma(fw, __builtin_bswap64(value));
	}
	pthread_mutex_unlock(&fw->lock);
}

static const struct io_ops fw_cfg_port_ops = { .read = fw_cfg_port_read, .write = fw_cfg_port_write };
static const struct io_ops fw_cfg_dma_ops = { .read = fw_cfg_dma_read, .write = fw_cfg_dma_write };

/* Replace item @key's data with a copy of @data.  fw->lock held. */
static int fw_cfg_set(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return -ENOMEM;
	if (size)
		memcpy(copy, data, size);
	free(fw->items[key].data);
	fw->items[key].data = copy;
	fw->items[key].size = size;
	return 0;
}

/* FW_CFG_FILE_DIR: be32 count, then one 64-byte entry per file in selector order.  fw->lock held. */
static int fw_cfg_rebuild_dir(struct fw_cfg *fw)
{
	uint32_t size = 4 + fw->nr_files * FW_CFG_DIR_ENTRY_SIZE;
	uint8_t *dir = calloc(1, size);
	unsigned int i;
	int r;

	if (!dir)
		return -ENOMEM;
	put_be(dir, 4, fw->nr_files);
	for (i = 0; i < fw->nr_files; i++) {
		const struct fw_cfg_item *it = &fw->items[FW_CFG_FILE_FIRST + i];
		uint8_t *e = dir + 4 + i * FW_CFG_DIR_ENTRY_SIZE;

		put_be(e, 4, it->size);
		put_be(e + 4, 2, FW_CFG_FILE_FIRST + i);
		memcpy(e + 8, it->name, FW_CFG_FILE_NAME_MAX);
	}
	r = fw_cfg_set(fw, FW_CFG_FILE_DIR, dir, size);
	free(dir);
	return r;
}

int fw_cfg_add_item(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t size)
{
	int r;

	if (key >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR || (size && !data))
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	r = fw_cfg_set(fw, key, data, size);
	pthread_mutex_unlock(&fw->lock);
	return r;
}

int fw_cfg_add_le16(struct fw_cfg *fw, uint16_t key, uint16_t value)
{
	uint8_t b[2];

	put_le(b, 2, value);
	return fw_cfg_add_item(fw, key, b, sizeof(b));
}

int fw_cfg_add_le32(struct fw_cfg *fw, uint16_t key, uint32_t value)
{
	uint8_t b[4];

	put_le(b, 4, value);
	return fw_cfg_add_item(fw, key, b, sizeof(b));
}

int fw_cfg_add_le64(struct fw_cfg *fw, uint16_t key, uint64_t value)
{
	uint8_t b[8];

	put_le(b, 8, value);
	return fw_cfg_add_item(fw, key, b, sizeof(b));
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t size)
{
	size_t len = name ? strnlen(name, FW_CFG_FILE_NAME_MAX) : 0;
	struct fw_cfg_item *it;
	unsigned int i;
	int r = -EINVAL;

	if (!len || len == FW_CFG_FILE_NAME_MAX || (size && !data))
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nr_files; i++)
		if (!strcmp(fw->items[FW_CFG_FILE_FIRST + i].name, name))
			goto out;
	r = -ENOSPC;
	if (fw->nr_files == FW_CFG_MAX_FILES)
		goto out;
	it = &fw->items[FW_CFG_FILE_FIRST + fw->nr_files];
	r = fw_cfg_set(fw, FW_CFG_FILE_FIRST + fw->nr_files, data, size);
	if (r)
		goto out;
	memset(it->name, 0, sizeof(it->name));
	memcpy(it->name, name, len);
	fw->nr_files++;
	r = fw_cfg_rebuild_dir(fw);
	if (r) {
		/* Keep the directory and the items in step: drop the file again. */
		fw->nr_files--;
		free(it->data);
		memset(it, 0, sizeof(*it));
		goto out;
	}
	r = FW_CFG_FILE_FIRST + fw->nr_files - 1;
out:
	pthread_mutex_unlock(&fw->lock);
	return r;
}

int fw_cfg_init(struct fw_cfg *fw, struct iobus *pio, const struct guest_mem *mem)
{
	static const char signature[4] = { 'Q', 'E', 'M', 'U' };
	int r;

	memset(fw, 0, sizeof(*fw));
	fw->mem = mem;
	pthread_mutex_init(&fw->lock, NULL);
	r = fw_cfg_add_item(fw, FW_CFG_SIGNATURE, signature, sizeof(signature));
	if (!r)
		r = fw_cfg_add_le32(fw, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	if (!r) {
		pthread_mutex_lock(&fw->lock);
		r = fw_cfg_rebuild_dir(fw);
		pthread_mutex_unlock(&fw->lock);
	}
	/* Selector and data port at 0x510-0x511; the DMA register is 8 bytes at 0x514. */
	if (!r)
		r = iobus_register(pio, FW_CFG_PORT_SELECTOR, 2, &fw_cfg_port_ops, fw);
	if (!r)
		r = iobus_register(pio, FW_CFG_PORT_DMA, 8, &fw_cfg_dma_ops, fw);
	return r;
}

void fw_cfg_destroy(struct fw_cfg *fw)
{
	unsigned int i;

	for (i = 0; i < FW_CFG_NR_KEYS; i++) {
		free(fw->items[i].data);
		fw->items[i].data = NULL;
	}
	fw->nr_files = 0;
	pthread_mutex_destroy(&fw->lock);
}
