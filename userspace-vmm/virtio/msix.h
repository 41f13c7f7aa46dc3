/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: a PCI function's MSI-X table and pending bits (PCI Local
 * Bus 3.0, 6.8.2), the part of MSI-X that knows neither PCI configuration
 * space nor virtio; see msix.c.
 *
 * Locking: none inside; the owner (virtio/pci.c: the device lock) serializes
 * every call for one table.
 */
#ifndef HV_RUN_VIRTIO_MSIX_H
#define HV_RUN_VIRTIO_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#define MSIX_MAX_VECTORS	72	/* 64 request queues (one per vCPU), config, room */
#define MSIX_ENTRY_BYTES	16
#define MSIX_NO_VECTOR		0xffff	/* virtio's "no vector" (VIRTIO_MSI_NO_VECTOR) */

/* Where an MSI may go: the local APICs' window, 0xFEExxxxx (SDM vol. 3, 11.11.1). */
#define MSIX_ADDR_MASK		0xfff00000u
#define MSIX_ADDR_APIC		0xfee00000u

/* The table entry's vector control word: bit 0 masks the vector. */
#define MSIX_CTRL_MASKED	1u

/*
 * Send one message: @address (0xFEExxxxx only; msix.c drops others) and
 * @data.  Returns how many local APICs took it (hv's HV_SIGNAL_MSI).
 */
typedef unsigned int (*msix_send_fn)(void *opaque, uint64_t address, uint32_t data);

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix {
	/* set up by msix_init(), constant afterwards */
	const char *name;		/* for the log line */
	unsigned int nr;		/* table size, 1..MSIX_MAX_VECTORS */
	msix_send_fn send;
	void *opaque;

	/* the owner's lock guards everything below */
	bool enabled;			/* Message Control bit 15 */
	bool function_masked;		/* Message Control bit 14 */
	struct msix_entry table[MSIX_MAX_VECTORS];
	uint64_t pba[(MSIX_MAX_VECTORS + 63) / 64];
	bool bad_address_logged;	/* one line per table, not one per message */
	uint64_t sent, dropped, pended;	/* --stats */
};

/* A disabled table of @nr vectors, each masked (the reset state).  0 or -EINVAL. */
int msix_init(struct msix *m, const char *name, unsigned int nr, msix_send_fn send, void *opaque);
/* The table's and the PBA's sizes in bytes (the PBA in whole qwords). */
unsigned int msix_table_bytes(const struct msix *m);
unsigned int msix_pba_bytes(const struct msix *m);

/*
 * Guest accesses at byte @off of the table or PBA, @size 1-8.  An access
 * must lie inside one table entry (one qword of the PBA); anything else
 * reads 0 and is dropped, as are writes to the PBA (read-only).
 */
uint64_t msix_table_read(const struct msix *m, uint64_t off, unsigned int size);
void msix_table_write(struct msix *m, uint64_t off, unsigned int size, uint64_t value);
uint64_t msix_pba_read(const struct msix *m, uint64_t off, unsigned int size);

/* Message Control's enable and function mask bits changed; pending vectors unmasked now fire. */
void msix_set_control(struct msix *m, bool enabled, bool function_masked);

/*
 * Signal @vector: sent now, or pended while it (or the function) is masked.
 * False when there is nothing to signal with: MSI-X disabled, or @vector
 * MSIX_NO_VECTOR or past the table.
 */
bool msix_notify(struct msix *m, unsigned int vector);
/* Whether @vector is a table entry (what a virtio vector register may hold besides NO_VECTOR). */
bool msix_vector_valid(const struct msix *m, unsigned int vector);

#endif /* HV_RUN_VIRTIO_MSIX_H */
