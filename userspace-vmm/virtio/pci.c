// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: the modern virtio-pci transport (virtio 1.x, 4.1).
 *
 * PCI function: vendor 0x1af4, device 0x1040 + virtio type, revision 1
 * (modern only), one 32-bit memory BAR 0 of VIRTIO_BAR_SIZE holding
 *   0x0000 common configuration (4.1.4.3)
 *   0x1000 ISR status (read-to-clear: bit 0 queue, bit 1 config change)
 *   0x2000 device configuration (the device's config[], read-only here)
 *   0x3000 notifications: queue N at 0x3000 + 4 N (notify_off_multiplier 4)
 *   0x4000 MSI-X table, 0x5000 MSI-X PBA (with MSI-X only)
 * each announced by a vendor capability (cfg_type 1..4) in config space.
 * Left out: the PCI configuration access capability (cfg_type 5; Linux
 * does not use it), VIRTIO_F_EVENT_IDX, packed rings.
 *
 * Interrupts (4.1.4.5, 4.1.5.1.2): with the local APIC the function also
 * has an MSI-X capability (virtio_dev_use_msix(): one vector per queue and
 * one for configuration changes, table at 0x4000 and PBA at 0x5000 of the
 * BAR, msix.c).  Once the driver enables MSI-X in Message Control, a queue
 * interrupt is its queue_msix_vector's message and a configuration change
 * config_msix_vector's; NO_VECTOR means none; ISR is left alone and INTx
 * stays deasserted.  A vector register takes NO_VECTOR or a table entry; any
 * other value (or any but NO_VECTOR without MSI-X) reads back as NO_VECTOR,
 * which tells the driver the mapping failed.  Device reset unmaps both.
 * Otherwise (no local APIC, or a driver that leaves MSI-X off) the
 * interrupt is INTx, pin A, level: high while ISR is nonzero (and the
 * command register's INTx disable bit clear); reading ISR clears it and
 * lowers the line.
 *
 * Status state machine (2.1, 3.1.1): 0 written resets the device; other
 * writes may only add bits.  FEATURES_OK sticks only if the driver's
 * features are a subset of ours and include VERSION_1 (a legacy driver is
 * refused: there is no legacy interface).  Features are writable only
 * before FEATURES_OK, queue registers only before DRIVER_OK; notifications
 * count only after DRIVER_OK, which itself looks at every enabled queue
 * once (buffers may be waiting there already).  A queue
 * whose addresses or size are bad when the driver enables it, or whose
 * ring turns out malformed later, puts the device into NEEDS_RESET with
 * one log line; the queues then stop until the driver resets the device.
 *
 * Registers are decoded bytewise: a read builds the common structure and
 * returns the bytes asked for; a write merges its bytes into that image and
 * applies every field it touched, so 8-, 16-, 32- and split 64-bit accesses
 * (Linux writes queue addresses as two 32-bit halves) all work.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "virtio.h"
#include "../le.h"

#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_INTX_OFF	0x0400
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_MSIX		0x11

/* The MSI-X capability (PCI 3.0, 6.8.2), after the virtio ones; Message Control at +2. */
#define NOTIFY_CAP		0x70	/* the last virtio capability, 20 bytes */
#define MSIX_CAP		0x84
#define MSIX_CTRL		(MSIX_CAP + 2)
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040

#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4

#define NO_VECTOR		MSIX_NO_VECTOR

/* Common configuration layout (4.1.4.3). */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_MSIX		0x10
#define C_NUMQ		0x12
#define C_STATUS	0x14
#define C_CFGGEN	0x15
#define C_QSEL		0x16
#define C_QSIZE		0x18
#define C_QMSIX		0x1a
#define C_QENABLE	0x1c
#define C_QNOTIFYOFF	0x1e
#define C_QDESC		0x20
#define C_QDRIVER	0x28
#define C_QDEVICE	0x30

/* Device lock held: the driver turned MSI-X on, so interrupts are messages. */
static bool msix_active(const struct virtio_dev *vd)
{
	return vd->msix_offered && vd->msix.enabled;
}

/* Device lock held. */
static void update_intx(struct virtio_dev *vd)
{
	if (vd->bus)
		pci_set_intx(vd->bus, &vd->pci, vd->slot,
			     vd->isr && !vd->intx_disabled && !msix_active(vd));
}

bool virtio_dev_live(const struct virtio_dev *vd)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_queue_interrupt(struct virtio_dev *vd, unsigned int q)
{
	if (msix_active(vd)) {
		if (q < vd->nr_queues)
			msix_notify(&vd->msix, vd->queue_vector[q]);
		return;
	}
	vd->isr |= 1;
	update_intx(vd);
}

/* Device lock held: the configuration changed (here: the device needs reset). */
static void config_interrupt(struct virtio_dev *vd)
{
	if (msix_active(vd)) {
		msix_notify(&vd->msix, vd->config_vector);
		return;
	}
	vd->isr |= 2;
	update_intx(vd);
}

void virtio_config_changed(struct virtio_dev *vd)
{
	vd->config_generation++;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		config_interrupt(vd);
}

/* What a vector register keeps of @v: NO_VECTOR unless it names a table entry. */
static uint16_t vector_or_none(const struct virtio_dev *vd, uint16_t v)
{
	return vd->msix_offered && msix_vector_valid(&vd->msix, v) ? v : NO_VECTOR;
}

static void unmap_vectors(struct virtio_dev *vd)
{
	unsigned int i;

	vd->config_vector = NO_VECTOR;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vd->queue_vector[i] = NO_VECTOR;
}

void virtio_dev_broken(struct virtio_dev *vd, const char *why)
{
	unsigned int i;

	if (!vd->broken_logged)
		fprintf(stderr, "hv-run: %s: %s; device needs reset\n", vd->name, why);
	vd->broken_logged = true;
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	for (i = 0; i < vd->nr_queues; i++)
		vd->vq[i].enabled = false;
	vd->config_generation++;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		config_interrupt(vd);
}

static void device_reset(struct virtio_dev *vd)
{
	unsigned int i;

	vd->guest_features = 0;
	vd->dfselect = vd->gfselect = 0;
	vd->status = 0;
	vd->queue_sel = 0;
	for (i = 0; i < vd->nr_queues; i++)
		virtq_reset(&vd->vq[i]);
	vd->isr = 0;
	unmap_vectors(vd);
	vd->broken_logged = false;
	vd->generation++;
	update_intx(vd);
	if (vd->ops->reset)
		vd->ops->reset(vd);
}

static struct virtq *selected_queue(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->nr_queues ? &vd->vq[vd->queue_sel] : NULL;
}

/* The common structure as the driver reads it now. */
static void common_image(struct virtio_dev *vd, uint8_t *img)
{
	struct virtq *q = selected_queue(vd);

	memset(img, 0, VIRTIO_COMMON_LEN);
	put_le(img + C_DFSELECT, 4, vd->dfselect);
	put_le(img + C_DF, 4, vd->dfselect < 2 ? vd->host_features >> (32 * vd->dfselect) : 0);
	put_le(img + C_GFSELECT, 4, vd->gfselect);
	put_le(img + C_GF, 4, vd->gfselect < 2 ? vd->guest_features >> (32 * vd->gfselect) : 0);
	put_le(img + C_MSIX, 2, vd->config_vector);
	put_le(img + C_NUMQ, 2, vd->nr_queues);
	img[C_STATUS] = vd->status;
	img[C_CFGGEN] = vd->config_generation;
	put_le(img + C_QSEL, 2, vd->queue_sel);
	if (!q) {
		put_le(img + C_QMSIX, 2, NO_VECTOR);
		return;		/* a queue that does not exist reads size 0 */
	}
	put_le(img + C_QMSIX, 2, vd->queue_vector[vd->queue_sel]);
	put_le(img + C_QSIZE, 2, q->size);
	put_le(img + C_QENABLE, 2, q->enabled);
	put_le(img + C_QNOTIFYOFF, 2, vd->queue_sel);
	put_le(img + C_QDESC, 8, q->desc_gpa);
	put_le(img + C_QDRIVER, 8, q->avail_gpa);
	put_le(img + C_QDEVICE, 8, q->used_gpa);
}

static void write_status(struct virtio_dev *vd, uint8_t v)
{
	uint64_t need = 1ull << VIRTIO_F_VERSION_1;
	unsigned int i;
	bool kick;

	if (!v) {
		device_reset(vd);
		return;
	}
	/* Only adding bits; NEEDS_RESET is the device's. */
	v = (uint8_t)((v & ~VIRTIO_STATUS_NEEDS_RESET) | vd->status);
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vd->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vd->guest_features & ~vd->host_features) || !(vd->guest_features & need)))
		v &= ~VIRTIO_STATUS_FEATURES_OK;	/* the driver reads it back and gives up */
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK))
		v &= ~VIRTIO_STATUS_DRIVER_OK;
	kick = (v & ~vd->status) & VIRTIO_STATUS_DRIVER_OK;
	vd->status = v;
	/*
	 * Buffers the driver made available, and notified, before DRIVER_OK
	 * were left alone (the device must not use them earlier: 3.1.1); look
	 * at every queue now so that none waits for a second notification.
	 */
	for (i = 0; kick && virtio_dev_live(vd) && i < vd->nr_queues; i++)
		if (vd->vq[i].enabled)
			vd->ops->notify(vd, i);
}

