/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: one split virtqueue (virtio 1.x, section 2.7), knowing no
 * device and no transport.  Every value read from guest memory is hostile:
 * see queue.c for what is checked.  A malformed ring makes a call return
 * -EINVAL with a one-line reason in q->error; the transport then sets
 * DEVICE_NEEDS_RESET and logs it once.
 *
 * Locking: none inside; the device that owns the queue serializes all calls
 * for one queue (virtio/pci.c: the device lock).
 */
#ifndef HV_RUN_VIRTIO_QUEUE_H
#define HV_RUN_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../mem.h"

#define VIRTQ_MAX_SIZE		256	/* the largest queue hv-run offers */

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* One guest buffer of a chain, already translated and bounds-checked. */
struct virtq_buf {
	uint8_t *hva;
	uint32_t len;
};

/*
 * A popped descriptor chain: the device-readable buffers first (out[]),
 * then the device-writable ones (in[]), as the spec requires them ordered.
 */
struct virtq_chain {
	uint16_t head;			/* what goes back in the used ring */
	unsigned int n_out, n_in;
	uint64_t out_len, in_len;	/* bytes in all readable / writable buffers */
	struct virtq_buf out[VIRTQ_MAX_SIZE];
	struct virtq_buf in[VIRTQ_MAX_SIZE];
};

struct virtq {
	const struct guest_mem *mem;
	uint16_t size;			/* power of two, 1..VIRTQ_MAX_SIZE */
	bool enabled;			/* virtq_enable() accepted the addresses */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* host views of the three areas, set by virtq_enable() */
	uint8_t *desc;
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail;		/* next avail ring entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	char error[160];		/* why the last call failed */
};

/* A disabled queue over @mem with @size entries. */
void virtq_init(struct virtq *q, const struct guest_mem *mem, uint16_t size);
/*
 * Check the size and the three areas (aligned, wholly inside guest RAM) and
 * start with empty rings.  0 or -EINVAL (q->error says why).
 */
int virtq_enable(struct virtq *q);
/* Back to disabled, indices to 0 (device reset). */
void virtq_reset(struct virtq *q);

/*
 * Take the next available chain into @c: 1 if one was taken, 0 if the ring
 * is empty, -EINVAL if the ring is malformed (q->error).  Direct chains are
 * bounded by the queue size; an indirect table may only be the head's sole
 * descriptor and may not contain another indirect one.
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/*
 * Give chain @head back with @len bytes written into its writable buffers.
 * Returns true when the driver wants an interrupt for it.
 */
bool virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/*
 * Several chains given back at once (virtio-net's mergeable receive
 * buffers: the driver must see every buffer of a frame together, not the
 * first one alone): virtq_fill() writes used element @i after those already
 * published, virtq_flush() publishes @n of them.  flush returns true when
 * the driver wants an interrupt.
 */
void virtq_fill(struct virtq *q, unsigned int i, uint16_t head, uint32_t len);
bool virtq_flush(struct virtq *q, unsigned int n);
/*
 * Put the last @n chains taken back into the avail ring, unused (a frame
 * that did not fit waits for more buffers).  Nothing was published for
 * them; they are read and checked again when taken again.
 */
void virtq_unpop(struct virtq *q, uint16_t n);

/* Copy out of the readable buffers from byte @off: bytes copied (short at the end). */
size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *dst, size_t len);
/* Copy into the writable buffers from byte @off: bytes copied. */
size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *src, size_t len);
/*
 * An iovec for @len bytes from byte @off of the readable (@writable false)
 * or writable buffers, at most @max entries: the number of entries, or -1
 * if the buffers end before @off + @len.
 */
int virtq_chain_iov(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
		    struct iovec *iov, int max);

#endif /* HV_RUN_VIRTIO_QUEUE_H */
