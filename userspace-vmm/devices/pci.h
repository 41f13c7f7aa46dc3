/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: PCI bus 0 behind configuration mechanism 1 (0xcf8
 * address, 0xcfc-0xcff data), a host bridge at 00:00.0, and the chipset's
 * reset control register at 0xcf9.  Other devices (virtio, later) fill a
 * struct pci_device and pci_register() it; see pci.c.
 */
#ifndef HV_RUN_PCI_H
#define HV_RUN_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../iobus.h"
#include "../irq.h"

struct vm;
struct pci_device;

#define PCI_CONFIG_SIZE		256
#define PCI_NUM_BARS		6

#define PCI_BAR_IO		0x1	/* I/O space (else memory) */
#define PCI_BAR_MEM64		0x4	/* 64-bit memory BAR: takes the next slot too */
#define PCI_BAR_PREFETCH	0x8

/* hv-run's host bridge: Red Hat's vendor ID for emulated parts, QEMU's host bridge device ID. */
/* The I/O APIC pins PCI INTx lines use in APIC mode: GSIs 16-23 (pci_intx_gsi()). */
#define PCI_INTX_GSI_BASE	16
#define PCI_INTX_NR_GSIS	8

#define PCI_HOST_VENDOR		0x1b36
#define PCI_HOST_DEVICE		0x0008

struct pci_device_ops {
	/*
	 * Both optional.  config_read may replace the value read from the
	 * register file (@value) for registers the device computes;
	 * config_write runs after the register file took the write (only the
	 * writable bits changed), so a device sees BAR moves and command
	 * register changes there.  Called with the PCI lock held.
	 */
	uint32_t (*config_read)(struct pci_device *dev, unsigned int offset, unsigned int size,
				uint32_t value);
	void (*config_write)(struct pci_device *dev, unsigned int offset, unsigned int size,
			     uint32_t value);
	/*
	 * Accesses to a memory BAR (pci_map_mmio()): @offset from the BAR's
	 * base, @size 1, 2, 4 or 8.  Called without the PCI lock, from vCPU
	 * threads; the device guards its state itself.
	 */
	uint64_t (*bar_read)(struct pci_device *dev, unsigned int bar, uint64_t offset,
			     unsigned int size);
	void (*bar_write)(struct pci_device *dev, unsigned int bar, uint64_t offset,
			  unsigned int size, uint64_t value);
};

struct pci_device {
	uint8_t config[PCI_CONFIG_SIZE];	/* the register file, little-endian */
	uint8_t wmask[PCI_CONFIG_SIZE];		/* bits the guest can write */
	uint8_t w1cmask[PCI_CONFIG_SIZE];	/* bits the guest clears by writing 1 */
	uint64_t bar_size[PCI_NUM_BARS];
	const struct pci_device_ops *ops;	/* may be NULL */
	void *opaque;				/* for the device's own use */
	bool intx_asserted;			/* guarded by pci->intx_lock */
};

struct pci {
	pthread_mutex_t lock;	/* guards everything below and every registered device's config */
	struct vm *vm;
	uint32_t address;	/* CONFIG_ADDRESS as last written */
	uint8_t reset_control;	/* 0xcf9 */
	struct pci_device *devfn[256];	/* bus 0 only */
	struct pci_device host_bridge;

	/*
	 * INTx: every function uses pin A; slot S raises PIC input
	 * pci_intx_irq(S) and I/O APIC pin pci_intx_gsi(S), each shared by
	 * several slots (differently), so a line is the OR of its devices (a
	 * count of asserted ones per line).
	 */
	pthread_mutex_t intx_lock;	/* guards the counts and each device's intx_asserted */
	unsigned int intx_count[16];
	unsigned int intx_gsi_count[PCI_INTX_NR_GSIS];
	struct irq_line intx_out;	/* set_level(opaque, irq, level) into the PIC; irq unused */
	struct irq_line intx_gsi_out;	/* set_level(opaque, gsi, asserted) or unset; irq unused */
	struct pci_window {
		struct pci *pci;
		uint64_t base;
	} window;			/* pci_map_mmio()'s range; set before the vCPUs start */
};

/* Registers 0xcf8-0xcff and the host bridge at 00:00.0.  0 or -errno. */
int pci_init(struct pci *pci, struct iobus *pio, struct vm *vm);

/* A type 0 header: IDs, class (base << 16 | sub << 8 | prog-if), revision; no BARs. */
void pci_device_init(struct pci_device *dev, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t revision);
/* BAR @bar of @size bytes (a power of two; at least 4 for I/O, 16 for memory). 0 or -EINVAL. */
int pci_device_set_bar(struct pci_device *dev, unsigned int bar, uint64_t size, unsigned int flags);
/* The address the guest programmed into BAR @bar (0 if unassigned). */
uint64_t pci_device_bar_address(const struct pci_device *dev, unsigned int bar);
/* What a firmware does: program BAR @bar with @addr (memory BARs below 4 GiB). */
void pci_device_set_bar_address(struct pci_device *dev, unsigned int bar, uint32_t addr);
/*
 * The PIC input (a legacy ISA IRQ) that INTA of @slot is routed to; the
 * DSDT's _PRT (boot/dsdt.c) says the same for every slot and pin:
 * pin P (0 = INTA) of slot S raises pci_intx_irq(S + P).
 */
unsigned int pci_intx_irq(unsigned int slot_plus_pin);
/*
 * The I/O APIC pin (GSI) the same INTx line reaches in APIC mode, as the
 * DSDT's APIC-mode _PRT says: PCI_INTX_GSI_BASE + (S + P) % 8.
 */
unsigned int pci_intx_gsi(unsigned int slot_plus_pin);
/* Connect the INTx outputs to the PIC (before the vCPUs start). */
void pci_connect_intx(struct pci *pci, struct irq_line out);
/* ...and to the I/O APIC, when there is one: @out gets the GSI and whether the line is asserted. */
void pci_connect_intx_gsi(struct pci *pci, struct irq_line out);
/* Drive @dev's INTA (at 00:@slot) to @level.  Any thread. */
void pci_set_intx(struct pci *pci, struct pci_device *dev, unsigned int slot, bool level);
/*
 * Decode memory BARs in [base, base + len) on @mmio: an access reaches the
 * device whose enabled (command register bit 1) memory BAR covers it.
 */
int pci_map_mmio(struct pci *pci, struct iobus *mmio, uint64_t base, uint64_t len);
/* Put @dev at 00:@slot.@fn.  0, -EINVAL (out of range) or -EEXIST.  Before the vCPUs start. */
int pci_register(struct pci *pci, unsigned int slot, unsigned int fn, struct pci_device *dev);

#endif /* HV_RUN_PCI_H */