static void enable_queue(struct virtio_dev *vd, struct virtq *q)
{
	char why[200];

	if (q->enabled || (vd->status & VIRTIO_STATUS_NEEDS_RESET))
		return;		/* a broken device stays so until the driver resets it */
	if (virtq_enable(q)) {
		snprintf(why, sizeof(why), "queue %u: %s", vd->queue_sel, q->error);
		virtio_dev_broken(vd, why);
	}
}

/* Apply field @field (offset in the common structure) taking its value from @img. */
static void apply_field(struct virtio_dev *vd, unsigned int field, const uint8_t *img)
{
	bool features_open = !(vd->status & VIRTIO_STATUS_FEATURES_OK);
	bool queues_open = !(vd->status & VIRTIO_STATUS_DRIVER_OK);
	struct virtq *q = selected_queue(vd);
	uint32_t v32;

	switch (field) {
	case C_DFSELECT:
		vd->dfselect = (uint32_t)get_le(img + field, 4);
		break;
	case C_GFSELECT:
		vd->gfselect = (uint32_t)get_le(img + field, 4);
		break;
	case C_GF:
		v32 = (uint32_t)get_le(img + field, 4);
		if (features_open && vd->gfselect < 2) {
			unsigned int sh = 32 * vd->gfselect;

			vd->guest_features = (vd->guest_features & ~(0xffffffffull << sh)) |
					     (uint64_t)v32 << sh;
		}
		break;
	case C_STATUS:
		write_status(vd, img[field]);
		break;
	case C_MSIX:
		vd->config_vector = vector_or_none(vd, (uint16_t)get_le(img + field, 2));
		break;
	case C_QMSIX:
		if (q)
			vd->queue_vector[vd->queue_sel] =
				vector_or_none(vd, (uint16_t)get_le(img + field, 2));
		break;
	case C_QSEL:
		vd->queue_sel = (uint16_t)get_le(img + field, 2);
		break;
	case C_QSIZE:
		if (q && queues_open && !q->enabled)
			q->size = (uint16_t)get_le(img + field, 2);
		break;
	case C_QENABLE:
		if (q && queues_open && get_le(img + field, 2) == 1)
			enable_queue(vd, q);
		break;
	case C_QDESC:
		if (q && queues_open && !q->enabled)
			q->desc_gpa = get_le(img + field, 8);
		break;
	case C_QDRIVER:
		if (q && queues_open && !q->enabled)
			q->avail_gpa = get_le(img + field, 8);
		break;
	case C_QDEVICE:
		if (q && queues_open && !q->enabled)
			q->used_gpa = get_le(img + field, 8);
		break;
	default:
		break;		/* read-only fields */
	}
}

