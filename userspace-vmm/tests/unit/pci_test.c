// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of PCI configuration mechanism 1: CONFIG_ADDRESS as Linux
 * checks it, the host bridge's header, byte/word/dword data accesses at
 * every offset, empty slots, other buses and the enable bit, read-only and
 * write-one-to-clear bits, BAR sizing, and the 0xcf9 reset register.
 */
#include <errno.h>
#include <string.h>

#include "../../devices/pci.h"
#include "../../vm.h"
#include "unit.h"

struct pci_env {
	struct iobus bus;
	struct pci pci;
	struct vm vm;
};

static bool env_init(struct pci_env *e)
{
	memset(e, 0, sizeof(*e));
	iobus_init(&e->bus, "pio");
	return pci_init(&e->pci, &e->bus, &e->vm) == 0;
}

static uint32_t cfg_addr(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read32(struct pci_env *e, unsigned int dev, unsigned int reg)
{
	io_out(&e->bus, 0xcf8, 4, cfg_addr(0, dev, 0, reg));
	return (uint32_t)io_in(&e->bus, 0xcfc, 4);
}

static void cfg_write32(struct pci_env *e, unsigned int dev, unsigned int reg, uint32_t v)
{
	io_out(&e->bus, 0xcf8, 4, cfg_addr(0, dev, 0, reg));
	io_out(&e->bus, 0xcfc, 4, v);
}

static bool pci_type1_detection(void)
{
	struct pci_env e;
	uint32_t saved;

	CHECK(env_init(&e));
	/* pci_check_type1(): a byte to 0xcfb, then CONFIG_ADDRESS must read back. */
	outb(&e.bus, 0xcfb, 0x01);
	saved = (uint32_t)io_in(&e.bus, 0xcf8, 4);
	io_out(&e.bus, 0xcf8, 4, 0x80000000);
	CHECK_EQ(io_in(&e.bus, 0xcf8, 4), 0x80000000);
	io_out(&e.bus, 0xcf8, 4, saved);
	io_out(&e.bus, 0xcf8, 4, 0xffffffff);
	CHECK_EQ(io_in(&e.bus, 0xcf8, 4), 0x80fffffc);	/* reserved bits read 0 */
	/* pci_check_type2() must fail: byte reads of 0xcf8/0xcfa are not 0. */
	CHECK(inb(&e.bus, 0xcf8) != 0 || inb(&e.bus, 0xcfa) != 0);
	iobus_destroy(&e.bus);
	return true;
}

static bool pci_host_bridge_header(void)
{
	struct pci_env e;

	CHECK(env_init(&e));
	CHECK_EQ(cfg_read32(&e, 0, 0x00), (uint32_t)PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	CHECK_EQ(cfg_read32(&e, 0, 0x08) >> 8, 0x060000);	/* host bridge class */
	/* pci_sanity_check() reads the class as a word at 0x0a: port 0xcfe. */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 0, 0x08));
	CHECK_EQ(io_in(&e.bus, 0xcfe, 2), 0x0600);
	CHECK_EQ(inb(&e.bus, 0xcff), 0x06);
	CHECK_EQ(io_in(&e.bus, 0xcff, 2), 0xff06);	/* past the dword: nobody */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 0, 0x00));
	CHECK_EQ(inb(&e.bus, 0xcfc), PCI_HOST_VENDOR & 0xff);
	CHECK_EQ(inb(&e.bus, 0xcfd), PCI_HOST_VENDOR >> 8);
	CHECK_EQ(io_in(&e.bus, 0xcfd, 2), (PCI_HOST_DEVICE & 0xff) << 8 | PCI_HOST_VENDOR >> 8);
	CHECK_EQ(cfg_read32(&e, 0, 0x0c) >> 16 & 0xff, 0x00);	/* header type 0 */
	iobus_destroy(&e.bus);
	return true;
}

static bool pci_absent_functions(void)
{
	struct pci_env e;

	CHECK(env_init(&e));
	CHECK_EQ(cfg_read32(&e, 1, 0x00), 0xffffffff);	/* empty slot */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(1, 0, 0, 0x00));
	CHECK_EQ(io_in(&e.bus, 0xcfc, 4), 0xffffffff);	/* bus 1 */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 1, 0x00));
	CHECK_EQ(io_in(&e.bus, 0xcfc, 2), 0xffff);	/* function 1 */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 0, 0x00) & 0x7fffffff);
	CHECK_EQ(io_in(&e.bus, 0xcfc, 4), 0xffffffff);	/* enable bit clear */
	cfg_write32(&e, 1, 0x04, 0x7);			/* dropped, not a crash */
	iobus_destroy(&e.bus);
	return true;
}

