// SPDX-License-Identifier: GPL-2.0
/*
 * blk-bench: virtio-blk's host side alone, aio=threads against aio=io_uring
 * (not a test, no pass/fail: `make -C userspace-vmm/tests/unit blk-bench`,
 * then ./blk-bench [DIR]).  A driver in this process posts requests on a
 * 256-entry ring in guest memory (80 chains at most, 3 descriptors each),
 * notifies, and waits for the used ring, as a guest's blk-mq with a deep
 * queue would:
 *   seq-write  64 MiB in 4 KiB writes, sequential, 80 posted at a time,
 *              then a FLUSH (counted in the time)
 *   rand-read  16384 4 KiB reads at random 4 KiB offsets of the same
 *              64 MiB, 80 in flight, after posix_fadvise(DONTNEED) dropped
 *              the file from the host's page cache (the host disk's figure)
 *   rand-read-cached  the same again, the file now cached (the CPU path)
 * Each prints MB/s and IOPS.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../virtio/blk.h"
#include "virtio_driver.h"

#define RING_SIZE	256
#define DESC		0x10000ull
#define AVAIL		0x11000ull
#define USED		0x12000ull
#define HDR		0x20000ull
#define STATUS		0x30000ull
#define DATA		0x100000ull
#define CHAINS		80
#define DISK_BYTES	(64u << 20)
#define REQ		4096u

struct bench {
	struct guest_mem mem;
	struct virtio_blk blk;
	uint16_t avail_idx;
};

static void put(struct bench *b, uint64_t gpa, const void *p, size_t n)
{
	memcpy(b->mem.host + gpa, p, n);
}

static void desc(struct bench *b, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	put(b, DESC + 16 * i, &addr, 8);
	put(b, DESC + 16 * i + 8, &len, 4);
	put(b, DESC + 16 * i + 12, &flags, 2);
	put(b, DESC + 16 * i + 14, &next, 2);
}

static void post(struct bench *b, unsigned int k, uint32_t type, uint64_t sector, uint32_t len)
{
	uint16_t head = (uint16_t)(3 * k), slot = (uint16_t)(b->avail_idx % RING_SIZE);
	uint16_t wr = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;

	put(b, HDR + 16 * k, &type, 4);
	put(b, HDR + 16 * k + 8, &sector, 8);
	if (len) {
		desc(b, head, HDR + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 1);
		desc(b, head + 1, DATA + (uint64_t)REQ * k, len, wr | VIRTQ_DESC_F_NEXT, head + 2);
	} else {
		desc(b, head, HDR + 16 * k, 16, VIRTQ_DESC_F_NEXT, head + 2);
	}
	desc(b, head + 2, STATUS + k, 1, VIRTQ_DESC_F_WRITE, 0);
	put(b, AVAIL + 4 + 2 * slot, &head, 2);
	b->avail_idx++;
}

static void kick_wait(struct bench *b)
{
	__atomic_store_n((uint16_t *)(b->mem.host + AVAIL + 2), b->avail_idx, __ATOMIC_RELEASE);
	virtio_bar_write(&b->blk.vd, VIRTIO_NOTIFY_OFF, 2, 0);
	while (__atomic_load_n((uint16_t *)(b->mem.host + USED + 2), __ATOMIC_ACQUIRE) != b->avail_idx)
		sched_yield();	/* a driver waiting for its interrupt, without a core of its own */
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *aio, const char *what, unsigned int reqs, double s)
{
	printf("%-9s %-17s %8.1f MB/s %9.0f IOPS\n", aio, what, reqs * (double)REQ / s / 1e6,
	       reqs / s);
}

static int run(const char *dir, enum virtio_blk_aio aio, const char *name)
{
	struct virtio_blk_options o = { .nr_queues = 1, .aio = aio };
	struct virtio_dev *vd;
	struct bench b;
	char path[4096];
	unsigned int i, k, pass;
	uint32_t seed = 1;
	double t;
	int fd;

	memset(&b, 0, sizeof(b));
	snprintf(path, sizeof(path), "%s/hv-blk-bench-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, DISK_BYTES)) {
		perror(path);
		return 1;
	}
	close(fd);
	if (mem_init(&b.mem, MEM_MIN_SIZE) || virtio_blk_init(&b.blk, 0, path, &o, &b.mem) ||
	    virtio_blk_start(&b.blk)) {
		fprintf(stderr, "blk-bench: set-up failed\n");
		return 1;
	}
	vd = &b.blk.vd;
	if (!vdrv_up_one_queue(vd, 0, RING_SIZE, DESC, AVAIL, USED)) {
		fprintf(stderr, "blk-bench: the device refused DRIVER_OK\n");
		return 1;
	}
	memset(b.mem.host + DATA, 0x5a, (size_t)REQ * CHAINS);

	t = now();
	for (i = 0; i < DISK_BYTES / REQ; i += CHAINS) {
		for (k = 0; k < CHAINS && i + k < DISK_BYTES / REQ; k++)
			post(&b, k, VIRTIO_BLK_T_OUT, (uint64_t)(i + k) * (REQ / 512), REQ);
		kick_wait(&b);
	}
	post(&b, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	kick_wait(&b);
	report(name, "seq-write+flush", DISK_BYTES / REQ, now() - t);

	for (pass = 0; pass < 2; pass++) {
		if (!pass)
			posix_fadvise(b.blk.fd, 0, 0, POSIX_FADV_DONTNEED);
		t = now();
		for (i = 0; i < 16384; i += CHAINS) {
			for (k = 0; k < CHAINS && i + k < 16384; k++) {
				seed = seed * 1103515245 + 12345;
				post(&b, k, VIRTIO_BLK_T_IN,
				     (uint64_t)((seed >> 8) % (DISK_BYTES / REQ)) * (REQ / 512), REQ);
			}
			kick_wait(&b);
		}
		report(name, pass ? "rand-read-cached" : "rand-read", 16384, now() - t);
		seed = 1;
	}
	virtio_blk_stop(&b.blk);
	mem_destroy(&b.mem);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";

	return run(dir, VIRTIO_BLK_AIO_THREADS, "threads") ||
	       run(dir, VIRTIO_BLK_AIO_IO_URING, "io_uring");
}
