/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: virtio-blk's file side (blk_io.c): reads and writes between
 * the image and a request's guest buffers, buffered or O_DIRECT, and
 * discard / write-zeroes.  Each returns a VIRTIO_BLK_S_* status.
 */
#ifndef HV_RUN_VIRTIO_BLK_IO_H
#define HV_RUN_VIRTIO_BLK_IO_H

#include "blk.h"

/*
 * @len bytes at byte @pos of the image to or from the chain's buffers
 * (@write: from the readable ones after the 16-byte header; else into the
 * writable ones).  The range is checked against the capacity already.
 */
uint8_t blk_io_rw(struct virtio_blk *blk, struct virtio_blk_worker *w,
		  const struct virtq_chain *c, uint64_t pos, uint64_t len, bool write);
/* DISCARD or WRITE_ZEROES: the segments in the chain's readable bytes after the header. */
uint8_t blk_io_ranges(struct virtio_blk *blk, const struct virtq_chain *c, uint32_t type);

/*
 * cache=none: open @path with O_DIRECT and find the alignment it needs
 * (statx's STATX_DIOALIGN, else 4096).  The fd, or -errno (-EINVAL: the
 * file system cannot do O_DIRECT).
 */
int blk_io_open_direct(const char *path, bool ro, unsigned int *align);
/* Whether the image can punch holes (probed past its end, where nothing changes). */
bool blk_io_can_punch(int fd, uint64_t size);

#endif /* HV_RUN_VIRTIO_BLK_IO_H */
