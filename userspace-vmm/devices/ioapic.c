// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the I/O APIC, after Intel's 82093AA datasheet.
 *
 * Registers, reached through IOREGSEL (+0x00: which) and IOWIN (+0x10:
 * its value), 32-bit accesses only:
 *   0x00      ID: bits 31-24 read/write (the 82093AA has 27-24; hv-run
 *             keeps 8 bits so that the ID the MADT gives, the vCPU count,
 *             reads back also with more than 15 vCPUs)
 *   0x01      version: 0x11, maximum redirection entry 23 (bits 23-16)
 *   0x02      arbitration ID: bits 27-24, the ID's low 4 bits (the
 *             datasheet loads it from the ID register)
 *   0x10-0x3f redirection entries 0-23, low dword then high dword
 * Other indices read 0 and ignore writes; so do accesses of another size
 * or at another offset in the page.  IOREGSEL keeps its low 8 bits.
 *
 * A redirection entry: vector 7-0, delivery mode 10-8, destination mode 11,
 * delivery status 12 (read-only), polarity 13 (1 = active low), Remote IRR
 * 14 (read-only), trigger mode 15 (1 = level), mask 16, destination 63-56.
 * The destination is 8 bits in both modes (the 82093AA's physical mode
 * uses 59-56; later chipsets' I/O APICs all 8), so the APIC IDs of hv's 64
 * vCPUs are all reachable.  Entries reset masked.
 *
 * Delivery is synchronous: a message is sent (ioapic->deliver) at the
 * moment the input calls for it, so delivery status always reads 0 (idle).
 *   - Edge: on the input's edge into the asserted state (polarity applied)
 *     while the entry is unmasked.  Edges on a masked pin are lost, as the
 *     datasheet says.
 *   - Level (fixed and lowest-priority delivery only): while the input is
 *     asserted, unmasked and Remote IRR is clear.  Remote IRR is set when at
 *     least one local APIC accepted the message (the datasheet's rule: a
 *     message nobody took leaves the pin free, rather than stuck until an
 *     EOI that will never come), and cleared by an EOI with the entry's
 *     vector (ioapic_eoi(), from HV_EXIT_EOI), after which a still-asserted
 *     input is sent again.  Unmasking an asserted level pin sends it: the
 *     level is a state, not an event, and a driver that masked its line
 *     while handling it must not lose the next interrupt.
 *   - SMI, NMI, INIT and ExtINT are edge-only (the datasheet requires edge
 *     trigger mode for them): sent on edges whatever the trigger bit says.
 * Rewriting an entry as edge-triggered clears its Remote IRR: version 0x11
 * has no EOI register, and Linux clears a stuck Remote IRR by switching the
 * pin to edge and back (__eoi_ioapic_pin()).
 *
 * Not modelled: the APIC bus and its arbitration (the arbitration ID only
 * reads back), the 82093AA's IRQ pin assertion register, and pin 0 as the
 * 8259's ExtINT input (hv-run leaves it unconnected: the PIC reaches vCPU 0
 * through its LINT0 instead).
 */
#include <errno.h>
#include <string.h>

#include "ioapic.h"

#define IOREGSEL		0x00
#define IOWIN			0x10

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10

#define IOAPIC_ID_MASK		0xff000000u
#define IOAPIC_ARB_MASK		0x0f000000u

#define RTE_VECTOR		0xffull
#define RTE_DM_SHIFT		8
#define RTE_DM			(7ull << RTE_DM_SHIFT)
#define RTE_DESTMODE		(1ull << 11)
#define RTE_DELIVS		(1ull << 12)
#define RTE_POLARITY		(1ull << 13)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASK		(1ull << 16)
#define RTE_DEST_SHIFT		56
/* What a guest write changes: everything but delivery status, Remote IRR and the reserved bits. */
#define RTE_WRITABLE		(RTE_VECTOR | RTE_DM | RTE_DESTMODE | RTE_POLARITY | RTE_LEVEL | \
				 RTE_MASK | (0xffull << RTE_DEST_SHIFT))

#define DM_FIXED		0
#define DM_LOWEST		1

static bool rte_level(uint64_t rte)
{
	unsigned int dm = (rte & RTE_DM) >> RTE_DM_SHIFT;

	return (rte & RTE_LEVEL) && (dm == DM_FIXED || dm == DM_LOWEST);
}

/* The input of @pin as the entry's polarity reads it. */
static bool pin_asserted(const struct ioapic *io, unsigned int pin)
{
	bool high = io->wire & (1u << pin);

	return (io->redir[pin] & RTE_POLARITY) ? !high : high;
}

