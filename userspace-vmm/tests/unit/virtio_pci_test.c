// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the virtio-pci transport (virtio/pci.c) through its BAR
 * handlers and PCI configuration space: the capability list Linux walks,
 * feature negotiation (VERSION_1 required, nothing we did not offer, no
 * change after FEATURES_OK), the status state machine and reset, queue
 * set-up with split 32-bit address writes, notifications only once
 * DRIVER_OK, a bad queue address giving NEEDS_RESET with a config
 * interrupt, and the ISR with the INTx line through the PCI bus; with
 * MSI-X: the capability, the vector registers' read-back rule, messages
 * instead of INTx once the driver enables it, and INTx again without.
 */
#include <string.h>

#include "../../devices/pci.h"
#include "../../virtio/virtio.h"
#include "../../vm.h"
#include "unit.h"

struct vp_env {
	struct guest_mem mem;
	struct iobus pio;
	struct vm vm;
	struct pci pci;
	struct virtio_dev vd;
	struct irq_probe irq;
	unsigned int notified, resets, last_queue;
	unsigned int msis;			/* messages sent (MSI-X) */
	uint64_t msi_address;
	uint32_t msi_data;
};

static unsigned int test_send_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct vp_env *e = opaque;

	e->msis++;
	e->msi_address = address;
	e->msi_data = data;
	return 1;
}

static void test_notify(struct virtio_dev *vd, unsigned int q)
{
	struct vp_env *e = vd->opaque;

	e->notified++;
	e->last_queue = q;
}

static void test_reset(struct virtio_dev *vd)
{
	((struct vp_env *)vd->opaque)->resets++;
}

static const struct virtio_dev_ops test_ops = { .notify = test_notify, .reset = test_reset };

static bool env_init_msix(struct vp_env *e, bool msix)
{
	memset(e, 0, sizeof(*e));
	if (mem_init(&e->mem, MEM_MIN_SIZE))
		return false;
	iobus_init(&e->pio, "pio");
	if (pci_init(&e->pci, &e->pio, &e->vm))
		return false;
	pci_connect_intx(&e->pci, irq_probe_line(&e->irq));
	if (virtio_dev_init(&e->vd, "virtio-test", VIRTIO_ID_RNG, 0xff0000, 2, 1ull << 3, &e->mem,
			    &test_ops, e))
		return false;
	if (msix && virtio_dev_use_msix(&e->vd, test_send_msi, e))
		return false;
	return virtio_dev_plug(&e->vd, &e->pci, 2, 0xfe010000) == 0;
}

static bool env_init(struct vp_env *e)
{
	return env_init_msix(e, false);
}

static void env_destroy(struct vp_env *e)
{
	iobus_destroy(&e->pio);
	mem_destroy(&e->mem);
}

static uint64_t rd(struct vp_env *e, uint64_t off, unsigned int size)
{
	return virtio_bar_read(&e->vd, off, size);
}

static void wr(struct vp_env *e, uint64_t off, unsigned int size, uint64_t v)
{
	virtio_bar_write(&e->vd, off, size, v);
}

static uint32_t cfg_read32(struct vp_env *e, unsigned int reg)
{
	uint64_t v = 0x80000000u | 2u << 11 | (reg & 0xfc);

	iobus_access(&e->pio, 0xcf8, true, 4, &v);
	iobus_access(&e->pio, 0xcfc, false, 4, &v);
	return (uint32_t)v;
}

static void cfg_write(struct vp_env *e, unsigned int reg, unsigned int size, uint32_t val)
{
	uint64_t a = 0x80000000u | 2u << 11 | (reg & 0xfc), v = val;

	iobus_access(&e->pio, 0xcf8, true, 4, &a);
	iobus_access(&e->pio, 0xcfc + (reg & 3), true, size, &v);
}

