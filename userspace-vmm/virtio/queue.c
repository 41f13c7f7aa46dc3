// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: the split virtqueue (virtio 1.x, 2.7).
 *
 * What a guest controls and how it is checked:
 *   - queue size: a power of two up to VIRTQ_MAX_SIZE (free-running 16-bit
 *     indices only map onto ring slots modulo a power of two);
 *   - ring addresses: aligned as 2.7 asks (16, 2, 4) and each area wholly
 *     inside guest RAM (mem_gpa_to_hva() refuses wrap-around and holes);
 *     RAM never moves, so the host views are taken once, at enable;
 *   - avail->idx: at most the queue size ahead of what we took, or the ring
 *     is malformed (the driver cannot have more buffers out than entries);
 *   - a head or next index: below the queue size;
 *   - a chain: at most the queue size descriptors in all (this also ends
 *     loops), readable buffers before writable ones;
 *   - an indirect table: only as the head's sole descriptor (INDIRECT and
 *     NEXT together are forbidden, 2.7.5.3.1), a nonzero multiple of 16
 *     bytes, inside RAM, entries indexed within the table, no indirect
 *     descriptor inside it;
 *   - each buffer: [addr, addr + len) inside guest RAM.
 * Fields the guest may change under us are read once (a local copy) and
 * then checked, never re-read.
 *
 * Barriers (2.7.13): after reading avail->idx, an acquire fence before the
 * ring entries and descriptors; before publishing used->idx, a release
 * fence after the used element; between publishing used->idx and reading
 * avail->flags for NO_INTERRUPT, a full fence (the driver's side of the
 * same handshake re-checks used->idx after setting the flag).
 * VIRTIO_F_EVENT_IDX is not offered.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "queue.h"

#define DESC_SIZE	16

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint16_t load16(const uint8_t *p)
{
	uint16_t v;

	v = __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	return v;
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
}

/* A descriptor from a table at @table, copied once (the guest may rewrite it). */
static struct desc read_desc(const uint8_t *table, unsigned int i)
{
	struct desc d;

	memcpy(&d, table + (size_t)i * DESC_SIZE, sizeof(d));
	return d;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct virtq *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->error, sizeof(q->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void virtq_init(struct virtq *q, const struct guest_mem *mem, uint16_t size)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	q->size = size;
}

void virtq_reset(struct virtq *q)
{
	virtq_init(q, q->mem, VIRTQ_MAX_SIZE);
}

int virtq_enable(struct virtq *q)
{
	uint64_t n = q->size;

	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return fail(q, "queue size %u is not a power of two up to %u", q->size, VIRTQ_MAX_SIZE);
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3))
		return fail(q, "misaligned ring (desc %#llx, avail %#llx, used %#llx)",
			    (unsigned long long)q->desc_gpa, (unsigned long long)q->avail_gpa,
			    (unsigned long long)q->used_gpa);
	q->desc = mem_gpa_to_hva(q->mem, q->desc_gpa, DESC_SIZE * n);
	q->avail = mem_gpa_to_hva(q->mem, q->avail_gpa, 6 + 2 * n);
	q->used = mem_gpa_to_hva(q->mem, q->used_gpa, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used)
		return fail(q, "ring outside guest RAM (desc %#llx, avail %#llx, used %#llx, size %u)",
			    (unsigned long long)q->desc_gpa, (unsigned long long)q->avail_gpa,
			    (unsigned long long)q->used_gpa, q->size);
	q->last_avail = 0;
	q->used_idx = 0;
	q->enabled = true;
	return 0;
}

/* Append the buffer descriptor @d names to @c, or fail (outside RAM, readable after writable). */
static int add_buf(struct virtq *q, struct virtq_chain *c, const struct desc *d)
{
	uint8_t *hva = mem_gpa_to_hva(q->mem, d->addr, d->len);

	if (!hva)
		return fail(q, "buffer %#llx+%#x outside guest RAM", (unsigned long long)d->addr, d->len);
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->in[c->n_in].hva = hva;
		c->in[c->n_in].len = d->len;
		c->n_in++;
		c->in_len += d->len;
	} else {
		if (c->n_in)
			return fail(q, "readable buffer after a writable one in chain %u", c->head);
		c->out[c->n_out].hva = hva;
		c->out[c->n_out].len = d->len;
		c->n_out++;
		c->out_len += d->len;
	}
	return 0;
}

