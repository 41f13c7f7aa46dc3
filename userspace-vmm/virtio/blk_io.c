// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run virtio: virtio-blk's I/O on the image file.
 *
 * cache=writeback (the default): preadv/pwritev straight between the file
 * and guest RAM; the host's page cache holds the data until FLUSH
 * (fdatasync) or the host writes it back.
 *
 * cache=none: the image is open with O_DIRECT, which wants the file offset,
 * the length and the memory aligned (statx STATX_DIOALIGN; 4096 where the
 * file system does not say).  Guest buffers have any alignment, so the data
 * goes through the worker's aligned bounce buffer, VIRTIO_BLK_BOUNCE_BYTES
 * at a time; the device offers blk_size = the alignment, so a Linux guest
 * sends only aligned requests, and any other is answered IOERR.  FLUSH is
 * still fdatasync: O_DIRECT bypasses the page cache, not the disk's cache
 * or the file's metadata.
 *
 * DISCARD and WRITE_ZEROES (5.2.6.2): the data is an array of 16-byte
 * segments {le64 sector, le32 num_sectors, le32 flags}; at most
 * VIRTIO_BLK_MAX_RANGE_SEGS, each at most VIRTIO_BLK_MAX_RANGE_SECTORS,
 * inside the capacity, flags only UNMAP (write-zeroes), else the request
 * answers IOERR (UNSUPP for a flag we do not know) and nothing is done.
 * DISCARD punches a hole (fallocate PUNCH_HOLE, KEEP_SIZE: the blocks go
 * back to the host file system, the range reads zeros); WRITE_ZEROES
 * zeroes the range with ZERO_RANGE, or with UNMAP (allowed:
 * write_zeroes_may_unmap) or where ZERO_RANGE is not supported (tmpfs),
 * punches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk_io.h"
#include "../le.h"

#define SECTOR		512u
#define HDR_BYTES	16u
#define SEG_BYTES	16u
#define WZ_FLAG_UNMAP	1u

/* All of @len bytes at @off, or false; a read past the end of the file reads zeros. */
static bool full_io(int fd, struct iovec *iov, int n, off_t off, uint64_t len, bool write)
{
	while (len) {
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0) {
			if (write)
				return false;
			for (; n; iov++, n--)	/* EOF: the rest reads as zeros */
				memset(iov->iov_base, 0, iov->iov_len);
			return true;
		}
		len -= (uint64_t)r;
		off += r;
		while (r && n) {
			if ((size_t)r < iov->iov_len) {
				iov->iov_base = (uint8_t *)iov->iov_base + r;
				iov->iov_len -= (size_t)r;
				r = 0;
			} else {
				r -= (ssize_t)iov->iov_len;
				iov++;
				n--;
			}
		}
	}
	return true;
}

/* cache=none: through the bounce buffer, a piece at a time. */
static uint8_t direct_rw(struct virtio_blk *blk, struct virtio_blk_worker *w,
			 const struct virtq_chain *c, uint64_t pos, uint64_t len, bool write)
{
	uint64_t done = 0;

	if (pos % blk->align || len % blk->align)
		return VIRTIO_BLK_S_IOERR;	/* blk_size says what a driver must send */
	while (done < len) {
		size_t n = len - done < VIRTIO_BLK_BOUNCE_BYTES ? (size_t)(len - done) :
								  VIRTIO_BLK_BOUNCE_BYTES;
		struct iovec iov = { w->bounce, n };

		if (write && virtq_chain_read(c, HDR_BYTES + done, w->bounce, n) != n)
			return VIRTIO_BLK_S_IOERR;
		if (!full_io(blk->fd, &iov, 1, (off_t)(pos + done), n, write))
			return VIRTIO_BLK_S_IOERR;
		if (!write && virtq_chain_write(c, done, w->bounce, n) != n)
			return VIRTIO_BLK_S_IOERR;
		done += n;
	}
	return VIRTIO_BLK_S_OK;
}

uint8_t blk_io_rw(struct virtio_blk *blk, struct virtio_blk_worker *w,
		  const struct virtq_chain *c, uint64_t pos, uint64_t len, bool write)
{
	struct iovec iov[VIRTQ_MAX_SIZE];
	int n;

	if (blk->direct)
		return direct_rw(blk, w, c, pos, len, write);
	n = virtq_chain_iov(c, !write, write ? HDR_BYTES : 0, len, iov, VIRTQ_MAX_SIZE);
	if (n < 0 || !full_io(blk->fd, iov, n, (off_t)pos, len, write))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static int punch(int fd, uint64_t off, uint64_t len)
{
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

uint8_t blk_io_ranges(struct virtio_blk *blk, const struct virtq_chain *c, uint32_t type)
{
	uint8_t seg[VIRTIO_BLK_MAX_RANGE_SEGS][SEG_BYTES];
	uint64_t bytes = c->out_len - HDR_BYTES;
	unsigned int n, i;

	if (blk->ro || !blk->discard)
		return blk->ro ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_UNSUPP;
	if (!bytes || bytes % SEG_BYTES || bytes / SEG_BYTES > VIRTIO_BLK_MAX_RANGE_SEGS)
		return VIRTIO_BLK_S_IOERR;
	n = (unsigned int)(bytes / SEG_BYTES);
	if (virtq_chain_read(c, HDR_BYTES, seg, bytes) != bytes)
		return VIRTIO_BLK_S_IOERR;
	/* Every segment is checked before any is carried out. */
	for (i = 0; i < n; i++) {
		uint64_t sector = get_le(seg[i], 8);
		uint32_t count = (uint32_t)get_le(seg[i] + 8, 4), flags = (uint32_t)get_le(seg[i] + 12, 4);

		if (flags & ~(type == VIRTIO_BLK_T_WRITE_ZEROES ? WZ_FLAG_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		if (count > VIRTIO_BLK_MAX_RANGE_SECTORS || sector > blk->sectors ||
		    count > blk->sectors - sector)
			return VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < n; i++) {
		uint64_t off = get_le(seg[i], 8) * SECTOR;
		uint64_t len = get_le(seg[i] + 8, 4) * SECTOR;
		bool unmap = type == VIRTIO_BLK_T_DISCARD || (get_le(seg[i] + 12, 4) & WZ_FLAG_UNMAP);
		int r;

		if (!len)
			continue;
		if (unmap)
			r = punch(blk->fd, off, len);
		else
			r = fallocate(blk->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off,
				      (off_t)len);
		if (r && !unmap && errno == EOPNOTSUPP)
			r = punch(blk->fd, off, len);	/* a hole reads zeros too */
		if (r)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

int blk_io_open_direct(const char *path, bool ro, unsigned int *align)
{
	struct statx stx;
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_DIRECT);

	if (fd < 0)
		return -errno;
	*align = 4096;
	if (!statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) && (stx.stx_mask & STATX_DIOALIGN)) {
		if (!stx.stx_dio_offset_align) {
			close(fd);
			return -EINVAL;		/* the file system says: no O_DIRECT here */
		}
		*align = stx.stx_dio_offset_align > stx.stx_dio_mem_align ?
			 stx.stx_dio_offset_align : stx.stx_dio_mem_align;
		if (*align < SECTOR)
			*align = SECTOR;
	}
	/* A power of two up to the bounce buffer, or we cannot serve it. */
	if (*align & (*align - 1) || *align > VIRTIO_BLK_BOUNCE_BYTES) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

bool blk_io_can_punch(int fd, uint64_t size)
{
	struct stat st;

	/* A regular file only: on a block device a probe past the end proves nothing. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return false;
	return !punch(fd, size, 4096);
}