static bool pci_register_masks(void)
{
	struct pci_env e;

	CHECK(env_init(&e));
	cfg_write32(&e, 0, 0x00, 0x12345678);		/* IDs are read-only */
	CHECK_EQ(cfg_read32(&e, 0, 0x00), (uint32_t)PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	cfg_write32(&e, 0, 0x04, 0xffff);		/* command: defined bits only */
	CHECK_EQ(cfg_read32(&e, 0, 0x04) & 0xffff, 0x0547);
	e.pci.host_bridge.config[0x07] = 0x20;		/* a master abort was recorded */
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 0, 0x04));
	io_out(&e.bus, 0xcfe, 2, 0x2000);		/* write 1 to clear it */
	CHECK_EQ(io_in(&e.bus, 0xcfe, 2), 0x0000);
	io_out(&e.bus, 0xcf8, 4, cfg_addr(0, 0, 0, 0x3c));
	outb(&e.bus, 0xcfc, 0x0b);			/* interrupt line is scratch */
	CHECK_EQ(inb(&e.bus, 0xcfc), 0x0b);
	iobus_destroy(&e.bus);
	return true;
}

static bool pci_bar_sizing(void)
{
	struct pci_env e;
	struct pci_device dev;

	CHECK(env_init(&e));
	pci_device_init(&dev, 0x1af4, 0x1000, 0x020000, 1);
	CHECK_EQ(pci_device_set_bar(&dev, 0, 32, PCI_BAR_IO), 0);
	CHECK_EQ(pci_device_set_bar(&dev, 1, 4096, 0), 0);
	CHECK_EQ(pci_device_set_bar(&dev, 2, 1ull << 33, PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	CHECK_EQ(pci_device_set_bar(&dev, 5, 3000, 0), -EINVAL);	/* not a power of two */
	CHECK_EQ(pci_register(&e.pci, 3, 0, &dev), 0);
	CHECK_EQ(pci_register(&e.pci, 3, 0, &dev), -EEXIST);
	CHECK_EQ(cfg_read32(&e, 3, 0x10), 0x1);		/* I/O BAR, unassigned */
	cfg_write32(&e, 3, 0x10, 0xffffffff);
	CHECK_EQ(cfg_read32(&e, 3, 0x10), 0xffffffe1);	/* 32 bytes of I/O */
	cfg_write32(&e, 3, 0x14, 0xffffffff);
	CHECK_EQ(cfg_read32(&e, 3, 0x14), 0xfffff000);	/* 4 KiB, 32-bit memory */
	cfg_write32(&e, 3, 0x18, 0xffffffff);
	cfg_write32(&e, 3, 0x1c, 0xffffffff);
	CHECK_EQ(cfg_read32(&e, 3, 0x18), 0x0000000c);	/* 64-bit prefetchable, 8 GiB */
	CHECK_EQ(cfg_read32(&e, 3, 0x1c), 0xfffffffe);
	cfg_write32(&e, 3, 0x10, 0xc040);
	cfg_write32(&e, 3, 0x14, 0xfebf1000);
	cfg_write32(&e, 3, 0x18, 0x00000000);
	cfg_write32(&e, 3, 0x1c, 0x00000004);
	CHECK_EQ(pci_device_bar_address(&dev, 0), 0xc040);
	CHECK_EQ(pci_device_bar_address(&dev, 1), 0xfebf1000);
	CHECK_EQ(pci_device_bar_address(&dev, 2), 0x400000000ull);
	CHECK_EQ(cfg_read32(&e, 3, 0x30), 0);		/* no expansion ROM */
	iobus_destroy(&e.bus);
	return true;
}

static bool pci_reset_control(void)
{
	struct pci_env e;

	CHECK(env_init(&e));
	outb(&e.bus, 0xcf9, 0x02);			/* BOOT_CF9_FORCE: first 0x02... */
	CHECK(!e.vm.stopping);
	CHECK_EQ(inb(&e.bus, 0xcf9), 0x02);
	outb(&e.bus, 0xcf9, 0x06);			/* ...then 0x06 resets */
	CHECK(e.vm.stopping);
	CHECK_EQ(e.vm.exit_status, VM_EXIT_RESET);
	iobus_destroy(&e.bus);
	return true;
}

const struct unit_case pci_cases[] = {
	{ "pci_type1_detection", pci_type1_detection },
	{ "pci_host_bridge_header", pci_host_bridge_header },
	{ "pci_absent_functions", pci_absent_functions },
	{ "pci_register_masks", pci_register_masks },
	{ "pci_bar_sizing", pci_bar_sizing },
	{ "pci_reset_control", pci_reset_control },
	{ NULL, NULL },
};