static bool virtio_pci_header_and_caps(void)
{
	struct vp_env e;
	unsigned int at, seen = 0;

	CHECK(env_init(&e));
	CHECK_EQ(cfg_read32(&e, 0x00), 0x10441af4);		/* 1af4:1044, modern rng */
	CHECK_EQ(cfg_read32(&e, 0x08) & 0xff, 1);		/* revision 1: modern only */
	CHECK_EQ(cfg_read32(&e, 0x04) >> 16 & 0x10, 0x10);	/* capability list */
	CHECK_EQ(cfg_read32(&e, 0x10), 0xfe010000);		/* BAR 0 as a firmware set it */
	CHECK_EQ(cfg_read32(&e, 0x3c) & 0xffff, 0x100 | pci_intx_irq(2));	/* INTA, line */
	for (at = cfg_read32(&e, 0x34) & 0xff; at; at = cfg_read32(&e, at) >> 8 & 0xff) {
		uint32_t hdr = cfg_read32(&e, at), type = hdr >> 24 & 0xff;

		CHECK_EQ(hdr & 0xff, 0x09);			/* vendor-specific */
		CHECK_EQ(cfg_read32(&e, at + 4) & 0xff, 0);	/* in BAR 0 */
		CHECK(cfg_read32(&e, at + 8) + cfg_read32(&e, at + 12) <= VIRTIO_BAR_SIZE);
		if (type == 2)
			CHECK_EQ(cfg_read32(&e, at + 16), VIRTIO_NOTIFY_MULT);
		seen |= 1u << type;
		CHECK(seen < 0x100);
	}
	CHECK_EQ(seen, 0x1e);					/* common, notify, ISR, device */
	env_destroy(&e);
	return true;
}