static const struct {
	uint8_t off, len;
} common_fields[] = {
	{ C_DFSELECT, 4 }, { C_DF, 4 }, { C_GFSELECT, 4 }, { C_GF, 4 }, { C_MSIX, 2 },
	{ C_NUMQ, 2 }, { C_STATUS, 1 }, { C_CFGGEN, 1 }, { C_QSEL, 2 }, { C_QSIZE, 2 },
	{ C_QMSIX, 2 }, { C_QENABLE, 2 }, { C_QNOTIFYOFF, 2 }, { C_QDESC, 8 }, { C_QDRIVER, 8 },
	{ C_QDEVICE, 8 },
};

static void common_write(struct virtio_dev *vd, unsigned int off, unsigned int size, uint64_t value)
{
	uint8_t img[VIRTIO_COMMON_LEN];
	unsigned int i;

	if (off >= VIRTIO_COMMON_LEN)
		return;
	if (size > VIRTIO_COMMON_LEN - off)
		size = VIRTIO_COMMON_LEN - off;
	common_image(vd, img);
	put_le(img + off, size, value);
	for (i = 0; i < sizeof(common_fields) / sizeof(common_fields[0]); i++) {
		unsigned int f = common_fields[i].off, l = common_fields[i].len;

		if (off < f + l && f < off + size)
			apply_field(vd, f, img);
	}
}

