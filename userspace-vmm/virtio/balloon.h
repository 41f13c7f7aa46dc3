/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-run virtio: virtio-balloon (virtio 1.x, 5.5): inflate and deflate
 * queues, the statistics queue (VIRTIO_BALLOON_F_STATS_VQ) and, with
 * ',report', free page reporting (VIRTIO_BALLOON_F_REPORTING).  Pages the
 * guest puts in the balloon or reports free are given back to the host with
 * madvise(MADV_DONTNEED): guest RAM is one private anonymous mapping
 * (mem.c), so the next touch of such a page gets a fresh zero page; with
 * --mem-path RAM is a shared file and a hole is punched in it instead.  See
 * balloon.c and docs/vmm.md ("virtio-balloon").
 */
#ifndef HV_RUN_VIRTIO_BALLOON_H
#define HV_RUN_VIRTIO_BALLOON_H

#include <stdio.h>

#include "virtio.h"

#define VIRTIO_BALLOON_F_STATS_VQ	1
#define VIRTIO_BALLOON_F_REPORTING	5
#define VIRTIO_BALLOON_PFN_SHIFT	12	/* PFNs in the queues are 4 KiB frames, always */
#define VIRTIO_BALLOON_PAGE		(1ull << VIRTIO_BALLOON_PFN_SHIFT)
#define VIRTIO_BALLOON_CFG_NUM_PAGES	0	/* le32, device-written: the target */
#define VIRTIO_BALLOON_CFG_ACTUAL	4	/* le32, driver-written: pages in the balloon */
#define VIRTIO_BALLOON_NR_STATS		16	/* tags 0-15 (Linux 6.12 sends up to 15) */

/* A run of guest-physical memory to give back: [gpa, gpa + len), 4 KiB aligned. */
struct balloon_range {
	uint64_t gpa, len;
};

struct virtio_balloon {
	struct virtio_dev vd;
	const struct guest_mem *mem;
	bool report;			/* VIRTIO_BALLOON_F_REPORTING offered */
	int discard_advice;		/* MADV_DONTNEED; a unit test may substitute */
	/* guarded by vd.lock */
	struct virtq_chain chain;
	bool stats_held;		/* the driver's stats buffer is ours (head stats_head) */
	uint16_t stats_head;
	bool stats_wanted;		/* print one line when the driver answers */
	bool stats_seen;		/* stats[] hold what the driver sent */
	uint64_t stats[VIRTIO_BALLOON_NR_STATS];
	uint64_t inflated, deflated;	/* pages the driver put in / took out */
	uint64_t discarded;		/* pages given back to the host (inflate + reporting) */
	uint64_t reported;		/* pages the driver reported free */
	uint64_t bad_pfns;		/* PFNs outside guest RAM: ignored */
	uint64_t discard_failed;	/* madvise() refused (pages stay) */
	bool no_madvise;		/* ENOSYS once: MAP_FIXED over the range instead */
};

/* 0 or -errno; @report offers free page reporting.  Plug with virtio_dev_plug(&b->vd, ...). */
int virtio_balloon_init(struct virtio_balloon *b, const struct guest_mem *mem, bool report);
/*
 * Ask the guest for a balloon of @pages 4 KiB pages (the config's
 * num_pages, then a configuration-change interrupt).  Any thread but a
 * vCPU's inside a notification.
 */
void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages);
/*
 * Ask for fresh statistics: when the driver answers (or at once without a
 * statistics queue) one line goes to @out with the target, the balloon's
 * size, the pages given back and the guest's statistics.  Any thread.
 */
void virtio_balloon_request_stats(struct virtio_balloon *b);
/* That line, now, with what is known (for --stats at exit).  Any thread. */
void virtio_balloon_print(struct virtio_balloon *b, FILE *out);

/*
 * The pure parts (unit tests).  A page the guest may give back lies wholly
 * in RAM that the e820 map calls usable: [0, 0x9f000), [1 MiB, low_end),
 * [4 GiB, 4 GiB + high_size); not the EBDA, the VGA window or the ROM and
 * BIOS areas (their content is ours, not the guest's).
 */
bool balloon_range_ok(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
/*
 * @n PFNs (as the driver sent them) as runs of adjacent pages in @out (room
 * for @n): each valid PFN extends the previous run when it follows it
 * directly, else starts a new one; invalid ones are counted in *@bad and
 * skipped.  Returns the number of runs.
 */
unsigned int balloon_coalesce(const struct guest_mem *mem, const uint32_t *pfns, unsigned int n,
			      struct balloon_range *out, uint64_t *bad);

#endif /* HV_RUN_VIRTIO_BALLOON_H */