static bool virtio_pci_feature_negotiation(void)
{
	struct vp_env e;

	CHECK(env_init(&e));
	wr(&e, 0x00, 4, 0);
	CHECK_EQ(rd(&e, 0x04, 4), 1u << 28 | 1u << 3);	/* INDIRECT_DESC + the device's bit 3 */
	wr(&e, 0x00, 4, 1);
	CHECK_EQ(rd(&e, 0x04, 4), 1);			/* VERSION_1 */
	wr(&e, 0x00, 4, 2);
	CHECK_EQ(rd(&e, 0x04, 4), 0);
	wr(&e, 0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* A legacy driver (no VERSION_1) is refused: FEATURES_OK does not stick. */
	wr(&e, 0x08, 4, 0);
	wr(&e, 0x0c, 4, 1u << 3);
	wr(&e, 0x14, 1, 0x0b);
	CHECK_EQ(rd(&e, 0x14, 1), 0x03);
	/* A bit we never offered: refused too. */
	wr(&e, 0x08, 4, 1);
	wr(&e, 0x0c, 4, 1 | 2);
	wr(&e, 0x14, 1, 0x0b);
	CHECK_EQ(rd(&e, 0x14, 1), 0x03);
	/* DRIVER_OK without FEATURES_OK does not stick either. */
	wr(&e, 0x14, 1, 0x07);
	CHECK_EQ(rd(&e, 0x14, 1), 0x03);
	wr(&e, 0x0c, 4, 1);
	wr(&e, 0x14, 1, 0x0b);
	CHECK_EQ(rd(&e, 0x14, 1), 0x0b);
	CHECK_EQ(e.vd.guest_features, 1ull << 32 | 1u << 3);
	/* After FEATURES_OK the features are fixed. */
	wr(&e, 0x08, 4, 0);
	wr(&e, 0x0c, 4, 0);
	CHECK_EQ(rd(&e, 0x0c, 4), 1u << 3);
	/* A write cannot clear status bits; NEEDS_RESET is not the driver's to set. */
	wr(&e, 0x14, 1, 0x41);
	CHECK_EQ(rd(&e, 0x14, 1), 0x0b);
	/* Reset: everything back to 0. */
	wr(&e, 0x14, 1, 0);
	CHECK_EQ(rd(&e, 0x14, 1), 0);
	CHECK_EQ(e.vd.guest_features, 0);
	CHECK_EQ(e.resets, 1);
	env_destroy(&e);
	return true;
}

/* Driver side of set-up up to FEATURES_OK. */
static void negotiate(struct vp_env *e)
{
	wr(e, 0x14, 1, 0x03);
	wr(e, 0x08, 4, 1);
	wr(e, 0x0c, 4, 1);
	wr(e, 0x14, 1, 0x0b);
}

static bool virtio_pci_queue_setup_and_notify(void)
{
	struct vp_env e;

	CHECK(env_init(&e));
	negotiate(&e);
	CHECK_EQ(rd(&e, 0x12, 2), 2);			/* num_queues */
	CHECK_EQ(rd(&e, 0x10, 2), 0xffff);		/* no MSI-X */
	wr(&e, 0x16, 2, 5);				/* a queue that does not exist */
	CHECK_EQ(rd(&e, 0x18, 2), 0);
	wr(&e, 0x1c, 2, 1);				/* enabling it does nothing */
	wr(&e, 0x16, 2, 1);
	CHECK_EQ(rd(&e, 0x18, 2), VIRTQ_MAX_SIZE);
	CHECK_EQ(rd(&e, 0x1e, 2), 1);			/* queue_notify_off */
	wr(&e, 0x18, 2, 16);
	wr(&e, 0x20, 4, 0x10000);			/* 64-bit addresses as two halves */
	wr(&e, 0x24, 4, 0);
	wr(&e, 0x28, 4, 0x11000);
	wr(&e, 0x2c, 4, 0);
	wr(&e, 0x30, 8, 0x12000);			/* or whole */
	CHECK_EQ(rd(&e, 0x20, 8), 0x10000);
	CHECK_EQ(rd(&e, 0x28, 4), 0x11000);
	wr(&e, 0x1c, 2, 1);
	CHECK_EQ(rd(&e, 0x1c, 2), 1);
	CHECK(e.vd.vq[1].enabled);
	CHECK_EQ(e.vd.vq[1].size, 16);
	wr(&e, 0x20, 4, 0x40000);			/* ignored once enabled */
	CHECK_EQ(rd(&e, 0x20, 4), 0x10000);
	/* Notifications before DRIVER_OK, and for a disabled queue, are dropped. */
	wr(&e, VIRTIO_NOTIFY_OFF + 4, 2, 1);
	CHECK_EQ(e.notified, 0);
	/* DRIVER_OK looks at each enabled queue once: buffers may wait there already. */
	wr(&e, 0x14, 1, 0x0f);
	CHECK_EQ(e.notified, 1);
	CHECK_EQ(e.last_queue, 1);
	wr(&e, 0x14, 1, 0x0f);				/* not again */
	CHECK_EQ(e.notified, 1);
	wr(&e, VIRTIO_NOTIFY_OFF + 0, 2, 0);
	CHECK_EQ(e.notified, 1);
	wr(&e, VIRTIO_NOTIFY_OFF + 4, 2, 1);
	CHECK_EQ(e.notified, 2);
	CHECK_EQ(e.last_queue, 1);
	wr(&e, VIRTIO_NOTIFY_OFF + 8, 2, 2);		/* past the last queue */
	CHECK_EQ(e.notified, 2);
	/* After DRIVER_OK the queue registers are fixed. */
	wr(&e, 0x16, 2, 0);
	wr(&e, 0x18, 2, 4);
	CHECK_EQ(rd(&e, 0x18, 2), VIRTQ_MAX_SIZE);
	/* Reset disables the queues and restores their size. */
	wr(&e, 0x14, 1, 0);
	wr(&e, 0x16, 2, 1);
	CHECK_EQ(rd(&e, 0x1c, 2), 0);
	CHECK_EQ(rd(&e, 0x18, 2), VIRTQ_MAX_SIZE);
	CHECK_EQ(rd(&e, 0x20, 8), 0);
	env_destroy(&e);
	return true;
}

static bool virtio_pci_bad_queue_needs_reset(void)
{
	struct vp_env e;

	CHECK(env_init(&e));
	negotiate(&e);
	wr(&e, 0x18, 2, 16);
	wr(&e, 0x20, 8, MEM_MIN_SIZE - 16);		/* the descriptor table runs off RAM */
	wr(&e, 0x28, 8, 0x11000);
	wr(&e, 0x30, 8, 0x12000);
	wr(&e, 0x1c, 2, 1);
	CHECK_EQ(rd(&e, 0x1c, 2), 0);
	CHECK_EQ(rd(&e, 0x14, 1) & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
	CHECK(e.vd.broken_logged);
	/* Broken: a queue cannot be enabled again before a reset ... */
	wr(&e, 0x20, 8, 0x10000);
	wr(&e, 0x1c, 2, 1);
	CHECK_EQ(rd(&e, 0x1c, 2), 0);
	/* ... and DRIVER_OK may be written but notifications go nowhere. */
	wr(&e, 0x14, 1, 0x0f);
	wr(&e, VIRTIO_NOTIFY_OFF, 2, 0);
	CHECK_EQ(e.notified, 0);
	/* A device that breaks after DRIVER_OK sends a config interrupt. */
	wr(&e, 0x14, 1, 0);
	negotiate(&e);
	wr(&e, 0x14, 1, 0x0f);
	CHECK(!e.irq.level);
	virtio_dev_broken(&e.vd, "test");
	CHECK(e.irq.level);
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 2);
	CHECK(!e.irq.level);
	wr(&e, 0x14, 1, 0);
	CHECK_EQ(rd(&e, 0x14, 1), 0);			/* reset clears NEEDS_RESET */
	env_destroy(&e);
	return true;
}

static bool virtio_pci_isr_and_intx(void)
{
	struct vp_env e;
	struct virtio_dev other;

	CHECK(env_init(&e));
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 0);
	pthread_mutex_unlock(&e.vd.lock);
	CHECK(e.irq.level);
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 1);		/* read clears ... */
	CHECK(!e.irq.level);				/* ... and lowers INTx */
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 0);
	/* A second device on a slot with the same IRQ: the line is the OR of both. */
	CHECK_EQ(pci_intx_irq(2), pci_intx_irq(5));
	CHECK_EQ(virtio_dev_init(&other, "other", VIRTIO_ID_RNG, 0xff0000, 1, 0, &e.mem, &test_ops, &e), 0);
	CHECK_EQ(virtio_dev_plug(&other, &e.pci, 5, 0xfe028000), 0);
	virtio_queue_interrupt(&e.vd, 0);
	virtio_queue_interrupt(&other, 0);
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 1);
	CHECK(e.irq.level);				/* the other still asserts */
	CHECK_EQ(virtio_bar_read(&other, VIRTIO_ISR_OFF, 1), 1);
	CHECK(!e.irq.level);
	CHECK_EQ(e.irq.rises, 2);
	env_destroy(&e);
	return true;
}