/* The chain in the table @head points at: 1 (a chain taken) or -EINVAL. */
static int walk_indirect(struct virtq *q, struct virtq_chain *c, const struct desc *head)
{
	const uint8_t *table;
	unsigned int n, i, taken;
	struct desc d;
	int r;

	if (head->flags & VIRTQ_DESC_F_NEXT)
		return fail(q, "indirect descriptor %u with NEXT set", c->head);
	if (!head->len || head->len % DESC_SIZE)
		return fail(q, "indirect table of %u bytes in chain %u", head->len, c->head);
	n = head->len / DESC_SIZE;
	table = mem_gpa_to_hva(q->mem, head->addr, head->len);
	if (!table)
		return fail(q, "indirect table %#llx+%#x outside guest RAM",
			    (unsigned long long)head->addr, head->len);
	for (i = 0, taken = 0;; taken++) {
		if (taken >= n || taken >= q->size)
			return fail(q, "indirect chain %u longer than its table or the queue", c->head);
		d = read_desc(table, i);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return fail(q, "indirect table inside an indirect table in chain %u", c->head);
		r = add_buf(q, c, &d);
		if (r)
			return r;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 1;
		if (d.next >= n)
			return fail(q, "indirect next index %u beyond the table of %u", d.next, n);
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, pending, i;
	unsigned int taken;
	struct desc d;
	int r;

	if (!q->enabled)
		return 0;
	avail_idx = load16(q->avail + 2);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (!pending)
		return 0;
	if (pending > q->size)
		return fail(q, "avail index %u is %u ahead of %u, queue size %u", avail_idx, pending,
			    q->last_avail, q->size);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c->head = load16(q->avail + 4 + 2 * (q->last_avail & (q->size - 1)));
	c->n_out = c->n_in = 0;
	c->out_len = c->in_len = 0;
	q->last_avail++;
	if (c->head >= q->size)
		return fail(q, "avail ring names descriptor %u, queue size %u", c->head, q->size);
	d = read_desc(q->desc, c->head);
	if (d.flags & VIRTQ_DESC_F_INDIRECT)
		return walk_indirect(q, c, &d);
	for (taken = 0;; taken++) {
		if (taken >= q->size)
			return fail(q, "chain %u longer than the queue (a loop?)", c->head);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return fail(q, "indirect descriptor inside chain %u", c->head);
		r = add_buf(q, c, &d);
		if (r)
			return r;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 1;
		i = d.next;
		if (i >= q->size)
			return fail(q, "next index %u in chain %u, queue size %u", i, c->head, q->size);
		d = read_desc(q->desc, i);
	}
}

void virtq_fill(struct virtq *q, unsigned int i, uint16_t head, uint32_t len)
{
	uint8_t *elem;

	if (!q->enabled)
		return;
	elem = q->used + 4 + 8 * ((uint16_t)(q->used_idx + i) & (q->size - 1));
	store32(elem, head);
	store32(elem + 4, len);
}

bool virtq_flush(struct virtq *q, unsigned int n)
{
	if (!q->enabled)
		return false;
	q->used_idx = (uint16_t)(q->used_idx + n);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(q->used + 2, q->used_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(load16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

bool virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	virtq_fill(q, 0, head, len);
	return virtq_flush(q, 1);
}

void virtq_unpop(struct virtq *q, uint16_t n)
{
	q->last_avail = (uint16_t)(q->last_avail - n);
}

static size_t chain_copy(const struct virtq_buf *b, unsigned int n, uint64_t off, uint8_t *p,
			 size_t len, bool to_guest)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= b[i].len) {
			off -= b[i].len;
			continue;
		}
		chunk = b[i].len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_guest)
			memcpy(b[i].hva + off, p + done, chunk);
		else
			memcpy(p + done, b[i].hva + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *dst, size_t len)
{
	return chain_copy(c->out, c->n_out, off, dst, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *src, size_t len)
{
	return chain_copy(c->in, c->n_in, off, (uint8_t *)src, len, true);
}

int virtq_chain_iov(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
		    struct iovec *iov, int max)
{
	const struct virtq_buf *b = writable ? c->in : c->out;
	unsigned int n = writable ? c->n_in : c->n_out, i;
	int k = 0;

	for (i = 0; i < n && len; i++) {
		uint64_t chunk;

		if (off >= b[i].len) {
			off -= b[i].len;
			continue;
		}
		if (k == max)
			return -1;
		chunk = b[i].len - off;
		if (chunk > len)
			chunk = len;
		iov[k].iov_base = b[i].hva + off;
		iov[k].iov_len = chunk;
		k++;
		len -= chunk;
		off = 0;
	}
	return len ? -1 : k;
}