uint64_t virtio_bar_read(struct virtio_dev *vd, uint64_t offset, unsigned int size)
{
	uint8_t img[VIRTIO_COMMON_LEN];
	uint64_t v = 0;

	pthread_mutex_lock(&vd->lock);
	if (offset < VIRTIO_COMMON_LEN) {
		unsigned int n = size;

		if (n > VIRTIO_COMMON_LEN - offset)
			n = VIRTIO_COMMON_LEN - (unsigned int)offset;
		common_image(vd, img);
		v = get_le(img + offset, n);
	} else if (offset == VIRTIO_ISR_OFF) {
		v = vd->isr;
		vd->isr = 0;
		update_intx(vd);
	} else if (offset >= VIRTIO_DEVCFG_OFF && offset < VIRTIO_DEVCFG_OFF + vd->config_len) {
		unsigned int o = (unsigned int)(offset - VIRTIO_DEVCFG_OFF), n = size;

		if (n > vd->config_len - o)
			n = vd->config_len - o;
		v = get_le(vd->config + o, n);
	} else if (vd->msix_offered && offset >= VIRTIO_MSIX_TABLE_OFF &&
		   offset < VIRTIO_MSIX_PBA_OFF) {
		v = msix_table_read(&vd->msix, offset - VIRTIO_MSIX_TABLE_OFF, size);
	} else if (vd->msix_offered && offset >= VIRTIO_MSIX_PBA_OFF &&
		   offset < VIRTIO_MSIX_PBA_OFF + 0x1000) {
		v = msix_pba_read(&vd->msix, offset - VIRTIO_MSIX_PBA_OFF, size);
	}
	pthread_mutex_unlock(&vd->lock);
	return v;
}

void virtio_bar_write(struct virtio_dev *vd, uint64_t offset, unsigned int size, uint64_t value)
{
	pthread_mutex_lock(&vd->lock);
	if (offset < VIRTIO_COMMON_LEN) {
		common_write(vd, (unsigned int)offset, size, value);
	} else if (offset >= VIRTIO_NOTIFY_OFF &&
		   offset < VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * vd->nr_queues) {
		unsigned int q = (unsigned int)(offset - VIRTIO_NOTIFY_OFF) / VIRTIO_NOTIFY_MULT;

		vd->notifies_by_exit++;
		if (virtio_dev_live(vd) && vd->vq[q].enabled)
			vd->ops->notify(vd, q);
	} else if (vd->msix_offered && offset >= VIRTIO_MSIX_TABLE_OFF &&
		   offset < VIRTIO_MSIX_PBA_OFF) {
		msix_table_write(&vd->msix, offset - VIRTIO_MSIX_TABLE_OFF, size, value);
	} else if (vd->ops->config_write && offset >= VIRTIO_DEVCFG_OFF &&
		   offset < VIRTIO_DEVCFG_OFF + vd->config_len) {
		unsigned int o = (unsigned int)(offset - VIRTIO_DEVCFG_OFF), n = size;

		if (n > vd->config_len - o)
			n = vd->config_len - o;
		vd->ops->config_write(vd, o, n, value);
	}
	/* ISR, the PBA and the device config without config_write are read-only. */
	pthread_mutex_unlock(&vd->lock);
}

static uint64_t bar_read(struct pci_device *dev, unsigned int bar, uint64_t offset, unsigned int size)
{
	(void)bar;
	return virtio_bar_read(dev->opaque, offset, size);
}

static void bar_write(struct pci_device *dev, unsigned int bar, uint64_t offset, unsigned int size,
		      uint64_t value)
{
	(void)bar;
	virtio_bar_write(dev->opaque, offset, size, value);
}

