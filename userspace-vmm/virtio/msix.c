// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: the MSI-X table and pending bit array of one PCI function
 * (PCI Local Bus 3.0, 6.8.2).
 *
 * Each table entry is 16 bytes: message address (low, high), message data
 * and vector control (bit 0: masked).  After reset every entry is masked and
 * MSI-X is disabled (6.8.2.9).  Signalling a vector whose entry or whole
 * function is masked sets its pending bit instead (6.8.2.10); clearing the
 * mask then sends it once and clears the bit.  hv-run offers the table to
 * the guest only with hv's local APICs (--no-lapic has nothing to send to).
 *
 * Every value comes from the guest and is hostile: an offset past the table
 * or an access that straddles two entries is dropped (reads 0); a message
 * whose address is not in the local APICs' window 0xFEExxxxx (with the high
 * half zero) is dropped with one log line per table, since HV_SIGNAL_MSI
 * would refuse it anyway and a guest could otherwise fill the log.  The
 * data is passed as is: hv's local APIC checks the delivery mode and
 * vector itself (a reserved mode or a vector below 16 is the guest's loss,
 * as on hardware).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msix.h"
#include "../le.h"

int msix_init(struct msix *m, const char *name, unsigned int nr, msix_send_fn send, void *opaque)
{
	unsigned int i;

	if (!nr || nr > MSIX_MAX_VECTORS || !send)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->nr = nr;
	m->send = send;
	m->opaque = opaque;
	for (i = 0; i < nr; i++)
		m->table[i].ctrl = MSIX_CTRL_MASKED;
	return 0;
}

unsigned int msix_table_bytes(const struct msix *m)
{
	return m->nr * MSIX_ENTRY_BYTES;
}

unsigned int msix_pba_bytes(const struct msix *m)
{
	return (m->nr + 63) / 64 * 8;
}

bool msix_vector_valid(const struct msix *m, unsigned int vector)
{
	return vector < m->nr;
}

static bool pending(const struct msix *m, unsigned int v)
{
	return m->pba[v / 64] >> (v % 64) & 1;
}

static void set_pending(struct msix *m, unsigned int v, bool on)
{
	if (on)
		m->pba[v / 64] |= 1ull << (v % 64);
	else
		m->pba[v / 64] &= ~(1ull << (v % 64));
}

static bool masked(const struct msix *m, unsigned int v)
{
	return m->function_masked || (m->table[v].ctrl & MSIX_CTRL_MASKED);
}

/* Send the message of entry @v (unmasked, MSI-X enabled). */
static void deliver(struct msix *m, unsigned int v)
{
	const struct msix_entry *e = &m->table[v];

	if (e->addr_hi || (e->addr_lo & MSIX_ADDR_MASK) != MSIX_ADDR_APIC) {
		if (!m->bad_address_logged)
			fprintf(stderr, "hv-run: %s: MSI-X vector %u has address 0x%08x%08x, outside the local APICs' 0xfeexxxxx: message dropped\n",
				m->name, v, e->addr_hi, e->addr_lo);
		m->bad_address_logged = true;
		m->dropped++;
		return;
	}
	m->send(m->opaque, (uint64_t)e->addr_lo, e->data);
	m->sent++;
}

/* Send every pending vector that is no longer masked. */
static void flush_pending(struct msix *m)
{
	unsigned int v;

	if (!m->enabled)
		return;
	for (v = 0; v < m->nr; v++) {
		if (pending(m, v) && !masked(m, v)) {
			set_pending(m, v, false);
			deliver(m, v);
		}
	}
}

bool msix_notify(struct msix *m, unsigned int vector)
{
	if (!m->enabled || !msix_vector_valid(m, vector))
		return false;
	if (masked(m, vector)) {
		set_pending(m, vector, true);
		m->pended++;
	} else {
		deliver(m, vector);
	}
	return true;
}

void msix_set_control(struct msix *m, bool enabled, bool function_masked)
{
	m->enabled = enabled;
	m->function_masked = function_masked;
	flush_pending(m);
}

/* The entry holding [off, off + size), or -1 when the access is not inside one entry. */
static int entry_at(const struct msix *m, uint64_t off, unsigned int size)
{
	if (!size || size > 8 || off >= msix_table_bytes(m) ||
	    off % MSIX_ENTRY_BYTES + size > MSIX_ENTRY_BYTES)
		return -1;
	return (int)(off / MSIX_ENTRY_BYTES);
}

static void entry_image(const struct msix_entry *e, uint8_t *img)
{
	put_le(img, 4, e->addr_lo);
	put_le(img + 4, 4, e->addr_hi);
	put_le(img + 8, 4, e->data);
	put_le(img + 12, 4, e->ctrl);
}

uint64_t msix_table_read(const struct msix *m, uint64_t off, unsigned int size)
{
	int i = entry_at(m, off, size);
	uint8_t img[MSIX_ENTRY_BYTES];

	if (i < 0)
		return 0;
	entry_image(&m->table[i], img);
	return get_le(img + off % MSIX_ENTRY_BYTES, size);
}

void msix_table_write(struct msix *m, uint64_t off, unsigned int size, uint64_t value)
{
	int i = entry_at(m, off, size);
	uint8_t img[MSIX_ENTRY_BYTES];
	struct msix_entry *e;

	if (i < 0)
		return;
	e = &m->table[i];
	entry_image(e, img);
	put_le(img + off % MSIX_ENTRY_BYTES, size, value);
	e->addr_lo = (uint32_t)get_le(img, 4) & ~3u;	/* bits 1:0 are reserved, read 0 */
	e->addr_hi = (uint32_t)get_le(img + 4, 4);
	e->data = (uint32_t)get_le(img + 8, 4);
	/* Only the mask bit is defined; the others are reserved and read 0. */
	e->ctrl = (uint32_t)get_le(img + 12, 4) & MSIX_CTRL_MASKED;
	flush_pending(m);
}

uint64_t msix_pba_read(const struct msix *m, uint64_t off, unsigned int size)
{
	uint8_t img[8];

	if (!size || size > 8 || off >= msix_pba_bytes(m) || off % 8 + size > 8)
		return 0;
	put_le(img, 8, m->pba[off / 8]);
	return get_le(img + off % 8, size);
}