/* Through the PCI memory window, as a vCPU's MMIO exit reaches it. */
static bool virtio_pci_mmio_window(void)
{
	struct vp_env e;
	struct iobus mmio;
	uint64_t v = 0;

	CHECK(env_init(&e));
	iobus_init(&mmio, "mmio");
	CHECK_EQ(pci_map_mmio(&e.pci, &mmio, 0xe0000000, 0x1ec00000), 0);
	CHECK(iobus_access(&mmio, 0xfe010012, false, 2, &v));
	CHECK_EQ(v, 0xffff);				/* memory decoding is off */
	e.vd.pci.config[0x04] |= 0x02;			/* the guest enables it */
	CHECK(iobus_access(&mmio, 0xfe010012, false, 2, &v));
	CHECK_EQ(v, 2);					/* num_queues */
	v = 0x20;					/* driver features select */
	CHECK(iobus_access(&mmio, 0xfe010008, true, 4, &v));
	CHECK_EQ(e.vd.gfselect, 0x20);
	pci_device_set_bar_address(&e.vd.pci, 0, 0xe0000000);	/* the guest moves the BAR */
	CHECK(iobus_access(&mmio, 0xfe010012, false, 2, &v));
	CHECK_EQ(v, 0xffff);
	CHECK(iobus_access(&mmio, 0xe0000012, false, 2, &v));
	CHECK_EQ(v, 2);
	iobus_destroy(&mmio);
	env_destroy(&e);
	return true;
}