/* A notification hv signalled: the doorbell thread, as virtio_bar_write() would. */
static void doorbell_ring(void *owner, unsigned int q)
{
	struct virtio_dev *vd = owner;

	pthread_mutex_lock(&vd->lock);
	vd->notifies_by_doorbell++;
	if (virtio_dev_live(vd) && vd->vq[q].enabled)
		vd->ops->notify(vd, q);
	pthread_mutex_unlock(&vd->lock);
}

/*
 * PCI lock held: the doorbells follow BAR 0, registered only while the
 * guest has memory decoding on (else the address is no longer the device's).
 */
static void doorbells_follow_bar(struct virtio_dev *vd)
{
	uint64_t base = 0;
	unsigned int q;

	if (!vd->doorbells)
		return;
	if (get_le(&vd->pci.config[PCI_COMMAND], 2) & PCI_COMMAND_MEMORY)
		base = pci_device_bar_address(&vd->pci, 0);
	for (q = 0; q < vd->nr_queues; q++)
		doorbell_move(vd->doorbells, &vd->bell[q],
			      base ? base + VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * q : 0);
}

/*
 * PCI lock held (then the device lock: that order only).  The register file
 * took the write already; follow the command register's INTx disable bit
 * and Message Control's enable and function mask bits, and move the
 * doorbells with BAR 0 and memory decoding.
 */
static void config_write(struct pci_device *dev, unsigned int offset, unsigned int size,
			 uint32_t value)
{
	struct virtio_dev *vd = dev->opaque;
	bool command = offset < PCI_COMMAND + 2 && offset + size > PCI_COMMAND;
	bool bar0 = offset < PCI_BASE_ADDRESS_0 + 4 && offset + size > PCI_BASE_ADDRESS_0;
	bool msix = vd->msix_offered && offset < MSIX_CTRL + 2 && offset + size > MSIX_CTRL;
	uint16_t ctrl;

	(void)value;
	if (command || bar0)
		doorbells_follow_bar(vd);
	if (!command && !msix)
		return;
	pthread_mutex_lock(&vd->lock);
	vd->intx_disabled = get_le(&dev->config[PCI_COMMAND], 2) & PCI_COMMAND_INTX_OFF;
	if (vd->msix_offered) {
		ctrl = (uint16_t)get_le(&dev->config[MSIX_CTRL], 2);
		msix_set_control(&vd->msix, ctrl & MSIX_CTRL_ENABLE, ctrl & MSIX_CTRL_MASKALL);
	}
	update_intx(vd);
	pthread_mutex_unlock(&vd->lock);
}

static const struct pci_device_ops virtio_pci_ops = {
	.config_write = config_write, .bar_read = bar_read, .bar_write = bar_write,
};

/* A virtio_pci_cap (4.1.4) at config offset @at, linked to @next. */
static void add_cap(struct pci_device *p, unsigned int at, unsigned int next, uint8_t type,
		    uint32_t offset, uint32_t length, unsigned int cap_len)
{
	uint8_t *c = &p->config[at];

	c[0] = PCI_CAP_ID_VNDR;
	c[1] = (uint8_t)next;
	c[2] = (uint8_t)cap_len;
	c[3] = type;
	c[4] = 0;		/* BAR 0 */
	put_le(c + 8, 4, offset);
	put_le(c + 12, 4, length);
	if (type == CAP_NOTIFY)
		put_le(c + 16, 4, VIRTIO_NOTIFY_MULT);
}

