/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run devices: an 82093AA-style I/O APIC with 24 pins, memory-mapped at
 * IOAPIC_BASE (IOREGSEL at +0x00, IOWIN at +0x10).  Each pin's redirection
 * entry turns its input into an MSI-format message (address, data) that
 * the deliver callback sends to the local APICs (HV_SIGNAL_MSI in hv-run).
 * See ioapic.c for what is modelled.
 */
#ifndef HV_RUN_IOAPIC_H
#define HV_RUN_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../iobus.h"

#define IOAPIC_BASE		0xfec00000ull
#define IOAPIC_MMIO_LEN		0x1000		/* the page: stray accesses are ours, not "unclaimed" */
#define IOAPIC_NR_PINS		24
#define IOAPIC_VERSION		0x11		/* 82093AA: no EOI register */

/* MSI address and data (Intel SDM vol. 3, "Message Signalled Interrupts"). */
#define MSI_ADDR_BASE		0xfee00000ull
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_LOGICAL	(1u << 2)
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_LEVEL		(1u << 15)

/*
 * Sends one message; returns how many local APICs accepted it (0: none).
 * Called with the I/O APIC's lock held: it must not call back into the
 * I/O APIC.
 */
typedef unsigned int (*ioapic_deliver_fn)(void *opaque, uint64_t address, uint32_t data);

struct ioapic {
	pthread_mutex_t lock;		/* guards everything below */
	uint32_t id;			/* ID register: bits 31-24 */
	uint32_t ioregsel;		/* last IOREGSEL write (bits 7-0 select) */
	uint64_t redir[IOAPIC_NR_PINS];	/* redirection table, Remote IRR included */
	uint32_t wire;			/* electrical level of each input (bit = pin) */
	ioapic_deliver_fn deliver;
	void *opaque;
	uint64_t messages;		/* sent, for --stats and the tests */
};

/*
 * Reset state (every entry masked, all inputs low), I/O APIC ID @id, the
 * registers at IOAPIC_BASE on @mmio.  0 or -errno.
 */
int ioapic_init(struct ioapic *io, struct iobus *mmio, unsigned int id, ioapic_deliver_fn deliver,
		void *opaque);
void ioapic_destroy(struct ioapic *io);

/*
 * Input @pin to electrical level @high.  The entry's polarity says whether
 * that is asserted: an active-low input (PCI INTx#) idles high.  Edge pins
 * send on the edge into the asserted state; level pins send while asserted
 * and Remote IRR is clear.  Any thread; out-of-range pins are ignored.
 */
void ioapic_set_irq(struct ioapic *io, unsigned int pin, bool high);

/*
 * The local APICs saw an EOI for the level-triggered @vector: clear Remote
 * IRR of every level pin with that vector, and send again those whose
 * input is still asserted.  Any thread.
 */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* Messages sent so far (--stats). */
uint64_t ioapic_messages(struct ioapic *io);

/* A pin's redirection entry as the guest would read it (tests, debugging). */
uint64_t ioapic_redirection(struct ioapic *io, unsigned int pin);

#endif /* HV_RUN_IOAPIC_H */
