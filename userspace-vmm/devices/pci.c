// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: PCI configuration mechanism 1 and bus 0.
 *
 * CONFIG_ADDRESS (0xcf8) is decoded on 32-bit accesses only (enable bit
 * 31, bus 23-16, device 15-11, function 10-8, dword register 7-2; the
 * reserved bits read as 0).  CONFIG_DATA (0xcfc-0xcff) takes byte, word and
 * dword accesses at any offset inside the dword; bytes that would run past
 * the dword are not part of the access.  With the enable bit clear, or for
 * a bus/device/function nobody registered, reads give all ones and writes
 * are dropped, which is how an empty slot looks to the guest.
 *
 * A device is a 256-byte register file with a write mask and a
 * write-one-to-clear mask, so IDs and class are read-only, the command
 * register takes its defined bits, status bits clear by writing 1, and a
 * BAR answers the sizing protocol by itself (its low bits, under the size,
 * are not writable, so writing all ones reads back the size mask and the
 * type bits).  ops->config_read/config_write let a device compute or watch
 * registers; that is where the virtio transport will hook in.
 *
 * Byte accesses to 0xcf9 that are not part of a dword CONFIG_ADDRESS
 * access reach the reset control register PC chipsets keep there: writing
 * it with bit 2 (reset CPU) set ends the VM with status 3, as Linux's
 * "reboot=pci" and ACPI reset registers pointing at it expect.  Other byte
 * and word accesses to 0xcf8-0xcfb go to nobody.
 *
 * Memory BARs are decoded in one MMIO window (pci_map_mmio(): the 32-bit
 * hole the DSDT gives the root bridge): an access goes to the device whose
 * memory-enabled BAR covers it, wherever the guest moved the BAR.  INTx:
 * every device uses INTA; slot S is wired to ISA IRQ pci_intx_irq(S) and to
 * I/O APIC pin pci_intx_gsi(S), level-triggered and shared, so a line is
 * asserted while any of its devices asserts it.
 *
 * Left out: configuration mechanism 2, extended (PCIe) configuration space,
 * buses behind bridges, I/O BAR decoding, MSI/MSI-X.
 */
#include <errno.h>
#include <string.h>

#include "../vm.h"
#include "pci.h"
#include "../le.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_COMMAND_MEMORY	0x0002

#define CF8_ENABLE		0x80000000u
#define CF8_WRITABLE		0x80fffffcu
#define CF9_RESET_CPU		0x04

void pci_device_init(struct pci_device *dev, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t revision)
{
	memset(dev, 0, sizeof(*dev));
	put_le(&dev->config[PCI_VENDOR_ID], 2, vendor);
	put_le(&dev->config[PCI_DEVICE_ID], 2, device);
	dev->config[PCI_REVISION_ID] = revision;
	put_le(&dev->config[PCI_CLASS_PROG], 3, class_code);
	/* I/O, memory, bus master, parity, SERR, INTx disable */
	put_le(&dev->wmask[PCI_COMMAND], 2, 0x0547);
	/* parity, target/master aborts, SERR, parity error: write 1 to clear */
	put_le(&dev->w1cmask[PCI_STATUS], 2, 0xf900);
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_LATENCY_TIMER] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