/* The MSI-X capability's offset in @e's list, or 0. */
static unsigned int msix_cap(struct vp_env *e)
{
	unsigned int at, n = 0;

	for (at = cfg_read32(e, 0x34) & 0xff; at && n < 48; at = cfg_read32(e, at) >> 8 & 0xff, n++)
		if ((cfg_read32(e, at) & 0xff) == 0x11)
			return at;
	return 0;
}

static bool virtio_pci_msix_capability(void)
{
	struct vp_env e;
	unsigned int at;

	CHECK(env_init(&e));
	CHECK_EQ(msix_cap(&e), 0);			/* INTx only without the local APIC */
	CHECK_EQ(rd(&e, VIRTIO_MSIX_TABLE_OFF + 12, 4), 0);	/* no table either */
	env_destroy(&e);
	CHECK(env_init_msix(&e, true));
	at = msix_cap(&e);
	CHECK(at);
	CHECK_EQ(cfg_read32(&e, at) >> 16, 2);		/* 3 vectors (2 queues + config), off */
	CHECK_EQ(cfg_read32(&e, at + 4), VIRTIO_MSIX_TABLE_OFF);	/* BIR 0 */
	CHECK_EQ(cfg_read32(&e, at + 8), VIRTIO_MSIX_PBA_OFF);
	CHECK(VIRTIO_MSIX_PBA_OFF + 8 <= VIRTIO_BAR_SIZE);
	/* Only enable and function mask are writable in Message Control. */
	cfg_write(&e, at + 2, 2, 0xffff);
	CHECK_EQ(cfg_read32(&e, at) >> 16, 0xc002);
	CHECK(e.vd.msix.enabled && e.vd.msix.function_masked);
	cfg_write(&e, at + 2, 2, 0);
	CHECK(!e.vd.msix.enabled && !e.vd.msix.function_masked);
	/* The table after reset: every vector masked. */
	CHECK_EQ(rd(&e, VIRTIO_MSIX_TABLE_OFF + 2 * 16 + 12, 4), 1);
	env_destroy(&e);
	return true;
}

static bool virtio_pci_msix_vector_registers(void)
{
	struct vp_env e;

	/* Without MSI-X every mapping fails: the register reads back NO_VECTOR. */
	CHECK(env_init(&e));
	wr(&e, 0x10, 2, 0);
	CHECK_EQ(rd(&e, 0x10, 2), 0xffff);
	wr(&e, 0x1a, 2, 0);
	CHECK_EQ(rd(&e, 0x1a, 2), 0xffff);
	env_destroy(&e);

	CHECK(env_init_msix(&e, true));
	CHECK_EQ(rd(&e, 0x10, 2), 0xffff);		/* unmapped at first */
	wr(&e, 0x10, 2, 2);
	CHECK_EQ(rd(&e, 0x10, 2), 2);
	wr(&e, 0x10, 2, 3);				/* past the table: refused */
	CHECK_EQ(rd(&e, 0x10, 2), 0xffff);
	wr(&e, 0x16, 2, 1);
	wr(&e, 0x1a, 2, 0);
	CHECK_EQ(rd(&e, 0x1a, 2), 0);
	wr(&e, 0x1a, 2, 0x7fff);
	CHECK_EQ(rd(&e, 0x1a, 2), 0xffff);
	wr(&e, 0x1a, 2, 1);
	wr(&e, 0x16, 2, 5);				/* a queue that does not exist */
	wr(&e, 0x1a, 2, 0);
	CHECK_EQ(rd(&e, 0x1a, 2), 0xffff);
	wr(&e, 0x16, 2, 1);
	CHECK_EQ(rd(&e, 0x1a, 2), 1);
	wr(&e, 0x10, 2, 2);
	wr(&e, 0x14, 1, 0);				/* reset unmaps everything */
	CHECK_EQ(rd(&e, 0x10, 2), 0xffff);
	wr(&e, 0x16, 2, 1);
	CHECK_EQ(rd(&e, 0x1a, 2), 0xffff);
	env_destroy(&e);
	return true;
}