/* Send @pin's message; for a level entry, Remote IRR records whether anyone took it. */
static void pin_send(struct ioapic *io, unsigned int pin)
{
	uint64_t rte = io->redir[pin];
	bool level = rte_level(rte);
	uint64_t address = MSI_ADDR_BASE | (rte >> RTE_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT |
			   ((rte & RTE_DESTMODE) ? MSI_ADDR_LOGICAL : 0);
	uint32_t data = (uint32_t)(rte & (RTE_VECTOR | RTE_DM)) | MSI_DATA_ASSERT |
			(level ? MSI_DATA_LEVEL : 0);
	unsigned int accepted = io->deliver ? io->deliver(io->opaque, address, data) : 0;

	io->messages++;
	if (level && accepted)
		io->redir[pin] |= RTE_REMOTE_IRR;
}

/* A level pin that should send now: asserted, unmasked, Remote IRR clear. */
static void pin_service_level(struct ioapic *io, unsigned int pin)
{
	uint64_t rte = io->redir[pin];

	if (rte_level(rte) && !(rte & (RTE_MASK | RTE_REMOTE_IRR)) && pin_asserted(io, pin))
		pin_send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned int pin, bool high)
{
	bool was;
	uint64_t rte;

	if (pin >= IOAPIC_NR_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	was = pin_asserted(io, pin);
	if (high)
		io->wire |= 1u << pin;
	else
		io->wire &= ~(1u << pin);
	rte = io->redir[pin];
	if (rte_level(rte))
		pin_service_level(io, pin);
	else if (!was && pin_asserted(io, pin) && !(rte & RTE_MASK))
		pin_send(io, pin);
	pthread_mutex_unlock(&io->lock);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	unsigned int pin;

	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		uint64_t rte = io->redir[pin];

		if ((rte & RTE_VECTOR) != vector || !(rte & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		pin_service_level(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

uint64_t ioapic_messages(struct ioapic *io)
{
	uint64_t n;

	pthread_mutex_lock(&io->lock);
	n = io->messages;
	pthread_mutex_unlock(&io->lock);
	return n;
}

uint64_t ioapic_redirection(struct ioapic *io, unsigned int pin)
{
	uint64_t v = 0;

	if (pin >= IOAPIC_NR_PINS)
		return 0;
	pthread_mutex_lock(&io->lock);
	v = io->redir[pin];
	pthread_mutex_unlock(&io->lock);
	return v;
}

/* IOWIN read of register @index; lock held. */
static uint32_t reg_read(struct ioapic *io, uint32_t index)
{
	unsigned int pin;

	switch (index) {
	case IOAPIC_REG_ID:
		return io->id;
	case IOAPIC_REG_ARB:
		return io->id & IOAPIC_ARB_MASK;
	case IOAPIC_REG_VERSION:
		return (IOAPIC_NR_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_NR_PINS)
		return 0;
	pin = (index - IOAPIC_REG_REDIR) / 2;
	return (uint32_t)(io->redir[pin] >> (index & 1 ? 32 : 0));
}

/* IOWIN write of register @index; lock held. */
static void reg_write(struct ioapic *io, uint32_t index, uint32_t value)
{
	unsigned int pin, shift;
	uint64_t old, rte;

	if (index == IOAPIC_REG_ID) {
		io->id = value & IOAPIC_ID_MASK;
		return;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_NR_PINS)
		return;		/* version, arbitration: read-only; the rest: nothing */
	pin = (index - IOAPIC_REG_REDIR) / 2;
	shift = index & 1 ? 32 : 0;
	old = io->redir[pin];
	rte = (old & ~(0xffffffffull << shift)) | (uint64_t)value << shift;
	rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	if (!rte_level(rte))
		rte &= ~RTE_REMOTE_IRR;	/* the edge-and-back trick (header) */
	io->redir[pin] = rte;
	/* A level input already asserted goes out once the entry lets it (unmask, or now level). */
	pin_service_level(io, pin);
}

static uint64_t ioapic_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	if (size != 4)
		return 0;
	pthread_mutex_lock(&io->lock);
	if (offset == IOREGSEL)
		v = io->ioregsel;
	else if (offset == IOWIN)
		v = reg_read(io, io->ioregsel);
	pthread_mutex_unlock(&io->lock);
	return v;
}

static void ioapic_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	struct ioapic *io = opaque;

	if (size != 4)
		return;
	pthread_mutex_lock(&io->lock);
	if (offset == IOREGSEL)
		io->ioregsel = (uint32_t)value & 0xff;
	else if (offset == IOWIN)
		reg_write(io, io->ioregsel, (uint32_t)value);
	pthread_mutex_unlock(&io->lock);
}

static const struct io_ops ioapic_ops = {
	.read = ioapic_read,
	.write = ioapic_write,
};

int ioapic_init(struct ioapic *io, struct iobus *mmio, unsigned int id, ioapic_deliver_fn deliver,
		void *opaque)
{
	unsigned int pin;
	int err;

	memset(io, 0, sizeof(*io));
	err = -pthread_mutex_init(&io->lock, NULL);
	if (err)
		return err;
	io->id = (id << 24) & IOAPIC_ID_MASK;
	io->deliver = deliver;
	io->opaque = opaque;
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		io->redir[pin] = RTE_MASK;
	err = iobus_register(mmio, IOAPIC_BASE, IOAPIC_MMIO_LEN, &ioapic_ops, io);
	if (err)
		pthread_mutex_destroy(&io->lock);
	return err;
}

void ioapic_destroy(struct ioapic *io)
{
	pthread_mutex_destroy(&io->lock);
}
