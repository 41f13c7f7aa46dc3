/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: the QEMU firmware-configuration interface (fw_cfg), as
 * QEMU's docs/specs/fw_cfg.rst describes it for x86:
 *   0x510  selector (16-bit write; resets the data offset)
 *   0x511  data (8-bit reads advance the offset; past the end they read 0)
 *   0x514  DMA address (64-bit big-endian: the high half at 0x514, the low
 *          half at 0x518, whose write starts the transfer; reads "QEMU CFG")
 *
 * A small registry of items: fixed selectors (fw_cfg_add_item) and named
 * files from FW_CFG_FILE_FIRST up, listed in FW_CFG_FILE_DIR
 * (fw_cfg_add_file).  Everything is added before the vCPUs run; the guest
 * can only read (a DMA write sets the ERROR bit).
 */
#ifndef HV_RUN_FW_CFG_H
#define HV_RUN_FW_CFG_H

#include <pthread.h>
#include <stdint.h>

#include "../iobus.h"

struct guest_mem;

#define FW_CFG_PORT_SELECTOR	0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_PORT_DMA		0x514

/* Selectors of the standard items (fw_cfg.rst, "Selector Register Key Values"). */
#define FW_CFG_SIGNATURE	0x0000	/* "QEMU" */
#define FW_CFG_ID		0x0001	/* le32 feature bits */
#define FW_CFG_UUID		0x0002	/* 16 bytes */
#define FW_CFG_RAM_SIZE		0x0003	/* le64 */
#define FW_CFG_NOGRAPHIC	0x0004	/* le16 */
#define FW_CFG_NB_CPUS		0x0005	/* le16 */
#define FW_CFG_MAX_CPUS		0x000f	/* le16 */
#define FW_CFG_CMDLINE_SIZE	0x0014	/* le32, including the terminating NUL */
#define FW_CFG_CMDLINE_DATA	0x0015
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_FILE_FIRST	0x0020

/* Selector bits: a write-mode selection, and the architecture-specific key space. */
#define FW_CFG_WRITE_CHANNEL	0x4000
#define FW_CFG_ARCH_LOCAL	0x8000

/* FW_CFG_ID bits */
#define FW_CFG_ID_TRADITIONAL	0x01
#define FW_CFG_ID_DMA		0x02

/* The DMA control word (big-endian in guest memory). */
#define FW_CFG_DMA_ERROR	0x01
#define FW_CFG_DMA_READ		0x02
#define FW_CFG_DMA_SKIP		0x04
#define FW_CFG_DMA_SELECT	0x08
#define FW_CFG_DMA_WRITE	0x10
#define FW_CFG_DMA_SIGNATURE	0x51454d5520434647ull	/* "QEMU CFG" */

#define FW_CFG_FILE_NAME_MAX	56	/* with the NUL */
#define FW_CFG_MAX_FILES	32
#define FW_CFG_NR_KEYS		(FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)

struct fw_cfg_item {
	uint8_t *data;			/* owned copy; NULL: no such item */
	uint32_t size;
	char name[FW_CFG_FILE_NAME_MAX];	/* files only */
};

struct fw_cfg {
	const struct guest_mem *mem;	/* DMA target; constant */
	pthread_mutex_t lock;		/* guards every field below */
	struct fw_cfg_item items[FW_CFG_NR_KEYS];	/* by selector */
	unsigned int nr_files;
	uint16_t selector;		/* as last written (write bit included) */
	uint32_t offset;		/* into the selected item */
	uint32_t dma_high;		/* the DMA address's high half, once written */
};

/* Registers the ports and adds the signature, ID and (empty) file directory. 0 or -errno. */
int fw_cfg_init(struct fw_cfg *fw, struct iobus *pio, const struct guest_mem *mem);
void fw_cfg_destroy(struct fw_cfg *fw);

/* Item @key (below FW_CFG_FILE_FIRST, not FILE_DIR) gets a copy of @data. 0, -EINVAL, -ENOMEM. */
int fw_cfg_add_item(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t size);
int fw_cfg_add_le16(struct fw_cfg *fw, uint16_t key, uint16_t value);
int fw_cfg_add_le32(struct fw_cfg *fw, uint16_t key, uint32_t value);
int fw_cfg_add_le64(struct fw_cfg *fw, uint16_t key, uint64_t value);

/*
 * A named file at the next free selector (FW_CFG_FILE_FIRST up), listed in
 * FW_CFG_FILE_DIR.  Returns the selector, or -EINVAL (bad or duplicate
 * name), -ENOSPC (FW_CFG_MAX_FILES reached), -ENOMEM.
 */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t size);

#endif /* HV_RUN_FW_CFG_H */