static bool virtio_pci_msix_delivery(void)
{
	struct vp_env e;
	unsigned int at;

	CHECK(env_init_msix(&e, true));
	at = msix_cap(&e);
	/* Vector 1 for queue 1, vector 2 for configuration changes; queue 0 unmapped. */
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 16, 8, 0xfee01000);
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 24, 4, 0x51);
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 28, 4, 0);
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 32, 4, 0xfee00000);
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 40, 4, 0x52);
	wr(&e, VIRTIO_MSIX_TABLE_OFF + 44, 4, 0);
	wr(&e, 0x10, 2, 2);
	wr(&e, 0x16, 2, 1);
	wr(&e, 0x1a, 2, 1);
	/* Not enabled yet: INTx and ISR as before. */
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 1);
	pthread_mutex_unlock(&e.vd.lock);
	CHECK(e.irq.level);
	CHECK_EQ(e.msis, 0);
	/* Enabling MSI-X takes INTx down; queue interrupts become messages, ISR stays 0. */
	cfg_write(&e, at + 2, 2, 0x8000);
	CHECK(!e.irq.level);
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 1);		/* what was latched before */
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 1);
	pthread_mutex_unlock(&e.vd.lock);
	CHECK_EQ(e.msis, 1);
	CHECK_EQ(e.msi_address, 0xfee01000);
	CHECK_EQ(e.msi_data, 0x51);
	CHECK(!e.irq.level);
	CHECK_EQ(rd(&e, VIRTIO_ISR_OFF, 1), 0);
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 0);		/* NO_VECTOR: no interrupt at all */
	pthread_mutex_unlock(&e.vd.lock);
	CHECK_EQ(e.msis, 1);
	CHECK(!e.irq.level);
	/* The function mask pends queue 1's message in the PBA until it is cleared. */
	cfg_write(&e, at + 2, 2, 0xc000);
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 1);
	pthread_mutex_unlock(&e.vd.lock);
	CHECK_EQ(e.msis, 1);
	CHECK_EQ(rd(&e, VIRTIO_MSIX_PBA_OFF, 8), 2);
	cfg_write(&e, at + 2, 2, 0x8000);
	CHECK_EQ(e.msis, 2);
	CHECK_EQ(rd(&e, VIRTIO_MSIX_PBA_OFF, 8), 0);
	/* A broken device signals the configuration vector. */
	negotiate(&e);
	wr(&e, 0x14, 1, 0x0f);
	virtio_dev_broken(&e.vd, "test");
	CHECK_EQ(e.msis, 3);
	CHECK_EQ(e.msi_data, 0x52);
	CHECK(!e.irq.level);
	/* MSI-X off again (a driver without it): INTx comes back. */
	cfg_write(&e, at + 2, 2, 0);
	wr(&e, 0x14, 1, 0);
	pthread_mutex_lock(&e.vd.lock);
	virtio_queue_interrupt(&e.vd, 1);
	pthread_mutex_unlock(&e.vd.lock);
	CHECK(e.irq.level);
	CHECK_EQ(e.msis, 3);
	/* The command register's INTx disable bit holds the line down. */
	cfg_write(&e, 0x04, 2, 0x0402);
	CHECK(!e.irq.level);
	cfg_write(&e, 0x04, 2, 0x0002);
	CHECK(e.irq.level);
	env_destroy(&e);
	return true;
}

const struct unit_case virtio_pci_cases[] = {
	{ "virtio_pci_header_and_caps", virtio_pci_header_and_caps },
	{ "virtio_pci_feature_negotiation", virtio_pci_feature_negotiation },
	{ "virtio_pci_queue_setup_and_notify", virtio_pci_queue_setup_and_notify },
	{ "virtio_pci_bad_queue_needs_reset", virtio_pci_bad_queue_needs_reset },
	{ "virtio_pci_isr_and_intx", virtio_pci_isr_and_intx },
	{ "virtio_pci_mmio_window", virtio_pci_mmio_window },
	{ "virtio_pci_msix_capability", virtio_pci_msix_capability },
	{ "virtio_pci_msix_vector_registers", virtio_pci_msix_vector_registers },
	{ "virtio_pci_msix_delivery", virtio_pci_msix_delivery },
	{ NULL, NULL },
};