int virtio_dev_init(struct virtio_dev *vd, const char *name, uint16_t device_id,
		    uint32_t class_code, unsigned int nr_queues, uint64_t features,
		    const struct guest_mem *mem, const struct virtio_dev_ops *ops, void *opaque)
{
	struct pci_device *p = &vd->pci;
	unsigned int i;
	int err;

	if (!nr_queues || nr_queues > VIRTIO_MAX_QUEUES || !ops || !ops->notify)
		return -EINVAL;
	memset(vd, 0, sizeof(*vd));
	err = -pthread_mutex_init(&vd->lock, NULL);
	if (err)
		return err;
	vd->name = name;
	vd->nr_queues = nr_queues;
	vd->host_features = features | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC;
	vd->ops = ops;
	vd->opaque = opaque;
	for (i = 0; i < nr_queues; i++)
		virtq_init(&vd->vq[i], mem, VIRTQ_MAX_SIZE);
	unmap_vectors(vd);

	pci_device_init(p, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + device_id, class_code, 1);
	put_le(&p->config[PCI_SUBSYSTEM_VENDOR_ID], 2, VIRTIO_PCI_VENDOR);
	put_le(&p->config[PCI_SUBSYSTEM_ID], 2, 0x1100);	/* as QEMU: "the environment" */
	p->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	p->config[PCI_CAPABILITY_LIST] = 0x40;
	add_cap(p, 0x40, 0x50, CAP_COMMON, VIRTIO_COMMON_OFF, VIRTIO_COMMON_LEN, 16);
	add_cap(p, 0x50, 0x60, CAP_ISR, VIRTIO_ISR_OFF, 1, 16);
	add_cap(p, 0x60, NOTIFY_CAP, CAP_DEVICE, VIRTIO_DEVCFG_OFF, VIRTIO_CONFIG_MAX, 16);
	add_cap(p, NOTIFY_CAP, 0x00, CAP_NOTIFY, VIRTIO_NOTIFY_OFF, VIRTIO_NOTIFY_MULT * nr_queues, 20);
	p->config[PCI_INTERRUPT_PIN] = 1;	/* INTA */
	p->ops = &virtio_pci_ops;
	p->opaque = vd;
	return pci_device_set_bar(p, 0, VIRTIO_BAR_SIZE, 0);
}

void virtio_print_stats(struct virtio_dev *vd, FILE *out)
{
	pthread_mutex_lock(&vd->lock);
	fprintf(out, "hv-run: %s: %" PRIu64 " queue notifications by doorbell (ioeventfd), %" PRIu64
		" by MMIO exit\n", vd->name, vd->notifies_by_doorbell, vd->notifies_by_exit);
	if (vd->msix_offered)
		fprintf(out, "hv-run: %s: MSI-X %s, %" PRIu64 " messages sent, %" PRIu64
			" held pending, %" PRIu64 " dropped\n", vd->name,
			vd->msix.enabled ? "enabled" : "not enabled by the guest", vd->msix.sent,
			vd->msix.pended, vd->msix.dropped);
	pthread_mutex_unlock(&vd->lock);
}

int virtio_dev_use_doorbells(struct virtio_dev *vd, struct doorbells *d)
{
	unsigned int q;
	int err = 0;

	if (vd->bus)
		return -EBUSY;		/* plugged already */
	for (q = 0; q < vd->nr_queues; q++) {
		int e = doorbell_add(d, &vd->bell[q], doorbell_ring, vd, q);

		if (e && !err)
			err = e;
	}
	vd->doorbells = d;
	return err;
}

int virtio_dev_use_msix(struct virtio_dev *vd, msix_send_fn send, void *opaque)
{
	struct pci_device *p = &vd->pci;
	uint8_t *c = &p->config[MSIX_CAP];
	int err;

	if (vd->bus)
		return -EBUSY;		/* plugged already */
	err = msix_init(&vd->msix, vd->name, vd->nr_queues + 1, send, opaque);
	if (err)
		return err;
	c[0] = PCI_CAP_ID_MSIX;
	c[1] = 0;
	put_le(c + 2, 2, vd->msix.nr - 1);	/* table size - 1; enable and mask off */
	put_le(c + 4, 4, VIRTIO_MSIX_TABLE_OFF);	/* BIR 0 */
	put_le(c + 8, 4, VIRTIO_MSIX_PBA_OFF);
	p->wmask[MSIX_CTRL + 1] = (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
	p->config[NOTIFY_CAP + 1] = MSIX_CAP;	/* linked after the notify capability */
	vd->msix_offered = true;
	return 0;
}

int virtio_dev_plug(struct virtio_dev *vd, struct pci *bus, unsigned int slot, uint32_t bar_addr)
{
	int err = pci_register(bus, slot, 0, &vd->pci);

	if (err)
		return err;
	vd->bus = bus;
	vd->slot = slot;
	pci_device_set_bar_address(&vd->pci, 0, bar_addr);
	vd->pci.config[PCI_INTERRUPT_LINE] = (uint8_t)pci_intx_irq(slot);
	return 0;
}