static uint64_t ones(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int pci_device_set_bar(struct pci_device *dev, unsigned int bar, uint64_t size, unsigned int flags)
{
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
	bool io = flags & PCI_BAR_IO, mem64 = !io && (flags & PCI_BAR_MEM64);
	uint64_t mask = ~(size - 1);

	if (bar >= PCI_NUM_BARS || (mem64 && bar + 1 >= PCI_NUM_BARS) || !is_pow2(size) ||
	    size < (io ? 4u : 16u) || (!mem64 && size > 0x80000000ull) || (io && size > 0x10000))
		return -EINVAL;
	dev->bar_size[bar] = size;
	if (io) {
		put_le(&dev->config[off], 4, PCI_BAR_IO);
		put_le(&dev->wmask[off], 4, mask & 0xfffffffcu);
		return 0;
	}
	put_le(&dev->config[off], 4, flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
	put_le(&dev->wmask[off], 4, mask & 0xfffffff0u);
	if (mem64)
		put_le(&dev->wmask[off + 4], 4, mask >> 32);
	return 0;
}

uint64_t pci_device_bar_address(const struct pci_device *dev, unsigned int bar)
{
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t lo;

	if (bar >= PCI_NUM_BARS || !dev->bar_size[bar])
		return 0;
	lo = (uint32_t)get_le(&dev->config[off], 4);
	if (lo & PCI_BAR_IO)
		return lo & ~3u;
	if ((lo & 0x6) == PCI_BAR_MEM64)
		return (lo & ~0xfull) | get_le(&dev->config[off + 4], 4) << 32;
	return lo & ~0xfull;
}

void pci_device_set_bar_address(struct pci_device *dev, unsigned int bar, uint32_t addr)
{
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t lo = (uint32_t)get_le(&dev->config[off], 4);

	put_le(&dev->config[off], 4, (lo & 0xf) | (addr & ~0xfu));
}

unsigned int pci_intx_irq(unsigned int slot_plus_pin)
{
	/* ISA IRQs nothing else uses: 5, 10 and 11 (9 is the ACPI SCI). */
	static const uint8_t irqs[] = { 10, 11, 5 };

	return irqs[slot_plus_pin % sizeof(irqs)];
}

unsigned int pci_intx_gsi(unsigned int slot_plus_pin)
{
	/* All eight pins above the ISA ones, so that at most every eighth slot shares a line. */
	return PCI_INTX_GSI_BASE + slot_plus_pin % PCI_INTX_NR_GSIS;
}

void pci_connect_intx(struct pci *pci, struct irq_line out)
{
	pci->intx_out = out;
}

void pci_connect_intx_gsi(struct pci *pci, struct irq_line out)
{
	pci->intx_gsi_out = out;
}

/*
 * Both outputs are driven whatever mode the guest chose, as the wires of a
 * PC chipset are: in APIC mode the guest masks the PIC inputs, in PIC mode
 * it leaves the I/O APIC entries masked.
 */
void pci_set_intx(struct pci *pci, struct pci_device *dev, unsigned int slot, bool level)
{
	unsigned int irq = pci_intx_irq(slot), gsi = pci_intx_gsi(slot);
	unsigned int *gsi_count = &pci->intx_gsi_count[gsi - PCI_INTX_GSI_BASE];

	pthread_mutex_lock(&pci->intx_lock);
	if (dev->intx_asserted != level) {
		dev->intx_asserted = level;
		pci->intx_count[irq] += level ? 1 : -1;
		*gsi_count += level ? 1 : -1;
		if (pci->intx_out.set_level)
			pci->intx_out.set_level(pci->intx_out.opaque, irq, pci->intx_count[irq] > 0);
		if (pci->intx_gsi_out.set_level)
			pci->intx_gsi_out.set_level(pci->intx_gsi_out.opaque, gsi, *gsi_count > 0);
	}
	pthread_mutex_unlock(&pci->intx_lock);
}

/* The device and BAR whose enabled memory BAR covers @addr; NULL if none. */
static struct pci_device *pci_bar_lookup(struct pci *pci, uint64_t addr, unsigned int *bar,
					 uint64_t *offset)
{
	struct pci_device *found = NULL;
	unsigned int d, b;

	pthread_mutex_lock(&pci->lock);
	for (d = 0; d < 256 && !found; d++) {
		struct pci_device *dev = pci->devfn[d];

		if (!dev || !(get_le(&dev->config[PCI_COMMAND], 2) & PCI_COMMAND_MEMORY))
			continue;
		for (b = 0; b < PCI_NUM_BARS; b++) {
			uint64_t base = pci_device_bar_address(dev, b);

			if (!dev->bar_size[b] || (dev->config[PCI_BASE_ADDRESS_0 + 4 * b] & PCI_BAR_IO) ||
			    !base || addr < base || addr - base >= dev->bar_size[b])
				continue;
			found = dev;
			*bar = b;
			*offset = addr - base;
			break;
		}
	}
	pthread_mutex_unlock(&pci->lock);
	return found;
}

static uint64_t pci_mmio_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct pci_window *w = opaque;
	struct pci_device *dev;
	unsigned int bar;
	uint64_t off;

	dev = pci_bar_lookup(w->pci, w->base + offset, &bar, &off);
	if (!dev || !dev->ops || !dev->ops->bar_read)
		return ones(size);
	return dev->ops->bar_read(dev, bar, off, size);
}

static void pci_mmio_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pci_window *w = opaque;
	struct pci_device *dev;
	unsigned int bar;
	uint64_t off;

	dev = pci_bar_lookup(w->pci, w->base + offset, &bar, &off);
	if (dev && dev->ops && dev->ops->bar_write)
		dev->ops->bar_write(dev, bar, off, size, value);
}

static const struct io_ops pci_mmio_ops = { .read = pci_mmio_read, .write = pci_mmio_write };

int pci_map_mmio(struct pci *pci, struct iobus *mmio, uint64_t base, uint64_t len)
{
	pci->window.pci = pci;
	pci->window.base = base;
	return iobus_register(mmio, base, len, &pci_mmio_ops, &pci->window);
}

int pci_register(struct pci *pci, unsigned int slot, unsigned int fn, struct pci_device *dev)
{
	unsigned int devfn = slot << 3 | fn;

	if (slot > 31 || fn > 7 || !dev)
		return -EINVAL;
	if (pci->devfn[devfn])
		return -EEXIST;
	pci->devfn[devfn] = dev;
	return 0;
}

/* @offset is inside one dword and offset + size does not cross it. */
static uint32_t config_read(struct pci_device *dev, unsigned int offset, unsigned int size)
{
	uint32_t v = (uint32_t)get_le(&dev->config[offset], size);

	if (dev->ops && dev->ops->config_read)
		v = dev->ops->config_read(dev, offset, size, v);
	return v;
}

static void config_write(struct pci_device *dev, unsigned int offset, unsigned int size, uint32_t value)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i)), *reg = &dev->config[offset + i];
		uint8_t wm = dev->wmask[offset + i], w1c = dev->w1cmask[offset + i];

		*reg = (uint8_t)((*reg & ~wm) | (b & wm));
		*reg &= ~(b & w1c);
	}
	if (dev->ops && dev->ops->config_write)
		dev->ops->config_write(dev, offset, size, value);
}

/* The device CONFIG_ADDRESS selects, or NULL (disabled, other bus, empty slot). */
static struct pci_device *pci_selected(struct pci *pci)
{
	uint32_t a = pci->address;

	if (!(a & CF8_ENABLE) || ((a >> 16) & 0xff))
		return NULL;
	return pci->devfn[(a >> 8) & 0xff];
}

static uint64_t pci_data_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct pci *pci = opaque;
	struct pci_device *dev;
	unsigned int n = size, reg;
	uint64_t v = ones(size);

	if (offset >= 4)
		return v;
	if (offset + n > 4)
		n = 4 - (unsigned int)offset;	/* the rest is past the dword */
	pthread_mutex_lock(&pci->lock);
	dev = pci_selected(pci);
	if (dev) {
		reg = (pci->address & 0xfc) + (unsigned int)offset;
		v = (v & ~ones(n)) | config_read(dev, reg, n);
	}
	pthread_mutex_unlock(&pci->lock);
	return v;
}

static void pci_data_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pci *pci = opaque;
	struct pci_device *dev;
	unsigned int n = size;

	if (offset >= 4)
		return;
	if (offset + n > 4)
		n = 4 - (unsigned int)offset;
	pthread_mutex_lock(&pci->lock);
	dev = pci_selected(pci);
	if (dev)
		config_write(dev, (pci->address & 0xfc) + (unsigned int)offset, n,
			     (uint32_t)(value & ones(n)));
	pthread_mutex_unlock(&pci->lock);
}

static uint64_t pci_addr_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct pci *pci = opaque;
	uint64_t v = ones(size);

	pthread_mutex_lock(&pci->lock);
	if (offset == 0 && size == 4)
		v = pci->address;
	else if (offset == 1 && size == 1)
		v = pci->reset_control;
	pthread_mutex_unlock(&pci->lock);
	return v;
}

static void pci_addr_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct pci *pci = opaque;
	bool reset = false;

	pthread_mutex_lock(&pci->lock);
	if (offset == 0 && size == 4) {
		pci->address = (uint32_t)value & CF8_WRITABLE;
	} else if (offset == 1 && size == 1) {
		pci->reset_control = value & 0x0e;
		reset = value & CF9_RESET_CPU;
	}
	pthread_mutex_unlock(&pci->lock);
	if (reset)
		vm_request_stop(pci->vm, VM_EXIT_RESET);
}

static uint64_t pci_io_read(void *opaque, uint64_t offset, unsigned int size)
{
	return offset < 4 ? pci_addr_read(opaque, offset, size) : pci_data_read(opaque, offset - 4, size);
}

static void pci_io_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	if (offset < 4)
		pci_addr_write(opaque, offset, size, value);
	else
		pci_data_write(opaque, offset - 4, size, value);
}

static const struct io_ops pci_ops = { .read = pci_io_read, .write = pci_io_write };

int pci_init(struct pci *pci, struct iobus *pio, struct vm *vm)
{
	int err;

	memset(pci, 0, sizeof(*pci));
	err = -pthread_mutex_init(&pci->lock, NULL);
	if (!err)
		err = -pthread_mutex_init(&pci->intx_lock, NULL);
	if (err)
		return err;
	pci->vm = vm;
	pci_device_init(&pci->host_bridge, PCI_HOST_VENDOR, PCI_HOST_DEVICE, 0x060000, 0);
	pci->host_bridge.config[PCI_HEADER_TYPE] = 0x00;
	err = pci_register(pci, 0, 0, &pci->host_bridge);
	if (!err)
		err = iobus_register(pio, 0xcf8, 8, &pci_ops, pci);
	return err;
}
